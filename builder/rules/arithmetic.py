"""Arithmetic rules: stated (批复) figures vs derived sums, and the printed tables adding up.

Every figure is derived from the entered amounts, so the tables add up by construction
(收入总计 and 支出总计 are the same lines read two ways, so they cannot differ); what can
disagree is a stated 批复 figure, or the printed rounded figures of a table, which a reader
adds up. Within the rounding of the summands that is a note (尾差); beyond it, an error.
"""
from __future__ import annotations

from decimal import Decimal

from ..amounts import Figure, round_cents
from ..model import ZERO
from ..findings import Finding
from ..i18n import _
from .common import compare, measure_name, money


def approved_figures(subject):
    """Every stated figure against the sum it replaces; stated figures that apply nowhere."""
    roundings = subject.derived.roundings
    for r in roundings:
        f = compare(r.pos, "approved",
                    _("{what}（{measure}）的批复数", what=r.what, measure=measure_name(r.key)),
                    r.approved, r.derived, r.terms, _("其所含各项相加为"))
        if f:
            yield f
    used = {(r.pos, r.key) for r in roundings}
    for pos, key, what in _stated(subject.source.budget):
        if (pos, key) not in used:
            yield Finding(pos, "warning", "approved-unused",
                          _("{what}（{measure}）的批复数没有印在任何表中：请核对它所写的科目编码和金额栏目",
                            what=what, measure=measure_name(key)))


def _stated(budget):
    def entries(mapping, what):
        for key, value in mapping.items():
            pos = mapping.key_pos[key]
            for measure in (value if isinstance(value, dict) else {"total": value}):
                yield pos, measure, what(key)

    yield from entries(budget.approved, lambda k: "合计" if k == "total" else k)
    yield from entries(budget.basic_by_economic.approved,
                       lambda k: "经济分类合计" if k == "total" else f"经济分类 {k}")
    yield from entries(budget.three_public.approved,
                       lambda k: "“三公”经费合计" if k == "total" else "公务用车购置及运行费")
    for groups in (budget.projects, budget.carryover_projects):
        for group in groups:
            if group.approved is not None:
                approved = group.approved
                for measure in (approved if isinstance(approved, dict) else {"total": approved}):
                    yield group.where["approved"], measure, group.unit


# -- the printed tables add up -------------------------------------------------------

def _figures(row) -> list[Figure | None]:
    """The amount cells of a printed row, in column order."""
    return [c.figure for c in row.cells if c.kind == "amount" and not c.row_header]


def _label(row) -> str:
    return next((c.text for c in row.cells if c.kind != "amount" and c.text), "")


def _pos(figures, fallback):
    for f in figures:
        if f is not None and f.pos is not None:
            return f.pos
    return fallback


def _sum_check(rule, parent_label, parent, children, headers, fallback, children_name):
    """Compare each printed column of ``parent`` with the printed columns of ``children``."""
    columns: dict = {}  # (printed, sum, terms, pos) -> column names: one finding per row
    for j, header in enumerate(headers):
        p = parent[j]
        if p is None:
            continue
        kids = [c[j] for c in children if c[j] is not None]
        total = sum((round_value(k) for k in kids), ZERO)
        key = (round_value(p), total, len(kids), _pos([p] + kids, fallback))
        columns.setdefault(key, []).append(header)
    for (printed, total, terms, pos), names in columns.items():
        f = compare(pos, rule, f"{parent_label} {'、'.join(names)}", printed, total, terms,
                    _("其下{children}相加为", children=children_name))
        if f:
            yield f


def round_value(figure: Figure | None) -> Decimal:
    return round_cents(figure.value) if figure is not None else ZERO


def _subject_rows(table):
    """(code, figures) for every 科目 row and the 合计 row (code ''); a code split over
    类/款/项 columns is joined again."""
    for row in table.rows:
        if row.role == "total":
            yield "", _figures(row)
            continue
        code = "".join(c.text for c in row.cells if c.kind == "code")
        if code.isdigit():
            yield code, _figures(row)


def _column_names(spec):
    return [measure_name(c) for c in spec.columns]


def _split_check(label, figures, spec, fallback, parts):
    """合计 = 基本 + 项目 (or 人员 + 公用) on one printed row."""
    names = list(spec.columns)
    whole, a, b = parts
    if not {whole, a, b} <= set(names) or len(figures) != len(names):
        return
    fw, fa, fb = (figures[names.index(x)] for x in (whole, a, b))
    if fw is None:
        return
    f = compare(_pos([fw, fa, fb], fallback), "split", f"{label} {measure_name(whole)}",
                round_value(fw), round_value(fa) + round_value(fb), 2,
                f"{measure_name(a)} + {measure_name(b)} =")
    if f:
        yield f


