"""Messages in Chinese by default, English on request: gettext catalogs.

The source language is Chinese: every user-facing text is written in Chinese in the code,
marked ``_("…{name}…", name=value)`` (named placeholders, filled after translation), and
``builder/locale/en/LC_MESSAGES/*.po`` hold its English. The catalogs are compiled into
``budgetsite.mo`` beside them (``python -m budgetsite.i18n`` after editing a .po; a test checks it
is current) and read with the standard library's :mod:`gettext`.

The language is chosen once per run: ``--lang en`` / ``--lang zh``, else ``BUDGETSITE_LANG``,
else Chinese. (The system locale is not consulted: a Chinese Windows often reports an English
locale, and the people this is for read Chinese.) Rule ids and the level words error / warning
/ note stay the same in every language, so editors and CI can read them.
"""
from __future__ import annotations

import ast
import contextlib
import gettext
import os
import re
import struct
from pathlib import Path

LOCALES = Path(__file__).parent / "locale"
DOMAIN = "budgetsite"
LANGUAGES = ("zh", "en")
#: The catalog each language's .po files compile into: our messages in English; and in Chinese,
#: the messages of click itself (usage errors, help headings), whose source language is English.
DOMAINS = {"en": DOMAIN, "zh": "click"}

_state = {"lang": None, "catalog": None}


def _catalog(lang: str):
    if lang == "zh":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALES, languages=[lang], fallback=True)


def set_language(lang: str | None) -> str:
    """Use ``lang`` (zh | en; None: BUDGETSITE_LANG, else zh) from now on; returns it."""
    lang = (lang or os.environ.get("BUDGETSITE_LANG") or "zh").lower()
    lang = "en" if lang.startswith("en") else "zh"
    _state["lang"], _state["catalog"] = lang, _catalog(lang)
    _state["click"] = (gettext.translation("click", LOCALES, languages=["zh"], fallback=True)
                       if lang == "zh" else gettext.NullTranslations())
    return lang


def click_gettext(message: str) -> str:
    """click's own English in the current language (installed into click by :func:`localize_click`)."""
    if _state.get("click") is None:
        set_language(None)
    return _state["click"].gettext(message)


def click_ngettext(singular: str, plural: str, count: int) -> str:
    """click's English with a plural form (“Did you mean …?”), in the current language."""
    return click_gettext(singular if count == 1 else plural)


def localize_click() -> None:
    """Let click's usage errors and help headings speak the current language: click's modules
    translate with a module-level ``_`` (gettext), which is pointed at our catalog."""
    import importlib

    for name in ("core", "exceptions", "formatting", "decorators", "parser", "types", "termui", "utils"):
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:
            continue
        if callable(getattr(module, "_", None)):
            module._ = click_gettext
        if callable(getattr(module, "ngettext", None)):
            module.ngettext = click_ngettext


def language() -> str:
    if _state["lang"] is None:
        set_language(None)
    return _state["lang"]


@contextlib.contextmanager
def using(lang: str):
    """Messages in ``lang`` inside the block (tests, and rendering one message in both)."""
    before = _state["lang"]
    set_language(lang)
    try:
        yield
    finally:
        set_language(before)


def _(message: str, /, **values) -> str:
    """``message`` (Chinese) in the current language, its ``{placeholders}`` filled."""
    if _state["catalog"] is None:
        set_language(None)
    text = _state["catalog"].gettext(message)
    return text.format(**values) if values else text


class lazy_:  # noqa: N801 (named like the other markers: _ and N_)
    """``_(message, **values)``, made only when shown: for the names that reading a file gives
    every value (“第 3 项 的“amount””) in case a message needs one. A file of 10,000 records
    has hundreds of thousands of such names and shows at most a few."""

    __slots__ = ("message", "values")

    def __init__(self, message: str, /, **values):
        self.message = message
        self.values = values

    def __str__(self) -> str:
        return _(self.message, **self.values)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return repr(str(self))


