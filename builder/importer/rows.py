"""Reading rows: each body row's label cells and amounts, amounts in the edition's unit.

A table whose sheet is in another unit than the edition (shanghai-9's “三公”经费 table in
万元 in an edition in 元) is converted exactly (Decimal): 47.91 万元 -> 479100 元.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..i18n import _
from ..model import ZERO
from .cells import CODE, NotANumber, Sheet, WCell, amount_of, clip, label_key
from .headers import Col, Region, columns_of
from .report import Report


@dataclass
class RowData:
    r: int
    labels: dict[int, WCell]     # table column -> cell (label columns)
    amounts: dict[int, Decimal]  # table column -> amount in the edition's unit (amount columns)
    refs: dict[int, str]         # table column -> sheet!cell

    def label(self, i: int) -> str:
        cell = self.labels.get(i)
        return cell.text if cell else ""


@dataclass
class TableRead:
    """One table as read from its sheet."""

    index: int                   # in the format
    spec: object
    sheet: Sheet
    region: Region
    rows: list[RowData]
    cols: list[Col]
    factor: Decimal              # the sheet's unit -> the edition's
    quantum: Decimal             # the smallest printed step, in the edition's unit
    unit: str                    # the sheet's unit
    codes: dict = field(default_factory=dict)  # row number -> the row's code (split columns joined)


def read_rows(spec, sheet: Sheet, region: Region, factor: Decimal, report: Report) -> list[RowData]:
    cols = columns_of(spec)
    rows = []
    for r in region.body_rows:
        data = RowData(r, {}, {}, {})
        for i, (col, c) in enumerate(zip(cols, region.columns)):
            cell = sheet.cell(r, c)
            data.refs[i] = sheet.ref(r, c)
            if col.kind == "amount":
                try:
                    data.amounts[i] = amount_of(cell) * factor
                except NotANumber:
                    report.error(sheet.ref(r, c), _("“{text}”不是数字，请填写金额", text=clip(cell.text)))
                    data.amounts[i] = ZERO
            else:
                data.labels[i] = cell
        rows.append(data)
    return rows


def code_part(text: str, digits: int) -> str:
    """A split code column's text as its level's digits (``5`` -> ``05``)."""
    text = text.strip()
    if text.isdigit() and digits and len(text) < digits:
        return text.zfill(digits)
    return text


def row_code(texts: list[str], cols: list[Col], previous: str = "") -> str:
    """The code a row's code columns spell: one column as written, or split columns joined
    (类 208, 款 05, 项 01 -> 2080501; a level left blank under its parent takes the parent's
    digits from the row before)."""
    if len(cols) == 1 and not cols[0].digits:
        return texts[0].strip() if texts else ""
    code, need = "", 0
    for text, col in zip(texts, cols):
        part = code_part(text, col.digits)
        if part:
            if not part.isdigit():
                return part  # 合计, or a label written in the code columns
            if len(code) < need:
                code = previous[:need] if len(previous) >= need else code
            code += part
        need += col.digits
    return code


def functional_code(text: str) -> str | None:
    match = CODE.match(text.strip())
    return match.group(1) if match else None


def is_total(text: str, spec) -> bool:
    key = label_key(text)
    return bool(key) and key in (label_key(spec.total_label), "合计")
