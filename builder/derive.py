"""Derive stage: from the model, compute every standard table and every narrative figure.

Nothing here is typed by the user twice: 类/款 rows, totals, shares and changes are
all sums over the budget lines (unrounded Decimals), with stated 批复 figures applied.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from .amounts import Ledger, parse_measure
from .charts import edition_charts
from .codes import CodeList
from .formats import Format
from .layouts import Context, Table, build_table, operating_ledger, three_public_ledger
from .load import SourceEdition
from .model import ZERO, ThreePublic
from .performance import summary as performance_summary
from .sources import vocabulary

PERSONNEL_CLASSES = ("301", "303")  # 工资福利支出, 对个人和家庭的补助


@dataclass
class Derived:
    tables: list[Table]
    figures: SimpleNamespace
    roundings: list = field(default_factory=list)
    charts: dict = field(default_factory=dict)  # id -> charts.ChartData
    format: Format | None = None  # the edition's format (its outline, tables, sources)


def functional_ledger(source: SourceEdition) -> Ledger:
    ledger = Ledger()
    for code, line in source.budget.lines.items():
        path = (code[:3], code[:5], code)
        for cell, amount in line.cells().items():
            ledger.add(path, cell, amount)
    return ledger


def economic_ledger(source: SourceEdition) -> Ledger:
    ledger = Ledger()
    for r in source.budget.basic_by_economic.records:
        kind = "personnel" if r.dept[:3] in PERSONNEL_CLASSES else "public"
        ledger.add((r.dept[:3], r.dept, r.gov or ""), (kind, "general", "current"), r.amount)
    return ledger


def _three_public(tp: ThreePublic | None, measure: str = "fiscal") -> SimpleNamespace:
    m = parse_measure(measure)

    def amount(by_source):
        return sum((a for s, a in by_source.items() if m.selects(("-", s, "current"))), ZERO)

    tp = tp or ThreePublic()
    ns = SimpleNamespace(
        abroad=amount(tp.abroad),
        reception=amount(tp.reception),
        vehicle_purchase=amount(tp.vehicle_purchase),
        vehicle_operation=amount(tp.vehicle_operation),
    )
    ns.vehicle = tp.approved.get("vehicle", ns.vehicle_purchase + ns.vehicle_operation)
    ns.total = tp.approved.get("total", ns.abroad + ns.reception + ns.vehicle)
    return ns


def figures(source: SourceEdition, codes: CodeList, ctx: Context,
            previous: SimpleNamespace | None = None) -> SimpleNamespace:
    """The names a narrative can use in ``{{ … }}`` (see README, explanation.md)."""
    ed, budget = source.edition, source.budget
    fl, el = ctx.functional, ctx.economic
    approved = budget.approved
    total_pos = approved.key_pos.get("total")

    vocab = ctx.vocab

    def f(measure: str, prefix: tuple = ()) -> Decimal:
        key = prefix[-1] if prefix else "total"
        return fl.figure(prefix, parse_measure(measure, None, vocab), approved.get(key),
                         approved.key_pos.get(key, total_pos), vocab=vocab).value

    def classes(measure: str):
        out = []
        for code in codes.classes:
            value = f(measure, (code,))
            if value:
                out.append(SimpleNamespace(code=code, name=codes.functional[code], amount=value))
        return out

    income = SimpleNamespace(total=f("total"), current=f("current"), carryover=f("carryover"),
                             fiscal=f("fiscal.current"),
                             **{s: f(f"{s}.current") for s in vocab.keys})
    expense = SimpleNamespace(total=f("total"), current=f("current"), carryover=f("carryover"),
                              basic=f("basic"), project=f("project"),
                              project_current=f("project.current"),
                              project_carryover=f("project.carryover"))
    fiscal = SimpleNamespace(total=f("fiscal"), current=f("fiscal.current"),
                             carryover=f("fiscal.carryover"), classes=classes("fiscal"),
                             **{s: f(s) for s in ("general", "fund", "soe")})
    general = SimpleNamespace(total=f("general.current"), basic=f("basic.general.current"),
                              project=f("project.general.current"),
                              classes=classes("general.current"))
    econ = budget.basic_by_economic

    def e(measure: str) -> Decimal:
        return el.figure((), parse_measure(measure), econ.approved.get("total")).value

    def items(kind: str) -> list[str]:
        depts = sorted({x[0][1] for x in el.entries if x[1][0] == kind})
        return [codes.economic_dept.get(d, d) for d in depts]

    economic = SimpleNamespace(total=e("total"), personnel=e("personnel"), public=e("public"),
                               personnel_items=items("personnel"), public_items=items("public"))
    prior = SimpleNamespace(
        total=ed.prior.total, general=ed.prior.general, fiscal=ed.prior.fiscal,
        fund=ed.prior.fund, soe=ed.prior.soe,
        three_public=_three_public(ed.prior.three_public) if ed.prior.three_public else None,
        operating_costs=ed.prior.operating_costs,
    ) if previous is None else SimpleNamespace(
        total=previous.expense.total, general=previous.general.total, fiscal=previous.fiscal.current,
        fund=previous.fiscal.fund, soe=previous.fiscal.soe,
        three_public=previous.three_public, operating_costs=previous.operating.total,
    )
    executed = ed.prior.executed
    last_lines = {item.code: item for item in getattr(previous, "lines", [])} if previous else {}

    def line_item(code: str) -> SimpleNamespace:
        prefix = (code[:3], code[:5], code)
        old = codes.last_years_code(code)  # the code it had last year (codes/changes.yaml)
        before = last_lines.get(old)
        name = _name(code)
        note = ""
        if old != code:
            note = f"（{ed.year - 1}年科目为{old}" + (f"“{before.name}”" if before else "") + "）"
        elif before is not None and before.name != name:
            note = f"（{ed.year - 1}年科目名称为“{before.name}”）"
        return SimpleNamespace(
            code=code, name=name, class_name=_name(code[:3]), section_name=_name(code[:5]),
            amount=f("current", prefix), total=f("total", prefix), basic=f("basic", prefix),
            project=f("project", prefix), fiscal=f("fiscal.current", prefix),
            executed=executed.get(code, executed.get(old)),
            prior=before.amount if before is not None else None, prior_code=old, change_note=note)

    def _name(code: str) -> str:
        line = budget.lines.get(code)
        return (line.name if line is not None and line.name else None) or codes.functional.get(code, code)

    operating = SimpleNamespace(total=sum((u.amount.total for u in budget.operating_costs), ZERO))
    return SimpleNamespace(
        department=ed.department,
        unit=ed.unit,
        year=ed.year,
        prior_year=ed.year - 1,
        date=ed.date,
        units=ed.units,
        admin_units=[u for u in ed.units if u.type in ("行政单位", "参公事业单位")],
        income=income,
        expense=expense,
        fiscal=fiscal,
        general=general,
        economic=economic,
        three_public=_three_public(budget.three_public),
        operating=operating,
        procurement=SimpleNamespace(
            goods=budget.procurement.goods, works=budget.procurement.works,
            services=budget.procurement.services,
            total=budget.procurement.sum if budget.procurement.total is None else budget.procurement.total,
            sme_reserved=budget.procurement.sme_reserved,
            small_micro_reserved=budget.procurement.small_micro_reserved,
        ),
        lines=[line_item(code) for code in sorted(budget.lines)],
        assets=budget.assets,
        performance=performance_summary(source),  # published: computed from performance/
        prior=prior,
    )


def carried(names: SimpleNamespace) -> SimpleNamespace:
    """What next year's edition takes from this year's figures (its 上年 figures, see
    ``figures``): this year's own amounts, none of which depends on the year before. Next
    year is derived from these alone, so an edition depends on the one before it and no
    further (the incremental build relies on it: builder/incremental.py); reading any other
    field of ``previous`` in ``figures`` fails loudly."""
    return SimpleNamespace(
        expense=SimpleNamespace(total=names.expense.total),
        general=SimpleNamespace(total=names.general.total),
        fiscal=SimpleNamespace(current=names.fiscal.current, fund=names.fiscal.fund, soe=names.fiscal.soe),
        three_public=names.three_public,
        operating=SimpleNamespace(total=names.operating.total),
        lines=[SimpleNamespace(code=item.code, name=item.name, amount=item.amount) for item in names.lines],
    )


def carried_figures(source: SourceEdition, codes: CodeList, fmt: Format) -> SimpleNamespace:
    """``carried`` of an edition's figures, without building its tables."""
    return carried(figures(source, codes, context(source, codes, fmt, []), None))


