"""Inputs that would print wrong without breaking a sum: negative amounts, and
bidirectional control characters that make the text display other than it reads."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

from ..errors import Pos
from ..findings import Finding
from ..i18n import _
from ..model import BySource, Line
from ..yamlload import BIDI_CONTROLS, bidi_message


_FIELDS: dict = {}  # dataclass type -> its field names (dataclasses.fields() is slow per call)


def _field_names(cls) -> tuple:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _path(trail) -> str:
    """``trail`` is (parent trail, segment) pairs, kept unjoined until a number is negative."""
    parts = []
    while trail is not None:
        trail, segment = trail
        parts.append(segment)
    text = ""
    for segment in reversed(parts):
        text += segment if segment.startswith(("[", ".")) or not text else "." + segment
    return text


def _negatives(value, pos, trail, out: list) -> None:
    """Append (pos, path, amount) of every negative number under ``value`` to ``out``.

    One walk over the whole budget (10,000 projects and more), so it is a plain recursion that
    builds a path only for a number it reports."""
    kind = type(value)
    if kind is bool or value is None or kind is str:
        return
    if kind is Decimal or kind is int or isinstance(value, (Decimal, int)):
        if value < 0:
            out.append((pos, _path(trail), value))
        return
    if isinstance(value, BySource):
        where = getattr(value, "where", {})
        for source, amount in value.items():
            _negatives(amount, where.get(source, getattr(value, "pos", pos)), (trail, "." + str(source)), out)
        return
    if kind is Line and value.reduction:
        return  # 冲减: negative by design
    if dataclasses.is_dataclass(value):
        where = getattr(value, "where", None) or {}
        own = getattr(value, "pos", None) or pos
        for name in _field_names(kind):
            item = getattr(value, name)
            if item is None or type(item) is str:
                continue
            _negatives(item, where.get(name) or own, (trail, name if trail is None else "." + name), out)
        return
    if isinstance(value, dict):
        key_pos = getattr(value, "key_pos", {})
        for key, item in value.items():
            _negatives(item, key_pos.get(key, pos), (trail, "." + str(key)), out)
        return
    if isinstance(value, (list, tuple)):
        item_pos = getattr(value, "item_pos", [])
        for i, item in enumerate(value):
            _negatives(item, item_pos[i] if i < len(item_pos) else pos, (trail, f"[{i + 1}]"), out)


def amounts_not_negative(subject):
    """A budget figure is never negative, unless its line is a 冲减 (``reduction: true``)."""
    budget = subject.source.budget
    found: list = []
    _negatives(budget, budget.pos, None, found)
    for pos, path, amount in found:
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
        if not BIDI_CONTROLS.search(text):  # one scan of the file; line by line only to say where
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            match = BIDI_CONTROLS.search(line)
            if match:
                yield Finding(Pos(shown, number), "error", "bidi-control", bidi_message(match.group(0)))


RULES = [amounts_not_negative, no_bidi_controls]
