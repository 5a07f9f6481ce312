"""Deck families (``deck.family``): their titles and the order they are listed in."""

from __future__ import annotations

__all__ = ["FAMILY_TITLES", "deck_title_in_family", "family_order", "family_title"]

FAMILY_TITLES = {
    "mechanisms": "Mechanisms",
    "evidence": "Evidence",
    "terms": "Terms",
    "process": "Therapy process",
    "safety": "Risks and safety",
}
"""The families the course ships, by id, in the order they are listed."""


def family_title(family: str) -> str:
    """What a trainee reads for ``family``: a known family's title, else its id as words
    (``my-family`` -> ``My family``)."""
    return FAMILY_TITLES.get(family, family.replace("-", " ").replace("_", " ").capitalize())


_RANK = {family: rank for rank, family in enumerate(FAMILY_TITLES)}


def family_order(family: str) -> tuple[int, str]:
    """Sort key: the known families first, in :data:`FAMILY_TITLES` order, then the others
    by id."""
    return (_RANK.get(family, len(_RANK)), family)


def deck_title_in_family(deck_title: str, family: str) -> str:
    """A deck's title where its family is known without it (under the family's row, in the
    browser's Deck column): without the family's name when the title begins with it and a
    colon (the course's decks are titled 'Mechanisms: plasticity and brain networks'; under
    'Mechanisms' that is 'Plasticity and brain networks', which fits at 800 px where the
    whole title was cut). The family's name is its title or its id as words, case aside
    ('Therapy process: …' and 'Process: …' of family ``process``, titled 'Therapy
    process'). Any other title is kept as written.

    The one rule for both: the overview matched the family's title and the browser's SQL
    its id, so 'Therapy process: …' kept its prefix in the browser only."""
    head, colon, rest = deck_title.partition(":")
    rest = rest.strip()
    if not colon or not rest:
        return deck_title
    head = head.strip().casefold()
    words = family.replace("-", " ").replace("_", " ").strip().casefold()
    if head != words and head != family_title(family).strip().casefold():
        return deck_title
    return rest[0].upper() + rest[1:]
