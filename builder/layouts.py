"""The format interpreter: a table spec (a format's data) and the budget -> a printable table.

A table's ``layout`` names its *row source*, a generic way of listing rows that any format
parameterises in its tables.yaml; nothing here knows a table of a particular format:

    subjects      合计 and the 功能分类 类/款/项 with figures (code joined or split; 合计 first or last)
    balance       declared income rows beside the 功能分类 类 (all, or those with figures), then footer rows
    economic      基本支出 by 部门经济分类 (with 政府经济分类, or 类/款 code columns)
    revenue       收入科目 lines of one source
    soe_balance   revenue rows beside subjects rows
    three_public  declared items of the “三公”经费 ledger, and their 合计
    operating     机关运行经费 by 单位
    projects      项目 by 单位
    single        one row whose every column names its own figure (ledger, path, measure)

Columns are measures (builder/amounts.py) over the ledger the row source reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .amounts import Figure, Ledger, Measure, parse_measure
from .formats import HeaderCell, NumberStyle, TableSpec, header_width, scale
from .model import ZERO

CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 21 -> 二十一 (up to 99)."""
    tens, ones = divmod(n, 10)
    text = ""
    if tens:
        text = ("" if tens == 1 else CN_DIGITS[tens]) + "十"
    if ones or not text:
        text += CN_DIGITS[ones]
    return text


@dataclass
class Cell:
    text: str = ""
    figure: Figure | None = None
    kind: str = "text"  # text | code | name | amount
    level: int = 0
    colspan: int = 1
    row_header: bool = False


@dataclass
class Row:
    cells: list[Cell]
    role: str = "item"  # total | group | item


def format_amount(value: Decimal, style: NumberStyle) -> str:
    """An amount already in the table's unit, as the style prints it (rounded half up once)."""
    places = Decimal(1).scaleb(-style.decimals)
    rounded = value.quantize(places, rounding=ROUND_HALF_UP)
    if not rounded:
        return style.zero
    text = f"{rounded:,.{style.decimals}f}" if style.thousands else f"{rounded:.{style.decimals}f}"
    if style.trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@dataclass
class Table:
    anchor: str
    number: str
    title: str
    label: str | None
    layout: str
    header: list[list[HeaderCell]]
    rows: list[Row]
    width: int
    empty: bool
    id: str | None = None
    ref: str = ""                      # how messages name it
    unit: str = "万元"                 # the unit it prints amounts in
    factor: Decimal = Decimal(1)       # edition unit -> table unit
    style: NumberStyle = field(default_factory=NumberStyle)
    notes: list[str] = field(default_factory=list)  # printed under the table
    department_label: str = "部门名称"                # the 部门名称 / 编制部门 line above it
    split_codes: bool = False                        # 科目编码 in 类 / 款 / 项 columns

    def value(self, figure: Figure | None) -> Decimal | None:
        """The amount as printed, in the table's unit (rounded once); None when blank."""
        if figure is None or self.empty:
            return None
        places = Decimal(1).scaleb(-self.style.decimals)
        rounded = (figure.value * self.factor).quantize(places, rounding=ROUND_HALF_UP)
        if not rounded and not self.style.zero:
            return None
        return rounded

    def text(self, figure: Figure | None) -> str:
        """An amount cell's text: the style's; blank in a table with no figure at all."""
        if figure is None or self.empty:
            return ""
        return format_amount(figure.value * self.factor, self.style)


@dataclass
class Context:
    """What the row sources read: the model, the code list, the ledgers, the format."""

    edition: object
    budget: object
    codes: object
    functional: Ledger
    economic: Ledger
    roundings: list
    vocab: object = None
    ledgers: dict = field(default_factory=dict)  # name -> Ledger (three_public, operating, …)


def _amounts(ledger: Ledger, prefix: tuple, measures: list[Measure], approved, pos, what,
             ctx: Context) -> list[Cell]:
    if approved is None:  # nothing to compare with: the derived figures, in one pass
        return [Cell(figure=f, kind="amount") for f in ledger.figures(prefix, measures)]
    return [
        Cell(figure=ledger.figure(prefix, m, approved, pos, what, ctx.roundings, ctx.vocab), kind="amount")
        for m in measures
    ]


