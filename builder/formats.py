"""Disclosure formats: everything one province's 部门预算公开 format prescribes, as data.

A format is a folder of YAML (bundled: builder/standards/formats/<id>/; a site's own:
<site>/formats/<id>/): ``format.yaml`` (sources and their labels, number style, the document
outline and its required sections, the tables that must be present, the checks that apply)
and ``tables.yaml`` (each standard table: label, title, unit, header, row source, columns,
empty-table note). A format may ``extends:`` another and change only what differs: a table
with the id of one of the base's replaces its keys, a new id is appended, ``drop:`` removes.

Nothing in Python knows a table of a particular format: code refers to tables by the row
source (``layout``) and to the format's own words through this module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from .errors import BudgetError, Pos
from .i18n import N_, _
from .schema import convert, read
from .yamlload import YList, YMap, load_yaml

STANDARDS = Path(__file__).parent / "standards"
BUNDLED = STANDARDS / "formats"

Layout = Literal[
    "balance", "subjects", "economic", "revenue", "soe_balance", "three_public", "operating", "projects",
    "single",
]


def _text_or_mapping(key: str):
    """``from_yaml`` of a class written either as a mapping or as the text of its ``key``."""

    def from_yaml(cls, value, pos: Pos, what: str):
        if isinstance(value, YMap):
            return read(value, cls, pos, what)
        return cls(**{key: convert(value, str, pos, what)})

    return classmethod(from_yaml)


@dataclass(frozen=True)
class HeaderCell:
    DESCRIPTION = N_("一个表头单元格：文本，或 {text, colspan, rowspan}")
    text: str
    colspan: int = 1
    rowspan: int = 1

    from_yaml = _text_or_mapping("text")


@dataclass(frozen=True)
class NumberStyle:
    """How a table prints an amount: decimals, thousands separators, what zero looks like."""

    decimals: int = 2
    thousands: bool = False
    zero: str = ""          # the text of a zero amount: "" (blank), "0", "0.00", "-"
    trim: bool = False      # drop trailing zeros of the decimals (25.00 -> 25)

    def merged(self, other: "NumberStyle | None") -> "NumberStyle":
        if other is None:
            return self
        given = getattr(other, "where", {})
        return NumberStyle(**{k: getattr(other if k in given else self, k)
                              for k in ("decimals", "thousands", "zero", "trim")})


@dataclass(frozen=True)
class Cellref:
    """One figure of a ``single`` row: a ledger (three_public, operating, functional,
    economic), a path in it (dot-joined, "" for all) and a measure."""

    ledger: str
    path: str = ""
    measure: str = "total"


@dataclass(frozen=True)
class TableSpec:
    title: str
    layout: Layout
    header: list[list[HeaderCell]]
    id: str | None = None            # how checks, notes and reviews refer to the table
    number: str = ""                  # printed before the title (e.g. a 表 number, or "1.")
    name: str | None = None           # how messages name it, when not by its number
    label: str | None = None          # the small label above the title, when the format prints one
    unit: str | None = None           # the table's unit when not the edition's (元 | 万元)
    style: NumberStyle | None = None  # number style when not the format's
    empty_note: str | None = None     # printed under the table when it has no figure
    columns: list[str] = field(default_factory=list)
    filter: str | None = None
    code: Literal["joined", "split", "none"] = "joined"  # 科目编码 in one column, 类/款/项 columns, or none
    total: Literal["first", "last"] = "first"            # where the 合计 row goes
    classes: Literal["all", "nonzero"] = "all"           # balance: every 类, or those with figures
    levels: list[Literal["类", "款", "项"]] = field(default_factory=list)  # subjects: the levels shown (all)
    empty_rows: bool = False                             # subjects: also the 科目 with no figure here
    gov: bool = True                   # economic: a 政府经济分类 column beside the 部门经济分类
    income: list[list[str | None]] = field(default_factory=list)
    footer: list[list[str | None]] = field(default_factory=list)
    items: list[list[str | int | None]] = field(default_factory=list)  # three_public rows: [label, path, level]
    cells: list[Cellref] = field(default_factory=list)                  # single: the row's figures
    source: str | None = None
    carryover: bool = False
    total_label: str = "合计"

    @property
    def ref(self) -> str:
        """How messages name the table: its name, else its number, else its title."""
        return self.name or self.number or self.title


@dataclass(frozen=True)
class PartSpec:
    """A part of the document (第一部分 …), in outline order."""

    kind: Literal["text", "tables", "glossary"]
    title: str
    number: str = ""
    file: str | None = None           # text: the Markdown file of the edition
    page: str | None = None           # the site page (default: from the file or the kind)
    appendix: Literal["performance"] | None = None  # printed after the part's text
    sections: list[str] = field(default_factory=list)  # text: words its headings must contain (its outline)

    @property
    def page_name(self) -> str:
        if self.page:
            return self.page
        if self.kind == "text" and self.file:
            return Path(self.file).stem + ".html"
        return f"{self.kind}.html"


@dataclass(frozen=True)
class SectionSpec:
    """A section the disclosure must have: a heading of ``file`` containing one of ``words``."""

    file: str
    words: list[str]
    name: str


@dataclass(frozen=True)
class RequiredTable:
    """A table the format requires (财预〔2016〕143号): its id and the name messages use."""

    id: str
    name: str


@dataclass(frozen=True)
class SourceSpec:
    DESCRIPTION = N_("一个资金来源名称，或 {label, groups}")
    label: str
    groups: list[str] = field(default_factory=list)

    from_yaml = _text_or_mapping("label")


@dataclass(frozen=True)
class Format:
    id: str
    name: str
    tables: list[TableSpec]
    extends: str | None = None
    drop: list[str] = field(default_factory=list)
    sources: dict[str, SourceSpec] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    style: NumberStyle = field(default_factory=NumberStyle)
    empty_note: str = "注：本表无数据"
    department_label: str = "部门名称"  # the line above each table: 部门名称 / 编制部门
    dated: bool = True                 # the 情况说明 carries a date (rule date-missing)
    parts: list[PartSpec] = field(default_factory=list)
    sections: list[SectionSpec] = field(default_factory=list)
    required_tables: list[RequiredTable] = field(default_factory=list)  # tables every edition prints
    checks: list[str] = field(default_factory=list)           # the cross-table rules that apply
    performance: dict[str, object] = field(default_factory=dict)  # 绩效表 layouts: name -> layout id or layout

    def table(self, table_id: str) -> TableSpec | None:
        return next((t for t in self.tables if t.id == table_id), None)

    def name_of(self, table_id: str, fallback: str) -> str:
        """How the format names a table in messages (its ``ref``), or ``fallback`` when it has none."""
        spec = self.table(table_id)
        return spec.ref if spec is not None else fallback

    def style_of(self, spec: TableSpec) -> NumberStyle:
        return self.style.merged(spec.style)

    def source_label(self, key: str) -> str:
        spec = self.sources.get(key)
        return spec.label if spec is not None else key


#: Backwards-compatible name (a format used to be called a table set).
TableSet = Format


def _read_raw(path: Path, shown: str) -> YMap:
    data = load_yaml(path, shown)
    if not isinstance(data, YMap):
        raise BudgetError(Pos(shown, 1), _("格式文件应是一个映射（id、name、tables …）"))
    return data


def _folder_raw(folder: Path, shown: str) -> YMap:
    """format.yaml with tables.yaml's tables (when the folder splits them out)."""
    data = _read_raw(folder / "format.yaml", f"{shown}/format.yaml")
    tables = folder / "tables.yaml"
    if tables.is_file():
        extra = load_yaml(tables, f"{shown}/tables.yaml")
        if isinstance(extra, YMap):
            extra = extra.get("tables")
        if not isinstance(extra, YList):
            raise BudgetError(Pos(f"{shown}/tables.yaml", 1), _("tables.yaml 应列出各张表（- title: …）"))
        data = _memo(("folder", data, extra), lambda: _with_tables(data, extra))
    layouts = folder / "performance.yaml"
    if layouts.is_file():  # the format's 绩效表 layouts, beside its tables
        extra = load_yaml(layouts, f"{shown}/performance.yaml")
        if not isinstance(extra, YMap):
            raise BudgetError(Pos(f"{shown}/performance.yaml", 1), _("performance.yaml 是样式名到样式的映射"))
        data = _memo(("layouts", data, extra), lambda: _with_key(data, "performance", extra))
    return data


