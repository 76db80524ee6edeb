"""The PDF is made of parts (builder/pdfparts.py): an edit renders only the parts it changed,
and the PDF assembled from reused parts is byte for byte the one a build from scratch makes,
with its tags, PDF/A data, attachments, language, bookmarks and the 目录's true page numbers.

One site copy is built with its PDF (an empty cache), then explanation.md gets a page more
and the site is built again (the parts of the first build reused); a second copy, edited the
same way, is built from scratch. The PDFs are read back with pypdf.
"""
from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from budgetsite import pdf as pdf_stage
from budgetsite import pdfparts
from budgetsite.build import build_site

from conftest import copy_site
from test_pdf import PDF_NAME, FRONT_PAGES, Pdf, entry_pages
from test_performance import source_tables

ADDED = "\n".join(f"补充说明第{i}段：本段用于检验目录页码随内容移动。" * 3 + "\n" for i in range(1, 25))


def _edit(site: Path) -> None:
    path = site / "content/2025/explanation.md"
    text = path.read_text(encoding="utf-8")
    at = text.index("特此说明。")
    path.write_text(text[:at] + ADDED + "\n" + text[at:], encoding="utf-8")


def _pieces(site: Path) -> set[str]:
    return {p.name for p in (site / pdfparts.CACHE).glob("*.piece")}


@dataclass
class Builds:
    first: Pdf        # the example, from scratch
    reused: Pdf       # explanation.md edited, built again: the other parts reused
    scratch: Pdf      # the same edit in another copy, built from scratch
    whole: Pdf        # its print document rendered whole, at once, as before the parts
    rendered: int     # parts rendered by the second build
    total: int        # parts in all


@pytest.fixture(scope="session")
def parts(tmp_path_factory) -> Builds:
    tmp = tmp_path_factory.mktemp("parts")
    site, other = copy_site(tmp / "site"), copy_site(tmp / "other")
    build_site(site, tmp / "out", pdf=True)
    first = Pdf(tmp / "out/2025" / PDF_NAME)
    first.data  # read before the next build replaces it
    before = _pieces(site)
    _edit(site)
    build_site(site, tmp / "out", pdf=True)
    rendered = len(_pieces(site) - before)
    time.sleep(1.1)  # a build from scratch, not in the same second
    _edit(other)
    shutil.rmtree(other / pdfparts.CACHE, ignore_errors=True)
    jobs, render = [], pdf_stage.render_pdf
    pdf_stage.render_pdf = lambda job: (jobs.append(job), render(job))[1]
    try:
        build_site(other, tmp / "scratch", pdf=True)
    finally:
        pdf_stage.render_pdf = render
    (tmp / "whole.pdf").write_bytes(pdf_stage.render_whole(jobs[0])[0])
    return Builds(first, Pdf(tmp / "out/2025" / PDF_NAME), Pdf(tmp / "scratch/2025" / PDF_NAME),
                  Pdf(tmp / "whole.pdf"), rendered, len(before))


def test_an_edit_renders_only_its_part_the_toc_and_the_page_numbers(parts):
    # explanation.md's part, the 目录 (its numbers moved) and the page numbers (pages were added);
    # not the 绩效目标表 appendix nor the tables, whose page numbers moved too
    assert parts.rendered == 3, (parts.rendered, parts.total)
    assert parts.total >= 8
    assert len(parts.reused.texts) > len(parts.first.texts)  # the edit added pages


def test_reused_parts_give_the_bytes_of_a_build_from_scratch(parts):
    assert parts.reused.data == parts.scratch.data


def _structure(element, depth=0, out=None):
    """(depth, type, page) of every structure element under ``element``, in order."""
    out = [] if out is None else out
    for kid in element.get("/K") or []:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict) and kid.get("/Type") == "/StructElem":
            page = kid.get("/Pg")
            out.append((depth, kid["/S"], page.idnum if page is not None else None))
            _structure(kid, depth + 1, out)
    return out


def test_the_parts_make_what_the_whole_document_makes(parts):
    """Page for page, the same text, page numbers, 目录, bookmarks, links, attachments and
    tag structure as the print document rendered whole."""
    made, whole = parts.scratch, parts.whole
    assert made.flat == whole.flat
    assert made.toc == whole.toc and made.bookmarks == whole.bookmarks
    assert [made.footer(i) for i in range(len(made.texts))] == [whole.footer(i) for i in range(len(whole.texts))]
    for a, b in zip(made.reader.pages, whole.reader.pages):
        assert a.mediabox == b.mediabox
        assert len(a.get("/Annots") or []) == len(b.get("/Annots") or [])
    assert [f.name for f in made.reader.attachment_list] == [f.name for f in whole.reader.attachment_list]

    def tags(pdf):
        pages = {p.indirect_reference.idnum: i for i, p in enumerate(pdf.reader.pages)}
        tree = pdf.reader.trailer["/Root"]["/StructTreeRoot"]
        return [(depth, kind, pages.get(page)) for depth, kind, page in _structure(tree)]

    assert tags(made) == tags(whole)
    for key in ("/Lang", "/MarkInfo", "/ViewerPreferences"):
        assert made.reader.trailer["/Root"][key] == whole.reader.trailer["/Root"][key]
    assert made.reader.metadata == whole.reader.metadata


