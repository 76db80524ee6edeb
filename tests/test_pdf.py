"""The PDF as a reader, an archivist and an auditor see it, read back with pypdf.

The reference edition's PDF is built once per session by the command line, twice, in a
process that sees NO installed font (an empty fontconfig): what CI's fresh machine sees.
A published copy is built beside them with SOURCE_DATE_EPOCH set.
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest
from pypdf.generic import ContentStream

from budgetsite import pdf as pdf_stage
from budgetsite.build import BuildFailed, build_site

from conftest import ROOT, copy_site
from test_performance import source_tables

PDF_NAME = "阳泉市退役军人事务局-2025-部门预算公开.pdf"
EPOCH = 1700000000  # 2023-11-14 22:13:20 UTC
FRONT_PAGES = 3  # cover and two 目录 pages (54 entries): unnumbered


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- builds

def _fresh_machine_env(tmp: Path, **extra) -> dict:
    """The environment of a machine with no font installed at all."""
    conf = tmp / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
                    f"<fontconfig><cachedir>{tmp / 'fc-cache'}</cachedir></fontconfig>\n",
                    encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update(FONTCONFIG_FILE=str(conf), **extra)
    return env


@dataclass
class Builds:
    first: Path      # the reference site, built with its PDF
    second: Path     # the same, built again into another folder
    published: Path  # a copy with status: published, built with SOURCE_DATE_EPOCH


@pytest.fixture(scope="session")
def builds(tmp_path_factory) -> Builds:
    """Three PDF builds run side by side (each is a `budgetsite build` of its own)."""
    tmp = tmp_path_factory.mktemp("pdf")
    published_site = copy_site(tmp / "published-site")
    edition = published_site / "content/2025/edition.yaml"
    text = edition.read_text(encoding="utf-8")
    edition.write_text(re.sub(r"^status: draft", "status: published", text, flags=re.M), encoding="utf-8")
    result = Builds(tmp / "first", tmp / "second", tmp / "published")
    runs = [
        (ROOT, result.first, _fresh_machine_env(tmp)),
        (ROOT, result.second, _fresh_machine_env(tmp)),
        (published_site, result.published, _fresh_machine_env(tmp, SOURCE_DATE_EPOCH=str(EPOCH))),
    ]
    processes = [
        subprocess.Popen([sys.executable, "-m", "budgetsite", "build", "--site", str(site), "--out", str(out),
                          "--quiet"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for site, out, env in runs]
    for process in processes:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr and "PDF: warning" not in stderr, stderr
    return result


class Pdf:
    """A built PDF, read back: its pages' text, footers, 目录, bookmarks and attachments."""

    def __init__(self, path: Path):
        self.path = path
        self.data = path.read_bytes()
        self.reader = pypdf.PdfReader(path)

    @cached_property
    def texts(self) -> list[str]:
        return [page.extract_text() for page in self.reader.pages]

    @cached_property
    def flat(self) -> list[str]:
        return [_norm(t) for t in self.texts]

    def footer(self, index: int) -> int | None:
        found = re.findall(r"第\s*(\d+)\s*页", self.texts[index])
        return int(found[-1]) if found else None

    @cached_property
    def toc(self) -> list[tuple[str, int]]:
        """The 目录 as printed: (entry, page number), from the front pages."""
        entries = []
        for text in self.texts[:FRONT_PAGES]:
            for line in text.splitlines():
                if m := re.match(r"^(.*?)\s*(?:\.\s*){3,}(\d+)\s*$", line):
                    entries.append((_norm(m[1]), int(m[2])))
        return entries

    def page_of(self, heading: str, start: int = FRONT_PAGES) -> int:
        """The first page from ``start`` (default: the first after the 目录) that shows ``heading``."""
        for index in range(start, len(self.flat)):
            if _norm(heading) in self.flat[index]:
                return index
        raise AssertionError(f"{heading!r} is on no page")

    @cached_property
    def bookmarks(self) -> list[tuple[int, str, int]]:
        """(level, title, page index) of every bookmark, in order."""
        out = []

        def walk(items, level):
            for item in items:
                if isinstance(item, list):
                    walk(item, level + 1)
                else:
                    out.append((level, _norm(item.title), self.reader.get_destination_page_number(item)))

        walk(self.reader.outline, 0)
        return out