def _with_tables(data: YMap, tables: YList) -> YMap:
    return _with_key(data, "tables", tables)


def _with_key(data: YMap, key: str, value) -> YMap:
    merged = YMap(data)
    merged.pos, merged.key_pos = data.pos, dict(data.key_pos)
    merged[key] = value
    merged.key_pos[key] = value.pos
    return merged


_MEMO: dict = {}


def _memo(key: tuple, make):
    """``make()`` once for the same parsed inputs (YAML data is cached by content, so the
    same text gives the same objects). The inputs are kept with the result, so their ids
    cannot be taken by other objects while the entry lives."""
    ids = tuple(id(k) if isinstance(k, (YMap, YList)) else k for k in key)
    hit = _MEMO.get(ids)
    if hit is not None and all(a is b if isinstance(b, (YMap, YList)) else a == b for a, b in zip(hit[0], key)):
        return hit[1]
    if len(_MEMO) > 256:
        _MEMO.clear()
    value = make()
    _MEMO[ids] = (key, value)
    return value


def _find(name: str, site_dir: Path) -> tuple[YMap, str] | None:
    """The raw format ``name``: the site's own (folder or file) before a bundled one."""
    from .paths import site_layers

    candidates = []
    for layer, shown in site_layers(site_dir):  # the site's own, then its portal's
        candidates += [
            (layer / "formats" / name, f"{shown}formats/{name}", True),
            (layer / "formats" / f"{name}.yaml", f"{shown}formats/{name}.yaml", False),
            (layer / "tablesets" / f"{name}.yaml", f"{shown}tablesets/{name}.yaml", False),  # older sites
        ]
    candidates.append((BUNDLED / name, f"builder/standards/formats/{name}", True))
    for path, shown, folder in candidates:
        if folder and (path / "format.yaml").is_file():
            return _folder_raw(path, shown), shown
        if not folder and path.is_file():
            return _read_raw(path, shown), shown
    return None