def _tree(rows):
    """(total, [(group label, figures, [item figures])]) of rows with roles total/group/item."""
    total, groups, current = None, [], None
    for row in rows:
        if row.role == "total":
            total = _figures(row)
        elif row.role == "group":
            current = [_label(row), _figures(row), []]
            groups.append(current)
        elif current is not None:
            current[2].append(_figures(row))
    return total, groups


def _check_table(table, spec, budget):
    fallback = budget.where.get("lines")
    headers = _column_names(spec)
    if table.layout == "subjects":
        rows = dict(_subject_rows(table))
        for code, figures in rows.items():
            label = code or spec.total_label
            level = {0: 3, 3: 5, 5: 7}.get(len(code))
            children = [f for c, f in rows.items() if len(c) == level and c.startswith(code)]
            if children:
                name = {3: _("各类行"), 5: _("各款行"), 7: _("各项行")}[level]
                yield from _sum_check("sum", label, figures, children, headers, fallback, name)
            yield from _split_check(label, figures, spec, fallback, ("total", "basic", "project"))
    elif table.layout == "economic":
        fallback = budget.basic_by_economic.where.get("records", fallback)
        for row in table.rows:
            yield from _split_check(_label(row), _figures(row), spec, fallback,
                                    ("total", "personnel", "public"))
        total, groups = _tree(table.rows)
        if total is not None:
            yield from _sum_check("sum", spec.total_label, total, [g[1] for g in groups], headers,
                                  fallback, _("经济分类各类行"))
        for label, figures, items in groups:
            yield from _sum_check("sum", label, figures, items, headers, fallback, _("各款行"))
    elif table.layout == "projects" and table.rows:
        key = "carryover_projects" if spec.carryover else "projects"
        fallback = budget.where.get(key, fallback)
        total, units = _tree(table.rows)
        yield from _sum_check("sum", _label(table.rows[0]), total, [u[1] for u in units],
                              headers, fallback, _("各单位行"))
        for label, figures, items in units:
            yield from _sum_check("sum", label, figures, items, headers, fallback, _("各项目"))
    elif table.layout == "three_public":
        fallback = budget.where.get("three_public", fallback)
        # the items as the format declares them: [label, path, level]; a path's parts are the
        # items whose path extends it by one step; the 合计 is the sum of the top-level items
        items = [(str(i[0]), str(i[1]) if len(i) > 1 and i[1] else "") for i in spec.items]
        printed = {path: _figures(row) for (label, path), row in
                   zip(items, [r for r in table.rows if r.role != "total"])}
        labels = dict((path, label) for label, path in items)
        for path, figures in printed.items():
            kids = [printed[p] for p in printed if p.startswith(path + ".") and p.count(".") == path.count(".") + 1]
            if kids:
                yield from _sum_check("sum", labels[path], figures, kids, headers, fallback,
                                      "、".join(labels[p] for p in printed if p.startswith(path + ".")
                                               and p.count(".") == path.count(".") + 1))
        total = next((r for r in table.rows if r.role == "total"), None)
        top = [path for path in printed if "." not in path]
        if total is not None and top:
            yield from _sum_check("sum", spec.total_label, _figures(total), [printed[p] for p in top],
                                  headers, fallback, "、".join(labels[p] for p in top))


def printed_sums(subject):
    """Every printed parent equals the sum of its printed children, in every table."""
    seen: dict = {}
    specs = subject.format.tables
    for table, spec in zip(subject.derived.tables, specs):
        for finding in _check_table(table, spec, subject.source.budget):
            key = (finding.pos, finding.level, finding.rule, finding.message)
            seen.setdefault(key, []).append(table.ref)
    for (pos, level, rule, message), tables in seen.items():
        yield Finding(pos, level, rule, _("{tables}中：{message}", tables="、".join(dict.fromkeys(tables)),
                                          message=message))


def procurement_total(subject):
    """A stated 政府采购 总额 equals 货物 + 工程 + 服务."""
    p = subject.source.budget.procurement
    if p.total is not None:
        f = compare(p.where.get("total"), "procurement", "政府采购预算总额", p.total, p.sum, 3,
                    "货物 + 工程 + 服务 =")
        if f:
            yield f


RULES = [approved_figures, printed_sums, procurement_total]

__all__ = ["RULES", "money"]