def test_the_toc_has_the_true_page_numbers_after_the_edit(parts):
    pdf = parts.reused
    tables = source_tables()
    pages = entry_pages(pdf, tables)
    for (entry, number), page in zip(pdf.toc, pages):
        assert pdf.footer(page) == number, f"目录 says {entry} is on page {number}"
    # the numbers moved for what follows the edit (the 绩效目标表 and 第四部分)
    assert pdf.toc[-1][1] > parts.first.toc[-1][1]
    body = range(FRONT_PAGES, len(pdf.texts))
    assert [pdf.footer(i) for i in body] == [i - FRONT_PAGES + 1 for i in body]


def test_bookmarks_point_at_the_pages_of_the_toc(parts):
    pdf = parts.reused
    marks = [(level, title, page) for level, title, page in pdf.bookmarks if title in dict(pdf.toc)]
    assert [title for _, title, _ in marks] == [entry for entry, _ in pdf.toc]
    assert [page for _, _, page in marks] == entry_pages(pdf, source_tables())
    assert pdf.bookmarks[0][:2] == (0, "目录")
    levels = [level for level, _, _ in marks]
    assert levels.count(0) == 4 and set(levels) == {0, 1, 2}


def test_tags_pdfa_language_and_attachments_are_kept(parts):
    reader = parts.reused.reader
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "zh-CN"
    assert root["/MarkInfo"]["/Marked"]
    tree = root["/StructTreeRoot"]
    document = tree["/K"][0].get_object()
    assert document["/S"] == "/Document"
    kids = [k.get_object() for k in document["/K"]]
    assert {k["/S"] for k in kids} >= {"/Art", "/Sect", "/Div"}  # the parts, the appendix
    # every page is in the parent tree, and its marked content belongs to elements of this page
    nums = tree["/ParentTree"]["/Nums"]
    for index, page in enumerate(reader.pages):
        key = page["/StructParents"]
        assert nums[2 * key] == key == index
        for element in nums[2 * key + 1]:
            assert element.get_object().raw_get("/Pg").idnum == page.indirect_reference.idnum
    # each link annotation is a Link element's object
    links = [a.get_object() for p in reader.pages for a in p.get("/Annots") or []]
    assert len(links) >= 54
    parents = dict(zip(nums[::2], nums[1::2]))
    for link in links:
        element = parents[link["/StructParent"]].get_object()
        assert element["/S"] == "/Link"
    assert "/OutputIntents" in root and root["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r'pdfaid:part[=>"]+3', xmp) and re.search(r'pdfaid:conformance[=>"]+U', xmp)
    assert [f.name for f in reader.attachment_list] == [f"table-{n:02d}.csv" for n in range(1, 14)]
    assert reader.metadata["/Title"] == "阳泉市退役军人事务局2025年度部门预算公开"
    assert reader.metadata["/CreationDate"] == "D:20250402000000+08'00"


def test_the_toc_links_land_on_their_headings(parts):
    pdf = parts.reused
    reader = pdf.reader
    dests = reader.named_destinations
    pages = entry_pages(pdf, source_tables())
    names = [str(a.get_object()["/Dest"]) for page in reader.pages[:FRONT_PAGES] for a in page.get("/Annots") or []]
    names = list(dict.fromkeys(names))  # an entry's text and its page number are one link each
    assert len(names) == len(pdf.toc)
    assert [reader.get_destination_page_number(dests[name]) for name in names] == pages


def test_a_document_not_made_by_print_html_is_rendered_whole():
    assert pdfparts.cut("<html><body><p>x</p></body></html>", "@page { @bottom-center { content: counter(page) } }") is None


def test_a_theme_whose_pages_depend_on_their_place_is_rendered_whole(built_site):
    """Cut into pieces, each would have a first page of its own: such a theme gets the whole
    document rendered at once (the same PDF as before the parts, only slower)."""
    from conftest import ROOT

    html = (ROOT / "templates/print.html").read_text(encoding="utf-8")  # any document with the markers
    document = ('<html><head></head><body class="print"><section class="cover" data-running="x"></section>'
                '<nav class="toc"></nav><article class="part" id="part-1"><h1 class="part-title">一</h1>'
                "</article></body></html>")
    css = (ROOT / "theme/print.css").read_text(encoding="utf-8")
    assert "article" in html and pdfparts.cut(document, css) is not None
    assert pdfparts.cut(document, css + "@page :first { margin: 0 }") is None
    assert pdfparts.cut(document, css.replace("counter-increment: page 0;", "")) is None
