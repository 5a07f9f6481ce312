"""Deck families: a deck's title as listed under its family's row."""

from __future__ import annotations

import pytest

from studyapp.services.families import deck_title_in_family


@pytest.mark.parametrize(
    ("deck_title", "family", "shown"),
    [
        # The course's decks repeat their family's name: under its row it is said once.
        (
            "Mechanisms: plasticity and brain networks",
            "mechanisms",
            "Plasticity and brain networks",
        ),
        ("Evidence: MDMA-assisted therapy", "evidence", "MDMA-assisted therapy"),
        ("terms:  the vocabulary", "terms", "The vocabulary"),
        # The family's name is its title ('Therapy process') or its id as words ('process').
        ("Therapy process: integration", "process", "Integration"),
        (
            "Process: how psychedelic-assisted therapy is delivered",
            "process",
            "How psychedelic-assisted therapy is delivered",
        ),
        ("Risks and safety: screening", "safety", "Screening"),
        ("Safety: risks and screening", "safety", "Risks and screening"),
        ("My course: first steps", "my_course", "First steps"),
        ("My course: first steps", "my-course", "First steps"),
        # Anything else is the author's title as written.
        ("Sample mechanisms", "mechanisms", "Sample mechanisms"),
        ("Evidence: MDMA-assisted therapy", "mechanisms", "Evidence: MDMA-assisted therapy"),
        ("Mechanisms:", "mechanisms", "Mechanisms:"),
        ("Mechanisms of action: an overview", "mechanisms", "Mechanisms of action: an overview"),
        ("Therapy: integration", "process", "Therapy: integration"),
    ],
)
def test_a_deck_title_under_its_family_drops_the_family_name(
    deck_title: str, family: str, shown: str
) -> None:
    assert deck_title_in_family(deck_title, family) == shown
