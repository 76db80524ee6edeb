"""A portal: many publishers (3 departments, one with 2 units; 2 years) in one site.

The portal is made from the Shanghai example (tests/make_portal.py): unit A is the example ×1,
unit B ×2 and their department ×3, so the department's 部门预算 is exactly the sum of its units'.
It is built once serially (HTML only) and shared; the same portal built by 2 local processes
(through the command line) and on a Dask LocalCluster must give the same bytes.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import line_of
from make_portal import UNIT_NAMES, make_portal, small_specs

from budgetsite.cli import main
from budgetsite.portal import build_portal, check_portal

YEARS = [2024, 2025]
DEPT, UNIT_A, UNIT_B = "wanli", "wanli-shouli", "wanli-dangqun"


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Path:
    return make_portal(tmp_path_factory.mktemp("portal") / "portal", small_specs(), YEARS)


@pytest.fixture(scope="module")
def built(portal, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "_site"
    result = build_portal(portal, out, pdf=False, jobs=1)
    assert sorted(result.built) == sorted(s.id for s in small_specs()) and not result.reused
    return out


def copy_portal(portal: Path, dest: Path) -> Path:
    shutil.copytree(portal, dest, ignore=shutil.ignore_patterns("_site"))
    return dest


class Links(HTMLParser):
    """The links of a page, and the text of its elements (to find what a reader sees)."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if href and not href.startswith("#"):
            self.links.append(href)

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())


def page(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def files_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


# -- the pages -----------------------------------------------------------------------------

def test_the_index_lists_the_departments_by_group_with_their_units(built):
    html = (built / "index.html").read_text(encoding="utf-8")
    index = page(built / "index.html")
    assert "上海市普陀区财政局 预算公开专栏" in index.text
    # the groups, in the order of their departments' codes, each with its departments
    street, education = html.index("<h2>街道</h2>"), html.index("<h2>教育</h2>")
    assert street < html.index("wanli/index.html") < html.index("changzheng/index.html") < education
    assert education < html.index("jiaoyu/index.html")
    # the units are listed inside their department's entry
    dept_entry = html[html.index('<li data-own="上海市普陀区人民政府万里街道办事处'):html.index("changzheng/index.html")]
    assert f'href="{UNIT_A}/index.html"' in dept_entry and f'href="{UNIT_B}/index.html"' in dept_entry
    assert UNIT_NAMES[0] in dept_entry and "101001001" in dept_entry
    # every link leads to a built file (works from file://); every edition is reachable
    for href in index.links:
        assert (built / href).is_file(), href
    for spec in small_specs():
        for year in YEARS:
            assert f"{spec.id}/{year}/index.html" in index.links
    # the filter: a search box and a few lines of script in the page itself (offline)
    assert re.search(r'<input type="search" id="portal-filter"', html)
    assert "<script>" in html and "src=" not in html.split("<script>")[1].split("</script>")[0]


def test_the_year_page_lists_every_edition_with_its_pdf_and_data(built):
    for year in YEARS:
        year_page = built / "years" / str(year) / "index.html"
        links = page(year_page).links
        html = year_page.read_text(encoding="utf-8")
        for spec in small_specs():
            assert f"../../{spec.id}/{year}/index.html" in links
            workbook = f"../../{spec.id}/{year}/data/{spec.name}-{year}-部门预算表.xlsx"
            assert workbook in links
        # a unit's row comes right after its department's, marked as a unit
        assert html.index(f"../../{DEPT}/{year}/") < html.index(f"../../{UNIT_A}/{year}/") \
            < html.index(f"../../{UNIT_B}/{year}/") < html.index(f"../../changzheng/{year}/")
        assert f"data/{year}/three_public.csv" in html
        for href in links:
            assert (year_page.parent / href).resolve().is_file(), href
        assert not [href for href in links if href.endswith(".pdf")]  # --no-pdf: no PDF to link


def rows_of_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode("utf-8"))
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_a_cross_department_download_has_every_publisher_s_table(built):
    rows = rows_of_csv((built / "data/2025/three_public.csv").read_bytes())
    assert rows[0][:2] == ["单位编码", "单位名称"] and "2025年“三公”经费预算数" in rows[0]
    body = [r for r in rows[1:] if r[0]]  # the header's other rows have no code
    assert [r[:2] for r in body] == [
        ["101001", "上海市普陀区人民政府万里街道办事处"], ["101001001", UNIT_NAMES[0]],
        ["101001002", UNIT_NAMES[1]], ["101002", "上海市普陀区人民政府长征镇人民政府"], ["102001", "上海市普陀区教育局"]]
    # each publisher's row is its own table's row, as its site prints it
    own = rows_of_csv((built / f"{UNIT_A}/2025/data/table-9.csv").read_bytes())
    assert body[1][2:] == own[-1]
    # the department's 三公 is its two units' (×3 = ×1 + ×2), to the cent
    dept, a, b = ([Decimal(v.replace(",", "")) for v in r[2:] if v] for r in body[:3])
    assert dept == [x + y for x, y in zip(a, b)] and dept[0] > 0
    # the workbook holds the same, amounts as numbers, codes as text
    from openpyxl import load_workbook

    ws = load_workbook(built / "data/2025/three_public.xlsx").active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert "2025年" in values[0][0] and "三公" in values[0][0]
    first = next(i for i, r in enumerate(values) if r[0] == "101001001")
    assert values[first][1] == UNIT_NAMES[0]
    assert [Decimal(str(v)) for v in values[first][2:] if v is not None] == [Decimal(v) for v in own[-1] if v]
    assert ws.cell(row=first + 1, column=1).data_type == "s"


