"""Check stage: run every rule over an edition and collect findings.

Each finding prints as ``file:line: level[rule]: message``. The rules live in
builder/rules/, one module per family; each rule is a function taking a
:class:`Subject` and yielding :class:`~builder.findings.Finding`.
Rules of the modules in ``rules.FIRST`` (codes, names) run first; when they find an
error the others do not run, since the tables cannot be derived reliably.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .codes import CodeList
from .derive import Derived, derive, glossary
from .findings import LEVELS, Finding
from .i18n import _
from .load import SourceEdition, SourceSite
from .rules import FIRST, MODULES
from .formats import Format


@dataclass
class Subject:
    """What a rule looks at: the sources, the code list, the table set, the derived tables."""

    site: SourceSite
    source: SourceEdition
    codes: CodeList
    format: Format  # the edition's format (its tables, outline, sources, checks)
    derived: Derived | None = None
    #: what rules work out once and share (a layout's indicator framework), by a key of
    #: the rule module's own
    memo: dict = field(default_factory=dict)

    @property
    def root(self):
        return self.site.root

    @property
    def glossary(self) -> list:
        return glossary(self.site.standard_glossary, self.source.glossary)


def _run(modules, subject: Subject) -> list[Finding]:
    return [f for module in modules for rule in module.RULES for f in rule(subject)]


def check(site: SourceSite, source: SourceEdition, codes: CodeList, fmt: Format,
          previous=None) -> tuple[list[Finding], Derived | None]:
    """All findings for an edition (sorted: errors first), and its derived tables.

    ``previous``: last year's derived figures, if content/ has that edition."""
    subject = Subject(site, source, codes, fmt)
    findings = _run(FIRST, subject)
    if not any(f.level == "error" for f in findings):
        subject.derived = derive(source, codes, fmt, previous)
        findings += _run([m for m in MODULES if m not in FIRST], subject)
    findings = reviewed(findings, source.edition)
    findings.sort(key=lambda f: (LEVELS.index(f.level), str(f.pos), f.rule))
    return findings, subject.derived


def reviewed(findings: list[Finding], edition) -> list[Finding]:
    """Warnings the department has looked at (edition.yaml ``reviewed:``) become notes that
    carry its explanation; errors stay errors (they must be corrected)."""
    out = []
    for f in findings:
        review = next((r for r in edition.reviewed if r.rule == f.rule and f.level == "warning"
                       and (r.table is None or r.table == f.subject_id)), None)
        if review is not None:
            f = Finding(f.pos, "note", f.rule, _("{message}（已核实：{note}）", message=f.message, note=review.note),
                        f.subject_id)
        out.append(f)
    return out


__all__ = ["Finding", "Subject", "check"]
