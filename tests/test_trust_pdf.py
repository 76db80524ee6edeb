"""The PDF can be trusted: it embeds only the site's own files, is the same bytes on any
machine (with or without HarfBuzz-subset), and reads well on paper (目录 with the
绩效目标表, no header stranded at a page's foot, no word split in a header cell).

The PDF read back here is the one of tests/test_pdf.py's session builds (no extra build);
the resource guard is tried on one small site copy and on a tiny print document.
"""
from __future__ import annotations

import datetime
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from budgetsite import pdf as pdf_stage

from conftest import ROOT, copy_site
from test_pdf import PDF_NAME, FRONT_PAGES, Pdf, _norm, builds, reference  # noqa: F401 (fixtures)

DATE = datetime.datetime(2025, 4, 2, tzinfo=pdf_stage.CHINA)
FONT_EPOCH = datetime.datetime(1904, 1, 1, tzinfo=datetime.timezone.utc)


def _job(body: str, theme: Path = ROOT / "theme") -> pdf_stage.PrintJob:
    html = ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>测试</title>'
            '<link rel="stylesheet" href="print.css"></head>'
            f'<body class="print"><h1>标题</h1><p>正文</p>{body}</body></html>')
    return pdf_stage.PrintJob(html, theme, DATE)


# --------------------------------------------------------------------------- 1. resources

def _png() -> bytes:
    """A 1×1 PNG."""
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


@pytest.fixture(scope="session")
def outside_png(tmp_path_factory) -> Path:
    """A real image outside every site: what must never reach the PDF."""
    png = tmp_path_factory.mktemp("outside") / "secret.png"
    png.write_bytes(_png())
    return png


