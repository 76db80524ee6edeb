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
from .i18n import N_, _, language


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
    return _("文本中含有不可见的双向控制字符 U+{code}，它会改变文字的显示顺序"
             "（显示的内容与实际内容不同）：请删除它", code=f"{ord(char):04X}")


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:20] + "…" + text[-10:]


def _check_magnitude(loader: _Loader, node: yaml.Node, value, text: str):
    # Decimal.adjusted() is the exponent of the leading digit (no arithmetic, so no overflow)
    big = value.adjusted() >= 15 if isinstance(value, Decimal) else abs(value) >= MAX_MAGNITUDE
    if value and big:
        raise BudgetError(_pos(loader, node),
                          _("数值“{text}”过大：金额和数量的绝对值必须小于 10^15"
                            "（请检查是否多输了位数或误写了指数）", text=_short(text)))
    return value


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> Decimal:
    _other_base(loader, node, loader.construct_scalar(node))
    text = loader.construct_scalar(node).replace("_", "")
    if len(text) > 60:  # no figure needs more digits than that (exact decimals keep 28)
        raise BudgetError(_pos(loader, node), _("数值“{text}”过长（{n}个字符）：请检查是否多输了位数",
                                                text=_short(text), n=len(text)))
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BudgetError(_pos(loader, node), _("“{text}”不是数值", text=_short(text))) from None
    if not value.is_finite():
        raise BudgetError(_pos(loader, node), _("“{text}”不是有限的数值", text=_short(text)))
    return _check_magnitude(loader, node, value, text)


#: YAML 1.1 reads these plain numbers in another base: 0265 (octal, 181), 0x109 (hexadecimal,
#: 265), 0b101 (binary), 4:25 (base 60, 265). No figure or code of a disclosure means that, so
#: each is an error that says how to write what was meant.
_OTHER_BASE = re.compile(r"[-+]?(0[0-7_]+|0[xob][0-9a-fA-F_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)")


def _other_base(loader: _Loader, node: yaml.ScalarNode, text: str) -> None:
    if not _OTHER_BASE.fullmatch(text):
        return
    if ":" in text:
        raise BudgetError(_pos(loader, node),
                          _("“{text}”会被 YAML 当作六十进制数（时:分）读成另一个数：如果是时间或文字，"
                            "请加引号写成 \"{text}\"", text=text))
    if text.lstrip("+-")[:2].lower() in ("0x", "0o", "0b"):
        raise BudgetError(_pos(loader, node),
                          _("“{text}”会被 YAML 当作十六进制、八进制或二进制数读成另一个数：如果是编码或文字，"
                            "请加引号写成 \"{text}\"", text=text))
    raise BudgetError(_pos(loader, node),
                      _("“{text}”以 0 开头，会被 YAML 当作八进制数读成另一个数：如果是编码（如单位代码），"
                        "请加引号写成 \"{text}\"；如果是数值，请去掉开头的 0", text=text))


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    digits = text.replace("_", "").lstrip("+-")
    if len(digits) > 40:  # beyond any figure; int() of thousands of digits is refused or slow
        raise BudgetError(_pos(loader, node),
                          _("数值“{text}”过大（{n}位）：金额和数量的绝对值必须小于 10^15",
                            text=_short(text), n=len(digits)))
    _other_base(loader, node, text)
    try:
        value = _BASE.construct_yaml_int(loader, node)
    except ValueError:
        raise BudgetError(_pos(loader, node), _("“{text}”不是有效的整数", text=_short(text))) from None
    return _check_magnitude(loader, node, value, text)


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode):
    text = loader.construct_scalar(node)
    try:
        return _BASE.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        raise BudgetError(_pos(loader, node),
                          _("日期“{text}”不存在：请写成存在的日期（YYYY-MM-DD），如 2025-04-02",
                            text=_short(text))) from None


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    value = node.value
    if not _SUSPECT.search(value):  # the common case: one scan for both kinds of character
        if node.style in (None, "") and "," in value and _THOUSANDS.fullmatch(value):
            raise BudgetError(_pos(loader, node), _("“{text}”中的逗号是千位分隔符：数值中不能写千位分隔符，请写成 {plain}",
                                                    text=value, plain=value.replace(",", "")))
        return value
    bad = BIDI_CONTROLS.search(value)
    if bad:
        # the line of the character itself, for a text spanning several lines
        line = node.start_mark.line + 1
        if node.style in (None, "", "|", ">"):
            line += value[: bad.start()].count("\n")
        raise BudgetError(Pos(loader.filename, line), bidi_message(bad.group(0)))
    bad = CONTROL.search(value)
    if bad:  # written as an escape ("\u0007") in a quoted string
        raise BudgetError(_pos(loader, node), control_message(bad.group(0)))
    if node.style in (None, "") and _THOUSANDS.fullmatch(value):
        raise BudgetError(_pos(loader, node), _("“{text}”中的逗号是千位分隔符：数值中不能写千位分隔符，请写成 {plain}",
                                                text=value, plain=value.replace(",", "")))
    return value


