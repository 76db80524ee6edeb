"""Import: the budget system's workbook (预算管理一体化系统 export) -> an edition's budget.yaml.

The approved figures reach a department as an Excel workbook, one sheet per standard table.
This reads such a workbook — sheets found by their titles, not their position; header rows
(merged or not) located by their texts; 科目编码 / 科目名称 columns; 合计 rows; blank cells
for zero; numbers stored as numbers or as text (``1,234.56``) — and writes what budget.yaml
needs: the 项 lines (基本 / 项目, by source, 当年 / 上年结转), the 经济分类 records, “三公”,
机关运行经费, the 项目 lists and 收入科目 lines, with the printed 批复数 where a total differs
from the sum of its lines by rounding only (尾差).

Every total the workbook prints is verified: a 合计 / 类 / 款 row that is not the sum of its
项 rows (beyond rounding), an unknown 科目编码 or economic name, a cell that is not a number
are each reported as ``sheet!cell: error: message``, and nothing is written. Finally the
tables are derived from the imported budget exactly as a build would, and every figure of
every recognised sheet is compared with the figure the site would print.

Money stays Decimal: a cell's number is read as the value it displays (its number format's
decimals), a text cell is parsed as a decimal; no float reaches the model.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from .amounts import PERIODS, Measure, half_cents, parse_measure, round_cents
from .errors import BudgetError, Pos
from .model import FISCAL, SOURCES, ZERO

CENT = Decimal("0.01")
KINDS2 = ("basic", "project")
#: Every amount of a line: (kind, source, period), in the order a free choice prefers them
#: (当年 before 上年结转; a carried-over amount goes to 项目支出 and 一般公共预算 first).
ATOMS = ([(k, s, "current") for s in SOURCES for k in KINDS2]
         + [("project", s, "carryover") for s in SOURCES]
         + [("basic", s, "carryover") for s in SOURCES])
PERSONNEL_CLASSES = ("301", "303")
ORDINAL = re.compile(r"^其中[:：]|^[一二三四五六七八九十]+、|^[（(][一二三四五六七八九十]+[)）]|^[①②③④⑤⑥⑦⑧⑨⑩]|^\d+[.、]")
CODE = re.compile(r"^(\d{7}|\d{5}|\d{3})(?!\d)(?:\s*[-－—:：]?\s*(.*))?$")
NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")


# -- messages -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Message:
    """One line of the import's report: ``sheet!cell: level: text``."""

    where: str
    level: str  # error | warning | note
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.level}: {self.text}" if self.where else f"{self.level}: {self.text}"


class ImportUsageError(BudgetError):
    """A usage problem (no such file, not a workbook, no year, would overwrite): exit 2."""


@dataclass
class ImportResult:
    messages: list[Message] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    findings: list = field(default_factory=list)  # of the checks, on the imported edition
    todo: list = field(default_factory=list)      # check findings about parts not imported yet
    budget_yaml: str = ""
    edition_yaml: str | None = None
    year: int | None = None
    into: Path | None = None

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.level == "error"]

    @property
    def exit_status(self) -> int:
        return 1 if self.errors or any(f.level == "error" for f in self.findings) else 0


class Report:
    def __init__(self):
        self.messages: list[Message] = []

    def add(self, where: str, level: str, text: str) -> None:
        self.messages.append(Message(where, level, text))

    def error(self, where: str, text: str) -> None:
        self.add(where, "error", text)

    def warning(self, where: str, text: str) -> None:
        self.add(where, "warning", text)

    @property
    def failed(self) -> bool:
        return any(m.level == "error" for m in self.messages)


# -- reading cells ------------------------------------------------------------------------

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
    if isinstance(v, float):
        places = _decimals(cell.fmt)
        value = Decimal(repr(v))  # the shortest text that reads back as this float
        return value.quantize(Decimal(1).scaleb(-(places if places is not None else 6)), ROUND_HALF_UP)
    text = unicodedata.normalize("NFKC", str(v))
    text = re.sub(r"[\s,]", "", text)
    if text in ("", "-", "--", "—", "––", "－"):
        return ZERO
    if NUMBER.match(text):
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
    raise NotANumber(str(v))


class Sheet:
    """A worksheet as a grid of WCell (1-based rows and columns), merged cells filled for
    header lookups."""

    def __init__(self, ws):
        from openpyxl.utils import get_column_letter

        self.name = ws.title
        self.max_row = ws.max_row
        self.max_col = ws.max_column
        self.cells: dict[tuple[int, int], WCell] = {}
        for row in ws.iter_rows(min_row=1, max_row=self.max_row, max_col=self.max_col):
            for c in row:
                if c.value is None:
                    continue
                indent = int(getattr(c.alignment, "indent", 0) or 0) if c.has_style else 0
                self.cells[(c.row, c.column)] = WCell(c.value, c.number_format or "General", indent,
                                                      f"{get_column_letter(c.column)}{c.row}")
        self.top_left: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            for r in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    self.top_left[(r, col)] = (rng.min_row, rng.min_col)
        self._letter = get_column_letter

    def cell(self, r: int, c: int) -> WCell:
        return self.cells.get((r, c)) or WCell(None, "General", 0, f"{self._letter(c)}{r}")

    def header_text(self, r: int, c: int) -> str:
        """The text shown at (r, c), a merged range's text at each of its cells."""
        return self.cell(*self.top_left.get((r, c), (r, c))).text

    def ref(self, r: int, c: int) -> str:
        return f"{self.name}!{self._letter(c)}{r}"

    def row_texts(self, r: int) -> list[str]:
        return [self.cell(r, c).text for c in range(1, self.max_col + 1)]

    def blank(self, r: int) -> bool:
        return not any(self.cell(r, c).text for c in range(1, self.max_col + 1))


# -- which sheet is which table -----------------------------------------------------------

ALIASES = {
    "economic": ["基本支出分经济科目", "基本支出经济分类", "基本支出表"],
    "three_public": ["三公"],
    "operating": ["机关运行经费"],
    "projects": ["项目支出预算表", "项目支出表"],
}


def _title_of(sheet: Sheet) -> tuple[int, str]:
    """The title row and text: the longest text among the first rows that names a 表."""
    best = (0, "")
    for r in range(1, min(sheet.max_row, 5) + 1):
        for text in sheet.row_texts(r):
            if "表" in text and len(text) > len(best[1]) and "：" not in text[:6]:
                best = (r, text)
    return best


def _spec_keys(spec) -> list[tuple[str, int]]:
    title = norm(spec.title.replace("{year}", "2000"))
    title = title.replace("Y", "")
    keys = [(title, 3 * len(title))]
    short = re.sub(r"\(.*?\)", "", title)
    if short != title:
        keys.append((short, 2 * len(short)))
    for alias in ALIASES.get(spec.layout, []):
        keys.append((norm(alias), len(alias)))
    return keys


