"""Rules on codes and names: 科目编码, 经济分类, 单位, approved keys."""
from __future__ import annotations

import re

from ..findings import Finding


def functional_codes(subject):
    source, codes = subject.source, subject.codes
    lines = source.budget.lines
    for code in lines:
        pos = lines.key_pos[code]
        if not re.fullmatch(r"\d{7}", code):
            yield Finding(pos, "error", "code-format",
                          f"'{code}' is not a 功能分类 项 code: budget lines are entered per 项 (7 digits)")
            continue
        for part, level in ((code[:3], "类"), (code[:5], "款"), (code, "项")):
            if part not in codes.functional:
                yield Finding(pos, "error", "code-unknown",
                              f"科目编码 {part} ({level}) is not in the {codes.year} 功能分类 code list; "
                              "check the code, or add it to the code list if it is new this year"
                              f"（本地科目或本年新增科目：写进站点的 codes/{codes.year}.yaml）")
                break


def economic_codes(subject):
    source, codes = subject.source, subject.codes
    records = source.budget.basic_by_economic.records
    for record, pos in zip(records, records.item_pos):
        if record.dept not in codes.economic_dept or len(record.dept) != 5:
            yield Finding(pos, "error", "economic-code-unknown",
                          f"部门经济分类 {record.dept} is not a 款 of the {codes.year} code list")
        if record.gov is not None and (record.gov not in codes.economic_gov or len(record.gov) != 5):
            yield Finding(pos, "error", "economic-code-unknown",
                          f"政府经济分类 {record.gov} is not a 款 of the {codes.year} code list")


def approved_keys(subject):
    source = subject.source
    approved = source.budget.approved
    prefixes = {c[:n] for c in source.budget.lines for n in (3, 5, 7)}
    for key in approved:
        if key != "total" and key not in prefixes:
            yield Finding(approved.key_pos[key], "error", "approved-unknown",
                          f"approved figure for '{key}', which is neither 'total' nor a 科目 of the budget lines")


def unit_names(subject):
    source = subject.source
    known = {u.name for u in source.edition.units}
    if not known:
        return
    budget = source.budget
    for groups in (budget.projects, budget.carryover_projects):
        for group, pos in zip(groups, groups.item_pos):
            if group.unit not in known:
                yield Finding(pos, "error", "unit-unknown",
                              f"单位 '{group.unit}' is not listed under units: in edition.yaml")
    for entry, pos in zip(budget.operating_costs, budget.operating_costs.item_pos):
        if entry.unit is not None and entry.unit not in known:
            yield Finding(pos, "error", "unit-unknown",
                          f"单位 '{entry.unit}' is not listed under units: in edition.yaml")


def code_names(subject):
    """A name given on a line must be the code list's name for that code."""
    lines = subject.source.budget.lines
    for code, line in lines.items():
        official = subject.codes.functional.get(code)
        if line.name and official and line.name != official:
            yield Finding(line.where.get("name", lines.key_pos[code]), "warning", "code-name",
                          f"科目 {code} is named '{line.name}' but the {subject.codes.year} code list "
                          f"calls it '{official}'")


def _by_source(budget):
    """Every amount-by-source of budget.yaml, with where it is written."""
    for code, line in budget.lines.items():
        for kind in ("basic", "project"):
            yield getattr(line, kind)
            yield getattr(line.carryover, kind)
    tp = budget.three_public
    yield from (tp.abroad, tp.reception, tp.vehicle_purchase, tp.vehicle_operation)
    yield from (e.amount for e in budget.operating_costs)
    for groups in (budget.projects, budget.carryover_projects):
        for group in groups:
            yield from (p.amount for p in group.projects)


def source_names(subject):
    """Every 资金来源 written in budget.yaml is one of the format's sources."""
    from ..sources import vocabulary

    vocab = vocabulary(subject.format)
    known = "、".join(f"{k}（{v}）" for k, v in vocab.labels.items())
    for amounts in _by_source(subject.source.budget):
        for key in amounts.keys():
            if key not in vocab.labels:
                pos = getattr(amounts, "where", {}).get(key) or getattr(amounts, "pos", None)
                yield Finding(pos, "error", "source-unknown",
                              f"资金来源“{key}”不是本格式（{subject.format.id}）的资金来源；可用：{known}")


def code_list_year(subject):
    """The edition is checked against its own year's code list, or says which one it uses."""
    from ..codes import available_years

    codes, edition = subject.codes, subject.source.edition
    if codes.year in available_years():
        return
    pos = edition.where.get("year", edition.pos)
    base = f"按 {codes.bundled_year} 年的内置代码表" if codes.bundled_year else "没有更早的内置代码表"
    if codes.site_file:
        yield Finding(pos, "note", "code-list-year",
                      f"{codes.year} 年没有内置的科目代码表：{base}，加上站点的 {codes.site_file} 检查")
    else:
        yield Finding(pos, "warning", "code-list-year",
                      f"{codes.year} 年没有内置的科目代码表，{base}检查；本年新增或改名的科目请写进站点的 "
                      f"codes/{codes.year}.yaml（见 README“科目代码表”）")


RULES = [functional_codes, code_names, economic_codes, approved_keys, unit_names, source_names,
         code_list_year]
