"""Published editions never change behind your back.

What is frozen is the edition's own content, as the reader sees it — not the files the
build happens to write. ``published.json`` at the site root (track it in version control)
keeps, per published year, a SHA-256 digest of:

* every table's figures as printed (the table's CSV, builder/tabledata.table_csv, with its
  number, title, unit and the notes printed under it);
* the visible text of every text part (第一部分 概况, …), of the 名词解释 and of the
  绩效目标表 page: the words without navigation (also what is marked ``data-navigation``,
  such as the label that opens a folded table), year switcher, download links, findings
  or chart drawings, whitespace normalised;
* the edition's facts: department, year, unit, date.

Not frozen: navigation that lists other editions, the archive page, cache keys
(.pdf-hash, .edition-hash.json, .archive-hash), the PDF and XLSX bytes, the machine's fonts, whether a PDF
is built. So `budgetsite new`, a build on another machine, an upgrade of WeasyPrint or
``--no-pdf`` leave a published edition alone.

A later build that would change any of it fails and names what — unless the edition
records one more revision (``revisions:`` in edition.yaml: 更正说明 with date and reason),
which the edition's pages and PDF then show; the manifest is then updated.

A published edition goes back to draft only by ``budgetsite unpublish`` (builder/publish.py),
which records a withdrawal (``withdrawals:``, 撤回说明) and marks the year ``withdrawn`` here;
``status: draft`` typed by hand over a published year fails the build (``unpublish-missing``).
Publishing it again freezes it anew.

A manifest of the first format (a digest per output file) is re-recorded silently by the
first build that reads it.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .errors import BudgetError, Pos
from .findings import Finding
from .i18n import _

MANIFEST = "published.json"
VERSION = 2

PUBLISHED = "published"
WITHDRAWN = "withdrawn"


@dataclass
class Frozen:
    entries: dict  # year (str) -> {"status", "revisions", "withdrawals", "content": {key: sha256}}
    changed: bool = False


def digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def load_manifest(root: Path) -> Frozen:
    path = Path(root) / MANIFEST
    if not path.is_file():
        return Frozen({})
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data.get("editions", {})
        if not isinstance(entries, dict) or not all(isinstance(e, dict) for e in entries.values()):
            raise ValueError(_("editions 不是按年度列出的版本"))
    except (ValueError, UnicodeDecodeError, AttributeError) as exc:
        raise BudgetError(Pos(MANIFEST), _("不是有效的发布清单（{error}）：请从版本库恢复 {manifest}",
                                           error=exc, manifest=MANIFEST)) from None
    return Frozen(entries)


def save_manifest(root: Path, frozen: Frozen) -> None:
    if not frozen.changed:
        return
    text = json.dumps({"version": VERSION, "editions": dict(sorted(frozen.entries.items()))},
                      ensure_ascii=False, indent=1, sort_keys=True)
    (Path(root) / MANIFEST).write_text(text + "\n", encoding="utf-8")


def entry_status(entry: dict) -> str:
    """published or withdrawn (a first-format entry, without a status, is published)."""
    return entry.get("status", PUBLISHED)


# --- what is frozen ------------------------------------------------------------------------

class _VisibleText(HTMLParser):
    """The words of an HTML fragment a reader sees as content: no navigation, no download
    links, no chart drawing (its figures are in the chart's data table), no style or script."""

    SKIP = {"nav", "script", "style", "svg", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # open elements: (tag, skipped)

    def _skipping(self) -> bool:
        return any(skipped for _, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        names = dict(attrs)
        classes = (names.get("class") or "").split()
        skipped = (tag in self.SKIP or "download" in names or "data-navigation" in names
                   or any("download" in c for c in classes))
        self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):  # tolerate unclosed elements
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self._skipping():
            self.words.append(data)


def visible_text(html: str) -> str:
    """The visible text of an HTML fragment, whitespace normalised."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", "".join(parser.words)).strip()


def main_text(page: str) -> str:
    """The visible text of a page's <main> (the header, banners and footer are not content)."""
    start = page.find("<main")
    end = page.rfind("</main>")
    return visible_text(page[start:end] if start >= 0 and end > start else page)


def edition_content(source, derived, doc, files: dict) -> dict[str, tuple[str, str]]:
    """What is frozen of an edition: key -> (how messages name it, sha256 digest).

    ``source`` is the SourceEdition, ``derived`` its derived tables, ``doc`` its
    render.EditionDocument and ``files`` the build's output (for the 绩效目标表 page).
    """
    from .tabledata import table_csv

    ed = source.edition
    year = ed.year
    out: dict[str, tuple[str, str]] = {}
    facts = {"department": ed.department, "year": ed.year, "unit": ed.unit,
             "date": ed.date.isoformat() if ed.date else None}
    out["facts"] = (_("部门名称、年度、金额单位和日期"), digest(json.dumps(facts, ensure_ascii=False, sort_keys=True)))
    for t in derived.tables:
        head = "\n".join([t.number, t.title, t.label or "", t.department_label, t.unit, *t.notes])
        label = f"{t.number} {t.title}".strip()
        out[f"table:{t.id or t.anchor}"] = (label, digest(head.encode("utf-8") + b"\n" + table_csv(t)))
    for part in doc.parts:
        if part.kind == "text":
            text = visible_text(f"<h1>{part.heading}</h1>\n{part.body}")
            out[f"part:{part.page}"] = (f"{part.heading}（{part.page}）", digest(text))
        elif part.kind == "glossary":
            text = "\n".join(re.sub(r"\s+", " ", f"{e.term}：{e.definition}").strip() for e in doc.glossary)
            out["glossary"] = (f"{part.heading}（{part.page}）", digest(f"{part.heading}\n{text}"))
    page = files.get(f"{year}/performance.html")
    if page is not None:
        page = page.decode("utf-8") if isinstance(page, bytes) else page
        out["performance"] = (_("绩效目标表（performance.html）"), digest(main_text(page)))
    return out


# --- the checks ----------------------------------------------------------------------------

def _record(frozen: Frozen, edition, content: dict) -> None:
    frozen.entries[str(edition.year)] = {
        "status": PUBLISHED,
        "revisions": len(edition.revisions),
        "withdrawals": len(edition.withdrawals),
        "content": {key: sha for key, (_, sha) in sorted(content.items())},
    }
    frozen.changed = True


def _status_pos(edition, folder: str) -> Pos:
    return Pos(f"{folder}/edition.yaml", edition.where.get("status", edition.pos).line)


def check_edition(frozen: Frozen, edition, content: dict | None, folder: str) -> list[Finding]:
    """Compare an edition with its manifest entry, and record what a build may record.

    ``content`` is edition_content() of a published edition (None for a draft).
    """
    year = str(edition.year)
    entry = frozen.entries.get(year)
    if edition.status != PUBLISHED:
        if entry is None or entry_status(entry) != PUBLISHED:
            return []
        if len(edition.withdrawals) > entry.get("withdrawals", 0):  # withdrawn, the reason recorded
            entry.update(status=WITHDRAWN, withdrawals=len(edition.withdrawals))
            frozen.changed = True
            return []
        return [Finding(_status_pos(edition, folder), "error", "unpublish-missing",
                        _("{year}年版已经发布（{manifest}），不能只把 status 改回 draft：撤回已发布的版本须"
                          "说明理由，请把 status 改回 published，然后运行 "
                          "budgetsite unpublish {year} --reason \"撤回理由\"，"
                          "它会把版本改为草稿并记录撤回说明（页面和PDF会显示）", year=year, manifest=MANIFEST))]
    if (entry is None or entry_status(entry) != PUBLISHED or "content" not in entry
            or len(edition.revisions) > entry.get("revisions", 0)):
        # first publication, published again after a withdrawal, a first-format manifest
        # (re-recorded silently), or a correction with its 更正说明
        _record(frozen, edition, content)
        return []
    before = entry["content"]
    labels = {key: label for key, (label, _) in content.items()}
    changed = [labels[k] for k in content if k in before and before[k] != content[k][1]]
    added = [_("{name}（新增）", name=labels[k]) for k in content if k not in before]
    removed = [_("{name}（删除）", name=k) for k in sorted(before) if k not in content]
    if not (changed or added or removed):
        return []
    listing = "、".join(changed + added + removed)
    return [Finding(_status_pos(edition, folder), "error", "published-changed",
                    _("已发布的{year}年版的内容将发生变化：{listing}。已发布的内容不能悄悄改动；如需更正，"
                      "请在 edition.yaml 中增加一条更正说明（revisions: - {{date: YYYY-MM-DD, reason: 更正理由}}），"
                      "页面和PDF会显示该更正说明", year=year, listing=listing))]