@pytest.fixture(scope="session")
def reference(builds) -> Pdf:
    return Pdf(builds.first / "2025" / PDF_NAME)


@pytest.fixture(scope="session")
def published(builds) -> Pdf:
    return Pdf(builds.published / "2025" / PDF_NAME)


class TableGrids(HTMLParser):
    """The standard tables of tables.html as grids: colspan / rowspan cells fill their first slot."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: dict[str, list[list[tuple[str, int, int]]]] = {}
        self.header_rows: dict[str, int] = {}
        self._table = None
        self._in_head = False
        self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and "budget-table" in (a.get("class") or ""):
            self._table = a["id"]
            self.rows[self._table] = []
            self.header_rows[self._table] = 0
        elif self._table and tag == "thead":
            self._in_head = True
        elif self._table and tag == "tr":
            self.rows[self._table].append([])
            self.header_rows[self._table] += self._in_head
        elif self._table and tag in ("td", "th") and self.rows[self._table]:
            self._cell = ["", int(a.get("colspan", 1)), int(a.get("rowspan", 1))]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            text, colspan, rowspan = self._cell
            self.rows[self._table][-1].append((text.strip(), colspan, rowspan))
            self._cell = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "section":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data

    def grid(self, anchor: str) -> list[list[str]]:
        grid, taken = [], set()
        for r, row in enumerate(self.rows[anchor]):
            line, col = {}, 0
            for text, colspan, rowspan in row:
                while (r, col) in taken:
                    col += 1
                line[col] = text
                taken.update((r + dr, col + dc) for dr in range(rowspan) for dc in range(colspan))
                col += colspan
            width = max([*line, *(c for rr, c in taken if rr == r)], default=-1) + 1
            grid.append([line.get(c, "") for c in range(width)])
        return grid


# --------------------------------------------------------------------------- what a reader sees

def test_pdf_is_built_and_linked_from_the_pages(builds):
    out = builds.first
    assert (out / "2025" / PDF_NAME).read_bytes().startswith(b"%PDF-1.7")
    archive = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="2025/{PDF_NAME}"' in archive
    for page in ("index.html", "overview.html", "tables.html", "explanation.html", "glossary.html"):
        assert f'href="{PDF_NAME}"' in (out / "2025" / page).read_text(encoding="utf-8"), page


def test_no_pdf_skips_it_and_its_links(built_site):
    assert not list(built_site.rglob("*.pdf"))
    assert not any("pdf-link" in p.read_text(encoding="utf-8") for p in built_site.rglob("*.html"))


def test_cover_and_a4_pages(reference):
    cover = reference.flat[0]
    for text in ("阳泉市退役军人事务局", "2025年度部门预算公开", "2025年4月2日"):
        assert text in cover
    sizes = {tuple(round(float(v)) for v in page.mediabox[2:]) for page in reference.reader.pages}
    assert (595, 842) in sizes  # A4 portrait
    assert sizes <= {(595, 842), (842, 595)}  # and A4 landscape for the wide tables


def entry_pages(reference, tables) -> list[int]:
    """The page (index) of each 目录 entry, found in document order: a heading at or after the
    entry before it; a 绩效目标表 on the first page after the table before it that shows its
    title with its name (a table's title is printed once, where it starts; its name is also
    in 表十二 and on the pages it runs onto)."""
    pages, page, seen = [], FRONT_PAGES, 0
    appendix_at = next(i for i, (e, _) in enumerate(reference.toc) if e.startswith("附："))
    for i, (entry, _number) in enumerate(reference.toc):
        if appendix_at < i <= appendix_at + len(tables):
            title = _norm(tables[seen].title)
            page = next(p for p in range(page + (1 if seen else 0), len(reference.flat))
                        if title in reference.flat[p] and entry in reference.flat[p])
            seen += 1
        else:
            page = reference.page_of(entry, page)
        pages.append(page)
    return pages


def test_toc_page_numbers_are_where_the_headings_land(reference, built_site):
    site_toc = (built_site / "2025/index.html").read_text(encoding="utf-8")
    site_toc = site_toc[site_toc.index('<nav class="toc"'):]
    site_toc = site_toc[:site_toc.index("</nav>")]  # the 目录 only, not the download lists below it
    expected = [_norm(re.sub(r"<[^>]+>", "", m)) for m in re.findall(r"<a [^>]*>(.*?)</a>", site_toc)]
    assert [entry for entry, _ in reference.toc] == expected  # the site's 目录, in order
    tables = [t for t in source_tables()]
    assert len(expected) == 33 + 1 + len(tables) == 54  # with the 绩效目标表 appendix and each table
    for (entry, number), page in zip(reference.toc, entry_pages(reference, tables)):
        assert reference.footer(page) == number, f"目录 says {entry} is on page {number}"
    entries = [e for e, _ in reference.toc]
    appendix = entries[next(i for i, e in enumerate(entries) if e.startswith("附：")):]
    assert appendix[0] == _norm("附：2025年度绩效目标表")
    names = [_norm(t.title if t.redacted else t.text("name")) for t in tables]
    assert appendix[1:-1] == names  # every table by its name, in order (the last entry: 第四部分)


def test_page_numbers_run_on_across_parts_and_landscape_pages(reference):
    pages = reference.reader.pages
    assert [reference.footer(i) for i in range(FRONT_PAGES)] == [None] * FRONT_PAGES
    body = range(FRONT_PAGES, len(pages))
    assert [reference.footer(i) for i in body] == [i - FRONT_PAGES + 1 for i in body]
    landscape = [i for i in body if pages[i].mediabox.width > pages[i].mediabox.height]
    assert landscape, "the 绩效目标表 are printed on landscape pages"
    assert landscape == list(range(landscape[0], landscape[-1] + 1))  # one run: the 绩效目标表
    assert landscape[-1] < reference.page_of("第四部分名词解释")  # portrait again after them


def test_running_header_names_department_and_edition(reference):
    for index in range(FRONT_PAGES, len(reference.flat)):
        assert "阳泉市退役军人事务局2025年度部门预算公开" in reference.flat[index], index
    assert "阳泉市退役军人事务局2025年度部门预算公开" not in reference.flat[1]  # not on the 目录


def test_each_part_starts_on_a_new_page(reference):
    parts = [i for i, (entry, _) in enumerate(reference.toc) if entry.startswith("第") and "部分" in entry]
    assert len(parts) == 4
    for before, start in zip(parts, parts[1:]):
        previous = reference.page_of(reference.toc[start - 1][0])
        title = reference.toc[start][0]
        page = reference.page_of(title)
        assert page > previous, title
        body = reference.texts[page].split("\n")
        assert any(_norm(line) == title for line in body), f"{title} is not a heading of page {page}"


def test_bookmarks_mirror_the_toc(reference):
    bookmarks = reference.bookmarks
    assert bookmarks[0][:2] == (0, "目录")
    marks = [(level, title, page) for level, title, page in bookmarks if title in dict(reference.toc)]
    assert [title for _, title, _ in marks] == [entry for entry, _ in reference.toc]  # one each, in order
    assert [page for _, _, page in marks] == entry_pages(reference, source_tables())
    levels = [level for level, _, _ in marks]
    assert levels.count(0) == 4 and set(levels) == {0, 1, 2}
    appendix = next(i for i, (_, title, _) in enumerate(marks) if title.startswith("附："))
    assert set(levels[appendix + 1:appendix + 21]) == {2}  # each 绩效目标表 under the 附


def test_tables_keep_their_header_on_every_page_and_rows_whole(reference, builds):
    """Each row is whole on one page; every page a table's rows are on shows its header."""
    grids = TableGrids((builds.first / "2025/tables.html").read_text(encoding="utf-8"))
    titles = [entry for entry, _ in reference.toc if entry.startswith("表")]
    starts = [reference.page_of(t) for t in titles] + [reference.page_of("第三部分2025年度部门预算情况说明")]
    spanning = 0
    for n, (title, start, end) in enumerate(zip(titles, starts, starts[1:]), start=1):
        anchor = f"table-{n}"
        grid = grids.grid(anchor)
        heads = grids.header_rows[anchor]
        header = {_norm(c) for row in grid[:heads] for c in row if c}
        rows_on = []
        for row in grid[heads:]:
            cells = [_norm(c) for c in row if c]
            page = next((p for p in range(start, end + 1) if all(c in reference.flat[p] for c in cells)), None)
            assert page is not None, f"{title}: row {row} is not whole on any page"
            rows_on.append(page)
        spanning += len(set(rows_on)) > 1
        for page in sorted(set(rows_on)):
            missing = [text for text in header if text not in reference.flat[page]]
            assert not missing, f"{title}: header {missing} missing on page {page + 1}"
    assert spanning  # some tables do run over a page


