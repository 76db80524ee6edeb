"""Render stage: Jinja templates -> HTML pages (strings keyed by output path)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .amounts import Figure, round_cents
from .derive import Derived, glossary
from .layouts import cn_number
from .load import SourceEdition, SourceSite
from .narrative import render_narrative


def amount_cell(figure: Figure | None) -> str:
    """A table cell: two decimals, rounded half up once; blank for zero."""
    if figure is None or not figure.value:
        return ""
    return f"{round_cents(figure.value):.2f}"


def environment(templates: Path) -> jinja2.Environment:
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


def render_edition(site: SourceSite, source: SourceEdition, derived: Derived,
                   env: jinja2.Environment, editions: list, findings=()) -> dict[str, str]:
    """The edition's pages; ``findings`` (a draft's errors and warnings) are shown on them."""
    ed = source.edition
    names = vars(derived.figures)
    allow_html = site.site.markdown.allow_html
    overview = render_narrative(source.overview.text, source.overview.shown, names, allow_html, "p1-")
    explanation = render_narrative(source.explanation.text, source.explanation.shown, names,
                                   allow_html, "p3-")
    parts = [
        Part("第一部分", "概况", "overview.html",
             [(h.level, h.text, f"overview.html#{h.anchor}") for h in overview.headings]),
        Part("第二部分", f"{ed.year}年部门预算报表", "tables.html",
             [(2, f"{t.number}{t.title}", f"tables.html#{t.anchor}") for t in derived.tables]),
        Part("第三部分", f"{ed.year}年度部门预算情况说明", "explanation.html",
             [(h.level, h.text, f"explanation.html#{h.anchor}") for h in explanation.headings]),
        Part("第四部分", "名词解释", "glossary.html"),
    ]
    common = dict(site=site.site, edition=ed, parts=parts, editions=editions, findings=list(findings),
                  doc_title=f"{ed.department}{ed.year}年度部门预算公开")
    pages = {
        "index.html": ("edition_index.html", {}),
        "overview.html": ("part.html", {"part": parts[0], "body": overview.html}),
        "tables.html": ("tables.html", {"part": parts[1], "tables": derived.tables}),
        "explanation.html": ("part.html", {"part": parts[2], "body": explanation.html}),
        "glossary.html": ("glossary.html", {"part": parts[3],
                                            "glossary": glossary_entries(site, source)}),
    }
    out = {}
    for path, (template, extra) in pages.items():
        out[path] = env.get_template(template).render(page=path, **common, **extra)
    return out


def render_archive(site: SourceSite, env: jinja2.Environment, editions: list) -> str:
    return env.get_template("archive.html").render(site=site.site, editions=editions)
