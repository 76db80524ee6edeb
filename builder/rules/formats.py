"""Rules on the format itself: a site's own format (formats/<id>/) is data a finance bureau
writes, so what the schema cannot see is checked here — every row of a table fills exactly
the columns its header declares."""
from __future__ import annotations

from ..findings import Finding
from ..i18n import _


def table_columns(subject):
    """Each printed row spans as many columns as the table's header (else the table is
    misaligned: a column measure missing, or a header cell too many)."""
    fmt = subject.format
    positions = getattr(fmt.tables, "item_pos", [None] * len(fmt.tables))
    for table, spec, pos in zip(subject.derived.tables, fmt.tables, positions):
        widths = {sum(c.colspan for c in row.cells) for row in table.rows}
        wrong = sorted(w for w in widths if w != table.width)
        if wrong:
            yield Finding(pos or fmt.pos, "error", "table-columns",
                          _("{table}的表头有 {width} 列，而表中的行有 {row_width} 列：请核对 header 与"
                            " columns（行来源 {layout} 的列：名称/编码列加上 columns 中的每个金额列）",
                            table=table.ref, width=table.width, row_width=wrong[0], layout=spec.layout))


RULES = [table_columns]
