"""绩效表 layouts as data: a layout only the site has (云南-style columns), a 部门整体 table grouped
by 核心职能, a 自评表 whose 执行率 and 得分 are computed, a 自评报告 part, and undeclared keys.

One site is built once (with its PDF) from a copy of the example site whose 阳泉 tables are
replaced by the fixtures in tests/fixtures/perf-tables/ and whose layouts are in its own
performance-layouts/ folder (tests/fixtures/perf-layouts/, not bundled).
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import copy_site, edit, line_of
from test_performance import Dom, cell_text

from budgetsite.build import build_site, check_site
from budgetsite.errors import BudgetError
from budgetsite.perflayouts import bundled_layouts
from budgetsite.yamlload import load_yaml

FIXTURES = Path(__file__).parent / "fixtures"
PERF = "content/2025/performance"

FORMAT = """\
# 山西 13 tables, with a 自评报告 part of its own outline after the 情况说明
id: with-evaluation
name: 山西格式加绩效自评报告
extends: shanxi-13
parts:
  - {kind: text, number: 第一部分, title: 概况, file: overview.md}
  - {kind: tables, number: 第二部分, title: "{year}年部门预算报表", page: tables.html}
  - {kind: text, number: 第三部分, title: "{year}年度部门预算情况说明", file: explanation.md, appendix: performance}
  - {kind: text, number: 第四部分, title: "{year}年度项目支出绩效自评报告", file: evaluation.md,
     sections: [基本情况, 偏离, 改进措施, 结果应用]}
  - {kind: glossary, number: 第五部分, title: 名词解释, page: glossary.html}
"""

REPORT = """\
# 项目支出绩效自评报告

## 一、基本情况

本单位对工资性支出项目开展了绩效自评，自评表附后。

## 二、偏离绩效目标的原因

实际完成值尚待统计。

## 三、改进措施

1.按月统计发放情况
2.及时填报完成值

## 四、自评结果应用

