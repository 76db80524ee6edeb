"""Narrative rules (表文一致): expressions evaluate; typed amounts agree with the data;
years in the text are this edition's."""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from decimal import Decimal
from types import SimpleNamespace

from ..amounts import round_cents
from ..errors import BudgetError, Pos
from ..findings import Finding
from ..i18n import _
from ..narrative import UNLISTED, expand
from .common import money

EXPRESSION = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
AMOUNT = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)(?![\d.])")
NEAR = Decimal("0.05")  # a typed amount this close to a figure (or 0.1% of it) means that figure
YEAR = re.compile(r"(?<!\d)(\d{4})\s*年(?=度|预算|部门预算|部门决算)")


def _docs(subject):
    return subject.source.all_texts()


def expressions_evaluate(subject):
    names = vars(subject.derived.figures)
    for doc in _docs(subject):
        try:
            expand(doc.text, doc.shown, names, subject.derived.charts)
        except BudgetError as exc:
            yield Finding(exc.pos, "error", "narrative-expression", exc.message)


def _literal_lines(text: str):
    """(line number, text) with expressions blanked out (line numbers kept)."""
    blanked = EXPRESSION.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return enumerate(blanked.splitlines(), start=1)


def _computed(subject) -> dict[Decimal, str]:
    """Every figure the edition prints, rounded as printed, with where it is printed."""
    out: dict[Decimal, str] = {}
    for table in subject.derived.tables:
        for row in table.rows:
            label = next((c.text for c in row.cells if c.text), "")
            for cell in row.cells:
                if cell.figure is not None and cell.figure.value:
                    out.setdefault(round_cents(cell.figure.value), f"{table.number} {label}")

    def walk(value, path):
        if isinstance(value, Decimal):
            if value:
                out.setdefault(round_cents(value), path)
        elif isinstance(value, SimpleNamespace):
            for k, v in vars(value).items():
                walk(v, f"{path}.{k}" if path else k)

    walk(subject.derived.figures, "")
    return out


def typed_amounts(subject):
    """A typed amount close to a computed figure but not equal to it is a warning."""
    computed = _computed(subject)
    values = sorted(computed)  # to find the figures near a typed amount without a scan of all
    for doc in _docs(subject):
        for number, line in _literal_lines(doc.text):
            for match in AMOUNT.finditer(line):
                typed = Decimal(match.group(1).replace(",", ""))
                if typed in computed:
                    yield Finding(Pos(doc.shown, number), "note", "narrative-typed",
                                  _("正文直接写了数字 {typed}，它等于{where}：请改写为表达式，使它随数据更新",
                                    typed=match.group(1), where=computed[typed]))
                    continue
                # |typed - v| <= max(0.05, v × 0.001) puts v in [typed - 0.05, typed + 0.05], or in
                # [typed / 1.001, typed / 0.999] when v × 0.001 is the larger
                lo = min(typed - NEAR, typed / Decimal("1.001"))
                hi = max(typed + NEAR, typed / Decimal("0.999"))
                window = values[bisect_left(values, lo):bisect_right(values, hi)]
                close = [(abs(typed - v), v, computed[v]) for v in window
                         if abs(typed - v) <= max(NEAR, v * Decimal("0.001"))]
                if close:
                    _distance, value, where = min(close)
                    yield Finding(Pos(doc.shown, number), "warning", "narrative-mismatch",
                                  _("正文写的是 {typed}，而{where}为 {value}（表文不一致）：请改用该数的表达式",
                                    typed=match.group(1), where=where, value=money(value)))


def years_consistent(subject):
    """Years written in the 情况说明 are this edition's year or the previous one."""
    year = subject.source.edition.year
    for doc, number, line in ((d, n, t) for d in _docs(subject) for n, t in _literal_lines(d.text)):
        for match in YEAR.finditer(line):
            written = int(match.group(1))
            if written not in (year, year - 1):
                yield Finding(Pos(doc.shown, number), "warning", "year-mismatch",
                              _("正文写的是 {written}年，而这是 {year} 年的预算公开：请改写为 {{{{ year }}}}"
                                "（或 {{{{ prior_year }}}}）", written=written, year=year))


UP, DOWN, SAME = "up", "down", "same"
DIRECTIONS = [(re.compile(r"增加|增长|提高|上升"), UP), (re.compile(r"减少|下降|压减|降低"), DOWN),
              (re.compile(r"持平|保持不变|不变|相同"), SAME)]
REASON = re.compile(r"(?:主要)?原因(?:主要)?是[：:]?([^。；\n]*)")


def _direction(text: str, last: bool) -> str | None:
    """The direction a phrase states (增加 / 减少 / 持平), its first or last mention."""
    found = [(m.start(), d) for pattern, d in DIRECTIONS for m in pattern.finditer(text)]
    if not found:
        return None
    return (max if last else min)(found)[1]


def reasons_agree(subject):
    """A change and the reason given for it point the same way (减少… 主要原因是…经费增加 is a
    contradiction a reader will notice)."""
    names = vars(subject.derived.figures)  # the same figures: expand() evaluates each text once
    for doc in _docs(subject):
        try:
            text = expand(doc.text, doc.shown, names, subject.derived.charts)
        except BudgetError:
            continue  # reported by expressions_evaluate
        for match in REASON.finditer(text):
            before = re.split(r"\n\s*\n", text[:match.start()])[-1]  # the paragraph so far
            said, why = _direction(before, last=True), _direction(match.group(1), last=False)
            if said is None or why is None or said == why:
                continue
            reason = match.group(1).strip()
            line = next((n for n, t in enumerate(doc.text.splitlines(), 1) if reason[:12] in t), 0) or \
                next((n for n, t in enumerate(doc.text.splitlines(), 1) if "原因" in t), 1)
            words = {UP: "增加", DOWN: "减少", SAME: "持平"}
            yield Finding(Pos(doc.shown, line), "warning", "narrative-reason",
                          _("正文说{said}（“{before}”），所给原因却是“{reason}”（{why}）：请核对原因的说法",
                            said=words[said], before=before.strip()[-30:], reason=reason, why=words[why]))


def heading_levels(subject):
    """Headings go down one level at a time (## then ###, not ## then ####): a skipped level
    is how a screen reader, the HTML checkers and the 目录 would misread the outline.

    The page's own title (第三部分 …) is the <h1>; the Markdown's ## are its sections.
    """
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark")
    for doc in _docs(subject):
        blanked = EXPRESSION.sub(lambda m: "x" + "\n" * m.group(0).count("\n"), doc.text)
        previous = 1
        for i, token in enumerate(tokens := parser.parse(blanked)):
            if token.type != "heading_open" or not token.map:
                continue
            level = int(token.tag[1])
            if level > previous + 1:
                title = UNLISTED.sub("", tokens[i + 1].content).strip()
                yield Finding(Pos(doc.shown, token.map[0] + 1), "warning", "heading-level",
                              _("标题“{title}”是 {level} 级标题（{marks}），却紧跟在 {previous} 级标题之后，"
                                "跳过了一级：请改为 {fix}（不想列入目录的小标题，在标题末尾加 {unlisted}）",
                                title=title, level=level, marks="#" * level, previous=previous,
                                fix="#" * (previous + 1), unlisted="{.unlisted}"))
            previous = level


RULES = [expressions_evaluate, typed_amounts, years_consistent, reasons_agree, heading_levels]
