"""Reading each layout's rows into the budget: lines solved from what the tables show.

Each row source (layout) has its reader; the measures behind the amount columns are the
spec's ``columns`` (and ``filter``) in the format's source vocabulary, so a column of any
source the format declares (general, fiscal, business, other, …) is read. A 项's amounts
(kind x source x period) are solved from every table that shows it; every printed total
(合计 / 类 / 款 rows, the balance tables' lines) is verified against the sum of what it covers,
and one that differs by rounding only is kept as a 批复数 (尾差).
"""
from __future__ import annotations

import unicodedata
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..amounts import KINDS, PERIODS, Measure, parse_measure
from ..derive import PERSONNEL_CLASSES
from ..i18n import _
from ..model import ZERO
from ..sources import vocabulary
from .cells import clip, label_key
from .report import Report
from .rows import RowData, TableRead, functional_code, is_total, row_code

KINDS2 = ("basic", "project")
#: the “三公”经费 items of budget.yaml and their paths in the three_public ledger
LEAVES = {"abroad": ("abroad",), "reception": ("reception",),
          "vehicle_purchase": ("vehicle", "purchase"), "vehicle_operation": ("vehicle", "operation")}
#: subtotals of the ledger budget.yaml may state as 批复数 (three_public.approved)
STATED = {(): "total", ("vehicle",): "vehicle"}


@dataclass
class Observed:
    """A printed total: which row (``total`` or a code), which measure, the value, where,
    and the smallest step its table prints (for what rounding can explain)."""

    key: str
    measure: Measure
    value: Decimal
    ref: str
    what: str
    quantum: Decimal = Decimal("0.01")


@dataclass
class Imported:
    """Everything read from the workbook, before it is written as YAML."""

    department: str | None = None
    unit: str | None = None
    year: int | None = None
    sources: tuple = ()                                # source keys in print order
    lines: dict = field(default_factory=dict)          # code -> {atom: Decimal}
    approved: dict = field(default_factory=dict)       # key -> {measure text: Decimal}
    econ_records: list = field(default_factory=list)   # (dept, gov or None, amount)
    econ_approved: dict = field(default_factory=dict)
    three_public: dict = field(default_factory=dict)   # item -> {source: Decimal}
    three_public_approved: dict = field(default_factory=dict)
    operating: list = field(default_factory=list)      # (unit or None, {source: Decimal})
    projects: list = field(default_factory=list)       # [(unit, [(name, {source: Decimal})], approved)]
    carryover_projects: list = field(default_factory=list)
    revenue: dict = field(default_factory=dict)        # fund / soe -> [(code, name, amount)]


def tolerance(quantum: Decimal, terms: int) -> Decimal:
    """What rounding can explain: half a printed step per rounded figure."""
    return quantum / 2 * terms


def rounded(value: Decimal, quantum: Decimal) -> Decimal:
    return (value / quantum).quantize(Decimal(1), ROUND_HALF_UP) * quantum


