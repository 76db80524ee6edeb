"""budgetsite import: the budget system's workbook -> budget.yaml, verified cell by cell."""
from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import make_shanghai_workbook
import make_workbook
from budgetsite.build import build_site, check_site
from budgetsite.cli import main
from budgetsite.importer import WCell, amount_of, import_workbook, kept_sections
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
    # whole 元 with thousands separators, as numbers or as text; 0 printed as 0
    assert amount_of(cell(156211123, "#,##0")) == Decimal(156211123)
    assert amount_of(cell("156,211,123")) == Decimal(156211123)
    assert amount_of(cell("0")) == 0 and amount_of(cell(0, "#,##0")) == 0


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


# -- the importer reads the format ----------------------------------------------------------

IMPORTER = ROOT / "builder" / "importer"


def test_the_importer_names_no_table_of_a_format():
    """Tables are found by the format's titles and header declarations: no table numbers,
    no titles, no per-layout header anchors or title aliases in the code."""
    files = sorted(IMPORTER.glob("*.py"))
    assert files and not (ROOT / "builder" / "importer.py").exists()
    for path in files:
        text = path.read_text(encoding="utf-8")
        for pattern in (r"表[一二三四五六七八九十]", r"预算公开表", r"部门预算0\d表", r"\bANCHORS\b", r"\bALIASES\b",
                        r"单位名称", r"项目名称", r"经济科目名称", r"收支总表", r"出国", r"接待费"):
            assert not re.search(pattern, text), (path.name, pattern)


def _own_format(site: Path) -> None:
    """A format of the site's own: shanxi-13 with the 支出总表 renamed and its header reworded."""
    folder = site / "formats" / "my-13"
    folder.mkdir(parents=True)
    (folder / "format.yaml").write_text(
        "id: my-13\nname: 自定义格式\nextends: shanxi-13\ntables:\n"
        "  - id: expense\n"
        "    number: 第3张\n"
        "    name: 功能支出总表\n"
        '    title: "{year}年部门支出功能分类汇总表"\n'
        "    header:\n"
        "      - [{text: 功能分类科目, colspan: 2}, {text: 本年支出, colspan: 3}]\n"
        "      - [功能科目代码, 功能科目名称, 总计, 基本, 项目]\n",
        encoding="utf-8")
    text = (site / "site.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(format|tableset):.*\n", "", text)
    (site / "site.yaml").write_text(text + "format: my-13\n", encoding="utf-8")


def _reword_expense(wb) -> None:
    ws = wb["3支出总表"]
    ws["A1"] = "2025年部门支出功能分类汇总表"
    for row in ws.iter_rows(min_row=3, max_row=4):
        for cell in row:
            if type(cell).__name__ == "MergedCell":
                continue
            cell.value = {"科目编码": "功能科目代码", "科目名称": "功能科目名称", "2025年预算数": "本年支出",
                          "合计": "总计", "基本支出": "基本", "项目支出": "项目"}.get(cell.value, cell.value)


def test_sheets_and_headers_are_found_from_the_format(workbook, tmp_path):
    """A site's own format retitles a table and rewords its header: the workbook printed that
    way imports the same; under the bundled format the sheet is not recognised."""
    clean = import_workbook(workbook, empty_site(tmp_path / "a"))
    reworded = mutate(workbook, tmp_path / "reworded.xlsx", _reword_expense)
    site = empty_site(tmp_path / "b")
    _own_format(site)
    result = import_workbook(reworded, site)
    assert not result.errors and not [m for m in result.messages if m.level == "warning"], \
        [str(m) for m in result.messages]
    assert body(result.budget_yaml) == body(clean.budget_yaml)
    # the same workbook under shanxi-13: its 表三 is missing, and the retitled sheet is no table of it
    other = import_workbook(reworded, empty_site(tmp_path / "c"))
    shown = [str(m) for m in other.messages]
    assert any("no sheet titled like 表三" in m for m in shown), shown
    assert any(m.startswith("3支出总表!A1: warning: sheet '3支出总表' is not a table of format shanxi-13")
               for m in shown), shown

    # a broken total is named as the format names the table (its name)
    def broken(wb):
        _reword_expense(wb)
        wb["3支出总表"]["C5"].value = 500.00

    site = empty_site(tmp_path / "d")
    _own_format(site)
    result = import_workbook(mutate(workbook, tmp_path / "broken.xlsx", broken), site)
    assert any(str(m).startswith("3支出总表!C5: error: 合计 (功能支出总表) is 500.00, but its 项 rows add up "
                                 "to 489.59") for m in result.errors), [str(m) for m in result.errors]


