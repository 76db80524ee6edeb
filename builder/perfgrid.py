"""A 绩效表 as a grid of cells, laid out by its layout (:mod:`builder.perflayouts`).

The template (templates/performance_table.html) prints the grid as it is: every row, cell,
span, class and data- attribute is decided here, from the layout and the table's values.
Figures the layout asks for are computed here, from the values: fund totals (blank when no
source is given), 执行率 and 得分 of a 自评表, the 总分, the sum of the 支出方向 of a 专项, and
whether each 实际完成值 reaches its 年度指标值.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .model import ZERO
from .performance import Cell, Indicator, PerfTable, money, parse_value

CENT = Decimal("0.01")


@dataclass
class GCell:
    text: str = ""
    tag: str = "td"
    colspan: int = 1
    rowspan: int = 1
    cls: str = ""
    attrs: list = field(default_factory=list)   # (name, value) in print order
    scope: str | None = None
    id: str | None = None


@dataclass
class GRow:
    cells: list
    cls: str = ""


@dataclass
class Grid:
    head: list
    body: list
    width: int
    cols: list
    meta: list
    subtitle: str
    index_label: str
    index_note: str
    footer: list
    results: list   # computed results printed under a 自评表


def split(total: int, n: int) -> list[int]:
    """``total`` columns shared by ``n`` parts, the first parts taking the remainder."""
    n = max(1, n)
    base, extra = divmod(max(total, n), n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def _fill(template: str, table: PerfTable, year) -> str:
    def sub(m):
        key = m.group(1)
        if key == "year":
            return str(year)
        if key == "unit":
            return table.unit
        if key == "title":
            return table.title
        return table.text(key)
    return re.sub(r"\{([A-Za-z_][\w.]*)\}", sub, template or "")


def _gap(cell, attrs: list) -> list:
    if isinstance(cell, Cell) and cell.truncated:
        attrs = attrs + [("data-gap", "truncated")]
        if cell.note:
            attrs.append(("title", cell.note))
    return attrs


def _text(value, unit: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Cell):
        return value.text
    if isinstance(value, Decimal):
        return money(value, unit)
    return str(value)


def _sum(values) -> Decimal | None:
    given = [v for v in values if v is not None]
    return sum(given, ZERO) if given else None


def _score(value: Decimal | None) -> str:
    return "" if value is None else f"{value.quantize(CENT, rounding=ROUND_HALF_UP)}"


def _rate(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return part / whole


def _percent(rate: Decimal | None) -> str:
    return "" if rate is None else f"{(rate * 100).quantize(CENT, rounding=ROUND_HALF_UP)}%"


# --------------------------------------------------------------------------- figures

def column_total(table: PerfTable, block, column) -> Decimal | None:
    """A fund column's total: as given (``total:``), else the sum of the sources given."""
    data = table.get("funds") or {}
    values = data.get(column.key) or {} if column.key else data
    if values.get("total") is not None and column.key:
        return values["total"]
    return _sum(values.get(s.key) for s in (column.sources or block.sources))


def fund_total(table: PerfTable, block) -> Decimal | None:
    """The total over all columns of a paired block (资金总额): given, else its first column's sum."""
    data = table.get("funds") or {}
    if data.get("total") is not None:
        return data["total"]
    return column_total(table, block, block.columns[0]) if block.columns else None


def fund_score(table: PerfTable, block):
    """(分值, 执行率, 得分) of a matrix block with ``score``: 得分 = 分值 × 执行率, at most 分值."""
    spec = block.score
    if spec is None:
        return None, None, None
    weight = (table.get("funds") or {}).get("weight")
    weight = spec.weight if weight is None else weight
    executed = next((c for c in block.columns if c.key == spec.executed), None)
    budget = next((c for c in block.columns if c.key == spec.budget), None)
    rate = _rate(column_total(table, block, executed), column_total(table, block, budget)) if executed and budget else None
    score = None if rate is None else weight * min(rate, Decimal(1))
    return weight, rate, score


def met(target: Cell | None, actual: Cell | None) -> bool | None:
    """Whether a 实际完成值 reaches its 年度指标值: ≥, > and = are reached at or above the
    target, ≤ and < at or below it; None when the two are not quantities of one unit."""
    if target is None or actual is None:
        return None
    t, a = parse_value(target.text), parse_value(actual.text)
    if not (t.quantitative and a.quantitative) or (t.unit or "") != (a.unit or ""):
        return None
    if t.op in ("≤", "<"):
        return a.number < t.number if t.op == "<" else a.number <= t.number
    return a.number > t.number if t.op == ">" else a.number >= t.number


