"""Reading headers: what each column of a table holds, and where the table is on its sheet.

The columns come from the table's layout and spec: ``code: joined`` is one 科目编码 column,
``code: split`` one column per level (类 款 项 for 功能分类, 类 款 for 经济分类), ``gov`` adds the
政府经济分类 column of the economic layout, ``single`` is one row of figures (``cells``).

The header region is found from the spec's own header declaration: the first row below the
title holding one of the header's texts starts it; it runs while rows hold header texts and
no figures (a row of column numbers, 1 2 3 …, belongs to it), and the body starts at the first
row with a figure or the table's 合计 label. Each column of the table is then matched to a
sheet column by its header path (the texts above it, spans included), else by position.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..formats import header_width
from ..i18n import _
from .cells import Sheet, label_key, norm
from .report import Report
from .sheets import is_meta

#: digits of each level of a split code: 功能分类 类 款 项, 经济分类 类 款
SPLIT = {"functional": (3, 2, 2), "economic": (3, 2)}


@dataclass(frozen=True)
class Col:
    kind: str        # code | name | gov | amount
    digits: int = 0  # a split code column: how many digits its level has (0: a whole code)


def columns_of(spec) -> list[Col]:
    """What each column of a table holds, from its layout and spec."""
    amounts = [Col("amount")] * (len(spec.cells) if spec.layout == "single" else len(spec.columns))
    code = spec.code
    if spec.layout == "subjects":
        codes = {"joined": [Col("code")], "none": [],
                 "split": [Col("code", n) for n in SPLIT["functional"]]}[code]
        return codes + [Col("name")] + amounts
    if spec.layout == "economic":
        mode = "none" if code == "joined" else code  # joined: names only (the older layout)
        codes = [Col("code", n) for n in SPLIT["economic"]] if mode == "split" else []
        return codes + [Col("name")] + ([Col("gov")] if spec.gov else []) + amounts
    if spec.layout == "balance":
        return [Col("name"), Col("amount"), Col("name")] + amounts
    if spec.layout == "revenue":
        return [Col("code"), Col("name"), Col("amount")]
    if spec.layout == "soe_balance":
        return [Col("code"), Col("name"), Col("amount"), Col("code"), Col("name")] + amounts
    if spec.layout == "single":
        return amounts
    return [Col("name")] + amounts  # three_public, operating, projects


def segments(spec) -> list[tuple[int, int]]:
    """Independent side-by-side parts of a row (the balance layout: income | expense)."""
    width = len(columns_of(spec))
    if spec.layout == "balance":
        return [(0, 2), (2, width)]
    if spec.layout == "soe_balance":
        return [(0, 3), (3, width)]
    return [(0, width)]


def spec_paths(spec, year: int) -> list[list[str]]:
    """For each column of the table, the normalised header texts above it."""
    width = header_width(spec)
    paths: list[list[str]] = [[] for _ in range(width)]
    taken: set = set()
    for r, row in enumerate(spec.header):
        col = 0
        for cell in row:
            while (r, col) in taken:
                col += 1
            taken.update((r + dr, col + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
            text = norm(cell.text.replace("{year}", str(year)))
            if text and not text.isdigit():
                for c in range(col, min(col + cell.colspan, width)):
                    paths[c].append(text)
            col += cell.colspan
    return paths


def sheet_paths(sheet: Sheet, header_rows: list[int]) -> dict[int, list[str]]:
    paths: dict[int, list[str]] = {}
    for c in sheet.columns_in(header_rows):  # a column with no header text has no path
        path: list[str] = []
        for r in header_rows:
            text = norm(sheet.header_text(r, c))
            if text and not text.isdigit() and (not path or path[-1] != text):
                path.append(text)
        paths[c] = path
    return paths


def _suffix(a: list[str], b: list[str]) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


@dataclass
class Region:
    """Where a table's parts are on its sheet."""

    header_rows: list[int]
    body_rows: list[int]
    columns: list[int]  # sheet column of each of the table's columns


def _index_row(texts: list[str]) -> bool:
    """A row of column numbers (1 2 3 …, as text or as numbers) under a header."""
    shown = [t for t in texts if t]
    return len(shown) > 1 and all(t.isdigit() and len(t) <= 2 for t in shown) \
        and [int(t) for t in shown] == list(range(int(shown[0]), int(shown[0]) + len(shown)))


def _has_figure(sheet: Sheet, r: int) -> bool:
    return any(cell.is_number for cell in sheet.row_cells(r).values())


def locate(spec, sheet: Sheet, title_row: int, year: int, fmt, report: Report) -> Region | None:
    cols = columns_of(spec)
    wanted = spec_paths(spec, year)
    texts_of_header = {t for path in wanted for t in path}
    total = {label_key(spec.total_label), "合计"}
    labelled = bool(cols) and cols[0].kind != "amount"
    start = None
    for r in sheet.rows_from(title_row + 1):
        texts = ["" if is_meta(t, fmt) else norm(t) for t in sheet.row_texts(r)]
        if any(t in texts_of_header for t in texts if t):
            start = r
            break
    if start is None:
        first = next((t for row in spec.header for t in (c.text for c in row) if t), "")
        report.error(sheet.ref(title_row + 1, 1),
                     _("找不到{ref}的表头：标题下面没有“{first}”等表头文字。请核对这张表的表头是否与格式一致",
                       ref=spec.ref, first=first.replace("{year}", str(year))))
        return None
    # the table's first column: the leftmost column the header's first row covers
    label_col = min((c for c in sheet.columns_in([start]) if sheet.header_text(start, c)), default=1)
    body = None
    for r in sheet.rows_from(start + 1):
        raw = sheet.row_texts(r)
        if not any(raw):
            continue
        texts = [norm(t) for t in raw]
        header_like = _index_row(raw) or (
            not _has_figure(sheet, r)
            and not (labelled and label_key(sheet.cell(r, label_col).text) in total)
            and any(t in texts_of_header for t in texts if t))
        if not header_like:
            body = r
            break
    if body is None:
        report.warning(sheet.ref(start, label_col), _("{ref}：表头下面没有数据行", ref=spec.ref))
        body = sheet.max_row + 1
    header_rows = [r for r in sheet.rows_from(start, body - 1) if not sheet.blank(r)]
    # columns: by header text (longest common suffix of the header path), else by position
    have = sheet_paths(sheet, header_rows)
    width = len(cols)
    wanted = (wanted + [[] for _ in range(width)])[:width]
    pairs = sorted(((_suffix(wanted[i], have[c]), -i, -c, i, c) for i in range(width)
                    for c in have if c >= label_col), reverse=True)
    columns: list[int | None] = [None] * width
    used: set[int] = set()
    for score, _i, _c, i, c in pairs:
        if score and columns[i] is None and c not in used:
            columns[i], used = c, used | {c}
    for i in range(width):
        if columns[i] is None:
            c = label_col + i
            columns[i] = c
            if wanted[i] and have.get(c):
                report.warning(sheet.ref(header_rows[-1], c),
                               _("{ref}的“{column}”列按表头文字找不到，已按位置取第 {number} 列，请核对",
                                 ref=spec.ref, column="/".join(wanted[i]), number=c))
    body_rows = []
    for r in sheet.rows_from(body):
        if sheet.blank(r):
            continue
        first = next((t for t in sheet.row_texts(r) if t), "")
        if first.startswith("注") and ("：" in first[:4] or ":" in first[:4]):
            break
        body_rows.append(r)
    return Region(header_rows, body_rows, columns)