自评结果用于下一年度预算安排。
"""


def make_site(root: Path) -> Path:
    site = copy_site(root)
    for path in (site / PERF).glob("*.yaml"):
        path.unlink()
    for i, name in enumerate(("yunnan", "functions", "self-evaluation", "mof-project"), start=1):
        shutil.copy2(FIXTURES / "perf-tables" / f"{name}.yaml", site / PERF / f"{i:02d}-{name}.yaml")
    (site / "performance-layouts").mkdir()
    for path in (FIXTURES / "perf-layouts").glob("*.yaml"):
        shutil.copy2(path, site / "performance-layouts" / path.name)
    (site / "formats/with-evaluation").mkdir(parents=True)
    (site / "formats/with-evaluation/format.yaml").write_text(FORMAT, encoding="utf-8")
    edition = site / "content/2025/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8") + "format: with-evaluation\n", encoding="utf-8")
    (site / "content/2025/evaluation.md").write_text(REPORT, encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def perf_site(tmp_path_factory):
    site = make_site(tmp_path_factory.mktemp("perf") / "site")
    out = site.parent / "out"
    build_site(site, out, pdf=True)
    return site, out


def sections(out: Path) -> dict:
    root = Dom((out / "2025/performance.html").read_text(encoding="utf-8")).root
    return {s.attrs["id"]: s for s in root.find_all("section", "perf-table")}


def header_of(section, td) -> str:
    """The text of the column header a value cell names in its ``headers`` attribute."""
    th = section.find("th", id=td.attrs["headers"])
    return cell_text(th)


# -- a layout only the site has ------------------------------------------------------------

def test_a_layout_in_the_sites_own_folder_builds(perf_site, tmp_path):
    site, out = perf_site
    assert "yunnan-project" not in bundled_layouts() and "core-functions" not in bundled_layouts()
    section = sections(out)["perf-01-yunnan"]
    assert "perf-layout-yunnan-project" in section.classes
    # without the site's folder, the table names a layout that does not exist: an error at its line
    other = make_site(tmp_path / "other")
    shutil.rmtree(other / "performance-layouts")
    with pytest.raises(BudgetError) as err:
        check_site(other)
    assert str(err.value).startswith(f"{PERF}/01-yunnan.yaml:{line_of(other, f'{PERF}/01-yunnan.yaml', 'layout: yunnan')}: ")
    assert "yunnan-project" in str(err.value) and "performance-layouts/" in str(err.value)


YUNNAN_ROWS = {  # 三级指标 -> {header: value} as the table must print them
    "走访慰问困难退役军人、军休干部等": {
        "指标性质": "≥", "指标值": "75", "度量单位": "人", "指标属性": "定量", "评（扣）分标准": "计划标准",
        "指标内容": "走访慰问困难退役军人、军休干部等", "设定依据": "晋民发〔2016〕53号",
        "一级指标": "产出指标", "二级指标": "数量指标"},
    "慰问发放合规率": {
        "指标性质": "=", "指标值": "100", "度量单位": "%", "指标属性": "定量", "设定依据": "民发〔2012〕175号",
        "一级指标": "产出指标", "二级指标": "质量指标"},
    "提高重点优抚对象和困难退役军人等过节质量": {
        "指标性质": "", "指标值": "提高", "度量单位": "", "指标属性": "定性", "一级指标": "效益指标"},
    "受慰问对象满意": {"指标性质": "≥", "指标值": "90", "度量单位": "%", "二级指标": "服务对象满意度"},
}


def _yunnan_cells(section) -> dict:
    """三级指标 -> {header: text} for every value cell and the 一级/二级 group cells above it."""
    rows, groups = {}, {}
    for tr in section.find_all("tr", "perf-ind"):
        for th in tr.find_all("th"):
            groups["一级指标" if "perf-l1" in th.classes else "二级指标"] = cell_text(th)
        cells = {header_of(section, td): cell_text(td) for td in tr.find_all("td")}
        rows[cells["三级指标"]] = {**cells, **groups}
    return rows


def test_every_yunnan_column_under_its_own_header_in_the_html(perf_site):
    _, out = perf_site
    section = sections(out)["perf-01-yunnan"]
    heads = [cell_text(th) for th in section.find("tr", "perf-ind-head").find_all("th")]
    assert heads == ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "指标属性",
                     "评（扣）分标准", "指标内容", "设定依据"]
    printed = _yunnan_cells(section)
    for name, want in YUNNAN_ROWS.items():
        for header, value in want.items():
            assert printed[name][header] == value, (name, header)
    facts = {td.attrs["data-fact"]: cell_text(td) for td in section.find_all("td", "perf-fact")}
    labels = [cell_text(th) for th in section.find_all("th") if th.attrs.get("scope") == "row"]
    assert {"组织机构代码", "单位概况", "实施内容", "实施成效"} <= set(labels)
    assert facts["org_code"] == "067"
    assert facts["content"].startswith("元旦春节") and facts["results"].startswith("使各类困难优抚对象")
    # the funds are in the table's unit (元), a source not given is blank
    assert cell_text(section.find("td", data_fund="year.total")) == "30,000"
    assert cell_text(section.find("td", data_fund="year.other")) == ""
    assert "项目资金\n（元）" in section.find("th", "perf-funds-label").text


def _pdf_words(pdf: Path) -> list[list[tuple[float, float, float, str]]]:
    """Per page: (x-centre, y-top, y-bottom, text) of every word, from pdftotext -bbox."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout
    pages = []
    for page in xhtml.split("<page ")[1:]:
        words = []
        for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                             page):
            x0, y0, x1, y1 = (float(v) for v in m.groups()[:4])
            words.append(((x0 + x1) / 2, y0, y1, html.unescape(m.group(5))))
        pages.append(words)
    return pages


