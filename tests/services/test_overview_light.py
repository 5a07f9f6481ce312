"""The start-up's light overview: read on a plain sqlite3 connection, before SQLAlchemy is
imported, it shows the same decks and counts as the library's."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from studyapp.core.model import Rating
from studyapp.services.library import Library
from studyapp.services.overview import Overview, read_overview
from studyapp.services.paths import bundled_decks_dir
from studyapp.services.settings import read_settings
from studyapp.store.plain import read_only_store
from tests.conftest import T0, Clock
from tests.freshpython import fresh_python

ROOT = Path(__file__).resolve().parents[2]


def _light(store: Path, clock: Clock) -> Overview:
    with read_only_store(store) as db:
        assert db is not None
        return read_overview(db, read_settings(db), clock())


def _studied(library: Library, clock: Clock) -> None:
    """Bundled decks, with answers today (new cards introduced, learning cards), a buried
    and a suspended card, and a lower all-decks limit: every part of the counts."""
    assert library.sync([bundled_decks_dir()]).ok
    session = library.session(clock=clock)
    try:
        for rating in (Rating.GOOD, Rating.AGAIN, Rating.EASY, Rating.HARD, Rating.GOOD):
            assert session.next_card() is not None
            session.answer(rating)
        assert session.next_card() is not None
        session.bury_current()
        assert session.next_card() is not None
        session.suspend_current()
    finally:
        session.close()
    library.update_settings(library.settings.with_changes(new_per_day=15))


@pytest.mark.parametrize("by_module", [False, True])
def test_the_light_overview_shows_the_librarys_counts(
    library: Library, clock: Clock, by_module: bool
) -> None:
    _studied(library, clock)
    if by_module:
        library.update_settings(
            library.settings.with_changes(overview_by_module=True, current_module=2)
        )
    for later in (timedelta(0), timedelta(minutes=30), timedelta(days=1, hours=2)):
        clock.now = T0 + later
        full = library.overview(clock())
        light = _light(library.store_path, clock)
        assert light == full
        assert light.families and (light.modules or not by_module)
    assert full.due_today.learning or full.next_due is not None


def test_the_light_read_needs_an_up_to_date_store(tmp_path: Path) -> None:
    """No store yet, or one an older StudyApp wrote: nothing is read (the engine's open
    creates or upgrades it, under the folder's lock)."""
    store = tmp_path / "data" / "studyapp.sqlite3"
    with read_only_store(store) as db:
        assert db is None
    assert not store.exists()
    with Library(store.parent) as made, made.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE store_meta SET value = 'older' WHERE key = 'definition'")
    with read_only_store(store) as db:
        assert db is None


def test_the_light_read_refuses_what_the_engine_refuses(tmp_path: Path) -> None:
    import sqlite3

    from studyapp.core.errors import KnownError, StoreCorrupt
    from studyapp.store.plain import SCHEMA_VERSION

    data = tmp_path / "data"
    Library(data).close()
    store = data / "studyapp.sqlite3"
    raw = sqlite3.connect(store)
    raw.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(KnownError, match="newer StudyApp"), read_only_store(store):
        pass
    store.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreCorrupt, match="is damaged"), read_only_store(store):
        pass


def test_the_light_read_writes_nothing(library: Library) -> None:
    import sqlite3

    assert library.sync([bundled_decks_dir()]).ok
    with read_only_store(library.store_path) as db:
        assert db is not None
        with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
            db.execute("DELETE FROM card")


def test_the_light_read_imports_no_sqlalchemy(library: Library) -> None:
    """The first frame's read stays light (DECISIONS 11): no SQLAlchemy, SQLModel or
    pydantic in sys.modules after it (SQLAlchemy alone is 0.12-0.17 s of start-up)."""
    assert library.sync([bundled_decks_dir()]).ok
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from studyapp.services.overview import read_overview\n"
        "from studyapp.services.settings import read_settings\n"
        "from studyapp.store.plain import read_only_store\n"
        "with read_only_store(Path(sys.argv[1])) as db:\n"
        "    overview = read_overview(db, read_settings(db))\n"
        "assert overview.families\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'sqlmodel', 'pydantic'))\n"
        "print(heavy)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = fresh_python("-c", script, str(library.store_path), env=env, check=True)
    assert done.stdout.strip() == "[]"
