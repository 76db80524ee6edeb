"""The example site examples/shanghai-wanli shows every figure of the 9 部门预算表 it reproduces.

The reference is ``tests/fixtures/shanghai-wanli-2024.txt`` (``SEED``, a copy of shared/seeds/): the
``pdftotext -layout`` extraction of 上海市普陀区人民政府万里街道办事处 2024年区级部门预算.
It holds 9 tables, each a title line, ``编制部门：… 单位：元`` (table 9: ``单位:万元``),
header lines (repeated after every page break), then one line per row, the 合计 row last:

* tables 2, 3, 5, 6, 7 — 功能分类 类 / 款 / 项 in split columns, then the name and the
  amounts (``201   05   07   专项普查活动   257,700   257,700   0 …``);
* table 8 — 部门预算经济分类 类 / 款 (the extraction prints 款 ``02``/``07`` as ``2``/``7``;
  read as two-digit codes);
* tables 1 and 4 — balance tables: an income label and its amount, then an expense label
  and its amounts, on one line (either side may be missing); each side is a half-row;
* table 9 — one row of seven figures in 万元 and the note ``注:本部门…故本表为空表。``;
* tables 6 and 7 — empty: a blank 合计 row and a note ``注:…故本表为空表。``.

Amounts are kept as printed (``2,932,700``, ``0``, ``47.91``); a blank cell prints nothing.

The seed is parsed at test time (``parse_seed``); the ``test_seed_*`` tests check the
parser alone (``pytest -k seed``).  ``test_table_*`` build the example site (HTML only)
and check ``<out>/2024/tables.html`` with ``html.parser`` and ``re`` only.

HTML shape assumed (see ``TablesPage``):

* one ``<section … id="table-N">`` per table, N = 1…9, in this order in the page; its
  ``<h2>`` text contains the seed's title;
* the figures are in the section's ``<table>``'s ``<tbody>``; each ``<tr>`` is a row of
  ``<th>``/``<td>`` cells (text stripped, whitespace collapsed; colspan is not expanded);
* a code row is ``类 | 款 | 项 | 名称 | amount…`` (table 8: ``类 | 款 | 名称 | amount…``),
  each code in its own cell, blank cells for the codes a 类/款 row does not have, 款/项 as
  two digits; a 合计 row is ``合计`` (any blank cells or colspan) then its amounts;
* a balance row (tables 1, 4) is ``收入项目 | 金额 | 支出项目 | amount…``; a missing side
  has blank cells;
* an amount is printed as in the seed: thousands separators in 元, ``0`` where the seed
  prints 0, an empty cell where it prints nothing; table 9 in 万元 as the seed prints it;
* notes (``故本表为空表`` for tables 6 and 7, the table-9 note) anywhere in the section.

Splitting an HTML row: its *label part* is every cell up to and including the last
non-empty cell that is not a number (codes are numbers but come before the name); the
cells after it are amounts.  In a balance row each text cell starts a half.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(__file__).resolve().parent / "fixtures" / "shanghai-wanli-2024.txt"  # copy of shared/seeds/
SITE = ROOT / "examples" / "shanghai-wanli"
YEAR = "2024"

TITLES = [
    "2024年部门财务收支预算总表",
    "2024年部门收入预算总表",
    "2024年部门支出预算总表",
    "2024年部门财政拨款收支预算总表",
    "2024年部门一般公共预算支出功能分类预算表",
    "2024年部门政府性基金预算支出功能分类预算表",
    "2024年部门国有资本经营预算支出功能分类预算表",
    "2024年部门一般公共预算基本支出部门预算经济分类预算表",
    "部门“三公”经费和机关运行经费预算表",
]
END_OF_TABLES = "其他相关情况说明"   # the section after table 9
BALANCE = {1, 4}
FUNCTIONAL = {2, 3, 5, 6, 7}        # 类 / 款 / 项
ECONOMIC = {8}                      # 类 / 款
EMPTY = {6, 7}
ONE_ROW = {9}
EMPTY_MARK = "故本表为空表"

# A figure as printed: 156,211,123 / 0 / 47.91 (codes such as 201 or 05 match too;
# they are told apart by position: before the name).
NUMBER = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# The label of a balance half-row: 一、… / 1. … / 收入总计 / 支出总计.
BALANCE_LABEL = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+\.\s*\S)|^(?:收入|支出)总计$")


def _is_number(text: str) -> bool:
    return bool(NUMBER.match(text))


def _squash(text: str) -> str:
    """Compare labels and notes ignoring whitespace and the width of punctuation
    (NFKC: the seed prints 维修(护)费 and 注:, the 科目 list 维修（护）费, a note may say 注：)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


