"""For the public reading it: every page of both example sites is clean under axe-core (in
Chromium, at 390 px and 1280 px) and the W3C Nu HTML Checker; tables work on a phone (the
row labels stay, a cue shows the table goes on, names do not wrap every few characters); the
绩效目标表 page folds its tables; printing from the browser keeps the draft notice and starts
each table on a page with its content; headings go down one level at a time."""
from __future__ import annotations

import io
import re
import shutil
import sys
from pathlib import Path

import pytest

from budgetsite.build import build_site, check_site
from conftest import ROOT, edit, line_of

sys.path.insert(0, str(ROOT / "tools"))
import check_html  # noqa: E402  (tools/check_html.py, the Nu checker's script)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = ROOT / "tools/node_modules/axe-core/axe.min.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (installed by .ci/run)")
needs_axe = pytest.mark.skipif(not AXE.is_file(), reason="needs axe-core: npm ci --prefix tools (.ci/run does)")


@pytest.fixture(scope="module")
def sites(built_site, tmp_path_factory) -> dict[str, Path]:
    """Both example sites, built (HTML only): the repository's and 上海万里."""
    out = tmp_path_factory.mktemp("a11y") / "wanli"
    build_site(ROOT / "examples/shanghai-wanli", out, pdf=False)
    return {"yangquan": built_site, "wanli": out}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _violations(page) -> list[str]:
    found = page.evaluate("""async () => {
      const result = await axe.run(document, {resultTypes: ["violations"]});
      return result.violations.map(v => v.id + " (" + v.impact + "): " +
        v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
    }""")
    return found


@needs_chromium
@needs_axe
@pytest.mark.parametrize("name", ["yangquan", "wanli"])
def test_axe_finds_no_violation_on_any_page(sites, browser, name):
    axe = AXE.read_text(encoding="utf-8")
    out = sites[name]
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 8
    page = browser.new_page(viewport=PHONE)
    found = {}
    for path in pages:
        page.set_viewport_size(PHONE)
        page.goto(path.as_uri())
        page.add_script_tag(content=axe)
        for width, viewport in (("390", PHONE), ("1280", DESKTOP)):  # the same page, both widths
            page.set_viewport_size(viewport)
            violations = _violations(page)
            if violations:
                found[f"{path.relative_to(out)} @{width}px"] = violations
    page.close()
    assert found == {}


def test_nu_checker_finds_no_error(sites):
    if shutil.which("java") is None or not check_html.JAR.is_file():
        pytest.skip("needs java and vnu-jar (npm ci --prefix tools; .ci/run installs both)")
    files = [f for out in sites.values() for f in check_html.pages(out)]
    assert len(files) >= 16
    errors = [check_html.describe(m) for m in check_html.check(files)]
    assert errors == []


def test_the_checker_script_reports_errors_with_their_line(tmp_path):
    if shutil.which("java") is None or not check_html.JAR.is_file():
        pytest.skip("needs java and vnu-jar (npm ci --prefix tools; .ci/run installs both)")
    (tmp_path / "a.html").write_text('<!DOCTYPE html>\n<html lang="zh-CN"><head><title>x</title></head>\n'
                                     "<body><h2>二</h2>\n<h4>四</h4></body></html>\n", encoding="utf-8")
    assert check_html.main(["--built", str(tmp_path)]) == 1
    [error] = check_html.check([tmp_path / "a.html"])
    assert error["lastLine"] == 4 and "h4" in error["message"]


# --- headings -------------------------------------------------------------------------------

def test_a_skipped_heading_level_points_at_its_line(site_copy):
    rel = "content/2025/explanation.md"
    edit(site_copy, rel, "### 2、房屋情况 {.unlisted}", "#### 2、房屋情况")
    edit(site_copy, rel, "## 十二、其他说明", "## 十二、其他说明\n\n#### 跳级的小标题")  # after ##
    found = [f for f in check_site(site_copy).findings if f.rule == "heading-level"]
    at = {(f.pos.file, f.pos.line) for f in found}
    assert at == {(rel, line_of(site_copy, rel, "#### 跳级的小标题"))}  # ### then #### is no skip
    [finding] = found
    assert finding.level == "warning" and "####" in finding.message and "###" in finding.message


