"""Inputs that used to crash ("internal error"), hang, change data or print wrong figures
while passing the check: each is now an error at its file and line."""
from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetsite import narrative
from budgetsite.cli import main
from budgetsite.errors import BudgetError
from budgetsite.formats import NumberStyle
from budgetsite.i18n import using
from budgetsite.layouts import format_amount

from conftest import ROOT, copy_site, edit, line_of

BUDGET = "content/2025/budget.yaml"
EDITION = "content/2025/edition.yaml"
OVERVIEW = "content/2025/overview.md"
LINE = '"2013299": {basic: 1.08}'
HEADING = "## 二、机构设置情况"


def run(site: Path, *args: str, command: str = "check", lang: str = "en"):
    """The CLI on ``site``; ``lang="zh"`` for the tests of Chinese messages (the default language)."""
    extra = ("--no-pdf",) if command == "build" else ()
    return CliRunner().invoke(main, ["--lang", lang, command, "--site", str(site), *extra, *args])


def assert_error_at(result, file: str, line: int, *words: str, rule: str | None = None) -> str:
    """Exit 1, no traceback, no internal error, and an error at file:line saying ``words``."""
    output = result.output
    assert result.exit_code == 1, output
    assert "internal error" not in output and "内部错误" not in output, output
    assert "Traceback" not in output, output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    prefix = f"{file}:{line}: error" + (f"[{rule}]" if rule else "")
    hits = [l for l in output.splitlines() if l.startswith(prefix)]
    assert hits, f"no {prefix!r} in:\n{output}"
    for word in words:
        assert any(word in h for h in hits), (word, hits)
    return hits[0]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(tmp_path / "site")


def add_expression(site: Path, expression: str) -> int:
    """A paragraph with ``expression`` after a heading of overview.md; returns its line."""
    return edit(site, OVERVIEW, HEADING, f"{HEADING}\n\n{expression}\n") + 2


# 1. errors that ended as "internal error" -------------------------------------------------

@pytest.mark.parametrize("command", ["check", "build"])
def test_impossible_date_is_an_error_at_its_line(site, command):
    line = edit(site, EDITION, "date: 2025-04-02", "date: 2025-02-30")
    assert_error_at(run(site, command=command, lang="zh"), EDITION, line, "2025-02-30", "不存在")


@pytest.mark.parametrize("amount", ["1.0e+30", "-1.0e+30", "1000000000000000", "9" * 5000,
                                   "1.0e+999999999"])
def test_huge_amount_is_an_error_at_its_line(site, amount):
    line = edit(site, BUDGET, LINE, '"2013299": {basic: %s}' % amount)
    hit = assert_error_at(run(site, lang="zh"), BUDGET, line, "过大")
    assert len(hit) < 300  # a 5000-digit number is not echoed in full


@pytest.mark.parametrize("amount", ["1e+30", "1.0e-999999999", "0." + "1" * 5000])
def test_odd_number_is_an_error_or_accepted_never_a_crash(site, amount):
    line = edit(site, BUDGET, LINE, '"2013299": {basic: %s}' % amount)
    result = run(site)
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output
    if result.exit_code:
        assert f"{BUDGET}:" in result.output


def test_largest_sensible_amount_is_accepted(site):
    # 999999999999999 (just below 10^15) is read; the check then reports the sums, not a crash
    edit(site, BUDGET, LINE, '"2013299": {basic: 999999999999999.99}')
    result = run(site, lang="zh")
    assert "过大" not in result.output and "内部错误" not in result.output, result.output


def test_deeply_nested_expression_is_an_error_at_its_line(site):
    line = add_expression(site, "{{ " + "(" * 2000 + "1" + ")" * 2000 + " }}")
    assert_error_at(run(site), OVERVIEW, line, "nested too deeply")


def test_huge_string_in_expression_is_an_error_at_its_line(site):
    line = add_expression(site, "{{ '" + "长" * 200_000 + "' }}")
    assert_error_at(run(site), OVERVIEW, line, "expression is too long")


def test_deep_unary_chain_is_an_error_not_a_crash(site):
    line = add_expression(site, "{{ " + "not " * 3000 + "1 }}")
    result = run(site)
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output
    assert_error_at(result, OVERVIEW, line)


def test_a_long_department_name_gives_short_file_names(site, tmp_path):
    """An 80-character name (240 bytes) would make file names past 255 bytes: they are cut,
    with a hash of the whole name, and the build writes them."""
    edit(site, EDITION, "department: 阳泉市退役军人事务局", "department: " + "长" * 80)
    result = run(site, "--out", str(tmp_path / "out"), "--no-pdf", command="build")
    assert result.exit_code == 0 and "internal error" not in result.output, result.output
    names = [p.name for p in (tmp_path / "out/2025").rglob("*")]
    assert names and max(len(n.encode("utf-8")) for n in names) <= 255
    assert any(n.endswith("-2025-部门预算表.xlsx") for n in names)
    assert "长" * 80 in (tmp_path / "out/2025/index.html").read_text(encoding="utf-8")  # shown whole


