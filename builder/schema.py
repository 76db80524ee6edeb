"""Typed content declared once: dataclasses read from YAML with positions.

A content class is a dataclass; its annotations are the schema. :func:`read` turns a
:class:`~builder.yamlload.YMap` into an instance, checking keys and types, and gives
every instance ``pos`` (where the mapping starts) and ``where`` (field -> Pos), so any
value can be traced back to its file and line.  A class may define ``from_yaml(value,
pos)`` to accept a shorter form (e.g. a bare amount instead of a mapping).
"""
from __future__ import annotations

import dataclasses
import functools
import reprlib
import datetime
import difflib
import types
import typing
from decimal import Decimal

from .errors import BudgetError, Pos
from .i18n import _, lazy_
from .yamlload import YList, YMap

_NoneType = type(None)


def describe(tp) -> str:
    origin = typing.get_origin(tp)
    if tp is Decimal:
        return _("一个金额（数字，如 12.34）")
    if tp is str:
        return _("文本")
    if tp is int:
        return _("一个整数")
    if tp is bool:
        return _("true 或 false")
    if tp is datetime.date:
        return _("一个日期（YYYY-MM-DD）")
    if origin is typing.Literal:
        return _("以下之一：{choices}", choices=", ".join(str(a) for a in typing.get_args(tp)))
    if origin is list:
        return _("一个列表")
    if origin is dict:
        return _("一个映射（键: 值）")
    if dataclasses.is_dataclass(tp) or hasattr(tp, "from_yaml"):
        description = getattr(tp, "DESCRIPTION", None)  # marked N_("…") where it is defined
        return _(description) if description else _("一个映射")
    if origin in (typing.Union, types.UnionType):
        return _("或").join(describe(a) for a in typing.get_args(tp) if a is not _NoneType)
    return str(tp)


class _Short(reprlib.Repr):
    """reprlib's bounded repr, for our YAML containers too (it dispatches on the type's name)."""

    def repr_YList(self, x, level):  # noqa: N802 (reprlib's naming)
        return self.repr_list(x, level)

    def repr_YMap(self, x, level):  # noqa: N802
        return self.repr_dict(x, level)


_REPR = _Short()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 2, 4, 4, 40, 40


def _show(value) -> str:
    """A value as a message shows it: short, and cheap whatever its size (a YAML alias can make
    a list of millions of items; repr() of it all would take minutes)."""
    text = _REPR.repr(value) if not isinstance(value, str) else f"'{value[:40]}'"
    return text if len(text) < 40 else text[:37] + "..."


def _should_be(what: str, value, tp, hint: str = "") -> str:
    """The message of a value of the wrong type: what it is, and what it should be."""
    return _("{what}：{value} 不符合要求，应填写{expected}{hint}",
             what=what, value=_show(value), expected=describe(tp), hint=hint)


def convert(value, tp, pos: Pos, what: str):
    """Convert a YAML value to ``tp``; ``what`` names the value in messages."""
    if tp is str and type(value) is str:  # the most common cases first, before typing's
        return value                      # introspection (a record of 10,000 has 30,000 values)
    if tp is Decimal and type(value) is Decimal:
        return value
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not _NoneType]
        if value is None and len(args) < len(typing.get_args(tp)):
            return None
        if len(args) == 1:
            return convert(value, args[0], pos, what)
        for arg in args:
            try:
                return convert(value, arg, pos, what)
            except BudgetError:
                continue
        raise BudgetError(pos, _should_be(what, value, tp))
    hook = getattr(tp, "from_yaml", None) if isinstance(tp, type) else None
    if hook is not None:
        return hook(value, pos, what)
    if dataclasses.is_dataclass(tp):
        return read(value, tp, pos, what)
    if tp is Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            hint = ""
            if isinstance(value, str) and "," in value:
                hint = _("（请去掉千位分隔符“,”）")
            raise BudgetError(pos, _should_be(what, value, tp, hint))
        return Decimal(value)
    if tp is str:
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise BudgetError(pos, _should_be(what, value, tp))
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise BudgetError(pos, _should_be(what, value, tp))
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise BudgetError(pos, _should_be(what, value, tp))
        return value
    if tp is datetime.date:
        if not isinstance(value, datetime.date):
            raise BudgetError(pos, _should_be(what, value, tp))
        return value
    if origin is typing.Literal:
        allowed = typing.get_args(tp)
        if value not in allowed:
            raise BudgetError(pos, _should_be(what, value, tp))
        return value
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        if value is None:
            value = YList()
            value.pos, value.item_pos = pos, []
        if not isinstance(value, YList):
            raise BudgetError(pos, _("{what}：应是一个列表（每项以“- ”开头）", what=what))
        result = YList(
            convert(item, item_tp, ipos, lazy_("{what} 第 {number} 项", what=what, number=i + 1))
            for i, (item, ipos) in enumerate(zip(value, value.item_pos))
        )
        result.pos, result.item_pos = value.pos, value.item_pos
        return result
    if origin is dict:
        key_tp, value_tp = typing.get_args(tp)
        if value is None:
            value = YMap()
            value.pos, value.key_pos = pos, {}
        if not isinstance(value, YMap):
            raise BudgetError(pos, _("{what}：应是一个映射（键: 值）", what=what))
        result = YMap()
        result.pos, result.key_pos = value.pos, {}
        for k, v in value.items():
            key = convert(k, key_tp, value.key_pos[k], lazy_("{what} 的键", what=what))
            result[key] = convert(v, value_tp, value.key_pos[k], lazy_("{what} 中的“{key}”", what=what, key=k))
            result.key_pos[key] = value.key_pos[k]
        return result
    if tp is object:
        return value
    raise TypeError(f"unsupported schema type {tp!r}")  # a programming error