def _match_spec(title: str, tableset) -> tuple[int, int] | None:
    """(index of the table in the set, score) of the best matching table for a title."""
    text = norm(title).replace("Y", "")
    best = None
    for i, spec in enumerate(tableset.tables):
        for key, score in _spec_keys(spec):
            if key and key in text:
                if spec.layout == "projects" and ("上年结转" in text) != bool(spec.carryover):
                    break  # 本年 / 上年结转: the words decide
                if best is None or score > best[1]:
                    best = (i, score)
                break
    return best


# -- the layout of one table --------------------------------------------------------------

def column_kinds(spec) -> list[str]:
    """What each column of a table holds: label (code / name) or amount."""
    n = len(spec.columns)
    return {
        "subjects": ["code", "name"] + ["amount"] * n,
        "balance": ["name", "amount", "name"] + ["amount"] * n,
        "economic": ["name", "name"] + ["amount"] * n,
        "revenue": ["code", "name", "amount"],
        "soe_balance": ["code", "name", "amount", "code", "name"] + ["amount"] * n,
        "three_public": ["name"] + ["amount"] * n,
        "operating": ["name"] + ["amount"] * n,
        "projects": ["name"] + ["amount"] * n,
    }[spec.layout]


def segments(spec) -> list[tuple[int, int]]:
    """Independent side-by-side parts of a row (收支总表: income | expense)."""
    width = len(column_kinds(spec))
    if spec.layout == "balance":
        return [(0, 2), (2, width)]
    if spec.layout == "soe_balance":
        return [(0, 3), (3, width)]
    return [(0, width)]


ANCHORS = {
    "subjects": ["科目编码", "科目代码", "编码"],
    "balance": ["收入", "项目"],
    "economic": ["部门预算支出经济科目", "部门经济分类", "经济科目", "经济分类"],
    "revenue": ["收入科目编码", "科目编码"],
    "soe_balance": ["收入科目编码", "项目"],
    "three_public": ["项目"],
    "operating": ["单位名称", "单位"],
    "projects": ["项目名称", "项目"],
}


def _spec_paths(spec, year: int) -> list[list[str]]:
    """For each column of a table set's table, the normalised header texts above it."""
    from .formats import header_width

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


def _sheet_paths(sheet: Sheet, header_rows: list[int]) -> dict[int, list[str]]:
    paths: dict[int, list[str]] = {}
    for c in range(1, sheet.max_col + 1):
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


def _is_meta(text: str) -> bool:
    """The 部门名称 / 单位 line between the title and the header."""
    text = unicodedata.normalize("NFKC", text)
    return bool(re.search(r"(部门名称|编制部门|编制单位|预算部门|单位)\s*:", text))


@dataclass
class Region:
    """Where a table's parts are on its sheet."""

    header_rows: list[int]
    body_rows: list[int]
    columns: list[int]  # sheet column of each of the table's columns


def _body_starts(spec, sheet: Sheet, r: int, label_col: int, header_texts: set) -> bool:
    text = label_key(sheet.cell(r, label_col).text)
    raw = sheet.cell(r, label_col).text
    layout = spec.layout
    if layout == "subjects":
        return text == "合计" or bool(CODE.match(raw.strip()))
    if layout in ("revenue", "soe_balance", "economic"):
        return text == "合计"
    if layout == "balance":
        return bool(re.match(r"^[一二三四五六七八九十]+、", unicodedata.normalize("NFKC", raw).strip()))
    if layout == "three_public":
        return any(w in text for w in ("出国", "接待", "公务用车", "合计"))
    if layout == "operating":
        return text.endswith("合计")
    if layout == "projects":
        numbers = any(isinstance(sheet.cell(r, c).value, (int, float)) for c in range(label_col + 1, sheet.max_col + 1))
        return bool(text) and not text.isdigit() and (numbers or norm(text) not in header_texts)
    return False


def locate(spec, sheet: Sheet, title_row: int, year: int, report: Report) -> Region | None:
    kinds = column_kinds(spec)
    anchors = [norm(a) for a in ANCHORS[spec.layout]]
    header_texts = {t for p in _spec_paths(spec, year) for t in p}
    start = label_col = None
    for r in range(title_row + 1, sheet.max_row + 1):
        texts = ["" if _is_meta(t) else norm(t) for t in sheet.row_texts(r)]
        for anchor in anchors:
            hits = [c for c, t in enumerate(texts, start=1) if t == anchor or (anchor in t and len(t) <= len(anchor) + 4)]
            if hits:
                start, label_col = r, hits[0]
                break
        if start:
            break
    if start is None:
        report.error(sheet.ref(title_row + 1, 1), f"cannot find the header of {spec.number} (no '{ANCHORS[spec.layout][0]}' below the title)")
        return None
    first = start
    for r in range(start - 1, title_row, -1):  # header rows above the anchor's row
        texts = sheet.row_texts(r)
        if any(_is_meta(t) for t in texts):
            break
        if any(texts):
            first = r
    body = None
    for r in range(start + 1, sheet.max_row + 1):
        if not sheet.blank(r) and _body_starts(spec, sheet, r, label_col, header_texts):
            body = r
            break
    if body is None:
        report.warning(sheet.ref(start, label_col), f"{spec.number}: no table rows below the header")
        body = sheet.max_row + 1
    header_rows = [r for r in range(first, body) if not sheet.blank(r)]
    # columns: by header text (longest common suffix of the header path), else by position
    wanted = _spec_paths(spec, year)
    have = _sheet_paths(sheet, header_rows)
    pairs = sorted(((_suffix(wanted[i], have[c]), -i, -c, i, c) for i in range(len(wanted))
                    for c in have if c >= label_col), reverse=True)
    columns: list[int | None] = [None] * len(kinds)
    used: set[int] = set()
    for score, _, _, i, c in pairs:
        if score and columns[i] is None and c not in used:
            columns[i], used = c, used | {c}
    for i in range(len(columns)):
        if columns[i] is None:
            c = label_col + i
            columns[i] = c
            if wanted[i] and have.get(c):
                report.warning(sheet.ref(header_rows[-1], c),
                               f"column '{'/'.join(wanted[i])}' of {spec.number} not found by its header; "
                               f"taken by position")
    body_rows = []
    for r in range(body, sheet.max_row + 1):
        if sheet.blank(r):
            continue
        first = next((t for t in sheet.row_texts(r) if t), "")
        if first.startswith("注") and ("：" in first[:4] or ":" in first[:4]):
            break
        body_rows.append(r)
    return Region(header_rows, body_rows, columns)


@dataclass
class RowData:
    r: int
    labels: dict[int, WCell]     # table column -> cell (label columns)
    amounts: dict[int, Decimal]  # table column -> amount (amount columns)
    refs: dict[int, str]         # table column -> sheet!cell

    def label(self, i: int) -> str:
        cell = self.labels.get(i)
        return cell.text if cell else ""


