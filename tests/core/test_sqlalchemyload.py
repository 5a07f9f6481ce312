"""SQLAlchemy's first import on two threads at once (see studyapp.core.sqlalchemyload)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import studyapp
from studyapp.core import sqlalchemyload
from studyapp.core.errors import KnownError
from tests.freshpython import fresh_python
from tests.importguard import unguarded_imports

PACKAGE = Path(studyapp.__file__).parent

# Threads each making a first use of SQLAlchemy through StudyApp's own code, all at once,
# SQLAlchemy not yet imported. Before the guard this child failed 6 runs in 8 ("cannot
# import name 'plugins' from partially initialized module 'sqlalchemy.dialects'", "module
# 'sqlalchemy' has no attribute 'Engine'", a store that could not open).
CHILD = textwrap.dedent(
    """
    import sys, tempfile, threading
    from pathlib import Path

    sys.setswitchinterval(1e-6)
    scratch = Path(tempfile.mkdtemp())

    def data_stack():  # the GUI command's imports before Qt
        from studyapp import cli
        cli._import_data_stack_before_qt()

    def memory():
        import studyapp.store.memory

    def text():
        from studyapp.store import library
        library.text("SELECT 1")

    def bindparam():
        from studyapp.store import library
        library.bindparam("x")

    def schema():
        import studyapp.store.schema

    def store():
        from studyapp.store import database
        database.open_engine(scratch / "store.sqlite3").dispose()

    def engine_type():
        from studyapp.store import database
        database.Engine

    def fsrs():
        import studyapp.services.fsrs

    jobs = [data_stack, memory, text, bindparam, schema, store, engine_type, fsrs]
    k = int(sys.argv[1]) % len(jobs)
    jobs = jobs[k:] + jobs[:k]
    errors = []
    start = threading.Barrier(len(jobs))

    def run(job):
        start.wait()
        try:
            job()
        except BaseException as exc:
            errors.append(f"{job.__name__}: {exc!r}")

    threads = [threading.Thread(target=run, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(errors[0] if errors else "ok")
    """
)


def _child(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(PACKAGE.parent))
    return fresh_python("-c", code, *args, env=env, timeout=120)


def test_concurrent_first_uses_of_sqlalchemy_all_succeed() -> None:
    outcomes = [_child(CHILD, str(run)) for run in range(8)]
    assert [(o.returncode, o.stdout.strip()) for o in outcomes] == [(0, "ok")] * 8, [
        o.stdout + o.stderr for o in outcomes
    ]


def test_the_store_imports_no_more_of_sqlalchemy_once_it_is_loaded(tmp_path: Path) -> None:
    # What the lock covers is the whole of what the store imports: opening an engine,
    # statements, bound parameters, a read-only engine.
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from studyapp.core.sqlalchemyload import load_sqlalchemy
        load_sqlalchemy()
        before = set(sys.modules)
        from studyapp.store import database, library
        engine = database.open_engine(Path({str(tmp_path)!r}) / "store.sqlite3")
        with engine.begin() as conn:
            conn.execute(library.text("SELECT :x").bindparams(library.bindparam("x")), {{"x": 1}})
        database.make_read_only(engine)
        with engine.connect() as conn:
            conn.execute(library.text("SELECT 1"))
        engine.dispose()
        print(sorted(m for m in set(sys.modules) - before if m.startswith("sqlalchemy")))
        """
    )
    done = _child(code)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr


def _unguarded_imports(path: Path) -> list[str]:
    """Run-time imports of SQLAlchemy in ``path`` with no load_sqlalchemy() call (or import
    of studyapp.core.sqlmodelload, which makes it) before them in the same block."""
    return unguarded_imports(
        path,
        needs=lambda name: int(name.split(".")[0] == "sqlalchemy"),
        guards={"studyapp.core.sqlmodelload": 1},
        calls={"load_sqlalchemy": 1},
    )


def test_every_import_of_sqlalchemy_comes_after_the_load() -> None:
    # store/tables.py is imported only after studyapp.core.sqlmodelload (checked in
    # tests/core/test_pydanticload.py); its source is the schema's digest, left as it is.
    unchecked = {PACKAGE / "core" / "sqlalchemyload.py", PACKAGE / "store" / "tables.py"}
    modules = [p for p in PACKAGE.rglob("*.py") if p not in unchecked]
    assert [hit for p in modules for hit in _unguarded_imports(p)] == []
    # The check sees what it checks for: these modules do import SQLAlchemy at run time.
    users = {p.name for p in modules if "load_sqlalchemy()" in p.read_text(encoding="utf-8")}
    assert {"database.py", "library.py", "errors.py", "cli.py"} <= users


def test_a_failed_import_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlalchemyload, "_loaded", False)
    monkeypatch.setitem(sys.modules, "sqlalchemy.dialects.sqlite", None)
    with pytest.raises(KnownError, match=r"could not load its database library") as info:
        sqlalchemyload.load_sqlalchemy()
    assert "\n" not in str(info.value)
    assert sqlalchemyload._loaded is False
