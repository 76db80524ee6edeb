"""The whole import: open the workbook, find the format's tables, read, solve, check, write."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from decimal import Decimal
from pathlib import Path

from ..errors import Pos
from ..formats import UNIT_SCALE, scale
from ..i18n import _
from .cells import Sheet, clip
from .headers import columns_of, locate
from .read import Importer
from .report import ImportResult, ImportUsageError, Report
from .rows import TableRead, read_rows
from .sheets import find_tables, title_years
from .verify import compare, run_checks
from .write_yaml import budget_yaml, edition_yaml, kept_sections, units_of


def _open_workbook(path: Path):
    """The workbook twice: with the values Excel calculated (data_only) and with the
    formulas, to tell a formula never calculated (no value stored) from a blank cell."""
    from openpyxl import load_workbook

    if not path.is_file():
        raise ImportUsageError(Pos(str(path)), _("找不到这个文件，请核对文件名和路径"))
    try:
        return load_workbook(path, data_only=True), load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportUsageError(Pos(str(path)), _("不是 Excel 工作簿（.xlsx），无法读取：{error}",
                                                  error=clip(exc, 200))) from None


def _same_department(a: str, b: str) -> bool:
    """Whether a workbook's 部门 names the edition's department: spaces, width and a leading
    code (``123001-``) aside, one name contains the other (``XX局（本级）``)."""
    def key(text: str) -> str:
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
        return re.sub(r"^[0-9]+[-_:：.、\]）)]*", "", text)
    a, b = key(a), key(b)
    return not a or not b or a in b or b in a


def _check_department(found: dict, department: str, edition: str, report: Report) -> None:
    """The workbook's 部门名称 / 编制部门 against edition.yaml's department: another
    department's workbook is an error, at the cell that names it (once per name)."""
    seen = set()
    for _index, f in sorted(found.items()):
        if f.department and not _same_department(f.department, department) and f.department not in seen:
            seen.add(f.department)
            report.error(f.department_ref or f.sheet.ref(f.title_row + 1, 1),
                         _("工作簿的部门是“{workbook}”，而 {edition} 的部门是“{department}”"
                           "：这是另一个部门的预算表，未导入（请核对工作簿或 --into 的版本目录）",
                           workbook=clip(f.department), edition=edition, department=clip(department)))


def _kept(old: Path, shown: str, report: Report) -> tuple[str, list[str]] | None:
    """What the previous budget.yaml keeps (see kept_sections); None, with an error naming
    the file, when it is not UTF-8 or not valid YAML (nothing of it is copied)."""
    from ..errors import BudgetError
    from ..yamlload import parse_yaml

    try:
        text = old.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = old.read_bytes()[: exc.start].count(b"\n") + 1
        report.error(f"{shown}:{line}", _("原有的 budget.yaml 不是 UTF-8 编码的文本，无法保留其中的 procurement、"
                                          "assets、performance 等部分；未写入任何文件（请将其另存为 UTF-8，"
                                          "或移走后再导入）"))
        return None
    except OSError as exc:
        report.error(shown, _("无法读取原有的 budget.yaml：{error}；未写入任何文件", error=clip(exc, 200)))
        return None
    try:
        parse_yaml(text, shown)
    except BudgetError as exc:
        report.error(str(exc.pos or shown), _("原有的 budget.yaml 不是有效的 YAML（{error}），"
                                              "无法保留其中的 procurement、assets、performance 等部分；"
                                              "未写入任何文件（请先修正，或移走后再导入）",
                                              error=clip(exc.message, 120)))
        return None
    return kept_sections(text)


class _NoEdition:
    """No edition.yaml yet: the site's format applies."""

    format = tableset = None
    where: dict = {}