class Importer:
    def __init__(self, codes, fmt, year: int, report: Report, unit: str, known_units=()):
        self.codes = codes
        self.fmt = fmt
        self.year = year
        self.report = report
        self.unit = unit
        self.known_units = list(known_units)
        self.vocab = vocabulary(fmt)
        own = list(getattr(fmt, "sources", {}) or {})
        self.sources = tuple(own + [k for k in self.vocab.keys if k not in own])
        #: every amount of a line: (kind, source, period), in the order a free choice prefers
        #: them (当年 before 上年结转; the format's sources in its order)
        self.atoms = ([(k, s, "current") for s in self.sources for k in KINDS2]
                      + [("project", s, "carryover") for s in self.sources]
                      + [("basic", s, "carryover") for s in self.sources])
        self.out = Imported(year=year, unit=unit, sources=self.sources)
        self.line_obs: dict[str, list] = defaultdict(list)  # code -> [(measure, value, ref, what, quantum)]
        self.parents: list[Observed] = []

    # -- measures and sources -------------------------------------------------------------

    def measure(self, text) -> Measure:
        return parse_measure(text, None, self.vocab)

    def column_measures(self, spec) -> list[Measure]:
        base = self.measure(spec.filter)
        texts = [c.measure for c in spec.cells] if spec.layout == "single" else spec.columns
        return [self.measure(c) & base for c in texts]

    def column_source(self, spec, i: int) -> str | None:
        """The one source a column names (``general.current``, ``unit``), None for a total
        over several (``total``, ``fiscal``)."""
        text = spec.cells[i].measure if spec.layout == "single" else spec.columns[i]
        tokens = {t for part in (text, spec.filter) if part for t in str(part).split(".")}
        named = {t for t in tokens if t in self.vocab.labels}
        return next(iter(named)) if len(named) == 1 else None

    def fallback_source(self, m: Measure) -> str:
        """Where a total column's amount goes when the table shows no single source."""
        return next((s for s in self.sources if m.sources is None or s in m.sources), "general")

    def show(self, value: Decimal) -> str:
        if self.unit == "万元" or value != value.to_integral_value():
            return f"{value:.2f}"
        return f"{value:.0f}"

    def _verify(self, printed: Decimal, total: Decimal, terms: int, ref: str, what: str, table: str,
                parts: str, quantum: Decimal) -> str:
        """ok | rounding | broken; a broken total (``what``, a row of ``table``) is an error at its cell."""
        diff = printed - total
        if not diff:
            return "ok"
        if abs(diff) <= tolerance(quantum, terms + 1):
            return "rounding"
        sign = "+" if diff > 0 else "-"
        self.report.error(ref, _("{what}（{table}）为{printed}，而{parts}合计为{total}（相差{sign}{difference}，"
                                 "超出四舍五入的尾差）", what=what, table=table, printed=self.show(printed),
                                 parts=parts, total=self.show(total), sign=sign, difference=self.show(abs(diff))))
        return "broken"

    def by_source(self, t: TableRead, row: RowData, first: int) -> dict:
        """{source: amount} of a row whose columns from ``first`` are totals and single
        sources; each total column is verified against the sources it covers."""
        spec = t.spec
        measures = self.column_measures(spec)
        sources: dict[str, Decimal] = {}
        totals = []
        for i, m in enumerate(measures):
            value = row.amounts[first + i]
            source = self.column_source(spec, i)
            if source is not None:
                sources[source] = sources.get(source, ZERO) + value
            else:
                totals.append((i, m, value))
        for i, m, value in totals:
            if not sources:
                continue
            expect = sum((v for s, v in sources.items() if m.sources is None or s in m.sources), ZERO)
            if value != expect:
                self.report.error(row.refs[first + i], _("“{label}”：合计{value}不等于各资金来源之和（{expect}）",
                                                         label=row.label(0), value=self.show(value),
                                                         expect=self.show(expect)))
        if not sources and totals:  # only total columns: the first source they cover
            i, m, value = totals[0]
            sources[self.fallback_source(m)] = value
        return {s: v for s, v in sources.items() if v}

    # -- subjects: 功能分类 合计 / 类 / 款 / 项 rows --------------------------------------------

    def subjects(self, t: TableRead, lo: int = 0, hi: int | None = None) -> None:
        spec, cols, report = t.spec, t.cols, self.report
        hi = len(cols) if hi is None else hi
        code_idx = [i for i in range(lo, hi) if cols[i].kind == "code"]
        name_idx = next(i for i in range(lo, hi) if cols[i].kind == "name")
        amount_idx = [i for i in range(lo, hi) if cols[i].kind == "amount"]
        measures = self.column_measures(spec)
        items: list[tuple[str, RowData]] = []
        totals: list[tuple[str, RowData]] = []
        previous = ""
        for row in t.rows:
            raw = row_code([row.label(i) for i in code_idx], [cols[i] for i in code_idx], previous) \
                if code_idx else ""
            name = row.label(name_idx)
            row_ref = row.refs[code_idx[0] if code_idx else name_idx]
            if is_total(raw, spec) or (not raw and is_total(name, spec)):
                totals.append(("total", row))
                continue
            if not raw and name:
                raw = functional_code(name) or ""  # "2080903 军队移交…" in the name column
            if not raw and not name:
                if any(row.amounts.get(i) for i in amount_idx):
                    report.error(row_ref, _("这一行有金额，但没有科目编码"))
                continue
            code = functional_code(raw)
            if not code:
                report.error(row_ref, _("“{code}”不是科目编码（应为3、5或7位数字）", code=clip(raw)))
                continue
            previous = code
            if code not in self.codes.functional:
                if name:
                    report.error(row_ref, _("科目编码 {code}（{name}）不在{year}年的科目代码表中"
                                            "（builder/standards/codes），请核对编码",
                                            code=code, name=clip(name), year=self.codes.year))
                else:
                    report.error(row_ref, _("科目编码 {code}（无名称）不在{year}年的科目代码表中"
                                            "（builder/standards/codes），请核对编码",
                                            code=code, year=self.codes.year))
                continue
            known = self.codes.functional[code]
            if name and label_key(name) != label_key(known) and functional_code(name) is None:
                report.warning(row.refs[name_idx], _("{code}：名称“{name}”与科目代码表中的“{known}”不同，"
                                                     "采用代码表中的名称", code=code, name=clip(name),
                                                     known=clip(known)))
            (items if len(code) == 7 else totals).append((code, row))
        for code, row in items:
            for m, i in zip(measures, amount_idx):
                self.line_obs[code].append((m, row.amounts[i], row.refs[i], f"{spec.ref} {code}", t.quantum))
        # every printed total against the sum of its 项 rows on this sheet
        for key, row in totals:
            under = [r for c, r in items if key == "total" or c.startswith(key)]
            what = "合计" if key == "total" else f"{key} {self.codes.functional.get(key, '')}"
            for m, i in zip(measures, amount_idx):
                parts = [r.amounts[i] for r in under if r.amounts[i]]
                printed = row.amounts[i]
                self._verify(printed, sum(parts, ZERO), len(parts), row.refs[i], what, spec.ref,
                             _("其下各项科目"), t.quantum)
                self.parents.append(Observed(key, m, printed, row.refs[i], what, t.quantum))

    # -- balance: income lines beside the 功能分类 类 ---------------------------------------

    def balance(self, t: TableRead) -> None:
        """Nothing of their own, but their totals are printed figures."""
        spec = t.spec
        base = self.measure(spec.filter)
        measures = self.column_measures(spec)
        left = [(label_key(r[0]), self.measure(r[1]) & base) for r in spec.income if len(r) > 1 and r[0]]
        left += [(label_key(r[0]), self.measure(r[1]) & base) for r in spec.footer
                 if r[0] and len(r) > 1 and r[1]]
        right = {label_key(r[2]): "total" for r in spec.footer if len(r) > 3 and r[2] and r[3] == "columns"}
        classes = {label_key(self.codes.functional[c]): c for c in self.codes.classes}
        used: set[int] = set()
        for row in t.rows:
            key = label_key(row.label(0))
            for i, (label, m) in enumerate(left):
                if i not in used and label == key and key:
                    used.add(i)
                    self.parents.append(Observed("total", m, row.amounts[1], row.refs[1], row.label(0),
                                                 t.quantum))
                    break
            key = label_key(row.label(2))
            target = classes.get(key) or right.get(key)
            if target:
                for j, m in enumerate(measures):
                    self.parents.append(Observed(target, m, row.amounts[3 + j], row.refs[3 + j],
                                                 row.label(2), t.quantum))

    # -- the lines ------------------------------------------------------------------------

    def solve_lines(self) -> None:
        """Each 项's amounts from what the tables show of it (by kind, by source, by period)."""
        assumed = []
        for code in sorted(self.line_obs):
            obs = self.line_obs[code]
            values, free = solve([(m, v) for m, v, *_ in obs], self.atoms)
            for (m, v, ref, what, _quantum) in obs:
                got = sum((values.get(a, ZERO) for a in self.atoms if m.selects(a)), ZERO)
                if got != v:
                    self.report.error(ref, _("{what}：这里的{value}与其他表中这一科目的数字不一致"
                                             "（按其他表应为{other}）", what=what, value=self.show(v),
                                             other=self.show(got)))
            if free:
                assumed.append((code, free))
            line = {a: x for a, x in values.items() if x}
            if line:
                self.out.lines[code] = line
        for code, free in assumed:
            words = "、".join(self._atom_words(a) for a in free)
            self.report.warning("", _("{code}：工作簿没有说明{words}在基本支出和项目支出之间、各资金来源之间"
                                      "如何划分，已取第一种相符的划分，请核对 budget.yaml", code=code, words=words))

    def _atom_words(self, atom) -> str:
        kind, source, period = atom
        return f"{self.vocab.label(source)}{'（上年结转）' if period == 'carryover' else ''}"

    def approvals(self) -> None:
        """批复数: printed totals that differ from the imported lines' sums by rounding only."""
        self.out.approved = approvals(
            self.parents,
            lambda key: [((code,) + a, x) for code, line in self.out.lines.items()
                         if key == "total" or code.startswith(key) for a, x in line.items()],
            self.report, self)

    # -- economic: 基本支出 by 部门经济分类 (with 政府经济分类, or 类/款 code columns) ------------

    def economic(self, t: TableRead) -> None:
        spec, cols, report, codes = t.spec, t.cols, self.report, self.codes
        code_idx = [i for i, c in enumerate(cols) if c.kind == "code"]
        name_idx = next(i for i, c in enumerate(cols) if c.kind == "name")
        gov_idx = next((i for i, c in enumerate(cols) if c.kind == "gov"), None)
        amount_idx = [i for i, c in enumerate(cols) if c.kind == "amount"]
        measures = self.column_measures(spec)
        current_class = None
        previous = ""
        parents: list[tuple[str, RowData]] = []
        records: list[tuple[str, str | None, Decimal, RowData]] = []
        for row in t.rows:
            name = row.label(name_idx)
            gov_text = row.label(gov_idx) if gov_idx is not None else ""
            code_text = row_code([row.label(i) for i in code_idx], [cols[i] for i in code_idx], previous) \
                if code_idx else ""
            where = row.refs[code_idx[0] if code_idx else name_idx]
            if is_total(code_text, spec) or (not code_text and is_total(name, spec)):
                parents.append(("total", row))
                continue
            if not code_text and not name and not gov_text:
                continue
            if code_idx:  # 类 / 款 code columns
                code = code_text if code_text.isdigit() else None
                if code is None and name:
                    code = economic_code(name, codes.economic_dept, 5, current_class) or \
                        economic_code(name, codes.economic_dept, 3)
                if code is None or len(code) not in (3, 5) or code not in codes.economic_dept:
                    report.error(where, _("部门经济分类“{name}”不在{year}年的代码表中，请核对",
                                          name=clip(code_text or name), year=codes.year))
                    continue
                previous = code
                is_class = len(code) == 3
            elif gov_idx is not None and not gov_text:  # names: a 类 row has no 政府经济分类
                code = economic_code(name, codes.economic_dept, 3)
                if code is None:
                    report.error(where, _("部门经济分类的类“{name}”无法识别，请核对", name=clip(name)))
                    continue
                is_class = True
            else:
                code = economic_code(name, codes.economic_dept, 3)
                is_class = code is not None and gov_idx is None
                if not is_class:
                    code = economic_code(name, codes.economic_dept, 5, current_class)
            if is_class:
                current_class = code
                parents.append((code, row))
                continue
            dept = code
            gov = economic_code(gov_text, codes.economic_gov, 5) if gov_idx is not None else None
            if dept is None:
                report.error(where, _("部门经济分类的款“{name}”不在{year}年的代码表中，请核对",
                                      name=clip(name), year=codes.year))
            if gov_idx is not None and gov is None:
                report.error(row.refs[gov_idx], _("政府经济分类的款“{name}”不在{year}年的代码表中，请核对",
                                                  name=clip(gov_text), year=codes.year))
            if dept is None or (gov_idx is not None and gov is None):
                continue
            personnel = dept[:3] in PERSONNEL_CLASSES
            whole = [i for i, m in zip(amount_idx, measures) if m.kinds is None]
            split = [(i, m) for i, m in zip(amount_idx, measures) if m.kinds is not None]
            amount = (row.amounts[whole[0]] if whole else sum((row.amounts[c] for c, _ in split), ZERO))
            label = f"{clip(name)} / {clip(gov_text)}" if gov_idx is not None else f"{dept} {clip(name)}"
            for c, m in split:
                expect = amount if ("personnel" in m.kinds) == personnel else ZERO
                if row.amounts[c] != expect:
                    report.error(row.refs[c], _("{label}：这一列是{value}，但它属于{kind}，金额{amount}"
                                                "在这一列应为{expect}", label=label, value=self.show(row.amounts[c]),
                                                kind="人员经费" if personnel else "公用经费",
                                                amount=self.show(amount), expect=self.show(expect)))
            if amount:
                records.append((dept, gov, amount, row))
        for dept, gov, amount, _row in records:
            self.out.econ_records.append((dept, gov, amount))
        observed = []
        for key, row in parents:
            under = [(d, a) for d, _, a, _ in records if key == "total" or d.startswith(key)]
            what = "经济分类合计" if key == "total" else codes.economic_dept.get(key, key)
            for m, i in zip(measures, amount_idx):
                parts = [a for d, a in under if m.kinds is None or
                         (("personnel" in m.kinds) == (d[:3] in PERSONNEL_CLASSES))]
                printed = row.amounts[i]
                self._verify(printed, sum(parts, ZERO), len(parts), row.refs[i], what, spec.ref,
                             _("其下各明细"), t.quantum)
                observed.append(Observed(key, m, printed, row.refs[i], what, t.quantum))
        self.out.econ_approved = approvals(
            observed,
            lambda key: [((i, "personnel" if d[:3] in PERSONNEL_CLASSES else "public", "general", "current"), a)
                         for i, (d, _, a, _) in enumerate(records) if key == "total" or d.startswith(key)],
            self.report, self)

    # -- “三公”经费: declared items (rows), or cells of a single row ---------------------------

    def three_public(self, t: TableRead) -> None:
        spec = t.spec
        items = []
        for item in spec.items:
            label, path_text = (list(item) + [None, None])[:2]
            items.append((label_key(str(label)), tuple(str(path_text).split(".")) if path_text else ()))
        found: dict[tuple, tuple[dict, str]] = {}
        for row in t.rows:
            text = label_key(row.label(0))
            if not text:
                continue
            if is_total(row.label(0), spec):
                path = ()
            else:
                path = next((p for key, p in items if key == text), None)
                if path is None:
                    hits = [p for key, p in items if key and (key in text or text in key)]
                    path = hits[0] if len(hits) == 1 else None
            if path is None:
                self.report.error(row.refs[0], _("“{label}”不是“三公”经费表（{ref}）中的项目",
                                                 label=row.label(0), ref=spec.ref))
                continue
            found[path] = (self.by_source(t, row, 1), row.refs[1], spec.ref)
        self._three_public_found(found, t.quantum)

    def _three_public_found(self, found: dict, quantum: Decimal) -> None:
        for item, path in LEAVES.items():
            if path in found:
                self.out.three_public[item] = found[path][0]
        leaves = {LEAVES[k]: sum(v.values(), ZERO) for k, v in self.out.three_public.items()}
        for path, (sources, ref, table) in found.items():
            if path in leaves:
                continue
            under = [p for p in LEAVES.values() if p[:len(path)] == path]
            total = sum((leaves.get(p, ZERO) for p in under), ZERO)
            terms = sum(1 for p in under if leaves.get(p))
            printed = sum(sources.values(), ZERO)
            what = "“三公”经费合计" if not path else f"“三公”经费 {'.'.join(path)}"
            state = self._verify(printed, total, terms, ref, what, table, _("其下各明细"), quantum)
            if state == "rounding" and path in STATED:
                self.out.three_public_approved[STATED[path]] = printed

    def single(self, t: TableRead) -> None:
        """One row, each column naming its ledger, path and measure."""
        spec = t.spec
        rows = [r for r in t.rows if any(r.amounts.values())] or t.rows[:1]
        if not rows:
            return
        if len(rows) > 1:
            self.report.warning(rows[1].refs[0], _("{ref}只有一行数字，第 {row} 行起未读取",
                                                   ref=spec.ref, row=rows[1].r))
        row = rows[0]
        measures = self.column_measures(spec)
        found: dict[tuple, tuple[dict, str, str]] = {}
        for i, (ref, m) in enumerate(zip(spec.cells, measures)):
            value = row.amounts[i]
            source = self.column_source(spec, i) or self.fallback_source(m)
            path = tuple(ref.path.split(".")) if ref.path else ()
            if ref.ledger == "three_public":
                found[path] = ({source: value} if value else {}, row.refs[i], spec.ref)
            elif ref.ledger == "operating":
                if value:
                    self.out.operating.append((path[0] if path else None, {source: value}))
            elif ref.ledger == "functional":
                key = path[-1] if path else "total"
                self.parents.append(Observed(key, m, value, row.refs[i], f"{spec.ref} {key}", t.quantum))
            # economic: its figures are compared with the derived table at the end
        self._three_public_found(found, t.quantum)

    # -- 机关运行经费 by 单位 -----------------------------------------------------------------

    def operating(self, t: TableRead) -> None:
        spec = t.spec
        total_row = None
        units = []
        for row in t.rows:
            name = row.label(0).strip()
            if not name:
                continue
            if is_total(name, spec) or label_key(name).endswith("合计"):
                total_row = row
                continue
            units.append((name, self.by_source(t, row, 1)))
        self.out.operating += units
        if total_row is not None:
            got = sum((sum(s.values(), ZERO) for _, s in units), ZERO)
            printed = sum(self.by_source(t, total_row, 1).values(), ZERO)
            state = self._verify(printed, got, len(units), total_row.refs[1],
                                 clip(label_key(total_row.label(0))), spec.ref, _("其下各单位"),
                                 t.quantum)
            if state == "rounding":
                self.report.warning(total_row.refs[1], _("{printed}与其下各单位之和相差四舍五入的尾差；"
                                                         "网站显示各单位之和{total}",
                                                         printed=self.show(printed), total=self.show(got)))

    # -- 项目 by 单位 ---------------------------------------------------------------------

    def projects(self, t: TableRead, department: str | None) -> list:
        spec = t.spec
        rows = [r for r in t.rows if r.label(0).strip()]
        if not rows:
            return []
        head, body = rows[0], rows[1:]
        head_name = label_key(head.label(0))
        rest = [r.labels[0].lead for r in body]
        if not (head_name.endswith("合计") or head_name == label_key(department or "")
                or (rest and head.labels[0].lead < min(rest))):
            head, body = None, rows
        units = {label_key(u) for u in self.known_units if u}
        leads = [r.labels[0].lead for r in body] or [0]
        indented = len(set(leads)) > 1
        groups: list = []
        for row in body:
            name = row.label(0).strip()
            sources = self.by_source(t, row, 1)
            is_group = (row.labels[0].lead == min(leads)) if indented else label_key(name) in units
            if is_group:
                groups.append([name, [], row, sources])
            else:
                if not groups:
                    groups.append([department or name, [], None, None])
                groups[-1][1].append((name, sources))
        out = []
        for name, projects, row, sources in groups:
            approved = None
            if row is not None:
                got = sum((sum(s.values(), ZERO) for _, s in projects), ZERO)
                printed = sum(sources.values(), ZERO)
                terms = sum(len(s) for _, s in projects)
                if self._verify(printed, got, terms, row.refs[1], clip(name), spec.ref,
                                _("其下各项目"), t.quantum) == "rounding":
                    approved = printed
            out.append((name, projects, approved))
        if head is not None:
            got = sum((sum(s.values(), ZERO) for _, ps, _ in out for _, s in ps), ZERO)
            printed = sum(self.by_source(t, head, 1).values(), ZERO)
            terms = sum(len(s) for _, ps, _ in out for _, s in ps)
            if self._verify(printed, got, terms, head.refs[1], clip(head.label(0)), spec.ref,
                            _("其下各项目"), t.quantum) == "rounding":
                self.report.warning(head.refs[1], _("{printed}与各项目之和相差四舍五入的尾差；"
                                                    "网站显示各项目之和{total}",
                                                    printed=self.show(printed), total=self.show(got)))
        return out

    # -- 收入科目 lines ---------------------------------------------------------------------

    def revenue(self, t: TableRead, source: str, lo: int = 0) -> None:
        spec = t.spec
        lines = []
        total_row = None
        for row in t.rows:
            code, name = row.label(lo), row.label(lo + 1)
            amount = row.amounts.get(lo + 2, ZERO)
            if is_total(code, spec) or (not code and is_total(name, spec)):
                total_row = row
                continue
            if not code and not name:
                continue
            if not code:
                self.report.error(row.refs[lo], _("“{name}”：没有收入科目编码", name=clip(name)))
                continue
            lines.append((code, name, amount))
        if total_row is not None:
            self._verify(total_row.amounts.get(lo + 2, ZERO), sum((a for *_, a in lines), ZERO),
                         len(lines), total_row.refs[lo + 2], "合计", spec.ref, _("其下各行"), t.quantum)
        if lines:
            self.out.revenue[source] = lines

    # -- the whole table ------------------------------------------------------------------

    def read(self, t: TableRead, department: str | None) -> None:
        layout = t.spec.layout
        if layout == "subjects":
            self.subjects(t)
        elif layout == "balance":
            self.balance(t)
        elif layout == "soe_balance":
            self.revenue(t, "soe")
            self.subjects(t, 3)
        elif layout == "revenue":
            self.revenue(t, t.spec.source or "fund")
        elif layout == "economic":
            self.economic(t)
        elif layout == "three_public":
            self.three_public(t)
        elif layout == "single":
            self.single(t)
        elif layout == "operating":
            self.operating(t)
            self.known_units += [u for u, _ in self.out.operating if u]
        elif layout == "projects":
            groups = self.projects(t, department)
            if t.spec.carryover:
                self.out.carryover_projects = groups
            else:
                self.out.projects = groups


