"""Row sources: turn a table spec (data) and the budget into a printable table.

Each layout knows how one family of standard tables lays out its rows; which columns
it shows, its title and header come from the table set (data, not code).
"""
from __future__ import annotations

from dataclasses import dataclass

from .amounts import Figure, Ledger, Measure, parse_measure
from .model import ZERO
from .tableset import HeaderCell, TableSpec, header_width

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


@dataclass
class Context:
    """What the layouts read: the model, the code list and the ledgers."""

    edition: object
    budget: object
    codes: object
    functional: Ledger
    economic: Ledger
    roundings: list


def _amounts(ledger: Ledger, prefix: tuple, measures: list[Measure], approved, pos, what,
             ctx: Context) -> list[Cell]:
    return [
        Cell(figure=ledger.figure(prefix, m, approved, pos, what, ctx.roundings), kind="amount")
        for m in measures
    ]


def _measures(spec: TableSpec, columns=None) -> list[Measure]:
    base = parse_measure(spec.filter)
    return [parse_measure(c) & base for c in (columns or spec.columns)]


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


def subject_rows(ctx: Context, measures: list[Measure], always_total: bool = True) -> list[Row]:
    """合计, then every 类 / 款 / 项 with a non-zero amount in the given measures."""
    ledger = ctx.functional
    approved, pos = _functional_approved(ctx, "total")
    total = _amounts(ledger, (), measures, approved, pos, "合计", ctx)
    rows = []
    if always_total or _nonzero(total):
        rows.append(Row([Cell("合计", kind="code", row_header=True), Cell(kind="name")] + total, "total"))
    codes = sorted({p for e in ledger.entries for p in e[0]})
    for code in codes:
        approved, pos = _functional_approved(ctx, code)
        name = _code_name(ctx, code)
        cells = _amounts(ledger, _functional_prefix(code), measures, approved, pos, f"{code} {name}", ctx)
        if not _nonzero(cells):
            continue
        level = {3: 0, 5: 1, 7: 2}[len(code)]
        rows.append(Row([Cell(code, kind="code", level=level),
                         Cell(name, kind="name", level=level, row_header=True)] + cells,
                        "group" if level == 0 else "item"))
    return rows


def layout_subjects(spec: TableSpec, ctx: Context) -> list[Row]:
    return subject_rows(ctx, _measures(spec))


def layout_balance(spec: TableSpec, ctx: Context) -> list[Row]:
    ledger = ctx.functional
    measures = _measures(spec)
    base = parse_measure(spec.filter)
    approved, pos = _functional_approved(ctx, "total")

    def total_of(measure_text):
        m = parse_measure(measure_text) & base
        return ledger.figure((), m, approved, pos, "合计", ctx.roundings)

    left = [[Cell(label, kind="name", row_header=True), Cell(figure=total_of(m), kind="amount")]
            for label, m in (row[:2] for row in spec.income)]
    right = []
    for i, code in enumerate(ctx.codes.classes, start=1):
        c_approved, c_pos = _functional_approved(ctx, code)
        name = f"{cn_number(i)}、{ctx.codes.functional[code]}"
        right.append([Cell(name, kind="name")] +
                     _amounts(ledger, (code,), measures, c_approved, c_pos, f"{code} {name}", ctx))
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
            values = _amounts(ledger, (), measures, approved, pos, "合计", ctx)
        else:
            values = _blank(len(measures))
        rows.append(Row(lc + [Cell(right_label or "", kind="name")] + values, "total"))
    return rows


def layout_economic(spec: TableSpec, ctx: Context) -> list[Row]:
    ledger = ctx.economic
    measures = _measures(spec)
    econ = ctx.budget.basic_by_economic
    codes = ctx.codes

    def approved_for(key):
        return econ.approved.get(key), econ.approved.key_pos.get(key)

    a, p = approved_for("total")
    rows = [Row([Cell("合计", kind="name", row_header=True), Cell(kind="name")] +
                _amounts(ledger, (), measures, a, p, "经济分类合计", ctx), "total")]
    classes = sorted({e[0][0] for e in ledger.entries})
    for cls in classes:
        a, p = approved_for(cls)
        name = codes.economic_dept.get(cls, cls)
        rows.append(Row([Cell(name, kind="name", row_header=True), Cell(kind="name")] +
                        _amounts(ledger, (cls,), measures, a, p, name, ctx), "group"))
        pairs = sorted({e[0][1:] for e in ledger.entries if e[0][0] == cls})
        for dept, gov in pairs:
            rows.append(Row([Cell(codes.economic_dept.get(dept, dept), kind="name", level=1, row_header=True),
                             Cell(codes.economic_gov.get(gov, gov), kind="name", level=1)] +
                            _amounts(ledger, (cls, dept, gov), measures, None, None, "", ctx)))
    return rows