def test_empty_tables_are_printed_with_their_note(reference):
    for title in ("表七2025年政府性基金预算收入表（不含上年结转）", "表十三2025年项目支出预算表（上年结转）"):
        page = reference.page_of(title)
        following = reference.flat[page][reference.flat[page].index(_norm(title)):]
        assert "注：本表无数据" in following, title


# --------------------------------------------------------------------------- fonts and glyphs

def _fonts(resources, seen=None):
    """Every font dictionary reachable from a resources dictionary (forms included)."""
    seen = seen if seen is not None else {}
    resources = resources.get_object() if resources is not None else {}
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        seen[font.get("/BaseFont")] = font
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            _fonts(xobject.get("/Resources"), seen)
    return seen


def test_every_font_is_bundled_and_embedded(reference):
    fonts = {}
    for page in reference.reader.pages:
        _fonts(page.get("/Resources"), fonts)
    assert fonts
    for name, font in fonts.items():
        assert re.fullmatch(r"/[A-Z]{6}\+budgetsite-(serif|sans)(-Bold)?", name), name
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), f"{name} is not embedded"
        assert "/ToUnicode" in font, f"{name} has no ToUnicode map (text could not be copied)"


def _drawn_glyphs(stream, resources):
    """(font name, glyph id) of every glyph a content stream draws (all fonts are 2-byte CID)."""
    fonts = (resources.get_object() if resources is not None else {}).get("/Font") or {}
    font = None
    for operands, operator in stream.operations:
        if operator == b"Tf":
            font = fonts[operands[0]].get_object()["/BaseFont"]
            continue
        items = operands[-1:] if operator in (b"Tj", b"'", b'"') else operands[0] if operator == b"TJ" else []
        for item in items:
            if isinstance(item, (bytes, str)):
                data = getattr(item, "original_bytes", item)
                for i in range(0, len(data), 2):
                    yield font, int.from_bytes(data[i:i + 2], "big")


