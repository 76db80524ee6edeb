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
from ..i18n import _
from ..perfgrid import column_of, column_total, fund_score, fund_total, lookup, resolved
from ..frameworks import find_framework
from ..performance import budget_lines, money, parse_value, projects, to_yuan
from ..schema import pos_of

MONEY_UNITS = {"元", "万元", "亿元", "千元"}


def _tables(subject, check: str | None = None):
    return [t for t in subject.source.performance
            if not t.redacted and (check is None or check in t.layout.checks)]


def _finding(table, pos, level: str, rule: str, message: str, indicator: str | None = None) -> Finding:
    """A finding; a note instead when the table lists it under reviewed:."""
    for review in table.reviewed:
        if review.rule == rule and (review.indicator is None or review.indicator == indicator):
            return Finding(pos, "note", rule, _("{message}——已核实：{note}", message=message, note=review.note))
    return Finding(pos, level, rule, message)


def _label(table) -> str:
    return f"“{table.name}”"


def _roles(table) -> dict:
    """role (一级 / 二级) -> index of that level in the table's grouping."""
    block = table.layout.indicators
    return {lv.role: i for i, lv in enumerate(block.levels) if lv.role} if block else {}


def _framework(subject, table):
    """The 绩效指标体系 the table's layout follows (its indicators block's ``framework``)."""
    block = table.layout.indicators
    name = getattr(block, "framework", None)
    key = ("framework", name)
    if key not in subject.memo:  # one framework, asked for by every table of every rule
        subject.memo[key] = find_framework(name, subject.root,
                                           pos_of(block, "framework") or table.pos_of(block.key))
    return subject.memo[key]


