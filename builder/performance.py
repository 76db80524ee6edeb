"""绩效目标表 and 自评表: the performance tables of an edition, read against their layouts.

One YAML file per table under ``content/<year>/performance/`` (read in file-name order).
``layout:`` (older files: ``type:``) names the table's layout (:mod:`builder.perflayouts`),
which declares every key the file may have: its facts, fund block, goals, lists and the
indicator tree with its columns. A key the layout does not declare is an error at its line.

A 指标值 keeps its text as written and is also parsed (:func:`parse_value`) into operator,
number and unit when it is quantitative ("≥75人", "400元/人", "100%"); qualitative values
("有效提升") stay text. Where the source is cut off or blank, a cell is written as
``{text: …, truncated: true}`` and the table lists its ``gaps`` — nothing is made up.
"""
from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Literal

from .errors import BudgetError, Pos
from .i18n import N_, _
from .model import ZERO
from .schema import convert, read
from .perflayouts import FundsBlock, IndicatorsBlock, ListBlock, PerfLayout, find_layout
from .yamlload import YList, YMap, load_yaml

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


@functools.lru_cache(maxsize=4096)  # a Value is immutable; the check and the grid ask alike
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

@dataclass(frozen=True)
class Cell:
    """A cell's text as printed; ``truncated`` when the source cuts it off."""

    DESCRIPTION = N_("文本，或 {text: …, truncated: true, note: …}")
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
class Common:
    """The keys every 绩效表 file may have, whatever its layout."""

    layout: str | None = None
    type: str | None = None            # older name of layout
    title: str | None = None
    source: str | None = None          # where the content was taken from
    redacted: bool = False             # the source shows no content
    gaps: list[Gap] = field(default_factory=list)
    reviewed: list[Review] = field(default_factory=list)
    footer: dict[str, str] = field(default_factory=dict)
    amount_unit: Literal["元", "万元"] | None = None
    budget_item: BudgetItem | None = None
    kind: Literal["运转类", "特定目标类"] | None = None


COMMON = [f.name for f in fields(Common)]


class Indicator:
    """One 三级指标: its values by column key (Cell, or Decimal for 分值 / 得分), where each was
    written, and the groups it sits in (e.g. 产出指标 → 数量指标)."""

    def __init__(self, values: dict, where: dict, pos: Pos, groups: tuple):
        self.values, self.where, self.pos, self.groups = values, where, pos, groups

    @property
    def name(self) -> Cell:
        return self.values.get("name") or Cell()

    def get(self, key: str):
        return self.values.get(key)


class PerfTable:
    """A 绩效表: its layout and the values the layout declares, each with its position."""

    def __init__(self, layout: PerfLayout, common: Common, data: dict, where: dict, pos: Pos):
        self.layout, self.common, self.data, self.where, self.pos = layout, common, data, where, pos
        self.title = common.title or layout.title
        self.redacted, self.gaps, self.reviewed = common.redacted, common.gaps, common.reviewed
        self.source, self.budget_item, self.kind = common.source, common.budget_item, common.kind
        self.footer = common.footer
        self.unit = common.amount_unit or layout.unit
        self.file = self.anchor = ""

    @property
    def role(self) -> str:
        return self.layout.role

    def get(self, path: str):
        """A value by path (``name``, ``goals.period``), or None."""
        value = self.data
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value

    def text(self, path: str) -> str:
        value = self.get(path)
        if value is None:
            return ""
        return value.text if isinstance(value, Cell) else str(value)

    def pos_of(self, path: str) -> Pos:
        return (self.where.get(path) or self.where.get(path.split(".")[0])
                or self.common.where.get(path) or self.pos)

    @property
    def name(self) -> str:
        """How messages name the table: its 名称 fact, else its title."""
        for key in ("name", "department"):
            if self.text(key):
                return self.text(key)
        return self.title

    @property
    def truncated(self) -> bool:
        """Whether any value of the table is marked cut off in the source."""
        return has_truncated(self.data)

    @property
    def indicators(self) -> dict:
        block = self.layout.indicators
        return self.data.get(block.key) or {} if block is not None else {}

    def items(self):
        """(Indicator, pos) of every 三级, in print order."""
        yield from _leaves(self.indicators)


def _leaves(tree):
    if isinstance(tree, list):
        for item in tree:
            yield item, item.pos
    elif isinstance(tree, dict):
        for value in tree.values():
            yield from _leaves(value)


# --------------------------------------------------------------------------- loading

