"""Narrative: Markdown with ``{{ expressions }}`` over the derived figures.

The Markdown source is first rendered as a sandboxed Jinja template (so every figure
in the text is computed, never typed), then converted to HTML with markdown-it-py.
Headings of level 2 and 3 become 目录 entries; level 4 and below do not.
"""
from __future__ import annotations

import datetime
import difflib
import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt

from .amounts import round_cents
from .errors import BudgetError, Pos


def wan(value) -> str:
    """An amount as printed in the text: thousands separators, two decimals; zero is 0."""
    value = Decimal(value)
    if not value:
        return "0"
    return f"{round_cents(value):,.2f}"


def pct(part, whole) -> str:
    """A share: ``98.60%``; 0% when the part is zero."""
    part, whole = Decimal(part), Decimal(whole)
    if not part or not whole:
        return "0%"
    share = (part * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{share}%"


def _need(value, what: str):
    if value is None:
        raise ValueError(f"{what} is not given (add it under prior: in edition.yaml)")
    return Decimal(value)


def change(current, previous) -> str:
    """``增加0.80万元`` / ``减少66.26万元`` / ``持平``."""
    current, previous = _need(current, "the current figure"), _need(previous, "last year's figure")
    diff = current - previous
    if not round_cents(diff):
        return "持平"
    return ("增加" if diff > 0 else "减少") + wan(abs(diff)) + "万元"


def rate(current, previous) -> str:
    """``增长5.44%`` / ``下降1.73%`` / ``持平`` (relative to last year)."""
    current, previous = _need(current, "the current figure"), _need(previous, "last year's figure")
    diff = current - previous
    if not round_cents(diff):
        return "持平"
    if not previous:
        return "增长"
    share = (abs(diff) * 100 / previous).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return ("增长" if diff > 0 else "下降") + f"{share}%"


def compare(current, previous) -> str:
    """``与上年预算数相同`` or ``与上年相比预算数增加0.80万元``."""
    current, previous = _need(current, "the current figure"), _need(previous, "last year's figure")
    if round_cents(current) == round_cents(previous):
        return "与上年预算数相同"
    return "与上年相比预算数" + change(current, previous)


MISSING_DATE = "（日期待填写）"


def cn_date(value) -> str:
    """2025-04-02 -> 2025年4月2日; a date not given yet prints as （日期待填写） (a check
    reports it)."""
    if value is None:
        return MISSING_DATE
    if not isinstance(value, datetime.date):
        raise ValueError(f"{value!r} is not a date")
    return f"{value.year}年{value.month}月{value.day}日"


def _in(value, unit: str, base: str, what: str) -> Decimal:
    from .formats import UNIT_SCALE, scale

    if unit not in UNIT_SCALE:
        raise ValueError(f"unknown unit '{unit}' (元, 万元 or 亿元)")
    return _need(value, what) * scale(base, unit)


def _printed(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def money(value, unit="万元", decimals=2, thousands=False, trim=False, *, base="万元") -> str:
    """An amount of the edition (in its unit ``base``) as the text prints it in ``unit``:
    ``money(156211123)`` in a 元 edition -> ``15621.11``; ``trim``: 25.00 -> 25, 0 -> 0."""
    from .formats import NumberStyle
    from .layouts import format_amount

    zero = "0" if trim or not decimals else "0." + "0" * decimals
    style = NumberStyle(int(decimals), bool(thousands), zero, bool(trim))
    return format_amount(_in(value, unit, base, "the figure"), style)


def delta(current, previous, unit="万元", trim=False, up="增加", down="减少", same="持平", *,
          base="万元") -> str:
    """The change from ``previous`` as text with its unit: ``减少876.75万元`` / ``持平``."""
    diff = _in(current, unit, base, "the current figure") - _in(previous, unit, base, "last year's figure")
    if not _printed(diff, 2):
        return same
    amount = money(abs(diff), unit, 2, False, trim, base=unit)
    return f"{up if diff > 0 else down}{amount}{unit}"


def pct_delta(current, previous, up="增加", down="减少", same="持平", unit="万元", decimals=2, *,
              base="万元") -> str:
    """The change from ``previous`` in per cent of it, computed from the figures as printed
    (in ``unit``, ``decimals`` places), as a reader would check it: ``减少57.14%``; from
    nothing to something is ``增加100.00%``."""
    now = _printed(_in(current, unit, base, "the current figure"), decimals)
    before = _printed(_in(previous, unit, base, "last year's figure"), decimals)
    if now == before:
        return same
    if not before:
        return f"{up}100.00%"
    share = (abs(now - before) * 100 / abs(before)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{up if now > before else down}{share}%"


FUNCTIONS = {"wan": wan, "pct": pct, "change": change, "rate": rate, "compare": compare,
             "cn_date": cn_date}
#: Functions that read amounts in the edition's unit (bound to it for each text).
UNIT_FUNCTIONS = {"money": money, "delta": delta, "pct_delta": pct_delta}


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class Rendered:
    html: str
    headings: list[Heading]
    charts: list = field(default_factory=list)  # (chart id, title) in the order placed


class _Unknown(jinja2.StrictUndefined):
    """Undefined that names what is missing and suggests what was meant."""

    @property
    def _undefined_message(self) -> str:
        name = self._undefined_name
        obj = self._undefined_obj
        if obj is jinja2.utils.missing:
            return f"unknown name '{name}' in an expression"
        known = sorted(k for k in (vars(obj) if hasattr(obj, "__dict__") else {}) if not k.startswith("_"))
        if isinstance(obj, dict):
            known = sorted(str(k) for k in obj)
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        listing = f" (known: {', '.join(known)})" if known and not close else ""
        return f"unknown name '{name}' in an expression{hint}{listing}"


def _strict(function):
    """Make a narrative function fail with the undefined name, not a conversion error."""

    def wrapper(*args, **kwargs):
        for arg in list(args) + list(kwargs.values()):
            if isinstance(arg, jinja2.Undefined):
                arg._fail_with_undefined_error()
        return function(*args, **kwargs)

    inner = getattr(function, "func", function)
    wrapper.__name__ = inner.__name__
    wrapper.__doc__ = inner.__doc__
    return wrapper


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=_Unknown, autoescape=False, keep_trailing_newline=True)
    env.globals.update({name: _strict(f) for name, f in FUNCTIONS.items()})
    return env


_ENV = _environment()


def _template_line(exc: BaseException, name: str) -> int:
    """The line of the Markdown source where a render error happened."""
    tb = exc.__traceback__
    line = 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == name:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


CHART_MARK = "BUDGETSITECHART"


def expand(text: str, shown: str, names: dict, charts: dict | None = None,
           placed: list | None = None) -> str:
    """Evaluate the ``{{ … }}`` expressions of a Markdown source.

    ``{{ chart("id") }}`` or ``{{ chart("id", title="…") }}`` places one of ``charts``;
    it becomes a marker, and (name, title) is appended to ``placed``.
    """
    placed = [] if placed is None else placed

    def chart(name: str, title: str | None = None) -> str:
        available = charts or {}
        if name not in available:
            known = ", ".join(sorted(available)) or "none"
            raise ValueError(f"unknown chart '{name}' (charts: {known})")
        placed.append((name, title))
        return f"{CHART_MARK}{len(placed) - 1}"

    try:
        template = _ENV.from_string(text)
        template.filename = shown
    except jinja2.TemplateSyntaxError as exc:
        raise BudgetError(Pos(shown, exc.lineno or 0), f"expression syntax: {exc.message}") from None
    try:
        base = names.get("unit") or "万元"
        bound = {n: _strict(functools.partial(f, base=base)) for n, f in UNIT_FUNCTIONS.items()}
        return template.render(**names, **bound, chart=chart)
    except jinja2.UndefinedError as exc:
        raise BudgetError(Pos(shown, _template_line(exc, shown)), str(exc.message)) from None
    except (ValueError, TypeError, ArithmeticError, jinja2.TemplateError) as exc:
        line = _template_line(exc, shown)
        raise BudgetError(Pos(shown, line), f"expression failed: {exc}") from None


def markdown(text: str, allow_html: bool, anchor_prefix: str) -> Rendered:
    """Markdown -> HTML; h2/h3 get stable anchors and are returned for the 目录."""
    md = MarkdownIt("commonmark", {"html": allow_html})
    tokens = md.parse(text)
    headings = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            level = int(token.tag[1])
            anchor = f"{anchor_prefix}{len(headings) + 1}"
            token.attrSet("id", anchor)
            title = tokens[i + 1].content
            headings.append(Heading(level, title, anchor))
    html = md.renderer.render(tokens, md.options, {})
    return Rendered(html, [h for h in headings if h.level in (2, 3)])


def render_narrative(text: str, shown: str, names: dict, allow_html: bool, anchor_prefix: str,
                     charts: dict | None = None, chart_html=None) -> Rendered:
    """Markdown with expressions -> HTML; ``chart_html(id, title)`` gives a placed chart's HTML."""
    placed: list = []
    rendered = markdown(expand(text, shown, names, charts, placed), allow_html, anchor_prefix)
    html = rendered.html
    for i, (name, title) in enumerate(placed):
        mark = f"<p>{CHART_MARK}{i}</p>"
        if mark not in html:
            line = next((n for n, t in enumerate(text.splitlines(), 1) if "chart(" in t), 0)
            raise BudgetError(Pos(shown, line), f"chart '{name}' must stand on a line of its own")
        html = html.replace(mark, chart_html(name, title) if chart_html else "")
    return Rendered(html, rendered.headings, placed)