def glossary(standard: list, own) -> list:
    """The 名词解释: the standard terms (less omitted, replaced by own), then own new terms."""
    mine = {e.term: e for e in own.entries}
    if not own.standard:  # the edition's own 名词解释 replaces the standard one
        return list(mine.values())
    omit = set(own.omit)
    merged = [mine.pop(e.term, e) for e in standard if e.term not in omit]
    return merged + list(mine.values())


def context(source: SourceEdition, codes: CodeList, fmt: Format | None, roundings: list) -> Context:
    """What the format interpreter reads: the model, the code list, the ledgers, the sources."""
    budget = source.budget
    functional, economic = functional_ledger(source), economic_ledger(source)
    return Context(source.edition, budget, codes, functional, economic, roundings, vocabulary(fmt),
                   {"functional": functional, "economic": economic,
                    "three_public": three_public_ledger(budget), "operating": operating_ledger(budget)})


def derive(source: SourceEdition, codes: CodeList, fmt: Format,
           previous: SimpleNamespace | None = None) -> Derived:
    """The tables, narrative figures and charts of an edition.

    ``previous``: the figures of last year's edition, when content/ has it; they are then
    the prior-year figures (otherwise edition.yaml's ``prior:``).
    """
    roundings: list = []
    ctx = context(source, codes, fmt, roundings)
    tables = [build_table(i, spec, ctx, fmt) for i, spec in enumerate(fmt.tables, start=1)]
    names = figures(source, codes, ctx, previous)
    return Derived(tables=tables, figures=names, roundings=roundings, charts=edition_charts(names),
                   format=fmt)

