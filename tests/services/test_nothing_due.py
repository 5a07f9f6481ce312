"""What the empty deck list says when nothing is due: what is true, and how to change it."""

from __future__ import annotations

from pathlib import Path

from studyapp.services.library import Library
from studyapp.services.overview import describe_nothing_due
from studyapp.services.text import describe_next_due
from tests.conftest import T0
from tests.services.test_presets import make_preset, use


def test_with_no_new_cards_a_day_it_says_so_and_where_to_raise_it(
    library: Library, deck_dir: Path
) -> None:
    """'Start with new cards.' at 0 new cards per day sent the trainee to cards the limit
    keeps back."""
    assert library.sync([deck_dir]).ok
    library.update_settings(library.settings.with_changes(new_per_day=0))
    overview = library.overview(T0)
    assert overview.due_today.new == 0 and overview.next_due is None
    assert describe_nothing_due(overview, T0) == (
        "Nothing due — no reviews scheduled yet, and new cards per day is\u00a00: raise it in "
        "Tools → Settings… (Study) to start new cards."
    )


def test_with_no_new_cards_in_every_decks_options_it_names_deck_options(
    library: Library, deck_dir: Path
) -> None:
    assert library.sync([deck_dir]).ok
    none = make_preset(library, "None new", new_per_day=0)
    for deck in ("sample-mechanisms", "sample-terms"):
        use(library, deck, none)
    overview = library.overview(T0)
    assert overview.due_today.new == 0 and overview.next_due is None
    assert describe_nothing_due(overview, T0) == (
        "Nothing due — no reviews scheduled yet, and the decks' options allow 0\u00a0new cards a "
        "day: raise it in Tools → Deck options… to start new cards."
    )


def test_with_no_card_to_start_it_suggests_none(library: Library, deck_dir: Path) -> None:
    assert library.sync([deck_dir]).ok
    with library.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE card SET suspended = 1"))
    overview = library.overview(T0)
    assert describe_nothing_due(overview, T0) == "Nothing due — no reviews scheduled yet."
    assert describe_next_due(None, T0) == "no reviews scheduled yet."