def _measure(ctx: Context, text) -> Measure:
    return parse_measure(text, None, ctx.vocab)


def _measures(spec: TableSpec, ctx: Context, columns=None) -> list[Measure]:
    base = _measure(ctx, spec.filter)
    return [_measure(ctx, c) & base for c in (columns or spec.columns)]


def _functional_approved(ctx: Context, key: str):
    approved = ctx.budget.approved
    if key in approved:
        return approved[key], approved.key_pos[key]
    return None, None


def _code_name(ctx: Context, code: str) -> str:
    line = ctx.budget.lines.get(code)
    if line is not None and line.name:
        return line.name
    return ctx.codes.functional.get(code, "")


def _functional_prefix(code: str) -> tuple:
    return tuple(code[:n] for n in (3, 5, 7) if n <= len(code))


def _blank(n: int) -> list[Cell]:
    return [Cell(kind="amount") for _ in range(n)]


def _nonzero(cells: list[Cell]) -> bool:
    return any(c.figure for c in cells if c.figure is not None)


def _place_total(rows: list[Row], total: Row | None, where: str) -> list[Row]:
    if total is None:
        return rows
    return [total] + rows if where == "first" else rows + [total]


SPLITS = {"functional": (3, 5, 7), "economic": (3, 5)}
LEVEL_LENGTHS = {"类": 3, "款": 5, "项": 7}


def code_cells(code: str, mode: str, levels: tuple, level: int) -> list[Cell]:
    """The code column(s) of a row: one 科目编码 cell, or one cell per level (类 款 项), each
    holding its own digits (2080501 -> 208 / 05 / 01)."""
    if mode == "joined":
        return [Cell(code, kind="code", level=level)]
    if mode == "none":
        return []
    out, start = [], 0
    for n in levels:
        part = code[start:n] if len(code) >= n else ""
        out.append(Cell(part, kind="code"))
        start = n
    return out


def _total_label(spec: TableSpec, mode: str, levels: tuple) -> list[Cell]:
    """The 合计 row's label cells: across the code columns and the name column."""
    if mode == "joined":
        return [Cell(spec.total_label, kind="code", row_header=True), Cell(kind="name")]
    width = (len(levels) if mode == "split" else 0) + 1
    return [Cell(spec.total_label, kind="name", colspan=width, row_header=True)]


def subject_rows(ctx: Context, spec: TableSpec, measures: list[Measure], mode: str = "joined",
                 always_total: bool = True) -> list[Row]:
    """合计, then every 类 / 款 / 项 with a non-zero amount in the given measures."""
    ledger = ctx.functional
    levels = SPLITS["functional"]
    approved, pos = _functional_approved(ctx, "total")
    total = _amounts(ledger, (), measures, approved, pos, spec.total_label, ctx)
    total_row = Row(_total_label(spec, mode, levels) + total, "total") \
        if always_total or _nonzero(total) else None
    rows = []
    shown = {LEVEL_LENGTHS[level] for level in spec.levels} or set(LEVEL_LENGTHS.values())
    codes = sorted({p for e in ledger.entries for p in e[0] if len(p) in shown})
    for code in codes:
        approved, pos = _functional_approved(ctx, code)
        name = _code_name(ctx, code)
        cells = _amounts(ledger, _functional_prefix(code), measures, approved, pos, f"{code} {name}", ctx)
        if not _nonzero(cells) and not spec.empty_rows:
            continue
        level = {3: 0, 5: 1, 7: 2}[len(code)]
        rows.append(Row(code_cells(code, mode, levels, level) +
                        [Cell(name, kind="name", level=level, row_header=True)] + cells,
                        "group" if level == 0 else "item"))
    return _place_total(rows, total_row, spec.total)


def layout_subjects(spec: TableSpec, ctx: Context) -> list[Row]:
    return subject_rows(ctx, spec, _measures(spec, ctx), spec.code)


