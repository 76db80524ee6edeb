"""Import: the budget system's workbook (预算管理一体化系统 export) -> an edition's budget.yaml.

The approved figures reach a department as an Excel workbook, one sheet per standard table.
The importer knows no table of a particular format: it reads the edition's format
(builder/formats.py) and finds each of its tables in the workbook —

    sheets.py      which sheet is which table: by the tables' titles ({year}) and names;
                   the 部门名称 / 编制部门 and 单位 line of each sheet
    headers.py     what each column holds (from the layout and the spec: code joined | split,
                   gov, single-row cells) and where the header and body are (found from the
                   spec's own header texts, spans included); columns matched by header path
    rows.py        each body row's labels and amounts (blank is 0, numbers as displayed,
                   text such as ``156,211,123``), converted exactly to the edition's unit
    read.py        the readers of each layout (subjects, balance, economic, three_public,
                   single, operating, projects, revenue, soe_balance) in the format's source
                   vocabulary; the 项 lines solved from every table that shows them; 批复数
                   where a printed total differs from its sum by rounding only (尾差)
    write_yaml.py  budget.yaml (and a first edition.yaml); what a re-import keeps
    verify.py      the site's checks on the result, and every figure of every recognised
                   sheet compared with the figure the site would print
    run.py         the whole import

Every total the workbook prints is verified: a 合计 / 类 / 款 row that is not the sum of its
项 rows (beyond rounding), an unknown 科目编码 or economic name, a cell that is not a number
are each reported as ``sheet!cell: error: message``, and nothing is written.

Hostile workbooks: only the cells a sheet holds are read (a stray cell at XFD1048576 costs
nothing); a formula saved without its calculated value is an error at its cell; a message
echoes at most 60 characters of a cell's text. The workbook's 部门 must be edition.yaml's
department, and a --force re-import keeps nothing of a budget.yaml that is not UTF-8 YAML
(an error: nothing is written).

Money stays Decimal: a cell's number is read as the value it displays (its number format's
decimals), a text cell is parsed as a decimal; no float reaches the model.
"""
from __future__ import annotations

from .cells import NotANumber, Sheet, WCell, amount_of, label_key, norm
from .report import ImportResult, ImportUsageError, Message, Report
from .run import import_workbook
from .write_yaml import KEEP, kept_sections

__all__ = ["ImportResult", "ImportUsageError", "KEEP", "Message", "NotANumber", "Report", "Sheet", "WCell",
           "amount_of", "import_workbook", "kept_sections", "label_key", "norm"]