def test_every_yunnan_column_under_its_own_header_in_the_pdf(perf_site):
    _, out = perf_site
    (pdf,) = (out / "2025").glob("*.pdf")
    pages = _pdf_words(pdf)
    page = next(p for p in pages if any(w[3].startswith("指标性质") for w in p)
                and any(w[3].startswith("走访慰问困难退") for w in p))
    order = ["三级指标", "指标性质", "指标值", "度量单位", "指标属性", "评（扣）", "指标内容", "设定依据"]
    head_y = next(w[1] for w in page if w[3].startswith("指标性质"))
    centres = []
    for name in order:
        found = [w for w in page if w[3].startswith(name) and abs(w[1] - head_y) < 12]
        assert found, name
        centres.append(found[0][0])
    assert centres == sorted(centres)  # printed left to right in the layout's order
    bounds = [(a + b) / 2 for a, b in zip(centres, centres[1:])]

    def column(x: float) -> str:
        return order[sum(x > b for b in bounds)]

    def columns_of(text: str) -> set:
        return {column(w[0]) for w in page if w[3] == text and w[1] > head_y + 5}

    # the row of the first indicator: the words on the line of its 指标值 75
    y75 = next(w[1] for w in page if w[3] == "75" and w[1] > head_y)
    row = {w[3]: column(w[0]) for w in page if abs(w[1] - y75) < 4}
    assert row["≥"] == "指标性质" and row["75"] == "指标值" and row["人"] == "度量单位"
    assert row["定量"] == "指标属性" and row["计划标准"] == "评（扣）"
    assert columns_of("定性") == {"指标属性"} and columns_of("提高") == {"指标值"}
    assert columns_of("%") == {"度量单位"} and columns_of("=") == {"指标性质"}
    assert columns_of("晋民发") == {"设定依据"} and columns_of("民发〔2012〕") == {"设定依据"}
    assert columns_of("慰问发放合规率") == {"三级指标", "指标内容"}


def test_long_text_keeps_its_numbered_lines(perf_site):
    _, out = perf_site
    section = sections(out)["perf-01-yunnan"]
    cell = section.find("td", data_fact="profile")
    assert cell.text == "1.市退役军人服务中心\n2.市军队离退休干部服务中心（市革命烈士纪念馆）"
    for css in ("theme/style.css", "theme/print.css"):
        text = (Path(__file__).parent.parent / css).read_text(encoding="utf-8")
        assert re.search(r"\.perf-grid (td|th)[^{]*\{[^}]*white-space:\s*pre-line", text), css
    (pdf,) = (out / "2025").glob("*.pdf")
    lines = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                           text=True).stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if "1.市退役军人服务中心" in line)
    assert "2.市军队离退休干部服务中心" not in lines[first]
    assert any("2.市军队离退休干部服务中心" in line for line in lines[first + 1:first + 3])


# -- 部门整体 grouped by 核心职能 -----------------------------------------------------------------

def test_department_table_grouped_by_core_function(perf_site):
    _, out = perf_site
    section = sections(out)["perf-02-functions"]
    rows = list(section.find_all("tr", "perf-ind"))
    functions = [(cell_text(th), int(th.attrs.get("rowspan", 1))) for th in section.find_all("th", "perf-g1")]
    assert functions == [("双拥优抚", 4), ("烈士褒扬", 4)]
    assert len(rows) == 8
    per_function = [[cell_text(th) for tr in rows[a:b] for th in tr.find_all("th", "perf-l1")]
                    for a, b in ((0, 4), (4, 8))]
    assert per_function == [["产出指标", "效益指标"], ["产出指标", "效益指标"]]
    names = [cell_text(tr.find("td", "perf-name")) for tr in rows]
    assert names[:2] == ["辖区内享受待遇人员数", "覆盖率"] and names[4:6] == ["烈士墓数量", "实施时间"]
    head = [cell_text(th) for th in section.find("tr", "perf-ind-head").find_all("th")]
    assert head == ["核心职能绩效指标", "核心职能", "一级指标", "二级指标", "三级指标", "指标值"]
    goals = [cell_text(td) for td in section.find_all("td", data_col="goal")]
    assert goals == ["合理使用专项资金，做好优抚等对象的优待、抚恤工作。", "做好烈士墓的日常维护。"]
    assert cell_text(section.find("td", data_fund="total")) == "资金总额：1326.19"
    assert cell_text(section.find("td", data_fund="general")) == "1326.19"
    assert cell_text(section.find("td", data_fund="other")) == ""