def economic_code(text: str, names: dict, length: int, within: str | None = None) -> str | None:
    """The code of an 经济分类 name (or of a text that starts with its code)."""
    raw = unicodedata.normalize("NFKC", text or "").strip()
    if not raw:
        return None
    match = re.match(r"^(\d{3}|\d{5})\b", raw)
    if match and len(match.group(1)) == length and match.group(1) in names:
        return match.group(1)
    key = label_key(re.sub(r"^\d+\s*[-:：]?\s*", "", raw))
    hits = [c for c, n in names.items() if len(c) == length and label_key(n) == key]
    if within:
        inside = [c for c in hits if c.startswith(within)]
        hits = inside or hits
    return hits[0] if hits else None


def solve(observations: list[tuple[Measure, Decimal]], atoms: list) -> tuple[dict, list]:
    """Amounts per atom (kind, source, period) that give each observed measure its value.

    Atoms no table tells apart form one class (its amount goes to the class's first atom);
    a class fixed by one equation is solved; when none is, the first unknown class (in
    ``atoms`` order) takes what it can and the rest is solved again — a choice the caller
    reports (the atoms so chosen are returned)."""
    signature = {a: frozenset(i for i, (m, _) in enumerate(observations) if m.selects(a)) for a in atoms}
    classes: dict[frozenset, list] = {}
    for a in atoms:
        if signature[a]:
            classes.setdefault(signature[a], []).append(a)
    known: dict[frozenset, Decimal] = {}
    free: list = []
    equations = [(frozenset(s for s in classes if i in s), v) for i, (_, v) in enumerate(observations)]
    while len(known) < len(classes):
        progress = False
        for members, value in equations:
            unknown = [s for s in members if s not in known]
            if len(unknown) == 1:
                known[unknown[0]] = value - sum((known[s] for s in members if s in known), ZERO)
                progress = True
        if progress:
            continue
        pending = [s for s in classes if s not in known]
        pending.sort(key=lambda s: atoms.index(classes[s][0]))
        choice = pending[0]
        room = [value - sum((known[s] for s in members if s in known), ZERO)
                for members, value in equations if choice in members]
        amount = max(min(room), ZERO) if room else ZERO
        known[choice] = amount
        if amount:
            free.append(classes[choice][0])
    values = {}
    for sig, members in classes.items():
        if known.get(sig):
            values[members[0]] = known[sig]
    return values, free


