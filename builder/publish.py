"""Publishing and taking back: what an edition needs to be published, and `budgetsite unpublish`.

* :func:`incomplete` — the publishing guard: a ``status: published`` edition must have
  figures (not every amount 0, as `budgetsite new` leaves them) and, where its format dates
  the 情况说明, a date (rule ``publish-incomplete``, at the status line of edition.yaml).
* :func:`unpublish` — takes a published edition back to draft, with a reason: edits
  ``status:`` in edition.yaml in place (comments kept), appends a withdrawal
  (``withdrawals: - {date, reason}``, shown on the pages and in the PDF as 撤回说明) and marks
  the year withdrawn in published.json (builder/freeze.py).
"""
from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import freeze
from .errors import BudgetError, Pos
from .findings import Finding
from .i18n import _
from .model import Edition
from .schema import read
from .yamlload import parse_yaml

RULE = "publish-incomplete"


def _status_pos(source) -> Pos:
    ed = source.edition
    return Pos(f"{source.folder}/edition.yaml", ed.where.get("status", ed.pos).line)


def all_zero(budget) -> bool:
    """Every amount of budget.yaml's lines is 0 (what `budgetsite new` writes)."""
    return not any(line.cells() for line in budget.lines.values())


def incomplete(source, fmt) -> list[Finding]:
    """Why a published edition cannot be published (none for a draft).

    ``source`` is the SourceEdition, ``fmt`` its format (builder/formats.Format).
    """
    ed = source.edition
    if ed.status != "published":
        return []
    findings = []
    if all_zero(source.budget):
        findings.append(Finding(
            _status_pos(source), "error", RULE,
            _("{year}年版还不能发布：{folder}/budget.yaml 中各科目（lines）的金额全部为0"
              "（budgetsite new 生成的初始状态）。请先填入批复的预算数，再设为 status: published",
              year=ed.year, folder=source.folder)))
    if fmt is not None and getattr(fmt, "dated", False) and ed.date is None:
        findings.append(Finding(
            _status_pos(source), "error", RULE,
            _("{year}年版还不能发布：edition.yaml 没有 date:（情况说明的日期，YYYY-MM-DD），"
              "而格式“{format}”要求注明日期",
              year=ed.year, format=getattr(fmt, "name", "") or getattr(fmt, "id", ""))))
    return findings


# --- budgetsite unpublish ---------------------------------------------------------------------

class UnpublishUsageError(BudgetError):
    """A usage error of `budgetsite unpublish` (exit 2): no such year, not published, no reason."""


@dataclass
class Unpublished:
    year: int
    edition_file: str   # content/<year>/edition.yaml
    date: datetime.date
    reason: str
    manifest: bool      # published.json had the year (now marked withdrawn)


_STATUS = re.compile(r"""^(?P<head>\s*status\s*:\s*)(?P<q>["']?)published(?P=q)(?P<tail>\s*(?:#.*)?)$""")


def _set_draft(lines: list[str], line: int, shown: str) -> None:
    """``status: published`` on line ``line`` (1-based) becomes ``status: draft``, comment kept."""
    text = lines[line - 1]
    body = text.rstrip("\r\n")
    match = _STATUS.match(body)
    if not match:
        raise BudgetError(Pos(shown, line), _("无法自动修改这一行的 status：请手工改为 status: draft，"
                                              "并在 withdrawals: 中记录撤回说明"))
    head, tail = match.group("head") + "draft", match.group("tail")
    if tail.strip():  # keep the comment where it was
        head += " " * (len("published") + 2 * len(match.group("q")) - len("draft"))
    lines[line - 1] = (head + tail if tail.strip() else head) + text[len(body):]


def _item(date: datetime.date, reason: str) -> str:
    return f"{{date: {date.isoformat()}, reason: {json.dumps(reason, ensure_ascii=False)}}}"


