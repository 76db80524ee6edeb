"""Benchmark: the reference edition's PDF, WeasyPrint against Chromium. Not a test.

    .venv/bin/python benchmarks/pdf_benchmark.py [--site .] [--runs 3]

Reports (best of --runs):
  - WeasyPrint: the PDF stage alone (layout + PDF/A writing) for the print document;
  - Chromium: `chromium --headless --print-to-pdf` of the same print document (same HTML,
    CSS and fonts; Chromium ignores the paged-media parts it does not support), when a
    chromium binary is installed, and the ratio WeasyPrint / Chromium;
  - a no-change rebuild: `budgetsite build` run again on an unchanged site (the PDF is
    reused by its content hash), wall time of the whole command.
Target: WeasyPrint at most 2x Chromium; a no-change rebuild under 1 s.
"""
from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from budgetsite import pdf as pdf_stage  # noqa: E402
from budgetsite.build import build_site  # noqa: E402

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def best(runs: int, action) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def capture_jobs(site: Path, work: Path) -> list:
    """Build the site once with the PDF, keeping the print jobs the build rendered."""
    jobs = []
    render = pdf_stage.render_pdf

    def spy(job):
        jobs.append(job)
        return render(job)

    pdf_stage.render_pdf = spy
    try:
        build_site(site, work / "first", pdf=True)
    finally:
        pdf_stage.render_pdf = render
    return jobs


def page_count(data: bytes) -> str:
    try:
        import io

        import pypdf  # the test extra; optional here
    except ImportError:
        return "?"
    return str(len(pypdf.PdfReader(io.BytesIO(data)).pages))


def core_job(job):
    """The same job without the 绩效目标表 appendix (the 13 tables, narrative, glossary)."""
    start = job.html.find('<section class="perf-appendix"')
    if start < 0:
        return None
    end = job.html.index("</article>", start)
    return dataclasses.replace(job, html=job.html[:start] + job.html[end:])


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if path := shutil.which(name):
            return path
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        jobs = capture_jobs(args.site, work)
        if not jobs:
            sys.exit("no PDF was rendered")
        job = jobs[-1]  # the newest edition
        data = b""

        def weasy():
            nonlocal data
            data = pdf_stage.render_pdf(job)[0]

        weasy_s = best(args.runs, weasy)
        pages = page_count(data)
        print(f"WeasyPrint {pdf_stage.VARIANT}: {weasy_s:.2f} s ({pages} pages, {len(data) / 1e6:.2f} MB)")
        core = core_job(job)
        if core is not None:
            core_s = best(args.runs, lambda: pdf_stage.render_pdf(core))
            print(f"WeasyPrint without the 绩效目标表 appendix: {core_s:.2f} s")

        chromium = chromium_binary()
        if chromium:
            page = work / "print" / "print.html"
            page.parent.mkdir()
            page.write_text(job.html, encoding="utf-8")
            for name in ("print.css", "fonts"):
                (page.parent / name).symlink_to(job.theme.resolve() / name)
            out = work / "chromium.pdf"
            command = [chromium, *CHROMIUM_FLAGS, f"--print-to-pdf={out}", "--no-pdf-header-footer",
                       page.as_uri()]

            def chrome():
                subprocess.run(command, check=True, capture_output=True, timeout=120)

            chrome_s = best(args.runs, chrome)
            print(f"Chromium print-to-pdf: {chrome_s:.2f} s ({out.stat().st_size / 1e6:.2f} MB)")
            print(f"ratio WeasyPrint / Chromium: {weasy_s / chrome_s:.2f} (target <= 2)")
            if core is not None:
                page.write_text(core.html, encoding="utf-8")
                core_chrome_s = best(args.runs, chrome)
                print(f"  without the 绩效目标表: Chromium {core_chrome_s:.2f} s, "
                      f"ratio {core_s / core_chrome_s:.2f}")
        else:
            print("Chromium: not installed, no ratio")

        site = work / "site"
        command = [sys.executable, "-m", "budgetsite", "build", "--site", str(args.site.resolve()),
                   "--out", str(site), "--quiet"]
        subprocess.run(command, check=True, cwd=ROOT)
        rebuild_s = best(args.runs, lambda: subprocess.run(command, check=True, cwd=ROOT))
        print(f"no-change rebuild (budgetsite build, whole command): {rebuild_s:.2f} s (target < 1)")


if __name__ == "__main__":
    main()
