"""A workbook laid out the way the budget system (预算管理一体化系统) exports the approved tables.

A small fictitious department, 示例县退役军人事务局 (2025), stated here as the budget system
holds it: every amount in 元, per 项 and source. Each sheet prints it in 万元 the way the
system does — a merged title row, a 部门名称 / 单位 line, two header rows with merged cells
(laid out differently from budgetsite's own export), 合计 first, every total rounded from
the 元 sum (so a 类 may differ from the sum of its printed 项 by a cent: 尾差), blank cells
for zero, 科目编码 as text, projects indented under their 单位 with full-width spaces.

This is independent of any budget.yaml: tests import it and compare with what it states.
Run as a script to write ``示例县-2025-预算批复表.xlsx`` (or a path given as argument).
"""
from __future__ import annotations

import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml

YEAR = 2025
DEPARTMENT = "示例县退役军人事务局"
CENTRE = "示例县退役军人服务中心"
CODES = yaml.safe_load((Path(__file__).resolve().parent.parent / "builder/standards/codes/2025.yaml")
                       .read_text(encoding="utf-8"))

# 功能分类 项 -> {(kind, source, period): 元}
LINES = {
    "2010301": {("basic", "general", "current"): 44440},
    "2010350": {("basic", "general", "current"): 22240},
    "2080505": {("basic", "general", "current"): 201100},
    "2080506": {("basic", "general", "current"): 100550},
    "2080905": {("project", "general", "current"): 2000000, ("project", "general", "carryover"): 100000},
    "2082801": {("basic", "general", "current"): 1204500},
    "2082804": {("project", "general", "current"): 350000, ("project", "unit", "current"): 50000},
    "2082850": {("basic", "general", "current"): 603000},
    "2101101": {("basic", "general", "current"): 66650},
    "2101102": {("basic", "general", "current"): 33350},
    "2210201": {("basic", "general", "current"): 120000},
}
# 一般公共预算基本支出 by 经济分类: (部门经济分类 款, 政府经济分类 款, 元)
ECONOMIC = [
    ("30101", "50101", 600000), ("30101", "50501", 300000), ("30102", "50101", 400000),
    ("30108", "50102", 201100), ("30108", "50501", 100550), ("30110", "50102", 66650),
    ("30110", "50501", 33350), ("30113", "50103", 120000),
    ("30201", "50201", 150000), ("30217", "50206", 5000), ("30231", "50208", 30000),
    ("30299", "50299", 389180),
]
THREE_PUBLIC = {"abroad": 0, "reception": 5000, "vehicle_purchase": 0, "vehicle_operation": 30000}  # 一般公共预算
OPERATING = [(DEPARTMENT, 450000)]
PROJECTS = [  # (单位, [(项目, {source: 元})])
    (DEPARTMENT, [("拥军优属慰问经费", {"general": 350000, "unit": 50000}),
                  ("军转干部安置补助", {"general": 1200000})]),
    (CENTRE, [("军转干部安置服务经费", {"general": 800000})]),
]
CARRYOVER_PROJECTS = [(CENTRE, [("上年结转安置经费", {"general": 100000})])]
SOURCES = ["general", "fund", "soe", "special", "unit"]
PERSONNEL = ("301", "303")


def wan(yuan: int) -> Decimal:
    """元 -> 万元 as printed: two decimals, half up (the budget system rounds every cell)."""
    return (Decimal(yuan) / 10000).quantize(Decimal("0.01"), ROUND_HALF_UP)


def line_sum(prefix: str, pick) -> int:
    return sum(v for code, cells in LINES.items() if code.startswith(prefix)
               for cell, v in cells.items() if pick(*cell))


# column pickers: (kind, source, period) -> selected?
def ALL(k, s, p): return True
def CURRENT(k, s, p): return p == "current"
def CARRY(k, s, p): return p == "carryover"
def src(source, period=None): return lambda k, s, p: s == source and (period is None or p == period)
def kind(kd, base=ALL): return lambda k, s, p: k == kd and base(k, s, p)
def FISCAL(k, s, p): return s in ("general", "fund", "soe")


def subject_rows(columns, keep=ALL) -> list[list]:
    """合计, then 类 / 款 / 项 rows with a non-zero amount in the selected cells."""
    codes = sorted({c[:n] for c in LINES for n in (3, 5, 7)})
    rows = [["合计", ""] + [wan(line_sum("", lambda *c, f=f: f(*c) and keep(*c))) for f in columns]]
    for code in codes:
        values = [wan(line_sum(code, lambda *c, f=f: f(*c) and keep(*c))) for f in columns]
        if any(values):
            rows.append([code, CODES["functional"][code]] + values)
    return rows


def title_block(ws, title: str, width: int) -> None:
    ws.cell(row=1, column=1, value=title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=2, column=1, value=f"部门名称：{DEPARTMENT}")
    ws.cell(row=2, column=width, value="单位：万元")


