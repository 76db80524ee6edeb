"""Writing what was read: budget.yaml (and a first edition.yaml), and what a re-import keeps."""
from __future__ import annotations

import json
import re
from decimal import Decimal

from .read import KINDS2, LEAVES, Imported

CENT = Decimal("0.01")


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class Writer:
    def __init__(self, data: Imported):
        self.data = data
        self.whole = data.unit == "元"  # an edition in 元 writes whole amounts without decimals

    def num(self, value: Decimal) -> str:
        if self.whole and value == value.to_integral_value():
            return f"{value:.0f}"
        return f"{value:.2f}" if value == value.quantize(CENT) else str(value.normalize())

    def by_source(self, amounts: dict) -> str:
        amounts = {s: v for s, v in amounts.items() if v}
        if not amounts:
            return "0"
        if set(amounts) == {"general"}:
            return self.num(amounts["general"])
        order = list(self.data.sources) + [s for s in amounts if s not in self.data.sources]
        return "{" + ", ".join(f"{s}: {self.num(amounts[s])}" for s in order if s in amounts) + "}"

    def approved(self, value: dict) -> str:
        if set(value) == {"total"}:
            return self.num(value["total"])
        keys = sorted(value, key=lambda k: (k != "total", k))
        return "{" + ", ".join(f"{k}: {self.num(value[k])}" for k in keys) + "}"


def budget_yaml(data: Imported, codes, source_name: str) -> str:
    w = Writer(data)
    unit = data.unit or "万元"
    out = [f"# {data.department or ''} {data.year}年部门预算 — imported from {source_name} by budgetsite import.",
           f"# Every figure in {unit}, the edition's unit, as the budget system gives it; 类/款 rows and",
           "# all totals are derived from the lines. Re-run the import with --force to replace this file.",
           "", "lines:"]
    for code in sorted(data.lines):
        line = data.lines[code]
        parts = []
        for kind in KINDS2:
            current = {s: v for (k, s, p), v in line.items() if k == kind and p == "current"}
            if any(current.values()):
                parts.append(f"{kind}: {w.by_source(current)}")
        carried = []
        for kind in KINDS2:
            amounts = {s: v for (k, s, p), v in line.items() if k == kind and p == "carryover" and v}
            if amounts:
                order = [s for s in data.sources if s in amounts]
                carried.append(f"{kind}: {{" + ", ".join(f"{s}: {w.num(amounts[s])}" for s in order) + "}")
        if carried:
            parts.append("carryover: {" + ", ".join(carried) + "}")
        out.append(f'  "{code}": {{{", ".join(parts)}}}   # {codes.functional.get(code, "")}')
    if data.approved:
        out += ["", "# 批复数 printed where they differ from the sum of the lines (尾差).", "approved:"]
        for key, value in sorted(data.approved.items(), key=lambda kv: (kv[0] != "total", kv[0])):
            name = "" if key == "total" else f"   # {codes.functional.get(key, '')}"
            out.append(f'  {key if key == "total" else _q(key)}: {w.approved(value)}{name}')
    if data.econ_records or data.econ_approved:
        gov = any(g for _, g, _ in data.econ_records)
        out += ["", "# 一般公共预算基本支出 by 经济分类: 部门经济分类 款"
                + (", 政府经济分类 款" if gov else "") + ", amount.", "basic_by_economic:"]
        if data.econ_approved:
            out.append("  approved:")
            for key, value in sorted(data.econ_approved.items(), key=lambda kv: (kv[0] != "total", kv[0])):
                out.append(f'    {key if key == "total" else _q(key)}: {w.approved(value)}')
        out.append("  records:")
        for dept, gov_code, amount in data.econ_records:
            if gov_code:
                out.append(f'    - {{dept: "{dept}", gov: "{gov_code}", amount: {w.num(amount)}}}   # '
                           f'{codes.economic_dept.get(dept, "")} / {codes.economic_gov.get(gov_code, "")}')
            else:
                out.append(f'    - {{dept: "{dept}", amount: {w.num(amount)}}}   # '
                           f'{codes.economic_dept.get(dept, "")}')
    if data.three_public or data.three_public_approved:
        out += ["", f"# “三公”经费, by item and source ({unit}).", "three_public:"]
        for item in LEAVES:
            out.append(f"  {item}: {w.by_source(data.three_public.get(item, {}))}")
        if data.three_public_approved:
            out.append("  approved: {" + ", ".join(f"{k}: {w.num(v)}" for k, v in
                                                    data.three_public_approved.items()) + "}")
    if data.operating:
        out += ["", "# 机关运行经费, by 单位 (none: the whole department).", "operating_costs:"]
        for unit_name, amounts in data.operating:
            who = f"unit: {_q(unit_name)}, " if unit_name else ""
            out.append(f"  - {{{who}amount: {w.by_source(amounts)}}}")
    for key, groups, what in (("projects", data.projects, "项目支出 (本年), by 单位, in print order"),
                              ("carryover_projects", data.carryover_projects, "项目支出 (上年结转)")):
        if not groups:
            continue
        out += ["", f"# {what}.", f"{key}:"]
        for unit_name, projects, approved in groups:
            out.append(f"  - unit: {_q(unit_name)}")
            if approved is not None:
                out.append(f"    approved: {w.num(approved)}")
            out.append("    projects:")
            for name, amounts in projects:
                out.append(f"      - {{name: {_q(name)}, amount: {w.by_source(amounts)}}}")
    if data.revenue:
        out += ["", "# 收入科目 lines.", "revenue:"]
        for source in ("fund", "soe"):
            lines = data.revenue.get(source, [])
            if lines:
                out.append(f"  {source}:")
                for code, name, amount in lines:
                    out.append(f"    - {{code: {_q(code)}, name: {_q(name)}, amount: {w.num(amount)}}}")
    return "\n".join(out) + "\n"


