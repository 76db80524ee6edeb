"""Charts: SVG computed from the data — shares, labels, accessibility, determinism."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from budgetsite import charts
from budgetsite.build import build_site
from budgetsite.charts import ChartData, Item, shares, text_width

from conftest import ROOT

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg_text: str) -> ET.Element:
    return ET.fromstring(svg_text)


def bars(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}rect") if "chart-bar" in e.get("class", "")]


def texts(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}text"))


def table_one_general_classes(built_site) -> dict[str, Decimal]:
    """The 类 rows of 表五 (一般公共预算当年) as printed: name -> 合计."""
    html = (built_site / "2025/tables.html").read_text(encoding="utf-8")
    table = re.search(r'id="table-5".*?</section>', html, re.S).group(0)
    rows = re.findall(r'<td class="code">(\d{3})</td><th scope="row" class="name">([^<]+)</th>'
                      r'<td class="amount">([\d.]+)</td>', table)
    return {name: Decimal(value) for _, name, value in rows}


def test_structure_chart_shows_the_table_figures(built_site):
    svg = (built_site / "2025/charts/general-structure.svg").read_text(encoding="utf-8")
    root = parse(svg)
    drawn = {b.get("data-label"): Decimal(b.get("data-value")) for b in bars(root)}
    assert drawn == table_one_general_classes(built_site)
    shown = {b.get("data-label"): Decimal(b.get("data-share")) for b in bars(root)}
    assert sum(shown.values()) == Decimal("100.00")
    assert shown == {"社会保障和就业支出": Decimal("98.60"), "住房保障支出": Decimal("0.87"),
                     "卫生健康支出": Decimal("0.50"), "一般公共服务支出": Decimal("0.03")}
    # bar lengths are proportional to the values (a tiny share keeps a visible sliver)
    widest = max(bars(root), key=lambda b: float(b.get("width")))
    for b in bars(root):
        expected = float(b.get("data-value")) / float(widest.get("data-value")) * float(widest.get("width"))
        assert abs(float(b.get("width")) - max(expected, 2.0)) < 0.11
    # ranked, and every value is labelled in 万元 and %
    values = [Decimal(b.get("data-value")) for b in bars(root)]
    assert values == sorted(values, reverse=True)
    labels = [t.text for t in texts(root)]
    assert "1.08万元  0.03%" in labels and "3,711.85万元  98.60%" in labels


def test_three_public_chart(built_site):
    root = parse((built_site / "2025/charts/three-public.svg").read_text(encoding="utf-8"))
    drawn = {b.get("data-label"): b.get("data-value") for b in bars(root)}
    assert drawn == {"公务用车运行维护费": "5.40", "公务接待费": "0.80", "因公出国（境）费": "0.00",
                     "公务用车购置费": "0.00"}
    assert sum(Decimal(b.get("data-share")) for b in bars(root)) == Decimal("100.00")


def test_accessible_svg_and_data_table(built_site):
    html = (built_site / "2025/explanation.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="chart-figure".*?</figure>', html, re.S)
    assert len(figures) == 2
    for figure in figures:
        svg = re.search(r"<svg.*?</svg>", figure, re.S).group(0)
        root = parse(svg)
        assert root.get("role") == "img"
        title = root.find(f"{SVG}title")
        desc = root.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and "万元" in desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        # the data as a real table, collapsible
        assert "<details" in figure and "<table>" in figure and "<th scope=\"row\">" in figure
        for b in bars(root):
            assert f'<th scope="row">{b.get("data-label")}</th>' in figure
    assert 'href="charts/general-structure.svg"' in html


def test_no_label_overlaps_or_leaves_the_picture(built_site):
    for path in sorted((built_site / "2025/charts").glob("*.svg")):
        root = parse(path.read_text(encoding="utf-8"))
        width, height = float(root.get("width")), float(root.get("height"))
        boxes = []
        for t in texts(root):
            size = 16 if "chart-title" in t.get("class", "") else 13
            w = text_width(t.text, size)
            x, y = float(t.get("x")), float(t.get("y"))
            left = x - w / 2 if t.get("text-anchor") == "middle" else (x - w if t.get("text-anchor") == "end" else x)
            box = (left, y - size / 2 - 2, left + w, y + size / 2 + 2)
            assert box[0] >= 0 and box[2] <= width and box[3] <= height + 4, (path.name, t.text)
            boxes.append((box, t.text))
        for i, (a, ta) in enumerate(boxes):
            for b, tb in boxes[i + 1:]:
                overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                assert not overlap, (path.name, ta, tb)


def test_every_chart_of_the_edition_renders(built_site):
    from budgetsite.load import load_site
    from budgetsite.codes import load_codes
    from budgetsite.derive import derive
    from budgetsite.formats import load_format as load_tableset

    site = load_site(ROOT)
    derived = derive(site.editions[0], load_codes(2025), load_tableset("shanxi-13", ROOT, None))
    assert set(derived.charts) == {"general-structure", "three-public", "basic-project",
                                   "income-sources", "year-over-year"}
    for chart in derived.charts.values():
        root = parse(charts.svg(chart, ""))
        assert root.find(f"{SVG}title").text == chart.title
    yoy = parse(charts.svg(derived.charts["year-over-year"], ""))
    values = [b.get("data-value") for b in bars(yoy)]
    assert values[:2] == ["3764.74", "3831.00"]  # this year, last year


def test_svg_is_deterministic():
    chart = ChartData("x", "测试图", [Item("甲", Decimal("1.005")), Item("乙", Decimal("2"))])
    assert charts.svg(chart, ".a{}") == charts.svg(chart, ".a{}")


def test_unknown_chart_is_an_error(site_copy, tmp_path):
    from budgetsite.build import check_site

    path = site_copy / "content/2025/explanation.md"
    path.write_text(path.read_text(encoding="utf-8").replace('chart("three-public")', 'chart("three-pubic")'),
                    encoding="utf-8")
    found = [f for f in check_site(site_copy).findings if f.rule == "narrative-expression"]
    assert found and "three-pubic" in found[0].message and "three-public" in found[0].message


def test_chart_title_can_be_set(site_copy, tmp_path):
    path = site_copy / "content/2025/explanation.md"
    path.write_text(path.read_text(encoding="utf-8").replace('chart("three-public")',
                                                             'chart("three-public", title="三公经费构成")'),
                    encoding="utf-8")
    build_site(site_copy, tmp_path / "out", pdf=False)
    root = parse((tmp_path / "out/2025/charts/three-public.svg").read_text(encoding="utf-8"))
    assert root.find(f"{SVG}title").text == "三公经费构成"


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30))
def test_shares_always_add_up_to_one_hundred(cents):
    values = [Decimal(c) / 100 for c in cents]
    result = shares(values)
    if sum(values):
        assert sum(result) == Decimal("100.00")
        for value, share in zip(values, result):
            exact = value * 100 / sum(values)
            assert abs(share - exact) < Decimal("0.01")
    else:
        assert all(s == 0 for s in result)


def test_every_chart_is_downloadable(built_site):
    names = sorted(p.stem for p in (built_site / "2025/charts").glob("*.svg"))
    assert names == ["basic-project", "general-structure", "income-sources", "three-public", "year-over-year"]
    index = (built_site / "2025/index.html").read_text(encoding="utf-8")
    for name in names:
        assert f'href="charts/{name}.svg"' in index
    for name in names:
        root = parse((built_site / f"2025/charts/{name}.svg").read_text(encoding="utf-8"))
        assert root.get("role") == "img" and root.find(f"{SVG}desc").text
