"""How long a one-file edit takes to reach the browser while previewing (budgetsite serve).

Copies the example site, starts the preview server, then edits content/2025/overview.md
several times and measures, for each edit, the time until the server reports a new build
(what makes the open page reload) and until the served page contains the edit. It waits
the way an open page does (builder/standards/live.js): on the server's event stream
(/__budgetsite/events), then loads the page; it does not poll the server, which would take
turns with the build for Python's interpreter lock. Twice: with
``--no-pdf``, and with the background PDF on, each edit made while a PDF render is running
(the case that used to wait for the PDF: it now renders in a process of its own). Also times
an HTML-only full build for comparison. Prints figures; asserts nothing.

    python benchmarks/serve_benchmark.py [ROUNDS]
"""
from __future__ import annotations

import http.client
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from budgetsite.build import build_site  # noqa: E402
from budgetsite.serve import serve  # noqa: E402


def fetch(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    return conn.getresponse().read()


class Events:
    """The server's event stream, read as the page's script reads it."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", "/__budgetsite/events")
        self.response = self.conn.getresponse()

    def next_version(self) -> int:
        while True:
            line = self.response.fp.readline()
            if not line:
                raise RuntimeError("the event stream ended")
            if line.startswith(b"data: "):
                return json.loads(line[6:])["version"]

    def close(self) -> None:
        self.conn.close()


def copy_site(work: Path) -> Path:
    site = work / "site"
    site.mkdir()
    shutil.copy2(ROOT / "site.yaml", site / "site.yaml")
    for name in ("content", "templates", "theme"):
        shutil.copytree(ROOT / name, site / name)
    return site


def edits(work: Path, rounds: int, pdf: bool) -> tuple[list[float], list[float], int]:
    """(edit -> rebuild announced, edit -> page served with the edit, renders overlapped)."""
    site = copy_site(work)
    ready = threading.Event()
    holder = {}
    thread = threading.Thread(target=serve, args=(site, work / "out"), daemon=True,
                              kwargs={"port": 0, "log": lambda m: None, "pdf": pdf,
                                      "ready": lambda s: (holder.setdefault("s", s), ready.set())})
    thread.start()
    ready.wait(60)
    server = holder["s"]
    previewer = server.previewer
    previewer.pdf_delay = 0.2
    port = server.server_address[1]
    overview = site / "content/2025/overview.md"
    original = overview.read_text(encoding="utf-8")
    to_state, to_page, overlapped = [], [], 0
    for i in range(rounds):
        if pdf:  # edit while a PDF render runs, a little into it
            deadline = time.monotonic() + 120
            while not (previewer.pdf_job and previewer.pdf_job.running()) and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.3)
            overlapped += bool(previewer.pdf_job and previewer.pdf_job.running())
        events = Events(port)
        version = events.next_version()  # the stream starts with the state as it is
        marker = f"编辑{i}"
        t0 = time.perf_counter()
        overview.write_text(original.replace("本部门职责", f"本部门职责{marker}"), encoding="utf-8")
        while events.next_version() == version:
            pass
        to_state.append(time.perf_counter() - t0)
        events.close()
        while marker.encode("utf-8") not in fetch(port, "/2025/overview.html"):
            time.sleep(0.02)
        to_page.append(time.perf_counter() - t0)
        time.sleep(0.3)
    server.shutdown()
    return to_state, to_page, overlapped


def main(rounds: int = 10) -> None:
    work = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    try:
        started = time.perf_counter()
        build_site(ROOT, work / "cold", pdf=False)
        cold = time.perf_counter() - started
        (work / "off").mkdir()
        (work / "on").mkdir()
        off_state, off_page, _ = edits(work / "off", rounds, pdf=False)
        on_state, on_page, overlapped = edits(work / "on", rounds, pdf=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"full HTML build (cold process):                {cold:.3f} s")
    print(f"--no-pdf: edit -> rebuild announced, median:   {statistics.median(off_state):.3f} s "
          f"(max {max(off_state):.3f} s, {rounds} edits)")
    print(f"--no-pdf: edit -> page served with the edit:   {statistics.median(off_page):.3f} s "
          f"(max {max(off_page):.3f} s)")
    print(f"PDF on:   edit -> rebuild announced, median:   {statistics.median(on_state):.3f} s "
          f"(max {max(on_state):.3f} s; {overlapped} of {rounds} edits made during a PDF render)")
    print(f"PDF on:   edit -> page served with the edit:   {statistics.median(on_page):.3f} s "
          f"(max {max(on_page):.3f} s), ratio to --no-pdf "
          f"{statistics.median(on_page) / statistics.median(off_page):.2f}")
    print("target: at most 0.5 s median from edit to visible page, PDF on")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
