"""Open data: every standard table of an edition as CSV, XLSX and JSON, and one XLSX of all.

Files (beside the edition's pages, under ``data/``)::

    data/table-N.csv     the table as printed (builder/tabledata.py; also the PDF's attachment)
    data/table-N.xlsx    one sheet: title, 部门名称 / 单位 line, the header rows merged as on the
                         page, 科目编码 as text, amounts as numbers (format 0.00; blank for zero,
                         as printed)
    data/table-N.json    the table as data, with a schema: its columns (header path, kind,
                         type, unit) and rows (amounts as JSON numbers, exact to the cent)
    data/<部门>-<year>-部门预算表.xlsx   every table, one sheet each (the layout of table-N.xlsx)

The workbooks are laid out as the budget system exports them, so ``budgetsite import``
reads them back (builder/importer/). The same input gives the same bytes: the document
dates are the edition's (or SOURCE_DATE_EPOCH), the zip entries carry a fixed time.
Amounts are Decimal until the very last step, where a spreadsheet cell needs a number.

Texts come from the content (project and 单位 names, notes): none may run as a formula.
Every text cell of a workbook is a string cell (never a formula, ``=HYPERLINK(…)`` included);
the CSV puts an apostrophe before a text starting with = + - @, tab or CR (tabledata.defused).
"""
from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal

from .layouts import Table
from .tabledata import column_kinds, table_csv

FOLDER = "data"
FORMAT = "budgetsite-table/1"
KIND_TYPES = {"code": "string", "name": "string", "text": "string", "amount": "number"}
KIND_WIDTHS = {"code": 12, "name": 34, "text": 20, "amount": 14}


@dataclass(frozen=True)
class Downloads:
    """What the pages link to: the data folder (relative to the edition's pages), the
    whole-edition workbook and, per table anchor, the file stem (``table-3``)."""

    folder: str
    workbook: str

    def link(self, table: Table, ext: str) -> str:
        return f"{self.folder}/{table.anchor}.{ext}"

    @property
    def workbook_link(self) -> str:
        return f"{self.folder}/{self.workbook}"


def workbook_name(department: str, year: int) -> str:
    """``阳泉市退役军人事务局-2025-部门预算表.xlsx`` (a safe, short file name: builder/names.py)."""
    from .names import file_stem

    return f"{file_stem(department)}-{year}-部门预算表.xlsx"


def links(department: str, year: int) -> Downloads:
    return Downloads(FOLDER, workbook_name(department, year))


# -- the header as a grid ---------------------------------------------------------------

@dataclass(frozen=True)
class Placed:
    """A header cell placed on the grid: 0-based row and column, with its spans."""

    row: int
    col: int
    text: str
    rowspan: int
    colspan: int


def place_header(table: Table) -> list[Placed]:
    """The header cells with their grid positions (HTML table model: spans push right)."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, row in enumerate(table.header):
        col = 0
        for cell in row:
            while (r, col) in taken:
                col += 1
            placed.append(Placed(r, col, cell.text, cell.rowspan, cell.colspan))
            taken.update((r + dr, col + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
            col += cell.colspan
    return placed


def header_paths(table: Table) -> list[list[str]]:
    """For each column, the texts of the header cells above it, top to bottom (an index
    row of column numbers, as some 项目支出 tables print, is left out)."""
    paths: list[list[str]] = [[] for _ in range(table.width)]
    for cell in place_header(table):
        if cell.text.strip().isdigit():
            continue
        for c in range(cell.col, min(cell.col + cell.colspan, table.width)):
            paths[c].append(cell.text)
    return paths


def body_cells(table: Table):
    """Each body row as (row, [(column, cell)]) with the cells at their grid columns."""
    for row in table.rows:
        col, placed = 0, []
        for cell in row.cells:
            placed.append((col, cell))
            col += cell.colspan
        yield row, placed


def printed(table: Table, cell) -> Decimal | None:
    """An amount cell's printed value in the table's unit (rounded once, half up); None when
    the table prints it blank."""
    return table.value(cell.figure)


def amount_format(table: Table) -> str:
    """The spreadsheet number format of the table's number style (0.00, #,##0, …)."""
    style = table.style
    whole = "#,##0" if style.thousands else "0"
    return whole + ("." + "0" * style.decimals if style.decimals else "")