def _level_names(names) -> str:
    names = [n + "指标" for n in names]
    return "、".join(names[:-1]) + _("或") + names[-1] if len(names) > 1 else "".join(names)


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
        framework = _framework(subject, table)
        for _path, level1s in _groups_at(table.indicators, i1):
            for l1, groups in (level1s or {}).items():
                if not framework.is_level1(l1):
                    yield Finding(level1s.key_pos[l1], "error", "perf-level-mismatch",
                                  _("“{l1}”不是一级指标：请用{names}", l1=l1,
                                    names=_level_names(framework.level1_names())))
                    continue
                if i2 != i1 + 1 or not isinstance(groups, dict):
                    continue
                for l2 in groups:
                    if framework.admits(l1, l2):
                        continue
                    homes = framework.homes(l2)
                    hint = (_("；它应归在{homes}下", homes="/".join(h + "指标" for h in homes)) if homes else
                            _("；{l1}下的二级指标是{names}", l1=l1,
                              names="、".join(n + "指标" for n in framework.level2_of(l1))))
                    yield Finding(groups.key_pos[l2], "error", "perf-level-mismatch",
                                  _("{table}：二级指标“{l2}”不是{l1}的二级指标{hint}",
                                    table=_label(table), l2=l2, l1=l1, hint=hint))
        if i2 is None:
            continue
        for item, pos in table.items():
            l1, l2 = item.groups[i1], item.groups[i2]
            name = item.name.text
            if "满意" in name and not framework.is_satisfaction(l2):
                yield _finding(table, pos, "warning", "perf-level-mismatch",
                               _("{table}：三级指标“{name}”是满意度指标，却归在{l1} → {l2}下：请移到{home}下",
                                 table=_label(table), name=name, l1=l1, l2=l2,
                                 home=framework.satisfaction_home()), indicator=name)
                continue
            units = {parse_value(c.text).unit for c in _targets(table, item)}
            if framework.not_money_at(l2) and any(u and u.split("/")[0] in MONEY_UNITS for u in units if u):
                yield _finding(table, pos, "warning", "perf-level-mismatch",
                               _("{table}：三级指标“{name}”的指标值是金额，却归在{l2}下：成本应归在成本指标下",
                                 table=_label(table), name=name, l2=l2), indicator=name)


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
        framework = _framework(subject, table)
        for item, pos in table.items():
            l1 = item.groups[roles["一级"]] if "一级" in roles else ""
            l2 = item.groups[roles["二级"]] if "二级" in roles else ""
            qualitative = attribute is not None and "定性" in (item.get(attribute.key) or "").__str__()
            expected = framework.expects_quantity(l1, l2) and not qualitative
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
                                       _("{table}：“{name}”的{column}“{text}”不是数值"
                                         "（定量指标请写数字，运算符和单位写在各自的列）",
                                         table=_label(table), name=name, column=column.header or "指标值",
                                         text=text), indicator=name)
                    continue
                l2_shown = item.groups[roles["二级"]] if "二级" in roles else ""
                if value.has_operator and not value.quantitative:
                    yield _finding(table, where, "warning", "perf-value-unparsed",
                                   _("{table}：“{name}”的指标值“{text}”以运算符开头，却不是带单位的数值"
                                     "（如 ≥90%、≤5万元/户/次）", table=_label(table), name=name, text=text),
                                   indicator=name)
                elif expected and column.kind == "target" and not value.quantitative:
                    yield _finding(table, where, "warning", "perf-value-unparsed",
                                   _("{table}：“{name}”（{l2}）的指标值“{text}”应是数量：可带运算符，"
                                     "再写数字和单位（如 ≥75人、400元/人、100%）",
                                     table=_label(table), name=name, l2=l2_shown, text=text),
                                   indicator=name)
                elif expected and column.kind == "target" and value.unit == "":
                    yield _finding(table, where, "warning", "perf-value-unparsed",
                                   _("{table}：“{name}”（{l2}）的指标值“{text}”没有单位：请写上单位（如 990人）",
                                     table=_label(table), name=name, l2=l2_shown, text=text), indicator=name)


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
                           _("{table}：{label} {amount}元与该项目在项目支出表（{projects}）中的金额 {expected}元"
                             "不等（{unit} · {name}）：请核对",
                             table=_label(table), label=label.rstrip("："), amount=money(in_yuan),
                             projects=_projects_table(subject), expected=money(expected),
                             unit=table.budget_item.unit, name=table.budget_item.name))
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
                                   _("{table}：{names} = {other}，而各来源相加为 {total}（{label}）：请核对",
                                     table=_label(table), names=names, other=money(other, table.unit),
                                     total=money(total, table.unit), label=funds.total.rstrip("：")))
        for column in funds.columns:
            values = data.get(column.key) or {} if column.key else data
            given = values.get("total") if column.key else None
            parts = [values.get(s.key) for s in column.sources or funds.sources]
            if given is not None and any(p is not None for p in parts):
                added = sum((p for p in parts if p is not None), Decimal(0))
                if added != given:
                    yield _finding(table, table.pos_of(f"funds.{column.key}.total"), "warning",
                                   "perf-amount-mismatch",
                                   _("{table}：{column}的合计{given}与各来源之和{added}不等",
                                     table=_label(table), column=column.header or column.total or column.key,
                                     given=money(given, table.unit), added=money(added, table.unit)))
    for block in table.layout.blocks_of("list"):
        total = block.total
        if total is None or not total.sum:
            continue
        rows = table.get(block.key) or []
        key = total.sum[0]
        column = next(c for c in block.columns if c.key == key)
        if column.lookup:
            for row in rows:
                if row.get(key) is None and lookup(row, column, subject.source.performance) is None:
                    yield Finding(row.pos, "error", "perf-amount-mismatch",
                                  _("汇总表中“{name}”一行没有金额，也没有同名的支出方向表：请填写 amount:",
                                    name=row.get("name")))
                elif row.get(key) is not None:
                    other = lookup(row, column, subject.source.performance)
                    if other is not None and other != row.get(key):
                        yield _finding(table, row.where.get(key, row.pos), "warning", "perf-amount-mismatch",
                                       _("汇总表中“{name}”一行为 {amount}，与其支出方向表的 {other} 不等：请核对",
                                         name=row.get("name"), amount=money(row.get(key)), other=money(other)))
        if total.equals and rows:
            added = sum((r.get(key) or Decimal(0) for r in rows), Decimal(0))
            expected = table.get(total.equals)
            if expected is not None and added != expected:
                yield _finding(table, table.pos_of(block.key), "warning", "perf-amount-mismatch",
                               _("{table}：支出明细相加为 {added}{unit}，而项目金额为 {expected}{unit}：请核对",
                                 table=_label(table), added=money(added), expected=money(expected),
                                 unit=table.unit))


