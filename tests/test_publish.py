"""Publishing: what the freeze protects (the edition's own content), what it leaves alone
(next year's navigation, the PDF, the machine's fonts), what an edition needs to be
published, and how a published edition goes back to draft (`budgetsite unpublish`)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetsite import freeze, publish
from budgetsite.build import BuildFailed, _edition_setup, build_site
from budgetsite.cli import main
from budgetsite.i18n import using
from budgetsite.load import load_site, templates_dir
from budgetsite.new import new_edition
from budgetsite.pdf import HASH_FILE
from budgetsite.render import environment, render_print

from conftest import copy_site, edit, line_of

EDITION = "content/2025/edition.yaml"
PDF_NAME = "阳泉市退役军人事务局-2025-部门预算公开.pdf"


def publish_2025(site: Path) -> None:
    edit(site, EDITION, "status: draft", "status: published")


def manifest(site: Path) -> str:
    return (site / freeze.MANIFEST).read_text(encoding="utf-8")


def tbodies(page: Path) -> list[str]:
    return re.findall(r"<tbody>.*?</tbody>", page.read_text(encoding="utf-8"), flags=re.S)


def main_text(page: Path) -> str:
    return freeze.main_text(page.read_text(encoding="utf-8"))


def rules(exc: pytest.ExceptionInfo) -> list[str]:
    return [f.rule for f in exc.value.findings]


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# ----------------------------------------------------------------------- (a) next year

def test_next_year_does_not_change_the_published_edition(site_copy, tmp_path):
    publish_2025(site_copy)
    out = tmp_path / "out"
    build_site(site_copy, out, pdf=False)
    recorded = manifest(site_copy)
    tables, text = tbodies(out / "2025/tables.html"), main_text(out / "2025/explanation.html")
    pages = {p: (out / "2025" / p).read_text(encoding="utf-8") for p in
             ("index.html", "overview.html", "tables.html", "explanation.html", "glossary.html",
              "performance.html")}
    assert len(tables) == 13 and "3,764.74" in text
    assert 'class="year-switch"' not in pages["tables.html"]   # one edition: no switcher yet

    new_edition(site_copy, 2026)
    build_site(site_copy, out, pdf=False)                        # used to fail: published-changed
    assert tbodies(out / "2025/tables.html") == tables           # the figures as printed
    assert main_text(out / "2025/explanation.html") == text      # the 情况说明
    after = (out / "2025/tables.html").read_text(encoding="utf-8")
    switch = re.search(r'<nav class="year-switch".*?</nav>', after, flags=re.S).group(0)
    assert 'href="../2026/tables.html"' in switch                # …while the navigation did change
    for name, before in pages.items():
        assert (out / "2025" / name).read_text(encoding="utf-8") != before, name
    assert manifest(site_copy) == recorded                       # nothing to re-record

    # a preview rebuild of 2026 alone (2025 kept from the last build) checks 2025 as well
    build_site(site_copy, out, pdf=False, only={2026})
    edit(site_copy, "content/2025/overview.md", "本部门职责", "本部门主要职责")
    with pytest.raises(BuildFailed) as exc:
        build_site(site_copy, out, pdf=False, only={2026})
    assert rules(exc) == ["published-changed"] and "第一部分 概况（overview.html）" in exc.value.findings[0].message


# ------------------------------------------------------- (b), (c) the PDF and the fonts

def _fontconfig_env(tmp: Path) -> dict:
    """A machine whose fontconfig lists another font folder (an empty one) than this one's."""
    (tmp / "other-fonts").mkdir()
    conf = tmp / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
                    f"<fontconfig><dir>{tmp / 'other-fonts'}</dir><cachedir>{tmp / 'fc-cache'}</cachedir>"
                    "</fontconfig>\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["FONTCONFIG_FILE"] = str(conf)
    return env


@pytest.fixture(scope="module")
def published_then_pdf(tmp_path_factory):
    """2025 published by a build without the PDF; then built WITH the PDF by a process that
    sees another font set (the only PDF rendering of this module)."""
    tmp = tmp_path_factory.mktemp("published-pdf")
    site = copy_site(tmp / "site")
    publish_2025(site)
    out = tmp / "out"
    build_site(site, out, pdf=False)
    recorded = manifest(site)
    run = subprocess.run([sys.executable, "-m", "budgetsite", "build", "--site", str(site), "--out", str(out)],
                         capture_output=True, text=True, timeout=300, env=_fontconfig_env(tmp))
    return site, out, recorded, run


