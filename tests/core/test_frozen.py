"""core.frozen.maker: the same objects as the frozen dataclasses' own constructors."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime

import pytest

from studyapp.core.frozen import maker
from studyapp.core.model import CardId, MemoryState, Queue, Rating
from studyapp.core.scheduling import Outcome
from studyapp.services.study import CardView
from studyapp.store.queries import DueQuery

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _same(made: object, built: object) -> None:
    assert type(made) is type(built)
    assert made == built
    assert hash(made) == hash(built)
    assert repr(made) == repr(built)
    assert pickle.loads(pickle.dumps(made)) == built
    for f in dataclasses.fields(built):  # type: ignore[arg-type]
        assert getattr(made, f.name) is getattr(built, f.name)


def test_a_made_memory_state_is_the_constructed_one() -> None:
    values = (Queue.REVIEW, 1, 3.5, 4.25, NOW, NOW, 7, 2, 30)
    _same(maker(MemoryState)(*values), MemoryState(*values))
    # keywords and defaults, as __init__ takes them
    _same(maker(MemoryState)(reps=3, queue=Queue.LEARNING), MemoryState(Queue.LEARNING, reps=3))
    _same(maker(MemoryState)(), MemoryState())


def test_made_outcomes_due_queries_and_card_views_are_the_constructed_ones() -> None:
    outcome = (Queue.REVIEW, None, 12.5, 5.0, 9, 1, None, 9)
    _same(maker(Outcome)(*outcome), Outcome(*outcome))
    query = {"now": 5, "day_start_ms": 1000, "day_end": 9, "deck_ids": ("d1",), "module": 2}
    _same(maker(DueQuery)(**query), DueQuery(**query))  # type: ignore[arg-type]
    view = {
        "card_id": CardId(3),
        "note_id": "n",
        "key": "fwd",
        "kind": "basic",
        "deck_id": "d",
        "deck_title": "Deck",
        "family": "mechanisms",
        "question": "Q",
        "answer": "A",
        "extra": "",
        "correction": "",
        "tags": ("t",),
        "sources": (),
        "cites": (),
        "as_of": None,
        "state": MemoryState(),
        "critical": True,
        "flag": 2,
    }
    _same(maker(CardView)(**view), CardView(**view))  # type: ignore[arg-type]


def test_a_made_object_is_still_frozen() -> None:
    state = maker(MemoryState)(Queue.REVIEW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.reps = 2  # type: ignore[misc]
    assert dataclasses.replace(state, reps=2).reps == 2


def test_missing_or_unknown_arguments_fail_as_in_the_constructor() -> None:
    make = maker(Outcome)
    with pytest.raises(TypeError):
        make(Queue.REVIEW)
    with pytest.raises(TypeError):
        maker(MemoryState)(colour=1)


def test_only_classes_the_shortcut_cannot_change_are_accepted() -> None:
    @dataclasses.dataclass(slots=True)
    class Mutable:
        a: int

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError

    @dataclasses.dataclass(frozen=True, slots=True)
    class Factory:
        a: list[int] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived:
        a: int
        b: int = dataclasses.field(init=False, default=0)

    @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
    class KeywordOnly:
        a: int

    for cls in (Mutable, NoSlots, Checked, Factory, Derived, KeywordOnly, int):
        with pytest.raises(TypeError):
            maker(cls)


def _revert(db: object) -> None:
    """An undo step's revert (module level: a made step pickles as a built one)."""


def _after() -> None:
    """An undo step's bookkeeping."""


def test_made_answers_and_undo_steps_are_the_constructed_ones() -> None:
    # StudySession.answer makes one of each an answer (services/study.py).
    from studyapp.services.study import _Answered, _answered, _undo_step
    from studyapp.services.undo import UndoStep

    answer = (41, CardId(7), Rating.HARD, 2300, True)
    _same(_answered(*answer), _Answered(*answer))
    _same(_answered(*answer[:4]), _Answered(*answer[:4]))
    owner = object()
    cards = (CardId(7),)
    step = {"after": _after, "show_again": True, "owner": owner}
    _same(
        _undo_step("answer", cards, _revert, **step),
        UndoStep("answer", cards, _revert, **step),  # type: ignore[arg-type]
    )
    _same(_undo_step("suspend", (), _revert), UndoStep("suspend", (), _revert))


def test_made_next_states_and_rendered_cards_are_the_constructed_ones() -> None:
    # Scheduler.next_states makes one NextStates an answer, render_card one RenderedCard.
    from studyapp.core.scheduling import NextStates, _next_states
    from studyapp.services.render import RenderedCard, _rendered_card

    outcomes = {Rating.GOOD: Outcome(Queue.REVIEW, None, 12.5, 5.0, 9, 1, None, 9)}
    states = {"now": NOW, "until_rollover": 3600, "outcomes": outcomes, "learn_ahead_seconds": 0}
    made = _next_states(**states)
    built = NextStates(**states)  # type: ignore[arg-type]
    # (a dict of outcomes is not hashable: the rest of _same, field by field)
    assert type(made) is NextStates and made == built and repr(made) == repr(built)
    assert pickle.loads(pickle.dumps(made)) == built
    for f in dataclasses.fields(built):
        assert getattr(made, f.name) is getattr(built, f.name)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.now = NOW  # type: ignore[misc]
    card = ("<p>Q</p>", "<p>Q</p><div>A</div>", "", "<p>fixed</p>")
    _same(_rendered_card(*card), RenderedCard(*card))
    _same(
        _rendered_card(answer="A", question="Q", correction="", extra="x"),
        RenderedCard("Q", "A", "x", ""),
    )