def header(ws, top: int, cells) -> None:
    """cells: (row offset, column, text, rowspan, colspan)."""
    for dr, col, text, rowspan, colspan in cells:
        ws.cell(row=top + dr, column=col, value=text)
        if rowspan > 1 or colspan > 1:
            ws.merge_cells(start_row=top + dr, start_column=col,
                           end_row=top + dr + rowspan - 1, end_column=col + colspan - 1)


def body(ws, first: int, rows) -> int:
    r = first
    for row in rows:
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, Decimal):
                if value:  # blank for zero
                    cell.value = float(value)
                cell.number_format = "#,##0.00"
            else:
                cell.value = value if value != "" else None
                cell.number_format = "@"
        r += 1
    return r


def classes_rows(columns, keep=ALL) -> list[list]:
    """The 30 类 of the 收支总表, each with its ordinal."""
    from itertools import count

    n = count(1)
    cn = "零一二三四五六七八九"
    out = []
    for code, name in CODES["functional"].items():
        if len(code) != 3:
            continue
        i = next(n)
        tens, ones = divmod(i, 10)
        num = (("" if tens == 1 else cn[tens]) + "十" if tens else "") + (cn[ones] if ones or not tens else "")
        out.append([f"{num}、{name}"] + [wan(line_sum(code, lambda *c, f=f: f(*c) and keep(*c))) for f in columns])
    return out


