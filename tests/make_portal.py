"""A portal (many publishers in one site) made from the Shanghai example, for the tests and the
portal benchmark.

Every publisher is a copy of examples/shanghai-wanli (amounts in 元, integers) with every amount
multiplied by a whole ``factor``: a unit A ×1, a unit B ×2 and their department ×3 keep every
internal sum of each site, and the department's 功能分类 figures are exactly the sum of its
units'. The 2024 edition is the example's; later years are copies of it with the year changed
(the bundled code lists are 2024 and 2025; a later year uses the 2025 list, with a warning).
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "shanghai-wanli"
SOURCE_YEAR = 2024

#: keys whose number is an amount of money (counts, areas and thresholds are left alone)
MONEY = ("basic", "project", "amount", "abroad", "reception", "vehicle_purchase", "vehicle_operation",
         "goods", "works", "services", "sme_reserved", "small_micro_reserved", "total", "fiscal",
         "general", "fund", "soe")
_MONEY = re.compile(r"(?<![\w])(" + "|".join(MONEY) + r")(:\s*)(\d+)(?![\d.])")
_CODE_AMOUNT = re.compile(r'^(\s*"\d{3,7}":\s*)(\d+)(?![\d.])', re.M)  # prior.executed / approved


@dataclass(frozen=True)
class Spec:
    id: str
    name: str
    factor: int
    kind: str = "部门"
    parent: str | None = None
    group: str | None = None
    code: str | None = None


def scaled(text: str, factor: int) -> str:
    """The YAML text with every amount of money multiplied by ``factor`` (comments kept, so
    every line stays where it was)."""
    if factor == 1:
        return text
    text = _MONEY.sub(lambda m: f"{m[1]}{m[2]}{int(m[3]) * factor}", text)
    return _CODE_AMOUNT.sub(lambda m: f"{m[1]}{int(m[2]) * factor}", text)


def _units(text: str, names: list[str]) -> str:
    """edition.yaml with its ``units:`` list replaced by ``names``."""
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("units:"):
            out.append("units:\n" + "".join(f"  - {{name: {name}, type: 事业单位}}\n" for name in names))
            skipping = True
            continue
        if skipping and (line.startswith("  ") or not line.strip()):
            continue
        skipping = False
        out.append(line)
    return "".join(out)


def make_publisher(folder: Path, spec: Spec, years: list[int], status: str = "draft",
                   units: list[str] | None = None) -> Path:
    """A publisher's site; a department with ``units`` lists itself and them as its 单位."""
    folder.mkdir(parents=True)
    site = (EXAMPLE / "site.yaml").read_text(encoding="utf-8")
    site = re.sub(r"(?m)^title: .*$", f"title: {spec.name}部门预算公开", site)
    site = re.sub(r"(?m)^publisher: .*$", f"publisher: {spec.name}", site)
    extra = [f"kind: {spec.kind}"]
    if spec.code:
        extra.append(f'code: "{spec.code}"')
    if spec.parent:
        extra.append(f"parent: {spec.parent}")
    if spec.group:
        extra.append(f"group: {spec.group}")
    (folder / "site.yaml").write_text(site + "\n".join(extra) + "\n", encoding="utf-8")
    source = EXAMPLE / "content" / str(SOURCE_YEAR)
    for year in years:
        target = folder / "content" / str(year)
        shutil.copytree(source, target)
        edition = (target / "edition.yaml").read_text(encoding="utf-8")
        edition = re.sub(r"(?m)^department: .*$", f"department: {spec.name}", edition)
        edition = re.sub(r"(?m)^year: .*$", f"year: {year}", edition)
        edition = re.sub(r"(?m)^status: .*$", f"status: {status}", edition)
        if spec.kind == "单位":
            edition = _units(edition, [spec.name])
        elif units:
            edition = _units(edition, [spec.name] + units)
        (target / "edition.yaml").write_text(scaled(edition, spec.factor), encoding="utf-8")
        budget = (target / "budget.yaml").read_text(encoding="utf-8")
        (target / "budget.yaml").write_text(scaled(budget, spec.factor), encoding="utf-8")
    return folder


UNIT_NAMES = ("上海市普陀区万里街道社区事务受理服务中心", "上海市普陀区万里街道社区党群服务中心")


def small_specs() -> list[Spec]:
    """3 departments, the first with 2 units (×1 and ×2; the department ×3)."""
    return [
        Spec("wanli", "上海市普陀区人民政府万里街道办事处", 3, group="街道", code="101001"),
        Spec("wanli-shouli", UNIT_NAMES[0], 1, kind="单位", parent="wanli", code="101001001"),
        Spec("wanli-dangqun", UNIT_NAMES[1], 2, kind="单位", parent="wanli", code="101001002"),
        Spec("changzheng", "上海市普陀区人民政府长征镇人民政府", 2, group="街道", code="101002"),
        Spec("jiaoyu", "上海市普陀区教育局", 5, group="教育", code="102001"),
    ]


def big_specs(departments: int, units: int = 2) -> list[Spec]:
    """``departments`` departments in 10 groups, each with ``units`` units (×1, ×2 …; the
    department the sum of them)."""
    specs = []
    for d in range(1, departments + 1):
        did = f"d{d:03d}"
        factors = list(range(1, units + 1))
        specs.append(Spec(did, f"普陀区第{d:03d}部门", sum(factors) or 1, group=f"第{(d - 1) % 10 + 1}组",
                          code=f"2{d:03d}"))
        for u, factor in enumerate(factors, start=1):
            specs.append(Spec(f"{did}-u{u}", f"普陀区第{d:03d}部门第{u}单位", factor, kind="单位",
                              parent=did, code=f"2{d:03d}{u:03d}"))
    return specs


def portal_codes(dest: Path, years: list[int]) -> None:
    """The portal's own codes/<year>.yaml (shared by every publisher): the 科目 of the example's
    (2024) list that the list used for ``year`` lacks (the bundled 2025 list is not complete)."""
    from budgetsite.codes import load_codes

    base = load_codes(SOURCE_YEAR)
    for year in years:
        if year == SOURCE_YEAR:
            continue
        have = load_codes(year)
        lines = [f"# 门户共用的 {year} 年科目（各单位都用到，内置的 {year} 年科目代码表中没有的）"]
        for kind in ("functional", "economic_dept", "economic_gov"):
            extra = {c: n for c, n in getattr(base, kind).items() if c not in getattr(have, kind)}
            if extra:
                lines.append(f"{kind}:")
                lines += [f'  "{c}": {n}' for c, n in extra.items()]
        (dest / "codes").mkdir(exist_ok=True)
        (dest / "codes" / f"{year}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_portal(dest: Path, specs: list[Spec], years: list[int],
                title: str = "上海市普陀区财政局 预算公开专栏") -> Path:
    """A portal folder: site.yaml (the portal's title), codes/ for the years the bundled code
    lists do not cover, and publishers/<id>/ for every spec."""
    dest.mkdir(parents=True)
    (dest / "site.yaml").write_text(f"title: {title}\npublisher: 上海市普陀区财政局\n", encoding="utf-8")
    portal_codes(dest, years)
    for spec in specs:
        units = [s.name for s in specs if s.parent == spec.id]
        make_publisher(dest / "publishers" / spec.id, spec, years, units=units)
    return dest
