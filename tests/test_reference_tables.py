"""The built 表一…表十三 show every figure the published reference document prints.

``tests/fixtures/reference-2025.txt`` is a text extraction of the department's
published 2025 budget PDF (阳泉市退役军人事务局).  Each table in it is a title line,
``部门名称：…`` / ``单位：万元``, header lines, then tab-separated rows; page breaks
inject blank lines and the watermark ``仅供内部审核``.

For every table (one test case each) this module checks, against the HTML the
builder writes to ``<out>/2025/tables.html``:

* every reference row carrying a figure (an amount such as ``3764.74``, or a
  ``…合计`` label) appears as an HTML body row with the *same full cell vector*
  (blank positions included, trailing blanks ignored on both sides), and so does
  every label-only row (all figures zero, e.g. ``二、外交支出``) after the first
  figure row;
* the matched HTML rows come in the reference's order (matched indices strictly
  increasing; rows are matched greedily in order, so repeated project names with
  different amounts in 表十二 are told apart by their position);
* the multiset of amounts shown in the HTML body equals the multiset printed in
  the reference, so a missing, extra, changed or displaced figure fails;
* empty tables (表七, 表八, 表九, 表十三) show ``注：本表无数据`` and no amount,
  tables with data do not show that note, and each section's title is the
  reference's title.

Only the standard library parses both sides (``html.parser``, ``re``).
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "fixtures" / "reference-2025.txt"
YEAR = "2025"

AMOUNT = re.compile(r"^\d+\.\d{2}$")
WATERMARK = "仅供内部审核"
EMPTY_NOTE = "注：本表无数据"

# (section number N of id="table-N", 表号, title as printed in the reference)
TABLES = [
    (1, "表一", "2025年预算收支总表"),
    (2, "表二", "2025年预算收入总表"),
    (3, "表三", "2025年预算支出总表"),
    (4, "表四", "2025年财政拨款收支总表"),
    (5, "表五", "2025年一般公共预算支出预算表（不含上年结转）"),
    (6, "表六", "2025年一般公共预算安排基本支出分经济科目表（不含上年结转）"),
    (7, "表七", "2025年政府性基金预算收入表（不含上年结转）"),
    (8, "表八", "2025年政府性基金预算支出表（不含上年结转）"),
    (9, "表九", "2025年国有资本经营预算收支预算表（不含上年结转）"),
    (10, "表十", "2025年财政拨款安排“三公”经费支出预算表"),
    (11, "表十一", "2025年财政拨款安排机关运行经费预算表"),
    (12, "表十二", "2025年项目支出预算表（本年预算）"),
    (13, "表十三", "2025年项目支出预算表（上年结转）"),
]
EMPTY_TABLES = {7, 8, 9, 13}

def _norm(text: str) -> str:
    return " ".join(text.split())


def _trim(cells) -> tuple[str, ...]:
    cells = list(cells)
    while cells and cells[-1] == "":
        cells.pop()
    return tuple(cells)


# --------------------------------------------------------------------------- reference


@dataclass
class RefRow:
    line: int                 # 1-based line number in the reference file
    cells: tuple[str, ...]    # trailing blank cells removed
    kind: str                 # "figure" (amount or …合计 label) or "label" (all zero)

    @property
    def amounts(self) -> list[str]:
        return [c for c in self.cells if AMOUNT.match(c)]


@dataclass
class RefTable:
    title: str
    title_line: int
    rows: list[RefRow] = field(default_factory=list)
    header_rows: list[RefRow] = field(default_factory=list)   # kind "header"
    notes: list[str] = field(default_factory=list)

    @property
    def amounts(self) -> list[str]:
        return [a for r in self.rows for a in r.amounts]


def _is_figure_row(cells: tuple[str, ...]) -> bool:
    # The 合计 test looks at the first cell only: header lines also contain a
    # 合计 *column heading* (e.g. 表八 "科目编码⇥科目名称⇥合计⇥基本支出⇥项目支出"),
    # but no header line starts with one, while every total row does
    # (合计, 部门合计, 本年收入合计, …).
    return any(AMOUNT.match(c) for c in cells) or (bool(cells) and cells[0].endswith("合计"))


def _is_column_number_row(cells: tuple[str, ...]) -> bool:
    # 表十二/表十三 print a row of column numbers "1 2 3 4 5 6 7" under the header.
    return len(cells) > 1 and list(cells) == [str(i) for i in range(1, len(cells) + 1)]


def parse_reference(path: Path = REFERENCE) -> dict[int, RefTable]:
    lines = path.read_text(encoding="utf-8").splitlines()
    # Titles are printed with or without a Markdown heading marker ("## …").
    plain = [re.sub(r"^#+\s*", "", line).strip() for line in lines]

    starts: list[int] = []
    after = 0
    for _, _, title in TABLES:
        # The 目录 lists titles too, but as "表一2025年…表.....2", never alone on a line.
        found = [i for i in range(after, len(lines)) if plain[i] == title]
        assert found, f"reference: title {title!r} not found after line {after + 1}"
        starts.append(found[0])
        after = found[0] + 1

    tables: dict[int, RefTable] = {}
    for k, (n, _, title) in enumerate(TABLES):
        start = starts[k]
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        table = RefTable(title, start + 1)
        seen_figure = False
        for i in range(start + 1, end):
            raw = lines[i]
            if raw.startswith("#"):
                break  # a section heading (### 第三部分 …) ends the last table
            text = raw.strip()
            if not text or text == WATERMARK:
                continue  # page-break noise: blank lines and the watermark
            if text.startswith(("部门名称：", "单位：")):
                continue
            if text.startswith("注："):
                table.notes.append(text)
                continue
            if "\t" not in raw:
                raise AssertionError(f"reference line {i + 1}: unexpected line in {title}: {raw!r}")
            cells = _trim(_norm(c) for c in raw.split("\t"))
            if not cells or _is_column_number_row(cells):
                table.header_rows.append(RefRow(i + 1, cells, "header"))
                continue
            if _is_figure_row(cells):
                seen_figure = True
                table.rows.append(RefRow(i + 1, cells, "figure"))
            elif not seen_figure:
                # Header lines: everything before the first figure row.  This
                # covers the header that 表四 splits over three lines (the third,
                # "⇥⇥⇥小计⇥一般公共预算⇥…", starts with blank cells just like the
                # 支出-only rows of the two-sided tables, so only its position
                # tells it apart) and the two-line headers of 表二/表六/表十/….
                # Cost: a label-only body row printed *before* the first figure
                # (only 表十 "因公出国（境）费", all zero) is taken for a header
                # line; the test accepts an HTML body row equal to such a line.
                table.header_rows.append(RefRow(i + 1, cells, "header"))
            else:
                # A body row whose figures are all zero (blank): its label and
                # blank positions must still be there, in order.
                table.rows.append(RefRow(i + 1, cells, "label"))
        tables[n] = table
    return tables


# --------------------------------------------------------------------------- HTML


@dataclass
class HtmlTable:
    number: str = ""
    title: str = ""
    notes: list[str] = field(default_factory=list)
    head_rows: list[tuple[str, ...]] = field(default_factory=list)
    body_rows: list[tuple[str, ...]] = field(default_factory=list)   # all cells, blanks kept
    amount_cells: list[str] = field(default_factory=list)            # texts of body td.amount

    @property
    def amounts(self) -> list[str]:
        return [c for row in self.body_rows for c in row if AMOUNT.match(c)]


class TablesPageParser(HTMLParser):
    """Collects, per ``<section class="budget-table" id="table-N">``, its title,
    notes, and header/body rows as lists of stripped cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, HtmlTable] = {}
        self._id: str | None = None
        self._depth = 0
        self._part: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._cell_is_amount = False
        self._capture: tuple[str, str, list[str]] | None = None   # (tag, what, buffer)

    @property
    def _table(self) -> HtmlTable:
        return self.tables[self._id]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "section":
            if self._id is not None:
                self._depth += 1
            elif "budget-table" in classes:
                self._id, self._depth = a.get("id"), 1
                assert self._id not in self.tables, f"duplicate section id {self._id}"
                self.tables[self._id] = HtmlTable()
            return
        if self._id is None:
            return
        if tag in ("thead", "tbody"):
            self._part = tag
        elif tag == "tr" and self._part:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell, self._cell_is_amount = [], "amount" in classes
        elif tag == "p" and "table-note" in classes:
            self._capture = ("p", "note", [])
        elif tag == "span" and "table-title" in classes:
            self._capture = ("span", "title", [])
        elif tag == "span" and "table-number" in classes:
            self._capture = ("span", "number", [])

    def handle_endtag(self, tag):
        if self._id is None:
            return
        if tag == "section":
            self._depth -= 1
            if self._depth == 0:
                self._id = None
            return
        if tag in ("th", "td") and self._cell is not None:
            text = _norm("".join(self._cell))
            self._row.append(text)
            if self._cell_is_amount and self._part == "tbody":
                self._table.amount_cells.append(text)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            target = self._table.body_rows if self._part == "tbody" else self._table.head_rows
            target.append(tuple(self._row))
            self._row = None
        elif tag in ("thead", "tbody"):
            self._part = None
        elif self._capture and tag == self._capture[0]:
            _, what, buf = self._capture
            text = _norm("".join(buf))
            if what == "note":
                self._table.notes.append(text)
            else:
                setattr(self._table, what, text)
            self._capture = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._capture is not None:
            self._capture[2].append(data)


