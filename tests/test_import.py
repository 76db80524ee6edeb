"""budgetsite import: the budget system's workbook -> budget.yaml, verified cell by cell."""
from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import make_workbook
from builder.build import build_site, check_site
from builder.cli import main
from builder.importer import WCell, amount_of, import_workbook, kept_sections
from conftest import ROOT

REFERENCE_XLSX = "2025/data/阳泉市退役军人事务局-2025-部门预算表.xlsx"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    return make_workbook.make(tmp_path_factory.mktemp("wb") / "示例县-2025-预算批复表.xlsx")


def empty_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    shutil.copy2(ROOT / "site.yaml", site / "site.yaml")
    return site


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def body(text: str) -> str:
    """budget.yaml without its first line (which names the workbook file)."""
    return text.split("\n", 1)[1]


# -- the fixture workbook -------------------------------------------------------------------

def test_fixture_workbook_imports_what_it_states(workbook, tmp_path):
    site = empty_site(tmp_path)
    result = run("import", workbook, "--site", site)
    assert result.exit_code == 0, result.output
    assert ": warning" not in result.output and "error:" not in result.output.split("to do")[0]
    budget = (site / "content/2025/budget.yaml").read_text(encoding="utf-8")
    edition = (site / "content/2025/edition.yaml").read_text(encoding="utf-8")
    # every 项 with its kind, source and period, in 万元 as printed (元 rounded half up)
    for code, cells in make_workbook.LINES.items():
        line = re.search(rf'^  "{code}": (.*?)   #', budget, re.M).group(1)
        for (kind, source, period), yuan in cells.items():
            assert str(make_workbook.wan(yuan)) in line, (code, kind, source, period)
    assert '"2082804": {project: {general: 35.00, unit: 5.00}}' in budget
    assert '"2080905": {project: 200.00, carryover: {project: {general: 10.00}}}' in budget
    # 尾差: the totals the system printed (rounded from 元) are stated as 批复数
    assert '"21011": 10.00' in budget and '"20103": 6.67' in budget
    assert "total: {total: 489.58, basic: 239.58, current: 479.58, fiscal: 484.58, general.current: 474.58}" in budget
    assert '{dept: "30299", gov: "50299", amount: 38.92}' in budget and '"301": 182.17' in budget
    assert "vehicle_operation: 3.00" in budget and '{unit: "示例县退役军人事务局", amount: 45.00}' in budget
    assert '- unit: "示例县退役军人服务中心"\n    projects:\n      - {name: "军转干部安置服务经费", amount: 80.00}' in budget
    assert 'carryover_projects:\n  - unit: "示例县退役军人服务中心"' in budget
    assert 'department: "示例县退役军人事务局"' in edition and "type: 行政单位" in edition
    # the checks ran on the result: figures agree; what an import cannot make is listed to do
    assert "checked 2025: 0 error(s)" in result.output and "date-missing" in result.output


def mutate(src: Path, dest: Path, change) -> Path:
    wb = load_workbook(src)
    change(wb)
    wb.save(dest)
    return dest


def test_a_messier_workbook_still_imports_the_same(workbook, tmp_path):
    clean = import_workbook(workbook, empty_site(tmp_path / "a"))
    assert not clean.errors

    def messy(wb):
        wb._sheets.reverse()                                  # sheets in another order
        ws = wb["3支出总表"]
        ws.insert_rows(7)                                     # an extra blank row in the body
        ws.unmerge_cells("A3:A4")                             # a header merged another way:
        ws.unmerge_cells("B3:B4")                             # 项目 over 科目编码 / 科目名称
        ws["A3"], ws["A4"], ws["B4"] = "项目", "科目编码", "科目名称"
        ws["B3"] = None
        ws.merge_cells("A3:B3")
        ws.insert_rows(3)                                     # and a blank row above the header
        for row in ws.iter_rows(min_row=6):                   # numbers stored as text
            if row[0].value == "2082801":
                row[2].value, row[3].value = "120.45", " 1,20.45 ".replace(",", "")
                row[2].number_format = row[3].number_format = "@"
        wb["2收入总表"]["C5"].value = "479.58"

    result = import_workbook(mutate(workbook, tmp_path / "messy.xlsx", messy), empty_site(tmp_path / "b"))
    assert not result.errors, [str(m) for m in result.messages]
    assert body(result.budget_yaml) == body(clean.budget_yaml)


def test_an_unknown_code_is_reported_at_its_cell(workbook, tmp_path):
    def unknown(wb):
        for row in wb["3支出总表"].iter_rows(min_row=5):
            if row[0].value == "2082850":
                row[0].value = "2082898"

    site = empty_site(tmp_path)
    result = run("import", mutate(workbook, tmp_path / "bad.xlsx", unknown), "--site", site)
    assert result.exit_code == 1
    assert re.search(r"^3支出总表!A\d+: error: unknown 科目编码 2082898", result.output, re.M), result.output
    assert "nothing was written" in result.output and not (site / "content/2025").exists()