def _shown(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _edition_unit(found: dict, fmt) -> tuple[str | None, str | None]:
    """The unit the workbook states for the edition: that of the sheets whose table has no
    unit of its own (the commonest), else of any sheet."""
    own = [(f.unit, f.unit_ref) for i, f in sorted(found.items()) if f.unit and not fmt.tables[i].unit]
    stated = own or [(f.unit, f.unit_ref) for _, f in sorted(found.items()) if f.unit]
    if not stated:
        return None, None
    unit = Counter(u for u, _ in stated).most_common(1)[0][0]
    return unit, next(ref for u, ref in stated if u == unit)


def import_workbook(workbook: Path, site_dir: Path = Path("."), year: int | None = None,
                    into: Path | None = None, force: bool = False) -> ImportResult:
    """Read ``workbook``, write budget.yaml (and edition.yaml when there is none) into
    ``into`` (default <site>/content/<year>), run the checks; see the package docstring."""
    from ..formats import edition_format
    from ..codes import load_codes
    from ..model import Edition, Site
    from ..schema import read
    from ..yamlload import load_yaml

    workbook = Path(workbook)
    site_dir = Path(site_dir)
    wb, with_formulas = _open_workbook(workbook)
    sheets = [Sheet(ws, f) for ws, f in zip(wb.worksheets, with_formulas.worksheets)]
    report = Report()
    result = ImportResult()
    root_guess = Path(into).parent.parent if into is not None and Path(into).parent.name == "content" else site_dir
    site = read(load_yaml(root_guess / "site.yaml", "site.yaml"), Site, Pos("site.yaml", 1), "site.yaml") \
        if (root_guess / "site.yaml").is_file() else read(None, Site, Pos("site.yaml"), "site.yaml")
    fmt = edition_format(site, _NoEdition(), root_guess)
    # the year: --year, else the titles of the format's tables
    found = find_tables(sheets, fmt, Report())
    years = title_years(found)
    if year is None:
        if not years:
            raise ImportUsageError(Pos(str(workbook)), _("各表的标题中没有年度，请用 --year 指定年度"))
        year = years[-1]
    elif years and years != [year]:
        report.warning("", _("表的标题中是{titles}年，而 --year 指定的是{year}年，按 --year 导入",
                             titles="、".join(map(str, years)), year=year))
    result.year = year
    if into is None:
        into = site_dir / "content" / str(year)
    into = Path(into)
    result.into = into
    root = into.parent.parent if into.parent.name == "content" else site_dir
    existing = None
    if (into / "edition.yaml").is_file():
        existing = read(load_yaml(into / "edition.yaml", f"{_shown(into, root)}/edition.yaml"), Edition,
                        Pos(f"{_shown(into, root)}/edition.yaml", 1), "edition.yaml")
    codes = load_codes(year, None, root)
    fmt = edition_format(site, existing if existing else _NoEdition(), root)
    found = find_tables(sheets, fmt, report)  # again: the edition may name another format
    department = next((f.department for _, f in sorted(found.items()) if f.department), None)
    unit, unit_ref = _edition_unit(found, fmt)
    before = len(report.messages)
    for f in sorted(found.values(), key=lambda f: f.index):
        for ref, formula in f.sheet.uncalculated:
            report.error(ref, _("公式单元格没有计算结果（{formula}）：工作簿保存时未计算公式，"
                                "读不到它显示的数（请在 Excel 中打开并保存后再导入）", formula=clip(formula)))
    if existing is not None:
        _check_department(found, existing.department, f"{_shown(into, root)}/edition.yaml", report)
        department, unit = existing.department, existing.unit
    elif unit not in (None, "元", "万元"):
        report.error(unit_ref, _("工作簿的单位是{unit}；版本（edition.yaml）的单位只能是元或万元", unit=unit))
        unit = None
    unit = unit or "万元"
    for i, spec in enumerate(fmt.tables):
        if i not in found:
            report.warning("", _("工作簿中没有标题为“{ref} {title}”的工作表，这张表的数字没有导入",
                                 ref=spec.ref, title=spec.title.replace("{year}", str(year))))
    if any(m.level == "error" for m in report.messages[before:]):
        # another department, or formulas with no value: nothing is read or written
        result.messages = report.messages
        return result
    known_units = [u.name for u in existing.units] if existing else []
    imp = Importer(codes, fmt, year, report, unit, known_units)
    imp.out.department = department
    reads: list[TableRead] = []
    for i in sorted(found):
        f, spec = found[i], fmt.tables[i]
        expected = spec.unit or unit
        sheet_unit = f.unit or expected
        if sheet_unit not in UNIT_SCALE:
            sheet_unit = expected
        if sheet_unit != expected:
            report.warning(f.unit_ref or "", _("{ref}的单位是{sheet_unit}（格式规定{expected}），"
                                               "已按{sheet_unit}读取并换算为{unit}",
                                               ref=spec.ref, sheet_unit=sheet_unit, expected=expected, unit=unit))
        region = locate(spec, f.sheet, f.title_row, year, fmt, report)
        if region is None:
            continue
        factor = scale(sheet_unit, unit)
        decimals = fmt.style_of(spec).decimals
        quantum = Decimal(1).scaleb(-decimals) * factor
        rows = read_rows(spec, f.sheet, region, factor, report)
        reads.append(TableRead(i, spec, f.sheet, region, rows, columns_of(spec), factor, quantum, sheet_unit))
    # 机关运行经费 first: its 单位 help tell 单位 rows from projects in the project lists
    for t in sorted(reads, key=lambda t: t.spec.layout != "operating"):
        imp.read(t, department)
    imp.solve_lines()
    imp.approvals()
    result.messages = report.messages
    if not imp.out.lines and not report.failed:
        report.error("", _("没有读到任何预算科目：没有一张表有7位科目编码（项）的行"))
    if report.failed:
        return result
    shown = _shown(into, root)
    result.budget_yaml = budget_yaml(imp.out, codes, workbook.name)
    old = into / "budget.yaml"
    if force and old.is_file():  # what no standard table carries stays as it was
        kept_now = _kept(old, f"{shown}/budget.yaml", report)
        if kept_now is None:
            result.messages = report.messages
            return result
        kept, names = kept_now
        if kept:
            result.budget_yaml += "\n" + kept
            report.add("", "note", _("保留了原 budget.yaml 中的 {names} 部分", names=", ".join(names)))
    if existing is None:
        result.edition_yaml = edition_yaml(imp.out, units_of(imp.out))
    # derive the tables from what was imported, as a build would, and compare
    findings, derived, todo = run_checks(root, site, into, shown, result.budget_yaml, result.edition_yaml)
    result.findings, result.todo = findings, todo
    if derived is not None:
        compare(derived, reads, report)
    else:
        report.warning("", _("无法按导入的数据生成各表（见检查报告的错误），未与工作簿逐数核对"))
    result.messages = report.messages
    if report.failed:
        return result
    # write: never over an existing file without force
    targets = [(into / "budget.yaml", result.budget_yaml)]
    if result.edition_yaml is not None:
        targets.append((into / "edition.yaml", result.edition_yaml))
    clash = [p for p, _ in targets if p.exists()]
    if clash and not force:
        raise ImportUsageError(Pos(_shown(clash[0], root)),
                               _("文件已存在，未写入任何文件（如要替换，请加 --force）"))
    into.mkdir(parents=True, exist_ok=True)
    for path, text in targets:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        result.written.append(path)
    # the checks again, on the files as written (a rule may read them from disk)
    result.findings, _derived, result.todo = run_checks(root, site, into, shown, result.budget_yaml, result.edition_yaml)
    return result
