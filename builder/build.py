"""The build pipeline, top to bottom: load -> check -> derive -> render -> write."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import __version__
from . import check as check_stage
from . import downloads
from . import freeze
from . import pdf as pdf_stage
from . import search
from .codes import load_codes
from .errors import BudgetError, display_path
from .load import load_site, templates_dir, theme_dir
from .render import edition_document, environment, render_archive, render_edition, render_print
from .formats import edition_format
from .i18n import _
from .paths import BUNDLED_THEME
from .tabledata import csv_name, table_csv
from .write import MARKER, write_site


class BuildFailed(Exception):
    """The content has errors; ``findings`` says which and where."""

    def __init__(self, findings):
        super().__init__(_("{count} 个错误（error）", count=len(findings)))
        self.findings = findings


class UnknownEdition(Exception):
    """--edition names a year that content/ does not have (a usage error)."""


@dataclass
class CheckReport:
    editions: list[int]
    findings: list

    def count(self, level: str) -> int:
        return sum(1 for f in self.findings if f.level == level)

    def summary(self) -> str:
        years = "、".join(str(y) for y in self.editions)
        return _("已检查 {years}：{errors} 个错误（error），{warnings} 个警告（warning），{notes} 个提示（note）",
                 years=years, errors=self.count("error"), warnings=self.count("warning"), notes=self.count("note"))

    def exit_status(self, strict: bool) -> int:
        return 1 if self.count("error") or (strict and self.count("warning")) else 0

    def as_json(self) -> dict:
        return {
            "editions": self.editions,
            "summary": {level: self.count(level) for level in ("error", "warning", "note")},
            "findings": [
                {"file": f.pos.file if f.pos else None, "line": f.pos.line if f.pos else None,
                 "level": f.level, "rule": f.rule, "message": f.message}
                for f in self.findings
            ],
        }


def _edition_setup(source, root: Path, edition):
    year = edition.edition.year
    codes = load_codes(year, edition.edition.where.get("year"), root)
    return codes, edition_format(source.site, edition.edition, root)




def check_site(site_dir: Path, year: int | None = None) -> CheckReport:
    """Run the checks over every edition (or one); nothing is written."""
    root = Path(site_dir)
    source = load_site(root)
    editions = source.editions
    if year is not None:
        editions = [e for e in editions if e.edition.year == year]
        if not editions:
            known = ", ".join(str(e.edition.year) for e in source.editions)
            raise UnknownEdition(_("content/ 中没有 {year} 年的版本（现有的版本：{known}）", year=year, known=known))
    wanted = {id(e) for e in editions}
    findings = []
    previous = None  # (year, figures) of the edition before: the 上年 figures, as build has them
    for edition in source.editions:
        codes, fmt = _edition_setup(source, root, edition)
        year = edition.edition.year
        last_year = previous[1] if previous and previous[0] == year - 1 else None
        found, derived = check_stage.check(source, edition, codes, fmt, last_year)
        if id(edition) in wanted:
            findings += found
        previous = (year, derived.figures) if derived is not None else None
    return CheckReport([e.edition.year for e in editions], findings)


@dataclass
class BuildResult:
    out: Path
    editions: list[int] = field(default_factory=list)
    files: int = 0
    findings: list = field(default_factory=list)


def _theme_files(root: Path) -> dict[str, bytes]:
    theme = theme_dir(root)
    icon = theme / "favicon.svg" if (theme / "favicon.svg").is_file() else BUNDLED_THEME / "favicon.svg"
    return {"style.css": (theme / "style.css").read_bytes(), "favicon.svg": icon.read_bytes()}


def _pdf_sources(root: Path, edition) -> list[tuple[str, str]]:
    """The files a PDF's text comes from, the edition's own first (to point at a character)."""
    here = Path(__file__).resolve().parent
    paths = sorted(p for p in (root / edition.folder).rglob("*") if p.is_file())
    paths += [root / "site.yaml", theme_dir(root) / "glossary.yaml"]
    for folder in (root / "formats", root / "tablesets", here / "standards", templates_dir(root)):
        paths += sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    sources = []
    for path in paths:
        try:
            sources.append((display_path(path, root), path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
    return sources


def _edition_pdf(source, edition, derived, env, doc, root: Path, out: Path, name: str,
                 progress: Callable[[str], None], warn: Callable[[str], None]) -> dict[str, bytes]:
    """The edition's PDF and its input hash, as output files; reused when nothing changed."""
    ed = edition.edition
    date = pdf_stage.document_date(ed.date, ed.year)
    generator = f"budgetsite {__version__}"
    html = render_print(source, edition, derived, env, pdf_stage.w3c_date(date), generator, doc)
    attachments = [pdf_stage.Attachment(csv_name(t), f"table-{i:02d}.csv",
                                        f"{t.number}{t.title}（单位：{t.unit}）", table_csv(t))
                   for i, t in enumerate(derived.tables, start=1)]
    theme = theme_dir(root)
    if not (theme / "print.css").is_file():  # a site theme made before the PDF: the bundled one
        theme = BUNDLED_THEME
    job = pdf_stage.PrintJob(html, theme, date, attachments, [root.resolve()])  # the site's own files
    previous = out / str(ed.year) if (out / MARKER).is_file() else None
    result = pdf_stage.make_pdf(job, name, previous, lambda: _pdf_sources(root, edition),
                                lambda: progress(_("{year}：正在生成 PDF …", year=ed.year)))
    if result.findings:
        raise BuildFailed(result.findings)
    for message in result.warnings:
        warn(_("{year}：PDF 排版警告（warning）：{text}", year=ed.year, text=message))
    done = _("未改变，沿用上次的文件") if result.reused else _("{seconds} 秒", seconds=f"{result.seconds:.1f}")
    progress(_("{year}：PDF {name}（{done}）", year=ed.year, name=name, done=done))
    return {f"{ed.year}/{name}": result.data, f"{ed.year}/{pdf_stage.HASH_FILE}": result.key.encode()}


