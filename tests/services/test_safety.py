"""The safety net at the library level: one writer per folder, stale sync plans, a full
disk, a damaged store, backups, rotation and restore (issue 13)."""

from __future__ import annotations

import contextlib
import random
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.core.errors import (
    NoStoreError,
    StaleSyncPlan,
    StoreCorrupt,
    StoreFull,
    StoreInUse,
    StoreReadOnly,
)
from studyapp.core.model import Rating
from studyapp.services.library import Library
from studyapp.store.backup import Rotation, create_backup, list_backups, rotate
from tests.conftest import Clock


def reviews(library: Library) -> int:
    with library.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM review")).scalar_one())


def answer(library: Library, clock: Clock, n: int) -> int:
    session = library.session(clock=clock)
    done = 0
    while done < n and session.next_card() is not None:
        session.answer(Rating.GOOD)
        done += 1
    session.close()
    return done


def damage(path: Path, *, seed: int = 13) -> None:
    """Overwrite the first 512 bytes of the middle page with random bytes: the page's
    header and cell pointers, which SQLite's quick check always reads (bytes in the middle
    of a page may be row text it does not, so damage depended on the store's layout).

    The write-ahead log is checkpointed first: a page whose newer copy is still in the WAL
    would hide the damage from every reader (a window holding the store open keeps one)."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    page = int.from_bytes(data[16:18], "big") or 65536
    middle = (len(data) // page // 2) * page
    with open(path, "r+b") as handle:
        handle.seek(middle)
        handle.write(random.Random(seed).randbytes(512))


@pytest.fixture
def studied(tmp_path: Path, clock: Clock) -> Path:
    """A data folder with the bundled decks synced and 30 answers, closed."""
    data = tmp_path / "data"
    with Library(data) as library:
        assert library.sync().ok
        library.update_settings(library.settings.with_changes(new_per_day=60))
        assert answer(library, clock, 30) == 30
    return data


# -- one instance per data folder ---------------------------------------------------------
def test_a_second_writer_is_refused_and_readers_still_work(studied: Path) -> None:
    with Library(studied) as first:
        with pytest.raises(StoreInUse, match="already open in another StudyApp"):
            Library(studied)
        with Library(studied, read_only=True) as reader:
            assert reader.overview().reviews_total == 30
            with pytest.raises(StoreReadOnly):
                reader.session()
        first.backup("manual")  # the holder still writes
    with Library(studied) as again:  # released on close
        assert again.folder.locked


def test_a_plan_made_before_another_sync_is_never_applied(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    assert library.sync([deck_dir]).ok
    deck = deck_dir / "sample.yaml"
    deck.write_text(deck.read_text().replace("Which receptor", "Which receptor, exactly,"))
    stale = library.plan([deck_dir])
    fresh = library.plan([deck_dir])
    assert stale.updated and fresh.updated
    library.apply(fresh)
    with library.engine.connect() as conn:
        before = conn.execute(text("SELECT * FROM note ORDER BY id")).all()
    with pytest.raises(StaleSyncPlan, match="sync again"):
        library.apply(stale)
    with library.engine.connect() as conn:
        assert conn.execute(text("SELECT * FROM note ORDER BY id")).all() == before


# -- a missing store ----------------------------------------------------------------------
def test_readers_refuse_a_folder_without_a_store(tmp_path: Path) -> None:
    with pytest.raises(NoStoreError, match="no study store in .*typo.*--data-dir"):
        Library(tmp_path / "typo", read_only=True)
    assert not (tmp_path / "typo").exists()
    with pytest.raises(NoStoreError):
        Library(tmp_path / "typo", create=False)
    with Library(tmp_path / "new") as created:
        assert created.created
    with Library(tmp_path / "new") as existing:
        assert not existing.created


# -- a full disk --------------------------------------------------------------------------
def test_an_answer_refused_by_a_full_disk_is_not_lost(library: Library, clock: Clock) -> None:
    assert library.sync().ok
    library.update_settings(library.settings.with_changes(new_per_day=500))
    session = library.session(clock=clock)
    db = session._db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count={pages}")
    accepted = 0
    with pytest.raises(
        StoreFull, match="The disk holding .* is full; free some space and try again"
    ):
        for _ in range(1000):
            card = session.next_card()
            assert card is not None
            session.answer(Rating.GOOD)
            accepted += 1
    assert 0 < accepted < 1000
    # The refused answer changed nothing: the card is still the one shown, nothing stored.
    assert session.current == card
    assert reviews(library) == accepted
    assert session.summary.studied == accepted
    db.execute(f"PRAGMA max_page_count={pages * 100}")  # space is freed
    session.answer(Rating.GOOD)
    assert reviews(library) == accepted + 1
    assert session.next_card() is not None


def test_an_io_error_on_a_disk_with_no_space_left_is_named_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a full disk (seen on a full tmpfs) SQLite cannot grow the WAL index and says "disk
    I/O error" (SQLITE_IOERR_SHMSIZE) at every open: the sentence said to check the disk,
    where freeing space is what helps. An I/O error with space left stays an I/O error."""
    import shutil
    import sqlite3

    from studyapp.core.errors import StoreIOError
    from studyapp.store.errors import storage_error

    store = tmp_path / "studyapp.sqlite3"
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = 4874  # SQLITE_IOERR_SHMSIZE
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage._replace(free=0))
    full = storage_error(error, store)
    assert isinstance(full, StoreFull)
    assert str(full) == f"The disk holding {tmp_path} is full; free some space and try again."
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage._replace(free=10**9))
    assert isinstance(storage_error(error, store), StoreIOError)


