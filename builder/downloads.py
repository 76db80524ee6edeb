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
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

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


def _put(ws, row: int, column: int, value):
    """A cell of text, written as a string (never a formula): a text the site prints that
    starts with ``=`` (a project named ``=HYPERLINK(…)``) stays text in the workbook."""
    target = ws.cell(row=row, column=column)
    target.value = value
    if isinstance(value, str):
        target.data_type = "s"
    return target


def _fill_sheet(ws, table: Table, department: str, unit: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    width = max(table.width, 1)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    title = f"{table.number}　{table.title}" if table.number else table.title
    _put(ws, 1, 1, title).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
    if width > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    _put(ws, 2, 1, f"{table.department_label}：{department}")
    _put(ws, 2, width if width > 1 else 2, f"单位：{table.unit}").alignment = \
        Alignment(horizontal="right")
    top = 3  # the first header row
    for cell in place_header(table):
        r, c = top + cell.row, 1 + cell.col
        target = _put(ws, r, c, cell.text)
        target.font = Font(bold=True)
        if cell.rowspan > 1 or cell.colspan > 1:
            ws.merge_cells(start_row=r, start_column=c,
                           end_row=r + cell.rowspan - 1, end_column=c + cell.colspan - 1)
    for r in range(top, top + len(table.header)):
        for c in range(1, width + 1):
            ws.cell(row=r, column=c).border = box
            ws.cell(row=r, column=c).alignment = center
    r = top + len(table.header)
    for row, cells in body_cells(table):
        for col, cell in cells:
            target = ws.cell(row=r, column=1 + col)
            if cell.kind == "amount" and not cell.row_header:
                value = printed(table, cell)
                if value is not None:
                    # the one place a float appears: the spreadsheet cell needs a number;
                    # the value is already rounded as printed, so it reads back exactly
                    target.value = int(value) if value == value.to_integral_value() and \
                        not table.style.decimals else float(value)
                target.number_format = amount_format(table)
                target.alignment = Alignment(horizontal="right")
            else:
                _put(ws, r, 1 + col, cell.text or None)
                target.number_format = "@"  # text: a 科目编码 stays text
                if cell.level:
                    target.alignment = Alignment(indent=2 * cell.level)
            if row.role in ("total", "group"):
                target.font = Font(bold=True)
            if cell.colspan > 1:
                ws.merge_cells(start_row=r, start_column=1 + col, end_row=r,
                               end_column=col + cell.colspan)
        for c in range(1, width + 1):
            ws.cell(row=r, column=c).border = box
        r += 1
    for note in table.notes:
        _put(ws, r, 1, note)
        r += 1
    for c, kind in enumerate(column_kinds(table), start=1):
        ws.column_dimensions[get_column_letter(c)].width = KIND_WIDTHS.get(kind, 14)
    ws.freeze_panes = ws.cell(row=top + len(table.header), column=1)


def _stable_zip(data: bytes, moment: datetime.datetime) -> bytes:
    """The zip again, every entry with the same fixed time and attributes, in its order."""
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute,
             moment.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 3
            dst.writestr(fixed, src.read(info.filename), compresslevel=6)
    return out.getvalue()


def workbook_bytes(tables: list[Table], department: str, unit: str, title: str,
                   moment: datetime.datetime) -> bytes:
    """An XLSX with one sheet per table; the same input gives the same bytes."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    for table in tables:
        _fill_sheet(wb.create_sheet(_sheet_name(table)), table, department, unit)
    if not tables:  # a workbook needs a sheet
        wb.create_sheet("表")
    naive = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
    wb.properties.created = naive
    wb.properties.modified = naive
    wb.properties.creator = department
    wb.properties.lastModifiedBy = None
    wb.properties.title = title
    wb.properties.language = "zh-CN"
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)
    ExcelWriter(wb, archive).save()  # not save_workbook: that stamps the clock as modified
    return _stable_zip(raw.getvalue(), moment)


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

KEYS = f"{FOLDER}/.xlsx-keys.json"  # XLSX file -> hash of what it was made from
XLSX_VERSION = "2"  # bump when workbook_bytes changes its output


def _reusable(previous: Path | None) -> dict[str, tuple[str, bytes]]:
    """The XLSX files of the last build with the keys they were made from."""
    if previous is None or not (previous / KEYS).is_file():
        return {}
    try:
        keys = json.loads((previous / KEYS).read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return {}
    out = {}
    for name, key in keys.items():
        path = previous / name
        if path.is_file():
            out[name] = (key, path.read_bytes())
    return out


def edition_files(tables: list[Table], department: str, year: int, unit: str,
                  moment: datetime.datetime, previous: Path | None = None) -> dict[str, bytes]:
    """The data files of an edition, keyed by their path under the edition's folder.

    Making XLSX files is slow; one whose inputs are unchanged since the last build (in the
    edition's folder ``previous``) is reused, like the PDF.
    """
    files: dict[str, bytes] = {}
    reusable = _reusable(previous)
    keys: dict[str, str] = {}

    def xlsx(name: str, parts: list[Table], title: str) -> bytes:
        digest = hashlib.sha256(XLSX_VERSION.encode())
        for part in (department, unit, title, moment.isoformat()):
            digest.update(str(part).encode("utf-8") + b"\0")
        for table in parts:
            digest.update(table_json(table, department, year, unit))
        key = keys[name] = digest.hexdigest()
        if name in reusable and reusable[name][0] == key:
            return reusable[name][1]
        return workbook_bytes(parts, department, unit, title, moment)

    for table in tables:
        stem = f"{FOLDER}/{table.anchor}"
        files[f"{stem}.csv"] = table_csv(table)  # the same bytes the PDF attaches
        files[f"{stem}.xlsx"] = xlsx(f"{stem}.xlsx", [table], f"{table.number}{table.title}")
        files[f"{stem}.json"] = table_json(table, department, year, unit)
    name = f"{FOLDER}/{workbook_name(department, year)}"
    files[name] = xlsx(name, tables, f"{department}{year}年部门预算表")
    files[KEYS] = (json.dumps(keys, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
    return files
