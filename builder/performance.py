"""绩效目标表: the performance-target tables of an edition, as typed content.

One YAML file per table under ``content/<year>/performance/`` (read in file-name order).
The annotations below are the schema (see :mod:`builder.schema`); ``type`` picks the table:

* ``project`` (default) — 项目支出绩效目标表: header facts, 项目资金 by source (元) for
  实施期 and 年度, the text rows, 总体目标, and the indicator tree 一级 → 二级 → 三级 with a
  指标值 for 实施期 and for 年度;
* ``department`` — 部门整体支出绩效目标表;
* ``special_summary`` — 专项资金绩效目标汇总表;
* ``special_direction`` — 专项资金支出方向绩效目标表 (with 支出明细及测算).

A 指标值 keeps its text as written and is also parsed (:func:`parse_value`) into operator,
number and unit when it is quantitative ("≥75人", "400元/人", "100%"); qualitative values
("有效提升") stay text. Where the source is cut off or blank, a cell is written as
``{text: …, truncated: true}`` and the table lists its ``gaps`` — nothing is made up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Literal

from .errors import BudgetError, Pos
from .model import ZERO
from .schema import convert, read
from .yamlload import YMap, load_yaml

# --------------------------------------------------------------------------- 指标值

#: Operators as written -> the canonical one.
OPERATORS = {
    "≥": "≥", ">=": "≥", "≧": "≥", "＞＝": "≥", "不低于": "≥", "不少于": "≥",
    "≤": "≤", "<=": "≤", "≦": "≤", "＜＝": "≤", "不高于": "≤", "不超过": "≤",
    ">": ">", "＞": ">", "<": "<", "＜": "<", "=": "=", "＝": "=",
}
#: Measure words a unit is made of ("元/人/月" = 元 / 人 / 月).
UNIT_WORDS = sorted({
    "%", "‰", "％",
    "元", "万元", "亿元", "千元",
    "人", "名", "户", "人次", "户次", "家", "所", "个", "项", "件", "份", "册", "本", "篇", "部",
    "套", "台", "辆", "架", "张", "盏", "间", "栋", "座", "处", "条", "块", "株", "棵", "组",
    "批", "场", "期", "次", "批次", "单", "笔", "宗", "起", "例", "床", "支", "只", "头",
    "年", "月", "个月", "日", "天", "周", "小时", "分钟", "工作日", "个工作日", "季度", "学时", "课时",
    "平方米", "㎡", "米", "公里", "千米", "亩", "公顷", "吨", "千克", "公斤", "立方米", "分",
}, key=len, reverse=True)

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_OPS = sorted(OPERATORS, key=len, reverse=True)


@dataclass(frozen=True)
class Value:
    """A 指标值: the text as written and, when quantitative, operator, number and unit."""

    text: str
    op: str | None = None
    number: Decimal | None = None
    unit: str | None = None

    @property
    def quantitative(self) -> bool:
        return self.number is not None

    @property
    def looks_quantitative(self) -> bool:
        """Starts with an operator or a digit: meant as a quantity."""
        t = self.text.strip()
        return bool(t) and (t[0].isdigit() or any(t.startswith(op) for op in _OPS))

    @property
    def has_operator(self) -> bool:
        t = self.text.strip()
        return any(t.startswith(op) for op in _OPS)


def _unit_ok(unit: str) -> bool:
    if unit == "":
        return True
    for part in unit.split("/"):
        if part not in UNIT_WORDS:
            return False
    return True


def parse_value(text: str) -> Value:
    """Parse a 指标值: ``"≥75人"`` → (≥, 75, 人); ``"100%"`` → (=, 100, %); else text only."""
    raw = "" if text is None else str(text)
    t = re.sub(r"\s+", "", raw)
    op = "="
    for candidate in _OPS:
        if t.startswith(candidate):
            op, t = OPERATORS[candidate], t[len(candidate):]
            break
    m = _NUMBER.match(t)
    if not m:
        return Value(raw)
    unit = t[m.end():].replace("％", "%")
    if not _unit_ok(unit):
        return Value(raw)
    return Value(raw, op, Decimal(m.group(0).replace(",", "")), unit)


# --------------------------------------------------------------------------- 指标 tree

def norm(name: str) -> str:
    """An indicator level name without spaces and the trailing 指标: "经济效益指标" → "经济效益"."""
    name = re.sub(r"\s+", "", str(name))
    return name[:-2] if name.endswith("指标") and len(name) > 2 else name


SATISFACTION = {"服务对象满意度", "社会公众及服务对象满意度", "社会公众或服务对象满意度", "满意度"}
#: The standard 一级 → 二级 (names without 指标). 效益 may hold 服务对象满意度 (the
#: 2015 framework, 财预〔2015〕88号); 成本 may be a 一级 of its own (2021 framework).
LEVELS = {
    "产出": {"数量", "质量", "时效", "成本"},
    "效益": {"经济效益", "社会效益", "生态效益", "可持续影响", "可持续发展"} | SATISFACTION,
    "满意度": SATISFACTION,
    "成本": {"经济成本", "社会成本", "生态环境成本", "成本"},
}
#: 二级 where a 指标值 is expected to be a quantity (number and unit).
QUANTITATIVE = {"数量", "成本", "经济成本", "社会成本", "生态环境成本"} | SATISFACTION


def level1_of(level2: str) -> list[str]:
    """The 一级 names (normalized) that admit this 二级."""
    return [l1 for l1, l2s in LEVELS.items() if norm(level2) in l2s]


@dataclass(frozen=True)
class Cell:
    """A cell's text as printed; ``truncated`` when the source cuts it off."""

    DESCRIPTION = "text, or {text: …, truncated: true, note: …}"
    text: str = ""
    truncated: bool = False
    note: str | None = None

    @classmethod
    def from_yaml(cls, value, pos: Pos, what: str) -> Cell:
        if isinstance(value, YMap):
            return read(value, cls, pos, what)
        text = "" if value is None else convert(value, str, pos, what)
        obj = cls(text=text)
        object.__setattr__(obj, "pos", pos)
        object.__setattr__(obj, "where", {"text": pos})
        return obj

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Indicator:
    """A 三级指标 and its 指标值: ``value`` for both 实施期 and 年度, or ``period`` / ``year``."""

    DESCRIPTION = "an indicator {name, value} or {name, period, year}"
    name: Cell
    value: Cell | None = None       # the same 指标值 for 实施期 and 年度 (or the only one)
    period: Cell | None = None      # 实施期 指标值
    year: Cell | None = None        # 年度 指标值
    year_name: Cell | None = None   # the 年度 side's 三级 name, when printed differently
    standard: str | None = None     # 绩效标准 (专项资金支出方向表)

    @property
    def period_value(self) -> Cell | None:
        return self.value if self.value is not None else self.period

    @property
    def year_value(self) -> Cell | None:
        return self.value if self.value is not None else self.year

    @property
    def year_label(self) -> Cell | None:
        """The 三级 name shown on the 年度 side (none when that side is blank)."""
        if self.year_name is not None:
            return self.year_name
        return self.name if self.year_value is not None else None

    def values(self):
        """(field, Cell) of each 指标值 given."""
        for key in ("value", "period", "year"):
            cell = getattr(self, key)
            if cell is not None:
                yield key, cell