def _add_withdrawal(lines: list[str], key_line: int | None, date: datetime.date, reason: str,
                    shown: str) -> None:
    """Append a withdrawal to ``withdrawals:`` (a block list), or add the key at the end."""
    item = _item(date, reason)
    if key_line is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append("withdrawals:                 # 撤回说明 (budgetsite unpublish)\n")
        lines.append(f"  - {item}\n")
        return
    key = lines[key_line - 1]
    indent = len(key) - len(key.lstrip())
    value = key.split(":", 1)[1].split("#", 1)[0].strip()
    if value == "[]":
        lines[key_line - 1] = key.replace("[]", "", 1).rstrip() + "\n"
    elif value:
        raise BudgetError(Pos(shown, key_line), _("withdrawals: 不是逐行列出的列表，无法自动追加：请改为每条一行"
                                                  "（{example}）后再运行", example="- {date: …, reason: …}"))
    last, dash = key_line, None  # the last line of the block, the indentation of its items
    for number in range(key_line + 1, len(lines) + 1):
        text = lines[number - 1]
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        own = len(text) - len(text.lstrip())
        if own > indent or (own == indent and stripped.startswith("- ")):
            last = number
            if stripped.startswith("- ") and dash is None:
                dash = own
            continue
        break
    if not lines[last - 1].endswith("\n"):
        lines[last - 1] += "\n"
    pad = " " * (dash if dash is not None else indent + 2)
    lines.insert(last, f"{pad}- {item}\n")


def unpublish(site_dir: Path, year: int, reason: str, date: datetime.date | None = None) -> Unpublished:
    """Take the published edition ``year`` back to draft, recording the withdrawal."""
    root = Path(site_dir)
    reason = (reason or "").strip()
    if not reason:
        raise UnpublishUsageError(None, _("请用 --reason 说明撤回的理由（页面和PDF会显示撤回说明）"))
    folder = f"content/{year}"
    shown = f"{folder}/edition.yaml"
    path = root / shown
    if not path.is_file():
        known = sorted(p.name for p in (root / "content").iterdir()
                       if p.is_dir() and p.name.isdigit()) if (root / "content").is_dir() else []
        if known:
            raise UnpublishUsageError(Pos(folder), _("没有{year}年版：{file} 不存在（现有版本：{known}）",
                                                     year=year, file=shown, known="、".join(known)))
        raise UnpublishUsageError(Pos(folder), _("没有{year}年版：{file} 不存在（还没有任何版本）",
                                                 year=year, file=shown))
    date = date or datetime.date.today()
    text = path.read_text(encoding="utf-8")
    edition = read(parse_yaml(text, shown), Edition, Pos(shown, 1), "edition.yaml")
    if edition.status != "published":
        raise UnpublishUsageError(Pos(shown, edition.where.get("status", edition.pos).line),
                                  _("{year}年版不是已发布状态（status: {status}），无需撤回",
                                    year=year, status=edition.status))
    lines = text.splitlines(keepends=True)
    _set_draft(lines, edition.where["status"].line, shown)
    withdrawals = edition.where.get("withdrawals")
    _add_withdrawal(lines, withdrawals.line if withdrawals else None, date, reason, shown)
    new_text = "".join(lines)
    after = read(parse_yaml(new_text, shown), Edition, Pos(shown, 1), "edition.yaml")
    if after.status != "draft" or len(after.withdrawals) != len(edition.withdrawals) + 1:
        raise BudgetError(Pos(shown), _("无法自动修改 edition.yaml：请手工改为 status: draft，"
                                        "并在 withdrawals: 中记录撤回说明（{example}）",
                                        example="- {date: YYYY-MM-DD, reason: …}"))
    frozen = freeze.load_manifest(root)
    entry = frozen.entries.get(str(year))
    if entry is not None:
        entry.update(status=freeze.WITHDRAWN, withdrawals=len(after.withdrawals), withdrawn=date.isoformat())
        frozen.changed = True
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new_text, encoding="utf-8")
    tmp.replace(path)
    freeze.save_manifest(root, frozen)
    return Unpublished(year, shown, date, reason, entry is not None)


__all__ = ["RULE", "Unpublished", "UnpublishUsageError", "all_zero", "incomplete", "unpublish"]
