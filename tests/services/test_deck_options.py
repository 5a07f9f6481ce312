"""Deck options: presets edited as a whole, saved in one transaction, bad input refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.services.deck_options import (
    DeckOptionsError,
    load_deck_options,
    save_deck_options,
)
from studyapp.services.library import Library


@pytest.fixture
def synced(library: Library, deck_dir: Path) -> Library:
    assert library.sync([deck_dir]).ok
    return library


def test_every_deck_starts_on_the_default_preset(synced: Library) -> None:
    options = load_deck_options(synced.engine)
    assert [p.name for p in options.ordered()] == ["Default"]
    assert {d.deck_id for d in options.decks} == {"sample-mechanisms", "sample-terms"}
    assert options.preset_of("sample-terms").desired_retention == 0.90


def test_presets_are_added_shared_renamed_and_deleted(synced: Library) -> None:
    options = load_deck_options(synced.engine)
    exam = options.add_preset("Exam prep")
    options.update(exam._replace(desired_retention=0.95, new_per_day=5))
    options.use("sample-terms", exam.id)
    options.use("sample-mechanisms", exam.id)
    saved = save_deck_options(synced.engine, options)
    assert set(saved.retention_changed) == {"sample-terms", "sample-mechanisms"}
    options = load_deck_options(synced.engine)
    stored = options.preset_of("sample-terms")
    assert (stored.name, stored.desired_retention, stored.new_per_day) == ("Exam prep", 0.95, 5)
    assert len(options.decks_using(stored.id)) == 2
    # Two presets may swap names in one save.
    default = options.presets[1]
    options.update(default._replace(name="Exam prep"))
    options.update(stored._replace(name="Default"))
    assert save_deck_options(synced.engine, options).retention_changed == ()
    options = load_deck_options(synced.engine)
    assert options.presets[1].name == "Exam prep"
    # Deleting a preset sends its decks back to the Default one.
    options.delete(stored.id)
    saved = save_deck_options(synced.engine, options)
    options = load_deck_options(synced.engine)
    assert [p.id for p in options.ordered()] == [1]
    assert {d.preset_id for d in options.decks} == {1}
    assert set(saved.retention_changed) == {"sample-terms", "sample-mechanisms"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"desired_retention": 0.5}, "between 0.70 and 0.99"),
        ({"desired_retention": 0.995}, "between 0.70 and 0.99"),
        ({"new_per_day": -1}, "new cards per day"),
        ({"reviews_per_day": 10**6}, "reviews per day"),
        ({"name": "  "}, "needs a name"),
        ({"name": "default"}, "two presets are named"),
    ],
)
def test_bad_options_are_refused_and_nothing_is_saved(
    synced: Library, change: dict[str, object], message: str
) -> None:
    options = load_deck_options(synced.engine)
    other = options.add_preset("Other")
    options.use("sample-terms", other.id)
    options.update(other._replace(**change))  # type: ignore[arg-type]
    with pytest.raises(DeckOptionsError, match=message):
        save_deck_options(synced.engine, options)
    after = load_deck_options(synced.engine)
    assert [p.name for p in after.ordered()] == ["Default"]
    assert {d.preset_id for d in after.decks} == {1}


def test_unknown_presets_and_decks_are_named(synced: Library) -> None:
    options = load_deck_options(synced.engine)
    with pytest.raises(DeckOptionsError, match="no preset with id 42"):
        options.use("sample-terms", 42)
    with pytest.raises(DeckOptionsError, match="no deck 'nope'"):
        options.preset_of("nope")
    with pytest.raises(DeckOptionsError, match="cannot be deleted"):
        options.delete(1)
