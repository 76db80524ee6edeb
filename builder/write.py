"""Write stage: the one writer of the output folder, atomically.

Everything is first written to a temporary folder beside the output (same file system), so
a build that fails, or is interrupted while writing, leaves the previous site untouched.
The new files then take their places in the output folder one by one with ``os.replace``
(an atomic rename of a file over a file, on Linux, macOS and Windows alike); files the
new build no longer has are removed last. The output folder itself is never moved away:
there is no moment without it, and a reader (the preview server, a browser) always gets a
whole old or a whole new file. A file whose bytes did not change is left as it is.

Why not swap folders: a folder cannot be renamed over a non-empty folder (so the old one
must first move away, leaving a window with no output), a symlink swap needs privileges on
Windows and makes the output a link, and Linux's RENAME_EXCHANGE is not portable.

Temporary folders are named ``.budgetsite-new-<pid>-…``; those left by interrupted builds
(their process gone, older than this run) are removed at the start of the next write.
"""
from __future__ import annotations

import filecmp
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path

from .errors import BudgetError, Pos
from .i18n import _

MARKER = ".budgetsite-output"
#: temporary folders this process is writing now (never cleaned by another build)
_IN_USE: set[str] = set()
_IN_USE_LOCK = threading.Lock()
_OURS = re.compile(r"\.budgetsite-(?:new|old)-(\d+)-[a-z0-9_]{8}")
_LEGACY = re.compile(r"\.budgetsite-(?:old-)?[a-z0-9_]{8}")  # made by earlier versions, no pid
_LEGACY_AGE = 3600.0  # s: a legacy folder this old is no build's any more
_MAX_AGE = 86400.0  # s: no build runs this long (a pid may have been reused)


def _check_target(out: Path, site_root: Path) -> None:
    out_r, root_r = out.resolve(), site_root.resolve()
    if out_r == root_r or out_r in root_r.parents or (out_r / "content").exists():
        raise BudgetError(Pos(str(out)), _("不能把网站写到站点自己的源文件上：请用 --out 另选一个输出文件夹"))
    if out.exists() and not (out / MARKER).exists() and any(out.iterdir()):
        raise BudgetError(
            Pos(str(out)),
            _("输出文件夹已存在，且不是 budgetsite 生成的：请清空它，或用 --out 另选一个输出文件夹"),
        )


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (on Windows: assumed so; the age limit cleans up)."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill would terminate it there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def clean_stale(parent: Path, started: float | None = None) -> list[Path]:
    """Remove the temporary folders of interrupted builds from ``parent``; return them.

    A folder is stale when it is older than ``started`` (this run), not being written by
    this process, and its process is gone (or, for folders of older versions that carry no
    pid, it is over an hour old; any over a day old)."""
    started = time.time() if started is None else started
    removed = []
    try:
        children = list(Path(parent).iterdir())
    except OSError:
        return removed
    now = time.time()
    for child in children:
        ours, legacy = _OURS.fullmatch(child.name), _LEGACY.fullmatch(child.name)
        if not (ours or legacy):
            continue
        with _IN_USE_LOCK:
            if str(child) in _IN_USE:
                continue
        try:
            if child.is_symlink() or not child.is_dir():
                continue
            mtime = child.stat().st_mtime
        except OSError:
            continue
        if mtime >= started:
            continue
        age = now - mtime
        if ours:
            pid = int(ours.group(1))
            if pid == os.getpid() or (_alive(pid) and age < _MAX_AGE):
                continue  # ours but not in use cannot happen; another build still running
        elif age < _LEGACY_AGE:
            continue
        shutil.rmtree(child, ignore_errors=True)
        if not child.exists():
            removed.append(child)
    return removed


class FileInUse(BudgetError):
    """A file of the output that another program holds open (Windows), so it cannot be replaced
    or removed: the message names it; the rest of the output is written, and the next build
    completes it."""


def _in_use(path: Path) -> FileInUse:
    return FileInUse(Pos(str(path)), _("这个文件正被其他程序打开，无法更新：请关闭它（如 PDF 阅读器、Excel、"
                                       "资源管理器的预览窗格）后重新生成。网站的其他文件已更新，这个文件仍是上一次的版本"))


def _retry(action, path: Path) -> None:
    """``action()``, retried a little while a reader holds ``path`` open (Windows)."""
    for attempt in range(50):
        try:
            action()
            return
        except PermissionError:
            if attempt == 49:
                raise _in_use(path) from None
            time.sleep(0.02)


