"""The start-up path's records are msgspec Structs (issue 19) and behave as the dataclasses did.

A frozen, slotted dataclass costs ~5.7 M instructions to define (its methods are generated as
source and compiled), a Struct ~0.6 M: the modules below are all imported before the first
card. What the code relies on is pinned here: equality, hashing, ordering, defaults, fresh
default factories, immutability, ``replace`` / ``asdict`` / ``fields``, the checks in
``__post_init__`` and the repr's form.
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import msgspec
import pytest
from msgspec.structs import asdict, fields, replace

import studyapp.core.cloze
import studyapp.core.markup
import studyapp.core.model
import studyapp.core.scheduling
import studyapp.deckfile.problems
import studyapp.gui.theme
import studyapp.services.library
import studyapp.services.overview
import studyapp.services.render
import studyapp.services.settings
import studyapp.services.study
import studyapp.services.sync
import studyapp.services.today
import studyapp.services.undo
import studyapp.store.queries
import studyapp.store.sync
from studyapp.core.model import MemoryState, Queue
from studyapp.core.scheduling import DEFAULT_PARAMETERS, SchedulerConfig
from studyapp.deckfile.problems import MAX_MESSAGE, Problem, Severity
from studyapp.services.render import CitationIndex, RenderedCard, ShownImage
from studyapp.services.settings import Settings
from studyapp.services.study import SessionSummary, StudyScope
from studyapp.services.today import Today
from studyapp.services.undo import UndoStep
from studyapp.store.presets import Preset
from studyapp.store.queries import CardCounts
from studyapp.store.sync import Changes

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)

CONVERTED = [
    studyapp.core.cloze,
    studyapp.core.markup,
    studyapp.core.model,
    studyapp.core.scheduling,
    studyapp.deckfile.problems,
    studyapp.gui.theme,
    studyapp.services.library,
    studyapp.services.overview,
    studyapp.services.render,
    studyapp.services.settings,
    studyapp.services.study,
    studyapp.services.sync,
    studyapp.services.today,
    studyapp.services.undo,
    studyapp.store.queries,
    studyapp.store.sync,
]


@pytest.mark.parametrize("module", CONVERTED, ids=lambda m: m.__name__)
def test_the_start_up_paths_records_are_structs_not_dataclasses(module: object) -> None:
    # One kind of record per module: no dataclass left beside the Structs.
    own = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == getattr(module, "__name__", "")
    ]
    assert not [c.__name__ for c in own if "__dataclass_fields__" in vars(c)]
    assert any(issubclass(c, msgspec.Struct) for c in own)


def test_equality_and_hashing_are_by_value_and_by_class() -> None:
    a = MemoryState(Queue.REVIEW, None, 3.5, 4.25, NOW, NOW, 7, 2, 30)
    b = MemoryState(
        queue=Queue.REVIEW, stability=3.5, difficulty=4.25, due=NOW, last_review=NOW, reps=7
    )
    b = replace(b, lapses=2, interval=30)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != replace(a, reps=8)
    assert StudyScope() == StudyScope(None, "All decks", None)
    assert StudyScope() != CardCounts()  # type: ignore[comparison-overlap]  # never across classes
    assert pickle.loads(pickle.dumps(a)) == a


def test_frozen_records_refuse_changes_and_mutable_ones_take_them() -> None:
    state = MemoryState()
    with pytest.raises(AttributeError):
        state.reps = 2  # type: ignore[misc]
    assert replace(state, reps=2).reps == 2 and state.reps == 0
    summary = SessionSummary()
    summary.studied += 1
    assert summary.studied == 1
    with pytest.raises(TypeError):
        hash(summary)  # as a dataclass with eq and not frozen: unhashable


def test_default_factories_give_each_record_its_own() -> None:
    one, two = SessionSummary(), SessionSummary()
    one.ratings[3] += 1
    assert two.ratings == {1: 0, 2: 0, 3: 0, 4: 0} and one.ratings[3] == 1
    first, second = Changes(), Changes()
    first.decks_deactivated.append("d")
    assert second.decks_deactivated == []


def test_problems_sort_by_file_line_column_and_cut_long_messages() -> None:
    late = Problem("a.yaml", 9, 1, Severity.ERROR, "x")
    early = Problem("a.yaml", 2, 5, Severity.WARNING, "y")
    other = Problem("b.yaml", 1, 1, Severity.ERROR, "z")
    assert sorted([other, late, early]) == [early, late, other]
    assert early < late <= late
    long = Problem("a.yaml", 1, 1, Severity.ERROR, "m" * (MAX_MESSAGE + 50))
    assert len(long.message) <= MAX_MESSAGE and "characters left out" in long.message
    assert str(early) == "a.yaml:2:5: warning: y"


def test_checks_in_post_init_still_run() -> None:
    with pytest.raises(ValueError, match="desired retention"):
        Settings(desired_retention=0.5)
    with pytest.raises(ValueError):
        SchedulerConfig(rollover_hour=24)
    config = SchedulerConfig(parameters=list(DEFAULT_PARAMETERS))  # type: ignore[arg-type]
    assert config.parameters == tuple(DEFAULT_PARAMETERS)


def test_settings_round_trip_through_asdict_fields_and_replace() -> None:
    settings = Settings(new_per_day=5, learning_steps=(2.0,))
    values = asdict(settings)
    assert [f.name for f in fields(Settings)] == list(values)
    assert values["new_per_day"] == 5 and values["learning_steps"] == (2.0,)
    assert Settings(**values) == settings
    assert replace(settings, font_size=18).font_size == 18
    with pytest.raises(ValueError):  # replace checks the new values as the constructor does
        settings.with_changes(desired_retention=0.1)


def test_the_repr_names_the_class_and_its_fields() -> None:
    assert (
        repr(StudyScope(("d1",), "One", 2)) == "StudyScope(deck_ids=('d1',), label='One', module=2)"
    )


class _Source(msgspec.Struct, frozen=True):
    """A bibliography entry (render.SourceEntry)."""

    authors: str
    year: int | None
    title: str
    kind: str = "article"
    venue: str | None = None
    doi: str | None = None
    url: str | None = None
    retracted: str | None = None


def test_computed_fields_are_made_from_the_others_whatever_is_given() -> None:
    # CitationIndex.labels and Today's totals and allowances were init=False dataclass fields.
    sources = {"b": _Source("Zhou", 2024, "B"), "a": _Source("Zhou", 2024, "A")}
    index = CitationIndex(sources)
    assert index.labels == {"a": "Zhou, 2024a", "b": "Zhou, 2024b"}
    assert CitationIndex(sources, labels={"a": "wrong"}).labels == index.labels
    assert CitationIndex().labels == {} and CitationIndex().sources == {}
    preset = Preset(1, "Default", 0.9, 20, 200)
    today = Today(0, {"d": [3, 50]}, set(), {"d": preset, "e": preset}, totals=[9, 9])
    assert today.totals == [3, 50] and today.held_modules == ()
    assert today.left(0) == {"d": 17, "e": 20} and today.left(1) == {"d": 150, "e": 200}
    today.count("e", 0)
    assert today.total(0) == 4 and today.left(0)["e"] == 19


def test_a_pictures_repr_leaves_its_bytes_out() -> None:
    image = ShownImage("alt", "question", "png", 2, 3, b"\x89PNG" * 1000, "images/a.png")
    assert repr(image) == (
        "ShownImage(alt='alt', side='question', kind='png', width=2, height=3, "
        "name='images/a.png', missing=None)"
    )
    assert image == ShownImage("alt", "question", "png", 2, 3, b"\x89PNG" * 1000, "images/a.png")
    assert image != msgspec.structs.replace(image, data=b"")


def _revert(db: object) -> None:
    """An undo step's revert (module level: a step pickles)."""


def test_undo_steps_and_rendered_cards_are_frozen_values() -> None:
    step = UndoStep("answer", (), _revert, show_again=True)
    assert step.after is None and step.owner is None
    assert step == UndoStep("answer", (), _revert, None, True)
    assert hash(step) == hash(pickle.loads(pickle.dumps(step)))
    with pytest.raises(AttributeError):
        step.label = "other"  # type: ignore[misc]
    card = RenderedCard("Q", "A", "", "")
    assert card == RenderedCard(question="Q", answer="A", extra="", correction="")
    assert len({card, RenderedCard("Q", "A", "", "")}) == 1
    with pytest.raises(TypeError):
        RenderedCard("<p>Q</p>")  # type: ignore[call-arg]
