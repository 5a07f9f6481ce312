"""The bundled decks: valid, sourced, cited where they teach evidence, one id per card."""

from __future__ import annotations

from collections import Counter

import pytest

from studyapp.deckfile.loader import (
    ParsedDeck,
    check_collection,
    discover_deck_files,
    parse_bibliography,
    parse_deck,
)
from studyapp.deckfile.schema import BibEntry
from studyapp.services.paths import bundled_decks_dir, bundled_sources_file

SEEDS = {"zhou2024", "rieser2021", "consensus_nd", "rehabblog_nd", "feduccia2018"}


@pytest.fixture(scope="module")
def bibliography() -> dict[str, BibEntry]:
    return parse_bibliography(bundled_sources_file()).entries


@pytest.fixture(scope="module")
def decks() -> list[ParsedDeck]:
    files, _ = discover_deck_files([bundled_decks_dir()])
    return [parse_deck(path) for path in files]


def test_every_bundled_deck_is_valid_without_warnings(
    decks: list[ParsedDeck], bibliography: dict[str, BibEntry]
) -> None:
    problems = [str(p) for d in decks for p in d.problems] + [
        str(p) for p in check_collection(decks, bibliography)
    ]
    assert problems == []
    assert all(d.ok for d in decks)


def test_every_card_names_a_seed_document_that_resolves(
    decks: list[ParsedDeck], bibliography: dict[str, BibEntry]
) -> None:
    for deck in decks:
        assert deck.model is not None
        for card in deck.model.cards:
            assert card.sources, card.id
            assert set(card.sources) <= set(bibliography), card.id
            assert set(card.sources) & SEEDS, f"{card.id} names no seed document"
            assert set(card.cites) <= set(bibliography), card.id


def test_evidence_cards_cite_a_study_and_say_when_checked(
    decks: list[ParsedDeck], bibliography: dict[str, BibEntry]
) -> None:
    evidence = [
        c for d in decks if d.model and d.model.deck.family == "evidence" for c in d.model.cards
    ]
    assert len(evidence) >= 40
    for card in evidence:
        assert card.cites, f"{card.id} cites no primary study"
        assert all(bibliography[c].kind in ("primary", "regulatory") for c in card.cites), card.id
        assert card.as_of is not None and 2020 <= card.as_of <= 2030, card.id


def test_card_ids_are_unique_and_read_well(decks: list[ParsedDeck]) -> None:
    ids = Counter(c.id for d in decks if d.model for c in d.model.cards)
    assert [i for i, n in ids.items() if n > 1] == []
    prefixes = {"mech", "ev", "term", "proc", "safe"}
    assert all(i.split("-")[0] in prefixes for i in ids), [
        i for i in ids if i.split("-")[0] not in prefixes
    ]


def test_each_family_has_cards_and_the_course_is_big_enough(decks: list[ParsedDeck]) -> None:
    per_family = Counter(d.model.deck.family for d in decks if d.model for _ in d.model.cards)
    for family in ("mechanisms", "evidence", "terms"):
        assert per_family[family] >= 30, per_family
    assert sum(per_family.values()) >= 150


def test_no_card_repeats_a_known_error_of_the_sources(decks: list[ParsedDeck]) -> None:
    """Spot checks of section 3 of the source notes: wrong journals, retracted figures."""
    for deck in decks:
        assert deck.model is not None
        for card in deck.model.cards:
            text = " ".join(
                str(getattr(card, f, "") or "") for f in ("front", "back", "text", "extra")
            )
            lowered = text.lower()
            if "mapp1" in lowered or "mitchell" in lowered:
                assert "lancet" not in lowered or "mithoefer" in lowered, card.id
            if "68%" in text:
                assert "retract" in (lowered + (card.correction or "").lower()), card.id
            if "gasser" in lowered:
                assert "archives of general psychiatry" not in lowered, card.id
