"""绩效目标表 and 自评表 layouts: how one province's performance table looks, as data.

A layout is a YAML mapping (bundled: ``builder/standards/performance/<id>.yaml``; a site's
own: ``<site>/performance-layouts/<id>.yaml``; or inline in a format's ``performance:``).
It declares, top to bottom, the blocks of the table:

* ``facts`` — rows of labelled facts (项目名称, 主管部门及代码 …); each a key (a path such as
  ``goals.period``), a label and a kind (text, long, money, sum);
* ``funds`` — amounts by source: ``paired`` (each column a label and an amount beside it, as
  实施期 | 年度) or ``matrix`` (one row per source, a column per side, as 年初预算数 / 全年预算数
  / 全年执行数, with 分值 / 执行率 / 得分 when ``score`` is given);
* ``goals`` — 总体目标 by side (实施期目标 | 年度目标, or 预期目标 | 实际完成情况);
* ``list`` — rows of declared columns (年度重点工作计划, 支出明细, the 汇总表), with a total;
* ``indicators`` — grouping levels of any depth (核心职能 → 一级 → 二级) and indicator columns
  of declared kinds (name, target, operator, quantity, unit, attribute, actual, weight, score,
  text).

Tables name their layout with ``layout:`` (older files: ``type:``); names may be aliases that
the format maps to a layout id (``performance: {project: shanxi-project}``).
Nothing in Python knows a layout of a particular province.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from decimal import Decimal
from pathlib import Path
from typing import Literal

from .errors import BudgetError, Pos
from .i18n import N_, _
from .schema import convert, read
from .yamlload import YMap, load_yaml

BUNDLED = Path(__file__).parent / "standards" / "performance"
SITE_FOLDER = "performance-layouts"


@dataclass(frozen=True)
class FactSpec:
    """A labelled fact: ``key`` is a path into the table (``name``, ``goals.period``)."""

    key: str
    label: str
    kind: Literal["text", "long", "money", "sum"] = "text"
    span: int | None = None        # columns of the value cell (default: an equal share of the row)
    of: str | None = None          # sum: the money fact summed over the edition's tables …
    by: str | None = None          # … that have the same value of this fact
    required: bool = False         # the table must give it (unless redacted)


@dataclass(frozen=True)
class FactsBlock:
    rows: list[list[FactSpec]]
    head: bool = False             # the first row heads the table (repeated on each PDF page)


@dataclass(frozen=True)
class SourceRow:
    key: str
    label: str


@dataclass(frozen=True)
class FundColumn:
    """A side of the fund block: its data under ``funds.<key>`` (or ``funds`` itself)."""

    key: str | None = None
    header: str | None = None      # printed above the column (matrix, or a paired group's heading)
    total: str | None = None       # paired: the label of the column's total row
    sources: list[SourceRow] = field(default_factory=list)  # paired: its own sources


@dataclass(frozen=True)
class FundScore:
    """matrix: 分值 / 执行率 / 得分 of the total row; 执行率 = ``executed`` / ``budget``."""

    executed: str
    budget: str
    weight: Decimal = Decimal(10)  # 分值 of budget execution (a table may give funds.weight)
    headers: list[str] = field(default_factory=list)  # default 分值, 执行率, 得分
    blank: str = "—"               # printed in 分值 and 得分 of the source rows


@dataclass(frozen=True)
class FundsBlock:
    columns: list[FundColumn]
    label: str = "项目资金（{unit}）"
    style: Literal["paired", "matrix"] = "paired"
    sources: list[SourceRow] = field(default_factory=list)
    total: str | None = None       # matrix: the total row's label; paired: a total row over all columns
    score: FundScore | None = None
    budget: str | None = None      # the column whose total is the project's amount in the 项目支出 table


@dataclass(frozen=True)
class Side:
    key: str
    header: str


@dataclass(frozen=True)
class GoalsBlock:
    label: str
    sides: list[Side]
    key: str = "goals"


@dataclass(frozen=True)
class ListColumn:
    key: str
    header: str
    kind: Literal["text", "long", "money", "name"] = "text"
    span: int | None = None
    lookup: str | None = None      # money: when not given, the ``lookup`` fact of the table whose name is this row's


@dataclass(frozen=True)
class ListTotal:
    label: str = "合计"
    position: Literal["first", "last"] = "last"
    sum: list[str] = field(default_factory=list)          # the money columns summed
    facts: dict[str, str] = field(default_factory=dict)   # column -> a table fact printed in the total row
    equals: str | None = None                             # the money fact the first sum must equal


@dataclass(frozen=True)
class ListBlock:
    key: str
    columns: list[ListColumn]
    label: str | None = None
    total: ListTotal | None = None


@dataclass(frozen=True)
class LevelSpec:
    DESCRIPTION = N_("一个分组层级：它的表头，或 {header, role}")
    header: str
    role: Literal["一级", "二级"] | None = None  # the standard's 一级 / 二级 (checked against the tree)

    @classmethod
    def from_yaml(cls, value, pos: Pos, what: str):
        if isinstance(value, YMap):
            return read(value, cls, pos, what)
        return cls(header=convert(value, str, pos, what))


INDICATOR_KINDS = ("name", "text", "long", "target", "operator", "quantity", "unit", "attribute",
                   "actual", "weight", "score")


@dataclass(frozen=True)
class IndicatorColumn:
    """A column of the indicator grid: a grouping level (``level: N``, 1 = outermost) or a key."""

    level: int | None = None
    key: str | None = None
    header: str | None = None
    kind: Literal["name", "text", "long", "target", "operator", "quantity", "unit", "attribute",
                  "actual", "weight", "score"] = "text"
    default: str | None = None     # the key whose value is printed when this one is not given
    only_with: str | None = None   # printed only when this key has a value
    side: str | None = None        # a class for the cells (e.g. year), for styling


@dataclass(frozen=True)
class IndicatorTotal:
    label: str = "总分"
    sum: list[str] = field(default_factory=list)   # weight / score columns summed
    funds: bool = True                             # the fund block's 分值 and 得分 count too


@dataclass(frozen=True)
class IndicatorsBlock:
    levels: list[LevelSpec]
    columns: list[IndicatorColumn] = field(default_factory=list)
    label: str | None = "绩效指标"
    key: str = "indicators"
    shared: dict[str, list[str]] = field(default_factory=dict)  # key -> the keys it fills (value: [period, year])
    total: IndicatorTotal | None = None
    framework: str | None = None  # the 绩效指标体系 of its 一级/二级 (builder/frameworks.py); None: mof


@dataclass(frozen=True)
class Block:
    DESCRIPTION = N_("一个区块：{facts: …}、{funds: …}、{goals: …}、{list: …} 或 {indicators: …}")
    facts: FactsBlock | None = None
    funds: FundsBlock | None = None
    goals: GoalsBlock | None = None
    list: ListBlock | None = None
    indicators: IndicatorsBlock | None = None

    # worked out once: a layout's blocks are asked for again for every indicator checked
    # and drawn (cached_property writes the instance's __dict__, past the frozen __setattr__)
    @cached_property
    def kind(self) -> str:
        return next(k for k in ("facts", "funds", "goals", "list", "indicators") if getattr(self, k) is not None)

    @cached_property
    def spec(self):
        return getattr(self, self.kind)


@dataclass(frozen=True)
class FooterField:
    key: str
    label: str


CHECKS = ("levels", "quantities", "satisfaction", "budget", "sums", "actuals", "scores")


@dataclass(frozen=True)
class PerfLayout:
    id: str
    title: str
    blocks: list[Block]
    name: str | None = None          # what the layout is, for the README and messages
    subtitle: str | None = None      # under the title, e.g. "（{year}年度）"
    role: Literal["project", "department", "special", "self-evaluation", "other"] = "other"
    orientation: Literal["portrait", "landscape"] = "portrait"
    unit: Literal["元", "万元"] = "万元"   # the amounts' unit unless the table gives amount_unit
    units: list[Literal["元", "万元"]] = field(default_factory=list)  # the units a table may choose (default both)
    meta: list[str] = field(default_factory=list)   # the line above the grid ("金额单位：{unit}")
    width: int | None = None         # grid columns (default: the indicator grid's)
    index: str = "{title}"           # how the page's list of tables names a table ({fact})
    index_note: str | None = None    # a fact printed small beside it
    footer: list[FooterField] = field(default_factory=list)
    checks: list[Literal["levels", "quantities", "satisfaction", "budget", "sums", "actuals", "scores"]] = \
        field(default_factory=list)

    def blocks_of(self, kind: str) -> list:
        return [b.spec for b in self.blocks if b.kind == kind]

    @cached_property
    def indicators(self) -> IndicatorsBlock | None:
        found = self.blocks_of("indicators")
        return found[0] if found else None

    @cached_property
    def funds(self) -> FundsBlock | None:
        found = self.blocks_of("funds")
        return found[0] if found else None

    def fact_specs(self) -> list[FactSpec]:
        return [f for b in self.blocks_of("facts") for row in b.rows for f in row]

    @property
    def grid_width(self) -> int:
        if self.width:
            return self.width
        ind = self.indicators
        if ind is not None:
            return (1 if ind.label else 0) + len(ind.columns)
        lists = self.blocks_of("list")
        if lists:
            return max((1 if lb.label else 0) + sum(c.span or 1 for c in lb.columns) for lb in lists)
        return 4


def _validate(layout: PerfLayout, shown: str) -> None:
    """What the schema cannot say: one block kind per block, levels and columns that fit."""
    for block, pos in zip(layout.blocks, getattr(layout.blocks, "item_pos", [None] * len(layout.blocks))):
        given = [k for k in ("facts", "funds", "goals", "list", "indicators") if getattr(block, k) is not None]
        if len(given) != 1:
            raise BudgetError(pos or Pos(shown, 1), _("每个 block 只能是 facts、funds、goals、list、indicators 中的一种"))
    ind = layout.indicators
    if ind is not None:
        if not ind.levels:
            raise BudgetError(Pos(shown, 1), _("indicators 至少要有一个分组层级（levels）"))
        if not ind.columns:
            object.__setattr__(ind, "columns", _default_columns(ind))
        for col in ind.columns:
            if (col.level is None) == (col.key is None):
                raise BudgetError(Pos(shown, 1), _("indicators 的每一列要么是 level: N（分组层级），要么是 key（指标的一项）"))
            if col.level is not None and not 1 <= col.level <= len(ind.levels):
                raise BudgetError(Pos(shown, 1), _("indicators 的列 level: {level} 超出了 levels 的层数（{count}）",
                                                     level=col.level, count=len(ind.levels)))
        if len([c for c in ind.columns if c.kind == "name"]) < 1:
            raise BudgetError(Pos(shown, 1), _("indicators 要有一列 kind: name（三级指标名称）"))
    for block in layout.blocks_of("funds"):
        if block.style == "matrix" and any(c.key is None for c in block.columns):
            raise BudgetError(Pos(shown, 1), _("funds 为 matrix 时每一列都要有 key"))


def _default_columns(ind: IndicatorsBlock) -> list[IndicatorColumn]:
    cols = [IndicatorColumn(level=i + 1) for i in range(len(ind.levels))]
    return cols + [IndicatorColumn(key="name", header="三级指标", kind="name"),
                   IndicatorColumn(key="value", header="指标值", kind="target")]


_CACHE: dict = {}


def read_layout(data, shown: str) -> PerfLayout:
    if not isinstance(data, YMap):
        raise BudgetError(Pos(shown, 1), _("绩效表样式（layout）应是一个映射（id、title、blocks …）"))
    key = (shown, id(data))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is data:
        return hit[1]
    layout = read(data, PerfLayout, Pos(shown, 1), _("绩效表样式"))
    _validate(layout, shown)
    object.__setattr__(layout, "shown", shown)
    if not layout.units:
        object.__setattr__(layout, "units", ["元", "万元"])
    for funds in layout.blocks_of("funds"):
        if funds.score is not None and not funds.score.headers:
            object.__setattr__(funds.score, "headers", ["分值", "执行率", "得分"])
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = (data, layout)
    return layout


def bundled_layouts() -> list[str]:
    return sorted(p.stem for p in BUNDLED.glob("*.yaml") if not p.name.startswith("_"))


def _aliases() -> YMap:
    return load_yaml(BUNDLED / "_aliases.yaml", "builder/standards/performance/_aliases.yaml")


def find_layout(name: str, site_dir: Path, fmt, pos: Pos | None, seen: tuple = ()) -> PerfLayout:
    """The layout ``name``: the format's (alias or inline), the site's own, else a bundled one."""
    if name in seen:
        raise BudgetError(pos, _("绩效表样式 '{name}' 的别名形成循环：{chain}", name=name, chain=' → '.join(seen + (name,))))
    own = (getattr(fmt, "performance", None) or {}).get(name)
    if isinstance(own, str):
        return find_layout(own, site_dir, fmt, pos, seen + (name,))
    if isinstance(own, YMap):
        return read_layout(own, _("格式 {id}：performance.{name}", id=fmt.id, name=name))
    if isinstance(name, str) and name.replace("-", "").replace("_", "").isalnum():
        path = Path(site_dir) / SITE_FOLDER / f"{name}.yaml"
        if path.is_file():
            return read_layout(load_yaml(path, f"{SITE_FOLDER}/{name}.yaml"), f"{SITE_FOLDER}/{name}.yaml")
        path = BUNDLED / f"{name}.yaml"
        if path.is_file() and not name.startswith("_"):
            shown = f"builder/standards/performance/{name}.yaml"
            return read_layout(load_yaml(path, shown), shown)
        alias = _aliases().get(name)
        if isinstance(alias, str):
            return find_layout(alias, site_dir, fmt, pos, seen + (name,))
    site_own = sorted(p.stem for p in (Path(site_dir) / SITE_FOLDER).glob("*.yaml"))
    known = sorted(set(bundled_layouts()) | set(site_own) | set(_aliases())
                   | set((getattr(fmt, "performance", None) or {})))
    raise BudgetError(pos, _("未知的绩效表样式 '{name}'：可用的有 {known}（也可以在站点的 {folder}/ 文件夹中自定义）",
                             name=name, known=', '.join(known), folder=SITE_FOLDER))
