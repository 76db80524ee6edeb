"""绩效目标表: the tables read back from the built HTML equal their YAML and the reference
text; merged cells span the right rows; 指标值 parse; each check fires on a mutated copy."""
from __future__ import annotations

import re
import shutil
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, edit, line_of

from budgetsite.build import build_site, check_site
from budgetsite.errors import BudgetError
from budgetsite.load import load_site
from budgetsite.perfgrid import indicator_rows
from budgetsite.performance import money, parse_value

PERF = "content/2025/performance"
REFERENCE = (ROOT / "tests/fixtures/reference-2025.txt").read_text(encoding="utf-8").split("\n")
FIXTURE_004 = ROOT / "tests/fixtures/shifeng-2023/performance"


# -- a small DOM from html.parser ------------------------------------------------------

class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def classes(self) -> set:
        return set(self.attrs.get("class", "").split())

    def find_all(self, tag=None, cls=None, **attrs):
        for c in self.children:
            if isinstance(c, Node):
                if ((tag is None or c.tag == tag) and (cls is None or cls in c.classes)
                        and all(c.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())):
                    yield c
                yield from c.find_all(tag, cls, **attrs)

    def find(self, *args, **kwargs):
        return next(self.find_all(*args, **kwargs), None)


VOID = {"meta", "link", "br", "col", "img", "input", "hr"}


class Dom(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.root = self.node = Node("root", {})
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.node)
        self.node.children.append(node)
        if tag not in VOID:
            self.node = node

    def handle_endtag(self, tag):
        node = self.node
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.node = node.parent

    def handle_data(self, data):
        self.node.children.append(data)


def page(site: Path, name: str = "performance.html") -> Node:
    return Dom((site / "2025" / name).read_text(encoding="utf-8")).root


def tables_of(site: Path) -> dict:
    """anchor -> the section of each 绩效目标表."""
    return {s.attrs["id"]: s for s in page(site).find_all("section", "perf-table")}


def source_tables(root: Path = ROOT):
    return load_site(root).editions[-1].performance


def cell_text(node) -> str:
    return node.text.strip() if node is not None else ""


# -- 指标值 --------------------------------------------------------------------------

@pytest.mark.parametrize("text, op, number, unit", [
    ("≥75人", "≥", "75", "人"),
    ("400元/人", "=", "400", "元/人"),
    ("100%", "=", "100", "%"),
    ("2次/年", "=", "2", "次/年"),
    ("≤5万元/户/次", "≤", "5", "万元/户/次"),
    ("753.58元/人/年", "=", "753.58", "元/人/年"),
    ("≥2000元/月/人", "≥", "2000", "元/月/人"),
    ("7434.25平方米", "=", "7434.25", "平方米"),
    ("<3次", "<", "3", "次"),
    (">=90%", "≥", "90", "%"),
    ("990", "=", "990", ""),
])
def test_quantitative_values_parse(text, op, number, unit):
    v = parse_value(text)
    assert (v.op, v.number, v.unit, v.text) == (op, Decimal(number), unit, text)
    assert v.quantitative


@pytest.mark.parametrize("text", ["有效提升", "庄重肃穆", "2025年中下旬", "完成体检后 30个工作日",
                                  "1000元或2000元不等", "每年年底前完成", "9.30公祭之前", "11月30日", ""])
def test_qualitative_values_stay_text(text):
    v = parse_value(text)
    assert not v.quantitative and v.text == text and v.op is None and v.unit is None


# -- the reference edition: 18 projects, every table equal to its YAML and its source ----

def test_eighteen_published_projects_in_twenty_tables():
    tables = [t for t in source_tables() if t.role == "project"]
    assert len(tables) == 20
    projects = {(t.budget_item.unit, t.budget_item.name) for t in tables}
    assert len(projects) == 18
    assert sum(t.redacted for t in tables) == 1


def test_each_table_is_one_section_with_its_anchor_and_landscape(built_site):
    sections = tables_of(built_site)
    yaml = source_tables()
    assert list(sections) == [t.anchor for t in yaml]
    for t in yaml:
        section = sections[t.anchor]
        assert {"perf-project", "landscape"} <= section.classes
        grids = list(section.find_all("table"))
        assert len(grids) == (0 if t.redacted else 1), t.anchor


