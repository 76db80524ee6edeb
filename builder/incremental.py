"""Incremental builds: an edition whose inputs did not change is not built again.

Every edition's output folder holds ``.edition-hash.json`` (like the PDF's ``.pdf-hash``): the
hash of everything the edition's pages and data files are made from, and what the build
learnt making them — the list of files (with their sizes), the findings of the checks and
what the freeze compares (builder/freeze.py). When the next build computes the same hash,
and the files are still there, the edition is neither loaded, checked, nor rendered: its
files stay as they are, its findings are reported again and its frozen content is compared.

The hash covers (see :func:`edition_keys`):

* the files of the edition's folder (content/<year>/, every file and folder name);
* the files of the edition of the year before, if there is one (content/<year-1>/): its
  figures are this year's 上年 figures (derive.carried: made from that edition alone);
* the site's shared inputs: site.yaml, formats/, tablesets/, codes/, performance-layouts/,
  the templates and theme in use (the site's own or the bundled ones);
* the program: every file of the budgetsite package (its rules, formats, code lists and
  messages), the version of Python and those of Jinja, MarkupSafe, markdown-it and PyYAML;
* the build's settings: the message language, SOURCE_DATE_EPOCH, and every edition's year,
  department, status and PDF link (the year switcher and the archive list them).

What is not in it cannot change an edition's files: other editions' content (but last
year's), the output folder's place, the time of day.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import Pos
from .findings import Finding

STAMP = ".edition-hash.json"
FORMAT = 2  # bump when the stamp or what the hash covers changes
_PACKAGE = Path(__file__).resolve().parent
_SITE_FOLDERS = ("formats", "tablesets", "codes", "performance-layouts")


def _entries(folder: Path) -> list[tuple[str, str | None]]:
    """Every folder and file under ``folder`` as (relative path, file path or None for a
    folder), sorted; symbolic links are followed (the loader reads through them), each real
    folder once; Python caches are skipped."""
    out: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for top, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(top)
        if real in seen:  # a link back up, or a second link to the same folder
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        rel = os.path.relpath(top, folder)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        out.extend((prefix + d, None) for d in dirs)
        out.extend((prefix + n, os.path.join(top, n)) for n in names if not n.endswith(".pyc"))
    out.sort(key=lambda entry: entry[0].split("/"))
    return out


def _add_folder(digest, folder: Path, label: str) -> None:
    digest.update(f"\0folder\0{label}\0".encode("utf-8"))
    for rel, path in _entries(folder) if folder.is_dir() else ():
        if path is None:
            digest.update(f"d\0{rel}\0".encode("utf-8"))
            continue
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:  # a broken link, a folder we may not read: the build will say so
            digest.update(f"x\0{rel}\0".encode("utf-8"))
            continue
        digest.update(f"f\0{rel}\0{len(data)}\0".encode("utf-8"))
        digest.update(data)


def _versions() -> str:
    """Python's version and the libraries' that shape the output (Jinja, MarkupSafe,
    markdown-it, PyYAML): the hash of each one's ``__init__.py``, which carries its version,
    read without importing it (an unchanged build needs none of them but PyYAML)."""
    from importlib.util import find_spec

    parts = [".".join(map(str, sys.version_info[:2]))]
    for name in ("jinja2", "markupsafe", "markdown_it", "yaml"):
        spec = find_spec(name)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        data = origin.read_bytes() if origin is not None and origin.is_file() else b""
        parts.append(f"{name}:{hashlib.sha256(data).hexdigest()}")
    return json.dumps(parts)


def site_digest(root: Path, templates: Path, theme: Path, language: str) -> str:
    """The hash of what every edition shares: site files, templates, theme, program, settings."""
    from . import __version__

    digest = hashlib.sha256(f"budgetsite-edition/{FORMAT}/{__version__}".encode())
    digest.update(_versions().encode())
    digest.update(f"\0lang\0{language}\0epoch\0{os.environ.get('SOURCE_DATE_EPOCH', '')}\0".encode())
    site_yaml = root / "site.yaml"
    digest.update(b"\0site.yaml\0" + (site_yaml.read_bytes() if site_yaml.is_file() else b""))
    for name in _SITE_FOLDERS:
        _add_folder(digest, root / name, name)
    _add_folder(digest, templates, "templates")
    _add_folder(digest, theme, "theme")
    _add_folder(digest, _PACKAGE, "package")
    return digest.hexdigest()


def edition_keys(root: Path, folders: list[tuple[str, int]], shared: str, summaries: list) -> dict[int, str]:
    """Each edition's input hash: ``folders`` are (content folder, year), oldest first;
    ``shared`` is site_digest; ``summaries`` what the pages list of every edition."""
    nav = json.dumps(summaries, ensure_ascii=False, sort_keys=True)
    keys = {}
    before, last_year = "", None
    for folder, year in folders:
        digest = hashlib.sha256()
        _add_folder(digest, root / folder, folder)
        own = digest.hexdigest()
        # last year's figures are this year's 上年 figures (derive.carried: made from that
        # edition alone, so the years before it do not count)
        previous = before if last_year == year - 1 else ""
        keys[year] = hashlib.sha256(f"{shared}\0{year}\0{own}\0{previous}\0{nav}".encode("utf-8")).hexdigest()
        before, last_year = own, year
    return keys


@dataclass
class Stamp:
    """What an edition's last build left: its hash, files (path -> size), findings, the
    content the freeze compares (None for a draft) and what its pages give the search
    (search.edition_pages)."""

    key: str
    files: dict
    findings: list
    frozen: dict | None
    search: list

    def to_bytes(self) -> bytes:
        data = {
            "format": FORMAT,
            "key": self.key,
            "files": dict(sorted(self.files.items())),
            "findings": [{"file": f.pos.file if f.pos else None, "line": f.pos.line if f.pos else 0,
                          "level": f.level, "rule": f.rule, "message": f.message,
                          "subject": f.subject_id} for f in self.findings],
            "frozen": None if self.frozen is None else
            {k: list(v) for k, v in sorted(self.frozen.items())},
            "search": self.search,
        }
        return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def read_stamp(folder: Path) -> Stamp | None:
    """The stamp in an edition's output folder, if there is a well-formed one."""
    try:
        data = json.loads((folder / STAMP).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        findings = [Finding(Pos(f["file"], f["line"]) if f["file"] is not None else None, f["level"],
                            f["rule"], f["message"], f["subject"]) for f in data["findings"]]
        frozen = data["frozen"]
        frozen = None if frozen is None else {k: (v[0], v[1]) for k, v in frozen.items()}
        files = {str(k): int(v) for k, v in data["files"].items()}
        pages = [[str(rel), int(year), str(title), [[str(x) for x in r] for r in found]]
                 for rel, year, title, found in data["search"]]
        return Stamp(str(data["key"]), files, findings, frozen, pages)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def files_intact(out: Path, files: dict) -> bool:
    """Whether the output still has every file of a stamp, each of its size."""
    base = str(out)
    for rel, size in files.items():
        try:
            if os.stat(os.path.join(base, rel)).st_size != size:
                return False
        except OSError:
            return False
    return True
