"""The store rows of a parsed deck file: its deck row, a note row per card entry, and the
new cards an entry makes. Both ways a sync writes (planned changes, and a first import's
streamed writes) build their rows here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studyapp.core.model import card_keys
from studyapp.store.rows import STORED_AS_WRITTEN, NoteValues
from studyapp.store.sync import DeckValues, MediaValues, NewCard

if TYPE_CHECKING:
    from studyapp.deckfile.images import ImageFile
    from studyapp.deckfile.loader import ParsedDeck
    from studyapp.deckfile.schema import CardEntry

__all__ = [
    "NEW_ORDER_STRIDE",
    "FirstImportRows",
    "deck_values",
    "keys_of",
    "media_of",
    "new_cards",
    "note_row",
]

NEW_ORDER_STRIDE = 1000
"""new_order = position in the deck file * stride + the card's index within its note."""


def keys_of(card: CardEntry) -> list[str]:
    """The keys of the cards an entry makes: none once it is retired."""
    if card.retired is not None:
        return []
    return card_keys(card.type, card.__dict__.get("text", ""))


def media_of(deck: ParsedDeck) -> list[MediaValues]:
    """The images the cards of ``deck`` show, as store rows."""
    return [
        MediaValues(image.digest, image.kind, image.width, image.height, image.data)
        for image in {i.digest: i for i in deck.images.values()}.values()
    ]


def note_row(
    card: CardEntry,
    deck_id: str,
    position: int,
    line: int,
    images: Mapping[str, ImageFile] | None = None,
    deck_module: int | None = None,
) -> NoteValues:
    """The note row of ``card``, with a digest of everything a trainee sees or is graded on
    (a changed digest is an updated card). The deck-format fields the store keeps as written
    (:data:`~studyapp.store.rows.STORED_AS_WRITTEN`) are copied by name; a field whose value
    also depends on the deck (a card's ``module`` defaults to its deck's) is set here.

    Fields are read from the model's ``__dict__``: a card type's missing field (``text`` on
    a basic card) would cost an ``AttributeError`` per card through ``getattr``.
    """
    fields = card.__dict__
    kind = card.type
    front = fields.get("front", "")
    back = fields.get("back", "")
    text_ = fields.get("text", "")
    extra = card.extra or ""
    correction = card.correction or ""
    tags = " ".join(card.tags)
    sources = " ".join(card.sources)
    cites = " ".join(card.cites)
    as_of, revision = card.as_of, card.revision
    retired, replaced_by = card.retired, card.replaced_by
    parts = [kind, front, back, text_, extra, correction, tags, sources, cites, str(as_of)]
    parts += [str(revision), retired or "", replaced_by or "", str(card.inherit_progress)]
    as_written: list[Any] = [fields.get(name, empty) for name, empty in STORED_AS_WRITTEN]
    if deck_module is not None and card.module is None:
        as_written[_MODULE_AT] = deck_module  # the deck's module, for a card naming none
    picture = card.image
    if picture is not None:
        image = (images or {}).get(picture.file)
        shown = {
            "image_file": picture.file,
            "image_alt": picture.alt,
            "image_side": picture.side,
            "image_hash": image.digest if image is not None else None,
        }
        as_written = [
            shown.get(name, value)
            for (name, _e), value in zip(STORED_AS_WRITTEN, as_written, strict=True)
        ]
    if as_written != _NONE_WRITTEN:
        # Only the fields an entry sets join its digest: one that sets none keeps the digest
        # it had before those fields existed, so adding a field updates no stored note.
        parts += [
            f"{n}={v}" for (n, e), v in zip(STORED_AS_WRITTEN, as_written, strict=True) if v != e
        ]
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return NoteValues(
        card.id,
        deck_id,
        kind,
        position,
        front,
        back,
        text_,
        extra,
        correction,
        tags,
        sources,
        cites,
        as_of,
        revision,
        digest,
        retired is not None,
        retired,
        replaced_by,
        line,
        *as_written,
    )


_NONE_WRITTEN = [empty for _name, empty in STORED_AS_WRITTEN]
_MODULE_AT = [name for name, _empty in STORED_AS_WRITTEN].index("module")


def new_cards(
    note_id: str, deck_id: str, position: int, keys: list[str], all_keys: list[str]
) -> list[NewCard]:
    """The new cards for ``keys`` of a note whose cards are ``all_keys``, in the order of
    the deck file and of the note."""
    order = position * NEW_ORDER_STRIDE
    return [NewCard(note_id, deck_id, key, order + all_keys.index(key)) for key in keys]


def deck_values(deck: ParsedDeck) -> DeckValues:
    """The deck row of a parsed (valid) deck file."""
    assert deck.model is not None
    header = deck.model.deck
    return DeckValues(
        header.id,
        header.title,
        header.family,
        header.description,
        str(Path(deck.path).resolve()),
        deck.digest,
    )


class FirstImportRows:
    """Every row of a deck file going into a store that holds no note yet: nothing stored to
    compare with, so each entry is a new note (new cards, or none if retired)."""

    def __init__(self, deck: ParsedDeck) -> None:
        model = deck.model
        assert model is not None
        deck_id = model.deck.id
        self.deck = deck_values(deck)
        self.notes: list[NoteValues] = []
        self.cards: list[NewCard] = []
        self.new: list[str] = []
        self.retired: list[str] = []
        line_of = deck.position_of
        self.media = media_of(deck)
        for position, card in enumerate(model.cards):
            self.notes.append(
                note_row(
                    card, deck_id, position, line_of(position)[0], deck.images, model.deck.module
                )
            )
            if card.retired:
                self.retired.append(card.id)
                continue  # a retired entry has no cards to study
            self.new.append(card.id)
            keys = keys_of(card)
            self.cards += new_cards(card.id, deck_id, position, keys, keys)
