"""Publishing: a ``status: published`` edition is complete (builder/publish.py).

The build applies the same guard to every published edition before it records the
freeze; as a rule, `budgetsite check` reports it as well, before anyone builds.
"""
from __future__ import annotations

from ..publish import incomplete


def publish_complete(subject):
    """A published edition has figures (not every amount 0) and, where its format asks, a date."""
    yield from incomplete(subject.source, subject.format)


RULES = [publish_complete]
