"""Deck files -> store, matching cards by their stable ids so no progress is ever lost.

Sync runs in two phases. :func:`plan_sync` reads files and the store and works out every
change without writing anything (``--dry-run`` prints this plan). :func:`apply_plan` then
writes the whole plan in one transaction: a file that fails validation changes nothing.

:func:`sync` does both on one connection. For a first import of several files into an
empty store it overlaps them: each file's rows are written (on a
:class:`~studyapp.store.bulk.BackgroundWriter`, with a rollback journal) while the next file
is parsed, and any problem found later rolls the whole transaction back. The store it
leaves is the one plan-then-apply leaves (tested table by table).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import operator
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, bindparam, text

from studyapp.core.cloze import cloze_keys
from studyapp.core.errors import StaleSyncPlan
from studyapp.core.gcpause import gc_paused
from studyapp.core.model import Queue, card_keys
from studyapp.deckfile.discover import discover_deck_files
from studyapp.deckfile.problems import Problem
from studyapp.deckfile.reading import read_source, real_path
from studyapp.store import queries
from studyapp.store.bulk import BackgroundWriter
from studyapp.store.database import rollback_journal

if TYPE_CHECKING:
    from studyapp.deckfile.loader import ParsedBibliography, ParsedDeck
    from studyapp.deckfile.schema import BibEntry

_BIB_DIGEST_KEY = "sync.bibliography_digest"
"""Setting row holding the digest of the bibliography files last synced."""
_FILE_STATS_KEY = "sync.file_stats"
"""Setting row: JSON {path: [size, mtime_ns, inode, sha256]} of deck files as last synced."""
_SETTLED_NS = 2_000_000_000
"""A file's stat is trusted only once its mtime is this much older than the sync that saw
it; a file written within the same clock tick as the sync is always hashed (as git does)."""

__all__ = ["SyncPlan", "apply_plan", "plan_sync", "sync"]

_NEW_ORDER_STRIDE = 1000
"""new_order = position in the deck file * stride + the card's index within its note."""


@dataclass
class SyncPlan:
    """Every change a sync would make, and the problems that stop it.

    The lists of note ids are what the summary reports; the ``_ops`` hold the statements.
    """

    problems: list[Problem] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    relearn: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    inherited: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    files_read: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)
    decks_removed: list[str] = field(default_factory=list)
    ops: dict[str, list[Any]] = field(default_factory=dict)
    file_stats: dict[str, list[Any]] | None = None
    """Stats of the deck files to remember for the next sync (None: nothing new to store)."""
    generation: int | None = None
    """The store's sync generation the plan was made at; applying it after another sync
    changed the store is refused (:class:`~studyapp.core.errors.StaleSyncPlan`)."""

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def changes_anything(self) -> bool:
        return any(self.ops.get(k) for k in self.ops)

    @property
    def resets_progress(self) -> bool:
        """Whether applying the plan retires or relearns cards the store already holds (the GUI
        asks first). A retired card the store has never seen (a deck that ships with retirements,
        synced for the first time) takes nothing away, so it does not count."""
        return bool(self.relearn or self.ops.get("card_retire") or self.decks_removed)

    def summary(self) -> str:
        parts = [
            f"{len(self.new)} new",
            f"{len(self.updated)} updated (progress kept)",
            f"{len(self.relearn)} to relearn",
            f"{len(self.retired)} retired",
            f"{len(self.restored)} restored",
            f"{self.unchanged} unchanged",
        ]
        files = (
            f"{len(self.files_read)} file(s) read, {len(self.files_skipped)} unchanged and skipped"
        )
        return f"{', '.join(parts)}; {files}"

    def details(self) -> list[str]:
        """One line per changed card, for ``--dry-run``."""
        lines: list[str] = []
        for label, ids in (
            ("new", self.new),
            ("updated", self.updated),
            ("relearn", self.relearn),
            ("retired", self.retired),
            ("restored", self.restored),
        ):
            lines.extend(f"  {label:<9} {note_id}" for note_id in ids)
        lines.extend(f"  inherit   {new} <- {old}" for new, old in self.inherited)
        lines.extend(f"  removed   deck {deck}" for deck in self.decks_removed)
        return lines