def test_a_broken_total_is_reported_at_its_cell(workbook, tmp_path):
    def broken(wb):
        wb["3支出总表"]["C5"].value = 500.00  # 合计 of 489.58

    site = empty_site(tmp_path)
    result = run("import", mutate(workbook, tmp_path / "bad.xlsx", broken), "--site", site)
    assert result.exit_code == 1
    assert "3支出总表!C5: error: 合计 (表三) is 500.00, but its 项 rows add up to 489.59" in result.output
    assert not (site / "content/2025").exists()


def test_unknown_economic_name_and_a_cell_that_is_no_number(workbook, tmp_path):
    def bad(wb):
        ws = wb["6基本支出经济科目表"]
        for row in ws.iter_rows(min_row=5):
            if row[0].value == "办公费":
                row[0].value = "办工费"
        wb["11机关运行经费"]["C6"].value = "四十五"

    result = import_workbook(mutate(workbook, tmp_path / "bad.xlsx", bad), empty_site(tmp_path))
    shown = [str(m) for m in result.errors]
    assert any(re.match(r"6基本支出经济科目表!A\d+: error: unknown 部门经济分类 款 '办工费'", m) for m in shown), shown
    assert "11机关运行经费!C6: error: '四十五' is not a number" in shown


def test_never_overwrites_without_force(workbook, tmp_path):
    site = empty_site(tmp_path)
    assert run("import", workbook, "--site", site).exit_code == 0
    target = site / "content/2025/budget.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    result = run("import", workbook, "--site", site)
    assert result.exit_code == 2 and "use --force" in result.output
    assert target.read_text(encoding="utf-8").endswith("# edited by hand\n")
    assert run("import", workbook, "--site", site, "--force").exit_code == 0
    assert "# edited by hand" not in target.read_text(encoding="utf-8")
    assert run("import", tmp_path / "missing.xlsx", "--site", site).exit_code == 2


def test_amounts_are_read_as_shown():
    def cell(value, fmt="General"):
        return WCell(value, fmt, 0, "A1")

    assert amount_of(cell(None)) == 0 and amount_of(cell("")) == 0 and amount_of(cell("-")) == 0
    assert amount_of(cell(3764.74, "0.00")) == Decimal("3764.74")
    assert amount_of(cell(0.1 + 0.2, "#,##0.00")) == Decimal("0.30")  # float noise never reaches the model
    assert amount_of(cell("1,234.56")) == Decimal("1234.56")
    assert amount_of(cell("１２３.４５")) == Decimal("123.45")
    assert amount_of(cell(12)) == Decimal(12)
    with pytest.raises(ValueError):
        amount_of(cell("12.3万"))


# -- round trip: the reference edition out as XLSX and back in ------------------------------

def _tables(out: Path) -> list[str]:
    html = (out / "2025/tables.html").read_text(encoding="utf-8")
    return re.findall(r'<section class="budget-table[^"]*" id="table-\d+".*?</section>', html, re.S)


def _findings(site: Path) -> list:
    return sorted((f.pos.file if f.pos else None, f.level, f.rule, f.message) for f in check_site(site).findings)


def test_round_trip_reproduces_the_reference(built_site, tmp_path):
    """Export the reference to XLSX, import it into an empty edition (edition.yaml and texts
    kept), build: the same 13 tables and the same check results."""
    from conftest import copy_site

    site = copy_site(tmp_path / "site")
    reference = (site / "content/2025/budget.yaml").read_text(encoding="utf-8")
    (site / "content/2025/budget.yaml").unlink()
    result = import_workbook(built_site / REFERENCE_XLSX, site)
    assert not result.errors and not [m for m in result.messages if m.level == "warning"], \
        [str(m) for m in result.messages]
    imported = (site / "content/2025/budget.yaml").read_text(encoding="utf-8")
    assert "total: 3764.74" in imported and '"210": 18.93' in imported and "approved: 1065.10" in imported
    # procurement, assets and performance are in no standard table: the reference's are added
    kept, names = kept_sections(reference)
    assert names == ["procurement", "assets", "performance"]
    (site / "content/2025/budget.yaml").write_text(imported + "\n" + kept, encoding="utf-8")
    out = tmp_path / "out"
    build_site(site, out, pdf=False)
    assert len(_tables(out)) == 13 and _tables(out) == _tables(built_site)
    # same findings (line numbers differ: the imported budget.yaml is laid out differently)
    assert _findings(site) == _findings(ROOT)


def test_reimport_with_force_keeps_what_no_table_carries(built_site, tmp_path):
    from conftest import copy_site

    site = copy_site(tmp_path / "site")
    result = run("import", built_site / REFERENCE_XLSX, "--site", site, "--force")
    assert result.exit_code == 0, result.output
    assert "note: kept from the previous budget.yaml: procurement, assets, performance" in result.output
    assert "checked 2025: 0 error(s), 0 warning(s)" in result.output
    assert _findings(site) == _findings(ROOT)