def column_of(block, kind: str):
    """The first indicator column of a kind (target, actual, weight …), or None."""
    return next((c for c in block.columns if c.kind == kind), None) if block is not None else None


def resolved(item: Indicator, column, block):
    """The value a column prints for an indicator: its own, the shared key's, or its default."""
    value = item.get(column.key)
    if value is None:
        for shared, targets in block.shared.items():
            if column.key in targets and item.get(shared) is not None:
                value = item.get(shared)
    if value is None and column.default:
        value = item.get(column.default)
    if column.only_with:
        other = next((c for c in block.columns if c.key == column.only_with), None)
        if other is not None and resolved(item, other, block) is None:
            return None
    return value


def indicator_rows(tree, depth: int) -> list:
    """[(starts, item)]: ``starts`` maps a level (0 = outermost) to (name, rows it spans) on the
    row where that group starts; a group with nothing under it still gets one row."""
    def rows(node, level):
        if level == depth:
            return [({}, item) for item in (node or [])]
        out = []
        for name, sub in (node or {}).items():
            inner = rows(sub, level + 1) or [({}, None)]
            inner[0][0][level] = (name, len(inner))
            out += inner
        return out
    return rows(tree, 0)


def totals(table: PerfTable) -> dict:
    """Σ of each weight / score column of the indicators, with the fund block's when asked."""
    block = table.layout.indicators
    out = {}
    if block is None or block.total is None:
        return out
    funds = table.layout.funds
    weight, _rate_, score = fund_score(table, funds) if funds is not None else (None, None, None)
    weight_key = getattr(column_of(block, "weight"), "key", None)
    for key in block.total.sum:
        column = next((c for c in block.columns if c.key == key), None)
        values = [item.get(key) for item, _ in table.items()]
        if column is not None and column.kind == "score" and weight_key and any(
                item.get(weight_key) is not None and item.get(key) is None for item, _ in table.items()):
            out[key] = None  # an indicator with a 分值 but no 得分 yet: no total score
            continue
        if block.total.funds and column is not None:
            values.append(weight if column.kind == "weight" else score if column.kind == "score" else None)
        out[key] = _sum(values)
    return out


def results(table: PerfTable) -> list[str]:
    """What a 自评表 computes: 执行率 and its 得分, indicators reached, the 总分."""
    out = []
    funds = table.layout.funds
    if funds is not None and funds.score is not None:
        weight, rate, score = fund_score(table, funds)
        if rate is not None:
            out.append(f"预算执行率{_percent(rate)}，得分{_score(score)}分（满分{_score(weight)}分）")
    block = table.layout.indicators
    if block is not None:
        target, actual = column_of(block, "target"), column_of(block, "actual")
        if target is not None and actual is not None:
            items = [i for i, _ in table.items() if resolved(i, target, block) is not None]
            done = [i for i in items if (resolved(i, actual, block) or Cell()).text.strip()]
            reached = [i for i in done if met(resolved(i, target, block), resolved(i, actual, block))]
            out.append(f"绩效指标{len(items)}项，已填实际完成值{len(done)}项，其中可计算且达到年度指标值的{len(reached)}项")
    for key, value in totals(table).items():
        column = next(c for c in block.columns if c.key == key)
        if column.kind == "score" and value is not None:
            out.append(f"自评总分{_score(value)}分")
    return out


# --------------------------------------------------------------------------- the grid

def grid(table: PerfTable, tables: list, year) -> Grid:
    layout = table.layout
    width = layout.grid_width
    head: list[GRow] = []
    body: list[GRow] = []
    for block in layout.blocks:
        spec = block.spec
        if block.kind == "facts":
            rows = _facts(table, spec, width, tables)
            if spec.head and not head:
                head, rows = rows[:1], rows[1:]
            body += rows
        elif block.kind == "funds":
            body += _funds(table, spec, width)
        elif block.kind == "goals":
            body += _goals(table, spec, width)
        elif block.kind == "list":
            rows = _list(table, spec, width, tables)
            if spec.label is None and not head:
                head, rows = rows[:1], rows[1:]
            body += rows
        else:
            body += _indicators(table, spec, width)
    footer = [(f.key, f.label, table.footer.get(f.key, "")) for f in layout.footer]
    label = index_label(table, year)
    return Grid(head, body, width, _cols(layout, width), [_fill(m, table, year) for m in layout.meta],
                _fill(layout.subtitle, table, year), label,
                table.text(layout.index_note) if layout.index_note else "", footer,
                results(table) if not table.redacted else [])