#: 一级 → 二级 → [三级]; mapping order is print order.
Indicators = dict[str, dict[str, list[Indicator]]]


@dataclass(frozen=True)
class Footer:
    """负责人 / 经办人 (填表人) / 联系电话 / 填报日期, as printed."""

    head: str | None = None
    handler: str | None = None
    phone: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Gap:
    """Something the source does not give (cut off, blank, redacted): where, and what."""

    at: str
    note: str


@dataclass(frozen=True)
class Review:
    """A finding the department has looked at and accepts (e.g. a figure printed as the
    budget system gave it): the check reports it as a note, with this note, not a warning."""

    rule: str
    note: str
    indicator: str | None = None   # only for this 三级指标 (by name); all of the table's otherwise


@dataclass(frozen=True)
class Goals:
    period: Cell = field(default_factory=Cell)  # 实施期目标
    year: Cell = field(default_factory=Cell)    # 年度目标


# --------------------------------------------------------------------------- project table

#: 项目资金 sources, in print order.
FUND_SOURCES = {
    "central": "其中：中央财政资金",
    "provincial": "省级财政资金",
    "local": "市县（区）财政资金",
    "own": "单位自筹",
    "other": "其他资金",
}


@dataclass(frozen=True)
class Funds:
    """Amounts by source in 元; a source left out prints blank. The total is their sum."""

    central: Decimal | None = None
    provincial: Decimal | None = None
    local: Decimal | None = None
    own: Decimal | None = None
    other: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return sum((getattr(self, s) or ZERO for s in FUND_SOURCES), ZERO)


