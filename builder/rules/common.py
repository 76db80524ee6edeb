"""Helpers shared by the rules: levels for rounding differences, money in messages."""
from __future__ import annotations

from decimal import Decimal

from ..amounts import half_cents, round_cents
from ..findings import Finding
from ..i18n import _

MEASURE_NAMES = {
    "total": "合计", "basic": "基本支出", "project": "项目支出", "personnel": "人员经费",
    "public": "公用经费", "current": "本年", "carryover": "上年结转", "general": "一般公共预算",
    "fund": "政府性基金预算", "soe": "国有资本经营预算", "special": "财政专户管理资金",
    "unit": "单位资金", "fiscal": "财政拨款",
}


def money(value: Decimal) -> str:
    return f"{round_cents(Decimal(value)):.2f}"


def measure_name(text: str) -> str:
    return "·".join(MEASURE_NAMES.get(t, t) for t in text.split("."))


def compare(pos, rule: str, what: str, printed: Decimal, expected: Decimal, terms: int,
            parts: str, strict: bool = False) -> Finding | None:
    """A note when ``printed`` differs from ``expected`` within rounding (尾差), else an error.

    ``terms`` is how many rounded figures ``expected`` adds up; rounding can explain half
    a cent for each, and for the printed figure itself. ``strict``: two tables print the
    same figure, so any difference is an error (a 尾差 is settled by stating the 批复数).
    ``what`` and ``parts`` are already in the current language (made with ``_``).
    """
    diff = round_cents(printed) - round_cents(expected)
    if not diff:
        return None
    tolerance = half_cents(terms + 1)
    if strict:
        hint = (_("（在尾差范围内：请在 approved: 下写明批复数，使两张表印出同一个数）")
                if abs(diff) <= tolerance else "")
        return Finding(pos, "error", rule,
                       _("{what}为 {printed}，而{parts} {expected}，两者相差 {diff}{hint}",
                         what=what, printed=money(printed), parts=parts, expected=money(expected),
                         diff=money(diff), hint=hint))
    if abs(diff) <= tolerance:
        return Finding(pos, "note", f"{rule}-rounding",
                       _("{what}为 {printed}，{parts} {expected}：尾差 {diff}，在 {terms} 个数的舍入范围内",
                         what=what, printed=money(printed), parts=parts, expected=money(expected),
                         diff=money(diff), terms=terms))
    return Finding(pos, "error", rule,
                   _("{what}为 {printed}，而{parts} {expected}，两者相差 {diff}，超出舍入所能解释的范围"
                     "（最多 {tolerance}）：请改正其中之一",
                     what=what, printed=money(printed), parts=parts, expected=money(expected),
                     diff=money(diff), tolerance=money(tolerance)))
