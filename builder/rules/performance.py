"""Rules on the 绩效目标表 and 自评表 (content/<year>/performance/*.yaml).

Which rules apply to a table is its layout's ``checks:`` (:mod:`builder.perflayouts`):
``levels`` (一级 → 二级 as the standard has them, for the levels the layout marks with a
role), ``quantities`` (values of quantity columns parse), ``satisfaction`` (a 满意度 indicator),
``budget`` (年度资金 = the project's amount in the 项目支出 table), ``sums`` (fund columns and
lists add up), ``actuals`` (a 自评表's targets have their 实际完成值), ``scores`` (得分 within
分值, 分值 adding up to 100).

Each finding points at the YAML line of the value concerned. Levels: a structure that
cannot be printed in the standard layout is an error; data the standard allows to print but
that looks wrong is a warning — the reference edition itself prints such tables.
"""
from __future__ import annotations

from decimal import Decimal

from ..findings import Finding
from ..perfgrid import column_of, column_total, fund_score, fund_total, resolved
from ..performance import (
    LEVELS,
    QUANTITATIVE,
    SATISFACTION,
    budget_lines,
    level1_of,
    money,
    norm,
    parse_value,
    projects,
    to_yuan,
)

MONEY_UNITS = {"元", "万元", "亿元", "千元"}


def _tables(subject, check: str | None = None):
    return [t for t in subject.source.performance
            if not t.redacted and (check is None or check in t.layout.checks)]


def _finding(table, pos, level: str, rule: str, message: str, indicator: str | None = None) -> Finding:
    """A finding; a note instead when the table lists it under reviewed:."""
    for review in table.reviewed:
        if review.rule == rule and (review.indicator is None or review.indicator == indicator):
            return Finding(pos, "note", rule, f"{message} — reviewed: {review.note}")
    return Finding(pos, level, rule, message)


def _label(table) -> str:
    return f"“{table.name}”"


def _roles(table) -> dict:
    """role (一级 / 二级) -> index of that level in the table's grouping."""
    block = table.layout.indicators
    return {lv.role: i for i, lv in enumerate(block.levels) if lv.role} if block else {}


def _groups_at(tree, depth: int, prefix=()):
    """(path of group names, the mapping of the group's children, its key positions) at ``depth``."""
    if depth == 0:
        yield prefix, tree
        return
    for name, sub in (tree or {}).items():
        if isinstance(sub, dict):
            yield from _groups_at(sub, depth - 1, prefix + (name,))


def level_mismatch(subject):
    """perf-level-mismatch: 一级 → 二级 as the standard has them; 三级 in a fitting 二级."""
    for table in _tables(subject, "levels"):
        roles = _roles(table)
        if "一级" not in roles:
            continue
        i1, i2 = roles["一级"], roles.get("二级")
        for _path, level1s in _groups_at(table.indicators, i1):
            for l1, groups in (level1s or {}).items():
                if norm(l1) not in LEVELS:
                    yield Finding(level1s.key_pos[l1], "error", "perf-level-mismatch",
                                  f"'{l1}' is not a 一级指标: use 产出指标, 效益指标, 满意度指标 or 成本指标")
                    continue
                if i2 != i1 + 1 or not isinstance(groups, dict):
                    continue
                for l2 in groups:
                    if norm(l2) in LEVELS[norm(l1)]:
                        continue
                    homes = level1_of(l2)
                    hint = (f"; it belongs under {'/'.join(h + '指标' for h in homes)}" if homes else
                            f"; under {l1} the 二级 are {'、'.join(sorted(n + '指标' for n in LEVELS[norm(l1)]))}")
                    yield Finding(groups.key_pos[l2], "error", "perf-level-mismatch",
                                  f"{_label(table)}: 二级指标 '{l2}' is not a 二级 of {l1}{hint}")
        if i2 is None:
            continue
        for item, pos in table.items():
            l1, l2 = item.groups[i1], item.groups[i2]
            n2, name = norm(l2), item.name.text
            if "满意" in name and n2 not in SATISFACTION:
                yield _finding(table, pos, "warning", "perf-level-mismatch",
                               f"{_label(table)}: 三级指标 '{name}' is a 满意度 indicator but sits under "
                               f"{l1} → {l2}; put it under 满意度指标 → 服务对象满意度指标", indicator=name)
                continue
            units = {parse_value(c.text).unit for c in _targets(table, item)}
            if n2 in ("数量", "质量", "时效") and any(u and u.split("/")[0] in MONEY_UNITS for u in units if u):
                yield _finding(table, pos, "warning", "perf-level-mismatch",
                               f"{_label(table)}: 三级指标 '{name}' has an amount of money as its value but "
                               f"sits under {l2}; costs belong under 成本指标", indicator=name)


