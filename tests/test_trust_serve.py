"""What `serve`, the atomic write and the Ledger promise when things go wrong or get big:
the watcher survives any failed rebuild, a good PDF is never removed, the server answers
only for its own host and output folder, the output folder never disappears, and a
figure costs what it selects, not the whole ledger."""
from __future__ import annotations

import http.client
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path

import pytest

from budgetsite import amounts
from budgetsite import serve as serve_module
from budgetsite.amounts import Ledger, parse_measure
from budgetsite.build import build_site, check_site
from budgetsite.codes import load_codes
from budgetsite.i18n import using
from budgetsite.load import load_site
from budgetsite.pdf import HASH_FILE, pdf_name
from budgetsite.serve import Previewer, host_allowed, serve
from budgetsite.write import MARKER, clean_stale, write_site

from conftest import copy_site


# --- 5. scale: Ledger figures are indexed by path prefix ------------------------------------

def _many_projects(count: int) -> str:
    item = sorted(c for c in load_codes(2025).functional if len(c) == 7)[0]
    units = ["阳泉市退役军人事务局", "阳泉市退役军人服务中心"]
    out = ["lines:", f'  "{item}": {{basic: 100, project: {count}}}',
           "basic_by_economic:\n  records:", '    - {dept: "30101", gov: "50101", amount: 100}',
           "projects:"]
    for u, unit in enumerate(units):
        out.append(f"  - unit: {unit}\n    projects:")
        out += [f"      - {{name: 项目{i + 1}, amount: 1}}" for i in range(u, count, len(units))]
    return "\n".join(out) + "\n"


def test_check_of_many_projects_costs_what_it_selects(tmp_path, monkeypatch):
    """5,000 projects: the measure test runs a bounded number of times per project (the old
    linear scan ran it for every entry for every figure: ~n² = 25 million times, 25 s)."""
    site = copy_site(tmp_path / "site")
    calls = [0]
    selects = amounts.Measure.selects

    def counted(self, cell):
        calls[0] += 1
        return selects(self, cell)

    monkeypatch.setattr(amounts.Measure, "selects", counted)
    n = 5000
    (site / "content/2025/budget.yaml").write_text(_many_projects(n), encoding="utf-8")
    report = check_site(site)  # its time is measured in benchmarks/check_benchmark.py; here its work
    assert not [f for f in report.findings if f.rule in ("sum", "projects-vs-lines") and f.level == "error"]
    assert calls[0] < 60 * n, calls[0]


def test_ledger_index_gives_the_linear_scan_results():
    ledger = Ledger()
    cells = [("basic", "general", "current"), ("project", "general", "carryover"),
             ("project", "fund", "current"), ("basic", "fund", "current")]
    for i in range(300):
        code = f"2{i % 7:02d}{i % 5:02d}{i % 3:02d}"
        ledger.add((code[:3], code[:5], code), cells[i % 4], Decimal(i) / 7)
    measures = [parse_measure(m) for m in ("total", "basic", "project.carryover", "fund", "current")]
    prefixes = {()} | {e[0][:n] for e in ledger.entries for n in range(4)} | {("999",)}

    def linear(prefix, measure):
        return [e for e in ledger.entries if e[0][:len(prefix)] == prefix and measure.selects(e[1])]

    for prefix in prefixes:
        for measure in measures:
            assert list(ledger._selected(prefix, measure)) == linear(prefix, measure)
            assert ledger.sum(prefix, measure) == sum((e[2] for e in linear(prefix, measure)), Decimal(0))
    # entries added (or appended directly) after a lookup are seen by the next one
    ledger.add(("201", "20101", "2010101"), cells[0], Decimal("1.5"))
    ledger.entries.append((("201", "20101", "2010101"), cells[0], Decimal("2")))
    assert list(ledger._selected(("201",), measures[1])) == linear(("201",), measures[1])
    ledger.entries = [(("201", "20101", "2010101"), cells[0], Decimal("3"))]
    assert ledger.sum((), measures[0]) == Decimal("3")


# --- helpers for the preview ------------------------------------------------------------------