def read_rows(spec, sheet: Sheet, region: Region, report: Report) -> list[RowData]:
    kinds = column_kinds(spec)
    rows = []
    for r in region.body_rows:
        data = RowData(r, {}, {}, {})
        for i, (kind, c) in enumerate(zip(kinds, region.columns)):
            cell = sheet.cell(r, c)
            data.refs[i] = sheet.ref(r, c)
            if kind == "amount":
                try:
                    data.amounts[i] = amount_of(cell)
                except NotANumber:
                    report.error(sheet.ref(r, c), f"'{cell.text}' is not a number")
                    data.amounts[i] = ZERO
            else:
                data.labels[i] = cell
        rows.append(data)
    return rows


# -- measures -----------------------------------------------------------------------------

def measure_text(m: Measure) -> str:
    """A measure as budget.yaml writes it (``basic.general.current``; ``total`` for all)."""
    tokens = []
    for values, order in ((m.kinds, ("basic", "project", "personnel", "public")),
                          (m.sources, tuple(SOURCES)), (m.periods, PERIODS)):
        if values is None:
            continue
        if order == tuple(SOURCES) and set(values) == set(FISCAL):
            tokens.append("fiscal")
            continue
        tokens += [v for v in order if v in values]
    return ".".join(tokens) or "total"


def column_measures(spec) -> list[Measure]:
    base = parse_measure(spec.filter)
    return [parse_measure(c) & base for c in spec.columns]


@dataclass
class Observed:
    """A printed total: which row (``total`` or a code), which measure, the value, where."""

    key: str
    measure: Measure
    value: Decimal
    ref: str
    what: str


# -- the import ---------------------------------------------------------------------------

@dataclass
class Imported:
    """Everything read from the workbook, before it is written as YAML."""

    department: str | None = None
    unit: str | None = None
    year: int | None = None
    lines: dict = field(default_factory=dict)          # code -> {atom: Decimal}
    approved: dict = field(default_factory=dict)       # key -> {measure text: Decimal}
    econ_records: list = field(default_factory=list)   # (dept, gov, amount)
    econ_approved: dict = field(default_factory=dict)
    three_public: dict = field(default_factory=dict)   # item -> {source: Decimal}
    three_public_approved: dict = field(default_factory=dict)
    operating: list = field(default_factory=list)      # (unit, {source: Decimal})
    projects: list = field(default_factory=list)       # [(unit, [(name, {source: Decimal})], approved)]
    carryover_projects: list = field(default_factory=list)
    revenue: dict = field(default_factory=dict)        # fund / soe -> [(code, name, amount)]