def test_cross_downloads_keep_formula_like_text_as_text():
    from openpyxl import load_workbook

    from budgetsite.portalpages import cross_csv, cross_xlsx
    import datetime

    table = {"name": "projects", "unit": "万元", "header": [["项目", "金额"]], "number_format": "0.00",
             "members": [({"code": "=1+1", "name": "=HYPERLINK(\"http://x\")", "id": "x"},
                          {"rows": [["'=SUM(A1)", "1.50"]], "values": [["=SUM(A1)", {"n": "1.50"}]]})]}
    rows = rows_of_csv(cross_csv(table))
    assert rows[1] == ["'=1+1", "'=HYPERLINK(\"http://x\")", "'=SUM(A1)", "1.50"]
    moment = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    data = cross_xlsx(table, "t", moment, "x")
    assert data == cross_xlsx(table, "t", moment, "x")  # the same bytes for the same input
    ws = load_workbook(io.BytesIO(data)).active
    cells = [ws.cell(row=4, column=c) for c in range(1, 5)]
    assert [c.value for c in cells] == ["=1+1", "=HYPERLINK(\"http://x\")", "=SUM(A1)", 1.5]
    assert [c.data_type for c in cells[:3]] == ["s", "s", "s"]


# -- the checks across publishers ------------------------------------------------------------

def test_the_department_is_the_sum_of_its_units(portal):
    report = check_portal(portal)
    assert report.count("error") == 0, [str(f) for f in report.findings if f.level == "error"]
    assert not [f for f in report.findings if f.rule.startswith("portal-sum")]
    assert report.editions == YEARS