def _keys_of(card: Any) -> list[str]:
    if card.retired is not None:
        return []
    if card.type == "cloze":
        return card_keys("cloze", cloze_keys(card.text))
    return card_keys(card.type)


_NOTE_COLUMNS = (
    "id",
    "deck_id",
    "kind",
    "position",
    "front",
    "back",
    "text",
    "extra",
    "correction",
    "tags",
    "sources",
    "cites",
    "as_of",
    "revision",
    "digest",
    "retired",
    "retired_reason",
    "replaced_by",
    "line",
)
_CARD_COLUMNS = ("note_id", "deck_id", "key", "new_order")
"""The columns of a new card that differ from card to card (see :func:`_card_rows`)."""
_NEW_CARD_STATE = {
    "queue": int(Queue.NEW),
    "step": None,
    "stability": None,
    "difficulty": None,
    "due": 0,
    "last_review": None,
    "reps": 0,
    "lapses": 0,
    "retired": False,
}
"""The columns every new card shares."""


def _note_values(card: Any, deck_id: str, position: int, line: int) -> dict[str, Any]:
    """:func:`_note_row` by column name."""
    return dict(zip(_NOTE_COLUMNS, _note_row(card, deck_id, position, line), strict=True))


def _note_row(card: Any, deck_id: str, position: int, line: int) -> tuple[Any, ...]:
    """The note row of ``card`` (``_NOTE_COLUMNS``), with a digest of everything a trainee
    sees or is graded on.

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
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return (
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
    )


def _card_rows(
    note_id: str, deck_id: str, position: int, keys: list[str], all_keys: list[str]
) -> list[tuple[str, str, str, int]]:
    """The new cards (``_CARD_COLUMNS``; the rest is ``_NEW_CARD_STATE``) for ``keys`` of a
    note whose cards are ``all_keys``, in the order of the deck file and of the note."""
    order = position * _NEW_ORDER_STRIDE
    return [(note_id, deck_id, key, order + all_keys.index(key)) for key in keys]


def _in(conn: Connection, sql: str, name: str, values: Sequence[Any], **params: Any) -> list[Any]:
    """Run ``sql`` with an expanding IN parameter, in chunks SQLite accepts."""
    rows: list[Any] = []
    statement = text(sql).bindparams(bindparam(name, expanding=True))
    for start in range(0, len(values), 20_000):
        result = conn.execute(statement, {name: list(values[start : start + 20_000]), **params})
        if result.returns_rows:
            rows.extend(result)
    return rows


@gc_paused()
def plan_sync(
    engine: Engine,
    paths: Iterable[Path],
    *,
    bibliography: Path | None = None,
    now: int | None = None,
) -> SyncPlan:
    """Work out what syncing ``paths`` (deck files or folders) would change. Writes nothing.

    Args:
        engine: the store.
        paths: deck files and folders of decks.
        bibliography: the shared ``sources.yaml``; folders may add their own.
        now: current time in epoch seconds (for cards sent back to relearning).
    """
    with engine.connect() as conn:
        return _plan(conn, paths, bibliography=bibliography, now=now, empty_store=None)


def _plan(
    conn: Connection,
    paths: Iterable[Path],
    *,
    bibliography: Path | None,
    now: int | None,
    empty_store: bool | None,
) -> SyncPlan:
    """:func:`plan_sync` on ``conn``; ``empty_store`` None means the plan is only looked at
    (the store is asked when it matters). A caller that will apply the plan and knows the
    store is empty passes True: a first import of several files then writes each file's
    notes and cards into ``conn``'s transaction while the next file is parsed, and keeps
    them out of the plan's ops; the caller commits or rolls back."""
    now = int(time.time()) if now is None else now
    plan = SyncPlan(ops={k: [] for k in _OP_KINDS}, generation=queries.sync_generation(conn))
    paths = [real_path(Path(p)) for p in paths]
    folders = [p for p in paths if p.is_dir()]
    deck_files, bib_files = discover_deck_files(paths, plan.problems)
    if bibliography is not None:
        bib_files.insert(0, bibliography)

    bib_files = list(dict.fromkeys(bib_files))
    bib_digest = _digest_files(bib_files)

    stored_decks = {
        r.id: r for r in conn.execute(text("SELECT id, path, digest, active FROM deck"))
    }
    by_path = {r.path: r for r in stored_decks.values() if r.active}
    known = _stored_file_stats(conn)
    stats: dict[str, list[Any]] = {}
    signatures: dict[str, list[int]] = {}
    settled = time.time_ns() - _SETTLED_NS
    to_parse: list[tuple[Path, bytes | None, str | None]] = []
    skipped_decks: set[str] = set()
    for deck_file in deck_files:
        key = str(deck_file)
        stored = by_path.get(key)
        signature = _signature(deck_file)
        entry = known.get(key)
        if (
            stored is not None
            and signature is not None
            and entry is not None
            and entry[:3] == signature
            and entry[3] == stored.digest
        ):
            # Same size, mtime and inode as when last synced: unchanged, not even read.
            stats[key] = entry
            plan.files_skipped.append(key)
            skipped_decks.add(stored.id)
            continue
        raw = _read_bytes(deck_file)
        digest = None
        if signature is not None and signature[1] < settled:
            signatures[key] = signature
        if raw is not None and stored is not None:
            digest = hashlib.sha256(raw).hexdigest()
            if digest == stored.digest:
                if key in signatures:
                    stats[key] = [*signature, digest]  # type: ignore[misc]
                plan.files_skipped.append(key)
                skipped_decks.add(stored.id)
                continue
        to_parse.append((deck_file, raw, digest))
        plan.files_read.append(key)
    stored_bib = conn.execute(
        text("SELECT value FROM setting WHERE key = :k"), {"k": _BIB_DIGEST_KEY}
    ).scalar()
    if stored_bib != bib_digest:
        plan.ops["bib_digest"] = [bib_digest]
    if not to_parse and stored_bib == bib_digest:
        # Nothing to read (the app's start-up, usually): no YAML, no validation.
        if stats != known:
            plan.file_stats = stats
        plan.unchanged = _count_notes(conn, skipped_decks)
        _plan_removed_decks(conn, plan, folders, deck_files, set(), stored_decks)
        return plan

    # Imported here: a sync that reads no file never loads the format's machinery.
    from studyapp.deckfile.loader import check_collection, parse_bibliography, parse_deck

    sources: dict[str, BibEntry] = {}
    for bib_file in bib_files:
        parsed_bib: ParsedBibliography = parse_bibliography(bib_file)
        plan.problems.extend(parsed_bib.problems)
        sources.update(parsed_bib.entries)
    stream = empty_store is True
    if empty_store is None:
        empty_store = conn.execute(text("SELECT 1 FROM note LIMIT 1")).first() is None
    streamed = None
    if stream and len(to_parse) > 1:
        streamed = SyncPlan(ops={k: [] for k in _OP_KINDS})
        parsed = _parse_and_write(conn, to_parse, streamed)
    else:
        parsed = [parse_deck(path, raw, digest=digest) for path, raw, digest in to_parse]
    for deck in parsed:
        plan.problems.extend(deck.problems)
        signature = signatures.get(str(deck.path))
        if signature is not None and deck.digest:
            stats[str(deck.path)] = [*signature, deck.digest]
    if stats != known:
        plan.file_stats = stats

    parsed_ids = {d.model.deck.id for d in parsed if d.model is not None}
    read = set(plan.files_read)
    # Only the stored cards that share an id with a card read now can clash with it.
    new_ids = (
        []
        if empty_store
        else [card.id for d in parsed if d.model is not None for card in d.model.cards]
    )
    others = {
        r.id: r.path
        for r in _in(
            conn,
            "SELECT n.id, d.id AS deck_id, d.path FROM note n JOIN deck d "
            "ON d.id = n.deck_id WHERE n.retired = 0 AND d.active = 1 AND n.id IN :ids",
            "ids",
            new_ids,
        )
        if r.deck_id not in parsed_ids and r.path not in read
    }
    plan.problems.extend(check_collection(parsed, sources, other_card_ids=others))
    if plan.unchanged == 0 and skipped_decks:
        plan.unchanged = _count_notes(conn, skipped_decks)
    if not plan.ok:
        return plan

    stored_result = conn.execute(text("SELECT * FROM source"))
    columns = set(stored_result.keys())  # the store's own columns, no table classes needed
    stored_sources = [dict(r) for r in stored_result.mappings()]
    wanted = [entry.model_dump(include=columns) for entry in sources.values()]
    if sorted(wanted, key=_by_id) != sorted(stored_sources, key=_by_id):
        plan.ops["sources"] = wanted
    successions: list[tuple[str, str]] = []
    if streamed is not None:  # planned (and written) as the files were parsed
        assert not any(streamed.ops.values()), "a first import only inserts"
        plan.new.extend(streamed.new)
        plan.retired.extend(streamed.retired)
    claimed = (
        {card.id for deck in parsed if deck.model for card in deck.model.cards}
        if streamed is None
        else set()
    )
    for deck in parsed:
        assert deck.model is not None
        if streamed is None:
            _plan_deck(conn, plan, deck, claimed, empty_store=empty_store)
        successions.extend(
            (card.id, card.replaced_by)
            for card in deck.model.cards
            if card.retired and card.replaced_by and card.inherit_progress
        )
    for old_id, new_id in successions:
        _plan_inherit(conn, plan, old_id, new_id)
    _plan_removed_decks(conn, plan, folders, deck_files, parsed_ids, stored_decks)
    plan.problems.sort(key=lambda p: (p.path, p.line, p.column))
    return plan


