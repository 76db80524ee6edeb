"""`budgetsite new YEAR`: start the next edition from the latest one.

Texts (概况, 情况说明, 名词解释) and the 绩效目标表 are copied; budget.yaml keeps its
structure (科目 lines, 经济分类 records, projects, 单位) with every amount set to 0 for the
new figures; last year's figures reach the 增减 sentences automatically from the previous
edition; the new edition is a draft.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import BudgetError, Pos
from .i18n import _
from .load import SourceEdition, load_site


@dataclass
class NewEdition:
    folder: Path
    copied_from: int
    todo: list[str]


def _q(text: str) -> str:
    """A YAML double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _vehicles(v, zero: bool = False) -> str:
    from dataclasses import fields

    return "{" + ", ".join(f"{f.name}: {0 if zero else getattr(v, f.name)}" for f in fields(v)) + "}"


def _zero_budget(source: SourceEdition, year: int) -> str:
    b = source.budget
    out = [
        f"# {source.edition.department} {year}年部门预算 — started from {source.edition.year}",
        "# by `budgetsite new`: the structure is last year's, every amount is 0. Enter the approved",
        "# figures (万元); remove lines that no longer apply, add new ones. See README, budget.yaml.",
        "",
        "lines:",
    ]
    for code, line in b.lines.items():
        kinds = [k for k in ("basic", "project") if getattr(line, k).total]
        parts = ", ".join(f"{k}: 0" for k in kinds or ["basic"])
        name = f", name: {_q(line.name)}" if line.name else ""
        out.append(f'  "{code}": {{{parts}{name}}}')
    out += ["", "approved: {}", "", "basic_by_economic:", "  records:"]
    for r in b.basic_by_economic.records:
        gov = f', gov: "{r.gov}"' if r.gov else ""
        out.append(f'    - {{dept: "{r.dept}"{gov}, amount: 0}}')
    out += ["", "three_public: {abroad: 0, reception: 0, vehicle_purchase: 0, vehicle_operation: 0}", "",
            "operating_costs:"]
    for entry in b.operating_costs:
        out.append(f"  - {{unit: {_q(entry.unit)}, amount: 0}}" if entry.unit else "  - {amount: 0}")
    if not b.operating_costs:
        out[-1] += " []"
    for key in ("projects", "carryover_projects"):
        groups = getattr(b, key)
        out += ["", f"{key}:" + ("" if groups else " []")]
        for group in groups:
            out.append(f"  - unit: {_q(group.unit)}")
            out.append("    projects:" + ("" if group.projects else " []"))
            for p in group.projects:
                kind = f", kind: {p.kind}" if p.kind else ""
                out.append(f"      - {{name: {_q(p.name)}, amount: 0{kind}}}")
    extra = "".join(f", {k}: 0" for k in ("sme_reserved", "small_micro_reserved")
                    if getattr(b.procurement, k) is not None)
    out += ["", f"procurement: {{goods: 0, works: 0, services: 0{extra}}}", ""]
    a = b.assets
    out += ["assets:", f"  as_of: {year - 1}-12-31", "  vehicles: " + _vehicles(a.vehicles),
            f"  office_area: {a.office_area}"]
    out.append("  equipment:" + ("" if a.equipment else " []"))
    for e in a.equipment:
        out.append(f"    - {{threshold: {e.threshold}, count: {e.count}}}")
    if a.planned is not None:
        out += ["  planned:", "    vehicles: " + _vehicles(a.planned.vehicles, zero=True),
                "    equipment:" + ("" if a.planned.equipment else " []")]
        for e in a.planned.equipment:
            out.append(f"      - {{threshold: {e.threshold}, count: 0}}")
    perf = b.performance
    out += ["", "performance:", f"  units_with_targets: {perf.units_with_targets}"]
    for key in ("managed", "published"):
        groups = getattr(perf, key)
        out.append(f"  {key}:" + ("" if groups else " {}"))
        for kind in groups:
            out.append(f"    {kind}: {{count: 0, amount: 0}}")
    return "\n".join(out) + "\n"


def _edition_yaml(source: SourceEdition, year: int) -> str:
    e = source.edition
    out = [
        f"# The {year} edition, started from {e.year} by `budgetsite new`.",
        f"department: {_q(e.department)}",
    ]
    if e.department_code:
        out.append(f"department_code: {_q(e.department_code)}")
    out += [f"year: {year}", "status: draft", f"unit: {e.unit}", f"# date: {year}-MM-DD   # date of the 情况说明"]
    if e.format or e.tableset:
        out.append(f"format: {e.format or e.tableset}")
    out.append("units:" + ("" if e.units else " []"))
    for u in e.units:
        out.append(f"  - {{name: {_q(u.name)}, type: {u.type}}}")
    out.append(f"# prior: last year's figures come from content/{e.year}/ automatically")
    if e.prior.executed:
        out.append(f"prior:\n  executed:                  # {year - 1}年执行数 by 功能分类 项: enter them (0 until then)")
        out += [f'    "{code}": 0' for code in sorted(e.prior.executed)]
    return "\n".join(out) + "\n"


def new_edition(site_dir: Path, year: int) -> NewEdition:
    root = Path(site_dir)
    site = load_site(root)
    latest = site.editions[-1]
    target = root / "content" / str(year)
    if target.exists():
        raise BudgetError(Pos(f"content/{year}"), _("{year}年版已经存在", year=year))
    if year <= latest.edition.year:
        raise BudgetError(Pos(f"content/{year}"),
                          _("新版本的年度必须晚于最新的版本（{latest}年）", latest=latest.edition.year))
    source_dir = root / latest.folder
    tmp = root / "content" / f".new-{year}"
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(source_dir, tmp)
    (tmp / "edition.yaml").write_text(_edition_yaml(latest, year), encoding="utf-8")
    (tmp / "budget.yaml").write_text(_zero_budget(latest, year), encoding="utf-8")
    tmp.rename(target)
    rel = f"content/{year}"
    todo = [
        _("{folder}/budget.yaml：填入{year}年批复的预算数（现在各金额都是0）；印出的合计与各项之和有尾差时，"
          "在 approved: 下填写批复数", folder=rel, year=year),
        _("{folder}/edition.yaml：填写 date:（情况说明的日期），并核对单位（units）", folder=rel),
        _("{folder}/explanation.md：更新增减变化的原因（主要原因…）——其中的数字会随数据自动更新", folder=rel),
        _("{folder}/overview.md：核对{year}年的职责和机构设置（人员编制数）", folder=rel, year=year),
        _("{folder}/performance/：更新{year}年的各张绩效目标表", folder=rel, year=year),
        _("最后运行 `budgetsite check --edition {year}`，直到没有错误", year=year),
    ]
    return NewEdition(target, latest.edition.year, todo)


__all__ = ["NewEdition", "new_edition"]
