"""Benchmark: the reference edition's PDF, WeasyPrint against Chromium. Not a test.

    .venv/bin/python benchmarks/pdf_benchmark.py [--site .] [--runs 3]

Reports (best of --runs), each as a ratio to Chromium printing the same print document,
measured in the same run:
  - Chromium: `chromium --headless --print-to-pdf` of the print document (same HTML, CSS and
    fonts; Chromium ignores the paged-media parts it does not support): the anchor;
  - WeasyPrint, the whole document at once (one process, as before the parts);
  - cold PDF: the PDF made of parts (builder/pdfparts.py) with an empty cache, on every core
    (target <= 2x Chromium);
  - the PDF after an edit to explanation.md, the parts of the previous PDF cached
    (target <= 1x Chromium);
  - a no-change rebuild: `budgetsite build` run again on an unchanged site (the PDF is
    reused by its content hash), wall time of the whole command (target < 1 s).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from budgetsite import pdf as pdf_stage  # noqa: E402
from budgetsite import pdfparts  # noqa: E402
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
    """The print jobs a build of ``site`` makes (nothing is rendered)."""
    jobs = []
    render = pdf_stage.render_pdf
    pdf_stage.render_pdf = lambda job: (jobs.append(job), (b"%PDF-", []))[1]
    try:
        build_site(site, work, pdf=True)
    finally:
        pdf_stage.render_pdf = render
    return jobs


def edited_copy(site: Path, work: Path) -> Path:
    """A copy of the site with a paragraph more in the newest edition's explanation.md."""
    copy = work / "edited-site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("_site", ".budgetsite-cache", ".git", ".venv",
                                                               "tests", "benchmarks", "builder", "examples"))
    explanation = sorted(copy.glob("content/*/explanation.md"))[-1]
    text = explanation.read_text(encoding="utf-8")
    explanation.write_text(text.replace("\n\n", "\n\n本段为基准测试所加：一处小的修改。\n\n", 1), encoding="utf-8")
    return copy


def page_count(data: bytes) -> str:
    try:
        import io

        import pypdf  # the test extra; optional here
    except ImportError:
        return "?"
    return str(len(pypdf.PdfReader(io.BytesIO(data)).pages))


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
        jobs = capture_jobs(args.site, work / "first")
        if not jobs:
            sys.exit("no PDF was rendered")
        job = jobs[-1]  # the newest edition
        edited = capture_jobs(edited_copy(args.site, work), work / "edited")[-1]
        cores = os.cpu_count() or 1

        chromium = chromium_binary()
        chrome_s = None
        if chromium:
            page = work / "print" / "print.html"
            page.parent.mkdir()
            page.write_text(job.html, encoding="utf-8")
            for name in ("print.css", "fonts"):
                (page.parent / name).symlink_to(job.theme.resolve() / name)
            out = work / "chromium.pdf"
            command = [chromium, *CHROMIUM_FLAGS, f"--print-to-pdf={out}", "--no-pdf-header-footer",
                       page.as_uri()]
            chrome_s = best(args.runs, lambda: subprocess.run(command, check=True, capture_output=True,
                                                              timeout=120))
            print(f"Chromium print-to-pdf (the anchor): {chrome_s:.2f} s ({out.stat().st_size / 1e6:.2f} MB)")
        else:
            print("Chromium: not installed, no ratios")

        def ratio(seconds: float) -> str:
            return f", {seconds / chrome_s:.2f}x Chromium" if chrome_s else ""

        data = b""

        def whole():
            nonlocal data
            data = pdf_stage.render_whole(job)[0]

        whole_s = best(1, whole)
        print(f"WeasyPrint, whole document, one process: {whole_s:.2f} s ({page_count(data)} pages, "
              f"{len(data) / 1e6:.2f} MB{ratio(whole_s)})")

        caches = iter(range(10 ** 6))
        made = {}

        def cold():
            cache = work / f"cache-{next(caches)}"
            made["cold"] = pdfparts.render_parts(job, cache)
            made["cache"] = cache

        cold_s = best(args.runs, cold)
        data, _, rendered, total = made["cold"]
        print(f"cold PDF in parts on {cores} cores: {cold_s:.2f} s ({rendered} of {total} parts rendered, "
              f"{page_count(data)} pages, {len(data) / 1e6:.2f} MB{ratio(cold_s)}; target <= 2x)")

        def edit():
            cache = work / f"cache-{next(caches)}"
            shutil.copytree(made["cache"], cache)
            start = time.perf_counter()
            made["edit"] = pdfparts.render_parts(edited, cache)
            return time.perf_counter() - start

        edit_s = min(edit() for _ in range(args.runs))
        data, _, rendered, total = made["edit"]
        print(f"PDF after an edit to explanation.md: {edit_s:.2f} s ({rendered} of {total} parts rendered"
              f"{ratio(edit_s)}; target <= 1x)")

        site = work / "site"
        command = [sys.executable, "-m", "budgetsite", "build", "--site", str(args.site.resolve()),
                   "--out", str(site), "--quiet"]
        subprocess.run(command, check=True, cwd=ROOT)
        rebuild_s = best(args.runs, lambda: subprocess.run(command, check=True, cwd=ROOT))
        print(f"no-change rebuild (budgetsite build, whole command): {rebuild_s:.2f} s (target < 1)")


if __name__ == "__main__":
    main()