def _replace(src: Path, dst: Path) -> None:
    _retry(lambda: os.replace(src, dst), dst)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _make_dirs(out: Path, rel_dir: Path) -> None:
    """Folders of ``rel_dir`` under ``out``, replacing a file (or link) in the way."""
    here = out
    for part in rel_dir.parts:
        here = here / part
        if here.is_symlink() or (here.exists() and not here.is_dir()):
            here.unlink()
        if not here.is_dir():
            here.mkdir()


def _swap_in(tmp: Path, out: Path, files: dict[str, bytes], kept: frozenset = frozenset()) -> None:
    """Move the files of ``tmp`` into ``out`` one by one, then drop what is no longer built
    (``kept``: files of ``out`` that stay as they are)."""
    for rel in [MARKER] + sorted(files):
        src, dst = tmp / rel, out / rel
        _make_dirs(out, Path(rel).parent)
        if dst.is_symlink() or (dst.exists() and not dst.is_file()):
            _retry(lambda: _remove(dst), dst)
        elif dst.is_file() and rel in files:
            data = files[rel]
            try:
                if isinstance(data, Path):  # a file made elsewhere (linked into tmp)
                    if os.path.samefile(data, dst) or filecmp.cmp(data, dst, shallow=False):
                        continue
                elif dst.stat().st_size == len(data) and dst.read_bytes() == data:
                    continue  # unchanged: leave it (and its date) alone
            except OSError:
                pass
        _replace(src, dst)
    keep = {MARKER, *files, *kept}
    keep_dirs = set()
    for rel in keep:
        parts = rel.split("/")
        keep_dirs.update("/".join(parts[:k]) for k in range(1, len(parts)))
    for folder, dirs, names in os.walk(out, topdown=False):
        inner = os.path.relpath(folder, out)
        prefix = "" if inner == "." else inner.replace(os.sep, "/") + "/"
        for name in names + dirs:
            rel = prefix + name
            if rel in keep:
                continue
            path = Path(folder, name)
            if rel in keep_dirs and path.is_dir() and not path.is_symlink():
                continue
            _retry(lambda: _remove(path), path)


def _link(src: Path, dst: Path) -> None:
    """``dst`` as a hard link to ``src`` (no copy of the bytes), else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _unchanged(out: Path, blobs: dict) -> set[str]:
    """The files of ``blobs`` that ``out`` has already, byte for byte (regular files only)."""
    same = set()
    base = os.path.realpath(out)
    for rel, data in blobs.items():
        if isinstance(data, Path):
            continue  # a file made elsewhere: compared when it is linked in (_swap_in)
        path = os.path.normpath(os.path.join(base, rel))
        try:
            if os.path.realpath(path) != path:  # reached through a link: replaced (_swap_in)
                continue
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode) and info.st_size == len(data):
                with open(path, "rb") as handle:
                    if handle.read() == data:
                        same.add(rel)
        except OSError:
            continue
    return same


def write_site(files: dict[str, bytes | str | Path], out: Path, site_root: Path,
               kept: set[str] | frozenset = frozenset()) -> None:
    """Write ``files`` (relative path -> content) as the new output folder.

    A ``Path`` value is a file already made (a portal's publisher output, kept from the last
    build or staged by a worker): it is hard-linked (else copied), never read into memory.
    ``kept``: relative paths of files the output folder has already, with the content this
    build would give them (an unchanged edition's, builder/incremental.py); they are part of
    the new output without being written again."""
    started = time.time()
    out = Path(out)
    _check_target(out, site_root)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out.parent, started)
    blobs = {rel: (content.encode("utf-8") if isinstance(content, str) else content)
             for rel, content in files.items()}
    if (out / MARKER).is_file():  # a file whose bytes did not change is left as it is,
        same = _unchanged(out, blobs)  # and not written to the temporary folder either
        kept = set(kept) | same
        blobs = {rel: data for rel, data in blobs.items() if rel not in same}
    with _IN_USE_LOCK:
        tmp = Path(tempfile.mkdtemp(prefix=f".budgetsite-new-{os.getpid()}-", dir=out.parent))
        _IN_USE.add(str(tmp))
    try:
        for rel, data in sorted(blobs.items()):
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, Path):
                _link(data, path)
            else:
                path.write_bytes(data)
        (tmp / MARKER).write_text("built by budgetsite; this folder is replaced on every build\n",
                                  encoding="utf-8")
        os.chmod(tmp, 0o755)
        if not kept and not out.exists() and not out.is_symlink():
            os.rename(tmp, out)  # nothing to replace: the whole folder at once
        else:
            _swap_in(tmp, out, blobs, frozenset(kept) - set(blobs))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        with _IN_USE_LOCK:
            _IN_USE.discard(str(tmp))
