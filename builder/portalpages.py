"""The portal's own pages and downloads, made from the publishers' summaries (builder/portal.py).

    index.html                    the departments, grouped (site.yaml ``group``), each with its
                                  units, each linking to its own site; a filter box (offline)
    years/<year>/index.html       every publisher's edition of the year: its pages, PDF, data
    data/<year>/<table>.csv       one table across every publisher of the year (e.g. every
    data/<year>/<table>.xlsx      department's 三公), the publisher's 编码 and 名称 first

A table whose header or unit differs between publishers (two formats) gets one file per
variant: ``<table>-1``, ``<table>-2`` … The workbooks are made like the editions' own
(builder/downloads.py: text cells never formulas, fixed dates), and reused when their inputs
did not change (data/.xlsx-keys.json).
"""
from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

import jinja2

from .load import templates_dir, theme_dir
from .paths import BUNDLED_TEMPLATES
from .tabledata import defused
from .write import MARKER

KEYS = "data/.xlsx-keys.json"
XLSX_VERSION = "1"


def ordered(summaries: list[dict]) -> list[dict]:
    """Departments by code (then folder name), each followed by its units; units whose
    department is missing last."""
    key = lambda s: (s["code"] or "\uffff", s["id"])  # noqa: E731
    depts = sorted((s for s in summaries if s["kind"] == "部门"), key=key)
    known = {d["id"] for d in depts}
    out = []
    for dept in depts:
        out.append(dept)
        out += sorted((s for s in summaries if s["kind"] == "单位" and s["parent"] == dept["id"]), key=key)
    return out + sorted((s for s in summaries if s["kind"] == "单位" and s["parent"] not in known), key=key)


def _environment(root: Path) -> jinja2.Environment:
    """The portal's templates (its own templates/ first, then the bundled ones)."""
    from .render import _new_environment

    env = _new_environment(templates_dir(root))
    env.loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(templates_dir(root))),
                                      jinja2.FileSystemLoader(str(BUNDLED_TEMPLATES))])
    return env


def _groups(summaries: list[dict]) -> list[dict]:
    """[{name, departments: [{…, units: […]}]}] in the order of the departments' codes."""
    rows = ordered(summaries)
    groups: dict[str, list] = {}
    orphans = []
    for s in rows:
        if s["kind"] == "部门":
            groups.setdefault(s["group"] or "其他", []).append({**s, "units": []})
        else:
            dept = next((d for g in groups.values() for d in g if d["id"] == s["parent"]), None)
            (dept["units"] if dept else orphans).append(s)
    if orphans:
        groups.setdefault("其他", []).extend({**s, "units": []} for s in orphans)
    return [{"name": name, "departments": depts} for name, depts in groups.items()]


def cross_tables(summaries: list[dict], year: int) -> list[dict]:
    """The tables of ``year`` across publishers: [{name, title, number, unit, publishers,
    header, rows, values, kinds, number_format}], one per table id (and variant)."""
    variants: dict[str, list[dict]] = {}
    for s in ordered(summaries):
        edition = next((e for e in s["editions"] if e["year"] == year), None)
        for table in (edition or {}).get("tables", []):
            groups = variants.setdefault(table["id"], [])
            shape = (table["header"], table["unit"], len(table["kinds"]))
            group = next((g for g in groups if g["shape"] == shape), None)
            if group is None:
                group = {"shape": shape, "first": table, "members": []}
                groups.append(group)
            group["members"].append((s, table))
    out = []
    for tid, groups in variants.items():
        for n, group in enumerate(groups, start=1):
            first = group["first"]
            out.append({
                "name": tid if len(groups) == 1 else f"{tid}-{n}",
                "title": first["title"], "number": first["number"], "unit": first["unit"],
                "format": first["format"], "header": first["header"], "kinds": first["kinds"],
                "number_format": first["number_format"], "members": group["members"],
                "variant": len(groups) > 1,
            })
    return out


