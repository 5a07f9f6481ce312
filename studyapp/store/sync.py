"""What a deck sync reads from the store and writes to it.

:mod:`studyapp.services.sync` works out the changes (a :class:`Changes`) from the deck files
and the rows read here, and :func:`write_changes` makes them in the caller's transaction. A
first import into an empty store writes each file as it is read instead
(:class:`StreamedImport`). The rows are typed: the note row is
:class:`~studyapp.store.rows.NoteValues`, the one list of the ``note`` columns; every other
column of a new card is left to the DDL's defaults (a new card: queue 0, no memory state,
no reviews).
"""

from __future__ import annotations

import contextlib
import functools
import json
import operator
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec
from msgspec import field

from studyapp.core.model import Queue
from studyapp.store import queues
from studyapp.store.bulk import RowWriter
from studyapp.store.plain import driver_of, run, run_many
from studyapp.store.queries import StoredProgress
from studyapp.store.rows import (
    NOTE_COLUMNS,
    SOURCES_SQL,
    STORED_AS_WRITTEN,
    NoteValues,
    SourceRow,
)

__all__ = [
    "Changes",
    "FileStat",
    "FileStats",
    "ImageStat",
    "StoredDeck",
    "StoredProgress",
    "SMALL_STORE_ROWS",
    "StreamedImport",
    "Signature",
    "add_deck_folders",
    "card_queues",
    "clashing_notes",
    "count_live_notes",
    "deck_folder_paths",
    "forget_unused_media",
    "has_history",
    "has_notes",
    "live_card_ids_of_deck",
    "live_note_ids_of_deck",
    "note_ids",
    "progress_of",
    "stored_bibliography_digest",
    "stored_cards",
    "stored_decks",
    "stored_file_stats",
    "stored_media_hashes",
    "stored_notes",
    "stored_sources",
    "write_changes",
]

if TYPE_CHECKING:
    from typing import TypeAlias

    from studyapp.store.plain import Handle
    from studyapp.store.syncrows import (
        CardMove,
        DeckValues,
        Inheritance,
        MediaValues,
        ModuleValues,
        NewCard,
        StoredCard,
        StoredNote,
    )

    Connection: TypeAlias = Handle

# The rows of a sync that reads deck files (:mod:`studyapp.store.syncrows`) are imported by
# the functions that read or write them: a sync that reads no file (every start-up's) never
# makes their classes (see that module).

# Every statement here is SQLite's own SQL run through :func:`~studyapp.store.plain.run` on
# either handle a sync is given: a pooled SQLAlchemy connection (the window, re-syncs after
# the engine is open) or the plain ``sqlite3`` connection ``studyapp sync`` opens without
# importing SQLAlchemy (:class:`~studyapp.store.database.DirectStore`; issue 19).

BIBLIOGRAPHY_DIGEST_KEY = "sync.bibliography_digest"
"""Setting row holding the digest of the bibliography files last synced."""
FILE_STATS_KEY = "sync.file_stats"
"""Setting row: JSON ``{path: [size, mtime_ns, inode, sha256, images?]}`` of the deck files
as last synced (:class:`FileStat`, read and written only here)."""

_CHUNK = 20_000
"""Values per expanding IN parameter: SQLite accepts 32,766 parameters a statement."""


# -- rows ----------------------------------------------------------------------------------
class StoredDeck(NamedTuple):
    id: str
    path: str
    digest: str
    active: bool


class Changes(msgspec.Struct):
    """Every write of a sync, by kind (:func:`write_changes` makes them in this order)."""

    every_folder: bool = False
    """The sync read every folder the store's decks come from: the bibliography and the
    course modules read are all there are, and replace the stored ones. A sync of some
    folders (File > Add deck folder syncs the new one; a folder with errors is left out)
    replaces only what it read, and the other folders keep their sources and modules."""
    bibliography_digest: str | None = None
    sources: list[SourceRow] | None = None
    """The bibliography read, when it differs from the stored one."""
    decks: list[DeckValues] = field(default_factory=list)
    """Decks to insert or update (and mark active)."""
    decks_deactivated: list[str] = field(default_factory=list)
    notes_inserted: list[NoteValues] = field(default_factory=list)
    notes_updated: list[NoteValues] = field(default_factory=list)
    notes_retired: list[str] = field(default_factory=list)
    """Notes whose entry is gone from their deck file (no reason given)."""
    card_moves: list[CardMove] = field(default_factory=list)
    cards_inserted: list[NewCard] = field(default_factory=list)
    cards_retired: list[int] = field(default_factory=list)
    cards_restored: list[int] = field(default_factory=list)
    cards_relearned: list[int] = field(default_factory=list)
    """Cards sent back to relearning (a new revision of their entry)."""
    inheritances: list[Inheritance] = field(default_factory=list)
    media: list[MediaValues] = field(default_factory=list)
    """Images the notes written show that the store may not hold yet."""
    modules: list[ModuleValues] | None = None
    """The modules of the courses read, when the course files were read: they replace the
    stored modules of those courses (:attr:`module_courses`), or all with
    :attr:`every_folder`."""
    module_courses: list[str] = field(default_factory=list)
    """The courses whose files were read with :attr:`modules`."""

    def __bool__(self) -> bool:
        return any(
            (
                self.media,
                self.modules is not None,
                self.bibliography_digest is not None,
                self.sources is not None,
                self.decks,
                self.decks_deactivated,
                self.notes_inserted,
                self.notes_updated,
                self.notes_retired,
                self.card_moves,
                self.cards_inserted,
                self.cards_retired,
                self.cards_restored,
                self.cards_relearned,
                self.inheritances,
            )
        )


