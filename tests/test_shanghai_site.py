"""The second example site, 上海市普陀区人民政府万里街道办事处 2024 (format shanghai-9):
its texts reproduce the seed's figures (every 增减 computed), `check` finds no error and
reports the source's real contradiction, and the PDF carries the same tables."""
from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from budgetsite.build import build_site, check_site
from conftest import ROOT

SITE = ROOT / "examples" / "shanghai-wanli"
SEED = ROOT / "tests" / "fixtures" / "shanghai-wanli-2024.txt"  # a copy of shared/seeds/


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def page_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", "", "".join(parser.parts))


def seed_section(start: str, end: str | None) -> str:
    text = SEED.read_text(encoding="utf-8")
    body = text.split(start, 2)[-1]  # the section, not its 目录 line
    if end:
        body = body.split(end, 1)[0]
    return re.sub(r"\s+", "", body)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wanli") / "_site"
    build_site(SITE, out, pdf=False)
    return out / "2024"


CHANGES = re.compile(r"比2023年预算执行数(?:(增加|减少)(\d+\.\d+)%|(持平))")
WAN = re.compile(r"(\d+(?:\.\d+)?)万元")


def test_every_change_of_the_budget_notes_is_computed_as_the_seed_prints_it(built):
    seed = seed_section("2024年部门预算编制说明", "2024年部门财务收支预算总表")
    ours = page_text(built / "explanation.html")
    assert len(CHANGES.findall(seed)) == 33
    assert CHANGES.findall(ours) == CHANGES.findall(seed)
    # every amount in 万元, in order; the one the seed mistyped (住房公积金 “2024年预算安排352.67万元”
    # where its own tables and its first mention give 350.35) is the computed figure
    seed_amounts = WAN.findall(seed)
    our_amounts = WAN.findall(ours)
    assert len(our_amounts) == len(seed_amounts)
    differ = [(s, o) for s, o in zip(seed_amounts, our_amounts) if s != o]
    assert differ == [("352.67", "350.35")]


def test_the_other_notes_carry_the_seeds_figures(built):
    seed = seed_section("其他相关情况说明", "项目经费情况说明")
    ours = page_text(built / "other.html")
    assert Counter(WAN.findall(ours)) == Counter(WAN.findall(seed))
    for phrase in ("比2023年预算增加25万元", "共有车辆7辆", "其他用车7辆", "其他用车1辆", "2个预算单位",
                   "编报绩效目标的项目50个"):
        assert phrase in ours, phrase


def test_check_finds_no_error_and_reports_the_contradictory_note():
    report = check_site(SITE)
    assert [str(f) for f in report.findings if f.level != "note"] == []
    notes = [f for f in report.findings if f.rule == "table-note-contradiction"]
    assert len(notes) == 1 and "(reviewed: " in notes[0].message
    assert notes[0].pos.file == "content/2024/edition.yaml"
    # item 4 of the 编制说明: a decrease whose stated reason is an increase
    reasons = [f for f in report.findings if f.rule == "narrative-reason"]
    assert len(reasons) == 1 and reasons[0].level == "note" and "宣传事务一般行政管理事务经费增加" in reasons[0].message
    assert reasons[0].pos.file == "content/2024/explanation.md"
    source = (SITE / "content/2024/explanation.md").read_text(encoding="utf-8").splitlines()
    assert "宣传事务一般行政管理事务经费增加" in source[reasons[0].pos.line - 1]


def test_the_contradiction_is_a_warning_until_reviewed(tmp_path):
    site = tmp_path / "wanli"
    shutil.copytree(SITE, site, ignore=shutil.ignore_patterns("_site"))
    edition = site / "content/2024/edition.yaml"
    text = edition.read_text(encoding="utf-8")
    edition.write_text(text.split("reviewed:")[0], encoding="utf-8")
    findings = check_site(site).findings
    assert sorted(f.rule for f in findings if f.level == "warning") == ["narrative-reason", "table-note-contradiction"]
    found = [f for f in findings if f.rule == "table-note-contradiction"]
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.strip().startswith("three_public:")
                and "故本表为空表" in t)
    assert [(f.level, f.pos.line) for f in found] == [("warning", line)]
    assert "故本表为空表" in found[0].message and "reviewed" in found[0].message


def test_the_outline_is_the_formats(built):
    index = (built / "index.html").read_text(encoding="utf-8")
    order = ["部门主要职能", "部门机构设置", "三、名词解释", "四、2024年部门预算编制说明", "五、部门预算表",
             "六、其他相关情况说明", "七、项目经费情况说明"]
    positions = [index.index(word) for word in order]
    assert positions == sorted(positions)
    glossary = page_text(built / "glossary.html")
    assert "事业单位经营收入" in glossary and "政府性基金预算" not in glossary.split("财政拨款收入")[0]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_the_pdf_has_the_same_tables(tmp_path):
    out = tmp_path / "_site"
    build_site(SITE, out, pdf=True)
    pdf = next((out / "2024").glob("*.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = re.sub(r"\s+", "", text)
    for title in ("2024年部门财务收支预算总表", "2024年部门收入预算总表", "2024年部门支出预算总表",
                  "2024年部门财政拨款收支预算总表", "2024年部门一般公共预算支出功能分类预算表",
                  "2024年部门一般公共预算基本支出部门预算经济分类预算表", "部门“三公”经费和机关运行经费预算表"):
        assert title in flat, title
    html = (out / "2024/tables.html").read_text(encoding="utf-8")
    figures = Counter(re.findall(r'<td class="amount">([\d,.]+)</td>', html))
    printed = Counter(re.findall(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?![\d,])", text))
    big = {f: n for f, n in figures.items() if "," in f}
    # every thousands-separated figure of the tables is in the PDF as often as on the page
    assert all(printed[f] >= n for f, n in big.items()), {f: (n, printed[f]) for f, n in big.items()
                                                         if printed[f] < n}
    assert "47.91" in text and "443.18" in text and "编制部门：上海市普陀区人民政府万里街道办事处" in flat
