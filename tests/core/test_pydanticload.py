"""pydantic's first import on two threads at once (see studyapp.core.pydanticload)."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

import studyapp
from studyapp.core import pydanticload
from studyapp.core.errors import KnownError
from tests.freshpython import fresh_python
from tests.importguard import unguarded_imports

PACKAGE = Path(studyapp.__file__).parent
GUARDED = ("pydantic", "pydantic_core", "sqlmodel")

# Threads entering pydantic's import cycle at different modules, all at once, each after
# load_sqlmodel() as StudyApp's modules do (importing studyapp.core.pydanticload or
# studyapp.core.sqlmodelload first). Without that call this child failed 4 runs in 10
# ("cannot import name 'PydanticImportError' from partially initialized module
# 'pydantic.errors'", a _DeadlockError on 'pydantic._internal'), the GUI's "Deck update
# failed" in another form.
CHILD = textwrap.dedent(
    """
    import importlib, sys, threading
    import sqlalchemy.dialects.sqlite  # loaded before any other task, by the GUI's loader
    sys.setswitchinterval(1e-6)
    modules = [
        "studyapp.deckfile.loader", "pydantic.fields", "pydantic.config",
        "studyapp.store.tables", "pydantic._internal._validators",
        "pydantic.functional_validators", "studyapp.deckfile.records", "pydantic.types",
        "pydantic.main", "pydantic.networks", "pydantic.type_adapter", "sqlmodel",
    ]
    k = int(sys.argv[1]) % len(modules)
    modules = modules[k:] + modules[:k]
    errors = []
    start = threading.Barrier(len(modules))

    def run(name):
        start.wait()
        try:
            from studyapp.core.pydanticload import load_sqlmodel

            load_sqlmodel()
            importlib.import_module(name)
        except BaseException as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(m,)) for m in modules]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(errors[0] if errors else "ok")
    """
)


def test_concurrent_first_imports_of_pydantic_all_succeed() -> None:
    env = dict(os.environ, PYTHONPATH=str(PACKAGE.parent))
    outcomes = [fresh_python("-c", CHILD, str(run), env=env, timeout=120) for run in range(8)]
    assert [(o.returncode, o.stdout.strip()) for o in outcomes] == [(0, "ok")] * 8, [
        o.stdout + o.stderr for o in outcomes
    ]


def _needs(name: str) -> int:
    """The guard an import of ``name`` needs: 2, studyapp.core.sqlmodelload (SQLModel and
    the store's tables); 1, studyapp.core.pydanticload or it (pydantic, pydantic-core)."""
    top = name.split(".")[0]
    if top == "sqlmodel" or name == "studyapp.store.tables":
        return 2
    return int(top in GUARDED)


def _unguarded_imports(path: Path) -> list[str]:
    """Imports of pydantic, pydantic-core or SQLModel in ``path`` with no import of
    their guard before them in the same block."""
    return unguarded_imports(
        path,
        needs=_needs,
        guards={"studyapp.core.pydanticload": 1, "studyapp.core.sqlmodelload": 2},
    )


def test_every_import_of_pydantic_comes_after_the_guard() -> None:
    # store/tables.py is left as it is (its source is the schema's digest: an edit costs
    # every store an upgrade check); it is checked through its importers instead.
    unchecked = {PACKAGE / "core" / "pydanticload.py", PACKAGE / "store" / "tables.py"}
    modules = [p for p in PACKAGE.rglob("*.py") if p not in unchecked]
    assert [hit for p in modules for hit in _unguarded_imports(p)] == []
    # The check sees what it checks for: these modules do import pydantic or SQLModel.
    users = {p.name for p in modules if "import studyapp.core.sqlmodelload" in p.read_text()}
    users |= {p.name for p in modules if "import studyapp.core.pydanticload" in p.read_text()}
    assert {"loader.py", "schema.py", "tally.py"} <= users


def test_a_failed_import_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pydanticload, "_loaded", {"pydantic"})
    monkeypatch.setitem(sys.modules, "sqlmodel", None)
    with pytest.raises(KnownError, match=r"could not load its deck and store models") as info:
        pydanticload.load_sqlmodel()
    assert "\n" not in str(info.value)
    assert pydanticload._loaded == {"pydantic"}


def test_the_deck_formats_first_import_loads_no_asyncio() -> None:
    """pydantic-core marks functions with typing_extensions' ``@deprecated``, which before
    typing-extensions 4.16 imported asyncio (with ssl and socket) for any function it
    wrapped: 112M instructions on the deck format's first import (pyproject.toml asks for
    4.16 or later)."""
    code = (
        "import sys, studyapp.deckfile.loader; print(sorted({'asyncio', 'ssl'} & set(sys.modules)))"
    )
    done = fresh_python(
        "-c", code, timeout=120, check=True, env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    )
    assert done.stdout.strip() == "[]"
