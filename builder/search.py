"""Search: an index of every edition's pages, made at build time, and the search page.

Chinese needs no word segmentation here. The index keeps the visible text of each unit a
reader can land on — a table row, a section of a text part, a 名词, a 绩效目标表 — and the
client (theme/search.js) finds a query as a substring of it, the way Ctrl+F does: "公务接待费",
"退役士兵", "3764.74" (also where the page prints 3,764.74) and a 科目编码 such as 2080902
(also where a table prints it in 类/款/项 columns) are all found, with nothing to segment.
A number matches whole (64.32 does not find 164.32).

The index is read from the pages as built (every edition's, those kept from the last build
too), so it always says what the pages say. It is a script (``search-index.js``, assigning
``window.BUDGETSITE_SEARCH``), not JSON: a browser does not fetch() a file from file://, but
it does load a script. Its records are in page order and its JSON is written sorted, so the
same pages make the same bytes.
"""
from __future__ import annotations

import hashlib
import json
import re
from html import unescape
from typing import TYPE_CHECKING

from .load import SourceSite, theme_dir
from .paths import BUNDLED_TEMPLATES, BUNDLED_THEME

if TYPE_CHECKING:  # only named in annotations: the build imports Jinja when it renders
    import jinja2

INDEX = "search-index.js"
PAGE = "search.html"
SCRIPT = "search.js"
GLOBAL = "BUDGETSITE_SEARCH"

_EDITION_PAGE = re.compile(r"(\d{4})/([^/]+)\.html")
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP_TAGS = {"nav", "script", "style", "svg", "template", "button", "form"}
_SKIP_CLASSES = {"visually-hidden", "table-downloads", "chart-download", "skip", "perf-index-unit"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}
_CELLS = {"td", "th", "dt", "dd", "li", "p", "caption", "span", "summary"}
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def fold_numbers(text: str) -> str:
    """3,764.74 -> 3764.74 (as the tables print it), so either is found by the other."""
    return _THOUSANDS.sub("", text)


def _clean(text: str) -> str:
    return fold_numbers(re.sub(r"\s+", " ", text).strip())


class _Record:
    __slots__ = ("anchor", "kind", "title", "words", "codes")

    def __init__(self, anchor: str, kind: str, title: str = ""):
        self.anchor, self.kind, self.title = anchor, kind, title
        self.words: list[str] = []
        self.codes: list[str] = []  # a row's code cells (类/款/项 split), joined as a key

    def text(self) -> str:
        return _clean("".join(self.words))


# The pages are read with a small tokenizer, not html.parser: they are our own templates'
# output (and Markdown's), and html.parser's per-tag machinery cost as much as the rest of
# a build. It follows html.parser where the index can tell: tag and attribute names in lower
# case, character references decoded, comments and declarations skipped, the text of
# <script> and <style> not read as markup, and a "<" that starts no tag read as text.
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"                                 # a comment
    r"|<[!?][^>]*>?"                                      # <!DOCTYPE …>, <?…>
    r"|<(script|style)\b.*?(?:</(?i:\1)\s*>|\Z)"          # not read (nor is its text markup)
    r"|</([A-Za-z][^\t\n\r\f />]*)[^>]*>"                  # an end tag
    r"|<([A-Za-z][^\t\n\r\f />]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>"  # a start tag
    r"|([^<]+|<)",                                        # text
    re.S | re.I)
_ATTR = re.compile(r"""([^\s/>"'=][^\s/>"'=]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"'`=<]+))?""")


def _attributes(text: str) -> dict:
    names: dict = {}
    for match in _ATTR.finditer(text):
        name, value = match.group(1).lower(), match.group(2)
        if value is not None:
            if value[:1] in ("'", '"'):
                value = value[1:-1]
            if "&" in value:
                value = unescape(value)
        names.setdefault(name, value)
    return names


class _Tag:
    """A start tag as the index sees it (made once for each way a page writes it)."""

    __slots__ = ("name", "void", "closed", "skipped", "anchor", "classes", "bookmark")

    def __init__(self, name: str, written: str):
        names = _attributes(written) if written.strip(" \t\n\r\f/") else {}
        self.name = name
        self.void = name in _VOID
        self.closed = written.endswith("/")  # <x/>: opened and closed
        self.classes = (names.get("class") or "").split()
        self.skipped = (name in _SKIP_TAGS or "download" in names or "hidden" in names
                        or bool(_SKIP_CLASSES.intersection(self.classes)))
        self.anchor = names.get("id")
        self.bookmark = names.get("data-bookmark") or ""