FACTS = ("name", "department", "unit", "attribute", "period", "overview", "basis", "necessity", "measures",
         "plan", "goals.period", "goals.year")


def _facts(t):
    return {key: t.text(key) for key in FACTS}


def _expected_rows(t):
    """(一级 or None, 二级 or None, 三级, 实施期值, 年度三级, 年度值) per row, from the YAML as the 山西
    layout reads it: ``value`` fills both sides, ``period`` / ``year`` one each; the 年度 side
    repeats the 三级 name (or its own ``year_name``) only where it has a value."""
    def text(cell):
        return cell.text if cell is not None else ""

    out = []
    for starts, item in indicator_rows(t.indicators, 2):
        l1, l2 = (starts[i][0] if i in starts else None for i in (0, 1))
        if item is None:
            out.append((l1, l2, "", "", "", ""))
            continue
        period = item.get("period") or item.get("value")
        year = item.get("year") or item.get("value")
        year_name = item.get("year_name") or (item.name if year is not None else None)
        out.append((l1, l2, item.name.text, text(period), text(year_name), text(year)))
    return out


def _rendered_rows(section):
    out = []
    for tr in section.find_all("tr", "perf-ind"):
        l1 = tr.find("th", "perf-l1")
        l2 = [th for th in tr.find_all("th", "perf-l2")]
        l3 = list(tr.find_all("td", "perf-l3"))
        values = list(tr.find_all("td", "perf-value"))
        out.append((cell_text(l1) if l1 else None, cell_text(l2[0]) if l2 else None,
                    cell_text(l3[0]), cell_text(values[0]), cell_text(l3[1]), cell_text(values[1])))
    return out


def test_header_facts_funds_and_indicator_rows_equal_the_yaml(built_site):
    sections = tables_of(built_site)
    for t in source_tables():
        if t.redacted:
            continue
        section = sections[t.anchor]
        facts = {td.attrs["data-fact"]: cell_text(td) for td in section.find_all("td", "perf-fact")}
        assert facts == _facts(t), t.anchor
        funds = {td.attrs["data-fund"]: cell_text(td) for td in section.find_all("td") if "data-fund" in td.attrs}
        for side in ("period", "year"):
            f = t.get("funds")[side]
            given = [f[s] for s in f if f[s] is not None]
            assert funds[f"{side}.total"] == (money(sum(given)) if given else ""), t.anchor
            for source in ("central", "provincial", "local", "own", "other"):
                assert funds[f"{side}.{source}"] == money(f.get(source)), (t.anchor, side, source)
        assert _rendered_rows(section) == _expected_rows(t), t.anchor
        footer = {s.attrs["data-field"]: cell_text(s) for s in section.find_all("span", "perf-footer-value")}
        assert footer == {k: t.footer.get(k, "") for k in ("head", "handler", "phone", "date")}


def test_merged_cells_span_their_rows(built_site):
    sections = tables_of(built_site)
    for t in source_tables():
        if t.redacted:
            continue
        rows = list(sections[t.anchor].find_all("tr", "perf-ind"))
        # walk the rendered rows: a 一级 cell spans the rows of all its 二级, a 二级 cell its 三级
        spans_l1, spans_l2 = [], []
        for tr in rows:
            for th in tr.find_all("th", "perf-l1"):
                spans_l1.append((cell_text(th), int(th.attrs.get("rowspan", 1))))
            l2 = list(tr.find_all("th", "perf-l2"))
            if l2:
                span = [th.attrs.get("rowspan", "1") for th in l2]
                assert len(l2) == 2 and span[0] == span[1]  # 实施期 and 年度 side
                spans_l2.append((cell_text(l2[0]), int(span[0])))
        want_l1 = [(l1, sum(max(1, len(items)) for items in groups.values()) or 1)
                   for l1, groups in t.indicators.items()]
        want_l2 = [(l2, max(1, len(items))) for groups in t.indicators.values() for l2, items in groups.items()]
        assert spans_l1 == want_l1, t.anchor
        assert spans_l2 == want_l2, t.anchor
        assert sum(n for _, n in spans_l1) == len(rows)
        # the 绩效指标 label spans the header row and every indicator row
        label = next(th for th in sections[t.anchor].find_all("th") if cell_text(th) == "绩效指标")
        assert int(label.attrs["rowspan"]) == len(rows) + 1


