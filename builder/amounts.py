"""Amounts and measures: sums over unrounded Decimals, and approved (批复) figures.

Every amount is a *cell*: ``(kind, source, period)`` -> Decimal, e.g.
``("basic", "general", "current")``. A *measure* such as ``"basic.general"`` selects
cells; ``"total"`` selects all. A :class:`Ledger` holds cells under a path (a 科目
code, a 单位, ...) and sums what a measure selects under a path prefix.

An approved figure replaces a derived sum in print when the budget states it (尾差:
the printed 批复 figure was rounded from 元 and differs from the sum of rounded parts).
It applies to every measure that selects the same cells as the measure it was given
for. Each replacement is kept as a :class:`Rounding` for the checks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from .errors import BudgetError, Pos
from .i18n import _
from .model import ZERO
from .sources import BUNDLED_SOURCES, Vocabulary

KINDS = ("basic", "project", "personnel", "public")
PERIODS = ("current", "carryover")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Measure:
    kinds: frozenset | None = None
    sources: frozenset | None = None
    periods: frozenset | None = None

    def __hash__(self) -> int:  # measures key the ledgers' caches: hash once, not per lookup
        value = self.__dict__.get("_hash")
        if value is None:
            value = hash((self.kinds, self.sources, self.periods))
            object.__setattr__(self, "_hash", value)
        return value

    def selects(self, cell: tuple) -> bool:
        kind, source, period = cell
        return (
            (self.kinds is None or kind in self.kinds)
            and (self.sources is None or source in self.sources)
            and (self.periods is None or period in self.periods)
        )

    def __and__(self, other: "Measure") -> "Measure":
        def meet(a, b):
            if a is None:
                return b
            if b is None:
                return a
            return a & b

        return Measure(meet(self.kinds, other.kinds), meet(self.sources, other.sources),
                       meet(self.periods, other.periods))


def parse_measure(text: str | None, pos: Pos | None = None, vocab: Vocabulary | None = None) -> Measure:
    """``"basic.general.current"`` -> Measure; ``"total"`` or None -> everything.

    Sources and groups are those of ``vocab`` (a format's; the bundled ones by default)."""
    if text is None or text == "total":
        return Measure()
    vocab = vocab or BUNDLED_SOURCES
    kinds, sources, periods = set(), set(), set()
    for token in text.split("."):
        members = vocab.members(token)
        if token in KINDS:
            kinds.add(token)
        elif members is not None:
            sources |= set(members)
        elif token in PERIODS:
            periods.add(token)
        else:
            known = ", ".join(("total",) + KINDS + vocab.keys + tuple(vocab.groups) + PERIODS)
            raise BudgetError(pos, _("未知的口径“{token}”（在“{text}”中）；可用的有：{known}",
                                     token=token, text=text, known=known))
    return Measure(frozenset(kinds) or None, frozenset(sources) or None, frozenset(periods) or None)


@dataclass(frozen=True)
class Figure:
    """A figure as printed: the derived sum, and the approved figure if one is stated."""

    derived: Decimal
    approved: Decimal | None = None
    terms: int = 0  # how many entered amounts were summed
    pos: Pos | None = None  # where the approved figure is stated

    @property
    def value(self) -> Decimal:
        return self.derived if self.approved is None else self.approved

    def __bool__(self) -> bool:
        return bool(self.value)


#: the figure of nothing: shared (a Figure never changes), as most cells of a long list are empty
NO_FIGURE = Figure(ZERO)


@dataclass(frozen=True)
class Rounding:
    """An approved figure applied in place of its derived sum (for the checks)."""

    pos: Pos | None
    key: str  # the measure it was stated for ("total", "personnel", ...)
    what: str
    derived: Decimal
    approved: Decimal
    terms: int

    @property
    def tolerance(self) -> Decimal:
        """What rounding can explain: half a cent per rounded figure, the total included."""
        return half_cents(self.terms + 1)


def half_cents(count: int) -> Decimal:
    return Decimal("0.005") * count


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Ledger:
    """Cells filed under paths; sums by path prefix and measure.

    Lookups go through an index built lazily from ``entries``: every path prefix -> its
    entries (in the order they were added), and (prefix, measure) -> the entries selected,
    so a figure costs time in proportion to what it selects, not to the whole ledger. The
    index follows ``entries`` as they grow (by :meth:`add` or appended directly) and is
    rebuilt if the list is replaced or shrinks.
    """

    entries: list = field(default_factory=list)  # (path tuple, cell tuple, amount)
    _by_prefix: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _selection: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _indexed: tuple = field(default=(None, 0), init=False, repr=False, compare=False)
    _choosers: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def add(self, path: tuple, cell: tuple, amount: Decimal) -> None:
        if amount:
            self.entries.append((path, cell, amount))

    def _index(self) -> dict:
        """prefix -> entries under it, up to date with ``entries``."""
        entries = self.entries
        which, count = self._indexed
        if which is not entries or count > len(entries):
            self._by_prefix, count = {}, 0
        if count < len(entries):
            self._selection = {}
            index = self._by_prefix
            for entry in entries[count:]:
                path = entry[0]
                for n in range(len(path) + 1):
                    index.setdefault(path[:n], []).append(entry)
        self._indexed = (entries, len(entries))
        return self._by_prefix

    def _selected(self, prefix: tuple, measure: Measure) -> tuple:
        """The entries under ``prefix`` that ``measure`` selects (cached; a tuple, not to change)."""
        if self._indexed[0] is not self.entries or self._indexed[1] != len(self.entries):
            self._index()
        key = (prefix if type(prefix) is tuple else tuple(prefix), measure)
        found = self._selection.get(key)
        if found is None:
            found = tuple(e for e in self._by_prefix.get(key[0], ()) if measure.selects(e[1]))
            self._selection[key] = found
        return found

    def figures(self, prefix: tuple, measures: list[Measure]) -> list[Figure]:
        """The derived figure of each measure under ``prefix`` (no approved figure), read from
        the prefix's own entries and not cached: a row of a long list (10,000 projects) is
        looked up once, so caching every (row, measure) would only cost memory and time.
        Which of ``measures`` select a cell is worked out once per kind of cell."""
        if self._indexed[0] is not self.entries or self._indexed[1] != len(self.entries):
            self._index()
        entries = self._by_prefix.get(prefix if type(prefix) is tuple else tuple(prefix), ())
        if not entries:
            return [NO_FIGURE] * len(measures)
        measures = tuple(measures)
        choosers = self._choosers.get(measures)
        if choosers is None:
            choosers = self._choosers[measures] = {}
        totals = [ZERO] * len(measures)
        counts = [0] * len(measures)
        for _path, cell, amount in entries:
            chosen = choosers.get(cell)
            if chosen is None:
                chosen = choosers[cell] = tuple(j for j, m in enumerate(measures) if m.selects(cell))
            for j in chosen:
                totals[j] += amount
                counts[j] += 1
        return [Figure(t, terms=n) if n else NO_FIGURE for t, n in zip(totals, counts)]

    def sum(self, prefix: tuple, measure: Measure) -> Decimal:
        return sum((e[2] for e in self._selected(prefix, measure)), ZERO)

    def figure(self, prefix: tuple, measure: Measure, approved=None, pos: Pos | None = None,
               what: str = "", roundings: list | None = None, vocab: Vocabulary | None = None) -> Figure:
        """The figure for ``prefix``/``measure``, replaced by an approved one that applies.

        ``approved`` is a Decimal (for the row's total) or {measure text: Decimal}.
        """
        selected = self._selected(prefix, measure)
        derived = sum((e[2] for e in selected), ZERO)
        terms = len(selected)
        if approved is None or not selected:
            return Figure(derived, terms=terms)
        given = approved if isinstance(approved, dict) else {"total": approved}
        cells = {(e[0], e[1]) for e in selected}
        for text, value in given.items():
            other = parse_measure(text, pos, vocab)
            if {(e[0], e[1]) for e in self._selected(prefix, other)} == cells:
                if roundings is not None and not any(
                    r.pos == pos and r.key == text for r in roundings
                ):
                    roundings.append(Rounding(pos, text, what, derived, value, terms))
                return Figure(derived, value, terms, pos)
        return Figure(derived, terms=terms)
