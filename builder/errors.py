"""User-facing errors: one line each, ``file:line: level: message``."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pos:
    """Where a value came from: a file and a 1-based line (0 when unknown)."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


class BudgetError(Exception):
    """An error the user can fix by editing the file it names."""

    def __init__(self, pos: Pos | None, message: str, level: str = "error"):
        super().__init__(message)
        self.pos = pos
        self.message = message
        self.level = level

    def __str__(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        return f"{where}{self.level}: {self.message}"


def display_path(path: Path, base: Path | None) -> str:
    """A path as the user should read it: relative to the site when inside it."""
    path = Path(path)
    if base is not None:
        try:
            return path.resolve().relative_to(Path(base).resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()