class _Page:
    """The records of one page: what is inside <main>, cut at the elements a link can land on
    (a row with an id, a heading with an id and the text below it, a 名词, a 绩效目标表)."""

    def __init__(self):
        self.records: list[_Record] = []
        # open elements: (tag, skipped (it or an element around it), the unit it is in, the
        # record it opened)
        self.stack: list[tuple[str, bool, _Record | None, _Record | None]] = []
        self.in_main = False
        self.section: _Record | None = None  # the heading the running text belongs to
        self.title = ""                      # the page's <h1>
        self.context = ""                    # the last heading's text (a row's table)
        self.heading: list[str] | None = None
        self.last_term: _Record | None = None
        self.code: list[str] | None = None

    def feed(self, html: str) -> None:
        tags: dict = {}  # (name, attributes) as written -> _Tag: a table repeats a few
        start, end = html.find("<main"), html.rfind("</main")  # nothing outside is indexed
        if start < 0:
            return
        data = self.data
        for match in _TOKEN.finditer(html, start, len(html) if end < 0 else end + 7):
            text = match.group(5)
            if text is not None:
                # text: what data() does, for the common case (inside <main>, not skipped,
                # no heading or code cell being read, a unit open), without the call
                stack = self.stack
                if (stack and not stack[-1][1] and stack[-1][2] is not None and self.in_main
                        and self.heading is None and self.code is None):
                    stack[-1][2].words.append(unescape(text) if "&" in text else text)
                else:
                    data(unescape(text) if "&" in text else text)
                continue
            opening = match.group(3)
            if opening is not None:
                written = (opening, match.group(4))
                tag = tags.get(written)
                if tag is None:
                    tag = tags[written] = _Tag(opening.lower(), written[1])
                self.starttag(tag)
                if tag.closed:
                    self.endtag(tag.name)
                continue
            closing = match.group(2)
            if closing is not None:
                self.endtag(closing.lower())

    def _unit(self) -> _Record | None:
        return self.stack[-1][2] if self.stack else None

    def _new(self, anchor: str, kind: str, title: str = "") -> _Record:
        record = _Record(anchor, kind, title)
        self.records.append(record)
        return record

    def starttag(self, tag: "_Tag"):
        name = tag.name
        if name == "main":
            self.in_main = True
        if tag.void:
            if name == "br":
                self.data(" ")
            return
        skipped = tag.skipped or (self.stack[-1][1] if self.stack else False)
        record = None
        anchor = tag.anchor
        unit = self._unit()
        if self.in_main and not skipped and unit is None:
            if name in _HEADINGS:
                if anchor:
                    record = self.section = self._new(anchor, "section")
                self.heading = []
            elif anchor and name == "tr":
                record = self._new(anchor, "row", self.context)
            elif anchor and name == "dt":
                record = self.last_term = self._new(anchor, "term")
            elif name == "dd" and self.last_term is not None:
                record = self.last_term
            elif anchor and name == "section" and "perf-table" in tag.classes:
                record = self._new(anchor, "project")
        elif self.in_main and not skipped and name in _HEADINGS and self.heading is None:
            self.heading = []
            if unit is not None and not unit.title:
                unit.title = tag.bookmark
        if name in _CELLS:
            self.data(" ")
        if name == "td" and "code" in tag.classes and not skipped:
            self.code = []
        self.stack.append((name, skipped, record or unit, record))

    def endtag(self, tag):
        stack = self.stack
        for i in range(len(stack) - 1, -1, -1):  # tolerate unclosed elements
            if stack[i][0] != tag:
                continue
            while len(stack) > i:
                closed, _skipped, _unit, record = stack[-1]
                self._closed(closed, record)
                stack.pop()
            break
        if tag in _CELLS:
            self.data(" ")

    def _closed(self, tag, record):
        if tag == "main":
            self.in_main = False
        if tag in _HEADINGS and self.heading is not None:
            text = _clean("".join(self.heading))
            self.heading = None
            if tag == "h1" and not self.title:
                self.title = text
            unit = self._unit() if record is None else None
            if record is not None:
                record.title = text
                self.context = text
            elif unit is None:
                self.context = text
            elif not unit.title:
                unit.title = text
        if tag == "td" and self.code is not None:
            unit = self._unit()
            if unit is not None:
                unit.codes.append(_clean("".join(self.code)))
            self.code = None
        if tag == "dt" and record is not None:
            record.title = _clean("".join(record.words))  # the 名词 itself
        if tag == "dl":
            self.last_term = None

    def data(self, data):
        if not self.in_main or (self.stack and self.stack[-1][1]):
            return
        if self.heading is not None:
            self.heading.append(data)
        if self.code is not None:
            self.code.append(data)
        target = self._unit() or self.section
        if target is None:
            target = self.section = self._new("", "section", self.title)
        target.words.append(data)