def test_levels_are_checked_inside_each_function(tmp_path):
    site = make_site(tmp_path / "site")
    rel = f"{PERF}/02-functions.yaml"
    text = (site / rel).read_text(encoding="utf-8")
    at = text.index("  烈士褒扬:")
    text = text[:at] + text[at:].replace("      社会效益指标:", "      时效指标:\n        - {name: 维护及时性, value: 100%}\n      社会效益指标:", 1)
    (site / rel).write_text(text, encoding="utf-8")
    line = max(i for i, l in enumerate(text.splitlines(), 1) if l == "      时效指标:")
    found = [f for f in check_site(site).findings if f.rule == "perf-level-mismatch"]
    assert [(f.level, f.pos.file, f.pos.line) for f in found] == [("error", rel, line)]
    assert "效益指标" in found[0].message


# -- 自评表 ------------------------------------------------------------------------------------

def test_self_evaluation_computes_rate_and_score(perf_site):
    site, out = perf_site
    section = sections(out)["perf-03-self-evaluation"]
    fund = {td.attrs["data-fund"]: cell_text(td) for td in section.find_all("td") if "data-fund" in td.attrs}
    assert fund["adjusted.total"] == "251.89" and fund["executed.total"] == "251.89"
    assert fund["rate"] == "100.00%" and fund["weight"] == "10.00" and fund["score"] == "10.00"
    totals = {td.attrs["data-total"]: cell_text(td) for td in section.find_all("td") if "data-total" in td.attrs}
    assert totals == {"weight": "100.00", "score": ""}   # 10 + 60 + 30; no 总分 while 得分 are not given
    assert "自评总分" not in cell_text(section.find("p", "perf-results"))
    heads = [cell_text(th) for th in section.find("tr", "perf-ind-head").find_all("th")]
    assert heads[-5:] == ["年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    # the 完成值 are blank in the source: each target without its actual is a finding
    rel = f"{PERF}/03-self-evaluation.yaml"
    found = [f for f in check_site(site).findings if f.rule == "perf-actual-missing"]
    assert [(f.pos.file, f.pos.line) for f in found] == [
        (rel, line_of(site, rel, "发放（缴纳）覆盖率")), (rel, line_of(site, rel, "足额保障率"))]
    assert "实际完成值" in found[0].message


def test_self_evaluation_with_actuals_and_a_lower_rate(tmp_path):
    site = make_site(tmp_path / "site")
    rel = f"{PERF}/03-self-evaluation.yaml"
    edit(site, rel, "executed: {fiscal: 251.89}", "executed: {fiscal: 226.70}")
    edit(site, rel, 'target: "=100%", weight: 60}', 'target: "=100%", actual: 100%, weight: 60, score: 60}')
    edit(site, rel, 'target: "=100%", weight: 30}',
         'target: "=100%", actual: 95%, weight: 30, score: 27, deviation: "个别单位缴纳延迟\\n下年按月督办"}')
    build_site(site, tmp_path / "out", pdf=False)
    section = sections(tmp_path / "out")["perf-03-self-evaluation"]
    rate = Decimal("226.70") / Decimal("251.89")
    score = (10 * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert cell_text(section.find("td", data_fund="rate")) == f"{(rate * 100).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"
    assert cell_text(section.find("td", data_fund="score")) == str(score) == "9.00"
    assert cell_text(section.find("td", data_total="score")) == str(score + 60 + 27) == "96.00"
    met = {cell_text(tr.find("td", "perf-name")): tr.find("td", "perf-actual").attrs.get("data-met")
           for tr in section.find_all("tr", "perf-ind")}
    assert met == {"发放（缴纳）覆盖率": "true", "足额保障率（参保率）": "false"}
    results = cell_text(section.find("p", "perf-results"))
    assert "预算执行率90.00%" in results and "得分9.00分" in results and "自评总分96.00分" in results
    assert "已填实际完成值2项，其中可计算且达到年度指标值的1项" in results
    assert not [f for f in check_site(site).findings if f.rule == "perf-actual-missing"]


def test_self_evaluation_report_is_a_part_with_its_own_outline(perf_site, tmp_path):
    _, out = perf_site
    page = (out / "2025/evaluation.html").read_text(encoding="utf-8")
    assert "2025年度项目支出绩效自评报告" in page and "四、自评结果应用" in page
    index = (out / "2025/index.html").read_text(encoding="utf-8")
    assert 'href="evaluation.html"' in index and "第四部分" in index
    outline = re.findall(r'href="evaluation.html#[^"]+">([^<]+)<', index)
    assert outline == ["一、基本情况", "二、偏离绩效目标的原因", "三、改进措施", "四、自评结果应用"]
    site = make_site(tmp_path / "site")
    rel = "content/2025/evaluation.md"
    edit(site, rel, "## 四、自评结果应用", "## 四、其他")
    found = [f for f in check_site(site).findings if f.rule == "section-missing"]
    assert [(f.level, f.pos.file) for f in found] == [("error", rel)] and "结果应用" in found[0].message


# -- the 财政部 project table: one-sided indicators, funds not given -------------------------------

def test_indicators_of_one_side_print_once_and_missing_funds_are_blank(perf_site):
    _, out = perf_site
    section = sections(out)["perf-04-mof-project"]
    for tr in section.find_all("tr", "perf-ind"):
        values = [cell_text(td) for td in tr.find_all("td", "perf-value")]
        names = [cell_text(td) for td in tr.find_all("td", "perf-name")]
        assert len(values) == 2 and values[1] == "" and names[1] == "", values
    assert [cell_text(td) for td in section.find_all("td", "perf-value")][::2] == ["8个/次", "1套/次", "1000元/个", "≥90%"]
    fund = {td.attrs["data-fund"]: cell_text(td) for td in section.find_all("td") if "data-fund" in td.attrs}
    assert fund["period.total"] == "" and fund["period.fiscal"] == ""
    assert fund["year.total"] == "0" and fund["year.fiscal"] == "0"


# -- undeclared keys ---------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, key", [
    ("value: 提高, attribute: 定性,", "value: 提高, standard: 计划标准, attribute: 定性,", "standard"),
    ("org_code: \"067\"", "org_code: \"067\"\nsummary: 未声明", "summary"),
    ("funds:\n  year: {fiscal: 30000}", "funds:\n  year: {fiscal: 30000, local: 5}", "local"),
])
def test_an_undeclared_key_is_an_error_at_its_line(tmp_path, old, new, key):
    site = make_site(tmp_path / "site")
    rel = f"{PERF}/01-yunnan.yaml"
    line = edit(site, rel, old, new)
    line += new[:new.index(key)].count("\n")
    with pytest.raises(BudgetError) as err:
        check_site(site)
    assert str(err.value).startswith(f"{rel}:{line}: error: unknown key '{key}'"), str(err.value)
    assert "allowed keys" in str(err.value)


def test_the_introduction_converts_the_amount_to_wan_from_the_editions_unit():
    from budgetsite.performance import view

    summary = SimpleNamespace(published=SimpleNamespace(amount=Decimal("17500894.00")), roles={}, tables=1)
    source = SimpleNamespace(edition=SimpleNamespace(unit="元", year=2024), performance=[])
    figures = SimpleNamespace(performance=summary, expense=SimpleNamespace(project=Decimal("35001788")))
    perf = view(source, figures)
    assert perf.amount == "1750.09" and perf.share == "50.00%"


def test_bundled_layouts_read():
    from budgetsite.perflayouts import BUNDLED, read_layout

    for name in bundled_layouts():
        layout = read_layout(load_yaml(BUNDLED / f"{name}.yaml", name), name)
        assert layout.id == name and layout.blocks
    assert {"shanxi-project", "hunan-department", "hunan-special-summary", "hunan-special-direction",
            "mof-project", "mof-department", "mof-self-evaluation"} <= set(bundled_layouts())