# -- a damaged store ----------------------------------------------------------------------
def test_the_quick_check_finds_512_damaged_bytes_and_writes_stop(
    studied: Path, clock: Clock
) -> None:
    with Library(studied) as library:
        library.backup("manual")
        assert library.quick_check() == []
        assert library.check().ok
    damage(studied / "studyapp.sqlite3")
    with Library(studied) as library:
        problems = library.quick_check()
        assert problems
        report = library.check()
        assert report.damage and not report.ok
        error = library.mark_damaged(problems)
        assert "is damaged" in str(error) and "restore a backup" in str(error)
        with pytest.raises(StoreCorrupt):
            library.session(clock=clock)
        with pytest.raises(StoreCorrupt):
            library.update_settings(library.settings.with_changes(new_per_day=1))
        with pytest.raises(StoreCorrupt):
            library.sync()
        # the engine itself refuses writes from now on
        with pytest.raises(StoreReadOnly), library.engine.begin() as conn:
            conn.execute(text("INSERT INTO setting (key, value) VALUES ('x', '1')"))
        good = library.newest_good_backup()
        assert good is not None and good.reviews == 30


def test_a_live_session_is_closed_when_damage_is_found(studied: Path, clock: Clock) -> None:
    with Library(studied) as library:
        session = library.session(clock=clock)
        assert session.next_card() is not None
        library.mark_damaged(["page 7: btreeInitPage() returns error code 11"])
        with pytest.raises(Exception, match="closed"):
            session.answer(Rating.GOOD)
        assert reviews(library) == 30


# -- backups and restore ------------------------------------------------------------------
def test_restore_end_to_end_keeps_the_current_store_first(studied: Path, clock: Clock) -> None:
    with Library(studied) as library:
        made = library.backup("manual")
        assert made.reviews == 30 and made.path.exists()
        assert answer(library, clock, 5) == 5
        session = library.session(clock=clock)
        kept = library.restore(made.id)
        assert kept.reason == "restore" and kept.reviews == 35
        assert reviews(library) == 30
        with pytest.raises(Exception, match="closed"):
            session.next_card()  # sessions on the old store were closed
        assert library.check().ok
        # and studying goes on, on the restored store
        assert answer(library, clock, 2) == 2
        assert reviews(library) == 32
    ids = [b.id for b in Library(studied, read_only=True).backups()]
    assert made.id in ids and kept.id in ids