def test_department_name_of_75_characters_still_builds(site, tmp_path):
    edit(site, EDITION, "department: 阳泉市退役军人事务局", "department: " + "长" * 75)
    result = run(site, "--out", str(tmp_path / "out"), command="build")
    assert "部门名称过长" not in result.output and "internal error" not in result.output, result.output


# 2. expressions are immutable and bounded ----------------------------------------------------

def test_expression_cannot_clear_the_data(site):
    line = add_expression(site, "{{ units.clear() or '' }}")
    assert_error_at(run(site), OVERVIEW, line, "only read data", rule="narrative-expression")


@pytest.mark.parametrize("expression", ["{{ units.clear() or '' }}", "{{ units.append(1) or '' }}",
                                        "{{ units.pop() }}", "{{ prior.update({}) or '' }}"])
def test_expression_leaves_the_data_unchanged(expression):
    units, prior = [1, 2, 3], {"total": Decimal(1)}
    with pytest.raises(BudgetError) as info:
        narrative.expand(f"第一行\n{expression}\n", "x.md", {"units": units, "prior": prior})
    assert info.value.pos.line == 2
    assert units == [1, 2, 3] and prior == {"total": Decimal(1)}


@pytest.mark.parametrize("expression", [
    "{{ 7 ** 999999999 }}", "{{ (10 ** 900) * (10 ** 900) * (10 ** 900) * (10 ** 900) }}",
    "{{ 'a' * 999999999 }}", "{{ [0] * 999999999 }}", "{{ 'a'.center(10 ** 9) }}",
    "{{ 'a'|center(10 ** 9) }}", "{{ '%999999999d' % 1 }}", "{{ 1 << 999999999 }}",
    "{{ ('a' * 99999).join(['b'] * 99999) }}",
])
def test_huge_computation_is_refused_quickly(site, expression):
    line = add_expression(site, expression)
    start = time.monotonic()
    result = run(site)
    assert time.monotonic() - start < 5
    assert_error_at(result, OVERVIEW, line, rule="narrative-expression")


def test_slow_expression_is_stopped(monkeypatch):
    monkeypatch.setattr(narrative, "RENDER_SECONDS", 1)
    start = time.monotonic()
    with using("zh"), pytest.raises(BudgetError) as info:
        narrative.expand("一\n二\n{% for i in range(100000) %}{% for j in range(100000) %}"
                         "{% endfor %}{% endfor %}\n", "x.md", {})
    assert time.monotonic() - start < 5
    assert info.value.pos.line == 3 and "秒" in info.value.message


def test_example_expressions_still_work():
    out = narrative.expand("{{ wan(x) }} {{ 2 ** 10 }} {{ 'ab' * 3 }} {{ '%.2f' % 1.5 }}", "x.md",
                           {"x": Decimal("3764.74")})
    assert out == "3,764.74 1024 ababab 1.50"


# 3. wrong output that passed the check -------------------------------------------------------

def test_negative_amount_is_an_error(site):
    line = edit(site, BUDGET, LINE, '"2013299": {basic: -1.08}')
    assert_error_at(run(site), BUDGET, line, "-1.08", "reduction", rule="amount-negative")


def test_negative_amount_outside_lines_is_an_error(site):
    line = line_of(site, BUDGET, "reception:")
    text = (site / BUDGET).read_text(encoding="utf-8").splitlines()[line - 1]
    edit(site, BUDGET, text, text.split(":")[0] + ": -0.80")
    assert_error_at(run(site), BUDGET, line, rule="amount-negative")


def test_reduction_line_may_be_negative(site):
    edit(site, BUDGET, LINE, '"2013299": {basic: -1.08, reduction: true}')
    result = run(site)
    assert "amount-negative" not in result.output, result.output
    assert "internal error" not in result.output


def test_quoted_and_bare_code_are_the_same_key(site):
    first = line_of(site, BUDGET, '"2013299"')
    second = edit(site, BUDGET, '"2080501": {basic: 1.82}', "2013299: {basic: 1.82}")
    hit = assert_error_at(run(site, lang="zh"), BUDGET, second, "重复")
    assert f"第 {first} 行" in hit and f"第 {second} 行" in hit


def test_duplicate_key_bare_then_quoted(site):
    first = edit(site, BUDGET, LINE, "2013299: {basic: 1.08}")
    second = edit(site, BUDGET, '"2080501": {basic: 1.82}', '"2013299": {basic: 1.82}')
    hit = assert_error_at(run(site, lang="zh"), BUDGET, second, "重复")
    assert f"第 {first} 行" in hit