def index_label(table: PerfTable, year) -> str:
    """How the page's list of tables and the 目录 name a table (the layout's ``index``)."""
    return _fill(table.layout.index, table, year) or table.title


def _cols(layout, width: int) -> list[str]:
    block = layout.indicators
    if block is None:
        lists = layout.blocks_of("list")
        if lists and lists[0].label is None and len(lists[0].columns) == width:
            return [f"c-{c.kind} c-key-{c.key}" for c in lists[0].columns]
        return []
    cols = (["c-label"] if block.label else [])
    for c in block.columns:
        cols.append(f"c-level c-level-{c.level}" if c.level else f"c-{c.kind}")
    return cols if len(cols) == width else []


def _facts(table, spec, width, tables) -> list[GRow]:
    rows = []
    for row in spec.rows:
        parts = [f.span + 1 if f.span else None for f in row]
        free = split(width - sum(p for p in parts if p), len([p for p in parts if not p]) or 1)
        cells = []
        for f, part in zip(row, parts):
            part = part or free.pop(0)
            value = _fact_sum(table, f, tables) if f.kind == "sum" else table.get(f.key)
            cls = "perf-fact" + (" amount" if f.kind in ("money", "sum") else "") + (" perf-long" if f.kind == "long" else "")
            cells.append(GCell(f.label, "th", scope="row"))
            cells.append(GCell(_text(value, table.unit), colspan=max(1, part - 1), cls=cls,
                               attrs=_gap(value, [("data-fact", f.key)])))
        rows.append(GRow(cells, "perf-facts" + (" perf-head-name" if spec.head and not rows else "")))
    return rows


def _fact_sum(table, f, tables) -> Decimal | None:
    by = table.get(f.by) if f.by else None
    key = by.text if isinstance(by, Cell) else by
    same = [t for t in tables if t.layout.id == table.layout.id
            and (f.by is None or (t.get(f.by).text if isinstance(t.get(f.by), Cell) else t.get(f.by)) == key)]
    return _sum(t.get(f.of) for t in same)