def test_published_edition_rebuilds_with_another_font_set(published_then_pdf):
    site, out, recorded, run = published_then_pdf
    assert run.returncode == 0, run.stderr
    assert (out / "2025" / PDF_NAME).read_bytes().startswith(b"%PDF")
    assert manifest(site) == recorded
    frozen = json.loads(recorded)["editions"]["2025"]["content"]
    assert not [k for k in frozen if "pdf" in k or "xlsx" in k]   # no PDF, no cache key is frozen


def test_published_edition_builds_with_and_without_the_pdf(published_then_pdf):
    site, out, recorded, run = published_then_pdf
    assert run.returncode == 0, run.stderr
    build_site(site, out, pdf=True)              # with the PDF (reused: nothing it is made from changed)
    assert (out / "2025" / HASH_FILE).is_file()
    build_site(site, out, pdf=False)             # published with the PDF, built without it
    assert not (out / "2025" / PDF_NAME).exists()
    assert manifest(site) == recorded


# ---------------------------------------------------------- (d) a figure, then a revision

def test_changing_a_figure_names_the_table_until_a_revision(site_copy, tmp_path):
    publish_2025(site_copy)
    out = tmp_path / "out"
    build_site(site_copy, out, pdf=False)
    recorded = manifest(site_copy)
    # 1.00 moved between two 工资福利 records: every total stays, 表六 changes
    edit(site_copy, "content/2025/budget.yaml", "amount: 65.01", "amount: 64.01")
    edit(site_copy, "content/2025/budget.yaml", "amount: 34.28", "amount: 35.28")
    with pytest.raises(BuildFailed) as exc:
        build_site(site_copy, out, pdf=False)
    assert rules(exc) == ["published-changed"]
    finding = exc.value.findings[0]
    assert (finding.pos.file, finding.pos.line) == (EDITION, line_of(site_copy, EDITION, "status: published"))
    assert "表六 2025年一般公共预算安排基本支出分经济科目表（不含上年结转）" in finding.message
    assert "表一" not in finding.message and "情况说明" not in finding.message   # only what changed
    assert "revisions:" in finding.message and "更正说明" in finding.message
    assert manifest(site_copy) == recorded
    assert "64.01" not in (out / "2025/tables.html").read_text(encoding="utf-8")  # the old site stays

    with (site_copy / EDITION).open("a", encoding="utf-8") as f:
        f.write("revisions:\n  - {date: 2025-05-06, reason: 更正基本支出经济分类}\n")
    build_site(site_copy, out, pdf=False)
    page = (out / "2025/tables.html").read_text(encoding="utf-8")
    assert "64.01" in page and "更正说明" in page and "更正基本支出经济分类" in page
    assert manifest(site_copy) != recorded
    assert json.loads(manifest(site_copy))["editions"]["2025"]["revisions"] == 1
    build_site(site_copy, out, pdf=False)        # frozen again, as corrected


def test_a_first_format_manifest_is_migrated_silently(site_copy, tmp_path):
    publish_2025(site_copy)
    old = {"editions": {"2025": {"revisions": 0, "files": {"2025/tables.html": "0" * 64,
                                                            "2025/.pdf-hash": "1" * 64}}}}
    (site_copy / freeze.MANIFEST).write_text(json.dumps(old), encoding="utf-8")
    build_site(site_copy, tmp_path / "out", pdf=False)
    entry = json.loads(manifest(site_copy))["editions"]["2025"]
    assert "files" not in entry and "table:balance" in entry["content"] and entry["status"] == "published"


# ------------------------------------------------------ (e) an incomplete edition

def test_an_all_zero_edition_cannot_be_published(site_copy, tmp_path):
    new_edition(site_copy, 2026)
    rel = "content/2026/edition.yaml"
    edit(site_copy, rel, "status: draft", "status: published")
    edit(site_copy, rel, "# date: 2026-MM-DD", "date: 2026-04-01")
    with using("zh"), pytest.raises(BuildFailed) as exc:
        build_site(site_copy, tmp_path / "out", pdf=False)
    assert rules(exc) == ["publish-incomplete"]
    finding = exc.value.findings[0]
    assert (finding.pos.file, finding.pos.line) == (rel, line_of(site_copy, rel, "status: published"))
    assert "金额全部为0" in finding.message and "budget.yaml" in finding.message
    assert not (site_copy / freeze.MANIFEST).exists() and not (tmp_path / "out").exists()


