"""A clean check vouches for the store until the file changes (studyapp/store/integrity.py):
reading commands skip the quick check only while the store is exactly as a clean check saw
it, less than a day ago; any write, damage, a file put in its place or an old time set back
makes the next reader check again."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from studyapp.core.outfile import OutputFileError
from studyapp.store import integrity
from studyapp.store.integrity import (
    SETTLE_SECONDS,
    VOUCH_SECONDS,
    quick_check_unless_vouched,
    store_stamp,
    vouched,
)
from tests.services.test_safety import damage


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A small WAL store with a few pages of rows, closed (its log checkpointed away)."""
    path = tmp_path / "studyapp.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    db.execute("CREATE INDEX t_body ON t (body)")
    db.executemany("INSERT INTO t (body) VALUES (?)", [(f"row {i} " * 20,) for i in range(2000)])
    db.commit()
    db.close()
    return path


def later(seconds: float = SETTLE_SECONDS + 1) -> Callable[[], float]:
    """A clock ``seconds`` ahead: the store's files look settled to a check started now."""
    return lambda: time.time() + seconds


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every PRAGMA quick_check the vouching functions run, by store path."""
    seen: list[Path] = []
    real = integrity.quick_check

    def counted(path: Path) -> list[str]:
        seen.append(path)
        return real(path)

    monkeypatch.setattr(integrity, "quick_check", counted)
    return seen


def test_an_unchanged_store_is_checked_once(store: Path, runs: list[Path]) -> None:
    assert quick_check_unless_vouched(store, clock=later()) == ([], True)
    assert (store.parent / "studyapp.sqlite3-checked").exists()
    assert quick_check_unless_vouched(store, clock=later()) == ([], False)
    assert quick_check_unless_vouched(store, clock=later()) == ([], False)
    assert runs == [store]


def test_a_write_through_sqlite_makes_the_next_reader_check(store: Path, runs: list[Path]) -> None:
    quick_check_unless_vouched(store, clock=later())
    db = sqlite3.connect(store)
    db.execute("INSERT INTO t (body) VALUES ('one more')")
    db.commit()
    # Open: the answer is in the write-ahead log, which is part of the stamp.
    assert not vouched(store, now=later()())
    assert quick_check_unless_vouched(store, clock=later()) == ([], True)
    db.close()  # the log checkpointed into the store file: changed again
    assert quick_check_unless_vouched(store, clock=later()) == ([], True)
    assert quick_check_unless_vouched(store, clock=later()) == ([], False)
    assert len(runs) == 3


def test_damage_after_a_clean_check_is_found_by_the_next_reader(store: Path) -> None:
    assert quick_check_unless_vouched(store, clock=later()) == ([], True)
    damage(store)
    problems, ran = quick_check_unless_vouched(store, clock=later())
    assert ran and problems
    # A damaged store's record is dropped, and the damage is found every time.
    assert not (store.parent / "studyapp.sqlite3-checked").exists()
    assert quick_check_unless_vouched(store, clock=later())[0]


def test_damage_with_its_old_times_set_back_is_still_seen(store: Path) -> None:
    quick_check_unless_vouched(store, clock=later())
    before = os.stat(store)
    with open(store, "r+b") as handle:  # same size, then the old times put back
        page = int.from_bytes(handle.read(18)[16:18], "big")
        handle.seek(page * 3)
        handle.write(b"\xff" * 512)
    os.utime(store, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(store).st_mtime_ns == before.st_mtime_ns
    problems, ran = quick_check_unless_vouched(store, clock=later())
    assert ran and problems  # the status-change time moved: checked, and found


def test_a_store_put_in_its_place_is_checked(store: Path, tmp_path: Path) -> None:
    quick_check_unless_vouched(store, clock=later())
    copy = tmp_path / "copy.sqlite3"
    shutil.copy2(store, copy)  # same bytes, same mtime; another inode
    os.replace(copy, store)
    assert quick_check_unless_vouched(store, clock=later()) == ([], True)


def test_a_check_of_a_store_written_a_moment_ago_vouches_for_nothing(
    store: Path, runs: list[Path]
) -> None:
    # Written within the settling time: a second write in the same clock tick would leave
    # its times as they are, so this clean check cannot vouch for what follows.
    assert quick_check_unless_vouched(store, clock=time.time) == ([], True)
    assert not (store.parent / "studyapp.sqlite3-checked").exists()
    assert quick_check_unless_vouched(store, clock=time.time) == ([], True)
    assert len(runs) == 2


def test_a_write_during_the_check_vouches_for_nothing(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = integrity.quick_check

    def check_while_written(path: Path) -> list[str]:
        problems = real(path)
        db = sqlite3.connect(path)
        db.execute("INSERT INTO t (body) VALUES ('meanwhile')")
        db.commit()
        db.close()
        return problems

    monkeypatch.setattr(integrity, "quick_check", check_while_written)
    assert quick_check_unless_vouched(store, clock=later()) == ([], True)
    assert not (store.parent / "studyapp.sqlite3-checked").exists()


def test_a_clean_check_vouches_for_a_day_at_most(store: Path, runs: list[Path]) -> None:
    quick_check_unless_vouched(store, clock=later())
    assert quick_check_unless_vouched(store, clock=later(VOUCH_SECONDS - 60)) == ([], False)
    assert quick_check_unless_vouched(store, clock=later(VOUCH_SECONDS + 60)) == ([], True)
    assert len(runs) == 2


def test_a_garbled_record_vouches_for_nothing(store: Path) -> None:
    quick_check_unless_vouched(store, clock=later())
    record = store.parent / "studyapp.sqlite3-checked"
    for text in ("", "{", '{"format": 1}', '{"format": 2, "store": [], "wal": null}', "[]"):
        record.write_text(text, encoding="utf-8")
        assert not vouched(store, now=later()())


def test_a_folder_that_cannot_be_written_is_checked_every_time(
    store: Path, runs: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(path: Path, _data: str) -> None:
        raise OutputFileError(f"cannot write {path}: the file system is read-only")

    monkeypatch.setattr(integrity, "write_output", refused)
    assert quick_check_unless_vouched(store, clock=later()) == ([], True)
    assert quick_check_unless_vouched(store, clock=later()) == ([], True)
    assert len(runs) == 2


def test_an_empty_write_ahead_log_is_no_change(store: Path) -> None:
    before = store_stamp(store)
    (store.parent / "studyapp.sqlite3-wal").write_bytes(b"")
    assert store_stamp(store) == before
    (store.parent / "studyapp.sqlite3-wal").write_bytes(b"x" * 32)
    assert store_stamp(store) != before