def test_no_glyph_is_missing(reference):
    """Every glyph drawn exists in its font, on a machine without fonts.

    A character no font has is drawn by WeasyPrint with a glyph id past the font's last
    glyph (or .notdef, id 0): both show as an empty box.
    """
    from fontTools.ttLib import TTFont

    glyphs = {kind: TTFont(ROOT / f"theme/fonts/Noto{kind.title()}CJKsc-Regular-GB.otf")["maxp"].numGlyphs
              for kind in ("serif", "sans")}
    reader = reference.reader
    drawn = 0
    for index, page in enumerate(reader.pages):
        resources = page["/Resources"]
        streams = [(ContentStream(page.get_contents(), reader), resources)]
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                streams.append((ContentStream(xobject, reader), xobject.get("/Resources") or resources))
        for stream, own in streams:
            for font, glyph in _drawn_glyphs(stream, own):
                kind = "serif" if "serif" in font else "sans"
                assert 0 < glyph < glyphs[kind], f"page {index + 1}: {font} has no glyph {glyph}"
                drawn += 1
    assert drawn > 10000
    assert "\ufffd" not in "".join(reference.texts)


def test_glyph_guard_names_the_character_and_its_line(site_copy, tmp_path):
    overview = site_copy / "content/2025/overview.md"
    lines = overview.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "本段含有一个生僻字：𠀀。")
    overview.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "budgetsite", "build", "--site", str(site_copy), "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert ("content/2025/overview.md:3: error[font-glyph]: character '𠀀' (U+20000) has no glyph "
            "in the bundled fonts") in run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists()  # nothing was written
    build_site(site_copy, out, pdf=False)  # the site alone does not need the fonts


