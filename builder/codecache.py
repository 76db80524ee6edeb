"""Compiled templates kept between runs: a private folder of Jinja bytecode.

Compiling the site's templates and the narratives' expressions is a large part of a build
in a fresh process (every `budgetsite build`). Their compiled code depends only on their
source, the program (its Jinja environments' settings) and the versions of Jinja and
Python, so it is kept in a cache folder and loaded by the next run instead:

    $BUDGETSITE_CACHE_DIR, else $XDG_CACHE_HOME/budgetsite, else ~/.cache/budgetsite
    (on Windows %LOCALAPPDATA%\\budgetsite)

with a subfolder per Jinja version and program, so a stale entry is never read. The output
does not depend on it: a build with the cache, without it (``BUDGETSITE_CACHE_DIR=off``) or
with it damaged gives the same bytes. The folder is made readable by its owner only, and a
folder another user could write to is not used (compiled code is code).
"""
from __future__ import annotations

import functools
import hashlib
import marshal
import sys
from pathlib import Path

import jinja2
from jinja2.bccache import FileSystemBytecodeCache

from .cachedir import ENV_VAR, private_folder, write_atomically

_MAGIC = b"budgetsite-code/1\n"


@functools.lru_cache(maxsize=None)
def _program() -> str:
    """The program's fingerprint: the budgetsite package's Python files, Jinja, Python."""
    digest = hashlib.sha256(f"{jinja2.__version__}\0{sys.version}\0".encode())
    here = Path(__file__).resolve().parent
    for path in sorted(here.rglob("*.py")):
        digest.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def folder(kind: str) -> Path | None:
    """The cache folder for ``kind`` (templates | narratives), made if need be; None when
    caching is off or the folder cannot be used."""
    return private_folder(f"jinja-{jinja2.__version__}-{_program()}", kind)


class _QuietCache(FileSystemBytecodeCache):
    """Jinja's bytecode folder, where a failure to read or write only means no caching."""

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 -- damaged (a bad pickle, a short file): compile instead
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def templates() -> jinja2.BytecodeCache | None:
    """The bytecode cache of the site's templates (render.environment)."""
    path = folder("templates")
    return _QuietCache(str(path)) if path is not None else None


def _entry(kind: str, source: str) -> Path | None:
    path = folder(kind)
    if path is None:
        return None
    return path / (hashlib.sha256(source.encode("utf-8")).hexdigest() + ".code")


def load(kind: str, source: str):
    """The code compiled from ``source`` by a run before, or None."""
    entry = _entry(kind, source)
    if entry is None:
        return None
    try:
        data = entry.read_bytes()
    except OSError:
        return None
    if not data.startswith(_MAGIC):
        return None
    check, _, body = data[len(_MAGIC):].partition(b"\n")
    if check != hashlib.sha256(source.encode("utf-8")).hexdigest().encode():
        return None
    try:
        return marshal.loads(body)
    except Exception:  # noqa: BLE001 -- damaged: compile instead
        return None


def store(kind: str, source: str, code) -> None:
    """Keep the code compiled from ``source`` for the next run (atomically; failures ignored)."""
    entry = _entry(kind, source)
    if entry is None:
        return
    data = _MAGIC + hashlib.sha256(source.encode("utf-8")).hexdigest().encode() + b"\n" + marshal.dumps(code)
    write_atomically(entry, data)


__all__ = ["ENV_VAR", "folder", "load", "store", "templates"]
