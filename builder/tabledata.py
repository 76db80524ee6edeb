"""Tables as data: a standard table as the grid of texts its HTML shows, and as CSV.

The PDF attaches every table as CSV (builder/pdf.py); the downloads will reuse this.
"""
from __future__ import annotations

import csv
import io

from .layouts import Table


# a text a spreadsheet would run as a formula (OWASP, CSV injection): = + - @, tab, CR
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")


def defused(text: str) -> str:
    """A text cell for a spreadsheet: one that starts like a formula gets an apostrophe
    (``'=HYPERLINK(…)``), so Excel and its kin show it as text and never run it."""
    return "'" + text if text.startswith(FORMULA_LEAD) else text


def table_grid(table: Table) -> list[list[str]]:
    """The table as printed: its header rows, then its body rows, one string per column.

    A cell spanning several columns (or header rows) fills the first of them; the others
    are empty. Amounts are as printed (two decimals, blank for zero); 科目编码 stay text.
    """
    return _grid(table, lambda text: text)


def _grid(table: Table, text_cell) -> list[list[str]]:
    """The grid, each text (not amount) cell passed through ``text_cell``."""
    width = table.width
    grid: list[list[str]] = []
    taken: set[tuple[int, int]] = set()  # (header row, column) covered by a span
    for r, row in enumerate(table.header):
        line = [""] * width
        col = 0
        for cell in row:
            while (r, col) in taken:
                col += 1
            line[col] = text_cell(cell.text)
            taken.update((r + dr, col + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
            col += cell.colspan
        grid.append(line)
    for row in table.rows:
        line = []
        for cell in row.cells:
            text = table.text(cell.figure) if cell.kind == "amount" and not cell.row_header \
                else text_cell(cell.text)
            line.append(text)
            line.extend([""] * (cell.colspan - 1))
        grid.append(line + [""] * (width - len(line)))
    return grid


def table_csv(table: Table) -> bytes:
    """The table as CSV: UTF-8 with a byte order mark and CRLF line ends, so Excel opens it.

    Every value is written as the text the table shows (no number conversion), so a
    科目编码 is kept exactly; a spreadsheet may still choose to read it as a number. A text
    that a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) gets an
    apostrophe in front (defused); amounts are printed figures, negative ones stay numbers.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(_grid(table, defused))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_name(table: Table) -> str:
    """A file name for the table's CSV: its number and title (``<number>-<title>.csv``)."""
    stem = f"{table.number.rstrip('.')}-{table.title}" if table.number else table.title
    from .names import file_stem

    return f"{file_stem(stem)}.csv"


def column_kinds(table: Table) -> list[str]:
    """The kind of each column (code, name, amount or text): the commonest kind of its body
    cells. The print theme sizes the columns by kind (a fixed table layout is much faster
    to lay out than one measured from the content)."""
    counts: list[dict[str, int]] = [{} for _ in range(table.width)]
    for row in table.rows:
        col = 0
        for cell in row.cells:
            if cell.colspan == 1 and col < table.width:
                counts[col][cell.kind] = counts[col].get(cell.kind, 0) + 1
            col += cell.colspan
    return [max(sorted(c), key=c.get) if c else "text" for c in counts]
