"""Which sheet holds which table: sheets are found by the format's table titles.

A table is known by its ``title`` (``{year}`` stands for any year), the title without a
parenthesised remark (``（不含上年结转）``) and its ``name``; the sheet's title is a text of
its first rows (``{number}　{year}年…``, as the site's own workbook prints it). The longest
matching key wins, so a title contained in another's does not take its sheet. The line
between the title and the header gives the department (the format's ``department_label``:
部门名称 / 编制部门, and the usual others) and the sheet's unit (``单位：元``).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..i18n import _
from .cells import Sheet, norm
from .report import Report

TITLE_ROWS = 5
UNITS = ("亿元", "万元", "元")
DEPARTMENT_LABELS = ("部门名称", "编制部门", "编制单位", "预算部门")


def title_keys(spec) -> list[tuple[str, int]]:
    """(normalised key, score) for each way a sheet's title may name the table."""
    title = norm(spec.title.replace("{year}", "2000")).replace("Y", "")
    keys = [(title, 3 * len(title))]
    short = re.sub(r"\(.*?\)", "", title)
    if short != title:
        keys.append((short, 2 * len(short)))
    if spec.name:
        name = norm(spec.name).replace("Y", "")
        if name and name not in (title, short):
            keys.append((name, 2 * len(name)))
    return [(k, s) for k, s in keys if k]


def match_title(text: str, fmt) -> tuple[int, int] | None:
    """(index of the format's table, score) best matching a title text, or None."""
    text = norm(text).replace("Y", "")
    best = None
    for i, spec in enumerate(fmt.tables):
        for key, score in title_keys(spec):
            if key in text and (best is None or score > best[1]):
                best = (i, score)
    return best


def department_labels(fmt) -> tuple[str, ...]:
    own = getattr(fmt, "department_label", None)
    return tuple(dict.fromkeys(([own] if own else []) + list(DEPARTMENT_LABELS)))


def is_meta(text: str, fmt=None) -> bool:
    """The 部门名称 / 编制部门 / 单位 line between the title and the header."""
    text = unicodedata.normalize("NFKC", text)
    labels = "|".join(department_labels(fmt)) + "|单位"
    return bool(re.search(rf"({labels})\s*:", text))


@dataclass
class Found:
    """A sheet recognised as a table of the format."""

    index: int       # the table's index in the format
    sheet: Sheet
    title_row: int
    title: str
    score: int
    unit: str | None = None        # the sheet's 单位 line
    unit_ref: str | None = None
    department: str | None = None
    department_ref: str | None = None  # sheet!cell of the 部门名称 / 编制部门 line


def sheet_title(sheet: Sheet, fmt) -> tuple[int, str, tuple[int, int] | None]:
    """The title row, its text and the best match among the first rows of the sheet."""
    best = (0, "", None)
    for r in range(1, min(sheet.max_row, TITLE_ROWS) + 1):
        for text in sheet.row_texts(r):
            if not text or is_meta(text, fmt):
                continue
            match = match_title(text, fmt)
            if match and (best[2] is None or match[1] > best[2][1]):
                best = (r, text, match)
    return best


def sheet_meta(sheet: Sheet, fmt) -> tuple[str | None, str | None, str | None, str | None]:
    """(department, unit, where the unit is stated, where the department is) from the first
    rows of a sheet."""
    department = unit = where = department_ref = None
    labels = "|".join(department_labels(fmt))
    for r in range(1, min(sheet.max_row, TITLE_ROWS + 2) + 1):
        for c, cell in sorted(sheet.row_cells(r).items()):
            text = unicodedata.normalize("NFKC", cell.text)
            m = re.search(rf"(?:{labels})\s*:\s*(\S+)", text)
            if m and department is None:
                department, department_ref = m.group(1), sheet.ref(r, c)
            m = re.search(r"(?:金额)?单位\s*:\s*(亿元|万元|元)", text)
            if m and unit is None:
                unit, where = m.group(1), sheet.ref(r, c)
    return department, unit, where, department_ref


def find_tables(sheets: list[Sheet], fmt, report: Report) -> dict[int, Found]:
    """Each table of the format found in the workbook, by its index in the format."""
    found: dict[int, Found] = {}
    for sheet in sheets:
        row, title, match = sheet_title(sheet, fmt)
        if match is None:
            if any(not sheet.blank(r) for r in range(1, 4)):
                report.warning(sheet.ref(row or 1, 1),
                               _("工作表 '{sheet}' 不是格式 {format} 的表（标题与格式中各表的标题都不符），已跳过",
                                 sheet=sheet.name, format=fmt.id))
            continue
        index, score = match
        spec = fmt.tables[index]
        if index in found and found[index].score >= score:
            report.error(sheet.ref(row, 1), _("又一张{ref}（第一张在工作表 '{sheet}'），已跳过；"
                                              "请删去重复的工作表", ref=spec.ref, sheet=found[index].sheet.name))
            continue
        department, unit, where, department_ref = sheet_meta(sheet, fmt)
        found[index] = Found(index, sheet, row, title, score, unit, where, department, department_ref)
    return found


def title_years(found: dict[int, Found]) -> list[int]:
    return sorted({int(y) for f in found.values() for y in re.findall(r"(20\d\d)\s*年", f.title)})
