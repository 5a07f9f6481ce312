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


def deck_title_in_family(deck_title: str, family_title: str) -> str:
    """A deck's title as listed under its family's row: without the family's name when the
    title begins with it and a colon (the course's decks are titled 'Mechanisms: plasticity
    and brain networks'; under 'Mechanisms' that is 'Plasticity and brain networks', which
    fits at 800 px where the whole title was cut). Any other title is kept as written."""
    head, colon, rest = deck_title.partition(":")
    rest = rest.strip()
    if not colon or not rest or head.strip().casefold() != family_title.strip().casefold():
        return deck_title
    return rest[0].upper() + rest[1:]
