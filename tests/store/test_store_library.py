"""The library's reads and writes (studyapp.store.library): decks, notes, sources, deck
folders, trainees' notes, settings rows, copies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from studyapp.store import library
from studyapp.store.database import open_engine
from studyapp.store.library import DeckInfo
from studyapp.store.rows import SourceRow
from studyapp.store.sync import Changes, write_changes
from studyapp.store.syncrows import DeckValues, NewCard
from tests.store.conftest import note_row


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(tmp_path / "s.sqlite3")
    with engine.begin() as conn:
        write_changes(
            conn,
            Changes(
                decks=[
                    DeckValues("d2", "Two", "terms", "About two", "/c/one/d2.yaml", "x"),
                    DeckValues("d1", "One", "evidence", "", "/c/one/d1.yaml", "y"),
                    DeckValues("d3", "Three", "terms", "", "/c/two/d3.yaml", "z"),
                ],
                notes_inserted=[
                    note_row("b", "d1", 1, cites="mitchell2021", as_of=2025),
                    note_row("a", "d1", 0),
                    note_row("r", "d1", 2, retired=True, retired_reason="Gone."),
                    note_row("c", "d2", 0),
                ],
                cards_inserted=[NewCard("a", "d1", "fwd", 0)],
                sources=[SourceRow("zhou2024", "seed", "Zhou A", 2024, "T", "J", None, None, None)],
            ),
            now=0,
        )
    yield engine
    engine.dispose()


def test_decks_notes_and_sources_as_typed_rows(engine: Engine) -> None:
    with engine.connect() as conn:
        assert library.active_decks(conn) == [
            DeckInfo("d1", "One", "evidence", ""),
            DeckInfo("d2", "Two", "terms", "About two"),
            DeckInfo("d3", "Three", "terms", ""),
        ]
        assert library.deck_ids_of_families(conn, ["terms"]) == ("d2", "d3")
        assert library.deck_ids_of_families(conn, []) == ()
        # not retired, by deck, then in file order
        assert [n.id for n in library.notes_of_decks(conn, ["d2", "d1"])] == ["a", "b", "c"]
        b = library.notes_of_decks(conn, ["d1"])[1]
        # stamped with the time it was written (now=0 above)
        assert b == note_row("b", "d1", 1, cites="mitchell2021", as_of=2025, changed_at=0)
        # an export reads the retired notes too, with their reason and last change
        exported = library.export_notes(conn, ["d1"])
        assert [(n.id, n.retired, n.retired_reason, n.changed_at) for n in exported] == [
            ("a", False, None, 0),
            ("b", False, None, 0),
            ("r", True, "Gone.", 0),
        ]
        assert library.sources(conn) == {
            "zhou2024": SourceRow("zhou2024", "seed", "Zhou A", 2024, "T", "J", None, None, None)
        }
        assert library.review_count(conn) == 0
    assert library.deck_title(engine, "d2") == "Two"
    assert library.deck_title(engine, "nope") is None


def test_deck_folders_are_remembered_once_and_removing_one_retires_its_decks(
    engine: Engine,
) -> None:
    library.add_deck_folder(engine, "/c/one")
    library.add_deck_folder(engine, "/c/one")
    library.add_deck_folder(engine, "/c/two")
    assert sorted(library.deck_folders(engine)) == ["/c/one", "/c/two"]
    assert library.folder_decks(engine, "/c/one") == ["d1", "d2"]
    assert library.remove_deck_folder(engine, "/c/one") == ["d1", "d2"]
    assert library.deck_folders(engine) == ["/c/two"]
    with engine.connect() as conn:
        assert [d.id for d in library.active_decks(conn)] == ["d3"]
        retired = conn.execute(text("SELECT DISTINCT retired FROM note WHERE deck_id = 'd1'"))
        assert retired.all() == [(1,)]
        assert conn.execute(text("SELECT retired FROM card")).all() == [(1,)]


def test_a_trainees_note_is_saved_replaced_and_deleted(engine: Engine) -> None:
    assert library.user_note(engine, "a") == ""
    library.save_user_note(engine, "a", "first")
    library.save_user_note(engine, "a", "second")
    assert library.user_note(engine, "a") == "second"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM user_note")).scalar() == 1
    library.delete_user_note(engine, "a")
    assert library.user_note(engine, "a") == ""


def test_settings_rows_are_written_and_read_back(engine: Engine) -> None:
    library.write_settings(engine, {"font_size": "15", "theme": '"dark"'})
    library.write_settings(engine, {"font_size": "18"})
    assert library.read_settings(engine) == {"font_size": "18", "theme": '"dark"'}


def test_a_copy_holds_the_same_rows(engine: Engine, tmp_path: Path) -> None:
    library.copy_store(engine, tmp_path / "copy.sqlite3")
    copy = open_engine(tmp_path / "copy.sqlite3")
    try:
        for table in ("deck", "note", "card", "source"):
            query = text(f"SELECT * FROM {table} ORDER BY rowid")
            with engine.connect() as a, copy.connect() as b:
                assert a.execute(query).all() == b.execute(query).all()
    finally:
        copy.dispose()