class Signature(NamedTuple):
    """What ``os.stat`` says of a file: if all three are as recorded, it was not changed."""

    size: int
    mtime_ns: int
    inode: int


class ImageStat(NamedTuple):
    """An image a deck file's cards show, as the sync that read the file saw it."""

    path: str
    size: int
    mtime_ns: int
    inode: int

    @property
    def signature(self) -> Signature:
        return Signature(self.size, self.mtime_ns, self.inode)


class FileStat(msgspec.Struct, frozen=True):
    """A deck file as the last sync saw it: trusted unchanged (and not read again) while its
    signature, digest and images' signatures are as recorded."""

    signature: Signature | None
    """None while the file was too new to trust its mtime (then it is always hashed)."""
    digest: str
    images: tuple[ImageStat, ...] = ()

    def as_json(self) -> list[Any]:
        head: list[Any] = list(self.signature) if self.signature else [None, None, None]
        return [*head, self.digest, *([[list(i) for i in self.images]] if self.images else [])]

    @classmethod
    def from_json(cls, entry: object) -> FileStat | None:
        """The stat recorded as ``entry``; None if it is not one (the file is read again)."""
        if not isinstance(entry, list) or len(entry) not in (4, 5):
            return None
        *head, digest = entry[:4]
        images = entry[4] if len(entry) == 5 else []
        if not isinstance(digest, str) or not isinstance(images, list):
            return None
        if not all(_is_image(i) for i in images):
            return None
        if all(isinstance(v, int) for v in head):
            signature: Signature | None = Signature(*head)
        elif head == [None, None, None]:
            signature = None
        else:
            return None
        return cls(signature, digest, tuple(ImageStat(*i) for i in images))


def _is_image(item: object) -> bool:
    return (
        isinstance(item, list)
        and len(item) == 4
        and isinstance(item[0], str)
        and all(isinstance(v, int) for v in item[1:])
    )


FileStats = dict[str, FileStat]
"""The stat of each deck file, by its path."""


# -- reads ---------------------------------------------------------------------------------
def _in(conn: Connection, sql: str, values: Sequence[Any], *head: Any) -> list[Any]:
    """Run ``sql`` with ``values`` in place of ``:ids`` (as ``(?, ?, ...)``), in chunks SQLite
    accepts, each chunk's ``?`` parameters before it bound to ``head``; the rows of every
    chunk."""
    rows: list[Any] = []
    before, after = sql.split(":ids", 1)
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        marks = "(" + ", ".join("?" * len(chunk)) + ")"
        cursor = run(conn, before + marks + after, (*head, *chunk))
        if getattr(cursor, "returns_rows", True):  # (SQLAlchemy's result of an UPDATE: none)
            rows.extend(cursor.fetchall())
    return rows


def has_notes(conn: Connection) -> bool:
    """Whether the store holds any note (a store without is a first import's)."""
    return run(conn, "SELECT 1 FROM note LIMIT 1").fetchone() is not None


def note_ids(conn: Connection) -> frozenset[str]:
    """Every note id the store holds, retired or not (a new deck must use none of them)."""
    return frozenset(r[0] for r in run(conn, "SELECT id FROM note"))


def stored_decks(conn: Connection) -> dict[str, StoredDeck]:
    rows = run(conn, "SELECT id, path, digest, active FROM deck")
    return {r[0]: StoredDeck(r[0], r[1], r[2], bool(r[3])) for r in rows}


