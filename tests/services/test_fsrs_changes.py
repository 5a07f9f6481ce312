"""After new parameters or a new retention: memory replayed, review cards rescheduled (only
when asked), a manual-change row per moved card, the day's counts untouched."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.core.model import CardId, Queue, Rating
from studyapp.core.scheduling import DEFAULT_PARAMETERS
from studyapp.services.fsrs import ParameterError
from studyapp.services.library import Library
from studyapp.services.study import StudyScope
from studyapp.store.presets import DEFAULT_PRESET, Preset, assign_deck, save_preset
from tests.conftest import Clock


def learn_everything(library: Library, clock: Clock) -> None:
    for _ in range(3):
        session = library.session(clock=clock)
        while (card := session.next_card()) is not None:
            session.answer(Rating.GOOD if card.state.queue is not Queue.NEW else Rating.EASY)
        session.close()
        clock.now += timedelta(days=1)


def dues(library: Library) -> dict[int, tuple[int, int]]:
    with library.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, due, interval FROM card WHERE queue = 2"))
        return {int(i): (int(d), int(n)) for i, d, n in rows}


def stabilities(library: Library) -> dict[int, float]:
    with library.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, stability FROM card WHERE queue = 2"))
        return {int(i): float(s) for i, s in rows}


def deck_of(library: Library) -> dict[int, str]:
    with library.engine.connect() as conn:
        return {int(i): str(d) for i, d in conn.execute(text("SELECT id, deck_id FROM card"))}


@pytest.fixture
def learned(library: Library, deck_dir: Path, clock: Clock) -> Library:
    assert library.sync([deck_dir]).ok
    learn_everything(library, clock)
    return library


def test_a_new_retention_moves_only_its_decks_and_only_when_asked(
    learned: Library, clock: Clock
) -> None:
    library = learned
    before = dues(library)
    assert len(before) >= 6
    with library.engine.begin() as conn:
        strict = save_preset(
            conn, DEFAULT_PRESET._replace(id=0, name="Strict", desired_retention=0.97)
        )
        assign_deck(conn, "sample-terms", strict.id)
    assert dues(library) == before  # a preset change alone moves nothing
    terms = [c for c, d in deck_of(library).items() if d == "sample-terms" and c in before]
    assert terms
    assert library.reviews_to_reschedule(deck_ids=("sample-terms",)) == len(terms)
    session = library.session(clock=clock)
    allowances = session.allowances()
    moved = library.reschedule_reviews(deck_ids=("sample-terms",), now=clock.now)
    after = dues(library)
    assert moved == len(terms)
    for card_id, (due, interval) in after.items():
        if card_id in terms:  # a higher retention: sooner
            assert due < before[card_id][0] and interval < before[card_id][1]
        else:
            assert (due, interval) == before[card_id]
    with library.engine.connect() as conn:
        logged = conn.execute(text("SELECT card_id, rating, kind FROM review WHERE kind = 2")).all()
    assert sorted(r[0] for r in logged) == sorted(terms) and {r[1] for r in logged} == {0}
    # Manual changes use no allowance and are shown as such in a card's history.
    assert library.session(clock=clock).allowances() == allowances
    grades = [e.label for e in session.history(CardId(terms[0]))]
    assert grades[-1] == "Due date set"  # a manual change, not an answer


def test_critical_cards_can_be_rescheduled_on_their_own(learned: Library, clock: Clock) -> None:
    library = learned
    with library.engine.begin() as conn:
        conn.execute(text("UPDATE note SET critical = 1 WHERE id = 's-nmda'"))
    library.update_settings(library.settings.with_changes(critical_retention=0.98))
    assert library.reviews_to_reschedule(critical=True) == 1
    before = dues(library)
    assert library.reschedule_reviews(critical=True, now=clock.now) == 1
    changed = {c for c, v in dues(library).items() if v != before[c]}
    with library.engine.connect() as conn:
        nmda = conn.execute(text("SELECT id FROM card WHERE note_id = 's-nmda'")).scalar_one()
    assert changed == {nmda}


def test_new_parameters_replay_every_memory_and_keep_due_dates(
    learned: Library, clock: Clock
) -> None:
    library = learned
    before = dues(library)
    memory = stabilities(library)
    steeper = list(DEFAULT_PARAMETERS)
    steeper[0:4] = [v * 2 for v in steeper[0:4]]  # twice the initial stabilities
    assert library.set_parameters(steeper, now=clock.now) >= len(before)
    replayed = stabilities(library)
    assert all(replayed[c] > memory[c] for c in memory)
    assert dues(library) == before
    assert library.settings.parameters == pytest.approx(steeper)
    # The session schedules with them at once.
    session = library.session(StudyScope(), clock=clock)
    assert session.settings.parameters == library.settings.parameters


def test_unusable_parameters_change_nothing(learned: Library) -> None:
    library = learned
    with pytest.raises(ParameterError, match="21 numbers"):
        library.set_parameters([0.1] * 20)
    assert library.settings.fsrs_parameters == ()


def test_a_preset_is_its_decks_retention(learned: Library) -> None:
    with learned.engine.begin() as conn:
        other = save_preset(conn, Preset(0, "Other", 0.8, 5, 50))
    assert other.id > 1