@dataclass(frozen=True)
class ProjectFunds:
    period: Funds = field(default_factory=Funds)  # 实施期资金
    year: Funds = field(default_factory=Funds)    # 年度资金


@dataclass(frozen=True)
class BudgetItem:
    """The project's line(s) in the 项目支出 table (the format's 项目支出 table): 单位 and 项目名称 as printed there.

    ``entry`` picks one of several lines with the same name (1 = the first printed); without
    it, every line of that name is the project's.
    """

    unit: str
    name: str
    entry: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class ProjectTable:
    """项目支出绩效目标表."""

    type: Literal["project"] = "project"
    title: str = "项目支出绩效目标表"
    name: Cell = field(default_factory=Cell)        # 项目名称
    department: str = ""                             # 主管部门及代码
    unit: str = ""                                   # 实施单位
    attribute: Cell = field(default_factory=Cell)   # 项目属性
    period: Cell = field(default_factory=Cell)      # 项目期
    kind: Literal["运转类", "特定目标类"] | None = None
    budget_item: BudgetItem | None = None
    funds: ProjectFunds = field(default_factory=ProjectFunds)
    overview: Cell = field(default_factory=Cell)    # 项目概况
    basis: Cell = field(default_factory=Cell)       # 立项依据
    necessity: Cell = field(default_factory=Cell)   # 项目设立必要性
    measures: Cell = field(default_factory=Cell)    # 保证项目实施的制度、措施
    plan: Cell = field(default_factory=Cell)        # 项目实施计划
    goals: Goals = field(default_factory=Goals)     # 总体目标
    indicators: Indicators = field(default_factory=dict)
    footer: Footer = field(default_factory=Footer)
    redacted: bool = False                           # the source shows no content
    gaps: list[Gap] = field(default_factory=list)
    reviewed: list[Review] = field(default_factory=list)
    source: str | None = None                        # where the content was taken from

    amount_unit = "元"


TEXT_ROWS = (("overview", "项目概况"), ("basis", "立项依据"), ("necessity", "项目设立必要性"),
             ("measures", "保证项目实施的制度、措施"), ("plan", "项目实施计划"))


# --------------------------------------------------------------------------- department-wide

@dataclass(frozen=True)
class DepartmentFunds:
    """年度预算申请: by 收入性质 (their sum is the 资金总额) and by 支出性质."""

    general: Decimal | None = None   # 一般公共预算拨款
    fund: Decimal | None = None      # 政府性基金拨款
    other: Decimal | None = None     # 其他资金
    basic: Decimal | None = None     # 基本支出
    project: Decimal | None = None   # 项目支出

    @property
    def total(self) -> Decimal:
        return sum((x or ZERO for x in (self.general, self.fund, self.other)), ZERO)

    @property
    def by_expense(self) -> Decimal:
        return (self.basic or ZERO) + (self.project or ZERO)


@dataclass(frozen=True)
class WorkItem:
    """年度重点工作计划: 事项, 责任单位/科室, 工作目标."""

    item: str = ""
    owner: str = ""
    target: Cell = field(default_factory=Cell)


