"""A sync tells how many deck files it has read, and a cancel leaves the store as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from benchmarks.course import generate
from studyapp.services.library import Library
from studyapp.services.sync import SyncCancelled


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return generate(3000, tmp_path / "course").folder  # three deck files


def _contents(library: Library) -> tuple[object, ...]:
    with library.engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
            for table in ("deck", "note", "card", "source")
        ) + (conn.execute(text("PRAGMA journal_mode")).scalar(),)


def test_progress_counts_the_files_read(library: Library, course: Path) -> None:
    heard: list[tuple[int, int]] = []
    plan = library.sync([course], progress=lambda done, total: heard.append((done, total)))
    assert plan.ok and len(plan.new) == 3000
    assert heard == [(0, 3), (1, 3), (2, 3), (3, 3)]


@pytest.mark.parametrize("stop_after", [0, 2])
def test_a_cancelled_first_import_leaves_the_store_empty(
    library: Library, course: Path, stop_after: int
) -> None:
    before = _contents(library)

    def progress(done: int, _total: int) -> None:
        if done == stop_after:  # with the writer thread storing the files read so far
            raise SyncCancelled

    with pytest.raises(SyncCancelled):
        library.sync([course], progress=progress)
    assert _contents(library) == before
    assert library.sync([course]).ok  # and it can be done again


def test_a_cancelled_sync_into_a_store_with_decks_changes_nothing(
    library: Library, deck_dir: Path, course: Path
) -> None:
    assert library.sync([deck_dir]).ok
    before = _contents(library)

    def progress(done: int, _total: int) -> None:
        if done == 3:  # every file read: only the checks and the writing were left
            raise SyncCancelled

    with pytest.raises(SyncCancelled):
        library.sync([course], progress=progress)
    assert _contents(library) == before
