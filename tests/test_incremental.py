"""Incremental builds: an edition whose inputs did not change keeps its files (not loaded,
checked or rendered again); any change of its inputs builds it again, and the result is
always the output a build from scratch gives (builder/incremental.py)."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from budgetsite import freeze, incremental
from budgetsite.build import BuildFailed, build_site
from budgetsite.new import new_edition

from conftest import copy_site, edit

REUSED = "inputs unchanged, the files of the last build are kept"


def build(site: Path, out: Path, **options) -> tuple[list[int], list[str]]:
    """Build; return the years built again and the findings reported."""
    lines: list[str] = []
    warned: list[str] = []
    result = build_site(site, out, pdf=False, progress=lines.append, warn=warned.append, **options)
    reused = {int(line.split("]")[1].split(":")[0]) for line in lines if REUSED in line}
    return sorted(set(result.editions) - reused), [str(f) for f in result.findings]


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def assert_as_from_scratch(site: Path, out: Path, tmp: Path) -> None:
    """The incremental output is, byte for byte, the output of a build from scratch."""
    time.sleep(1.1)  # two builds compared must not run in the same second
    fresh = tmp / f"fresh-{time.monotonic_ns()}"
    build_site(site, fresh, pdf=False)
    assert tree(out) == tree(fresh)


@pytest.fixture
def site_and_out(tmp_path):
    site = copy_site(tmp_path / "site")
    out = tmp_path / "out"
    built, findings = build(site, out)
    assert built == [2025]
    return site, out, findings


def test_nothing_changed_keeps_every_file_and_reports_the_same_findings(site_and_out, tmp_path):
    site, out, findings = site_and_out
    def files():  # each file with its time: a kept file is not even written again
        return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.rglob("*")
                if p.is_file() and p.name != ".budgetsite-output"}

    before = files()
    built, again = build(site, out)
    assert built == []
    assert again == findings and findings  # the check's findings, again
    assert files() == before
    stamp = json.loads((out / "2025" / incremental.STAMP).read_text(encoding="utf-8"))
    assert "2025/tables.html" in stamp["files"] and "2025/data/table-3.xlsx" in stamp["files"]
    assert_as_from_scratch(site, out, tmp_path)


def test_a_content_edit_builds_the_edition_again(site_and_out, tmp_path):
    site, out, _ = site_and_out
    edit(site, "content/2025/explanation.md", "一、", "一、（增量测试）")
    built, _ = build(site, out)
    assert built == [2025]
    assert "（增量测试）" in (out / "2025/explanation.html").read_text(encoding="utf-8")
    budget = site / "content/2025/budget.yaml"
    budget.write_text(budget.read_text(encoding="utf-8").replace("reception: 0.80", "reception: 0.90"),
                      encoding="utf-8")
    assert build(site, out)[0] == [2025]
    assert_as_from_scratch(site, out, tmp_path)


def test_a_template_or_theme_edit_builds_every_edition_again(site_and_out, tmp_path):
    site, out, _ = site_and_out
    edit(site, "templates/base.html", "</body>", "<!-- 模板已修改 --></body>")
    assert build(site, out)[0] == [2025]
    assert "<!-- 模板已修改 -->" in (out / "2025/tables.html").read_text(encoding="utf-8")
    css = site / "theme/chart.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* 主题已修改 */\n", encoding="utf-8")
    assert build(site, out)[0] == [2025]
    assert "/* 主题已修改 */" in next((out / "2025/charts").glob("*.svg")).read_text(encoding="utf-8")
    assert_as_from_scratch(site, out, tmp_path)


def test_a_new_edition_changes_the_year_switcher_of_the_others(site_and_out, tmp_path):
    site, out, _ = site_and_out
    new_edition(site, 2026)
    new_edition(site, 2027)
    built, _ = build(site, out)
    assert built == [2025, 2026, 2027]  # 2025's pages now link to 2026 and 2027
    assert 'href="../2026/tables.html"' in (out / "2025/tables.html").read_text(encoding="utf-8")
    assert build(site, out)[0] == []
    # last year's figures are this year's 上年: an edit of 2025's budget changes 2026's pages,
    # and only those (2027 takes 2026's own figures)
    page = (out / "2026/explanation.html").read_text(encoding="utf-8")
    budget = site / "content/2025/budget.yaml"
    budget.write_text(budget.read_text(encoding="utf-8").replace("reception: 0.80", "reception: 0.90"),
                      encoding="utf-8")
    assert build(site, out)[0] == [2025, 2026]
    assert (out / "2026/explanation.html").read_text(encoding="utf-8") != page
    # an edit of 2027 alone leaves the others as they are (2027 takes 2026's figures
    # without 2026 being checked or rendered)
    edit(site, "content/2027/explanation.md", "一、", "一、（只改2027）")
    assert build(site, out)[0] == [2027]
    assert "（只改2027）" in (out / "2027/explanation.html").read_text(encoding="utf-8")
    # the search indexes the rebuilt edition's pages and the kept editions' (from their stamps)
    index = json.loads((out / "search-index.js").read_text(encoding="utf-8").split(" = ", 1)[1].rstrip(";\n"))
    years = {page[1] for page in index["pages"]}
    assert years == {2025, 2026, 2027}
    edited = [r for r in index["records"] if "（只改2027）" in r[4]]
    assert edited and {index["pages"][r[0]][1] for r in edited} == {2027}
    assert_as_from_scratch(site, out, tmp_path)


def test_a_missing_or_damaged_file_builds_the_edition_again(site_and_out):
    site, out, _ = site_and_out
    (out / "2025/data/table-3.xlsx").unlink()
    assert build(site, out)[0] == [2025]
    assert (out / "2025/data/table-3.xlsx").is_file()
    (out / "2025/tables.html").write_text("truncated", encoding="utf-8")
    assert build(site, out)[0] == [2025]
    assert "truncated" not in (out / "2025/tables.html").read_text(encoding="utf-8")
    (out / "2025" / incremental.STAMP).write_text("{not json", encoding="utf-8")
    assert build(site, out)[0] == [2025]


def test_the_message_language_is_an_input(site_and_out):
    from budgetsite.i18n import using

    site, out, findings = site_and_out
    with using("zh"):
        built, chinese = build(site, out)
    assert built == [2025] and chinese != findings  # a draft's pages show its findings, in Chinese
    assert build(site, out) == ([2025], findings)


def test_a_published_edition_kept_as_it_was_is_still_compared_with_the_manifest(tmp_path):
    site = copy_site(tmp_path / "site")
    edit(site, "content/2025/edition.yaml", "status: draft", "status: published")
    out = tmp_path / "out"
    assert build(site, out)[0] == [2025]
    path = site / freeze.MANIFEST
    recorded = json.loads(path.read_text(encoding="utf-8"))
    assert build(site, out)[0] == []  # unchanged: the manifest agrees
    # the manifest says the 名词解释 was different when published: the kept edition is refused
    recorded["editions"]["2025"]["content"]["glossary"] = "0" * 64
    path.write_text(json.dumps(recorded), encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        build(site, out)
    assert [f.rule for f in exc.value.findings] == ["published-changed"]


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_a_change_behind_a_linked_folder_counts(site_and_out):
    site, out, _ = site_and_out
    elsewhere = site.parent / "performance-elsewhere"
    (site / "content/2025/performance").rename(elsewhere)
    (site / "content/2025/performance").symlink_to(elsewhere, target_is_directory=True)
    assert build(site, out)[0] == []  # the same files, read through the link: the same inputs
    before = (out / "2025/performance.html").read_text(encoding="utf-8")
    target = elsewhere / "01-memorial-day.yaml"
    edit(site.parent, target.relative_to(site.parent).as_posix(), "name: 9.30烈士公祭", "name: 9.30烈士公祭（经链接修改）")
    assert build(site, out)[0] == [2025]
    page = (out / "2025/performance.html").read_text(encoding="utf-8")
    assert page != before and "（经链接修改）" in page


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_an_output_folder_reached_through_a_link_is_replaced_not_written_through(site_and_out, tmp_path):
    """Unchanged files are left alone, but only real files of the output: a file reached
    through a link (here the edition's folder, made a link to a copy elsewhere) is written
    as a real file, and the copy behind the link is not touched."""
    import shutil

    site, out, _ = site_and_out
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(out / "2025", elsewhere)
    before = tree(elsewhere)
    shutil.rmtree(out / "2025")
    (out / "2025").symlink_to(elsewhere, target_is_directory=True)
    edit(site, "content/2025/explanation.md", "一、", "一、（链接测试）")
    assert build(site, out)[0] == [2025]
    assert not (out / "2025").is_symlink() and (out / "2025/tables.html").is_file()
    assert "（链接测试）" in (out / "2025/explanation.html").read_text(encoding="utf-8")
    assert tree(elsewhere) == before
    assert_as_from_scratch(site, out, tmp_path)


def test_the_build_gives_the_site_it_read_and_reads_no_edition_twice(site_and_out, monkeypatch):
    """BuildResult.source() is load_site's result; only the editions the build left unread
    are read for it (a portal's summary of a publisher used to read them all again)."""
    import budgetsite.build as build_module
    from budgetsite.load import load_site

    site, out, _ = site_and_out
    new_edition(site, 2026)
    new_edition(site, 2027)
    build(site, out)
    edit(site, "content/2027/explanation.md", "一、", "一、（再读测试）")
    read: list[str] = []
    real = build_module.load_edition
    monkeypatch.setattr(build_module, "load_edition",
                        lambda root, folder, *a: read.append(folder) or real(root, folder, *a))
    result = build_site(site, out, pdf=False)
    # 2027 is built; 2026 is read for its figures (2027's 上年); 2025 is not read
    assert sorted(read) == ["content/2026", "content/2027"]
    source = result.source()
    assert sorted(read) == ["content/2025", "content/2026", "content/2027"]  # each once
    def seen(src):  # what a summary reads (the 绩效目标表 compare by identity: their names)
        return [(e.folder, e.edition, e.budget, e.all_texts(), [t.anchor for t in e.performance])
                for e in src.editions]

    assert seen(source) == seen(load_site(site)) and source.site == load_site(site).site
