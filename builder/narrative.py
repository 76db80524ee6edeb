"""Narrative: Markdown with ``{{ expressions }}`` over the derived figures.

The Markdown source is first rendered as a sandboxed Jinja template (so every figure
in the text is computed, never typed), then converted to HTML with markdown-it-py.
Headings of level 2 and 3 become 目录 entries; level 4 and below do not, nor a heading that
ends with ``{.unlisted}`` (as in Pandoc): a sub-heading the 目录 leaves out keeps its level.
"""
from __future__ import annotations

import datetime
import difflib
import functools
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment, safe_range
from markdown_it import MarkdownIt

from .amounts import round_cents
from .errors import BudgetError, Pos
from .i18n import _


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
        raise ValueError(_("{what}没有给出（请在 edition.yaml 的 prior: 下填写）", what=what))
    return Decimal(value)


def change(current, previous) -> str:
    """``增加0.80万元`` / ``减少66.26万元`` / ``持平``."""
    current, previous = _need(current, _("本年数")), _need(previous, _("上年数"))
    diff = current - previous
    if not round_cents(diff):
        return "持平"
    return ("增加" if diff > 0 else "减少") + wan(abs(diff)) + "万元"


def rate(current, previous) -> str:
    """``增长5.44%`` / ``下降1.73%`` / ``持平`` (relative to last year)."""
    current, previous = _need(current, _("本年数")), _need(previous, _("上年数"))
    diff = current - previous
    if not round_cents(diff):
        return "持平"
    if not previous:
        return "增长"
    share = (abs(diff) * 100 / previous).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return ("增长" if diff > 0 else "下降") + f"{share}%"


def compare(current, previous) -> str:
    """``与上年预算数相同`` or ``与上年相比预算数增加0.80万元``."""
    current, previous = _need(current, _("本年数")), _need(previous, _("上年数"))
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
        raise ValueError(_("{value} 不是日期", value=repr(value)))
    return f"{value.year}年{value.month}月{value.day}日"


def _in(value, unit: str, base: str, what: str) -> Decimal:
    from .formats import UNIT_SCALE, scale

    if unit not in UNIT_SCALE:
        raise ValueError(_("未知的单位“{unit}”（应为 元、万元 或 亿元）", unit=unit))
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
    return format_amount(_in(value, unit, base, _("要显示的金额")), style)


def delta(current, previous, unit="万元", trim=False, up="增加", down="减少", same="持平", *,
          base="万元") -> str:
    """The change from ``previous`` as text with its unit: ``减少876.75万元`` / ``持平``."""
    diff = _in(current, unit, base, _("本年数")) - _in(previous, unit, base, _("上年数"))
    if not _printed(diff, 2):
        return same
    amount = money(abs(diff), unit, 2, False, trim, base=unit)
    return f"{up if diff > 0 else down}{amount}{unit}"


def pct_delta(current, previous, up="增加", down="减少", same="持平", unit="万元", decimals=2, *,
              base="万元") -> str:
    """The change from ``previous`` in per cent of it, computed from the figures as printed
    (in ``unit``, ``decimals`` places), as a reader would check it: ``减少57.14%``; from
    nothing to something is ``增加100.00%``."""
    now = _printed(_in(current, unit, base, _("本年数")), decimals)
    before = _printed(_in(previous, unit, base, _("上年数")), decimals)
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
            return _("表达式中有未知的名称“{name}”{hint}{listing}", name=name, hint="", listing="")
        known = sorted(k for k in (vars(obj) if hasattr(obj, "__dict__") else {}) if not k.startswith("_"))
        if isinstance(obj, dict):
            known = sorted(str(k) for k in obj)
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = _("；是不是“{close}”？", close=close[0]) if close else ""
        listing = _("（可用的名称：{known}）", known=', '.join(known)) if known and not close else ""
        return _("表达式中有未知的名称“{name}”{hint}{listing}", name=name, hint=hint, listing=listing)


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