# -- the Shanghai format (shanghai-9: 元, split codes, 合计 last, a one-row “三公” table in 万元) --

SHANGHAI = ROOT / "examples" / "shanghai-wanli"
SHANGHAI_XLSX = "2024/data/上海市普陀区人民政府万里街道办事处-2024-部门预算表.xlsx"


def shanghai_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    shutil.copy2(SHANGHAI / "site.yaml", site / "site.yaml")
    return site


def load_budget(path: Path):
    from budgetsite.errors import Pos
    from budgetsite.model import Budget
    from budgetsite.schema import read
    from budgetsite.yamlload import load_yaml

    return read(load_yaml(path, path.name), Budget, Pos(path.name, 1), "budget.yaml")


def _amounts(by_source) -> dict:
    return {s: v for s, v in by_source.items() if v}


def figures(budget) -> dict:
    """What a workbook carries of a budget, comparable (Decimal 35.00 == 35)."""
    economic: dict = {}
    for r in budget.basic_by_economic.records:
        economic[(r.dept, r.gov)] = economic.get((r.dept, r.gov), Decimal(0)) + r.amount
    tp = budget.three_public
    return {
        "lines": {code: line.cells() for code, line in budget.lines.items() if line.cells()},
        "economic": economic,
        "three_public": {k: _amounts(getattr(tp, k)) for k in
                         ("abroad", "reception", "vehicle_purchase", "vehicle_operation")},
        "operating": sum((e.amount.total for e in budget.operating_costs), Decimal(0)),
        "projects": [(g.unit, [(p.name, _amounts(p.amount)) for p in g.projects])
                     for g in budget.projects + budget.carryover_projects],
    }


@pytest.fixture(scope="module")
def shanghai_workbook(tmp_path_factory) -> Path:
    return make_shanghai_workbook.make(tmp_path_factory.mktemp("sh") / "万里街道-2024-部门预算表.xlsx")


def test_shanghai_workbook_imports_the_example(shanghai_workbook, tmp_path):
    site = shanghai_site(tmp_path)
    result = run("import", shanghai_workbook, "--site", site)
    assert result.exit_code == 0, result.output
    assert ": warning" not in result.output and "error" not in result.output.split("to do")[0], result.output
    budget = (site / "content/2024/budget.yaml").read_text(encoding="utf-8")
    edition = (site / "content/2024/edition.yaml").read_text(encoding="utf-8")
    assert 'department: "上海市普陀区人民政府万里街道办事处"' in edition and "unit: 元" in edition
    # whole 元 without decimals; records without 政府经济分类; “三公” converted from 万元 exactly
    assert '"2089999": {basic: 6133194, project: 1679200}' in budget
    assert '- {dept: "30101", amount: 5873551}' in budget and "gov:" not in budget
    assert "reception: 13500\n" in budget and "vehicle_purchase: 250000\n" in budget
    assert "operating_costs:\n  - {amount: 4431800}" in budget
    ours, theirs = figures(load_budget(site / "content/2024/budget.yaml")), \
        figures(load_budget(SHANGHAI / "content/2024/budget.yaml"))
    assert ours["lines"] == theirs["lines"] and len(ours["lines"]) == 33
    assert ours["economic"] == theirs["economic"] and all(g is None for _, g in ours["economic"])
    assert ours["three_public"] == theirs["three_public"]
    assert ours["operating"] == theirs["operating"] == Decimal(4431800)
    assert "checked 2024: 0 error(s)" in result.output


