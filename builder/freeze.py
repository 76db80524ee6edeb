"""Published editions never change behind your back.

The build keeps a checksum manifest of every published edition's output files in
``published.json`` at the site root (track it in version control). A later build that would
change any of those files fails and names them — unless the edition records one more
revision (``revisions:`` in edition.yaml: 更正说明 with date and reason), which the
edition's pages and PDF then show; the manifest is then updated.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .errors import BudgetError, Pos
from .findings import Finding

MANIFEST = "published.json"


@dataclass
class Frozen:
    entries: dict  # year (str) -> {"revisions": n, "files": {path: sha256}}
    changed: bool = False


def digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def load_manifest(root: Path) -> Frozen:
    path = Path(root) / MANIFEST
    if not path.is_file():
        return Frozen({})
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BudgetError(Pos(MANIFEST), f"not a valid manifest ({exc}); restore it from version control") from None
    return Frozen(data.get("editions", {}))


def check_edition(frozen: Frozen, edition, files: dict, folder: str) -> list[Finding]:
    """Compare a published edition's new output with its manifest entry (and record it)."""
    year = str(edition.year)
    ours = {path: digest(data) for path, data in files.items() if path.startswith(f"{year}/")}
    entry = frozen.entries.get(year)
    revisions = len(edition.revisions)
    if entry is None or revisions > entry.get("revisions", 0):
        frozen.entries[year] = {"revisions": revisions, "files": dict(sorted(ours.items()))}
        frozen.changed = True
        return []
    before = entry["files"]
    changed = sorted(p for p in set(before) & set(ours) if before[p] != ours[p])
    added = sorted(set(ours) - set(before) - {p for p in ours if p.endswith(".pdf") or p.endswith(".pdf-hash")})
    if not changed and not added:
        return []
    listing = ", ".join(changed + [f"{p} (new)" for p in added])
    return [Finding(Pos(f"{folder}/edition.yaml", edition.where.get("status", edition.pos).line), "error",
                    "published-changed",
                    f"the published {year} edition would change: {listing}. A published edition stays as "
                    "published; to correct it add a revision (revisions: - {date: YYYY-MM-DD, reason: …}) "
                    "to edition.yaml, which the edition then shows as 更正说明")]


def save_manifest(root: Path, frozen: Frozen) -> None:
    if not frozen.changed:
        return
    text = json.dumps({"editions": dict(sorted(frozen.entries.items()))}, ensure_ascii=False, indent=1,
                      sort_keys=True)
    (Path(root) / MANIFEST).write_text(text + "\n", encoding="utf-8")
