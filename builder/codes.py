"""The year-versioned code lists (政府收支分类科目): bundled, and extended by the site.

Bundled lists are ``builder/standards/codes/<year>.yaml``; each states its source and its
coverage. A site adds or renames codes for a year in ``codes/<year>.yaml`` of its own (same
keys: functional, economic_dept, economic_gov) — a local 项, or a year that is not bundled.
A year with no bundled list uses the nearest earlier one, and the check says which
(rule ``code-list-year``). Codes that were renamed or recoded between years are listed in
``changes.yaml`` (bundled, and the site's ``codes/changes.yaml``), so that year-on-year
figures still meet.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import BudgetError, Pos
from .i18n import _
from .schema import read
from .yamlload import YMap, load_yaml

CODES_DIR = Path(__file__).parent / "standards" / "codes"
KINDS = ("functional", "economic_dept", "economic_gov")


@dataclass(frozen=True)
class CodeChange:
    """A 科目 that changed from one year to the next: ``old`` (last year's code) is ``new``
    from ``year`` on."""

    year: int
    old: str
    new: str
    note: str = ""


@dataclass(frozen=True)
class CodeList:
    year: int
    functional: dict[str, str]
    economic_dept: dict[str, str] = field(default_factory=dict)
    economic_gov: dict[str, str] = field(default_factory=dict)
    bundled_year: int | None = None   # the bundled list used, when it is not this year's
    site_file: str | None = None      # the site's own codes/<year>.yaml, when there is one
    changes: list = field(default_factory=list)  # CodeChange into this year

    @property
    def classes(self) -> list[str]:
        """The 功能分类 类 codes in the order of the 收支总表."""
        return [c for c in self.functional if len(c) == 3]

    def last_years_code(self, code: str) -> str:
        """The code this year's ``code`` had last year (itself unless it changed)."""
        for change in self.changes:
            if change.new == code:
                return change.old
        return code


def available_years() -> list[int]:
    return sorted(int(p.stem) for p in CODES_DIR.glob("*.yaml") if p.stem.isdigit())


def _site_list(site_dir: Path | None, year: int):
    if site_dir is None:
        return None, None
    from .paths import site_layers

    # the site's own list, else its portal's (a publisher of a portal)
    found = [(layer / "codes" / f"{year}.yaml", f"{prefix}codes/{year}.yaml")
             for layer, prefix in site_layers(site_dir) if (layer / "codes" / f"{year}.yaml").is_file()]
    if not found:
        return None, None
    path, shown = found[0]
    data = load_yaml(path, shown)
    if data is not None and not isinstance(data, YMap):
        raise BudgetError(Pos(shown, 1), _("科目代码表应是 functional: / economic_dept: / economic_gov: 下的 “代码: 名称”"))
    for key in (data or {}):
        if key not in KINDS + ("year",):
            raise BudgetError(data.key_pos[key], _("未知的键 '{key}'：科目代码表只有 {kinds}", key=key, kinds=', '.join(KINDS)))
    return data or YMap(), shown


def _changes(site_dir: Path | None, year: int) -> list[CodeChange]:
    from .paths import site_layers

    out = []
    own = [(layer / "codes" / "changes.yaml", f"{prefix}codes/changes.yaml")
           for layer, prefix in (site_layers(site_dir) if site_dir else [])
           if (layer / "codes" / "changes.yaml").is_file()][:1]  # the site's own, else its portal's
    for path, shown in [(CODES_DIR / "changes.yaml", "builder/standards/codes/changes.yaml")] + own:
        if path is None or not path.is_file():
            continue
        data = load_yaml(path, shown)
        items = data.get("changes") if isinstance(data, YMap) else None
        if items:
            out += [c for c in read(data, _Changes, Pos(shown, 1), _("科目变动表")).changes if c.year == year]
    return out


@dataclass(frozen=True)
class _Changes:
    changes: list[CodeChange] = field(default_factory=list)


def load_codes(year: int, pos: Pos | None = None, site_dir: Path | None = None) -> CodeList:
    """The code list for ``year``: the bundled one of that year (else the nearest earlier
    one), with the site's own ``codes/<year>.yaml`` over it."""
    own, own_shown = _site_list(site_dir, year)
    years = [y for y in available_years() if y <= year]
    if not years and own is None:
        first = available_years()[0]
        raise BudgetError(pos, _("没有 {year} 年的科目代码表：内置的最早是 {first} 年。请在站点的 codes/{year}.yaml "
                                 "中列出本年用到的功能分类和经济分类科目（格式同 builder/standards/codes/ 中的文件）",
                                 year=year, first=first))
    if years:
        path = CODES_DIR / f"{years[-1]}.yaml"
        shown = f"builder/standards/codes/{path.name}"
        base = read(load_yaml(path, shown), CodeList, Pos(shown, 1), _("科目代码表"))
    else:
        base = CodeList(year, {})
    lists = {kind: dict(getattr(base, kind)) for kind in KINDS}
    if own is not None:
        for kind in KINDS:
            extra = own.get(kind) or {}
            if extra and not isinstance(extra, YMap):
                raise BudgetError(own.key_pos.get(kind, Pos(own_shown, 1)), _("{kind} 应是 “代码: 名称” 的映射", kind=kind))
            for code, name in extra.items():
                lists[kind][str(code)] = str(name)
        # the site's codes go where they sort (类 in the 收支总表's order, each 款 and 项 under it)
        lists["functional"] = dict(sorted(lists["functional"].items()))
    return CodeList(year, lists["functional"], lists["economic_dept"], lists["economic_gov"],
                    bundled_year=years[-1] if years and years[-1] != year else None,
                    site_file=own_shown, changes=_changes(site_dir, year))
