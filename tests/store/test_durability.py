"""Durability: every answer is synced to disk before the next card shows (issue 13).

The sync probe (tests/store/syncprobe.py) counts the syncs SQLite asks the OS for, through
a shim VFS in the SQLite library this process uses.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from studyapp.core.model import Rating
from studyapp.services.library import Library
from tests.conftest import Clock
from tests.store.syncprobe import counting_syncs


def test_the_probe_sees_what_synchronous_normal_skips(tmp_path: Path) -> None:
    # The probe itself: WAL + NORMAL syncs only at checkpoints, FULL at every commit.
    counts = {}
    for mode in ("NORMAL", "FULL"):
        with counting_syncs() as log:
            db = sqlite3.connect(tmp_path / f"{mode}.db", isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={mode}")
            db.execute("CREATE TABLE t (x)")
            for i in range(20):
                db.execute("INSERT INTO t VALUES (?)", (i,))
            counts[mode] = log.count("wal")
            db.close()
    assert counts["NORMAL"] <= 1  # a new WAL's header, at most
    assert counts["FULL"] >= 21


def test_every_answer_is_synced_before_answer_returns(tmp_path: Path, clock: Clock) -> None:
    data = tmp_path / "data"
    with Library(data) as library:
        library.sync()  # the bundled decks: enough new cards for a day
        library.update_settings(library.settings.with_changes(new_per_day=40))
    with counting_syncs() as log, Library(data) as library:
        session = library.session(clock=clock)
        answered = synced = 0
        while session.next_card() is not None and answered < 30:
            before = log.count("wal", under=data)
            session.answer(Rating.GOOD)
            answered += 1
            # the WAL is synced inside answer(): the review is on disk when it returns
            synced += log.count("wal", under=data) - before
            assert synced >= answered, f"answer {answered} returned before a sync"
    assert answered == 30
    # One sync per answer; SQLite also syncs a new WAL's header once (its first write).
    assert answered <= synced <= answered + 1


def test_a_first_import_with_a_rollback_journal_is_as_durable(
    tmp_path: Path, deck_dir: Path
) -> None:
    # The first import leaves WAL for a rollback journal (store/database.py). In DELETE
    # mode a commit is only durable once the journal's deletion is on disk: EXTRA syncs
    # the folder after deleting it (FULL would not).
    data = tmp_path / "data"
    with counting_syncs() as log, Library(data) as library:
        plan = library.sync([deck_dir])
        assert plan.ok and plan.new
    journal = str(data / "studyapp.sqlite3-journal")
    assert journal in log.dir_synced_deletes
    assert log.count("db", under=data) >= 1
