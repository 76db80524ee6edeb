"""Formats are data: a site's own format in a folder of YAML builds, checks and names its
tables in its own words; no Python module names a table of one format."""
from __future__ import annotations

import re
from pathlib import Path

from budgetsite.build import build_site, check_site
from budgetsite.i18n import using
from conftest import ROOT

TINY_FORMAT = """\
id: tiny
name: 某省简表（3张）
sources:
  general: 财政拨款
style: {decimals: 1, thousands: true, zero: "-"}
empty_note: 说明：本表无内容。
dated: false
department_label: 填报单位
parts:
  - {kind: tables, number: 甲、, title: 预算表, page: tables.html}
  - {kind: text, number: 乙、, title: 说明, file: notes.md}
  - {kind: glossary, number: 丙、, title: 名词, page: words.html}
sections:
  - {file: notes.md, words: [三公], name: 三公经费说明}
required_tables:
  - {id: summary, name: 收支一览表}
  - {id: economic, name: 基本支出经济分类表}
checks: []
"""

TINY_TABLES = """\
tables:
  - id: summary
    number: 简表一
    title: "{year}年收支一览表"
    layout: subjects
    code: split
    total: last
    header:
      - [{text: 科目编码, colspan: 3}, {text: 科目名称, rowspan: 2}, {text: 金额, rowspan: 2}]
      - [类, 款, 项]
    columns: [total]
  - id: people
    number: 简表二
    title: "{year}年三公经费表"
    layout: single
    unit: 元
    style: {decimals: 0}
    header:
      - [合计, 公务接待费]
    cells:
      - {ledger: three_public}
      - {ledger: three_public, path: reception}
  - id: classes
    number: 简表四
    title: "{year}年类款表"
    layout: subjects
    levels: [类, 款]
    header:
      - [科目编码, 科目名称, 金额]
    columns: [total]
  - id: fund
    number: 简表三
    title: "{year}年基金支出表"
    layout: subjects
    filter: fund
    header:
      - [科目编码, 科目名称, 金额]
    columns: [total]
"""


def tiny_site(tmp_path: Path) -> Path:
    site = tmp_path / "tiny-site"
    (site / "formats/tiny").mkdir(parents=True)
    (site / "formats/tiny/format.yaml").write_text(TINY_FORMAT, encoding="utf-8")
    (site / "formats/tiny/tables.yaml").write_text(TINY_TABLES, encoding="utf-8")
    (site / "site.yaml").write_text("title: 简表站\npublisher: 某局\nformat: tiny\n", encoding="utf-8")
    ed = site / "content/2025"
    ed.mkdir(parents=True)
    (ed / "edition.yaml").write_text("department: 某局\nyear: 2025\nunit: 万元\n", encoding="utf-8")
    (ed / "budget.yaml").write_text(
        'lines:\n  "2080501": {basic: 1234.5}\n  "2080502": {basic: 10.25}\n'
        "three_public: {reception: 0.8}\n", encoding="utf-8")
    (ed / "overview.md").write_text("## 职责\n\n某局职责。\n", encoding="utf-8")
    (ed / "explanation.md").write_text("", encoding="utf-8")
    (ed / "notes.md").write_text("## 三公经费\n\n公务接待费{{ money(three_public.reception, unit='元', decimals=0) }}元。\n",
                                 encoding="utf-8")
    return site


def test_a_site_format_builds_in_its_own_words(tmp_path):
    site = tiny_site(tmp_path)
    out = tmp_path / "out"
    build_site(site, out, pdf=False)
    tables = (out / "2025/tables.html").read_text(encoding="utf-8")
    # its titles, numbers, department line, style (1 decimal, thousands, "-" for zero), unit
    assert "简表一" in tables and "2025年收支一览表" in tables and "填报单位：某局" in tables
    assert ">1,244.8<" in tables and ">1,234.5<" in tables and ">10.3<" in tables  # 10.25 -> 10.3 (half up)
    assert re.search(r"<td[^>]*>208</td><td[^>]*>05</td><td[^>]*>01</td>", tables)  # split codes
    rows = re.findall(r"<tr class=\"row-(\w+)\"", tables.split('id="table-1"')[1].split("</section>")[0])
    assert rows[-1] == "total" and rows[0] != "total"  # 合计 last
    people = tables.split('id="table-2"')[1].split("</section>")[0]
    assert "单位：元" in people and ">8,000<" in people  # 0.8 万元 printed in 元
    classes = tables.split('id="table-3"')[1].split("</section>")[0]
    assert ">20805<" in classes and ">208<" in classes and ">2080501<" not in classes  # 类 and 款 only
    fund = tables.split('id="table-4"')[1].split("</section>")[0]
    assert "说明：本表无内容。" in fund
    # its outline: parts, pages and their order
    index = (out / "2025/index.html").read_text(encoding="utf-8")
    assert index.index("甲、预算表") < index.index("乙、说明") < index.index("丙、名词")
    assert "公务接待费8000元" in (out / "2025/notes.html").read_text(encoding="utf-8")
    assert (out / "2025/words.html").is_file()


