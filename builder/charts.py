"""Charts: deterministic SVG built from the derived figures.

A chart is a ranked horizontal bar chart: one row per item, its label on a line of its own
above the bar and the value (万元 and share) right of the bar, so labels never overlap
however skewed the data (a 98.60% slice and a 0.03% one are both labelled). Shares are rounded so that, as
printed, they add up to exactly 100.00%. Colours and fonts come from the theme's
chart.css, embedded in every SVG so a downloaded .svg looks the same as on the page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from html import escape
from types import SimpleNamespace

from .amounts import round_cents
from .model import ZERO

HUNDRED = Decimal(100)
BASIS = Decimal("0.01")

# layout (px): each row is its label on a line of its own, then the bar and its value, so
# the chart stays narrow enough for a phone; text widths are estimated from the characters
FONT = 13
LABEL_H = 20
BAR_H = 24
BAR = 14
TITLE_H = 40
FOOT_H = 28
PAD = 12
GAP = 6
MIN_BAR_AREA = 200
MIN_WIDTH = 360
NO_DATA = "本图无数据"


@dataclass(frozen=True)
class Item:
    label: str
    value: Decimal
    previous: Decimal | None = None  # for year-over-year charts


@dataclass(frozen=True)
class ChartData:
    id: str
    title: str
    items: list[Item]
    unit: str = "万元"
    years: tuple[int, int] | None = None  # (this year, previous year) for comparisons
    note: str = ""

    @property
    def total(self) -> Decimal:
        return sum((i.value for i in self.items), ZERO)

    @property
    def comparison(self) -> bool:
        return self.years is not None


@dataclass(frozen=True)
class Row:
    label: str
    value: Decimal
    share: Decimal | None
    series: str = "current"  # current | previous
    year: int | None = None
    group: int = 0  # bars of one group share a scale (each item of a comparison has its own)


@dataclass
class Layout:
    width: int
    height: int
    bar_w: float
    rows: list[Row] = field(default_factory=list)


def shares(values: list[Decimal]) -> list[Decimal]:
    """Percentages with two decimals that add up to exactly 100.00 (largest remainder)."""
    total = sum(values, ZERO)
    if not total:
        return [ZERO for _ in values]
    exact = [v * HUNDRED / total for v in values]
    floors = [e.quantize(BASIS, rounding=ROUND_FLOOR) for e in exact]
    missing = int(((HUNDRED - sum(floors, ZERO)) / BASIS).to_integral_value())
    order = sorted(range(len(values)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += BASIS
    return floors


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of the drawn width of ``text``."""
    width = 0.0
    for ch in text:
        if ord(ch) < 0x2E80:
            width += 0.62 * size if ch.isalnum() else 0.4 * size
        else:
            width += 1.0 * size
    return width * 1.05 + 2


def money(value: Decimal) -> str:
    value = round_cents(value)
    return "0" if not value else f"{value:,.2f}"


def value_text(row: Row, unit: str) -> str:
    text = f"{money(row.value)}{unit}"
    if row.share is not None:
        text += f"  {row.share:.2f}%"
    if row.year is not None:
        text = f"{row.year}年 {text}"
    return text


def rows_of(chart: ChartData) -> list[Row]:
    if chart.comparison:
        this, last = chart.years
        out = []
        for i, item in enumerate(chart.items):
            out.append(Row(item.label, item.value, None, "current", this, i))
            out.append(Row("", item.previous or ZERO, None, "previous", last, i))
        return out
    ranked = sorted(chart.items, key=lambda i: (-i.value, chart.items.index(i)))
    pct = shares([i.value for i in ranked])
    return [Row(i.label, i.value, s) for i, s in zip(ranked, pct)]


def layout(chart: ChartData) -> Layout:
    rows = rows_of(chart)
    label_w = max((text_width(r.label) for r in rows), default=text_width(NO_DATA))
    value_w = max((text_width(value_text(r, chart.unit)) for r in rows), default=0)
    title_w = text_width(chart.title, FONT + 3)
    width = max(2 * PAD + label_w, 2 * PAD + MIN_BAR_AREA + GAP + value_w, title_w + 2 * PAD, MIN_WIDTH)
    bar_w = width - (2 * PAD + GAP + value_w)
    height = TITLE_H + (sum((LABEL_H if r.label else 0) + BAR_H for r in rows) or LABEL_H) + FOOT_H
    return Layout(int(width + 0.5), height, bar_w, rows)


