"""Render stage: Jinja templates -> HTML pages (strings keyed by output path)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import charts, codecache
from .amounts import Figure, round_cents
from .derive import Derived, glossary
from .layouts import cn_number
from .load import SourceEdition, SourceSite, theme_dir
from .narrative import render_narrative
from .perfgrid import index_label
from .performance import view as performance_view
from .tabledata import column_kinds


def amount_cell(figure: Figure | None) -> str:
    """A table cell: two decimals, rounded half up once; blank for zero."""
    if figure is None or not figure.value:
        return ""
    return f"{round_cents(figure.value):.2f}"


_ENVIRONMENTS: dict = {}


def environment(templates: Path) -> jinja2.Environment:
    """The Jinja environment of a templates folder, kept between builds (a template is
    compiled again only when its file changes)."""
    key = str(Path(templates).resolve())
    if key not in _ENVIRONMENTS:
        _ENVIRONMENTS[key] = _new_environment(templates)
    return _ENVIRONMENTS[key]


def _new_environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=codecache.templates(),  # compiled once, kept between runs
    )
    env.filters["amount"] = amount_cell
    env.globals["cn"] = cn_number
    env.globals["column_kinds"] = column_kinds
    return env


@dataclass
class Part:
    """One of 第一…第四部分: its page and its 目录 entries."""

    number: str
    title: str
    page: str
    entries: list = field(default_factory=list)  # (level, text, href)
    kind: str = "text"                           # text | tables | glossary (the format's outline)
    body: str = ""                               # a text part's HTML
    appendix: str | None = None                  # printed after the text (performance)

    @property
    def heading(self) -> str:
        """第一部分 概况 / 三、名词解释 / a title alone."""
        if not self.number:
            return self.title
        gap = "" if self.number.endswith(("、", ".", "．")) else " "
        return f"{self.number}{gap}{self.title}"


def glossary_entries(site: SourceSite, source: SourceEdition) -> list:
    return glossary(site.standard_glossary, source.glossary)


@dataclass
class EditionDocument:
    """What the site's pages and the print document share: the parts, their HTML, the 名词解释."""

    title: str
    parts: list[Part]
    glossary: list
    svgs: dict = field(default_factory=dict)  # chart id -> standalone SVG, for the placed charts
    chart_css: str = ""  # theme/chart.css, embedded in every chart
    perf: object = None  # the 绩效目标表 with their grids (builder.performance.view), for page and PDF


def _chart_css(site: SourceSite) -> str:
    path = theme_dir(site.root) / "chart.css"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def performance_entries(source: SourceEdition) -> list:
    """The 目录 entries of the 绩效目标表 appendix: its heading, then each table by its name."""
    year = source.edition.year
    entries = [(2, f"附：{year}年度绩效目标表", "performance.html#perf-appendix")]
    for table in source.performance:
        label = table.title if table.redacted else index_label(table, year)
        entries.append((3, label, f"performance.html#{table.anchor}"))
    return entries


def edition_document(site: SourceSite, source: SourceEdition, derived: Derived,
                     env: jinja2.Environment) -> EditionDocument:
    ed = source.edition
    names = vars(derived.figures)
    allow_html = site.site.markdown.allow_html
    chart_css = _chart_css(site)
    svgs: dict = {}

    def chart_html(name: str, title: str | None) -> str:
        data = derived.charts[name]
        svgs[name] = charts.svg(data, chart_css, title)
        return env.get_template("chart.html").render(
            chart=data, svg=svgs[name], title=title or data.title,
            header=charts.table_header(data), rows=charts.table_rows(data))

    parts = []
    for i, spec in enumerate(derived.format.parts, start=1):  # the format's outline, in order
        title = spec.title.replace("{year}", str(ed.year))
        page = spec.page_name
        if spec.kind == "text":
            text = source.text(spec.file)
            done = render_narrative(text.text, text.shown, names, allow_html, f"p{i}-", derived.charts,
                                    chart_html)
            entries = [(h.level, h.text, f"{page}#{h.anchor}") for h in done.headings]
            if spec.appendix == "performance" and source.performance:
                entries += performance_entries(source)
            parts.append(Part(spec.number, title, page, entries, "text", done.html, spec.appendix))
        elif spec.kind == "tables":
            entries = [(2, f"{t.number}{t.title}", f"{page}#{t.anchor}") for t in derived.tables]
            parts.append(Part(spec.number, title, page, entries, "tables"))
        else:
            parts.append(Part(spec.number, title, page, [], spec.kind))
    return EditionDocument(f"{ed.department}{ed.year}年度部门预算公开", parts,
                           glossary_entries(site, source), svgs, chart_css,
                           performance_view(source, derived.figures))


