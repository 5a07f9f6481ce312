"""Reading and validating deck files and bibliographies, collecting every problem at once.

A deck file is read by the fast path when it can be (:mod:`studyapp.deckfile.fastpath`),
else by PyYAML with every value's location (:mod:`studyapp.deckfile.yamlsource`); pydantic
validates it and :mod:`studyapp.deckfile.messages` words its errors; the checks the schema
cannot express are in :mod:`studyapp.deckfile.filechecks` (within one file) and
:mod:`studyapp.deckfile.collection` (across files).
"""

from __future__ import annotations

import studyapp.core.pydanticload  # noqa: F401  (first: pydantic whole, one thread at a time)

# isort: split
import hashlib
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import TypeAdapter, ValidationError

from studyapp.core.gcpause import freeze_imported_code
from studyapp.deckfile.collection import check_collection
from studyapp.deckfile.discover import BIBLIOGRAPHY_NAMES, discover_deck_files
from studyapp.deckfile.fastpath import parse_fast
from studyapp.deckfile.filechecks import (
    check_cards,
    check_comments_in_texts,
    check_hidden_characters,
    check_version,
    read_model_file,
    salvage_cards,
    salvage_header,
    with_stubs,
)
from studyapp.deckfile.messages import validate
from studyapp.deckfile.parsed import ParsedBibliography, ParsedDeck
from studyapp.deckfile.problems import Problem
from studyapp.deckfile.reading import read_source
from studyapp.deckfile.schema import FORMAT_VERSION, BibEntry, Bibliography, DeckFileModel
from studyapp.deckfile.yamlsource import load_yaml, locate

__all__ = [
    "BIBLIOGRAPHY_NAMES",
    "ParsedBibliography",
    "ParsedDeck",
    "check_collection",
    "discover_deck_files",
    "parse_bibliography",
    "parse_deck",
    "read_bibliographies",
]


def parse_deck(
    path: Path,
    raw: bytes | None = None,
    *,
    shown: str | None = None,
    digest: str | None = None,
    records: bool = False,
) -> ParsedDeck:
    """Read and validate one deck file on its own (cross-file checks come later).

    ``digest`` is the SHA-256 of ``raw`` when the caller has already computed it.
    ``records``: a file the fast path reads has :class:`~studyapp.deckfile.records.CardRecord`
    cards (the same fields and values as card models), for a caller that only reads fields.
    """
    shown = shown if shown is not None else str(path)
    if raw is None:
        raw, problems = read_source(path, shown)
        if raw is None:
            return ParsedDeck(shown, "", problems=problems)
    deck = ParsedDeck(shown, digest or hashlib.sha256(raw).hexdigest())
    if parse_fast(deck, raw, records=records):
        return deck
    loaded = load_yaml(shown, raw)
    deck._root, deck._text = loaded.root, loaded.text
    deck.problems = loaded.problems
    if loaded.data is None and not loaded.problems:
        loaded.error(None, "the file is empty; a deck needs format_version, deck and cards")
        return deck
    if loaded.data is None:
        return deck
    if not isinstance(loaded.data, dict):
        loaded.error(
            loaded.root, "a deck file must be a mapping with format_version, deck and cards"
        )
        return deck
    if not _DECK_KEYS.intersection(loaded.data):
        loaded.error(
            loaded.root,
            "not a deck file: it has none of format_version, deck and cards (a deck starts "
            f"with 'format_version: {FORMAT_VERSION}'); keep other YAML files out of deck "
            "folders, or in a hidden one",
        )
        return deck
    if not check_version(loaded):
        return deck
    model = validate(DeckFileModel, loaded)
    if isinstance(loaded.data.get("cards"), list):
        deck.card_positions = _card_positions(loaded.root)
    family: str | None
    if model is not None:
        family, indexed = model.deck.family, list(enumerate(model.cards))
    else:
        family, indexed = salvage_cards(loaded.data)
    check_cards(family, indexed, loaded)
    check_hidden_characters(loaded)
    check_comments_in_texts(loaded)
    if model is not None and not any(p.is_error for p in deck.problems):
        deck.model = model
    else:
        deck.salvaged = indexed if model is not None else with_stubs(loaded.data, indexed)
        deck.salvaged_header = model.deck if model is not None else salvage_header(loaded.data)
        cards = loaded.data.get("cards")
        deck.unsalvaged_ids = {
            raw["id"]
            for raw in (cards if isinstance(cards, list) else [])
            if isinstance(raw, dict) and isinstance(raw.get("id"), str)
        } - {card.id for _index, card in deck.salvaged}
    return deck


_DECK_KEYS = frozenset({"format_version", "deck", "cards"})


def parse_bibliography(path: Path, *, shown: str | None = None) -> ParsedBibliography:
    """Read and validate a ``sources.yaml`` file."""
    shown = shown if shown is not None else str(path)
    result = ParsedBibliography(shown)
    result.problems, loaded, model = read_model_file(
        path,
        shown,
        Bibliography,
        "a bibliography must be a mapping with format_version and sources",
    )
    if loaded is None:
        return result
    if model is None:
        # Its problems are reported; the entries that are valid on their own still count
        # as known, so the cards citing them get no error of their own ("not in the
        # bibliography" at every citation of a file with one broken entry).
        result.entries.update(_salvage_sources(loaded.data))
        return result
    for index, entry in enumerate(model.sources):
        if entry.id in result.entries:
            loaded.error(
                locate(loaded.root, ("sources", index, "id")), f"duplicate source id {entry.id!r}"
            )
        result.entries[entry.id] = entry
    return result


_ENTRY_ADAPTER: TypeAdapter[BibEntry] = TypeAdapter(BibEntry)


def _salvage_sources(data: object) -> dict[str, BibEntry]:
    """The entries of a bibliography with problems that are valid on their own."""
    sources = data.get("sources") if isinstance(data, dict) else None
    entries: dict[str, BibEntry] = {}
    for raw in sources if isinstance(sources, list) else []:
        try:
            entry = _ENTRY_ADAPTER.validate_python(raw)
        except ValidationError:
            continue  # already reported by the whole-file validation
        entries[entry.id] = entry
    return entries


def read_bibliographies(paths: Iterable[Path]) -> tuple[dict[str, BibEntry], list[Problem]]:
    """Every entry of the bibliography files ``paths`` (read in order, each once; a later
    file's entry replaces an earlier one of the same id), and their problems."""
    entries: dict[str, BibEntry] = {}
    problems: list[Problem] = []
    for path in dict.fromkeys(paths):
        parsed = parse_bibliography(path)
        problems.extend(parsed.problems)
        entries.update(parsed.entries)
    return entries, problems


def _card_positions(root: yaml.Node | None) -> list[tuple[int, int]]:
    """1-based (line, column) of each card's ``id`` value (or of the card), in one pass."""
    cards = locate(root, ("cards",))
    if not isinstance(cards, yaml.SequenceNode):
        return []
    positions = []
    for item in cards.value:
        node = item
        if isinstance(item, yaml.MappingNode):
            node = next((v for k, v in item.value if k.value == "id"), item)
        mark = node.start_mark
        positions.append((mark.line + 1, mark.column + 1))
    return positions


freeze_imported_code()  # last: the deck format's code is all imported (why: core.gcpause)