@pytest.fixture(scope="session")
def refused_build(tmp_path_factory, outside_png):
    """One build of a site whose overview.md points at a file outside it (absolute and by
    ../..), at a web image, and at an image of its own theme (allowed)."""
    tmp = tmp_path_factory.mktemp("refused")
    site = copy_site(tmp / "site")
    shutil.copy2(outside_png, site / "theme" / "logo.png")
    climb = "../" * (len((site / "theme").resolve().parts) - 1) + outside_png.resolve().as_posix().lstrip("/")
    overview = site / "content/2025/overview.md"
    lines = overview.read_text(encoding="utf-8").splitlines()
    lines[2:2] = [f"![绝对路径]({outside_png.resolve().as_posix()})", "",
                  f"![上溯路径]({climb})", "",
                  "![网络图片](https://example.com/x.png)", "",
                  "![本站主题图片](logo.png)", ""]
    overview.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp / "out"
    run = subprocess.run([sys.executable, "-m", "budgetsite", "build", "--site", str(site), "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    return run, out


def test_files_outside_the_site_are_refused_and_reported_at_their_line(refused_build, outside_png):
    run, out = refused_build
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if "error[pdf-resource]" in line]
    assert len(errors) == 3, run.stderr
    absolute, climbed, remote = errors
    assert absolute.startswith("content/2025/overview.md:3: error[pdf-resource]: the PDF does not embed files outside the site")
    assert str(outside_png.resolve()) in absolute
    assert climbed.startswith("content/2025/overview.md:5: error[pdf-resource]: the PDF does not embed files outside the site")
    assert remote.startswith("content/2025/overview.md:7: error[pdf-resource]: the PDF does not embed resources from the web")
    assert "https://example.com/x.png" in remote
    assert "logo.png" not in run.stderr  # the theme's own image is read
    assert not out.exists()  # nothing was written


def test_the_fetcher_reads_only_the_site_and_the_theme(outside_png, tmp_path):
    """The guard is WeasyPrint's URL fetcher itself: whatever asks (an <img>, CSS url(),
    an SVG <image>), a file outside is never read."""
    site = copy_site(tmp_path / "site")
    (site / "content/2025/own.png").write_bytes(outside_png.read_bytes())
    body = (f'<img src="{outside_png.as_uri()}">'
            f'<div style="background: url({outside_png.as_uri()})">x</div>'
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="9" height="9">'
            f'<image xlink:href="{outside_png.as_uri()}" width="9" height="9"/></svg>'
            '<img src="../content/2025/own.png"><img src="http://127.0.0.1:9/x.png">')
    job = _job(body, site / "theme")
    with pytest.raises(pdf_stage.ResourcesRefused) as refused:
        pdf_stage.render_pdf(job)
    assert set(refused.value.urls) == {outside_png.as_uri(), "http://127.0.0.1:9/x.png"}
    # the site's own image and the bundled fonts were read: nothing else is refused
    assert not any("own.png" in url or "fonts/" in url for url in refused.value.urls)


def test_font_dates_are_set_in_the_font_file():
    from fontTools.ttLib import TTFont
    import io

    data = (ROOT / "theme/fonts/NotoSansCJKsc-Regular-GB.otf").read_bytes()
    dated = pdf_stage.font_with_date(data, DATE)
    font = TTFont(io.BytesIO(dated), checkChecksums=2)  # raises on a wrong table checksum
    seconds = int((DATE - FONT_EPOCH).total_seconds())
    assert font["head"].created == font["head"].modified == seconds
    assert pdf_stage.font_with_date(b"not a font", DATE) == b"not a font"


# --------------------------------------------------------------------------- 2. reproducible

FALLBACK = r"""
import datetime, sys, time
import weasyprint.pdf.fonts
weasyprint.pdf.fonts.harfbuzz_subset = None  # a machine without HarfBuzz-subset: fontTools subsets
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from budgetsite import pdf as pdf_stage
html = ('<html lang="zh-CN"><head><link rel="stylesheet" href="print.css"></head><body><h1>标题</h1>'
        '<table><thead><tr><th>政府性基金</th></tr></thead><tbody><tr><td>正文 1</td></tr></tbody></table>')
job = pdf_stage.PrintJob(html, Path(sys.argv[1]) / "theme",
                         datetime.datetime(2025, 4, 2, tzinfo=pdf_stage.CHINA))
first, warnings = pdf_stage.render_pdf(job)
assert any("fontTools" in w for w in warnings), warnings  # the fallback really ran
time.sleep(2.2)
second, _ = pdf_stage.render_pdf(job)
Path(sys.argv[2]).write_bytes(first)
Path(sys.argv[3]).write_bytes(second)
"""


def test_same_bytes_without_harfbuzz_subset(tmp_path):
    """fontTools stamps the clock into each font subset (head.modified): the PDF's fonts
    carry the edition's date instead, so two builds seconds apart are the same bytes."""
    import io

    import pypdf
    from fontTools.ttLib import TTFont

    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    run = subprocess.run([sys.executable, "-c", FALLBACK, str(ROOT), str(a), str(b)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert a.read_bytes() == b.read_bytes()
    seconds = int((DATE - FONT_EPOCH).total_seconds())
    reader = pypdf.PdfReader(a)
    fonts = 0
    for number in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(number)
        if isinstance(obj, pypdf.generic.StreamObject) and obj.get("/Subtype") == "/OpenType":
            head = TTFont(io.BytesIO(obj.get_data()))["head"]
            assert head.created == head.modified == seconds  # the edition's date, not the clock
            fonts += 1
    assert fonts


# --------------------------------------------------------------------------- 4. page breaks

WATERMARK = set("仅供内部审核")


def layout_pages(pdf: Path) -> list[list[str]]:
    """Each page's body lines as pdftotext -layout reads them: no running header, no page
    number, no line of the draft watermark."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = []
    for page in text.split("\f")[:-1]:
        lines = [line.strip() for line in page.splitlines()]
        pages.append([line for line in lines if line and not set(line) <= WATERMARK | {" "}
                      and not re.fullmatch(r"第\s*\d+\s*页", line)
                      and not _norm(line).startswith("阳泉市退役军人事务局2025年度部门预算公开")])
    return pages


@pytest.fixture(scope="session")
def pages(builds) -> list[list[str]]:
    return layout_pages(builds.first / "2025" / PDF_NAME)


def header_texts(builds) -> set[str]:
    html = (builds.first / "2025/tables.html").read_text(encoding="utf-8")
    return {text for head in re.findall(r"<thead>(.*?)</thead>", html, re.S)
            for text in re.findall(r"<th[^>]*>([^<]+)</th>", head)}


def split_header_words(pages: list[list[str]], headers: set[str]) -> list[str]:
    """Pieces of a header cell printed on a line of their own that cut a word in two:
    a piece of a header text that starts or ends inside one of its words."""
    bounds = {h: {0, len(h)} for h in headers}
    for h in headers:
        at = 0
        for word in pdf_stage.header_words(h):
            at += len(word)
            bounds[h].add(at)
    bad = []
    for lines in pages:
        for token in {t for line in lines for t in line.split()}:
            homes = [h for h in headers if token in h and token != h] if len(token) > 1 else []
            if not homes or any(token == h for h in headers):
                continue
            whole = any(i in bounds[h] and i + len(token) in bounds[h]
                        for h in homes for i in [m.start() for m in re.finditer(re.escape(token), h)])
            if not whole:
                bad.append(token)
    return sorted(set(bad))


def test_header_cells_break_between_words(pages, builds):
    tokens = {token for lines in pages for line in lines for token in line.split()}
    assert not tokens & {"政府性基", "金预算", "2025年合", "一般公", "国有资本经", "金", "计"}
    start = next(i for i, lines in enumerate(pages) if any(_norm(l) == "第二部分2025年部门预算报表" for l in lines))
    end = next(i for i, lines in enumerate(pages) if any(_norm(l) == "第三部分2025年度部门预算情况说明" for l in lines))
    assert split_header_words(pages[start:end], header_texts(builds)) == []


def test_header_words():
    assert pdf_stage.header_words("政府性基金预算") == ["政府性基金", "预算"]
    assert pdf_stage.header_words("2025年合计") == ["2025年", "合计"]
    assert pdf_stage.header_words("国有资本经营预算") == ["国有资本", "经营", "预算"]
    html = pdf_stage.unbroken_header_words('<thead><tr><th scope="col">政府性基金预算</th></tr></thead>'
                                           '<tbody><tr><th>政府性基金预算</th></tr></tbody>')
    assert html == ('<thead><tr><th scope="col"><span class="word">政府性基金</span><span class="word">预算</span>'
                    '</th></tr></thead><tbody><tr><th>政府性基金预算</th></tr></tbody>')  # the body as it was


FOOTER = re.compile(r"^负责人：.*经办人：")
HEADING_ROWS = (re.compile(r"^绩效指标\s+一级指标\s+二级指标"), re.compile(r"^总体目标\s+实施期目标\s+年度目标$"),
                re.compile(r"^年度重点工作计划\s+事项"), re.compile(r"^支出明细及测算说明"))


def test_the_signature_line_stays_with_its_table(pages):
    """负责人 / 经办人 … is never the first thing on a page (the table it signs is before)."""
    assert sum(1 for lines in pages for line in lines if FOOTER.match(line)) >= 5
    alone = [n + 1 for n, lines in enumerate(pages) if lines and FOOTER.match(lines[0])]
    assert not alone, f"pages that begin with the 负责人 line: {alone}"


def test_no_heading_row_ends_a_page(pages):
    """A row that heads the rows under it (绩效指标 一级指标 …, 总体目标 实施期目标 年度目标)
    goes over with the first of them; a table's header never ends a page."""
    stranded = [(n + 1, lines[-1]) for n, lines in enumerate(pages)
                if lines and any(p.match(lines[-1]) for p in HEADING_ROWS)]
    assert not stranded
    perf = [n for n, lines in enumerate(pages) if any("项目支出绩效目标表" in l for l in lines)]
    for n in perf:  # a table's title and header are followed on their page by a row of it
        if pages[n][-1].startswith(("项目名称", "（2025年度）", "阳泉市市级预算部门")):
            raise AssertionError(f"page {n + 1} ends with the table's header")


# --------------------------------------------------------------------------- 5. printed drafts

def _print_rules(css: str) -> str:
    """The text of every @media print block of a stylesheet."""
    blocks, at = [], 0
    while (start := css.find("@media print", at)) >= 0:
        depth, i = 0, css.index("{", start)
        for i in range(i, len(css)):
            depth += {"{": 1, "}": -1}.get(css[i], 0)
            if depth == 0:
                break
        blocks.append(css[css.index("{", start) + 1:i])
        at = i
    return "\n".join(blocks)


def test_print_css_keeps_the_draft_notice():
    css = re.sub(r"/\*.*?\*/", "", (ROOT / "theme/style.css").read_text(encoding="utf-8"), flags=re.S)
    printed = _print_rules(css)
    hidden = [sel for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", printed) if re.search(r"display:\s*none", body)]
    assert not any("draft-banner" in sel or "draft-watermark" in sel for sel in hidden), hidden
    rules = dict((sel.strip(), body) for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", printed))
    assert re.search(r"display:\s*block", rules[".draft-watermark"])
    assert re.search(r"position:\s*fixed", rules[".draft-watermark"])  # repeated on every printed page
    assert re.search(r"display:\s*block", rules[".draft-banner"])


@pytest.mark.skipif(not shutil.which("chromium"), reason="chromium is not installed")
def test_a_draft_printed_from_the_browser_is_marked_on_every_page(built_site, tmp_path):
    pdf = tmp_path / "printed.pdf"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}",
                    (built_site / "2025/tables.html").as_uri()], capture_output=True, timeout=180, check=True)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) > 5
    assert "尚未公开发布" in _norm(pages[0])  # the banner
    unmarked = [n + 1 for n, page in enumerate(pages) if not WATERMARK <= set(page)]
    assert not unmarked, f"printed pages without the draft watermark: {unmarked}"