def _parse_and_write(
    conn: Connection,
    to_parse: list[tuple[Path, bytes | None, str | None]],
    streamed: SyncPlan,
) -> list[ParsedDeck]:
    """Parse the files of a first import, writing each one's deck, notes and cards into
    ``conn``'s transaction on a :class:`BackgroundWriter` while the next file is parsed.

    Each file is planned as soon as it parses without errors (an empty store holds nothing
    to compare with, so nothing later can change its rows); ``streamed`` collects the ids
    that planning reports. After the first file with an error, or with a card id an earlier
    file claimed, nothing more is written: the sync fails and rolls back whatever was.
    """
    from studyapp.deckfile.loader import parse_deck

    writer = BackgroundWriter(conn.connection.driver_connection)  # type: ignore[arg-type]
    parsed: list[ParsedDeck] = []
    written: set[str] = set()
    failed = False
    try:
        for path, raw, digest in to_parse:
            deck = parse_deck(path, raw, digest=digest)
            parsed.append(deck)
            failed = failed or deck.model is None or any(p.is_error for p in deck.problems)
            ids = [card.id for card in deck.model.cards] if deck.model and not failed else []
            if failed or not written.isdisjoint(ids):  # an id in two files: reported later
                failed = True
                continue
            written.update(ids)
            # No store queries from here on until the writer is closed: it owns ``conn``.
            notes, cards = _new_deck_rows(streamed, deck)
            writer.execute(_DECK_UPSERT, _deck_values(deck))
            writer.insert("note", _NOTE_COLUMNS, notes)
            writer.insert("card", _CARD_COLUMNS, cards, same=_NEW_CARD_STATE)
    except BaseException:
        with contextlib.suppress(BaseException):
            writer.close()
        raise
    writer.close()
    return parsed