# --------------------------------------------------------------------------- draft watermark

def test_watermark_is_on_every_page_of_a_draft(reference):
    missing = [i + 1 for i, text in enumerate(reference.flat) if "仅供内部审核" not in text]
    assert not missing, f"pages without the watermark: {missing}"


def test_no_watermark_once_published(published):
    assert len(published.flat) > 10
    marked = [i + 1 for i, text in enumerate(published.flat) if "仅供内部审核" in text]
    assert not marked, f"pages with the watermark: {marked}"


def test_watermark_text_comes_from_site_yaml(site_copy, tmp_path, monkeypatch):
    site = site_copy / "site.yaml"
    site.write_text(site.read_text(encoding="utf-8").replace("仅供内部审核", "征求意见稿"), encoding="utf-8")
    jobs = []
    monkeypatch.setattr(pdf_stage, "render_pdf", lambda job: (jobs.append(job), (b"%PDF-", []))[1])
    build_site(site_copy, tmp_path / "out", pdf=True)
    assert '<div class="watermark" aria-hidden="true">征求意见稿</div>' in jobs[0].html


# --------------------------------------------------------------------------- archival

def test_pdfa_metadata_and_tags(reference):
    reader = reference.reader
    info = reader.metadata
    assert info["/Title"] == "阳泉市退役军人事务局2025年度部门预算公开"
    assert info["/Author"] == "阳泉市退役军人事务局"
    assert "部门预算" in info["/Subject"]
    assert "部门预算公开" in info["/Keywords"] and "2025" in info["/Keywords"]
    assert info["/CreationDate"] == "D:20250402000000+08'00"  # the edition's date, not the clock
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "zh-CN"
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root  # tagged
    assert "/OutputIntents" in root
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r'pdfaid:part[=>"]+3', xmp) and re.search(r'pdfaid:conformance[=>"]+U', xmp)


def test_csv_attachments_equal_the_tables(reference, builds):
    grids = TableGrids((builds.first / "2025/tables.html").read_text(encoding="utf-8"))
    files = list(reference.reader.attachment_list)
    assert [f.name for f in files] == [f"table-{n:02d}.csv" for n in range(1, 14)]
    for n, file in enumerate(files, start=1):
        assert file.alternative_name.startswith(("表", )) and file.alternative_name.endswith(".csv")
        assert file.subtype == "/text/csv"
        assert file.associated_file_relationship == "/Data"
        assert file.content.startswith("\ufeff".encode("utf-8"))  # Excel reads it as UTF-8
        rows = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig"), newline="")))
        assert rows == grids.grid(f"table-{n}"), file.alternative_name


def test_links_stay_inside_the_document(reference):
    """Self-contained: every link is internal (no file:// path of the build machine, no web)."""
    internal = 0
    for page in reference.reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A") or {}
            assert "/URI" not in action, action.get("/URI")
            internal += "/Dest" in annotation or action.get("/S") == "/GoTo"
    assert internal >= 33  # the 目录 entries at least


def test_two_builds_are_byte_identical(builds):
    first = (builds.first / "2025" / PDF_NAME).read_bytes()
    assert first == (builds.second / "2025" / PDF_NAME).read_bytes()


def test_source_date_epoch_sets_the_dates(published):
    assert published.reader.metadata["/CreationDate"] == "D:20231114221320Z"
    assert published.reader.metadata["/ModDate"] == "D:20231114221320Z"
    for file in published.reader.attachment_list:
        assert file.modification_date.timestamp() == EPOCH


# --------------------------------------------------------------------------- speed

