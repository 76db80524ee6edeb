"""Editions of every year: each is checked against its own year's code list (bundled, or the
site's own codes/<year>.yaml over the nearest earlier one, with a warning naming it); codes
that change between years still meet year on year; `check` and `build` agree."""
from __future__ import annotations

from pathlib import Path

from budgetsite.build import build_site, check_site
from budgetsite.new import new_edition
from conftest import ROOT, copy_site
from test_formats import TINY_FORMAT, TINY_TABLES


def year_site(tmp_path: Path, years: dict[int, str]) -> Path:
    """A site of the small test format with one edition per year: ``years`` maps a year to
    its budget lines (YAML)."""
    site = tmp_path / "years"
    (site / "formats/tiny").mkdir(parents=True)
    (site / "formats/tiny/format.yaml").write_text(TINY_FORMAT, encoding="utf-8")
    (site / "formats/tiny/tables.yaml").write_text(TINY_TABLES, encoding="utf-8")
    (site / "site.yaml").write_text("title: 各年度\npublisher: 某局\nformat: tiny\n", encoding="utf-8")
    for year, lines in years.items():
        ed = site / f"content/{year}"
        ed.mkdir(parents=True)
        (ed / "edition.yaml").write_text(f"department: 某局\nyear: {year}\nunit: 万元\n", encoding="utf-8")
        (ed / "budget.yaml").write_text(f"lines:\n{lines}three_public: {{reception: 0.8}}\n", encoding="utf-8")
        (ed / "overview.md").write_text("## 职责\n\n某局职责。\n", encoding="utf-8")
        (ed / "explanation.md").write_text("", encoding="utf-8")
        (ed / "notes.md").write_text(  # the format's text part: 三公 and the lines year on year
            "## 三公经费\n\n{% for l in lines %}{{ l.code }}{{ l.name }}{{ l.change_note }}"
            "{% if l.prior is not none %}上年{{ money(l.prior, unit='万元') }}{% endif %}；{% endfor %}\n",
            encoding="utf-8")
    return site


def findings(site: Path, year: int, rule: str) -> list:
    return [f for f in check_site(site, year).findings if f.rule == rule]


def test_each_year_is_checked_against_its_own_list(tmp_path):
    # 2010507 专项普查活动 is in the 2024 list (the 万里 edition's) but not in the 2025 excerpt;
    # 2023 is earlier than every bundled list: the site gives its own
    old = '  "2080501": {basic: 10}\n  "2010507": {project: 5}\n'
    new = '  "2080501": {basic: 11}\n  "2080502": {basic: 2}\n'
    site = year_site(tmp_path, {2023: old, 2024: old, 2025: new, 2026: new})
    (site / "codes").mkdir()
    (site / "codes/2023.yaml").write_text(
        'functional:\n  "201": 一般公共服务支出\n  "20105": 统计信息事务\n  "2010507": 专项普查活动\n'
        '  "208": 社会保障和就业支出\n  "20805": 行政事业单位养老支出\n  "2080501": 行政单位离退休\n',
        encoding="utf-8")
    for year in (2023, 2024, 2025, 2026):
        assert findings(site, year, "code-unknown") == [], year
    # 2026 has no list of its own: the check says which one it used
    [warning] = findings(site, 2026, "code-list-year")
    assert warning.level == "warning" and "2025" in warning.message and warning.pos.file == "content/2026/edition.yaml"
    assert findings(site, 2025, "code-list-year") == [] and findings(site, 2024, "code-list-year") == []
    [note] = findings(site, 2023, "code-list-year")  # no bundled list so early: the site's own
    assert note.level == "note" and "codes/2023.yaml" in note.message
    out = tmp_path / "out"
    build_site(site, out, pdf=False)
    for year in (2023, 2024, 2025, 2026):
        assert "行政单位离退休" in (out / str(year) / "tables.html").read_text(encoding="utf-8")
    assert "专项普查活动" in (out / "2024/tables.html").read_text(encoding="utf-8")
    # the code valid in 2024 is flagged in 2025 and 2026, whose lists do not have it
    for year in (2025, 2026):
        (site / f"content/{year}/budget.yaml").write_text(f"lines:\n{old}", encoding="utf-8")
        [unknown] = findings(site, year, "code-unknown")
        assert "20105 (款)" in unknown.message and str(year) in unknown.message
        assert unknown.pos == type(unknown.pos)(f"content/{year}/budget.yaml", 3)


