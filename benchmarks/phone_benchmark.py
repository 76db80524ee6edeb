"""How fast the 绩效目标表 page (performance.html) loads on a phone, folded as shipped, against
the same page with every table open (what the page cost before it folded them): the anchor,
measured in the same run, in alternating rounds.

Builds the example site (HTML only), then loads the page in Debian's Chromium at 390 × 844,
as a phone (device scale 3, touch), with the CPU slowed 4× (Lighthouse's mobile setting), and
reads the largest contentful paint, the load event and Chromium's layout and style times.
Also times a search of the whole site in the browser. Prints figures and ratios; asserts nothing.

    python benchmarks/phone_benchmark.py [ROUNDS]
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from budgetsite.build import build_site  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OPEN_ALL = """document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("details.perf-details").forEach(d => { d.open = true; });
});"""
LCP = """window.__lcp = 0; new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__lcp = e.startTime;
}).observe({type: "largest-contentful-paint", buffered: true});"""


def load(browser, page_path: Path, unfold: bool) -> dict:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    cdp.send("Performance.enable")
    page.add_init_script(LCP)
    if unfold:
        page.add_init_script(OPEN_ALL)
    page.goto(page_path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    out = {"lcp": page.evaluate("window.__lcp"),
           "load": page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"),
           "layout": metrics["LayoutDuration"] * 1000, "style": metrics["RecalcStyleDuration"] * 1000,
           "elements": page.evaluate("document.getElementsByTagName('*').length")}
    context.close()
    return out


def main(rounds: int = 5) -> None:
    from playwright.sync_api import sync_playwright

    if CHROMIUM is None:
        sys.exit("needs Debian's chromium")
    work = Path(tempfile.mkdtemp(prefix="phone-bench-"))
    try:
        build_site(ROOT, work / "site", pdf=False)
        page_path = work / "site/2025/performance.html"
        runs = {"folded": [], "open (anchor)": []}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for _ in range(rounds):  # alternating, so both see the same machine
                runs["folded"].append(load(browser, page_path, unfold=False))
                runs["open (anchor)"].append(load(browser, page_path, unfold=True))
            page = browser.new_page()
            timings = []
            for word in ("公务接待费", "退役士兵", "3764.74", "2080902") * rounds:
                page.goto((work / "site/search.html").as_uri() + "?q=" + quote(word))
                timings.append(page.evaluate("""() => { const t = performance.now();
                    document.getElementById('search-form').requestSubmit(); return performance.now() - t; }"""))
            browser.close()
        index_size = (work / "site/search-index.js").stat().st_size
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median = {name: {k: statistics.median(r[k] for r in rows) for k in rows[0]} for name, rows in runs.items()}
    print(f"performance.html at 390 px, CPU 4× slower, median of {rounds} (ms):")
    for name, m in median.items():
        print(f"  {name:14} LCP {m['lcp']:6.0f}  load {m['load']:6.0f}  layout {m['layout']:6.0f}  "
              f"style {m['style']:5.0f}  elements {m['elements']:.0f}")
    folded, anchor = median["folded"], median["open (anchor)"]
    print("  folded / open: " + "  ".join(f"{k} {folded[k] / anchor[k]:.2f}" for k in ("lcp", "load", "layout", "style")))
    print(f"search: index {index_size / 1024:.0f} KiB; a query over the whole site {statistics.median(timings):.1f} ms "
          f"(median of {len(timings)})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
