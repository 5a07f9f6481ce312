"""The store rows of a parsed deck file: its deck row, a note row per card entry, and the
new cards an entry makes. Both ways a sync writes (planned changes, and a first import's
streamed writes) build their rows here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from hashlib import blake2b
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from studyapp.core.model import card_keys
from studyapp.store.rows import STORED_AS_WRITTEN, NoteValues
from studyapp.store.sync import SHORT_NOTE_ROWS, whole_note
from studyapp.store.syncrows import DeckValues, MediaValues, NewCard

if TYPE_CHECKING:
    from studyapp.deckfile.images import ImageFile
    from studyapp.deckfile.loader import ParsedDeck
    from studyapp.deckfile.parsed import KeptCard
    from studyapp.deckfile.schema import CardEntry, CardImage

__all__ = [
    "NEW_ORDER_STRIDE",
    "FirstImportRows",
    "WrittenIds",
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


_NUMBERED_KEYS = {kind: tuple(enumerate(card_keys(kind))) for kind in ("basic", "reversed")}
"""(index, key) of the cards of a live basic or reversed entry: its type alone decides them."""
((_BASIC_INDEX, _BASIC_KEY),) = _NUMBERED_KEYS["basic"]
assert _BASIC_INDEX == 0


def media_of(deck: ParsedDeck) -> list[MediaValues]:
    """The images the cards of ``deck`` show, as store rows."""
    return [
        MediaValues(image.digest, image.kind, image.width, image.height, image.data)
        for image in {i.digest: i for i in deck.images.values()}.values()
    ]


def note_tuple(
    card: CardEntry,
    deck_id: str,
    position: int,
    line: int,
    images: Mapping[str, ImageFile] | None = None,
    deck_module: int | None = None,
    changed_at: int | None = None,
    *,
    short: bool = False,
) -> tuple[Any, ...]:
    """The note row of ``card`` as a plain tuple (:func:`note_row` types it), with a digest of
    everything a trainee sees or is graded on (a changed digest is an updated card). The
    deck-format fields the store keeps as written
    (:data:`~studyapp.store.rows.STORED_AS_WRITTEN`) are copied by name; a field whose value
    also depends on the deck (a card's ``module`` defaults to its deck's) is set here.
    ``changed_at``: the row's :attr:`~studyapp.store.rows.NoteValues.changed_at`.

    Fields are read from the model's ``__dict__``, and the fields stored as written in one
    ``map`` over it: a card type's missing field (``text`` on a basic card) would cost an
    ``AttributeError`` per card through ``getattr``, and the list properties (``sources``,
    ``cites``) a list each: 5.5-8.2 -> 4.4-5.4 µs a card on the 50,000-note course (min and
    median, busy machine). A first import binds the plain tuples (:class:`FirstImportRows`).

    ``short``: the row of an entry that leaves every column a new note may leave to the
    store's defaults at its default (no stored-as-written field set, not retired, no
    successor: most entries) is given without those columns, as a streamed import inserts
    it (:data:`~studyapp.store.sync.SHORT_NOTE_ROWS`); with ``changed_at`` only.
    """
    fields = card.__dict__
    get = fields.get
    kind = fields["type"]
    front = get("front", "")
    back = get("back", "")
    text_ = get("text", "")
    extra = fields["extra"] or ""
    correction = fields["correction"] or ""
    tags = " ".join(fields["tags"])
    source = fields["source"]
    sources = source if isinstance(source, str) else " ".join(source)
    cite = fields["cite"]
    cites = "" if cite is None else cite if isinstance(cite, str) else " ".join(cite)
    as_of, revision = fields["as_of"], fields["revision"]
    retired, replaced_by = fields["retired"], fields["replaced_by"]
    picture = fields["image"]
    base: tuple[str, ...] = (kind, front, back, text_, extra, correction, tags, sources, cites)
    base += (str(as_of), str(revision), retired or "", replaced_by or "")
    base += (str(fields["inherit_progress"]),)
    if (
        picture is None
        and deck_module is None
        and fields["module"] is None
        and fields["content_note"] is None
        and not fields["critical"]
        and not fields["sensitive"]
    ):
        # No field stored as written is set (most entries): the digest is the base fields'
        # alone, and those columns hold their defaults. 4.4 -> 3.3 µs a note on the
        # 50,000-note course (in-process CPU, best of 5), the same rows (tested against
        # the generic way below).
        digest = blake2b("\x1f".join(base).encode(), digest_size=16).hexdigest()
        if short and retired is None and replaced_by is None and changed_at is not None:
            # The row as inserted (SHORT_NOTE_ROWS' columns), not all 28 columns for the
            # writer to leave out the defaulted ones (in a first import of the 50,000-note
            # course: rows plus grouping 258-268 -> 200-204 ms of CPU, best of 5, load 5.5).
            if as_of is None:
                return (
                    fields["id"], deck_id, kind, position, front, back, text_, extra,
                    correction, tags, sources, cites, revision, digest, line, changed_at,
                )  # fmt: skip
            return (
                fields["id"], deck_id, kind, position, front, back, text_, extra, correction,
                tags, sources, cites, as_of, revision, digest, line, changed_at,
            )  # fmt: skip
        tail: Sequence[Any] = (*_EMPTY_WRITTEN, changed_at)
    else:
        digest, tail = _written_fields(base, get, deck_module, picture, images, changed_at)
    return (
        fields["id"],
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
        *tail,
    )


def _written_fields(
    base: tuple[str, ...],
    get: Callable[[str, Any], Any],
    deck_module: int | None,
    picture: CardImage | None,
    images: Mapping[str, ImageFile] | None,
    changed_at: int | None,
) -> tuple[str, list[Any]]:
    """The digest and the stored-as-written columns (``changed_at`` last) of an entry that
    sets at least one of those fields."""
    written = list(map(get, _WRITTEN_NAMES, _WRITTEN_EMPTY))
    if deck_module is not None and written[_MODULE_AT] is None:
        written[_MODULE_AT] = deck_module  # the deck's module, for a card naming none
    if picture is not None:
        image = (images or {}).get(picture.file)
        written[_IMAGE_AT : _IMAGE_AT + 4] = (
            picture.file,
            picture.alt,
            picture.side,
            image.digest if image is not None else None,
        )
    parts = list(base)
    if written != _NONE_WRITTEN:
        # Only the fields an entry sets join its digest: one that sets none keeps the digest
        # it had before those fields existed, so adding a field updates no stored note.
        parts += [
            f"{n}={v}"
            for n, e, v in zip(_WRITTEN_NAMES, _WRITTEN_EMPTY, written, strict=True)
            if v != e
        ]
    digest = blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    written[-1] = changed_at
    return digest, written


def note_row(
    card: CardEntry,
    deck_id: str,
    position: int,
    line: int,
    images: Mapping[str, ImageFile] | None = None,
    deck_module: int | None = None,
    changed_at: int | None = None,
) -> NoteValues:
    """The note row of ``card`` (see :func:`note_tuple`), typed."""
    return _make_note(note_tuple(card, deck_id, position, line, images, deck_module, changed_at))


_make_note = NoteValues._make

_ROW_FIELDS = itemgetter(
    "id", "type", "extra", "correction", "tags", "source", "cite", "as_of", "revision",
    "retired", "replaced_by", "inherit_progress", "image", "module", "content_note",
    "critical", "sensitive",
)  # fmt: skip
"""The fields FirstImportRows reads of every entry, in one call."""
_SEPARATOR = "\x1f"
_digest = blake2b
# note_tuple's short rows, in the columns the store inserts them with.
assert SHORT_NOTE_ROWS[16] == (
    "id", "deck_id", "kind", "position", "front", "back", "text", "extra", "correction",
    "tags", "sources", "cites", "revision", "digest", "line", "changed_at",
)  # fmt: skip
assert SHORT_NOTE_ROWS[17] == (*SHORT_NOTE_ROWS[16][:12], "as_of", *SHORT_NOTE_ROWS[16][12:])


def full_note(row: tuple[Any, ...]) -> NoteValues:
    """A note row of :func:`note_tuple`, short or not, with all its columns."""
    return _make_note(row if len(row) == len(NoteValues._fields) else whole_note(row))


_WRITTEN_NAMES = tuple(name for name, _empty in STORED_AS_WRITTEN)
_WRITTEN_EMPTY = tuple(empty for _name, empty in STORED_AS_WRITTEN)
_NONE_WRITTEN = list(_WRITTEN_EMPTY)
_EMPTY_WRITTEN = _WRITTEN_EMPTY[:-1]
"""The columns stored as written, but ``changed_at``, of an entry that sets none of them."""
_MODULE_AT = _WRITTEN_NAMES.index("module")
_IMAGE_AT = _WRITTEN_NAMES.index("image_file")
assert _WRITTEN_NAMES[_IMAGE_AT : _IMAGE_AT + 4] == (
    "image_file",
    "image_alt",
    "image_side",
    "image_hash",
)
assert _WRITTEN_NAMES[-1] == "changed_at"
# The entry fields stored as written, which the shortcut in note_tuple tests one by one.
assert {"critical", "sensitive", "content_note", "module"} == set(_WRITTEN_NAMES) - {
    "image_file",
    "image_alt",
    "image_side",
    "image_hash",
    "changed_at",
}


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
    compare with, so each entry is a new note (new cards, or none if retired).

    The note and card rows are plain tuples in the order of
    :class:`~studyapp.store.rows.NoteValues`' and :class:`~studyapp.store.syncrows.NewCard`'s
    fields (:meth:`typed` gives them typed). The sqlite3 module binds a plain tuple's values
    directly but a named tuple's one by one through the sequence protocol: binding the
    50,000-note course's rows took 0.57-0.64 s of CPU against 0.71-0.91 s as named tuples
    (busy machine). ``now``: the time of the import, the new notes' ``changed_at`` (None:
    stamped when written). A new note's cards are numbered as :func:`new_cards` numbers all
    the cards of a note (its keys in order), without looking each key up."""

    def __init__(
        self,
        deck: ParsedDeck,
        *,
        now: int | None = None,
        keep: bool = False,
        known: AbstractSet[str] | None = None,
    ) -> None:
        """``keep``: also make, in the same pass, what the checks across files keep of each
        card (:attr:`kept`, for :meth:`ParsedDeck.compact`); with ``known`` (the
        bibliography's ids), also find whether every card is :attr:`quiet` for them."""
        model = deck.model
        assert model is not None
        deck_id = model.deck.id
        module = model.deck.module
        images = deck.images
        self.deck = deck_values(deck)
        self.notes: list[tuple[Any, ...]] = []
        self.cards: list[tuple[str, str, str, int]] = []
        self.new: list[str] = []
        self.retired: list[str] = []
        self.kept: list[KeptCard] | None = [] if keep else None
        """The cards as :meth:`ParsedDeck.compact` keeps them (with ``keep``)."""
        self.quiet: frozenset[str] | None = None
        """``known``, if every card names only sources and cites in it, no text cites and
        no card names a successor: the checks across files have nothing to look at in its
        cards but their ids (see :meth:`ParsedDeck.compact`)."""
        lines = [line for line, _column in deck.card_positions]
        lines += [1] * (len(model.cards) - len(lines))  # (as position_of: none known)
        self.media = media_of(deck)
        notes, cards = self.notes, self.cards
        new, retired = self.new, self.retired
        kept = self.kept
        if kept is not None:
            # (imported here: a sync that reads no deck file never loads the deck format)
            from studyapp.deckfile.parsed import NO_TEXTS, KeptCard, citing, new_kept
        may_cite = deck.may_cite
        named: set[str] = set()
        add_named, update_named = named.add, named.update
        loud = False  # a card the checks across files must look at more closely
        # One pass over the cards makes the note rows, the card rows, the kept cards and the
        # facts the checks across files need (not a pass each). A note whose row is short
        # (no field stored as written, not retired, no successor: most entries) is built
        # here as note_tuple builds it, its fields read in one itemgetter call; any other
        # goes through note_tuple. On the 50,000-note course: rows plus compact 245-260 ->
        # 230-243 ms of CPU, and the checks across files 33-36 -> 0.2 ms (every file quiet),
        # min of 9, three alternations, load 4-7.7. callgrind of the whole sa_import worker
        # (warm bytecode both sides), this with the modules check and the partial indexes
        # kept in place: 15,493.7 -> 15,361.7 M instructions (-0.85%), the Python side
        # -174 M of it. The same rows, kept cards and problems:
        # tests/services/test_deckrows.py, test_sync_compact.py.
        # Each entry's cards numbered as keys_of/new_cards do; a basic or reversed note's
        # keys are always the same (with note_tuple's shortcut and cloze_keys' own: the
        # 50,000-note course's rows 278-297 -> 215-235 ms, in-process CPU, best of 5, busy).
        short = now is not None  # (rows as inserted: see note_tuple)
        inline = short and module is None
        for position, card in enumerate(model.cards):
            fields = card.__dict__
            (
                note_id, kind, extra, correction, tags, source, cite, as_of, revision,
                retired_as, replaced_by, inherit, picture, card_module, content_note, critical,
                sensitive,
            ) = _ROW_FIELDS(fields)  # fmt: skip
            if (
                inline
                and retired_as is None
                and replaced_by is None
                and picture is None
                and card_module is None
                and content_note is None
                and not critical
                and not sensitive
            ):
                get = fields.get
                front = get("front", "")
                back = get("back", "")
                text_ = get("text", "")
                extra = extra or ""
                correction = correction or ""
                tags = " ".join(tags)
                sources = source if isinstance(source, str) else " ".join(source)
                cites = "" if cite is None else cite if isinstance(cite, str) else " ".join(cite)
                base = (
                    kind, front, back, text_, extra, correction, tags, sources, cites,
                    str(as_of), str(revision), "", "", str(inherit),
                )  # fmt: skip
                digest = _digest(_SEPARATOR.join(base).encode(), digest_size=16).hexdigest()
                line = lines[position]
                if as_of is None:
                    note: tuple[Any, ...] = (
                        note_id, deck_id, kind, position, front, back, text_, extra,
                        correction, tags, sources, cites, revision, digest, line, now,
                    )  # fmt: skip
                else:
                    note = (
                        note_id, deck_id, kind, position, front, back, text_, extra,
                        correction, tags, sources, cites, as_of, revision, digest,
                        line, now,
                    )  # fmt: skip
            else:
                note = note_tuple(
                    card, deck_id, position, lines[position], images, module, now, short=short
                )
            notes.append(note)
            if kept is not None:
                texts = citing(fields) if may_cite else NO_TEXTS
                kept.append(
                    new_kept(KeptCard, (note_id, source, cite, replaced_by, card_module, texts))
                )
                if texts or replaced_by is not None:
                    loud = True
                if isinstance(source, str):
                    add_named(source)
                else:
                    update_named(source)
                if cite is not None:
                    if isinstance(cite, str):
                        add_named(cite)
                    else:
                        update_named(cite)
            if retired_as:
                retired.append(note_id)
                continue  # a retired entry has no cards to study
            new.append(note_id)
            order = position * NEW_ORDER_STRIDE
            if kind == "basic":
                cards.append((note_id, deck_id, _BASIC_KEY, order))
            else:
                numbered = _NUMBERED_KEYS.get(kind) or enumerate(keys_of(card))
                cards += [(note_id, deck_id, key, order + index) for index, key in numbered]
        if kept is not None and known is not None and not loud and named <= known:
            self.quiet = frozenset(known)

    def typed(self) -> tuple[list[NoteValues], list[NewCard]]:
        """The note and card rows as :class:`NoteValues` and :class:`NewCard`."""
        return [full_note(n) for n in self.notes], [NewCard._make(c) for c in self.cards]


class WrittenIds(NamedTuple):
    """The ids of what a streamed import wrote of one deck file (its rows are gone).

    Made here rather than in :mod:`studyapp.services.sync`, which every start-up imports
    to sync (reading no file, as a rule): only a sync that reads deck files imports this
    module. The start-up to the first card, ``studyapp --screenshot --screen review`` on
    the bundled decks: 2,022.8 -> 2,022.0 M instructions (-0.8 M, medians of 3, callgrind)."""

    new: list[str]
    retired: list[str]
