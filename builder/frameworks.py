"""Indicator frameworks (绩效指标体系): which 二级 indicators each 一级 admits, which are about
satisfaction, and whose values should be quantities — as data.

A framework is a YAML file: bundled in ``builder/standards/indicators/<id>.yaml`` (``mof``: the
财政部 tree of 财预〔2015〕88号 and 财预〔2021〕101号), or a site's own in
``indicator-frameworks/<id>.yaml``. A layout's indicators block names the one its tables
follow (``framework: <id>``, ``mof`` by default); the rules ``levels``, ``quantities`` and
``satisfaction`` read it. Names are compared without spaces and the trailing 指标.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import BudgetError, Pos
from .i18n import _
from .schema import read
from .yamlload import load_yaml

BUNDLED = Path(__file__).parent / "standards" / "indicators"
SITE_FOLDER = "indicator-frameworks"
DEFAULT = "mof"


def norm(name) -> str:
    """An indicator level name without spaces and the trailing 指标: "经济效益指标" → "经济效益"."""
    name = "".join(str(name).split())
    return name[:-2] if name.endswith("指标") and len(name) > 2 else name


@dataclass(frozen=True)
class Framework:
    """A 绩效指标体系: 一级 → its 二级, and the 二级 of satisfaction and of quantities."""

    levels: dict[str, list[str]]
    id: str = ""
    name: str = ""
    satisfaction: list[str] = field(default_factory=list)
    quantitative: list[str] = field(default_factory=list)
    quantitative_level1: list[str] = field(default_factory=list)
    not_money: list[str] = field(default_factory=list)  # 二级 whose value is not an amount (that is a cost)

    def validate(self) -> None:
        if not self.levels:
            raise BudgetError(getattr(self, "pos", None), _("指标体系的 levels 不能为空：请列出一级指标及其二级指标"))

    def _normed(self, name: str):
        """A field's names without spaces and 指标, worked out once (the rules ask per indicator)."""
        cache = self.__dict__.setdefault("_cache", {})
        if name not in cache:
            if name == "levels":
                cache[name] = {norm(l1): frozenset(norm(l2) for l2 in l2s or ())
                               for l1, l2s in self.levels.items()}
            else:
                cache[name] = frozenset(norm(n) for n in getattr(self, name))
        return cache[name]

    def _tree(self) -> dict[str, frozenset]:
        return self._normed("levels")

    def is_level1(self, name) -> bool:
        return norm(name) in self._tree()

    def admits(self, level1, level2) -> bool:
        """``level2`` is a 二级 of ``level1``."""
        return norm(level2) in self._tree().get(norm(level1), ())

    def level2_of(self, level1) -> list[str]:
        return sorted(self._tree().get(norm(level1), ()))

    def level1_names(self) -> list[str]:
        return list(self._tree())

    def homes(self, level2) -> list[str]:
        """The 一级 that admit ``level2``."""
        return [l1 for l1, l2s in self._tree().items() if norm(level2) in l2s]

    def is_satisfaction(self, level2) -> bool:
        return norm(level2) in self._normed("satisfaction")

    def satisfaction_home(self) -> str:
        """Where a satisfaction indicator goes, as the messages say it: 满意度指标 → 服务对象满意度指标."""
        if not self.satisfaction:
            return _("满意度指标")
        first = norm(self.satisfaction[0])
        homes = self.homes(first)
        home = next((h for h in homes if self.is_satisfaction(h)), homes[0] if homes else None)
        return f"{home}指标 → {first}指标" if home else f"{first}指标"

    def not_money_at(self, level2) -> bool:
        return norm(level2) in self._normed("not_money")

    def expects_quantity(self, level1, level2) -> bool:
        return (norm(level2) in self._normed("quantitative")
                or norm(level1) in self._normed("quantitative_level1"))


_CACHE: dict = {}  # (shown, id of the parsed YAML) -> Framework


def _read(path: Path, shown: str) -> Framework:
    data = load_yaml(path, shown)
    key = (shown, id(data))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is data:
        return hit[1]
    framework = read(data, Framework, Pos(shown, 1), _("指标体系"))
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = (data, framework)
    return framework


def bundled_frameworks() -> list[str]:
    return sorted(p.stem for p in BUNDLED.glob("*.yaml"))


def find_framework(name: str | None, site_dir: Path, pos: Pos | None = None) -> Framework:
    """The framework ``name`` (the default when None): the site's own, else a bundled one."""
    name = name or DEFAULT
    if name.replace("-", "").replace("_", "").isalnum():
        own = Path(site_dir) / SITE_FOLDER / f"{name}.yaml"
        if own.is_file():
            return _read(own, f"{SITE_FOLDER}/{name}.yaml")
        bundled = BUNDLED / f"{name}.yaml"
        if bundled.is_file():
            return _read(bundled, f"builder/standards/indicators/{name}.yaml")
    site_own = sorted(p.stem for p in (Path(site_dir) / SITE_FOLDER).glob("*.yaml"))
    known = ", ".join(sorted(set(bundled_frameworks()) | set(site_own)))
    raise BudgetError(pos, _("未知的指标体系“{name}”：可用的有 {known}（也可以在站点的 {folder}/ 文件夹中自定义）",
                             name=name, known=known, folder=SITE_FOLDER))
