"""资金来源: the source keys of "amounts by source", their labels and groups, as data.

The bundled vocabulary (builder/standards/sources.yaml) is what budget.yaml may use in any
format; a format adds or relabels sources (format.yaml ``sources:``) and groups.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .yamlload import load_yaml

SOURCES_FILE = Path(__file__).parent / "standards" / "sources.yaml"


@dataclass(frozen=True)
class Vocabulary:
    labels: dict           # source key -> label, in print order
    groups: dict           # group name -> tuple of source keys

    @property
    def keys(self) -> tuple:
        return tuple(self.labels)

    def members(self, token: str) -> tuple | None:
        """The sources a measure token names (a source or a group), None if neither."""
        if token in self.groups:
            return tuple(self.groups[token])
        if token in self.labels:
            return (token,)
        return None

    def label(self, key: str) -> str:
        return self.labels.get(key, key)


def _bundled() -> Vocabulary:
    data = load_yaml(SOURCES_FILE, "builder/standards/sources.yaml")
    return Vocabulary(dict(data["sources"]), {k: tuple(v) for k, v in data["groups"].items()})


BUNDLED_SOURCES = _bundled()
FISCAL = BUNDLED_SOURCES.groups["fiscal"]


def vocabulary(fmt) -> Vocabulary:
    """The bundled sources with the format's own labels, sources and groups."""
    if fmt is None:
        return BUNDLED_SOURCES
    labels = dict(BUNDLED_SOURCES.labels)
    groups = {k: list(v) for k, v in BUNDLED_SOURCES.groups.items()}
    for key, spec in fmt.sources.items():
        labels[key] = spec.label
        for group in spec.groups:
            members = groups.setdefault(group, [])
            if key not in members:
                members.append(key)
    for name, members in fmt.groups.items():
        groups[name] = list(members)
    return Vocabulary(labels, {k: tuple(v) for k, v in groups.items()})
