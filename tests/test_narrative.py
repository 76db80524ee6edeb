"""情况说明: every figure in the text is computed from the data, none is typed."""
from __future__ import annotations

import re
from decimal import Decimal

from budgetsite.build import build_site
from budgetsite.narrative import change, compare, pct, rate, wan

from conftest import ROOT
from test_site import read

REFERENCE = ROOT / "tests/fixtures/reference-2025.txt"
NARRATIVE = ["content/2025/explanation.md", "content/2025/overview.md"]
# an amount, a share or a money figure typed as a literal
TYPED_AMOUNT = re.compile(r"\d[\d,]*\.\d+|\d+\s*(?:万元|元|%)")


def _literal_text(markdown: str) -> str:
    """The Markdown with its expressions and statements removed."""
    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", markdown, flags=re.S)


def test_no_amount_is_typed_in_the_narrative():
    for rel in NARRATIVE:
        literal = _literal_text((ROOT / rel).read_text(encoding="utf-8"))
        assert TYPED_AMOUNT.findall(literal) == [], rel


def test_the_typed_amount_detector_works():
    assert TYPED_AMOUNT.findall(_literal_text("基本支出449.82万元，{{ wan(x) }}万元，占11.95%")) == [
        "449.82", "11.95"]
    assert TYPED_AMOUNT.findall(_literal_text("价值50万元以上")) == ["50万元"]


def _reference_section_three() -> str:
    text = REFERENCE.read_text(encoding="utf-8")
    start = text.index("### 第三部分 2025年度部门预算情况说明")
    end = text.index("阳泉市市级预算部门（单位）项目支出绩效目标表", start)
    return text[start:end]


def test_narrative_reproduces_the_reference_figures(built_site):
    """Every amount and share printed in 第三部分 (一…十) is in the built text."""
    ours = read(built_site / "2025/explanation.html").text.replace(",", "")
    figures = re.findall(r"\d[\d,]*\.\d+%?|\d+%", _reference_section_three())
    assert len(figures) > 60
    for figure in figures:
        assert figure.replace(",", "") in ours, figure


def test_narrative_prints_the_table_figure_not_the_typo(built_site):
    """The reference says 基本支出449.82 in its text and 449.83 in its tables; we say 449.83."""
    text = read(built_site / "2025/explanation.html").text
    assert "其中基本支出449.83万元" in text
    assert "基本支出449.82" not in text


def test_narrative_follows_the_data(site_copy, tmp_path):
    budget = site_copy / "content/2025/budget.yaml"
    text = budget.read_text(encoding="utf-8")
    text = text.replace('"2082804": {project: 124.90}', '"2082804": {project: 134.90}')
    text = re.sub(r"\n  total: 3764.74[^\n]*", "", text)
    budget.write_text(text, encoding="utf-8")
    build_site(site_copy, tmp_path / "out", pdf=False)
    ours = read(tmp_path / "out/2025/explanation.html").text
    assert "支出预算3,774.75万元，其中：基本支出449.83万元，占11.92%；项目支出3,324.92万元，占88.08%" in ours
    assert "比上年减少56.25万元，下降1.47%" in ours
    assert "3,764.74" not in ours


def test_formatting_helpers():
    assert wan(Decimal("3764.745")) == "3,764.75"  # ROUND_HALF_UP, once
    assert wan(Decimal("0")) == "0"
    assert pct(Decimal("1.08"), Decimal("3764.74")) == "0.03%"
    assert pct(Decimal("0"), Decimal("3764.74")) == "0%"
    assert change(Decimal("3764.74"), Decimal("3831.00")) == "减少66.26万元"
    assert rate(Decimal("28.89"), Decimal("27.40")) == "增长5.44%"
    assert compare(Decimal("5.40"), Decimal("5.40")) == "与上年预算数相同"
    assert compare(Decimal("0.80"), Decimal("0")) == "与上年相比预算数增加0.80万元"


def test_raw_html_is_escaped_unless_enabled(site_copy, tmp_path):
    overview = site_copy / "content/2025/overview.md"
    overview.write_text(overview.read_text(encoding="utf-8") + "\n<script>alert(1)</script>\n",
                        encoding="utf-8")
    build_site(site_copy, tmp_path / "a", pdf=False)
    html = (tmp_path / "a/2025/overview.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    site_yaml = site_copy / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("allow_html: false", "allow_html: true"),
                         encoding="utf-8")
    build_site(site_copy, tmp_path / "b", pdf=False)
    assert "<script>alert(1)</script>" in (tmp_path / "b/2025/overview.html").read_text(encoding="utf-8")
