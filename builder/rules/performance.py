"""Rules on the 绩效目标表 (content/<year>/performance/*.yaml).

Each finding points at the YAML line of the value concerned. Levels: a structure that
cannot be printed in the standard layout (a 二级 under the wrong 一级, an unknown
项目支出 table reference) is an error; data that the standard allows to print but that looks wrong
(a 指标值 that is not a quantity where one is expected, 年度资金 ≠ the 项目支出 table, no 满意度
indicator) is a warning — the reference edition itself prints such tables.
"""
from __future__ import annotations

from decimal import Decimal

from ..findings import Finding
from ..performance import (
    LEVELS,
    QUANTITATIVE,
    SATISFACTION,
    DepartmentTable,
    ProjectTable,
    SpecialDirection,
    SpecialSummary,
    budget_lines,
    level1_of,
    money,
    norm,
    parse_value,
    projects,
    summary_amount,
    to_yuan,
    walk,
)

MONEY_UNITS = {"元", "万元", "亿元", "千元"}


def _tables(subject):
    return [t for t in subject.source.performance if not getattr(t, "redacted", False)]


def _where(obj, name):
    return getattr(obj, "where", {}).get(name) or getattr(obj, "pos", None)


def _finding(table, pos, level: str, rule: str, message: str, indicator: str | None = None) -> Finding:
    """A finding; a note instead when the table lists it under reviewed:."""
    for review in getattr(table, "reviewed", ()):
        if review.rule == rule and (review.indicator is None or review.indicator == indicator):
            return Finding(pos, "note", rule, f"{message} — reviewed: {review.note}")
    return Finding(pos, level, rule, message)


def _label(table) -> str:
    name = getattr(table, "name", None)
    return f"“{name}”" if name else f"{table.title}"


def level_mismatch(subject):
    """perf-level-mismatch: 一级 → 二级 as the standard has them; 三级 in a fitting 二级."""
    for table in _tables(subject):
        indicators = getattr(table, "indicators", None)
        if not indicators:
            continue
        for l1, groups in indicators.items():
            if norm(l1) not in LEVELS:
                yield Finding(indicators.key_pos[l1], "error", "perf-level-mismatch",
                              f"'{l1}' is not a 一级指标: use 产出指标, 效益指标, 满意度指标 or 成本指标")
                continue
            for l2 in (groups or {}):
                if norm(l2) in LEVELS[norm(l1)]:
                    continue
                homes = level1_of(l2)
                hint = (f"; it belongs under {'/'.join(h + '指标' for h in homes)}" if homes else
                        f"; under {l1} the 二级 are {'、'.join(sorted(n + '指标' for n in LEVELS[norm(l1)]))}")
                yield Finding(groups.key_pos[l2], "error", "perf-level-mismatch",
                              f"{_label(table)}: 二级指标 '{l2}' is not a 二级 of {l1}{hint}")
        for l1, l2, item, pos in walk(indicators):
            n2 = norm(l2)
            name = item.name.text
            if ("满意" in name) and n2 not in SATISFACTION:
                yield _finding(table, pos, "warning", "perf-level-mismatch",
                               f"{_label(table)}: 三级指标 '{name}' is a 满意度 indicator but sits under "
                               f"{l1} → {l2}; put it under 满意度指标 → 服务对象满意度指标", indicator=name)
                continue
            units = {parse_value(c.text).unit for _, c in item.values()}
            if n2 in ("数量", "质量", "时效") and any(
                    u and u.split("/")[0] in MONEY_UNITS for u in units if u is not None):
                yield _finding(table, pos, "warning", "perf-level-mismatch",
                               f"{_label(table)}: 三级指标 '{name}' has an amount of money as its value but "
                               f"sits under {l2}; costs belong under 成本指标", indicator=name)


def value_unparsed(subject):
    """perf-value-unparsed: a 指标值 that should be a quantity but does not parse as one."""
    for table in _tables(subject):
        for l1, l2, item, pos in walk(getattr(table, "indicators", {}) or {}):
            expected = norm(l2) in QUANTITATIVE or norm(l1) == "成本"
            for key, cell in item.values():
                text = cell.text.strip()
                if not text or cell.truncated:
                    continue
                value = parse_value(text)
                where = _where(item, key) or pos
                if value.has_operator and not value.quantitative:
                    yield _finding(table, where, "warning", "perf-value-unparsed",
                                   f"{_label(table)}: 指标值 '{text}' of '{item.name}' starts with an operator "
                                   "but is not a number with a unit (e.g. ≥90%, ≤5万元/户/次)", indicator=item.name.text)
                elif expected and not value.quantitative:
                    yield _finding(table, where, "warning", "perf-value-unparsed",
                                   f"{_label(table)}: 指标值 '{text}' of '{item.name}' ({l2}) should be a "
                                   "quantity: an optional operator, a number and a unit (e.g. ≥75人, 400元/人, 100%)", indicator=item.name.text)
                elif expected and value.unit == "":
                    yield _finding(table, where, "warning", "perf-value-unparsed",
                                   f"{_label(table)}: 指标值 '{text}' of '{item.name}' ({l2}) has no unit "
                                   "(write e.g. 990人)", indicator=item.name.text)


def _projects_table(subject) -> str:
    """How the edition's format names its 项目支出 table."""
    return subject.format.name_of("projects", "项目支出表")


def _budget_unit(subject) -> str:
    return subject.source.edition.unit


