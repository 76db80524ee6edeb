"""The content model: Decimal money, positions, approved figures, table sets."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from budgetsite.amounts import Ledger, parse_measure
from budgetsite.build import build_site
from budgetsite.errors import BudgetError
from budgetsite.load import load_site
from budgetsite.yamlload import parse_yaml

from conftest import ROOT


def _walk(value, path="budget"):
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _walk(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}[{k}]")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")
    else:
        yield path, value


def test_money_is_decimal_never_float():
    site = load_site(ROOT)
    values = list(_walk(site.editions[0].budget))
    assert not [p for p, v in values if isinstance(v, float)]
    assert any(isinstance(v, Decimal) for _, v in values)
    line = site.editions[0].budget.lines["2082802"]
    assert line.project.general == Decimal("89.00")


def test_yaml_numbers_become_exact_decimals():
    data = parse_yaml("a: 0.1\nb: 0.2\nc: 1.0e+3\n", "x.yaml")
    assert data["a"] + data["b"] == Decimal("0.3")
    assert data["c"] == Decimal("1000")


def test_values_remember_file_and_line():
    site = load_site(ROOT)
    budget = site.editions[0].budget
    text = (ROOT / "content/2025/budget.yaml").read_text(encoding="utf-8").splitlines()
    pos = budget.lines.key_pos["2080905"]
    assert pos.file == "content/2025/budget.yaml"
    assert '"2080905"' in text[pos.line - 1]
    record = budget.basic_by_economic.records
    assert '"30217"' in text[record.item_pos[32].line - 1]
    edition = site.editions[0].edition
    edition_text = (ROOT / "content/2025/edition.yaml").read_text(encoding="utf-8").splitlines()
    assert edition_text[edition.where["status"].line - 1].startswith("status:")


def test_approved_figures_replace_sums_and_are_recorded():
    ledger = Ledger()
    ledger.add(("210", "21011", "2101101"), ("basic", "general", "current"), Decimal("8.59"))
    ledger.add(("210", "21011", "2101102"), ("basic", "general", "current"), Decimal("10.23"))
    roundings = []
    fig = ledger.figure(("210", "21011"), parse_measure("basic.general"), Decimal("18.81"),
                        None, "21011", roundings)
    assert (fig.derived, fig.value) == (Decimal("18.82"), Decimal("18.81"))
    assert roundings and roundings[0].terms == 2
    # a measure that selects other cells keeps its own sum
    assert ledger.figure(("210",), parse_measure("project"), Decimal("18.81")).value == 0


def test_unknown_measure_is_an_error():
    with pytest.raises(BudgetError, match="unknown measure 'baisc'"):
        parse_measure("baisc.general")


def test_the_mof_eight_table_set_builds(site_copy, tmp_path):
    site_yaml = site_copy / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("tableset: shanxi-13", "tableset: mof-8"),
                         encoding="utf-8")
    build_site(site_copy, tmp_path / "out", pdf=False)
    html = (tmp_path / "out/2025/tables.html").read_text(encoding="utf-8")
    assert html.count('<section class="budget-table"') == 8
    for title in ("2025年部门收支总表", "2025年一般公共预算基本支出表", "2025年政府性基金预算支出表"):
        assert title in html
    assert "449.83" in html and "3314.92" in html


def test_unknown_tableset_lists_the_bundled_ones(site_copy, tmp_path):
    site_yaml = site_copy / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("tableset: shanxi-13", "tableset: nope"),
                         encoding="utf-8")
    with pytest.raises(BudgetError, match="mof-8, shanghai-9, shanxi-13") as info:
        build_site(site_copy, tmp_path / "out", pdf=False)
    assert info.value.pos.file == "site.yaml" and info.value.pos.line == 4