# -- XLSX ---------------------------------------------------------------------------------

def _sheet_name(table: Table) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "_", table.number or table.anchor)
    return name[:31]


def _fill_sheet(sheet, styles, table: Table, department: str) -> None:
    """The table on a worksheet (builder/xlsx.py): title, 部门名称 / 单位 line, the header
    merged as on the page, then the body rows and the notes."""
    from .xlsx import Style

    width = max(table.width, 1)
    title = f"{table.number}　{table.title}" if table.number else table.title
    sheet.put(1, 1, title, styles(Style(font="title", horizontal="center", vertical="center")))
    if width > 1:
        sheet.merge(1, 1, 1, width)
    sheet.put(2, 1, f"{table.department_label}：{department}")
    sheet.put(2, width if width > 1 else 2, f"单位：{table.unit}", styles(Style(horizontal="right")))
    top = 3  # the first header row
    head = styles(Style(font="bold", border=True, horizontal="center", vertical="center", wrap=True))
    box = styles(Style(border=True))
    for r in range(top, top + len(table.header)):
        for c in range(1, width + 1):
            sheet.put(r, c, None, head)
    for cell in place_header(table):
        r, c = top + cell.row, 1 + cell.col
        sheet.put(r, c, cell.text, head)
        if cell.rowspan > 1 or cell.colspan > 1:
            sheet.merge(r, c, r + cell.rowspan - 1, c + cell.colspan - 1)
    r = top + len(table.header)
    number_format = amount_format(table)
    whole = not table.style.decimals
    amount_style = {font: styles(Style(font=font, border=True, number_format=number_format, horizontal="right"))
                    for font in ("normal", "bold")}
    text_styles: dict = {}  # (font, level) -> style
    for row, cells in body_cells(table):
        for c in range(1, width + 1):
            sheet.put(r, c, None, box)
        font = "bold" if row.role in ("total", "group") else "normal"
        for col, cell in cells:
            if cell.kind == "amount" and not cell.row_header:
                value = printed(table, cell)
                if value is not None and whole and value == value.to_integral_value():
                    value = int(value)
                # exact: the figure as printed, a number cell (never a float's noise)
                sheet.put(r, 1 + col, value, amount_style[font])
            else:  # text, as a string cell: a 科目编码 stays text, ``=…`` never runs
                style = text_styles.get((font, cell.level))
                if style is None:
                    style = text_styles[(font, cell.level)] = styles(
                        Style(font=font, border=True, number_format="@", indent=2 * cell.level))
                sheet.put(r, 1 + col, cell.text or None, style)
            if cell.colspan > 1:
                sheet.merge(r, 1 + col, r, col + cell.colspan)
        r += 1
    for note in table.notes:
        sheet.put(r, 1, note)
        r += 1
    for c, kind in enumerate(column_kinds(table), start=1):
        sheet.widths[c] = KIND_WIDTHS.get(kind, 14)
    sheet.freeze_row = top + len(table.header)


def table_sheet(table: Table, department: str, styles) -> tuple[str, str]:
    """The table's worksheet, (name, XML), made once for every workbook it is in; ``styles``
    (builder.xlsx.Styles) is shared by those workbooks."""
    from .xlsx import Sheet, sheet_xml

    sheet = Sheet(_sheet_name(table))
    _fill_sheet(sheet, styles, table, department)
    return sheet.name, sheet_xml(sheet)