def wait_for(condition, timeout: float = 30.0, step: float = 0.05):
    """Poll ``condition`` until it is true (returned) or ``timeout`` s have passed (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return False


@pytest.fixture
def watcher(site_copy, tmp_path):
    """A Previewer over a built copy of the example site, its watcher running in a thread."""
    out = tmp_path / "out"
    logs: list[str] = []
    previewer = Previewer(site_copy, out, logs.append, interval=0.05, pdf=False)
    previewer.before = serve_module.snapshot_files(site_copy)
    assert previewer.build(None)
    thread = threading.Thread(target=previewer.watch, daemon=True)
    thread.start()
    yield previewer, thread, logs
    previewer.stopped.set()
    thread.join(10)


def settled(previewer, version: int):
    return wait_for(lambda: previewer.state.version > version and not previewer.lock.locked())


# --- 1. the watcher survives any failed rebuild ----------------------------------------------

def fail_first_build(monkeypatch, error: Exception) -> list:
    """serve's build_site raises ``error`` the first time, then builds; returns the ``only=`` of each call."""
    real = serve_module.build_site
    calls = []

    def flaky(*args, **kwargs):
        calls.append(kwargs.get("only"))
        if len(calls) == 1:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(serve_module, "build_site", flaky)
    return calls


def test_watcher_survives_an_unexpected_exception_and_rebuilds_after(watcher, monkeypatch):
    previewer, thread, logs = watcher
    site = previewer.root
    fail_first_build(monkeypatch, RuntimeError("boom in a rebuild\nsecond line of the message"))
    overview = site / "content/2025/overview.md"
    version = previewer.state.version
    overview.write_text(overview.read_text(encoding="utf-8") + "\n第一次修改。\n", encoding="utf-8")
    assert settled(previewer, version), "no rebuild after the edit"
    errors = previewer.state.snapshot()["errors"]
    assert len(errors) == 1 and "RuntimeError: boom in a rebuild" in errors[0]
    assert "second line" not in errors[0] and "\n" not in errors[0]
    assert thread.is_alive()
    # the next edit rebuilds (the watcher is still there) and clears the errors
    version = previewer.state.version
    overview.write_text(overview.read_text(encoding="utf-8") + "\n第二次修改。\n", encoding="utf-8")
    assert settled(previewer, version)
    assert previewer.state.snapshot()["errors"] == []
    assert "第二次修改" in (previewer.out / "2025/overview.html").read_text(encoding="utf-8")
    assert thread.is_alive()


def test_watcher_survives_a_failing_look_at_the_sources(watcher, monkeypatch):
    previewer, thread, logs = watcher
    real = serve_module.snapshot_files
    failures = [0]

    def broken(root):
        if failures[0] < 3:
            failures[0] += 1
            raise PermissionError("cannot list content/")
        return real(root)

    monkeypatch.setattr(serve_module, "snapshot_files", broken)
    assert wait_for(lambda: failures[0] >= 3)
    assert sum("PermissionError" in m for m in logs) == 1  # said once, not on every look
    assert thread.is_alive()
    assert any("PermissionError" in m for m in logs)
    version = previewer.state.version
    overview = previewer.root / "content/2025/overview.md"
    overview.write_text(overview.read_text(encoding="utf-8") + "\n又一次修改。\n", encoding="utf-8")
    assert settled(previewer, version + 0)
    assert wait_for(lambda: "又一次修改" in (previewer.out / "2025/overview.html").read_text(encoding="utf-8"))


def test_invalid_date_is_shown_with_file_line_and_a_fix_rebuilds(watcher):
    previewer, thread, logs = watcher
    edition = previewer.root / "content/2025/edition.yaml"
    good = edition.read_text(encoding="utf-8")
    line = next(i for i, t in enumerate(good.splitlines(), 1) if t.startswith("date:"))
    version = previewer.state.version
    edition.write_text(good.replace(good.splitlines()[line - 1], "date: 2025-02-30"), encoding="utf-8")
    assert settled(previewer, version)
    errors = previewer.state.snapshot()["errors"]
    assert errors and f"content/2025/edition.yaml:{line}:" in errors[0], errors
    assert thread.is_alive()
    version = previewer.state.version
    edition.write_text(good, encoding="utf-8")
    assert settled(previewer, version)
    assert previewer.state.snapshot()["errors"] == []
    assert thread.is_alive()


