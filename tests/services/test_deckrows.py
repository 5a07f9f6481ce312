"""The rows of a parsed deck file: the note row's digest never changes for the same entry
(a changed digest would update every stored note), and a first import's rows are the rows
the planned path builds."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from benchmarks.course import generate
from studyapp.deckfile.discover import discover_deck_files
from studyapp.deckfile.imagecheck import check_images
from studyapp.deckfile.loader import ParsedDeck, parse_deck
from studyapp.deckfile.parsed import TEXT_FIELDS
from studyapp.services.deckrows import (
    FirstImportRows,
    deck_values,
    full_note,
    keys_of,
    media_of,
    new_cards,
    note_row,
    note_tuple,
)
from studyapp.services.paths import bundled_decks_dir
from studyapp.store.rows import STORED_AS_WRITTEN, NoteValues
from studyapp.store.sync import SHORT_NOTE_ROWS
from studyapp.store.syncrows import NewCard


def reference_note_row(
    card: Any,
    deck_id: str,
    position: int,
    line: int,
    images: Mapping[str, Any] | None = None,
    deck_module: int | None = None,
) -> NoteValues:
    """note_row as it was before it was made faster (issue 19, round 4): the oracle."""
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
    names = [name for name, _empty in STORED_AS_WRITTEN]
    if deck_module is not None and card.module is None:
        as_written[names.index("module")] = deck_module
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
    if as_written != [empty for _name, empty in STORED_AS_WRITTEN]:
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


@pytest.fixture(scope="module")
def decks(tmp_path_factory: pytest.TempPathFactory) -> list[ParsedDeck]:
    """The bundled decks (images, modules, citations, retired cards, critical ones) and a
    generated course (every card type)."""
    generated = generate(600, tmp_path_factory.mktemp("course")).folder
    files, _bibliographies = discover_deck_files([bundled_decks_dir(), generated], [])
    parsed = [parse_deck(path) for path in files]
    check_images(parsed, [bundled_decks_dir(), generated])  # fills each deck's images
    assert all(deck.ok and deck.model for deck in parsed), [d.problems for d in parsed]
    return parsed


def cards_of(deck: ParsedDeck) -> list[Any]:
    assert deck.model is not None
    return list(deck.model.cards)


def test_a_note_row_is_what_it_always_was(decks: list[ParsedDeck]) -> None:
    seen: set[str] = set()
    for deck in decks:
        assert deck.model is not None
        module = deck.model.deck.module
        for position, card in enumerate(cards_of(deck)):
            line = deck.position_of(position)[0]
            got = note_row(card, deck.model.deck.id, position, line, deck.images, module)
            assert type(got) is NoteValues
            assert got == reference_note_row(
                card, deck.model.deck.id, position, line, deck.images, module
            )
            assert note_row(card, "d", position, line, deck.images, 3, 77) == (
                reference_note_row(card, "d", position, line, deck.images, 3)._replace(
                    changed_at=77
                )
            )
            seen.update(
                name
                for name, empty in STORED_AS_WRITTEN
                if getattr(got, name) != empty and name != "changed_at"
            )
            seen.update(("retired",) if card.retired else ())
            seen.update(("cloze",) if card.type == "cloze" else ())
            seen.update(("cites",) if got.cites else ())
    # The decks exercise every kind of field that changes a digest.
    assert {"critical", "module", "image_file", "image_hash", "retired", "cloze", "cites"} <= seen


def test_a_first_imports_rows_are_the_planned_paths_rows(decks: list[ParsedDeck]) -> None:
    shapes: set[int] = set()
    for deck in decks:
        assert deck.model is not None
        rows = FirstImportRows(deck, now=1234)
        deck_id = deck.model.deck.id
        notes: list[NoteValues] = []
        cards: list[NewCard] = []
        new: list[str] = []
        retired: list[str] = []
        for position, card in enumerate(cards_of(deck)):
            line = deck.position_of(position)[0]
            notes.append(
                note_row(card, deck_id, position, line, deck.images, deck.model.deck.module)
            )
            (retired if card.retired else new).append(card.id)
            keys = keys_of(card)
            cards += new_cards(card.id, deck_id, position, keys, keys)
        assert [full_note(n) for n in rows.notes] == [n._replace(changed_at=1234) for n in notes]
        # Given as the store inserts them: short where every column a new note may leave to
        # the store's defaults is at its default (see store.sync.note_runs), else whole.
        for note, full in zip(rows.notes, notes, strict=True):
            short = (
                not full.retired
                and full.replaced_by is None
                and all(getattr(full, n) == e for n, e in STORED_AS_WRITTEN if n != "changed_at")
            )
            expected = SHORT_NOTE_ROWS[17 if full.as_of is not None else 16] if short else None
            assert SHORT_NOTE_ROWS.get(len(note)) == expected
            if short:
                shapes.add(len(note))
        assert rows.cards == cards
        # Plain tuples (the sqlite3 module binds them fastest), typed on request.
        assert {type(row) for row in [*rows.notes, *rows.cards]} <= {tuple}
        typed = FirstImportRows(deck).typed()
        assert typed == (notes, cards)
        assert FirstImportRows(deck, now=1234).typed() == (
            [n._replace(changed_at=1234) for n in notes],
            cards,
        )
        assert {type(n) for n in typed[0]} <= {NoteValues}
        assert {type(c) for c in typed[1]} <= {NewCard}
        assert (rows.new, rows.retired) == (new, retired)
        assert (rows.deck, rows.media) == (deck_values(deck), media_of(deck))
    assert 16 in shapes  # short rows were met (with as_of: the test below)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"critical": True},
        {"sensitive": True},
        {"sensitive": True, "content_note": "A hard story."},
        {"content_note": "A note alone."},
        {"module": 2},
        {"image": {"file": "images/arc.svg", "alt": "An arc."}},
        {"retired": "Superseded.", "replaced_by": "b", "inherit_progress": True},
        {"retired": "Gone."},
        {"replaced_by": "b"},
        {"as_of": 2021},
        {"as_of": 2021, "revision": 3, "tags": ["x"], "cite": ["s", "t"], "extra": "E"},
    ],
)
@pytest.mark.parametrize("deck_module", [None, 3])
def test_each_field_stored_as_written_alone_gives_the_reference_row(
    fields: dict[str, Any], deck_module: int | None
) -> None:
    # note_tuple skips the fields stored as written when an entry sets none of them (issue
    # 19): each one set alone, with and without a deck module, still takes the full way.
    from studyapp.deckfile.schema import BasicCard

    card = BasicCard.model_validate({"id": "a", "source": "s", "front": "Q", "back": "A"} | fields)
    got = note_row(card, "d", 4, 9, {}, deck_module)
    assert got == reference_note_row(card, "d", 4, 9, {}, deck_module)
    # A first import's row (short=True): short only when the entry leaves every column a
    # new note may leave to the store's defaults at its default, and the same row whole.
    first = note_tuple(card, "d", 4, 9, {}, deck_module, 77, short=True)
    assert full_note(first) == got._replace(changed_at=77)
    plain = deck_module is None and not fields.keys() - {
        "as_of",
        "revision",
        "tags",
        "cite",
        "extra",
    }
    if not plain:
        assert len(first) == len(NoteValues._fields)
    else:
        assert SHORT_NOTE_ROWS[len(first)] == tuple(
            c for c in SHORT_NOTE_ROWS[17] if c != "as_of" or "as_of" in fields
        )
        assert first == tuple(
            getattr(got._replace(changed_at=77), c) for c in SHORT_NOTE_ROWS[len(first)]
        )
    # Without a time, never short (the row is stamped when written).
    assert len(note_tuple(card, "d", 4, 9, {}, deck_module, None, short=True)) == len(
        NoteValues._fields
    )


@pytest.mark.parametrize("records", [False, True])
def test_one_pass_makes_the_rows_kept_cards_and_facts_as_apart(
    decks: list[ParsedDeck], records: bool
) -> None:
    """FirstImportRows(keep=True, known=...) builds a short row itself, and the kept cards
    and whether a file is quiet in the same pass (issue 19): the same rows, value by value
    and type by type, as without; the kept cards compact() makes; quiet exactly when no
    card names an unknown source or cite, cites in a text or names a successor; and the
    checks across files find the same problems either way."""
    import copy

    from studyapp.deckfile.collection import check_collection
    from studyapp.deckfile.loader import read_bibliographies
    from studyapp.deckfile.parsed import KeptCard
    from studyapp.services.paths import bundled_sources_file

    sources, _problems = read_bibliographies([bundled_sources_file()])
    known = frozenset(sources)
    if records:  # (as a first import reads them: cards as records, not models)
        decks = [parse_deck(Path(deck.path), records=True) for deck in decks]
        check_images(decks, [bundled_decks_dir(), *{Path(d.path).parent for d in decks}])
    quiet = loud = inline = 0
    for deck in decks:
        apart = FirstImportRows(deck, now=1234)
        fused = FirstImportRows(deck, now=1234, keep=True, known=known)
        assert apart.kept is None and apart.quiet is None
        for got, want in ((fused.notes, apart.notes), (fused.cards, apart.cards)):
            assert got == want
            assert [tuple(map(type, r)) for r in got] == [tuple(map(type, r)) for r in want]
        assert (fused.new, fused.retired, fused.deck, fused.media) == (
            apart.new,
            apart.retired,
            apart.deck,
            apart.media,
        )
        inline += sum(len(n) in SHORT_NOTE_ROWS for n in fused.notes)
        models = cards_of(deck)
        expected_quiet = all(
            known.issuperset(card.sources + card.cites)
            and card.replaced_by is None
            and not any("[@" in (card.__dict__.get(f) or "") for f in TEXT_FIELDS)
            for card in models
        )
        assert (fused.quiet == known) is expected_quiet and (fused.quiet is None) is not (
            expected_quiet
        )
        quiet += expected_quiet
        loud += not expected_quiet
        one, two = copy.copy(deck), copy.copy(deck)
        one.compact()
        two.compact(fused.kept, fused.quiet)
        assert [type(c) for _i, c in two.entries] == [KeptCard] * len(models)
        assert two.entries == one.entries and two.model == one.model
        assert [c.texts for _i, c in two.entries] == [c.texts for _i, c in one.entries]
        ids = {card.id for card in models}
        assert check_collection([two], sources, unique_ids=ids) == check_collection(
            [one], sources, unique_ids=ids
        )
    assert quiet and loud and inline  # (both kinds of file and short rows were met)