def _targets(table, item):
    """The target values of an indicator as written (a value shared by two columns once)."""
    block = table.layout.indicators
    seen = set()
    for c in block.columns:
        if c.kind == "target":
            value = resolved(item, c, block)
            if value is not None and id(value) not in seen:
                seen.add(id(value))
                yield value


def _value_pos(item, column, block):
    if column.key in item.where:
        return item.where[column.key]
    for shared, targets in block.shared.items():
        if column.key in targets and shared in item.where:
            return item.where[shared]
    return item.pos


def value_unparsed(subject):
    """perf-value-unparsed: a 指标值 that should be a quantity but does not parse as one."""
    for table in _tables(subject, "quantities"):
        block = table.layout.indicators
        if block is None:
            continue
        roles = _roles(table)
        attribute = column_of(block, "attribute")
        for item, pos in table.items():
            l1 = norm(item.groups[roles["一级"]]) if "一级" in roles else ""
            l2 = norm(item.groups[roles["二级"]]) if "二级" in roles else ""
            qualitative = attribute is not None and "定性" in (item.get(attribute.key) or "").__str__()
            expected = (l2 in QUANTITATIVE or l1 == "成本") and not qualitative
            seen = set()
            for column in block.columns:
                if column.kind not in ("target", "actual", "quantity"):
                    continue
                cell = resolved(item, column, block)
                if cell is None or id(cell) in seen or not cell.text.strip() or cell.truncated:
                    continue
                seen.add(id(cell))
                text = cell.text.strip()
                where = _value_pos(item, column, block)
                name = item.name.text
                value = parse_value(text)
                if column.kind == "quantity":
                    if not qualitative and not value.quantitative:
                        yield _finding(table, where, "warning", "perf-value-unparsed",
                                       f"{_label(table)}：“{name}”的{column.header or '指标值'}“{text}”不是数值"
                                       "（定量指标请写数字，运算符和单位写在各自的列）", indicator=name)
                    continue
                l2_shown = item.groups[roles["二级"]] if "二级" in roles else ""
                if value.has_operator and not value.quantitative:
                    yield _finding(table, where, "warning", "perf-value-unparsed",
                                   f"{_label(table)}: 指标值 '{text}' of '{name}' starts with an operator "
                                   "but is not a number with a unit (e.g. ≥90%, ≤5万元/户/次)", indicator=name)
                elif expected and column.kind == "target" and not value.quantitative:
                    yield _finding(table, where, "warning", "perf-value-unparsed",
                                   f"{_label(table)}: 指标值 '{text}' of '{name}' ({l2_shown}) should be a "
                                   "quantity: an optional operator, a number and a unit (e.g. ≥75人, 400元/人, 100%)",
                                   indicator=name)
                elif expected and column.kind == "target" and value.unit == "":
                    yield _finding(table, where, "warning", "perf-value-unparsed",
                                   f"{_label(table)}: 指标值 '{text}' of '{name}' ({l2_shown}) has no unit "
                                   "(write e.g. 990人)", indicator=name)


def _projects_table(subject) -> str:
    """How the edition's format names its 项目支出 table."""
    return subject.format.name_of("projects", "项目支出表")


