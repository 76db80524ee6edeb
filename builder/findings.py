"""A finding of the checks: where, how bad, which rule, what to do."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import Pos

LEVELS = ("error", "warning", "note")


@dataclass(frozen=True)
class Finding:
    pos: Pos | None
    level: str  # error | warning | note
    rule: str
    message: str
    subject_id: str | None = None  # the table (id) a finding is about, for reviewed: entries

    def __str__(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        return f"{where}{self.level}[{self.rule}]: {self.message}"
