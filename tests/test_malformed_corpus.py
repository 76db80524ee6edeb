"""A corpus of malformed and unusual inputs, each a mutation of a fresh copy of the example site.

Every case says the outcome a user must get from ``check_site``:

* ``error``: a :class:`BudgetError` at the mutated file (and line, where a line makes sense);
* ``finding-error`` / ``finding-warning``: the report has an error (warning) finding at the
  mutated file (and line when the case knows it), of the rule named when the case names one;
* ``ok``: the input is valid: the check reports no error or warning the example site does not
  have; a few of these also build and the printed figure is read from the HTML.

Any other exception (KeyError, TypeError, RecursionError, …) fails the case, and no case may
take more than a few seconds. Cases that expose a defect are kept, marked ``xfail(strict=True)``
with the defect as the reason.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from budgetsite import narrative
from budgetsite.build import build_site, check_site
from budgetsite.errors import BudgetError

from conftest import ROOT, copy_site, edit

BUDGET = "content/2025/budget.yaml"
EDITION = "content/2025/edition.yaml"
SITE = "site.yaml"
OVERVIEW = "content/2025/overview.md"
EXPLANATION = "content/2025/explanation.md"
GLOSSARY = "content/2025/glossary.yaml"
PERF = "content/2025/performance/01-memorial-day.yaml"

LINE = '"2013299": {basic: 1.08}'
HEADING = "## 二、机构设置情况"
PERF_FUNDS = ("funds:                        # 项目资金（元）by source; a source left out prints blank\n"
              "  period: {central: 0, provincial: 0, local: 0, own: 0, other: 0}\n"
              "  year: {central: 0, provincial: 0, local: 0, own: 0, other: 0}\n")
SECONDS = 20  # no case may take longer (they take well under a second)

EDIT = "edit"  # the expected line is the one where the mutated text starts (plus ``shift``)


@dataclass(frozen=True)
class Case:
    file: str
    old: str | None  # None: ``new`` is the whole file (str or bytes) or a function of its bytes
    new: str | bytes | Callable[[bytes], bytes]
    expect: str  # error | finding-error | finding-warning | ok
    rule: str | None = None
    line: int | str | None = EDIT  # EDIT, a line number, or None (any line > 0)
    shift: int = 0
    words: tuple = ()  # words the (English) message must contain
    render_seconds: int | None = None  # narrative.RENDER_SECONDS for this case
    at: str | None = None  # the file a finding is expected in, when not the mutated one
    seconds: float = SECONDS  # the time the check may take
    build: tuple = ()  # ok cases that build: (page, "amount" | "has" | "lacks", needle, printed amount)


def case(id: str, file: str, old, new, expect: str, *, xfail: str | None = None, **kw):
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(Case(file, old, new, expect, **kw), id=id, marks=marks)


def expression(id: str, text: str, expect: str, file: str = OVERVIEW, **kw):
    """A paragraph ``text`` after a heading of overview.md (its line: the heading's + 2)."""
    kw.setdefault("rule", "narrative-expression" if expect == "finding-error" else None)
    return case(id, file, HEADING, f"{HEADING}\n\n{text}\n", expect, shift=2, **kw)


def lines_as_list(data: bytes) -> bytes:
    """budget.yaml with each entry of ``lines:`` written as a list item ("- code: …")."""
    text = data.decode("utf-8")
    head, rest = text.split("lines:\n", 1)
    block, tail = rest.split("\n\n", 1)
    block = "\n".join("  - " + l.strip() for l in block.splitlines())
    return f"{head}lines:\n{block}\n\n{tail}".encode("utf-8")


def lines_emptied(data: bytes) -> bytes:
    text = data.decode("utf-8")
    head, rest = text.split("lines:\n", 1)
    _block, tail = rest.split("\n\n", 1)
    return f"{head}lines: {{}}\n\n{tail}".encode("utf-8")


def bom(data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


def crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


def cr_only(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r")


def gbk(data: bytes) -> bytes:
    return data.decode("utf-8").encode("gbk")


def utf16(data: bytes) -> bytes:
    return data.decode("utf-8").encode("utf-16")


def nul_in_line_3(data: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[2] = lines[2] + b"\x00"
    return b"\n".join(lines)


def alias_bomb(levels: int) -> str:
    """omit: [[a0, a1, …]] where each a(i) is a list of two a(i-1): 2^levels items in all."""
    items = ["&a0 [x, x]"] + [f"&a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, levels)]
    return "omit:\n  - [" + ", ".join(items) + "]"


UNITS = ("units:                       # 预算单位, 机关 first\n"
         "  - {name: 阳泉市退役军人事务局, type: 行政单位}\n"
         "  - {name: 阳泉市退役军人服务中心, type: 事业单位}\n"
         "  - {name: 阳泉市军队离退休干部服务中心（阳泉市革命烈士纪念馆）, type: 事业单位}\n")

# Defects this corpus found are kept as cases marked xfail(strict=True) with the defect as the
# reason, until fixed (14 of 20 were fixed in the session that wrote it).


CORPUS = [
    # 1. YAML syntax ---------------------------------------------------------------------------
    case("yaml-unclosed-brace", BUDGET, LINE, '"2013299": {basic: 1.08', "error", line=6),
    case("yaml-unclosed-bracket", BUDGET, "procurement: {goods: 15.03, works: 5.00, services: 29.65}",
         "procurement: [15.03, 5.00, 29.65", "error", line=145),
    case("yaml-bad-indent-key", EDITION, "  general: 3831.00", " general: 3831.00", "error"),
    case("yaml-bad-indent-list-item", EDITION, "  - {name: 阳泉市退役军人服务中心",
         "     - {name: 阳泉市退役军人服务中心", "error"),
    case("yaml-tab-indent", EDITION, "  general: 3831.00", "\tgeneral: 3831.00", "error", words=("tab",)),
    case("yaml-fullwidth-colon-key", EDITION, "unit: 万元", "unit： 万元", "error", words=("full-width colon",),
         line=6),
    case("yaml-fullwidth-colon-line", BUDGET, LINE, '"2013299"： {basic: 1.08}', "error"),
    case("yaml-fullwidth-space-indent", EDITION, "  general: 3831.00", "\u3000general: 3831.00", "error",
         words=("full-width space",), line=14),
    case("yaml-duplicate-code", BUDGET, '"2080501": {basic: 1.82}', '"2013299": {basic: 1.82}', "error",
         words=("duplicate", "line 6")),
    case("yaml-duplicate-quoted-and-bare", BUDGET, '"2080501": {basic: 1.82}', "2013299: {basic: 1.82}",
         "error", words=("lines 6 and 7", "quoted")),
    case("yaml-duplicate-approved-bare", BUDGET, '"210": 18.93', '"210": 18.93\n  210: 18.93', "error",
         shift=1),
    case("yaml-duplicate-top-key", EDITION, "status: draft", "status: draft\nstatus: draft", "error", shift=1),
    case("yaml-unterminated-double-quote", EDITION, 'department_code: "067"', 'department_code: "067',
         "error", line=3),
    case("yaml-unterminated-single-quote", BUDGET, LINE, "'2013299: {basic: 1.08}", "error"),
    case("yaml-stray-colon-in-value", EDITION, "department: 阳泉市退役军人事务局",
         "department: 阳泉市: 退役军人事务局", "error"),
    case("yaml-undefined-alias", BUDGET, "reception: 0.80", "reception: *x", "error"),
    case("yaml-bad-merge-key", BUDGET, "reception: 0.80", "reception: {<<: 1}", "error"),
    case("yaml-python-tag", EDITION, "department: 阳泉市退役军人事务局",
         'department: !!python/object/apply:os.system ["echo hacked"]', "error", words=("tag",)),
    case("yaml-binary-tag", EDITION, "department: 阳泉市退役军人事务局", "department: !!binary 6Ziz5rOJ",
         "error"),
    case("yaml-local-tag", BUDGET, "reception: 0.80", "reception: !amount 0.80", "error", words=("tag",)),
    case("yaml-str-tag-on-amount", BUDGET, "reception: 0.80", "reception: !!str 0.80", "error"),
    case("yaml-only-a-scalar", EDITION, None, "阳泉市退役军人事务局\n", "error", line=1),
    case("yaml-empty-edition", EDITION, None, "", "error", line=1, words=("department",)),
    case("yaml-only-comments-budget", BUDGET, None, "# 预算\n# 全部注释掉了\n", "error", line=1,
         words=("lines",)),
    case("yaml-two-documents", EDITION, "status: draft", "status: draft\n---\nstatus: draft", "error",
         shift=1),
    case("yaml-list-as-key", BUDGET, LINE, "[2013299]: {basic: 1.08}", "error"),
    case("yaml-deep-nesting", GLOSSARY, "omit: []", "omit: " + "[" * 5000 + "]" * 5000, "error"),
    case("yaml-deep-block-nesting", GLOSSARY, "omit: []",
         "omit:\n" + "".join("  " * i + "-\n" for i in range(1, 3000)), "error", line=None),
    case("yaml-alias-bomb", GLOSSARY, "omit: []", alias_bomb(22), "error", seconds=1, line=6),
    case("yaml-alias-bomb-deeper", GLOSSARY, "omit: []", alias_bomb(40), "error", seconds=1, line=6),

    # 2. numbers -------------------------------------------------------------------------------
    case("number-leading-zero-code", EDITION, 'department_code: "067"', "department_code: 067", "error",
         words=("067", "octal")),
    case("number-leading-zero-amount", BUDGET, LINE, '"2013299": {basic: 0265}', "error", words=("0265",)),
    case("number-leading-zero-089", BUDGET, LINE, '"2013299": {basic: 089}', "error", words=("089",)),
    case("number-hex", BUDGET, LINE, '"2013299": {basic: 0x109}', "error", words=("0x109",)),
    case("number-octal-0o", BUDGET, LINE, '"2013299": {basic: 0o17}', "error", words=("0o17",)),
    case("number-binary", BUDGET, LINE, '"2013299": {basic: 0b101}', "error", words=("0b101",)),
    case("number-sexagesimal", BUDGET, LINE, '"2013299": {basic: 4:25}', "error", words=("4:25",)),
    case("number-thousands-block", BUDGET, "reception: 0.80", "reception: 1,234.56", "error",
         words=("1234.56",)),
    case("number-thousands-flow", BUDGET, LINE, '"2013299": {basic: 1,234.56}', "error", words=("1234.56",)),
    case("number-1e400", BUDGET, LINE, '"2013299": {basic: 1e400}', "error"),
    case("number-1.0e400", BUDGET, LINE, '"2013299": {basic: 1.0e+400}', "error", words=("too large",)),
    case("number-nan", BUDGET, LINE, '"2013299": {basic: .nan}', "error"),
    case("number-inf", BUDGET, LINE, '"2013299": {basic: .inf}', "error"),
    case("number-minus-inf", BUDGET, LINE, '"2013299": {basic: -.inf}', "error"),
    case("number-1e30", BUDGET, LINE, '"2013299": {basic: 1e30}', "error"),
    case("number-1.0e30", BUDGET, LINE, '"2013299": {basic: 1.0e+30}', "error", words=("too large",)),
    case("number-10-caret-15", BUDGET, LINE, '"2013299": {basic: 10^15}', "error"),
    case("number-5000-digits", BUDGET, LINE, '"2013299": {basic: %s}' % ("9" * 5000), "error",
         words=("too large",)),
    case("number-text", BUDGET, LINE, '"2013299": {basic: abc}', "error", words=("abc",)),
    case("number-fullwidth-digits", BUDGET, LINE, '"2013299": {basic: １.０８}', "error"),
    case("number-with-unit", BUDGET, LINE, '"2013299": {basic: 1.08万}', "error"),
    case("number-quoted", BUDGET, LINE, '"2013299": {basic: "1.08"}', "error"),
    case("number-true", BUDGET, LINE, '"2013299": {basic: true}', "error"),
    case("number-list", BUDGET, LINE, '"2013299": {basic: [1.08]}', "error"),
    case("number-null", BUDGET, LINE, '"2013299": {basic: null}', "error"),
    case("number-year-decimal", EDITION, "year: 2025", "year: 2025.0", "error"),
    case("number-negative-without-reduction", BUDGET, LINE, '"2013299": {basic: -1.08}', "finding-error",
         rule="amount-negative", words=("-1.08",)),
    case("number-negative-area", BUDGET, "office_area: 300", "office_area: -300", "finding-error",
         rule="amount-negative"),
    case("number-trailing-zero", BUDGET, LINE, '"2013299": {basic: 1.080}', "ok",
         build=(("tables.html", "amount", "2013299", "1.08"),)),
    case("number-integer-amount", BUDGET, '"2082802": {project: 89.00}', '"2082802": {project: 89}', "ok",
         build=(("tables.html", "amount", "2082802", "89.00"),)),
    case("number-plus-sign", BUDGET, LINE, '"2013299": {basic: +1.08}', "ok"),
    case("number-three-decimals", BUDGET, '"2082850": {basic: 77.37}', '"2082850": {basic: 77.365}', "ok",
         build=(("tables.html", "amount", "2082850", "77.37"),)),  # 四舍五入 (half-even would print 77.36)
    case("number-negative-zero", BUDGET, LINE, '"2013299": {basic: 1.08, project: -0.00}', "ok"),

    # 3. dates ---------------------------------------------------------------------------------
    case("date-february-30", EDITION, "date: 2025-04-02", "date: 2025-02-30", "error", words=("2025-02-30",)),
    case("date-month-13", EDITION, "date: 2025-04-02", "date: 2025-13-01", "error", words=("2025-13-01",)),
    case("date-hour-25", EDITION, "date: 2025-04-02", "date: 2025-04-02T25:00:00", "error"),
    case("date-digits-only", EDITION, "date: 2025-04-02", "date: 20250402", "error"),
    case("date-single-digit-month", EDITION, "date: 2025-04-02", "date: 2025-4-2", "error"),
    case("date-words", EDITION, "date: 2025-04-02", "date: 明天", "error"),
    case("date-empty-text", EDITION, "date: 2025-04-02", 'date: ""', "error"),
    case("date-empty", EDITION, "date: 2025-04-02", "date:", "finding-error", rule="date-missing", line=7),
    case("date-with-time", EDITION, "date: 2025-04-02", "date: 2025-04-02 10:00:00", "ok"),
    case("date-list", EDITION, "date: 2025-04-02", "date: [2025, 4, 2]", "error"),
    case("date-assets-as-of", BUDGET, "  as_of: 2024-12-31", "  as_of: 2024-12-32", "error"),

    # 4. codes and lines -----------------------------------------------------------------------
    case("code-unknown-7-digit", BUDGET, LINE, '"2019999": {basic: 1.08}', "finding-error",
         rule="code-unknown"),
    case("code-6-digit", BUDGET, LINE, '"201329": {basic: 1.08}', "finding-error", rule="code-format"),
    case("code-letters", BUDGET, LINE, '"20132AB": {basic: 1.08}', "finding-error", rule="code-format"),
    case("code-class-as-line", BUDGET, LINE, '"201": {basic: 1.08}', "finding-error", rule="code-format"),
    case("code-kuan-as-line", BUDGET, LINE, '"20132": {basic: 1.08}', "finding-error", rule="code-format"),
    case("code-bare-integer", BUDGET, LINE, "2013299: {basic: 1.08}", "ok"),
    case("lines-as-list", BUDGET, None, lines_as_list, "error", line=5, words=("mapping",)),
    case("lines-empty-mapping", BUDGET, None, lines_emptied, "finding-error", rule="approved-unknown",
         line=None),
    case("line-unknown-key", BUDGET, LINE, '"2013299": {basci: 1.08}', "error", words=("basci", "basic")),
    case("line-unknown-source", BUDGET, LINE, '"2013299": {basic: {genral: 1.08}}', "finding-error",
         rule="source-unknown"),
    case("line-no-amounts", BUDGET, LINE, '"2013299": {}', "finding-error", rule="approved", line=28),
    case("line-as-text", BUDGET, LINE, '"2013299": 一点零八', "error"),
    case("approved-total-changed", BUDGET, "total: 3764.74      # 合计", "total: 3760.00      # 合计",
         "finding-error", rule="approved"),
    case("amount-changed-total-disagrees", BUDGET, '"2080501": {basic: 1.82}', '"2080501": {basic: 1.92}',
         "finding-error", rule="approved", line=28, words=("3764.85",)),
    case("approved-unknown-code", BUDGET, '"21011": 18.81', '"21099": 18.81', "finding-error",
         rule="approved-unknown"),
    case("line-name-empty", BUDGET, LINE, '"2013299": {basic: 1.08, name: ""}', "ok",
         build=(("tables.html", "has", '2013299</td><th scope="row" class="name level-2">其他组织事务支出</th>',
                 None),)),
    case("line-name-different", BUDGET, LINE, '"2013299": {basic: 1.08, name: 别的支出}', "finding-warning",
         rule="code-name"),
    case("economic-code-unknown", BUDGET, '{dept: "30101", gov: "50101", amount: 65.01}',
         '{dept: "30150", gov: "50101", amount: 65.01}', "finding-error", rule="economic-code-unknown"),
    case("operating-cost-unknown-unit", BUDGET, "  - {unit: 阳泉市退役军人事务局, amount: 28.89}",
         "  - {unit: 不存在的单位, amount: 28.89}", "finding-error", rule="unit-unknown"),
    case("budget-unknown-section", BUDGET, "procurement:", "procurment:", "error", words=("procurement",)),
    case("budget-three-public-misspelled", BUDGET, "  abroad: 0\n", "  abroard: 0\n", "error",
         words=("abroad",)),
    case("budget-project-group-without-unit", BUDGET, "  - unit: 阳泉市退役军人服务中心\n", "  -\n", "error",
         line=None, words=("unit",)),

    # 5. edition.yaml and site.yaml ------------------------------------------------------------
    case("edition-year-mismatch", EDITION, "year: 2025", "year: 2024", "error", words=("2024",)),
    case("edition-year-text", EDITION, "year: 2025", 'year: "2025"', "error"),
    case("edition-status-invalid", EDITION, "status: draft", "status: publish", "error", words=("publish",)),
    case("edition-unit-qianyuan", EDITION, "unit: 万元", "unit: 千元", "error", words=("千元",)),
    case("edition-department-empty", EDITION, "department: 阳泉市退役军人事务局", 'department: ""', "error"),
    case("edition-department-missing", EDITION, "department: 阳泉市退役军人事务局\n", "", "error",
         words=("department",)),
    case("edition-units-empty", EDITION, UNITS, "units: []\n", "finding-error", rule="unit-unknown",
         at=BUDGET, line=None),
    case("edition-unit-renamed", EDITION, "  - {name: 阳泉市退役军人服务中心, type: 事业单位}",
         "  - {name: 阳泉市退役军人服务中心二, type: 事业单位}", "finding-error", rule="unit-unknown", at=BUDGET,
         line=None),
    case("edition-unit-type-invalid", EDITION, "  - {name: 阳泉市退役军人服务中心, type: 事业单位}",
         "  - {name: 阳泉市退役军人服务中心, type: 政府机关}", "error", words=("政府机关",)),
    case("edition-prior-text", EDITION, "  total: 3831.00", "  total: 三千八百三十一", "error"),
    case("edition-prior-thousands", EDITION, "  total: 3831.00", "  total: 3,831.00", "error"),
    case("edition-prior-list", EDITION, "  total: 3831.00", "  total: [3831.00]", "error"),
    case("edition-bidi-department", EDITION, "department: 阳泉市退役军人事务局",
         "department: 阳泉市\u202e局务事人军役退", "error", words=("U+202E",)),
    case("edition-department-control-escape", EDITION, "department: 阳泉市退役军人事务局",
         'department: "阳泉市\\u0007退役军人事务局"', "error", words=("control character",)),
    case("edition-long-department", EDITION, "department: 阳泉市退役军人事务局",
         "department: " + "阳泉市退役军人事务局" * 20, "ok",
         build=(("index.html", "has", "阳泉市退役军人事务局" * 20, None),)),
    case("edition-html-department", EDITION, "department: 阳泉市退役军人事务局", "department: <b>阳泉</b>",
         "ok", build=(("index.html", "lacks", "<b>阳泉", None), ("index.html", "has", "&lt;b&gt;阳泉", None))),
    case("edition-unknown-format", EDITION, "status: draft", "status: draft\nformat: shanxi-99", "error",
         shift=1, words=("shanxi-99",)),
    case("edition-unknown-key", EDITION, "status: draft", "status: draft\nstatsu: draft", "error", shift=1,
         words=("statsu",)),
    case("site-unknown-tableset", SITE, "tableset: shanxi-13", "tableset: shanxi-99", "error",
         words=("shanxi-99",)),
    case("site-unknown-format", SITE, "tableset: shanxi-13", "tableset: shanxi-13\nformat: nosuch", "error",
         shift=1, words=("nosuch",)),
    case("site-unknown-key", SITE, "title: 阳泉市退役军人事务局部门预算公开",
         "titel: 阳泉市退役军人事务局部门预算公开", "error", words=("titel", "title")),
    case("site-format-key-misspelled", SITE, "tableset: shanxi-13", "tablset: shanxi-13", "error",
         words=("tablset", "tableset")),
    case("site-allow-html-text", SITE, "  allow_html: false", "  allow_html: maybe", "error"),
    case("site-watermark-empty", SITE, "  watermark: 仅供内部审核", "  watermark:", "error"),
    case("site-title-list", SITE, "title: 阳泉市退役军人事务局部门预算公开", "title: [阳泉]", "error"),
    case("site-empty", SITE, None, "", "ok"),

    # 6. Markdown narrative expressions --------------------------------------------------------
    expression("md-unknown-name", "{{ nosuch }}", "finding-error", words=("nosuch",)),
    expression("md-unknown-attribute", "{{ income.nosuch }}", "finding-error", words=("nosuch",)),
    expression("md-index-out-of-range", "{{ units[99].name }}", "finding-error"),
    expression("md-syntax-error", "{{ 1 + }}", "finding-error"),
    expression("md-unclosed-expression", "合计{{ wan(income.total) 万元", "finding-error"),
    expression("md-unclosed-for", "{% for u in units %}{{ u.name }}", "finding-error"),
    expression("md-unclosed-raw", "{% raw %}{{ x }}", "finding-error"),
    expression("md-include", "{% include 'secret.txt' %}", "finding-error"),
    expression("md-mutate-data", "{{ units.clear() or '' }}", "finding-error"),
    expression("md-dunder", "{{ ''.__class__.__mro__ }}", "finding-error"),
    expression("md-dunder-in-format", "{{ '{0.__class__}'.format(1) }}", "finding-error"),
    expression("md-huge-power", "{{ 7 ** 999999999 }}", "finding-error"),
    expression("md-nested-parentheses", "{{ " + "(" * 2000 + "1" + ")" * 2000 + " }}", "finding-error"),
    expression("md-long-string", "{{ '" + "长" * 100_000 + "' }}", "finding-error"),
    expression("md-huge-range", "{{ range(10**9)|list }}", "finding-error"),
    expression("md-huge-repeat", "{{ units * 100000 }}", "finding-error"),
    expression("md-format-width", "{{ '{:>10000000}'.format(1) }}", "finding-error"),
    expression("md-format-width-argument", "{{ '{:>{}}'.format(1, 999999999) }}", "finding-error"),
    expression("md-recursive-macro", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "finding-error"),
    expression("md-slow-loop", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
               "{% endfor %}", "finding-error", render_seconds=1, seconds=5),
    expression("md-division-by-zero", "{{ 1 / 0 }}", "finding-error"),
    expression("md-wan-of-text", "{{ wan('abc') }}", "finding-error", words=("invalid number",)),
    expression("md-pct-of-text", "{{ pct(income.total, 'x') }}", "finding-error", words=("invalid number",)),
    expression("md-wan-huge", "{{ wan(10**100) }}", "finding-error", words=("invalid number",)),
    expression("md-wan-of-none", "{{ wan(none) }}", "finding-error"),
    expression("md-change-without-prior", "{{ change(income.total, none) }}", "finding-error",
               words=("prior",)),
    expression("md-cn-date-of-text", "{{ cn_date('x') }}", "finding-error"),
    expression("md-unknown-chart", '{{ chart("nosuch") }}', "finding-error", words=("nosuch",)),
    expression("md-literal-close-amount", "收入合计3764.70万元。", "finding-warning", rule="narrative-mismatch",
               words=("3764.70", "3764.74")),
    expression("md-literal-year", "2019年度预算收入有所增加。", "finding-warning", rule="year-mismatch"),
    expression("md-placeholder", "本年预算XX万元。", "finding-error", rule="placeholder"),
    expression("md-bidi", "本部门\u202e共有3个单位。", "finding-error", rule="bidi-control"),
    expression("md-nul", "本部门\x00共有3个单位。", "error", words=("U+0000",)),
    expression("md-control-character", "本部门\x07共有\x0b3个单位。", "error", words=("U+0007",)),
    expression("md-raw-script", "<script>alert('x')</script>", "ok",
               build=(("overview.html", "lacks", "<script>alert", None),
                      ("overview.html", "has", "&lt;script&gt;alert", None))),
    expression("md-namespace", "{% set n = namespace(x=1) %}{{ n.x }}", "ok"),
    case("md-heading-removed", OVERVIEW, "## 二、机构设置情况", "机构设置", "finding-error",
         rule="section-missing", line=1, words=("机构设置",)),
    case("md-explanation-emptied", EXPLANATION, None, "", "finding-error", rule="section-missing", line=0),
    case("md-bom-heading", OVERVIEW, None, bom, "ok"),  # its first heading (职责, required) is found

    # 7. performance tables --------------------------------------------------------------------
    case("perf-unknown-layout", PERF, "title: 阳泉市市级预算部门", "layout: nosuch\ntitle: 阳泉市市级预算部门",
         "error", words=("nosuch",)),
    case("perf-unknown-top-key", PERF, "plan: 每年9.30期间", "plann: 每年9.30期间", "error",
         words=("plann", "plan")),
    case("perf-unknown-indicator-key", PERF, "{name: 花篮制作, period: 8个/次}",
         "{name: 花篮制作, periode: 8个/次}", "error", words=("periode",)),
    case("perf-value-and-period", PERF, "{name: 花篮制作, period: 8个/次}",
         "{name: 花篮制作, value: 8个/次, period: 8个/次}", "error", words=("value", "period")),
    case("perf-indicator-as-text", PERF, "      - {name: 租赁音响, period: 1套/次}", "      - 租赁音响", "error"),
    case("perf-indicators-as-mapping", PERF, "    质量指标:\n      - {name: 公祭现场的布置, period: 庄重肃穆}",
         "    质量指标:\n      {name: 公祭现场的布置, period: 庄重肃穆}", "error"),
    case("perf-level-as-list", PERF, "  满意度指标:\n    服务对象满意度:\n      - {name: 公众满意度, period: ≥90%}",
         "  满意度指标:\n    - {name: 公众满意度, period: ≥90%}", "error"),
    case("perf-funds-as-text", PERF, PERF_FUNDS, "funds: 5万元\n", "error"),
    case("perf-funds-unknown-source", PERF, "  year: {central: 0, provincial: 0, local: 0, own: 0, other: 0}",
         "  year: {central: 0, provincial: 0, local: 0, own: 0, other: 0, foreign: 0}", "error",
         words=("foreign",)),
    case("perf-funds-amount-text", PERF, "  year: {central: 0, provincial: 0, local: 0, own: 0, other: 0}",
         "  year: {central: 0, provincial: 0, local: 五万, own: 0, other: 0}", "error"),
    case("perf-amount-unit-qianyuan", PERF, "title: 阳泉市市级预算部门", "amount_unit: 千元\ntitle: 阳泉市市级预算部门",
         "error", words=("千元",)),
    case("perf-budget-item-unknown", PERF, "  name: 清明节及9.30烈士公祭等纪念活动需工作经费\n",
         "  name: 不存在的项目\n", "finding-error", rule="perf-budget-item", line=12, words=("不存在的项目",)),
    case("perf-budget-item-entry-out-of-range", PERF, "budget_item:\n", "budget_item:\n  entry: 9\n",
         "finding-error", rule="perf-budget-item"),
    case("perf-level2-wrong-level1", PERF, "    时效指标:\n      - {name: 公祭活动举行时间",
         "    经济效益:\n      - {name: 公祭活动举行时间", "finding-error", rule="perf-level-mismatch"),
    case("perf-value-unparsed", PERF, "{name: 租赁音响, period: 1套/次}", "{name: 租赁音响, period: 一套}",
         "finding-warning", rule="perf-value-unparsed"),
    case("perf-indicator-name-number", PERF, "{name: 租赁音响, period: 1套/次}", "{name: 100, period: 1套/次}",
         "ok"),
    case("perf-gaps-as-mapping", PERF, "gaps:\n  - at: 项目资金\n", "gaps:\n  at: 项目资金\n", "error",
         line=None),
    case("perf-kind-invalid", PERF, "title: 阳泉市市级预算部门", "kind: 其他类\ntitle: 阳泉市市级预算部门", "error"),
    case("perf-name-missing", PERF, "name: 9.30烈士公祭等纪念活动工作经费\n", "", "error", line=5,
         words=("name",)),
    case("perf-file-is-list", PERF, None, "- name: 花篮制作\n- name: 租赁音响\n", "error", line=1),
    case("perf-empty-file", PERF, None, "", "error", line=1),
    case("perf-only-comments", PERF, None, "# 只有注释\n", "error", line=1),

    # 8. encodings -----------------------------------------------------------------------------
    case("encoding-bom-yaml", BUDGET, None, bom, "ok", build=(("tables.html", "amount", "2013299", "1.08"),)),
    case("encoding-bom-edition", EDITION, None, bom, "ok"),
    case("encoding-crlf-yaml", BUDGET, None, crlf, "ok"),
    case("encoding-crlf-markdown", EXPLANATION, None, crlf, "ok"),
    case("encoding-cr-only-yaml", EDITION, None, cr_only, "ok"),
    case("encoding-gbk-markdown", EXPLANATION, None, gbk, "error", line=1, words=("UTF-8",)),
    case("encoding-gbk-yaml", EDITION, None, gbk, "error", line=2, words=("UTF-8",)),  # line 1 is ASCII
    case("encoding-utf16-yaml", BUDGET, None, utf16, "error", line=1, words=("UTF-8",)),
    case("encoding-nul-in-yaml", EDITION, None, nul_in_line_3, "error", line=3, words=("U+0000",)),
    case("encoding-bell-in-yaml", EDITION, "department: 阳泉市退役军人事务局",
         "department: 阳泉市退役军人事务局\x07", "error", words=("U+0007",)),

    # 9. glossary.yaml -------------------------------------------------------------------------
    case("glossary-entries-mapping", GLOSSARY, "entries: []", "entries: {预算: 钱}", "error"),
    case("glossary-entry-text", GLOSSARY, "entries: []", "entries: [预算]", "error"),
    case("glossary-entry-without-term", GLOSSARY, "entries: []", "entries: [{definition: 一个定义}]", "error",
         words=("term",)),
    case("glossary-entry-unknown-key", GLOSSARY, "entries: []",
         "entries: [{term: 预算, definition: 一个定义, source: 财政部}]", "error", words=("source",)),
    case("glossary-entry-empty-term", GLOSSARY, "entries: []", 'entries: [{term: "", definition: 一个定义}]',
         "error", words=("term", "empty")),
    case("glossary-duplicate-term", GLOSSARY, "entries: []",
         "entries: [{term: 预算, definition: 甲}, {term: 预算, definition: 乙}]", "error",
         words=("given twice",)),
    case("glossary-standard-text", GLOSSARY, "entries: []", "standard: maybe\nentries: []", "error"),
    case("glossary-omit-text", GLOSSARY, "omit: []", "omit: 预算", "error"),
    case("glossary-empty-file", GLOSSARY, None, "", "ok"),
    case("glossary-omit-unknown-term", GLOSSARY, "omit: []", "omit: [不存在的名词]", "ok"),
]


# ------------------------------------------------------------------------------------------------

def mutate(site: Path, c: Case) -> int:
    """Apply the case to the site copy; return the line of the mutation (1 for a whole file)."""
    if c.old is not None:
        return edit(site, c.file, c.old, c.new)
    path = site / c.file
    if callable(c.new):
        path.write_bytes(c.new(path.read_bytes()))
    else:
        path.write_bytes(c.new if isinstance(c.new, bytes) else c.new.encode("utf-8"))
    return 1


def outcome(site: Path, seconds: float = SECONDS):
    """check_site on the site: the BudgetError, or the findings above notes; timed."""
    start = time.monotonic()
    try:
        report = check_site(site)
    except BudgetError as exc:
        result = exc
    else:
        result = [f for f in report.findings if f.level != "note"]
    took = time.monotonic() - start
    assert took < seconds, f"the check took {took:.1f} s"
    return result


def _key(f) -> tuple:
    return (str(f.pos), f.level, f.rule)


@pytest.fixture(scope="module")
def baseline():
    """What the check reports on the unchanged example (notes left out): no error or warning."""
    found = {_key(f) for f in check_site(ROOT).findings if f.level != "note"}
    assert not found, found
    return found


#: What a user-facing message must not contain: Python's own words instead of what is wrong.
NOT_FOR_USERS = ("<class ", "<unicode string>", "Traceback", "internal error", "Error(")


def assert_user_message(message: str) -> None:
    for text in NOT_FOR_USERS:
        assert text not in message, message


def first_amount(html: str, code: str) -> str:
    """The first amount printed on the row of ``code`` in the tables page."""
    match = re.search(re.escape(code) + r'</td><th[^>]*>[^<]*</th><td class="amount">([^<]*)</td>', html)
    assert match, f"no row {code}"
    return match.group(1)


def assert_line(got: int, c: Case, line: int, shown: str) -> None:
    if c.line == EDIT:
        assert got == line, (shown, line)
    elif c.line is not None:
        assert got == c.line, (shown, c.line)
    else:
        assert got > 0, shown


@pytest.mark.parametrize("c", CORPUS)
def test_malformed_input(c: Case, tmp_path, monkeypatch, baseline):
    site = copy_site(tmp_path / "site")
    line = mutate(site, c) + c.shift
    if c.render_seconds is not None:
        monkeypatch.setattr(narrative, "RENDER_SECONDS", c.render_seconds)
    result = outcome(site, c.seconds)

    if c.expect == "error":
        assert isinstance(result, BudgetError), f"expected an error, got findings {[str(f) for f in result]}"
        assert result.pos is not None and result.pos.file == c.file, str(result)
        assert_line(result.pos.line, c, line, str(result))
        assert_user_message(result.message)
        for word in c.words:
            assert word in result.message, (word, str(result))
        return

    assert not isinstance(result, BudgetError), f"expected the check to run, got {result}"
    new = [f for f in result if _key(f) not in baseline]
    if c.expect == "ok":
        assert not [f for f in new if f.level in ("error", "warning")], [str(f) for f in new]
        if c.build:
            out = tmp_path / "out"
            build_site(site, out, pdf=False)
            for page, kind, needle, printed in c.build:
                html = (out / "2025" / page).read_text(encoding="utf-8")
                if kind == "amount":
                    assert first_amount(html, needle) == printed
                elif kind == "has":
                    assert needle in html, needle
                else:
                    assert needle not in html, needle
        return

    level = c.expect.split("-", 1)[1]
    where = c.at or c.file
    hits = [f for f in new if f.level == level and f.pos is not None and f.pos.file == where
            and (c.rule is None or f.rule == c.rule)]
    assert hits, f"no {level}[{c.rule}] in {where} among {[str(f) for f in new]}"
    if c.line == EDIT:
        assert any(f.pos.line == line for f in hits), ([str(f) for f in hits], line)
    elif c.line is not None:
        assert any(f.pos.line == c.line for f in hits), ([str(f) for f in hits], c.line)
    else:
        assert all(f.pos.line > 0 for f in hits), [str(f) for f in hits]
    for f in hits:
        assert_user_message(f.message)
    for word in c.words:
        assert any(word in f.message for f in hits), (word, [str(f) for f in hits])


def test_corpus_is_large_and_ids_unique():
    ids = [p.id for p in CORPUS]
    assert len(ids) >= 110 and len(set(ids)) == len(ids)


def test_every_anchor_occurs_once():
    """Each ``old`` text is an exact, unique substring of the example file it mutates."""
    for p in CORPUS:
        c = p.values[0]
        if c.old is not None:
            text = (ROOT / c.file).read_text(encoding="utf-8")
            assert text.count(c.old) == 1, (p.id, c.old)
