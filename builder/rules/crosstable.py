"""Cross-table identities: the same money seen from two tables must agree."""
from __future__ import annotations

from ..amounts import parse_measure
from ..derive import economic_ledger, functional_ledger
from ..findings import Finding
from ..i18n import _
from ..model import ZERO
from ..sources import FISCAL
from .common import compare, money


def applies(rule):
    """Run ``rule`` only for formats that list its id under ``checks:`` (the identities that
    hold in that format)."""
    name = rule.__name__.replace("_", "-")

    def gated(subject):
        if name in subject.format.checks:
            yield from rule(subject)

    gated.__name__ = rule.__name__
    gated.__doc__ = rule.__doc__
    return gated


def _name(subject, table_id: str, fallback: str) -> str:
    """How the edition's format names a table in messages."""
    return subject.format.name_of(table_id, fallback)

# “三公” items and the 部门经济分类 款 that carry their 基本支出 part
THREE_PUBLIC_CODES = {
    "abroad": ("30212", "因公出国（境）费"),
    "reception": ("30217", "公务接待费"),
    "vehicle_operation": ("30231", "公务用车运行维护费"),
    "vehicle_purchase": ("31013", "公务用车购置费"),
}


def _printed_functional(subject, measure: str):
    budget = subject.source.budget
    ledger = functional_ledger(subject.source)
    return ledger.figure((), parse_measure(measure), budget.approved.get("total"),
                         budget.approved.key_pos.get("total"))


def _printed_economic(subject, measure: str):
    econ = subject.source.budget.basic_by_economic
    return economic_ledger(subject.source).figure((), parse_measure(measure), econ.approved.get("total"))


def economic_vs_lines(subject):
    """The 经济分类 table's 合计 = 一般公共预算 基本支出 of the budget lines."""
    econ = subject.source.budget.basic_by_economic
    if not econ.records and not _printed_functional(subject, "basic.general.current"):
        return
    e = _printed_economic(subject, "total")
    lines = _printed_functional(subject, "basic.general.current")
    pos = econ.where.get("records") or subject.source.budget.pos
    table = _name(subject, "economic", "基本支出分经济科目表")
    f = compare(pos, "economic-vs-lines", _("按经济分类的基本支出（{table}合计）", table=table), e.value,
                lines.value, 1, _("预算科目的一般公共预算基本支出为"), strict=True)
    if f:
        yield f


def projects_vs_lines(subject):
    """项目支出表 total = 项目支出 of the budget lines (本年 and 上年结转 apart)."""
    budget = subject.source.budget
    for key, period in (("projects", "current"), ("carryover_projects", "carryover")):
        of_lines = (_("预算科目的本年项目支出为") if period == "current"
                    else _("预算科目的上年结转项目支出为"))
        table = _name(subject, key, "项目支出表")
        groups = getattr(budget, key)
        listed = ZERO
        count = 0
        for group in groups:
            for project in group.projects:
                listed += project.amount.total
                count += 1
        lines = _printed_functional(subject, f"project.{period}")
        if not count and not lines.value:
            continue
        pos = budget.where.get(key) or budget.where.get("lines")
        f = compare(pos, "projects-vs-lines", _("按项目列出的项目支出（{table}）", table=table), listed,
                    lines.value, count, of_lines, strict=True)
        if f:
            yield f


def three_public_vs_economic(subject):
    """Each “三公” item covers at least its 基本支出 part in the 经济分类 records."""
    budget = subject.source.budget
    tp = budget.three_public
    for item, (code, name) in THREE_PUBLIC_CODES.items():
        basic = sum((r.amount for r in budget.basic_by_economic.records if r.dept == code), ZERO)
        stated = sum((getattr(getattr(tp, item), s) for s in FISCAL), ZERO)
        if basic > stated:
            pos = tp.where.get(item) or budget.where.get("three_public") or budget.pos
            yield Finding(pos, "error", "three-public-vs-economic",
                          _("“三公”经费中的{name}为 {stated}，少于{table}中基本支出经济分类 {code} {name}的 "
                            "{basic}：“三公”经费数必须包含这部分，请核对",
                            name=name, stated=money(stated), basic=money(basic), code=code,
                            table=_name(subject, "economic", "基本支出分经济科目表")))


def operating_vs_public(subject):
    """机关运行经费 is part of 公用经费: it cannot exceed the 经济分类 table's 公用经费."""
    budget = subject.source.budget
    operating = sum((u.amount.total for u in budget.operating_costs), ZERO)
    public = _printed_economic(subject, "public").value
    if budget.basic_by_economic.records and operating > public:
        yield Finding(budget.where.get("operating_costs"), "error", "operating-vs-public",
                      _("机关运行经费 {operating} 超过了{table}的公用经费 {public}：机关运行经费是行政单位"
                        "（和参公事业单位）的公用经费，不能多于公用经费，请核对",
                        operating=money(operating), public=money(public),
                        table=_name(subject, "economic", "基本支出分经济科目表")))
    kinds = {u.name: u.type for u in subject.source.edition.units}
    for entry, pos in zip(budget.operating_costs, budget.operating_costs.item_pos):
        if kinds.get(entry.unit) == "事业单位":
            yield Finding(pos, "warning", "operating-unit-type",
                          _("{unit}是事业单位，却填了机关运行经费：机关运行经费只适用于行政单位和参公事业单位",
                            unit=entry.unit))


def performance_vs_projects(subject):
    """绩效目标管理 covers the 项目支出: managed amounts add up to it; published ≤ managed."""
    budget = subject.source.budget
    perf = budget.performance
    if not perf.managed:
        return
    managed = sum((g.amount for g in perf.managed.values()), ZERO)
    count = sum(g.count for g in perf.managed.values())
    project = _printed_functional(subject, "project").value
    f = compare(perf.where.get("managed"), "performance-vs-projects", _("纳入绩效目标管理的二级项目金额"),
                managed, project, len(perf.managed), _("项目支出为"), strict=True)
    if f:
        yield f
    published = sum((g.amount for g in perf.published.values()), ZERO)
    published_count = sum(g.count for g in perf.published.values())
    if published > managed or published_count > count:
        yield Finding(perf.where.get("published"), "error", "performance-published",
                      _("公开绩效目标的项目（{published_count} 个，{published}）多于纳入绩效目标管理的项目"
                        "（{count} 个，{managed}）：请核对 performance: 中的数字",
                        published_count=published_count, published=money(published), count=count,
                        managed=money(managed)))


RULES = [applies(rule) for rule in (economic_vs_lines, projects_vs_lines, three_public_vs_economic,
                                     operating_vs_public, performance_vs_projects)]