#: full-width and half-width punctuation print alike in the tables' text extraction
WIDTH = str.maketrans("（）：，；", "():,;")


def _source_text(t) -> str:
    """The reference lines the table was consolidated from, without whitespace and <p>."""
    spans = t.source.split(":", 1)[1].split(",")
    lines = []
    for span in spans:
        a, b = (int(x) for x in span.split("-"))
        lines += REFERENCE[a - 1:b]
    return re.sub(r"\s+|</?p>", "", "".join(lines)).translate(WIDTH)


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(WIDTH)


def test_every_printed_text_and_value_is_in_the_reference_lines(built_site):
    """Nothing is invented: each 三级, 指标值, fact and amount of a table is in its source lines."""
    sections = tables_of(built_site)
    checked = 0
    for t in source_tables():
        if t.redacted:
            continue
        text = _source_text(t)
        section = sections[t.anchor]
        for td in section.find_all("td", "perf-fact"):
            assert _clean(cell_text(td)) in text, (t.anchor, td.attrs["data-fact"], cell_text(td)[:30])
        for cls in ("perf-l3", "perf-value"):
            for td in section.find_all("td", cls):
                assert _clean(cell_text(td)) in text, (t.anchor, cell_text(td))
                checked += 1
        for side in ("period", "year"):
            shown = money(t.get("funds")[side].get("local"))
            assert shown in text, (t.anchor, side, shown)
        if t.footer.get("date"):
            assert t.footer["date"] in text
    assert checked > 900


def test_spot_checks_against_the_reference_text(built_site):
    sections = tables_of(built_site)
    visits = sections["perf-02-visits-2025"]
    assert cell_text(visits.find("td", data_fact="name")) == "2025年走访慰问专项经费"
    assert cell_text(visits.find("td", data_fund="period.total")) == "120,000"
    assert cell_text(visits.find("td", data_fund="year.total")) == "30,000"
    rows = _rendered_rows(visits)
    assert rows[0] == ("产出指标", "数量指标", "走访慰问困难退役军人、军休干部等", "≥75人",
                       "走访慰问困难退役军人、军休干部等", "≥75人")
    assert "\t产出指标\t数量指标\t走访慰问困难退役军人、军休干部等\t≥75人" in REFERENCE[639]
    checks = _rendered_rows(sections["perf-03-unit-8023-health-checks"])
    assert ("成本指标" in REFERENCE[701]) and checks[3] == (None, "成本指标", "体检补助标准", "400元/人", "", "")
    works = sections["perf-15-memorial-hall-works"]
    assert cell_text(works.find("td", data_fund="period.total")) == "521,200"
    assert any(r[2] == "发挥功能时间" and r[1] == "可持续影响" for r in _rendered_rows(works))


def test_parsed_values_are_in_the_html(built_site):
    sections = tables_of(built_site)

    def value(anchor, name):
        for tr in sections[anchor].find_all("tr", "perf-ind"):
            if cell_text(tr.find("td", "perf-l3")) == name:
                return tr.find("td", "perf-value")
        raise AssertionError(name)

    def parsed(td):
        return td.attrs.get("data-op"), td.attrs.get("data-number"), td.attrs.get("data-unit")

    assert parsed(value("perf-02-visits-2025", "走访慰问困难退役军人、军休干部等")) == ("≥", "75", "人")
    assert parsed(value("perf-03-unit-8023-health-checks", "体检补助标准")) == ("=", "400", "元/人")
    assert parsed(value("perf-03-unit-8023-health-checks", "体检覆盖率")) == ("=", "100", "%")
    assert parsed(value("perf-05-cadre-training", "举办培训次数")) == ("=", "2", "次/年")
    assert parsed(value("perf-06-hardship-assistance", "大病医疗援助标准")) == ("≤", "5", "万元/户/次")
    qualitative = value("perf-05-cadre-training", "提升军转干部就业能力")
    assert cell_text(qualitative) == "有效提升" and "data-qualitative" in qualitative.attrs
    assert parsed(qualitative) == (None, None, None)


