"""The dataclasses' methods are compiled once and kept between runs (builder/classcode.py):
a run after the first compiles none of them, and the code it runs is the code Python
compiles from the same text."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

from budgetsite import classcode

IMPORT = ("import json, budgetsite.build, budgetsite.check, budgetsite.render; "
          "from budgetsite import classcode; print(json.dumps(classcode.stats))")


def run(cache) -> dict:
    env = dict(os.environ, BUDGETSITE_CACHE_DIR=str(cache))
    done = subprocess.run([sys.executable, "-c", IMPORT], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_second_run_compiles_no_dataclass_method(tmp_path):
    cache = tmp_path / "cache"
    first = run(cache)
    assert first["compiled"] > 300  # the package's dataclasses' methods
    kept = list(cache.rglob("dataclasses.marshal"))
    assert len(kept) == 1
    if sys.platform != "win32":
        assert kept[0].stat().st_mode & 0o077 == 0
    second = run(cache)
    assert second["compiled"] == 0 and second["kept"] >= first["compiled"]
    kept[0].write_bytes(kept[0].read_bytes()[:100] + b"\x00damaged")  # read as empty
    assert run(cache)["compiled"] == first["compiled"]
    assert run("off")["compiled"] == first["compiled"]  # no cache: compiled, nothing kept


def _methods(cls) -> dict:
    out = {}
    for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
        function = cls.__dict__.get(name)
        code = getattr(getattr(function, "__wrapped__", function), "__code__", None)
        if code is not None:
            out[name] = (code.co_code, code.co_consts, code.co_names, code.co_varnames,
                         code.co_freevars, code.co_argcount, code.co_kwonlyargcount)
    return out


def test_the_classes_are_those_python_makes():
    """A dataclass made through classcode (its code kept from before) has the methods, byte
    code for byte code, of one made by the dataclasses module on its own, and behaves alike."""
    def make():
        @dataclasses.dataclass(frozen=True)
        class Figure:
            amount: int
            label: str = "合计"
            parts: tuple = dataclasses.field(default_factory=tuple, compare=False)
            note: str = dataclasses.field(default="", repr=False)
        return Figure

    assert dataclasses.exec is classcode._exec  # installed with the package
    first = make()
    kept = classcode.stats["kept"]
    again = make()  # from the code kept when the first was made
    assert classcode.stats["kept"] == kept + 6
    del dataclasses.exec  # the dataclasses module on its own
    try:
        plain = make()
    finally:
        classcode.install()
    assert _methods(again) == _methods(plain) == _methods(first) and len(_methods(plain)) == 6
    for cls in (again, plain):
        one = cls(3, parts=(1,))
        assert one == cls(3) and hash(one) == hash(cls(3)) and one != cls(4)
        assert repr(one).endswith(".Figure(amount=3, label='合计', parts=(1,))")
        try:
            one.amount = 5
        except dataclasses.FrozenInstanceError:
            pass
        else:
            raise AssertionError("a frozen dataclass took an assignment")
