"""A small XLSX writer: the workbook's XML parts written directly, deterministically.

The downloads (builder/downloads.py) need few features: string and number cells, a handful
of styles (bold, borders, alignment, indent, a number format), merged ranges, column widths
and a frozen pane. Writing the parts directly is many times faster than building openpyxl's
object model (a style object per cell) and serialising it, and it can never write a formula:
there is no way to make an ``<f>`` element here. Every text is a string cell (an inline
string, ``t="inlineStr"``), whatever it starts with, so ``=HYPERLINK(…)`` stays text. A sheet's
XML is made once and serves every workbook it is in (a table's own and the edition's).

The same input gives the same bytes: parts in a fixed order, styles numbered in the order
first used, every zip entry with the same time and attributes (the workbook's date).
"""
from __future__ import annotations

import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

# Style keys: (font, border, number format, horizontal, vertical, wrap, indent)
FONTS = {"normal": 0, "title": 1, "bold": 2}
_FONTS_XML = ('<fonts count="3">'
              '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
              '<font><b val="1"/><sz val="14"/><name val="Calibri"/><family val="2"/></font>'
              '<font><b val="1"/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
              '</fonts>')
_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "@": 49}


@dataclass(frozen=True)
class Style:
    font: str = "normal"         # normal | title | bold
    border: bool = False         # a thin box
    number_format: str = "General"
    horizontal: str | None = None
    vertical: str | None = None
    wrap: bool = False
    indent: int = 0


class Styles:
    """The cell formats of a workbook, shared by all its sheets: each distinct style once,
    numbered in the order first used (0 is the default)."""

    def __init__(self):
        self.index: dict[Style, int] = {Style(): 0}
        self.formats: dict[str, int] = {}  # custom number formats -> id (from 164)

    def __call__(self, style: Style) -> int:
        found = self.index.get(style)
        if found is None:
            found = self.index[style] = len(self.index)
            if style.number_format not in _BUILTIN_FORMATS and style.number_format not in self.formats:
                self.formats[style.number_format] = 164 + len(self.formats)
        return found

    def _format_id(self, code: str) -> int:
        return _BUILTIN_FORMATS.get(code, self.formats.get(code, 0))

    def xml(self) -> str:
        formats = "".join(f'<numFmt numFmtId="{i}" formatCode="{_attr(code)}"/>'
                          for code, i in self.formats.items())
        xfs = []
        for style in self.index:
            attrs = (f'numFmtId="{self._format_id(style.number_format)}" fontId="{FONTS[style.font]}" '
                     f'fillId="0" borderId="{1 if style.border else 0}" xfId="0"')
            if style.number_format != "General":
                attrs += ' applyNumberFormat="1"'
            if style.font != "normal":
                attrs += ' applyFont="1"'
            if style.border:
                attrs += ' applyBorder="1"'
            align = ""
            if style.horizontal:
                align += f' horizontal="{style.horizontal}"'
            if style.vertical:
                align += f' vertical="{style.vertical}"'
            if style.wrap:
                align += ' wrapText="1"'
            if style.indent:
                align += f' indent="{style.indent}"'
            xfs.append(f'<xf {attrs} applyAlignment="1"><alignment{align}/></xf>' if align
                       else f"<xf {attrs}/>")
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + (f'<numFmts count="{len(self.formats)}">{formats}</numFmts>' if self.formats else "")
            + _FONTS_XML
            + '<fills count="2"><fill><patternFill patternType="none"/></fill>'
              '<fill><patternFill patternType="gray125"/></fill></fills>'
              '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
              '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
              '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom>'
              '<diagonal/></border></borders>'
              '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            + f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
              '</styleSheet>')


@dataclass
class Sheet:
    """One worksheet: cells (1-based row, column) -> (value, style), merged ranges
    (first row, first column, last row, last column), column widths and the first row
    below the frozen pane (0: none)."""

    name: str
    cells: dict = field(default_factory=dict)
    merges: list = field(default_factory=list)
    widths: dict = field(default_factory=dict)
    freeze_row: int = 0

    def put(self, row: int, column: int, value: str | Decimal | int | None, style: int = 0) -> None:
        """A cell: a text (always a string cell, never a formula), an exact number, or
        None (a styled empty cell)."""
        self.cells[(row, column)] = (value, style)

    def style(self, row: int, column: int, style: int) -> None:
        """Give the cell a style, keeping its value."""
        value, _ = self.cells.get((row, column), (None, 0))
        self.cells[(row, column)] = (value, style)

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        self.merges.append((first_row, first_col, last_row, last_col))


