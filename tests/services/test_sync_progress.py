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
        if done == 2:  # two files read and being written, a third to come
            raise SyncCancelled

    with pytest.raises(SyncCancelled):
        library.sync([course], progress=progress)
    assert _contents(library) == before


def _rows(library: Library) -> tuple[object, ...]:
    with library.engine.connect() as conn:
        return (
            sorted(conn.execute(text("SELECT id, deck_id, digest, position, line FROM note"))),
            sorted(conn.execute(text("SELECT note_id, deck_id, key, new_order, queue FROM card"))),
            sorted(conn.execute(text("SELECT id, title, family, active FROM deck"))),
        )


def test_a_new_folder_is_streamed_and_stored_as_the_reference_path_stores_it(
    tmp_path: Path, deck_dir: Path, course: Path
) -> None:
    streamed, reference = Library(tmp_path / "a"), Library(tmp_path / "b")
    try:
        for library in (streamed, reference):
            assert library.sync([deck_dir]).ok
        plan = streamed.sync([course])
        assert plan.ok and plan.streamed and plan.changes_anything and len(plan.new) == 3000
        planned = reference.plan([course])  # the reference: a whole plan, then its writes
        assert not planned.streamed
        reference.apply(planned)
        assert _rows(streamed) == _rows(reference)
        assert plan.summary() == planned.summary()
        # The store held only a few rows, so the streamed add built the note and card
        # indexes after its rows (StreamedImport's small_store): the same indexes, sound.
        schema = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        for sql, expected in (
            (schema, _sql(reference, schema)),
            ("PRAGMA integrity_check", [("ok",)]),
        ):
            assert _sql(streamed, sql) == expected
    finally:
        streamed.close()
        reference.close()


def _add_deck(folder: Path, name: str, deck_id: str, card_id: str) -> None:
    (folder / name).write_text(
        "format_version: 1\n"
        f"deck: {{id: {deck_id}, title: Extra, family: terms}}\n"
        "cards:\n"
        f"  - id: {card_id}\n"
        "    front: What is the question?\n"
        "    back: The answer.\n"
        "    source: [rieser2021]\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    ("deck_id", "card_id"),
    [("extra-deck", "s-5ht2a"), ("sample-terms", "extra-card")],
    ids=["a card id the store holds", "a deck id the store holds"],
)
def test_a_new_folder_reusing_a_stored_id_gets_the_reference_verdict(
    library: Library, deck_dir: Path, course: Path, deck_id: str, card_id: str
) -> None:
    assert library.sync([deck_dir]).ok
    _add_deck(course, "zz-extra.yaml", deck_id, card_id)
    before = _contents(library)
    expected = library.plan([course])
    plan = library.sync([course])
    assert not plan.streamed
    assert [str(p) for p in plan.problems] == [str(p) for p in expected.problems]
    assert plan.summary() == expected.summary()
    if not plan.ok:
        assert _contents(library) == before


def test_a_new_folder_with_an_error_gets_the_reference_problems(
    library: Library, deck_dir: Path, course: Path
) -> None:
    assert library.sync([deck_dir]).ok
    broken = sorted(course.glob("*.yaml"))[1]
    broken.write_text(broken.read_text(encoding="utf-8") + "  - id: [\n", encoding="utf-8")
    before = _contents(library)
    expected = library.plan([course])
    plan = library.sync([course])
    assert not plan.ok and [str(p) for p in plan.problems] == [str(p) for p in expected.problems]
    assert _contents(library) == before


def _sql(library: Library, sql: str) -> list[tuple[object, ...]]:
    with library.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql)]
