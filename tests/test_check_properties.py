"""Generated editions: when the sums hold there is no arithmetic error; any single changed
leaf amount (a budget line, a 经济分类 record, a project) is caught."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetsite.build import check_site
from budgetsite.codes import load_codes

from conftest import copy_site

ARITHMETIC = {"approved", "sum", "split", "procurement", "economic-vs-lines", "projects-vs-lines",
              "three-public-vs-economic", "operating-vs-public", "performance-vs-projects",
              "performance-published"}
CODES = load_codes(2025)
ITEMS = sorted(c for c in CODES.functional if len(c) == 7)
THREE_PUBLIC = {"30212", "30217", "30231", "31013"}
DEPT = sorted(c for c in CODES.economic_dept if len(c) == 5 and c not in THREE_PUBLIC)
GOV = sorted(c for c in CODES.economic_gov if len(c) == 5)
UNITS = ["阳泉市退役军人事务局", "阳泉市退役军人服务中心", "阳泉市军队离退休干部服务中心（阳泉市革命烈士纪念馆）"]

cents = st.integers(min_value=0, max_value=5_000_000)


def split(total: int, cuts: list[int]) -> list[int]:
    """``total`` cents split at the given fractions (per mille) into parts that add up."""
    points = sorted({total * c // 1000 for c in cuts} | {0, total})
    return [b - a for a, b in zip(points, points[1:])]


@st.composite
def editions(draw):
    codes = draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=8, unique=True))
    lines = {}
    for code in codes:
        basic, project = draw(cents), draw(cents)
        if not basic and not project:
            basic = 1
        lines[code] = (basic, project)
    total_basic = sum(b for b, _ in lines.values())
    total_project = sum(p for _, p in lines.values())
    econ_parts = split(total_basic, draw(st.lists(st.integers(1, 999), max_size=6)))
    pairs = draw(st.lists(st.tuples(st.sampled_from(DEPT), st.sampled_from(GOV)),
                          min_size=len(econ_parts), max_size=len(econ_parts), unique=True))
    records = [(d, g, a) for (d, g), a in zip(pairs, econ_parts) if a]
    project_parts = [a for a in split(total_project, draw(st.lists(st.integers(1, 999), max_size=8))) if a]
    units = draw(st.lists(st.sampled_from(UNITS), min_size=1, max_size=3, unique=True))
    groups = {u: [] for u in units}
    for i, amount in enumerate(project_parts):
        groups[units[i % len(units)]].append((f"项目{i + 1}", amount))
    return lines, records, {u: p for u, p in groups.items() if p}


def yuan(c: int) -> str:
    return str(Decimal(c) / 100)


def budget_yaml(lines, records, groups) -> str:
    out = ["lines:"]
    for code, (basic, project) in lines.items():
        out.append(f'  "{code}": {{basic: {yuan(basic)}, project: {yuan(project)}}}')
    out.append("basic_by_economic:\n  records:" if records else "basic_by_economic: {}")
    for dept, gov, amount in records:
        out.append(f'    - {{dept: "{dept}", gov: "{gov}", amount: {yuan(amount)}}}')
    out.append("projects:" if groups else "projects: []")
    for unit, projects in groups.items():
        out.append(f"  - unit: {unit}\n    projects:")
        for name, amount in projects:
            out.append(f"      - {{name: {name}, amount: {yuan(amount)}}}")
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return copy_site(tmp_path_factory.mktemp("generated") / "site")


def arithmetic_errors(site, text: str) -> list[str]:
    (site / "content/2025/budget.yaml").write_text(text, encoding="utf-8")
    return [str(f) for f in check_site(site).findings if f.rule in ARITHMETIC and f.level == "error"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edition=editions(), which=st.integers(0, 10_000), delta=st.integers(1, 100_000), sign=st.booleans())
def test_sums_hold_and_any_changed_leaf_is_caught(site, edition, which, delta, sign):
    lines, records, groups = edition
    assert arithmetic_errors(site, budget_yaml(lines, records, groups)) == []

    leaves = ([("line", code, k) for code in lines for k in (0, 1)]
              + [("record", i, None) for i in range(len(records))]
              + [("project", unit, i) for unit, ps in groups.items() for i in range(len(ps))])
    kind, key, sub = leaves[which % len(leaves)]
    change = -delta if sign else delta

    def moved(value: int) -> int:
        return value + change if value + change >= 0 else value + delta

    lines2, records2 = dict(lines), list(records)
    groups2 = {u: list(ps) for u, ps in groups.items()}
    if kind == "line":
        amounts = list(lines2[key])
        amounts[sub] = moved(amounts[sub])
        lines2[key] = tuple(amounts)
    elif kind == "record":
        d, g, a = records2[key]
        records2[key] = (d, g, moved(a))
    else:
        name, a = groups2[key][sub]
        groups2[key][sub] = (name, moved(a))
    assert arithmetic_errors(site, budget_yaml(lines2, records2, groups2)), (kind, key, sub, change)