def _setting(conn: Connection, key: str) -> str | None:
    row = run(conn, "SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def deck_folder_paths(conn: Connection) -> list[str]:
    """The deck folders the user added (their decks are synced on every start)."""
    return [str(r[0]) for r in run(conn, "SELECT path FROM deck_folder")]


def stored_bibliography_digest(conn: Connection) -> str | None:
    return _setting(conn, BIBLIOGRAPHY_DIGEST_KEY)


def stored_file_stats(conn: Connection) -> FileStats:
    """The deck files' stats recorded by the last sync (empty if none or unreadable; an
    entry that cannot be read is left out, so its file is read again)."""
    value = _setting(conn, FILE_STATS_KEY)
    try:
        stats = json.loads(value) if value else {}
    except ValueError:
        return {}
    if not isinstance(stats, dict):
        return {}
    read = {path: FileStat.from_json(entry) for path, entry in stats.items()}
    return {path: stat for path, stat in read.items() if stat is not None}


def stored_sources(conn: Connection) -> list[SourceRow]:
    return [SourceRow._make(r) for r in run(conn, SOURCES_SQL)]


LIVE_NOTES_SQL = "SELECT count(*) FROM note WHERE retired = 0 AND deck_id IN :ids"
"""Counted from ``ix_note_deck_id`` (deck_id, retired) alone, no note row read."""

RETIRED_BY_DECK_SQL = (
    "WITH RECURSIVE d(id) AS (SELECT min(deck_id) FROM note UNION ALL "
    "SELECT (SELECT min(deck_id) FROM note WHERE deck_id > d.id) FROM d WHERE d.id IS NOT NULL) "
    "SELECT id, (SELECT count(*) FROM note WHERE deck_id = d.id AND retired > 0) "
    "+ (SELECT count(*) FROM note WHERE deck_id = d.id AND retired < 0) "
    "FROM d WHERE id IS NOT NULL"
)
"""Each deck the notes name, with its notes that are not ``retired = 0`` (``retired`` is NOT
NULL): the decks found by one seek each in ``ix_note_deck_id`` (deck_id, retired), a
skip-scan, and each deck's retired entries as two ranges there (``retired != 0`` would step
through every entry of the deck). ~1 ms for 210 decks at 200,000 notes."""


def count_live_notes(conn: Connection, deck_ids: Iterable[str]) -> int:
    """Notes of ``deck_ids`` that are not retired.

    When no note lies outside ``deck_ids`` (the start-up's re-sync: every deck file skipped
    as unchanged), that is every note less the retired ones: SQLite counts a whole table
    from its smallest index page by page without stepping through its entries, and the
    decks the notes name, with their retired notes, take a few seeks per deck
    (:data:`RETIRED_BY_DECK_SQL`). Otherwise (some decks left out of this sync) the live
    entries of ``deck_ids`` are stepped through, as always. The same number either way
    (tests/store/test_store_sync.py). At 200,000 notes and 210 decks: ~2.8 ms where stepping
    through 200,000 entries took ~9.4 ms (CPU, medians of 9 fresh connections); the
    start-up's re-sync before its first card 19.9 -> 14.2 ms of CPU with the retired
    entries counted in two expanding IN statements (benchmarks/startup_probe.py, medians
    of 7 interleaved, load 2.8-3.0), ~2 ms less again in this one statement.
    """
    ids = set(deck_ids)
    if not ids:
        return 0
    by_deck = run(conn, RETIRED_BY_DECK_SQL).fetchall()
    if all(deck in ids for deck, _retired in by_deck):
        total = int(run(conn, "SELECT count(*) FROM note").fetchone()[0])
        return total - sum(int(retired) for _deck, retired in by_deck)
    rows = _in(conn, LIVE_NOTES_SQL, sorted(ids))
    return sum(int(r[0]) for r in rows)


def clashing_notes(conn: Connection, note_ids: Sequence[str]) -> list[tuple[str, str, str]]:
    """(note id, deck id, deck path) of the notes among ``note_ids`` that a file of an active
    deck still holds: live ones, and those retired in the file (``retired: reason``). A note
    retired because its entry left its file is free: re-adding the id restores it."""
    rows = _in(
        conn,
        "SELECT n.id, d.id, d.path FROM note n JOIN deck d ON d.id = n.deck_id "
        "WHERE (n.retired = 0 OR n.retired_reason IS NOT NULL) AND d.active = 1 "
        "AND n.id IN :ids",
        note_ids,
    )
    return [(r[0], r[1], r[2]) for r in rows]


def successors_named_in(conn: Connection, deck_ids: Iterable[str]) -> list[tuple[str, str, str]]:
    """(note id, successor id, deck id) of each card retired in its file (``retired:
    reason``) in the decks ``deck_ids`` that names a successor (``replaced_by``). Read from
    the partial index ``ix_note_replaced_by`` (a handful of rows; ``+deck_id`` keeps the
    planner off ``ix_note_deck_id``, whose every note of the decks it would read: 2.7 ms ->
    0.01 ms of CPU at 10,000 notes)."""
    ids = sorted(deck_ids)
    if not ids:
        return []
    rows = _in(
        conn,
        "SELECT id, replaced_by, deck_id FROM note "
        "WHERE replaced_by IS NOT NULL AND retired_reason IS NOT NULL AND +deck_id IN :ids",
        ids,
    )
    return [(r[0], r[1], r[2]) for r in rows]


def stored_notes(conn: Connection, deck_id: str, note_ids: Sequence[str]) -> dict[str, StoredNote]:
    """The stored notes of deck ``deck_id`` and those with any of ``note_ids``, by id."""
    from studyapp.store.syncrows import StoredNote

    select = f"SELECT {', '.join(StoredNote._fields)} FROM note WHERE deck_id = ?"
    if note_ids:
        rows = _in(conn, select + " OR id IN :ids", note_ids, deck_id)
    else:  # a deck file with no card left: its notes still count
        rows = run(conn, select, (deck_id,)).fetchall()
    return {r[0]: StoredNote(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], r[7]) for r in rows}


def stored_cards(conn: Connection, note_ids: Sequence[str]) -> dict[str, list[StoredCard]]:
    """The stored cards of ``note_ids``, by note id."""
    from studyapp.store.syncrows import StoredCard

    cards: dict[str, list[StoredCard]] = {}
    rows = _in(
        conn, f"SELECT {', '.join(StoredCard._fields)} FROM card WHERE note_id IN :ids", note_ids
    )
    for r in rows:
        cards.setdefault(r[1], []).append(StoredCard(r[0], r[1], r[2], r[3], bool(r[4]), r[5]))
    return cards


def progress_of(conn: Connection, note_id: str) -> dict[str, StoredProgress]:
    """The progress of the cards of ``note_id`` that were ever answered, by card key."""
    rows = run(
        conn,
        f"SELECT key, {', '.join(StoredProgress._fields)} FROM card WHERE note_id = ? AND reps > 0",
        (note_id,),
    )
    return {r[0]: StoredProgress._make(r[1:]) for r in rows}