def _previous_output(out: Path, year: int) -> dict[str, bytes] | None:
    """The files of an edition as the last build wrote them, if there was one."""
    folder = out / str(year)
    if not (out / MARKER).is_file() or not folder.is_dir():
        return None
    return {f"{year}/{p.relative_to(folder).as_posix()}": p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _kept_pdf(out: Path, year: int, name: str) -> dict[str, bytes] | None:
    """The edition's PDF and its .pdf-hash as the last build wrote them, if both are there."""
    folder = out / str(year)
    files = {name: folder / name, pdf_stage.HASH_FILE: folder / pdf_stage.HASH_FILE}
    if not (out / MARKER).is_file() or not all(p.is_file() for p in files.values()):
        return None
    try:
        return {f"{year}/{rel}": p.read_bytes() for rel, p in files.items()}
    except OSError:
        return None


def build_site(site_dir: Path, out_dir: Path | None = None, pdf: bool = True,
               progress: Callable[[str], None] = lambda message: None,
               warn: Callable[[str], None] = lambda message: None,
               only: set[int] | None = None, keep_pdf: bool = False) -> BuildResult:
    """Build the whole site. Raises BudgetError or BuildFailed on content errors.

    ``progress`` receives progress lines, ``warn`` the errors and warnings of the checks
    that do not stop the build (those of a draft). ``only``: render just these editions
    and keep the others' pages from the last build (every edition is still checked).
    ``keep_pdf`` (with ``pdf=False``, as ``serve`` builds): an edition's PDF (and .pdf-hash)
    from the last build is kept, and linked, instead of being dropped.
    """
    root = Path(site_dir)
    source = load_site(root)
    out = Path(out_dir) if out_dir is not None else root / "_site"
    env = environment(templates_dir(root))
    theme = _theme_files(root)
    kept_pdfs = {}  # year -> the last build's PDF files, kept when this build makes none
    for e in source.editions if keep_pdf and not pdf else ():
        kept = _kept_pdf(out, e.edition.year, pdf_stage.pdf_name(e.edition.department, e.edition.year))
        if kept is not None:
            kept_pdfs[e.edition.year] = kept
    summaries = [
        {"year": e.edition.year, "department": e.edition.department, "status": e.edition.status,
         "pdf": pdf_stage.pdf_name(e.edition.department, e.edition.year)
         if pdf or e.edition.year in kept_pdfs else None}
        for e in source.editions
    ]
    files: dict[str, bytes | str] = {}
    result = BuildResult(out)
    previous = None  # (year, figures) of the edition before
    made = {}  # year -> (derived, EditionDocument or None): what the freeze compares
    for i, edition in enumerate(source.editions, start=1):
        year = edition.edition.year
        progress(_("[{i}/{n}] {year}：正在检查", i=i, n=len(source.editions), year=year))
        codes, fmt = _edition_setup(source, root, edition)
        last_year = previous[1] if previous and previous[0] == year - 1 else None
        findings, derived = check_stage.check(source, edition, codes, fmt, last_year)
        result.findings.extend(findings)
        errors = [f for f in findings if f.level == "error"]
        # a published edition with errors is not published; a draft still builds (for
        # previews) and shows its errors, unless they leave nothing to show
        if errors and (derived is None or edition.edition.status == "published"):
            raise BuildFailed(errors)
        for finding in findings:
            if finding.level != "note":
                warn(str(finding))
        previous = (year, derived.figures)
        made[year] = (derived, None)
        kept = _previous_output(out, year) if only is not None and year not in only else None
        if kept is not None:
            files.update(kept)
            result.editions.append(year)
            continue
        progress(_("[{i}/{n}] {year}：正在生成 {tables} 张表", i=i, n=len(source.editions), year=year,
                   tables=len(derived.tables)))
        shown = [f for f in findings if f.level != "note"] if edition.edition.status == "draft" else []
        pdf_name = summaries[i - 1]["pdf"]
        doc = edition_document(source, edition, derived, env)  # shared by the pages and the PDF
        made[year] = (derived, doc)
        ed = edition.edition
        data = downloads.links(ed.department, year)
        for rel, html in render_edition(source, edition, derived, env, summaries, shown,
                                        pdf_name, doc, data).items():
            files[f"{year}/{rel}"] = html
        last = out / str(year) if (out / MARKER).is_file() else None
        for rel, blob in downloads.edition_files(derived.tables, ed.department, year, ed.unit,
                                                 pdf_stage.document_date(ed.date, year), last).items():
            files[f"{year}/{rel}"] = blob
        if pdf:
            files.update(_edition_pdf(source, edition, derived, env, doc, root, out, pdf_name,
                                      progress, warn))
        elif year in kept_pdfs:
            files.update(kept_pdfs[year])
        for rel, data in theme.items():
            files[f"{year}/assets/{rel}"] = data
        result.editions.append(year)
    files["index.html"] = render_archive(source, env, summaries)
    for rel, data in theme.items():
        files[f"assets/{rel}"] = data
    files.update(search.site_files(source, env, files))  # the search page and every edition's index
    frozen = freeze.load_manifest(root)
    changed = []  # a published edition is unchanged unless a revision says why (complete: rule
    for edition in source.editions:  # publish-incomplete, which stopped the loop above)
        derived, doc = made[edition.edition.year]
        content = None
        if edition.edition.status == "published":
            doc = doc or edition_document(source, edition, derived, env)
            content = freeze.edition_content(edition, derived, doc, files)
        changed += freeze.check_edition(frozen, edition.edition, content, edition.folder)
    if changed:
        raise BuildFailed(changed)
    write_site(files, out, root)
    freeze.save_manifest(root, frozen)
    result.files = len(files)
    progress(_("已写出 {count} 个文件到 {out}", count=len(files), out=out))
    return result


__all__ = ["BudgetError", "BuildFailed", "BuildResult", "CheckReport", "UnknownEdition", "build_site", "check_site"]
