"""budgetsite check: each rule fires on a mutated copy of the reference edition, with its
level, rule id and file:line; the reference itself has no error, only its real 尾差 notes."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from budgetsite.build import BuildFailed, build_site, check_site

from conftest import ROOT, edit, line_of

BUDGET = "content/2025/budget.yaml"
EDITION = "content/2025/edition.yaml"
EXPLANATION = "content/2025/explanation.md"




def fired(site: Path, rule: str) -> list:
    return [f for f in check_site(site).findings if f.rule == rule]


def assert_fires(site: Path, rule: str, level: str, rel: str, line: int | None, *words: str):
    found = fired(site, rule)
    assert found, f"rule {rule} did not fire"
    here = [f for f in found if (f.level, f.pos.file, f.pos.line) == (level, rel, line)]
    assert here, [str(f) for f in found]
    matching = [f for f in here if all(word in f.message for word in words)]
    assert matching, [str(f) for f in here]
    return matching[0]


# -- the reference ------------------------------------------------------------------

def test_reference_has_no_error_and_no_warning():
    report = check_site(ROOT)
    assert [str(f) for f in report.findings if f.level != "note"] == []


def test_reference_real_rounding_is_reported_as_notes():
    notes = [str(f) for f in check_site(ROOT).findings if f.level == "note"]
    # 人员经费 394.37 printed, 377.84 + 16.54 = 394.38
    assert any("sum-rounding" in n and "合计 人员经费 is 394.37" in n and "394.38" in n for n in notes), notes
    # 基本支出 合计 449.83 printed, its 类 rows add up to 449.82
    assert any("sum-rounding" in n and "合计 基本支出 is 449.83" in n and "449.82" in n for n in notes), notes
    assert any("approved-rounding" in n and "18.81" in n and "18.82" in n for n in notes), notes
    line = line_of(ROOT, BUDGET, '"21011": 18.81')
    assert any(n.startswith(f"{BUDGET}:{line}: note[approved-rounding]") for n in notes), notes
    assert any(n.startswith(f"{BUDGET}:{line}: note[sum-rounding]") and "18.82" in n for n in notes), notes
    # 表六 合计 449.83 printed, 人员经费 + 公用经费 = 394.37 + 55.45 = 449.82
    line = line_of(ROOT, BUDGET, "total: {total: 449.83, personnel: 394.37, public: 55.45}")
    assert any(n.startswith(f"{BUDGET}:{line}: note[split-rounding]") and "449.82" in n for n in notes), notes


# -- codes ----------------------------------------------------------------------------

def test_code_format(site_copy):
    line = edit(site_copy, BUDGET, '"2013299": {basic: 1.08}', '"201329": {basic: 1.08}')
    assert_fires(site_copy, "code-format", "error", BUDGET, line, "201329")


def test_code_unknown(site_copy):
    line = edit(site_copy, BUDGET, '"2082804": {project: 124.90}', '"2082807": {project: 124.90}')
    assert_fires(site_copy, "code-unknown", "error", BUDGET, line, "2082807")


def test_code_name(site_copy):
    line = edit(site_copy, BUDGET, '"2082801": {basic: 150.16}', '"2082801": {basic: 150.16, name: 行政运转}')
    assert_fires(site_copy, "code-name", "warning", BUDGET, line, "行政运转", "行政运行")


def test_economic_code_unknown(site_copy):
    line = edit(site_copy, BUDGET, '{dept: "30206", gov: "50502"', '{dept: "30206", gov: "50599x"')
    assert_fires(site_copy, "economic-code-unknown", "error", BUDGET, line, "50599x")


def test_approved_unknown(site_copy):
    line = edit(site_copy, BUDGET, '  "210": 18.93', '  "299": 18.93')
    assert_fires(site_copy, "approved-unknown", "error", BUDGET, line, "299")


def test_unit_unknown(site_copy):
    line = edit(site_copy, BUDGET, "  - unit: 阳泉市退役军人服务中心", "  - unit: 阳泉市退役军人服务中",)
    assert_fires(site_copy, "unit-unknown", "error", BUDGET, line, "阳泉市退役军人服务中")


# -- arithmetic -----------------------------------------------------------------------

def test_approved_beyond_rounding_is_an_error(site_copy):
    line = edit(site_copy, BUDGET, '  "210": 18.93', '  "210": 19.93')
    assert_fires(site_copy, "approved", "error", BUDGET, line, "19.93", "18.94")
    # and the printed 类 row no longer equals its printed 款 rows
    assert_fires(site_copy, "sum", "error", BUDGET, line, "19.93", "18.93")


def test_approved_unused(site_copy):
    line = edit(site_copy, BUDGET, '  "21011": 18.81', '  "21011": {project: 18.81}')
    assert_fires(site_copy, "approved-unused", "warning", BUDGET, line, "21011", "项目支出")


def test_split_total_basic_project(site_copy):
    line = edit(site_copy, BUDGET, "  total: 3764.74", "  total: {total: 3764.74, basic: 459.83}")
    assert_fires(site_copy, "split", "error", BUDGET, line, "3764.74", "3774.75")


def test_economic_personnel_public_split(site_copy):
    line = edit(site_copy, BUDGET, "total: {total: 449.83, personnel: 394.37, public: 55.45}",
                "total: {total: 449.83, personnel: 384.37, public: 55.45}")
    assert_fires(site_copy, "split", "error", BUDGET, line, "449.83", "439.82")


def test_projects_unit_subtotal(site_copy):
    line = edit(site_copy, BUDGET, "    approved: 1065.10", "    approved: 1075.10")
    assert_fires(site_copy, "sum", "error", BUDGET, line, "1075.10", "1065.11")


def test_three_public_total_and_vehicle(site_copy):
    line = edit(site_copy, BUDGET, "  vehicle_operation: 5.40\n",
                "  vehicle_operation: 5.40\n  approved: {total: 7.20, vehicle: 5.40}\n")
    assert_fires(site_copy, "sum", "error", BUDGET, line + 1, "7.20", "6.20")
    edit(site_copy, BUDGET, "approved: {total: 7.20, vehicle: 5.40}", "approved: {vehicle: 6.40}")
    assert_fires(site_copy, "sum", "error", BUDGET, line + 1, "公务用车购置及运行费", "6.40", "5.40")


def test_procurement_total(site_copy):
    line = edit(site_copy, BUDGET, "procurement: {goods: 15.03", "procurement: {total: 50.68, goods: 15.03")
    assert_fires(site_copy, "procurement", "error", BUDGET, line, "50.68", "49.68")
    edit(site_copy, BUDGET, "total: 50.68", "total: 49.69")
    assert_fires(site_copy, "procurement-rounding", "note", BUDGET, line, "49.69")


# -- cross-table ----------------------------------------------------------------------

def test_economic_vs_lines(site_copy):
    edit(site_copy, BUDGET, '{dept: "30101", gov: "50101", amount: 65.01}', '{dept: "30101", gov: "50101", amount: 66.01}')
    # the stated 合计 hides nothing: drop it so the records' own sum is printed
    edit(site_copy, BUDGET, "total: {total: 449.83, personnel: 394.37, public: 55.45}", "total: {public: 55.45}")
    line = line_of(site_copy, BUDGET, "  records:")
    assert_fires(site_copy, "economic-vs-lines", "error", BUDGET, line, "450.82", "449.83")


def test_projects_vs_lines(site_copy):
    edit(site_copy, BUDGET, "{name: 双拥创建活动, amount: 48.50}", "{name: 双拥创建活动, amount: 58.50}")
    line = line_of(site_copy, BUDGET, "projects:")
    assert_fires(site_copy, "projects-vs-lines", "error", BUDGET, line, "3324.92", "3314.92")


def test_three_public_below_economic_records(site_copy):
    line = edit(site_copy, BUDGET, "  reception: 0.80", "  reception: 0.50")
    assert_fires(site_copy, "three-public-vs-economic", "error", BUDGET, line, "0.50", "0.80", "30217")


def test_operating_exceeds_public(site_copy):
    line = edit(site_copy, BUDGET, "{unit: 阳泉市退役军人事务局, amount: 28.89}", "{unit: 阳泉市退役军人事务局, amount: 60.00}")
    assert_fires(site_copy, "operating-vs-public", "error", BUDGET, line - 1, "60.00", "55.45")


def test_operating_for_a_public_institution(site_copy):
    line = edit(site_copy, BUDGET, "{unit: 阳泉市退役军人事务局, amount: 28.89}", "{unit: 阳泉市退役军人服务中心, amount: 28.89}")
    assert_fires(site_copy, "operating-unit-type", "warning", BUDGET, line, "事业单位")


def test_performance_vs_projects(site_copy):
    line = edit(site_copy, BUDGET, "    运转类: {count: 10, amount: 58.54}", "    运转类: {count: 10, amount: 68.54}")
    assert_fires(site_copy, "performance-vs-projects", "error", BUDGET, line - 1, "3324.92", "3314.92")


def test_performance_published_exceeds_managed(site_copy):
    edit(site_copy, BUDGET, "    特定目标类: {count: 11, amount: 449.82}", "    特定目标类: {count: 41, amount: 449.82}")
    line = line_of(site_copy, BUDGET, "  published:")
    assert_fires(site_copy, "performance-published", "error", BUDGET, line, "48 projects")


# -- completeness ---------------------------------------------------------------------

def test_table_missing_from_a_site_table_set(site_copy):
    """An older site's single-file table set without the 三公 table (a copy of the bundled
    tables less that one): the check names the table as the format does."""
    bundled = (ROOT / "builder/standards/formats/shanxi-13/tables.yaml").read_text(encoding="utf-8")
    start = bundled.index("  - id: three_public\n")
    end = bundled.index("  - id: operating\n")
    head = (ROOT / "builder/standards/formats/shanxi-13/format.yaml").read_text(encoding="utf-8")
    head = head.replace("id: shanxi-13", "id: local")
    (site_copy / "tablesets").mkdir()
    (site_copy / "tablesets/local.yaml").write_text(head + bundled[:start] + bundled[end:], encoding="utf-8")
    edit(site_copy, "site.yaml", "tableset: shanxi-13", "tableset: local")
    lines = (site_copy / "tablesets/local.yaml").read_text(encoding="utf-8").splitlines()
    line = lines.index("tables:") + 1
    assert_fires(site_copy, "table-missing", "error", "tablesets/local.yaml", line, "“三公”经费支出预算表")


def test_table_dropped_by_an_extending_format(site_copy):
    """A site format that extends the bundled one and drops a required table."""
    (site_copy / "formats/local").mkdir(parents=True)
    (site_copy / "formats/local/format.yaml").write_text(
        "id: local\nname: 本地格式\nextends: shanxi-13\ndrop: [economic]\n", encoding="utf-8")
    edit(site_copy, "site.yaml", "tableset: shanxi-13", "format: local")
    assert_fires(site_copy, "table-missing", "error", "formats/local/format.yaml", 4,
                 "一般公共预算基本支出分经济科目表", "本地格式")


def test_section_missing(site_copy):
    edit(site_copy, EXPLANATION, "## 九、政府采购情况\n", "九、政府采购情况\n")
    assert_fires(site_copy, "section-missing", "error", EXPLANATION, 1, "政府采购")


def test_glossary_empty(site_copy):
    terms = re.findall(r"term: (.+)", (ROOT / "theme/glossary.yaml").read_text(encoding="utf-8"))
    (site_copy / "content/2025/glossary.yaml").write_text(f"omit: [{', '.join(terms)}]\n", encoding="utf-8")
    assert_fires(site_copy, "section-missing", "error", "content/2025/glossary.yaml", 0, "名词解释")


def test_three_public_change_needs_a_reason(site_copy):
    path = site_copy / EXPLANATION
    text = path.read_text(encoding="utf-8")
    start = text.index("## 七、")
    end = text.index("## 八、")
    section = text[start:end].replace("主要原因是根据财政预算编制工作安排，", "").replace("主要原因是", "")
    path.write_text(text[:start] + section + text[end:], encoding="utf-8")
    line = line_of(site_copy, EXPLANATION, "## 七、")
    assert_fires(site_copy, "three-public-reason", "error", EXPLANATION, line, "原因")


def test_three_public_prior_missing(site_copy):
    edit(site_copy, EDITION, "  three_public: {abroad: 0, reception: 0, vehicle_purchase: 0, vehicle_operation: 5.40}\n", "")
    line = line_of(site_copy, EXPLANATION, "## 七、")
    assert_fires(site_copy, "three-public-prior", "warning", EXPLANATION, line)


def test_placeholder(site_copy):
    line = edit(site_copy, EXPLANATION, "我单位无其他需要说明的事项。", "我单位待填写。")
    assert_fires(site_copy, "placeholder", "error", EXPLANATION, line, "待填写")
    line = edit(site_copy, EDITION, "department_code: \"067\"", "department_code: \"XX\"")
    assert_fires(site_copy, "placeholder", "error", EDITION, line, "XX")


# -- narrative ------------------------------------------------------------------------

def test_narrative_expression_error(site_copy):
    line = edit(site_copy, EXPLANATION, "{{ wan(procurement.goods) }}", "{{ wan(procurement.good) }}")
    assert_fires(site_copy, "narrative-expression", "error", EXPLANATION, line, "good", "goods")


def test_typed_amount_close_to_a_figure(site_copy):
    line = edit(site_copy, EXPLANATION, "其中基本支出{{ wan(expense.basic) }}万元", "其中基本支出449.82万元")
    assert_fires(site_copy, "narrative-mismatch", "warning", EXPLANATION, line, "449.82", "449.83")


def test_typed_amount_equal_to_a_figure(site_copy):
    line = edit(site_copy, EXPLANATION, "其中基本支出{{ wan(expense.basic) }}万元", "其中基本支出449.83万元")
    assert_fires(site_copy, "narrative-typed", "note", EXPLANATION, line, "449.83")


def test_year_mismatch(site_copy):
    line = edit(site_copy, EXPLANATION, "## 三、支出预算情况说明\n\n{{ year }}年度", "## 三、支出预算情况说明\n\n2023年度")
    assert_fires(site_copy, "year-mismatch", "warning", EXPLANATION, line + 2, "2023")


# -- the command and the build --------------------------------------------------------

def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "budgetsite", *args], capture_output=True, text=True, timeout=120)


def test_check_command_text_and_json():
    result = run("check", "--site", str(ROOT))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("checked 2025: 0 error(s), 0 warning(s)")
    assert all(re.match(r"^[^:]+:\d+: note\[[a-z-]+\]: ", line) for line in lines[:-1])
    data = json.loads(run("check", "--site", str(ROOT), "--format", "json").stdout)
    assert data["summary"]["error"] == 0 and data["summary"]["note"] == len(lines) - 1
    assert {"file", "line", "level", "rule", "message"} <= set(data["findings"][0])


def test_check_command_exit_codes(site_copy):
    edit(site_copy, EXPLANATION, "其中基本支出{{ wan(expense.basic) }}万元", "其中基本支出449.82万元")
    assert run("check", "--site", str(site_copy)).returncode == 0          # a warning
    assert run("check", "--site", str(site_copy), "--strict").returncode == 1
    edit(site_copy, BUDGET, '  "210": 18.93', '  "210": 19.93')
    result = run("check", "--site", str(site_copy), "--edition", "2025")
    assert result.returncode == 1 and "error[approved]" in result.stdout
    assert run("check", "--site", str(site_copy), "--edition", "1999").returncode == 2
    assert run("check", "--site", str(site_copy), "--format", "xml").returncode == 2


def test_published_edition_with_errors_is_not_built(site_copy, tmp_path):
    edit(site_copy, EDITION, "status: draft", "status: published")
    edit(site_copy, BUDGET, '  "210": 18.93', '  "210": 19.93')
    with pytest.raises(BuildFailed) as info:
        build_site(site_copy, tmp_path / "out", pdf=False)
    assert any(f.rule == "approved" for f in info.value.findings)
    assert not (tmp_path / "out").exists()
    result = run("build", "--site", str(site_copy), "--no-pdf")
    assert result.returncode == 1
    assert re.search(rf"^{BUDGET}:\d+: error\[approved\]: ", result.stderr, re.M), result.stderr


def test_draft_with_errors_builds_and_shows_them(site_copy, tmp_path):
    line = edit(site_copy, BUDGET, '  "210": 18.93', '  "210": 19.93')
    build_site(site_copy, tmp_path / "out", pdf=False)
    index = (tmp_path / "out/2025/index.html").read_text(encoding="utf-8")
    assert "检查发现" in index and f"{BUDGET}:{line}: error[approved]" in index
    assert "检查发现" in (tmp_path / "out/2025/tables.html").read_text(encoding="utf-8")
    clean = tmp_path / "clean"
    build_site(ROOT, clean, pdf=False)
    assert "检查发现" not in (clean / "2025/index.html").read_text(encoding="utf-8")


def test_narrative_reason_contradicts_the_change(site_copy):
    """比上年减少…，主要原因是…增加: the change and its reason disagree."""
    line = edit(site_copy, EXPLANATION, "主要原因是项目经费收入比上年有所下降", "主要原因是项目经费收入比上年有所增加")
    assert_fires(site_copy, "narrative-reason", "warning", EXPLANATION, line, "减少", "有所增加")


def test_narrative_reason_can_be_marked_reviewed(site_copy):
    edit(site_copy, EXPLANATION, "主要原因是项目经费收入比上年有所下降", "主要原因是项目经费收入比上年有所增加")
    path = site_copy / "content/2025/edition.yaml"
    path.write_text(path.read_text(encoding="utf-8") +
                    "reviewed:\n  - {rule: narrative-reason, note: 原文如此}\n", encoding="utf-8")
    found = fired(site_copy, "narrative-reason")
    assert [f.level for f in found] == ["note"] and "(reviewed: 原文如此)" in found[0].message
