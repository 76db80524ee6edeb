"""Reading cells: a worksheet as a grid of texts and amounts, and text normalised for matching.

Money stays Decimal: a cell's number is read as the value it displays (its number format's
decimals), a text cell is parsed as a decimal (``1,234.56``, ``156,211,123``, ``１２３.４５``);
no float reaches the model.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..model import ZERO

ORDINAL = re.compile(r"^其中[:：]|^[一二三四五六七八九十]+、|^[（(][一二三四五六七八九十]+[)）]|^[①②③④⑤⑥⑦⑧⑨⑩]|^\d+[.、]")
CODE = re.compile(r"^(\d{7}|\d{5}|\d{3})(?!\d)(?:\s*[-－—:：]?\s*(.*))?$")
NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")
ZERO_TEXTS = ("", "-", "--", "—", "––", "－")


def norm(text: str) -> str:
    """Text for matching: NFKC (full-width -> half-width), no spaces or quotes, years as Y."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[“”\"'‘’「」『』]", "", text)
    return re.sub(r"\d{4}年?", "Y", text)


def label_key(text: str) -> str:
    """A row label for matching: normalised, without an ordinal (一、 ① 1.)."""
    text = re.sub(r"^[\s\u3000]*[①②③④⑤⑥⑦⑧⑨⑩]", "", text or "")
    text = unicodedata.normalize("NFKC", text).strip()
    text = re.sub(r"\s+", "", text)
    return ORDINAL.sub("", text)


def _decimals(number_format: str) -> int | None:
    """How many decimals a number format shows (``0.00`` -> 2); None for General."""
    fmt = (number_format or "").split(";")[0]
    if not re.search(r"[0#]", fmt):
        return None
    match = re.search(r"\.([0#]+)", fmt)
    return len(match.group(1)) if match else 0


@dataclass
class WCell:
    value: object
    fmt: str
    indent: int
    ref: str

    @property
    def text(self) -> str:
        v = self.value
        if v is None:
            return ""
        if isinstance(v, bool):
            return str(v)
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            return str(int(v)) if v.is_integer() else repr(v)
        return str(v).strip().replace("\u3000", " ").strip()

    @property
    def lead(self) -> int:
        """Indentation: the cell's indent, or its leading spaces (full-width count too)."""
        if isinstance(self.value, str):
            stripped = self.value.lstrip(" \u3000\t")
            spaces = len(self.value) - len(stripped)
        else:
            spaces = 0
        return max(self.indent, spaces)

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, (int, float, Decimal)) and not isinstance(self.value, bool)


class NotANumber(ValueError):
    pass


def amount_of(cell: WCell) -> Decimal:
    """The amount a cell shows: blank -> 0; a number as displayed (its format's decimals);
    text such as ``1,234.56`` or ``１２３.４５`` parsed exactly; anything else NotANumber."""
    v = cell.value
    if v is None or isinstance(v, bool) and not v:
        return ZERO
    if isinstance(v, bool):
        raise NotANumber(str(v))
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, Decimal):
        return v
    if isinstance(v, float):
        places = _decimals(cell.fmt)
        value = Decimal(repr(v))  # the shortest text that reads back as this float
        return value.quantize(Decimal(1).scaleb(-(places if places is not None else 6)), ROUND_HALF_UP)
    text = unicodedata.normalize("NFKC", str(v))
    text = re.sub(r"[\s,]", "", text)
    if text in ZERO_TEXTS:
        return ZERO
    if NUMBER.match(text):
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
    raise NotANumber(str(v))


def printed_amount(text: str) -> Decimal:
    """An amount as a derived table prints it (``156,211,123``, ``47.91``, blank, ``-``)."""
    return amount_of(WCell(text or None, "General", 0, ""))


CLIP = 60  # the most characters of a cell's text a message echoes