def test_blank_level2_rows_are_shown(built_site):
    rows = _rendered_rows(tables_of(built_site)["perf-03-unit-8023-health-checks"])
    blank = [r for r in rows if r[1] in ("经济效益", "生态效益", "可持续影响")]
    assert [r[1] for r in blank] == ["经济效益", "生态效益", "可持续影响"]
    assert all(r[2:] == ("", "", "", "") for r in blank)


def test_gaps_are_marked_not_filled(built_site):
    sections = tables_of(built_site)
    redacted = sections["perf-07-redacted"]
    assert "data-redacted" in redacted.attrs and "[Redacted content]" in redacted.text
    service = sections["perf-10-service-centre-operations"]
    assert service.find("td", data_fact="goals.period").attrs.get("data-gap") == "truncated"
    assert "满意度指标缺失" in service.find("div", "perf-gaps").text
    assert "原文未见表尾一行" in service.text


# -- the 绩效管理 section: figures computed from the tables -----------------------------

def test_performance_section_is_computed_and_links_the_tables(built_site):
    html = (built_site / "2025/explanation.html").read_text(encoding="utf-8")
    assert "公开项目绩效目标18个，涉及项目金额502.36万元，占部门（单位）项目支出总额的15.15%" in html
    assert '<a href="performance.html">见附件</a>' in html
    for name in ("index.html", "overview.html", "tables.html", "explanation.html", "glossary.html"):
        assert 'href="performance.html"' in (built_site / "2025" / name).read_text(encoding="utf-8"), name
    top = page(built_site).find("p", "perf-intro").text
    assert "项目支出绩效目标表20张" in top and "项目18个" in top and "502.36万元" in top


def test_counts_follow_the_tables(site_copy, tmp_path):
    (site_copy / PERF / "07-redacted.yaml").unlink()
    build_site(site_copy, tmp_path / "out", pdf=False)
    html = (tmp_path / "out/2025/explanation.html").read_text(encoding="utf-8")
    assert "公开项目绩效目标17个，涉及项目金额487.96万元" in html


def test_kinds_are_computed_when_every_table_has_one(site_copy, tmp_path):
    folder = site_copy / PERF
    for i, path in enumerate(sorted(folder.glob("*.yaml"))):
        text = path.read_text(encoding="utf-8")
        kind = "运转类" if path.name.startswith(("16-", "19-")) else "特定目标类"
        path.write_text(text.replace("\nbudget_item:", f"\nkind: {kind}\nbudget_item:", 1), encoding="utf-8")
    report = check_site(site_copy)
    mismatch = [f for f in report.findings if f.rule == "perf-summary-mismatch"]
    assert mismatch and all(f.pos.file == "content/2025/budget.yaml" for f in mismatch)
    build_site(site_copy, tmp_path / "out", pdf=False)
    html = (tmp_path / "out/2025/explanation.html").read_text(encoding="utf-8")
    assert "其中：其他运转类项目2个，涉及项目金额24.76万元" in html  # 14.76 + 10.00


# -- checks, each on a mutated copy --------------------------------------------------------



def findings(site: Path, rule: str) -> list:
    return [f for f in check_site(site).findings if f.rule == rule]


def assert_fires(site, rule, level, rel, line, *words):
    found = findings(site, rule)
    here = [f for f in found if (f.level, f.pos.file, f.pos.line) == (level, rel, line)
            and all(w in f.message for w in words)]
    assert here, [str(f) for f in found]


def test_reference_performance_findings_are_reviewed_notes():
    found = [f for f in check_site(ROOT).findings if f.rule.startswith("perf-")]
    assert found and all(f.level == "note" and "reviewed:" in f.message for f in found)
    rel = f"{PERF}/03-unit-8023-health-checks.yaml"
    assert any(f.rule == "perf-amount-mismatch" and f.pos == type(f.pos)(rel, line_of(ROOT, rel, "  year:"))
               for f in found)


def test_level2_under_the_wrong_level1(site_copy):
    rel = f"{PERF}/02-visits-2025.yaml"
    edit(site_copy, rel, "  效益指标:\n    经济效益: []", "  效益指标:\n    数量指标: []\n    经济效益: []")
    assert_fires(site_copy, "perf-level-mismatch", "error", rel, line_of(site_copy, rel, "    数量指标: []"),
                 "数量指标", "产出指标")


