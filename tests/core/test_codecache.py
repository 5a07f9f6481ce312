"""The dataclasses' generated methods' code kept between starts (studyapp.core.codecache):
the same code exec would compile, only for the exact text it was compiled from."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from studyapp.core import codecache

ROOT = Path(__file__).resolve().parents[2]

BODIES = {
    "Plain": "a: int\nb: str = 'x'\n",
    "Frozen": "a: int\nb: tuple[int, ...] = ()\nc: list[int] = field(default_factory=list)\n",
    "Ordered": "a: int\nb: float = 0.5\n",
    "Keyed": (
        "a: int\nb: int = field(default=3, repr=False)\nc: int = field(init=False, default=0)\n"
    ),
}
OPTIONS: dict[str, dict[str, Any]] = {
    "Plain": {},
    "Frozen": {"frozen": True, "slots": True},
    "Ordered": {"order": True, "unsafe_hash": True},
    "Keyed": {"kw_only": True, "eq": False},
}


def _make(module_name: str, name: str) -> type:
    """The dataclass ``name`` of BODIES, made as if defined in module ``module_name``."""
    module = types.ModuleType(module_name)
    sys.modules[module_name] = module
    try:
        namespace = module.__dict__
        namespace["field"] = dataclasses.field
        body = "".join(f"    {line}\n" for line in BODIES[name].splitlines())
        exec(f"class {name}:\n{body}", namespace)
        return dataclasses.dataclass(**OPTIONS[name])(namespace[name])
    finally:
        del sys.modules[module_name]


def _methods(cls: type) -> dict[str, types.CodeType]:
    return {
        name: value.__code__
        for name, value in vars(cls).items()
        if isinstance(value, types.FunctionType) and value.__code__.co_filename == "<string>"
    }


def test_the_app_makes_its_dataclasses_with_the_kept_code() -> None:
    assert dataclasses.exec is codecache._exec  # type: ignore[attr-defined]
    from studyapp.services.settings import Settings

    init = Settings.__init__.__code__
    assert any(code.co_consts and init in _nested(code) for code in codecache._known.values())


def _nested(code: types.CodeType) -> list[types.CodeType]:
    inner = [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return inner + [n for c in inner for n in _nested(c)]


@pytest.mark.parametrize("name", sorted(BODIES))
def test_a_dataclass_of_ours_gets_the_code_dataclasses_own_exec_compiles(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same code objects (bytecode, constants, names, flags: no __future__ flag of this
    module leaks in) for our module as dataclasses' own exec gives, kept or not; another
    package's dataclass is compiled as dataclasses compiles it, and not kept."""
    kept = _make(f"studyapp.fake_{name.lower()}", name)  # compiled, kept
    again = _make(f"studyapp.fake_{name.lower()}", name)  # from the kept code
    other = _make(f"elsewhere.fake_{name.lower()}", name)  # compiled, not kept
    monkeypatch.delattr(dataclasses, "exec")  # dataclasses' own exec, as without the cache
    plain = _make(f"studyapp.fake_{name.lower()}", name)
    assert _methods(plain)
    assert _methods(kept) == _methods(again) == _methods(other) == _methods(plain)
    assert set(vars(kept)) == set(vars(plain))
    assert all(
        code.co_flags == _methods(plain)[method].co_flags for method, code in _methods(kept).items()
    )


def test_only_the_exact_text_gets_kept_code() -> None:
    before = dict(codecache._known)
    first = _make("studyapp.fake_changing", "Plain")
    BODIES["Plain"], old = "a: int\nb: str = 'x'\nc: int = 2\n", BODIES["Plain"]
    try:
        second = _make("studyapp.fake_changing", "Plain")
    finally:
        BODIES["Plain"] = old
    assert second(1).c == 2 and not hasattr(first(1), "c")
    new_texts = set(codecache._known) - set(before)
    assert any("c:_type_c" in text for text in new_texts)  # the new __init__, compiled anew


def test_the_file_keeps_the_code_of_the_methods_made_and_a_damaged_one_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "__pycache__" / "dataclass-code.bin"
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(codecache, "_used", set())
    monkeypatch.setattr(codecache, "_added", set())
    made = _make("studyapp.fake_saved", "Frozen")
    assert codecache._used and codecache._added <= codecache._used
    codecache._added.add(next(iter(codecache._used)))  # as if compiled in this run
    codecache._save(path)
    saved = codecache._load(path)
    assert set(saved) == codecache._used  # only what this run made
    assert _methods(made)["__init__"] in [c for code in saved.values() for c in _nested(code)]
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    path.write_bytes(path.read_bytes()[:1000])  # cut short
    assert codecache._load(path) == {}
    path.write_bytes(b"not marshal at all")
    assert codecache._load(path) == {}
    assert codecache._load(tmp_path / "missing.bin") == {}


def test_nothing_is_written_when_nothing_was_compiled_or_no_bytecode_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dataclass-code.bin"
    monkeypatch.setattr(codecache, "_added", set())
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    codecache._save(path)  # nothing compiled: nothing new to keep
    assert not path.exists()
    monkeypatch.setattr(codecache, "_added", {"y = 2\n"})
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    codecache._save(path)
    assert not path.exists()


def test_a_second_start_compiles_none_of_the_services_dataclass_methods() -> None:
    """Importing the services twice, in two fresh interpreters that may write bytecode:
    the second compiles nothing (every method's code is kept from the first)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    script = (
        "import studyapp.services.library, studyapp.services.study\n"
        "from studyapp.core import codecache\n"
        "print(len(codecache._used), len(codecache._added))\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    known, added = map(int, runs[1])
    assert known > 150 and added == 0, runs
