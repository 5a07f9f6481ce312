"""Deck files -> store, matching cards by their stable ids so no progress is ever lost.

A sync runs in named phases, each a function below:

1. **survey** (:func:`_survey`): which deck files changed since the last sync (by their
   recorded size, mtime and inode, else by their digest) and whether the bibliography did;
2. **read** (:func:`_read_bibliographies`, :func:`_parse_all`, :func:`_note_parsed`): parse
   the bibliographies and the changed deck files, each on its own;
3. **check** (:func:`_check`): the checks across files, seeing the cards of the files not
   read now as the store holds them (ids used twice, successors named across files);
4. **plan** (:func:`_plan_changes`): compare every entry read with the store and note each
   change as a typed row in the plan's :class:`~studyapp.store.sync.Changes`;
5. **write** (:func:`_write`): make the changes in one transaction
   (:func:`~studyapp.store.sync.write_changes`).

:func:`plan_sync` runs phases 1-4 and writes nothing (``--dry-run`` prints the plan);
:func:`apply_plan` runs phase 5, so a file that fails validation changes nothing. :func:`sync`
does both on one connection.

A first import (a store with no note yet) is its own path, :func:`_first_import`: with
nothing stored to compare with, every entry is a new note, so each file's rows are written
as soon as it is read, before the next file is parsed (see
:class:`~studyapp.store.sync.StreamedImport`). Any problem found later rolls the whole
transaction back. The rows come from the same builders (:mod:`studyapp.services.deckrows`),
and the store it leaves is the one plan-then-apply leaves (tested table by table).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import field

from studyapp.core.errors import StaleSyncPlan
from studyapp.core.gcpause import gc_paused
from studyapp.deckfile.discover import courses_of, discover_deck_files
from studyapp.deckfile.problems import Problem
from studyapp.deckfile.reading import read_source, real_path
from studyapp.services.paths import bundled_decks_dir
from studyapp.store import queries
from studyapp.store import sync as stored
from studyapp.store.database import DirectStore, rollback_journal
from studyapp.store.rows import SourceRow
from studyapp.store.sync import (
    SMALL_STORE_ROWS,
    Changes,
    FileStat,
    FileStats,
    ImageStat,
    Signature,
    StoredDeck,
    StreamedImport,
)

if TYPE_CHECKING:
    from typing import TypeAlias

    from studyapp.store.database import Engine
    from studyapp.store.plain import Handle

    Connection: TypeAlias = Handle
    """Every statement of a sync runs on a plain ``sqlite3`` connection (a direct store's)
    or an engine's connection: the store's sync functions take either."""
    from studyapp.deckfile.course import Courses
    from studyapp.deckfile.imagecheck import ImageCache
    from studyapp.deckfile.loader import ParsedDeck
    from studyapp.deckfile.schema import BibEntry
    from studyapp.services.deckrows import FirstImportRows, WrittenIds
    from studyapp.store.syncrows import MediaValues, StoredCard, StoredNote

# The rows of a sync that reads files, and what builds them (services.deckrows,
# store.syncrows, services.syncplan), are imported where a file is read: a sync that reads
# none, as at every start-up, never loads them (see store.syncrows).

__all__ = ["Progress", "SyncCancelled", "SyncPlan", "apply_plan", "plan_sync", "sync"]

_SETTLED_NS = 2_000_000_000
"""A file's stat is trusted only once its mtime is this much older than the sync that saw
it; a file written within the same clock tick as the sync is always hashed (as git does)."""


class SyncPlan(msgspec.Struct):
    """Every change a sync would make, and the problems that stop it.

    The lists of note ids are what the summary reports; :attr:`changes` holds the writes.
    """

    problems: list[Problem] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    relearn: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    """Notes the store held, live, that this plan retires: the "retired" a trainee reads."""
    shipped_retired: list[str] = field(default_factory=list)
    """Notes new to the store that arrive retired (their deck ships them retired): never in
    the store, never studied here, so not in :meth:`summary` nor :meth:`details` (a first
    sync said "14 retired" of cards the trainee never had). ``sync --dry-run`` lists them for
    authors checking a release."""
    restored: list[str] = field(default_factory=list)
    inherited: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    files_read: list[str] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)
    decks_removed: list[str] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)
    file_stats: FileStats | None = None
    """Stats of the deck files to remember for the next sync (None: nothing new to store)."""
    generation: int | None = None
    """The store's sync generation the plan was made at; applying it after another sync
    changed the store is refused (:class:`~studyapp.core.errors.StaleSyncPlan`)."""
    streamed: bool = False
    """Rows were written while the files were read (a streamed import): the plan's
    :attr:`changes` hold only what is left to write."""
    blocked: dict[str, list[Problem]] = field(default_factory=dict)
    """Deck folders left out of this plan, with the problems that hold them back (a missing
    or broken added folder: see :meth:`~studyapp.services.library.Library.plan`). Their
    decks stay as they were; everything else was planned without them."""

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def changes_anything(self) -> bool:
        return self.streamed or bool(self.changes)

    @property
    def resets_progress(self) -> bool:
        """Whether applying the plan retires or relearns cards the store already holds (the GUI
        asks first). A retired card the store has never seen (a deck that ships with retirements,
        synced for the first time) takes nothing away, so it does not count."""
        return bool(self.relearn or self.changes.cards_retired or self.decks_removed)

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

    def card_changes(self) -> str:
        """What the sync changes in the cards, in a few words for a status line (an 800 px
        window's holds about 88 characters): only the kinds it has, e.g. '12 new, 3 changed
        (progress kept), 1 retired'; '' when it changes no card. :meth:`summary` is the
        whole account, files included, for the command line."""
        parts = [
            f"{count:,} {label}"
            for count, label in (
                (len(self.new), "new"),
                (len(self.updated), "changed (progress kept)"),
                (len(self.relearn), "to relearn"),
                (len(self.retired), "retired"),
                (len(self.restored), "restored"),
            )
            if count
        ]
        if self.decks_removed:
            count = len(self.decks_removed)
            parts.append(f"{count} deck{'s' if count != 1 else ''} removed")
        return ", ".join(parts)

    def details(self, *, shipped_retired: bool = False) -> list[str]:
        """One line per changed card, for ``--dry-run`` (with ``shipped_retired``, the notes
        that arrive retired too) and the GUI's confirmation."""
        lines: list[str] = []
        for label, ids in (
            ("new", self.new),
            ("updated", self.updated),
            ("relearn", self.relearn),
            ("retired", self.retired),
            ("restored", self.restored),
        ):
            lines.extend(f"  {label:<9} {note_id}" for note_id in ids)
        if shipped_retired:
            shipped = self.shipped_retired
            lines.extend(f"  new       {note_id} (retired in its deck)" for note_id in shipped)
        lines.extend(f"  inherit   {new} <- {old}" for new, old in self.inherited)
        lines.extend(f"  removed   deck {deck}" for deck in self.decks_removed)
        return lines


# -- 1. survey -----------------------------------------------------------------------------
Progress = Callable[[int, int], None]
"""Called as ``progress(files_read, files_to_read)`` after the survey and after each deck
file is parsed, on the thread that syncs. Raising :class:`SyncCancelled` from it stops the
sync: whatever was written is rolled back, so the store is left as it was."""


class SyncCancelled(Exception):
    """The sync was stopped by its progress callback; nothing was written."""


class _ToRead(msgspec.Struct, frozen=True):
    """A deck file to parse: its bytes and their digest if the survey read it (a stored
    deck's file), else None: :func:`~studyapp.deckfile.loader.parse_deck` reads it then
    (and reports a file it cannot read)."""

    path: Path
    raw: bytes | None
    digest: str | None


class _Survey(msgspec.Struct):
    """What changed on disk since the last sync, before any file is parsed."""

    folders: list[Path]
    given: list[Path]
    """The paths given to the sync (folders and files), resolved: image paths must stay
    inside the course folder each deck was found in."""
    holders: list[Path]
    """Where a stored deck's file keeps its deck id from other files: the paths given, the
    bundled decks and the added folders. A stored deck whose file is elsewhere has moved
    (the bundled decks, after a reinstall into another Python) and may be taken over."""
    deck_files: list[Path]
    bib_files: list[Path]
    course_files: list[Path]
    """The course files of the deck files (``course.yaml``), read and digested with the
    bibliographies: a changed module reads every deck again, as a changed source does."""
    stored_decks: dict[str, StoredDeck]
    known_stats: FileStats
    """The stats recorded by the last sync."""
    stats: FileStats = field(default_factory=dict)
    """The stats to record now (completed by :func:`_note_parsed` for the files it parses)."""
    signatures: dict[str, Signature] = field(default_factory=dict)
    """The signatures of the settled files read now, by path."""
    to_read: list[_ToRead] = field(default_factory=list)
    skipped_decks: set[str] = field(default_factory=set)
    bibliography_changed: bool = False
    images: ImageCache | None = None
    """Images read so far (created when the first deck file is parsed)."""

    def image_cache(self) -> ImageCache:
        from studyapp.deckfile.imagecheck import ImageCache

        if self.images is None:
            self.images = ImageCache()
        return self.images

    @property
    def nothing_to_read(self) -> bool:
        return not self.to_read and not self.bibliography_changed


def _in_given_order(files: list[Path], given: Sequence[Path]) -> list[Path]:
    """``files`` (sorted) with those of each given path after those of the paths before it:
    of two files that clash (a deck or card id used twice), the later is the one in error,
    so a folder added after the bundled decks never holds them back. By path alone, an added
    folder under /home came before a bundled deck under /usr, and a copy of a bundled deck
    there held back the bundled decks too (a trainee told to remove the bundled folder)."""
    if len(given) < 2:
        return files

    def rank(file: Path) -> int:
        return next(
            (i for i, path in enumerate(given) if file == path or path in file.parents),
            len(given),
        )

    return sorted(files, key=rank)  # (stable: each path's files stay sorted)


def _survey(
    conn: Connection, plan: SyncPlan, paths: Iterable[Path], bibliography: Path | None
) -> _Survey:
    resolved = [real_path(Path(p)) for p in paths]
    deck_files, bib_files = discover_deck_files(resolved, plan.problems)
    deck_files = _in_given_order(deck_files, resolved)
    if bibliography is not None:
        bib_files.insert(0, bibliography)
    holders = [*resolved, *(real_path(Path(f)) for f in stored.deck_folder_paths(conn))]
    holders.append(real_path(bundled_decks_dir()))
    survey = _Survey(
        folders=[p for p in resolved if p.is_dir()],
        given=resolved,
        holders=holders,
        deck_files=deck_files,
        bib_files=list(dict.fromkeys(bib_files)),
        course_files=_course_files(deck_files),
        stored_decks=stored.stored_decks(conn),
        known_stats=stored.stored_file_stats(conn),
    )
    bib_digest = _digest_files(survey.bib_files + survey.course_files)
    if stored.stored_bibliography_digest(conn) != bib_digest:
        # Every deck is read again: a source a deck names may have gone (as validate sees).
        survey.bibliography_changed = True
        plan.changes.bibliography_digest = bib_digest
    by_path = {d.path: d for d in survey.stored_decks.values() if d.active}
    if survey.bibliography_changed:
        by_path = {}
    settled = time.time_ns() - _SETTLED_NS
    for deck_file in deck_files:
        key = str(deck_file)
        deck = by_path.get(key)
        signature = _signature(deck_file)
        entry = survey.known_stats.get(key)
        if (
            deck is not None
            and signature is not None
            and entry is not None
            and entry.signature == signature
            and entry.digest == deck.digest
            and _images_unchanged(entry)
        ):
            # Same size, mtime and inode as when last synced: unchanged, not even read.
            survey.stats[key] = entry
            plan.files_skipped.append(key)
            survey.skipped_decks.add(deck.id)
            continue
        # A file no stored deck has is read when it is parsed, not here. The survey held
        # every new file's bytes until its turn came (92 MB at 200,000 notes); freed one by
        # one, they left holes in the C heap that the rest of the import barely reused
        # (Python's small objects live in arenas of their own), resident to the end. Peak
        # RSS of a first import, 200,000 notes 264 -> 196 MB (medians of 4), 50,000 notes
        # 117.0 -> 100.7 MB (7 each, CPU 1.98 -> 1.97 s, minor faults 26.8k -> 25.3k);
        # adding the folder in the GUI, 200,000 notes 295 (292-299) -> 259 (258-265) MB, 50,000
        # 186 -> 168 MB (5 each, interleaved, load ~5). Whether the bytes went into a heap
        # or into chunks of their own (glibc's mmap threshold, raised by the first large
        # block freed) made the GUI's two modes at 200,000 (287-299 or 325-335 MB). A stored
        # deck's file is read here for its digest (skipped when unchanged), and its bytes
        # kept so that what is parsed is what was digested.
        raw = _read_bytes(deck_file) if deck is not None else None
        digest = None
        if signature is not None and signature.mtime_ns < settled:
            survey.signatures[key] = signature
        if raw is not None and deck is not None:
            digest = hashlib.sha256(raw).hexdigest()
            if digest == deck.digest and entry is not None and _images_unchanged(entry):
                survey.stats[key] = FileStat(survey.signatures.get(key), digest, entry.images)
                plan.files_skipped.append(key)
                survey.skipped_decks.add(deck.id)
                continue
        survey.to_read.append(_ToRead(deck_file, raw, digest))
        plan.files_read.append(key)
    return survey


def _course_files(deck_files: list[Path]) -> list[Path]:
    """The course file of each deck file, each once, sorted (a few stat calls per folder)."""
    return sorted({c for c in courses_of(deck_files).values() if c is not None})


def _images_unchanged(entry: FileStat) -> bool:
    """Whether the images a deck file showed when last synced are as they were."""
    return all(_signature(Path(image.path)) == image.signature for image in entry.images)


def _signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return Signature(st.st_size, st.st_mtime_ns, st.st_ino)


def _read_bytes(path: Path) -> bytes | None:
    return read_source(path)[0]  # bounded; parsing the file reports why it is None


def _digest_files(files: list[Path]) -> str:
    """One digest over the paths and bytes of ``files`` (a missing file counts as empty)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path).encode() + b"\0" + (_read_bytes(path) or b"") + b"\0")
    return digest.hexdigest()


def _nothing_read(conn: Connection, plan: SyncPlan, survey: _Survey) -> SyncPlan:
    """The plan when no file needs reading (the app's start-up, usually): no YAML loaded,
    nothing validated."""
    if survey.stats != survey.known_stats:
        plan.file_stats = survey.stats
    plan.unchanged = stored.count_live_notes(conn, survey.skipped_decks)
    _plan_removed_decks(conn, plan, survey, set())
    return plan


# -- 2. read -------------------------------------------------------------------------------
def _read_bibliographies(plan: SyncPlan, survey: _Survey) -> dict[str, BibEntry]:
    # Imported here: a sync that reads no file never loads the format's machinery.
    from studyapp.deckfile.loader import read_bibliographies

    sources, problems = read_bibliographies(survey.bib_files)
    plan.problems.extend(problems)
    return sources


def _read_courses(plan: SyncPlan, survey: _Survey) -> Courses:
    """The course files of the decks read now, with their problems; and, when every deck is
    read again (a course or source changed), their courses' modules to store."""
    from studyapp.deckfile.course import read_courses
    from studyapp.store.syncrows import ModuleValues

    courses = read_courses([item.path for item in survey.to_read])
    plan.problems.extend(courses.problems)
    if survey.bibliography_changed:
        read = [course for course in courses.by_path.values() if course.read]
        plan.changes.modules = [
            ModuleValues(
                course.course_id,
                module.number,
                module.title,
                None if module.release is None else module.release.isoformat(),
            )
            for course in read
            for module in course.modules.values()
        ]
        plan.changes.module_courses = sorted({course.course_id for course in read})
    return courses


def _note_parsed(plan: SyncPlan, survey: _Survey, parsed: Sequence[ParsedDeck]) -> None:
    """Collect the problems of the decks parsed, and the stats to record for them."""
    for deck in parsed:
        plan.problems.extend(deck.problems)
        if deck.digest:
            shown = {i.path: i for i in deck.images.values()}.values()
            images = tuple(sorted(ImageStat(str(i.path), *i.signature) for i in shown))
            signature = survey.signatures.get(str(deck.path))
            survey.stats[str(deck.path)] = FileStat(signature, deck.digest, images)
    if survey.stats != survey.known_stats:
        plan.file_stats = survey.stats


def _parse_all(survey: _Survey, progress: Progress | None = None) -> list[ParsedDeck]:
    from studyapp.deckfile.imagecheck import check_images
    from studyapp.deckfile.loader import parse_deck

    if progress is None:
        parsed = [parse_deck(r.path, r.raw, digest=r.digest) for r in survey.to_read]
        check_images(parsed, survey.given, survey.image_cache())
        return parsed
    parsed = []
    progress(0, len(survey.to_read))
    for done, item in enumerate(survey.to_read, 1):
        parsed.append(parse_deck(item.path, item.raw, digest=item.digest))
        check_images(parsed[-1:], survey.given, survey.image_cache())
        progress(done, len(survey.to_read))
    return parsed


# -- 3. check ------------------------------------------------------------------------------
def _check(
    plan: SyncPlan,
    survey: _Survey,
    parsed: Sequence[ParsedDeck],
    sources: dict[str, BibEntry],
    others: dict[str, str],
    courses: Courses,
    unique_ids: AbstractSet[str] | None = None,
) -> None:
    """The checks across files; ``others`` maps the ids of cards the store holds from files
    not read now to their file, to catch an id used twice and to know the successors a
    ``replaced_by`` names there (:func:`_stored_elsewhere`); and the stored decks of files
    not read now keep their deck ids, if their file is still there in one of the store's
    sources: :attr:`_Survey.holders`. A file not read now whose retired card names a
    successor gone from every file was read after all (:func:`_read_successors_gone`).
    ``unique_ids``: every card id read, none of them twice (see
    :func:`~studyapp.deckfile.collection.check_collection`)."""
    from studyapp.deckfile.loader import check_collection

    decks = _decks_elsewhere(survey)
    plan.problems.extend(
        check_collection(
            parsed, sources, other_card_ids=others, other_deck_ids=decks, unique_ids=unique_ids
        )
    )
    plan.problems.extend(courses.check(parsed))


def _decks_elsewhere(survey: _Survey, ids: Iterable[str] | None = None) -> dict[str, str]:
    """The stored decks whose file is not read now but is still there in one of the store's
    sources (:attr:`_Survey.holders`): deck id -> path. A file read now may not take their
    ids (a sync would take the deck over and retire its cards). ``ids``: only these (a
    deck read now from its own file stops at its path, with no look at the disk)."""
    read = {str(item.path) for item in survey.to_read}
    stored = survey.stored_decks
    chosen = stored.items() if ids is None else ((i, stored[i]) for i in ids if i in stored)
    return {
        deck_id: deck.path
        for deck_id, deck in chosen
        if deck.active
        and deck.path not in read
        and _held_by(Path(deck.path), survey.holders)
        and Path(deck.path).is_file()
    }


def _held_by(path: Path, holders: Sequence[Path]) -> bool:
    return any(path == holder or holder in path.parents for holder in holders)


def _stored_elsewhere(
    view: _StoredView,
    plan: SyncPlan,
    survey: _Survey,
    parsed: Sequence[ParsedDeck],
    ids: list[str] | None = None,
) -> dict[str, str]:
    """The cards the store holds in the files of decks not read now (live, or retired in
    their file) that the checks across files look up: those sharing an id with a card read
    now (only these can clash with it), and the successors the cards read now name in
    ``replaced_by`` (an unchanged file's card is as known as one read now: a full read
    would have found it, and validate does). A handful of ids, looked up by primary key,
    instead of reading every unchanged file again."""
    # A deck read now keeps its own stored cards (they are its cards, updated), unless its
    # id is another file's (a copy of a bundled deck in an added folder): then each card id
    # it shares with that file is used twice, as validate says, line by line. They were
    # left out, and sync named only the deck id.
    parsed_ids = {d.header.id for d in parsed if d.header is not None}
    parsed_ids.difference_update(_decks_elsewhere(survey, parsed_ids))
    # The files of decks this sync retires (deleted from a synced folder) hold no card:
    # a card moved out of such a file into another is moved, not used twice.
    read = set(plan.files_read) | _vanished(survey)
    if ids is None:
        ids = [card.id for d in parsed for _index, card in d.entries]
        ids += [card.replaced_by for d in parsed for _i, card in d.entries if card.replaced_by]
    return {
        note_id: path
        for note_id, deck_id, path in view.clashing_notes(ids)
        if deck_id not in parsed_ids and path not in read
    }


def _read_successors_gone(
    view: _StoredView, plan: SyncPlan, survey: _Survey, parsed: Sequence[ParsedDeck]
) -> list[ParsedDeck]:
    """The unchanged deck files (skipped by the survey) holding a retired card whose
    successor (``replaced_by``) is in no file any more: its entry left a file read now, and
    no file not read now holds it. A full read would refuse the sync at that card's
    ``replaced_by``; so these files are read and parsed too, and :func:`_check` says so at
    the same line and column. Looked up in the store (the few notes naming a successor);
    a file is read only when the sync is about to be refused."""
    if not survey.skipped_decks:
        return []
    named = stored.successors_named_in(view.conn, survey.skipped_decks)
    if not named:
        return []
    known = {card.id for deck in parsed for _index, card in deck.entries}
    known.update(*(deck.unsalvaged_ids for deck in parsed))
    missing = sorted({successor for _id, successor, _deck in named if successor not in known})
    if not missing:
        return []
    gone = set(missing).difference(_stored_elsewhere(view, plan, survey, parsed, missing))
    decks = {deck_id for _id, successor, deck_id in named if successor in gone}
    again = [survey.stored_decks[deck_id].path for deck_id in sorted(decks)]
    from studyapp.deckfile.imagecheck import check_images
    from studyapp.deckfile.loader import parse_deck

    read_now: list[ParsedDeck] = []
    for path in again:
        read_now.append(parse_deck(Path(path)))
        survey.to_read.append(_ToRead(Path(path), None, None))
        plan.files_skipped.remove(path)
        plan.files_read.append(path)
    survey.skipped_decks -= decks
    check_images(read_now, survey.given, survey.image_cache())
    return read_now


# -- 4. plan -------------------------------------------------------------------------------
class _StoredView:
    """The store as planning sees it. A store with no note yet answers every lookup of
    notes and cards with nothing, without a query (on a first import, 50 files' worth)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._empty = not stored.has_notes(conn)

    def clashing_notes(self, ids: Sequence[str]) -> list[tuple[str, str, str]]:
        return [] if self._empty else stored.clashing_notes(self.conn, ids)

    def notes(self, deck_id: str, ids: Sequence[str]) -> dict[str, StoredNote]:
        return {} if self._empty else stored.stored_notes(self.conn, deck_id, ids)

    def new_media(self, media: list[MediaValues]) -> list[MediaValues]:
        """The images among ``media`` the store does not hold yet."""
        if not media or self._empty:
            return media
        held = stored.stored_media_hashes(self.conn, [m.hash for m in media])
        return [m for m in media if m.hash not in held]

    def cards(self, note_ids: Sequence[str]) -> dict[str, list[StoredCard]]:
        return {} if self._empty or not note_ids else stored.stored_cards(self.conn, note_ids)


def _plan_changes(
    view: _StoredView,
    plan: SyncPlan,
    survey: _Survey,
    parsed: Sequence[ParsedDeck],
    sources: dict[str, BibEntry],
) -> None:
    from studyapp.services.syncplan import plan_deck, plan_inherit

    conn = view.conn
    _plan_sources(conn, plan, sources)
    # Every card id read now, so a card moved to another deck is moved, not retired.
    claimed = {card.id for deck in parsed if deck.model for card in deck.model.cards}
    for deck in parsed:
        plan_deck(view, plan, deck, claimed)
    for old_id, new_id in _successions(parsed):
        plan_inherit(conn, plan, old_id, new_id)
    parsed_ids = {d.model.deck.id for d in parsed if d.model is not None}
    _plan_removed_decks(conn, plan, survey, parsed_ids, claimed)


def _plan_sources(conn: Connection, plan: SyncPlan, sources: dict[str, BibEntry]) -> None:
    """The bibliography read is written again when any entry differs from the stored one."""
    wanted = [
        SourceRow._make(getattr(entry, name) for name in SourceRow._fields)
        for entry in sources.values()
    ]
    if sorted(wanted) != sorted(stored.stored_sources(conn)):
        plan.changes.sources = wanted


def _successions(parsed: Sequence[ParsedDeck]) -> list[tuple[str, str]]:
    """(retired card, successor) for every retired card that hands on its progress."""
    return [
        (card.id, card.replaced_by)
        for deck in parsed
        if deck.model is not None
        for card in deck.model.cards
        if card.retired and card.replaced_by and card.inherit_progress
    ]


def _vanished(survey: _Survey) -> set[str]:
    """The files of the active stored decks that vanished from a synced folder."""
    present = {str(f) for f in survey.deck_files}
    return {
        deck.path
        for deck in survey.stored_decks.values()
        if deck.active
        and deck.path not in present
        and any(folder in Path(deck.path).parents for folder in survey.folders)
    }


def _plan_removed_decks(
    conn: Connection,
    plan: SyncPlan,
    survey: _Survey,
    parsed_ids: set[str],
    claimed: AbstractSet[str] = frozenset(),
) -> None:
    """Decks whose file vanished from a synced folder: retire their cards, keep history;
    but not the ``claimed`` notes, moved to a deck read now."""
    vanished = _vanished(survey)
    for deck_id, deck in survey.stored_decks.items():
        if not deck.active or deck_id in parsed_ids or deck.path not in vanished:
            continue
        plan.decks_removed.append(deck_id)
        plan.changes.decks_deactivated.append(deck_id)
        for note_id in stored.live_note_ids_of_deck(conn, deck_id):
            if note_id in claimed:
                continue
            plan.retired.append(note_id)
            plan.changes.notes_retired.append(note_id)
        plan.changes.cards_retired.extend(stored.live_card_ids_of_deck(conn, deck_id, claimed))


def _plan(
    conn: Connection,
    paths: Iterable[Path],
    *,
    bibliography: Path | None,
    progress: Progress | None = None,
    stream_new: bool = False,
) -> SyncPlan:
    """Phases 1-4 on ``conn``: the plan, nothing written (but see ``stream_new``).

    ``stream_new``: when every deck file to read is new (a folder being added to a store
    with notes, :func:`_all_new`), read it as a first import does, writing each file's rows
    while the next is parsed (:func:`_stream`): a new 50,000-note folder then costs what a
    first import costs, not a plan holding every row first. Should a new deck use an id the
    store holds, or have any problem, what was written is rolled back and the sync is
    planned the reference way below. Only for a caller that commits or rolls back.
    """
    plan = SyncPlan(generation=queries.sync_generation(conn))
    survey = _survey(conn, plan, paths, bibliography)
    if survey.nothing_to_read:
        return _nothing_read(conn, plan, survey)
    if stream_new and _all_new(survey):
        held = _Held(stored.note_ids(conn), frozenset(survey.stored_decks))
        streamed = _stream(conn, plan, survey, progress, held)
        if streamed is not None:
            return streamed
        conn.rollback()
        plan = SyncPlan(generation=queries.sync_generation(conn))
        survey = _survey(conn, plan, paths, bibliography)
    sources = _read_bibliographies(plan, survey)
    parsed = _parse_all(survey, progress)
    view = _StoredView(conn)
    parsed += _read_successors_gone(view, plan, survey, parsed)
    courses = _read_courses(plan, survey)
    _note_parsed(plan, survey, parsed)
    _check(plan, survey, parsed, sources, _stored_elsewhere(view, plan, survey, parsed), courses)
    _count_skipped(conn, plan, survey)
    plan.problems.sort(key=lambda p: (p.path, p.line, p.column))
    if not plan.ok:
        return plan
    _plan_changes(view, plan, survey, parsed, sources)
    return plan


def _count_skipped(conn: Connection, plan: SyncPlan, survey: _Survey) -> None:
    if survey.skipped_decks:
        plan.unchanged = stored.count_live_notes(conn, survey.skipped_decks)


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
        now: unused (cards sent back to relearning are due when the plan is applied).
    """
    with engine.connect() as conn:
        return _plan(conn, paths, bibliography=bibliography)


# -- 5. write ------------------------------------------------------------------------------
def _write(conn: Connection, plan: SyncPlan, *, now: int | None) -> None:
    """Write ``plan`` in ``conn``'s transaction (the caller commits).

    Raises:
        StaleSyncPlan: another sync changed the store after ``plan`` was made.
    """
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
        stored.write_file_stats(conn, plan.file_stats)
    stored.write_changes(conn, plan.changes, now=int(time.time()) if now is None else now)


@gc_paused()
def apply_plan(engine: Engine, plan: SyncPlan, *, now: int | None = None) -> None:
    """Write ``plan`` in one transaction. A plan with errors is refused."""
    if not plan.ok:
        raise ValueError("refusing to apply a sync plan that has errors")
    if not plan.changes_anything and plan.file_stats is None:
        return
    with engine.begin() as conn:
        _write(conn, plan, now=now)


# -- a first import ------------------------------------------------------------------------
def _first_import(
    conn: Connection,
    paths: Iterable[Path],
    *,
    bibliography: Path | None,
    progress: Progress | None = None,
) -> SyncPlan:
    """Every phase for a store with no note yet, writing each file's rows once it is read
    (:func:`_stream`)."""
    plan = SyncPlan(generation=queries.sync_generation(conn))
    survey = _survey(conn, plan, paths, bibliography)
    if survey.nothing_to_read:
        return _nothing_read(conn, plan, survey)
    streamed = _stream(conn, plan, survey, progress, None)
    assert streamed is not None  # nothing stored: nothing to clash with
    return streamed


class _Held(msgspec.Struct, frozen=True):
    """The ids a store with notes holds, which a streamed import's new decks must not use."""

    note_ids: frozenset[str]
    deck_ids: frozenset[str]


def _all_new(survey: _Survey) -> bool:
    """Whether every deck file to read is new to the store and the store holds no deck
    inside the folders synced (so nothing is updated, moved or retired): a folder being
    added. No file is skipped as unchanged, and no deck file is gone."""
    if not survey.to_read or survey.skipped_decks:
        return False
    stored_paths = [Path(d.path) for d in survey.stored_decks.values()]
    if {str(item.path) for item in survey.to_read} & {str(p) for p in stored_paths}:
        return False
    return not any(folder in path.parents for path in stored_paths for folder in survey.folders)


def _stream(
    conn: Connection,
    plan: SyncPlan,
    survey: _Survey,
    progress: Progress | None,
    held: _Held | None,
) -> SyncPlan | None:
    """Read, check and write new decks, each file's rows written once it is read.

    With several files, each is written as soon as it is read, its rows freed before the
    next is parsed (:class:`~studyapp.store.sync.StreamedImport`, the indexes built once at
    the end); a single file is planned and written at the end. After the
    first file with an error, or with a card id an earlier file claimed, nothing more is
    written: the plan fails and the caller rolls back whatever was.

    ``held``: the store already holds notes (a folder being added, :func:`_all_new`). Then a
    deck or card id it holds, or any problem at all, returns None: the caller rolls back and
    plans the sync the reference way (:func:`_plan`), which reports every problem there is.
    """
    from studyapp.services.deckrows import FirstImportRows

    sources = _read_bibliographies(plan, survey)
    courses = _read_courses(plan, survey)
    clashed = False
    rows: list[FirstImportRows] | list[WrittenIds]
    unique_ids: set[str] | None = None
    if len(survey.to_read) > 1:
        parsed, rows, clashed, written = _parse_and_write(
            conn, survey, progress, held, frozenset(sources)
        )
        plan.streamed = bool(rows)
        if len(rows) == len(parsed):
            # Every file was written, so each one's card ids were found in no file before
            # it (_parse_and_write): the checks across files need not look for an id used
            # twice again.
            unique_ids = written
    else:
        parsed = _parse_all(survey, progress)
        rows = [FirstImportRows(deck) for deck in parsed if deck.ok]
        clashed = held is not None and any(_clashes(deck, held) for deck in parsed)
    if clashed:
        return None
    _note_parsed(plan, survey, parsed)
    _check(plan, survey, parsed, sources, {}, courses, unique_ids)
    _count_skipped(conn, plan, survey)
    plan.problems.sort(key=lambda p: (p.path, p.line, p.column))
    if not plan.ok:
        return None if held is not None else plan
    for deck_rows in rows:
        plan.new += deck_rows.new
        plan.shipped_retired += deck_rows.retired
    if len(survey.to_read) == 1:
        for deck_rows in rows:
            assert isinstance(deck_rows, FirstImportRows)  # (not streamed: nothing written)
            plan.changes.decks.append(deck_rows.deck)
            notes, cards = deck_rows.typed()
            plan.changes.notes_inserted += notes
            plan.changes.cards_inserted += cards
            plan.changes.media += deck_rows.media
    _plan_sources(conn, plan, sources)
    # Nothing has progress to inherit yet; a deck stored without notes may have gone.
    _plan_removed_decks(conn, plan, survey, {d.model.deck.id for d in parsed if d.model})
    _release(parsed)
    _release(rows)
    return plan


def _release(items: list[Any]) -> None:
    """Free a long list of parsed decks or their rows one item at a time.

    Dropping the list frees every card model and row in one step, without letting go of
    the GIL: 400-700 ms at 200,000 cards, while the GUI thread (adding a folder) could not
    run. Item by item, the interpreter can switch threads between them (about a
    millisecond each)."""
    while items:
        items.pop()


def _clashes(deck: ParsedDeck, held: _Held) -> bool:
    """Whether a parsed deck uses a deck or card id the store already holds."""
    if deck.model is None:
        return False
    if deck.model.deck.id in held.deck_ids:
        return True
    return not held.note_ids.isdisjoint(card.id for card in deck.model.cards)


def _parse_and_write(
    conn: Connection,
    survey: _Survey,
    progress: Progress | None = None,
    held: _Held | None = None,
    known: frozenset[str] | None = None,
) -> tuple[list[ParsedDeck], list[WrittenIds], bool, set[str]]:
    """Parse the files of a streamed import, writing each one's deck, notes and cards into
    ``conn``'s transaction once it is read; whether a file used an id
    ``held`` by the store (then writing stopped there); and the card ids written (a file
    with an id written before it is not written).

    Of each file's rows only the ids of its new and retired notes are kept once they are
    written: the rows themselves are freed as soon as they are in the store, not held
    until the whole folder is read (peak RSS of a first import, measured
    on the busy machine: see the commit). ``known``: the bibliography's ids, which the
    pass building a file's rows checks its cards' sources and cites against
    (:attr:`ParsedDeck.quiet`)."""
    from studyapp.deckfile.imagecheck import check_images
    from studyapp.deckfile.loader import parse_deck
    from studyapp.services.deckrows import FirstImportRows, WrittenIds

    parsed: list[ParsedDeck] = []
    rows: list[WrittenIds] = []
    written: set[str] = set()
    failed = clashed = False
    # No other store queries from here on until the writer is closed (the indexes are aside).
    if progress is not None:
        progress(0, len(survey.to_read))
    # A first import (nothing ``held``) builds the note and card indexes once all rows
    # are in (StreamedImport's defer_indexes: 0.13-0.19 s less CPU at 50,000 notes); so
    # does a folder added to a small store (the bundled decks only: File > Add deck folder
    # on a new install), whose few stored rows are indexed again with the new ones: the
    # GUI's add of 50,000 notes, CPU to the decks shown 2.13 -> 2.01 s (medians of 5,
    # interleaved, Xvfb, load ~4).
    with StreamedImport(conn, defer_indexes=True, small_store=SMALL_STORE_ROWS) as writer:
        for index, item in enumerate(survey.to_read):
            # (cards as records, not models: only their fields are read from here on, see
            # studyapp.deckfile.records)
            deck = parse_deck(item.path, item.raw, digest=item.digest, records=True)
            check_images([deck], survey.given, survey.image_cache())
            parsed.append(deck)
            # The file's bytes are not kept while the rest is read (a problem found across
            # files reads them again). Peak RSS of a 200,000-note first import: 778 MB,
            # 654 with each file's rows freed once written (below), 618 with this too.
            survey.to_read[index] = _ToRead(item.path, None, item.digest)
            deck.release_text(item.path)
            if progress is not None:
                progress(len(parsed), len(survey.to_read))
            failed = failed or not deck.ok
            if held is not None and not failed and _clashes(deck, held):
                clashed = failed = True
            if failed:
                deck.compact()
                continue
            # (its rows, and what the checks across files keep of its cards, in one pass)
            deck_rows = FirstImportRows(deck, now=writer.now, keep=True, known=known)
            # Its card ids: its new and retired notes' (not read from its cards once more).
            new, retired = deck_rows.new, deck_rows.retired
            if not (written.isdisjoint(new) and written.isdisjoint(retired)):
                failed = True  # an id in two files: reported later
                deck.compact()
                continue
            written.update(new)
            written.update(retired)
            rows.append(WrittenIds(new, retired))
            writer.write_deck(deck_rows.deck, deck_rows.notes, deck_rows.cards, deck_rows.media)
            # Its rows are built: of its cards only what the checks across files read is
            # kept (peak RSS of a 200,000-note first import: see ParsedDeck.compact).
            deck.compact(deck_rows.kept, deck_rows.quiet)
            del deck_rows
    return parsed, rows, clashed, written


@gc_paused()
def sync(
    engine: Engine | DirectStore,
    paths: Iterable[Path],
    *,
    bibliography: Path | None = None,
    dry_run: bool = False,
    now: int | None = None,
    before_reset: Callable[[SyncPlan], None] | None = None,
    progress: Progress | None = None,
    add_folders: Sequence[str] = (),
    every_folder: bool = False,
) -> SyncPlan:
    """Plan and (unless ``dry_run`` or the plan has errors) apply a sync, in one transaction.

    ``every_folder``: ``paths`` are every folder the store's decks come from, so the
    bibliography and course modules read replace the stored ones (a source or course gone
    leaves nothing behind); otherwise other folders keep their sources and courses' modules.

    ``before_reset`` is called with the plan before a plan that retires, relearns or resets
    cards is written (the library takes a backup there). ``progress`` is told how many deck
    files are read (see :data:`Progress`); a :class:`SyncCancelled` it raises leaves the
    store as it was and propagates.

    ``add_folders`` (resolved paths) are recorded as added deck folders in the same
    transaction as the decks they hold: a sync that fails, is cancelled or has errors
    records none of them. (Recorded after it in a transaction of its own, a folder cost the
    GUI's add a second commit and fsync, and was remembered apart from its decks.)

    A first import into a store with no note yet is :func:`_first_import`, with a rollback
    journal (see :func:`~studyapp.store.database.rollback_journal`); a problem in any file
    rolls all of it back, so the store is left as it was, as when a plan with errors is
    never applied.

    ``engine`` may be a :class:`~studyapp.store.database.DirectStore` (not for a dry run):
    then all of it runs on that plain connection, the same statements in the same
    transactions, and SQLAlchemy is never imported (``studyapp sync``; issue 19).
    """
    if dry_run:
        assert not isinstance(engine, DirectStore), "a dry run plans through the engine"
        return plan_sync(engine, paths, bibliography=bibliography, now=now)

    def whole(plan: SyncPlan) -> SyncPlan:
        plan.changes.every_folder = every_folder
        return plan

    with _connection(engine) as (conn, journal):
        if stored.has_notes(conn):
            return _commit_if_ok(
                conn,
                lambda: whole(
                    _plan(
                        conn, paths, bibliography=bibliography, progress=progress, stream_new=True
                    )
                ),
                now,
                before_reset,
                add_folders,
            )
        with journal():
            return _commit_if_ok(
                conn,
                lambda: whole(
                    _first_import(conn, paths, bibliography=bibliography, progress=progress)
                ),
                now,
                before_reset,
                add_folders,
            )


@contextmanager
def _connection(
    store: Engine | DirectStore,
) -> Iterator[tuple[Connection, Callable[[], AbstractContextManager[bool]]]]:
    """The connection a sync runs on (the direct store's own, or one of the engine's for the
    block), and what makes a first import's rollback journal on it (see
    :func:`~studyapp.store.database.rollback_journal`)."""
    if isinstance(store, DirectStore):
        yield store.db, store.rollback_journal
    else:
        with store.connect() as conn:
            yield conn, lambda: rollback_journal(conn)


def _commit_if_ok(
    conn: Connection,
    make_plan: Callable[[], SyncPlan],
    now: int | None,
    before_reset: Callable[[SyncPlan], None] | None,
    add_folders: Sequence[str] = (),
) -> SyncPlan:
    """Run ``make_plan`` on ``conn`` and write the plan if it is ok (``before_reset`` first,
    if it resets progress), with ``add_folders`` recorded as added deck folders; commit, or
    roll back whatever was written if it is not (or on any error)."""
    try:
        plan = make_plan()
        if plan.ok:
            if before_reset is not None and plan.resets_progress:
                before_reset(plan)
            _write(conn, plan, now=now)
            stored.add_deck_folders(conn, add_folders)
    except BaseException:
        conn.rollback()
        raise
    if plan.ok:
        conn.commit()
    else:
        conn.rollback()
    return plan
