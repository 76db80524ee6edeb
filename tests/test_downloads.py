"""The tables as open data: CSV, XLSX and JSON read back and compared with the HTML tables."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from budgetsite.build import build_site
from conftest import ROOT

WORKBOOK = "阳泉市退役军人事务局-2025-部门预算表.xlsx"
TABLES = [f"table-{n}" for n in range(1, 14)]


class Tables(HTMLParser):
    """The standard tables of tables.html: header cells (text, colspan, rowspan), body rows
    (text, colspan) and the links of each table's section."""

    def __init__(self, html: str):
        super().__init__()
        self.head: dict[str, list] = {}
        self.body: dict[str, list] = {}
        self.links: dict[str, list] = {}
        self.titles: dict[str, str] = {}
        self._table = self._part = self._cell = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and "budget-table" in (a.get("class") or ""):
            self._table = a["id"]
            self.head[self._table], self.body[self._table], self.links[self._table] = [], [], []
        elif self._table is None:
            return
        elif tag == "a":
            self.links[self._table].append(a["href"])
        elif tag in ("thead", "tbody"):
            self._part = tag
        elif tag == "tr":
            (self.head if self._part == "thead" else self.body)[self._table].append([])
        elif tag in ("td", "th") and self._part:
            self._cell = ["", int(a.get("colspan", 1)), int(a.get("rowspan", 1))]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            text, colspan, rowspan = self._cell
            rows = self.head if self._part == "thead" else self.body
            rows[self._table][-1].append((text.strip(), colspan, rowspan))
            self._cell = None
        elif tag in ("thead", "tbody"):
            self._part = None
        elif tag == "section":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data

    def placed_head(self, anchor):
        """Header cells at their grid positions: (row, col, text, rowspan, colspan)."""
        out, taken = [], set()
        for r, row in enumerate(self.head[anchor]):
            col = 0
            for text, colspan, rowspan in row:
                while (r, col) in taken:
                    col += 1
                out.append((r, col, text, rowspan, colspan))
                taken.update((r + dr, col + dc) for dr in range(rowspan) for dc in range(colspan))
                col += colspan
        return out

    def width(self, anchor) -> int:
        return sum(c[1] for c in self.head[anchor][0])

    def grid(self, anchor) -> list[list[str]]:
        """Header and body as printed, a spanning cell's text in its first slot."""
        width = self.width(anchor)
        grid = [[""] * width for _ in self.head[anchor]]
        for r, c, text, _, _ in self.placed_head(anchor):
            grid[r][c] = text
        for row in self.body[anchor]:
            line = []
            for text, colspan, _ in row:
                line += [text] + [""] * (colspan - 1)
            grid.append(line + [""] * (width - len(line)))
        return grid


@pytest.fixture(scope="module")
def html(built_site) -> Tables:
    return Tables((built_site / "2025/tables.html").read_text(encoding="utf-8"))


def test_every_table_links_its_downloads_and_they_exist(built_site, html):
    data = built_site / "2025"
    assert list(html.head) == TABLES
    for anchor in TABLES:
        links = [link for link in html.links[anchor] if link.startswith("data/")]
        assert links == [f"data/{anchor}.csv", f"data/{anchor}.xlsx", f"data/{anchor}.json"]
        assert all((data / link).is_file() for link in links)
    index = (data / "index.html").read_text(encoding="utf-8")
    assert f'href="data/{WORKBOOK}"' in index and (data / "data" / WORKBOOK).is_file()
    assert index.count('href="data/table-') == 3 * 13
    # the print document (the PDF) carries no download links
    assert "table-downloads" not in (ROOT / "templates/print.html").read_text(encoding="utf-8")