def parse_tables_html(path: Path) -> dict[str, HtmlTable]:
    parser = TablesPageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.tables


# --------------------------------------------------------------------------- comparison


def _closest(cells: tuple[str, ...], rows: list[tuple[str, ...]], k: int = 3) -> str:
    scored = sorted(
        ((difflib.SequenceMatcher(None, cells, _trim(r)).ratio(), i) for i, r in enumerate(rows)),
        key=lambda t: (-t[0], t[1]),
    )[:k]
    return "\n".join(f"      HTML body row {i}: {list(_trim(rows[i]))}" for _, i in scored) or "      (no body rows)"


def compare_rows(ref: RefTable, html: HtmlTable) -> tuple[list[int], list[tuple[RefRow, str]]]:
    """Match reference rows to HTML body rows in order (greedy, earliest match
    after the previous one).  Returns the matched HTML indices and the failures
    as (reference row, explanation)."""
    trimmed = [_trim(r) for r in html.body_rows]
    matched: list[int] = []
    failures: list[tuple[RefRow, str]] = []
    pos = -1
    for row in ref.rows:
        idx = next((i for i in range(pos + 1, len(trimmed)) if trimmed[i] == row.cells), None)
        if idx is not None:
            matched.append(idx)
            pos = idx
            continue
        elsewhere = [i for i, r in enumerate(trimmed) if r == row.cells]
        if elsewhere:
            why = (f"out of order: equal to HTML body row(s) {elsewhere}, but the previous "
                   f"reference row already matched HTML body row {pos}")
        else:
            why = "no HTML body row has these cells; closest:\n" + _closest(row.cells, html.body_rows)
        failures.append((row, why))
    return matched, failures


