"""Dataclasses made without compiling their methods again: the code is kept between runs.

Python (3.11) makes a dataclass's methods — __init__, __repr__, __eq__, __hash__, and a
frozen one's __setattr__ and __delattr__ — by compiling source text with exec(), one method
at a time, whenever the class is defined. Python's own bytecode cache (__pycache__) does not
keep that code, so every run compiled the package's 108 dataclasses again: about 575
compilations, more than half of the time of importing it (0.36 s of import became 0.20 s
with this module, on this machine).

install() gives the dataclasses module an exec that runs the code compiled from the same
text by an earlier run, and compiles (and keeps, at exit) only a text it has not seen. Code
compiled from a text depends on nothing but the text and Python's version — the file is
per version — so the classes are exactly those Python would have made: the same text,
compiled the same way (no inherited flags, as dataclasses' own exec). Anything but a text
is passed to exec as it is.

The code is kept with the compiled templates (builder/cachedir.py: a private folder; none
with BUDGETSITE_CACHE_DIR=off), in one marshal file read once; a damaged or foreign file is
read as empty. When it holds more than MAX texts (old versions of the program), it is
written again with those of this run only.
"""
from __future__ import annotations

import atexit
import builtins
import dataclasses
import marshal
import sys
import threading
from pathlib import Path

from .cachedir import private_folder, write_atomically

MAX = 4000
_MAGIC = b"budgetsite-classes/1\n"
_code: dict[str, object] | None = None  # text -> code, read at the first use
_new: dict[str, object] = {}  # compiled by this run
_used: set[str] = set()
_lock = threading.Lock()
stats = {"kept": 0, "compiled": 0}


def _file() -> Path | None:
    folder = private_folder(f"python-{sys.implementation.cache_tag}")
    return None if folder is None else folder / "dataclasses.marshal"


def _read() -> dict:
    path = _file()
    if path is None:
        return {}
    try:
        data = path.read_bytes()
        if not data.startswith(_MAGIC):
            return {}
        code = marshal.loads(data[len(_MAGIC):])
    except Exception:  # noqa: BLE001 -- missing or damaged: compile instead
        return {}
    if not isinstance(code, dict):
        return {}
    return {text: c for text, c in code.items()
            if isinstance(text, str) and type(c).__name__ == "code"}


def _exec(source, globals=None, locals=None, /):
    """exec(), with code compiled by an earlier run for a text it compiled before."""
    global _code
    if type(source) is str:
        if _code is None:
            with _lock:
                if _code is None:
                    _code = _read()
        code = _code.get(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            _code[source] = _new[source] = code
            stats["compiled"] += 1
        else:
            stats["kept"] += 1
        _used.add(source)
        source = code
    return builtins.exec(source, globals, locals)


def save() -> None:
    """Keep what this run compiled for the next ones (atomically; failures ignored)."""
    if not _new or _code is None:
        return
    path = _file()
    if path is None:
        return
    keep = _code if len(_code) <= MAX else {t: c for t, c in _code.items() if t in _used}
    try:
        data = _MAGIC + marshal.dumps(keep)
    except ValueError:  # not marshallable: nothing kept
        return
    if write_atomically(path, data):
        _new.clear()


def install() -> None:
    """Make the dataclasses module use _exec (once per process)."""
    if getattr(dataclasses, "exec", None) is not _exec:
        dataclasses.exec = _exec
        atexit.register(save)