def _funds(table, spec, width) -> list[GRow]:
    data = table.get("funds") or {}
    unit = table.unit
    label = GCell(_fill(spec.label, table, None), "th", scope="rowgroup", cls="perf-funds-label")
    rows: list[GRow] = []
    if spec.style == "matrix":
        score_cols = 3 if spec.score else 0
        s = max(1, width - 1 - len(spec.columns) - score_cols)
        header = [GCell("", "th", colspan=s)] + [GCell(c.header or "", "th", scope="col") for c in spec.columns]
        if spec.score:
            header += [GCell(h, "th", scope="col") for h in spec.score.headers]
        rows.append(GRow(header, "perf-funds perf-funds-head"))
        weight, rate, score = fund_score(table, spec)
        total = [GCell(spec.total or "合计", "th", colspan=s, scope="row")]
        for c in spec.columns:
            total.append(GCell(money(column_total(table, spec, c), unit), cls="amount",
                               attrs=[("data-fund", f"{c.key}.total")]))
        if spec.score:
            total += [GCell(_score(weight), cls="amount", attrs=[("data-fund", "weight")]),
                      GCell(_percent(rate), cls="amount", attrs=[("data-fund", "rate")]),
                      GCell(_score(score), cls="amount", attrs=[("data-fund", "score")])]
        rows.append(GRow(total, "perf-funds row-total"))
        for src in spec.sources:
            cells = [GCell(src.label, "th", colspan=s, scope="row")]
            for c in spec.columns:
                cells.append(GCell(money((data.get(c.key) or {}).get(src.key), unit), cls="amount",
                                   attrs=[("data-fund", f"{c.key}.{src.key}")]))
            if spec.score:
                executed = (data.get(spec.score.executed) or {}).get(src.key)
                budget = (data.get(spec.score.budget) or {}).get(src.key)
                cells += [GCell(spec.score.blank), GCell(_percent(_rate(executed, budget)), cls="amount",
                                                       attrs=[("data-fund", f"rate.{src.key}")]),
                          GCell(spec.score.blank)]
            rows.append(GRow(cells, "perf-funds"))
    else:
        parts = split(width - 1, len(spec.columns))
        if spec.total:
            rows.append(GRow([GCell(f"{spec.total}{money(fund_total(table, spec), unit)}", colspan=width - 1,
                                    attrs=[("data-fund", "total")])], "perf-funds row-total"))
        if any(c.header for c in spec.columns):
            rows.append(GRow([GCell(c.header or "", "th", colspan=p, scope="colgroup")
                              for c, p in zip(spec.columns, parts)], "perf-funds perf-funds-head"))
        if any(c.total for c in spec.columns):
            cells = []
            for c, p in zip(spec.columns, parts):
                cells += [GCell(c.total or "", "th", colspan=max(1, p - 1), scope="row"),
                          GCell(money(column_total(table, spec, c), unit), cls="amount",
                                attrs=[("data-fund", f"{c.key}.total")])]
            rows.append(GRow(cells, "perf-funds row-total"))
        depth = max(len(c.sources or spec.sources) for c in spec.columns)
        for i in range(depth):
            cells = []
            for c, p in zip(spec.columns, parts):
                sources = c.sources or spec.sources
                if i >= len(sources):
                    cells += [GCell(colspan=max(1, p - 1)), GCell()]
                    continue
                src = sources[i]
                values = data.get(c.key) or {} if c.key else data
                cells += [GCell(src.label, "th", colspan=max(1, p - 1), scope="row"),
                          GCell(money(values.get(src.key), unit), cls="amount",
                                attrs=[("data-fund", f"{c.key}.{src.key}" if c.key else src.key)])]
            rows.append(GRow(cells, "perf-funds"))
    label.rowspan = len(rows)
    rows[0].cells.insert(0, label)
    return rows


def _goals(table, spec, width) -> list[GRow]:
    parts = split(width - 1, len(spec.sides))
    values = table.get(spec.key) or {}
    header = [GCell(spec.label, "th", rowspan=2, scope="rowgroup")]
    header += [GCell(s.header, "th", colspan=p, scope="col") for s, p in zip(spec.sides, parts)]
    cells = [GCell(_text(values.get(s.key), table.unit), colspan=p, cls="perf-fact perf-long",
                   attrs=_gap(values.get(s.key), [("data-fact", f"{spec.key}.{s.key}")]))
             for s, p in zip(spec.sides, parts)]
    return [GRow(header, "perf-goals"), GRow(cells, "perf-goals")]


def _list(table, spec, width, tables) -> list[GRow]:
    avail = width - (1 if spec.label else 0)
    spans = [c.span or 1 for c in spec.columns]
    spans[-1] += max(0, avail - sum(spans))
    rows_data = table.get(spec.key) or []
    header = [GCell(c.header, "th", colspan=n, scope="col") for c, n in zip(spec.columns, spans)]
    rows = [GRow(header, f"perf-list-head perf-{spec.key}-head")]
    amounts: dict[str, list] = {c.key: [] for c in spec.columns if c.kind == "money"}
    body = []
    for row in rows_data:
        cells = []
        for c, n in zip(spec.columns, spans):
            value = row.get(c.key)
            if value is None and c.lookup:
                value = lookup(row, c, tables)
            if c.kind == "money":
                amounts[c.key].append(value)
            tag = "th" if c.kind == "name" else "td"
            cls = "amount" if c.kind == "money" else "perf-long" if c.kind == "long" else ""
            cells.append(GCell(_text(value, table.unit), tag, colspan=n, cls=cls, scope="row" if tag == "th" else None,
                               attrs=_gap(value, [("data-col", c.key)])))
        body.append(GRow(cells, f"perf-list perf-{spec.key}"))
    if spec.total is not None:
        total = spec.total
        first_sum = next((i for i, c in enumerate(spec.columns) if c.key in total.sum), len(spec.columns))
        name_at = next((i for i, c in enumerate(spec.columns) if c.kind == "name"), None)
        cells = []
        i = 0
        while i < len(spec.columns):
            c, n = spec.columns[i], spans[i]
            if name_at is None and i == 0 and first_sum > 0:
                cells.append(GCell(total.label, "th", colspan=sum(spans[:first_sum]), scope="row"))
                i = first_sum
                continue
            if c.key in total.sum:
                cells.append(GCell(money(_sum(amounts.get(c.key, [])), table.unit), colspan=n, cls="amount",
                                   attrs=[("data-total", f"{spec.key}.{c.key}")]))
            elif i == name_at:
                cells.append(GCell(total.label, "th", colspan=n, scope="row"))
            elif c.key in total.facts:
                value = table.get(total.facts[c.key])
                cells.append(GCell(_text(value, table.unit), colspan=n, cls="perf-long",
                                   attrs=_gap(value, [("data-fact", total.facts[c.key])])))
            else:
                cells.append(GCell(colspan=n))
            i += 1
        total_row = GRow(cells, "row-total")
        body = [total_row] + body if total.position == "first" else body + [total_row]
    rows += body
    if spec.label:
        rows[0].cells.insert(0, GCell(spec.label, "th", rowspan=len(rows), scope="rowgroup"))
    return rows