def _fmt(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def describe(chart: ChartData) -> str:
    """The chart's data in words (the SVG <desc>)."""
    rows = rows_of(chart)
    if chart.comparison:
        this, last = chart.years
        parts = [f"{i.label}：{this}年{money(i.value)}{chart.unit}，{last}年{money(i.previous or ZERO)}{chart.unit}"
                 for i in chart.items]
    elif not rows:
        return NO_DATA + "。"
    else:
        parts = [f"{r.label}{money(r.value)}{chart.unit}，占{r.share:.2f}%" for r in rows]
        parts.insert(0, f"合计{money(chart.total)}{chart.unit}")
    return "；".join(parts) + "。"


def svg(chart: ChartData, css: str, title: str | None = None) -> str:
    """The chart as a standalone, deterministic SVG document."""
    title = title or chart.title
    lay = layout(chart)
    peaks: dict[int, Decimal] = {}
    for r in lay.rows:
        peaks[r.group] = max(peaks.get(r.group, ZERO), r.value)
    cid = f"chart-{chart.id}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
        f'width="{lay.width}" height="{lay.height}" viewBox="0 0 {lay.width} {lay.height}" '
        f'aria-labelledby="{cid}-title {cid}-desc" data-chart="{chart.id}">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(describe(chart))}</desc>',
        f"<style>{css}</style>",
        f'<text class="chart-title" x="{_fmt(lay.width / 2)}" y="24" text-anchor="middle">{escape(title)}</text>',
    ]
    y = TITLE_H
    if not lay.rows:
        out.append(f'<text class="chart-label" x="{PAD}" y="{_fmt(y + LABEL_H / 2)}" '
                   f'dominant-baseline="central">{NO_DATA}</text>')
    for row in lay.rows:
        if row.label:
            out.append(f'<text class="chart-label" x="{PAD}" y="{_fmt(y + LABEL_H / 2)}" '
                       f'dominant-baseline="central">{escape(row.label)}</text>')
            y += LABEL_H
        mid = y + BAR_H / 2
        peak = peaks[row.group]
        width = float(row.value / peak) * lay.bar_w if peak else 0.0
        if row.value and width < 2:
            width = 2.0  # a tiny share stays visible
        share = f' data-share="{row.share:.2f}"' if row.share is not None else ""
        out.append(f'<rect class="chart-bar chart-{row.series}" x="{PAD}" '
                   f'y="{_fmt(mid - BAR / 2)}" width="{_fmt(width)}" height="{BAR}" '
                   f'data-label="{escape(row.label)}" data-value="{round_cents(row.value)}"{share}/>')
        out.append(f'<text class="chart-value" x="{_fmt(PAD + width + GAP)}" y="{_fmt(mid)}" '
                   f'dominant-baseline="central">{escape(value_text(row, chart.unit))}</text>')
        y += BAR_H
    foot = f"单位：{chart.unit}" + (f"　{chart.note}" if chart.note else "")
    out.append(f'<text class="chart-foot" x="{PAD}" y="{lay.height - 10}">{escape(foot)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def table_rows(chart: ChartData) -> list[tuple[str, ...]]:
    """The chart's data as table rows (for the table beside the chart)."""
    if chart.comparison:
        return [(i.label, money(i.value), money(i.previous or ZERO)) for i in chart.items]
    return [(r.label, money(r.value), f"{r.share:.2f}%") for r in rows_of(chart)]


def table_header(chart: ChartData) -> tuple[str, ...]:
    if chart.comparison:
        this, last = chart.years
        return ("项目", f"{this}年（{chart.unit}）", f"{last}年（{chart.unit}）")
    return ("项目", f"金额（{chart.unit}）", "占比")


# -- the charts of an edition ---------------------------------------------------------

def edition_charts(figures: SimpleNamespace) -> dict[str, ChartData]:
    """Every chart an edition can place, by id, computed from the narrative figures."""
    f = figures
    charts = {
        "general-structure": ChartData(
            "general-structure", "一般公共预算当年拨款结构图",
            [Item(c.name, c.amount) for c in f.general.classes]),
        "three-public": ChartData(
            "three-public", "“三公”经费分布图",
            [Item("因公出国（境）费", f.three_public.abroad),
             Item("公务接待费", f.three_public.reception),
             Item("公务用车购置费", f.three_public.vehicle_purchase),
             Item("公务用车运行维护费", f.three_public.vehicle_operation)]),
        "basic-project": ChartData(
            "basic-project", "基本支出和项目支出结构图",
            [Item("基本支出", f.expense.basic), Item("项目支出", f.expense.project)]),
        "income-sources": ChartData(
            "income-sources", "收入来源结构图",
            [Item(label, value) for label, value in (
                ("一般公共预算", f.income.general), ("政府性基金预算", f.income.fund),
                ("国有资本经营预算", f.income.soe), ("财政专户管理资金", f.income.special),
                ("单位资金", f.income.unit), ("上年结转", f.income.carryover)) if value]),
    }
    prior = f.prior
    pairs = [("收支总计", f.expense.total, prior.total),
             ("一般公共预算当年支出", f.general.total, prior.general),
             ("“三公”经费", f.three_public.total, prior.three_public.total if prior.three_public else None),
             ("机关运行经费", f.operating.total, prior.operating_costs)]
    known = [Item(label, now, before) for label, now, before in pairs if before is not None]
    if known:
        charts["year-over-year"] = ChartData("year-over-year", "预算收支与上年对比", known,
                                             years=(f.year, f.prior_year),
                                             note="每项按自身比例绘制")
    return charts
