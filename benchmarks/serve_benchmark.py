"""How long a one-file edit takes to reach the browser while previewing (budgetsite serve).

Copies the example site, starts the preview server, then edits content/2025/overview.md
several times and measures, for each edit, the time until the server reports a new build
(what makes the open page reload) and until the served page contains the edit. Also times
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


def main(rounds: int = 10) -> None:
    work = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    site = work / "site"
    site.mkdir()
    shutil.copy2(ROOT / "site.yaml", site / "site.yaml")
    for name in ("content", "templates", "theme"):
        shutil.copytree(ROOT / name, site / name)

    started = time.perf_counter()
    build_site(site, work / "cold", pdf=False)
    cold = time.perf_counter() - started

    ready = threading.Event()
    holder = {}
    thread = threading.Thread(target=serve, args=(site, work / "out"), daemon=True,
                              kwargs={"port": 0, "log": lambda m: None, "pdf": False,
                                      "ready": lambda s: (holder.setdefault("s", s), ready.set())})
    thread.start()
    ready.wait(60)
    port = holder["s"].server_address[1]
    overview = site / "content/2025/overview.md"
    original = overview.read_text(encoding="utf-8")
    to_state, to_page = [], []
    for i in range(rounds):
        version = json.loads(fetch(port, "/__budgetsite/state"))["version"]
        marker = f"编辑{i}"
        t0 = time.perf_counter()
        overview.write_text(original.replace("本部门职责", f"本部门职责{marker}"), encoding="utf-8")
        while json.loads(fetch(port, "/__budgetsite/state"))["version"] == version:
            time.sleep(0.005)
        to_state.append(time.perf_counter() - t0)
        while marker.encode("utf-8") not in fetch(port, "/2025/overview.html"):
            time.sleep(0.005)
        to_page.append(time.perf_counter() - t0)
        time.sleep(0.3)
    holder["s"].shutdown()
    shutil.rmtree(work, ignore_errors=True)

    print(f"full HTML build (cold process):      {cold:.3f} s")
    print(f"edit -> rebuild announced, median:   {statistics.median(to_state):.3f} s "
          f"(max {max(to_state):.3f} s, {rounds} edits)")
    print(f"edit -> page served with the edit:   {statistics.median(to_page):.3f} s "
          f"(max {max(to_page):.3f} s)")
    print("target: under 1 s from edit to visible page")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