def _revenue_rows(lines) -> list[list[Cell]]:
    total = sum((line.amount for line in lines), ZERO)
    rows = [[Cell("合计", kind="code", row_header=True), Cell(kind="name"),
             Cell(figure=Figure(total), kind="amount")]]
    for line in lines:
        rows.append([Cell(line.code, kind="code"), Cell(line.name, kind="name", row_header=True),
                     Cell(figure=Figure(line.amount), kind="amount")])
    return rows


def layout_revenue(spec: TableSpec, ctx: Context) -> list[Row]:
    lines = getattr(ctx.budget.revenue, spec.source or "fund")
    return [Row(cells, "total" if i == 0 else "item") for i, cells in enumerate(_revenue_rows(lines))]


def layout_soe_balance(spec: TableSpec, ctx: Context) -> list[Row]:
    left = _revenue_rows(ctx.budget.revenue.soe)
    right = [r.cells for r in subject_rows(ctx, _measures(spec))]
    if right:  # one 合计 row across both sides: the label is printed once, on the left
        right[0][0] = Cell(kind="code")
    rows = []
    for i in range(max(len(left), len(right))):
        lc = left[i] if i < len(left) else [Cell(kind="code"), Cell(kind="name"), Cell(kind="amount")]
        rc = right[i] if i < len(right) else [Cell(kind="code"), Cell(kind="name")] + _blank(len(spec.columns))
        rows.append(Row(lc + rc, "total" if i == 0 else "item"))
    return rows


def _source_ledger(items) -> Ledger:
    ledger = Ledger()
    for path, by_source, period in items:
        for source, amount in by_source.items():
            ledger.add(path, ("-", source, period), amount)
    return ledger


def layout_three_public(spec: TableSpec, ctx: Context) -> list[Row]:
    tp = ctx.budget.three_public
    ledger = _source_ledger([
        (("abroad",), tp.abroad, "current"),
        (("reception",), tp.reception, "current"),
        (("vehicle", "purchase"), tp.vehicle_purchase, "current"),
        (("vehicle", "operation"), tp.vehicle_operation, "current"),
    ])
    measures = _measures(spec)
    items = [
        ("因公出国（境）费", ("abroad",), 0),
        ("公务接待费", ("reception",), 0),
        ("公务用车购置及运行费", ("vehicle",), 0),
        ("①公务用车购置费", ("vehicle", "purchase"), 1),
        ("②公务用车运行维护费", ("vehicle", "operation"), 1),
    ]
    approved = tp.approved

    def stated(key):
        return (approved[key], approved.key_pos[key]) if key in approved else (None, None)

    rows = []
    for label, path, level in items:
        a, p = stated("vehicle") if path == ("vehicle",) else (None, None)
        rows.append(Row([Cell(label, kind="name", level=level, row_header=True)] +
                        _amounts(ledger, path, measures, a, p, label, ctx)))
    a, p = stated("total")
    rows.append(Row([Cell("合计", kind="name", row_header=True)] +
                    _amounts(ledger, (), measures, a, p, "“三公”经费合计", ctx), "total"))
    return rows


def layout_operating(spec: TableSpec, ctx: Context) -> list[Row]:
    entries = ctx.budget.operating_costs
    ledger = _source_ledger([((e.unit,), e.amount, "current") for e in entries])
    measures = _measures(spec)
    rows = [Row([Cell(spec.total_label, kind="name", row_header=True)] +
                _amounts(ledger, (), measures, None, None, spec.total_label, ctx), "total")]
    for e in entries:
        rows.append(Row([Cell(e.unit, kind="name", level=1, row_header=True)] +
                        _amounts(ledger, (e.unit,), measures, None, None, e.unit, ctx)))
    return rows


def layout_projects(spec: TableSpec, ctx: Context) -> list[Row]:
    groups = ctx.budget.carryover_projects if spec.carryover else ctx.budget.projects
    period = "carryover" if spec.carryover else "current"
    ledger = _source_ledger([((gi, pi), p.amount, period)
                             for gi, g in enumerate(groups) for pi, p in enumerate(g.projects)])
    if not ledger.entries:
        return []
    measures = _measures(spec)
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
}


def build_table(index: int, spec: TableSpec, ctx: Context) -> Table:
    year = str(ctx.edition.year)
    rows = LAYOUTS[spec.layout](spec, ctx)
    empty = not any(c.figure for r in rows for c in r.cells if c.figure is not None)
    header = [[HeaderCell(c.text.replace("{year}", year), c.colspan, c.rowspan) for c in row]
              for row in spec.header]
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
    )
