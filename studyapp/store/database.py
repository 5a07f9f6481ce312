"""The engine: one SQLite file in WAL mode, foreign keys on, schema version in user_version."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studyapp.core.errors import KnownError, NoStoreError, StoreLocked
from studyapp.core.sqlalchemyload import load_sqlalchemy
from studyapp.store.errors import map_engine_errors, not_a_folder, storage_error, storage_errors
from studyapp.store.plain import (
    DB_FILENAME,
    DEFINITION_KEY,
    SCHEMA_VERSION,
    Db,
    definition_digest,
    refuse_newer,
    stored_digest,
    up_to_date,
    user_version,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

__all__ = [
    "DB_FILENAME",
    "Connection",
    "Db",
    "DirectStore",
    "Engine",
    "SCHEMA_VERSION",
    "checkpoint",
    "checkpoints_deferred",
    "definition_digest",
    "foreign_database",
    "make_read_only",
    "no_store_error",
    "open_engine",
    "pooled_connection",
    "raw_connection",
    "rollback_journal",
    "stop_growing",
]

# Engine and Connection are the store's handles: services hold and pass them (and call
# engine.connect() / engine.begin() to group calls into one transaction), but every
# statement they run is a function of this package.
#
# SQLAlchemy is imported when an engine is first opened (or Engine/Connection first asked
# of this module), not with it: ``studyapp sync`` runs on a :class:`DirectStore` and never
# imports it (0.12-0.15 s of CPU a process; issue 19).


def __getattr__(name: str) -> Any:
    """:class:`Engine` and :class:`Connection` (SQLAlchemy's), imported when first asked for."""
    if name in ("Engine", "Connection"):
        load_sqlalchemy()
        import sqlalchemy

        return getattr(sqlalchemy, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer. synchronous=FULL: every commit (every answer)
    # fsyncs the WAL before it returns, so an answer the trainee saw accepted survives a
    # power cut or an OS crash, as in Anki. NORMAL would only sync at checkpoints: up to
    # ~90 answers (issue 13) were in the OS's cache only. The cost is one fsync per answer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _read_only(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA query_only=ON")


def no_store_error(path: Path) -> KnownError:
    """For a command that needs an existing store (a mistyped --data-dir must not silently
    create an empty one): the folder has none, or is a file (or lies in one)."""
    return not_a_folder(path.parent) or NoStoreError(
        f"There is no study store in {path.parent}; check --data-dir (starting the app or "
        "'studyapp sync' creates one)."
    )


def open_engine(path: Path | str, *, create: bool = True, read_only: bool = False) -> Engine:
    """Open (and create or upgrade) the database at ``path``.

    Args:
        path: the store file.
        create: create a new store if there is none (else :class:`NoStoreError`).
        read_only: every connection refuses writes (``PRAGMA query_only``), and the store is
            neither created nor upgraded: for commands that only read.

    Raises:
        KnownError: the file is not a StudyApp database, was written by a newer version,
            or cannot be opened (a :class:`StorageError` says why).
    """
    load_sqlalchemy()  # before any import of SQLAlchemy (why: core.sqlalchemyload)
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import DatabaseError, OperationalError

    path = Path(path)
    if not path.exists():
        if not create or read_only:
            raise no_store_error(path)
        in_the_way = not_a_folder(path.parent)
        if in_the_way is not None:
            raise in_the_way
    with storage_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    if read_only:
        event.listen(engine, "connect", _read_only)
    map_engine_errors(engine, path)
    try:
        _prepare(engine, path, read_only=read_only)
    except (OperationalError, DatabaseError, sqlite3.DatabaseError) as exc:
        engine.dispose()
        mapped = storage_error(exc, path)
        if mapped is not None:
            raise mapped from exc
        reason = exc.orig if isinstance(exc, DatabaseError) else exc
        raise KnownError(f"cannot open the database {path}: {reason}") from exc
    except BaseException:
        engine.dispose()
        raise
    return engine


def _prepare(engine: Engine, path: Path, *, read_only: bool = False) -> None:
    """Create the store, or bring it up to the definition, unless it is up to date.

    An up-to-date store costs two reads here; nothing else is imported or checked.
    """
    raw = engine.raw_connection()
    try:
        db = raw.driver_connection
        assert isinstance(db, sqlite3.Connection)
        _prepare_db(db, path, read_only=read_only)
    finally:
        raw.close()


def _prepare_db(db: sqlite3.Connection, path: Path, *, read_only: bool = False) -> None:
    """:func:`_prepare` on the plain connection ``db``."""
    digest = definition_digest()
    if up_to_date(db, digest):
        return
    if read_only:  # a reader never writes, not even an upgrade
        raise KnownError(
            f"the study store {path} was written by an older StudyApp; start the app or "
            "run 'studyapp sync' once to bring it up to date."
        )
    _upgrade(db, path, digest)


def _upgrade(db: sqlite3.Connection, path: Path, digest: str | None) -> None:
    """Create or upgrade the store in one transaction (see :func:`studyapp.store.schema.upgrade`),
    then record the digest and the version. Foreign keys are off meanwhile (a table rebuild
    needs it; the upgrade checks them itself) and can only be switched outside a transaction.
    """
    db.execute("PRAGMA foreign_keys=OFF")
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have just done it.
            version = user_version(db)
            refuse_newer(version)
            if version == SCHEMA_VERSION and digest is not None and stored_digest(db) == digest:
                db.rollback()
                return
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if version == 0 and tables:
                raise KnownError(
                    f"cannot open the database {path}: it holds tables but was not made by StudyApp"
                )
            # A new store is made from the checked-in DDL snapshot while it matches the
            # definition (no SQLModel: 0.12-0.15 s of a first import, see snapshot.py);
            # only an older store, or a definition changed since, needs the table classes.
            from studyapp.store.snapshot import create_new_store

            if version != 0 or not create_new_store(db, digest):
                from studyapp.store import schema

                schema.upgrade(db, new=version == 0)
            db.execute(
                "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)",
                (DEFINITION_KEY, digest or ""),
            )
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            db.rollback()
            raise
        db.commit()
    finally:
        db.execute("PRAGMA foreign_keys=ON")


class DirectStore:
    """The store at ``path`` on one plain ``sqlite3`` connection (:attr:`db`), opened, made
    or brought up to the definition exactly as :func:`open_engine` does, but without
    SQLAlchemy: for a library that only syncs (``studyapp sync``, a first import), whose
    engine is then never opened (:attr:`studyapp.services.library.Library.engine`).

    The connection is set up as each of the engine's is (WAL, synchronous=FULL, foreign
    keys, the busy timeout: :func:`_on_connect`), and, as the engine's, usable from another
    thread (the streamed import's writer). Storage failures on it raise their
    :class:`StorageError` where the caller wraps them in
    :func:`~studyapp.store.errors.storage_errors` (the engine maps them itself).

    Raises:
        KnownError: as :func:`open_engine`.
    """

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        self.path = path = Path(path)
        if not create and not path.exists():
            raise no_store_error(path)
        with storage_errors(path):
            path.parent.mkdir(parents=True, exist_ok=True)
        self.db = self._connect()
        try:
            _prepare_db(self.db, path)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            mapped = storage_error(exc, path)
            if mapped is not None:
                raise mapped from exc
            raise KnownError(f"cannot open the database {path}: {exc}") from exc
        except BaseException:
            self.db.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        with storage_errors(self.path):
            db = sqlite3.connect(self.path, check_same_thread=False)
            try:
                _on_connect(db, None)
            except BaseException:
                db.close()
                raise
        return db

    @contextmanager
    def rollback_journal(self) -> Iterator[bool]:
        """:func:`rollback_journal` on :attr:`db`: the block writes with a rollback journal
        (synchronous=EXTRA) if the switch can be made, then :attr:`db` is a new connection
        in WAL (set up as at the open)."""
        try:
            row = self.db.execute("PRAGMA journal_mode=DELETE").fetchone()
            switched = row is not None and row[0] == "delete"
        except sqlite3.OperationalError:  # (locked: another connection to the file)
            switched = False
        if switched:
            self.db.execute("PRAGMA synchronous=EXTRA").close()
        try:
            yield switched
        finally:
            if switched:
                # Back to WAL through a new connection, as rollback_journal does.
                self.db.close()
                self.db = self._connect()

    def pragmas(self, names: Iterable[str]) -> dict[str, Any]:
        """The value of each PRAGMA of ``names`` on :attr:`db`."""
        return {name: self.db.execute(f"PRAGMA {name}").fetchone()[0] for name in names}

    def close(self) -> None:
        self.db.close()


@contextmanager
def pooled_connection(engine: Engine) -> Iterator[sqlite3.Connection]:
    """One of the engine's pooled connections as a plain ``sqlite3`` connection for the
    block, then given back to the pool."""
    db, give_back = raw_connection(engine)
    try:
        yield db
    finally:
        give_back()


def raw_connection(engine: Engine) -> tuple[sqlite3.Connection, Callable[[], None]]:
    """One of the engine's pooled connections as a plain ``sqlite3`` connection (for the
    study path, see :mod:`studyapp.store.queries`), and the function that gives it back."""
    pooled = engine.raw_connection()
    db = pooled.driver_connection
    assert isinstance(db, sqlite3.Connection)
    return db, pooled.close


WAL_AUTOCHECKPOINT = 1000
"""SQLite's default ``wal_autocheckpoint`` (pages), which every connection keeps outside
:func:`checkpoints_deferred`.

2,000 was tried and reverted (tail-r9, notes/19-tail-r9.md): at 200,000 cards a checkpoint
(one answer in ~93, ~145 scattered pages written back and the database fsynced, 3-5 ms) is
the 500-answer run's p99, and 2,000 halved those answers (p99 3.6-3.8 -> 1.5 ms, A/B against
Anki rendering). But the WAL starts empty at each open, and while it grows every commit's
fdatasync also writes the file's new size (~0.15 ms more an answer: 0.70 against 0.53 ms
median, 200k benchmark store): 2,000 doubled those answers (the first ~187 of a session, not
~93), and the median answer rose in 3 of 4 interleaved sets."""


class _Deferral:
    """An engine's state for :func:`checkpoints_deferred`: how many blocks are open, and
    which pooled connections were checked out in one (by their pool records)."""

    def __init__(self) -> None:
        self.blocks = 0
        self.out: set[int] = set()
        self.lock = threading.Lock()

    def checked_out(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if self.blocks:
            dbapi_connection.execute("PRAGMA wal_autocheckpoint=0").close()
            with self.lock:
                self.out.add(id(record))

    def checked_in(self, dbapi_connection: Any, record: Any) -> None:
        if self.out and id(record) in self.out:
            with self.lock:
                self.out.discard(id(record))
            # An invalidated connection is checked in as None (closed: nothing to give
            # back), e.g. by rollback_journal, which a first import in the block runs.
            if dbapi_connection is not None:
                dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}").close()


_deferrals: weakref.WeakKeyDictionary[Engine, _Deferral] = weakref.WeakKeyDictionary()
_deferrals_lock = threading.Lock()


@contextmanager
def checkpoints_deferred(engine: Engine) -> Iterator[None]:
    """Commits through ``engine``'s connections checked out in the block leave what they
    wrote in the WAL: none of them copies the WAL into the database file (SQLite's automatic
    checkpoint), until :func:`checkpoint` does, or the next commit after the block.

    Nothing is less durable: with synchronous=FULL a commit fsyncs the WAL before it
    returns, and a store opened after a crash reads its committed frames from the WAL. It
    lets a bulk write (File > Add deck folder) end when its rows are durable, and the second
    copy of every page it wrote (the checkpoint: the WAL's 151 MB written into the database
    file and fsynced at 200,000 notes, 0.3-0.45 s of wall and 0.22-0.23 s of system CPU,
    measured in-process, load ~1.6) be made afterwards, once the result is shown.

    A connection checked out in the block gets the automatic checkpoint back when it is
    checked in, in the block or after it (another thread's may be checked in later).

    The pool listeners are added once per engine, at its first block, and never removed:
    SQLAlchemy's dispatch iterates a deque, and adding or removing a listener while another
    thread checks a connection out raised "deque mutated during iteration" in that thread
    (tests/store/test_database.py: within 3,000 blocks, 3 runs of 3). Outside a block each
    costs one attribute test per check-out and check-in, on an engine that has had a block
    only."""
    load_sqlalchemy()
    from sqlalchemy import event

    with _deferrals_lock:
        deferral = _deferrals.get(engine)
        if deferral is None:
            deferral = _deferrals[engine] = _Deferral()
            event.listen(engine, "checkout", deferral.checked_out)
            event.listen(engine, "checkin", deferral.checked_in)
        deferral.blocks += 1
    try:
        yield
    finally:
        with _deferrals_lock:
            deferral.blocks -= 1


def checkpoint(engine: Engine) -> None:
    """Copy what the WAL holds into the database file, as the automatic checkpoint after a
    commit would have (a passive one: it waits for no reader and blocks no one)."""
    with pooled_connection(engine) as db:
        db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def stop_growing(db: Db) -> None:
    """Let the store on ``db`` grow no further through this connection (SQLite's
    ``max_page_count``): the next write that needs a page fails as on a full disk. For the
    screenshots of the full-disk banner."""
    (pages,) = db.execute("PRAGMA page_count").fetchone()
    db.execute(f"PRAGMA max_page_count={int(pages)}")


@contextmanager
def foreign_database(path: Path | str) -> Iterator[sqlite3.Cursor]:
    """A cursor on a new SQLite file at ``path`` that is not a store but another program's
    format (the collection inside an Anki package, which genanki writes through a cursor);
    committed if the block succeeds, closed either way."""
    db = sqlite3.connect(path)
    try:
        yield db.cursor()
        db.commit()
    finally:
        db.close()


def make_read_only(engine: Engine) -> None:
    """From now on every connection of ``engine`` refuses writes: idle ones are closed, and
    new ones are opened with ``PRAGMA query_only``. (Connections checked out, such as a
    study session's, must be closed by their owner.)"""
    load_sqlalchemy()
    from sqlalchemy import event

    event.listen(engine, "connect", _read_only)
    engine.dispose()


@contextmanager
def rollback_journal(conn: Connection) -> Iterator[bool]:
    """Write with a rollback journal instead of the WAL for the block (a bulk load into an
    empty store), and go back to WAL after it. Yields whether the switch was made.

    In WAL mode every page of a bulk load is written twice: into the WAL, then again when
    the commit's checkpoint copies it into the database (0.08 s of a 50,000-card import).
    With a rollback journal it is written once, and the journal of a store with no cards
    yet holds next to nothing. Commits stay atomic, and as durable as in WAL with
    synchronous=FULL: the block runs with synchronous=EXTRA, which also syncs the folder
    after the journal is deleted at commit. (With FULL, a power cut just after the commit
    could bring the deleted journal back, and the next open would roll the import back.)

    Leaving WAL needs the only connection to the file: with another one open (another
    process, another thread's session) the switch fails and the block runs in WAL as usual.
    The block must start and end outside a transaction.
    """
    load_sqlalchemy()
    from sqlalchemy.exc import OperationalError

    try:
        switched = conn.exec_driver_sql("PRAGMA journal_mode=DELETE").scalar() == "delete"
    except (OperationalError, StoreLocked):
        switched = False
    if switched:
        conn.exec_driver_sql("PRAGMA synchronous=EXTRA").close()
    try:
        yield switched
    finally:
        if switched:
            # Back to WAL through a new connection (set up by _on_connect): switching this
            # one back leaves SQLite's header update pending, and the next checkpoint on it
            # fails with "database table is locked" (seen in the tests).
            conn.invalidate()
            conn.exec_driver_sql("SELECT 1").scalar()