def test_level3_satisfaction_under_the_wrong_level2(site_copy):
    rel = f"{PERF}/02-visits-2025.yaml"
    edit(site_copy, rel, "{name: 慰问发放合规率, value: 100%}", "{name: 受助对象满意度, value: 100%}")
    assert_fires(site_copy, "perf-level-mismatch", "warning", rel, line_of(site_copy, rel, "受助对象满意度"),
                 "受助对象满意度", "满意度")


def test_unknown_level1(site_copy):
    rel = f"{PERF}/02-visits-2025.yaml"
    edit(site_copy, rel, "  满意度指标:", "  满意指标:")
    assert_fires(site_copy, "perf-level-mismatch", "error", rel, line_of(site_copy, rel, "  满意指标:"), "满意指标")


@pytest.mark.parametrize("old, new, words", [
    ("value: ≥75人}", "value: ≥75}", ("≥75", "no unit")),
    ("value: ≥75人}", "value: ≥七十五人}", ("≥七十五人", "operator")),
    ("value: ≥75人}", "value: 约75户以上}", ("约75户以上", "quantity")),
])
def test_value_that_does_not_parse(site_copy, old, new, words):
    rel = f"{PERF}/02-visits-2025.yaml"
    line = edit(site_copy, rel, old, new)
    assert_fires(site_copy, "perf-value-unparsed", "warning", rel, line, *words)


def test_year_funds_differ_from_table_twelve(site_copy):
    rel = f"{PERF}/02-visits-2025.yaml"
    line = edit(site_copy, rel, "  year: {central: 0, provincial: 0, local: 30000",
                "  year: {central: 0, provincial: 0, local: 35000")
    assert_fires(site_copy, "perf-amount-mismatch", "warning", rel, line, "35,000", "30,000", "表十二")


def test_year_funds_within_rounding_of_table_twelve_pass():
    # 退休职工遗属生活补助: 7,824元 in the table, 0.78万元 in 表十二 (rounded)
    rel = f"{PERF}/17-survivor-allowance.yaml"
    assert not [f for f in check_site(ROOT).findings if f.pos and f.pos.file == rel]


def test_missing_satisfaction_indicator(site_copy):
    rel = f"{PERF}/02-visits-2025.yaml"
    text = (site_copy / rel).read_text(encoding="utf-8")
    start = text.index("  满意度指标:")
    end = text.index("footer:")
    (site_copy / rel).write_text(text[:start] + text[end:], encoding="utf-8")
    assert_fires(site_copy, "perf-satisfaction-missing", "warning", rel, line_of(site_copy, rel, "indicators:"),
                 "满意度")


def test_unknown_budget_item(site_copy):
    rel = f"{PERF}/03-unit-8023-health-checks.yaml"
    line = edit(site_copy, rel, "name: 8023部队体检经费}", "name: 8024部队体检经费}")
    assert_fires(site_copy, "perf-budget-item", "error", rel, line, "8024部队体检经费")


def test_typed_published_figures_disagree(site_copy):
    (site_copy / PERF / "07-redacted.yaml").unlink()
    budget = "content/2025/budget.yaml"
    assert_fires(site_copy, "perf-summary-mismatch", "warning", budget, line_of(site_copy, budget, "  published:"),
                 "17", "487.96")


def test_yaml_mistakes_are_one_line_errors(site_copy):
    rel = f"{PERF}/02-visits-2025.yaml"
    line = edit(site_copy, rel, "unit: 阳泉市退役军人事务局\n", "unit: 阳泉市退役军人事务局\nunits: x\n")
    with pytest.raises(BudgetError) as err:
        check_site(site_copy)
    assert str(err.value).startswith(f"{rel}:{line + 1}: error: unknown key 'units'")
    assert "did you mean 'unit'" in str(err.value)


def test_value_and_period_together_is_an_error(site_copy):
    rel = f"{PERF}/02-visits-2025.yaml"
    line = edit(site_copy, rel, "value: ≥75人}", "value: ≥75人, period: ≥70人}")
    with pytest.raises(BudgetError) as err:
        check_site(site_copy)
    assert str(err.value).startswith(f"{rel}:{line}: error:")


# -- the second family: 部门整体 and 专项资金 tables (株洲市石峰区, 2023) -----------------