def test_unchanged_pdf_is_reused_and_a_change_renders_again(builds, site_copy, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(builds.first, out)
    before = (out / "2025" / PDF_NAME).read_bytes()

    def no_render(job):
        raise AssertionError("an unchanged PDF was rendered again")

    monkeypatch.setattr(pdf_stage, "render_pdf", no_render)
    lines = []
    build_site(site_copy, out, pdf=True, progress=lines.append)
    assert (out / "2025" / PDF_NAME).read_bytes() == before
    assert any("PDF" in line and "unchanged" in line for line in lines)

    overview = site_copy / "content/2025/overview.md"
    overview.write_text(overview.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    monkeypatch.setattr(pdf_stage, "render_pdf", lambda job: (b"%PDF-new", []))
    build_site(site_copy, out, pdf=True)
    assert (out / "2025" / PDF_NAME).read_bytes() == b"%PDF-new"


def test_glyph_guard_error_is_a_build_failure(site_copy, tmp_path):
    overview = site_copy / "content/2025/overview.md"
    overview.write_text("## 一、本部门职责\n\n𪚥\n" + overview.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        build_site(site_copy, tmp_path / "out", pdf=True)
    (finding,) = failed.value.findings
    assert (finding.pos.file, finding.pos.line, finding.rule) == ("content/2025/overview.md", 3, "font-glyph")


def test_tables_wider_than_a_portrait_page_ask_for_a_landscape_one():
    from types import SimpleNamespace

    from budgetsite.layouts import Cell, Row, Table
    from budgetsite.render import environment
    from budgetsite.formats import HeaderCell

    env = environment(ROOT / "templates")
    macro = env.from_string('{% from "table.html" import budget_table %}{{ budget_table(t, e) }}')
    edition = SimpleNamespace(department="某局", unit="万元")
    for width, landscape in ((9, False), (11, True)):
        table = Table("table-1", "表一", "宽表", None, "subjects", [[HeaderCell(f"列{i}") for i in range(width)]],
                      [Row([Cell("x", kind="name")] + [Cell(kind="amount")] * (width - 1))], width, False)
        html = macro.render(t=table, e=edition)
        assert ('class="budget-table landscape"' in html) is landscape
        assert html.count('<col class="col-amount">') == width - 1  # the print theme sizes columns by kind


def test_official_fonts_are_preferred_when_installed(tmp_path):
    """With a font named 仿宋 (FangSong) installed, the body text uses it; headings keep the
    bundled sans as no 黑体 is installed."""
    script = f"""
import sys
from fontTools.ttLib import TTFont
font = TTFont({str(ROOT / "theme/fonts/NotoSerifCJKsc-Regular-GB.otf")!r}, lazy=True)  # renamed: FangSong
for record in list(font["name"].names):
    if record.nameID in (1, 4, 6, 16):
        font["name"].removeNames(nameID=record.nameID)
for name_id, text in ((1, "FangSong"), (4, "FangSong"), (6, "FangSong")):
    font["name"].setName(text, name_id, 3, 1, 0x409)
font.save({str(tmp_path / "fonts" / "FangSong.otf")!r})
import weasyprint
html = '<html lang="zh-CN"><head><link rel="stylesheet" href="print.css"></head><body><h1>标题</h1><p>正文</p>'
sys.stdout.buffer.write(weasyprint.HTML(string=html, base_url={(ROOT / "theme").as_uri() + "/"!r}).write_pdf())
"""
    (tmp_path / "fonts").mkdir()
    env = _fresh_machine_env(tmp_path)
    conf = Path(env["FONTCONFIG_FILE"])
    conf.write_text(conf.read_text(encoding="utf-8").replace(
        "<fontconfig>", f"<fontconfig><dir>{tmp_path / 'fonts'}</dir>"), encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=300)
    assert run.returncode == 0, run.stderr.decode()
    fonts = _fonts(pypdf.PdfReader(io.BytesIO(run.stdout)).pages[0]["/Resources"])
    assert sorted(name.split("+")[1] for name in fonts) == ["FangSong", "budgetsite-sans"]


def test_charts_are_in_the_pdf_with_their_labels(reference, builds):
    """The same SVG charts as the site, drawn in the PDF with their Chinese titles and labels."""
    import xml.etree.ElementTree as ET

    for name in ("general-structure", "three-public"):
        svg = ET.fromstring((builds.first / "2025/charts" / f"{name}.svg").read_text(encoding="utf-8"))
        ns = "{http://www.w3.org/2000/svg}"
        title = svg.find(f"{ns}title").text
        page = reference.page_of(title)
        words = [_norm(t.text) for t in svg.iter(f"{ns}text")]
        assert len(words) > 4
        for word in words:
            assert word in reference.flat[page], (name, word)
