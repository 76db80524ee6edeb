"""Table sets: the standard tables described as data (builder/standards/tablesets)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .errors import BudgetError, Pos
from .schema import convert, read
from .yamlload import YMap, load_yaml

STANDARDS = Path(__file__).parent / "standards"

Layout = Literal[
    "balance", "subjects", "economic", "revenue", "soe_balance", "three_public", "operating", "projects"
]


@dataclass(frozen=True)
class HeaderCell:
    DESCRIPTION = "a header cell: text, or {text, colspan, rowspan}"
    text: str
    colspan: int = 1
    rowspan: int = 1

    @classmethod
    def from_yaml(cls, value, pos: Pos, what: str) -> "HeaderCell":
        if isinstance(value, YMap):
            return read(value, cls, pos, what)
        return cls(text=convert(value, str, pos, what))


@dataclass(frozen=True)
class TableSpec:
    number: str
    title: str
    layout: Layout
    header: list[list[HeaderCell]]
    label: str | None = None
    columns: list[str] = field(default_factory=list)
    filter: str | None = None
    income: list[list[str | None]] = field(default_factory=list)
    footer: list[list[str | None]] = field(default_factory=list)
    source: Literal["fund", "soe"] | None = None
    carryover: bool = False
    total_label: str = "合计"


@dataclass(frozen=True)
class TableSet:
    id: str
    name: str
    tables: list[TableSpec]


def load_tableset(name: str, site_dir: Path, pos: Pos | None) -> TableSet:
    """A table set by name: the site's own ``tablesets/NAME.yaml`` or a bundled one."""
    for folder in (site_dir / "tablesets", STANDARDS / "tablesets"):
        path = folder / f"{name}.yaml"
        if path.is_file():
            shown = path.as_posix() if folder != site_dir / "tablesets" else f"tablesets/{name}.yaml"
            data = load_yaml(path, shown)
            return read(data, TableSet, Pos(shown, 1), "table set")
    bundled = sorted(p.stem for p in (STANDARDS / "tablesets").glob("*.yaml"))
    raise BudgetError(pos, f"unknown table set '{name}'; bundled sets: {', '.join(bundled)}")


def header_width(spec: TableSpec) -> int:
    """Number of columns the header spans (first header row, with colspans)."""
    return sum(c.colspan for c in spec.header[0]) if spec.header else 0