@dataclass(frozen=True)
class DepartmentTable:
    """部门整体支出绩效目标表."""

    type: Literal["department"]
    department: str                                   # 部门名称
    title: str = "部门整体支出绩效目标表"
    amount_unit: Literal["万元", "元"] = "万元"
    funds: DepartmentFunds = field(default_factory=DepartmentFunds)
    duties: Cell = field(default_factory=Cell)        # 部门职责概述
    work_plan: list[WorkItem] = field(default_factory=list)
    indicators: Indicators = field(default_factory=dict)
    footer: Footer = field(default_factory=Footer)
    gaps: list[Gap] = field(default_factory=list)
    reviewed: list[Review] = field(default_factory=list)
    source: str | None = None


# --------------------------------------------------------------------------- 专项资金

@dataclass(frozen=True)
class SummaryRow:
    """A 专项 in the 汇总表; its amount is its 支出方向 table's unless given."""

    number: str
    name: str
    period_goal: Cell = field(default_factory=Cell)
    year_goal: Cell = field(default_factory=Cell)
    amount: Decimal | None = None


@dataclass(frozen=True)
class SpecialSummary:
    """专项资金绩效目标汇总表."""

    type: Literal["special_summary"]
    title: str = "专项资金绩效目标汇总表"
    amount_unit: Literal["万元", "元"] = "万元"
    total_goals: Goals = field(default_factory=Goals)   # the 合计 row's goals
    rows: list[SummaryRow] = field(default_factory=list)
    footer: Footer = field(default_factory=Footer)
    gaps: list[Gap] = field(default_factory=list)
    reviewed: list[Review] = field(default_factory=list)
    source: str | None = None


@dataclass(frozen=True)
class Detail:
    """支出明细及测算: 支出内容简介, 支出明细, 金额, 支出测算依据及过程说明."""

    summary: Cell = field(default_factory=Cell)
    detail: Cell = field(default_factory=Cell)
    amount: Decimal | None = None
    basis: Cell = field(default_factory=Cell)


@dataclass(frozen=True)
class SpecialDirection:
    """专项资金支出方向绩效目标表 (one 支出方向 / 子项 of a 专项)."""

    type: Literal["special_direction"]
    name: str                                          # 支出方向（子项）
    special: str                                       # 所属专项 名称
    amount: Decimal                                    # 项目金额
    title: str = "专项资金支出方向绩效目标表"
    amount_unit: Literal["万元", "元"] = "万元"
    period: Cell = field(default_factory=Cell)         # 项目实施期
    goals: Goals = field(default_factory=Goals)        # 实施期 / 年度绩效目标
    indicators: Indicators = field(default_factory=dict)
    details: list[Detail] = field(default_factory=list)
    footer: Footer = field(default_factory=Footer)
    gaps: list[Gap] = field(default_factory=list)
    reviewed: list[Review] = field(default_factory=list)
    source: str | None = None


TYPES = {"project": ProjectTable, "department": DepartmentTable,
         "special_summary": SpecialSummary, "special_direction": SpecialDirection}
Table = ProjectTable | DepartmentTable | SpecialSummary | SpecialDirection


# --------------------------------------------------------------------------- loading