def cross_csv(table: dict) -> bytes:
    """The table across publishers as CSV (UTF-8 with BOM, CRLF), 编码 and 名称 first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for i, row in enumerate(table["header"]):
        writer.writerow((["单位编码", "单位名称"] if i == 0 else ["", ""]) + row)
    for s, member in table["members"]:
        for row in member["rows"]:
            writer.writerow([defused(s["code"] or ""), defused(s["name"] or s["id"])] + row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def cross_xlsx(table: dict, title: str, moment: datetime.datetime, creator: str) -> bytes:
    """The table across publishers as a workbook (builder/xlsx.py): text cells are text (never
    formulas), amounts exact numbers as printed, the same bytes for the same input."""
    from .xlsx import Sheet, Style, Styles, sheet_xml, workbook

    styles = Styles()
    sheet = Sheet(table["name"][:31])
    sheet.put(1, 1, title, styles(Style(font="title")))
    sheet.put(2, 1, f"单位：{table['unit']}")
    bold, text = styles(Style(font="bold")), styles(Style(number_format="@"))
    amount = styles(Style(number_format=table["number_format"], horizontal="right"))
    r = 3
    for i, row in enumerate(table["header"]):
        for c, label in enumerate((["单位编码", "单位名称"] if i == 0 else ["", ""]) + row, start=1):
            if label:
                sheet.put(r, c, label, bold)
        r += 1
    sheet.freeze_row = r
    for s, member in table["members"]:
        for _texts, values in zip(member["rows"], member["values"]):
            sheet.put(r, 1, s["code"] or "", text)
            sheet.put(r, 2, s["name"] or s["id"], text)
            for c, value in enumerate(values, start=3):
                if isinstance(value, dict):  # an amount, exact as printed (never a float)
                    number = Decimal(value["n"])
                    sheet.put(r, c, int(number) if number == number.to_integral_value() else number, amount)
                elif value:
                    sheet.put(r, c, value, text)  # text stays text (never a formula)
            r += 1
    return workbook([(sheet.name, sheet_xml(sheet))], styles, moment, creator, title)


def _previous_keys(out: Path) -> dict:
    try:
        if (out / MARKER).is_file():
            return json.loads((out / KEYS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    return {}


def portal_files(portal, summaries: list[dict], out: Path) -> dict[str, bytes | Path]:
    """Every file of the portal's own: pages, cross-publisher downloads, the stylesheet."""
    root = portal.root
    env = _environment(root)
    site = portal.site
    years = sorted({e["year"] for s in summaries for e in s["editions"]})
    from .build import _theme_files

    files: dict[str, bytes | Path] = {f"assets/{rel}": blob for rel, blob in _theme_files(root).items()}
    previous = _previous_keys(out)
    keys = {}
    listing = {}
    for year in years:
        tables = cross_tables(summaries, year)
        moments = [datetime.datetime.fromisoformat(e["date"]) for s in summaries for e in s["editions"]
                   if e["year"] == year]
        moment = max(moments)
        links = []
        for table in tables:
            stem = f"data/{year}/{table['name']}"
            title = f"{year}年 {table['title']}（各部门、单位汇总）"
            data = cross_csv(table)
            files[f"{stem}.csv"] = data
            digest = hashlib.sha256(f"{XLSX_VERSION}\0{title}\0{moment.isoformat()}\0{site.publisher}\0".encode())
            digest.update(data)
            digest.update(json.dumps([m["values"] for _s, m in table["members"]]).encode())
            key = keys[f"{stem}.xlsx"] = digest.hexdigest()
            kept = out / f"{stem}.xlsx"
            if previous.get(f"{stem}.xlsx") == key and kept.is_file():
                files[f"{stem}.xlsx"] = kept
            else:
                files[f"{stem}.xlsx"] = cross_xlsx(table, title, moment, site.publisher or site.title)
            links.append({"name": table["name"], "number": table["number"], "title": table["title"],
                          "unit": table["unit"], "format": table["format"], "count": len(table["members"]),
                          "variant": table["variant"],
                          "csv": f"{stem}.csv", "xlsx": f"{stem}.xlsx"})
        listing[year] = links
    files[KEYS] = (json.dumps(keys, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
    groups = _groups(summaries)
    files["index.html"] = env.get_template("portal_index.html").render(
        site=site, groups=groups, years=years, count=len(summaries)).encode("utf-8")
    rows = ordered(summaries)
    for year in years:
        editions = []
        for s in rows:
            e = next((x for x in s["editions"] if x["year"] == year), None)
            if e is not None:
                editions.append({"publisher": s, "edition": e})
        files[f"years/{year}/index.html"] = env.get_template("portal_year.html").render(
            site=site, year=year, years=years, editions=editions, downloads=listing[year]).encode("utf-8")
    return files
