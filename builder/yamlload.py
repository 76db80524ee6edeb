"""YAML reading: safe tags only, Decimal for numbers with a fraction, positions kept.

Every mapping is a :class:`YMap` and every sequence a :class:`YList`; both remember
the line of each key or item so that later stages can point at the exact line.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from .errors import BudgetError, Pos


class YMap(dict):
    pos: Pos
    key_pos: dict


class YList(list):
    pos: Pos
    item_pos: list


_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when available


class _Loader(_BASE):
    """A safe loader that builds Decimal for floats and position-aware containers."""

    filename = "<yaml>"


def _pos(loader: _Loader, node: yaml.Node) -> Pos:
    return Pos(loader.filename, node.start_mark.line + 1)


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BudgetError(_pos(loader, node), f"'{text}' is not a number") from None
    if not value.is_finite():
        raise BudgetError(_pos(loader, node), f"'{text}' is not a finite number")
    return value


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> YMap:
    loader.flatten_mapping(node)
    result = YMap()
    result.pos = _pos(loader, node)
    result.key_pos = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise BudgetError(_pos(loader, key_node), "a key must be a plain value")
        if isinstance(key, Decimal):
            key = str(key)
        if key in result:
            first = result.key_pos[key].line
            raise BudgetError(
                _pos(loader, key_node), f"duplicate key '{key}' (first given on line {first})"
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_pos[key] = _pos(loader, key_node)
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> YList:
    result = YList(loader.construct_object(child, deep=True) for child in node.value)
    result.pos = _pos(loader, node)
    result.item_pos = [_pos(loader, child) for child in node.value]
    return result


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


_CACHE: dict = {}  # (shown, sha256 of the text) -> parsed data; the data is only ever read


def load_yaml(path: Path, shown_as: str) -> object:
    """Read one YAML file; errors name ``shown_as`` and the line.

    A text parsed before is not parsed again (keyed by its content), which keeps
    rebuilds fast while previewing.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BudgetError(Pos(shown_as), "file not found") from None
    except UnicodeDecodeError as exc:
        raise BudgetError(Pos(shown_as), f"not UTF-8 text ({exc.reason})") from None
    key = (shown_as, hashlib.sha256(text.encode("utf-8")).digest())
    if key in _CACHE:
        return _CACHE[key]
    data = parse_yaml(text, shown_as)
    if len(_CACHE) > 2000:
        _CACHE.clear()
    _CACHE[key] = data
    return data


def parse_yaml(text: str, shown_as: str) -> object:
    loader = _Loader(text)
    loader.filename = shown_as
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = exc.problem or "invalid YAML"
        if "could not determine a constructor" in problem:
            problem = "YAML tags (" + problem.split("tag ")[-1].strip() + ") are not allowed"
        raise BudgetError(Pos(shown_as, line), f"YAML syntax: {problem}") from None
    except yaml.YAMLError as exc:
        raise BudgetError(Pos(shown_as), f"YAML syntax: {exc}") from None
    finally:
        loader.dispose()
