"""The import's report: messages ``sheet!cell: level: text``, the result, usage errors."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BudgetError


@dataclass(frozen=True)
class Message:
    """One line of the import's report: ``sheet!cell: level: text``."""

    where: str
    level: str  # error | warning | note
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.level}: {self.text}" if self.where else f"{self.level}: {self.text}"


class ImportUsageError(BudgetError):
    """A usage problem (no such file, not a workbook, no year, would overwrite): exit 2."""


@dataclass
class ImportResult:
    messages: list[Message] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    findings: list = field(default_factory=list)  # of the checks, on the imported edition
    todo: list = field(default_factory=list)      # check findings about parts not imported yet
    budget_yaml: str = ""
    edition_yaml: str | None = None
    year: int | None = None
    into: Path | None = None

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.level == "error"]

    @property
    def exit_status(self) -> int:
        return 1 if self.errors or any(f.level == "error" for f in self.findings) else 0


LONGEST = 400  # a message longer than this echoes some huge cell text whole: it is cut
_QUOTED = re.compile(r"(['‘“])([^'’”]{61,})(['’”])")


def bounded(text: str) -> str:
    """A message as shown: a quoted cell text over 60 characters cut to 60 and “…”, and the
    whole message at most LONGEST characters (a title of millions of characters is never
    echoed whole; each message site clips what it echoes, this is the backstop)."""
    if len(text) <= 60:
        return text
    text = _QUOTED.sub(lambda m: m.group(1) + m.group(2)[:60] + "…" + m.group(3), text)
    return text if len(text) <= LONGEST else text[:LONGEST] + "…"


class Report:
    def __init__(self):
        self.messages: list[Message] = []

    def add(self, where: str, level: str, text: str) -> None:
        self.messages.append(Message(bounded(where), level, bounded(text)))

    def error(self, where: str, text: str) -> None:
        self.add(where, "error", text)

    def warning(self, where: str, text: str) -> None:
        self.add(where, "warning", text)

    def note(self, where: str, text: str) -> None:
        self.add(where, "note", text)

    @property
    def failed(self) -> bool:
        return any(m.level == "error" for m in self.messages)