def _by_id(row: dict[str, Any]) -> Any:
    return row["id"]


def _count_notes(conn: Connection, deck_ids: set[str]) -> int:
    if not deck_ids:
        return 0
    return int(
        _in(
            conn,
            "SELECT count(*) FROM note WHERE retired = 0 AND deck_id IN :d",
            "d",
            sorted(deck_ids),
        )[0][0]
    )


def _digest_files(files: list[Path]) -> str:
    """One digest over the paths and bytes of ``files`` (a missing file counts as empty)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path).encode() + b"\0" + (_read_bytes(path) or b"") + b"\0")
    return digest.hexdigest()


def _signature(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _stored_file_stats(conn: Connection) -> dict[str, list[Any]]:
    value = conn.execute(
        text("SELECT value FROM setting WHERE key = :k"), {"k": _FILE_STATS_KEY}
    ).scalar()
    try:
        stats = json.loads(value) if value else {}
    except ValueError:
        return {}
    return stats if isinstance(stats, dict) else {}


def _read_bytes(path: Path) -> bytes | None:
    return read_source(path)[0]  # bounded; parsing the file reports why it is None


_OP_KINDS = (
    "bib_digest",
    "sources",
    "deck_upserts",
    "deck_deactivate",
    "note_inserts",
    "note_updates",
    "card_inserts",
    "card_retire",
    "card_unretire",
    "card_relearn",
    "card_move",
    "card_inherit",
)


def _plan_deck(
    conn: Connection, plan: SyncPlan, deck: ParsedDeck, claimed: set[str], *, empty_store: bool
) -> None:
    """Plan one deck file. ``claimed`` holds every card id in the files read now, so a card
    moved to another deck is moved, not retired. In an ``empty_store`` (a first import)
    nothing is stored to compare with, so the store is not asked."""
    model = deck.model
    assert model is not None
    deck_id = model.deck.id
    ops = plan.ops
    ops["deck_upserts"].append(_deck_values(deck))
    ids = [c.id for c in model.cards]
    stored_notes = (
        {}
        if empty_store
        else {
            r.id: r
            for r in _in(
                conn,
                "SELECT id, deck_id, digest, revision, retired, position, line FROM note "
                "WHERE deck_id = :deck OR id IN :ids",
                "ids",
                ids,
                deck=deck_id,
            )
        }
    )
    stored_cards: dict[str, list[Any]] = {}
    if stored_notes:
        for r in _in(
            conn,
            "SELECT id, note_id, key, queue, retired, reps FROM card WHERE note_id IN :ids",
            "ids",
            list(stored_notes),
        ):
            stored_cards.setdefault(r.note_id, []).append(r)

    in_file: set[str] = set()
    for position, card in enumerate(model.cards):
        in_file.add(card.id)
        line = deck.position_of(position)[0]
        values = _note_values(card, deck_id, position, line)
        keys = _keys_of(card)
        stored = stored_notes.get(card.id)
        if stored is None:
            ops["note_inserts"].append(values)
            (plan.retired if card.retired else plan.new).append(card.id)
            _insert_cards(ops, card.id, deck_id, position, keys)
            continue
        if (
            stored.digest != values["digest"]
            or stored.deck_id != deck_id
            or stored.position != position
            or stored.line != line
            or bool(stored.retired) != values["retired"]
        ):
            ops["note_updates"].append(values)
        existing = {c.key: c for c in stored_cards.get(card.id, [])}
        if card.retired and not stored.retired:
            plan.retired.append(card.id)
        elif not card.retired and stored.retired:
            plan.restored.append(card.id)
        elif not card.retired and card.revision > stored.revision:
            plan.relearn.append(card.id)
            ops["card_relearn"].extend(
                c.id for c in existing.values() if c.queue != Queue.NEW and c.key in keys
            )
        elif stored.digest != values["digest"] or stored.deck_id != deck_id:
            plan.updated.append(card.id)
        else:
            plan.unchanged += 1
        if stored.deck_id != deck_id:
            ops["card_move"].append({"b_note": card.id, "deck_id": deck_id})
        ops["card_retire"].extend(
            c.id for k, c in existing.items() if k not in keys and not c.retired
        )
        ops["card_unretire"].extend(c.id for k, c in existing.items() if k in keys and c.retired)
        missing = [k for k in keys if k not in existing]
        _insert_cards(ops, card.id, deck_id, position, missing, all_keys=keys)

    for note_id, stored in stored_notes.items():
        moved_away = note_id in claimed and note_id not in in_file
        if (
            not moved_away
            and note_id not in in_file
            and stored.deck_id == deck_id
            and not stored.retired
        ):
            plan.retired.append(note_id)
            ops["note_updates"].append({"id": note_id, "retired": True, "retired_reason": None})
            ops["card_retire"].extend(c.id for c in stored_cards.get(note_id, []) if not c.retired)


def _deck_values(deck: ParsedDeck) -> dict[str, Any]:
    """The deck row of a parsed deck file."""
    assert deck.model is not None
    header = deck.model.deck
    return {
        "id": header.id,
        "title": header.title,
        "family": header.family,
        "description": header.description,
        "path": str(Path(deck.path).resolve()),
        "digest": deck.digest,
        "active": True,
    }


def _new_deck_rows(
    plan: SyncPlan, deck: ParsedDeck
) -> tuple[list[tuple[Any, ...]], list[tuple[str, str, str, int]]]:
    """The note and card rows of a deck file in an empty store, where every card is new
    (as :func:`_plan_deck` plans it there, as tuples rather than dicts)."""
    model = deck.model
    assert model is not None
    deck_id = model.deck.id
    notes: list[tuple[Any, ...]] = []
    cards: list[tuple[str, str, str, int]] = []
    line_of, new, retired = deck.position_of, plan.new, plan.retired
    for position, card in enumerate(model.cards):
        notes.append(_note_row(card, deck_id, position, line_of(position)[0]))
        if card.retired:
            retired.append(card.id)
            continue  # a retired card has no cards to study
        new.append(card.id)
        keys = _keys_of(card)
        cards += _card_rows(card.id, deck_id, position, keys, keys)
    return notes, cards


def _insert_cards(
    ops: dict[str, list[Any]],
    note_id: str,
    deck_id: str,
    position: int,
    keys: list[str],
    *,
    all_keys: list[str] | None = None,
) -> None:
    rows = _card_rows(note_id, deck_id, position, keys, all_keys or keys)
    ops["card_inserts"] += [
        dict(zip(_CARD_COLUMNS, row, strict=True)) | _NEW_CARD_STATE for row in rows
    ]


def _plan_inherit(conn: Connection, plan: SyncPlan, old_id: str, new_id: str) -> None:
    """Give the successor's still-new cards the retired card's memory state."""
    columns = ("queue", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")
    old = {
        r.key: r
        for r in conn.execute(
            text(f"SELECT key, {', '.join(columns)} FROM card WHERE note_id = :n AND reps > 0"),
            {"n": old_id},
        )
    }
    if not old:
        return
    stored = conn.execute(
        text("SELECT key, queue FROM card WHERE note_id = :n"), {"n": new_id}
    ).all()
    if any(c.queue != Queue.NEW for c in stored):
        return  # the successor already has progress of its own
    keys = [c.key for c in stored] + [
        c["key"] for c in plan.ops["card_inserts"] if c["note_id"] == new_id
    ]
    fallback = next(iter(old.values()))
    for key in dict.fromkeys(keys):
        source = old.get(key, fallback)
        plan.ops["card_inherit"].append(
            {"b_note": new_id, "b_key": key, **{c: getattr(source, c) for c in columns}}
        )
    if keys:
        plan.inherited.append((new_id, old_id))


def _plan_removed_decks(
    conn: Connection,
    plan: SyncPlan,
    folders: list[Path],
    deck_files: list[Path],
    parsed_ids: set[str],
    stored_decks: dict[str, Any],
) -> None:
    """Decks whose file vanished from a synced folder: retire their cards, keep history."""
    present = {str(f) for f in deck_files}
    for deck_id, row in stored_decks.items():
        if not row.active or deck_id in parsed_ids or row.path in present:
            continue
        if not any(Path(row.path).parent == folder for folder in folders):
            continue
        plan.decks_removed.append(deck_id)
        plan.ops["deck_deactivate"].append(deck_id)
        for r in conn.execute(
            text("SELECT id FROM note WHERE deck_id = :d AND retired = 0"), {"d": deck_id}
        ):
            plan.retired.append(r.id)
            plan.ops["note_updates"].append({"id": r.id, "retired": True, "retired_reason": None})
        plan.ops["card_retire"].extend(
            r.id
            for r in conn.execute(
                text("SELECT id FROM card WHERE deck_id = :d AND retired = 0"), {"d": deck_id}
            )
        )


_DECK_UPSERT = (
    "INSERT INTO deck (id, title, family, description, path, digest, active) "
    "VALUES (:id, :title, :family, :description, :path, :digest, :active) "
    "ON CONFLICT(id) DO UPDATE SET title = excluded.title, family = excluded.family, "
    "description = excluded.description, path = excluded.path, digest = excluded.digest, "
    "active = excluded.active"
)


def _insert_many(conn: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Bulk insert straight through the driver's executemany: the rows already hold every
    column (see :func:`_note_values` and :func:`_insert_cards`), so SQLAlchemy's per-row
    default and type processing (a third of a 50,000-card import) buys nothing here."""
    columns = list(rows[0])
    pick = operator.itemgetter(*columns)  # positional parameters bind faster than named ones
    values = [pick(row) for row in rows] if len(columns) > 1 else [(pick(row),) for row in rows]
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        values,
    )