@functools.lru_cache(maxsize=None)
def _hints(cls) -> dict:
    """The resolved annotations of a content class (resolving them is slow; classes do not
    change while the program runs)."""
    return typing.get_type_hints(cls)


@functools.lru_cache(maxsize=None)
def _fields_by_key(cls) -> dict:
    """YAML key -> field of a content class (classes do not change while the program runs)."""
    return {key_of(f): f for f in dataclasses.fields(cls) if f.init}


@functools.lru_cache(maxsize=None)
def _plan(cls) -> tuple:
    """(key, field name, type, what to do when the key is absent) for each field of a content
    class: worked out once per class, not once per record (a list of 10,000 projects)."""
    hints = _hints(cls)
    plan = []
    for key, f in _fields_by_key(cls).items():
        tp = hints[f.name]
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            absent = "required"
        elif typing.get_origin(tp) in (dict, list):
            absent = "container"
        elif dataclasses.is_dataclass(tp):
            absent = "record"
        else:
            absent = "default"
        plan.append((key, f.name, tp, absent))
    return tuple(plan)


def fields_of(cls) -> dict:
    hints = _hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init}


def key_of(field: dataclasses.Field) -> str:
    return field.metadata.get("key", field.name)


def read(value, cls, pos: Pos, what: str):
    """Build dataclass ``cls`` from a YAML mapping, rejecting unknown keys."""
    if value is None:
        value = YMap()
        value.pos, value.key_pos = pos, {}
    if not isinstance(value, YMap):
        raise BudgetError(pos, _should_be(what, value, cls))
    fields = _fields_by_key(cls)
    for key in value:
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = _("（是不是“{close}”？）", close=close[0]) if close else ""
            allowed = ", ".join(fields)
            raise BudgetError(
                value.key_pos[key],
                _("未知的键“{key}”（在{what}中）{hint}；可用的键：{allowed}",
                  key=key, what=what, hint=hint, allowed=allowed),
            )
    kwargs, where = {}, {}
    key_pos = value.key_pos
    for key, name, tp, absent in _plan(cls):
        if key in value:
            kpos = key_pos[key]
            kwargs[name] = convert(value[key], tp, kpos, lazy_("{what}：“{key}”", what=what, key=key))
            where[name] = kpos
        elif absent == "required":
            raise BudgetError(value.pos, _("{what}：缺少必须填写的键“{key}”", what=what, key=key))
        elif absent == "container":
            kwargs[name] = convert(None, tp, value.pos, what)
        elif absent == "record":
            kwargs[name] = read(None, tp, value.pos, what)
    obj = cls(**kwargs)
    object.__setattr__(obj, "pos", value.pos)
    object.__setattr__(obj, "where", where)
    validate = getattr(cls, "validate", None)
    if validate is not None:  # checks of the values themselves (raise BudgetError at their line)
        validate(obj)
    return obj


def require_text(obj, name: str, what: str) -> None:
    """A text field that must say something: not empty, not only spaces."""
    value = getattr(obj, name)
    if value is not None and not str(value).strip():
        raise BudgetError(pos_of(obj, name), _("{what}（{name}）不能为空：请填写", what=_(what), name=name))


def pos_of(obj, field: str | None = None) -> Pos | None:
    """The position of an instance, or of one of its fields when given."""
    if field is not None:
        where = getattr(obj, "where", {})
        if field in where:
            return where[field]
    return getattr(obj, "pos", None)