def test_unlisted_headings_keep_their_level_and_stay_out_of_the_toc(built_site):
    page = (built_site / "2025/explanation.html").read_text(encoding="utf-8")
    assert re.search(r'<h3 id="p3-\d+">（一）一般公共预算当年支出规模变化情况</h3>', page)
    assert "{.unlisted}" not in page
    toc = (built_site / "2025/index.html").read_text(encoding="utf-8")
    assert "（一）一般公共预算当年支出规模变化情况" not in toc
    assert "（一）政府购买服务指导性目录" in toc  # a listed ### still is


def test_every_page_has_a_description_and_an_icon(sites):
    for out in sites.values():
        for path in out.rglob("*.html"):
            html = path.read_text(encoding="utf-8")
            description = re.search(r'<meta name="description" content="([^"]+)">', html)
            assert description and len(description.group(1)) > 10, path
            icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', html)
            assert icon and (path.parent / icon.group(1)).is_file(), path


def test_previous_year_bars_have_contrast():
    css = (ROOT / "theme/chart.css").read_text(encoding="utf-8")

    def fill(selector: str) -> str:
        return re.search(re.escape(selector) + r"\s*\{[^}]*fill:\s*(#[0-9a-fA-F]{6})", css).group(1)

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a: str, b: str) -> float:
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    background = re.search(r"\.chart\s*\{[^}]*background:\s*(#[0-9a-fA-F]{3,6})", css).group(1)
    background = "#ffffff" if background.lower() in ("#fff", "#ffffff") else background
    for selector in (".chart .chart-bar", ".chart .chart-previous"):
        assert contrast(fill(selector), background) >= 3.0, selector  # WCAG 1.4.11, graphics


# --- phones ---------------------------------------------------------------------------------

@needs_chromium
def test_row_labels_stay_when_a_table_scrolls_sideways(sites, browser):
    """A screenshot at 390 px: after a sideways scroll the row labels (科目名称, the column of
    row headers) are still shown, at the box's left edge and drawn as before, on top of the
    figures that scrolled under them."""
    page = browser.new_page(viewport=PHONE)
    page.goto((sites["yangquan"] / "2025/tables.html").as_uri())
    box = page.locator("#table-2 .table-scroll")
    box.scroll_into_view_if_needed()
    label = page.locator("#table-2 tbody tr.row-item th[scope=row]").nth(3)
    figure = page.locator("#table-2 tbody tr.row-item td.amount").nth(3 * 6)
    geometry = """el => { const r = el.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; }"""
    scroll_box = box.evaluate(geometry)
    assert box.evaluate("el => el.scrollWidth > el.clientWidth + 100")  # it does scroll, at 390 px
    before = label.screenshot()
    figure_before = figure.evaluate(geometry)
    moved = box.evaluate("el => { el.scrollLeft = el.scrollWidth; return el.scrollLeft; }")  # to the end
    page.wait_for_timeout(100)
    figure_after = figure.evaluate(geometry)
    assert moved > 150 and abs(figure_before[0] - figure_after[0] - moved) < 1  # the figures moved …
    x, y, w, h = label.evaluate(geometry)
    assert scroll_box[0] <= x <= scroll_box[0] + 2 and w > 100  # … the label is at the left edge,
    shown = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('th, td').outerHTML",
                          [x + 5, y + h / 2])
    assert 'scope="row"' in shown  # on top of what scrolled under it,
    after = page.screenshot(clip={"x": x, "y": y, "width": w, "height": h})
    ink_before, ink_after = _ink(before), _ink(after)
    assert ink_after is not None  # its text is drawn, not a blank box
    assert ink_after.width > 20 and ink_after.height > 5  # 7 characters (boxes where a machine has no CJK font)
    # the same text as before: as wide and as high (the strokes differ by sub-pixel smoothing)
    assert abs(ink_after.width - ink_before.width) <= 2 and abs(ink_after.height - ink_before.height) <= 2
    page.close()


def _ink(png: bytes):
    """The part of a screenshot that holds the text (dark pixels), in grey."""
    from PIL import Image

    grey = Image.open(io.BytesIO(png)).convert("L")
    grey = grey.crop((3, 3, grey.width - 3, grey.height - 3))  # not the cell's borders
    box = grey.point(lambda v: 255 if v < 180 else 0).getbbox()
    return grey.crop(box) if box else None


