"""Inputs that would print wrong without breaking a sum: negative amounts, and
bidirectional control characters that make the text display other than it reads."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from ..errors import Pos
from ..findings import Finding
from ..i18n import _
from ..model import BySource, Line
from ..schema import pos_of
from ..yamlload import BIDI_CONTROLS, bidi_message


def _negatives(value, pos, path: str):
    """(pos, path, amount) of every negative number under ``value``."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (Decimal, int)):
        if value < 0:
            yield pos, path, value
        return
    if isinstance(value, BySource):
        where = getattr(value, "where", {})
        for source, amount in value.items():
            yield from _negatives(amount, where.get(source, getattr(value, "pos", pos)), f"{path}.{source}")
        return
    if isinstance(value, Line) and value.reduction:
        return  # 冲减: negative by design
    if dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from _negatives(getattr(value, field.name), pos_of(value, field.name) or pos,
                                  f"{path}.{field.name}" if path else field.name)
        return
    if isinstance(value, dict):
        key_pos = getattr(value, "key_pos", {})
        for key, item in value.items():
            yield from _negatives(item, key_pos.get(key, pos), f"{path}.{key}")
        return
    if isinstance(value, (list, tuple)):
        item_pos = getattr(value, "item_pos", [])
        for i, item in enumerate(value):
            yield from _negatives(item, item_pos[i] if i < len(item_pos) else pos, f"{path}[{i + 1}]")


def amounts_not_negative(subject):
    """A budget figure is never negative, unless its line is a 冲减 (``reduction: true``)."""
    budget = subject.source.budget
    for pos, path, amount in _negatives(budget, budget.pos, ""):
        hint = (_("；若这一行确是冲减，请在该科目下写 reduction: true") if path.startswith("lines.")
                else "")
        yield Finding(pos, "error", "amount-negative",
                      _("{path} 的数值 {amount} 是负数：预算数不能为负（请检查是否多写了负号）{hint}",
                        path=path, amount=str(amount), hint=hint))


def no_bidi_controls(subject):
    """No text of the edition contains a bidirectional control character (U+202A–U+202E,
    U+2066–U+2069): it changes the order in which the text is displayed. (YAML values are
    refused when read; this also covers the Markdown and comments.)"""
    source = subject.source
    files = [(doc.shown, doc.text) for doc in source.all_texts()]
    folder = subject.root / source.folder
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("performance/*.yaml")):
        try:
            files.append((f"{source.folder}/{path.relative_to(folder).as_posix()}",
                          path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
    for shown, text in files:
        for number, line in enumerate(text.splitlines(), start=1):
            match = BIDI_CONTROLS.search(line)
            if match:
                yield Finding(Pos(shown, number), "error", "bidi-control", bidi_message(match.group(0)))


RULES = [amounts_not_negative, no_bidi_controls]