_MERGE = "tag:yaml.org,2002:merge"
#: a character that one of the checks of a string looks for (bidirectional or other control)
_SUSPECT = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0e-\x1f\x7f]")

#: 3,764.74 unquoted: a number with thousands separators, which YAML reads as text
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?")


def _key_id(key):
    """How a key is compared for duplicates: 2080903 and "2080903" are the same key."""
    if isinstance(key, (int, Decimal)) and not isinstance(key, bool):
        return str(key)
    return key


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> YMap:
    if any(k.tag == _MERGE for k, _v in node.value):  # << merge keys, as PyYAML reads them
        loader.flatten_mapping(node)
    result = YMap()
    file = loader.filename
    result.pos = Pos(file, node.start_mark.line + 1)
    key_pos = result.key_pos = {}
    seen: dict = {}  # key as compared -> where first given
    flow = node.flow_style
    for key_node, value_node in node.value:
        key = _build(loader, key_node)
        if type(key) is not str and isinstance(key, (list, dict)):
            raise BudgetError(_pos(loader, key_node), _("键必须是简单的文字或数字，不能是列表或映射"))
        if (flow and value_node.tag == "tag:yaml.org,2002:null" and not value_node.value
                and isinstance(key_node, yaml.ScalarNode) and key_node.style in (None, "")
                and re.fullmatch(r"\d{3}(\.\d+)?", key_node.value)):
            # {amount: 1,234.56} is read as {amount: 1, 234.56: null}: a thousands separator
            raise BudgetError(_pos(loader, key_node),
                              _("数值中不能写千位分隔符（逗号）：在 {…} 中逗号会把数拆成两项（如 1,234.56 "
                                "被读成 1 和 234.56）：请写成 1234.56"))
        if type(key) is str:
            ident = key
        else:
            if isinstance(key, Decimal):
                key = str(key)
            ident = _key_id(key)
        key_at = Pos(file, key_node.start_mark.line + 1)
        if ident in seen:
            first, first_key = seen[ident]
            if type(first_key) is type(key):
                message = _("键“{key}”重复（第一次出现在第 {line} 行）：同一个键只能写一次，请合并或删除一项",
                            key=key, line=first.line)
            else:  # 2080903 and "2080903": one is silently read over the other
                message = _("键“{key}”重复：第 {first} 行和第 {second} 行都写了它（一处带引号、一处不带引号，"
                            "仍是同一个键）：请合并为一项", key=ident, first=first.line,
                            second=key_at.line)
            raise BudgetError(key_at, message)
        seen[ident] = (key_at, key)
        result[key] = _build(loader, value_node)
        key_pos[key] = key_at
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> YList:
    result = YList([_build(loader, child) for child in node.value])
    result.pos = _pos(loader, node)
    file = loader.filename
    result.item_pos = [Pos(file, child.start_mark.line + 1) for child in node.value]
    return result


class _Recursive(yaml.constructor.ConstructorError):
    """An alias inside the node it names: the data would contain itself."""


def _build(loader: _Loader, node: yaml.Node):
    """The data of ``node``: PyYAML's construct_object, without its general machinery
    (multi-constructors, generators, deep/shallow states) that these safe tags never need,
    since every record of a long list (10,000 projects) passes through here. An alias is
    built once and shared, as PyYAML does; an alias inside itself is refused, as PyYAML does."""
    memo = loader.constructed_objects
    if node in memo:
        return memo[node]
    building = loader.recursive_objects
    if node in building:
        raise _Recursive(None, None, "found unconstructable recursive node", node.start_mark)
    building[node] = None
    constructor = loader.yaml_constructors.get(node.tag)
    if constructor is None:  # an unknown or object-making tag: the safe loader's refusal
        constructor = loader.yaml_constructors[None]
    data = constructor(loader, node)
    memo[node] = data
    del building[node]
    return data


def _construct_document(loader: _Loader, node: yaml.Node):
    data = _build(loader, node)
    loader.constructed_objects = {}
    loader.recursive_objects = {}
    return data


#: the characters an implicitly typed scalar (number, date, bool, null …) can start with
_TYPED_START = frozenset(k for k in _Loader.yaml_implicit_resolvers if k)
_STR = "tag:yaml.org,2002:str"