def _anchor(stem: str, index: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")
    return f"perf-{slug}" if slug and slug == stem else f"perf-{index}"


def load_performance(root: Path, folder: str) -> list:
    """Every table of ``<folder>/performance/*.yaml``, in file-name order; [] without the folder."""
    base = Path(root) / folder / "performance"
    if not base.is_dir():
        return []
    tables = []
    for index, path in enumerate(sorted(base.glob("*.yaml")), start=1):
        shown = f"{folder}/performance/{path.name}"
        data = load_yaml(path, shown)
        if not isinstance(data, YMap):
            raise BudgetError(Pos(shown, 1), "a 绩效目标表 file should be a mapping (key: value)")
        kind = data.get("type", "project")
        if kind not in TYPES:
            raise BudgetError(data.key_pos.get("type", data.pos),
                              f"type: '{kind}' should be one of {', '.join(TYPES)}")
        table = read(data, TYPES[kind], Pos(shown, 1), path.name)
        _validate(table)
        object.__setattr__(table, "file", shown)
        object.__setattr__(table, "anchor", _anchor(path.stem, index))
        tables.append(table)
    return tables


def _validate(table) -> None:
    """Shape rules the schema cannot say (each a one-line error)."""
    for _l1, _l2, item, pos in walk(getattr(table, "indicators", {})):
        if item.value is not None and (item.period is not None or item.year is not None):
            raise BudgetError(pos, "an indicator has either value (both columns) or period/year, not both")
    if isinstance(table, ProjectTable) and not table.redacted and not table.name.text:
        raise BudgetError(table.pos, "missing 项目名称: give name (or redacted: true when the source hides it)")


def walk(indicators):
    """(一级, 二级, Indicator, pos) for every 三级, in print order."""
    for l1, groups in indicators.items():
        for l2, items in (groups or {}).items():
            for item, pos in zip(items, items.item_pos):
                yield l1, l2, item, pos


# --------------------------------------------------------------------------- layout for render

def indicator_rows(indicators) -> list[dict]:
    """The indicator block as rows; 一级 and 二级 cells carry the rowspan of their rows.

    A 二级 with no 三级 (e.g. 生态效益) still gets one row, as the standard prints it.
    """
    rows: list[dict] = []
    for l1, groups in indicators.items():
        groups = groups or {}
        first_l1 = len(rows)
        if not groups:
            rows.append({"l1": l1, "l2": "", "l2_span": 1, "item": None})
        for l2, items in groups.items():
            span = max(1, len(items))
            for i in range(span):
                row = {"item": items[i] if items else None}
                if i == 0:
                    row["l2"], row["l2_span"] = l2, span
                rows.append(row)
        rows[first_l1]["l1"] = l1
        rows[first_l1]["l1_span"] = len(rows) - first_l1
    return rows


def has_truncated(obj) -> bool:
    """Whether any cell of a table (at any depth) is marked truncated."""
    if isinstance(obj, Cell):
        return obj.truncated
    if isinstance(obj, dict):
        return any(has_truncated(v) for v in obj.values())
    if isinstance(obj, list):
        return any(has_truncated(v) for v in obj)
    if hasattr(obj, "__dataclass_fields__"):
        return any(has_truncated(getattr(obj, f)) for f in obj.__dataclass_fields__)
    return False


def money(value: Decimal | None, unit: str = "元") -> str:
    """An amount as the tables print it: in 元 153,600 / 7,824 / 0; in 万元 as entered
    (1326.19, 93.3, 2); blank when not given."""
    if value is None:
        return ""
    if unit != "元":
        return format(value, "f")
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.2f}"


# --------------------------------------------------------------------------- the 项目支出 table and figures

def budget_lines(budget, item: BudgetItem) -> list:
    """The 项目支出 table's projects that ``item`` refers to (empty when none matches)."""
    found = [p for g in budget.projects if g.unit == item.unit for p in g.projects if p.name == item.name]
    if item.entry is not None:
        return found[item.entry - 1:item.entry] if 0 < item.entry <= len(found) else []
    return found


def to_yuan(amount: Decimal, unit: str) -> Decimal:
    return amount * 10000 if unit == "万元" else amount


def projects(source) -> list[SimpleNamespace]:
    """The published projects (二级项目: 单位 + name in the 项目支出 table), in table order, with their tables.

    A project's amount is the sum of every 项目支出 line of that name in that 单位 (a project
    may be printed on several lines, and a table may cover one of them).
    """
    out: dict = {}
    for table in source.performance:
        if not isinstance(table, ProjectTable) or table.budget_item is None:
            continue
        key = (table.budget_item.unit, table.budget_item.name)
        if key not in out:
            lines = budget_lines(source.budget, BudgetItem(*key))
            out[key] = SimpleNamespace(
                unit=key[0], name=key[1], tables=[], kinds=[],
                amount=sum((p.amount.total for p in lines), ZERO),
            )
        out[key].tables.append(table)
        if table.kind:
            out[key].kinds.append(table.kind)
    for p in out.values():
        p.kind = p.kinds[0] if p.kinds and len(set(p.kinds)) == 1 else None
    return list(out.values())


