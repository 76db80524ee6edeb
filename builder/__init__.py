"""budgetsite: a static-site generator for Chinese public budget disclosure (部门预算公开)."""

__version__ = "0.1.0"
