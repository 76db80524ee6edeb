"""Indicator frameworks (绩效指标体系) are data: the 一级 → 二级 tree a layout's tables are checked
against comes from a YAML file the layout names, bundled or the site's own."""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, copy_site, edit, line_of

from budgetsite.build import check_site

TABLE = "content/2025/performance/01-memorial-day.yaml"
LAYOUT = "performance-layouts/shanxi-project.yaml"

#: a province's tree that differs from the 财政部 one: 产出 has no 时效 but a 进度; a 一级 发展
LOCAL = """id: local
name: 某省绩效指标体系
levels:
  产出: [数量, 质量, 进度, 成本]
  效益: [社会效益, 经济效益, 生态效益, 可持续影响]
  发展: [长效机制]
  满意度: [群众满意度]
satisfaction: [群众满意度]
quantitative: [数量, 成本, 群众满意度]
not_money: [数量, 质量, 进度]
"""


def level_findings(site, rule="perf-level-mismatch"):
    return [f for f in check_site(site, 2025).findings if f.rule == rule and f.pos.file == TABLE]


def local_site(tmp_path):
    """The example with its project layout copied into the site, following the local framework."""
    site = copy_site(tmp_path / "site")
    (site / "performance-layouts").mkdir()
    text = (ROOT / "builder/standards/performance/shanxi-project.yaml").read_text(encoding="utf-8")
    text = text.replace("      label: 绩效指标\n", "      label: 绩效指标\n      framework: local\n", 1)
    assert "framework: local" in text
    (site / LAYOUT).write_text(text, encoding="utf-8")
    (site / "indicator-frameworks").mkdir()
    (site / "indicator-frameworks/local.yaml").write_text(LOCAL, encoding="utf-8")
    return site


def test_the_bundled_framework_checks_the_standard_tree(tmp_path):
    site = copy_site(tmp_path / "site")
    assert level_findings(site) == []
    line = edit(site, TABLE, "    时效指标:", "    进度指标:")  # not a 二级 of 产出 in the 财政部 tree
    [finding] = level_findings(site)
    assert finding.level == "error" and finding.pos.line == line
    assert "进度指标" in finding.message and "时效指标" in finding.message  # names 产出's own 二级


def test_a_site_framework_changes_what_the_check_accepts(tmp_path):
    site = local_site(tmp_path)
    found = {(f.pos.line, f.level): f.message for f in level_findings(site)}
    # 时效 is not in the local tree: reported at its line, with the local 二级 of 产出 as advice
    timely = found.pop((line_of(site, TABLE, "时效指标:"), "error"))
    assert "进度指标" in timely and "时效指标" in timely
    # its 满意度 二级 is 群众满意度: 服务对象满意度 is not one, and its indicator is told where to go
    assert "群众满意度指标" in found.pop((line_of(site, TABLE, "服务对象满意度:"), "error"))
    assert "满意度指标 → 群众满意度指标" in found.pop((line_of(site, TABLE, "公众满意度"), "warning"))
    assert found == {}
    edit(site, TABLE, "    时效指标:", "    进度指标:")
    edit(site, TABLE, "    服务对象满意度:", "    群众满意度:")
    assert level_findings(site) == []
    # a 一级 of the local tree that the 财政部 tree does not have
    edit(site, TABLE, "  效益指标:\n    经济效益: []\n", "  发展指标:\n    长效机制:\n      - {name: 制度建设, period: 完善}\n  效益指标:\n")
    assert level_findings(site) == []
    edit(site, "indicator-frameworks/local.yaml", "  发展: [长效机制]\n", "")
    [finding] = level_findings(site)
    assert "发展指标" in finding.message
    assert finding.pos.line == line_of(site, TABLE, "发展指标:")
    for name in ("产出指标", "效益指标", "满意度指标"):  # the advice lists the framework's own 一级
        assert name in finding.message
    assert "成本指标" not in finding.message


def test_an_unknown_framework_is_an_error_at_the_layout(tmp_path):
    site = local_site(tmp_path)
    edit(site, LAYOUT, "framework: local", "framework: lokal")
    result = subprocess.run([sys.executable, "-m", "budgetsite", "check", "--site", str(site)],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    out = result.stdout + result.stderr
    assert f"{LAYOUT}:{line_of(site, LAYOUT, 'framework: lokal')}:" in out
    assert "lokal" in out and "local" in out and "mof" in out  # what there is to choose from
