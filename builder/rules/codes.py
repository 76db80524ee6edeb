"""Rules on codes and names: 科目编码, 经济分类, 单位, approved keys."""
from __future__ import annotations

import re

from ..findings import Finding
from ..i18n import _


def functional_codes(subject):
    source, codes = subject.source, subject.codes
    lines = source.budget.lines
    for code in lines:
        pos = lines.key_pos[code]
        if not re.fullmatch(r"\d{7}", code):
            yield Finding(pos, "error", "code-format",
                          _("“{code}”不是功能分类的项级科目编码：预算科目按项录入（7 位数字），请核对编码",
                            code=code))
            continue
        for part, level in ((code[:3], "类"), (code[:5], "款"), (code, "项")):
            if part not in codes.functional:
                yield Finding(pos, "error", "code-unknown",
                              _("科目编码 {part}（{level}）不在 {year} 年的功能分类科目代码表中：请核对编码；"
                                "本地科目或本年新增科目，请写进站点的 codes/{year}.yaml",
                                part=part, level=level, year=codes.year))
                break


def economic_codes(subject):
    source, codes = subject.source, subject.codes
    records = source.budget.basic_by_economic.records
    for record, pos in zip(records, records.item_pos):
        if record.dept not in codes.economic_dept or len(record.dept) != 5:
            yield Finding(pos, "error", "economic-code-unknown",
                          _("部门经济分类 {code} 不是 {year} 年代码表中的款级科目：请核对编码",
                            code=record.dept, year=codes.year))
        if record.gov is not None and (record.gov not in codes.economic_gov or len(record.gov) != 5):
            yield Finding(pos, "error", "economic-code-unknown",
                          _("政府经济分类 {code} 不是 {year} 年代码表中的款级科目：请核对编码",
                            code=record.gov, year=codes.year))


def approved_keys(subject):
    source = subject.source
    approved = source.budget.approved
    prefixes = {c[:n] for c in source.budget.lines for n in (3, 5, 7)}
    for key in approved:
        if key != "total" and key not in prefixes:
            yield Finding(approved.key_pos[key], "error", "approved-unknown",
                          _("approved: 中的“{key}”既不是 total，也不是预算科目（lines:）中的科目：请核对编码",
                            key=key))


def unit_names(subject):
    source = subject.source
    known = {u.name for u in source.edition.units}
    if not known and "units" not in source.edition.where:
        return  # no units: given, nothing to check against (units: [] is checked: every 单位 is unknown)
    budget = source.budget
    for groups in (budget.projects, budget.carryover_projects):
        for group, pos in zip(groups, groups.item_pos):
            if group.unit not in known:
                yield Finding(pos, "error", "unit-unknown",
                              _("单位“{unit}”没有列在 edition.yaml 的 units: 中：请核对单位名称，或在 units: 中加上它",
                                unit=group.unit))
    for entry, pos in zip(budget.operating_costs, budget.operating_costs.item_pos):
        if entry.unit is not None and entry.unit not in known:
            yield Finding(pos, "error", "unit-unknown",
                          _("单位“{unit}”没有列在 edition.yaml 的 units: 中：请核对单位名称，或在 units: 中加上它",
                            unit=entry.unit))


def code_names(subject):
    """A name given on a line must be the code list's name for that code."""
    lines = subject.source.budget.lines
    for code, line in lines.items():
        official = subject.codes.functional.get(code)
        if line.name and official and line.name != official:
            yield Finding(line.where.get("name", lines.key_pos[code]), "warning", "code-name",
                          _("科目 {code} 写的名称是“{name}”，而 {year} 年科目代码表中的名称是“{official}”："
                            "请改用代码表中的名称", code=code, name=line.name, year=subject.codes.year,
                            official=official))


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
                              _("资金来源“{key}”不是本格式（{format}）的资金来源；可用：{known}",
                                key=key, format=subject.format.id, known=known))


def code_list_year(subject):
    """The edition is checked against its own year's code list, or says which one it uses."""
    from ..codes import available_years

    codes, edition = subject.codes, subject.source.edition
    if codes.year in available_years():
        return
    pos = edition.where.get("year", edition.pos)
    base = (_("按 {year} 年的内置代码表", year=codes.bundled_year) if codes.bundled_year
            else _("没有更早的内置代码表"))
    if codes.site_file:
        yield Finding(pos, "note", "code-list-year",
                      _("{year} 年没有内置的科目代码表：{base}，加上站点的 {file} 检查",
                        year=codes.year, base=base, file=codes.site_file))
    else:
        yield Finding(pos, "warning", "code-list-year",
                      _("{year} 年没有内置的科目代码表，{base}检查；本年新增或改名的科目请写进站点的 "
                        "codes/{year}.yaml（见 README“科目代码表”）", year=codes.year, base=base))


RULES = [functional_codes, code_names, economic_codes, approved_keys, unit_names, source_names,
         code_list_year]