class Importer:
    def __init__(self, workbook, codes, tableset, year: int, report: Report, known_units=()):
        self.wb = workbook
        self.codes = codes
        self.tableset = tableset
        self.year = year
        self.report = report
        self.known_units = list(known_units)
        self.out = Imported(year=year)
        self.line_obs: dict[str, list] = defaultdict(list)  # code -> [(measure, value, ref, what)]
        self.parents: list[Observed] = []

    # the subjects tables (收入总表, 支出总表, 一般公共预算 / 政府性基金 / 国有资本 支出)
    def subjects(self, spec, rows: list[RowData], offset: int = 0, sheet_name: str = "") -> None:
        measures = column_measures(spec)
        n = len(measures)
        report = self.report
        items: list[tuple[str, RowData]] = []
        totals: list[tuple[str, RowData]] = []
        for row in rows:
            code_cell = row.labels.get(offset)
            raw = code_cell.text if code_cell else ""
            name = row.label(offset + 1)
            if not raw and name and label_key(name) != "合计":
                match = CODE.match(name)  # "2080903 军队移交…" in the name column
                raw = match.group(1) if match else ""
            if label_key(raw) == "合计" or (not raw and label_key(name) == "合计"):
                totals.append(("total", row))
                continue
            if not raw and not name:
                if any(row.amounts.get(offset + 2 + i) for i in range(n)):
                    report.error(row.refs[offset], "a row with amounts but no 科目编码")
                continue
            match = CODE.match(raw)
            if not match:
                report.error(row.refs[offset], f"'{raw}' is not a 科目编码 (3, 5 or 7 digits)")
                continue
            code = match.group(1)
            if code not in self.codes.functional:
                report.error(row.refs[offset], f"unknown 科目编码 {code} ({name or 'no name'}): not in "
                                               f"the {self.codes.year} code list (builder/standards/codes)")
                continue
            known = self.codes.functional[code]
            if name and label_key(name) != label_key(known):
                report.warning(row.refs[offset + 1], f"{code}: name '{name}' differs from the code "
                                                     f"list's '{known}'; the code list's is used")
            (items if len(code) == 7 else totals).append((code, row))
        for code, row in items:
            for i, m in enumerate(measures):
                self.line_obs[code].append((m, row.amounts[offset + 2 + i], row.refs[offset + 2 + i],
                                            f"{spec.number} {code}"))
        # every printed total against the sum of its 项 rows on this sheet
        for key, row in totals:
            under = [r for c, r in items if key == "total" or c.startswith(key)]
            what = "合计" if key == "total" else f"{key} {self.codes.functional.get(key, '')}"
            for i, m in enumerate(measures):
                col = offset + 2 + i
                parts = [r.amounts[col] for r in under if r.amounts[col]]
                total = sum(parts, ZERO)
                printed = row.amounts[col]
                self._verify(printed, total, len(parts), row.refs[col], f"{what} ({spec.number})",
                             "its 项 rows")
                self.parents.append(Observed(key, m, printed, row.refs[col], what))

    # 收支总表, 财政拨款收支总表: nothing of their own, but their totals are printed figures
    def balance(self, spec, rows: list[RowData]) -> None:
        base = parse_measure(spec.filter)
        measures = column_measures(spec)
        left = [(label_key(label), parse_measure(m) & base) for label, m in (r[:2] for r in spec.income)]
        left += [(label_key(r[0]), parse_measure(r[1]) & base) for r in spec.footer if r[0] and len(r) > 1 and r[1]]
        right = {label_key(r[2]): "total" for r in spec.footer if len(r) > 3 and r[2] and r[3] == "columns"}
        classes = {label_key(self.codes.functional[c]): c for c in self.codes.classes}
        used: set[int] = set()
        for row in rows:
            key = label_key(row.label(0))
            for i, (label, m) in enumerate(left):
                if i not in used and label == key and key:
                    used.add(i)
                    self.parents.append(Observed("total", m, row.amounts[1], row.refs[1], row.label(0)))
                    break
            key = label_key(row.label(2))
            target = classes.get(key) or right.get(key)
            if target:
                for j, m in enumerate(measures):
                    self.parents.append(Observed(target, m, row.amounts[3 + j], row.refs[3 + j], row.label(2)))

    def _verify(self, printed: Decimal, total: Decimal, terms: int, ref: str, what: str,
                parts: str) -> str:
        """ok | rounding | broken; a broken total is an error at its cell."""
        diff = printed - total
        if not diff:
            return "ok"
        if abs(diff) <= half_cents(terms + 1):
            return "rounding"
        self.report.error(ref, f"{what} is {printed:.2f}, but {parts} add up to {total:.2f} "
                               f"(difference {diff:+.2f}, more than rounding)")
        return "broken"

    def solve_lines(self) -> None:
        """Each 项's amounts from what the tables show of it (by kind, by source, by period)."""
        assumed = []
        for code in sorted(self.line_obs):
            obs = self.line_obs[code]
            values, free = _solve([(m, v) for m, v, _, _ in obs])
            for (m, v, ref, what) in obs:
                got = sum((values.get(a, ZERO) for a in ATOMS if m.selects(a)), ZERO)
                if got != v:
                    self.report.error(ref, f"{what}: {v:.2f} here does not agree with the other "
                                           f"tables' figures for this 科目 (they give {got:.2f})")
            if free:
                assumed.append((code, free))
            line = {a: x for a, x in values.items() if x}
            if line:
                self.out.lines[code] = line
        for code, free in assumed:
            self.report.warning("", f"{code}: the workbook does not say how "
                                    f"{'、'.join(free)} divide between 基本支出 and 项目支出 or among "
                                    "sources; the first fitting split was taken — check budget.yaml")

    def approvals(self) -> None:
        """批复数: printed totals that differ from the imported lines' sums by rounding only."""
        self.out.approved = _approvals(
            self.parents,
            lambda key: [((code,) + a, x) for code, line in self.out.lines.items()
                         if key == "total" or code.startswith(key) for a, x in line.items()],
            self.report)

    # 表六
    def economic(self, spec, rows: list[RowData]) -> None:
        report, codes = self.report, self.codes
        measures = column_measures(spec)
        n = len(measures)
        current_class = None
        parents: list[tuple[str, RowData]] = []
        records: list[tuple[str, str, Decimal, RowData]] = []
        for row in rows:
            dept_text, gov_text = row.label(0), row.label(1)
            if label_key(dept_text) == "合计":
                parents.append(("total", row))
                continue
            if not dept_text and not gov_text:
                continue
            if not gov_text:
                code = _economic_code(dept_text, codes.economic_dept, 3)
                if code is None:
                    report.error(row.refs[0], f"unknown 部门经济分类 类 '{dept_text}'")
                    continue
                current_class = code
                parents.append((code, row))
                continue
            dept = _economic_code(dept_text, codes.economic_dept, 5, current_class)
            gov = _economic_code(gov_text, codes.economic_gov, 5)
            if dept is None:
                report.error(row.refs[0], f"unknown 部门经济分类 款 '{dept_text}' (not in the "
                                          f"{codes.year} code list)")
            if gov is None:
                report.error(row.refs[1], f"unknown 政府经济分类 款 '{gov_text}' (not in the "
                                          f"{codes.year} code list)")
            if dept is None or gov is None:
                continue
            personnel = dept[:3] in PERSONNEL_CLASSES
            whole = [2 + i for i, m in enumerate(measures) if m.kinds is None]
            split = [(2 + i, m) for i, m in enumerate(measures) if m.kinds is not None]
            amount = (row.amounts[whole[0]] if whole else
                      sum((row.amounts[c] for c, _ in split), ZERO))
            for c, m in split:
                expect = amount if ("personnel" in m.kinds) == personnel else ZERO
                if row.amounts[c] != expect:
                    report.error(row.refs[c], f"{dept_text} / {gov_text}: {row.amounts[c]:.2f} here, but "
                                              f"as {'人员经费' if personnel else '公用经费'} its {amount:.2f} "
                                              f"puts {expect:.2f} in this column")
            if amount:
                records.append((dept, gov, amount, row))
        for dept, gov, amount, _ in records:
            self.out.econ_records.append((dept, gov, amount))
        observed = []
        for key, row in parents:
            under = [(i, d, a) for i, (d, _, a, _) in enumerate(records) if key == "total" or d.startswith(key)]
            what = "经济分类合计" if key == "total" else codes.economic_dept.get(key, key)
            for j, m in enumerate(measures[:n]):
                parts = [a for _, d, a in under if m.kinds is None or
                         (("personnel" in m.kinds) == (d[:3] in PERSONNEL_CLASSES))]
                printed = row.amounts[2 + j]
                self._verify(printed, sum(parts, ZERO), len(parts), row.refs[2 + j],
                             f"{what} ({spec.number})", "its items")
                observed.append(Observed(key, m, printed, row.refs[2 + j], what))
        self.out.econ_approved = _approvals(
            observed,
            lambda key: [((i, "personnel" if d[:3] in PERSONNEL_CLASSES else "public", "general", "current"), a)
                         for i, (d, _, a, _) in enumerate(records) if key == "total" or d.startswith(key)],
            self.report)

    # 表十
    def three_public(self, spec, rows: list[RowData]) -> None:
        measures = column_measures(spec)
        found: dict[str, tuple[dict, RowData]] = {}
        for row in rows:
            text = label_key(row.label(0))
            if not text:
                continue
            if "合计" in text:
                item = "total"
            elif "出国" in text:
                item = "abroad"
            elif "接待" in text:
                item = "reception"
            elif "购置" in text and "运行" in text:
                item = "vehicle"
            elif "购置" in text:
                item = "vehicle_purchase"
            elif "运行" in text or "维护" in text:
                item = "vehicle_operation"
            else:
                self.report.error(row.refs[0], f"'{row.label(0)}' is not an item of the “三公”经费 table")
                continue
            found[item] = (self._by_source(spec, measures, row, 1), row)
        for item in ("abroad", "reception", "vehicle_purchase", "vehicle_operation"):
            if item in found:
                self.out.three_public[item] = found[item][0]
        leaves = {k: sum(v.values(), ZERO) for k, v in self.out.three_public.items()}
        checks = [("vehicle", ("vehicle_purchase", "vehicle_operation"), "公务用车购置及运行费",
                   "购置费 + 运行维护费"),
                  ("total", ("abroad", "reception", "vehicle_purchase", "vehicle_operation"), "“三公”经费合计",
                   "its items")]
        for key, parts, what, said in checks:
            if key not in found:
                continue
            sources, row = found[key]
            total = sum((leaves.get(p, ZERO) for p in parts), ZERO)
            terms = sum(1 for p in parts if leaves.get(p))
            printed = sum(sources.values(), ZERO)
            state = self._verify(printed, total, terms, row.refs[1], f"{what} ({spec.number})", said)
            if state == "rounding":
                self.out.three_public_approved[key] = printed

    def _by_source(self, spec, measures, row: RowData, first: int) -> dict:
        """{source: amount} of a row whose columns are a total and single sources; the
        total column is verified against the sources."""
        sources: dict[str, Decimal] = {}
        totals = []
        for i, m in enumerate(measures):
            value = row.amounts[first + i]
            if m.sources is not None and len(m.sources) == 1:
                sources[next(iter(m.sources))] = value
            else:
                totals.append((i, m, value))
        for i, m, value in totals:
            expect = sum((v for s, v in sources.items() if m.sources is None or s in m.sources), ZERO)
            if value != expect:
                self.report.error(row.refs[first + i], f"'{row.label(0)}': 合计 {value:.2f} is not the "
                                                       f"sum of its sources ({expect:.2f})")
        if not sources and totals:  # a table with one total column only: 一般公共预算
            sources["general"] = totals[0][2]
        return {s: v for s, v in sources.items() if v}

    # 表十一
    def operating(self, spec, rows: list[RowData]) -> None:
        measures = column_measures(spec)
        total_row = None
        for row in rows:
            name = row.label(0).strip()
            if not name:
                continue
            if label_key(name).endswith("合计"):
                total_row = row
                continue
            self.out.operating.append((name, self._by_source(spec, measures, row, 1)))
        if total_row is not None:
            got = sum((sum(s.values(), ZERO) for _, s in self.out.operating), ZERO)
            printed = sum(self._by_source(spec, measures, total_row, 1).values(), ZERO)
            state = self._verify(printed, got, len(self.out.operating), total_row.refs[1],
                                 f"{label_key(total_row.label(0))} ({spec.number})", "its 单位")
            if state == "rounding":
                self.report.warning(total_row.refs[1], f"{printed:.2f} differs from the sum of its "
                                                       f"单位 by rounding; the site prints the sum {got:.2f}")

    # 表十二, 表十三
    def projects(self, spec, rows: list[RowData], department: str | None) -> list:
        measures = column_measures(spec)
        rows = [r for r in rows if r.label(0).strip()]
        if not rows:
            return []
        head, body = rows[0], rows[1:]
        head_name = label_key(head.label(0))
        rest = [r.labels[0].lead for r in body]
        if not (head_name.endswith("合计") or head_name == label_key(department or "")
                or (rest and head.labels[0].lead < min(rest))):
            head, body = None, rows
        units = {label_key(u) for u in self.known_units}
        leads = [r.labels[0].lead for r in body] or [0]
        indented = len(set(leads)) > 1
        groups: list = []
        for row in body:
            name = row.label(0).strip()
            sources = self._by_source(spec, measures, row, 1)
            is_group = (row.labels[0].lead == min(leads)) if indented else label_key(name) in units
            if is_group:
                groups.append([name, [], row, sources])
            else:
                if not groups:
                    groups.append([department or name, [], None, None])
                groups[-1][1].append((name, sources))
        out = []
        for name, projects, row, sources in groups:
            approved = None
            if row is not None:
                got = sum((sum(s.values(), ZERO) for _, s in projects), ZERO)
                printed = sum(sources.values(), ZERO)
                terms = sum(len(s) for _, s in projects)
                if self._verify(printed, got, terms, row.refs[1], f"{name} ({spec.number})",
                                "its projects") == "rounding":
                    approved = printed
            out.append((name, projects, approved))
        if head is not None:
            got = sum((sum(s.values(), ZERO) for _, ps, _ in out for _, s in ps), ZERO)
            printed = sum(self._by_source(spec, measures, head, 1).values(), ZERO)
            terms = sum(len(s) for _, ps, _ in out for _, s in ps)
            if self._verify(printed, got, terms, head.refs[1], f"{head.label(0)} ({spec.number})",
                            "its projects") == "rounding":
                self.report.warning(head.refs[1], f"{printed:.2f} differs from the sum of the projects "
                                                  f"by rounding; the site prints the sum {got:.2f}")
        return out

    # 表七, 表九 (left)
    def revenue(self, spec, rows: list[RowData], source: str, offset: int = 0) -> None:
        lines = []
        total_row = None
        for row in rows:
            code, name = row.label(offset), row.label(offset + 1)
            amount = row.amounts.get(offset + 2, ZERO)
            if label_key(code) == "合计" or (not code and label_key(name) == "合计"):
                total_row = row
                continue
            if not code and not name:
                continue
            if not code:
                self.report.error(row.refs[offset], f"'{name}': no 收入科目编码")
                continue
            lines.append((code, name, amount))
        if total_row is not None:
            self._verify(total_row.amounts.get(offset + 2, ZERO), sum((a for *_, a in lines), ZERO),
                         len(lines), total_row.refs[offset + 2], f"合计 ({spec.number})", "its lines")
        if lines:
            self.out.revenue[source] = lines


