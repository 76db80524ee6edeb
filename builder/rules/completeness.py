"""Completeness (财预〔2016〕143号): every table, every required section, 三公 changes
explained, no placeholders left."""
from __future__ import annotations

import re

from markdown_it import MarkdownIt

from ..errors import Pos
from ..findings import Finding

#: Tables every set must contain (财政部 8-table minimum), recognised by title.
REQUIRED_TABLES = [
    ("收支总表", "部门收支总表 / 预算收支总表"),
    ("收入总表", "收入总表"),
    ("支出总表", "支出总表"),
    ("财政拨款收支总表", "财政拨款收支总表"),
    ("一般公共预算支出", "一般公共预算支出表"),
    ("基本支出", "一般公共预算基本支出表"),
    ("“三公”经费", "“三公”经费支出表"),
    ("政府性基金预算支出", "政府性基金预算支出表"),
]

#: Sections a disclosure must have: (file, words any one of which a heading contains, name).
REQUIRED_SECTIONS = [
    ("overview", ("职责",), "部门职责"),
    ("overview", ("机构设置",), "机构设置"),
    ("explanation", ("收入",), "收入预算情况说明"),
    ("explanation", ("支出",), "支出预算情况说明"),
    ("explanation", ("三公",), "“三公”经费说明"),
    ("explanation", ("机关运行经费",), "机关运行经费说明"),
    ("explanation", ("政府采购",), "政府采购情况"),
    ("explanation", ("国有资产",), "国有资产占有使用情况"),
    ("explanation", ("绩效",), "绩效管理情况"),
]

PLACEHOLDER = re.compile(r"(?<![A-Za-z])(?:XX|xx)(?![A-Za-z])|ＸＸ|××|待填写|待补充|＊＊|□□|TODO")


def tables_present(subject):
    titles = [t.title for t in subject.tableset.tables]
    for word, name in REQUIRED_TABLES:
        if not any(word in title for title in titles):
            yield Finding(subject.tableset.where.get("tables", subject.tableset.pos), "error", "table-missing",
                          f"the table set '{subject.tableset.id}' has no {name}, which every "
                          "部门预算公开 must publish")


def headings(text: str) -> list[tuple[int, int, str]]:
    """(level, line, text) of every Markdown heading."""
    out = []
    tokens = MarkdownIt("commonmark").parse(text)
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            out.append((int(token.tag[1]), token.map[0] + 1, tokens[i + 1].content))
    return out


def sections_present(subject):
    source = subject.source
    docs = {"overview": source.overview, "explanation": source.explanation}
    for key, words, name in REQUIRED_SECTIONS:
        doc = docs[key]
        if not any(any(w in text for w in words) for _, _, text in headings(doc.text)):
            yield Finding(Pos(doc.shown, 1 if doc.text else 0), "error", "section-missing",
                          f"no section on {name}: add a heading containing '{words[0]}'")
    if not subject.glossary:
        yield Finding(Pos(f"{source.folder}/glossary.yaml"), "error", "section-missing",
                      "the 名词解释 is empty: keep the standard terms or add your own")


def _section(text: str, word: str) -> tuple[int, str] | None:
    """The first line and the text of the section whose heading contains ``word``."""
    found = [(level, line) for level, line, title in headings(text) if word in title]
    if not found:
        return None
    level, start = found[0]
    lines = text.splitlines()
    end = len(lines)
    for other_level, line, _ in headings(text):
        if line > start and other_level <= level:
            end = line - 1
            break
    return start, "\n".join(lines[start:end])


def three_public_explained(subject):
    """A change of the “三公” budget from last year has its reason in the text."""
    derived = subject.derived.figures
    prior = derived.prior.three_public
    explanation = subject.source.explanation
    section = _section(explanation.text, "三公")
    if section is None:
        return  # reported by section-missing
    start, body = section
    if prior is None:
        yield Finding(Pos(explanation.shown, start), "warning", "three-public-prior",
                      "last year's “三公” figures are not given (prior: three_public: in edition.yaml), "
                      "so the 增减 cannot be checked")
        return
    now = derived.three_public
    changed = [k for k in ("abroad", "reception", "vehicle_purchase", "vehicle_operation")
               if getattr(now, k) != getattr(prior, k)]
    if changed and "原因" not in body:
        yield Finding(Pos(explanation.shown, start), "error", "three-public-reason",
                      "the “三公” budget changed from last year but the section gives no reason "
                      "(write 主要原因是…)")


def no_placeholders(subject):
    root = subject.source
    files = [(root.overview.shown, root.overview.text), (root.explanation.shown, root.explanation.text)]
    for rel in ("edition.yaml", "budget.yaml", "glossary.yaml"):
        path = subject.root / root.folder / rel
        if path.is_file():
            files.append((f"{root.folder}/{rel}", path.read_text(encoding="utf-8")))
    for shown, text in files:
        for number, line in enumerate(text.splitlines(), start=1):
            match = PLACEHOLDER.search(line.split("#", 1)[0] if shown.endswith(".yaml") else line)
            if match:
                yield Finding(Pos(shown, number), "error", "placeholder",
                              f"placeholder '{match.group(0)}' left in the text: fill it in")


def dates_given(subject):
    """The edition's date (of the 情况说明) is given."""
    edition = subject.source.edition
    if edition.date is None:
        yield Finding(Pos(f"{subject.source.folder}/edition.yaml", edition.pos.line), "error",
                      "date-missing", "the edition has no date: (the date of the 情况说明, YYYY-MM-DD)")


RULES = [tables_present, sections_present, three_public_explained, no_placeholders, dates_given]