def test_an_undated_edition_cannot_be_published(site_copy):
    """The guard itself (the build meets date-missing first), and as a check rule."""
    from budgetsite.check import Subject
    from budgetsite.rules import publishing

    publish_2025(site_copy)
    edit(site_copy, EDITION, "date: 2025-04-02", "# date: 2025-04-02")
    site = load_site(site_copy)
    source = site.editions[0]
    codes, fmt = _edition_setup(site, site_copy, source)
    assert fmt.dated
    with using("zh"):
        found = publish.incomplete(source, fmt)
    assert [(f.rule, f.pos.file, f.pos.line) for f in found] == [
        ("publish-incomplete", EDITION, line_of(site_copy, EDITION, "status: published"))]
    assert "date:" in found[0].message and "情况说明的日期" in found[0].message
    assert [f.rule for f in publishing.publish_complete(Subject(site, source, codes, fmt))] == ["publish-incomplete"]
    edit(site_copy, EDITION, "status: published", "status: draft")   # a draft may be incomplete
    assert publish.incomplete(load_site(site_copy).editions[0], fmt) == []


# ------------------------------------------------------------ (f) back to draft

def test_back_to_draft_only_with_a_reason(site_copy, tmp_path):
    publish_2025(site_copy)
    out = tmp_path / "out"
    build_site(site_copy, out, pdf=False)
    status_line = line_of(site_copy, EDITION, "status: published")

    edit(site_copy, EDITION, "status: published", "status: draft")     # by hand: refused
    with pytest.raises(BuildFailed) as exc:
        build_site(site_copy, out, pdf=False)
    assert rules(exc) == ["unpublish-missing"]
    finding = exc.value.findings[0]
    assert (finding.pos.file, finding.pos.line) == (EDITION, status_line)
    assert 'budgetsite unpublish 2025 --reason' in finding.message
    edit(site_copy, EDITION, "status: draft", "status: published")

    # usage errors: exit 2, nothing changed
    before = (site_copy / EDITION).read_text(encoding="utf-8")
    unknown = cli("unpublish", 2024, "--reason", "x", "--site", site_copy)
    assert unknown.exit_code == 2 and "content/2024: error: no 2024 edition" in unknown.output
    assert cli("unpublish", 2025, "--site", site_copy).exit_code == 2            # no --reason
    assert cli("unpublish", 2025, "--reason", "  ", "--site", site_copy).exit_code == 2
    assert (site_copy / EDITION).read_text(encoding="utf-8") == before

    result = cli("unpublish", 2025, "--reason", "撤回更正", "--date", "2025-06-01", "--site", site_copy)
    assert result.exit_code == 0, result.output
    assert "status: draft" in result.output and "撤回更正" in result.output
    text = (site_copy / EDITION).read_text(encoding="utf-8")
    assert re.search(r"^status: draft +# draft \| published$", text, flags=re.M)   # edited in place
    assert text.count("\n") == before.count("\n") + 2 and text.startswith("# The 2025 edition")
    edition = load_site(site_copy).editions[0].edition
    assert edition.status == "draft"
    assert [(str(w.date), w.reason) for w in edition.withdrawals] == [("2025-06-01", "撤回更正")]
    assert json.loads(manifest(site_copy))["editions"]["2025"]["status"] == "withdrawn"
    again = cli("unpublish", 2025, "--reason", "again", "--site", site_copy)          # a draft now
    assert again.exit_code == 2 and f"{EDITION}:{status_line}: error: the 2025 edition is not published" in again.output

    build_site(site_copy, out, pdf=False)
    for name in ("index.html", "tables.html", "explanation.html"):
        page = (out / "2025" / name).read_text(encoding="utf-8")
        assert "撤回说明" in page and "2025年6月1日" in page and "撤回更正" in page
    site = load_site(site_copy)
    source = site.editions[0]
    from budgetsite import check as check_stage

    codes, fmt = _edition_setup(site, site_copy, source)
    derived = check_stage.check(site, source, codes, fmt)[1]
    printed = render_print(site, source, derived, environment(templates_dir(site_copy)), "2025-04-02", "test")
    assert "撤回说明" in printed and "撤回更正" in printed                       # the PDF shows it too

    # published again: frozen anew (and the withdrawal stays on record)
    edit(site_copy, EDITION, "status: draft", "status: published")
    build_site(site_copy, out, pdf=False)
    entry = json.loads(manifest(site_copy))["editions"]["2025"]
    assert entry["status"] == "published" and entry["withdrawals"] == 1
    edit(site_copy, "content/2025/overview.md", "本部门职责", "本部门主要职责")
    with pytest.raises(BuildFailed) as exc:
        build_site(site_copy, out, pdf=False)
    assert rules(exc) == ["published-changed"]
