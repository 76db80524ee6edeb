"""Render stage: Jinja templates -> HTML pages (strings keyed by output path)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import charts
from .amounts import Figure, round_cents
from .derive import Derived, glossary
from .layouts import cn_number
from .load import SourceEdition, SourceSite, theme_dir
from .narrative import Rendered, render_narrative
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


def glossary_entries(site: SourceSite, source: SourceEdition) -> list:
    return glossary(site.standard_glossary, source.glossary)


@dataclass
class EditionDocument:
    """What the site's pages and the print document share: the parts, their HTML, the 名词解释."""

    title: str
    overview: Rendered
    explanation: Rendered
    parts: list[Part]
    glossary: list
    svgs: dict = field(default_factory=dict)  # chart id -> standalone SVG, for the placed charts
    chart_css: str = ""  # theme/chart.css, embedded in every chart


def _chart_css(site: SourceSite) -> str:
    path = theme_dir(site.root) / "chart.css"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


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

    overview = render_narrative(source.overview.text, source.overview.shown, names, allow_html, "p1-",
                                derived.charts, chart_html)
    explanation = render_narrative(source.explanation.text, source.explanation.shown, names,
                                   allow_html, "p3-", derived.charts, chart_html)
    parts = [
        Part("第一部分", "概况", "overview.html",
             [(h.level, h.text, f"overview.html#{h.anchor}") for h in overview.headings]),
        Part("第二部分", f"{ed.year}年部门预算报表", "tables.html",
             [(2, f"{t.number}{t.title}", f"tables.html#{t.anchor}") for t in derived.tables]),
        Part("第三部分", f"{ed.year}年度部门预算情况说明", "explanation.html",
             [(h.level, h.text, f"explanation.html#{h.anchor}") for h in explanation.headings]),
        Part("第四部分", "名词解释", "glossary.html"),
    ]
    return EditionDocument(f"{ed.department}{ed.year}年度部门预算公开", overview, explanation, parts,
                           glossary_entries(site, source), svgs, chart_css)


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
    pages = {
        "index.html": ("edition_index.html", {"tables": derived.tables}),
        "overview.html": ("part.html", {"part": parts[0], "body": doc.overview.html}),
        "tables.html": ("tables.html", {"part": parts[1], "tables": derived.tables}),
        "explanation.html": ("part.html", {"part": parts[2], "body": doc.explanation.html}),
        "glossary.html": ("glossary.html", {"part": parts[3], "glossary": doc.glossary}),
        "performance.html": ("performance.html", {"perf": performance_view(source, derived.figures)}),
    }
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
        perf=performance_view(source, derived.figures), created=created, generator=generator)
    return re.sub(r'(<a\b[^>]*?\s)href="([^"]*)"', _print_link, html)


#: The edition's pages, and where each begins in the print document.
PRINT_TARGETS = {"index.html": "toc-title", "overview.html": "part-1", "tables.html": "part-2",
                 "explanation.html": "part-3", "glossary.html": "part-4",
                 "performance.html": "perf-appendix"}


def _print_link(match: re.Match) -> str:
    """A link of the site's HTML as the print document needs it: a link to one of the
    edition's pages points into the document; one to another file beside the pages (a
    chart's SVG) is dropped, as it would point nowhere in the PDF; web links stay."""
    tag, href = match.group(1), match.group(2)
    page, _, fragment = href.partition("#")
    if not page or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", page):
        return match.group(0)
    if page in PRINT_TARGETS:
        return f'{tag}href="#{fragment or PRINT_TARGETS[page]}"'
    return tag.rstrip() + " "
