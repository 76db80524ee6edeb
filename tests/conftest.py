"""Shared fixtures: the repository (which is also the example site) and site copies."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Messages are Chinese by default. Most tests were written against the English catalog and run
# in English (the CLI reads BUDGETSITE_LANG too); tests of the Chinese messages say so with
# budgetsite.i18n.using("zh") or BUDGETSITE_LANG=zh.
os.environ["BUDGETSITE_LANG"] = "en"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


def copy_site(dest: Path) -> Path:
    """A private copy of the example site (site.yaml, content/, templates/, theme/)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "site.yaml", dest / "site.yaml")
    for name in ("content", "templates", "theme"):
        shutil.copytree(ROOT / name, dest / name)
    return dest


def edit(site: Path, rel: str, old: str, new: str, count: int = 1) -> int:
    """Replace text in a site file; return the (1-based) line where the old text started."""
    path = site / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return line


def line_of(site: Path, rel: str, needle: str) -> int:
    """The first line of a site file that contains ``needle``."""
    for number, text in enumerate((site / rel).read_text(encoding="utf-8").splitlines(), 1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {rel}")


@pytest.fixture
def site_copy(tmp_path: Path) -> Path:
    return copy_site(tmp_path / "site")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The example site built once for the session (HTML only)."""
    from budgetsite.build import build_site

    out = tmp_path_factory.mktemp("built") / "_site"
    build_site(ROOT, out, pdf=False)
    return out


@pytest.fixture(autouse=True)
def english_messages():
    """Each test starts in English, whatever the test before it chose (the CLI's --lang sets
    the language of the process)."""
    from budgetsite.i18n import set_language

    set_language("en")
    yield