def amount_mismatch(subject):
    """perf-amount-mismatch: 年度资金 = the project's amount in the 项目支出 table; blocks add up."""
    budget = subject.source.budget
    unit = subject.source.edition.unit
    for table in _tables(subject, "budget"):
        funds = table.layout.funds
        if funds is None or funds.budget is None or table.budget_item is None:
            continue
        lines = budget_lines(budget, table.budget_item)
        if not lines:
            continue  # reported by budget_reference
        column = next(c for c in funds.columns if c.key == funds.budget)
        total = column_total(table, funds, column)
        if total is None:
            continue
        in_yuan = to_yuan(total, table.unit)
        expected = to_yuan(sum((p.amount.total for p in lines), Decimal(0)), unit)
        # the 项目支出 table prints each line rounded to the cent of its unit: half of it per line is 尾差
        tolerance = to_yuan(Decimal("0.005"), unit) * len(lines)
        if abs(in_yuan - expected) > tolerance:
            label = column.total or column.header or column.key
            yield _finding(table, table.pos_of(f"funds.{column.key}"), "warning", "perf-amount-mismatch",
                           f"{_label(table)}: {label.rstrip('：')} {money(in_yuan)}元 differs from its amount in "
                           f"the 项目支出 table ({_projects_table(subject)}), {money(expected)}元 "
                           f"({table.budget_item.unit} · {table.budget_item.name})")
    for table in _tables(subject, "sums"):
        yield from _sums(table, subject)


def _sums(table, subject):
    """Fund columns that must agree, a given total against its sources, list totals."""
    for funds in table.layout.blocks_of("funds"):
        data = table.get("funds") or {}
        if funds.style == "paired" and funds.total:
            total = fund_total(table, funds)
            for column in funds.columns[1:]:
                other = column_total(table, funds, column)
                if other is not None and total is not None and other != total:
                    names = "+".join(s.label.replace("其中：", "") for s in column.sources or funds.sources)
                    yield _finding(table, table.pos_of("funds"), "warning", "perf-amount-mismatch",
                                   f"{_label(table)}: {names} = {money(other, table.unit)}, but the "
                                   f"sources add up to {money(total, table.unit)} ({funds.total.rstrip('：')})")
        for column in funds.columns:
            values = data.get(column.key) or {} if column.key else data
            given = values.get("total") if column.key else None
            parts = [values.get(s.key) for s in column.sources or funds.sources]
            if given is not None and any(p is not None for p in parts):
                added = sum((p for p in parts if p is not None), Decimal(0))
                if added != given:
                    yield _finding(table, table.pos_of(f"funds.{column.key}.total"), "warning",
                                   "perf-amount-mismatch",
                                   f"{_label(table)}：{column.header or column.total or column.key}的合计"
                                   f"{money(given, table.unit)}与各来源之和{money(added, table.unit)}不等")
    for block in table.layout.blocks_of("list"):
        total = block.total
        if total is None or not total.sum:
            continue
        rows = table.get(block.key) or []
        key = total.sum[0]
        column = next(c for c in block.columns if c.key == key)
        if column.lookup:
            for row in rows:
                if row.get(key) is None and _lookup_amount(subject, row, column) is None:
                    yield Finding(row.pos, "error", "perf-amount-mismatch",
                                  f"汇总表 row '{row.get('name')}' has no amount and no 支出方向 table of that "
                                  "name: give amount:")
                elif row.get(key) is not None:
                    other = _lookup_amount(subject, row, column)
                    if other is not None and other != row.get(key):
                        yield _finding(table, row.where.get(key, row.pos), "warning", "perf-amount-mismatch",
                                       f"汇总表 row '{row.get('name')}': {money(row.get(key))} differs from its "
                                       f"支出方向 table, {money(other)}")
        if total.equals and rows:
            added = sum((r.get(key) or Decimal(0) for r in rows), Decimal(0))
            expected = table.get(total.equals)
            if expected is not None and added != expected:
                yield _finding(table, table.pos_of(block.key), "warning", "perf-amount-mismatch",
                               f"{_label(table)}: 支出明细 add up to {money(added)}{table.unit}, "
                               f"but 项目金额 is {money(expected)}{table.unit}")


