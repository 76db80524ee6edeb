"""Where the bundled templates and theme are: beside the package when installed from a wheel
(budgetsite/templates, budgetsite/theme), or at the top of a checkout (templates/, theme/)."""
from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    installed = _HERE / name
    return installed if installed.is_dir() else _HERE.parent / name


BUNDLED_THEME = _bundled("theme")
BUNDLED_TEMPLATES = _bundled("templates")