# --------------------------------------------------------------------------- seed


@dataclass
class SeedRow:
    line: int                     # 1-based line in SEED
    label: tuple[str, ...]        # codes (padded with "") and name; ("合计",); () for table 9
    amounts: tuple[str, ...]      # numeric tokens as printed, in order
    side: str = ""                # balance tables: "income" / "expense"


@dataclass
class SeedTable:
    number: int
    title: str
    title_line: int
    rows: list[SeedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def amounts(self) -> list[str]:
        return [a for r in self.rows for a in r.amounts]


def tokens(line: str) -> list[tuple[str, str]]:
    """Items of a layout line: ("num", text) or ("text", text).

    Columns are separated by 2+ spaces, but pdftotext sometimes leaves a single space
    between an amount and the next label ("156,211,123 一、一般公共服务支出"), so each
    column is split again on single spaces: numbers stand alone, adjacent words join.
    """
    items: list[tuple[str, str]] = []
    for segment in re.split(r"\s{2,}", line.replace("\f", " ").strip()):
        words: list[str] = []
        for word in segment.split(" "):
            if not word:
                continue
            if _is_number(word):
                if words:
                    items.append(("text", " ".join(words)))
                    words = []
                items.append(("num", word))
            else:
                words.append(word)
        if words:
            items.append(("text", " ".join(words)))
    return items


def _code_row(items, n: int, ncodes: int) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(label, amounts) of a 类/款/项 row or a 合计 row; None for any other line."""
    kinds = [k for k, _ in items]
    if not items:
        return None
    if items[0] == ("text", "合计") and all(k == "num" for k in kinds[1:]):
        return ("合计",), tuple(t for _, t in items[1:])
    if items[0][0] != "num" or not re.fullmatch(r"\d{3}", items[0][1]) or "text" not in kinds:
        return None
    at = kinds.index("text")
    codes = [t for _, t in items[:at]]
    if not 1 <= len(codes) <= ncodes or any(k != "num" for k in kinds[at + 1:]):
        raise AssertionError(f"table {n}: unexpected code row {items}")
    codes = [codes[0]] + [c.zfill(2) for c in codes[1:]]   # table 8 prints 02 as "2"
    codes += [""] * (ncodes - len(codes))
    return tuple(codes) + (items[at][1],), tuple(t for _, t in items[at + 1:])


def _balance_halves(items) -> list[tuple[str, str, tuple[str, ...]]] | None:
    """[(side, label, amounts)] of a balance line, None for a header line."""
    if not items or items[0][0] != "text" or not BALANCE_LABEL.match(items[0][1]):
        return None
    halves: list[tuple[str, list[str]]] = []
    for kind, text in items:
        if kind == "text":
            halves.append((text, []))
        else:
            halves[-1][1].append(text)
    if len(halves) > 2:
        raise AssertionError(f"balance line with more than two labels: {items}")
    out = []
    for i, (label, amounts) in enumerate(halves):
        # Expense labels all mention 支出 (…支出 / 支出总计); income labels never do.
        side = "expense" if "支出" in label else "income"
        if len(halves) == 2 and side != ("income", "expense")[i]:
            raise AssertionError(f"balance line sides not income | expense: {items}")
        out.append((side, " ".join(label.split()), tuple(amounts)))
    return out


def parse_seed(path: Path = SEED) -> dict[int, SeedTable]:
    lines = path.read_text(encoding="utf-8").split("\n")   # not splitlines(): it breaks at \f too
    plain = [line.replace("\f", "").strip() for line in lines]

    starts: list[int] = []
    after = 0
    for title in TITLES:
        # The 目录 prints the titles with a number and dot leaders, never alone on a line.
        found = [i for i in range(after, len(lines)) if plain[i] == title]
        assert found, f"seed: title {title!r} not found after line {after + 1}"
        starts.append(found[0])
        after = found[0] + 1
    end = next(i for i in range(starts[-1], len(lines)) if plain[i] == END_OF_TABLES)
    bounds = list(zip(starts, starts[1:] + [end]))

    tables: dict[int, SeedTable] = {}
    for n, (title, (start, stop)) in enumerate(zip(TITLES, bounds), start=1):
        table = SeedTable(n, title, start + 1)
        for i in range(start + 1, stop):
            text = plain[i]
            if not text or text.startswith(("编制部门", "单位")):
                continue
            if text.startswith("注"):
                table.notes.append(text)
                continue
            items = tokens(lines[i])
            if n in BALANCE:
                halves = _balance_halves(items)
                if halves is not None:
                    table.rows += [SeedRow(i + 1, (label,), amounts, side) for side, label, amounts in halves]
                    continue
            elif n in ONE_ROW:
                if items and all(k == "num" for k, _ in items):
                    table.rows.append(SeedRow(i + 1, (), tuple(t for _, t in items)))
                    continue
            else:
                row = _code_row(items, n, 3 if n in FUNCTIONAL else 2)
                if row is not None:
                    table.rows.append(SeedRow(i + 1, *row))
                    continue
            # Anything else is a (repeated) header line: it must carry no figure.
            stray = [t for k, t in items if k == "num"]
            assert not stray, f"seed line {i + 1} (table {n}): figures {stray} in an unrecognised line {text!r}"
        tables[n] = table
    return tables


@pytest.fixture(scope="module")
def seed() -> dict[int, SeedTable]:
    return parse_seed(SEED)


# Sanity figures counted by hand in the seed: rows (half-rows for 1 and 4), rows with a
# figure, and one figure or row that must be there.
SEED_SANITY = {
    1: (18, 13, "156,211,123"),
    2: (67, 67, "2,932,700"),      # 66 类/款/项 rows + 合计
    3: (67, 67, "99,706,020"),
    4: (14, 12, "156,211,123"),
    5: (67, 67, "56,505,103"),
    6: (1, 0, None),
    7: (1, 0, None),
    8: (32, 32, "88,537,451"),      # 31 类/款 rows + 合计
    9: (1, 1, "443.18"),
}


def test_seed_finds_nine_tables(seed):
    assert sorted(seed) == list(range(1, 10))
    lines = [seed[n].title_line for n in range(1, 10)]
    assert lines == sorted(lines)


@pytest.mark.parametrize("n", range(1, 10), ids=[f"seed-table-{n}" for n in range(1, 10)])
def test_seed_parse(n, seed):
    table = seed[n]
    rows, with_figures, figure = SEED_SANITY[n]
    assert len(table.rows) == rows, [r.label for r in table.rows]
    assert sum(1 for r in table.rows if r.amounts) == with_figures
    if figure:
        assert figure in table.amounts
    for row in table.rows:
        assert all(_is_number(a) for a in row.amounts), row
    if n in EMPTY or n in ONE_ROW:
        assert any(EMPTY_MARK in note for note in table.notes), table.notes
    else:
        assert not table.notes
    if n in FUNCTIONAL or n in ECONOMIC:
        width = (3 if n in FUNCTIONAL else 2) + 1
        last = table.rows[-1]
        assert last.label == ("合计",), "the 合计 row is last"
        assert all(len(r.label) == width for r in table.rows[:-1])
        assert all(len(r.amounts) == (5 if n == 2 else 3) for r in table.rows if r.amounts)
        assert all(re.fullmatch(r"\d{3}", r.label[0]) and all(re.fullmatch(r"(\d{2})?", c) for c in r.label[1:width - 1])
                   for r in table.rows[:-1])


def test_seed_details(seed):
    # A 项 row, a 款 row, a 类 row, 合计 last, all as printed.
    t2 = seed[2]
    assert t2.rows[0].label == ("201", "", "", "一般公共服务支出")
    assert t2.rows[0].amounts == ("2,932,700", "2,932,700", "0", "0", "0")
    assert t2.rows[2].label == ("201", "05", "07", "专项普查活动")
    assert t2.rows[-1].amounts == ("156,211,123", "156,211,123", "0", "0", "0")
    # Table 8: 款 "2" / "7" read as 02 / 07.
    labels8 = [r.label for r in seed[8].rows]
    assert ("301", "02", "津贴补贴") in labels8 and ("301", "07", "绩效工资") in labels8
    assert seed[8].rows[-1].amounts == ("99,706,020", "88,537,451", "11,168,569")
    # Balance tables: both sides of one line, blank income figures left out.
    first = [r for r in seed[1].rows if r.line == seed[1].rows[0].line]
    assert [(r.side, r.label, r.amounts) for r in first] == [
        ("income", ("一、财政拨款收入",), ("156,211,123",)),
        ("expense", ("一、一般公共服务支出",), ("2,932,700",)),
    ]
    assert ("income", ("2. 政府性基金",), ()) in [(r.side, r.label, r.amounts) for r in seed[1].rows]
    t4 = {(r.side, r.label): r.amounts for r in seed[4].rows}
    assert t4[("expense", ("支出总计",))] == ("156,211,123", "156,211,123")
    assert t4[("income", ("二、政府性基金",))] == ()
    # Table 9 in 万元.
    assert seed[9].rows[0].amounts == ("47.91", "0", "1.35", "46.56", "25", "21.56", "443.18")
    assert "注:本部门2024年无“三公”经费和机关运行经费预算，故本表为空表。" in seed[9].notes


def test_seed_totals_add_up(seed):
    """The parse is complete: the 类 rows add up to 合计 in every column, and the 项 rows
    of each 款 to the 款 (a dropped or mangled line would break a sum)."""
    def value(text):
        return int(text.replace(",", ""))

    for n in FUNCTIONAL | ECONOMIC:
        rows = seed[n].rows
        if not rows[-1].amounts:
            continue
        ncodes = len(rows[0].label) - 1
        total = [value(a) for a in rows[-1].amounts]
        classes = [r for r in rows[:-1] if not any(r.label[1:ncodes])]
        assert [sum(value(r.amounts[c]) for r in classes) for c in range(len(total))] == total, n
        for parent in rows[:-1]:
            depth = sum(1 for c in parent.label[:ncodes] if c)
            if depth == ncodes:
                continue
            children = [r for r in rows[:-1] if r.label[:depth] == parent.label[:depth]
                        and sum(1 for c in r.label[:ncodes] if c) == depth + 1]
            assert children, (n, parent)
            assert [sum(value(r.amounts[c]) for r in children) for c in range(len(total))] == \
                [value(a) for a in parent.amounts], (n, parent.label)
    # Balance tables: the expense 类 rows add up to 支出总计, as in table 3.
    for n in BALANCE:
        rows = [r for r in seed[n].rows if r.side == "expense"]
        total = rows[-1]
        assert total.label == ("支出总计",)
        assert sum(value(r.amounts[0]) for r in rows[:-1]) == value(total.amounts[0])
    # Table 9: 合计 = 出国 + 接待 + 用车; 用车 = 购置 + 运行.
    m = [float(a) for a in seed[9].rows[0].amounts]
    assert round(m[1] + m[2] + m[3], 2) == m[0] and round(m[4] + m[5], 2) == m[3]


# --------------------------------------------------------------------------- HTML


@dataclass
class Section:
    id: str
    h2: str = ""
    text: list[str] = field(default_factory=list)           # all text inside the section
    body_rows: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


class TablesPage(HTMLParser):
    """Per ``<section id="table-N">``: its ``<h2>`` text, its whole text, and its
    ``<tbody>`` rows as tuples of stripped cell texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self._current: Section | None = None
        self._depth = 0
        self._in_h2 = False
        self._in_tbody = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            if self._current is not None:
                self._depth += 1
            elif re.fullmatch(r"table-\d+", dict(attrs).get("id") or ""):
                self._current, self._depth = Section(dict(attrs)["id"]), 1
                self.sections.append(self._current)
            return
        if self._current is None:
            return
        if tag == "h2":
            self._in_h2 = True
        elif tag == "tbody":
            self._in_tbody = True
        elif tag == "tr" and self._in_tbody:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if self._current is None:
            return
        if tag == "section":
            self._depth -= 1
            if self._depth == 0:
                self._current = None
        elif tag == "h2":
            self._in_h2 = False
        elif tag == "tbody":
            self._in_tbody = False
        elif tag in ("th", "td") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._current.body_rows.append(tuple(self._row))
            self._row = None

    def handle_data(self, data):
        if self._current is None:
            return
        self._current.text.append(data)
        if self._in_h2:
            self._current.h2 += data
        if self._cell is not None:
            self._cell.append(data)


def html_halves(row: tuple[str, ...]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """A body row as [(label cells, amount texts)].  A text cell (not a number) starts
    a new half; the cells before the first text cell (codes) belong to its label; the
    non-empty cells after a label, up to the next text cell, are its amounts."""
    halves: list[tuple[list[str], list[str]]] = []
    pending: list[str] = []       # cells before the first text cell
    for cell in row:
        if cell and not _is_number(cell):
            halves.append((pending + [cell], []))
            pending = []
        elif halves:
            if cell:
                halves[-1][1].append(cell)
        else:
            pending.append(cell)
    if pending:                   # no text cell at all (table 9): every figure is an amount
        halves.append(([], [c for c in pending if c]))
    return [(tuple(label), tuple(amounts)) for label, amounts in halves]


def _label_key(cells) -> tuple[str, ...]:
    cells = [_squash(c) for c in cells]
    while cells and not cells[0]:
        cells.pop(0)
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells)


def html_amounts(rows) -> list[str]:
    return [a for row in rows for _, amounts in html_halves(row) for a in amounts]


def find_row(seed_row: SeedRow, rows) -> bool:
    want = _label_key(seed_row.label)
    for row in rows:
        for label, amounts in html_halves(row):
            if (not want or _label_key(label) == want) and amounts == seed_row.amounts:
                return True
    return False


def _closest(seed_row: SeedRow, rows) -> str:
    want = _label_key(seed_row.label)
    near = [row for row in rows if any(want and _label_key(lb)[-1:] == want[-1:] for lb, _ in html_halves(row))]
    near = near or [row for row in rows if set(seed_row.amounts) & set(row)]
    return "\n".join(f"      HTML row: {list(r)}" for r in near[:3]) or "      (no similar HTML row)"


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> list[Section]:
    """Build the example site once (HTML only) and parse 2024/tables.html."""
    from budgetsite.build import build_site

    out = tmp_path_factory.mktemp("sh") / "_site"
    build_site(SITE, out, pdf=False)
    parser = TablesPage()
    parser.feed((out / YEAR / "tables.html").read_text(encoding="utf-8"))
    parser.close()
    return parser.sections


def test_tables_page_has_nine_sections_in_order(page):
    ids = [s.id for s in page]
    assert ids == [f"table-{n}" for n in range(1, 10)], ids


@pytest.mark.parametrize("n", range(1, 10), ids=[f"table-{n}" for n in range(1, 10)])
def test_table_shows_every_figure(n, seed, page):
    ref = seed[n]
    name = f"table {n} {ref.title}"
    sections = {s.id: s for s in page}
    assert f"table-{n}" in sections, f"{name}: no <section id=\"table-{n}\">"
    section = sections[f"table-{n}"]
    assert ref.title in " ".join(section.h2.split()), f"{name}: <h2> is {section.h2!r}"

    problems: list[str] = []
    rows = section.body_rows
    ref_amounts, shown = Counter(ref.amounts), Counter(html_amounts(rows))

    if n in EMPTY:
        assert not ref_amounts, f"seed parse: {name} should have no figures"
        if shown:
            problems.append(f"an empty table shows figures: {sorted(shown.elements())}")
        odd = [list(r) for r in rows if any(c and c != "合计" for c in r)]
        if odd:
            problems.append(f"an empty table has body rows other than a blank 合计 row: {odd}")
        if EMPTY_MARK not in _squash(section.all_text):
            problems.append(f"note {EMPTY_MARK!r} not shown")
    else:
        assert ref_amounts, f"seed parse: no figures for {name}"
        missing = [r for r in ref.rows if r.amounts and not find_row(r, rows)]
        if missing:
            problems.append(f"{len(missing)} seed row(s) not shown as printed:\n" + "\n".join(
                f"  seed line {r.line}{' (' + r.side + ')' if r.side else ''}: "
                f"{list(r.label)} {list(r.amounts)}\n{_closest(r, rows)}" for r in missing))
        if shown != ref_amounts:
            problems.append(
                f"amounts differ ({sum(ref_amounts.values())} in the seed, {sum(shown.values())} in the HTML)\n"
                f"  in the seed but not (as often) in the HTML: {sorted((ref_amounts - shown).elements())}\n"
                f"  in the HTML but not (as often) in the seed: {sorted((shown - ref_amounts).elements())}")
    if n in ONE_ROW:
        for note in ref.notes:
            if _squash(note) not in _squash(section.all_text):
                problems.append(f"note {note!r} not shown")

    assert not problems, f"{name}:\n" + "\n".join(problems)