def test_csv_is_the_html_table(built_site, html):
    for anchor in TABLES:
        raw = (built_site / "2025/data" / f"{anchor}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # UTF-8 with BOM: Excel opens it
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows == html.grid(anchor), anchor
    rows = list(csv.reader(io.StringIO((built_site / "2025/data/table-3.csv").read_text(encoding="utf-8-sig"))))
    assert rows[2][:3] == ["合计", "", "3764.74"] and rows[7][0] == "20805"  # 科目编码 kept as text


def _number(text: str):
    return Decimal(text) if text else None


def test_xlsx_sheet_is_the_html_table(built_site, html):
    checked_amounts = 0
    for anchor in TABLES:
        wb = load_workbook(built_site / "2025/data" / f"{anchor}.xlsx")
        assert len(wb.worksheets) == 1
        ws = wb.worksheets[0]
        width = html.width(anchor)
        head = html.placed_head(anchor)
        rows = len(html.head[anchor])
        # title, 部门名称 / 单位 line, then the header rows merged exactly as on the page
        assert "年" in ws.cell(1, 1).value and ws.cell(2, 1).value == "部门名称：阳泉市退役军人事务局"
        assert ws.cell(2, width).value == "单位：万元"
        merged = {(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges if m.min_row >= 3}
        spans = {(3 + r, 1 + c, 3 + r + rs - 1, 1 + c + cs - 1) for r, c, _, rs, cs in head if rs > 1 or cs > 1}
        assert {m for m in merged if m[0] < 3 + rows} == spans, anchor
        for r, c, text, _, _ in head:
            assert ws.cell(3 + r, 1 + c).value == text
        grid = html.grid(anchor)[rows:]
        for i, line in enumerate(grid):
            for j, text in enumerate(line):
                cell = ws.cell(3 + rows + i, 1 + j)
                if cell.number_format == "0.00":  # an amount: a number, or blank as on the page
                    assert cell.value == (float(text) if text else None), (anchor, i, j)
                    if text:
                        assert cell.data_type == "n" and Decimal(str(cell.value)) == Decimal(text)
                        checked_amounts += 1
                else:
                    assert (cell.value or "") == text, (anchor, i, j)
                    assert cell.value is None or isinstance(cell.value, str)  # 科目编码 stay text
        if html.body[anchor] == []:
            assert ws.cell(3 + rows, 1).value == "注：本表无数据"
    assert checked_amounts > 300


def test_edition_workbook_has_every_table(built_site):
    wb = load_workbook(built_site / "2025/data" / WORKBOOK)
    assert wb.sheetnames == ["表一", "表二", "表三", "表四", "表五", "表六", "表七", "表八", "表九", "表十",
                             "表十一", "表十二", "表十三"]
    for n, ws in enumerate(wb.worksheets, start=1):
        single = load_workbook(built_site / "2025/data" / f"table-{n}.xlsx").worksheets[0]
        assert [[c.value for c in row] for row in ws.iter_rows()] == \
            [[c.value for c in row] for row in single.iter_rows()]
    codes = [c.value for c in wb["表三"]["A"] if c.value and c.value[:1].isdigit()]
    assert "2080903" in codes and all(isinstance(c, str) for c in codes)
    # the edition's date, 2025-04-02 in China, stored as UTC as the format wants
    assert wb.properties.created.isoformat() == "2025-04-01T16:00:00"
    assert wb.properties.modified == wb.properties.created and wb.properties.creator == "阳泉市退役军人事务局"


def test_json_has_a_schema_and_the_html_rows(built_site, html):
    for anchor in TABLES:
        doc = json.loads((built_site / "2025/data" / f"{anchor}.json").read_text(encoding="utf-8"))
        assert doc["format"] == "budgetsite-table/1" and doc["unit"] == "万元" and doc["year"] == 2025
        assert isinstance(doc["title"], str) and doc["number"].startswith("表")
        columns = doc["schema"]["columns"]
        width = html.width(anchor)
        assert [c["index"] for c in columns] == list(range(width))
        for c in columns:
            assert set(c) == {"index", "name", "path", "kind", "type", "unit"}
            assert c["kind"] in ("code", "name", "text", "amount") and c["name"] == (c["path"] or [""])[-1]
            assert (c["type"], c["unit"]) == (("number", "万元") if c["kind"] == "amount" else ("string", None))
        grid = html.grid(anchor)[len(html.head[anchor]):]
        assert len(doc["rows"]) == len(grid)
        for row, line in zip(doc["rows"], grid):
            assert row["role"] in ("total", "group", "item") and isinstance(row["level"], int)
            assert len(row["cells"]) == width
            for value, text in zip(row["cells"], line):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    assert (f"{Decimal(str(value)):.2f}" if value else "") == text
                else:
                    assert value is None and text == "" or value == text
        assert doc["note"] in (None, "注：本表无数据")
        assert (doc["note"] is None) == any(v for row in doc["rows"] for v in row["cells"]
                                            if isinstance(v, (int, float)))
    raw = (built_site / "2025/data/table-3.json").read_text(encoding="utf-8")
    assert '"cells": ["合计", null, 3764.74, 449.83, 3314.92]' in raw  # exact numbers, no float noise


def test_two_builds_give_identical_data_files(built_site, tmp_path):
    out = tmp_path / "again"
    build_site(ROOT, out, pdf=False)
    for path in sorted((built_site / "2025/data").iterdir()):
        assert (out / "2025/data" / path.name).read_bytes() == path.read_bytes(), path.name
    with zipfile.ZipFile(built_site / "2025/data" / WORKBOOK) as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 4, 2, 0, 0, 0)}


def test_source_date_epoch_sets_the_workbook_date(tmp_path, monkeypatch):
    from budgetsite import downloads
    from budgetsite.pdf import document_date

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    moment = document_date(None, 2025)
    data = downloads.workbook_bytes([], "测试", "万元", "t", moment)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert b"2023-11-14T22:13:20Z" in z.read("docProps/core.xml")
    assert downloads.workbook_bytes([], "测试", "万元", "t", moment) == data


def test_unchanged_workbooks_are_reused_and_changed_ones_remade(site_copy, tmp_path):
    """A rebuild reuses the XLSX files whose tables did not change (they are slow to make)."""
    from budgetsite.build import build_site

    out = tmp_path / "out"
    build_site(site_copy, out, pdf=False)
    fresh = {p.name: p.read_bytes() for p in (out / "2025/data").glob("*.xlsx")}
    build_site(site_copy, out, pdf=False)
    assert {p.name: p.read_bytes() for p in (out / "2025/data").glob("*.xlsx")} == fresh
    budget = site_copy / "content/2025/budget.yaml"
    budget.write_text(budget.read_text(encoding="utf-8").replace("reception: 0.80", "reception: 0.90"),
                      encoding="utf-8")
    build_site(site_copy, out, pdf=False)
    again = {p.name: p.read_bytes() for p in (out / "2025/data").glob("*.xlsx")}
    changed = sorted(name for name in fresh if again[name] != fresh[name])
    assert changed == ["table-10.xlsx", "阳泉市退役军人事务局-2025-部门预算表.xlsx"]
    other = tmp_path / "other"
    build_site(site_copy, other, pdf=False)   # made from scratch: the same bytes as the reused ones
    assert {p.name: p.read_bytes() for p in (other / "2025/data").glob("*.xlsx")} == again