def layout_balance(spec: TableSpec, ctx: Context) -> list[Row]:
    ledger = ctx.functional
    measures = _measures(spec, ctx)
    base = _measure(ctx, spec.filter)
    approved, pos = _functional_approved(ctx, "total")

    def total_of(measure_text):
        m = _measure(ctx, measure_text) & base
        return ledger.figure((), m, approved, pos, spec.total_label, ctx.roundings, ctx.vocab)

    left = [[Cell(label, kind="name", row_header=True), Cell(figure=total_of(m), kind="amount")]
            for label, m in (row[:2] for row in spec.income)]
    right = []
    for code in ctx.codes.classes:
        c_approved, c_pos = _functional_approved(ctx, code)
        cells = _amounts(ledger, (code,), measures, c_approved, c_pos, code, ctx)
        if spec.classes == "nonzero" and not _nonzero(cells):
            continue
        name = f"{cn_number(len(right) + 1)}、{ctx.codes.functional[code]}"
        right.append([Cell(name, kind="name")] + cells)
    rows = []
    for i in range(max(len(left), len(right))):
        lc = left[i] if i < len(left) else [Cell(kind="name"), Cell(kind="amount")]
        rc = right[i] if i < len(right) else [Cell(kind="name")] + _blank(len(measures))
        rows.append(Row(lc + rc))
    for left_label, left_measure, right_label, right_values in (
        (r + [None] * 4)[:4] for r in spec.footer
    ):
        lc = [Cell(left_label or "", kind="name", row_header=bool(left_label)),
              Cell(figure=total_of(left_measure), kind="amount") if left_measure else Cell(kind="amount")]
        if right_values == "columns":
            values = _amounts(ledger, (), measures, approved, pos, spec.total_label, ctx)
        else:
            values = _blank(len(measures))
        rows.append(Row(lc + [Cell(right_label or "", kind="name")] + values, "total"))
    return rows


def layout_economic(spec: TableSpec, ctx: Context) -> list[Row]:
    """基本支出 by 部门经济分类 类 and 款; with ``gov`` each 款 row is a (部门, 政府经济分类) pair."""
    ledger = ctx.economic
    measures = _measures(spec, ctx)
    econ = ctx.budget.basic_by_economic
    codes = ctx.codes
    mode = "none" if spec.code == "joined" else spec.code  # joined: names only (the older layout)
    levels = SPLITS["economic"]

    def approved_for(key):
        return econ.approved.get(key), econ.approved.key_pos.get(key)

    a, p = approved_for("total")
    total_cells = ([Cell(spec.total_label, kind="name", row_header=True), Cell(kind="name")]
                   if mode == "none" else _total_label(spec, mode, levels))
    total = Row(total_cells + _amounts(ledger, (), measures, a, p, spec.total_label, ctx), "total")
    rows = []
    classes = sorted({e[0][0] for e in ledger.entries})
    for cls in classes:
        a, p = approved_for(cls)
        name = codes.economic_dept.get(cls, cls)
        label = code_cells(cls, mode, levels, 0) + [Cell(name, kind="name", row_header=True)]
        if mode == "none" and spec.gov:
            label.append(Cell(kind="name"))
        rows.append(Row(label + _amounts(ledger, (cls,), measures, a, p, name, ctx), "group"))
        if spec.gov:
            pairs = sorted({e[0][1:] for e in ledger.entries if e[0][0] == cls})
        else:
            pairs = sorted({e[0][1:2] for e in ledger.entries if e[0][0] == cls})
        for pair in pairs:
            dept = pair[0]
            cells = code_cells(dept, mode, levels, 1) + [
                Cell(codes.economic_dept.get(dept, dept), kind="name", level=1, row_header=True)]
            if spec.gov:
                gov = pair[1]
                cells.append(Cell(codes.economic_gov.get(gov, gov or ""), kind="name", level=1))
            rows.append(Row(cells + _amounts(ledger, (cls,) + pair, measures, None, None, "", ctx)))
    return _place_total(rows, total, spec.total)


