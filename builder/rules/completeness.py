"""Completeness (财预〔2016〕143号): every table, every required section, 三公 changes
explained, no placeholders left."""
from __future__ import annotations

import functools
import re

from markdown_it import MarkdownIt

from ..errors import Pos
from ..findings import Finding
from ..i18n import _

PLACEHOLDER = re.compile(
    r"(?<![A-Za-z])(?:X{2,}|x{2,})(?![A-Za-z])"          # XX, XXX万元, xx
    r"|(?<![A-Za-z0-9])[xX]{1,3}(?:[,，][xX]{3})+(?![A-Za-z])"  # x,xxx / X,XXX.XX as a figure
    r"|ＸＸ|××|＊＊|□□|(?<!…)……(?!…)"        # 全角 placeholders; the ellipsis of a gap (not a 目录 leader)
    r"|待填写|待补充|请填写|TODO|(?<![A-Za-z])TBD(?![A-Za-z])"
)


def tables_present(subject):
    """Every table the format requires (required_tables:) is one of its tables."""
    fmt = subject.format
    ids = {t.id for t in fmt.tables if t.id}
    for required in fmt.required_tables:
        if required.id not in ids:
            yield Finding(fmt.where.get("tables", fmt.pos), "error", "table-missing",
                          _("格式“{name}”（{id}）缺少{table}（id: {table_id}），"
                            "每个部门预算公开都必须公开这张表：请在 tables 中加上它",
                            name=fmt.name, id=fmt.id, table=required.name, table_id=required.id))


def parts_present(subject):
    """The Markdown file of every text part of the format's outline exists."""
    source = subject.source
    for spec in subject.format.parts:
        if spec.kind == "text" and spec.file and not (subject.root / source.folder / spec.file).is_file():
            title = spec.title.replace("{year}", str(source.edition.year))
            yield Finding(Pos(f"{source.folder}/{spec.file}"), "error", "part-missing",
                          _("找不到文件：这是目录中“{title}”部分的正文，请新建它（Markdown）", title=title))


@functools.lru_cache(maxsize=64)
def headings(text: str) -> tuple[tuple[int, int, str], ...]:
    """(level, line, text) of every Markdown heading (parsed once per text: several rules ask)."""
    out = []
    tokens = _COMMONMARK.parse(text)
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            out.append((int(token.tag[1]), token.map[0] + 1, tokens[i + 1].content))
    return tuple(out)


_COMMONMARK = MarkdownIt("commonmark")


def sections_present(subject):
    """Every section the format requires has a heading containing one of its words; a text
    part's own ``sections`` (e.g. a 自评报告's 偏离原因, 改进措施, 结果应用) likewise."""
    source = subject.source
    for part in subject.format.parts:
        if part.kind != "text" or not part.file or not part.sections:
            continue
        doc = source.text(part.file)
        if not doc.text:
            continue  # part-missing says so
        found = [text for _level, _line, text in headings(doc.text)]
        for word in part.sections:
            if not any(word in text for text in found):
                title = part.title.replace("{year}", str(source.edition.year))
                yield Finding(Pos(doc.shown, 1), "error", "section-missing",
                              _("“{title}”缺少“{word}”一节：请加一个含“{word}”的标题（如 ## {word}）",
                                title=title, word=word))
    for section in subject.format.sections:
        doc = source.text(section.file)
        if not any(any(w in text for w in section.words) for _level, _line, text in headings(doc.text)):
            yield Finding(Pos(doc.shown, 1 if doc.text else 0), "error", "section-missing",
                          _("没有关于{name}的一节：请加一个含“{word}”的标题",
                            name=section.name, word=section.words[0]))
    if not subject.glossary:
        yield Finding(Pos(f"{source.folder}/glossary.yaml"), "error", "section-missing",
                      _("名词解释为空：请保留标准名词，或加上本部门自己的名词"))