def card_queues(conn: Connection, note_id: str) -> list[tuple[str, Queue]]:
    """(key, queue) of every stored card of ``note_id``."""
    rows = run(conn, "SELECT key, queue FROM card WHERE note_id = ?", (note_id,))
    return [(r[0], Queue(r[1])) for r in rows]


def has_history(conn: Connection, note_id: str) -> bool:
    """Whether any card of ``note_id`` has a row in the review log (an answer, a cram
    answer or a manual change such as "forget")."""
    row = run(
        conn,
        "SELECT EXISTS (SELECT 1 FROM review r JOIN card c ON c.id = r.card_id "
        "WHERE c.note_id = ?)",
        (note_id,),
    ).fetchone()
    return bool(row and row[0])


def live_note_ids_of_deck(conn: Connection, deck_id: str) -> list[str]:
    rows = run(conn, "SELECT id FROM note WHERE deck_id = ? AND retired = 0", (deck_id,))
    return [r[0] for r in rows]


def live_card_ids_of_deck(
    conn: Connection, deck_id: str, but_notes: AbstractSet[str] = frozenset()
) -> list[int]:
    """The live cards of ``deck_id``, but those of the notes ``but_notes``."""
    rows = run(conn, "SELECT id, note_id FROM card WHERE deck_id = ? AND retired = 0", (deck_id,))
    return [r[0] for r in rows if r[1] not in but_notes]


# -- writes --------------------------------------------------------------------------------
@functools.cache
def deck_upsert() -> str:
    """The statement that writes a :class:`~studyapp.store.syncrows.DeckValues` row."""
    from studyapp.store.syncrows import DeckValues

    columns = DeckValues._fields
    return (
        f"INSERT INTO deck ({', '.join(columns)}, active) "
        f"VALUES ({', '.join('?' * len(columns))}, 1) "
        "ON CONFLICT(id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        + ", active = 1"
    )


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_NOTE_UPDATE = (
    "UPDATE note SET " + ", ".join(f"{c} = ?" for c in NOTE_COLUMNS[1:]) + " WHERE id = ?"
)
_CARD_PROGRESS = (
    "UPDATE card SET "
    + ", ".join(f"{c} = ?" for c in StoredProgress._fields)
    + f" WHERE note_id = ? AND key = ? AND queue = {queues.NEW}"
)


def write_changes(conn: Connection, changes: Changes, *, now: int) -> None:
    """Make ``changes`` in ``conn``'s transaction (the caller commits): the bibliography,
    then decks and images, notes, cards (which refer to them), and last the images no note
    shows any more.

    Rows go straight to the driver's ``executemany`` with positional parameters: they are
    tuples already, and SQLAlchemy's per-row processing (a third of a 50,000-card import
    when it ran on dicts) buys nothing here.
    """
    _write_bibliography(conn, changes)
    _write_decks(conn, changes)
    _write_notes(conn, changes, now=now)
    _write_cards(conn, changes, now=now)
    if changes.media or changes.notes_updated or changes.decks_deactivated:
        forget_unused_media(conn)


def _write_bibliography(conn: Connection, changes: Changes) -> None:
    if changes.bibliography_digest is not None:
        _write_setting(conn, BIBLIOGRAPHY_DIGEST_KEY, changes.bibliography_digest)
    if changes.sources is not None:
        # A sync of some folders deleted the sources of the others' own sources.yaml: their
        # cards said 'Source: local2030' and '(unknown source)' until the next start.
        if changes.every_folder:
            run(conn, "DELETE FROM source")
        if changes.sources:
            insert = _insert_sql("source", SourceRow._fields)
            if not changes.every_folder:
                insert = insert.replace("INSERT", "INSERT OR REPLACE", 1)
            run_many(conn, insert, changes.sources)
    if changes.modules is not None:
        if changes.every_folder:
            run(conn, "DELETE FROM course_module")
        else:
            _in(conn, "DELETE FROM course_module WHERE course IN :ids", changes.module_courses)
        if changes.modules:
            from studyapp.store.syncrows import ModuleValues

            run_many(conn, _insert_sql("course_module", ModuleValues._fields), changes.modules)


def _write_decks(conn: Connection, changes: Changes) -> None:
    if changes.decks:
        run_many(conn, deck_upsert(), changes.decks)
    if changes.decks_deactivated:
        _in(
            conn,
            "UPDATE deck SET active = 0, digest = '' WHERE id IN :ids",
            changes.decks_deactivated,
        )
    if changes.media:
        run_many(conn, _insert_media_sql(), changes.media)


def _write_notes(conn: Connection, changes: Changes, *, now: int) -> None:
    if changes.notes_inserted:
        run_many(conn, _insert_sql("note", NOTE_COLUMNS), stamped(changes.notes_inserted, now))
    if changes.notes_updated:
        run_many(conn, _NOTE_UPDATE, [(*n[1:], n[0]) for n in stamped(changes.notes_updated, now)])
    if changes.notes_retired:
        run_many(
            conn,
            "UPDATE note SET retired = 1, retired_reason = NULL, "
            "changed_at = max(?, changed_at + 1) WHERE id = ?",
            [(now, n) for n in changes.notes_retired],
        )


