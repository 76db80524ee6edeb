"""Untrusted text in the downloads and the import: formula injection, hostile workbooks and
budget.yaml files (see README, Downloads and `budgetsite import`)."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from budgetsite.build import build_site
from conftest import edit

INJECT = '=HYPERLINK("http://x","点击")'
HOSTILE = {
    "8023部队体检经费": INJECT,
    "军转干部培训经费": "+1+cmd|' /C calc'!A0",
    "困难退役军人帮扶援助经费": "@SUM(1+1)",
    "随军家属未就业补助经费": "-2+3",
}
LEADS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    from conftest import copy_site

    site = copy_site(tmp_path_factory.mktemp("hostile") / "site")
    for old, new in HOSTILE.items():
        edit(site, "content/2025/budget.yaml", f"{{name: {old},", f"{{name: {json.dumps(new, ensure_ascii=False)},")
    out = site.parent / "_site"
    build_site(site, out, pdf=False)
    return out / "2025" / "data"


def _xlsx_files(data):
    return sorted(data.glob("*.xlsx"))


def test_xlsx_has_no_formula_and_keeps_the_text(hostile_site):
    files = _xlsx_files(hostile_site)
    assert len(files) > 1
    seen = set()
    for path in files:
        wb = load_workbook(path)  # not data_only: a formula would come back as one
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        seen.add(cell.value)
        # the raw sheet XML holds no <f> element at all
        import zipfile
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), (path.name, name)
    assert set(HOSTILE.values()) <= seen  # the names are kept, as text


def test_csv_defuses_formula_text_and_keeps_numbers(hostile_site):
    texts = []
    for path in sorted(hostile_site.glob("*.csv")):
        raw = path.read_bytes()
        assert raw.startswith("\ufeff".encode())
        for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"))):
            texts.extend(row)
    assert "'" + INJECT in texts
    assert "'@SUM(1+1)" in texts and "'-2+3" in texts and "'+1+cmd|' /C calc'!A0" in texts
    assert INJECT not in texts
    for text in texts:
        assert not text.startswith(LEADS) or _is_number(text), text


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
        return True
    except ValueError:
        return False


def test_csv_defuses_every_text_cell_but_not_negative_amounts():
    from budgetsite.tabledata import defused

    for lead in LEADS:
        assert defused(lead + "x") == "'" + lead + "x"
    assert defused("阳泉市") == "阳泉市" and defused("") == ""
    assert defused("2080199") == "2080199"


def test_pdf_attaches_the_same_csv_bytes(hostile_site):
    """build.py attaches tabledata.table_csv to the PDF; the download is those bytes."""
    import budgetsite.build as build
    from budgetsite.tabledata import table_csv

    assert build.table_csv is table_csv
    assert b"'=HYPERLINK" in b"".join(p.read_bytes() for p in hostile_site.glob("*.csv"))


# -- the import: hostile workbooks and budget.yaml files ---------------------------------------

import time  # noqa: E402
import tracemalloc  # noqa: E402

from budgetsite.importer import import_workbook  # noqa: E402
from conftest import copy_site  # noqa: E402
from test_import import REFERENCE_XLSX, empty_site, mutate, run, workbook  # noqa: E402,F401  (one copy of the import helpers)


def test_one_stray_cell_at_xfd1048576_imports_quickly(workbook, tmp_path):
    def stray(wb):
        for ws in wb.worksheets[:3]:
            ws["XFD1048576"] = "x"

    path = mutate(workbook, tmp_path / "stray.xlsx", stray)
    assert path.stat().st_size < 100_000
    site = empty_site(tmp_path)
    tracemalloc.start()
    began = time.perf_counter()
    try:
        result = import_workbook(path, site)
        took = time.perf_counter() - began
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert took < 60, took  # a guard against a hang (a scan of 17 billion cells takes hours);
    # the memory bound is the measure: it holds however loaded the machine is
    assert peak < 300 * 2**20, peak
    assert not result.errors, [str(m) for m in result.messages]
    clean = import_workbook(workbook, empty_site(tmp_path / "clean"))
    assert result.budget_yaml.split("\n", 1)[1] == clean.budget_yaml.split("\n", 1)[1]


def test_a_formula_never_calculated_is_reported_at_its_cell(workbook, tmp_path):
    where = {}

    def formula(wb):
        ws = wb.worksheets[0]
        for row in ws.iter_rows(min_row=6):
            for cell in row:
                if isinstance(cell.value, (int, float)) and cell.value:
                    cell.value = "=1+1"  # openpyxl stores no cached value: never calculated
                    where["ref"] = f"{ws.title}!{cell.coordinate}"
                    return

    path = mutate(workbook, tmp_path / "formula.xlsx", formula)
    site = empty_site(tmp_path)
    result = run("import", path, "--site", site)
    assert result.exit_code != 0
    assert f"{where['ref']}: error: a formula cell without a calculated value" in result.output, result.output
    assert "open it in Excel, save it, then import again" in result.output
    errors = [line for line in result.output.splitlines() if ": error:" in line]
    assert errors and all(line.startswith(where["ref"]) for line in errors), errors  # not at a 合计
    assert not (site / "content/2025/budget.yaml").exists()


def test_a_formula_with_a_cached_value_is_read():
    from openpyxl import Workbook

    from budgetsite.importer import Sheet

    wb = Workbook()
    ws = wb.active
    ws["A1"] = 3
    sheet = Sheet(ws, ws)
    assert sheet.uncalculated == [] and sheet.max_row == 1 and sheet.max_col == 1


def test_a_huge_cell_text_is_never_echoed_whole(workbook, tmp_path):
    huge = "很长的标题" * 200_000  # a million characters

    def long_texts(wb):
        ws = wb.worksheets[0]
        ws.cell(row=1, column=1).value = ws.cell(row=1, column=1).value + huge
        for ws in wb.worksheets:
            for row in ws.iter_rows(min_row=6):
                for cell in row:
                    if isinstance(cell.value, str) and len(cell.value) > 1:
                        cell.value = cell.value + huge  # names, codes, labels
                        break
        extra = wb.create_sheet("杂项")
        extra["A1"] = huge

    path = mutate(workbook, tmp_path / "huge.xlsx", long_texts)
    result = import_workbook(path, empty_site(tmp_path))
    assert result.messages
    for message in result.messages:
        assert len(str(message)) < 600, str(message)[:200]
    from budgetsite.importer.cells import clip

    assert clip("字" * 61) == "字" * 60 + "…" and clip("字" * 60) == "字" * 60


def test_another_departments_workbook_is_an_error(built_site, tmp_path):
    site = copy_site(tmp_path / "site")
    budget = site / "content/2025/budget.yaml"
    before = budget.read_bytes()

    def other(wb):
        for ws in wb.worksheets:
            ws["A2"] = "部门名称：某某市教育局"

    path = mutate(built_site / REFERENCE_XLSX, tmp_path / "other.xlsx", other)
    result = run("import", path, "--site", site, "--force")
    assert result.exit_code != 0
    sheet = load_workbook(path).worksheets[0].title
    assert f"{sheet}!A2: error: the workbook's department is “某某市教育局”, but that of " \
        "content/2025/edition.yaml is “阳泉市退役军人事务局”" \
        in result.output, result.output
    assert budget.read_bytes() == before


def test_the_same_department_with_a_code_or_spaces_is_no_error():
    from budgetsite.importer.run import _same_department

    assert _same_department("123001-阳泉市退役军人事务局", "阳泉市退役军人事务局")
    assert _same_department("阳泉市 退役军人事务局（本级）", "阳泉市退役军人事务局")
    assert not _same_department("某某市教育局", "阳泉市退役军人事务局")


@pytest.mark.parametrize("broken, expect", [
    ("lines:\n  \"2080101\": {basic: 1\nprocurement: [\n".encode("utf-8"), "is not valid YAML"),
    ("# 预算\nlines: {}\nprocurement: []\n".encode("gbk"), "is not UTF-8 text"),
])
def test_force_over_a_broken_budget_yaml_writes_nothing(built_site, tmp_path, broken, expect):
    site = copy_site(tmp_path / "site")
    budget = site / "content/2025/budget.yaml"
    budget.write_bytes(broken)
    result = run("import", built_site / REFERENCE_XLSX, "--site", site, "--force")
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    line = next(x for x in result.output.splitlines() if expect in x)
    assert line.startswith("content/2025/budget.yaml:") and ": error: " in line, line
    assert budget.read_bytes() == broken


def _hostile_table():
    from budgetsite.amounts import Figure
    from budgetsite.formats import HeaderCell
    from budgetsite.layouts import Cell, Row, Table

    header = [[HeaderCell(text="=项目"), HeaderCell(text="金额")]]
    rows = [
        Row([Cell("合计", kind="name", row_header=True), Cell(figure=Figure(Decimal("-12.50")), kind="amount")]),
        Row([Cell("@SUM(A1)", kind="name"), Cell(figure=Figure(Decimal("-12.50")), kind="amount")]),
        Row([Cell("\tcmd", kind="text"), Cell(figure=Figure(Decimal("3")), kind="amount")]),
    ]
    return Table("table-1", "", '=HYPERLINK("http://x","t")', None, "single", header, rows, 2, False,
                 notes=["+注：公式"])


def test_a_table_built_by_hand_keeps_negative_amounts_and_defuses_texts():
    from budgetsite import downloads
    from budgetsite.tabledata import table_csv

    table = _hostile_table()
    grid = list(csv.reader(io.StringIO(table_csv(table).decode("utf-8-sig"))))
    assert grid[0] == ["'=项目", "金额"]
    assert grid[1] == ["合计", "-12.50"] and grid[2] == ["'@SUM(A1)", "-12.50"] and grid[3] == ["'\tcmd", "3.00"]
    data = downloads.workbook_bytes([table], "=部门", "万元", "t", __import__("datetime").datetime(2025, 1, 1))
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    assert '=HYPERLINK("http://x","t")' in values and "=项目" in values and "@SUM(A1)" in values
    assert "+注：公式" in values and "部门名称：=部门" in values
    assert [c.value for c in cells if c.data_type == "n"] == [-12.5, -12.5, 3]  # numbers stay numbers


def test_workbook_texts_come_back_exactly():
    """The XLSX is written directly (builder/xlsx.py): markup, quotes, CR, LF, tabs and outer
    spaces in a text come back from the workbook as they were; the file stays valid XML."""
    import datetime

    from budgetsite import downloads
    from budgetsite.amounts import Figure
    from budgetsite.formats import HeaderCell
    from budgetsite.layouts import Cell, Row, Table

    texts = ["  前后有空格 ", "甲\r\n乙\r丙", "\tcmd", "<b>&amp;</b> \"引号\" '单引号'", "=1+1", "2080199"]
    header = [[HeaderCell(text="<项目>"), HeaderCell(text="金额")]]
    rows = [Row([Cell(text, kind="name"), Cell(figure=Figure(Decimal("1.25")), kind="amount")]) for text in texts]
    table = Table("table-1", "表一", "标题&<>", None, "single", header, rows, 2, False, notes=["注：\"全部\""])
    data = downloads.workbook_bytes([table], "部门&<\"'>", "万元", "标题&<>", datetime.datetime(2025, 1, 1))
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert [v for v in values if v in texts] == texts
    assert "<项目>" in values and "注：\"全部\"" in values and "部门名称：部门&<\"'>" in values
    assert [c.value for row in ws.iter_rows() for c in row if c.data_type == "n" and c.value is not None] == [1.25] * 6
    assert wb.properties.creator == "部门&<\"'>" and wb.properties.title == "标题&<>"
