"""The Qt-free core really is Qt-free, and the layering contracts hold."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
from pathlib import Path

import studyapp
from tests.freshpython import fresh_python

ROOT = Path(__file__).resolve().parent.parent


def headless_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(studyapp.__path__, "studyapp."):
        if (
            info.name.startswith(("studyapp.gui", "studyapp.app"))
            or info.name == "studyapp.__main__"
        ):
            continue
        names.append(info.name)
    return names


def test_every_module_outside_the_gui_imports_without_pyside6() -> None:
    modules = headless_modules()
    assert "studyapp.services.study" in modules and "studyapp.cli" in modules
    script = f"""
import importlib, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6'):
            raise ImportError('PySide6 is blocked in this test')
sys.meta_path.insert(0, Block())
for name in {modules!r}:
    importlib.import_module(name)
assert not any(m.startswith('PySide6') for m in sys.modules)
print('ok', len({modules!r}))
"""
    result = fresh_python("-c", script, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


def test_cli_help_does_not_import_qt() -> None:
    script = (
        "import sys\nfrom studyapp.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'PySide6' not in sys.modules"
    )
    result = fresh_python("-c", script, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports")
    assert lint is not None, "import-linter is a test dependency"
    result = subprocess.run([lint], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken" in result.stdout
    assert "SQL only in store KEPT" in result.stdout
    assert "yaml_rs loaded only through core.nativeyaml KEPT" in result.stdout


def test_the_sql_contract_fails_on_sqlite3_in_services_and_sqlalchemy_in_the_gui(
    tmp_path: Path,
) -> None:
    """The contract is not vacuous: a copy of the package with one such import each breaks it."""
    lint = shutil.which("lint-imports")
    assert lint is not None, "import-linter is a test dependency"
    shutil.copytree(
        ROOT / "studyapp", tmp_path / "studyapp", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for module, name in (("services/settings.py", "sqlite3"), ("gui/summary.py", "sqlalchemy")):
        path = tmp_path / "studyapp" / module
        path.write_text(path.read_text() + f"\nimport {name}  # noqa: E402\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([lint], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode != 0
    assert "SQL only in store BROKEN" in result.stdout
    assert "studyapp.services.settings -> sqlite3" in result.stdout
    assert "studyapp.gui.summary -> sqlalchemy" in result.stdout


def test_the_yaml_rs_contract_fails_on_an_import_outside_core_nativeyaml(tmp_path: Path) -> None:
    """Loaded by a worker thread that then ends, yaml_rs crashes a later thread (see
    studyapp.core.nativeyaml): a copy of the package importing it elsewhere breaks it."""
    lint = shutil.which("lint-imports")
    assert lint is not None, "import-linter is a test dependency"
    shutil.copytree(
        ROOT / "studyapp", tmp_path / "studyapp", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for module in ("deckfile/yamlsource.py", "services/sync.py"):
        path = tmp_path / "studyapp" / module
        path.write_text(path.read_text() + "\nimport yaml_rs  # noqa: E402\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([lint], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert result.returncode != 0
    assert "yaml_rs loaded only through core.nativeyaml BROKEN" in result.stdout
    assert "studyapp.deckfile.yamlsource -> yaml_rs" in result.stdout
    assert "studyapp.services.sync -> yaml_rs" in result.stdout
