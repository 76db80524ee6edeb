"""Helpers shared by the rules: levels for rounding differences, money in messages."""
from __future__ import annotations

from decimal import Decimal

from ..amounts import half_cents, round_cents
from ..findings import Finding

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
    """
    diff = round_cents(printed) - round_cents(expected)
    if not diff:
        return None
    tolerance = half_cents(terms + 1)
    if strict:
        hint = (" (within rounding: state the 批复数 under approved: so that both print it)"
                if abs(diff) <= tolerance else "")
        return Finding(pos, "error", rule,
                       f"{what} is {money(printed)}, but {parts} {money(expected)}: they differ by "
                       f"{money(diff)}{hint}")
    if abs(diff) <= tolerance:
        return Finding(pos, "note", f"{rule}-rounding",
                       f"{what} is {money(printed)}, {parts} {money(expected)}: 尾差 {money(diff)}, "
                       f"within the rounding of {terms} figures")
    return Finding(pos, "error", rule,
                   f"{what} is {money(printed)}, but {parts} {money(expected)}: they differ by {money(diff)}, "
                   f"more than rounding can explain (at most {money(tolerance)}); correct one of them")
