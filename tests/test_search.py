"""Search in Chinese, offline: the index the build makes of every edition's pages, and the
search page in Chromium (from file:// and over http) landing on the row, section, 名词 or
绩效目标表 that holds the words."""
from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from budgetsite import search
from budgetsite.build import build_site
from budgetsite.new import new_edition
from conftest import ROOT, copy_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    """The example site with a second edition (2026, made by `budgetsite new`), and the
    上海 example, built (HTML only)."""
    tmp = tmp_path_factory.mktemp("search")
    site = copy_site(tmp / "site")
    new_edition(site, 2026)
    out = {"yangquan": tmp / "yangquan", "wanli": tmp / "wanli"}
    build_site(site, out["yangquan"], pdf=False)
    build_site(ROOT / "examples/shanghai-wanli", out["wanli"], pdf=False)
    return out


def load_index(out: Path) -> dict:
    text = (out / search.INDEX).read_text(encoding="utf-8")
    assert text.count(f"window.{search.GLOBAL} = ") == 1
    return json.loads(text[text.index("{"):text.rindex(";")])


def hits(index: dict, word: str) -> list[tuple[str, str, str]]:
    """(page, anchor, kind) of the records whose text holds ``word``."""
    return [(index["pages"][r[0]][0], r[1], r[2]) for r in index["records"] if word in r[4] or word == r[5]]


def test_the_index_covers_every_edition_and_unit(sites):
    index = load_index(sites["yangquan"])
    years = {page[1] for page in index["pages"]}
    assert years == {2025, 2026}
    found = hits(index, "公务接待费")
    for year in (2025, 2026):
        kinds = {kind for page, _, kind in found if page.startswith(f"{year}/")}
        assert kinds == {"row", "section", "term"}, (year, kinds)  # 表, 情况说明, 名词解释
    # every record lands on an element of its page (or the page's top)
    ids = {}
    for page in index["pages"]:
        html = (sites["yangquan"] / page[0]).read_text(encoding="utf-8")
        ids[page[0]] = set(re.findall(r'\sid="([^"]+)"', html))
    for r in index["records"]:
        page = index["pages"][r[0]][0]
        assert r[1] == "" or r[1] in ids[page], (page, r[1])
    # projects (绩效目标表) by name, table rows by code
    assert ("2025/performance.html", "perf-04-placement-subsidy", "project") in hits(index, "退役士兵")
    assert any(kind == "row" and page == "2025/tables.html" for page, _, kind in hits(index, "2080902"))
    # 3,764.74 in the text is found as the tables print it
    assert any(kind == "section" and page == "2025/explanation.html" for page, _, kind in hits(index, "3764.74"))


def test_split_codes_are_found_whole(sites):
    """The 上海 tables print a 科目编码 in 类/款/项 columns (208 | 05 | 01): the whole code finds it."""
    index = load_index(sites["wanli"])
    rows = [r for r in index["records"] if r[5] == "2080501"]
    assert rows and all(r[2] == "row" and "行政单位离退休" in r[4] for r in rows)


def test_the_index_is_deterministic(sites):
    files = {p.relative_to(sites["wanli"]).as_posix(): p.read_bytes()
             for p in sites["wanli"].rglob("*.html")}
    pages = search.edition_pages(files)
    assert search.index_script(pages) == (sites["wanli"] / search.INDEX).read_text(encoding="utf-8")
    assert search.index_script(list(reversed(pages))) == search.index_script(pages)
    assert search.edition_pages(dict(reversed(list(files.items())))) == pages


def test_numbers_fold_thousands_only():
    assert search.fold_numbers("3,764.74万元，2,932,700元") == "3764.74万元，2932700元"
    assert search.fold_numbers("1,2,3") == "1,2,3" and search.fold_numbers("12,34") == "12,34"


_LANDED = """([id, q]) => {
  const el = document.getElementById(id);
  if (!el) return null;
  let text = el.textContent;
  if (/^H[1-6]$/.test(el.tagName)) {  // a section: the heading and what follows it
    for (let n = el.nextElementSibling; n && !(/^H[1-6]$/.test(n.tagName) && n.tagName <= el.tagName);
         n = n.nextElementSibling) text += n.textContent;
  }
  const box = el.getBoundingClientRect();
  return {text: text.replace(/(\\d),(?=\\d{3})/g, "$1"), shown: box.height > 0 && box.width > 0,
          top: box.top, inView: box.top < window.innerHeight && box.bottom > 0};
}"""


def _results(page) -> list[dict]:
    page.wait_for_selector("#search-status")
    return page.eval_on_selector_all(
        "#search-results li", """items => items.map(li => ({
          href: li.querySelector("a").getAttribute("href"), title: li.querySelector("a").textContent,
          where: li.querySelector(".search-where").textContent,
          marked: Array.from(li.querySelectorAll("mark")).map(m => m.textContent)}))""")