def _economic_code(text: str, names: dict, length: int, within: str | None = None) -> str | None:
    """The code of an 经济分类 name (or of a text that starts with its code)."""
    raw = unicodedata.normalize("NFKC", text).strip()
    match = re.match(r"^(\d{3}|\d{5})\b", raw)
    if match and len(match.group(1)) == length and match.group(1) in names:
        return match.group(1)
    key = label_key(re.sub(r"^\d+\s*[-:：]?\s*", "", raw))
    hits = [c for c, n in names.items() if len(c) == length and label_key(n) == key]
    if within:
        inside = [c for c in hits if c.startswith(within)]
        hits = inside or hits
    return hits[0] if hits else None


def _solve(observations: list[tuple[Measure, Decimal]]) -> tuple[dict, list[str]]:
    """Amounts per atom (kind, source, period) that give each observed measure its value.

    Atoms no table tells apart form one class (its amount goes to the class's first atom);
    a class fixed by one equation is solved; when none is, the first unknown class (in
    ATOMS order) takes what it can and the rest is solved again — a choice the caller
    reports."""
    signature = {a: frozenset(i for i, (m, _) in enumerate(observations) if m.selects(a)) for a in ATOMS}
    classes: dict[frozenset, list] = {}
    for a in ATOMS:
        if signature[a]:
            classes.setdefault(signature[a], []).append(a)
    known: dict[frozenset, Decimal] = {}
    free: list[str] = []
    equations = [(frozenset(s for s in classes if i in s), v) for i, (_, v) in enumerate(observations)]
    while len(known) < len(classes):
        progress = False
        for members, value in equations:
            unknown = [s for s in members if s not in known]
            if len(unknown) == 1:
                known[unknown[0]] = value - sum((known[s] for s in members if s in known), ZERO)
                progress = True
        if progress:
            continue
        pending = [s for s in classes if s not in known]
        pending.sort(key=lambda s: ATOMS.index(classes[s][0]))
        choice = pending[0]
        room = [value - sum((known[s] for s in members if s in known), ZERO)
                for members, value in equations if choice in members]
        amount = max(min(room), ZERO) if room else ZERO
        known[choice] = amount
        if amount:
            free.append(_atom_words(classes[choice][0]))
    values = {}
    for sig, atoms in classes.items():
        if known.get(sig):
            values[atoms[0]] = known[sig]
    return values, free


def _atom_words(atom) -> str:
    kind, source, period = atom
    return f"{SOURCES[source]}{'（上年结转）' if period == 'carryover' else ''}"