@gc_paused()
def apply_plan(engine: Engine, plan: SyncPlan, *, now: int | None = None) -> None:
    """Write ``plan`` in one transaction. A plan with errors is refused."""
    if not plan.ok:
        raise ValueError("refusing to apply a sync plan that has errors")
    if not plan.changes_anything and plan.file_stats is None:
        return
    with engine.begin() as conn:
        _apply(conn, plan, now=now)


def _apply(conn: Connection, plan: SyncPlan, *, now: int | None) -> None:
    """Write ``plan``'s ops in ``conn``'s transaction (the caller commits).

    Raises:
        StaleSyncPlan: another sync changed the store after ``plan`` was made.
    """
    now = int(time.time()) if now is None else now
    ops = plan.ops
    if plan.generation is not None:
        current = queries.sync_generation(conn)
        if current != plan.generation:
            raise StaleSyncPlan(
                "The decks were updated after this deck update was planned, so it was not "
                "applied; sync again to see what is left to change."
            )
        if plan.changes_anything:
            queries.bump_sync_generation(conn, current)
    if plan.file_stats is not None:
        _store_file_stats(conn, plan.file_stats)
    if ops["bib_digest"]:
        conn.execute(
            text("INSERT OR REPLACE INTO setting (key, value) VALUES (:k, :v)"),
            {"k": _BIB_DIGEST_KEY, "v": ops["bib_digest"][0]},
        )
    if ops["sources"]:
        conn.execute(text("DELETE FROM source"))
        _insert_many(conn, "source", ops["sources"])
    for deck in ops["deck_upserts"]:
        conn.execute(text(_DECK_UPSERT), deck)
    if ops["deck_deactivate"]:
        _in(
            conn,
            "UPDATE deck SET active = 0, digest = '' WHERE id IN :d",
            "d",
            ops["deck_deactivate"],
        )
    if ops["note_inserts"]:
        _insert_many(conn, "note", ops["note_inserts"])
    full = [u for u in ops["note_updates"] if "kind" in u]
    if full:
        conn.execute(
            text(
                "UPDATE note SET deck_id = :deck_id, kind = :kind, position = :position, "
                "front = :front, back = :back, text = :text, extra = :extra, correction = "
                ":correction, tags = :tags, sources = :sources, cites = :cites, as_of = "
                ":as_of, revision = :revision, digest = :digest, retired = :retired, "
                "retired_reason = :retired_reason, replaced_by = :replaced_by, line = :line "
                "WHERE id = :id"
            ),
            full,
        )
    partial = [u for u in ops["note_updates"] if "kind" not in u]
    if partial:
        conn.execute(
            text(
                "UPDATE note SET retired = :retired, retired_reason = :retired_reason "
                "WHERE id = :id"
            ),
            partial,
        )
    if ops["card_move"]:
        conn.execute(
            text("UPDATE card SET deck_id = :deck_id WHERE note_id = :b_note"), ops["card_move"]
        )
    if ops["card_inserts"]:
        _insert_many(conn, "card", ops["card_inserts"])
    if ops["card_retire"]:
        _in(conn, "UPDATE card SET retired = 1 WHERE id IN :ids", "ids", ops["card_retire"])
    if ops["card_unretire"]:
        _in(conn, "UPDATE card SET retired = 0 WHERE id IN :ids", "ids", ops["card_unretire"])
    if ops["card_relearn"]:
        _in(
            conn,
            "UPDATE card SET queue = 3, step = 0, due = :now WHERE id IN :ids",
            "ids",
            ops["card_relearn"],
            now=now,
        )
    if ops["card_inherit"]:
        conn.execute(
            text(
                "UPDATE card SET queue = :queue, step = :step, stability = :stability, "
                "difficulty = :difficulty, due = :due, last_review = :last_review, "
                "reps = :reps, lapses = :lapses WHERE note_id = :b_note AND key = :b_key "
                "AND queue = 0"
            ),
            ops["card_inherit"],
        )


