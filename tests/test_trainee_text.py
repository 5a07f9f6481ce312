"""No raw id reaches a trainee: every bundled card, rendered everywhere text is shown (review,
card details, search results, the preview, the Anki and CSV exports), carries readable
citations and no bibliography id, card id or ``[@...]`` markup."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.core.model import CardId
from studyapp.deckfile.loader import parse_bibliography
from studyapp.services.export import csv_rows, export_anki, load_decks
from studyapp.services.library import Library
from studyapp.services.paths import bundled_decks_dir, bundled_sources_file
from studyapp.services.preview import DeckPreview


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    library = Library(tmp_path_factory.mktemp("store"))
    assert library.sync().ok
    yield library
    library.close()


@pytest.fixture(scope="module")
def raw_ids(synced: Library) -> re.Pattern[str]:
    """Every bibliography id and card id, as whole words; and any citation markup."""
    sources = parse_bibliography(bundled_sources_file()).entries
    with synced.engine.connect() as conn:
        notes = [r[0] for r in conn.execute(text("SELECT id FROM note"))]
    words = sorted([*sources, *notes], key=len, reverse=True)
    return re.compile(r"\[@|(?<![\w-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w-])")


def _found(pattern: re.Pattern[str], texts: dict[str, str]) -> list[str]:
    return [
        f"{name}: {m[0]!r} in {text[:90]!r}"
        for name, text in texts.items()
        if (m := pattern.search(text))
    ]


def test_every_card_in_review_and_details_shows_no_raw_id(
    synced: Library, raw_ids: re.Pattern[str]
) -> None:
    with synced.engine.connect() as conn:
        card_ids = [r[0] for r in conn.execute(text("SELECT id FROM card"))]
    session = synced.session()
    problems: list[str] = []
    cited = 0
    try:
        for card_id in card_ids:
            view = session.card_view(CardId(card_id))
            texts = {
                "question": view.question,
                "answer": view.answer,
                "extra": view.extra,
                "correction": view.correction,
                "source": view.source_line,
                "study": view.study_line,
                "title": view.title,
                "retired": view.retired_reason or "",
                **{f"retracted {i}": r for i, r in enumerate(view.retractions)},
            }
            cited += sum("et al., 20" in t or ", 20" in t for t in texts.values())
            problems += [f"{view.note_id}/{view.key} {p}" for p in _found(raw_ids, texts)]
    finally:
        session.close()
    assert len(card_ids) > 250
    assert cited > 50  # the decks' citations are shown, as readable citations
    assert problems == []


def test_search_results_show_no_raw_id(synced: Library, raw_ids: re.Pattern[str]) -> None:
    search = synced.card_search()
    items = search.items(search.search(""))
    assert len(items) > 250
    assert [p for item in items for p in _found(raw_ids, {item.note_id: item.question})] == []


def test_the_preview_shows_no_raw_id_in_card_text(raw_ids: re.Pattern[str]) -> None:
    state = DeckPreview([bundled_decks_dir()]).reload()
    assert state.problems == [] and len(state.cards) > 250
    problems = [
        p
        for card in state.cards
        for p in _found(
            raw_ids,
            {
                "question": card.view.question,
                "answer": card.view.answer,
                "extra": card.view.extra,
                "correction": card.view.correction,
            },
        )
    ]
    assert problems == []


def test_exports_show_no_raw_id_in_card_text(
    synced: Library, raw_ids: re.Pattern[str], tmp_path: Path
) -> None:
    rows = csv_rows(load_decks(synced.engine))
    # CSV: the text columns (id, source and cite columns hold ids on purpose, for authors)
    text_columns = (4, 5, 6, 7, 8)
    problems = [p for row in rows for p in _found(raw_ids, {str(i): row[i] for i in text_columns})]
    assert problems == []
    out = tmp_path / "decks.apkg"
    export_anki(synced.engine, out)
    with zipfile.ZipFile(out) as package, package.open("collection.anki2") as db_file:
        collection = tmp_path / "collection.anki2"
        collection.write_bytes(db_file.read())
    import sqlite3

    with sqlite3.connect(collection) as db:
        fields = [r[0] for r in db.execute("SELECT flds FROM notes")]
    assert len(fields) > 200
    assert [p for f in fields for p in _found(raw_ids, {"fields": f})] == []
    assert any("(Zhou, 2024)" in f for f in fields)