@pytest.fixture(scope="module")
def built_004(tmp_path_factory):
    """The example site with the 004 tables added to its performance/ folder, built."""
    from conftest import copy_site

    site = copy_site(tmp_path_factory.mktemp("fx") / "site")
    for path in sorted(FIXTURE_004.glob("*.yaml")):
        shutil.copy2(path, site / PERF / f"zz-{path.name}")
    out = site.parent / "out"
    build_site(site, out, pdf=False)
    return site, out


def test_004_department_table(built_004):
    _, out = built_004
    section = tables_of(out)["perf-zz-01-department"]
    assert {"perf-department", "perf-layout-hunan-department"} <= section.classes
    assert cell_text(section.find("td", data_fact="department")) == "株洲市石峰区退役军人事务局"
    assert cell_text(section.find("td", data_fund="total")) == "资金总额：1326.19"
    assert cell_text(section.find("td", data_fund="basic")) == "141.93"
    assert cell_text(section.find("td", data_fund="project")) == "1184.26"
    assert "（十）完成区委、区政府交办的其他任务。" in section.find("td", data_fact="duties").text
    rows = list(section.find_all("tr", "perf-ind"))
    assert len(rows) == 9
    l1 = [(cell_text(th), th.attrs["rowspan"]) for th in section.find_all("th", "perf-l1")]
    assert l1 == [("产出指标", "4"), ("效益指标", "5")]
    values = [td for td in section.find_all("td", "perf-value")]
    assert (values[0].attrs["data-number"], values[0].attrs["data-unit"]) == ("990", "")
    assert "计划标准" not in section.text


def test_004_special_tables(built_004):
    _, out = built_004
    sections = tables_of(out)
    summary = sections["perf-zz-02-special-summary"]
    assert cell_text(summary.find("td", data_total="rows.amount")) == "1184.26"
    amounts = [cell_text(td) for td in summary.find_all("td", "amount")][1:]
    assert amounts == ["2", "320", "28", "16", "345", "379.96", "93.3"]
    directions = [s for s in sections.values() if "perf-layout-hunan-special-direction" in s.classes]
    assert len(directions) == 7
    care = sections["perf-zz-07-special-care"]
    assert cell_text(care.find("td", data_fact="name")) == "优抚安置专项"
    assert cell_text(care.find("td", data_fact="amount")) == "345"
    assert cell_text(care.find("td", data_fact="special_amount")) == "345"
    assert cell_text(care.find("td", data_total="details.amount")) == "345"
    assert care.find("td", data_col="basis").attrs.get("data-gap") == "truncated"
    assert [cell_text(td) for td in care.find_all("td", data_col="standard")].count("计划标准") == 6


def test_004_checks(built_004):
    site, _ = built_004
    found = [f for f in check_site(site).findings if f.pos and "/zz-" in f.pos.file]
    unparsed = [f for f in found if f.rule == "perf-value-unparsed"]
    assert any("zz-07-special-care.yaml" in f.pos.file and "对象满意度" in f.message for f in unparsed)
    assert any("zz-01-department.yaml" in f.pos.file and "no unit" in f.message for f in unparsed)
    assert not [f for f in found if f.level == "error"]


# -- PDF ------------------------------------------------------------------------------

def test_pdf_shows_every_project_table(tmp_path):
    """Each project table's title and name are in the PDF text, each table on its own pages."""
    pytest.importorskip("budgetsite.pdf")
    pypdf = pytest.importorskip("pypdf")
    build_site(ROOT, tmp_path / "out", pdf=True)
    (pdf,) = (tmp_path / "out/2025").glob("*.pdf")
    pages = [re.sub(r"\s+", "", p.extract_text() or "") for p in pypdf.PdfReader(pdf).pages]
    starts = [i for i, text in enumerate(pages) if "项目支出绩效目标表(2025年度)" in text.translate(WIDTH)]
    assert len(starts) == 20  # one per table (the redacted one too), each starting a page
    for a, b in zip(starts, starts[1:]):
        for continued in pages[a + 1:b]:  # a table running onto more pages repeats its 项目名称 row
            rows = continued.replace("仅供内部审核", "").split("负责人")[0]
            assert not rows or rows.startswith("项目名称"), continued[:80]
    text = "".join(pages)
    for t in source_tables():
        if not t.redacted:
            assert _clean(t.name) in text, t.name