def _lookup_amount(subject, row, column):
    name = row.get("name")
    name = getattr(name, "text", name)
    found = [t.get(column.lookup) for t in subject.source.performance
             if t.text("name") == name and t.get(column.lookup) is not None]
    return sum(found, Decimal(0)) if found else None


def satisfaction_missing(subject):
    """perf-satisfaction-missing: a table whose layout asks for it has a 满意度 indicator."""
    for table in _tables(subject, "satisfaction"):
        roles = _roles(table)
        at = roles.get("二级", roles.get("一级"))
        found = any(norm(item.groups[at]) in SATISFACTION and item.name.text
                    for item, _pos in table.items()) if at is not None else True
        if not found:
            yield _finding(table, table.pos_of(table.layout.indicators.key), "warning", "perf-satisfaction-missing",
                           f"{_label(table)} has no 满意度 indicator: add one under 满意度指标 → "
                           "服务对象满意度指标 (e.g. 服务对象满意度 ≥90%)")


def actual_missing(subject):
    """perf-actual-missing: in a 自评表, every 年度指标值 has its 实际完成值."""
    for table in _tables(subject, "actuals"):
        block = table.layout.indicators
        target, actual = column_of(block, "target"), column_of(block, "actual")
        if target is None or actual is None:
            continue
        for item, pos in table.items():
            t, a = resolved(item, target, block), resolved(item, actual, block)
            if t is not None and t.text.strip() and (a is None or not a.text.strip()):
                yield _finding(table, pos, "warning", "perf-actual-missing",
                               f"{_label(table)}：指标“{item.name.text}”有{target.header or '年度指标值'}“{t.text}”，"
                               f"但没有{actual.header or '实际完成值'}：请填写 {actual.key}:", indicator=item.name.text)


def scores(subject):
    """perf-score: 得分 not above 分值; the 分值 of a 自评表 add up to 100."""
    for table in _tables(subject, "scores"):
        block = table.layout.indicators
        weight, score = column_of(block, "weight"), column_of(block, "score")
        if weight is None:
            continue
        for item, pos in table.items():
            w, s = item.get(weight.key), item.get(score.key) if score else None
            if w is not None and s is not None and s > w:
                yield _finding(table, item.where.get(score.key, pos), "warning", "perf-score",
                               f"{_label(table)}：指标“{item.name.text}”的得分 {s} 高于分值 {w}",
                               indicator=item.name.text)
        weights = [item.get(weight.key) for item, _ in table.items() if item.get(weight.key) is not None]
        funds = table.layout.funds
        fund_weight = fund_score(table, funds)[0] if funds is not None and block.total and block.total.funds else None
        if weights:
            total = sum(weights, Decimal(0)) + (fund_weight or 0)
            if total != 100:
                yield _finding(table, table.pos_of(block.key), "warning", "perf-score",
                               f"{_label(table)}：各项分值合计 {total}（含预算执行 {fund_weight or 0}），应为 100")


def budget_reference(subject):
    """perf-budget-item: each project table names its line(s) in the 项目支出 table."""
    budget = subject.source.budget
    for table in subject.source.performance:
        if table.role != "project" or "budget" not in table.layout.checks:
            continue
        item = table.budget_item
        if item is None:
            yield _finding(table, table.pos, "warning", "perf-budget-item",
                           f"{_label(table) if not table.redacted else table.title} does not name its line in the "
                           f"项目支出 table ({_projects_table(subject)}): add "
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
        yield Finding(table.pos_of("budget_item"), "error", "perf-budget-item", problem)


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


RULES = [level_mismatch, value_unparsed, amount_mismatch, satisfaction_missing, actual_missing, scores,
         budget_reference, summary_agrees]