def _approvals(observed: list[Observed], selected, report: Report) -> dict:
    """The 批复数 to state: each printed total that differs from the sum it replaces by
    rounding; printed figures of the same cells that disagree are an error."""
    groups: dict = {}
    for ob in observed:
        under = selected(ob.key)
        cells = frozenset(path for path, _ in under if ob.measure.selects(path[-3:]))
        if not cells:
            continue
        derived = sum((x for path, x in under if path in cells), ZERO)
        everything = frozenset(path for path, _ in under)
        groups.setdefault((ob.key, cells), []).append((ob, derived, cells == everything))
    approved: dict = {}
    for (key, cells), obs in sorted(groups.items(), key=lambda kv: kv[1][0][0].ref):
        first, derived, whole = obs[0]
        for ob, _, _ in obs[1:]:
            if ob.value != first.value:
                report.error(ob.ref, f"{ob.what} is {ob.value:.2f} here but {first.value:.2f} at "
                                     f"{first.ref} (the same amounts)")
        if round_cents(derived) == first.value:
            continue
        if abs(first.value - derived) > half_cents(len(cells) + 1):
            continue  # reported where the row was read
        measure = "total" if whole else measure_text(first.measure)
        approved.setdefault(key, {})[measure] = first.value
    return approved


# -- YAML ---------------------------------------------------------------------------------

def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _num(value: Decimal) -> str:
    return f"{value:.2f}" if value == value.quantize(CENT) else str(value)


def _by_source(amounts: dict) -> str:
    amounts = {s: v for s, v in amounts.items() if v}
    if not amounts:
        return "0"
    if set(amounts) == {"general"}:
        return _num(amounts["general"])
    return "{" + ", ".join(f"{s}: {_num(amounts[s])}" for s in SOURCES if s in amounts) + "}"


def _approved(value: dict) -> str:
    if set(value) == {"total"}:
        return _num(value["total"])
    keys = sorted(value, key=lambda k: (k != "total", k))
    return "{" + ", ".join(f"{k}: {_num(value[k])}" for k in keys) + "}"


def budget_yaml(data: Imported, codes, source_name: str) -> str:
    out = [f"# {data.department or ''} {data.year}年部门预算 — imported from {source_name} by budgetsite import.",
           "# Every figure as the budget system gives it (万元 or the edition's unit); 类/款 rows and",
           "# all totals are derived from the lines. Re-run the import with --force to replace this file.",
           "", "lines:"]
    for code in sorted(data.lines):
        line = data.lines[code]
        parts = []
        for kind in KINDS2:
            current = {s: line.get((kind, s, "current"), ZERO) for s in SOURCES}
            if any(current.values()):
                parts.append(f"{kind}: {_by_source(current)}")
        carried = []
        for kind in KINDS2:
            amounts = {s: line.get((kind, s, "carryover"), ZERO) for s in SOURCES}
            amounts = {s: v for s, v in amounts.items() if v}
            if amounts:
                carried.append(f"{kind}: {{" + ", ".join(f"{s}: {_num(v)}" for s, v in amounts.items()) + "}")
        if carried:
            parts.append("carryover: {" + ", ".join(carried) + "}")
        out.append(f'  "{code}": {{{", ".join(parts)}}}   # {codes.functional.get(code, "")}')
    if data.approved:
        out += ["", "# 批复数 printed where they differ from the sum of the lines (尾差).", "approved:"]
        for key, value in sorted(data.approved.items(), key=lambda kv: (kv[0] != "total", kv[0])):
            name = "" if key == "total" else f"   # {codes.functional.get(key, '')}"
            out.append(f'  {key if key == "total" else _q(key)}: {_approved(value)}{name}')
    if data.econ_records or data.econ_approved:
        out += ["", "# 一般公共预算基本支出 by 经济分类: 部门经济分类 款, 政府经济分类 款, amount.",
                "basic_by_economic:"]
        if data.econ_approved:
            out.append("  approved:")
            for key, value in sorted(data.econ_approved.items(), key=lambda kv: (kv[0] != "total", kv[0])):
                out.append(f'    {key if key == "total" else _q(key)}: {_approved(value)}')
        out.append("  records:")
        for dept, gov, amount in data.econ_records:
            out.append(f'    - {{dept: "{dept}", gov: "{gov}", amount: {_num(amount)}}}   # '
                       f'{codes.economic_dept.get(dept, "")} / {codes.economic_gov.get(gov, "")}')
    if data.three_public or data.three_public_approved:
        out += ["", "# “三公”经费, by item and source.", "three_public:"]
        for item in ("abroad", "reception", "vehicle_purchase", "vehicle_operation"):
            out.append(f"  {item}: {_by_source(data.three_public.get(item, {}))}")
        if data.three_public_approved:
            out.append("  approved: {" + ", ".join(f"{k}: {_num(v)}" for k, v in
                                                    data.three_public_approved.items()) + "}")
    if data.operating:
        out += ["", "# 机关运行经费, by 单位.", "operating_costs:"]
        for unit, amounts in data.operating:
            out.append(f"  - {{unit: {_q(unit)}, amount: {_by_source(amounts)}}}")
    for key, groups, what in (("projects", data.projects, "项目支出 (本年), by 单位, in print order"),
                              ("carryover_projects", data.carryover_projects, "项目支出 (上年结转)")):
        if not groups:
            continue
        out += ["", f"# {what}.", f"{key}:"]
        for unit, projects, approved in groups:
            out.append(f"  - unit: {_q(unit)}")
            if approved is not None:
                out.append(f"    approved: {_num(approved)}")
            out.append("    projects:")
            for name, amounts in projects:
                out.append(f"      - {{name: {_q(name)}, amount: {_by_source(amounts)}}}")
    if data.revenue:
        out += ["", "# 收入科目 lines.", "revenue:"]
        for source in ("fund", "soe"):
            lines = data.revenue.get(source, [])
            if lines:
                out.append(f"  {source}:")
                for code, name, amount in lines:
                    out.append(f"    - {{code: {_q(code)}, name: {_q(name)}, amount: {_num(amount)}}}")
    return "\n".join(out) + "\n"


#: Sections of budget.yaml that no standard table carries: a re-import keeps them.
KEEP = ("procurement", "assets", "performance")


def kept_sections(text: str) -> tuple[str, list[str]]:
    """The KEEP sections of a budget.yaml, as written (with the comments just above them)."""
    blocks: list[tuple[str | None, list[str]]] = []
    pending: list[str] = []
    for line in text.splitlines():
        top = re.match(r"^([A-Za-z_]+)\s*:", line)
        if top:
            blocks.append((top.group(1), pending + [line]))
            pending = []
        elif line.startswith("#") or not line.strip():
            pending.append(line)
        elif blocks:
            blocks[-1][1].extend(pending + [line])
            pending = []
    kept = [(key, lines) for key, lines in blocks if key in KEEP]
    body = "\n".join("\n".join(lines).strip("\n") + "\n" for _, lines in kept)
    return body.replace("\n\n\n", "\n\n"), [key for key, _ in kept]