def _write_cards(conn: Connection, changes: Changes, *, now: int) -> None:
    if changes.card_moves:
        run_many(
            conn,
            "UPDATE card SET deck_id = ? WHERE note_id = ?",
            [(m.deck_id, m.note_id) for m in changes.card_moves],
        )
    if changes.cards_inserted:
        from studyapp.store.syncrows import NewCard

        run_many(conn, _insert_sql("card", NewCard._fields), changes.cards_inserted)
    if changes.cards_retired:
        _in(conn, "UPDATE card SET retired = 1 WHERE id IN :ids", changes.cards_retired)
    if changes.cards_restored:
        _in(conn, "UPDATE card SET retired = 0 WHERE id IN :ids", changes.cards_restored)
    if changes.cards_relearned:
        _in(
            conn,
            f"UPDATE card SET queue = {queues.RELEARNING}, step = 0, due = ? WHERE id IN :ids",
            changes.cards_relearned,
            now,
        )
    if changes.inheritances:
        run_many(
            conn, _CARD_PROGRESS, [(*i.progress, i.note_id, i.key) for i in changes.inheritances]
        )


def stamped(notes: Sequence[NoteValues], now: int) -> list[NoteValues]:
    """``notes`` with the time of their change set (see :attr:`NoteValues.changed_at`).

    ``changed_at`` is the row's last column, so a stamped row is the others plus the time:
    0.7 µs a note against 3.6 µs through ``_replace`` (by keyword), 0.14 s of CPU in a
    50,000-note first import."""
    make = NoteValues._make
    result = []
    for note in notes:
        at = note[-1]
        if at is None:
            note = make(note[:-1] + (now,))
        elif at < 0:
            note = make(note[:-1] + (max(now, -at),))
        result.append(note)
    return result


@functools.cache
def _insert_media_sql() -> str:
    from studyapp.store.syncrows import MediaValues

    return _insert_sql("media", MediaValues._fields).replace("INSERT", "INSERT OR IGNORE", 1)


def forget_unused_media(conn: Connection) -> None:
    """Drop the images no note shows any more (a note retired in its file keeps its image:
    its history may still be looked at, and it may come back)."""
    run(
        conn,
        "DELETE FROM media WHERE hash NOT IN "
        "(SELECT image_hash FROM note WHERE image_hash IS NOT NULL)",
    )


def stored_media_hashes(conn: Connection, hashes: Sequence[str]) -> set[str]:
    """Which of ``hashes`` the store holds already."""
    return {r[0] for r in _in(conn, "SELECT hash FROM media WHERE hash IN :ids", hashes)}


def add_deck_folders(conn: Connection, paths: Iterable[str]) -> None:
    """Remember each of ``paths`` (once) as an added deck folder, in ``conn``'s transaction:
    the sync that reads a folder's decks records the folder with them
    (:func:`studyapp.services.sync.sync`)."""
    for path in paths:
        run(conn, "INSERT OR IGNORE INTO deck_folder (path) VALUES (?)", (path,))


def write_file_stats(conn: Connection, stats: FileStats) -> None:
    entries = {path: stat.as_json() for path, stat in stats.items()}
    _write_setting(conn, FILE_STATS_KEY, json.dumps(entries, separators=(",", ":")))


def _write_setting(conn: Connection, key: str, value: str) -> None:
    run(conn, "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", (key, value))


_DEFERRED_INDEXES = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
    "AND tbl_name IN ('note', 'card') ORDER BY rowid"
)


_INDEX_LIST = {table: f"PRAGMA index_list({table})" for table in ("note", "card")}
"""Each index of the table: (seq, name, unique, origin, partial)."""

SMALL_STORE_ROWS = 2000
"""A store holding at most this many notes and cards each counts as small for
:func:`_set_indexes_aside` (``up_to``): remaking its indexes over the rows already stored
costs at most ~10 ms (the 112,500 rows of a 50,000-note import index in 0.17-0.22 s)."""


def _statement_journals_in_memory(db: sqlite3.Connection) -> int | None:
    """Have the transaction ``db`` is about to write in keep its statement journals in
    memory; returns the ``temp_store`` for :meth:`StreamedImport.close` to set back (None:
    left as it was, because ``db``'s temporary database is open, which a change would
    close, dropping what it holds).

    Each multi-row INSERT keeps the pages it changes that were stored before it began in a
    statement journal, so that a failing row undoes its statement alone. SQLite holds that
    journal in memory up to 64 KiB, and once one statement's outgrows it, in a temporary
    file for the rest of the transaction. Into an empty store no statement's did; in the
    GUI's File > Add deck folder (the bundled decks stored) one did (16 pages: note table
    leaves and interior pages, leaves of the id's index, the header page), and from then on
    every statement's pages were written to the file and truncated away again: at 200,000
    notes 101,562 pages, 416 MB in 203,124 ``pwrite`` calls (strace), none of them synced.
    Where a transaction's statement journals go is fixed when it begins writing, from
    ``temp_store`` (``sqlite3BtreeBeginTrans`` passes ``sqlite3TempInMemory`` to
    ``sqlite3PagerBegin``), so MEMORY is set before that. A journal held only in memory
    holds what it held, one statement's pages, freed when the statement ends; nothing
    durable changes (a statement journal is never synced, in a file or not).

    It costs user CPU too: SQLite keeps a journal that never spills in 1 KiB pieces, a
    malloc and a free each. Measured on the add's store work at 200,000 notes (the
    benchmark's course into the bundled store, engine open and search index made as the
    window leaves them, in-process): system CPU 0.730 s (0.652-0.803) -> 0.544
    (0.499-0.574), 7 interleaved pairs, load 1.5-1.9, lower in every pair; user-space
    instructions +467 M (+0.84%, callgrind, 55,389 M -> 55,856 M); both run side by side
    (6 pairs, load 1.9-2.8) user + system 10.61 -> 10.48 s (median), system lower in every
    pair; peak RSS unchanged (190-195 MB). About 1% of the add's CPU: remove it if a
    SQLite build keeps these journals otherwise."""
    if any(row[1] == "temp" for row in db.execute("PRAGMA database_list")):
        return None
    (before,) = db.execute("PRAGMA temp_store").fetchone()
    db.execute("PRAGMA temp_store=MEMORY")
    return int(before)


