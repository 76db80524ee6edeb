"""A workbook laid out the way the Shanghai budget system exports the 9 部门预算表.

The figures are those of the example site examples/shanghai-wanli (上海市普陀区人民政府万里街道办事处,
2024), read from its ``content/2024/budget.yaml`` — nothing here is typed by hand — and the
names from ``builder/standards/codes/2024.yaml`` (``functional``, ``economic_dept``).

The layout follows the published tables (shared/seeds/shanghai-wanli-2024.txt), one sheet each:
a title row merged across the table, ``编制部门：…`` on the left and ``单位：元`` on the right
(table 9: ``单位：万元``), header rows with merged cells, then the body:

* 表2/3/5/6/7: 类 / 款 / 项 in three text columns (款 and 项 two-digit text: "05", "07"), the
  name, the amounts in 元 (ints, "#,##0", 0 printed as 0); 类, 款, 项 rows in code order
  (each 类 followed by its 款, each 款 by its 项), the 合计 row LAST; an empty table (6, 7) is
  its header and a 合计 row with no amounts;
* 表1/4 side by side: income label | amount on the left, expense 类 (only the non-empty ones,
  numbered 一、二、…) on the right, zeros left blank, 收入总计 / 支出总计 last;
* 表8: 类 / 款 (部门预算经济分类), name, 合计 | 人员经费 (301, 303) | 公用经费 (302);
* 表9: the one-row layout (合计, 因公出国(境)费, 公务接待费, 公务用车购置及运行费 小计 / 购置费 /
  运行费, 机关运行经费预算数) in 万元, two decimals ("0.00"), converted from 元 exactly
  (Decimal, ROUND_HALF_UP).

budget.yaml shape read here: ``lines: {项 code: {basic: A, project: A}}`` where A is a number
(一般公共预算, 当年) or a mapping by source (``{general: 100, fund: 20}``);
``basic_by_economic.records: [{dept, amount}]``; ``three_public: {abroad, reception,
vehicle_purchase, vehicle_operation}``; ``operating_costs: [{amount}]`` — all in 元.
Income columns: 财政拨款 = general + fund + soe; 事业收入 = business; 事业单位经营收入 =
operating; 其他收入 = every other source.

Use ``make(path)`` (optionally with ``budget=`` / ``codes=`` / ``edition=`` dicts instead of
the files); run as a script to write ``万里街道-2024-部门预算表.xlsx`` (or a path given as argument).
"""
from __future__ import annotations

import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_workbook import header  # noqa: E402  (the same merged-header helper)

ROOT = Path(__file__).resolve().parent.parent
EDITION_DIR = ROOT / "examples" / "shanghai-wanli" / "content" / "2024"
BUDGET = EDITION_DIR / "budget.yaml"
EDITION = EDITION_DIR / "edition.yaml"
CODES = ROOT / "builder" / "standards" / "codes" / "2024.yaml"
DEPARTMENT = "上海市普陀区人民政府万里街道办事处"
YEAR = 2024

FISCAL = ("general", "fund", "soe")
PERSONNEL = ("301", "303")          # 人员经费; 302 is 公用经费
KINDS = ("basic", "project")
YUAN = "#,##0"
WAN = "0.00"
CN = "零一二三四五六七八九"

SHEETS = [
    "1 财务收支预算总表",
    "2 收入预算总表",
    "3 支出预算总表",
    "4 财政拨款收支预算总表",
    "5 一般公共预算支出功能分类",
    "6 政府性基金预算支出功能分类",
    "7 国有资本经营预算支出功能分类",
    "8 一般公共预算基本支出经济分类",
    "9 三公经费和机关运行经费",
]


# --------------------------------------------------------------------------- figures