def _store_file_stats(conn: Connection, stats: dict[str, list[Any]]) -> None:
    conn.execute(
        text("INSERT OR REPLACE INTO setting (key, value) VALUES (:k, :v)"),
        {"k": _FILE_STATS_KEY, "v": json.dumps(stats, separators=(",", ":"))},
    )


@gc_paused()
def sync(
    engine: Engine,
    paths: Iterable[Path],
    *,
    bibliography: Path | None = None,
    dry_run: bool = False,
    now: int | None = None,
    before_reset: Callable[[SyncPlan], None] | None = None,
) -> SyncPlan:
    """Plan and (unless ``dry_run`` or the plan has errors) apply a sync, in one transaction.

    ``before_reset`` is called with the plan before a plan that retires, relearns or resets
    cards is written (the library takes a backup there).

    A first import of several files into an empty store writes each file while the next
    one is parsed (:func:`_parse_and_write`), with a rollback journal (see
    :func:`~studyapp.store.database.rollback_journal`); a problem in any file rolls all of it
    back, so the store is left as it was, as when a plan with errors is never applied.
    """
    if dry_run:
        return plan_sync(engine, paths, bibliography=bibliography, now=now)
    with engine.connect() as conn:
        empty_store = conn.execute(text("SELECT 1 FROM note LIMIT 1")).first() is None
        with rollback_journal(conn) if empty_store else contextlib.nullcontext():
            try:
                plan = _plan(
                    conn, paths, bibliography=bibliography, now=now, empty_store=empty_store
                )
                if plan.ok:
                    if before_reset is not None and plan.resets_progress:
                        before_reset(plan)
                    _apply(conn, plan, now=now)
            except BaseException:
                conn.rollback()
                raise
            if plan.ok:
                conn.commit()
            else:
                conn.rollback()
    return plan
