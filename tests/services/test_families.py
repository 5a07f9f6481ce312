"""Deck families: a deck's title as listed under its family's row."""

from __future__ import annotations

import pytest

from studyapp.services.families import deck_title_in_family


@pytest.mark.parametrize(
    ("deck_title", "family_title", "shown"),
    [
        # The course's decks repeat their family's name: under its row it is said once.
        (
            "Mechanisms: plasticity and brain networks",
            "Mechanisms",
            "Plasticity and brain networks",
        ),
        ("Evidence: MDMA-assisted therapy", "Evidence", "MDMA-assisted therapy"),
        ("terms:  the vocabulary", "Terms", "The vocabulary"),
        # Anything else is the author's title as written.
        ("Sample mechanisms", "Mechanisms", "Sample mechanisms"),
        ("Evidence: MDMA-assisted therapy", "Mechanisms", "Evidence: MDMA-assisted therapy"),
        ("Mechanisms:", "Mechanisms", "Mechanisms:"),
        ("Mechanisms of action: an overview", "Mechanisms", "Mechanisms of action: an overview"),
    ],
)
def test_a_deck_title_under_its_family_drops_the_family_name(
    deck_title: str, family_title: str, shown: str
) -> None:
    assert deck_title_in_family(deck_title, family_title) == shown