def edition_yaml(data: Imported, units: list[tuple[str, str]]) -> str:
    out = [f"# The {data.year} edition, started by budgetsite import: check the 单位 types, add the",
           "# date of the 情况说明 and last year's figures (see README, edition.yaml).",
           f"department: {_q(data.department or '')}",
           f"year: {data.year}",
           "status: draft",
           f"unit: {data.unit or '万元'}"]
    if units:
        out.append("units:                       # 预算单位, 机关 first")
        for name, kind in units:
            out.append(f"  - {{name: {_q(name)}, type: {kind}}}")
    return "\n".join(out) + "\n"


# -- the whole import ---------------------------------------------------------------------

def _open_workbook(path: Path):
    from openpyxl import load_workbook

    if not path.is_file():
        raise ImportUsageError(Pos(str(path)), "file not found")
    try:
        return load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportUsageError(Pos(str(path)), f"not an Excel workbook (.xlsx): {exc}") from None


def _meta(sheets: list[Sheet]) -> tuple[str | None, str | None, Message | None]:
    department = unit = None
    where = None
    for sheet in sheets:
        for r in range(1, min(sheet.max_row, 6) + 1):
            for c in range(1, sheet.max_col + 1):
                text = unicodedata.normalize("NFKC", sheet.cell(r, c).text)
                m = re.search(r"(?:部门名称|编制部门|编制单位|预算部门)\s*[:：]\s*(\S+)", text)
                if m and department is None:
                    department = m.group(1)
                m = re.search(r"(?:金额)?单位\s*[:：]\s*(万元|元)", text)
                if m and unit is None:
                    unit, where = m.group(1), sheet.ref(r, c)
    return department, unit, where


def import_workbook(workbook: Path, site_dir: Path = Path("."), year: int | None = None,
                    into: Path | None = None, force: bool = False) -> ImportResult:
    """Read ``workbook``, write budget.yaml (and edition.yaml when there is none) into
    ``into`` (default <site>/content/<year>), run the checks; see the module docstring."""
    from .codes import load_codes
    from .model import Edition, Site
    from .schema import read
    from .build import edition_format
    from .yamlload import load_yaml

    workbook = Path(workbook)
    site_dir = Path(site_dir)
    wb = _open_workbook(workbook)
    sheets = [Sheet(ws) for ws in wb.worksheets]
    report = Report()
    result = ImportResult()
    # the year: --year, else the tables' titles
    titles = {s.name: _title_of(s) for s in sheets}
    years = sorted({int(y) for _, t in titles.values() for y in re.findall(r"(20\d\d)\s*年", t)})
    if year is None:
        if not years:
            raise ImportUsageError(Pos(str(workbook)), "no year in the tables' titles; give --year")
        year = years[-1]
    elif years and years != [year]:
        report.warning("", f"the titles say {'、'.join(map(str, years))}, --year says {year}")
    result.year = year
    if into is None:
        into = site_dir / "content" / str(year)
    into = Path(into)
    result.into = into
    root = into.parent.parent if into.parent.name == "content" else site_dir
    existing = None
    if (into / "edition.yaml").is_file():
        existing = read(load_yaml(into / "edition.yaml", f"{_shown(into, root)}/edition.yaml"), Edition,
                        Pos(f"{_shown(into, root)}/edition.yaml", 1), "edition.yaml")
    site = read(load_yaml(root / "site.yaml", "site.yaml"), Site, Pos("site.yaml", 1), "site.yaml") \
        if (root / "site.yaml").is_file() else read(None, Site, Pos("site.yaml"), "site.yaml")
    codes = load_codes(year)
    tableset = edition_format(site, existing, root) if existing else edition_format(site, _NoEdition(), root)
    department, unit, unit_ref = _meta(sheets)
    if existing is not None:
        if unit and unit != existing.unit:
            report.error(unit_ref, f"the workbook is in {unit}, the edition (edition.yaml) in "
                                   f"{existing.unit}; export the tables in {existing.unit}")
        department = existing.department
        unit = existing.unit
    # which sheet holds which table
    found: dict[int, tuple[Sheet, int, int]] = {}
    for sheet in sheets:
        row, title = titles[sheet.name]
        match = _match_spec(title, tableset) if title else None
        if match is None:
            if any(sheet.cell(r, c).text for r in range(1, 4) for c in range(1, sheet.max_col + 1)):
                report.warning(sheet.ref(row or 1, 1), f"not a table of {tableset.id} ('{title or '?'}'); skipped")
            continue
        index, score = match
        if index in found and found[index][2] >= score:
            report.error(sheet.ref(row, 1), f"a second {tableset.tables[index].number} "
                                            f"(first on sheet '{found[index][0].name}'); skipped")
            continue
        found[index] = (sheet, row, score)
    for i, spec in enumerate(tableset.tables):
        if i not in found:
            report.warning("", f"no sheet titled like {spec.number} {spec.title.replace('{year}', str(year))}"
                               " — its figures are not imported")
    known_units = [u.name for u in existing.units] if existing else []
    imp = Importer(wb, codes, tableset, year, report, known_units)
    imp.out.department, imp.out.unit = department, unit or "万元"
    regions: dict[int, tuple[Sheet, list[RowData]]] = {}
    for i in sorted(found):
        sheet, row, _ = found[i]
        spec = tableset.tables[i]
        region = locate(spec, sheet, row, year, report)
        if region is None:
            continue
        regions[i] = (sheet, read_rows(spec, sheet, region, report))
    # operating first: its 单位 help tell 单位 rows from projects in 表十二
    order = sorted(regions, key=lambda i: tableset.tables[i].layout != "operating")
    for i in order:
        sheet, rows = regions[i]
        spec = tableset.tables[i]
        if spec.layout == "subjects":
            imp.subjects(spec, rows)
        elif spec.layout == "balance":
            imp.balance(spec, rows)
        elif spec.layout == "soe_balance":
            imp.revenue(spec, rows, "soe")
            imp.subjects(spec, rows, offset=3)
        elif spec.layout == "revenue":
            imp.revenue(spec, rows, spec.source or "fund")
        elif spec.layout == "economic":
            imp.economic(spec, rows)
        elif spec.layout == "three_public":
            imp.three_public(spec, rows)
        elif spec.layout == "operating":
            imp.operating(spec, rows)
            imp.known_units += [u for u, _ in imp.out.operating]
        elif spec.layout == "projects":
            groups = imp.projects(spec, rows, department)
            if spec.carryover:
                imp.out.carryover_projects = groups
            else:
                imp.out.projects = groups
    imp.solve_lines()
    imp.approvals()
    result.messages = report.messages
    if not imp.out.lines and not report.failed:
        report.error("", "no budget lines found (no sheet with 科目编码 rows of 7-digit 项)")
    if report.failed:
        return result
    shown = _shown(into, root)
    result.budget_yaml = budget_yaml(imp.out, codes, workbook.name)
    old = into / "budget.yaml"
    if force and old.is_file():  # what no standard table carries stays as it was
        kept, names = kept_sections(old.read_text(encoding="utf-8"))
        if kept:
            result.budget_yaml += "\n" + kept
            report.add("", "note", f"kept from the previous budget.yaml: {', '.join(names)}")
    if existing is None:
        result.edition_yaml = edition_yaml(imp.out, _units(imp.out))
    # derive the tables from what was imported, as a build would, and compare
    findings, derived, todo = _check(root, site, into, shown, result.budget_yaml, result.edition_yaml)
    result.findings, result.todo = findings, todo
    if derived is not None:
        compare(tableset, derived, regions, report)
    else:
        report.warning("", "the tables could not be derived (see the errors of the checks); not compared")
    result.messages = report.messages
    if report.failed:
        return result
    # write: never over an existing file without force
    targets = [(into / "budget.yaml", result.budget_yaml)]
    if result.edition_yaml is not None:
        targets.append((into / "edition.yaml", result.edition_yaml))
    clash = [p for p, _ in targets if p.exists()]
    if clash and not force:
        raise ImportUsageError(Pos(_shown(clash[0], root)), "exists; nothing was written (use --force to replace it)")
    into.mkdir(parents=True, exist_ok=True)
    for path, text in targets:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        result.written.append(path)
    # the checks again, on the files as written (a rule may read them from disk)
    result.findings, _, result.todo = _check(root, site, into, shown, result.budget_yaml, result.edition_yaml)
    return result


