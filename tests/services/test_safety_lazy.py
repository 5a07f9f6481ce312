"""The data folder's backups and checks imported where they are made (issue 19): opening a
library loads neither module; a backup, a restore and the checks load them and answer as
before; the re-exported classes are the same classes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from studyapp.services import library as library_module
from studyapp.services import safety
from studyapp.services.library import Library
from studyapp.services.safety import DataFolder
from studyapp.store import backup, integrity
from tests.freshpython import fresh_python

ROOT = Path(__file__).resolve().parents[2]


def test_the_reexported_classes_are_the_same_classes() -> None:
    assert safety.BackupInfo is backup.BackupInfo
    assert safety.CheckReport is integrity.CheckReport
    assert library_module.BackupInfo is backup.BackupInfo
    assert library_module.CheckReport is integrity.CheckReport
    with pytest.raises(AttributeError):
        safety.NoSuchThing  # noqa: B018
    with pytest.raises(AttributeError):
        library_module.NoSuchThing  # noqa: B018


def test_the_default_rotation_is_the_one_rotate_keeps_by() -> None:
    assert DataFolder.rotation is None  # each backup rotates by Rotation()'s defaults
    assert backup.Rotation() == backup.Rotation(8, 7, 8, 12, 2 * 1024**3)


def test_opening_loads_neither_module_and_each_operation_loads_what_it_uses(
    tmp_path: Path,
) -> None:
    """In a fresh process: open a library (no backup or check module), then back up, list,
    check, quick-check and restore through the data folder, as before."""
    script = f"""
import sys
from pathlib import Path
from studyapp.services.library import Library
lazy = ("studyapp.store.backup", "studyapp.store.integrity")
library = Library(Path({str(tmp_path / "data")!r}))
print("open", [m for m in lazy if m in sys.modules])
made = library.backup("manual")
print("backup", made.reason, made.restorable, [m for m in lazy if m in sys.modules])
print("listed", [b.id for b in library.backups()] == [made.id])
print("quick", library.folder.quick_check())
report = library.check()
print("check", report.damage, type(report).__name__)
library.close()
folder = library.folder.__class__(Path({str(tmp_path / "data")!r}), lock=True)
kept = folder.restore(made.id)
print("restore", kept.reason, len(folder.backups()))
folder.release()
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = fresh_python("-c", script, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "open []",
        "backup manual True ['studyapp.store.backup', 'studyapp.store.integrity']",
        "listed True",
        "quick []",
        "check [] CheckReport",
        "restore restore 2",
    ]


def test_a_library_backs_up_and_checks_in_process(library: Library) -> None:
    made = library.backup("manual")
    assert isinstance(made, backup.BackupInfo)
    assert [b.id for b in library.backups()] == [made.id]
    assert library.newest_good_backup() == made
    assert isinstance(library.check(), integrity.CheckReport)