def _resolve(loader: _Loader, kind, value, implicit):
    """The tag of a node. A plain scalar that no implicit type can start with (a name in
    Chinese, most text) is a string at once; the rest go through PyYAML's resolver (which libyaml
    calls back for every scalar, so this is most of the cost of reading a long list)."""
    if kind is not yaml.ScalarNode or None in loader.yaml_implicit_resolvers:
        return _BASE.resolve(loader, kind, value, implicit)
    if implicit[0] and value and value[0] not in _TYPED_START:
        return _STR
    key = (value, implicit)  # keys (name, amount …) and many values repeat in a long list
    tag = _RESOLVED.get(key)
    if tag is None:
        tag = _BASE.resolve(loader, kind, value, implicit)
        if len(value) <= 40:
            if len(_RESOLVED) > 4096:
                _RESOLVED.clear()
            _RESOLVED[key] = tag
    return tag


_RESOLVED: dict = {}  # (plain scalar, implicit) -> its tag (the resolvers never change)


_Loader.resolve = _resolve
_Loader.construct_document = _construct_document
_Loader.construct_object = lambda loader, node, deep=False: _build(loader, node)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


_CACHE: dict = {}  # (shown, sha256 of the text) -> parsed data; the data is only ever read


def read_source(path: Path, shown_as: str) -> str:
    """A text file of the site as the user saved it: UTF-8, with or without the BOM that
    Windows Notepad writes, and with Windows (CRLF) or old Mac (CR) line ends. Another
    encoding (GBK / GB18030, Notepad's “ANSI”) is refused with how to save it as UTF-8."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise BudgetError(Pos(shown_as), _("找不到文件")) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
            guess = _("它看起来是 GBK/GB18030 编码（Windows 记事本的“ANSI”）")
        except UnicodeDecodeError:
            guess = _("它不是 UTF-8 编码")
        raise BudgetError(Pos(shown_as, line),
                          _("文件不是 UTF-8 编码，{guess}：请用记事本打开，“另存为”时把“编码”选为“UTF-8”后保存"
                            "（第 {line} 行起无法按 UTF-8 读取）", guess=guess, line=line)) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = CONTROL.search(text)
    if bad:
        raise BudgetError(Pos(shown_as, text[:bad.start()].count("\n") + 1), control_message(bad.group(0)))
    return text


#: Control characters (other than tab, line feed and form feed) have no place in a disclosure:
#: they are invisible, and break the downloads (a spreadsheet refuses them) and the pages.
CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def control_message(char: str) -> str:
    return _("文本中含有不可见的控制字符 U+{code}（可能是从其他软件复制来的）：请删除它", code=f"{ord(char):04X}")


def load_yaml(path: Path, shown_as: str) -> object:
    """Read one YAML file; errors name ``shown_as`` and the line.

    A text parsed before is not parsed again (keyed by its content), which keeps
    rebuilds fast while previewing.
    """
    text = read_source(path, shown_as)
    key = (shown_as, hashlib.sha256(text.encode("utf-8")).digest())
    if key in _CACHE:
        return _CACHE[key]
    data = parse_yaml(text, shown_as)
    if len(_CACHE) > 2000:
        _CACHE.clear()
    _CACHE[key] = data
    return data


#: PyYAML's problems, as what the user should do (the original is kept in English output).
_PROBLEMS = [
    ("found character '\\t' that cannot start any token", N_("这一行有制表符（Tab）：YAML 只能用空格缩进，请把 Tab 换成空格")),
    ("found character that cannot start any token", N_("这一行有 YAML 不允许出现在开头的字符（如 Tab、@、`）：请删除它，或给这段文字加引号")),
    ("mapping values are not allowed", N_("这一行多了一个冒号：值里含有“: ”时，请给整个值加引号")),
    ("could not find expected ':'", N_("这一行缺少半角冒号加空格“: ”：键和值之间要用“: ”分开")),
    ("did not find expected key", N_("这一行的缩进或写法不对：同一层的键要对齐，每个键后面要有“: ”")),
    ("did not find expected '-' indicator", N_("列表项的缩进不对：同一个列表的“- ”要对齐")),
    ("did not find expected ',' or '}'", N_("花括号 {…} 没有配对，或其中少了逗号")),
    ("did not find expected ',' or ']'", N_("方括号 […] 没有配对，或其中少了逗号")),
    ("found unexpected end of stream", N_("引号或括号没有配对：文件在这里结束了")),
    ("found unknown escape character", N_("双引号中的反斜杠“\\”后面的字符无效：请改用单引号，或写成“\\\\”")),
    ("found undefined alias", N_("“*”开头的内容会被当作 YAML 别名：请给这段文字加引号")),
    ("expected <block end>, but found", N_("这一行的缩进不对：和上一层的键对齐，或多缩进两格")),
]


def _hint(text: str, line: int, problem: str) -> tuple[str | None, int | None]:
    """What is wrong near ``line`` that the parser cannot say: a full-width colon or space, a tab."""
    lines = text.split("\n")
    for number in (line, line - 1, line + 1):
        if not 0 < number <= len(lines):
            continue
        here = lines[number - 1]
        indent = here[:len(here) - len(here.lstrip(" \t\u3000"))]
        if "\u3000" in indent:
            return _("第 {line} 行开头有全角空格：缩进只能用半角空格，请把全角空格换成半角空格", line=number), number
        if "\t" in indent:
            return _("第 {line} 行开头有制表符（Tab）：YAML 只能用空格缩进，请把 Tab 换成空格", line=number), number
        bare = re.sub(r"\"[^\"]*\"|'[^']*'", "", here)
        if re.match(r"\s*-?\s*[^\s:：#]+：", bare) and ": " not in bare.split("：")[0]:
            return _("第 {line} 行用了全角冒号“：”：键和值之间要用半角冒号加空格“: ”（如 unit: 万元）", line=number), number
    return None, None


def _swallowing_quote(text: str, line: int) -> tuple[int, str] | None:
    """(line, quote) of a quoted text that opens on an earlier line and ends on ``line`` (or the
    line before), where the parser failed: a quote left open (``'2013299: …``) takes in every
    line after it up to the next quote of the same kind, and the error surfaces there, far from
    the mistake. A linear scan of the text up to ``line`` that knows where a quoted scalar may
    start (not PyYAML's scanner, which is quadratic in the depth of nested brackets)."""
    i, n, row = 0, len(text), 1
    starts = " \t\n[{,"  # a quote right after one of these (or ": ", "- ") opens a quoted scalar
    while i < n and row <= line:
        c = text[i]
        if c == "\n":
            row += 1
        elif c == "#" and (i == 0 or text[i - 1] in " \t\n"):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif c in "'\"" and (i == 0 or text[i - 1] in starts or text[i - 2:i] in (": ", "- ")):
            opened, j = row, i + 1
            while j < n:
                if text[j] == "\n":
                    row += 1
                elif c == '"' and text[j] == "\\":
                    j += 1
                elif text[j] == c:
                    if c == "'" and text[j + 1:j + 2] == "'":
                        j += 1  # '' is a quote inside single quotes
                    else:
                        break
                j += 1
            if row > opened and row in (line, line - 1):
                return opened, c
            i = j + 1
            continue
        i += 1
    return None


def parse_yaml(text: str, shown_as: str) -> object:
    loader = _Loader(text)
    loader.filename = shown_as
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # an unclosed quote, { or [ is reported where it opens, not where the parser gave up
        opened = exc.context_mark if exc.context and exc.context.startswith(
            ("while scanning a quoted scalar", "while parsing a flow mapping", "while parsing a flow sequence")) else None
        line = (opened or mark).line + 1 if (opened or mark) else 0
        problem = exc.problem or "invalid YAML"
        if "could not determine a constructor" in problem:
            raise BudgetError(Pos(shown_as, line), _("不允许使用 YAML 标签（{tag}）：请删除“!”开头的标签",
                                                     tag=problem.split("tag ")[-1].strip())) from None
        hint, hint_line = _hint(text, line, problem)
        line = hint_line or line  # the line the advice names (a full-width colon, a tab …)
        if hint is None and opened is None:
            quote = _swallowing_quote(text, line)
            if quote is not None:  # a quote left open far above, closed by chance where it fails
                hint = _("第 {line} 行的引号 {quote} 没有配对：从这里起到第 {end} 行都被当成了一段文字。"
                         "请补上配对的引号，或删去多余的引号", line=quote[0], quote=quote[1], end=line)
                line = quote[0]
        if hint is None:
            hint = next((_(advice) for start, advice in _PROBLEMS if problem.startswith(start)), None)
        if language() == "en":  # PyYAML's own words, and the advice when there is one
            message = f"YAML syntax: {problem}" + (f" ({hint})" if hint else "")
        else:
            message = _("YAML 语法错误：{hint}", hint=hint or _("YAML 写法有误，请检查这一行和上一行"))
        raise BudgetError(Pos(shown_as, line), message) from None
    except yaml.reader.ReaderError as exc:
        line = text[:exc.position].count("\n") + 1 if exc.position is not None else 0
        raise BudgetError(Pos(shown_as, line), control_message(chr(exc.character))
                          if isinstance(exc.character, int) else _("YAML 写法有误，请检查这一行和上一行")) from None
    except yaml.YAMLError as exc:
        raise BudgetError(Pos(shown_as), _("YAML 语法错误：{hint}", hint=str(exc))) from None
    finally:
        loader.dispose()
