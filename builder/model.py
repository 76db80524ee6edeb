"""The content model: what a department writes, as typed dataclasses.

The annotations are the schema (see :mod:`builder.schema`): keys, types and defaults
are declared here once, and the README's content-format reference describes them.
Money is ``Decimal`` everywhere.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from .errors import BudgetError, Pos
from .i18n import N_, _, lazy_
from .yamlload import YMap

ZERO = Decimal(0)

#: Funding sources (资金来源) are data: builder/standards/sources.yaml and the format's own.
from .sources import BUNDLED_SOURCES  # noqa: E402

SOURCES = BUNDLED_SOURCES.labels
_SOURCE_RANK = {key: i for i, key in enumerate(SOURCES)}


class BySource:
    """An amount by funding source (source key -> Decimal). A bare number means
    一般公共预算. Which keys a format knows is checked by the rule ``source-unknown``."""

    DESCRIPTION = N_("一个金额，或按资金来源分列的金额（general、fund、soe、special、unit …）")

    def __init__(self, amounts: dict | None = None, **kw):
        data = dict(amounts or {}, **kw)
        object.__setattr__(self, "_amounts", {k: v for k, v in data.items()})

    def __setattr__(self, name, value):
        if name in ("pos", "where"):
            object.__setattr__(self, name, value)
        else:
            raise AttributeError("BySource is immutable")

    @classmethod
    def from_yaml(cls, value, pos: Pos, what: str) -> "BySource":
        from .schema import convert

        if isinstance(value, YMap):
            amounts, where = {}, {}
            for key, item in value.items():
                if not isinstance(key, str) or not key.isidentifier():
                    raise BudgetError(value.key_pos[key], _("{what}：“{key}”不是资金来源的名称"
                                                            "（general、fund、soe、special、unit …）",
                                                            what=what, key=key))
                amounts[key] = convert(item, Decimal, value.key_pos[key], lazy_("{what}：“{key}”", what=what, key=key))
                where[key] = value.key_pos[key]
            obj = cls(amounts)
            object.__setattr__(obj, "pos", value.pos)
            object.__setattr__(obj, "where", where)
            return obj
        amount = convert(value, Decimal, pos, what)
        obj = cls(general=amount)
        object.__setattr__(obj, "pos", pos)
        object.__setattr__(obj, "where", {"general": pos})
        return obj

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._amounts.get(name, ZERO)

    def get(self, key: str) -> Decimal:
        return self._amounts.get(key, ZERO)

    def items(self):
        """(source, amount) for every source given, bundled order first (then the others in
        the order written: the sort is stable)."""
        amounts = self._amounts
        if len(amounts) < 2:
            return iter(amounts.items())
        last = len(_SOURCE_RANK)
        return iter(sorted(amounts.items(), key=lambda kv: _SOURCE_RANK.get(kv[0], last)))

    def keys(self):
        return [s for s, _ in self.items()]

    @property
    def total(self) -> Decimal:
        return sum(self._amounts.values(), ZERO)

    def __eq__(self, other):
        return isinstance(other, BySource) and {k: v for k, v in self._amounts.items() if v} == \
            {k: v for k, v in other._amounts.items() if v}

    def __hash__(self):
        return hash(tuple(sorted((k, v) for k, v in self._amounts.items() if v)))

    def __repr__(self):
        return f"BySource({self._amounts!r})"


@dataclass(frozen=True)
class Carryover:
    """上年结转: amounts brought forward from last year, by kind and source."""

    basic: BySource = field(default_factory=BySource)
    project: BySource = field(default_factory=BySource)


@dataclass(frozen=True)
class Line:
    """One budget line: a 功能分类 项 (7-digit code) with its amounts."""

    DESCRIPTION = N_("一个预算科目行（basic、project、carryover、name、reduction）")
    basic: BySource = field(default_factory=BySource)
    project: BySource = field(default_factory=BySource)
    carryover: Carryover = field(default_factory=Carryover)
    name: str | None = None
    reduction: bool = False  # 冲减: a line whose amounts may be negative (rule amount-negative)

    def cells(self):
        """(kind, source, period) -> amount, for every non-zero amount."""
        out = {}
        for kind in ("basic", "project"):
            for period, holder in (("current", self), ("carryover", self.carryover)):
                for source, amount in getattr(holder, kind).items():
                    if amount:
                        out[(kind, source, period)] = amount
        return out


#: An approved (批复) figure: one amount for the row, or amounts per measure.
Approved = Decimal | dict[str, Decimal]


@dataclass(frozen=True)
class EconRecord:
    """基本支出 by 经济分类: 部门经济分类 款, 政府经济分类 款, amount (一般公共预算)."""

    dept: str
    amount: Decimal
    gov: str | None = None  # a format without a 政府经济分类 column leaves it out


@dataclass(frozen=True)
class Economic:
    records: list[EconRecord] = field(default_factory=list)
    approved: dict[str, Approved] = field(default_factory=dict)


@dataclass(frozen=True)
class ThreePublic:
    """“三公”经费 by item and source."""

    abroad: BySource = field(default_factory=BySource)
    reception: BySource = field(default_factory=BySource)
    vehicle_purchase: BySource = field(default_factory=BySource)
    vehicle_operation: BySource = field(default_factory=BySource)
    approved: dict[str, Decimal] = field(default_factory=dict)  # 批复 合计 (total) / vehicle


@dataclass(frozen=True)
class UnitAmount:
    unit: str | None = None  # None: the whole department (no split by 单位 published)
    amount: BySource = field(default_factory=BySource)


@dataclass(frozen=True)
class Project:
    name: str
    amount: BySource = field(default_factory=BySource)
    kind: Literal["运转类", "特定目标类"] | None = None


@dataclass(frozen=True)
class ProjectGroup:
    """The projects of one 单位, in the order the table prints them."""

    unit: str
    projects: list[Project] = field(default_factory=list)
    approved: Approved | None = None


@dataclass(frozen=True)
class RevenueLine:
    """A 收入科目 line (政府性基金 / 国有资本经营 income)."""

    code: str
    name: str
    amount: Decimal


@dataclass(frozen=True)
class Revenue:
    fund: list[RevenueLine] = field(default_factory=list)
    soe: list[RevenueLine] = field(default_factory=list)


@dataclass(frozen=True)
class Procurement:
    """政府采购预算 by 货物 / 工程 / 服务."""

    goods: Decimal = ZERO
    works: Decimal = ZERO
    services: Decimal = ZERO
    total: Decimal | None = None  # the stated 总额, when the budget system prints one
    sme_reserved: Decimal | None = None          # 面向中小企业预留
    small_micro_reserved: Decimal | None = None  # 其中预留给小型和微型企业

    @property
    def sum(self) -> Decimal:
        return self.goods + self.works + self.services


@dataclass(frozen=True)
class Vehicles:
    quota: int = 0
    actual: int = 0
    ministerial: int = 0   # 部级领导干部用车
    leadership: int = 0    # 主要领导干部用车
    confidential: int = 0
    emergency: int = 0
    law_enforcement: int = 0
    special: int = 0
    business: int = 0
    retired: int = 0       # 离退休干部用车
    other: int = 0


@dataclass(frozen=True)
class EquipmentCount:
    """通用设备 worth at least ``threshold`` (原值, in the edition's unit): how many."""

    threshold: Decimal
    count: int = 0


@dataclass(frozen=True)
class Assets:
    """国有资产占有使用情况 (counts and areas, not money)."""

    as_of: datetime.date | None = None
    vehicles: Vehicles = field(default_factory=Vehicles)
    office_area: Decimal = ZERO
    equipment: list[EquipmentCount] = field(default_factory=list)
    planned: "PlannedAssets | None" = None  # purchases the budget provides for


@dataclass(frozen=True)
class PlannedAssets:
    """购置: vehicles and equipment the year's budget provides for."""

    vehicles: Vehicles = field(default_factory=Vehicles)
    equipment: list[EquipmentCount] = field(default_factory=list)


@dataclass(frozen=True)
class CountAmount:
    count: int = 0
    amount: Decimal = ZERO


@dataclass(frozen=True)
class PerformanceSummary:
    """绩效目标管理 figures from the budget system (二级项目 counts by kind)."""

    managed: dict[str, CountAmount] = field(default_factory=dict)
    published: dict[str, CountAmount] = field(default_factory=dict)
    units_with_targets: int = 0


@dataclass(frozen=True)
class Budget:
    """budget.yaml: every figure of the edition, entered once."""

    lines: dict[str, Line]
    approved: dict[str, Approved] = field(default_factory=dict)
    basic_by_economic: Economic = field(default_factory=Economic)
    three_public: ThreePublic = field(default_factory=ThreePublic)
    operating_costs: list[UnitAmount] = field(default_factory=list)
    projects: list[ProjectGroup] = field(default_factory=list)
    carryover_projects: list[ProjectGroup] = field(default_factory=list)
    revenue: Revenue = field(default_factory=Revenue)
    procurement: Procurement = field(default_factory=Procurement)
    assets: Assets = field(default_factory=Assets)
    performance: PerformanceSummary = field(default_factory=PerformanceSummary)


@dataclass(frozen=True)
class Unit:
    name: str
    type: Literal["行政单位", "参公事业单位", "事业单位", "其他"] = "行政单位"


@dataclass(frozen=True)
class Prior:
    """上年 figures used in 增减 sentences (when content/ has no previous edition)."""

    total: Decimal | None = None
    general: Decimal | None = None
    fiscal: Decimal | None = None            # 财政拨款
    fund: Decimal | None = None
    soe: Decimal | None = None
    three_public: ThreePublic | None = None
    operating_costs: Decimal | None = None
    executed: dict[str, Decimal] = field(default_factory=dict)  # 上年执行数 by 功能分类 项


@dataclass(frozen=True)
class Revision:
    """更正说明: a correction of a published edition."""

    REASON = N_("更正说明的原因")
    date: datetime.date
    reason: str

    def validate(self):
        from .schema import require_text
        require_text(self, "reason", self.REASON)


@dataclass(frozen=True)
class Withdrawal(Revision):
    """撤回说明: a published edition taken back to draft (``budgetsite unpublish``)."""

    REASON = N_("撤回说明的原因")


@dataclass(frozen=True)
class Review:
    """A finding the department has looked at: the check prints it as a note with ``note``."""

    rule: str
    note: str
    table: str | None = None  # the table id it concerns, when the rule is about one


@dataclass(frozen=True)
class Edition:
    """edition.yaml: who, which year, what state."""

    department: str
    year: int
    status: Literal["draft", "published"] = "draft"
    unit: Literal["万元", "元"] = "万元"
    department_code: str | None = None
    date: datetime.date | None = None
    units: list[Unit] = field(default_factory=list)
    prior: Prior = field(default_factory=Prior)
    format: str | None = None    # the disclosure format (overrides site.yaml)
    tableset: str | None = None  # older name of format
    revisions: list[Revision] = field(default_factory=list)
    table_notes: dict[str, str] = field(default_factory=dict)  # table id -> a note printed under it
    reviewed: list[Review] = field(default_factory=list)
    withdrawals: list[Withdrawal] = field(default_factory=list)  # 撤回说明 (budgetsite unpublish)

    def validate(self):
        from .schema import require_text
        require_text(self, "department", N_("部门名称"))


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    definition: str

    def validate(self):
        from .schema import require_text
        require_text(self, "term", N_("名词"))
        require_text(self, "definition", N_("名词解释"))


@dataclass(frozen=True)
class Glossary:
    """glossary.yaml: additions to, replacements of and omissions from the standard one."""

    entries: list[GlossaryEntry] = field(default_factory=list)
    omit: list[str] = field(default_factory=list)
    standard: bool = True  # false: the entries replace the theme's standard 名词解释

    def validate(self):
        """A term is explained once: a second entry would silently replace the first."""
        seen: dict[str, Pos] = {}
        for entry, pos in zip(self.entries, getattr(self.entries, "item_pos", [])):
            if entry.term in seen:
                raise BudgetError(pos, _("名词“{term}”重复（第一次在第 {line} 行）：同一个名词只能解释一次，请合并或删除一项",
                                         term=entry.term, line=seen[entry.term].line))
            seen[entry.term] = pos


@dataclass(frozen=True)
class MarkdownOptions:
    allow_html: bool = False


@dataclass(frozen=True)
class PdfOptions:
    watermark: str = "仅供内部审核"


@dataclass(frozen=True)
class Site:
    """site.yaml: settings for the whole site."""

    title: str = "部门预算公开"
    publisher: str = ""
    format: str | None = None     # the disclosure format: shanxi-13, shanghai-9, mof-8, or the site's own
    tableset: str = "shanxi-13"   # older name of format
    markdown: MarkdownOptions = field(default_factory=MarkdownOptions)
    pdf: PdfOptions = field(default_factory=PdfOptions)
    # a publisher of a portal (publishers/<id>/site.yaml; see README, "门户"):
    code: str | None = None                 # 单位编码
    kind: Literal["部门", "单位"] = "部门"   # a department, or a unit of one
    parent: str | None = None               # a unit's department: its folder name under publishers/
    group: str | None = None                # the heading the portal's index lists it under (政法, 教育 …)


def require(condition: bool, pos: Pos | None, message: str) -> None:
    if not condition:
        raise BudgetError(pos, message)
