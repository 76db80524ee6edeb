"""User mistakes end as one line ``file:line: error: message``, exit 1, no traceback."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ERROR_LINE = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+): error(\[[a-z-]+\])?: (?P<msg>.+)$")


def run_build(site: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "budgetsite", "build", "--site", str(site), "--no-pdf", *args],
        capture_output=True, text=True, timeout=120,
    )


def line_of(path: Path, needle: str) -> int:
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_one_error(result, file: str, line: int | None, *words: str) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    first = result.stderr.splitlines()[0]
    if line is None:
        assert first.startswith(f"{file}: error"), first
    else:
        match = ERROR_LINE.match(first)
        assert match, first
        assert (match["file"], int(match["line"])) == (file, line), first
    for word in words:
        assert word in first, first
    return first


BUDGET = "content/2025/budget.yaml"
EDITION = "content/2025/edition.yaml"


def test_yaml_syntax_error_names_file_and_line(site_copy):
    path = site_copy / BUDGET
    replace(path, '  "2080502": {basic: 14.84}', '  "2080502": {basic: 14.84')
    expected = line_of(path, '"2080502"')
    result = run_build(site_copy)
    # the parser notices the missing brace on the next line; the error names the line it opens on
    assert_one_error(result, BUDGET, expected, "YAML syntax")


def test_unknown_key_names_the_key_and_suggests(site_copy):
    path = site_copy / EDITION
    replace(path, "status: draft", "statsu: draft")
    result = run_build(site_copy)
    message = assert_one_error(result, EDITION, line_of(path, "statsu"), "unknown key 'statsu'")
    assert "did you mean 'status'" in message


def test_wrong_type_names_the_value(site_copy):
    path = site_copy / BUDGET
    replace(path, "reception: 0.80", "reception: 八十")
    result = run_build(site_copy)
    assert_one_error(result, BUDGET, line_of(path, "reception: 八十"), "should be an amount")


def test_thousands_separator_is_explained(site_copy):
    path = site_copy / BUDGET
    replace(path, '"2080905": {project: 1688.03}', '"2080905": {project: "1,688.03"}')
    result = run_build(site_copy)
    assert_one_error(result, BUDGET, line_of(path, '"2080905"'), "thousands separators")


def test_wrong_status_value(site_copy):
    path = site_copy / EDITION
    replace(path, "status: draft", "status: final")
    result = run_build(site_copy)
    assert_one_error(result, EDITION, line_of(path, "status: final"), "draft, published")


def test_missing_file_is_named(site_copy):
    (site_copy / BUDGET).unlink()
    result = run_build(site_copy)
    assert_one_error(result, BUDGET, None, "file not found")


def test_missing_markdown_file_is_named(site_copy):
    (site_copy / "content/2025/overview.md").unlink()
    result = run_build(site_copy)
    assert_one_error(result, "content/2025/overview.md", None, "file not found")


def test_unknown_functional_code(site_copy):
    path = site_copy / BUDGET
    replace(path, '"2082804": {project: 124.90}', '"2082807": {project: 124.90}')
    result = run_build(site_copy)
    assert_one_error(result, BUDGET, line_of(path, '"2082807"'), "2082807", "code list")


def test_unknown_economic_code(site_copy):
    path = site_copy / BUDGET
    replace(path, '{dept: "30206", gov: "50502", amount: 0.23}', '{dept: "30266", gov: "50502", amount: 0.23}')
    result = run_build(site_copy)
    assert_one_error(result, BUDGET, line_of(path, '"30266"'), "30266")


def test_duplicate_key(site_copy):
    path = site_copy / BUDGET
    replace(path, '  "2080502": {basic: 14.84}', '  "2080501": {basic: 14.84}')
    result = run_build(site_copy)
    second = [i for i, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if '"2080501"' in t][1]
    assert_one_error(result, BUDGET, second, "duplicate key '2080501'")


def test_object_constructing_yaml_tag_is_refused(site_copy, tmp_path):
    marker = tmp_path / "pwned"
    path = site_copy / BUDGET
    replace(path, "procurement: {goods: 15.03",
            f"procurement: {{x: !!python/object/apply:os.system ['touch {marker}'], goods: 15.03")
    result = run_build(site_copy)
    assert_one_error(result, BUDGET, line_of(path, "python/object"), "not allowed")
    assert not marker.exists()


def test_unknown_name_in_narrative(site_copy):
    path = site_copy / "content/2025/explanation.md"
    replace(path, "{{ wan(expense.basic) }}", "{{ wan(expense.basci) }}")
    result = run_build(site_copy)
    message = assert_one_error(result, "content/2025/explanation.md", line_of(path, "expense.basci"),
                               "unknown name 'basci'")
    assert "did you mean 'basic'" in message


def test_failed_build_keeps_previous_site(site_copy):
    assert run_build(site_copy).returncode == 0
    index = site_copy / "_site/2025/tables.html"
    before = index.read_bytes()
    replace(site_copy / BUDGET, "reception: 0.80", "reception: [")
    assert run_build(site_copy).returncode == 1
    assert index.read_bytes() == before
    leftovers = [p.name for p in site_copy.iterdir() if p.name.startswith(".budgetsite")]
    assert leftovers == []


def test_usage_error_exits_2(site_copy):
    result = run_build(site_copy, "--no-such-option")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_debug_shows_traceback(site_copy):
    replace(site_copy / BUDGET, "reception: 0.80", "reception: 八十")
    result = subprocess.run(
        [sys.executable, "-m", "budgetsite", "--debug", "build", "--site", str(site_copy), "--no-pdf"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" in result.stderr


@pytest.mark.parametrize("target", [".", "content"])
def test_refuses_to_write_over_sources(site_copy, target):
    result = run_build(site_copy, "--out", str(site_copy / target))
    assert result.returncode == 1
    assert (site_copy / "content/2025/budget.yaml").exists()
