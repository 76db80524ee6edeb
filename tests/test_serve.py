"""budgetsite serve: a browser sees an edit without reloading, and the errors of a broken edit;
the server binds 127.0.0.1 and serves nothing outside the output folder."""
from __future__ import annotations

import contextlib
import http.client
import shutil
import threading
import time

import pytest

from budgetsite.serve import serve, touched_editions

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@contextlib.contextmanager
def _serving(site, out, pdf: bool, stop_seconds: float):
    """`serve` on a free port, in a thread, for ``site``: (site, httpd) once it listens;
    shut down (waiting ``stop_seconds`` for the thread) afterwards."""
    ready = threading.Event()
    holder = {}

    def started(httpd):
        holder["httpd"] = httpd
        ready.set()

    thread = threading.Thread(
        target=serve, args=(site, out),
        kwargs={"port": 0, "log": lambda m: None, "pdf": pdf, "ready": started}, daemon=True)
    thread.start()
    assert ready.wait(60), "server did not start"
    httpd = holder["httpd"]
    httpd.out = out
    try:
        yield site, httpd
    finally:
        httpd.shutdown()
        thread.join(stop_seconds)


@pytest.fixture
def server(site_copy, tmp_path):
    """`serve` on a free port, in a thread, for a copy of the example site."""
    with _serving(site_copy, tmp_path / "out", pdf=False, stop_seconds=10) as running:
        yield running


def get(httpd, path: str) -> tuple[int, bytes]:
    host, port = httpd.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


def test_binds_loopback_and_serves_only_the_output(server):
    site, httpd = server
    assert httpd.server_address[0] == "127.0.0.1"
    status, body = get(httpd, "/2025/index.html")
    assert status == 200 and "/__budgetsite/events" in body.decode("utf-8")
    for path in ("/../site.yaml", "/..%2fsite.yaml", "/%2e%2e/site.yaml", "/2025/../../site.yaml",
                 "/../content/2025/budget.yaml"):
        status, body = get(httpd, path)
        assert b"department:" not in body and b"tableset" not in body, path
        assert status in (301, 404), (path, status)
    # the built files themselves carry no live-reload script
    assert "__budgetsite" not in (httpd.out / "2025/index.html").read_text(encoding="utf-8")


def test_touched_editions():
    assert touched_editions({"content/2025/budget.yaml"}) == {2025}
    assert touched_editions({"content/2025/a.md", "content/2026/b.md"}) == {2025, 2026}
    assert touched_editions({"templates/base.html"}) is None
    assert touched_editions({"site.yaml", "content/2025/a.md"}) is None


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (installed by .ci/run)")
def test_browser_sees_edits_and_errors(server):
    from playwright.sync_api import sync_playwright

    site, httpd = server
    port = httpd.server_address[1]
    overview = site / "content/2025/overview.md"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/2025/overview.html")
        page.wait_for_function("document.body.innerText.includes('本部门职责')")
        page.evaluate("window.__marker = 'not reloaded yet'")
        # an edit: the page updates by itself
        started = time.monotonic()
        overview.write_text(overview.read_text(encoding="utf-8").replace("一、本部门职责", "一、本部门主要职责"),
                            encoding="utf-8")
        page.wait_for_function("document.body.innerText.includes('本部门主要职责')", timeout=15000)
        elapsed = time.monotonic() - started
        assert page.evaluate("window.__marker === undefined")  # the page was reloaded for us
        # a broken edit: the last good page stays, with the error and its file:line
        budget = site / "content/2025/budget.yaml"
        good = budget.read_text(encoding="utf-8")
        budget.write_text(good.replace("reception: 0.80", "reception: [0.80"), encoding="utf-8")
        page.wait_for_selector("#budgetsite-errors", timeout=15000)
        message = page.inner_text("#budgetsite-errors")
        assert "content/2025/budget.yaml:" in message and "error" in message
        assert "本部门主要职责" in page.inner_text("main")
        # fixed again: the overlay goes, the page reloads
        budget.write_text(good, encoding="utf-8")
        page.wait_for_function("!document.getElementById('budgetsite-errors')", timeout=15000)
        browser.close()
    print(f"edit visible after {elapsed:.2f} s")


@pytest.fixture
def pdf_server(site_copy, tmp_path):
    """`serve` with the background PDF on (as by default)."""
    with _serving(site_copy, tmp_path / "out", pdf=True, stop_seconds=20) as running:
        yield running


def test_an_edit_during_a_pdf_render_is_shown_before_it_ends(pdf_server):
    """The PDF renders in a process of its own: an edit made meanwhile is served at once,
    without that render's PDF; the render, out of date, is dropped; the next one has the edit."""
    import pypdf

    site, httpd = pdf_server
    previewer = httpd.previewer
    previewer.pdf_delay = 0.5
    deadline = time.monotonic() + 60
    while previewer.pdf_job is None or not previewer.pdf_job.running():
        assert time.monotonic() < deadline, "no PDF render started"
        time.sleep(0.02)
    render = previewer.pdf_job
    time.sleep(0.5)  # well into the render (it takes seconds)
    pdfs = sorted((httpd.out / "2025").glob("*.pdf"))
    assert not pdfs  # a fresh output: the PDF is not there yet
    overview = site / "content/2025/overview.md"
    overview.write_text(overview.read_text(encoding="utf-8").replace("一、本部门职责", "一、本部门主要职责"),
                        encoding="utf-8")
    while "本部门主要职责" not in get(httpd, "/2025/overview.html")[1].decode("utf-8"):
        assert time.monotonic() < deadline, "the edit was not shown"
        time.sleep(0.02)
    # shown while no render had finished: there is still no PDF, and that render never will
    assert not sorted((httpd.out / "2025").glob("*.pdf"))
    assert render.outcome == "superseded" and render not in [previewer.pdf_job]
    # the next render has the edit, and the pages link it
    deadline = time.monotonic() + 300
    while not (pdfs := sorted((httpd.out / "2025").glob("*.pdf"))):
        assert time.monotonic() < deadline, "no PDF after the edit"
        time.sleep(0.1)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(pdfs[0]).pages)
    assert "本部门主要职责" in text.replace(" ", "").replace("\n", "")
    assert [job.outcome for job in previewer.pdf_jobs] == ["superseded", "installed"]
    while pdfs[0].name not in get(httpd, "/2025/overview.html")[1].decode("utf-8"):
        assert time.monotonic() < deadline, "the pages do not link the PDF"
        time.sleep(0.1)
