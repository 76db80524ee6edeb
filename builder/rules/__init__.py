"""The check rules, one module per family. Each module lists its rules in ``RULES``.

A rule is a function ``rule(subject) -> iterable of Finding`` where ``subject`` is a
:class:`builder.check.Subject` (source, codes, format, derived). Add a module here
and to ``MODULES`` to add rules; modules in ``FIRST`` run before the tables are derived.
"""
from . import (arithmetic, codes, completeness, crosstable, formats, inputs, narrative, performance,
               publishing)

FIRST = [codes, inputs]
MODULES = [codes, inputs, formats, arithmetic, crosstable, completeness, narrative, performance,
           publishing]
