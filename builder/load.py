"""Load stage: read site.yaml and every edition under content/ into the typed model.

Readers only read: nothing here computes a figure. Every value keeps its file and line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import BudgetError, Pos
from .formats import edition_format
from .i18n import _
from .paths import BUNDLED_TEMPLATES, BUNDLED_THEME, site_layers
from .model import Budget, Edition, Glossary, GlossaryEntry, Site
from .performance import load_performance
from .schema import read
from .yamlload import load_yaml, read_source


@dataclass(frozen=True)
class Text:
    """A Markdown source: its text and the path users know it by."""

    shown: str
    text: str


@dataclass(frozen=True)
class SourceEdition:
    folder: str  # e.g. "content/2025"
    edition: Edition
    budget: Budget
    overview: Text
    explanation: Text
    glossary: Glossary
    performance: list = field(default_factory=list)  # 绩效目标表 (performance/*.yaml)
    texts: dict = field(default_factory=dict)  # every Markdown file of the edition: name -> Text

    def text(self, name: str) -> Text:
        """A Markdown file of the edition (empty when there is none)."""
        if name == "overview.md":
            return self.overview
        if name == "explanation.md":
            return self.explanation
        return self.texts.get(name) or Text(f"{self.folder}/{name}", "")

    def all_texts(self) -> list[Text]:
        """overview.md, explanation.md and every other Markdown file, in name order."""
        others = [t for n, t in sorted(self.texts.items()) if n not in ("overview.md", "explanation.md")]
        return [self.overview, self.explanation] + others


@dataclass(frozen=True)
class SourceSite:
    root: Path
    site: Site
    editions: list[SourceEdition]  # oldest first
    standard_glossary: list[GlossaryEntry]


def _yaml(root: Path, rel: str, cls, what: str, required: bool = True):
    path = root / rel
    if not path.is_file():
        if required:
            raise BudgetError(Pos(rel), _("找不到文件：这里必须有 {what}", what=what))
        return read(None, cls, Pos(rel), what)
    return read(load_yaml(path, rel), cls, Pos(rel, 1), what)


def _text(root: Path, rel: str, required: bool = True) -> Text:
    path = root / rel
    if not path.is_file():
        if required:
            raise BudgetError(Pos(rel), _("找不到文件"))
        return Text(rel, "")
    return Text(rel, read_source(path, rel))


def read_edition_yaml(root: Path, folder: str) -> Edition:
    """An edition's edition.yaml alone (its year must be its folder's name)."""
    edition = _yaml(root, f"{folder}/edition.yaml", Edition, "edition.yaml")
    if str(edition.year) != Path(folder).name:
        raise BudgetError(
            edition.where.get("year", edition.pos),
            _("年份 {year} 与文件夹名“{folder}”不一致：edition.yaml 的 year 要和所在文件夹的名字相同",
              year=edition.year, folder=Path(folder).name),
        )
    return edition


def load_edition(root: Path, folder: str, site: Site | None = None,
                 edition: Edition | None = None) -> SourceEdition:
    """Every file of an edition; ``edition``: its edition.yaml when read already."""
    edition = edition or read_edition_yaml(root, folder)
    return SourceEdition(
        folder=folder,
        edition=edition,
        budget=_yaml(root, f"{folder}/budget.yaml", Budget, "budget.yaml"),
        overview=_text(root, f"{folder}/overview.md"),
        explanation=_text(root, f"{folder}/explanation.md"),
        glossary=_yaml(root, f"{folder}/glossary.yaml", Glossary, "glossary.yaml", required=False),
        performance=load_performance(root, folder, edition_format(site, edition, root) if site else None),
        texts={p.name: _text(root, f"{folder}/{p.name}") for p in sorted((root / folder).glob("*.md"))
               if p.name not in ("overview.md", "explanation.md")},
    )


def theme_dir(root: Path) -> Path:
    """The site's theme/ folder, else its portal's (a publisher of a portal), else the one
    shipped beside the builder package."""
    for layer, _shown in site_layers(root):
        if (layer / "theme").is_dir():
            return layer / "theme"
    return BUNDLED_THEME


def templates_dir(root: Path) -> Path:
    for layer, _shown in site_layers(root):
        if (layer / "templates").is_dir():
            return layer / "templates"
    return BUNDLED_TEMPLATES


def load_site_header(root: Path) -> tuple[SourceSite, list[tuple[str, Edition]]]:
    """site.yaml, the standard 名词解释 and each edition's folder and edition.yaml (oldest
    first), without the editions' other files: the site's ``editions`` is empty, to be
    loaded (load_edition) as needed."""
    root = Path(root)
    if not root.is_dir():
        raise BudgetError(Pos(str(root)), _("找不到站点文件夹"))
    if not (root / "site.yaml").is_file():
        raise BudgetError(Pos("site.yaml"), _("找不到文件：站点文件夹中必须有 site.yaml（见 README）"))
    site = _yaml(root, "site.yaml", Site, "site.yaml")
    content = root / "content"
    if not content.is_dir():
        raise BudgetError(Pos("content"), _("找不到文件夹：请把每一年的内容放在 content/<年份>/ 中"))
    folders = sorted(p.name for p in content.iterdir() if p.is_dir() and p.name.isdigit())
    if not folders:
        raise BudgetError(Pos("content"), _("没有找到任何年度：请新建 content/<年份>/edition.yaml"))
    headers = [(f"content/{name}", read_edition_yaml(root, f"content/{name}")) for name in folders]
    glossary_path = theme_dir(root) / "glossary.yaml"
    shown = "theme/glossary.yaml"
    standard = read(load_yaml(glossary_path, shown), Glossary, Pos(shown, 1), "glossary").entries
    return SourceSite(root, site, [], standard), headers


def load_site(root: Path) -> SourceSite:
    site, headers = load_site_header(root)
    editions = [load_edition(site.root, folder, site.site, edition) for folder, edition in headers]
    return SourceSite(site.root, site.site, editions, site.standard_glossary)
