"""A first import killed at its worst moment leaves the store as it was: its note and card
indexes set aside (StreamedImport's defer_indexes), every row written, nothing committed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from benchmarks.course import generate
from studyapp.services.library import Library
from studyapp.store.schema import definition, read_schema
from tests.freshpython import fresh_python

CHILD = """
import os, signal, sys
from pathlib import Path
from studyapp.services.library import Library
from studyapp.store import sync

def close(self):
    self._writer.close()  # every row is in the transaction
    assert self._indexes, "the indexes were not set aside"
    os.kill(os.getpid(), signal.SIGKILL)  # before they are made again and committed

sync.StreamedImport.close = close
Library(Path(sys.argv[1])).sync([Path(sys.argv[2])])
"""


def test_a_first_import_killed_before_its_indexes_are_back_leaves_the_store_as_it_was(
    tmp_path: Path,
) -> None:
    course = generate(3000, tmp_path / "course")
    data = tmp_path / "data"
    Library(data).close()  # a new, empty store
    store = data / "studyapp.sqlite3"
    with sqlite3.connect(store) as db:
        master = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    db.close()
    child = fresh_python("-c", CHILD, str(data), str(course.folder))
    assert child.returncode == -9, child.stderr
    assert (data / "studyapp.sqlite3-journal").exists()  # a hot journal: rows were written

    with Library(data) as library:  # the open rolls the hot journal back
        with library.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM note").scalar() == 0
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        after = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        assert after == master
        assert read_schema(db) == definition().schema
    db.close()
    with Library(data) as library:  # and the import runs again, whole
        plan = library.sync([course.folder])
        assert plan.ok and len(plan.new) == 3000
        with library.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
