"""A sync tells how many deck files it has read, and a cancel leaves the store as it was."""

from __future__ import annotations

import hashlib
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
        if done == stop_after:  # with the files read so far already written
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


@pytest.mark.parametrize("into_a_store_with_decks", [False, True])
def test_a_new_deck_file_is_read_when_its_turn_comes(
    library: Library, deck_dir: Path, course: Path, into_a_store_with_decks: bool
) -> None:
    """The survey holds no new file's bytes (peak RSS: see services.sync._survey): a new
    file is read when it is parsed, so one changed after the survey is stored as it is
    then, under the digest of the bytes parsed. (A first import, and a folder added to a
    store with decks: both streamed.)"""
    if into_a_store_with_decks:
        assert library.sync([deck_dir]).ok
    last = sorted(course.glob("*.yaml"))[-1]

    def progress(done: int, _total: int) -> None:
        if done == 0:  # the survey is over, no file parsed yet
            last.write_text(
                last.read_text(encoding="utf-8").replace("'Q2000:", "'Changed 2000:"),
                encoding="utf-8",
            )

    plan = library.sync([course], progress=progress)
    assert plan.ok and plan.streamed and len(plan.new) == 3000
    with library.engine.connect() as conn:
        digest = conn.execute(text("SELECT digest FROM deck WHERE id = 'bench-003'")).scalar()
        front = conn.execute(text("SELECT front FROM note WHERE id = 'bench-002000'")).scalar()
    assert digest == hashlib.sha256(last.read_bytes()).hexdigest()
    assert str(front).startswith("Changed 2000:")
    assert library.sync([course]).summary() == library.plan([course]).summary()
    assert not library.plan([course]).files_read  # unchanged since: not even read


def test_the_survey_keeps_the_bytes_of_a_stored_decks_changed_file_only(
    library: Library, deck_dir: Path, course: Path
) -> None:
    """A new file's bytes are left to the parse; a stored deck's changed file is read for
    its digest (skipped if unchanged) and its bytes kept, so that what is parsed is what
    was digested."""
    from studyapp.services.paths import bundled_sources_file
    from studyapp.services.sync import SyncPlan, _survey

    assert library.sync([deck_dir]).ok
    changed = sorted(deck_dir.glob("*.yaml"))[0]
    changed.write_bytes(changed.read_bytes() + b"\n# edited\n")
    with library.engine.connect() as conn:
        sources = bundled_sources_file()  # as Library.sync gives it
        new = _survey(conn, SyncPlan(), [course], sources).to_read
        stored = _survey(conn, SyncPlan(), [deck_dir], sources).to_read
    assert sorted(item.path.name for item in new) == sorted(p.name for p in course.glob("*.yaml"))
    assert all(item.raw is None and item.digest is None for item in new)
    # (a file written less than two seconds ago is read again even if unchanged)
    assert changed.name in [item.path.name for item in stored]
    for item in stored:
        assert item.raw == item.path.read_bytes()
        assert item.digest == hashlib.sha256(item.raw).hexdigest()