def bundled_formats() -> list[str]:
    return sorted(p.name for p in BUNDLED.iterdir() if (p / "format.yaml").is_file())


def _merge(base: YMap, own: YMap) -> YMap:
    """``own`` over ``base``: keys replace; tables merge by id; ``drop`` removes tables."""
    merged = YMap(base)
    merged.pos, merged.key_pos = own.pos, dict(base.key_pos)
    for key, value in own.items():
        if key in ("extends", "drop"):
            continue
        if key == "tables":
            continue
        if key == "performance" and isinstance(value, YMap) and isinstance(base.get(key), YMap):
            layouts = YMap(base[key])  # layouts merge by name
            layouts.pos, layouts.key_pos = value.pos, {**base[key].key_pos, **value.key_pos}
            layouts.update(value)
            value = layouts
        merged[key] = value
        merged.key_pos[key] = own.key_pos[key]
    tables = YList(base.get("tables") or [])
    tables.pos = getattr(base.get("tables"), "pos", own.pos)
    tables.item_pos = list(getattr(base.get("tables"), "item_pos", [own.pos] * len(tables)))
    index = {t.get("id"): i for i, t in enumerate(tables) if isinstance(t, YMap) and t.get("id")}
    own_tables = own.get("tables") or []
    for table, tpos in zip(own_tables, getattr(own_tables, "item_pos", [])):
        tid = table.get("id") if isinstance(table, YMap) else None
        if tid in index:
            old = tables[index[tid]]
            new = YMap(old)
            new.pos, new.key_pos = table.pos, dict(old.key_pos)
            for k, v in table.items():
                new[k] = v
                new.key_pos[k] = table.key_pos[k]
            tables[index[tid]] = new
            tables.item_pos[index[tid]] = tpos
        else:
            tables.append(table)
            tables.item_pos.append(tpos)
    drop = set(own.get("drop") or [])
    keep = [(t, p) for t, p in zip(tables, tables.item_pos)
            if not (isinstance(t, YMap) and t.get("id") in drop)]
    out = YList(t for t, _ in keep)
    out.pos, out.item_pos = tables.pos, [p for _, p in keep]
    merged["tables"] = out
    merged.key_pos["tables"] = own.key_pos.get("tables", own.key_pos.get("drop", base.key_pos.get("tables", own.pos)))
    merged["id"] = own.get("id", base.get("id"))
    return merged


