"""budgetsite: a static-site generator for Chinese public budget disclosure (部门预算公开)."""

from . import classcode

__version__ = "0.1.0"

classcode.install()  # before the package's dataclasses are made (builder/classcode.py)
