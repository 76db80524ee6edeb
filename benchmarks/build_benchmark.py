"""How long the HTML build takes, as ratios to anchors measured in the same run (issue 16):

* the import floor: a fresh process importing jinja2, yaml, markdown_it and click;
* the cold HTML-only build of the example (the command a user runs, `budgetsite build
  --no-pdf`, into an empty folder, a fresh process), as a ratio to the floor (target: at
  most 3×): with the compiled templates an earlier run left (builder/codecache.py), as every
  build after the first one has them — the floor, too, is measured with its modules'
  bytecode cached — and, for information, with an empty compile cache;
* the no-change rebuild of a 30-edition archive (the example's content/2025 copied to 2026 …
  2054, each edition.yaml's year set), as a ratio to the no-change rebuild of a 1-edition site
  made the same way (target: at most 2×);
* for information: the rebuild of the 30-edition archive after an edit of its newest edition.

    python benchmarks/build_benchmark.py [--runs N] [--profile]

Every figure is the median of N runs (default 5) in fresh processes, the measurements of one
round interleaved so that the load of a shared machine falls on all alike. Wall time and CPU
time (user + system of the child process) are both shown; the ratios are given for both.
``--profile`` also prints where the time goes (cProfile, in this process): the cold build of
the example and the no-change rebuild of the 30-edition archive.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FLOOR = "import jinja2, yaml, markdown_it, click"
BUILD = "import sys; from budgetsite.cli import run; run()"  # `budgetsite build …`, as installed


def build_args(site: Path, out: Path) -> list[str]:
    return ["build", "--site", str(site), "--out", str(out), "--no-pdf", "--quiet"]


def archive(dest: Path, editions: int) -> Path:
    """A site of ``editions`` editions: the example's content/2025 as 2025, 2026, …"""
    dest.mkdir(parents=True)
    shutil.copy2(ROOT / "site.yaml", dest / "site.yaml")
    for year in range(2025, 2025 + editions):
        folder = dest / "content" / str(year)
        shutil.copytree(ROOT / "content/2025", folder)
        edition = folder / "edition.yaml"
        text = edition.read_text(encoding="utf-8")
        edition.write_text(re.sub(r"^year: 2025\b", f"year: {year}", text, count=1, flags=re.M),
                           encoding="utf-8")
    return dest


def timed(code: str, *args, cache: Path | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of a fresh process running ``code`` (``cache``: the compile cache
    folder it uses, else the user's)."""
    env = dict(os.environ, BUDGETSITE_CACHE_DIR=str(cache)) if cache is not None else None
    before = os.times()
    started = time.perf_counter()
    argv = [sys.executable, "-c", code, *map(str, args)]
    if code is BUILD:  # sys.argv as the installed command sees it
        argv = [sys.executable, "-c", code, *build_args(*args)]
    subprocess.run(argv, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def median(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def show(name: str, value: tuple[float, float], anchor: tuple[float, float] | None = None,
         anchor_name: str = "", target: float | None = None) -> None:
    line = f"{name}: {value[0]:.3f} s wall, {value[1]:.3f} s CPU"
    if anchor is not None:
        wall, cpu = value[0] / anchor[0], value[1] / anchor[1]
        line += f" = {wall:.2f}× {anchor_name} (wall), {cpu:.2f}× (CPU)"
        if target is not None:
            line += f"; target ≤ {target:g}×: " + ("met" if max(wall, cpu) <= target else
                                                   "met on CPU only" if cpu <= target else
                                                   "met on wall only" if wall <= target else "MISSED")
    print(line, flush=True)


def profile(label: str, call, top: int = 25) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(top)
    print(f"\n--- where the time goes: {label} (cProfile, cumulative) ---")
    lines = text.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    print("\n".join(line.replace(str(ROOT) + "/", "") for line in lines[start:] if line.strip()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    # the package's modules compiled to bytecode, as an installed package has them (with
    # PYTHONDONTWRITEBYTECODE set, a stale module would be compiled again by every process)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "builder")], check=True,
                   capture_output=True)
    work = Path(tempfile.mkdtemp(prefix="build-bench-"))
    try:
        one, thirty = archive(work / "site-1", 1), archive(work / "site-30", 30)
        for site in (one, thirty):  # the builds whose rebuilds are measured
            timed(BUILD, site, work / f"{site.name}-out")
        samples: dict[str, list] = {"floor": [], "import": [], "cold": [], "fresh": [], "one": [],
                                    "thirty": [], "edit": []}
        newest = thirty / "content/2054/explanation.md"
        text = newest.read_text(encoding="utf-8")
        for run in range(args.runs):
            samples["floor"].append(timed(FLOOR))
            cold = work / f"cold-{run}"
            samples["import"].append(timed("import budgetsite.build"))
            samples["cold"].append(timed(BUILD, ROOT, cold))
            shutil.rmtree(cold, ignore_errors=True)
            samples["fresh"].append(timed(BUILD, ROOT, cold, cache=work / f"cache-{run}"))
            shutil.rmtree(cold, ignore_errors=True)
            samples["one"].append(timed(BUILD, one, work / "site-1-out"))
            samples["thirty"].append(timed(BUILD, thirty, work / "site-30-out"))
            newest.write_text(text + f"\n<!-- edit {run} -->\n", encoding="utf-8")
            samples["edit"].append(timed(BUILD, thirty, work / "site-30-out"))
        floor, cold, fresh = median(samples["floor"]), median(samples["cold"]), median(samples["fresh"])
        one_, thirty_, edit = median(samples["one"]), median(samples["thirty"]), median(samples["edit"])
        print(f"median of {args.runs} runs, fresh processes ({os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.2f})")
        show("import floor (jinja2, yaml, markdown_it, click)", floor)
        show("import budgetsite.build", median(samples["import"]), floor, "the import floor")
        show("cold HTML-only build of the example (templates compiled by an earlier run)", cold, floor,
             "the import floor", 3)
        show("for information: the same with an empty compile cache (the first run on a machine, "
             "or after an upgrade)", fresh, floor, "the import floor")
        show("no-change rebuild, 1-edition site", one_, floor, "the import floor")
        show("no-change rebuild, 30-edition archive", thirty_, one_, "the 1-edition site", 2)
        show("rebuild of the 30-edition archive after an edit of its newest edition", edit, one_,
             "the 1-edition no-change rebuild")
        if args.profile:
            sys.path.insert(0, str(ROOT))
            from budgetsite.build import build_site

            profile("cold HTML-only build of the example (in this process, imports excluded)",
                    lambda: build_site(ROOT, work / "profile-cold", pdf=False))
            profile("no-change rebuild of the 30-edition archive (in this process)",
                    lambda: build_site(thirty, work / "site-30-out", pdf=False))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