def N_(message: str) -> str:
    """Marks a text for the catalogs without translating it yet (translate with ``_`` later)."""
    return message


# --------------------------------------------------------------------------- catalogs

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    body = text.strip()
    if not (body.startswith('"') and body.endswith('"')):
        raise ValueError(f"not a quoted string: {text!r}")
    return re.sub(r'\\(.)', lambda m: _ESCAPES.get(m.group(1), m.group(1)), body[1:-1])


def read_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (single forms; the header entry kept under "")."""
    entries: dict[str, str] = {}
    key = None
    current = {"msgid": None, "msgstr": None}

    def flush():
        if current["msgid"] is not None and current["msgstr"] is not None:
            entries[current["msgid"]] = current["msgstr"]
        current["msgid"] = current["msgstr"] = None

    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("msgid "):
            flush()
            key, current["msgid"] = "msgid", _unquote(line[6:])
        elif line.startswith("msgstr "):
            key, current["msgstr"] = "msgstr", _unquote(line[7:])
        elif line.startswith('"') and key:
            current[key] += _unquote(line)
    flush()
    return entries


def catalog_entries(lang: str = "en") -> dict[str, str]:
    """Every entry of every .po file of ``lang`` (later files do not override earlier ones)."""
    out: dict[str, str] = {}
    for path in sorted((LOCALES / lang / "LC_MESSAGES").glob("*.po")):
        for msgid, msgstr in read_po(path).items():
            out.setdefault(msgid, msgstr)
    return out


def mo_bytes(entries: dict[str, str]) -> bytes:
    """The GNU .mo file of ``entries`` (the format gettext reads), keys sorted: reproducible."""
    keys = sorted(entries)
    ids = [k.encode("utf-8") for k in keys]
    strs = [entries[k].encode("utf-8") for k in keys]
    n = len(keys)
    header = 7 * 4
    ids_table, strs_table = header, header + n * 8
    data_start = strs_table + n * 8
    offsets, blob = [], b""
    for b in ids:
        offsets.append((len(b), data_start + len(blob)))
        blob += b + b"\0"
    str_offsets = []
    for b in strs:
        str_offsets.append((len(b), data_start + len(blob)))
        blob += b + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, n, ids_table, strs_table, 0, 0)
    out += b"".join(struct.pack("<2I", *o) for o in offsets)
    out += b"".join(struct.pack("<2I", *o) for o in str_offsets)
    return out + blob


def compile_catalogs() -> list[Path]:
    """Write budgetsite.mo of each language from its .po files."""
    written = []
    for folder in sorted(p for p in LOCALES.iterdir() if (p / "LC_MESSAGES").is_dir()):
        entries = {k: v for k, v in catalog_entries(folder.name).items() if v or k == ""}
        target = folder / "LC_MESSAGES" / f"{DOMAINS[folder.name]}.mo"
        target.write_bytes(mo_bytes(entries))
        written.append(target)
    return written


def _marked(root: Path):
    """(msgid, where, filled) of every ``_("…")`` / ``N_("…")`` / ``lazy_("…")`` call in the package; ``filled``:
    the call passes values (its {placeholders} are filled; other braces are doubled)."""
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_", "lazy_")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                yield node.args[0].value, f"{path.relative_to(root.parent)}:{node.lineno}", bool(node.keywords)


def messages_in_source(root: Path | None = None) -> dict[str, list[str]]:
    """Every text marked ``_("…")`` / ``N_("…")`` in builder/: msgid -> where it is used."""
    found: dict[str, list[str]] = {}
    for msgid, where, _filled in _marked(Path(root or Path(__file__).parent)):
        found.setdefault(msgid, []).append(where)
    return found


def filled_messages(root: Path | None = None) -> set[str]:
    """The msgids that are used with values (str.format is applied to them)."""
    return {msgid for msgid, _where, filled in _marked(Path(root or Path(__file__).parent)) if filled}


if __name__ == "__main__":  # python -m budgetsite.i18n: compile the catalogs
    for written in compile_catalogs():
        print(f"wrote {written}")