def _set_indexes_aside(db: sqlite3.Connection, up_to: int = 0) -> list[str]:
    """Drop the named indexes of ``note`` and ``card`` while both are empty (a first import),
    or hold at most ``up_to`` rows each (a folder added to a store holding only the bundled
    decks, 235 notes and 337 cards: the GUI's File > Add deck folder), in a transaction begun
    here if none is; the CREATE INDEX statements to make them again with, once the rows are
    in (:meth:`StreamedImport.close`). Kept (and nothing returned) if either table holds
    more: indexing many rows already stored would cost more than it saves.

    Building an index from the rows in one sort costs less than inserting every row into
    it: of the writer's CPU on the 50,000-note course, 0.80-0.94 s with the indexes in place
    against 0.66-0.75 s (0.47-0.52 inserting, 0.17-0.22 indexing), measured on the busy
    machine; the partial ones stay in place (see below). The store ends with the same
    indexes, made from the same SQL text, in the same transaction: a rollback (a problem in
    a later file, a cancel, a crash) brings the indexes back with everything else. (The
    constraints' own indexes, the primary key and UNIQUE, stay: they check every row as it
    is inserted.)

    Those two stay-in-place indexes have text keys (``note.id``; the card's ``note_id,
    key``), and they cost more when the new ids sort before ids already stored. The new
    notes are inserted in id order. Into an empty store every key is an append, and SQLite
    (3.35+, ``sqlite3BtreeIndexMoveto``) then searches the last leaf only. Before stored
    keys, each uniqueness probe goes down from the root. This is why the same rows insert
    slower into a store that holds the bundled decks, whose ids (``ev-``...``term-``) sort
    after the benchmark's ``bench-`` ids. The statements of the 50,000-note import
    replayed into the bundled store, in WAL, 5 runs each interleaved, load 0.7-0.8, insert
    CPU: 0.259 s, against 0.235 s with its note ids renamed to sort first, and 0.232 s into
    an empty store (callgrind: +237 M instructions, in IndexMoveto and the record
    compares). At 200,000 notes: 1.305 s against 1.133 s (4 runs each, load 2.4-2.7).
    Nothing here can avoid it: the ids are the author's, and these indexes are the checks
    themselves."""
    # (OFFSET stops the scan after ``up_to`` rows: a large store is not counted through.)
    larger = "SELECT EXISTS (SELECT 1 FROM {} LIMIT 1 OFFSET ?)"
    for table in ("note", "card"):
        if db.execute(larger.format(table), (up_to,)).fetchone()[0]:
            return []
    if not db.in_transaction:
        db.execute("BEGIN")  # DDL does not begin one implicitly: the drop must roll back too
    # A partial index (WHERE critical = 1, buried_until > 0, ...) stays in place: its test
    # on each row inserted (a first import's rows match none as a rule) costs a little less
    # than a scan of the whole table to build it after. The 50,000-note course's rows
    # written and indexed (the writer's statements alone, user+sys CPU): sum median 555 ->
    # 533 ms, min 527 -> 517 (9 alternations, load 2.4-3); 612 -> 569 median (7, load 7-8).
    # The gain is in the 7 table scans' reads: in user-space instructions (callgrind, warm
    # bytecode) it costs ~+60 M (a cursor opened on each partial index for every row), and
    # the whole sa_import process shows no difference at 9+9 runs (user 1.817 vs 1.817 s,
    # sys 0.174 vs 0.170, load 1.8-2.7). Small: remove it if it stops paying.
    partial = {
        row[1] for table in ("note", "card") for row in db.execute(_INDEX_LIST[table]) if row[4]
    }
    indexes = [(n, sql) for n, sql in db.execute(_DEFERRED_INDEXES) if n not in partial]
    for name, _sql in indexes:
        db.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in indexes]