def _revenue_rows(spec: TableSpec, lines) -> list[list[Cell]]:
    total = sum((line.amount for line in lines), ZERO)
    rows = [[Cell(spec.total_label, kind="code", row_header=True), Cell(kind="name"),
             Cell(figure=Figure(total), kind="amount")]]
    for line in lines:
        rows.append([Cell(line.code, kind="code"), Cell(line.name, kind="name", row_header=True),
                     Cell(figure=Figure(line.amount), kind="amount")])
    return rows


def layout_revenue(spec: TableSpec, ctx: Context) -> list[Row]:
    lines = getattr(ctx.budget.revenue, spec.source or "fund")
    return [Row(cells, "total" if i == 0 else "item") for i, cells in enumerate(_revenue_rows(spec, lines))]


def layout_soe_balance(spec: TableSpec, ctx: Context) -> list[Row]:
    left = _revenue_rows(spec, ctx.budget.revenue.soe)
    right = [r.cells for r in subject_rows(ctx, spec, _measures(spec, ctx))]
    if right:  # one 合计 row across both sides: the label is printed once, on the left
        right[0][0] = Cell(kind="code")
    rows = []
    for i in range(max(len(left), len(right))):
        lc = left[i] if i < len(left) else [Cell(kind="code"), Cell(kind="name"), Cell(kind="amount")]
        rc = right[i] if i < len(right) else [Cell(kind="code"), Cell(kind="name")] + _blank(len(spec.columns))
        rows.append(Row(lc + rc, "total" if i == 0 else "item"))
    return rows


def source_ledger(items) -> Ledger:
    ledger = Ledger()
    for path, by_source, period in items:
        for source, amount in by_source.items():
            ledger.add(path, ("-", source, period), amount)
    return ledger


def three_public_ledger(budget) -> Ledger:
    tp = budget.three_public
    return source_ledger([
        (("abroad",), tp.abroad, "current"),
        (("reception",), tp.reception, "current"),
        (("vehicle", "purchase"), tp.vehicle_purchase, "current"),
        (("vehicle", "operation"), tp.vehicle_operation, "current"),
    ])


def operating_ledger(budget) -> Ledger:
    return source_ledger([((e.unit or "",), e.amount, "current") for e in budget.operating_costs])


def _stated(ctx: Context, ledger: str, path: tuple):
    """The approved (批复) figure stated for a ledger path, and where: (None, None) if none."""
    if ledger == "three_public":
        approved = ctx.budget.three_public.approved
        key = {(): "total", ("vehicle",): "vehicle"}.get(path)
    elif ledger == "functional":
        approved, key = ctx.budget.approved, (path[-1] if path else "total")
    elif ledger == "economic":
        approved = ctx.budget.basic_by_economic.approved
        key = path[-1] if path else "total"
    else:
        return None, None
    if key is not None and key in approved:
        return approved[key], approved.key_pos[key]
    return None, None


def layout_three_public(spec: TableSpec, ctx: Context) -> list[Row]:
    ledger = ctx.ledgers["three_public"]
    measures = _measures(spec, ctx)
    rows = []
    for label, path_text, level in ((list(item) + [None, 0])[:3] for item in spec.items):
        path = tuple(str(path_text).split(".")) if path_text else ()
        a, p = _stated(ctx, "three_public", path)
        rows.append(Row([Cell(str(label), kind="name", level=int(level or 0), row_header=True)] +
                        _amounts(ledger, path, measures, a, p, str(label), ctx)))
    a, p = _stated(ctx, "three_public", ())
    total = Row([Cell(spec.total_label, kind="name", row_header=True)] +
                _amounts(ledger, (), measures, a, p, spec.total_label, ctx), "total")
    return _place_total(rows, total, spec.total)