class _NoEdition:
    """No edition.yaml yet: the site's format applies."""

    format = tableset = None
    where: dict = {}


def _shown(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _units(data: Imported) -> list[tuple[str, str]]:
    """单位 for a new edition.yaml: those with 机关运行经费 are 行政单位 (the rule allows no
    other), the others of the project lists 事业单位 (a guess the file asks to check)."""
    names, seen = [], set()
    operating = {u for u, _ in data.operating}
    for unit in [u for u, _ in data.operating] + [g[0] for g in data.projects + data.carryover_projects]:
        if unit not in seen:
            seen.add(unit)
            names.append((unit, "行政单位" if unit in operating else "事业单位"))
    return names


TEXT_RULES = {"section-missing", "three-public-reason", "three-public-prior", "date-missing"}


def _check(root: Path, site, into: Path, shown: str, budget_text: str, edition_text: str | None):
    """The checks on the imported edition, in memory (nothing is written yet). Findings about
    parts an import does not make (texts, the date) are returned apart, as things to do,
    when those parts are missing."""
    from . import check as check_stage
    from .build import _edition_setup
    from .load import SourceEdition, SourceSite, Text, theme_dir
    from .model import Budget, Edition, Glossary
    from .performance import load_performance
    from .schema import read
    from .yamlload import load_yaml, parse_yaml

    def text(name: str) -> Text:
        path = into / name
        return Text(f"{shown}/{name}", path.read_text(encoding="utf-8") if path.is_file() else "")

    edition_source = edition_text if edition_text is not None else (into / "edition.yaml").read_text(encoding="utf-8")
    try:
        edition = read(parse_yaml(edition_source, f"{shown}/edition.yaml"), Edition,
                       Pos(f"{shown}/edition.yaml", 1), "edition.yaml")
        budget = read(parse_yaml(budget_text, f"{shown}/budget.yaml"), Budget, Pos(f"{shown}/budget.yaml", 1),
                      "budget.yaml")
        glossary_path = into / "glossary.yaml"
        own_glossary = read(load_yaml(glossary_path, f"{shown}/glossary.yaml") if glossary_path.is_file()
                            else None, Glossary, Pos(f"{shown}/glossary.yaml"), "glossary.yaml")
        source = SourceEdition(shown, edition, budget, text("overview.md"), text("explanation.md"),
                               own_glossary, load_performance(root, shown) if (into / "performance").is_dir() else [])
        standard = read(load_yaml(theme_dir(root) / "glossary.yaml", "theme/glossary.yaml"), Glossary,
                        Pos("theme/glossary.yaml", 1), "glossary").entries
        whole = SourceSite(root, site, [source], standard)
        codes, tableset = _edition_setup(whole, root, source)
        findings, derived = check_stage.check(whole, source, codes, tableset)
    except BudgetError as exc:
        from .findings import Finding

        return [Finding(exc.pos, "error", "import", exc.message)], None, []
    missing = [n for n in ("overview.md", "explanation.md") if not (into / n).is_file()]
    if edition_text is None and not missing:
        return findings, derived, []
    todo = [f for f in findings if f.rule in TEXT_RULES or (f.pos and any(f.pos.file.endswith(m) for m in missing))]
    return [f for f in findings if f not in todo], derived, todo


def compare(tableset, derived, regions: dict, report: Report) -> None:
    """Every figure of every recognised sheet against the table derived from the import:
    a figure the site would print differently is an error at its cell."""
    from .tabledata import table_grid

    for i, (sheet, rows) in sorted(regions.items()):
        spec = tableset.tables[i]
        table = derived.tables[i]
        kinds = column_kinds(spec)
        grid = table_grid(table)[len(table.header):]
        for lo, hi in segments(spec):
            labels = [c for c in range(lo, hi) if kinds[c] == "code"] or \
                [c for c in range(lo, hi) if kinds[c] != "amount"]
            amounts = [c for c in range(lo, hi) if kinds[c] == "amount"]
            ours: dict = {}
            counts: dict = defaultdict(int)
            head = "#合计" if spec.layout == "projects" else None  # 合计 or the department: the same row
            for n, line in enumerate(grid):
                key = (head,) if head and n == 0 else tuple(label_key(line[c]) for c in labels)
                counts[key] += 1
                ours[(key, counts[key])] = line
            seen: dict = defaultdict(int)
            for n, row in enumerate(r for r in rows if any(r.label(c) for c in labels)):
                key = (head,) if head and n == 0 else tuple(label_key(row.label(c)) for c in labels)
                values = [row.amounts.get(c, ZERO) for c in amounts]
                if not any(key) and not any(values):
                    continue
                seen[key] += 1
                line = ours.get((key, seen[key]))
                if line is None:
                    if any(values):
                        report.warning(row.refs[labels[0] if labels else lo],
                                       f"row '{' '.join(k for k in key if k)}' of {spec.number} has no "
                                       "counterpart in the table derived from the import")
                    continue
                for c, value in zip(amounts, values):
                    text = line[c]
                    printed = Decimal(text) if text else ZERO
                    if printed != value:
                        report.error(row.refs[c], f"{spec.number} '{' '.join(k for k in key if k)}': the "
                                                  f"workbook has {value:.2f}, the imported budget prints "
                                                  f"{printed:.2f}")