# -- new notes left to the DDL's defaults -----------------------------------------------------
# The sqlite3 module binds a text, an int or a float directly, but every None and bool goes
# through its adaptation protocol first (an adapter lookup keyed by a new tuple, then two
# attribute lookups, per value). A new note's row holds 9 of them as a rule (its
# stored-as-written fields unset, not retired, no successor): binding the 50,000 notes of the
# benchmark course took 350-460 ms of CPU with every column, 200-230 ms with those columns
# left out of the INSERT for the DDL's defaults to fill (the same stored values: a nullable
# column without a default is NULL, critical/sensitive/retired default to 0; see
# tests/store/test_store_sync.py::test_new_notes_left_to_the_defaults_are_stored_alike).
# In a first import of that course (5+5 interleaved, load 1.4-4.4): the writer's CPU (then a
# thread of its own) 550-581 -> 358-378 ms, grouping the rows 25-35 ms more on the main thread.
_NOTE_AT = {name: index for index, name in enumerate(NOTE_COLUMNS)}
_OMITTABLE_ONE = (
    ("as_of", None),
    ("retired", False),
    ("retired_reason", None),
    ("replaced_by", None),
)
"""Columns left out of a new note's INSERT when the row holds this value (``is``), which is
what the column's default stores."""
_WRITTEN_NAMES = tuple(name for name, _ in STORED_AS_WRITTEN if name != "changed_at")
_WRITTEN_SPAN = slice(_NOTE_AT[_WRITTEN_NAMES[0]], _NOTE_AT[_WRITTEN_NAMES[-1]] + 1)
_WRITTEN_DEFAULTS = tuple(default for name, default in STORED_AS_WRITTEN if name != "changed_at")
"""The stored-as-written columns (but ``changed_at``), left out together when a row holds
all their defaults (an entry that sets none of those fields: most of them)."""
assert tuple(NOTE_COLUMNS)[_WRITTEN_SPAN] == _WRITTEN_NAMES
assert all(v is None or v is False for v in _WRITTEN_DEFAULTS)
_AS_OF, _RETIRED, _REASON, _SUCCESSOR = (_NOTE_AT[name] for name, _ in _OMITTABLE_ONE)
_CHANGED_AT = _NOTE_AT["changed_at"]
assert _CHANGED_AT == len(NOTE_COLUMNS) - 1


def note_defaults_as_expected(db: sqlite3.Connection) -> bool:
    """Whether the store's ``note`` table gives each column :func:`note_runs` may leave out
    the value it is left out for (read from the table itself, whatever made it: a new
    store's snapshot, the table classes or an upgrade)."""
    omit = dict(_OMITTABLE_ONE) | dict(zip(_WRITTEN_NAMES, _WRITTEN_DEFAULTS, strict=True))
    info = {row[1]: (row[3], row[4]) for row in db.execute("PRAGMA table_info(note)")}
    for name, value in omit.items():
        if name not in info:
            return False
        notnull, default = info[name]
        if value is None and (notnull or default not in (None, "NULL")):
            return False
        if value is False and default != "0":
            return False
    return True


@functools.cache
def _note_shape(key: tuple[bool, ...]) -> tuple[tuple[str, ...], Callable[[Any], Any]]:
    """The columns a new note row of this ``key`` (see :func:`note_runs`) is inserted with,
    and the getter of their values from the whole row."""
    *ones, written_default = key
    left_out = {name for (name, _), omit in zip(_OMITTABLE_ONE, ones, strict=True) if omit}
    if written_default:
        left_out.update(_WRITTEN_NAMES)
    kept = [i for i, name in enumerate(NOTE_COLUMNS) if name not in left_out]
    getter = operator.itemgetter(*kept)
    return tuple(NOTE_COLUMNS[i] for i in kept), getter


SHORT_NOTE_ROWS: dict[int, tuple[str, ...]] = {
    len(columns): columns
    for columns, _getter in (
        _note_shape((True, True, True, True, True)),
        _note_shape((False, True, True, True, True)),
    )
}
"""The columns of a new note row given without the columns left to the defaults (a first
import's rows: :func:`studyapp.services.deckrows.note_tuple`), by the row's length: with
``as_of`` or without it."""
assert len(SHORT_NOTE_ROWS) == 2 and len(NOTE_COLUMNS) not in SHORT_NOTE_ROWS


_LEFT_TO_DEFAULTS: dict[str, Any] = dict(_OMITTABLE_ONE) | dict(
    zip(_WRITTEN_NAMES, _WRITTEN_DEFAULTS, strict=True)
)
"""What each column a new note's row may be given without stands for."""


