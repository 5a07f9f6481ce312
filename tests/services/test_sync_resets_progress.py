"""When a deck update takes progress away (the GUI asks before applying it), and when it does not.

A deck can ship with retired cards (the bundled decks do, from their second edition on). Syncing
such a deck into a store that never held those cards retires nothing the trainee had, so it must
not trigger the "retires or resets some cards" confirmation; retiring or relearning a card the
store already holds must.
"""

from __future__ import annotations

from pathlib import Path

from studyapp.services.library import Library
from studyapp.services.paths import bundled_decks_dir

RETIRED_CARD = """
  - id: s-old
    front: An old question
    back: An old answer
    source: zhou2024
    retired: Replaced by a better card.
    replaced_by: s-5ht2a
"""


def _add_retired_card(deck_dir: Path) -> None:
    deck = deck_dir / "sample.yaml"
    deck.write_text(deck.read_text(encoding="utf-8") + RETIRED_CARD, encoding="utf-8")


def test_a_retired_card_new_to_the_store_resets_nothing(library: Library, deck_dir: Path) -> None:
    library.sync([deck_dir])
    _add_retired_card(deck_dir)
    plan = library.sync([deck_dir], dry_run=True)
    # The store never held it: not a retirement the trainee reads of (the lead's decision).
    assert plan.ok and plan.shipped_retired == ["s-old"] and plan.retired == []
    assert not plan.resets_progress


def test_a_first_sync_of_decks_with_retirements_resets_nothing(
    library: Library, deck_dir: Path
) -> None:
    _add_retired_card(deck_dir)
    plan = library.sync([deck_dir], dry_run=True)
    assert plan.ok and "s-old" in plan.shipped_retired and plan.retired == []
    assert not plan.resets_progress


def test_adding_the_bundled_decks_to_a_store_resets_nothing(
    library: Library, deck_dir: Path
) -> None:
    library.sync([deck_dir])
    plan = library.sync([deck_dir, bundled_decks_dir()], dry_run=True)
    assert plan.ok and plan.shipped_retired  # the bundled decks ship with retired cards
    assert plan.retired == [] and "0 retired" in plan.summary()
    assert not plan.resets_progress


def test_retiring_a_card_the_store_holds_resets_progress(library: Library, deck_dir: Path) -> None:
    library.sync([deck_dir])
    deck = deck_dir / "sample.yaml"
    text = deck.read_text(encoding="utf-8")
    deck.write_text(
        text.replace(
            "    back: The NMDA glutamate receptor.\n",
            "    back: The NMDA glutamate receptor.\n    retired: Merged into the term card.\n",
        ),
        encoding="utf-8",
    )
    plan = library.sync([deck_dir], dry_run=True)
    assert plan.retired == ["s-nmda"]
    assert plan.resets_progress


def test_raising_a_revision_resets_progress(library: Library, deck_dir: Path) -> None:
    library.sync([deck_dir])
    deck = deck_dir / "sample.yaml"
    text = deck.read_text(encoding="utf-8")
    deck.write_text(
        text.replace(
            "    back: The NMDA glutamate receptor.\n",
            "    back: The NMDA glutamate receptor.\n    revision: 2\n",
        ),
        encoding="utf-8",
    )
    plan = library.sync([deck_dir], dry_run=True)
    assert plan.relearn == ["s-nmda"]
    assert plan.resets_progress


def test_removing_a_cloze_deletion_the_store_holds_resets_progress(
    library: Library, deck_dir: Path
) -> None:
    library.sync([deck_dir])
    deck = deck_dir / "sample.yaml"
    text = deck.read_text(encoding="utf-8")
    deck.write_text(text.replace("{{c2::32%}}", "32%"), encoding="utf-8")
    plan = library.sync([deck_dir], dry_run=True)
    assert plan.ok and plan.updated == ["s-mapp1"]
    assert plan.resets_progress


def test_a_first_sync_says_nothing_of_cards_retired_before_the_trainee_had_them(
    tmp_path: Path,
) -> None:
    """A trainee's first sync of the bundled decks said "14 retired": cards their authors
    retired before this trainee ever had them. Its summary (the CLI's line, the window's
    status) and its details (the GUI's confirmation) count only cards the store held; the
    dry run's listing still names the shipped retirements, for authors checking a release."""
    with Library(tmp_path / "data") as library:
        plan = library.sync(dry_run=True)
        assert plan.ok and plan.retired == [] and len(plan.shipped_retired) >= 14
        assert ", 0 retired, " in plan.summary()
        named = {line.split()[-1] for line in plan.details()}
        assert named.isdisjoint(plan.shipped_retired) and len(named) == len(plan.new)
        listed = plan.details(shipped_retired=True)
        assert f"  new       {plan.shipped_retired[0]} (retired in its deck)" in listed
        applied = library.sync()
        assert ", 0 retired, " in applied.summary()
        assert sorted(applied.shipped_retired) == sorted(plan.shipped_retired)
