"""The trainee's library: one store, its settings, deck syncing, overview and sessions.

This is the headless entry point the CLI and the GUI both use.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, assert_never

import msgspec

from studyapp.core.errors import KnownError, StorageError, StoreCorrupt, StoreReadOnly
from studyapp.core.printable import printable
from studyapp.core.studyday import utc_now
from studyapp.deckfile.discover import course_folders_above
from studyapp.deckfile.problems import Problem, Severity
from studyapp.deckfile.reading import real_path
from studyapp.services import paths
from studyapp.services.families import family_title
from studyapp.services.safety import DataFolder, damaged_error
from studyapp.services.sync import Progress, SyncPlan, apply_plan, plan_sync, sync
from studyapp.services.undo import UndoLog, UndoStep
from studyapp.store import library as stored
from studyapp.store import queries, tally
from studyapp.store.database import (
    DB_FILENAME,
    DirectStore,
    checkpoint,
    checkpoints_deferred,
    make_read_only,
    no_store_error,
    open_engine,
    pooled_connection,
    raw_connection,
)
from studyapp.store.errors import storage_errors
from studyapp.store.lock import StoreLock
from studyapp.store.queries import CardCounts, CourseModuleInfo
from studyapp.store.searchindex import may_have_index

# The search and cram services (the search grammar, the index's tables, orjson) are imported
# where a search, the index or a cram session is first used: opening the library, a study
# session and a sync that changes nothing need none of them. The start-up to the first card
# at 200,000 notes: importing the services after the data stack 73 -> 64 ms CPU (medians of 7,
# interleaved, load 6), the review start-up's peak RSS 105.0 -> 103.9 MB (issue 19).
#
# The same for the FSRS services (fitting, replaying, rescheduling: studyapp.services.fsrs
# with store.memory) and the deck options' editor (services.deck_options): imported by the
# methods that use them: ~2.7 ms of CPU less before the review's first card (their import
# after the rest of the services: 1.8 + 0.9 ms, medians of 3, load ~5; issue 19).
#
# The study service (a session, its scope; with the card renderer, steering, the scheduler and
# its Rust module) likewise: ``studyapp sync`` (a first import) needs none of it: what the
# first-import worker imports 304 -> 291 ms of CPU (medians of 7 interleaved, GC off as in the
# command, load 4.5). The GUI imports it before Qt (cli._import_data_stack_before_qt).
#
# The overview and the settings (services.overview, .settings, .today, store.presets,
# core.retention) likewise: a first import (``studyapp sync``, the sa_import worker) reads
# neither; the main window and ``stats`` import them where they are used. A process importing
# what the first-import worker imports before its clock: 276.0 -> 268.9 ms of CPU (medians of
# 15, interleaved, load 4.7-5.3; the five modules' import alone 6.1-6.8 ms). test_library.py
# pins that a sync does not load them and that the re-exported names are the overview's own.
if TYPE_CHECKING:
    from studyapp.services.cram import CramSession
    from studyapp.services.deck_options import DeckOptions, SavedOptions
    from studyapp.services.fsrs import OptimizeResult
    from studyapp.services.overview import (
        DeckSummary,
        FamilySummary,
        ModuleSummary,
        Overview,
        ScopeChoice,
        ScopeKind,
    )
    from studyapp.services.safety import BackupInfo, CheckReport
    from studyapp.services.search import CardSearch
    from studyapp.services.settings import Settings
    from studyapp.services.study import StudyScope, StudySession
    from studyapp.store.database import Engine
    from studyapp.store.plain import Db

__all__ = [
    "BUNDLED_HELD_BACK",
    "BackupInfo",
    "CardCounts",
    "CheckReport",
    "CourseModuleInfo",
    "DeckSummary",
    "FamilySummary",
    "FolderStatus",
    "Library",
    "ModuleSummary",
    "Overview",
    "Problem",
    "ScopeChoice",
    "is_bundled",
    "ScopeKind",
]


_OVERVIEW_NAMES = frozenset(
    ("DeckSummary", "FamilySummary", "ModuleSummary", "Overview", "ScopeChoice", "ScopeKind")
)


def __getattr__(name: str) -> Any:
    """The safety net's :class:`BackupInfo` and :class:`CheckReport` (re-exported), from
    :mod:`studyapp.services.safety` when first asked for: it imports their modules where a
    backup or a check is made (issue 19). The overview's types likewise, from
    :mod:`studyapp.services.overview` (see the comment above ``TYPE_CHECKING``)."""
    if name in ("BackupInfo", "CheckReport"):
        from studyapp.services import safety

        return getattr(safety, name)
    if name in _OVERVIEW_NAMES:
        from studyapp.services import overview

        return getattr(overview, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Library:
    """A store in ``data_dir`` and everything done with it.

    A library that writes (the default) holds the data folder's lock from opening to
    :meth:`close`, so one StudyApp at a time writes to a store (a second one gets
    :class:`~studyapp.core.errors.StoreInUse`). ``read_only`` opens without the lock, never
    creates or upgrades a store and refuses every write: for commands that only read.

    Args:
        data_dir: the data folder.
        read_only: open for reading only (see above).
        create: create a new store if the folder has none (else
            :class:`~studyapp.core.errors.NoStoreError`); :attr:`created` tells.
        lock: the folder's lock, already held (the start-up's first read took it): the
            library takes it over and releases it on :meth:`close`.
        engine_now: open the engine at once, with no plain connection first (the window,
            which needs the engine before anything else: a plain connection opened and
            closed on the way cost 0.55 ms of CPU an open, medians of 30, load ~4). Else a
            writer opens its engine when first asked for (:attr:`engine`).
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        read_only: bool = False,
        create: bool = True,
        lock: StoreLock | None = None,
        engine_now: bool = False,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.read_only = read_only
        if (read_only or not create) and not self.store_path.exists():
            raise no_store_error(self.store_path)  # before the lock makes the folder
        self.folder = DataFolder(self.data_dir, lock=lock or not read_only)
        self.created = not self.store_path.exists()
        self._engine: Engine | None = None
        self._direct: DirectStore | None = None
        self._direct_lock = threading.Lock()
        self._direct_busy = 0
        """Blocks using the direct store now (:meth:`_direct_use`)."""
        try:
            if read_only or engine_now:
                self._engine = open_engine(
                    self.store_path, create=create and not read_only, read_only=read_only
                )
            else:
                # A writer opens (creates, upgrades) the store on a plain connection; the
                # engine is opened when first needed (:attr:`engine`).
                self._direct = DirectStore(self.store_path, create=create)
        except BaseException:
            self.folder.release()
            raise
        if self._engine is not None and not read_only:
            # The statistics' tally of answers is kept by triggers: make sure they exist
            # before the first answer (a lookup; a write only for a new or rebuilt store).
            tally.ensure_tally(self._engine, count=False)
        if self._direct is not None:
            # The statistics' tally of answers is kept by triggers: make sure they exist
            # before the first answer (a lookup; a write, through the engine, only for a
            # store made before them or rebuilt).
            with storage_errors(self.store_path):
                kept = tally.ensure_kept(self._direct.db)
            if not kept:
                tally.ensure_tally(self.engine, count=False)
        self._settings: Settings | None = None
        self._sessions: weakref.WeakSet[StudySession] = weakref.WeakSet()
        self.damage: StoreCorrupt | None = None
        """Set once the store was found damaged: from then on nothing is written to it."""
        self.undo_log = UndoLog()
        """The one undo history of this library: answers, review actions, browser actions."""

    @classmethod
    def open(
        cls,
        data_dir: str | Path | None = None,
        *,
        read_only: bool = False,
        create: bool = True,
        engine_now: bool = False,
    ) -> Library:
        return cls(
            paths.default_data_dir(data_dir),
            read_only=read_only,
            create=create,
            engine_now=engine_now,
        )

    @property
    def store_path(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def engine(self) -> Engine:
        """The store's engine (SQLAlchemy), opened when first asked for.

        Until then a writing library works on the plain connection it opened the store with
        (:class:`~studyapp.store.database.DirectStore`), which :meth:`sync` uses: a library
        that only syncs (``studyapp sync``, a first import) never imports SQLAlchemy, 0.12-0.15
        s of CPU a process (issue 19). Once the engine is open, that connection is closed
        and everything goes through the engine, as before.
        """
        if self._engine is None:
            self._engine = open_engine(self.store_path)
            with self._direct_lock:
                direct, self._direct = self._direct, None
                # (after the engine's open, whose pooled connection stays open; one in use
                # meanwhile, here or on another thread, is closed when its use ends)
                if direct is not None and not self._direct_busy:
                    direct.close()
        return self._engine

    @engine.setter
    def engine(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def _direct_use(self) -> Iterator[DirectStore | None]:
        """The direct store for the block while there is no engine (else None), with its
        storage failures raised as :class:`StorageError`. Opening the engine meanwhile does
        not close it under the block: the block's end does."""
        with self._direct_lock:
            direct = self._direct
            if direct is not None:
                self._direct_busy += 1
        if direct is None:
            yield None
            return
        try:
            with storage_errors(self.store_path):
                yield direct
        finally:
            with self._direct_lock:
                self._direct_busy -= 1
                if self._direct is not direct and not self._direct_busy:
                    direct.close()  # the engine was opened meanwhile

    @contextmanager
    def _plain(self) -> Iterator[Db]:
        """A plain connection to the store for the block: the direct one while there is no
        engine, else one of the engine's."""
        with self._direct_use() as direct:
            if direct is not None:
                yield direct.db
                return
        with pooled_connection(self.engine) as db:
            yield db

    def store_pragmas(self, names: Iterable[str]) -> dict[str, Any]:
        """The value of each PRAGMA of ``names`` on the connection this library writes
        through (the direct one, or one of the engine's): what the benchmark reads back."""
        with self._plain() as db:
            return {name: db.execute(f"PRAGMA {name}").fetchone()[0] for name in names}

    @property
    def backups_dir(self) -> Path:
        return self.folder.backups_dir

    def close(self) -> None:
        self._close_sessions()
        if self._engine is not None:
            self._engine.dispose()
        with self._direct_lock:
            direct, self._direct = self._direct, None
        if direct is not None:
            direct.close()
        self.folder.release()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- settings --------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from studyapp.services.settings import load_settings

            self._settings = load_settings(self.engine)
        return self._settings

    def override_settings(self, settings: Settings) -> None:
        """Use ``settings`` until the library is closed, without saving them."""
        self._settings = settings

    def update_settings(self, settings: Settings) -> None:
        """Save ``settings``. New FSRS parameters also replay every card's memory state
        (:meth:`set_parameters`); due dates stay until :meth:`reschedule_reviews`."""
        self._writable()
        from studyapp.services.settings import save_settings

        previous = self.settings
        save_settings(self.engine, settings.with_changes(fsrs_parameters=previous.fsrs_parameters))
        self._settings = settings.with_changes(fsrs_parameters=previous.fsrs_parameters)
        if settings.fsrs_parameters != previous.fsrs_parameters:
            self.set_parameters(settings.fsrs_parameters)

    # -- deck options (issue 12) ----------------------------------------------------------
    def deck_options(self) -> DeckOptions:
        """Every preset and the one each deck uses, to edit and then :meth:`save_deck_options`."""
        from studyapp.services.deck_options import load_deck_options

        return load_deck_options(self.engine)

    def save_deck_options(self, options: DeckOptions) -> SavedOptions:
        """Save the edited options in one transaction; sessions started after use them.

        Raises:
            DeckOptionsError: an invalid preset; nothing is saved.
        """
        self._writable()
        from studyapp.services.deck_options import save_deck_options

        saved = save_deck_options(self.engine, options)
        self._settings = None  # the Default preset's retention is a setting's mirror
        return saved

    # -- FSRS parameters and rescheduling (issue 12) ------------------------------------------
    def optimize(self, *, now: datetime | None = None) -> OptimizeResult:
        """Fit FSRS parameters to this store's reviews; they are kept only if they fit better
        (see :func:`studyapp.services.fsrs.optimize`)."""
        from studyapp.services import fsrs

        self._writable()
        result = fsrs.optimize(self.engine, self.settings, now=now)
        if result.saved:
            self._settings = None
        return result

    def set_parameters(self, parameters: Sequence[float], *, now: datetime | None = None) -> int:
        """Use ``parameters`` (empty: the published defaults); every card's memory state is
        replayed with them. Returns the cards replayed.

        Raises:
            ParameterError: unusable parameters; nothing is changed.
        """
        from studyapp.services import fsrs

        self._writable()
        done = fsrs.set_parameters(self.engine, self.settings, parameters, now=now)
        self._settings = None
        return done.recomputed

    def reviews_to_reschedule(
        self, *, deck_ids: Sequence[str] | None = None, critical: bool | None = None
    ) -> int:
        """Review cards :meth:`reschedule_reviews` would consider (asked about first)."""
        from studyapp.services import fsrs

        return fsrs.reviews_to_reschedule(
            self.engine, self.settings, deck_ids=deck_ids, critical=critical
        )

    def reschedule_reviews(
        self,
        *,
        deck_ids: Sequence[str] | None = None,
        critical: bool | None = None,
        now: datetime | None = None,
    ) -> int:
        """Move review cards' due dates to their memory at their desired retention with the
        parameters in use (Anki's "reschedule cards on change"). Returns how many moved."""
        from studyapp.services import fsrs

        self._writable()
        return fsrs.reschedule_reviews(
            self.engine, self.settings, deck_ids=deck_ids, critical=critical, now=now
        )

    # -- decks -----------------------------------------------------------------------------
    def folders(self) -> list[Path]:
        """Deck folders the user added (re-synced on start)."""
        with self._direct_use() as direct:  # (``studyapp sync``: still no engine needed)
            if direct is not None:
                return [Path(p) for p in stored.deck_folders(direct.db)]
        return [Path(p) for p in stored.deck_folders(self.engine)]

    def add_folder(self, folder: Path) -> None:
        self._writable()
        path = str(real_path(Path(folder)))
        with self._direct_use() as direct:  # (``studyapp sync FOLDER``: no engine needed)
            if direct is not None:
                stored.add_deck_folder(direct.db, path)
                return
        stored.add_deck_folder(self.engine, path)

    def remove_folder(self, folder: Path) -> list[str]:
        """Forget an added deck folder; its decks leave the study list, their progress kept.

        Adding the folder again brings the decks back with their history. A backup is taken
        first when the folder had decks. Returns the ids of the decks taken off.

        Raises:
            KnownError: ``folder`` is not one of the added folders.
        """
        self._writable()
        stored_path = self._added(folder)
        if stored.folder_decks(self.engine, stored_path):
            self.backup("sync")
        return stored.remove_deck_folder(self.engine, stored_path)

    def _added(self, folder: Path) -> str:
        """The stored path of the added folder ``folder`` names (as given or resolved)."""
        added = stored.deck_folders(self.engine)
        for candidate in (str(folder), str(real_path(Path(folder)))):
            if candidate in added:
                return candidate
        raise KnownError(f"{printable(str(folder))} is not an added deck folder")

    def folder_statuses(
        self, blocked: dict[str, list[Problem]] | None = None, *, bundled: bool = False
    ) -> list[FolderStatus]:
        """Each added folder with its decks and state, for ``folders list`` and the GUI.

        Args:
            blocked: the problems of the last update's folders that were held back
                (:attr:`SyncPlan.blocked`), if one was made.
            bundled: list the bundled course decks first.
        """
        statuses = []
        if bundled:
            course = paths.bundled_decks_dir()
            count = len(stored.folder_decks(self.engine, str(real_path(course))))
            statuses.append(FolderStatus(course, course.is_dir(), count, bundled=True))
        for path in stored.deck_folders(self.engine):
            problems = (blocked or {}).get(path, [])
            statuses.append(
                FolderStatus(
                    Path(path),
                    exists=Path(path).is_dir(),
                    decks=len(stored.folder_decks(self.engine, path)),
                    problems=tuple(problems),
                )
            )
        return statuses

    def default_sources(self) -> list[Path]:
        """The bundled decks and every folder the user added."""
        return [paths.bundled_decks_dir(), *self.folders()]

    def plan(self, sources: Iterable[Path] | None = None) -> SyncPlan:
        """What syncing ``sources`` would do.

        With no ``sources`` (the bundled decks and every added folder, as at start-up), each
        folder stands on its own: a folder that is missing or has errors is left out of the
        plan, with its problems in :attr:`SyncPlan.blocked`, and everything else is planned
        without it. Given ``sources`` are planned together: one error stops them all.
        """
        bibliography = paths.bundled_sources_file()
        if sources is not None:
            return plan_sync(self.engine, list(sources), bibliography=bibliography)
        return _independently(
            self.default_sources(),
            lambda chosen: plan_sync(self.engine, chosen, bibliography=bibliography),
        )

    def apply(self, plan: SyncPlan) -> None:
        """Write ``plan`` (made by :meth:`plan`); a plan that retires, relearns or resets
        cards is preceded by a backup. A plan made before another sync changed the store is
        refused (:class:`~studyapp.core.errors.StaleSyncPlan`)."""
        self._writable()
        if plan.resets_progress:
            self.backup("sync")
        apply_plan(self.engine, plan)
        self._keep_index_current()

    def sync(
        self,
        sources: Iterable[Path] | None = None,
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        keep_index: bool = True,
        add_folders: Sequence[Path] = (),
    ) -> SyncPlan:
        """Plan and, unless ``dry_run`` or the plan has errors, apply a sync of ``sources``
        (a first import writes while it reads: see :func:`studyapp.services.sync.sync`);
        a backup is taken before a plan that retires, relearns or resets cards is written.
        With no ``sources``, each folder stands on its own, as in :meth:`plan`.
        ``progress`` hears of each deck file read and may cancel (:data:`Progress`).

        A store that has a search index gets it brought current after the write, unless
        ``keep_index`` is False: then the caller does that next, with
        :meth:`keep_index_current` (the window's File > Add deck folder, once the new decks
        are shown). Meanwhile no search is stale: a writer's search brings the index
        current first, a reader's searches a private current copy
        (:mod:`studyapp.store.search`).

        ``add_folders`` (with ``sources``, not in a dry run) are remembered as added deck
        folders (:meth:`add_folder`) in the sync's own transaction: only if its plan is
        applied, never after a failure, a cancel or a deck with errors. (File > Add deck
        folder recorded it after the sync, in a transaction of its own: 1.7-3.8 ms more of
        the add's wall at 200,000 notes, a commit and an fsync of the WAL, 3 runs, load
        3.3-3.5; the gain is that a folder is never remembered apart from its decks.)"""
        assert not add_folders or (sources is not None and not dry_run), (
            "folders are added by a sync of given sources that writes"
        )
        if not dry_run:
            self._writable()
        added = [str(real_path(Path(folder))) for folder in add_folders]

        every = self.default_sources() if sources is None else None

        def run(chosen: list[Path]) -> SyncPlan:
            # Every folder (none missing, none left out for its errors): the course modules
            # read are all there are; else the folders not read keep their courses' modules.
            every_folder = chosen == every
            # No engine yet: the sync runs on the direct connection, the same statements in
            # the same transactions; its storage failures mapped by _direct_use (the
            # engine maps them as they are raised).
            with self._direct_use() as direct:
                if direct is not None and not dry_run:
                    return sync(
                        direct,
                        chosen,
                        bibliography=paths.bundled_sources_file(),
                        before_reset=self._backup_before_sync,
                        progress=progress,
                        add_folders=added,
                        every_folder=every_folder,
                    )
            return sync(
                self.engine,
                chosen,
                bibliography=paths.bundled_sources_file(),
                dry_run=dry_run,
                before_reset=self._backup_before_sync,
                progress=progress,
                add_folders=added,
                every_folder=every_folder,
            )

        plan = run(list(sources)) if sources is not None else _independently(every or [], run)
        if keep_index and not dry_run and plan.changes_anything:
            # A store that has a search index keeps it current, so a reader (``studyapp
            # search`` while the app is open) finds it so; one never searched gets none.
            self._keep_index_current()
        return plan

    def _backup_before_sync(self, _plan: SyncPlan) -> None:
        self.backup("sync")

    # -- trainees' own notes ---------------------------------------------------------------
    def user_note(self, note_id: str) -> str:
        """The trainee's note on a card ('' if none). Deck syncs never touch these."""
        return stored.user_note(self.engine, note_id)

    def set_user_note(self, note_id: str, note: str) -> None:
        """Save (or, when blank, delete) the trainee's note on a card."""
        self._writable()
        if note.strip():
            stored.save_user_note(self.engine, note_id, note)
        else:
            stored.delete_user_note(self.engine, note_id)
        self._keep_index_current()

    def clone(self, target_dir: Path) -> Library:
        """A copy of this library's store in ``target_dir`` (for screenshots and previews),
        with this library's settings (also those overridden for this run, such as a theme)."""
        target_dir.mkdir(parents=True, exist_ok=True)
        stored.copy_store(self.engine, target_dir / DB_FILENAME)
        return Library(target_dir)

    # -- searching -------------------------------------------------------------------------
    def card_search(
        self, *, clock: Callable[[], datetime] = utc_now, tz: tzinfo | None = None
    ) -> CardSearch:
        """The search service for this store and settings (tests pass a clock and zone)."""
        from studyapp.services.search import CardSearch

        return CardSearch(self.engine, self.settings, clock=clock, tz=tz)

    def keep_index_current(self) -> None:
        """Bring the search index current after a write made with ``keep_index=False``
        (:meth:`sync`); the same as every write does itself, with the same failures
        (:meth:`_keep_index_current`): only a damaged store raises."""
        self._writable()
        self._keep_index_current()

    def checkpoints_deferred(self) -> AbstractContextManager[None]:
        """A block whose commits leave what they write in the WAL, for :meth:`catch_up` to
        copy into the database file afterwards (as durable meanwhile: see
        :func:`studyapp.store.database.checkpoints_deferred`)."""
        return checkpoints_deferred(self.engine)

    def catch_up(self) -> None:
        """After an add written with ``keep_index=False`` (:meth:`sync`) inside
        :meth:`checkpoints_deferred`: the search index brought current
        (:meth:`keep_index_current`), then the WAL copied into the database file (the
        checkpoint the add's commit left; the index's own first commit does most of it when
        the store has an index). A failed checkpoint loses nothing (the WAL keeps every
        commit; the next commit or close copies it): only a damaged store raises."""
        self.keep_index_current()
        try:
            with storage_errors(self.store_path):
                checkpoint(self.engine)
        except StorageError as exc:
            if isinstance(exc, StoreCorrupt):
                raise

    def _keep_index_current(self) -> None:
        """After a write, the search index catches up with it (if the store has one). The
        write stands if this fails for want of space or time: the index records what it
        misses and catches up later, and a reader never searches it stale meanwhile."""
        try:
            # A store with no index (never searched: as after a first import) has nothing
            # to bring current; asked first, the search service is not imported for it
            # (studyapp.store.searchindex: 18-19 ms of CPU a first import).
            with self._plain() as db:
                if not may_have_index(db):
                    return
            self.card_search().keep_index_current()
        except StorageError as exc:
            if isinstance(exc, StoreCorrupt):
                raise

    # -- safety: backups, checks, damage ---------------------------------------------------
    def _writable(self) -> None:
        """Refuse to write to a damaged store, or through a read-only library."""
        if self.damage is not None:
            raise self.damage
        if self.read_only:
            raise StoreReadOnly(f"The study store {self.store_path} was opened read-only.")

    def backup(self, reason: str = "manual", *, now: datetime | None = None) -> BackupInfo:
        """A consistent snapshot of the store in :attr:`backups_dir`, then rotation."""
        return self.folder.backup(reason, now=now)

    def backups(self) -> list[BackupInfo]:
        """The backups, newest first."""
        return self.folder.backups()

    def newest_good_backup(self) -> BackupInfo | None:
        return self.folder.newest_good_backup()

    def quick_check(self) -> list[str]:
        """SQLite's quick check of the store ([] when sound): for start-up, off the GUI
        thread (it reads every page)."""
        return self.folder.quick_check()

    def quick_check_for_reading(self) -> list[str]:
        """For reading commands: the quick check unless a clean one vouches for the store
        as it is (:meth:`DataFolder.quick_check_for_reading`); [] when sound."""
        return self.folder.quick_check_for_reading()[0]

    def check(self) -> CheckReport:
        """The full check: SQLite's integrity and foreign keys, and StudyApp's invariants."""
        return self.folder.check()

    def mark_damaged(self, problems: list[str] | StoreCorrupt) -> StoreCorrupt:
        """Stop writing to the store: every session is closed, and from now on every
        connection refuses writes and every writing method raises the returned error."""
        if self.damage is None:
            self.damage = (
                problems
                if isinstance(problems, StoreCorrupt)
                else damaged_error(self.store_path, problems)
            )
            self._close_sessions()
            make_read_only(self.engine)
        return self.damage

    def restore(self, backup_id: str) -> BackupInfo:
        """Make backup ``backup_id`` the store; returns what the current store was kept as
        first (a snapshot, or the damaged file set aside). Every session of this library is
        closed; the library stays open, on the restored store."""
        if self.read_only:
            raise StoreReadOnly(f"The study store {self.store_path} was opened read-only.")
        self.folder.find(backup_id)  # an unknown id changes nothing
        self._close_sessions()
        self.engine.dispose()
        try:
            kept = self.folder.restore(backup_id, damaged=self.damage is not None)
        finally:
            self.engine = open_engine(self.store_path)
        self.damage = None
        self._settings = None
        return kept

    def _close_sessions(self) -> None:
        for session in list(self._sessions):
            session.close()

    def undo(self) -> UndoStep | None:
        """Take back the newest step of the undo history (see :class:`UndoLog`)."""
        self._writable()
        db, release = raw_connection(self.engine)
        try:
            return self.undo_log.undo(db)
        finally:
            release()

    # -- studying --------------------------------------------------------------------------
    def session(
        self,
        scope: StudyScope | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        tz: tzinfo | None = None,
    ) -> StudySession:
        """A session over ``scope`` (all decks by default); see :class:`StudySession`.
        Refused while the store is damaged or opened read-only."""
        self._writable()
        return self._session(scope, clock=clock, monotonic=monotonic, tz=tz)

    def _session(
        self,
        scope: StudyScope | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        tz: tzinfo | None = None,
    ) -> StudySession:
        from studyapp.services.study import StudySession

        session = StudySession(
            self.engine,
            self.settings,
            scope,
            clock=clock,
            monotonic=monotonic,
            tz=tz,
            undo_log=self.undo_log,
        )
        self._sessions.add(session)
        return session

    def cram_session(
        self,
        query: str,
        *,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        tz: tzinfo | None = None,
        seed: int | None = None,
    ) -> CramSession:
        """A cram session over the cards ``query`` finds (see :class:`CramSession`).

        Raises:
            SearchError: the query is malformed.
        """
        from studyapp.services.cram import CramSession

        self._writable()
        session = CramSession(
            self.engine,
            self.settings,
            query,
            clock=clock,
            monotonic=monotonic,
            tz=tz,
            undo_log=self.undo_log,
            seed=seed,
        )
        self._sessions.add(session)
        return session

    def scope(self, choice: ScopeChoice) -> StudyScope:
        """The decks and title of what the trainee chose to study."""
        from studyapp.services.overview import ScopeKind
        from studyapp.services.study import StudyScope

        match choice.kind:
            case ScopeKind.ALL:
                return StudyScope()
            case ScopeKind.FAMILY:
                return self.scope_for_family(choice.id)
            case ScopeKind.DECK if choice.module is not None:
                deck = self.scope_for_deck(choice.id)
                module = self._module_title(choice.module)
                return StudyScope(deck.deck_ids, f"{deck.label} · {module}", choice.module)
            case ScopeKind.DECK:
                return self.scope_for_deck(choice.id)
            case ScopeKind.MODULE:
                number = choice.module or 0
                return StudyScope(None, self._module_title(number), number)
            case _:
                assert_never(choice.kind)

    def _module_title(self, number: int) -> str:
        if number == 0:
            return "In no module"
        titles = {m.number: m.title for m in self.course_modules()}
        return f"Module {number}: {titles[number]}" if number in titles else f"Module {number}"

    def course_modules(self) -> list[CourseModuleInfo]:
        """The course modules (course.yaml, as synced), by number, for the settings and the
        overview's grouping."""
        with self.engine.connect() as conn:
            return queries.course_modules(conn)

    def scope_for_family(self, family: str) -> StudyScope:
        from studyapp.services.study import StudyScope

        with self.engine.connect() as conn:
            decks = stored.deck_ids_of_families(conn, [family])
        return StudyScope(decks, family_title(family))

    def scope_for_deck(self, deck_id: str) -> StudyScope:
        from studyapp.services.study import StudyScope

        return StudyScope((deck_id,), stored.deck_title(self.engine, deck_id) or deck_id)

    def overview(self, now: datetime | None = None, *, totals: bool = False) -> Overview:
        """Decks by family with counts, for the main screen and ``studyapp stats``
        (:func:`studyapp.services.overview.read_overview` on one of the engine's
        connections: the start-up's first frame reads it on a plain one).

        Args:
            now: the current time (tests pass a fixed one).
            totals: also count every active card per deck (a full count; ``stats`` wants it,
                the main screen does not).
        """
        from studyapp.services.overview import read_overview

        with storage_errors(self.store_path), pooled_connection(self.engine) as db:
            return read_overview(db, self.settings, now, totals=totals)


BUNDLED_HELD_BACK = "reinstall StudyApp, and if the problems stay, report them"
"""What to do when the decks shipped with StudyApp were held back by their own errors: a
trainee can neither fix nor remove that folder (sync told them to 'folders remove' it)."""


def is_bundled(folder: str | Path) -> bool:
    """Whether ``folder`` (a key of :attr:`SyncPlan.blocked`) is the folder of decks shipped
    with StudyApp, which is always read and cannot be removed."""
    return real_path(Path(folder)) == real_path(paths.bundled_decks_dir())


class FolderStatus(msgspec.Struct, frozen=True):
    """A deck folder: whether it exists, its decks, and what held it back."""

    path: Path
    exists: bool
    decks: int
    problems: tuple[Problem, ...] = ()
    bundled: bool = False
    """The course decks shipped with StudyApp (always read, not removable)."""

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.is_error)

    @property
    def state(self) -> str:
        """Its state in a few words, for a column of the folder list."""
        if self.bundled:
            return "always read"
        if not self.exists:
            return "not found: decks kept as they were"
        if self.errors:
            return f"{self.errors} problem{'s' if self.errors != 1 else ''}: not updated"
        return "read at every start"

    @property
    def describe(self) -> str:
        """Its state in a sentence, for ``folders list`` and below the folder list."""
        decks = f"{self.decks} deck{'s' if self.decks != 1 else ''}"
        if self.bundled:
            return f"{decks} of the course, shipped with StudyApp; always read"
        if not self.exists:
            return (
                f"not found (moved, renamed or on a drive that is not connected); {decks} "
                "kept as they were"
            )
        if self.errors:
            return (
                f"{decks}; not updated: {self.errors} problem{'s' if self.errors != 1 else ''} "
                "(its decks are as they were)"
            )
        return decks


def _missing_folder(folder: Path) -> Problem:
    return Problem(
        str(folder),
        1,
        1,
        Severity.ERROR,
        "the folder is not there (moved, renamed or on a drive that is not connected); its "
        "decks are kept as they were. Remove it from the deck folders if it is gone for good",
    )


def _independently(sources: list[Path], run: Callable[[list[Path]], SyncPlan]) -> SyncPlan:
    """``run`` on ``sources`` so that each source folder stands on its own.

    A missing folder is left out before anything is read. After a run with errors, each
    folder with an error of its own (in its files, or in the course files above it that it
    reads) is left out and the rest is run again (a clash between two folders is reported in
    the later one, so the earlier one goes ahead); an error in no folder (the shared
    bibliography) stops everything, as a single run would.
    """
    blocked: dict[str, list[Problem]] = {}
    present: list[Path] = []
    for source in sources:
        if source.is_dir():
            present.append(source)
        else:
            blocked[str(source)] = [_missing_folder(source)]
    plan = run(present)
    while not plan.ok and present:
        owners = {str(real_path(source)): source for source in present}
        mine: dict[Path, list[Problem]] = {}
        stray = False
        for problem in plan.problems:
            where = Path(problem.path)
            # (a deck file may lie in a subfolder of its folder; a course's sources.yaml or
            # course.yaml in a folder above it, when the folder added is the course's decks)
            owner = (
                owners.get(str(where))
                or next((owners[str(up)] for up in where.parents if str(up) in owners), None)
                or next(
                    (
                        source
                        for key, source in owners.items()
                        if where.parent in course_folders_above(Path(key))
                    ),
                    None,
                )
            )
            if owner is not None:
                mine.setdefault(owner, []).append(problem)
            elif problem.is_error:
                stray = True
        held = {source for source, found in mine.items() if any(p.is_error for p in found)}
        if stray or not held:
            break
        for source in held:
            blocked[str(source)] = mine[source]
        present = [source for source in present if source not in held]
        plan = run(present)
    plan.blocked = blocked
    return plan
