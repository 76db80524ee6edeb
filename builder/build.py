"""The build pipeline, top to bottom: load -> check -> derive -> render -> write."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import check as check_stage
from .codes import load_codes
from .errors import BudgetError
from .load import load_site, templates_dir, theme_dir
from .render import environment, render_archive, render_edition
from .tableset import load_tableset
from .write import write_site


class BuildFailed(Exception):
    """The content has errors; ``findings`` says which and where."""

    def __init__(self, findings):
        super().__init__(f"{len(findings)} error(s)")
        self.findings = findings


@dataclass
class BuildResult:
    out: Path
    editions: list[int] = field(default_factory=list)
    files: int = 0
    findings: list = field(default_factory=list)


def _theme_files(root: Path) -> dict[str, bytes]:
    theme = theme_dir(root)
    return {"style.css": (theme / "style.css").read_bytes()}


def build_site(site_dir: Path, out_dir: Path | None = None, pdf: bool = True,
               progress: Callable[[str], None] = lambda message: None) -> BuildResult:
    """Build the whole site. Raises BudgetError or BuildFailed on content errors."""
    root = Path(site_dir)
    source = load_site(root)
    out = Path(out_dir) if out_dir is not None else root / "_site"
    env = environment(templates_dir(root))
    theme = _theme_files(root)
    summaries = [
        {"year": e.edition.year, "department": e.edition.department, "status": e.edition.status}
        for e in source.editions
    ]
    files: dict[str, bytes | str] = {}
    result = BuildResult(out)
    for i, edition in enumerate(source.editions, start=1):
        year = edition.edition.year
        progress(f"[{i}/{len(source.editions)}] {year}: checking")
        codes = load_codes(year, edition.edition.where.get("year"))
        tableset_name = edition.edition.tableset or source.site.tableset
        tableset = load_tableset(tableset_name, root,
                                 edition.edition.where.get("tableset") or source.site.where.get("tableset"))
        findings, derived = check_stage.check(edition, codes, tableset)
        result.findings.extend(findings)
        errors = [f for f in findings if f.level == "error"]
        if errors:
            raise BuildFailed(errors)
        progress(f"[{i}/{len(source.editions)}] {year}: rendering {len(derived.tables)} tables")
        for rel, html in render_edition(source, edition, derived, env, summaries).items():
            files[f"{year}/{rel}"] = html
        for rel, data in theme.items():
            files[f"{year}/assets/{rel}"] = data
        result.editions.append(year)
    files["index.html"] = render_archive(source, env, summaries)
    for rel, data in theme.items():
        files[f"assets/{rel}"] = data
    write_site(files, out, root)
    result.files = len(files)
    progress(f"wrote {len(files)} files to {out}")
    return result


__all__ = ["BudgetError", "BuildFailed", "BuildResult", "build_site"]
