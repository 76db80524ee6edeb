"""Files as finance staff save them on Windows, and the slips YAML 1.1 makes silent: each builds
correctly, or stops with a Chinese message at file:line that says what to do."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from conftest import edit, line_of

from budgetsite.build import build_site, check_site
from budgetsite.cli import main
from budgetsite.errors import BudgetError
from budgetsite.i18n import using

EDITION = "content/2025/edition.yaml"
BUDGET = "content/2025/budget.yaml"
EXPLANATION = "content/2025/explanation.md"


def error_of(site) -> str:
    with using("zh"), pytest.raises(BudgetError) as err:
        check_site(site)
    return str(err.value)


def run_zh(site, *args):
    return CliRunner().invoke(main, [*args, "--site", str(site)], env={"BUDGETSITE_LANG": "zh"})


def test_a_bom_on_markdown_and_yaml_is_dropped(site_copy, tmp_path):
    for rel in (EXPLANATION, "content/2025/overview.md", BUDGET, EDITION):
        path = site_copy / rel
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert not [f for f in check_site(site_copy).findings if f.level == "error"]
    build_site(site_copy, tmp_path / "out", pdf=False)
    explanation = (tmp_path / "out/2025/explanation.html").read_text(encoding="utf-8")
    assert re.search(r"<h2 id=\"[^\"]+\">一、部门预算收支数据变动情况及原因</h2>", explanation)
    assert "## 一、" not in explanation and "\ufeff" not in explanation
    index = (tmp_path / "out/2025/index.html").read_text(encoding="utf-8")
    assert "一、部门预算收支数据变动情况及原因</a>" in index   # in the 目录


def test_crlf_files_build_the_same_site(site_copy, tmp_path):
    build_site(site_copy, tmp_path / "lf", pdf=False)
    for path in (site_copy / "content/2025").rglob("*"):
        if path.suffix in (".yaml", ".md"):
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    build_site(site_copy, tmp_path / "crlf", pdf=False)
    lf = {p.relative_to(tmp_path / "lf"): p.read_bytes() for p in (tmp_path / "lf").rglob("*") if p.is_file()}
    crlf = {p.relative_to(tmp_path / "crlf"): p.read_bytes() for p in (tmp_path / "crlf").rglob("*") if p.is_file()}
    assert lf.keys() == crlf.keys()
    different = [str(k) for k in lf if lf[k] != crlf[k]]
    # the edition's input hash differs, as its input files do (builder/incremental.py): the only difference
    assert different == ["2025/.edition-hash.json"], different


def test_a_gbk_file_is_refused_with_how_to_save_it(site_copy):
    path = site_copy / EXPLANATION
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("gb18030"))
    message = error_of(site_copy)
    assert message.startswith(f"{EXPLANATION}:1: error: ")
    assert "不是 UTF-8" in message and "GBK" in message and "另存为" in message and "UTF-8" in message
    result = run_zh(site_copy, "build", "--no-pdf")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{EXPLANATION}:1: error: 文件不是 UTF-8 编码" in result.output


def test_a_full_width_colon_names_the_fix(site_copy):
    line = edit(site_copy, EDITION, "status: draft", "status：draft")
    message = error_of(site_copy)
    assert re.match(rf"{EDITION}:{line}: error: ", message) or re.match(rf"{EDITION}:{line + 1}: error: ", message), message
    assert f"第 {line} 行用了全角冒号" in message and "“: ”" in message


def test_a_tab_names_the_fix(site_copy):
    line = edit(site_copy, EDITION, "  - {name: 阳泉市退役军人服务中心", "\t- {name: 阳泉市退役军人服务中心")
    message = error_of(site_copy)
    assert message.startswith(f"{EDITION}:{line}: error: ") and "制表符（Tab）" in message and "空格" in message


def test_a_full_width_space_in_the_indentation_names_the_fix(site_copy):
    line = edit(site_copy, EDITION, "  - {name: 阳泉市退役军人服务中心", "\u3000\u3000- {name: 阳泉市退役军人服务中心")
    message = error_of(site_copy)
    assert f"{EDITION}:" in message and f"第 {line} 行开头有全角空格" in message


@pytest.mark.parametrize("rel, old, new, words", [
    (EDITION, 'department_code: "067"', "department_code: 067", ("八进制", '"067"')),
    (BUDGET, "{project: 265.00}", "{project: 0265}", ("八进制", "去掉开头的 0")),
    (BUDGET, "{project: 265.00}", "{project: 0x109}", ("十六进制",)),
    (BUDGET, "{project: 265.00}", "{project: 4:25}", ("六十进制",)),
    (BUDGET, "{project: 265.00}", "{project: 1,265.00}", ("千位分隔符",)),
])
def test_yaml_11_numbers_never_change_silently(site_copy, rel, old, new, words):
    line = edit(site_copy, rel, old, new)
    message = error_of(site_copy)
    assert message.startswith(f"{rel}:{line}: error: "), message
    assert all(w in message for w in words), message


def test_a_thousands_separator_in_block_style_is_named(site_copy):
    line = edit(site_copy, BUDGET, "  total: 3764.74 ", "  total: 3,764.74 ")
    message = error_of(site_copy)
    assert message.startswith(f"{BUDGET}:{line}: error: ")
    assert "千位分隔符" in message or "逗号" in message, message


def test_pyyaml_english_never_reaches_a_chinese_user(site_copy):
    edit(site_copy, EDITION, "status: draft", "status: draft: again")
    message = error_of(site_copy)
    assert "YAML 语法错误" in message and "冒号" in message
    assert not re.search(r"[A-Za-z]{4,} [A-Za-z]{4,}", message.split("error: ", 1)[1]), message


# -- output on Windows: a file held open, the output folder kept --------------------------------

def test_a_rebuild_keeps_the_output_folder_and_leaves_unchanged_files_alone(site_copy, tmp_path):
    import os

    out = tmp_path / "out"
    build_site(site_copy, out, pdf=False)
    folder = out.stat()
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    old = min(stamps.values()) - 10**10  # 10 s earlier: a rewrite would show
    for p in stamps:
        os.utime(p, ns=(old, old))
    edit(site_copy, EXPLANATION, "## 二、收入预算情况说明", "## 二、收入预算情况说明\n\n新增一句说明。")
    build_site(site_copy, out, pdf=False)
    assert (out.stat().st_ino, out.stat().st_dev) == (folder.st_ino, folder.st_dev)  # never renamed
    changed = {p.relative_to(out).as_posix() for p in stamps if p.stat().st_mtime_ns != old}
    assert "2025/explanation.html" in changed
    assert "2025/tables.html" not in changed and "index.html" not in changed
    assert len(changed) < len(stamps) / 2


def test_a_file_held_open_is_named_and_the_next_build_completes(site_copy, tmp_path, monkeypatch):
    import os

    from budgetsite import write

    out = tmp_path / "out"
    build_site(site_copy, out, pdf=False)
    edit(site_copy, EXPLANATION, "## 二、收入预算情况说明", "## 二、收入预算情况说明\n\n新增一句说明。")
    real = os.replace
    locked = out / "2025/explanation.html"

    def replace(src, dst):
        if os.path.abspath(dst) == str(locked):  # Windows: a reader has it open
            raise PermissionError(13, "The process cannot access the file because it is being used")
        return real(src, dst)

    monkeypatch.setattr(write.os, "replace", replace)
    result = CliRunner().invoke(main, ["--lang", "zh", "build", "--no-pdf", "--site", str(site_copy),
                                       "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith(f"{locked}: error: ") and "正被其他程序打开" in line and "关闭" in line
    assert out.is_dir() and (out / "index.html").is_file()
    assert "新增一句说明" not in locked.read_text(encoding="utf-8")  # the previous version, whole
    monkeypatch.setattr(write.os, "replace", real)
    build_site(site_copy, out, pdf=False)  # released: the next build completes the site
    assert "新增一句说明" in locked.read_text(encoding="utf-8")
    fresh = tmp_path / "fresh"
    build_site(site_copy, fresh, pdf=False)
    files = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert files == {p.relative_to(fresh): p.read_bytes() for p in fresh.rglob("*") if p.is_file()}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".budgetsite-")]


# -- progress ---------------------------------------------------------------------------------

class Terminal:
    def __init__(self, tty: bool):
        self.text, self.tty = "", tty

    def isatty(self):
        return self.tty

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_progress_is_a_bar_and_a_clock_on_a_terminal_and_lines_elsewhere():
    import time

    from budgetsite.progress import Progress

    term = Terminal(True)
    with using("zh"):
        shown = Progress(term, tick=0.1)
        shown("[1/2] 2024：正在检查")
        shown("[2/2] 2025：正在检查")
        shown("2025：正在生成 PDF …")
        time.sleep(1.3)  # the PDF takes a while: the clock ticks
        shown.close()
    assert "\r\x1b[K[██████████··········] 1/2 2024：正在检查" in term.text
    assert "[████████████████████] 2/2 2025：正在检查" in term.text
    assert re.search(r"2025：正在生成 PDF …（\d+ 秒）", term.text) and term.text.endswith("\n")
    assert term.text.count("\n") == 1  # one line, rewritten in place
    log = Terminal(False)
    plain = Progress(log)
    plain("[1/2] 2024：正在检查")
    plain("2025：正在生成 PDF …")
    plain.close()
    assert log.text == "[1/2] 2024：正在检查\n2025：正在生成 PDF …\n"
