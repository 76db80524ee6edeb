"""Compiled templates kept between runs (builder/codecache.py): a build with the cache, without
it, or with it damaged gives the same bytes; a folder others could write to is not used."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT


def build(out: Path, cache: str) -> None:
    env = dict(os.environ, BUDGETSITE_CACHE_DIR=cache)
    result = subprocess.run([sys.executable, "-m", "budgetsite", "build", "--no-pdf", "--site", str(ROOT),
                             "--out", str(out)], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr


def tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_the_cache_never_changes_the_output(tmp_path):
    cache = tmp_path / "cache"
    build(tmp_path / "with", str(cache))  # fills the cache
    compiled = [p for p in cache.rglob("*") if p.is_file()]
    assert any(p.parent.name == "templates" for p in compiled)
    assert any(p.parent.name == "narratives" for p in compiled)  # explanation.md's expressions
    if sys.platform != "win32":
        assert oct(cache.stat().st_mode & 0o777) == "0o700"
    time.sleep(1.1)  # two builds compared must not run in the same second
    build(tmp_path / "again", str(cache))  # reads it
    time.sleep(1.1)
    build(tmp_path / "without", "off")
    for path in compiled:  # damaged: read as missing
        path.write_bytes(path.read_bytes()[:40] + b"\x00garbage")
    time.sleep(1.1)
    build(tmp_path / "damaged", str(cache))
    expected = tree(tmp_path / "without")
    assert tree(tmp_path / "with") == expected
    assert tree(tmp_path / "again") == expected
    assert tree(tmp_path / "damaged") == expected


def test_a_folder_others_can_write_to_is_not_used(tmp_path, monkeypatch):
    from budgetsite import codecache

    base = tmp_path / "shared"
    base.mkdir()
    monkeypatch.setenv(codecache.ENV_VAR, str(base))
    assert codecache.folder("templates") is not None
    if sys.platform != "win32":
        base.chmod(0o777)
        assert codecache.folder("templates") is None
        assert codecache.load("narratives", "{{ 1 }}") is None
    monkeypatch.setenv(codecache.ENV_VAR, "off")
    assert codecache.folder("templates") is None and codecache.templates() is None