def _land(page, href: str, word: str) -> dict:
    """Follow a result: the page it opens, and the element its anchor names."""
    page.click(f'#search-results a[href="{href}"]')
    page.wait_for_load_state("load")
    anchor = href.partition("#")[2]
    assert page.url.endswith("#" + quote(anchor, safe="-")) or page.url.endswith("#" + anchor)
    landed = page.evaluate(_LANDED, [anchor, word])
    assert landed is not None, href
    assert word in landed["text"], (href, landed["text"][:200])
    assert landed["shown"] and landed["inView"], (href, landed)
    return landed


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (installed by .ci/run)")
def test_search_in_the_browser_lands_on_the_anchors(sites):
    from playwright.sync_api import sync_playwright

    out = sites["yangquan"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        def query(word: str) -> list[dict]:
            page.goto((out / search.PAGE).as_uri() + "?q=" + quote(word))
            return _results(page)

        # 公务接待费: the 三公 row of the tables, the 三公 section of the 情况说明, the 名词, in
        # both editions, the newer first among equals
        found = query("公务接待费")
        hrefs = [r["href"] for r in found]
        for year in ("2026", "2025"):
            assert any(re.fullmatch(rf"{year}/tables\.html#table-\d+-r\d+", h) for h in hrefs), hrefs
            assert any(re.fullmatch(rf"{year}/explanation\.html#p3-\d+", h) for h in hrefs), hrefs
            assert f"{year}/glossary.html#term-3" in hrefs
        for h in hrefs:  # the same place in both editions: the newer first
            if h.startswith("2026/") and "2025/" + h[5:] in hrefs:
                assert hrefs.index(h) < hrefs.index("2025/" + h[5:]), h
        assert all("公务接待费" in r["marked"] for r in found)
        assert page.inner_text("#search-status").startswith("“公务接待费”共找到")
        row = next(h for h in hrefs if h.startswith("2025/tables.html"))
        _land(page, row, "公务接待费")
        page.go_back()
        _land(page, next(h for h in hrefs if h.startswith("2025/explanation.html")), "公务接待费")

        # 退役士兵: the 科目 rows (退役士兵安置, 退役士兵管理教育) and the 绩效目标表 of the projects
        found = query("退役士兵")
        hrefs = [r["href"] for r in found]
        assert "2025/performance.html#perf-04-placement-subsidy" in hrefs
        rows = [r for r in found if r["href"].startswith("2025/tables.html")]
        assert len(rows) >= 4  # 退役士兵安置 and 退役士兵管理教育 in 表二, 表三 and 表五 at least
        _land(page, "2025/performance.html#perf-04-placement-subsidy", "退役士兵")
        page.go_back()
        _land(page, rows[0]["href"], "退役士兵")

        # 3764.74: printed 3,764.74 in the text and 3764.74 in the tables
        found = query("3764.74")
        hrefs = [r["href"] for r in found]
        assert any(h.startswith("2025/tables.html#table-1-r") for h in hrefs), hrefs
        assert any(h.startswith("2025/explanation.html#p3-") for h in hrefs), hrefs
        assert all("3764.74" in r["marked"] for r in found)
        _land(page, next(h for h in hrefs if h.startswith("2025/explanation.html")), "3764.74")

        # 2080902: the 科目 rows of that code, and nothing that only contains the digits
        found = query("2080902")
        assert found and all(r["href"].split("#")[0].endswith("tables.html") for r in found)
        landed = _land(page, found[0]["href"], "2080902")
        assert "2080902" in landed["text"]
        assert query("080902") == []  # a number is found whole

        # the box in every page's header: from a table page to the results
        page.goto((out / "2025/tables.html").as_uri())
        page.fill("#site-search-q", "退役士兵")
        page.press("#site-search-q", "Enter")
        page.wait_for_url(re.compile(r".*/search\.html\?q="))
        from_header = [r["href"] for r in _results(page)]
        assert from_header and from_header == [r["href"] for r in query("退役士兵")]
        assert query("没有这样的词语") == [] and "没有找到" in page.inner_text("#search-status")
        assert errors == []
        browser.close()


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (installed by .ci/run)")
def test_search_over_http(sites):
    from playwright.sync_api import sync_playwright

    out = sites["wanli"]
    handler = functools.partial(_QuietHandler, directory=str(out))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            base = f"http://127.0.0.1:{httpd.server_address[1]}/"
            page.goto(base + "2024/index.html")
            page.fill("#site-search-q", "2080501")  # printed as 208 | 05 | 01
            page.press("#site-search-q", "Enter")
            found = _results(page)
            assert found and all(r["href"].startswith("2024/tables.html#table-") for r in found)
            landed = _land(page, found[0]["href"], "行政单位离退休")
            assert landed["shown"]
            browser.close()
    finally:
        httpd.shutdown()
        thread.join(10)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_a_page_is_read_as_a_reader_sees_it():
    """What the index takes of a page: only <main>; not what is hidden, a download link, a
    script, a style, a button or a comment; character references decoded; a row's split
    code cells joined as its key; a 绩效目标表 named by its bookmark; an unclosed element
    tolerated. (These are the records html.parser gave before the tokenizer replaced it.)"""
    page = ('<header><h1>站点</h1></header><main><h1>概况</h1><p>一、<span class="visually-hidden">隐藏'
            '</span>职责</p><dl><dt id="t1">名词<span class="skip">x</span></dt><dd>解释&nbsp;内容</dd></dl>'
            '<section class="perf-table x" id="p1"><h2 data-bookmark="项目甲">标题</h2><table><tr>'
            '<td>≥95%</td><td><a download href="x">下载</a></td></tr></table></section>'
            '<h3 id="s2">二、<em>说明</em></h3><p>3,764.74万元<BR>下一行</p><style>p{}</style>'
            '<button>按钮</button><table><tr id="r1"><td class=code>208</td><td class="code">05</td>'
            '<td>行政运行 &amp; 其他</td></tr></table><script>if (a<b) {}</script><!-- <p>注释</p> -->'
            '<p>未闭合 <b>粗体<p>下一段 1 < 2</main><footer>页脚</footer>')
    title, records = search.page_records(page)
    assert title == "概况"
    assert records == [
        ["", "section", "概况", "概况 一、 职责", ""],
        ["t1", "term", "名词", "名词 解释 内容", ""],
        ["p1", "project", "项目甲", "标题 ≥95%", ""],
        ["s2", "section", "二、说明", "二、说明 3764.74万元 下一行 未闭合 粗体 下一段 1 < 2", ""],
        ["r1", "row", "二、说明", "208 05 行政运行 & 其他", "20805"],
    ]