def render_edition(site: SourceSite, source: SourceEdition, derived: Derived,
                   env: jinja2.Environment, editions: list, findings=(),
                   pdf_name: str | None = None, doc: EditionDocument | None = None,
                   downloads=None) -> dict[str, str]:
    """The edition's pages; ``findings`` (a draft's errors and warnings) are shown on them.

    ``pdf_name``: the edition's PDF (beside the pages) to link to, if one is built;
    ``doc``: the edition_document, when the caller has made it already (for the PDF too);
    ``downloads``: the tables' data files to link to (builder.downloads.Downloads), if any.
    """
    ed = source.edition
    doc = doc or edition_document(site, source, derived, env)
    parts = doc.parts
    chart_list = [(name, derived.charts[name].title) for name in sorted(derived.charts)]
    common = dict(site=site.site, edition=ed, parts=parts, editions=editions, findings=list(findings),
                  chart_list=chart_list,
                  doc_title=doc.title, pdf_name=pdf_name, downloads=downloads)
    pages = {"index.html": ("edition_index.html", {"tables": derived.tables})}
    for part in parts:
        if part.kind == "tables":
            pages[part.page] = ("tables.html", {"part": part, "tables": derived.tables})
        elif part.kind == "glossary":
            pages[part.page] = ("glossary.html", {"part": part, "glossary": doc.glossary})
        else:
            pages[part.page] = ("part.html", {"part": part, "body": part.body})
    pages["performance.html"] = ("performance.html", {"perf": doc.perf})
    out = {}
    for path, (template, extra) in pages.items():
        out[path] = env.get_template(template).render(page=path, **common, **extra)
    # every chart of the edition is downloadable, placed in the text or not
    for name, data in sorted(derived.charts.items()):
        out[f"charts/{name}.svg"] = doc.svgs.get(name) or charts.svg(data, doc.chart_css)
    return out


def render_archive(site: SourceSite, env: jinja2.Environment, editions: list) -> str:
    return env.get_template("archive.html").render(site=site.site, editions=editions)


def render_print(site: SourceSite, source: SourceEdition, derived: Derived, env: jinja2.Environment,
                 created: str, generator: str, doc: EditionDocument | None = None) -> str:
    """The print document: the edition as ONE HTML file (cover, 目录, 第一…第四部分) for the PDF.

    The parts are the site's own HTML (narratives, table macro, 名词解释; ``doc`` as for
    render_edition); ``created`` is the document date (W3C format) of the PDF's metadata.
    """
    doc = doc or edition_document(site, source, derived, env)
    html = env.get_template("print.html").render(
        site=site.site, edition=source.edition, doc=doc, parts=doc.parts, tables=derived.tables,
        perf=doc.perf, created=created, generator=generator)
    targets = print_targets(doc.parts)
    return re.sub(r'(<a\b[^>]*?\s)href="([^"]*)"', lambda m: _print_link(m, targets), html)


def print_targets(parts: list[Part]) -> dict[str, str]:
    """The edition's pages, and where each begins in the print document."""
    targets = {"index.html": "toc-title", "performance.html": "perf-appendix"}
    targets.update({p.page: f"part-{i}" for i, p in enumerate(parts, start=1)})
    return targets


def _print_link(match: re.Match, targets: dict) -> str:
    """A link of the site's HTML as the print document needs it: a link to one of the
    edition's pages points into the document; one to another file beside the pages (a
    chart's SVG) is dropped, as it would point nowhere in the PDF; web links stay."""
    tag, href = match.group(1), match.group(2)
    page, _, fragment = href.partition("#")
    if not page or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", page):
        return match.group(0)
    if page in targets:
        return f'{tag}href="#{fragment or targets[page]}"'
    return tag.rstrip() + " "
