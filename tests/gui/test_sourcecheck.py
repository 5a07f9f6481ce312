"""PySide6's import hook asks each newly imported module whether its source names PySide6;
studyapp.gui.sourcecheck answers from the file's bytes (issue 19's start-up): the same
answer as the hook's own inspect-based check, for every module loaded here."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import studyapp.app  # noqa: F401  (installs the check, as the app's start does)
from studyapp.gui import sourcecheck

ROOT = Path(__file__).resolve().parents[2]


def _feature() -> types.ModuleType:
    return sys.modules["shibokensupport.feature"]


def test_the_app_answers_the_hooks_check_from_the_files_bytes() -> None:
    check = _feature()._mod_uses_pyside
    assert getattr(check, "_reads_bytes", False)
    assert sourcecheck.install() is True  # once: a second install changes nothing
    assert _feature()._mod_uses_pyside is check


def test_every_loaded_module_gets_the_hooks_own_answer() -> None:
    original = _feature()._mod_uses_pyside.original
    modules = list(sys.modules.values())
    with_files = [m for m in modules if str(getattr(m, "__file__", "")).endswith(".py")]
    assert len(with_files) > 300
    assert any(original(m) for m in with_files)  # our GUI modules name PySide6
    assert not all(original(m) for m in with_files)
    for module in modules:
        assert sourcecheck.uses_pyside(module, original) == original(module), module


def test_a_module_without_a_readable_file_is_asked_the_hooks_way(tmp_path: Path) -> None:
    gone = types.ModuleType("gone")
    gone.__file__ = str(tmp_path / "gone.py")  # never written
    asked: list[types.ModuleType] = []

    def fallback(module: types.ModuleType) -> bool:
        asked.append(module)
        return True

    assert sourcecheck.uses_pyside(gone, fallback) is True
    assert sourcecheck.uses_pyside(sys, fallback) is True  # a built-in module: no file
    assert asked == [gone, sys]
    named = tmp_path / "named.py"
    named.write_text("# PySide6 is named here\n", encoding="utf-8")
    module = types.ModuleType("named")
    module.__file__ = str(named)
    assert sourcecheck.uses_pyside(module, fallback) is True and asked == [gone, sys]


def test_the_real_start_up_records_the_same_feature_defaults_as_the_hooks_own_check(
    tmp_path: Path,
) -> None:
    """In a fresh interpreter, after importing the app as the command does, every module the
    hook recorded has the default its own check gives (0: uses PySide6, -1: does not)."""
    script = (
        "import sys, studyapp.app\n"
        "f = sys.modules['shibokensupport.feature']\n"
        "orig = f._mod_uses_pyside.original\n"
        "bad = [n for n, v in f.pyside_feature_dict.items() if n in sys.modules\n"
        "       and v != (0 if orig(sys.modules[n]) else -1)]\n"
        "print(len(f.pyside_feature_dict), bad)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    count, bad = done.stdout.split(maxsplit=1)
    assert int(count) > 20 and bad.strip() == "[]", done.stderr