def test_a_failed_rebuild_of_everything_stays_due(watcher, monkeypatch):
    """A template edit that fails, then an edit of one edition: everything is rebuilt."""
    previewer, thread, logs = watcher
    calls = fail_first_build(monkeypatch, OSError("disk full"))
    version = previewer.state.version
    base = previewer.root / "templates/base.html"
    base.write_text(base.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert settled(previewer, version)
    version = previewer.state.version
    overview = previewer.root / "content/2025/overview.md"
    overview.write_text(overview.read_text(encoding="utf-8") + "\n改。\n", encoding="utf-8")
    assert settled(previewer, version)
    assert calls == [None, None]
    assert previewer.dirty == set()


# --- 2. serve never removes a good PDF --------------------------------------------------------

def fake_pdf(site: Path, out: Path) -> tuple[Path, bytes]:
    department = load_site(site).editions[0].edition.department
    path = out / "2025" / pdf_name(department, 2025)
    data = b"%PDF-1.7 a previous build's PDF\n%%EOF\n"
    path.write_bytes(data)
    (out / "2025" / HASH_FILE).write_text("the-inputs-hash\n", encoding="utf-8")
    return path, data


def test_html_rebuilds_keep_the_pdf_and_its_link(site_copy, tmp_path):
    out = tmp_path / "out"
    build_site(site_copy, out, pdf=False)
    pdf, data = fake_pdf(site_copy, out)
    previewer = Previewer(site_copy, out, lambda m: None, pdf=False)
    for editions in (None, {2025}, set()):
        assert previewer.build(editions)
        assert pdf.read_bytes() == data, editions
        assert (out / "2025" / HASH_FILE).read_text(encoding="utf-8") == "the-inputs-hash\n"
        assert f'href="2025/{pdf.name}"' in (out / "index.html").read_text(encoding="utf-8")
        assert f'href="{pdf.name}"' in (out / "2025/index.html").read_text(encoding="utf-8")
    # `build --no-pdf` still builds without the PDF and its links
    build_site(site_copy, out, pdf=False)
    assert not pdf.exists() and pdf.name not in (out / "index.html").read_text(encoding="utf-8")


def _run_server(site, out, **kwargs):
    ready = threading.Event()
    holder = {}

    def started(httpd):
        holder["httpd"] = httpd
        ready.set()

    kwargs = {"port": 0, "log": lambda m: None, "pdf": False, "ready": started, **kwargs}
    thread = threading.Thread(target=serve, args=(site, out), kwargs=kwargs, daemon=True)
    thread.start()
    assert ready.wait(60), "server did not start"
    return holder["httpd"], thread


def test_serve_no_pdf_keeps_an_existing_pdf(site_copy, tmp_path):
    out = tmp_path / "out"
    build_site(site_copy, out, pdf=False)
    pdf, data = fake_pdf(site_copy, out)
    httpd, thread = _run_server(site_copy, out)
    try:
        assert pdf.read_bytes() == data
        status, headers, body = request(httpd, "GET", "/2025/" + urllib.parse.quote(pdf.name))
        assert status == 200 and body == data
    finally:
        httpd.shutdown()
        thread.join(10)
    assert pdf.read_bytes() == data


# --- 3. the server: host, containment, disconnects, idle connections, --host warning -----------

def request(httpd, method: str, path: str, host: str | None = "default", timeout: float = 10):
    addr, port = httpd.server_address[:2]
    conn = http.client.HTTPConnection(addr, port, timeout=timeout)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    if host == "default":
        host = f"127.0.0.1:{port}"
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), body