@pytest.mark.parametrize("zero", ["", "0", "0.00", "-"])
def test_tiny_amount_prints_as_zero_text(zero):
    for value in ("1e-30", "-1e-30", "0.004999"):
        assert format_amount(Decimal(value), NumberStyle(2, False, zero)) == zero
    assert format_amount(Decimal("1e-30"), NumberStyle(0, True, zero)) == zero


def test_tiny_amount_is_not_printed_as_a_figure(site, tmp_path):
    edit(site, BUDGET, LINE, '"2013299": {basic: 1.08, project: 1.0e-30}')
    result = run(site, "--out", str(tmp_path / "out"), command="build")
    assert result.exit_code == 0, result.output
    reference = CliRunner().invoke(main, ["build", "--site", str(copy_site(tmp_path / "ref")),
                                          "--no-pdf", "--out", str(tmp_path / "ref-out")])
    assert reference.exit_code == 0, reference.output
    for name in ("tables.html",):
        mine = (tmp_path / "out" / "2025" / name).read_text(encoding="utf-8")
        theirs = (tmp_path / "ref-out" / "2025" / name).read_text(encoding="utf-8")
        assert mine.count("0.00") == theirs.count("0.00")
        assert "e-30" not in mine and "E-30" not in mine


@pytest.mark.parametrize("value", ['""', "' '", "''"])
def test_empty_department_is_an_error(site, value):
    line = edit(site, EDITION, "department: 阳泉市退役军人事务局", f"department: {value}")
    assert_error_at(run(site), EDITION, line, "department name", "must not be empty")


@pytest.mark.parametrize("key", ["revisions", "withdrawals"])
def test_empty_reason_is_an_error(site, key):
    line = edit(site, EDITION, "units:", f'{key}:\n  - {{date: 2025-05-06, reason: ""}}\nunits:') + 1
    assert_error_at(run(site), EDITION, line, "reason", "must not be empty")


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_bidi_control_in_markdown_is_an_error(site, char):
    line = add_expression(site, f"本部门{char}共有3个单位。")
    assert_error_at(run(site), OVERVIEW, line, f"U+{ord(char):04X}", rule="bidi-control")


def test_bidi_control_in_yaml_is_an_error(site):
    line = edit(site, EDITION, "department: 阳泉市退役军人事务局", "department: 阳泉市\u202e局事务")
    assert_error_at(run(site), EDITION, line, "U+202E")


def test_bidi_control_in_yaml_key_and_comment(site):
    line = edit(site, BUDGET, LINE, LINE + "   # 注\u2067释")
    assert_error_at(run(site), BUDGET, line, "U+2067", rule="bidi-control")


# 4. placeholders -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["本年预算XXX万元", "合计x,xxx万元", "主要用于……等方面", "原因：TBD",
                                  "（请填写原因）", "X,XXX.XX万元"])
def test_placeholder_is_found(site, text):
    line = add_expression(site, text)
    assert_error_at(run(site), OVERVIEW, line, rule="placeholder")


def test_placeholder_in_yaml_value(site):
    line = edit(site, EDITION, "department: 阳泉市退役军人事务局", "department: XXX局")
    assert_error_at(run(site), EDITION, line, rule="placeholder")


@pytest.mark.parametrize("text", ["目录 ………………………… 3", "XXL号", "box", "1,000", "TBDS"])
def test_not_a_placeholder(site, text):
    add_expression(site, text)
    result = run(site)
    assert "placeholder" not in result.output, result.output


@pytest.mark.parametrize("folder", [ROOT, ROOT / "examples" / "shanghai-wanli"])
def test_example_sites_stay_clean(folder):
    result = CliRunner().invoke(main, ["check", "--site", str(folder)])
    assert result.exit_code == 0, result.output
    assert " 0 error(s), 0 warning(s)" in result.output, result.output


def test_slow_expression_is_stopped_in_another_thread_too(monkeypatch):
    """serve renders in its watcher thread, where no signal can interrupt: the sandbox's own
    deadline stops the render there (and on Windows, which has no SIGALRM)."""
    import threading

    monkeypatch.setattr(narrative, "RENDER_SECONDS", 1)
    outcome = {}

    def render():
        start = time.monotonic()
        try:
            with using("zh"):
                narrative.expand("一\n{% for i in range(100000) %}{% for j in range(100000) %}"
                                 "{% endfor %}{% endfor %}\n", "x.md", {})
        except BudgetError as exc:
            outcome["error"] = exc
        outcome["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=render, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the render did not stop"
    assert outcome["seconds"] < 5 and outcome["error"].pos.line == 2 and "秒" in outcome["error"].message