def test_a_backup_leaves_out_the_search_index_which_is_made_again_after_a_restore(
    studied: Path,
) -> None:
    """The full-text index is derived from the cards and notes (half a backup's size): a
    backup holds none, and after a restore the first search makes it again, finding a
    note edited since (its triggers are gone with it, so writes do not need it)."""
    with Library(studied) as library:
        search = library.card_search()
        assert search.search("serotonin")
        full = studied.parent / "full.sqlite3"
        with contextlib.closing(sqlite3.connect(library.store_path)) as live:
            with contextlib.closing(sqlite3.connect(full)) as copy:
                live.backup(copy)
        made = library.backup("manual")
        with contextlib.closing(sqlite3.connect(made.path)) as db:
            names = {n for (n,) in db.execute("SELECT name FROM sqlite_master")}
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert not {n for n in names if n.startswith("card_text") or n.startswith("card_f")}
        assert made.size < full.stat().st_size * 0.75  # (the sample decks: 0.6)
        assert made.reviews == 30
        library.restore(made.id)
        (note,) = library.card_search().items(library.card_search().search("serotonin")[:1])
        library.set_user_note(note.note_id, "zebracorn")  # no trigger left to trip on
        assert library.card_search().search("zebracorn") == [note.card_id]
        assert library.check().ok


def test_a_damaged_store_is_set_aside_and_a_backup_restored(studied: Path) -> None:
    with Library(studied) as library:
        made = library.backup("manual")
    damage(studied / "studyapp.sqlite3")
    with Library(studied) as library:
        library.mark_damaged(library.quick_check())
        kept = library.restore(made.id)
        assert kept.reason == "damaged" and not kept.restorable
        assert library.damage is None and library.check().ok
        assert reviews(library) == 30
        library.update_settings(library.settings.with_changes(new_per_day=5))  # writes again
    assert kept.path.exists()


def test_a_backup_is_a_consistent_snapshot_during_an_open_write(
    studied: Path, clock: Clock
) -> None:
    with Library(studied) as library:
        with library.engine.connect() as writer:
            writer.execute(text("INSERT INTO setting (key, value) VALUES ('pending', '1')"))
            made = library.backup("study")  # the write is not committed: not in the backup
            writer.commit()
        assert made.reviews == 30
        import sqlite3

        copy = sqlite3.connect(made.path)
        assert copy.execute("SELECT count(*) FROM setting WHERE key = 'pending'").fetchone() == (0,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        copy.close()


def test_rotation_keeps_recent_daily_weekly_monthly_within_a_size_cap(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite3"
    import sqlite3

    db = sqlite3.connect(store)
    db.execute("CREATE TABLE review (x)")
    db.commit()
    db.close()
    folder = tmp_path / "backups"
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    first = create_backup(store, folder, "study", now=start)
    # four backups a day for 400 days (copies of one: rotation goes by name and size)
    for day in range(400):
        for hour in (0, 3, 6, 9):
            moment = start + timedelta(days=day, hours=hour)
            name = moment.strftime("%Y%m%d-%H%M%S") + "-study.sqlite3"
            if not (folder / name).exists():
                shutil.copyfile(first.path, folder / name)
    rotation = Rotation(recent=4, daily=7, weekly=8, monthly=12, max_bytes=10**12)
    rotate(folder, rotation)
    kept = list_backups(folder)
    days = {b.created.astimezone().date() for b in kept}
    assert len(kept) <= 4 + 7 + 8 + 12
    newest = start + timedelta(days=399, hours=9)
    assert kept[0].created == newest
    assert len({b.created.astimezone().strftime("%Y-%m") for b in kept}) == 12
    assert len(days) >= 7 + 7  # a week of days, then weeks and months reach further back
    size = kept[0].size
    rotate(folder, Rotation(recent=4, daily=7, weekly=8, monthly=12, max_bytes=size * 5))
    capped = list_backups(folder)
    assert len(capped) == 5 and capped[0].created == newest


def test_a_sync_that_retires_or_relearns_cards_is_preceded_by_a_backup(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    assert library.sync([deck_dir]).ok
    assert answer(library, clock, 3) == 3
    deck = deck_dir / "sample.yaml"
    deck.write_text(deck.read_text().replace("  - id: s-nmda", "  - id: s-nmda-renamed"))
    plan = library.plan([deck_dir])
    assert plan.ok and plan.resets_progress
    assert library.backups() == []
    library.apply(plan)  # the GUI's path: plan, confirm, apply
    (made,) = library.backups()
    assert made.reason == "sync" and made.reviews == 3
    deck.write_text(deck.read_text().replace("s-nmda-renamed", "s-nmda-again"))
    assert library.sync([deck_dir]).retired  # the CLI's path: plan and apply in one go
    assert [b.reason for b in library.backups()] == ["sync", "sync"]
    assert library.sync([deck_dir]).ok  # nothing to retire: no backup
    assert len(library.backups()) == 2
