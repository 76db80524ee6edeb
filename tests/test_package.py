"""It installs like a real package: the wheel, in a fresh virtual environment outside the
repository, builds both example sites with the bundled templates, theme, fonts, formats,
layouts, code lists and catalogs; and the README's commands are the same in both languages."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is needed")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv outside the repository with the wheel installed; its bin/ folder."""
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    # built from a copy of what the wheel is made of: setuptools builds in the source tree
    # (build/), and two test workers building the checkout at once would share that folder
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("builder", "templates", "theme"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(dist), str(source)], check=True, cwd=base)
    (wheel,) = dist.glob("budgetsite-*.whl")
    env_dir = base / "env"
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True, cwd=base)
    return bindir


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["BUDGETSITE_LANG"] = "zh"
    return env


def test_the_wheel_holds_no_builder_package_and_imports_as_budgetsite(installed, tmp_path):
    python = str(installed / "python")
    code = ("import importlib.util, budgetsite, budgetsite.cli;"
            "print(budgetsite.__file__);"
            "print(importlib.util.find_spec('builder') is None)")
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path,
                         env=_clean_env()).stdout.split()
    assert Path(out[0]).resolve().is_relative_to(installed.parent.resolve())  # not the checkout
    assert out[1] == "True"
    version = subprocess.run([str(installed / "budgetsite"), "--version"], capture_output=True, text=True,
                             check=True, cwd=tmp_path, env=_clean_env()).stdout
    assert "budgetsite" in version


@pytest.mark.parametrize("example, pdf", [(".", False), ("examples/shanghai-wanli", True)])
def test_the_installed_command_builds_the_example_sites(installed, tmp_path, example, pdf):
    site = tmp_path / "site"
    source = ROOT / example
    site.mkdir()
    shutil.copy2(source / "site.yaml", site / "site.yaml")
    shutil.copytree(source / "content", site / "content")
    for folder in ("formats", "performance-layouts", "codes"):
        if (source / folder).is_dir():
            shutil.copytree(source / folder, site / folder)
    out = tmp_path / "out"
    args = [str(installed / "budgetsite"), "build", "--site", str(site), "--out", str(out)]
    result = subprocess.run(args + ([] if pdf else ["--no-pdf"]), capture_output=True, text=True,
                            cwd=tmp_path, env=_clean_env())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    year = sorted(p.name for p in (site / "content").iterdir() if p.name.isdigit())[-1]
    tables = (out / year / "tables.html").read_text(encoding="utf-8")
    assert "style.css" in (out / year / "index.html").read_text(encoding="utf-8")
    assert list(out.rglob("style.css"))  # the bundled theme
    assert "<table" in tables
    if pdf:
        (pdf_file,) = (out / year).glob("*.pdf")
        text = subprocess.run(["pdftotext", str(pdf_file), "-"], capture_output=True, text=True,
                              check=True).stdout
        titles = re.findall(r'<span class="table-title">([^<]+)<', tables)
        assert titles and all(re.sub(r"\s+", "", t) in re.sub(r"\s+", "", text) for t in titles[:3]), titles


def test_a_check_message_from_the_installed_package_is_chinese(installed, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy2(ROOT / "site.yaml", site / "site.yaml")
    shutil.copytree(ROOT / "content", site / "content")
    path = site / "content/2025/edition.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: draft", "status：draft"), encoding="utf-8")
    result = subprocess.run([str(installed / "budgetsite"), "check", "--site", str(site)], capture_output=True,
                            text=True, cwd=tmp_path, env=_clean_env())
    assert result.returncode == 1 and "全角冒号" in result.stderr + result.stdout
    english = subprocess.run([str(installed / "budgetsite"), "--lang", "en", "check", "--site", str(site)],
                             capture_output=True, text=True, cwd=tmp_path, env=_clean_env())
    assert "full-width colon" in english.stderr + english.stdout  # the catalog is in the wheel


def _commands(readme: Path) -> list[str]:
    text = readme.read_text(encoding="utf-8")
    return re.findall(r"```(?:sh|bat|powershell|console|cmd)\n(.*?)```", text, flags=re.S)


def test_the_chinese_and_english_readmes_give_the_same_commands():
    zh, en = _commands(ROOT / "README.md"), _commands(ROOT / "README.en.md")
    assert zh == en and len(zh) >= 6
    joined = "\n".join(zh)
    assert ".venv\\Scripts\\" in joined and ".venv/bin/" in joined  # Windows and POSIX steps
    assert "pip install" in joined