def _section(text: str, word: str) -> tuple[int, str] | None:
    """The first line and the text of the section whose heading contains ``word``."""
    found = [(level, line) for level, line, title in headings(text) if word in title]
    if not found:
        return None
    level, start = found[0]
    lines = text.splitlines()
    end = len(lines)
    for other_level, line, _title in headings(text):
        if line > start and other_level <= level:
            end = line - 1
            break
    return start, "\n".join(lines[start:end])


def three_public_explained(subject):
    """A change of the “三公” budget from last year has its reason in the text."""
    derived = subject.derived.figures
    prior = derived.prior.three_public
    found = [(doc, _section(doc.text, "三公")) for doc in subject.source.all_texts()]
    found = [(doc, section) for doc, section in found if section is not None]
    if not found:
        return  # reported by section-missing
    explanation, section = found[0]
    start, body = section
    if prior is None:
        yield Finding(Pos(explanation.shown, start), "warning", "three-public-prior",
                      _("没有给出上年的“三公”经费数（edition.yaml 的 prior: three_public:），无法核对增减："
                        "请补上上年数"))
        return
    now = derived.three_public
    changed = [k for k in ("abroad", "reception", "vehicle_purchase", "vehicle_operation")
               if getattr(now, k) != getattr(prior, k)]
    if changed and "原因" not in body:
        yield Finding(Pos(explanation.shown, start), "error", "three-public-reason",
                      _("“三公”经费预算比上年有增减，但这一节没有说明原因：请写明“主要原因是…”"))


def no_placeholders(subject):
    root = subject.source
    files = [(doc.shown, doc.text) for doc in root.all_texts()]
    for rel in ("edition.yaml", "budget.yaml", "glossary.yaml"):
        path = subject.root / root.folder / rel
        if path.is_file():
            files.append((f"{root.folder}/{rel}", path.read_text(encoding="utf-8")))
    for shown, text in files:
        if not PLACEHOLDER.search(text):  # a line's match is the whole text's: most files have none
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            match = PLACEHOLDER.search(line.split("#", 1)[0] if shown.endswith(".yaml") else line)
            if match:
                yield Finding(Pos(shown, number), "error", "placeholder",
                              _("文中还留有占位符“{text}”：请填上实际内容", text=match.group(0)))


def dates_given(subject):
    """The edition's date (of the 情况说明) is given."""
    edition = subject.source.edition
    if edition.date is None and subject.format.dated:
        where = edition.where.get("date") or edition.pos  # an empty date: its own line
        yield Finding(Pos(f"{subject.source.folder}/edition.yaml", where.line), "error",
                      "date-missing",
                      _("edition.yaml 中没有日期：请写上 date:（情况说明的日期，YYYY-MM-DD）"))


def table_notes(subject):
    """A note the edition prints under a table agrees with it: a table with figures is not
    called empty (the budget system's export sometimes says so); notes name real tables."""
    edition = subject.source.edition
    notes = edition.table_notes
    tables = {t.id: t for t in subject.derived.tables if t.id}
    empty_words = ("空表", "无数据")
    for table_id, note in notes.items():
        pos = notes.key_pos.get(table_id, edition.pos)
        table = tables.get(table_id)
        if table is None:
            known = "、".join(tables) or _("（无）")
            yield Finding(pos, "error", "table-unknown",
                          _("table_notes 中的“{table}”不是本格式的表；可用的表 id：{known}",
                            table=table_id, known=known))
            continue
        if not table.empty and any(w in note for w in empty_words):
            yield Finding(pos, "warning", "table-note-contradiction",
                          _("{table}有数字，表注却说“{note}”：请删去或改正表注；若表注确是预算"
                            "系统导出的原文，核实后在 edition.yaml 的 reviewed: 中说明",
                            table=table.ref, note=note),
                          subject_id=table_id)


RULES = [tables_present, parts_present, sections_present, three_public_explained, no_placeholders,
         dates_given, table_notes]