def whole_note(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A new note row given short (:data:`SHORT_NOTE_ROWS`) with all of
    :data:`NOTE_COLUMNS`, the columns it was given without at the values they stand for."""
    values = _LEFT_TO_DEFAULTS | dict(zip(SHORT_NOTE_ROWS[len(row)], row, strict=True))
    return tuple(values[name] for name in NOTE_COLUMNS)


def note_runs(
    notes: Sequence[tuple[Any, ...]], now: int
) -> list[tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
    """New note rows (all of :data:`NOTE_COLUMNS`, in order) as runs of consecutive rows
    inserted with the same columns: each row without the columns its values leave to the
    DDL's defaults (see above); a ``changed_at`` of None stamped with ``now``. The rows
    keep their order (and so their rowids). A row already given short
    (:data:`SHORT_NOTE_ROWS`, stamped) is taken as it is."""
    runs: list[tuple[tuple[str, ...], list[tuple[Any, ...]]]] = []
    last: tuple[bool, ...] | int | None = None
    getter: Callable[[Any], Any] = tuple
    batch: list[tuple[Any, ...]] = []
    append = batch.append
    span, defaults, width, short = (
        _WRITTEN_SPAN,
        _WRITTEN_DEFAULTS,
        len(NOTE_COLUMNS),
        SHORT_NOTE_ROWS,
    )
    for note in notes:
        if len(note) != width:
            size = len(note)
            if size != last:
                last = size
                batch = []
                runs.append((short[size], batch))
                append = batch.append
            append(note)
            continue
        if note[_CHANGED_AT] is None:
            note = (*note[:-1], now)
        key = (
            note[_AS_OF] is None,
            note[_RETIRED] is False,
            note[_REASON] is None,
            note[_SUCCESSOR] is None,
            note[span] == defaults,
        )
        if key != last:
            last = key
            columns, getter = _note_shape(key)
            batch = []
            runs.append((columns, batch))
            append = batch.append
        append(getter(note))
    return runs


class StreamedImport:
    """Writes each deck file's rows into ``conn``'s transaction as the caller hands them
    over, on the caller's thread (:class:`~studyapp.store.bulk.RowWriter`: no writer thread,
    which cost CPU and bought no wall time; its module says by how much), with the note and
    card indexes set aside until :meth:`close` if asked.

    A write's error is raised by :meth:`write_deck`. Nothing else may use ``conn`` until
    :meth:`close` (or leaving the ``with`` block), which makes the indexes set aside again.
    The caller commits or rolls back.

    Into a store that holds rows already (File > Add deck folder after the bundled decks)
    the same rows cost more than into an empty one (``studyapp sync`` into a new store), for
    three reasons none of which is ours to remove (guiadd-r21, benchmarks' course, callgrind
    and strace of the add's store work against the headless first import):

    - the uniqueness probes of the ids that sort before stored ones go down from the root
      (:func:`_set_indexes_aside`): ~210 M instructions at 50,000 notes;
    - each multi-row INSERT keeps the stored pages it changes in a statement journal,
      which SQLite moved to a temporary file for the rest of the transaction once one
      statement's outgrew 64 KiB, as none does into an empty store: kept in memory now
      (:func:`_statement_journals_in_memory`), for a little less CPU;
    - the WAL: the window's other connections keep the store in WAL (a first import into a
      new store writes with a rollback journal: :func:`~studyapp.store.database.rollback_journal`).
      Every page is checksummed as it is written, and a page the cache spilled and then
      changed again is rewritten in place (27 of 36,733 frames at 200,000 notes, the
      earliest the 72nd), which makes the commit read back and checksum again every frame
      after it (36,660 frames, 151 MB, a ``pread`` and a ``pwrite`` each): ~61 M
      instructions of checksums at 50,000 notes, half of them that second pass. Only a
      page cache holding the whole transaction (150 MB) would avoid it.
    """

    def __init__(
        self,
        conn: Connection,
        *,
        now: int | None = None,
        defer_indexes: bool = False,
        small_store: int = 0,
    ) -> None:
        """``defer_indexes``: build the note and card indexes once the rows are in, if the
        store holds no row, or at most ``small_store`` rows in each table
        (:func:`_set_indexes_aside`)."""
        # The rows belong to the caller's transaction: without one begun on a SQLAlchemy
        # ``conn``, its commit would not reach the rows written beside SQLAlchemy. (On a
        # plain connection the transaction is the driver's own: begun below if none is.)
        assert isinstance(conn, sqlite3.Connection) or conn.in_transaction(), (
            "begin the transaction before a streamed import"
        )
        self.now = int(time.time()) if now is None else now
        """The new notes' ``changed_at`` (rows may be stamped with it as they are built)."""
        db = driver_of(conn)
        self._db = db
        # (before the transaction writes: see _statement_journals_in_memory)
        self._temp_store = _statement_journals_in_memory(db)
        self._indexes = _set_indexes_aside(db, small_store) if defer_indexes else []
        self._defaults_checked = note_defaults_as_expected(db)
        self._writer = RowWriter(db)

    def write_deck(
        self,
        deck: DeckValues,
        notes: Sequence[tuple[Any, ...]],
        cards: Sequence[tuple[Any, ...]],
        media: Sequence[MediaValues] = (),
    ) -> None:
        """Write the rows of one deck file: new notes (:class:`NoteValues`' columns, plain
        tuples bind fastest; a ``changed_at`` of None is stamped with :attr:`now`) and new
        cards (:class:`NewCard`'s columns)."""
        for image in media:
            self._writer.execute(_insert_media_sql(), image)
        self._writer.execute(deck_upsert(), deck)
        if self._defaults_checked:
            for columns, rows in note_runs(notes, self.now):
                self._writer.insert("note", columns, rows)
        else:  # (a note table with other defaults: every column bound, short rows made whole)
            now = self.now
            whole = [n if len(n) == len(NOTE_COLUMNS) else whole_note(n) for n in notes]
            stamped_notes = [n if n[-1] is not None else (*n[:-1], now) for n in whole]
            self._writer.insert("note", NOTE_COLUMNS, stamped_notes)
        from studyapp.store.syncrows import NewCard

        self._writer.insert("card", NewCard._fields, cards)

    def close(self) -> None:
        """Make the indexes set aside again."""
        self._writer.close()
        if self._temp_store is not None:
            # The transaction's statement journals stay in memory (where they go was fixed
            # when it began writing); the sorts that make the indexes spill to files again,
            # as they do without this: with MEMORY they sorted in memory, and the 200,000
            # notes' add peaked 12.5 MB higher.
            self._db.execute(f"PRAGMA temp_store={self._temp_store}")
            self._temp_store = None
        for sql in self._indexes:
            self._db.execute(sql)
        self._indexes = []

    def __enter__(self) -> StreamedImport:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is None:
            self.close()
        else:  # the caller's error wins; the transaction is rolled back anyway
            with contextlib.suppress(BaseException):
                self.close()
