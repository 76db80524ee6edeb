"""A portal build, serial, in parallel and on Dask, against a 1-worker cold build of the same portal.

    python benchmarks/portal_benchmark.py [--departments 100] [--units 2] [--years 3] [--pdf]
                                          [--no-dask] [--keep DIR]

Generates a portal (tests/make_portal.py: every publisher a copy of the Shanghai example,
``--departments`` departments each with ``--units`` units, ``--years`` years from 2024 on) and
times, each in a fresh process (``budgetsite build``, startup included) and into a fresh output
folder (a cold build: nothing to reuse):

- the anchor: a cold build with 1 worker (``--jobs 1``);
- cold builds with 2 workers and with N (every core: the default) local processes;
- a cold build on a Dask LocalCluster of 2 worker processes (1 thread each; the cluster is
  started before the clock, its start-up is printed apart);
- the no-change rebuild: the 1-worker build again over its own output.

Prints seconds and ratios to the anchor, and whether the targets hold (2 workers ≤ 0.6×,
no-change ≤ 0.05×). HTML only unless ``--pdf`` (a PDF takes ~10 s per edition: 900 editions
are hours of CPU). The defaults are the issue's portal (100 departments × 3 years, with units:
300 publishers, 900 editions); on a 2-core machine that is about an hour per cold build, so
try ``--departments 10`` first.
"""
from __future__ import annotations

import argparse
import filecmp
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from make_portal import big_specs, make_portal  # noqa: E402

DASK = """
import sys, time
from dask.distributed import Client, LocalCluster
from budgetsite.portal import build_portal
if __name__ == "__main__":
    started = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \\
            Client(cluster) as client:
        client.run(lambda: __import__("budgetsite.build"))  # the workers' imports, like a started cluster's
        ready = time.perf_counter()
        build_portal(sys.argv[1], sys.argv[2], pdf=sys.argv[3] == "pdf", scheduler=client)
        done = time.perf_counter()
    print(f"{ready - started:.3f} {done - ready:.3f}")
"""


CPU: list[float] = []  # each run's CPU seconds of its processes (user + system), in order


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli(site: Path, out: Path, pdf: bool, *options: str) -> float:
    args = [sys.executable, "-m", "budgetsite", "build", "--site", str(site), "--out", str(out), "-q", *options]
    if not pdf:
        args.append("--no-pdf")
    cpu, started = children_cpu(), time.perf_counter()
    subprocess.run(args, check=True, env={**os.environ, "BUDGETSITE_LANG": "en"})
    CPU.append(children_cpu() - cpu)
    return time.perf_counter() - started


def same_tree(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return files_a == files_b and all(filecmp.cmp(a / f, b / f, shallow=False) for f in files_a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--departments", type=int, default=100)
    parser.add_argument("--units", type=int, default=2, help="units per department")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--pdf", action="store_true", help="build the PDFs too")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="make the portal here and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="portal-benchmark-"))
    try:
        specs = big_specs(args.departments, args.units)
        years = list(range(2024, 2024 + args.years))
        site = make_portal(work / "portal", specs, years)
        cores = os.cpu_count() or 1
        print(f"portal: {args.departments} departments × {args.units} units = {len(specs)} publishers, "
              f"{len(years)} years = {len(specs) * len(years)} editions; {'HTML and PDF' if args.pdf else 'HTML only'}; "
              f"{cores} cores", flush=True)
        rows = []
        anchor = cli(site, work / "out-1", args.pdf, "--jobs", "1")
        rows.append(("cold, 1 worker (anchor)", anchor))
        load = os.getloadavg()[0]
        print(f"  cold, 1 worker: {anchor:.1f} s", flush=True)
        two = cli(site, work / "out-2", args.pdf, "--jobs", "2")
        rows.append(("cold, 2 local workers", two))
        if cores != 2:
            rows.append((f"cold, N = {cores} local workers (default)", cli(site, work / "out-n", args.pdf)))
        identical = same_tree(work / "out-1", work / "out-2")
        if not args.no_dask:
            cpu = children_cpu()
            code = subprocess.run([sys.executable, "-c", DASK, str(site), str(work / "out-dask"),
                                   "pdf" if args.pdf else "html"], check=True, capture_output=True, text=True,
                                  env={**os.environ, "BUDGETSITE_LANG": "en"}).stdout.split()
            CPU.append(children_cpu() - cpu)  # the cluster's processes are the child's: counted when it ends
            startup, seconds = float(code[-2]), float(code[-1])
            rows.append((f"cold, Dask LocalCluster 2 workers (+{startup:.1f} s cluster start)", seconds))
            identical = identical and same_tree(work / "out-1", work / "out-dask")
        rebuild = cli(site, work / "out-1", args.pdf, "--jobs", "1")
        rows.append(("no-change rebuild (1 worker)", rebuild))
        print()
        cpus = CPU
        for i, (name, seconds) in enumerate(rows):
            cpu = f"  cpu {cpus[i]:7.1f} s" if len(cpus) == len(rows) else ""
            print(f"  {name:<58} {seconds:8.1f} s  {seconds / anchor:6.3f}×{cpu}")
        print(f"  (load average at the start: {load:.1f} on {cores} cores: other work on the machine slows the "
              f"parallel runs; the CPU seconds of the processes show the work itself)")
        if cores == 2:
            print("  (N = every core = 2 on this machine: the 2-worker row is the default)")
        print(f"\n  same bytes serial / 2 workers{'' if args.no_dask else ' / Dask'}: {identical}")
        print(f"  target 2 workers ≤ 0.6×: {two / anchor:.3f}× {'ok' if two / anchor <= 0.6 else 'MISSED'}")
        print(f"  target no-change ≤ 0.05×: {rebuild / anchor:.3f}× {'ok' if rebuild / anchor <= 0.05 else 'MISSED'}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