def make(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    total = lambda f: wan(line_sum("", f))  # noqa: E731

    # 表1 收支总表
    ws = wb.create_sheet("1收支总表")
    title_block(ws, f"{YEAR}年预算收支总表", 6)
    header(ws, 3, [(0, 1, "收入", 1, 2), (0, 3, "支出", 1, 4),
                   (1, 1, "项目", 1, 1), (1, 2, f"{YEAR}年", 1, 1), (1, 3, "项目", 1, 1),
                   (1, 4, f"{YEAR}年合计", 1, 1), (1, 5, "当年预算安排", 1, 1), (1, 6, "上年结转安排", 1, 1)])
    left = [["一、一般公共预算", total(src("general", "current"))], ["二、政府性基金预算", total(src("fund", "current"))],
            ["三、国有资本经营预算", total(src("soe", "current"))], ["四、财政专户管理资金", total(src("special", "current"))],
            ["五、单位资金", total(src("unit", "current"))]]
    right = classes_rows([ALL, CURRENT, CARRY])
    rows = [(left[i] if i < len(left) else ["", Decimal(0)]) + right[i] for i in range(len(right))]
    rows += [["本年收入合计", total(CURRENT), "本年支出合计", total(ALL), total(CURRENT), total(CARRY)],
             ["上年结转", total(CARRY), "年终结转", Decimal(0), Decimal(0), Decimal(0)],
             ["收入总计", total(ALL), "支出总计", total(ALL), total(CURRENT), total(CARRY)]]
    body(ws, 5, rows)

    # 表2 收入总表: 科目编码 and 科目名称 each over two rows
    cols2 = [CURRENT] + [src(s, "current") for s in SOURCES] + [CARRY]
    ws = wb.create_sheet("2收入总表")
    title_block(ws, f"{YEAR}年预算收入总表", 9)
    header(ws, 3, [(0, 1, "科目编码", 2, 1), (0, 2, "科目名称", 2, 1), (0, 3, "本年收入", 1, 6),
                   (0, 9, "上年结转", 2, 1)] +
           [(1, 3 + i, t, 1, 1) for i, t in enumerate(
               ["合计", "一般公共预算", "政府性基金", "国有资本经营预算", "财政专户管理资金", "单位资金"])])
    body(ws, 5, subject_rows(cols2))

    # 表3 支出总表
    ws = wb.create_sheet("3支出总表")
    title_block(ws, f"{YEAR}年预算支出总表", 5)
    header(ws, 3, [(0, 1, "科目编码", 2, 1), (0, 2, "科目名称", 2, 1), (0, 3, f"{YEAR}年预算数", 1, 3),
                   (1, 3, "合计", 1, 1), (1, 4, "基本支出", 1, 1), (1, 5, "项目支出", 1, 1)])
    body(ws, 5, subject_rows([ALL, kind("basic"), kind("project")]))

    # 表4 财政拨款收支总表
    ws = wb.create_sheet("4财政拨款收支总表")
    title_block(ws, f"{YEAR}年财政拨款收支总表", 7)
    header(ws, 3, [(0, 1, "收入", 1, 2), (0, 3, "支出", 1, 5), (1, 1, "项目", 2, 1), (1, 2, "金额", 2, 1),
                   (1, 3, "项目", 2, 1), (1, 4, "金额", 1, 4), (2, 4, "小计", 1, 1), (2, 5, "一般公共预算", 1, 1),
                   (2, 6, "政府性基金预算", 1, 1), (2, 7, "国有资本经营预算", 1, 1)])
    fiscal = [FISCAL, src("general"), src("fund"), src("soe")]
    left = [["一、一般公共预算", total(src("general", "current"))], ["二、政府性基金预算", total(src("fund", "current"))],
            ["三、国有资本经营预算", total(src("soe", "current"))]]
    right = classes_rows(fiscal)
    rows = [(left[i] if i < len(left) else ["", Decimal(0)]) + right[i] for i in range(len(right))]
    fc = lambda *c: FISCAL(*c) and CARRY(*c)  # noqa: E731
    rows += [["本年收入合计", total(lambda *c: FISCAL(*c) and CURRENT(*c)), "本年支出合计"] + [total(f) for f in fiscal],
             ["上年财政拨款结转", total(fc), "年终结转"] + [Decimal(0)] * 4,
             ["一、一般公共预算", total(src("general", "carryover")), ""] + [Decimal(0)] * 4,
             ["二、政府性基金预算", total(src("fund", "carryover")), ""] + [Decimal(0)] * 4,
             ["三、国有资本经营预算", total(src("soe", "carryover")), ""] + [Decimal(0)] * 4,
             ["收入总计", total(FISCAL), "支出总计"] + [total(f) for f in fiscal]]
    body(ws, 6, rows)

    # 表5 一般公共预算支出 (当年)
    ws = wb.create_sheet("5一般公共预算支出表")
    title_block(ws, f"{YEAR}年一般公共预算支出预算表（不含上年结转）", 5)
    header(ws, 3, [(0, 1, "科目编码", 2, 1), (0, 2, "科目名称", 2, 1), (0, 3, f"{YEAR}年预算数", 1, 3),
                   (1, 3, "合计", 1, 1), (1, 4, "基本支出", 1, 1), (1, 5, "项目支出", 1, 1)])
    body(ws, 5, subject_rows([ALL, kind("basic"), kind("project")], src("general", "current")))

    # 表6 基本支出分经济科目
    ws = wb.create_sheet("6基本支出经济科目表")
    title_block(ws, f"{YEAR}年一般公共预算安排基本支出分经济科目表（不含上年结转）", 5)
    header(ws, 3, [(0, 1, "部门预算支出经济科目名称", 2, 1), (0, 2, "政府预算支出经济科目名称", 2, 1),
                   (0, 3, f"{YEAR}年预算数", 1, 3), (1, 3, "合计", 1, 1), (1, 4, "人员经费", 1, 1),
                   (1, 5, "公用经费", 1, 1)])
    assert sum(a for *_, a in ECONOMIC) == line_sum("", lambda k, s, p: k == "basic" and s == "general" and p == "current")

    def econ(records):
        people = sum(a for d, _, a in records if d[:3] in PERSONNEL)
        return [wan(sum(a for *_, a in records)), wan(people), wan(sum(a for *_, a in records) - people)]

    rows = [["合计", ""] + econ(ECONOMIC)]
    for cls in sorted({d[:3] for d, _, _ in ECONOMIC}):
        inside = [r for r in ECONOMIC if r[0].startswith(cls)]
        rows.append([CODES["economic_dept"][cls], ""] + econ(inside))
        rows += [[CODES["economic_dept"][d], CODES["economic_gov"][g]] + econ([(d, g, a)]) for d, g, a in inside]
    body(ws, 5, rows)

    # 表7, 表8, 表9: nothing (政府性基金, 国有资本经营): a 合计 row of blanks
    ws = wb.create_sheet("7政府性基金收入")
    title_block(ws, f"{YEAR}年政府性基金预算收入表（不含上年结转）", 3)
    header(ws, 3, [(0, 1, "收入科目编码", 2, 1), (0, 2, "科目名称", 2, 1), (0, 3, "政府性基金收入预算", 2, 1)])
    body(ws, 5, [["合计", "", Decimal(0)]])
    ws = wb.create_sheet("8政府性基金支出")
    title_block(ws, f"{YEAR}年政府性基金预算支出表（不含上年结转）", 5)
    header(ws, 3, [(0, 1, "科目编码", 2, 1), (0, 2, "科目名称", 2, 1), (0, 3, "本年预算", 1, 3),
                   (1, 3, "合计", 1, 1), (1, 4, "基本支出", 1, 1), (1, 5, "项目支出", 1, 1)])
    body(ws, 5, [["合计", "", Decimal(0), Decimal(0), Decimal(0)]])
    ws = wb.create_sheet("9国有资本经营")
    title_block(ws, f"{YEAR}年国有资本经营预算收支预算表（不含上年结转）", 8)
    header(ws, 3, [(0, 1, "国有资本经营预算收入", 1, 3), (0, 4, "国有资本经营预算支出", 1, 5),
                   (1, 1, "收入科目编码", 1, 1), (1, 2, "科目名称", 1, 1), (1, 3, "国有资本经营收入预算", 1, 1),
                   (1, 4, "科目编码", 1, 1), (1, 5, "科目名称", 1, 1), (1, 6, "合计", 1, 1),
                   (1, 7, "基本支出", 1, 1), (1, 8, "项目支出", 1, 1)])
    body(ws, 5, [["合计", "", Decimal(0), "", "", Decimal(0), Decimal(0), Decimal(0)]])

    # 表10 “三公”
    ws = wb.create_sheet("10三公经费")
    title_block(ws, f"{YEAR}年财政拨款安排“三公”经费支出预算表", 5)
    header(ws, 3, [(0, 1, "项目", 2, 1), (0, 2, f"{YEAR}年预算数", 1, 4), (1, 2, "合计", 1, 1),
                   (1, 3, "一般公共预算", 1, 1), (1, 4, "政府性基金预算", 1, 1), (1, 5, "国有资本经营预算", 1, 1)])
    tp = THREE_PUBLIC
    vehicle = tp["vehicle_purchase"] + tp["vehicle_operation"]
    items = [("合计", sum(tp.values())), ("1.因公出国（境）费", tp["abroad"]), ("2.公务接待费", tp["reception"]),
             ("3.公务用车购置及运行费", vehicle), ("其中：公务用车购置费", tp["vehicle_purchase"]),
             ("　　　公务用车运行维护费", tp["vehicle_operation"])]
    body(ws, 5, [[label, wan(a), wan(a), Decimal(0), Decimal(0)] for label, a in items])

    # 表11 机关运行经费
    ws = wb.create_sheet("11机关运行经费")
    title_block(ws, f"{YEAR}年财政拨款安排机关运行经费预算表", 5)
    header(ws, 3, [(0, 1, "单位名称", 2, 1), (0, 2, f"{YEAR}年预算数", 1, 4), (1, 2, "合计", 1, 1),
                   (1, 3, "一般公共预算", 1, 1), (1, 4, "政府性基金预算", 1, 1), (1, 5, "国有资本经营预算", 1, 1)])
    rows = [["部门合计"] + [wan(sum(a for _, a in OPERATING))] * 2 + [Decimal(0)] * 2]
    rows += [[u, wan(a), wan(a), Decimal(0), Decimal(0)] for u, a in OPERATING]
    body(ws, 5, rows)

    # 表12, 表13 项目支出: 单位 rows, projects indented (full-width spaces)
    def project_rows(groups, sources):
        def amounts(by):
            return [wan(sum(by.values()))] + [wan(by.get(s, 0)) for s in sources]
        everything: dict = {}
        for _, projects in groups:
            for _, by in projects:
                for s, a in by.items():
                    everything[s] = everything.get(s, 0) + a
        rows = [["合计"] + amounts(everything)]
        for unit, projects in groups:
            sub: dict = {}
            for _, by in projects:
                for s, a in by.items():
                    sub[s] = sub.get(s, 0) + a
            rows.append([unit] + amounts(sub))
            rows += [["　　" + name] + amounts(by) for name, by in projects]
        return rows

    ws = wb.create_sheet("12项目支出本年")
    title_block(ws, f"{YEAR}年项目支出预算表（本年预算）", 7)
    header(ws, 3, [(0, 1, "项目名称", 2, 1), (0, 2, "合计", 2, 1), (0, 3, f"{YEAR}年财政拨款", 1, 3),
                   (0, 6, "财政专户管理资金", 2, 1), (0, 7, "单位资金", 2, 1), (1, 3, "一般公共预算", 1, 1),
                   (1, 4, "政府性基金预算", 1, 1), (1, 5, "国有资本经营预算", 1, 1)])
    body(ws, 5, project_rows(PROJECTS, SOURCES))
    ws = wb.create_sheet("13项目支出上年结转")
    title_block(ws, f"{YEAR}年项目支出预算表（上年结转）", 5)
    header(ws, 3, [(0, 1, "项目名称", 2, 1), (0, 2, "合计", 2, 1), (0, 3, f"{YEAR}年财政拨款", 1, 3),
                   (1, 3, "一般公共预算", 1, 1), (1, 4, "政府性基金预算", 1, 1), (1, 5, "国有资本经营预算", 1, 1)])
    body(ws, 5, project_rows(CARRYOVER_PROJECTS, ["general", "fund", "soe"]))

    path = Path(path)
    wb.save(path)
    return path


if __name__ == "__main__":
    print(make(Path(sys.argv[1] if len(sys.argv) > 1 else f"示例县-{YEAR}-预算批复表.xlsx")))