def test_a_missing_table_and_a_broken_sum_are_named_as_the_format_names_them(tmp_path):
    site = tiny_site(tmp_path)
    budget = site / "content/2025/budget.yaml"
    budget.write_text(budget.read_text(encoding="utf-8") + 'approved:\n  "208": 1300.00\n', encoding="utf-8")
    report = check_site(site)
    errors = {f.rule: f for f in report.findings if f.level == "error"}
    missing = errors["table-missing"]
    assert missing.pos.file == "formats/tiny/tables.yaml" and "基本支出经济分类表" in missing.message
    broken = errors["sum"]
    assert broken.message.startswith("简表一"), broken.message
    assert "1300.00" in broken.message and "1244.75" in broken.message
    assert broken.pos.file == "content/2025/budget.yaml"


def test_a_table_whose_rows_do_not_fill_its_header_is_reported_at_the_table(tmp_path):
    site = tiny_site(tmp_path)
    tables = site / "formats/tiny/tables.yaml"
    text = tables.read_text(encoding="utf-8")
    tables.write_text(text.replace("      - [科目编码, 科目名称, 金额]\n    columns: [total]\n  - id: fund",
                                   "      - [科目编码, 科目名称, 金额]\n    columns: [total, basic]\n  - id: fund"),
                      encoding="utf-8")
    with using("zh"):
        found = [f for f in check_site(site).findings if f.rule == "table-columns"]
    line = text.splitlines().index("  - id: classes") + 1
    assert [(f.level, f.pos.file, f.pos.line) for f in found] == [("error", "formats/tiny/tables.yaml", line)]
    assert "简表四" in found[0].message and "3 列" in found[0].message and "4 列" in found[0].message


def test_an_unknown_source_is_reported_with_the_formats_sources(tmp_path):
    site = tiny_site(tmp_path)
    budget = site / "content/2025/budget.yaml"
    budget.write_text(budget.read_text(encoding="utf-8").replace("{basic: 10.25}", "{basic: {genral: 10.25}}"),
                      encoding="utf-8")
    found = [f for f in check_site(site).findings if f.rule == "source-unknown"]
    assert found and found[0].pos.line == 3 and "genral" in found[0].message and "财政拨款" in found[0].message


def test_an_extending_format_changes_only_what_it_says(tmp_path):
    from budgetsite.formats import load_format

    site = tmp_path / "ext"
    (site / "formats/mine").mkdir(parents=True)
    (site / "formats/mine/format.yaml").write_text(
        "id: mine\nname: 改\nextends: shanxi-13\nstyle: {thousands: true}\n"
        "tables:\n  - {id: income, title: '{year}年收入表（改）'}\n  - id: extra\n    title: 附表\n"
        "    layout: subjects\n    header: [[科目编码, 科目名称, 金额]]\n    columns: [total]\n",
        encoding="utf-8")
    fmt = load_format("mine", site, None)
    base = load_format("shanxi-13", site, None)
    assert [t.id for t in fmt.tables] == [t.id for t in base.tables] + ["extra"]
    income = fmt.table("income")
    assert income.title == "{year}年收入表（改）" and income.columns == base.table("income").columns
    assert fmt.style.thousands and fmt.parts == base.parts and fmt.checks == base.checks


#: What names a table of one particular format: 表一…表十三, 预算公开表N, 部门预算0N表.
TABLE_NAME = re.compile(r"表[一二三四五六七八九十]+|预算公开表|部门预算0[0-9]表")


def test_no_builder_module_names_a_table_of_a_format():
    offenders = []
    for path in sorted((ROOT / "builder").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if TABLE_NAME.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_name_check_would_catch_one():
    assert TABLE_NAME.search('    table = "表十二"') and TABLE_NAME.search("部门预算05表")


def test_the_readmes_worked_example_builds(tmp_path):
    """The format of README "Formats" (a worked example), on a copy of the example site."""
    from conftest import copy_site

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("# formats/myprov/format.yaml\n", 1)[1].split("```", 1)[0]
    site = copy_site(tmp_path / "site")
    (site / "formats/myprov").mkdir(parents=True)
    (site / "formats/myprov/format.yaml").write_text(block, encoding="utf-8")
    text = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(text.replace("tableset: shanxi-13", "format: myprov"), encoding="utf-8")
    assert not [f for f in check_site(site).findings if f.rule == "table-missing"]
    out = tmp_path / "out"
    build_site(site, out, pdf=False)
    tables = (out / "2025/tables.html").read_text(encoding="utf-8")
    assert tables.count('class="budget-table') == 6
    sections = tables.split("<section")[1:]
    expense = next(s for s in sections if "年部门支出总表</span>" in s)
    assert re.search(r"<td[^>]*>208</td><td[^>]*>09</td><td[^>]*>05</td>", expense)
    assert ">3,765<" in expense  # 3764.74 万元 in this style: no decimals, thousands
    assert expense.rfind("row-total") > expense.rfind("row-item")
    three = next(s for s in sections if "“三公”经费支出表</span>" in s)
    assert "单位资金" in three
