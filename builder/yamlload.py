"""YAML reading: safe tags only, Decimal for numbers with a fraction, positions kept.

Every mapping is a :class:`YMap` and every sequence a :class:`YList`; both remember
the line of each key or item so that later stages can point at the exact line.
"""
from __future__ import annotations

import hashlib
import re
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


#: The largest magnitude a number of the content may have (10^15: 1000万亿 in 元). Larger
#: figures are typing mistakes, and would overflow the decimal arithmetic of the tables.
MAX_MAGNITUDE = Decimal(10) ** 15

#: Bidirectional control characters: they reorder what a reader sees (U+202E makes
#: “123” display as “321”), so content must not contain them.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_message(char: str) -> str:
    return (f"文本中含有不可见的双向控制字符 U+{ord(char):04X}，它会改变文字的显示顺序"
            "（显示的内容与实际内容不同）：请删除它")


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:20] + "…" + text[-10:]


def _check_magnitude(loader: _Loader, node: yaml.Node, value, text: str):
    # Decimal.adjusted() is the exponent of the leading digit (no arithmetic, so no overflow)
    big = value.adjusted() >= 15 if isinstance(value, Decimal) else abs(value) >= MAX_MAGNITUDE
    if value and big:
        raise BudgetError(_pos(loader, node),
                          f"数值“{_short(text)}”过大：金额和数量的绝对值必须小于 10^15"
                          "（请检查是否多输了位数或误写了指数）")
    return value


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node).replace("_", "")
    if len(text) > 60:  # no figure needs more digits than that (exact decimals keep 28)
        raise BudgetError(_pos(loader, node), f"数值“{_short(text)}”过长（{len(text)}个字符）：请检查是否多输了位数")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BudgetError(_pos(loader, node), f"'{_short(text)}' is not a number") from None
    if not value.is_finite():
        raise BudgetError(_pos(loader, node), f"'{_short(text)}' is not a finite number")
    return _check_magnitude(loader, node, value, text)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    digits = text.replace("_", "").lstrip("+-")
    if len(digits) > 40:  # beyond any figure; int() of thousands of digits is refused or slow
        raise BudgetError(_pos(loader, node),
                          f"数值“{_short(text)}”过大（{len(digits)}位）：金额和数量的绝对值必须小于 10^15")
    try:
        value = _BASE.construct_yaml_int(loader, node)
    except ValueError:
        raise BudgetError(_pos(loader, node), f"“{_short(text)}”不是有效的整数") from None
    return _check_magnitude(loader, node, value, text)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode):
    text = loader.construct_scalar(node)
    try:
        return _BASE.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        raise BudgetError(_pos(loader, node),
                          f"日期“{_short(text)}”不存在：请写成存在的日期（YYYY-MM-DD），如 2025-04-02") from None


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    value = loader.construct_scalar(node)
    bad = BIDI_CONTROLS.search(value)
    if bad:
        # the line of the character itself, for a text spanning several lines
        line = node.start_mark.line + 1
        if node.style in (None, "|", ">"):
            line += value[: bad.start()].count("\n")
        raise BudgetError(Pos(loader.filename, line), bidi_message(bad.group(0)))
    return value


def _key_id(key):
    """How a key is compared for duplicates: 2080903 and "2080903" are the same key."""
    if isinstance(key, (int, Decimal)) and not isinstance(key, bool):
        return str(key)
    return key


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> YMap:
    loader.flatten_mapping(node)
    result = YMap()
    result.pos = _pos(loader, node)
    result.key_pos = {}
    seen: dict = {}  # key as compared -> where first given
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise BudgetError(_pos(loader, key_node), "a key must be a plain value")
        if isinstance(key, Decimal):
            key = str(key)
        ident = _key_id(key)
        if ident in seen:
            first, first_key = seen[ident]
            if type(first_key) is type(key):
                message = f"duplicate key '{key}' (first given on line {first.line})"
            else:  # 2080903 and "2080903": one is silently read over the other
                message = (f"键“{ident}”重复：第 {first.line} 行和第 {_pos(loader, key_node).line} 行"
                           "都写了它（一处带引号、一处不带引号，仍是同一个键）：请合并为一项")
            raise BudgetError(_pos(loader, key_node), message)
        seen[ident] = (_pos(loader, key_node), key)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_pos[key] = _pos(loader, key_node)
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> YList:
    result = YList(loader.construct_object(child, deep=True) for child in node.value)
    result.pos = _pos(loader, node)
    result.item_pos = [_pos(loader, child) for child in node.value]
    return result


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
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