def _format_failures(failures: list[tuple[RefRow, str]]) -> str:
    parts = [f"{len(failures)} reference row(s) not shown as printed:"]
    for row, why in failures:
        parts.append(f"  reference line {row.line} ({row.kind} row): {list(row.cells)}\n    {why}")
    return "\n".join(parts)


# --------------------------------------------------------------------------- fixtures & test


@pytest.fixture(scope="session")
def reference_tables() -> dict[int, RefTable]:
    return parse_reference(REFERENCE)


@pytest.fixture(scope="session")
def built_tables(tmp_path_factory) -> dict[str, HtmlTable]:
    """Build the repository's example site once (HTML only) and parse tables.html."""
    from budgetsite.build import build_site

    out = tmp_path_factory.mktemp("reference-tables") / "site"
    build_site(Path(REPO_ROOT), out, pdf=False)
    return parse_tables_html(out / YEAR / "tables.html")


@pytest.mark.parametrize("n,number,title", TABLES, ids=[f"table-{n}" for n, _, _ in TABLES])
def test_table_shows_every_reference_figure(n, number, title, reference_tables, built_tables):
    ref = reference_tables[n]
    name = f"{number} {title} (id=table-{n})"
    assert f"table-{n}" in built_tables, f"{name}: no <section class=\"budget-table\" id=\"table-{n}\">"
    html = built_tables[f"table-{n}"]

    # It is the same table.
    assert (html.number, html.title) == (number, title), f"{name}: section shows {html.number} {html.title}"

    ref_amounts, html_amounts = Counter(ref.amounts), Counter(html.amounts)
    if n in EMPTY_TABLES:
        assert EMPTY_NOTE in ref.notes and not ref_amounts, f"reference parse: {name} should be empty"
    else:
        assert ref.rows and ref_amounts, f"reference parse: no figure rows found for {name}"

    problems: list[str] = []

    # Every amount cell holds a plain two-decimal amount or nothing.
    bad = [c for c in html.amount_cells if c and not AMOUNT.match(c)]
    if bad:
        problems.append(f"amount cells not in the form 1234.56: {bad}")

    # The empty-table note exactly where the reference prints it.
    if n in EMPTY_TABLES and EMPTY_NOTE not in html.notes:
        problems.append(f"note {EMPTY_NOTE!r} not shown (notes: {html.notes})")
    if n not in EMPTY_TABLES and EMPTY_NOTE in html.notes:
        problems.append(f"table has data but shows {EMPTY_NOTE!r}")

    # Every reference row, cell for cell, in order (matched greedily in order).
    matched, failures = compare_rows(ref, html)
    assert all(a < b for a, b in zip(matched, matched[1:])), f"{name}: matched rows out of order {matched}"
    if failures:
        problems.append(_format_failures(failures))

    # Same figures, same number of times: nothing missing, nothing extra
    # (for an empty table: no amount at all).
    missing, extra = ref_amounts - html_amounts, html_amounts - ref_amounts
    if missing or extra:
        problems.append(
            f"amounts differ ({sum(ref_amounts.values())} in the reference, "
            f"{sum(html_amounts.values())} in the HTML)\n"
            f"  in the reference but not (as often) in the HTML: {sorted(missing.elements())}\n"
            f"  in the HTML but not (as often) in the reference: {sorted(extra.elements())}"
        )

    # Conversely, no HTML body row the reference does not print.  A row equal to
    # a line taken for a header (see parse_reference) is accepted; the amounts
    # check guarantees that such a row carries no figure.
    accepted = {h.cells for h in ref.header_rows}
    extra_rows = [(i, list(_trim(r))) for i, r in enumerate(html.body_rows)
                  if i not in set(matched) and _trim(r) not in accepted]
    if extra_rows:
        problems.append("HTML body rows the reference does not print:\n"
                        + "\n".join(f"  HTML body row {i}: {cells}" for i, cells in extra_rows))

    assert not problems, f"{name}:\n" + "\n".join(problems)