def lookup(row, column, tables) -> Decimal | None:
    """A list row's amount from the table whose ``name`` is the row's name (e.g. a 专项's 支出方向 table)."""
    name = row.get("name")
    name = name.text if isinstance(name, Cell) else name
    found = [t.get(column.lookup) for t in tables if t.text("name") == name and t.get(column.lookup) is not None]
    return _sum(found)


def _indicators(table, spec, width) -> list[GRow]:
    anchor = table.anchor or "perf"
    header = []
    for i, c in enumerate(spec.columns):
        text = spec.levels[c.level - 1].header if c.level else (c.header or "")
        cell = GCell(text, "th", scope="col", id=f"{anchor}-h{i}")
        if c.key:
            cell.attrs = [("data-col", c.key)]
        header.append(cell)
    rows = [GRow(header, "perf-ind-head")]
    for starts, item in indicator_rows(table.indicators, len(spec.levels)):
        cells = []
        for i, c in enumerate(spec.columns):
            side = f" perf-{c.side}" if c.side else ""
            if c.level:
                if c.level - 1 in starts:
                    name, span = starts[c.level - 1]
                    role = spec.levels[c.level - 1].role
                    cls = {"一级": "perf-l1", "二级": "perf-l2"}.get(role, f"perf-g{c.level}")
                    cells.append(GCell(name, "th", rowspan=span, scope="rowgroup", cls=cls + side))
                continue
            value = resolved(item, c, spec) if item is not None else None
            attrs = [("data-col", c.key), ("headers", f"{anchor}-h{i}")]
            cls = {"name": "perf-l3 perf-name", "target": "perf-value", "actual": "perf-value perf-actual",
                   "weight": "perf-weight amount", "score": "perf-score amount"}.get(c.kind, f"perf-{c.kind}")
            if c.kind in ("target", "actual") and isinstance(value, Cell):
                v = parse_value(value.text)
                if v.quantitative:
                    attrs += [("data-op", v.op), ("data-number", str(v.number)), ("data-unit", v.unit)]
                elif value.text:
                    attrs.append(("data-qualitative", ""))
            if c.kind == "actual" and item is not None:
                target = column_of(spec, "target")
                reached = met(resolved(item, target, spec), value) if target is not None else None
                if reached is not None:
                    attrs.append(("data-met", "true" if reached else "false"))
            text = _score(value) if c.kind in ("weight", "score") and isinstance(value, Decimal) else _text(value, table.unit)
            cells.append(GCell(text, cls=cls + side + (" perf-long" if c.kind == "long" else ""),
                               attrs=_gap(value, attrs)))
        rows.append(GRow(cells, "perf-ind"))
    if spec.total is not None:
        sums = totals(table)
        first = next((i for i, c in enumerate(spec.columns) if c.key in sums), len(spec.columns))
        cells = [GCell(spec.total.label, "th", colspan=max(1, first), scope="row")]
        for c in spec.columns[first:]:
            if c.key in sums:
                cells.append(GCell(_score(sums[c.key]), cls="amount", attrs=[("data-total", c.key)]))
            else:
                cells.append(GCell())
        rows.append(GRow(cells, "perf-ind-total row-total"))
    if spec.label:
        rows[0].cells.insert(0, GCell(spec.label, "th", rowspan=len(rows), scope="rowgroup"))
    return rows