def test_shanghai_amounts_as_text_and_other_sources(tmp_path):
    """Amounts written as text with thousands separators (and 0 as "0") read the same; a
    source of the format's own vocabulary (事业收入: business) is imported as such."""
    import yaml

    budget = yaml.safe_load(make_shanghai_workbook.BUDGET.read_text(encoding="utf-8"))
    budget["lines"]["2120102"] = {"project": {"general": 17591003, "business": 120000, "other": 3500}}
    path = make_shanghai_workbook.make(tmp_path / "wb.xlsx", budget=budget)

    def as_text(wb):
        for ws in wb.worksheets[:8]:
            for row in ws.iter_rows(min_row=6):
                for cell in row:
                    if isinstance(cell.value, int) and not isinstance(cell.value, bool):
                        cell.value = f"{cell.value:,}"
                        cell.number_format = "@"

    texted = mutate(path, tmp_path / "text.xlsx", as_text)
    total = load_workbook(texted)["2 收入预算总表"]["E72"]
    assert total.value == "156,334,623" and load_workbook(texted)["2 收入预算总表"]["A72"].value == "合计"
    one = import_workbook(path, shanghai_site(tmp_path / "a"))
    two = import_workbook(texted, shanghai_site(tmp_path / "b"))
    for result in (one, two):
        assert not result.errors and not [m for m in result.messages if m.level == "warning"], \
            [str(m) for m in result.messages]
    assert body(one.budget_yaml) == body(two.budget_yaml)
    assert '"2120102": {project: {general: 17591003, business: 120000, other: 3500}}' in one.budget_yaml


def test_shanghai_three_public_in_wan_yuan_is_converted_exactly(shanghai_workbook, tmp_path):
    """The “三公” table is in 万元 (two decimals), the edition in 元: 1.35 -> 13500 exactly, and
    a figure that is not the sum of its items is reported at its cell, in 元."""
    def broken(wb):
        wb["9 三公经费和机关运行经费"]["A6"].value = 47.95

    result = import_workbook(mutate(shanghai_workbook, tmp_path / "bad.xlsx", broken), shanghai_site(tmp_path))
    shown = [str(m) for m in result.errors]
    assert "9 三公经费和机关运行经费!A6: error: “三公”经费合计 (部门“三公”经费和机关运行经费预算表) is 479500, " \
           "but its items add up to 479100 (difference +400, more than rounding)" in shown, shown


@pytest.fixture(scope="module")
def shanghai_built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shbuilt") / "_site"
    build_site(SHANGHAI, out, pdf=False)
    return out


@pytest.mark.parametrize("which", ["yangquan", "shanghai"])
def test_round_trip_of_the_exported_workbook(which, built_site, shanghai_built, tmp_path):
    """Each example's own workbook (one sheet per table of its format, as the site exports
    it) imported back with --force: the same figures; what no table carries is kept."""
    if which == "yangquan":
        source, out, xlsx, year = ROOT, built_site, REFERENCE_XLSX, 2025
        site = tmp_path / "site"
        site.mkdir()
        shutil.copy2(ROOT / "site.yaml", site / "site.yaml")
        shutil.copytree(ROOT / "content", site / "content")
    else:
        source, out, xlsx, year = SHANGHAI, shanghai_built, SHANGHAI_XLSX, 2024
        site = tmp_path / "site"
        shutil.copytree(SHANGHAI, site, ignore=shutil.ignore_patterns("_site"))
    wb = load_workbook(out / xlsx)
    fmt_label = "编制部门" if which == "shanghai" else "部门名称"
    assert all(str(ws["A2"].value).startswith(f"{fmt_label}：") for ws in wb.worksheets)
    result = run("import", out / xlsx, "--site", site, "--force")
    assert result.exit_code == 0, result.output
    assert ": warning" not in result.output and ": error" not in result.output, result.output
    assert "note: kept from the previous budget.yaml: procurement, assets, performance" in result.output
    original = load_budget(source / f"content/{year}/budget.yaml")
    imported = load_budget(site / f"content/{year}/budget.yaml")
    assert figures(imported) == figures(original)
    assert imported.procurement == original.procurement and imported.assets == original.assets
    assert imported.approved == original.approved


def test_a_row_of_column_numbers_belongs_to_the_header(workbook, tmp_path):
    """表十二's header ends with a row of column numbers (1 2 3 …): as text or as numbers,
    it is not read as a project."""
    clean = import_workbook(workbook, empty_site(tmp_path / "a"))

    def numbered(wb):
        ws = wb["12项目支出本年"]
        ws.insert_rows(5)
        for c in range(1, 8):
            ws.cell(row=5, column=c, value=c)

    result = import_workbook(mutate(workbook, tmp_path / "numbered.xlsx", numbered), empty_site(tmp_path / "b"))
    assert not result.errors and not [m for m in result.messages if m.level == "warning"], \
        [str(m) for m in result.messages]
    assert body(result.budget_yaml) == body(clean.budget_yaml)