def summary(source) -> SimpleNamespace:
    """绩效目标管理 figures: ``published`` is computed from the tables where it can be.

    Count and amount of the published projects come from the tables (amounts from the 项目支出 table).
    By kind: computed when every published project has a ``kind``; otherwise the figures
    budget.yaml gives under ``performance.published`` (from the budget system).
    """
    typed = source.budget.performance
    published = projects(source)
    if published and all(p.kind for p in published):
        kinds = {}
        for kind in ("运转类", "特定目标类"):
            ps = [p for p in published if p.kind == kind]
            kinds[kind] = SimpleNamespace(count=len(ps), amount=sum((p.amount for p in ps), ZERO))
        kinds_source = "tables"
    else:
        kinds = {k: SimpleNamespace(count=v.count, amount=v.amount) for k, v in typed.published.items()}
        kinds_source = "budget.yaml"
    if published:
        count, amount = len(published), sum((p.amount for p in published), ZERO)
    else:  # no tables: what the budget system reports
        count = sum(k.count for k in kinds.values())
        amount = sum((k.amount for k in kinds.values()), ZERO)
    managed = typed.managed
    return SimpleNamespace(
        managed=SimpleNamespace(
            count=sum(g.count for g in managed.values()),
            amount=sum((g.amount for g in managed.values()), ZERO),
            kinds={k: SimpleNamespace(count=v.count, amount=v.amount) for k, v in managed.items()},
        ),
        published=SimpleNamespace(count=count, amount=amount, kinds=kinds,
                                  kinds_source=kinds_source),
        units_with_targets=typed.units_with_targets,
        projects=published,
        tables=len([t for t in source.performance if isinstance(t, ProjectTable)]),
    )


def view(source, figures) -> SimpleNamespace:
    """What templates/performance.html needs: the tables, the figures and the helpers its
    macros call (``figures`` are the edition's narrative figures, see derive.figures)."""
    from .narrative import pct, wan

    tables = list(source.performance)
    special_amounts: dict[str, Decimal] = {}
    direction_amounts: dict[str, Decimal] = {}
    for d in tables:
        if isinstance(d, SpecialDirection):
            special_amounts[d.special] = special_amounts.get(d.special, ZERO) + d.amount
            direction_amounts[d.name] = d.amount

    def summary_amounts(t: SpecialSummary) -> SimpleNamespace:
        rows = [summary_amount(r, direction_amounts) for r in t.rows]
        return SimpleNamespace(rows=rows, total=sum((a for a in rows if a is not None), ZERO))

    def details_total(t: SpecialDirection) -> Decimal:
        return sum((d.amount for d in t.details if d.amount is not None), ZERO)

    return SimpleNamespace(
        tables=tables,
        year=source.edition.year,
        summary=figures.performance,
        project_total=figures.expense.project,
        wan=wan,
        pct=pct,
        special_amounts=special_amounts,
        summary_amounts=summary_amounts,
        details_total=details_total,
        rows=indicator_rows,
        parse=parse_value,
        has_truncated=has_truncated,
        money=money,
        fund_sources=list(FUND_SOURCES.items()),
        text_rows=list(TEXT_ROWS),
        project_footer=[("head", "负责人："), ("handler", "经办人："), ("phone", "联系电话："),
                        ("date", "填报日期：")],
        department_footer=[("head", "单位负责人签字："), ("handler", "填表人："), ("phone", "联系电话：")],
    )


def summary_amount(row: SummaryRow, direction_amounts: dict) -> Decimal | None:
    """A 汇总表 row's amount: as given, else its 支出方向 table's (by name)."""
    return row.amount if row.amount is not None else direction_amounts.get(row.name)