def clip(text: object, limit: int = CLIP) -> str:
    """A cell's text as a message echoes it: at most ``limit`` characters, then “…” (a
    workbook may hold a title of millions of characters)."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


class Sheet:
    """A worksheet as a grid of WCell (1-based rows and columns), merged cells filled for
    header lookups.

    Only the cells the file holds are read (``ws._cells``), never the rectangle up to
    ``ws.max_row`` × ``ws.max_column``: one stray cell at XFD1048576 would make that 17
    billion cells. ``max_row`` / ``max_col`` are the bounds of the cells with a value.
    ``formulas`` (the same sheet loaded without data_only) tells which empty cells are
    formulas the workbook never calculated (``uncalculated``: sheet!cell, formula).
    """

    def __init__(self, ws, formulas=None):
        from openpyxl.utils import get_column_letter

        self.name = ws.title
        self.cells: dict[tuple[int, int], WCell] = {}
        self.by_row: dict[int, dict[int, WCell]] = {}
        stored = getattr(ws, "_cells", None)
        if stored is None:  # not a stored worksheet (read-only): its rows as they come
            stored = {(c.row, c.column): c for row in ws.iter_rows() for c in row
                      if getattr(c, "row", None)}
        for (r, col), c in sorted(stored.items()):
            if c.value is None:
                continue
            indent = int(getattr(c.alignment, "indent", 0) or 0) if c.has_style else 0
            cell = WCell(c.value, c.number_format or "General", indent, f"{get_column_letter(col)}{r}")
            self.cells[(r, col)] = cell
            self.by_row.setdefault(r, {})[col] = cell
        self.max_row = max(self.by_row, default=0)
        self.max_col = max((col for _, col in self.cells), default=0)
        self.row_numbers = sorted(self.by_row)
        self.top_left: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:  # only on rows with a value, as far as values reach
            for r in self.rows_from(rng.min_row, rng.max_row):
                for col in range(rng.min_col, min(rng.max_col, self.max_col) + 1):
                    self.top_left[(r, col)] = (rng.min_row, rng.min_col)
        self.uncalculated: list[tuple[str, str]] = []
        if formulas is not None:
            kept = getattr(formulas, "_cells", {})
            for (r, col), c in sorted(kept.items()):
                if c.data_type == "f" and (r, col) not in self.cells:
                    self.uncalculated.append((f"{self.name}!{get_column_letter(col)}{r}", str(c.value)))
        self._letter = get_column_letter

    def cell(self, r: int, c: int) -> WCell:
        return self.cells.get((r, c)) or WCell(None, "General", 0, f"{self._letter(c)}{r}")

    def header_text(self, r: int, c: int) -> str:
        """The text shown at (r, c), a merged range's text at each of its cells."""
        return self.cell(*self.top_left.get((r, c), (r, c))).text

    def ref(self, r: int, c: int) -> str:
        return f"{self.name}!{self._letter(c)}{r}"

    def row_cells(self, r: int) -> dict[int, WCell]:
        """The cells of row r that hold a value, by column."""
        return self.by_row.get(r, {})

    def rows_from(self, first: int, last: int | None = None) -> list[int]:
        """The rows from ``first`` (to ``last``) that hold a value, in order."""
        from bisect import bisect_left, bisect_right

        lo = bisect_left(self.row_numbers, first)
        hi = len(self.row_numbers) if last is None else bisect_right(self.row_numbers, last)
        return self.row_numbers[lo:hi]

    def columns_in(self, rows: list[int]) -> list[int]:
        """The columns with a value, or under a merged range with one, in any of ``rows``."""
        wanted = set(rows)
        cols = {c for r in rows for c in self.row_cells(r)}
        cols.update(c for (r, c) in self.top_left if r in wanted)
        return sorted(cols)

    def row_texts(self, r: int) -> list[str]:
        """The texts of row r from column 1 to its last cell with a value."""
        cells = self.row_cells(r)
        texts = [""] * max(cells, default=0)
        for c, cell in cells.items():
            texts[c - 1] = cell.text
        return texts

    def blank(self, r: int) -> bool:
        return not any(cell.text for cell in self.row_cells(r).values())