def test_a_year_before_every_list_needs_the_sites_own(tmp_path):
    from budgetsite.errors import BudgetError

    site = year_site(tmp_path, {2020: '  "2080501": {basic: 10}\n'})
    try:
        check_site(site)
    except BudgetError as exc:
        assert "codes/2020.yaml" in exc.message and exc.pos.file == "content/2020/edition.yaml"
    else:
        raise AssertionError("a 2020 edition with no code list was checked")


def test_a_site_code_file_adds_a_local_item(tmp_path):
    site = year_site(tmp_path, {2025: '  "2080501": {basic: 10}\n  "2089901": {project: 3}\n'})
    before = findings(site, 2025, "code-unknown")
    assert before and "20899 (款)" in before[0].message and "codes/2025.yaml" in before[0].message
    (site / "codes").mkdir()
    (site / "codes/2025.yaml").write_text(
        'functional:\n  "20899": 其他社会保障和就业支出\n  "2089901": 其他社会保障和就业支出（本地）\n',
        encoding="utf-8")
    assert findings(site, 2025, "code-unknown") == []
    note = findings(site, 2025, "code-list-year")
    assert note == []  # 2025 is bundled: the site's file only adds to it
    out = tmp_path / "out"
    build_site(site, out, pdf=False)
    assert "其他社会保障和就业支出（本地）" in (out / "2025/tables.html").read_text(encoding="utf-8")


def test_a_recoded_item_is_compared_year_on_year(tmp_path):
    site = year_site(tmp_path, {2024: '  "2080501": {basic: 10}\n  "2080502": {basic: 4}\n',
                                2025: '  "2080501": {basic: 12}\n  "2089901": {basic: 5}\n'})
    (site / "codes").mkdir()
    (site / "codes/2025.yaml").write_text('functional:\n  "20899": 其他社会保障和就业支出\n'
                                          '  "2089901": 离退休人员（新科目）\n', encoding="utf-8")
    out = tmp_path / "out"
    build_site(site, out, pdf=False)
    text = (out / "2025/notes.html").read_text(encoding="utf-8")
    assert "2089901离退休人员（新科目）；" in text  # not compared: no mapping yet
    (site / "codes/changes.yaml").write_text(
        'changes:\n  - {year: 2025, old: "2080502", new: "2089901", note: 科目调整}\n', encoding="utf-8")
    build_site(site, out, pdf=False)
    text = (out / "2025/notes.html").read_text(encoding="utf-8")
    assert "2089901离退休人员（新科目）（2024年科目为2080502“事业单位离退休”）上年4.00；" in text
    assert "2080501行政单位离退休上年10.00；" in text


def test_check_and_build_agree_on_an_edition_made_by_new(tmp_path):
    site = copy_site(tmp_path / "site")
    new_edition(site, 2026)
    built = build_site(site, tmp_path / "out", pdf=False)
    checked = check_site(site)
    assert sorted(map(str, checked.findings)) == sorted(map(str, built.findings))
    assert not [f for f in checked.findings if f.rule == "narrative-expression"]
    # and for the new edition alone, as `check --edition 2026` runs it
    alone = check_site(site, 2026)
    assert sorted(map(str, alone.findings)) == sorted(str(f) for f in built.findings
                                                      if f.pos and f.pos.file.startswith("content/2026"))


def test_a_code_change_applies_without_a_site_code_list_and_follows_edits(tmp_path):
    """changes.yaml is read afresh (as while previewing): no stale code list."""
    site = year_site(tmp_path, {2024: '  "2080501": {basic: 10}\n  "2080502": {basic: 4}\n',
                                2025: '  "2080501": {basic: 12}\n  "2080502": {basic: 5}\n'})
    out = tmp_path / "out"
    build_site(site, out, pdf=False)
    assert "2080502事业单位离退休上年4.00；" in (out / "2025/notes.html").read_text(encoding="utf-8")
    (site / "codes").mkdir()
    (site / "codes/changes.yaml").write_text(
        'changes:\n  - {year: 2025, old: "2080501", new: "2080502"}\n', encoding="utf-8")
    build_site(site, out, pdf=False)
    text = (out / "2025/notes.html").read_text(encoding="utf-8")
    assert "2080502事业单位离退休（2024年科目为2080501“行政单位离退休”）上年10.00；" in text
