"""core.frozen.maker: the same objects as the frozen dataclasses' own constructors."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime

import pytest

from studyapp.core.frozen import maker
from studyapp.core.model import CardId, Queue

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _same(made: object, built: object) -> None:
    assert type(made) is type(built)
    assert made == built
    assert hash(made) == hash(built)
    assert repr(made) == repr(built)
    assert pickle.loads(pickle.dumps(made)) == built
    for f in dataclasses.fields(built):  # type: ignore[arg-type]
        assert getattr(made, f.name) is getattr(built, f.name)


@dataclasses.dataclass(frozen=True, slots=True)
class _State:
    """A frozen, slotted dataclass with defaults (module level: a made one pickles)."""

    queue: Queue = Queue.NEW
    reps: int = 0
    due: datetime | None = None


def test_a_made_object_is_the_constructed_one() -> None:
    _same(maker(_State)(Queue.REVIEW, 7, NOW), _State(Queue.REVIEW, 7, NOW))
    # keywords and defaults, as __init__ takes them
    _same(maker(_State)(reps=3, queue=Queue.LEARNING), _State(Queue.LEARNING, reps=3))
    _same(maker(_State)(), _State())


def test_a_made_object_is_still_frozen() -> None:
    state = maker(_State)(Queue.REVIEW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.reps = 2  # type: ignore[misc]
    assert dataclasses.replace(state, reps=2).reps == 2


def test_missing_or_unknown_arguments_fail_as_in_the_constructor() -> None:
    from studyapp.services.render import RenderedCard

    with pytest.raises(TypeError):
        maker(RenderedCard)("<p>Q</p>")
    with pytest.raises(TypeError):
        maker(_State)(colour=1)


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


def test_made_undo_steps_are_the_constructed_ones() -> None:
    # StudySession.answer makes one an answer (services/study.py).
    from studyapp.services.study import _undo_step
    from studyapp.services.undo import UndoStep

    owner = object()
    cards = (CardId(7),)
    step = {"after": _after, "show_again": True, "owner": owner}
    _same(
        _undo_step("answer", cards, _revert, **step),
        UndoStep("answer", cards, _revert, **step),  # type: ignore[arg-type]
    )
    _same(_undo_step("suspend", (), _revert), UndoStep("suspend", (), _revert))


def test_made_rendered_cards_are_the_constructed_ones() -> None:
    # render_card makes one RenderedCard a card shown.
    from studyapp.services.render import RenderedCard, _rendered_card

    card = ("<p>Q</p>", "<p>Q</p><div>A</div>", "", "<p>fixed</p>")
    _same(_rendered_card(*card), RenderedCard(*card))
    _same(
        _rendered_card(answer="A", question="Q", correction="", extra="x"),
        RenderedCard("Q", "A", "x", ""),
    )
