"""The bundled, year-versioned code lists (政府收支分类科目)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import BudgetError, Pos
from .schema import read
from .yamlload import load_yaml

CODES_DIR = Path(__file__).parent / "standards" / "codes"


@dataclass(frozen=True)
class CodeList:
    year: int
    functional: dict[str, str]
    economic_dept: dict[str, str] = field(default_factory=dict)
    economic_gov: dict[str, str] = field(default_factory=dict)

    @property
    def classes(self) -> list[str]:
        """The 功能分类 类 codes in the order of the 收支总表."""
        return [c for c in self.functional if len(c) == 3]


def available_years() -> list[int]:
    return sorted(int(p.stem) for p in CODES_DIR.glob("*.yaml") if p.stem.isdigit())


def load_codes(year: int, pos: Pos | None = None) -> CodeList:
    """The code list for ``year``: that year's, else the latest earlier one."""
    years = [y for y in available_years() if y <= year]
    if not years:
        raise BudgetError(pos, f"no bundled code list for {year} or earlier")
    path = CODES_DIR / f"{years[-1]}.yaml"
    shown = f"builder/standards/codes/{path.name}"
    return read(load_yaml(path, shown), CodeList, Pos(shown, 1), "code list")