@pytest.fixture
def server(site_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(serve_module, "SOCKET_TIMEOUT", 1.0)
    out = tmp_path / "out"
    logs: list[str] = []
    httpd, thread = _run_server(site_copy, out, log=logs.append)
    httpd.out = out
    httpd.logs = logs
    yield httpd
    httpd.shutdown()
    thread.join(10)


def test_head_and_get_stay_inside_the_output(server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("x" * 4321, encoding="utf-8")
    (server.out / "leak.txt").symlink_to(secret)
    (server.out / "2025" / "outside").symlink_to(tmp_path, target_is_directory=True)
    (server.out / "inside.css").symlink_to(server.out / "assets/style.css")
    for path in ("/leak.txt", "/2025/outside/secret.txt", "/2025/outside/", "/../secret.txt",
                 "/%2e%2e/secret.txt"):
        for method in ("HEAD", "GET"):
            status, headers, body = request(server, method, path)
            assert status in (301, 404), (method, path, status)
            assert headers.get("Content-Length") != "4321" and b"xxxx" not in body, (method, path)
    status, headers, _ = request(server, "HEAD", "/inside.css")
    assert status == 200 and int(headers["Content-Length"]) == (server.out / "assets/style.css").stat().st_size
    status, headers, body = request(server, "HEAD", "/2025/index.html")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


def test_only_its_own_host_names_are_answered(server):
    port = server.server_address[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        assert request(server, "GET", "/2025/index.html", host)[0] == 200, host
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1:{port + 1}", f"attacker.localhost.example:{port}"):
        for path in ("/2025/index.html", "/__budgetsite/state"):
            status, _, body = request(server, "GET", path, host)
            assert status == 403 and b"errors" not in body, (host, path)
    assert request(server, "GET", "/__budgetsite/state", None)[0] == 400
    assert request(server, "HEAD", "/2025/index.html", f"evil.example:{port}")[0] == 403


def test_host_allowed():
    assert host_allowed("127.0.0.1:8000", "127.0.0.1", 8000)
    assert host_allowed("[::1]:8000", "127.0.0.1", 8000)
    assert not host_allowed("192.168.1.5:8000", "127.0.0.1", 8000)
    assert host_allowed("192.168.1.5:8000", "192.168.1.5", 8000)
    assert host_allowed("192.168.1.5:8000", "0.0.0.0", 8000)  # an IP cannot be rebound
    assert not host_allowed("evil.example:8000", "0.0.0.0", 8000)
    assert host_allowed("localhost", "127.0.0.1", 80) and not host_allowed("localhost", "127.0.0.1", 8000)
    assert not host_allowed("", "127.0.0.1", 8000) and not host_allowed(None, "127.0.0.1", 8000)


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset, as a browser tab killed mid-transfer does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_nul_bytes_and_disconnects_log_no_tracebacks(server, capfd):
    port = server.server_address[1]
    for path in ("/%00/etc/passwd", "/2025/%00.html", "/%00"):
        for method in ("GET", "HEAD"):
            assert request(server, method, path)[0] in (400, 404), (method, path)
    # clients that go away: mid-stream (events), and before reading a page
    for path in ("/__budgetsite/events", "/2025/index.html", "/assets/style.css"):
        for _ in range(3):
            sock = socket.create_connection(server.server_address[:2], timeout=5)
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            sock.recv(16)
            _reset(sock)
    time.sleep(0.5)
    assert request(server, "GET", "/2025/index.html")[0] == 200  # still serving
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out, captured.err
    assert not [m for m in server.logs if "出错" in m or "error" in m.lower()], server.logs


def test_half_open_connections_are_dropped(server):
    """A client that connects and says nothing gets its connection closed (SOCKET_TIMEOUT)."""
    socks = [socket.create_connection(server.server_address[:2], timeout=10) for _ in range(5)]
    started = time.monotonic()
    for sock in socks:
        sock.sendall(b"GET /2025/index.html HTTP/1.1\r\n")  # never finished
    for sock in socks:
        assert sock.recv(1024) == b""  # closed by the server (not a reply: the request never ended)
    elapsed = time.monotonic() - started
    assert elapsed < 8, elapsed
    for sock in socks:
        sock.close()
    assert request(server, "GET", "/2025/index.html")[0] == 200


def test_host_for_the_whole_network_warns_in_chinese(site_copy, tmp_path, monkeypatch):
    class LoopbackOnly(serve_module.PreviewServer):  # the test binds 127.0.0.1 all the same
        def __init__(self, address, handler):
            super().__init__(("127.0.0.1", address[1]), handler)

    monkeypatch.setattr(serve_module, "PreviewServer", LoopbackOnly)
    logs: list[str] = []
    with using("zh"):
        httpd, thread = _run_server(site_copy, tmp_path / "out", host="0.0.0.0", log=logs.append)
        try:
            assert httpd.server_address[0] == "127.0.0.1"
            assert any("警告" in m and "0.0.0.0" in m and "草稿" in m for m in logs), logs
        finally:
            httpd.shutdown()
            thread.join(10)
        logs.clear()
        httpd, thread = _run_server(site_copy, tmp_path / "out2", log=logs.append)
        httpd.shutdown()
        thread.join(10)
    assert not any("警告" in m for m in logs)


# --- 4. atomic writes: stale temp folders, and no moment without the output folder -------------

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporary_folders_are_cleaned(tmp_path):
    out = tmp_path / "_site"
    hour = 3600
    old = time.time() - 2 * hour

    def folder(name: str, mtime: float | None = None) -> Path:
        path = tmp_path / name
        (path / "site").mkdir(parents=True)
        (path / "site/index.html").write_text("old", encoding="utf-8")
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path

    dead = folder(f".budgetsite-new-{_dead_pid()}-abcd1234", old)
    legacy = folder(".budgetsite-k2j4_x9q", old)
    legacy_old = folder(".budgetsite-old-a1b2c3d4", old)
    fresh_legacy = folder(".budgetsite-zzzz1111")  # may be a running build of an older version
    running = folder(f".budgetsite-new-{os.getppid()}-abcd1234", old)  # its process is alive
    other = folder(".budgetsite-notes", old)  # not ours
    write_site({"index.html": "new"}, out, tmp_path)
    assert not dead.exists() and not legacy.exists() and not legacy_old.exists()
    assert fresh_legacy.exists() and running.exists() and other.exists()
    assert (out / "index.html").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".budgetsite-new-")) == [running.name]
    # a folder made during this run (e.g. by a build started after it) is never touched
    late = folder(f".budgetsite-new-{_dead_pid()}-late1234")
    assert clean_stale(tmp_path, started=time.time() - hour) == []
    assert late.exists()


def test_the_output_folder_never_disappears_while_rebuilt(tmp_path):
    out = tmp_path / "_site"
    a = {"index.html": "A" * 2000, **{f"2025/p{i}.html": f"A{i}" for i in range(150)}, "only-a.txt": "a"}
    b = {"index.html": "B" * 3000, **{f"2025/p{i}.html": f"B{i}" for i in range(150)}, "dir-b/x.txt": "b"}
    write_site(a, out, tmp_path)
    done = threading.Event()
    seen = {"missing": 0, "torn": 0, "looks": 0}

    def rebuild():
        try:
            for i in range(20):
                write_site(b if i % 2 == 0 else a, out, tmp_path)
        finally:
            done.set()

    thread = threading.Thread(target=rebuild, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not done.is_set() and time.monotonic() < deadline:
        seen["looks"] += 1
        try:
            text = (out / "index.html").read_text(encoding="utf-8")
        except FileNotFoundError:
            seen["missing"] += 1
            continue
        if text not in (a["index.html"], b["index.html"]):
            seen["torn"] += 1
        if not (out / MARKER).is_file():
            seen["missing"] += 1
    thread.join(30)
    assert seen["missing"] == 0 and seen["torn"] == 0, seen
    assert seen["looks"] > 10
    # the last write (a) is what is there: b's files gone, a's back
    assert (out / "only-a.txt").is_file() and not (out / "dir-b").exists()
    assert (out / "2025/p7.html").read_text(encoding="utf-8") == "A7"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".budgetsite-")]