def dec(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(f"not an amount: {value!r}")
    return Decimal(str(value))


def by_source(value) -> dict[str, Decimal]:
    """A bare amount is 一般公共预算; a mapping is {source: amount}."""
    if isinstance(value, dict):
        return {str(s): dec(v) for s, v in value.items()}
    return {"general": dec(value)}


def wan(yuan: Decimal) -> Decimal:
    """元 -> 万元 as printed: two decimals, half up."""
    return (Decimal(yuan) / 10000).quantize(Decimal("0.01"), ROUND_HALF_UP)


def ordinal(i: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一."""
    tens, ones = divmod(i, 10)
    return ((("" if tens == 1 else CN[tens]) + "十") if tens else "") + (CN[ones] if ones or not tens else "")


class Figures:
    """The budget.yaml figures as cells: {(项 code, kind, source): 元}."""

    def __init__(self, budget: dict, codes: dict):
        self.functional = codes["functional"]
        self.economic = codes["economic_dept"]
        self.cells: dict[tuple[str, str, str], Decimal] = {}
        for code, line in (budget.get("lines") or {}).items():
            code = str(code)
            if len(code) != 7 or not code.isdigit():
                raise ValueError(f"lines: {code!r} is not a 7-digit 项 code")
            if not isinstance(line, dict) or set(line) - set(KINDS):
                raise ValueError(f"lines.{code}: expected {{basic: …, project: …}}, got {line!r}")
            for kind, value in line.items():
                for source, amount in by_source(value).items():
                    key = (code, kind, source)
                    self.cells[key] = self.cells.get(key, Decimal(0)) + amount

        econ = budget.get("basic_by_economic") or {}
        self.economic_records: dict[str, Decimal] = {}
        for record in econ.get("records") or []:
            dept = str(record["dept"])
            amount = by_source(record["amount"]).get("general", Decimal(0))
            self.economic_records[dept] = self.economic_records.get(dept, Decimal(0)) + amount
        basic = self.sum(kind="basic", sources=("general",))
        if self.economic_records and sum(self.economic_records.values()) != basic:
            raise ValueError(f"basic_by_economic.records add up to {sum(self.economic_records.values())}, "
                             f"the 一般公共预算 basic lines to {basic}")

        tp = budget.get("three_public") or {}
        self.three_public = {k: sum(by_source(tp.get(k, 0)).values(), Decimal(0))
                             for k in ("abroad", "reception", "vehicle_purchase", "vehicle_operation")}
        self.operating = sum((sum(by_source(r["amount"]).values(), Decimal(0))
                              for r in budget.get("operating_costs") or []), Decimal(0))

    def sum(self, prefix: str = "", kind: str | None = None, sources=None) -> Decimal:
        return sum((v for (code, k, s), v in self.cells.items()
                    if code.startswith(prefix) and (kind is None or k == kind)
                    and (sources is None or s in sources)), Decimal(0))

    def sources(self) -> set[str]:
        return {s for _, _, s in self.cells}

    def name(self, code: str) -> str:
        try:
            return self.functional[code]
        except KeyError:
            raise KeyError(f"功能分类 {code} has no name in the codes file") from None

    def subject_codes(self, sources=None) -> list[str]:
        """类, 款, 项 codes with a non-zero amount, depth first (201, 20105, 2010507, 20129 …)."""
        items = {c for (c, _, s), v in self.cells.items() if v and (sources is None or s in sources)}
        return sorted({c[:n] for c in items for n in (3, 5, 7)})

    def classes(self, sources=None) -> list[str]:
        """The non-empty 类, in the order of the codes file (that of the 收支总表)."""
        used = {c[:3] for c in self.subject_codes(sources)}
        listed = [c for c in self.functional if len(str(c)) == 3 and str(c) in used]
        return listed + sorted(used - set(listed))


# --------------------------------------------------------------------------- sheet helpers


def title_block(ws, title: str, width: int, department: str, unit: str = "元") -> None:
    ws.cell(row=1, column=1, value=title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=2, column=1, value=f"编制部门：{department}")
    ws.cell(row=2, column=width, value=f"单位：{unit}")


class Blank:
    """An amount cell printed blank (the table prints nothing for zero)."""


BLANK = Blank()


def zero_blank(value: Decimal):
    return value if value else BLANK


def body(ws, first: int, rows, number_format: str = YUAN) -> int:
    """Write rows from row ``first``: str -> text cell ("" -> empty), Decimal -> number
    (int for 元), BLANK -> empty amount cell.  Returns the next free row."""
    r = first
    for row in rows:
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, Decimal):
                if number_format == YUAN:
                    if value != value.to_integral_value():
                        raise ValueError(f"{ws.title}: {value} is not a whole 元")
                    cell.value = int(value)
                else:
                    cell.value = float(value)
                cell.number_format = number_format
            elif value is BLANK:
                cell.number_format = number_format
            else:
                cell.value = value if value != "" else None
                cell.number_format = "@"
        r += 1
    return r


def code_cells(code: str) -> list[str]:
    """'2010507' -> ['201', '05', '07']; '201' -> ['201', '', '']."""
    return [code[:3], code[3:5], code[5:7]]


def subject_table(ws, fig: Figures, title: str, heading: str, columns, department: str,
                  sources=None) -> None:
    """表2/3/5/6/7: 类 | 款 | 项 | 名称 | amounts; 合计 last (a blank 合计 for an empty table)."""
    labels = [label for label, _ in columns]
    width = 4 + len(columns)
    title_block(ws, title, width, department)
    header(ws, 3, [(0, 1, "项目", 1, 4), (0, 5, heading, 1, len(columns)),
                   (1, 1, "功能分类科目编码", 1, 3), (1, 4, "功能分类科目名称", 2, 1)]
           + [(1, 5 + i, label, 2, 1) for i, label in enumerate(labels)]
           + [(2, 1, "类", 1, 1), (2, 2, "款", 1, 1), (2, 3, "项", 1, 1)])
    codes = fig.subject_codes(sources)
    rows = [code_cells(code) + [fig.name(code)] + [pick(code) for _, pick in columns] for code in codes]
    rows.append(["合计", "", "", ""] + ([pick("") for _, pick in columns] if codes else [BLANK] * len(columns)))
    last = body(ws, 6, rows) - 1
    ws.merge_cells(start_row=last, start_column=1, end_row=last, end_column=4)


# --------------------------------------------------------------------------- workbook


def make(path: Path, budget: dict | None = None, codes: dict | None = None,
         edition: dict | None = None) -> Path:
    from openpyxl import Workbook

    def load(p: Path) -> dict:
        return yaml.safe_load(p.read_text(encoding="utf-8")) or {}

    budget = load(BUDGET) if budget is None else budget
    codes = load(CODES) if codes is None else codes
    if edition is None:
        edition = load(EDITION) if EDITION.exists() else {}
    department = edition.get("department", DEPARTMENT)
    year = edition.get("year", YEAR)
    fig = Figures(budget, codes)
    others = tuple(sorted(fig.sources() - set(FISCAL) - {"business", "operating"}))

    wb = Workbook()
    wb.remove(wb.active)
    sheets = iter(SHEETS)

    # 表1 财务收支预算总表: 本年收入 | 本年支出, zeros blank
    ws = wb.create_sheet(next(sheets))
    title_block(ws, f"{year}年部门财务收支预算总表", 4, department)
    header(ws, 3, [(0, 1, "本年收入", 1, 2), (0, 3, "本年支出", 1, 2),
                   (1, 1, "项目", 1, 1), (1, 2, "预算数", 1, 1), (1, 3, "项目", 1, 1), (1, 4, "预算数", 1, 1)])
    income = [("一、财政拨款收入", fig.sum(sources=FISCAL)), ("1. 一般公共预算资金", fig.sum(sources=("general",))),
              ("2. 政府性基金", fig.sum(sources=("fund",))), ("3. 国有资本经营预算", fig.sum(sources=("soe",))),
              ("二、事业收入", fig.sum(sources=("business",))), ("三、事业单位经营收入", fig.sum(sources=("operating",))),
              ("四、其他收入", fig.sum(sources=others))]
    expense = [(f"{ordinal(i)}、{fig.name(c)}", fig.sum(c)) for i, c in enumerate(fig.classes(), 1)]
    rows = []
    for i in range(max(len(income), len(expense))):
        left = [income[i][0], zero_blank(income[i][1])] if i < len(income) else ["", BLANK]
        right = [expense[i][0], zero_blank(expense[i][1])] if i < len(expense) else ["", BLANK]
        rows.append(left + right)
    rows.append(["收入总计", zero_blank(fig.sum()), "支出总计", zero_blank(fig.sum())])
    body(ws, 5, rows)

    # 表2 收入预算总表
    ws = wb.create_sheet(next(sheets))
    subject_table(ws, fig, f"{year}年部门收入预算总表", "收入预算", [
        ("合计", lambda c: fig.sum(c)),
        ("财政拨款收入", lambda c: fig.sum(c, sources=FISCAL)),
        ("事业收入", lambda c: fig.sum(c, sources=("business",))),
        ("事业单位经营收入", lambda c: fig.sum(c, sources=("operating",))),
        ("其他收入", lambda c: fig.sum(c, sources=others)),
    ], department)

    # 表3 支出预算总表
    ws = wb.create_sheet(next(sheets))
    subject_table(ws, fig, f"{year}年部门支出预算总表", "支出预算", [
        ("合计", lambda c: fig.sum(c)),
        ("基本支出", lambda c: fig.sum(c, kind="basic")),
        ("项目支出", lambda c: fig.sum(c, kind="project")),
    ], department)

    # 表4 财政拨款收支预算总表: zeros blank
    ws = wb.create_sheet(next(sheets))
    title_block(ws, f"{year}年部门财政拨款收支预算总表", 7, department)
    header(ws, 3, [(0, 1, "财政拨款收入", 1, 2), (0, 3, "财政拨款支出", 1, 5),
                   (1, 1, "项目", 1, 1), (1, 2, "预算数", 1, 1), (1, 3, "项目", 1, 1), (1, 4, "合计", 1, 1),
                   (1, 5, "一般公共预算", 1, 1), (1, 6, "政府性基金预算", 1, 1), (1, 7, "国有资本经营预算", 1, 1)])
    income = [("一、一般公共预算资金", fig.sum(sources=("general",))), ("二、政府性基金", fig.sum(sources=("fund",))),
              ("三、国有资本经营预算", fig.sum(sources=("soe",)))]

    def fiscal_cells(prefix: str) -> list:
        return [zero_blank(fig.sum(prefix, sources=s)) for s in (FISCAL, ("general",), ("fund",), ("soe",))]

    expense = [[f"{ordinal(i)}、{fig.name(c)}"] + fiscal_cells(c) for i, c in enumerate(fig.classes(FISCAL), 1)]
    rows = []
    for i in range(max(len(income), len(expense))):
        left = [income[i][0], zero_blank(income[i][1])] if i < len(income) else ["", BLANK]
        rows.append(left + (expense[i] if i < len(expense) else [""] + [BLANK] * 4))
    rows.append(["收入总计", zero_blank(fig.sum(sources=FISCAL)), "支出总计"] + fiscal_cells(""))
    body(ws, 5, rows)

    # 表5/6/7 一般公共预算 / 政府性基金 / 国有资本经营预算 支出功能分类
    for source, title, heading in (
            ("general", "一般公共预算支出功能分类预算表", "一般公共预算支出"),
            ("fund", "政府性基金预算支出功能分类预算表", "政府性基金预算支出"),
            ("soe", "国有资本经营预算支出功能分类预算表", "国有资本经营预算支出")):
        ws = wb.create_sheet(next(sheets))
        only = (source,)
        subject_table(ws, fig, f"{year}年部门{title}", heading, [
            ("合计", lambda c, only=only: fig.sum(c, sources=only)),
            ("基本支出", lambda c, only=only: fig.sum(c, kind="basic", sources=only)),
            ("项目支出", lambda c, only=only: fig.sum(c, kind="project", sources=only)),
        ], department, sources=only)

    # 表8 一般公共预算基本支出 部门预算经济分类
    ws = wb.create_sheet(next(sheets))
    title_block(ws, f"{year}年部门一般公共预算基本支出部门预算经济分类预算表", 6, department)
    header(ws, 3, [(0, 1, "项目", 1, 3), (0, 4, "一般公共预算基本支出", 1, 3),
                   (1, 1, "部门预算经济分类科目编码", 1, 2), (1, 3, "经济分类科目名称", 2, 1),
                   (1, 4, "合计", 2, 1), (1, 5, "人员经费", 2, 1), (1, 6, "公用经费", 2, 1),
                   (2, 1, "类", 1, 1), (2, 2, "款", 1, 1)])
    records = fig.economic_records

    def econ(prefix: str) -> list[Decimal]:
        inside = {d: a for d, a in records.items() if d.startswith(prefix)}
        total = sum(inside.values(), Decimal(0))
        people = sum((a for d, a in inside.items() if d[:3] in PERSONNEL), Decimal(0))
        return [total, people, total - people]

    def econ_name(code: str) -> str:
        try:
            return fig.economic[code]
        except KeyError:
            raise KeyError(f"部门预算经济分类 {code} has no name in the codes file") from None

    rows = [[code[:3], code[3:5], econ_name(code)] + econ(code)
            for code in sorted({d[:n] for d, a in records.items() if a for n in (3, 5)})]
    rows.append(["合计", "", ""] + (econ("") if rows else [BLANK] * 3))
    last = body(ws, 6, rows) - 1
    ws.merge_cells(start_row=last, start_column=1, end_row=last, end_column=3)

    # 表9 “三公”经费和机关运行经费 (万元)
    ws = wb.create_sheet(next(sheets))
    title_block(ws, "部门“三公”经费和机关运行经费预算表", 7, department, unit="万元")
    header(ws, 3, [(0, 1, f"{year}年“三公”经费预算数", 1, 6), (0, 7, f"{year}年机关运行经费预算数", 3, 1),
                   (1, 1, "合计", 2, 1), (1, 2, "因公出国(境)费", 2, 1), (1, 3, "公务接待费", 2, 1),
                   (1, 4, "公务用车购置及运行费", 1, 3),
                   (2, 4, "小计", 1, 1), (2, 5, "购置费", 1, 1), (2, 6, "运行费", 1, 1)])
    tp = fig.three_public
    vehicle = tp["vehicle_purchase"] + tp["vehicle_operation"]
    body(ws, 6, [[wan(sum(tp.values(), Decimal(0))), wan(tp["abroad"]), wan(tp["reception"]), wan(vehicle),
                  wan(tp["vehicle_purchase"]), wan(tp["vehicle_operation"]), wan(fig.operating)]],
         number_format=WAN)

    path = Path(path)
    wb.save(path)
    return path


if __name__ == "__main__":
    print(make(Path(sys.argv[1] if len(sys.argv) > 1 else f"万里街道-{YEAR}-部门预算表.xlsx")))
