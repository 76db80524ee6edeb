"""Write stage: the one writer of the output folder, atomically.

Everything is written to a temporary folder beside the output, which then replaces
the output in one rename; a failed build leaves the previous site untouched.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .errors import BudgetError, Pos

MARKER = ".budgetsite-output"


def _check_target(out: Path, site_root: Path) -> None:
    out_r, root_r = out.resolve(), site_root.resolve()
    if out_r == root_r or out_r in root_r.parents or (out_r / "content").exists():
        raise BudgetError(Pos(str(out)), "refusing to write the site over its own sources; choose another --out")
    if out.exists() and not (out / MARKER).exists() and any(out.iterdir()):
        raise BudgetError(
            Pos(str(out)),
            "output folder exists and was not made by budgetsite; empty it or choose another --out",
        )


def write_site(files: dict[str, bytes | str], out: Path, site_root: Path) -> None:
    """Write ``files`` (relative path -> content) as the new output folder."""
    out = Path(out)
    _check_target(out, site_root)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".budgetsite-", dir=out.parent))
    try:
        for rel, content in sorted(files.items()):
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else content
            path.write_bytes(data)
        (tmp / MARKER).write_text("built by budgetsite; this folder is replaced on every build\n",
                                  encoding="utf-8")
        os.chmod(tmp, 0o755)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=".budgetsite-old-", dir=out.parent))
            os.rename(out, old / "site")
        os.rename(tmp, out)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
