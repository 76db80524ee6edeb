"""The private cache folder of compiled code kept between runs (builder/codecache.py: the
templates; builder/classcode.py: the dataclasses' methods):

    $BUDGETSITE_CACHE_DIR, else $XDG_CACHE_HOME/budgetsite, else ~/.cache/budgetsite
    (on Windows %LOCALAPPDATA%\\budgetsite); BUDGETSITE_CACHE_DIR=off: none.

It is made readable by its owner only, and a folder another user could write to is not
used (compiled code is code). Nothing here imports more than the standard library.
"""
from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

ENV_VAR = "BUDGETSITE_CACHE_DIR"


def base() -> Path | None:
    chosen = os.environ.get(ENV_VAR, "").strip()
    if chosen.lower() in ("off", "0", "none", "no"):
        return None
    if chosen:
        return Path(chosen)
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "budgetsite"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    try:
        return (Path(xdg) if xdg else Path.home() / ".cache") / "budgetsite"
    except (RuntimeError, KeyError, OSError):  # no home folder: no cache
        return None


def private(folder: Path) -> bool:
    """Whether ``folder`` is ours alone (POSIX: owned by us, no one else may write)."""
    if sys.platform == "win32":
        return folder.is_dir()
    try:
        info = folder.stat()
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def private_folder(*parts: str) -> Path | None:
    """The cache folder base/parts…, made if need be; None when caching is off or the
    folder (or one above it, up to the base) cannot be used."""
    top = base()
    if top is None:
        return None
    chain = [top]
    for part in parts:
        chain.append(chain[-1] / part)
    try:
        for folder in chain:
            if not folder.is_dir():
                folder.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    return chain[-1] if all(private(folder) for folder in chain) else None


def write_atomically(path: Path, data: bytes) -> bool:
    """``data`` as the file ``path``, whole or not at all (a temporary file beside it, then
    renamed); False when it could not be written (a cache that is not kept is no error)."""
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(handle, "wb") as tmp:
            tmp.write(data)
        os.replace(name, path)
        return True
    except OSError:
        try:
            os.remove(name)
        except OSError:
            pass
        return False