def measure_text(m: Measure, imp: Importer) -> str:
    """A measure as budget.yaml writes it (``basic.general.current``, ``fiscal``; ``total``)."""
    tokens = []
    if m.kinds is not None:
        tokens += [k for k in KINDS if k in m.kinds]
    if m.sources is not None:
        group = next((g for g, members in imp.vocab.groups.items()
                      if set(members) == set(m.sources) and g not in imp.vocab.labels), None)
        tokens += [group] if group else [s for s in imp.vocab.keys if s in m.sources]
    if m.periods is not None:
        tokens += [p for p in PERIODS if p in m.periods]
    return ".".join(tokens) or "total"


def approvals(observed: list[Observed], selected, report: Report, imp: Importer) -> dict:
    """The 批复数 to state: each printed total that differs from the sum it replaces by
    rounding; printed figures of the same cells that disagree are an error."""
    groups: dict = {}
    for ob in observed:
        under = selected(ob.key)
        cells = frozenset(path for path, _ in under if ob.measure.selects(path[-3:]))
        if not cells:
            continue
        derived = sum((x for path, x in under if path in cells), ZERO)
        everything = frozenset(path for path, _ in under)
        groups.setdefault((ob.key, cells), []).append((ob, derived, cells == everything))
    approved: dict = {}
    for (key, cells), obs in sorted(groups.items(), key=lambda kv: kv[1][0][0].ref):
        first, derived, whole = obs[0]
        for ob, _derived, _whole in obs[1:]:
            if ob.value != first.value:
                report.error(ob.ref, _("{what}在这里是{value}，而在{ref}是{first}（两处是同一组金额，应当相同）",
                                       what=ob.what, value=imp.show(ob.value), first=imp.show(first.value),
                                       ref=first.ref))
        if rounded(derived, first.quantum) == first.value:
            continue
        if abs(first.value - derived) > tolerance(first.quantum, len(cells) + 1):
            continue  # reported where the row was read
        measure = "total" if whole else measure_text(first.measure, imp)
        approved.setdefault(key, {})[measure] = first.value
    return approved