#: Bounds on what an expression may compute: the text prints figures, nothing needs more.
MAX_EXPRESSION = 10_000   # characters of one {{ … }} / {% … %} block
MAX_NESTING = 50          # depth of brackets in one block
MAX_SIZE = 100_000        # characters / items a string or list may grow to
MAX_INT_BITS = 4_000      # bits of a whole number (about 1200 digits)
MAX_EXPONENT = 1_000      # the exponent of **
RENDER_SECONDS = 10       # the time one text may take (where a timer can be set)


class ExpressionLimit(Exception):
    """An expression went beyond the bounds above (reported as an error at its line)."""


def _size(value) -> int | None:
    if isinstance(value, (str, list, tuple, bytes)):
        return len(value)
    return None


def _bits(value) -> int:
    return value.bit_length() if isinstance(value, int) and not isinstance(value, bool) else 0


class _Sandbox(ImmutableSandboxedEnvironment):
    """The expression sandbox: the data cannot be changed (no list/dict mutators), and no
    operator, method or filter may build a huge number or text (``7 ** 999999999``)."""

    intercepted_binops = frozenset(["**", "*", "+", "%", "//", "<<"])

    def call_binop(self, context, operator, left, right):
        _check_deadline()
        if operator == "**":
            number = (int, float, Decimal)
            if isinstance(right, number) and not isinstance(right, bool) and abs(right) > MAX_EXPONENT:
                raise ExpressionLimit(_("乘方的指数 {exponent} 过大（最大 {limit}）", exponent=right, limit=MAX_EXPONENT))
            if isinstance(right, int) and _bits(left) * max(abs(right), 1) > MAX_INT_BITS:
                raise ExpressionLimit(_("乘方的结果过大"))
        elif operator == "*":
            for one, other in ((left, right), (right, left)):
                size = _size(one)
                if size is not None and isinstance(other, int) and size * other > MAX_SIZE:
                    raise ExpressionLimit(_("重复得到的文本或列表过长（超过 {limit} 个）", limit=MAX_SIZE))
            if _bits(left) + _bits(right) > MAX_INT_BITS:
                raise ExpressionLimit(_("乘法的结果过大"))
        elif operator == "+":
            if (_size(left) or 0) + (_size(right) or 0) > MAX_SIZE:
                raise ExpressionLimit(_("连接得到的文本或列表过长（超过 {limit} 个）", limit=MAX_SIZE))
        elif operator == "%":
            if isinstance(left, str) and re.search(r"%[-+ #0]*(\d{4,}|\*)|\.(\d{4,}|\*)", left):
                raise ExpressionLimit(_("格式字符串中的宽度或精度过大"))
        elif operator == "<<":
            if isinstance(right, int) and _bits(left) + right > MAX_INT_BITS:
                raise ExpressionLimit(_("移位的结果过大"))
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (jinja's signature)
        _check_deadline()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            name = getattr(__obj, "__name__", "")
            if name in ("center", "ljust", "rjust", "zfill", "expandtabs"):
                _bound_widths(args, kwargs)
            elif name == "replace" and len(args) >= 2 and isinstance(args[1], str):
                if len(args[1]) * (len(owner) + 1) > MAX_SIZE and len(owner) + len(args[1]) > 0:
                    if len(owner) + len(args[1]) * (len(owner) + 1) > MAX_SIZE:
                        raise ExpressionLimit(_("替换得到的文本过长（超过 {limit} 个字符）", limit=MAX_SIZE))
            elif name == "join" and args:
                items = args[0]
                count = len(items) if hasattr(items, "__len__") else 0
                if len(owner) * count > MAX_SIZE:
                    raise ExpressionLimit(_("连接得到的文本过长（超过 {limit} 个字符）", limit=MAX_SIZE))
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj, attribute):
        _check_deadline()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        _check_deadline()
        return super().getitem(obj, argument)

    def wrap_str_format(self, value):
        """str.format / format_map (Jinja ≥ 3.1.5 sandboxes them when they are looked up): a width
        or precision beyond the size bound, written in the string or passed in, is refused."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        if re.search(r"\{[^{}]*:[^{}]*?(\d{4,})", value.__self__):
            raise ExpressionLimit(_("格式字符串中的宽度或精度过大"))

        def bounded(*args, **kwargs):
            _bound_widths(args, kwargs)
            return wrapped(*args, **kwargs)
        return bounded

    def format_string(self, s, args, kwargs, format_func=None):
        if re.search(r"\{[^{}]*:[^{}]*?(\d{4,})", s):
            raise ExpressionLimit(_("格式字符串中的宽度或精度过大"))
        return super().format_string(s, args, kwargs, format_func)


def _bound_widths(args, kwargs) -> None:
    for value in list(args) + list(kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE:
            raise ExpressionLimit(_("参数 {value} 过大（文本最长 {limit} 个字符）", value=value, limit=MAX_SIZE))


def _bounded_filter(function):
    def wrapper(*args, **kwargs):
        _bound_widths(args, kwargs)
        return function(*args, **kwargs)

    for attr in ("jinja_pass_arg",):
        if hasattr(function, attr):
            setattr(wrapper, attr, getattr(function, attr))
    wrapper.__name__ = function.__name__
    return wrapper


def _timed_range(*args):
    """The sandbox's range (at most MAX_RANGE items), checking the deadline at every step: a
    loop whose body does nothing still stops in time."""
    for value in safe_range(*args):
        _check_deadline()
        yield value


def _environment() -> SandboxedEnvironment:
    env = _Sandbox(undefined=_Unknown, autoescape=False, keep_trailing_newline=True)
    env.globals.update({name: _strict(f) for name, f in FUNCTIONS.items()})
    env.globals.pop("lipsum", None)  # lipsum(n=…) writes any amount of text
    env.globals["range"] = _timed_range
    for name in ("center", "indent", "truncate", "wordwrap", "format", "batch", "slice", "round"):
        if name in env.filters:
            env.filters[name] = _bounded_filter(env.filters[name])
    return env


_ENV = _environment()
_COMPILED: dict = {}  # (text, shown) -> compiled template: the check and the render share it
_COMPILED_MAX = 256
_COMPILED_LOCK = threading.Lock()


def _compiled(text: str, shown: str):
    """The Markdown source compiled as a template, once per process for the same text (the
    check evaluates it, then the pages render it; ``serve`` rebuilds)."""
    key = (text, shown)
    template = _COMPILED.get(key)
    if template is None:
        from . import codecache

        code = codecache.load("narratives", text)  # compiled by an earlier run
        if code is None:
            code = _ENV.compile(text)  # as from_string does
            codecache.store("narratives", text, code)
        template = _ENV.template_class.from_code(_ENV, code, _ENV.make_globals(None), None)
        template.filename = shown
        with _COMPILED_LOCK:
            if len(_COMPILED) >= _COMPILED_MAX:
                _COMPILED.pop(next(iter(_COMPILED)))
            _COMPILED[key] = template
    return template


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



# The last texts evaluated, with the very figures (and charts) they were evaluated with: the
# check evaluates every text, then the pages render the same text with the same figures.
# An entry holds its figures, so they cannot be freed and their id() reused meanwhile.
_EXPANDED: list = []  # [(text, shown, names, charts, result or BudgetError, placed)]
_EXPANDED_MAX = 16
_EXPANDED_LOCK = threading.Lock()


def expand(text: str, shown: str, names: dict, charts: dict | None = None,
           placed: list | None = None) -> str:
    """Evaluate the ``{{ … }}`` expressions of a Markdown source.

    ``{{ chart("id") }}`` or ``{{ chart("id", title="…") }}`` places one of ``charts``;
    it becomes a marker, and (name, title) is appended to ``placed``.
    """
    placed = [] if placed is None else placed
    with _EXPANDED_LOCK:
        hit = next((e for e in _EXPANDED if e[0] == text and e[1] == shown and e[2] is names
                    and e[3] is charts), None)
    if hit is None:
        mine: list = []
        try:
            result = _expand(text, shown, names, charts, mine)
        except BudgetError as exc:
            result = exc
        hit = (text, shown, names, charts, result, tuple(mine))
        with _EXPANDED_LOCK:
            _EXPANDED.append(hit)
            del _EXPANDED[:-_EXPANDED_MAX]
    placed.extend(hit[5])
    if isinstance(hit[4], BudgetError):
        raise hit[4]
    return hit[4]


def _expand(text: str, shown: str, names: dict, charts: dict | None, placed: list) -> str:

    def chart(name: str, title: str | None = None) -> str:
        available = charts or {}
        if name not in available:
            known = ", ".join(sorted(available)) or _("没有图表")
            raise ValueError(_("未知的图表“{name}”（可用的图表：{known}）", name=name, known=known))
        placed.append((name, title))
        return f"{CHART_MARK}{len(placed) - 1}"

    _check_blocks(text, shown)
    try:
        template = _compiled(text, shown)
    except jinja2.TemplateSyntaxError as exc:
        raise BudgetError(Pos(shown, exc.lineno or 0), _("表达式语法错误：{error}", error=exc.message)) from None
    except (RecursionError, MemoryError, SyntaxError):
        raise BudgetError(Pos(shown, _first_block_line(text)),
                          _("表达式过于复杂（嵌套过深或过长），无法计算：请简化它")) from None
    try:
        base = names.get("unit") or "万元"
        bound = {n: _strict(functools.partial(f, base=base)) for n, f in UNIT_FUNCTIONS.items()}
        with _time_limit(RENDER_SECONDS):
            return template.render(**names, **bound, chart=chart)  # the sandbox refuses mutators
    except jinja2.UndefinedError as exc:
        raise BudgetError(Pos(shown, _template_line(exc, shown)), str(exc.message)) from None
    except jinja2.sandbox.SecurityError as exc:
        line = _template_line(exc, shown)
        named = re.search(r"'([^']+)'", str(exc))
        if named:
            message = _("表达式只能读取数据：“{name}”会修改数据或不安全，不能在表达式中使用", name=named.group(1))
        else:
            message = _("表达式只能读取数据：此操作会修改数据或不安全，不能在表达式中使用")
        raise BudgetError(Pos(shown, line), message) from None
    except ExpressionLimit as exc:
        raise BudgetError(Pos(shown, _template_line(exc, shown)), _("表达式超出限制：{reason}", reason=exc)) from None
    except _Timeout as exc:
        raise BudgetError(Pos(shown, exc.line or _template_line(exc, shown)),
                          _("表达式计算超过 {seconds} 秒，已中止：请简化循环或计算", seconds=RENDER_SECONDS)) from None
    except (RecursionError, MemoryError) as exc:
        line = _template_line(exc, shown) or _first_block_line(text)
        raise BudgetError(Pos(shown, line), _("表达式过于复杂（递归过深或占用内存过多），无法计算：请简化它")) from None
    except InvalidOperation as exc:  # Decimal("文字"), or a figure beyond the arithmetic
        raise BudgetError(Pos(shown, _template_line(exc, shown)),
                          _("表达式中的数值无效：传给 wan、pct 等函数的应是金额或数字，而不是文字或过大的数")) from None
    except (ValueError, TypeError, ArithmeticError, jinja2.TemplateError) as exc:
        line = _template_line(exc, shown)
        raise BudgetError(Pos(shown, line), _("表达式计算出错：{error}", error=exc)) from None


_BLOCK = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_OPEN, _CLOSE = "([{", ")]}"


def _first_block_line(text: str) -> int:
    match = re.search(r"\{[{%]", text)
    return text[: match.start()].count("\n") + 1 if match else 0


def _check_blocks(text: str, shown: str) -> None:
    """Every expression block is of reasonable length and nesting (a deeper one would
    exhaust the parser's recursion; a longer one is not a sentence's figure)."""
    start = 0
    while True:
        opening = re.search(r"\{[{%]", text[start:])
        if not opening:
            return
        begin = start + opening.start()
        closer = "}}" if text[begin + 1] == "{" else "%}"
        end = text.find(closer, begin + 2)
        end = len(text) if end < 0 else end + 2
        block = text[begin:end]
        inner = block[2:-2] if len(block) >= 4 else block
        line = text[:begin].count("\n") + 1
        if len(block) > MAX_EXPRESSION:
            raise BudgetError(Pos(shown, line), _("表达式过长（{length}个字符，最多 {limit} 个）：请把长文字写在表达式之外",
                                                  length=len(block), limit=MAX_EXPRESSION))
        depth = deepest = 0
        quote = None
        for char in inner:
            if quote:
                if char == quote:
                    quote = None
            elif char in "'\"":
                quote = char
            elif char in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
            elif char in _CLOSE:
                depth -= 1
        if deepest > MAX_NESTING:
            raise BudgetError(Pos(shown, line), _("表达式的括号嵌套过深（{depth}层，最多 {limit} 层）：请简化它",
                                                  depth=deepest, limit=MAX_NESTING))
        start = end


class _Timeout(Exception):
    """A render past its time; ``line``: the template line it was running."""

    def __init__(self, frame=None):
        super().__init__()
        self.line = 0
        while frame is not None:  # the innermost template frame of the stack
            template = frame.f_globals.get("__jinja_template__")
            if template is not None:
                self.line = template.get_corresponding_lineno(frame.f_lineno)
                break
            frame = frame.f_back


_DEADLINE = threading.local()  # when the render of this thread must stop (time.monotonic())


def _check_deadline() -> None:
    """Raise when this thread's render is past its time: called by the sandbox on every
    operator, call, attribute and loop step, so a render stops in any thread (``serve`` renders
    in its watcher thread) and on every OS."""
    end = getattr(_DEADLINE, "end", None)
    if end is not None and time.monotonic() > end:
        raise _Timeout(sys._getframe(1))


class _time_limit:
    """Stop a render that runs longer than ``seconds``: a deadline the sandbox checks as it
    runs, and in the main thread (where it can) SIGALRM too, for a single long operation."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.armed = False

    def __enter__(self):
        self.before = getattr(_DEADLINE, "end", None)
        _DEADLINE.end = time.monotonic() + self.seconds
        if (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
                and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)):
            self.previous = signal.signal(signal.SIGALRM, self._expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.armed = True
        return self

    @staticmethod
    def _expired(signum, frame):
        raise _Timeout(frame)

    def __exit__(self, *exc):
        _DEADLINE.end = self.before
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False



def markdown(text: str, allow_html: bool, anchor_prefix: str) -> Rendered:
    """Markdown -> HTML; h2/h3 get stable anchors and are returned for the 目录."""
    md = MarkdownIt("commonmark", {"html": allow_html})
    tokens = md.parse(text)
    headings = []
    unlisted = set()
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            level = int(token.tag[1])
            anchor = f"{anchor_prefix}{len(headings) + 1}"
            token.attrSet("id", anchor)
            inline = tokens[i + 1]
            if UNLISTED.search(inline.content):
                inline.content = UNLISTED.sub("", inline.content)
                last = inline.children[-1] if inline.children else None
                if last is not None and last.type == "text":
                    last.content = UNLISTED.sub("", last.content)
                unlisted.add(anchor)
            headings.append(Heading(level, inline.content, anchor))
    html = md.renderer.render(tokens, md.options, {})
    return Rendered(html, [h for h in headings if h.level in (2, 3) and h.anchor not in unlisted])


#: a heading the 目录 leaves out: "### （一）小标题 {.unlisted}" (Pandoc's class)
UNLISTED = re.compile(r"\s*\{\.unlisted\}\s*$")


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
            raise BudgetError(Pos(shown, line), _("图表“{name}”必须单独占一行", name=name))
        html = html.replace(mark, chart_html(name, title) if chart_html else "")
    return Rendered(html, rendered.headings, placed)
