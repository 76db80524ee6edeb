"""File names made from a department's name: safe on Windows and Linux, and short enough.

A file name may have at most 255 bytes; a department's name may be long (an 80-character
name is 240 bytes in UTF-8). The name is kept whole when it fits, else cut at a character
and followed by a short hash of the whole name, so that two long names stay apart and the
same name always gives the same file name.
"""
from __future__ import annotations

import hashlib
import re

UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')
LIMIT = 150  # bytes for the name part: the rest of a file name ("-2025-部门预算公开.pdf") fits


def file_stem(text: str, limit: int = LIMIT) -> str:
    """``text`` with characters unsafe in file names replaced, at most ``limit`` UTF-8 bytes."""
    safe = UNSAFE.sub("_", text)
    if len(safe.encode("utf-8")) <= limit:
        return safe
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    head = safe.encode("utf-8")[: limit - len(digest) - 1].decode("utf-8", "ignore")
    return f"{head}-{digest}"
