"""A library syncs on the plain connection it opened the store with, without SQLAlchemy.

``Library`` opens a writer's store on a :class:`~studyapp.store.database.DirectStore` and
its engine only when something first needs it; a sync before that runs every statement of
the sync on the plain connection (``studyapp sync``, the first-import benchmark: no
SQLAlchemy import, 0.12-0.15 s of CPU a process; issue 19). These tests pin that this path
stores exactly what the engine's path stores, first import and re-syncs alike, and fails
as it does.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from studyapp.core.errors import StoreCorrupt
from studyapp.services.library import Library
from studyapp.services.paths import bundled_decks_dir
from studyapp.store import tally
from studyapp.store.database import DirectStore
from tests.freshpython import fresh_python
from tests.services.test_sync import MORE_DECK, SCHEMA


def contents(store: Path) -> dict[str, object]:
    """Every row of every table in insertion order (a WITHOUT ROWID table's in key order),
    each value with its SQLite type, and the schema, read on a connection of its own (so
    neither library's path is touched). The data migrations by name and a note's
    ``changed_at`` as whether it is set: the clock's second is no part of what a sync
    wrote."""
    db = sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        found: dict[str, object] = {"schema": db.execute(SCHEMA).fetchall()}
        for table in tables:
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
            if table == "data_migration":
                columns = ["name"]
            typed = ", ".join(f"{c}, typeof({c})" for c in columns)
            if db.execute(f"PRAGMA table_list({table})").fetchone()[4]:  # WITHOUT ROWID
                rows = db.execute(f"SELECT {typed} FROM {table}").fetchall()  # (key order)
            else:
                rows = db.execute(f"SELECT rowid, {typed} FROM {table} ORDER BY rowid").fetchall()
            if table == "note":
                at = 1 + 2 * columns.index("changed_at")
                rows = [(*r[:at], r[at] > 0, *r[at + 1 :]) for r in rows]
            found[table] = rows
        found["integrity"] = db.execute("PRAGMA integrity_check").fetchall()
        found["journal_mode"] = db.execute("PRAGMA journal_mode").fetchall()
        return found
    finally:
        db.close()


def test_a_sync_on_the_direct_connection_stores_what_the_engine_stores(
    tmp_path: Path, deck_dir: Path
) -> None:
    (deck_dir / "more.yaml").write_text(MORE_DECK, encoding="utf-8")
    chosen = [deck_dir, bundled_decks_dir()]
    direct = Library(tmp_path / "direct")
    engine = Library(tmp_path / "engine")
    try:
        assert engine.engine is not None  # this one syncs through its engine from the start
        assert direct._engine is None and direct._direct is not None

        changed: list[bool] = []

        def both(label: str) -> None:
            plans = [library.sync(chosen) for library in (direct, engine)]
            assert direct._engine is None, f"{label}: the direct library opened its engine"
            assert plans[0].ok and plans[1].ok, plans[0].problems
            assert plans[0].summary() == plans[1].summary(), label
            assert (plans[0].new, plans[0].retired, plans[0].updated) == (
                plans[1].new,
                plans[1].retired,
                plans[1].updated,
            )
            changed.append(plans[0].changes_anything)
            assert contents(direct.store_path) == contents(engine.store_path), label

        both("first import")  # written while read, in a rollback journal
        assert len(contents(direct.store_path)["note"]) > 200  # type: ignore[arg-type]
        # A re-sync: an edit (progress kept), a card removed (retired), a deck file added.
        sample = deck_dir / "sample.yaml"
        text = sample.read_text(encoding="utf-8")
        edited = text.replace("(agonism).", "(as an agonist).").replace(
            "    cite: mitchell2021\n", ""
        )
        assert edited != text
        sample.write_text(edited, encoding="utf-8")
        more = deck_dir / "more.yaml"
        more.write_text(MORE_DECK.replace("The current claim?", "The claim now?"), "utf-8")
        (deck_dir / "terms.yaml").unlink()
        both("re-sync")
        both("nothing changed")
        assert changed == [True, True, False]
        assert direct.store_pragmas(("journal_mode", "synchronous", "foreign_keys")) == {
            "journal_mode": "wal",
            "synchronous": 2,  # FULL
            "foreign_keys": 1,
        }
        # Anything else opens the engine, which then serves the library as before.
        assert direct.settings is not None
        assert direct._direct is None and direct._engine is not None
        assert direct.sync(chosen).changes_anything is False
        assert contents(direct.store_path) == contents(engine.store_path)
    finally:
        direct.close()
        engine.close()


def test_studyapp_sync_imports_no_sqlalchemy(tmp_path: Path, deck_dir: Path) -> None:
    # What ``studyapp sync FOLDER`` and the benchmark's first-import worker run.
    data = tmp_path / "data"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from studyapp.services.library import Library\n"
        f"library = Library(Path({str(data)!r}))\n"
        f"plan = library.sync([Path({str(deck_dir)!r})])\n"
        "pragmas = library.store_pragmas(('journal_mode', 'synchronous'))\n"
        "library.close()\n"
        "print(plan.ok, len(plan.new), sorted(pragmas.values(), key=str),\n"
        "      [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel')])\n"
    )
    run = fresh_python("-c", script)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split(maxsplit=2)[0] == "True" and int(run.stdout.split()[1]) > 0
    assert run.stdout.split(maxsplit=2)[2].strip() == "[2, 'wal'] []"
    with Library(data) as library:  # and the store opens through the engine as ever
        assert library.sync([deck_dir]).changes_anything is False
        assert library.check().ok


def test_a_storage_failure_on_the_direct_connection_is_a_storage_error(
    tmp_path: Path, deck_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import studyapp.store.sync as stored

    def damaged(_conn: object) -> bool:
        raise sqlite3.DatabaseError("database disk image is malformed")

    with Library(tmp_path / "data") as library:
        monkeypatch.setattr(stored, "has_notes", damaged)
        with pytest.raises(StoreCorrupt, match="damaged"):
            library.sync([deck_dir])
        assert library._engine is None
        monkeypatch.undo()
        assert library.sync([deck_dir]).ok  # nothing was left half done


def test_a_direct_store_is_set_up_as_the_engines_connections(tmp_path: Path) -> None:
    store = DirectStore(tmp_path / "s" / "studyapp.sqlite3")
    try:
        assert store.pragmas(("journal_mode", "synchronous", "foreign_keys", "busy_timeout")) == {
            "journal_mode": "wal",
            "synchronous": 2,
            "foreign_keys": 1,
            "busy_timeout": 5000,
        }
        # A new store gets the tally's triggers on it, as the engine's open gives them.
        assert not tally.tally_kept(store.db)
        assert tally.ensure_kept(store.db) and tally.tally_kept(store.db)
        # The rollback journal only while no other connection is open; WAL again after.
        with store.rollback_journal() as switched:
            assert switched and store.pragmas(("journal_mode",)) == {"journal_mode": "delete"}
            assert store.pragmas(("synchronous",)) == {"synchronous": 3}  # EXTRA
        assert store.pragmas(("journal_mode", "synchronous")) == {
            "journal_mode": "wal",
            "synchronous": 2,
        }
        other = sqlite3.connect(store.path)
        other.execute("SELECT count(*) FROM note").fetchone()
        try:
            with store.rollback_journal() as switched:
                assert not switched
                assert store.pragmas(("journal_mode",)) == {"journal_mode": "wal"}
        finally:
            other.close()
    finally:
        store.close()
    # A store made before the tally's table: ensure_kept leaves it to the engine's path.
    bare = sqlite3.connect(tmp_path / "bare.sqlite3")
    assert tally.ensure_kept(bare) is False
    bare.close()


def test_a_damaged_store_is_refused_by_the_direct_open_as_by_the_engine(tmp_path: Path) -> None:
    path = tmp_path / "data" / "studyapp.sqlite3"
    path.parent.mkdir()
    path.write_bytes(b"not a database, " * 512)
    with pytest.raises(StoreCorrupt):
        Library(tmp_path / "data")
    with pytest.raises(StoreCorrupt):
        Library(tmp_path / "data", read_only=True)  # the engine's open


def test_the_engine_opened_during_a_direct_sync_waits_for_its_end(
    tmp_path: Path, deck_dir: Path
) -> None:
    # Opening the engine (anything but a sync asks for it) while a sync runs on the direct
    # connection must not close that connection under the sync: it is closed at the end.
    # (A re-sync, in WAL: during a first import's rollback journal the store is the
    # writer's alone, as it always was.)
    opened: list[object] = []
    with Library(tmp_path / "data") as library:
        assert library.sync([deck_dir]).ok
        (deck_dir / "more.yaml").write_text(MORE_DECK, encoding="utf-8")
        direct = library._direct
        assert direct is not None

        def progress(done: int, total: int) -> None:
            if done == 1 and not opened:
                opened.append(library.engine)  # in the middle of the sync
                assert library._direct is None and library._direct_busy == 1

        plan = library.sync([deck_dir], progress=progress)
        assert opened and plan.ok and len(plan.new) > 0
        with pytest.raises(sqlite3.ProgrammingError):  # closed once the sync was done
            direct.db.execute("SELECT 1")
        assert library.sync([deck_dir]).changes_anything is False  # through the engine
    reference = tmp_path / "reference"
    with Library(reference) as library:
        library.engine  # noqa: B018
        (deck_dir / "more.yaml").unlink()
        library.sync([deck_dir])
        (deck_dir / "more.yaml").write_text(MORE_DECK, encoding="utf-8")
        library.sync([deck_dir])
    assert contents(tmp_path / "data" / "studyapp.sqlite3") == contents(
        reference / "studyapp.sqlite3"
    )


def test_the_sync_command_imports_no_sqlalchemy(tmp_path: Path, deck_dir: Path) -> None:
    # ``studyapp sync FOLDER`` (a first import, the folder remembered) and ``studyapp sync``
    # (the bundled decks and the added folders) never need the engine.
    data = tmp_path / "data"
    script = (
        "import sys\n"
        "from studyapp.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print('loaded', [m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'sqlmodel')])\n"
        "raise SystemExit(code)\n"
    )
    runs = [
        fresh_python("-c", script, "--data-dir", str(data), "sync", *args)
        for args in ([str(deck_dir)], [])
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert run.stdout.splitlines()[-1] == "loaded []", run.stdout
        assert run.stdout.startswith("synced: ")
    with Library(data) as library:
        assert library.folders() == [deck_dir.resolve()]
        assert library.sync().changes_anything is False


def test_a_new_stores_tally_triggers_are_made_in_one_transaction(tmp_path: Path) -> None:
    # The sqlite3 module begins a transaction by itself only before DML, not before the
    # CREATE TRIGGER statements: each was committed (an fsync in WAL) on its own, and a
    # failure after them left them in place while the rebuild was undone.
    store = DirectStore(tmp_path / "s" / "studyapp.sqlite3")
    try:
        db = store.db
        assert not db.in_transaction and not tally.tally_kept(db)
        tally.rebuild_tally(db)
        assert db.in_transaction  # the triggers belong to the transaction...
        db.rollback()
        assert not tally.tally_kept(db)  # ...so a rollback takes them back
        statements: list[str] = []
        db.set_trace_callback(statements.append)
        assert tally.ensure_kept(db) and tally.tally_kept(db)
        db.set_trace_callback(None)
        writes = [s.split()[0].upper() for s in statements if not s.startswith("SELECT")]
        assert writes[0] == "BEGIN" and writes[-1] == "COMMIT"
        assert "BEGIN" not in writes[1:] and "COMMIT" not in writes[:-1]
    finally:
        store.close()