def _anchor(stem: str, index: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")
    return f"perf-{slug}" if slug and slug == stem else f"perf-{index}"


def load_performance(root: Path, folder: str, fmt=None) -> list:
    """Every table of ``<folder>/performance/*.yaml``, in file-name order; [] without the folder."""
    base = Path(root) / folder / "performance"
    if not base.is_dir():
        return []
    tables = []
    for index, path in enumerate(sorted(base.glob("*.yaml")), start=1):
        shown = f"{folder}/performance/{path.name}"
        data = load_yaml(path, shown)
        if not isinstance(data, YMap):
            raise BudgetError(Pos(shown, 1), _("绩效目标表文件应是一个映射（键: 值）"))
        table = read_table(data, Path(root), fmt, shown)
        table.file, table.anchor = shown, _anchor(path.stem, index)
        tables.append(table)
    return tables


def _unknown(key, allowed, pos: Pos, what: str) -> BudgetError:
    close = difflib.get_close_matches(str(key), [str(a) for a in allowed], n=1)
    hint = _("（是不是“{close}”？）", close=close[0]) if close else ""
    return BudgetError(pos, _("未知的键“{key}”（在{what}中）{hint}；可用的键：{allowed}"
                              "（绩效表样式没有声明这一项：请检查拼写，或在样式中增加它）",
                              key=key, what=what, hint=hint, allowed=', '.join(map(str, allowed))))


def read_table(data: YMap, root: Path, fmt, shown: str) -> PerfTable:
    """A 绩效表 file read against its layout: every key must be one the layout declares."""
    name = data.get("layout") or data.get("type") or "project"
    key = "layout" if "layout" in data else "type"
    layout = find_layout(str(name), root, fmt, data.key_pos.get(key, data.pos))
    shape = _shape(layout)
    common_raw, own = YMap(), {}
    common_raw.pos, common_raw.key_pos = data.pos, {}
    for k, v in data.items():
        if k in COMMON:
            common_raw[k] = v
            common_raw.key_pos[k] = data.key_pos[k]
        elif k in shape:
            own[k] = v
        else:
            raise _unknown(k, [k for k in COMMON if k != "type"] + list(shape), data.key_pos[k], Path(shown).name)
    common = read(common_raw, Common, Pos(shown, 1), Path(shown).name)
    if common.amount_unit and common.amount_unit not in layout.units:
        raise BudgetError(common.where["amount_unit"], _("amount_unit: {unit} 不可用：样式 {layout} 的金额单位只能是 {units}",
                                                        unit=common.amount_unit, layout=layout.id,
                                                        units='、'.join(layout.units)))
    declared = [f.key for f in layout.footer]
    for k in common.footer:
        if k not in declared:
            raise _unknown(k, declared, common.footer.key_pos.get(k, common.pos), "footer")
    values, where = {}, {}
    for k, v in own.items():
        kpos = data.key_pos[k]
        where[k] = kpos
        values[k] = shape[k](v, kpos, k, where)
    table = PerfTable(layout, common, values, where, data.pos)
    if not table.redacted:
        for spec in layout.fact_specs():
            if spec.required and not table.text(spec.key):
                raise BudgetError(data.pos, _("缺少 {label}（{key}）：请填写（原文遮蔽时写 redacted: true）",
                                              label=spec.label, key=spec.key))
    return table


def _shape(layout: PerfLayout) -> dict:
    """top-level key -> reader(value, pos, key, where) of that key, from the layout."""
    shape: dict = {}
    nested: dict[str, dict] = {}
    for spec in layout.fact_specs():
        if spec.kind == "sum":
            continue
        head, _dot, rest = spec.key.partition(".")
        reader = _money if spec.kind == "money" else _cell
        if rest:
            nested.setdefault(head, {})[rest] = reader
        else:
            shape[head] = reader
    for lst in layout.blocks_of("list"):
        for path in (lst.total.facts.values() if lst.total else ()):
            head, _dot, rest = path.partition(".")
            if rest:
                nested.setdefault(head, {})[rest] = _cell
            else:
                shape[head] = _cell
    for goals in layout.blocks_of("goals"):
        nested.setdefault(goals.key, {}).update({s.key: _cell for s in goals.sides})
    for head, subs in nested.items():
        shape[head] = _mapping_reader(subs)
    for funds in layout.blocks_of("funds"):
        shape["funds"] = _funds_reader(funds)
    for lst in layout.blocks_of("list"):
        shape[lst.key] = _list_reader(lst)
    ind = layout.indicators
    if ind is not None:
        shape[ind.key] = _indicators_reader(ind)
    return shape


def _cell(value, pos, what, where=None):
    return Cell.from_yaml(value, pos, what)


def _money(value, pos, what, where=None):
    return convert(value, Decimal | None, pos, what)


def _mapping_reader(subs: dict):
    def reader(value, pos, what, where):
        if value is None:
            return {}
        if not isinstance(value, YMap):
            raise BudgetError(pos, _("{what}: 应是一个映射（{keys}）", what=what, keys=', '.join(subs)))
        out = {}
        for k, v in value.items():
            if k not in subs:
                raise _unknown(k, list(subs), value.key_pos[k], what)
            out[k] = subs[k](v, value.key_pos[k], f"{what}.{k}")
            where[f"{what}.{k}"] = value.key_pos[k]
        return out
    return reader


def _funds_reader(block: FundsBlock):
    keyed = [c for c in block.columns if c.key is not None]
    flat_sources = [s.key for c in block.columns if c.key is None for s in (c.sources or block.sources)]

    def reader(value, pos, what, where):
        if value is None:
            return {}
        if not isinstance(value, YMap):
            raise BudgetError(pos, _("{what}: 应是一个映射", what=what))
        out = {}
        allowed = [c.key for c in keyed] + flat_sources + ["total"] + (["weight"] if block.score else [])
        for k, v in value.items():
            kpos = value.key_pos[k]
            where[f"funds.{k}"] = kpos
            column = next((c for c in keyed if c.key == k), None)
            if column is not None:
                sources = [s.key for s in (column.sources or block.sources)] + ["total"]
                out[k] = _mapping_reader(dict.fromkeys(sources, _money))(v, kpos, f"funds.{k}", where)
            elif k in allowed:
                out[k] = _money(v, kpos, f"funds.{k}")
            else:
                raise _unknown(k, allowed, kpos, "funds")
        return out
    return reader


def _list_reader(block: ListBlock):
    columns = {c.key: c for c in block.columns}

    def reader(value, pos, what, where):
        if value is None:
            return []
        if not isinstance(value, YList):
            raise BudgetError(pos, _("{what}: 应是一个列表（每项以“- ”开头）", what=what))
        rows = []
        for item, ipos in zip(value, value.item_pos):
            if not isinstance(item, YMap):
                raise BudgetError(ipos, _("{what}: 每一项应是一个映射（{keys}）", what=what, keys=', '.join(columns)))
            row, row_where = {}, {}
            for k, v in item.items():
                if k not in columns:
                    raise _unknown(k, list(columns), item.key_pos[k], what)
                kind = columns[k].kind
                row[k] = _money(v, item.key_pos[k], f"{what}.{k}") if kind == "money" else _cell(v, item.key_pos[k], k)
                row_where[k] = item.key_pos[k]
            rows.append(ListRow(row, row_where, ipos))
        return rows
    return reader


class ListRow(dict):
    def __init__(self, values: dict, where: dict, pos: Pos):
        super().__init__(values)
        self.where, self.pos = where, pos


def _indicators_reader(block: IndicatorsBlock):
    columns = [c for c in block.columns if c.key is not None]
    keys = {c.key: c for c in columns}
    allowed = list(keys) + [k for k in block.shared if k not in keys]
    depth = len(block.levels)
    quantity = next((c for c in columns if c.kind == "quantity"), None)
    operator = next((c for c in columns if c.kind == "operator"), None)
    unit = next((c for c in columns if c.kind == "unit"), None)

    def record(item, ipos, groups) -> Indicator:
        if not isinstance(item, YMap):
            raise BudgetError(ipos, _("每个指标应是一个映射（如 {name: …, value: …}）"))
        values, where = {}, {}
        for k, v in item.items():
            kpos = item.key_pos[k]
            if k not in keys and k not in block.shared:
                raise _unknown(k, allowed, kpos, _("指标"))
            kind = keys[k].kind if k in keys else "target"
            values[k] = convert(v, Decimal | None, kpos, k) if kind in ("weight", "score") else _cell(v, kpos, k)
            where[k] = kpos
        for shared, targets in block.shared.items():
            if shared in values and any(t in values for t in targets):
                raise BudgetError(ipos, _("一个指标只能写 {shared}（代表 {all} 全部）或 {either} 中的一种，不能两者都写",
                                          shared=shared, all=', '.join(targets), either='/'.join(targets)))
        if quantity is not None and isinstance(values.get(quantity.key), Cell):
            _split(values, where, quantity, operator, unit)
        return Indicator(values, where, ipos, groups)

    def walk(value, pos, level, groups, what):
        if level == depth:
            if value is None:
                out = YList()
                out.pos, out.item_pos = pos, []
                return out
            if not isinstance(value, YList):
                raise BudgetError(pos, _("{what}: 应是指标的列表（每项以“- ”开头），此处的层级是 {levels}",
                                         what=what, levels=' → '.join(l.header for l in block.levels)))
            out = YList(record(item, ipos, groups) for item, ipos in zip(value, value.item_pos))
            out.pos, out.item_pos = value.pos, value.item_pos
            return out
        if value is None:
            out = YMap()
            out.pos, out.key_pos = pos, {}
            return out
        if not isinstance(value, YMap):
            raise BudgetError(pos, _("{what}: 应是“{header}”的映射（层级：{levels}）", what=what, header=block.levels[level].header,
                                     levels=' → '.join(l.header for l in block.levels)))
        out = YMap()
        out.pos, out.key_pos = value.pos, {}
        for k, v in value.items():
            kpos = value.key_pos[k]
            out[str(k)] = walk(v, kpos, level + 1, groups + (str(k),), str(k))
            out.key_pos[str(k)] = kpos
        return out

    def reader(value, pos, what, where):
        return walk(value, pos, 0, (), what)
    return reader


def _split(values: dict, where: dict, quantity, operator, unit) -> None:
    """"≥75人" under the 指标值 column, with 指标性质 and 度量单位 columns not given: split it."""
    cell = values[quantity.key]
    v = parse_value(cell.text)
    if not v.quantitative:
        return
    if operator is not None and operator.key not in values:
        values[operator.key] = Cell(v.op)
        where[operator.key] = where[quantity.key]
    if unit is not None and unit.key not in values and v.unit:
        values[unit.key] = Cell(v.unit)
        where[unit.key] = where[quantity.key]
    number = _NUMBER.search(re.sub(r"\s+", "", cell.text))
    values[quantity.key] = Cell(number.group(0), cell.truncated, cell.note)


# --------------------------------------------------------------------------- helpers for rules and render

def has_truncated(obj) -> bool:
    """Whether any cell of a table (at any depth) is marked truncated."""
    if isinstance(obj, Cell):
        return obj.truncated
    if isinstance(obj, Indicator):
        return has_truncated(obj.values)
    if isinstance(obj, dict):
        return any(has_truncated(v) for v in obj.values())
    if isinstance(obj, list):
        return any(has_truncated(v) for v in obj)
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
    index = budget.__dict__.get("_projects_by_name")
    if index is None:  # (单位, name) -> its projects in table order: made once per budget
        index = {}
        for g in budget.projects:
            for p in g.projects:
                index.setdefault((g.unit, p.name), []).append(p)
        object.__setattr__(budget, "_projects_by_name", index)
    found = index.get((item.unit, item.name), [])
    if item.entry is not None:
        return found[item.entry - 1:item.entry] if 0 < item.entry <= len(found) else []
    return found


def to_yuan(amount: Decimal, unit: str) -> Decimal:
    return amount * 10000 if unit == "万元" else amount


def projects(source) -> list[SimpleNamespace]:
    """The published projects (二级项目: 单位 + name in the 项目支出 table), in table order, with their tables.

    A project table is one whose layout has ``role: project`` and that names its line with
    ``budget_item``. A project's amount is the sum of every 项目支出 line of that name in that
    单位 (a project may be printed on several lines, and a table may cover one of them).
    """
    out: dict = {}
    for table in source.performance:
        if table.role != "project" or table.budget_item is None:
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
    roles: dict[str, int] = {}
    for t in source.performance:
        roles[t.role] = roles.get(t.role, 0) + 1
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
        tables=roles.get("project", 0),
        roles=roles,
    )


def view(source, figures) -> SimpleNamespace:
    """What templates/performance.html needs: each table with its grid (see :mod:`builder.perfgrid`),
    the figures of the page's introduction, in the edition's unit converted to 万元."""
    from .narrative import money as text_money
    from .narrative import pct
    from .perfgrid import grid

    edition = source.edition
    tables = list(source.performance)
    summary_ = figures.performance
    return SimpleNamespace(
        tables=tables,
        grids={t.anchor: grid(t, tables, edition.year) for t in tables},
        year=edition.year,
        summary=summary_,
        amount=text_money(summary_.published.amount, "万元", base=edition.unit),
        share=pct(summary_.published.amount, figures.expense.project),
        self_evaluations=summary_.roles.get("self-evaluation", 0),
    )