# The records of the pages read lately, by the hash of the page: a preview (budgetsite serve)
# builds an edition again on every edit, and most of its pages come out as they were (an
# edit of overview.md leaves the 绩效目标表 page, the largest, the same). Records depend on
# the page alone, and nobody changes them once made.
_READ: dict[bytes, tuple[str, list[list[str]]]] = {}
_READ_MAX = 256


def page_records(html: str | bytes) -> tuple[str, list[list[str]]]:
    """A page's title (its <h1>) and records: [anchor, kind, title, text, keys]."""
    data = html.encode("utf-8") if isinstance(html, str) else html
    key = hashlib.blake2b(data, digest_size=20).digest()
    found = _READ.get(key)
    if found is None:
        if len(_READ) >= _READ_MAX:
            del _READ[next(iter(_READ))]  # the oldest
        found = _READ[key] = _page_records(html if isinstance(html, str) else data.decode("utf-8"))
    return found


def _page_records(html: str) -> tuple[str, list[list[str]]]:
    parser = _Page()
    parser.feed(html)
    out = []
    for r in parser.records:
        text = r.text()
        if not text:
            continue
        codes = [c for c in r.codes if c]
        keys = "".join(codes) if len(codes) > 1 else ""
        out.append([r.anchor, r.kind, r.title or parser.title, text, keys])
    return parser.title, out


def edition_pages(files: dict) -> list[list]:
    """The searchable edition pages among ``files`` (output path -> content), each as
    [path, year, title, records], in path order. An edition's own list is kept in its
    stamp (builder/incremental.py), so the pages of an edition the build leaves as they were
    are not read again."""
    pages = []
    for rel in sorted(files):
        match = _EDITION_PAGE.fullmatch(rel)
        if not match or match.group(2) == "index":  # the 目录 only repeats the headings
            continue
        title, found = page_records(files[rel])
        if found:
            pages.append([rel, int(match.group(1)), title, found])
    return pages


def index(pages: list[list]) -> dict:
    """The search index of the site's edition pages (``pages``: edition_pages of them all)."""
    listed, records = [], []
    for rel, year, title, found in sorted(pages, key=lambda page: page[0]):
        number = len(listed)
        listed.append([rel, year, title])
        records += [[number, *r] for r in found]
    return {"version": 1, "pages": listed, "records": records}


def index_script(pages: list[list]) -> str:
    data = json.dumps(index(pages), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return (f"/* budgetsite search index: made by `budgetsite build` from the pages; do not edit. */\n"
            f"window.{GLOBAL} = {data};\n")


def _script(site: SourceSite) -> bytes:
    path = theme_dir(site.root) / SCRIPT
    if not path.is_file():  # a site theme made before search: the bundled script
        path = BUNDLED_THEME / SCRIPT
    return path.read_bytes()


def _template(env: jinja2.Environment) -> jinja2.Template:
    import jinja2

    try:
        return env.get_template(PAGE)
    except jinja2.TemplateNotFound:  # a site's own templates made before search
        from .render import environment
        return environment(BUNDLED_TEMPLATES).get_template(PAGE)


def site_files(site: SourceSite, env: jinja2.Environment, pages: list[list]) -> dict[str, bytes | str]:
    """The search's files, for the output folder: the index of every edition page
    (``pages``: edition_pages of every edition), the search page and its script."""
    html = _template(env).render(site=site.site, page=PAGE)
    return {INDEX: index_script(pages), PAGE: html, f"assets/{SCRIPT}": _script(site)}


__all__ = ["INDEX", "PAGE", "edition_pages", "fold_numbers", "index", "index_script", "page_records", "site_files"]
