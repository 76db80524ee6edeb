"""How `check` scales with the number of projects (项目支出 lines): the example site with N
projects added to its 项目支出 table, checked in a fresh process, against the import floor
(the same process importing the package and doing nothing) measured in the same run.

    python benchmarks/check_benchmark.py [N ...]        (default: 0 2500 10000 20000)

Prints, for each N, the median of 3 runs in seconds and as a ratio to the floor, the cost per
1,000 projects above the example's own check (the same at every N when the check is linear in
the number of projects), and whether the check of 10,000 projects stays under 2 s.
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = "from budgetsite.build import check_site; import sys; check_site(sys.argv[1])"
FLOOR = "import budgetsite.build, budgetsite.check, budgetsite.rules"


def site_with(projects: int, work: Path) -> Path:
    """A copy of the example site whose first 单位 has ``projects`` more projects."""
    site = work / f"site-{projects}"
    site.mkdir()
    shutil.copy2(ROOT / "site.yaml", site / "site.yaml")
    shutil.copytree(ROOT / "content", site / "content")
    budget = site / "content/2025/budget.yaml"
    text = budget.read_text(encoding="utf-8")
    anchor = "    projects:\n"
    # distinct amounts (0.01 … 999.99), as real projects have: a rule that compares each typed
    # amount with every figure would be quadratic here, and not with one repeated amount
    extra = "".join(f"      - {{name: 基准测试项目{i:05d}, amount: {(i * 37 % 99999 + 1) / 100:.2f}}}\n"
                    for i in range(projects))
    budget.write_text(text.replace(anchor, anchor + extra, 1), encoding="utf-8")
    return site


def timed(code: str, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True)
    return time.perf_counter() - started


def main(sizes: list[int]) -> None:
    work = Path(tempfile.mkdtemp(prefix="check-bench-"))
    try:
        floor = statistics.median(timed(FLOOR) for _ in range(3))
        print(f"import floor: {floor:.2f} s")
        base = None  # the check of the example as it is: what the projects add is above it
        for n in sizes:
            site = site_with(n, work)
            seconds = statistics.median(timed(CHECK, str(site)) for _ in range(3))
            line = (f"{n:>6} projects: check {seconds:.2f} s = {seconds / floor:.1f}× the import floor, "
                    f"{seconds - floor:.2f} s above it")
            if n == 0:
                base = seconds
            elif base is not None:  # linear: the same cost per project at every size
                line += f"; {(seconds - base) / n * 1000:.3f} s per 1,000 projects"
            print(line)
            if n == 10000:
                print("  under 2 s:", "yes" if seconds < 2 else "NO")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [0, 2500, 10000, 20000])
