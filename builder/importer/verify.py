"""Checking what was imported: the site's checks on the imported edition, and every figure
of every recognised sheet against the table the site derives from the import."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from ..errors import BudgetError, Pos
from ..i18n import _
from .cells import NotANumber, clip, label_key, printed_amount
from .headers import segments
from .report import Report
from .rows import row_code

TEXT_RULES = {"part-missing", "section-missing", "three-public-reason", "three-public-prior", "date-missing"}


def run_checks(root: Path, site, into: Path, shown: str, budget_text: str, edition_text: str | None):
    """The checks on the imported edition, in memory (nothing is written yet). Findings about
    parts an import does not make (texts, the date) are returned apart, as things to do,
    when those parts are missing."""
    from .. import check as check_stage
    from ..build import _edition_setup
    from ..load import SourceEdition, SourceSite, Text, theme_dir
    from ..model import Budget, Edition, Glossary
    from ..performance import load_performance
    from ..schema import read
    from ..yamlload import load_yaml, parse_yaml

    def text(name: str) -> Text:
        path = into / name
        return Text(f"{shown}/{name}", path.read_text(encoding="utf-8") if path.is_file() else "")

    edition_source = edition_text if edition_text is not None else (into / "edition.yaml").read_text(encoding="utf-8")
    try:
        edition = read(parse_yaml(edition_source, f"{shown}/edition.yaml"), Edition,
                       Pos(f"{shown}/edition.yaml", 1), "edition.yaml")
        budget = read(parse_yaml(budget_text, f"{shown}/budget.yaml"), Budget, Pos(f"{shown}/budget.yaml", 1),
                      "budget.yaml")
        glossary_path = into / "glossary.yaml"
        own_glossary = read(load_yaml(glossary_path, f"{shown}/glossary.yaml") if glossary_path.is_file()
                            else None, Glossary, Pos(f"{shown}/glossary.yaml"), "glossary.yaml")
        texts = {path.name: text(path.name) for path in sorted(into.glob("*.md"))} if into.is_dir() else {}
        source = SourceEdition(shown, edition, budget, text("overview.md"), text("explanation.md"),
                               own_glossary, load_performance(root, shown) if (into / "performance").is_dir() else [],
                               texts)
        standard = read(load_yaml(theme_dir(root) / "glossary.yaml", "theme/glossary.yaml"), Glossary,
                        Pos("theme/glossary.yaml", 1), "glossary").entries
        whole = SourceSite(root, site, [source], standard)
        codes, fmt = _edition_setup(whole, root, source)
        findings, derived = check_stage.check(whole, source, codes, fmt)
    except BudgetError as exc:
        from ..findings import Finding

        return [Finding(exc.pos, "error", "import", exc.message)], None, []
    files = {"overview.md", "explanation.md"} | {p.file for p in fmt.parts if p.kind == "text" and p.file}
    missing = sorted(n for n in files if not (into / n).is_file())
    if edition_text is None and not missing:
        return findings, derived, []
    todo = [f for f in findings if f.rule in TEXT_RULES or (f.pos and any(f.pos.file.endswith(m) for m in missing))]
    return [f for f in findings if f not in todo], derived, todo


def row_key(texts: list[str], cols, lo: int, hi: int, previous: str = "") -> str:
    """How a row is recognised in both the workbook and the derived table: its code (split
    columns joined) and 政府经济分类, else its label texts."""
    code_cols = [i for i in range(lo, hi) if cols[i].kind == "code"]
    if code_cols:
        code = row_code([texts[i] for i in code_cols], [cols[i] for i in code_cols], previous)
        if code:
            gov = [label_key(texts[i]) for i in range(lo, hi) if cols[i].kind == "gov"]
            return "|".join([label_key(code)] + [g for g in gov if g])
    return "|".join(k for k in (label_key(texts[i]) for i in range(lo, hi) if cols[i].kind != "amount") if k)


def _show(value: Decimal) -> str:
    return f"{value:.0f}" if value == value.to_integral_value() and abs(value) >= 100 else f"{value:.2f}"


def compare(derived, reads: list, report: Report) -> None:
    """Every figure of every recognised sheet against the table derived from the import:
    a figure the site would print differently is an error at its cell."""
    from ..tabledata import table_grid

    for t in reads:
        spec, cols = t.spec, t.cols
        table = derived.tables[t.index]
        grid = table_grid(table)[len(table.header):]
        for lo, hi in segments(spec):
            amounts = [c for c in range(lo, hi) if cols[c].kind == "amount"]
            labelled = any(cols[c].kind != "amount" for c in range(lo, hi))
            head = "#合计" if spec.layout == "projects" else None  # 合计 or the department: the same row
            ours: dict = {}
            counts: dict = defaultdict(int)
            previous = ""
            for n, line in enumerate(grid):
                line = (line + [""] * len(cols))[:len(cols)]
                key = head if head and n == 0 else row_key(line, cols, lo, hi, previous)
                previous = key.split("|")[0] if key and key[0].isdigit() else previous
                counts[key] += 1
                ours[(key, counts[key])] = line
            seen: dict = defaultdict(int)
            previous = ""
            for n, row in enumerate(t.rows):
                texts = [row.label(c) for c in range(len(cols))]
                key = head if head and n == 0 else row_key(texts, cols, lo, hi, previous)
                previous = key.split("|")[0] if key and key[0].isdigit() else previous
                values = [row.amounts.get(c, Decimal(0)) * table.factor for c in amounts]
                if labelled and not key:
                    continue
                if not labelled and not any(values) and n:
                    continue
                seen[key] += 1
                line = ours.get((key, seen[key]))
                if line is None:
                    if any(values):
                        report.warning(row.refs[lo], _("{ref}的“{row}”行在按导入数据生成的表中没有对应行，"
                                                       "未能核对", ref=spec.ref, row=clip(key)))
                    continue
                for c, value in zip(amounts, values):
                    try:
                        printed = printed_amount(line[c])
                    except NotANumber:
                        printed = None
                    if printed != value and line[c]:
                        report.error(row.refs[c], _("{ref}“{row}”：工作簿中是{value}，而按导入的预算生成的表中是{printed}",
                                                    ref=spec.ref, row=clip(key), value=_show(value), printed=line[c]))
                    elif printed != value:
                        report.error(row.refs[c], _("{ref}“{row}”：工作簿中是{value}，而按导入的预算生成的表中是空白",
                                                    ref=spec.ref, row=clip(key), value=_show(value)))
