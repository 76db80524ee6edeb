"""Incremental builds: an edition whose inputs did not change is not built again.

Every edition's output folder holds ``.edition-hash.json`` (like the PDF's ``.pdf-hash``): the
hash of everything the edition's pages and data files are made from, and what the build
learnt making them — the list of files (with their sizes), the findings of the checks and
what the freeze compares (builder/freeze.py). When the next build computes the same hash,
and the files are still there, the edition is neither loaded, checked, nor rendered: its
files stay as they are, its findings are reported again and its frozen content is compared.

The hash covers (see :func:`edition_keys`):

* the files of the edition's folder (content/<year>/, every file and folder name);
* the files of the editions before it in an unbroken run of years (content/<year-1>/, …):
  last year's figures feed this year's 上年 figures, and they are made from the year before;
* the site's shared inputs: site.yaml, formats/, tablesets/, codes/, performance-layouts/,
  the templates and theme in use (the site's own or the bundled ones);
* the program: every file of the budgetsite package (its rules, formats, code lists and
  messages), the versions of Python, Jinja, markdown-it and PyYAML, MarkupSafe's code;
* the build's settings: the message language, SOURCE_DATE_EPOCH, and every edition's year,
  department, status and PDF link (the year switcher and the archive list them).

What is not in it cannot change an edition's files: other editions' content (beyond the
run of years before it), the output folder's place, the time of day.
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
FORMAT = 1  # bump when the stamp or what the hash covers changes
_PACKAGE = Path(__file__).resolve().parent
_SITE_FOLDERS = ("formats", "tablesets", "codes", "performance-layouts")


def _files(folder: Path) -> list[Path]:
    """Every file and folder under ``folder`` (sorted), skipping Python caches."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if "__pycache__" not in p.parts and p.suffix != ".pyc")


def _add_folder(digest, folder: Path, label: str) -> None:
    digest.update(f"\0folder\0{label}\0".encode("utf-8"))
    for path in _files(folder):
        rel = path.relative_to(folder).as_posix()
        if path.is_dir():
            digest.update(f"d\0{rel}\0".encode("utf-8"))
        elif path.is_file():
            data = path.read_bytes()
            digest.update(f"f\0{rel}\0{len(data)}\0".encode("utf-8"))
            digest.update(data)


def _versions() -> str:
    import jinja2
    import markdown_it
    import markupsafe
    import yaml

    # MarkupSafe deprecates its __version__: the code that escapes (its __init__.py) instead
    escape = hashlib.sha256(Path(markupsafe.__file__).read_bytes()).hexdigest()
    return json.dumps([list(sys.version_info[:2]), jinja2.__version__, escape,
                       markdown_it.__version__, yaml.__version__])


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
    chain, last_year = "", None
    for folder, year in folders:
        digest = hashlib.sha256()
        _add_folder(digest, root / folder, folder)
        own = digest.hexdigest()
        # the run of years before this one: last year's figures are this year's 上年
        chain = hashlib.sha256(f"{chain if last_year == year - 1 else ''}\0{year}\0{own}".encode()).hexdigest()
        last_year = year
        keys[year] = hashlib.sha256(f"{shared}\0{chain}\0{nav}".encode("utf-8")).hexdigest()
    return keys


@dataclass
class Stamp:
    """What an edition's last build left: its hash, files (path -> size), findings and the
    content the freeze compares (None for a draft)."""

    key: str
    files: dict
    findings: list
    frozen: dict | None

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
        return Stamp(str(data["key"]), files, findings, frozen)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def files_intact(out: Path, files: dict) -> bool:
    """Whether the output still has every file of a stamp, each of its size."""
    for rel, size in files.items():
        try:
            if os.stat(out / rel).st_size != size:
                return False
        except OSError:
            return False
    return True
