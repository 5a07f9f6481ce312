"""Deck presets (per-deck desired retention and daily limits) and safety-critical cards."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from studyapp.core.model import Queue, Rating
from studyapp.services.library import Library
from studyapp.services.study import StudyScope
from studyapp.store.database import DB_FILENAME
from studyapp.store.presets import DEFAULT_PRESET, Preset, assign_deck, presets, save_preset
from tests.conftest import Clock

CRITICAL_DECK = """format_version: 1
deck:
  id: twins
  title: Twins
  family: safety
cards:
  - id: plain
    front: Which drug class interacts with MDMA?
    back: MAOIs.
    source: zhou2024
  - id: vital
    front: Which drug class interacts with MDMA, dangerously?
    back: MAOIs.
    source: zhou2024
    critical: true
"""


def make_preset(library: Library, name: str, **values: object) -> Preset:
    fields = {**DEFAULT_PRESET._asdict(), "id": 0, "name": name, **values}
    with library.engine.begin() as conn:
        return save_preset(conn, Preset(**fields))  # type: ignore[arg-type]


def use(library: Library, deck_id: str, preset: Preset) -> None:
    with library.engine.begin() as conn:
        assign_deck(conn, deck_id, preset.id)


def test_each_deck_keeps_to_its_own_new_card_limit(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    assert library.sync([deck_dir]).ok
    use(library, "sample-mechanisms", make_preset(library, "One a day", new_per_day=1))
    session = library.session(clock=clock)
    assert session.counts().new == 1 + 2  # one of mechanisms, both of terms (siblings aside)
    shown = []
    while (card := session.next_card()) is not None:
        shown.append(card.deck_id)
        session.answer(Rating.EASY)
    assert shown.count("sample-mechanisms") == 1
    assert session.allowances()[0]["sample-mechanisms"] == 0
    overview = library.overview(clock.now)
    decks = {d.id: d for f in overview.families for d in f.decks}
    assert decks["sample-mechanisms"].today.new == 0  # within its limit, as the list shows it
    assert decks["sample-mechanisms"].counts.new == 5  # but five are still new
    clock.now += timedelta(days=1)
    tomorrow = library.session(clock=clock)
    assert tomorrow.allowances()[0]["sample-mechanisms"] == 1


def test_the_all_decks_limits_still_cap_the_total(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    assert library.sync([deck_dir]).ok
    library.update_settings(library.settings.with_changes(new_per_day=2))
    session = library.session(clock=clock)
    assert session.counts().new == 2


def test_each_deck_keeps_to_its_own_review_limit(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    assert library.sync([deck_dir]).ok
    session = library.session(StudyScope(("sample-mechanisms",)), clock=clock)
    while session.next_card() is not None:
        session.answer(Rating.EASY)
    use(library, "sample-mechanisms", make_preset(library, "Two reviews", reviews_per_day=2))
    clock.now += timedelta(days=60)
    session = library.session(clock=clock)
    assert session.counts().review == 2
    reviewed = 0
    while (card := session.next_card()) is not None:
        if card.state.queue is Queue.REVIEW and card.deck_id == "sample-mechanisms":
            reviewed += 1
        session.answer(Rating.GOOD)
    assert reviewed == 2


def test_a_preset_sets_the_retention_of_its_decks(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    assert library.sync([deck_dir]).ok
    use(library, "sample-terms", make_preset(library, "Exam", desired_retention=0.97))
    session = library.session(StudyScope(("sample-terms",)), clock=clock)
    card = session.next_card()
    assert card is not None and card.desired_retention == 0.97 and not card.critical
    other = library.session(StudyScope(("sample-mechanisms",)), clock=clock).next_card()
    assert other is not None and other.desired_retention == 0.90


def test_critical_cards_are_kept_at_the_critical_retention(
    library: Library, tmp_path: Path, clock: Clock
) -> None:
    folder = tmp_path / "twins"
    folder.mkdir()
    (folder / "twins.yaml").write_text(CRITICAL_DECK)
    assert library.sync([folder]).ok
    with library.engine.connect() as conn:
        marks = {str(i): int(c) for i, c in conn.execute(text("SELECT id, critical FROM note"))}
    assert marks == {"plain": 0, "vital": 1}
    library.update_settings(library.settings.with_changes(critical_retention=0.97))
    days = {}
    for _ in range(2):  # one card a day: the second is the other note's
        session = library.session(clock=clock)
        card = session.next_card()
        assert card is not None
        expected = 0.97 if card.note_id == "vital" else 0.90
        assert card.critical == (card.note_id == "vital")
        assert card.desired_retention == expected
        # A higher retention gives shorter intervals, from the same first answer.
        preview = session.preview()
        days[card.note_id] = preview[Rating.EASY].state.interval
        session.answer(Rating.EASY)
    assert days["vital"] < days["plain"]


def test_the_settings_retention_is_the_default_presets(library: Library) -> None:
    library.update_settings(library.settings.with_changes(desired_retention=0.85))
    with library.engine.connect() as conn:
        assert presets(conn)[0] == DEFAULT_PRESET._replace(desired_retention=0.85)
    library.close()
    reopened = Library(library.data_dir)
    try:
        assert reopened.settings.desired_retention == 0.85
    finally:
        reopened.close()


def test_an_older_store_keeps_its_retention_in_the_default_preset(
    library: Library, deck_dir: Path
) -> None:
    assert library.sync([deck_dir]).ok
    path = library.data_dir / DB_FILENAME
    library.close()
    with sqlite3.connect(path) as db:  # as an older StudyApp kept it: one setting
        db.execute("DELETE FROM preset")
        db.execute("INSERT INTO setting VALUES ('desired_retention', '0.83')")
        db.execute("DELETE FROM data_migration WHERE name LIKE '%default-preset%'")
        db.execute("DELETE FROM store_meta")
    db.close()
    reopened = Library(library.data_dir)
    try:
        assert reopened.settings.desired_retention == 0.83
        with reopened.engine.connect() as conn:
            assert presets(conn)[0].desired_retention == 0.83
            assert (
                conn.execute(
                    text("SELECT COUNT(*) FROM setting WHERE key = 'desired_retention'")
                ).scalar_one()
                == 0
            )
    finally:
        reopened.close()