def _resolve(name: str, site_dir: Path, pos: Pos | None, seen: tuple = ()) -> tuple[YMap, str]:
    if name in seen:
        raise BudgetError(pos, _("格式 '{name}' 的 extends 形成循环：{chain}", name=name, chain=' → '.join(seen + (name,))))
    found = _find(name, site_dir)
    if found is None:
        raise BudgetError(pos, _("未知的格式 '{name}'；内置格式有：{known}（也可以在站点的 formats/ 文件夹中自定义）",
                                 name=name, known=', '.join(bundled_formats())))
    raw, shown = found
    base_name = raw.get("extends")
    if base_name:
        base, _base_shown = _resolve(str(base_name), site_dir, raw.key_pos.get("extends"), seen + (name,))
        raw = _memo(("extends", base, raw), lambda: _merge(base, raw))
    return raw, shown


def load_format(name: str, site_dir: Path, pos: Pos | None) -> Format:
    """The format ``name``: the site's own ``formats/NAME/`` (or ``formats/NAME.yaml``,
    or an older ``tablesets/NAME.yaml``), else a bundled one; ``extends:`` resolved."""
    raw, shown = _resolve(name, Path(site_dir), pos)
    return _memo(("format", raw, shown), lambda: _read_format(raw, shown))


def _read_format(raw: YMap, shown: str) -> Format:
    fmt = _with_defaults(read(raw, Format, Pos(shown, 1), _("格式")))
    _validate(fmt, shown)
    return fmt


#: The document outline of a format that does not declare one (the 财政部 order).
DEFAULT_PARTS = [
    PartSpec("text", "概况", "第一部分", "overview.md"),
    PartSpec("tables", "{year}年部门预算报表", "第二部分", page="tables.html"),
    PartSpec("text", "{year}年度部门预算情况说明", "第三部分", "explanation.md", appendix="performance"),
    PartSpec("glossary", "名词解释", "第四部分", page="glossary.html"),
]


def _with_defaults(fmt: Format) -> Format:
    import dataclasses

    changes = {}
    if not fmt.parts:
        changes["parts"] = YList(DEFAULT_PARTS)
    if not fmt.sources:
        from .sources import BUNDLED_SOURCES

        changes["sources"] = {k: SourceSpec(v) for k, v in BUNDLED_SOURCES.labels.items()}
    if not changes:
        return fmt
    new = dataclasses.replace(fmt, **changes)
    object.__setattr__(new, "pos", fmt.pos)
    object.__setattr__(new, "where", fmt.where)
    return new


def _validate(fmt: Format, shown: str) -> None:
    """What the schema cannot say: ids unique, a known unit, one tables part."""
    seen: dict[str, Pos] = {}
    for spec, pos in zip(fmt.tables, getattr(fmt.tables, "item_pos", [None] * len(fmt.tables))):
        if spec.id:
            if spec.id in seen:
                raise BudgetError(pos, _("表的 id '{id}' 重复（第一次在第 {line} 行）",
                                             id=spec.id, line=seen[spec.id].line))
            seen[spec.id] = pos
        if spec.unit not in (None, "元", "万元", "亿元"):
            raise BudgetError(pos, _("表的单位 '{unit}' 不可用：请写 元、万元 或 亿元", unit=spec.unit))
    kinds = [p.kind for p in fmt.parts]
    if kinds.count("tables") > 1 or kinds.count("glossary") > 1:
        raise BudgetError(fmt.where.get("parts", Pos(shown, 1)), _("目录（parts）中报表和名词解释各只能有一部分"))


def header_width(spec: TableSpec) -> int:
    """Number of columns the header spans (first header row, with colspans)."""
    return sum(c.colspan for c in spec.header[0]) if spec.header else 0


def edition_format(site, ed, root: Path) -> Format:
    """The edition's format: edition.yaml's ``format`` (or older ``tableset``), else site.yaml's."""
    for obj, key in ((ed, "format"), (ed, "tableset"), (site, "format"), (site, "tableset")):
        name = getattr(obj, key)
        if name:
            return load_format(name, root, obj.where.get(key))
    return load_format("shanxi-13", root, None)


UNIT_SCALE = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}


def scale(from_unit: str, to_unit: str | None) -> Decimal:
    """The factor that turns an amount in ``from_unit`` into ``to_unit``."""
    if not to_unit or to_unit == from_unit:
        return Decimal(1)
    return UNIT_SCALE[from_unit] / UNIT_SCALE[to_unit]