def satisfaction_missing(subject):
    """perf-satisfaction-missing: a table whose layout asks for it has a 满意度 indicator."""
    for table in _tables(subject, "satisfaction"):
        roles = _roles(table)
        at = roles.get("二级", roles.get("一级"))
        framework = _framework(subject, table)
        found = any(framework.is_satisfaction(item.groups[at]) and item.name.text
                    for item, _pos in table.items()) if at is not None else True
        if not found:
            yield _finding(table, table.pos_of(table.layout.indicators.key), "warning", "perf-satisfaction-missing",
                           _("{table}没有满意度指标：请在{home}下加一个（如 {example} ≥90%）",
                             table=_label(table), home=framework.satisfaction_home(),
                             example=framework.satisfaction[0] if framework.satisfaction else _("满意度")))


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
                               _("{table}：指标“{name}”有{target}“{value}”，但没有{actual}：请填写 {key}:",
                                 table=_label(table), name=item.name.text, target=target.header or "年度指标值",
                                 value=t.text, actual=actual.header or "实际完成值", key=actual.key),
                               indicator=item.name.text)


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
                               _("{table}：指标“{name}”的得分 {score} 高于分值 {weight}",
                                 table=_label(table), name=item.name.text, score=s, weight=w),
                               indicator=item.name.text)
        weights = [item.get(weight.key) for item, _pos in table.items() if item.get(weight.key) is not None]
        funds = table.layout.funds
        fund_weight = fund_score(table, funds)[0] if funds is not None and block.total and block.total.funds else None
        if weights:
            total = sum(weights, Decimal(0)) + (fund_weight or 0)
            if total != 100:
                yield _finding(table, table.pos_of(block.key), "warning", "perf-score",
                               _("{table}：各项分值合计 {total}（含预算执行 {fund}），应为 100",
                                 table=_label(table), total=total, fund=fund_weight or 0))


def budget_reference(subject):
    """perf-budget-item: each project table names its line(s) in the 项目支出 table."""
    budget = subject.source.budget
    for table in subject.source.performance:
        if table.role != "project" or "budget" not in table.layout.checks:
            continue
        item = table.budget_item
        if item is None:
            yield _finding(table, table.pos, "warning", "perf-budget-item",
                           _("{table}没有写明它在项目支出表（{projects}）中对应的项目：请加上 "
                             "budget_item: {{unit: …, name: …}}；加上之前，它不计入已公开的项目",
                             table=_label(table) if not table.redacted else table.title,
                             projects=_projects_table(subject)))
            continue
        if budget_lines(budget, item):
            continue
        names = [p.name for g in budget.projects if g.unit == item.unit for p in g.projects]
        if not any(g.unit == item.unit for g in budget.projects):
            problem = _("budget.yaml 的 projects: 中没有单位“{unit}”：请核对 budget_item: 的 unit", unit=item.unit)
        elif item.name not in names:
            problem = _("budget.yaml 的 projects: 中{unit}下没有项目“{name}”：请核对 budget_item: 的 name",
                        name=item.name, unit=item.unit)
        else:
            problem = _("budget_item: 的 entry 为 {entry}，而{unit}下名为“{name}”的项目有 {count} 个：请核对 entry",
                        entry=item.entry, unit=item.unit, count=names.count(item.name), name=item.name)
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
                      _("budget.yaml 的 performance.published 合计为 {count} 个项目、{amount}，而 performance/ "
                        "下的绩效目标表涵盖 {real_count} 个项目、{real_amount}（据{projects}）：正文印出的是"
                        "按绩效目标表计算的数",
                        count=count, amount=money(amount), real_count=real_count,
                        real_amount=money(real_amount), projects=_projects_table(subject)))
    if all(p.kind for p in published):
        for kind, typed_kind in typed.published.items():
            ps = [p for p in published if p.kind == kind]
            if len(ps) != typed_kind.count or sum((p.amount for p in ps), Decimal(0)) != typed_kind.amount:
                yield Finding(typed.published.key_pos.get(kind, pos), "warning", "perf-summary-mismatch",
                              _("performance.published.{kind} 写的是 {count} 个项目、{amount}，而各表合计为 "
                                "{real_count} 个、{real_amount}：请删去它（这个数会自动计算）",
                                kind=kind, count=typed_kind.count, amount=money(typed_kind.amount),
                                real_count=len(ps), real_amount=money(sum((p.amount for p in ps), Decimal(0)))))


RULES = [level_mismatch, value_unparsed, amount_mismatch, satisfaction_missing, actual_missing, scores,
         budget_reference, summary_agrees]
