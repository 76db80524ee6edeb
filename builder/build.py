"""The build pipeline, top to bottom: load -> check -> derive -> render -> write."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

from . import __version__
from . import freeze
from . import incremental
from . import pdf as pdf_stage
from . import search
from .codes import load_codes
from .errors import BudgetError, display_path
from .load import load_edition, load_site, load_site_header, templates_dir, theme_dir
from .memory import paused_gc
from .formats import edition_format
from .i18n import _, language
from .paths import BUNDLED_THEME
from .tabledata import csv_name, table_csv
from .write import MARKER, write_site


# The stages that check and render (and what they import: the rules, Jinja's sandbox, the
# narratives, charts and downloads) are imported when an edition is built, not with this
# module: a build that finds every edition unchanged never needs them.

def render_print(*args, **kwargs):
    from .render import render_print as render

    return render(*args, **kwargs)


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




@paused_gc
def check_site(site_dir: Path, year: int | None = None) -> CheckReport:
    """Run the checks over every edition (or one); nothing is written."""
    from . import check as check_stage
    from .derive import carried

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
        previous = (year, carried(derived.figures)) if derived is not None else None
    return CheckReport([e.edition.year for e in editions], findings)


@dataclass
class BuildResult:
    out: Path
    editions: list[int] = field(default_factory=list)
    files: int = 0
    findings: list = field(default_factory=list)
    #: what the build read: the site (its editions' headers) and the editions it loaded
    header: object = None
    headers: list = field(default_factory=list)
    loaded: dict = field(default_factory=dict)

    def source(self):
        """The site with every edition loaded, as load_site gives it: the editions this build
        loaded are not read again (a portal's summary of the publisher)."""
        from .load import SourceSite

        root = self.header.root
        editions = [self.loaded.get(ed.year) or load_edition(root, folder, self.header.site, ed)
                    for folder, ed in self.headers]
        return SourceSite(root, self.header.site, editions, self.header.standard_glossary)


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


def _pdf_cache() -> str:
    from .pdfparts import CACHE  # with the PDF only: a build without one needs none of it

    return CACHE


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
    job = pdf_stage.PrintJob(html, theme, date, attachments, [root.resolve()],  # the site's own files
                             root / _pdf_cache())  # its rendered parts, reused when unchanged
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


def _edition_summaries(headers, pdf: bool, kept_pdfs: dict) -> list[dict]:
    """What the pages list of every edition (the year switcher, the archive)."""
    return [
        {"year": ed.year, "department": ed.department, "status": ed.status,
         "pdf": pdf_stage.pdf_name(ed.department, ed.year) if pdf or ed.year in kept_pdfs else None}
        for _folder, ed in headers
    ]


def _reusable_stamp(out: Path, year: int, key: str, status: str):
    """The edition's stamp of the last build when its inputs are unchanged and its files are
    all still there; else None."""
    stamp = incremental.read_stamp(out / str(year))
    if stamp is None or stamp.key != key:
        return None
    prefix = f"{year}/"
    if not all(rel.startswith(prefix) and ".." not in rel.split("/") for rel in stamp.files):
        return None
    if status == "published" and stamp.frozen is None:
        return None
    return stamp if incremental.files_intact(out, stamp.files) else None


@paused_gc
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

    An edition whose inputs did not change since the last build (builder/incremental.py) is
    not loaded, checked or rendered again: its files stay, its findings are reported again.
    """
    root = Path(site_dir)
    source, headers = load_site_header(root)
    out = Path(out_dir) if out_dir is not None else root / "_site"
    templates = templates_dir(root)
    renderer = None

    def stages():
        """The check and render stages, imported (and the templates' environment made) once
        an edition or the archive page is built."""
        nonlocal renderer
        if renderer is None:
            from . import check, derive, downloads, render

            renderer = SimpleNamespace(check=check.check, derive=derive, downloads=downloads,
                                       render=render, env=render.environment(templates))
        return renderer
    theme = _theme_files(root)
    kept_pdfs = {}  # year -> the last build's PDF files, kept when this build makes none
    for _folder, ed in headers if keep_pdf and not pdf else ():
        kept = _kept_pdf(out, ed.year, pdf_stage.pdf_name(ed.department, ed.year))
        if kept is not None:
            kept_pdfs[ed.year] = kept
    summaries = _edition_summaries(headers, pdf, kept_pdfs)
    built_before = (out / MARKER).is_file()
    shared = incremental.site_digest(root, templates, theme_dir(root), language())
    keys = incremental.edition_keys(root, [(folder, ed.year) for folder, ed in headers], shared, summaries)

    editions = {}  # year -> SourceEdition, loaded when needed
    figures = {}  # year -> what next year takes of its figures (derive.carried: its 上年 figures)

    def loaded(i: int):
        folder, ed = headers[i]
        if ed.year not in editions:
            editions[ed.year] = load_edition(root, folder, source.site, ed)
        return editions[ed.year]

    def last_year(i: int):
        """The figures edition i takes from the year before, if content/ has it (from that
        edition alone: derive.carried)."""
        if i == 0 or headers[i - 1][1].year != headers[i][1].year - 1:
            return None
        year = headers[i - 1][1].year
        if year not in figures:  # an unchanged edition: its figures only, not its tables
            edition = loaded(i - 1)
            codes, fmt = _edition_setup(source, root, edition)
            figures[year] = stages().derive.carried_figures(edition, codes, fmt)
        return figures[year]

    def report(findings, status: str, derived_missing: bool = False) -> None:
        result.findings.extend(findings)
        errors = [f for f in findings if f.level == "error"]
        # a published edition with errors is not published; a draft still builds (for
        # previews) and shows its errors, unless they leave nothing to show
        if errors and (derived_missing or status == "published"):
            raise BuildFailed(errors)
        for finding in findings:
            if finding.level != "note":
                warn(str(finding))

    files: dict[str, bytes | str] = {}
    searched: list[list] = []  # the edition pages the search indexes (search.edition_pages)
    kept_files: set[str] = set()  # files of unchanged editions, left in the output as they are
    result = BuildResult(out, header=source, headers=headers, loaded=editions)
    contents = {}  # year -> what the freeze compares (None for a draft)
    made = {}  # year -> (derived, EditionDocument or None), for editions kept by ``only``
    n = len(headers)
    for i, (folder, ed) in enumerate(headers):
        year = ed.year
        only_kept = only is not None and year not in only and built_before
        stamp = _reusable_stamp(out, year, keys[year], ed.status) if built_before else None
        if stamp is not None and (not pdf or only_kept):
            progress(_("[{i}/{n}] {year}：输入未改变，沿用上次生成的文件", i=i + 1, n=n, year=year))
            report(stamp.findings, ed.status)
            kept_files.update(stamp.files)
            kept_files.add(f"{year}/{incremental.STAMP}")
            searched += stamp.search
            if year in kept_pdfs:
                files.update(kept_pdfs[year])
            elif pdf:  # not to be rendered (``only``): its PDF as the last build left it
                kept_files.update(f"{year}/{name}" for name in (summaries[i]["pdf"], pdf_stage.HASH_FILE)
                                  if (out / str(year) / name).is_file())
            contents[year] = stamp.frozen
            result.editions.append(year)
            continue
        progress(_("[{i}/{n}] {year}：正在检查", i=i + 1, n=n, year=year))
        edition = loaded(i)
        codes, fmt = _edition_setup(source, root, edition)
        st = stages()
        env = st.env
        findings, derived = st.check(source, edition, codes, fmt, last_year(i))
        report(findings, ed.status, derived is None)
        figures[year] = st.derive.carried(derived.figures)
        kept = _previous_output(out, year) if only_kept and stamp is None else None
        if kept is not None:
            files.update(kept)
            searched += search.edition_pages(kept)
            made[year] = (derived, None)
            result.editions.append(year)
            continue
        pdf_name = summaries[i]["pdf"]
        doc = st.render.edition_document(source, edition, derived, env)  # shared by pages and PDF
        if stamp is not None:  # unchanged pages; the PDF has its own hash (.pdf-hash)
            progress(_("[{i}/{n}] {year}：输入未改变，沿用上次生成的页面", i=i + 1, n=n, year=year))
            kept_files.update(stamp.files)
            kept_files.add(f"{year}/{incremental.STAMP}")
            searched += stamp.search
            contents[year] = stamp.frozen
            files.update(_edition_pdf(source, edition, derived, env, doc, root, out, pdf_name, progress, warn))
            result.editions.append(year)
            continue
        progress(_("[{i}/{n}] {year}：正在生成 {tables} 张表", i=i + 1, n=n, year=year,
                   tables=len(derived.tables)))
        shown = [f for f in findings if f.level != "note"] if ed.status == "draft" else []
        own: dict[str, bytes] = {}  # the edition's pages and data files
        data = st.downloads.links(ed.department, year)
        for rel, html in st.render.render_edition(source, edition, derived, env, summaries, shown,
                                        pdf_name, doc, data).items():
            own[f"{year}/{rel}"] = html.encode("utf-8") if isinstance(html, str) else html
        for rel, blob in st.downloads.edition_files(derived.tables, ed.department, year, ed.unit,
                                                 pdf_stage.document_date(ed.date, year)).items():
            own[f"{year}/{rel}"] = blob
        for rel, blob in theme.items():
            own[f"{year}/assets/{rel}"] = blob
        contents[year] = freeze.edition_content(edition, derived, doc, own) if ed.status == "published" else None
        files.update(own)
        if pdf:
            files.update(_edition_pdf(source, edition, derived, env, doc, root, out, pdf_name,
                                      progress, warn))
        elif year in kept_pdfs:
            files.update(kept_pdfs[year])
        pages = search.edition_pages(own)
        searched += pages
        files[f"{year}/{incremental.STAMP}"] = incremental.Stamp(
            keys[year], {rel: len(blob) for rel, blob in own.items()}, findings, contents[year],
            pages).to_bytes()
        result.editions.append(year)
    if not _archive_unchanged(out, shared, summaries, built_before):
        files["index.html"] = stages().render.render_archive(source, stages().env, summaries)
        files[ARCHIVE_STAMP] = _archive_key(shared, summaries).encode()
    else:
        kept_files.update(("index.html", ARCHIVE_STAMP))
    for rel, blob in theme.items():
        files[f"assets/{rel}"] = blob
    search_files = (search.INDEX, search.PAGE, f"assets/{search.SCRIPT}")
    if (built_before and not any(rel.endswith(".html") for rel in files)
            and all((out / rel).is_file() for rel in search_files)):
        kept_files.update(search_files)  # nothing was built again: the search is as it was
    else:  # the index of every edition's pages, those kept from the last build included
        files.update(search.site_files(source, stages().env, searched))
    frozen = freeze.load_manifest(root)
    changed = []  # a published edition is unchanged unless a revision says why (complete: rule
    for folder, ed in headers:  # publish-incomplete, which stopped the loop above)
        content = contents.get(ed.year)
        if ed.year in made and ed.status == "published":  # kept by ``only``: as it was built
            derived, doc = made[ed.year]
            edition = editions[ed.year]
            doc = doc or stages().render.edition_document(source, edition, derived, stages().env)
            content = freeze.edition_content(edition, derived, doc, files)
        changed += freeze.check_edition(frozen, ed, content, folder)
    if changed:
        raise BuildFailed(changed)
    write_site(files, out, root, kept_files)
    freeze.save_manifest(root, frozen)
    result.files = len(files) + len(kept_files - set(files))
    progress(_("已写出 {count} 个文件到 {out}", count=result.files, out=out))
    return result


ARCHIVE_STAMP = ".archive-hash"  # beside the archive page (index.html): the hash of its inputs


def _archive_key(shared: str, summaries: list) -> str:
    import hashlib
    import json

    nav = json.dumps(summaries, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(f"archive\0{shared}\0{nav}".encode("utf-8")).hexdigest()


def _archive_unchanged(out: Path, shared: str, summaries: list, built_before: bool) -> bool:
    if not built_before or not (out / "index.html").is_file():
        return False
    try:
        return (out / ARCHIVE_STAMP).read_text(encoding="utf-8") == _archive_key(shared, summaries)
    except OSError:
        return False


__all__ = ["BudgetError", "BuildFailed", "BuildResult", "CheckReport", "UnknownEdition", "build_site", "check_site"]