def test_a_mutated_unit_is_caught_at_file_line(portal, built, tmp_path):
    site = copy_portal(portal, tmp_path / "portal")
    unit_budget = f"publishers/{UNIT_B}/content/2025/budget.yaml"
    text = (site / unit_budget).read_text(encoding="utf-8")
    assert '"2120501": {project: 11986600}' in text  # 5993300 × 2
    (site / unit_budget).write_text(text.replace('"2120501": {project: 11986600}', '"2120501": {project: 11986700}'),
                                    encoding="utf-8")
    dept_line = line_of(site, f"publishers/{DEPT}/content/2025/budget.yaml", '"2120501"')
    unit_line = line_of(site, unit_budget, '"2120501"')
    a_line = line_of(site, f"publishers/{UNIT_A}/content/2025/budget.yaml", '"2120501"')
    result = CliRunner().invoke(main, ["check", "--site", str(site)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if "error[portal-sum]" in line]
    at_code = [e for e in errors if e.startswith(f"publishers/{DEPT}/content/2025/budget.yaml:{dept_line}: ")]
    assert len(at_code) == 1, errors
    assert "2120501" in at_code[0] and "17,979,900" in at_code[0] and "17,980,000" in at_code[0]
    assert f"{unit_budget}:{unit_line}" in at_code[0]
    assert f"publishers/{UNIT_A}/content/2025/budget.yaml:{a_line}" in at_code[0]
    # the 2024 editions, untouched, still agree; the total over all lines is named too
    assert not [e for e in errors if "/content/2024/" in e]
    assert any("total of the 功能分类 lines" in e for e in errors)
    # the build of the drafts still goes on, and says so (the unchanged publishers are kept)
    out = tmp_path / "out"
    shutil.copytree(built, out)
    built = CliRunner().invoke(main, ["build", "--site", str(site), "--out", str(out), "--no-pdf", "-j", "1", "-q"])
    assert built.exit_code == 0, built.output
    assert f"publishers/{DEPT}/content/2025/budget.yaml:{dept_line}: error[portal-sum]" in built.output
    assert "4 publisher(s) unchanged" not in built.output  # -q: errors and warnings only
    assert (out / UNIT_B / "2025/index.html").is_file()


def test_codes_parents_and_names_are_consistent(portal, tmp_path):
    site = copy_portal(portal, tmp_path / "portal")
    jiaoyu = site / "publishers/jiaoyu/site.yaml"
    jiaoyu.write_text(jiaoyu.read_text(encoding="utf-8").replace('code: "102001"', 'code: "101002"'), encoding="utf-8")
    unit = site / f"publishers/{UNIT_A}/site.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace(f"parent: {DEPT}", "parent: nowhere"), encoding="utf-8")
    edition = site / "publishers/changzheng/content/2024/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8").replace("长征镇人民政府", "长征镇"), encoding="utf-8")
    found = {(str(f.pos), f.rule) for f in check_portal(site).findings if f.level == "error"}
    assert (f"publishers/jiaoyu/site.yaml:{line_of(site, 'publishers/jiaoyu/site.yaml', 'code:')}", "portal-code") in found
    assert (f"publishers/{UNIT_A}/site.yaml:{line_of(site, f'publishers/{UNIT_A}/site.yaml', 'parent:')}",
            "portal-parent") in found
    assert ("publishers/changzheng/content/2024/edition.yaml:3", "portal-name") in found
    # the department has one unit left (×2), no longer its sum (×3): said at its own lines
    sums = {pos for pos, rule in found if rule == "portal-sum"}
    assert sums and all(pos.startswith(f"publishers/{DEPT}/content/") for pos in sums)
    assert {rule for _pos, rule in found} == {"portal-code", "portal-parent", "portal-name", "portal-sum"}


def test_a_publisher_uses_the_portal_s_code_list(portal, tmp_path):
    """The bundled 2025 list lacks some of the example's 科目: the portal's codes/2025.yaml adds
    them for every publisher; without it, they are unknown."""
    from budgetsite.build import check_site

    site = copy_portal(portal, tmp_path / "portal")
    assert check_site(site / "publishers/jiaoyu", 2025).count("error") == 0
    (site / "codes/2025.yaml").unlink()
    errors = [f for f in check_site(site / "publishers/jiaoyu", 2025).findings if f.level == "error"]
    assert errors and {f.rule for f in errors} == {"code-unknown"}


# -- parallel, Dask, reuse -------------------------------------------------------------------

def test_two_local_workers_build_the_same_bytes(portal, built, tmp_path):
    out = tmp_path / "_site"
    result = CliRunner().invoke(main, ["build", "--site", str(portal), "--out", str(out), "--no-pdf", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "[5/5]" in result.output
    assert files_of(out) == files_of(built)


def test_a_dask_cluster_builds_the_same_bytes(portal, built, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        result = build_portal(portal, tmp_path / "_site", pdf=False, scheduler=client)
        assert len(result.built) == 5
        assert len({w["id"] for w in client.scheduler_info()["workers"].values()}) == 2
    assert files_of(tmp_path / "_site") == files_of(built)


def test_an_unchanged_publisher_is_not_built_again(portal, built, tmp_path):
    site = copy_portal(portal, tmp_path / "portal")
    out = tmp_path / "_site"
    shutil.copytree(built, out, copy_function=shutil.copy2)
    before = files_of(out)
    again = build_portal(site, out, pdf=False, jobs=1)
    assert again.built == [] and len(again.reused) == 5
    assert files_of(out) == before
    # one publisher changes: only it is built; the cross-department download follows
    budget = site / "publishers/jiaoyu/content/2025/budget.yaml"
    budget.write_text(budget.read_text(encoding="utf-8").replace("reception: 67500", "reception: 77500"),
                      encoding="utf-8")
    third = build_portal(site, out, pdf=False, jobs=1)
    assert third.built == ["jiaoyu"] and len(third.reused) == 4
    after = files_of(out)
    changed = {rel for rel in after if after[rel] != before.get(rel)}
    assert changed and all(rel.startswith(("jiaoyu/", "data/2025/")) or rel in ("data/.xlsx-keys.json",
                                                                                ".portal-hash.json")
                           for rel in changed), sorted(changed)
    assert "7.75" in (out / "data/2025/three_public.csv").read_text(encoding="utf-8-sig")