#: Sections of budget.yaml that no standard table carries: a re-import keeps them.
KEEP = ("procurement", "assets", "performance")


def kept_sections(text: str) -> tuple[str, list[str]]:
    """The KEEP sections of a budget.yaml, as written (with the comments just above them)."""
    blocks: list[tuple[str | None, list[str]]] = []
    pending: list[str] = []
    for line in text.splitlines():
        top = re.match(r"^([A-Za-z_]+)\s*:", line)
        if top:
            blocks.append((top.group(1), pending + [line]))
            pending = []
        elif line.startswith("#") or not line.strip():
            pending.append(line)
        elif blocks:
            blocks[-1][1].extend(pending + [line])
            pending = []
    kept = [(key, lines) for key, lines in blocks if key in KEEP]
    body = "\n".join("\n".join(lines).strip("\n") + "\n" for _, lines in kept)
    return body.replace("\n\n\n", "\n\n"), [key for key, _ in kept]


def edition_yaml(data: Imported, units: list[tuple[str, str]]) -> str:
    out = [f"# The {data.year} edition, started by budgetsite import: check the 单位 types, add the",
           "# date of the 情况说明 and last year's figures (see README, edition.yaml).",
           f"department: {_q(data.department or '')}",
           f"year: {data.year}",
           "status: draft",
           f"unit: {data.unit or '万元'}"]
    if units:
        out.append("units:                       # 预算单位, 机关 first")
        for name, kind in units:
            out.append(f"  - {{name: {_q(name)}, type: {kind}}}")
    return "\n".join(out) + "\n"


def units_of(data: Imported) -> list[tuple[str, str]]:
    """单位 for a new edition.yaml: those with 机关运行经费 are 行政单位 (the rule allows no
    other), the others of the project lists 事业单位 (a guess the file asks to check)."""
    names, seen = [], set()
    operating = {u for u, _ in data.operating if u}
    for unit in [u for u, _ in data.operating] + [g[0] for g in data.projects + data.carryover_projects]:
        if unit and unit not in seen:
            seen.add(unit)
            names.append((unit, "行政单位" if unit in operating else "事业单位"))
    return names