def layout_single(spec: TableSpec, ctx: Context) -> list[Row]:
    """One row of figures, each column naming its ledger, path and measure."""
    base = _measure(ctx, spec.filter)
    cells = []
    for ref in spec.cells:
        ledger = ctx.ledgers[ref.ledger]
        path = tuple(ref.path.split(".")) if ref.path else ()
        a, p = _stated(ctx, ref.ledger, path)
        what = f"{ref.ledger}{'.' + ref.path if ref.path else ''}"
        cells.append(Cell(figure=ledger.figure(path, _measure(ctx, ref.measure) & base, a, p, what,
                                               ctx.roundings, ctx.vocab), kind="amount"))
    return [Row(cells, "item")]


def layout_operating(spec: TableSpec, ctx: Context) -> list[Row]:
    entries = ctx.budget.operating_costs
    ledger = ctx.ledgers["operating"]
    measures = _measures(spec, ctx)
    rows = [Row([Cell(spec.total_label, kind="name", row_header=True)] +
                _amounts(ledger, (), measures, None, None, spec.total_label, ctx), "total")]
    for e in entries:
        name = e.unit or ctx.edition.department
        rows.append(Row([Cell(name, kind="name", level=1, row_header=True)] +
                        _amounts(ledger, (e.unit or "",), measures, None, None, name, ctx)))
    return rows


def layout_projects(spec: TableSpec, ctx: Context) -> list[Row]:
    groups = ctx.budget.carryover_projects if spec.carryover else ctx.budget.projects
    period = "carryover" if spec.carryover else "current"
    ledger = source_ledger([((gi, pi), p.amount, period)
                            for gi, g in enumerate(groups) for pi, p in enumerate(g.projects)])
    if not ledger.entries:
        return []
    measures = _measures(spec, ctx)
    dept = ctx.edition.department
    rows = [Row([Cell(dept, kind="name", row_header=True)] +
                _amounts(ledger, (), measures, None, None, dept, ctx), "total")]
    for gi, group in enumerate(groups):
        rows.append(Row([Cell(group.unit, kind="name", row_header=True)] +
                        _amounts(ledger, (gi,), measures, group.approved, group.where.get("approved"),
                                 group.unit, ctx), "group"))
        for pi, project in enumerate(group.projects):
            rows.append(Row([Cell(project.name, kind="name", level=1, row_header=True)] +
                            _amounts(ledger, (gi, pi), measures, None, None, project.name, ctx)))
    return rows


LAYOUTS = {
    "balance": layout_balance,
    "subjects": layout_subjects,
    "economic": layout_economic,
    "revenue": layout_revenue,
    "soe_balance": layout_soe_balance,
    "three_public": layout_three_public,
    "operating": layout_operating,
    "projects": layout_projects,
    "single": layout_single,
}


def build_table(index: int, spec: TableSpec, ctx: Context, fmt=None) -> Table:
    year = str(ctx.edition.year)
    rows = LAYOUTS[spec.layout](spec, ctx)
    empty = not any(c.figure for r in rows for c in r.cells if c.figure is not None)
    header = [[HeaderCell(c.text.replace("{year}", year), c.colspan, c.rowspan) for c in row]
              for row in spec.header]
    unit = spec.unit or ctx.edition.unit
    style = fmt.style_of(spec) if fmt is not None else (spec.style or NumberStyle())
    notes = []
    if empty:
        note = spec.empty_note if spec.empty_note is not None else (fmt.empty_note if fmt else "注：本表无数据")
        if note:
            notes.append(note.replace("{year}", year))
    own = getattr(ctx.edition, "table_notes", {}).get(spec.id) if spec.id else None
    if own and own not in notes:
        notes.append(own.replace("{year}", year))
    return Table(
        anchor=f"table-{index}",
        number=spec.number,
        title=spec.title.replace("{year}", year),
        label=spec.label,
        layout=spec.layout,
        header=header,
        rows=rows,
        width=header_width(spec),
        empty=empty,
        id=spec.id,
        ref=spec.ref,
        unit=unit,
        factor=scale(ctx.edition.unit, unit),
        style=style,
        notes=notes,
        department_label=fmt.department_label if fmt is not None else "部门名称",
        split_codes=spec.code == "split",
    )
