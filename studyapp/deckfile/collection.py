"""Checks across deck files: deck and card ids used twice, unknown source ids, successors
that name no card."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from studyapp.deckfile.messages import suggest
from studyapp.deckfile.parsed import ParsedDeck
from studyapp.deckfile.problems import Problem, Severity
from studyapp.deckfile.reading import MAX_PROBLEMS_PER_FILE
from studyapp.deckfile.schema import BibEntry
from studyapp.deckfile.yamlsource import locate, problem_at

__all__ = ["check_collection"]


def check_collection(
    decks: Sequence[ParsedDeck],
    bibliography: dict[str, BibEntry],
    *,
    other_card_ids: dict[str, str] | None = None,
) -> list[Problem]:
    """Checks across files: repeated deck and card ids, unknown source ids, successors.

    Args:
        decks: the decks read now (invalid ones are skipped).
        bibliography: every known source id.
        other_card_ids: card id -> deck path for decks that are known but were not re-read
            (unchanged files already in the store).
    """
    problems: list[Problem] = []
    known = set(bibliography)
    replacing: list[tuple[ParsedDeck, int, Any]] = []  # cards naming a successor
    card_owner: dict[str, str] = dict(other_card_ids or {})
    card_where: dict[str, str] = {}
    deck_owner: dict[str, str] = {}
    unknown: dict[str, int] = {}  # unknown source ids per file
    for deck in decks:
        if deck.model is None:
            continue
        deck_id = deck.model.deck.id
        if deck_id in deck_owner:
            message = f"deck id {deck_id!r} is also used by {deck_owner[deck_id]}"
            node = locate(deck.root, ("deck", "id"))
            problems.append(problem_at(deck.path, node, Severity.ERROR, message))
        deck_owner.setdefault(deck_id, deck.path)
        for index, card in enumerate(deck.model.cards):
            card_id = card.id
            if card.replaced_by is not None:
                replacing.append((deck, index, card))
            elsewhere = card_where.get(card_id) or card_owner.get(card_id)
            card_where.setdefault(card_id, deck.path)
            if elsewhere is not None and elsewhere != deck.path:
                line, column = deck.position_of(index)
                message = f"card id {card_id!r} is also used in {elsewhere}"
                problems.append(Problem(deck.path, line, column, Severity.ERROR, message))
            sources, cites = card.sources, card.cites
            if known.issuperset(sources) and (not cites or known.issuperset(cites)):
                continue  # the usual case, checked at set speed
            for field_name, ids in (("source", sources), ("cite", cites)):
                for source_id in ids:
                    if source_id not in bibliography:
                        unknown[deck.path] = unknown.get(deck.path, 0) + 1
                        if unknown[deck.path] > MAX_PROBLEMS_PER_FILE:
                            continue  # counted, not located (see below)
                        node = locate(deck.root, ("cards", index, field_name))
                        message = (
                            f"card {card_id!r}: unknown {field_name} id "
                            f"{source_id!r}{suggest(source_id, bibliography)}"
                        )
                        problems.append(problem_at(deck.path, node, Severity.ERROR, message))
    for path, count in unknown.items():
        if count > MAX_PROBLEMS_PER_FILE:
            message = (
                f"only the first {MAX_PROBLEMS_PER_FILE} of this file's {count:,} unknown "
                "source ids are shown; fix those and validate again"
            )
            problems.append(Problem(path, 1, 1, Severity.ERROR, message))
    all_ids = set(card_where) | set(card_owner)
    for deck, index, card in replacing:
        if card.replaced_by not in all_ids:
            node = locate(deck.root, ("cards", index, "replaced_by"))
            message = f"card {card.id!r}: 'replaced_by' names no known card {card.replaced_by!r}"
            problems.append(problem_at(deck.path, node, Severity.ERROR, message))
    return problems
