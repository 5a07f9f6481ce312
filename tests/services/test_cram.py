"""Cram sessions, headless: any search's cards, studied without changing their schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from studyapp.core.model import Rating
from studyapp.core.search import SearchError
from studyapp.services.cram import AGAIN_GAP, cram_query
from studyapp.services.library import Library
from studyapp.services.review import ReviewController, ReviewState
from tests.conftest import Clock


def card_table(library: Library) -> list[tuple[Any, ...]]:
    with library.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM card ORDER BY id"))]


def reviews(library: Library) -> list[tuple[int, int, int]]:
    with library.engine.connect() as conn:
        return [
            (int(c), int(r), int(k))
            for c, r, k in conn.execute(text("SELECT card_id, rating, kind FROM review"))
        ]


@pytest.fixture
def synced(library: Library, deck_dir: Path) -> Library:
    assert library.sync([deck_dir]).ok
    return library


def test_cramming_changes_no_card_and_logs_cram_answers(synced: Library, clock: Clock) -> None:
    before = card_table(synced)
    session = synced.cram_session("deck:sample-mechanisms", clock=clock, seed=1)
    assert session.total == 6 and session.remaining() == 6
    assert session.scope.label == "Cram: deck:sample-mechanisms"
    seen = []
    while (card := session.next_card()) is not None:
        seen.append(card.card_id)
        assert card.deck_id == "sample-mechanisms"
        preview = session.preview()
        assert {r: p.label for r, p in preview.items()}[Rating.GOOD] == "done"
        session.answer(Rating.GOOD)
    assert len(seen) == len(set(seen)) == 6
    assert card_table(synced) == before  # no state, due date or count changed
    assert {k for _c, _r, k in reviews(synced)} == {1} and len(reviews(synced)) == 6
    summary = session.finish()
    assert summary.cram and summary.studied == 6 and summary.next_due is None
    # scheduled study is untouched: every card still new, none counted as studied today
    scheduled = synced.session(clock=clock)
    assert scheduled.counts().new == 8


def test_again_brings_a_card_back_a_few_cards_later(synced: Library, clock: Clock) -> None:
    session = synced.cram_session("", clock=clock, seed=2)
    first = session.next_card()
    assert first is not None
    session.answer(Rating.AGAIN)
    order = []
    while (card := session.next_card()) is not None:
        order.append(card.card_id)
        session.answer(Rating.EASY)
    assert order.index(first.card_id) == AGAIN_GAP
    assert session.summary.again == 1 and session.summary.studied == 9


def test_undo_takes_a_cram_answer_back(synced: Library, clock: Clock) -> None:
    session = synced.cram_session("", clock=clock, seed=3)
    first = session.next_card()
    assert first is not None
    session.answer(Rating.AGAIN)
    second = session.next_card()
    assert second is not None
    assert session.undo_label == "cram answer"
    back = session.undo()
    assert back is not None and back.card_id == first.card_id
    assert reviews(synced) == []
    assert session.summary.studied == 0 and session.summary.again == 0
    assert session.remaining() == 8  # the card on screen went back to the queue
    session.answer(Rating.GOOD)
    assert session.next_card() is not None
    assert session.current is not None and session.current.card_id == second.card_id


def test_retired_and_suspended_cards_are_left_out(synced: Library, clock: Clock) -> None:
    with synced.engine.begin() as conn:
        conn.execute(text("UPDATE card SET suspended = 1 WHERE note_id = 's-5ht2a'"))
        conn.execute(text("UPDATE card SET retired = 1 WHERE note_id = 's-nmda'"))
        conn.execute(text("UPDATE card SET buried_until = 9999999999 WHERE note_id = 's-pat'"))
    session = synced.cram_session("", clock=clock)
    notes = set()
    while (card := session.next_card()) is not None:
        notes.add(card.note_id)
        session.answer(Rating.EASY)
    assert notes == {"s-bdnf", "s-mapp1", "s-pat"}  # buried cards can be crammed


def test_a_malformed_query_is_refused_with_its_own_column(synced: Library) -> None:
    with pytest.raises(SearchError) as caught:
        synced.cram_session("dek:x")
    assert caught.value.column == 1
    assert cram_query("") == "-is:retired -is:suspended"
    assert cram_query("tag:x or is:new") == "(tag:x or is:new) -is:retired -is:suspended"


def test_a_cram_session_runs_in_the_review_controller(synced: Library, clock: Clock) -> None:
    review = ReviewController(synced.cram_session("deck:sample-terms", clock=clock, seed=4))
    assert review.state is ReviewState.QUESTION
    review.reveal()
    assert [p.label for p in review.previews().values()] == [
        "again soon",
        "again later",
        "done",
        "done",
    ]
    review.grade(Rating.GOOD)
    review.reveal()
    review.grade(Rating.GOOD)
    summary = review.leave()
    assert summary.cram and summary.studied == 2