def test_unchanged_files_are_left_alone_and_types_may_change(tmp_path):
    out = tmp_path / "_site"
    write_site({"a.txt": "same", "x": "a file", "d/y.txt": "y"}, out, tmp_path)
    before = (out / "a.txt").stat()
    os.utime(out / "a.txt", (before.st_atime - 100, before.st_mtime - 100))
    stamp = (out / "a.txt").stat().st_mtime_ns
    write_site({"a.txt": "same", "x/now-a-folder.txt": "f", "d": "now a file"}, out, tmp_path)
    assert (out / "a.txt").stat().st_mtime_ns == stamp
    assert (out / "x/now-a-folder.txt").read_text(encoding="utf-8") == "f"
    assert (out / "d").read_text(encoding="utf-8") == "now a file"
    assert (out / MARKER).is_file()


def test_a_write_that_fails_leaves_the_previous_site(tmp_path, monkeypatch):
    out = tmp_path / "_site"
    write_site({"index.html": "good", "2025/a.html": "good"}, out, tmp_path)
    real = Path.write_bytes

    def failing(self, data):
        if self.name == "b.html":
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(OSError):
        write_site({"index.html": "new", "2025/a.html": "new", "2025/b.html": "new"}, out, tmp_path)
    assert (out / "index.html").read_text(encoding="utf-8") == "good"
    assert not (out / "2025/b.html").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".budgetsite-")]