def column_letter(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _ref(row: int, column: int) -> str:
    return f"{column_letter(column)}{row}"


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    """A string as XML text of a cell: a CR as a character reference (a bare one would be
    read back as LF); a control character XML cannot carry in Excel's ``_xHHHH_`` escape."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


def _attr(value: str) -> str:
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _number(value: Decimal | int) -> str:
    if isinstance(value, int):
        return str(value)
    text = format(value, "f")
    return text


def _string(text: str) -> str:
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text or "\t" in text else ""
    return f"<is><t{space}>{_text(text)}</t></is>"


def sheet_xml(sheet: Sheet) -> str:
    """The worksheet part of ``sheet``: self-contained (texts are inline strings, styles the
    indexes of the Styles they were made with), so one sheet serves several workbooks."""
    rows: dict[int, list] = {}
    for (r, c), cell in sheet.cells.items():
        rows.setdefault(r, []).append((c, cell))
    last_col = max((c for r, c in sheet.cells), default=0)
    if sheet.cells:
        last_row = max(rows)
        dimension = f"A1:{_ref(last_row, last_col)}" if (last_row, last_col) != (1, 1) else "A1"
    else:
        dimension = "A1"
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">',
             f'<dimension ref="{dimension}"/>']
    if sheet.freeze_row > 1:
        top = f"A{sheet.freeze_row}"
        parts.append(f'<sheetViews><sheetView workbookViewId="0">'
                     f'<pane ySplit="{sheet.freeze_row - 1}" topLeftCell="{top}" activePane="bottomLeft" '
                     f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
                     '</sheetView></sheetViews>')
    else:
        parts.append(f'<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
    parts.append('<sheetFormatPr defaultRowHeight="15"/>')
    if sheet.widths:
        parts.append("<cols>" + "".join(
            f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in sorted(sheet.widths.items()))
            + "</cols>")
    parts.append("<sheetData>")
    # a portal's sheets across publishers have hundreds of thousands of cells: the column
    # letters and each distinct text's XML are worked out once per sheet
    letters = [column_letter(c) for c in range(last_col + 1)]
    strings: dict[str, str] = {}
    for r in sorted(rows):
        parts.append(f'<row r="{r}">')
        for c, (value, style) in sorted(rows[r], key=lambda item: item[0]):
            s = f' s="{style}"' if style else ""
            ref = f"{letters[c]}{r}"
            if value is None:
                parts.append(f'<c r="{ref}"{s}/>')
            elif isinstance(value, str):
                text = strings.get(value)
                if text is None:
                    text = strings[value] = _string(value)
                parts.append(f'<c r="{ref}"{s} t="inlineStr">{text}</c>')
            elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                parts.append(f'<c r="{ref}"{s}><v>{_number(value)}</v></c>')
            else:
                raise TypeError(f"not a cell value: {value!r}")
        parts.append("</row>")
    parts.append("</sheetData>")
    if sheet.merges:
        parts.append(f'<mergeCells count="{len(sheet.merges)}">' + "".join(
            f'<mergeCell ref="{_ref(a, b)}:{_ref(c, d)}"/>' for a, b, c, d in sheet.merges) + "</mergeCells>")
    parts.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>')
    parts.append("</worksheet>")
    return "".join(parts)


_CT = "application/vnd.openxmlformats-officedocument"


def _utc(moment: datetime.datetime) -> str:
    naive = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
    return naive.replace(microsecond=0).isoformat() + "Z"


def unique_names(names: list[str]) -> list[str]:
    """Sheet names as a workbook needs them: unique (case-insensitively), at most 31 characters."""
    out, seen = [], set()
    for name in names:
        candidate, n = name, 1
        while candidate.lower() in seen:
            suffix = str(n)
            candidate = name[:31 - len(suffix)] + suffix
            n += 1
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def workbook(sheets: list[tuple[str, str]], styles: Styles, moment: datetime.datetime, creator: str,
             title: str, language: str = "zh-CN") -> bytes:
    """The XLSX file of ``sheets`` ((name, sheet_xml) pairs, styled by ``styles``), dated
    ``moment``."""
    names = unique_names([name for name, _ in sheets])
    sheet_parts = [xml for _, xml in sheets]
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1))
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    parts = {
        "[Content_Types].xml": head + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.spreadsheetml.sheet.main+xml"/>'
            f'{overrides}'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f'<Override PartName="/docProps/app.xml" ContentType="{_CT}.extended-properties+xml"/>'
            '</Types>'),
        "_rels/.rels": head + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/core-properties" Target="docProps/core.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/extended-properties" Target="docProps/app.xml"/>'
            '</Relationships>'),
        "docProps/app.xml": head + (
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            '<Application>budgetsite</Application></Properties>'),
        "docProps/core.xml": head + (
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/'
            'dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:creator>{_text(creator)}</dc:creator><dc:title>{_text(title)}</dc:title>'
            f'<dc:language>{_text(language)}</dc:language>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{_utc(moment)}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_utc(moment)}</dcterms:modified>'
            '</cp:coreProperties>'),
        "xl/workbook.xml": head + (
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<workbookPr/><bookViews><workbookView activeTab="0"/></bookViews><sheets>'
            + "".join(f'<sheet name="{_attr(name)}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, name in enumerate(names, start=1))
            + '</sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": head + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
                      f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, len(sheets) + 1))
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/'
              'officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            + '</Relationships>'),
    }
    for i, xml in enumerate(sheet_parts, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    parts["xl/styles.xml"] = styles.xml()
    return _zip(parts, moment)


def _zip(parts: dict[str, str], moment: datetime.datetime) -> bytes:
    """The parts as a zip, in their order, every entry with the same time and attributes."""
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, text.encode("utf-8"), compresslevel=1)
    return out.getvalue()