@needs_chromium
def test_a_cue_shows_the_table_goes_on(sites, browser):
    page = browser.new_page(viewport=PHONE)
    page.goto((sites["yangquan"] / "2025/tables.html").as_uri())
    cue = page.evaluate("""() => getComputedStyle(document.querySelector('#table-2 .table-meta'), '::after').content""")
    assert "滑动" in cue
    shadow = page.evaluate("() => getComputedStyle(document.querySelector('#table-2 .table-scroll')).backgroundImage")
    assert shadow.count("linear-gradient") == 2  # the edge shadow and its cover
    page.set_viewport_size(DESKTOP)
    cue = page.evaluate("""() => getComputedStyle(document.querySelector('#table-2 .table-meta'), '::after').content""")
    assert cue in ("none", "normal")  # no cue where the table fits
    page.close()


@needs_chromium
def test_names_do_not_wrap_every_few_characters(sites, browser):
    page = browser.new_page(viewport=PHONE)
    for name, rel in (("yangquan", "2025/tables.html"), ("wanli", "2024/tables.html")):
        page.goto((sites[name] / rel).as_uri())
        narrow = page.evaluate("""() => Array.from(document.querySelectorAll('.budget-table .name')).filter(c => {
            const s = getComputedStyle(c), size = parseFloat(s.fontSize);
            const inner = c.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
            return c.textContent.trim().length > 8 && inner < 8 * size;
          }).map(c => c.textContent.trim())""")
        assert narrow == [], rel  # 8 characters a line at least
    page.close()


@needs_chromium
def test_the_performance_page_folds_its_tables(sites, browser):
    page = browser.new_page(viewport=PHONE)
    out = sites["yangquan"]
    page.goto((out / "2025/performance.html").as_uri())
    folds = page.evaluate("""() => Array.from(document.querySelectorAll('details.perf-details')).map(d => [
        d.open, d.querySelector('summary').textContent.trim(), d.querySelector('.perf-table').checkVisibility()])""")
    assert len(folds) == 20
    assert all(not is_open and not shown for is_open, _, shown in folds)  # folded: not rendered
    assert folds[3][1].startswith("4. 符合政府安排工作条件退役士兵一次性就业补助金")
    # the 目录 links to a table: it opens
    page.goto((out / "2025/index.html").as_uri())
    page.click('a[href="performance.html#perf-04-placement-subsidy"]')
    page.wait_for_load_state("load")
    opened = page.evaluate("""() => { const t = document.getElementById('perf-04-placement-subsidy');
        const r = t.getBoundingClientRect();
        return [t.closest('details').open, r.height > 100, r.top < innerHeight && r.bottom > 0]; }""")
    assert opened == [True, True, True]
    # the site's text of the page is what it was: the labels are marked navigation, not frozen
    from budgetsite.freeze import main_text
    text = main_text((out / "2025/performance.html").read_text(encoding="utf-8"))
    assert "4. 符合政府安排工作条件退役士兵一次性就业补助金" not in text
    page.close()


# --- printing from the browser --------------------------------------------------------------

@needs_chromium
def test_printing_keeps_the_draft_notice_and_starts_tables_with_content(sites, browser):
    from pypdf import PdfReader

    page = browser.new_page(viewport=DESKTOP)
    page.goto((sites["yangquan"] / "2025/tables.html").as_uri())
    page.emulate_media(media="print")
    banner = page.evaluate("""() => { const b = document.querySelector('.draft-banner');
        const r = b.getBoundingClientRect(); return [getComputedStyle(b).display, r.height > 0]; }""")
    assert banner[0] != "none" and banner[1]
    assert page.evaluate("() => getComputedStyle(document.querySelector('.site-search')).display") == "none"
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    first = pdf.pages[0].extract_text()
    # the first page holds the first table's figures, not the heading alone
    assert "3764.74" in first
    # and every table starts a page: its figures are not on the page before it
    assert len(pdf.pages) >= 13
    # the 绩效目标表 page prints every table, opened
    page.goto((sites["yangquan"] / "2025/performance.html").as_uri())
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert len(pdf.pages) >= 20 and "753.58" in text  # a figure of the 11th table
    page.close()