def workbook_bytes(tables: list[Table], department: str, unit: str, title: str,
                   moment: datetime.datetime, sheets: list[tuple[str, str]] | None = None,
                   styles=None) -> bytes:
    """An XLSX with one sheet per table, written directly (builder/xlsx.py); the same input
    gives the same bytes. Every text is a string cell: there are no formulas.

    ``sheets`` and ``styles``: the tables' sheets (table_sheet) when made already."""
    from .xlsx import Sheet, Styles, sheet_xml, workbook

    if sheets is None:
        styles = Styles()
        sheets = [table_sheet(table, department, styles) for table in tables]
    if not sheets:  # a workbook needs a sheet
        styles = styles or Styles()
        sheets = [("表", sheet_xml(Sheet("表")))]
    return workbook(sheets, styles, moment, department, title)


# -- JSON ---------------------------------------------------------------------------------

_NUMBER = "\u0000"


def _number(value: Decimal) -> str:
    """A placeholder json.dumps keeps; replaced by the bare, exact number afterwards."""
    return f"{_NUMBER}{value}{_NUMBER}"


def table_json(table: Table, department: str, year: int, unit: str) -> bytes:
    """The table as data: its facts, a schema of its columns and its rows (see README)."""
    kinds = column_kinds(table)
    columns = []
    for i, (path, kind) in enumerate(zip(header_paths(table), kinds)):
        columns.append({
            "index": i,
            "name": path[-1] if path else "",
            "path": path,
            "kind": kind,
            "type": KIND_TYPES.get(kind, "string"),
            "unit": table.unit if kind == "amount" else None,
        })
    rows = []
    for row, cells in body_cells(table):
        values: list = [None] * table.width
        for col, cell in cells:
            if col >= table.width:
                continue
            if cell.kind == "amount" and not cell.row_header:
                value = None if cell.figure is None or table.empty else table.value(cell.figure)
                if value is None and cell.figure is not None and not table.empty:
                    value = Decimal(0)  # printed blank for zero: the data says 0
                values[col] = None if value is None else _number(value)
            else:
                values[col] = cell.text or None
        rows.append({"role": row.role, "level": max((c.level for c in row.cells), default=0),
                     "cells": values})
    doc = {
        "format": FORMAT,
        "department": department,
        "year": year,
        "number": table.number,
        "title": table.title,
        "label": table.label,
        "unit": table.unit,
        "schema": {
            "columns": columns,
            "rows": "each row: role (total | group | item), level (indent), cells (one per column; "
                    "an amount column holds a number in the table's unit, exact to the cent, or "
                    "null where the table prints no figure; other columns hold text or null)",
        },
        "rows": "\u0001",
        "note": "\n".join(table.notes) or None,
    }
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    listing = ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in rows)
    text = text.replace('"\\u0001"', f"[\n{listing}\n ]" if rows else "[]")
    text = re.sub(r'"\\u0000(-?[0-9.]+)\\u0000"', r"\1", text)
    return (text + "\n").encode("utf-8")


# -- all files of an edition --------------------------------------------------------------

def edition_files(tables: list[Table], department: str, year: int, unit: str,
                  moment: datetime.datetime) -> dict[str, bytes]:
    """The data files of an edition, keyed by their path under the edition's folder.

    Each table's worksheet is made once, with styles shared by all the edition's workbooks,
    and serves both its own workbook and the edition's (builder/xlsx.py writes them directly).
    """
    from .xlsx import Styles

    files: dict[str, bytes] = {}
    styles = Styles()
    sheets = [table_sheet(table, department, styles) for table in tables]
    for table, sheet in zip(tables, sheets):
        stem = f"{FOLDER}/{table.anchor}"
        files[f"{stem}.csv"] = table_csv(table)  # the same bytes the PDF attaches
        files[f"{stem}.xlsx"] = workbook_bytes([table], department, unit, f"{table.number}{table.title}",
                                               moment, [sheet], styles)
        files[f"{stem}.json"] = table_json(table, department, year, unit)
    name = f"{FOLDER}/{workbook_name(department, year)}"
    files[name] = workbook_bytes(tables, department, unit, f"{department}{year}年部门预算表", moment,
                                 sheets, styles)
    return files
