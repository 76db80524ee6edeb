"""Checks across the publishers of a portal (builder/portal.py), on their summaries.

- ``portal-sum``: a department's 部门预算 equals the sum of its units' 单位预算 for the same
  year, where the department and every unit publish that year: every 功能分类 项 (基本支出,
  项目支出 and their 合计, 当年 and 结转, all sources, in 元) and the totals over all 项. The
  finding points at the department's budget.yaml line of the 项 and names the units' lines.
- ``portal-sum-skipped`` (note): a year the department publishes but not all its units do.
- ``portal-parent``: a 单位 names its department (``parent``), which exists and is a 部门; a
  部门 has no parent.
- ``portal-code``: 单位编码 are unique; every publisher has one (warning); an edition's
  ``department_code`` is the publisher's ``code``.
- ``portal-name``: publisher names are unique; every edition's ``department`` is the
  publisher's name (site.yaml ``publisher``).
- ``portal-unit-listed`` (warning): a department's edition that lists its 单位 (``units:``)
  lists every unit publisher of the department.
"""
from __future__ import annotations

import posixpath
from decimal import Decimal

from .errors import Pos
from .findings import Finding
from .i18n import _

PUBLISHERS = "publishers"
MEASURES = ("basic", "project", "total")


def _label(measure: str) -> str:
    return {"basic": _("基本支出"), "project": _("项目支出"), "total": _("合计")}[measure]


def _yuan(value: Decimal) -> str:
    return f"{value.normalize():,f}" if value == value.to_integral_value() else f"{value:,}"


class _Found:
    def __init__(self):
        self.items: list[tuple[Finding, bool]] = []  # (finding, about a published edition)

    def add(self, pos, level: str, rule: str, message: str, published: bool = False) -> None:
        self.items.append((Finding(pos, level, rule, message), published))


def at(summary: dict, where: list | None, fallback: str = "site.yaml") -> Pos:
    """A position inside a publisher, as the portal shows it (publishers/<id>/…)."""
    file, line = where if where else (fallback, 0)
    return Pos(posixpath.normpath(f"{PUBLISHERS}/{summary['id']}/{file}"), line)


def cross_check_detailed(portal, summaries: list[dict]) -> list[tuple[Finding, bool]]:
    """Every finding across publishers, with whether it concerns a published edition (an
    error there stops the build, as a published edition's own errors do)."""
    found = _Found()
    by_id = {s["id"]: s for s in summaries}
    _structure(found, summaries, by_id)
    for dept in summaries:
        if dept["kind"] != "部门":
            continue
        units = [s for s in summaries if s["kind"] == "单位" and s["parent"] == dept["id"]]
        if units:
            _sums(found, dept, units)
    return found.items


def cross_check(portal, summaries: list[dict]) -> list[Finding]:
    return [f for f, _published in cross_check_detailed(portal, summaries)]


def _structure(found: _Found, summaries: list[dict], by_id: dict) -> None:
    codes: dict[str, dict] = {}
    names: dict[str, dict] = {}
    for s in summaries:
        where = s["where"]
        if s["code"]:
            first = codes.setdefault(s["code"], s)
            if first is not s:
                found.add(at(s, where["code"]), "error", "portal-code",
                          _("单位编码 {code} 与 {other} 重复：每个部门和单位的编码都应唯一",
                            code=s["code"], other=at(first, first["where"]["code"])))
        else:
            found.add(at(s, where["publisher"]), "warning", "portal-code",
                      _("{name} 没有单位编码：请在 site.yaml 中写 code（门户的汇总下载按编码排列）", name=s["name"] or s["id"]))
        if s["name"]:
            first = names.setdefault(s["name"], s)
            if first is not s:
                found.add(at(s, where["publisher"]), "error", "portal-name",
                          _("发布单位名称“{name}”与 {other} 重复", name=s["name"], other=at(first, first["where"]["publisher"])))
        if s["kind"] == "单位":
            parent = by_id.get(s["parent"]) if s["parent"] else None
            if not s["parent"]:
                found.add(at(s, where["kind"]), "error", "portal-parent",
                          _("单位（kind: 单位）要写明所属部门：parent: <部门的文件夹名>"))
            elif parent is None:
                found.add(at(s, where["parent"]), "error", "portal-parent",
                          _("所属部门“{parent}”不存在：publishers/ 中没有这个文件夹", parent=s["parent"]))
            elif parent["kind"] != "部门":
                found.add(at(s, where["parent"]), "error", "portal-parent",
                          _("所属部门“{parent}”是一个单位，不是部门：单位只能属于部门", parent=s["parent"]))
        elif s["parent"]:
            found.add(at(s, where["parent"]), "error", "portal-parent",
                      _("部门不能有所属部门（parent）；如果它是一个单位，请写 kind: 单位"))
        for e in s["editions"]:
            published = e["status"] == "published"
            if s["name"] and e["department"] != s["name"]:
                found.add(at(s, e["where"]["department"]), "error", "portal-name",
                          _("部门名称“{department}”与发布单位的名称“{name}”（site.yaml 的 publisher）不一致",
                            department=e["department"], name=s["name"]), published)
            if s["code"] and e["department_code"] and str(e["department_code"]) != s["code"]:
                found.add(at(s, e["where"]["department_code"]), "error", "portal-code",
                          _("部门编码 {code} 与发布单位的编码 {own}（site.yaml 的 code）不一致",
                            code=e["department_code"], own=s["code"]), published)
    for dept in summaries:
        if dept["kind"] != "部门":
            continue
        units = [s for s in summaries if s["kind"] == "单位" and s["parent"] == dept["id"]]
        for e in dept["editions"]:
            if not e["units"]:
                continue
            for unit in units:
                if any(u["year"] == e["year"] for u in unit["editions"]) and unit["name"] not in e["units"]:
                    found.add(at(dept, e["where"]["units"]), "warning", "portal-unit-listed",
                              _("{year} 年的单位列表（units）中没有 {unit}（publishers/{id}，属于本部门）",
                                year=e["year"], unit=unit["name"], id=unit["id"]))


