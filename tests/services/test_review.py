"""The review state machine, without Qt: what each intent does in each state."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.core.model import Rating
from studyapp.services.library import Library
from studyapp.services.review import ReviewController, ReviewState
from studyapp.services.study import StudyScope
from tests.conftest import Clock

MECHANISMS = StudyScope(("sample-mechanisms",))
# Today's cards of the sample mechanisms deck: one per note (siblings wait for tomorrow).
TODAY = ["s-5ht2a", "s-bdnf", "s-mapp1", "s-nmda"]


def reviews(library: Library) -> list[tuple[int, int]]:
    with library.engine.connect() as conn:
        rows = conn.execute(text("SELECT card_id, rating FROM review ORDER BY id"))
        return [(int(card_id), int(rating)) for card_id, rating in rows]


def state_of(review: ReviewController) -> ReviewState:
    """The state now (mypy would keep an earlier ``assert review.state is ...`` narrowing)."""
    return review.state


@pytest.fixture
def review(library: Library, deck_dir: Path, clock: Clock) -> ReviewController:
    assert library.sync([deck_dir]).ok
    return ReviewController(library.session(MECHANISMS, clock=clock))


def test_starts_on_the_first_question(review: ReviewController) -> None:
    assert review.state is ReviewState.QUESTION
    assert review.card is not None and review.card.note_id == "s-5ht2a"
    assert not review.revealed and review.previews() == {}
    assert not review.can_undo


def test_no_grade_before_the_answer_is_shown(review: ReviewController, library: Library) -> None:
    shown = review.card
    assert review.grade(Rating.GOOD) is False
    assert review.state is ReviewState.QUESTION and review.card is shown
    assert reviews(library) == []


def test_reveal_shows_the_answer_once_with_an_interval_for_each_grade(
    review: ReviewController,
) -> None:
    assert review.reveal() is True
    assert review.state is ReviewState.ANSWER and review.revealed
    assert review.reveal() is False
    previews = review.previews()
    assert list(previews) == list(Rating)
    assert previews[Rating.GOOD].label == "<10m"  # as Anki writes it


def test_grading_commits_the_answer_and_shows_the_next_question(
    review: ReviewController, library: Library
) -> None:
    first = review.card
    assert first is not None
    review.reveal()
    assert review.grade(Rating.GOOD) is True
    assert reviews(library) == [(first.card_id, int(Rating.GOOD))]
    assert review.state is ReviewState.QUESTION
    assert review.card is not None and review.card.note_id == "s-bdnf"
    assert review.summary.studied == 1 and review.can_undo


def test_undo_brings_back_the_last_answered_question(
    review: ReviewController, library: Library
) -> None:
    first = review.card
    assert first is not None
    review.reveal()
    review.grade(Rating.AGAIN)
    review.reveal()  # the second card's answer is shown when the trainee presses Ctrl+Z
    assert review.undo() is True
    assert review.state is ReviewState.QUESTION
    assert review.card is not None and review.card.card_id == first.card_id
    assert reviews(library) == [] and review.summary.studied == 0
    assert review.undo() is False


def test_the_last_grade_finishes_and_undo_reopens(
    review: ReviewController, library: Library
) -> None:
    seen = []
    while review.state is ReviewState.QUESTION:
        assert review.card is not None
        seen.append(review.card.note_id)
        review.reveal()
        review.grade(Rating.EASY)
    assert seen == TODAY
    assert review.state is ReviewState.FINISHED and review.card is None
    assert review.summary.studied == len(TODAY) and review.summary.next_due is not None
    assert review.reveal() is False and review.grade(Rating.GOOD) is False
    assert len(reviews(library)) == len(TODAY)
    assert review.undo() is True
    assert state_of(review) is ReviewState.QUESTION
    assert review.card is not None and review.card.note_id == TODAY[-1]


def test_leaving_keeps_the_shown_card_unanswered(
    review: ReviewController, library: Library
) -> None:
    review.reveal()
    review.grade(Rating.GOOD)
    review.reveal()
    summary = review.leave()
    assert review.state is ReviewState.FINISHED and review.card is None
    assert summary.studied == 1 and len(reviews(library)) == 1
    assert review.grade(Rating.GOOD) is False


def test_an_empty_scope_is_finished_at_once(library: Library, clock: Clock) -> None:
    review = ReviewController(library.session(clock=clock))
    assert review.state is ReviewState.FINISHED and review.card is None
    assert review.summary.studied == 0 and review.previews() == {}


def test_leaving_early_says_what_is_left_and_a_later_end_does_not(
    review: ReviewController,
) -> None:
    """Esc with cards left records them (the summary reads "Session paused"); undone from
    the summary and then studied to the end, the session's summary has none left."""
    review.reveal()
    review.grade(Rating.GOOD)
    left = review.leave()
    assert left.left_today == review.session.remaining() > 0
    assert review.undo()  # from the summary: the answer taken back, its card shown again
    while review.state is not ReviewState.FINISHED:
        review.reveal()
        review.grade(Rating.EASY)
    assert review.leave().left_today == 0  # its end (Esc on the summary): none left
