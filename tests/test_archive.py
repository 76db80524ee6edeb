"""Year after year: `new` starts the next edition; the archive lists every edition; last
year's figures feed the 增减 sentences automatically."""
from __future__ import annotations

import re
import subprocess
import sys

from budgetsite.build import build_site
from budgetsite.load import load_site


def run(site, *args):
    return subprocess.run([sys.executable, "-m", "budgetsite", *args, "--site", str(site)],
                          capture_output=True, text=True, timeout=120)


def test_new_edition_then_build(site_copy, tmp_path):
    result = run(site_copy, "new", "2026")
    assert result.returncode == 0, result.stderr
    assert "content/2026/budget.yaml" in result.stdout and "budgetsite check --edition 2026" in result.stdout
    new = site_copy / "content/2026"
    assert (new / "overview.md").read_text(encoding="utf-8") == (site_copy / "content/2025/overview.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in (new / "performance").iterdir()) == sorted(
        p.name for p in (site_copy / "content/2025/performance").iterdir())
    site = load_site(site_copy)
    old, fresh = site.editions
    assert fresh.edition.year == 2026 and fresh.edition.status == "draft"
    assert list(fresh.budget.lines) == list(old.budget.lines)       # the structure is kept
    assert all(not line.basic.total and not line.project.total for line in fresh.budget.lines.values())
    assert [p.name for g in fresh.budget.projects for p in g.projects] == [
        p.name for g in old.budget.projects for p in g.projects]

    out = tmp_path / "out"
    build_site(site_copy, out, pdf=False)
    archive = (out / "index.html").read_text(encoding="utf-8")
    years = re.findall(r'href="(\d{4})/index.html"', archive)
    assert years == ["2026", "2025"]                                 # newest first
    page = (out / "2026/explanation.html").read_text(encoding="utf-8")
    # last year's figures come from content/2025 (its 收支总计 3,764.74)
    assert "比上年减少3,764.74万元，下降100.00%" in page
    # every page has a year switcher
    for year in ("2025", "2026"):
        html = (out / f"{year}/tables.html").read_text(encoding="utf-8")
        assert 'class="year-switch"' in html and 'href="../2025/tables.html"' in html and 'href="../2026/tables.html"' in html


def test_new_refuses_an_existing_or_earlier_year(site_copy):
    result = run(site_copy, "new", "2025")
    assert result.returncode == 1 and "content/2025: error: edition 2025 already exists" in result.stderr
    result = run(site_copy, "new", "2020")
    assert result.returncode == 1 and "later than the latest one (2025)" in result.stderr
    assert run(site_copy, "new", "abc").returncode == 2


def test_rebuilding_one_edition_keeps_the_others(site_copy, tmp_path):
    assert run(site_copy, "new", "2026").returncode == 0
    out = tmp_path / "out"
    build_site(site_copy, out, pdf=False)
    before = {p: p.read_bytes() for p in (out / "2025").rglob("*") if p.is_file()}
    page = site_copy / "content/2026/overview.md"
    page.write_text(page.read_text(encoding="utf-8").replace("本部门职责", "本部门主要职责"), encoding="utf-8")
    build_site(site_copy, out, pdf=False, only={2026})
    assert {p: p.read_bytes() for p in (out / "2025").rglob("*") if p.is_file()} == before
    assert "本部门主要职责" in (out / "2026/overview.html").read_text(encoding="utf-8")


def test_published_edition_is_frozen_until_a_revision(site_copy, tmp_path):
    edition = site_copy / "content/2025/edition.yaml"
    edition.write_text(edition.read_text(encoding="utf-8").replace("status: draft", "status: published"),
                       encoding="utf-8")
    out = tmp_path / "out"
    assert run(site_copy, "build", "--no-pdf", "--out", str(out)).returncode == 0
    manifest = site_copy / "published.json"
    # the edition's own content is frozen (a digest per table, per text part, …), not its files
    assert manifest.is_file() and '"table:balance"' in manifest.read_text(encoding="utf-8")
    assert '"part:explanation.html"' in manifest.read_text(encoding="utf-8")
    recorded = manifest.read_text(encoding="utf-8")
    assert run(site_copy, "build", "--no-pdf", "--out", str(out)).returncode == 0   # unchanged: fine

    budget = site_copy / "content/2025/budget.yaml"
    budget.write_text(budget.read_text(encoding="utf-8").replace("goods: 15.03", "goods: 16.03"), encoding="utf-8")
    result = run(site_copy, "build", "--no-pdf", "--out", str(out))
    assert result.returncode == 1
    assert "content/2025/edition.yaml:5: error[published-changed]" in result.stderr
    assert "2025年度部门预算情况说明（explanation.html）" in result.stderr   # the text that would change
    assert "16.03" not in (out / "2025/explanation.html").read_text(encoding="utf-8")   # old site stays
    assert manifest.read_text(encoding="utf-8") == recorded

    edition.write_text(edition.read_text(encoding="utf-8") +
                       "revisions:\n  - {date: 2025-05-06, reason: 更正政府采购货物预算数}\n", encoding="utf-8")
    result = run(site_copy, "build", "--no-pdf", "--out", str(out))
    assert result.returncode == 0, result.stderr
    page = (out / "2025/explanation.html").read_text(encoding="utf-8")
    assert "16.03" in page and "更正说明" in page and "更正政府采购货物预算数" in page
    assert manifest.read_text(encoding="utf-8") != recorded
    assert run(site_copy, "build", "--no-pdf", "--out", str(out)).returncode == 0