def _figures(edition: dict) -> dict[str, dict[str, Decimal]]:
    return {code: {m: Decimal(v[m]) for m in MEASURES} for code, v in edition["lines"].items()}


def _sums(found: _Found, dept: dict, units: list[dict]) -> None:
    for e in dept["editions"]:
        year = e["year"]
        theirs = [(u, next((x for x in u["editions"] if x["year"] == year), None)) for u in units]
        missing = [u for u, x in theirs if x is None]
        if len(missing) == len(units):
            continue
        if missing:
            found.add(at(dept, e["where"]["year"]), "note", "portal-sum-skipped",
                      _("{year} 年没有核对部门预算与单位预算之和：{units} 没有 {year} 年的单位预算",
                        year=year, units=_("、").join(u["name"] or u["id"] for u in missing)))
            continue
        published = e["status"] == "published"
        own = _figures(e)
        parts = [(u, x, _figures(x)) for u, x in theirs]
        codes = list(own) + sorted({c for _u, _x, f in parts for c in f} - set(own))
        zero = {m: Decimal(0) for m in MEASURES}
        totals_own = dict(zero)
        totals_sum = dict(zero)
        for code in codes:
            mine = own.get(code, zero)
            summed = {m: sum((f.get(code, zero)[m] for _u, _x, f in parts), Decimal(0)) for m in MEASURES}
            for m in MEASURES:
                totals_own[m] += mine[m]
                totals_sum[m] += summed[m]
            differ = [m for m in MEASURES if mine[m] != summed[m]]
            if not differ:
                continue
            where = (_("；").join(
                _("{pos} 为 {amount} 元", pos=at(u, x["lines"][code]["pos"]), amount=_yuan(f[code]["total"]))
                if code in f else _("{name}（{file}）没有这一科目", name=u["name"] or u["id"],
                                    file=at(u, None, f"{x['folder']}/budget.yaml"))
                for u, x, f in parts))
            figures = _("，").join(_("{measure} {own} 元 ≠ {sum} 元", measure=_label(m), own=_yuan(mine[m]),
                                  sum=_yuan(summed[m])) for m in differ)
            if code in own:
                pos = at(dept, e["lines"][code]["pos"])
                message = _("功能分类 {code}：部门预算不等于各单位预算之和（{figures}）；单位预算：{where}",
                            code=code, figures=figures, where=where)
            else:
                pos = at(dept, e["lines_pos"])
                message = _("功能分类 {code} 在单位预算中有、部门预算中没有（{figures}）；单位预算：{where}",
                            code=code, figures=figures, where=where)
            found.add(pos, "error", "portal-sum", message, published)
        differ = [m for m in MEASURES if totals_own[m] != totals_sum[m]]
        if differ:
            figures = _("，").join(_("{measure} {own} 元 ≠ {sum} 元", measure=_label(m), own=_yuan(totals_own[m]),
                                  sum=_yuan(totals_sum[m])) for m in differ)
            found.add(at(dept, e["lines_pos"]), "error", "portal-sum",
                      _("{year} 年功能分类支出合计：部门预算不等于 {n} 个单位预算之和（{figures}）",
                        year=year, n=len(units), figures=figures), published)
