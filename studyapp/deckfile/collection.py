"""Checks across deck files: deck and card ids used twice, unknown source ids and
citations, successors that name no card."""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from studyapp.core.markup import citations_in
from studyapp.deckfile.messages import suggest
from studyapp.deckfile.parsed import TEXT_FIELDS, CardStub, KeptCard, ParsedDeck
from studyapp.deckfile.problems import Problem, Severity
from studyapp.deckfile.reading import MAX_PROBLEMS_PER_FILE
from studyapp.deckfile.schema import SOURCE_ID_PATTERN, BibEntry
from studyapp.deckfile.yamlsource import locate, problem_at

__all__ = ["check_collection"]

_VALID_ID = re.compile(SOURCE_ID_PATTERN)


def check_collection(
    decks: Sequence[ParsedDeck],
    bibliography: dict[str, BibEntry],
    *,
    other_card_ids: dict[str, str] | None = None,
    other_deck_ids: dict[str, str] | None = None,
    unique_ids: AbstractSet[str] | None = None,
) -> list[Problem]:
    """Checks across files: repeated deck and card ids, unknown source ids and citations,
    successors.

    Args:
        decks: the decks read now (of a file with errors, its header and the cards the
            checks can still read: see :attr:`ParsedDeck.entries`).
        bibliography: every known source id.
        other_card_ids: card id -> deck path for decks that are known but were not re-read
            (unchanged files already in the store).
        other_deck_ids: deck id -> path of the decks known but not read now (another file
            may not take their ids: a sync would take the deck over and retire its cards).
        unique_ids: every card id of ``decks``, from a caller that found none of them in two
            of the decks or in ``other_card_ids`` (a streamed first import checks each file's
            ids against those written before it). Then no card is looked up for an id used
            twice (there is none) and a successor is looked up in this set: the same
            problems, without two dictionary steps a card: on the 50,000-card course's
            compacted decks 54-60 -> 43 ms of CPU (best of 7, two alternations, load 8.5).
    """
    problems: list[Problem] = []
    known = set(bibliography)
    replacing: list[tuple[ParsedDeck, int, Any]] = []  # cards naming a successor
    card_owner: dict[str, str] = dict(other_card_ids or {})
    card_where: dict[str, str] = {}
    deck_owner: dict[str, str] = dict(other_deck_ids or {})
    unknown: dict[str, int] = {}  # unknown source ids per file
    for deck in decks:
        header = deck.header
        if header is not None:
            deck_id = header.id
            if deck_id in deck_owner:
                message = f"deck id {deck_id!r} is also used by {deck_owner[deck_id]}"
                node = locate(deck.root, ("deck", "id"))
                problems.append(problem_at(deck.path, node, Severity.ERROR, message))
            deck_owner.setdefault(deck_id, deck.path)
        if unique_ids is not None and deck.quiet is not None and deck.quiet == known:
            # The pass that built this file's rows found every card naming only sources
            # and cites of this bibliography, no text citing and no successor named
            # (ParsedDeck.quiet): with no id used twice, nothing below could find a problem
            # (the 50,000-card course's checks across files 33-36 -> 0.2 ms of CPU, min
            # of 9, load 4-7.7).
            continue
        for index, card in deck.entries:
            card_id = card.id
            if card.replaced_by is not None:
                replacing.append((deck, index, card))
            if unique_ids is None:
                elsewhere = card_where.get(card_id) or card_owner.get(card_id)
                card_where.setdefault(card_id, deck.path)
                if elsewhere is not None and elsewhere != deck.path:
                    line, column = deck.position_of(index)
                    message = f"card id {card_id!r} is also used in {elsewhere}"
                    problems.append(Problem(deck.path, line, column, Severity.ERROR, message))
            kept = type(card) is KeptCard
            # (a kept card holds only its texts that cite: usually none)
            texts = (card.texts.items() if card.texts else ()) if kept else _texts_of(card)
            for field_name, value in texts:
                if "[@" not in value:
                    continue
                told: set[str] = set()  # an id cited twice in a text: one error, at the first
                for citation in citations_in(value):
                    for source_id in citation.ids:
                        if source_id in known or source_id in told:
                            continue
                        told.add(source_id)
                        unknown[deck.path] = unknown.get(deck.path, 0) + 1
                        if unknown[deck.path] > MAX_PROBLEMS_PER_FILE:
                            continue
                        line, column = deck.locate_in(("cards", index, field_name), f"@{source_id}")
                        message = (
                            f"card {card_id!r}: {field_name!r} cites [@{source_id}], which is "
                            f"not in the bibliography{suggest(source_id, bibliography)}"
                        )
                        problems.append(Problem(deck.path, line, column, Severity.ERROR, message))
            if kept:
                # Every source and cite id known, as the lists below say, read from a kept
                # card's fields without making the lists or calling a method (with the texts'
                # test above: the 50,000-card course's compacted decks 42-44 -> 31-33 ms of
                # CPU, best of 7, three alternations, load 4.4-5.9; the same problems).
                source, cite = card.source, card.cite
                if (source in known if type(source) is str else known.issuperset(source)) and (
                    cite is None or (cite in known if type(cite) is str else known.issuperset(cite))
                ):
                    continue  # the usual case, checked at set speed
            sources, cites = card.sources, card.cites
            if known.issuperset(sources) and (not cites or known.issuperset(cites)):
                continue  # the usual case, checked at set speed
            for field_name, ids in (("source", sources), ("cite", cites)):
                for source_id in ids:
                    if source_id not in bibliography:
                        unknown[deck.path] = unknown.get(deck.path, 0) + 1
                        if unknown[deck.path] > MAX_PROBLEMS_PER_FILE:
                            continue  # counted, not located (see below)
                        line, column = deck.locate_in(("cards", index, field_name), source_id)
                        hint = suggest(source_id, bibliography)
                        if hint or _VALID_ID.match(source_id):
                            message = (
                                f"card {card_id!r}: unknown {field_name} id {source_id!r}{hint}"
                            )
                        else:  # not an id at all (the file's own checks left it to this one)
                            message = (
                                f"card {card_id!r}: {field_name!r} is not a valid id: {source_id!r}"
                            )
                        problems.append(Problem(deck.path, line, column, Severity.ERROR, message))
    for path, count in unknown.items():
        if count > MAX_PROBLEMS_PER_FILE:
            message = (
                f"only the first {MAX_PROBLEMS_PER_FILE} of this file's {count:,} unknown "
                "source and citation ids are shown; fix those and validate again"
            )
            problems.append(Problem(path, 1, 1, Severity.ERROR, message))
    # Every card id is a key of card_where or card_owner, or an id of a card that is not
    # valid on its own (looked up there: no set of every id, 29 ms at 200,000 cards).
    unsalvaged = set().union(*(deck.unsalvaged_ids for deck in decks))
    card_ids: AbstractSet[str] = card_where.keys() if unique_ids is None else unique_ids
    for deck, index, card in replacing:
        successor = card.replaced_by
        if (
            successor not in card_ids
            and successor not in card_owner
            and successor not in unsalvaged
        ):
            node = locate(deck.root, ("cards", index, "replaced_by"))
            message = f"card {card.id!r}: 'replaced_by' names no known card {card.replaced_by!r}"
            problems.append(problem_at(deck.path, node, Severity.ERROR, message))
    return problems


def _texts_of(card: Any) -> list[tuple[str, str]]:
    """(field, text) of each text a trainee reads on ``card`` (a model or a stub)."""
    if isinstance(card, CardStub | KeptCard):
        return list(card.texts.items())
    fields = card.__dict__
    return [(name, fields[name]) for name in TEXT_FIELDS if isinstance(fields.get(name), str)]