def amount_mismatch(subject):
    """perf-amount-mismatch: 年度资金 = the project's amount in the 项目支出 table; 明细 add up."""
    budget = subject.source.budget
    unit = _budget_unit(subject)
    for table in _tables(subject):
        if isinstance(table, ProjectTable) and table.budget_item is not None:
            lines = budget_lines(budget, table.budget_item)
            if not lines:
                continue  # reported by budget_reference
            expected = to_yuan(sum((p.amount.total for p in lines), Decimal(0)), unit)
            year = table.funds.year
            # the 项目支出 table prints each line rounded to the cent of its unit: half of it per line is 尾差
            tolerance = to_yuan(Decimal("0.005"), unit) * len(lines)
            if abs(year.total - expected) > tolerance:
                yield _finding(table, _where(table.funds, "year") or _where(table, "funds"), "warning",
                               "perf-amount-mismatch",
                               f"{_label(table)}: 年度资金总额 {money(year.total)}元 differs from its amount in "
                               f"the 项目支出 table ({_projects_table(subject)}), {money(expected)}元 "
                               f"({table.budget_item.unit} · {table.budget_item.name})")
        elif isinstance(table, SpecialDirection) and table.details:
            total = sum((d.amount or 0 for d in table.details), Decimal(0))
            if total != table.amount:
                yield _finding(table, _where(table, "details"), "warning", "perf-amount-mismatch",
                               f"{_label(table)}: 支出明细 add up to {money(total)}{table.amount_unit}, "
                               f"but 项目金额 is {money(table.amount)}{table.amount_unit}")
        elif isinstance(table, DepartmentTable):
            f = table.funds
            if (f.basic is not None or f.project is not None) and f.by_expense != f.total:
                yield _finding(table, _where(table, "funds"), "warning", "perf-amount-mismatch",
                               f"{_label(table)}: 基本支出 + 项目支出 = {money(f.by_expense)}, but the "
                               f"sources add up to {money(f.total)} (资金总额)")
    directions = {t.name: t.amount for t in subject.source.performance if isinstance(t, SpecialDirection)}
    for table in _tables(subject):
        if isinstance(table, SpecialSummary):
            for row, pos in zip(table.rows, table.rows.item_pos):
                if row.name in directions and row.amount is not None and row.amount != directions[row.name]:
                    yield _finding(table, _where(row, "amount") or pos, "warning", "perf-amount-mismatch",
                                   f"汇总表 row '{row.name}': {money(row.amount)} differs from its 支出方向 "
                                   f"table, {money(directions[row.name])}")
                elif summary_amount(row, directions) is None:
                    yield Finding(pos, "error", "perf-amount-mismatch",
                                  f"汇总表 row '{row.name}' has no amount and no 支出方向 table of that "
                                  "name: give amount:")


def satisfaction_missing(subject):
    """perf-satisfaction-missing: every table with indicators has a 满意度 indicator."""
    for table in _tables(subject):
        if isinstance(table, SpecialSummary):
            continue
        indicators = getattr(table, "indicators", {}) or {}
        found = any(norm(l2) in SATISFACTION and item.name.text
                    for _l1, l2, item, _pos in walk(indicators))
        if not found:
            yield _finding(table, _where(table, "indicators"), "warning", "perf-satisfaction-missing",
                           f"{_label(table)} has no 满意度 indicator: add one under 满意度指标 → "
                           "服务对象满意度指标 (e.g. 服务对象满意度 ≥90%)")


def budget_reference(subject):
    """perf-budget-item: each project table names its line(s) in the 项目支出 table."""
    budget = subject.source.budget
    for table in subject.source.performance:
        if not isinstance(table, ProjectTable):
            continue
        item = table.budget_item
        if item is None:
            yield _finding(table, table.pos, "warning", "perf-budget-item",
                           f"{_label(table)} does not name its line in the 项目支出 table ({_projects_table(subject)}): add "
                           "budget_item: {unit: …, name: …}; until then it is not counted as published")
            continue
        if budget_lines(budget, item):
            continue
        names = [p.name for g in budget.projects if g.unit == item.unit for p in g.projects]
        if not any(g.unit == item.unit for g in budget.projects):
            problem = f"no 单位 '{item.unit}' in budget.yaml projects:"
        elif item.name not in names:
            problem = f"no project '{item.name}' under {item.unit} in budget.yaml projects:"
        else:
            problem = f"entry {item.entry}: {item.unit} has {names.count(item.name)} line(s) named '{item.name}'"
        yield Finding(_where(table, "budget_item"), "error", "perf-budget-item", problem)


def summary_agrees(subject):
    """perf-summary-mismatch: 公开 figures typed in budget.yaml agree with the tables."""
    published = projects(subject.source)
    typed = subject.source.budget.performance
    if not published or not typed.published:
        return
    pos = typed.where.get("published") or typed.pos
    count = sum(k.count for k in typed.published.values())
    amount = sum((k.amount for k in typed.published.values()), Decimal(0))
    real_count = len(published)
    real_amount = sum((p.amount for p in published), Decimal(0))
    if count != real_count or amount != real_amount:
        yield Finding(pos, "warning", "perf-summary-mismatch",
                      f"performance.published adds up to {count} projects, {money(amount)}, but the "
                      f"绩效目标表 under performance/ cover {real_count} projects, {money(real_amount)} "
                      f"(from {_projects_table(subject)}): the text prints the computed figures")
    if all(p.kind for p in published):
        for kind, typed_kind in typed.published.items():
            ps = [p for p in published if p.kind == kind]
            if len(ps) != typed_kind.count or sum((p.amount for p in ps), Decimal(0)) != typed_kind.amount:
                yield Finding(typed.published.key_pos.get(kind, pos), "warning", "perf-summary-mismatch",
                              f"performance.published.{kind} says {typed_kind.count} projects, "
                              f"{money(typed_kind.amount)}, but the tables give {len(ps)}, "
                              f"{money(sum((p.amount for p in ps), Decimal(0)))}: remove it (it is computed)")


RULES = [level_mismatch, value_unparsed, amount_mismatch, satisfaction_missing, budget_reference,
         summary_agrees]
