"""Backups: consistent snapshots of the live store, kept by rotation, and restoring one.

A snapshot is taken with SQLite's online backup API on a connection of its own, never by
copying the files of a live WAL store (a copy can catch the database and its WAL at
different moments). It is written beside its final name, checked, synced, then renamed
into place, so a crash mid-backup leaves at most a ``.partial`` file that the next backup
removes. Each backup is one self-contained rollback-journal SQLite file: any SQLite tool
opens it. It leaves out the search index, which is derived from the cards and notes (half
the size of a backup: 15.2 -> 7.6 MB at 10,000 notes) and is made again when a search
first needs it.

Names are ``YYYYMMDD-HHMMSS-reason.sqlite3`` in UTC; the name (without ``.sqlite3``) is
the backup's id.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from studyapp.core.errors import KnownError, StoreCorrupt
from studyapp.store.errors import storage_errors
from studyapp.store.integrity import quick_check

__all__ = [
    "BACKUP_DIRNAME",
    "BackupInfo",
    "Rotation",
    "create_backup",
    "find_backup",
    "latest_review",
    "list_backups",
    "move_aside",
    "restore_backup",
    "rotate",
]

BACKUP_DIRNAME = "backups"
_SUFFIX = ".sqlite3"
_NAME = re.compile(r"^(\d{8}-\d{6})(?:-(\d+))?-([a-z-]+)$")
REASONS = {
    "start": "at start-up",
    "study": "during study",
    "sync": "before a deck update",
    "close": "on closing",
    "manual": "made by hand",
    "restore": "before a restore",
    "damaged": "damaged store, set aside",
}


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """One backup file. ``reviews`` is None when the file cannot be read (damaged)."""

    id: str
    path: Path
    created: datetime
    reason: str
    size: int
    reviews: int | None

    @property
    def reason_text(self) -> str:
        return REASONS.get(self.reason, self.reason)

    @property
    def restorable(self) -> bool:
        return self.reason != "damaged" and self.reviews is not None


@dataclass(frozen=True, slots=True)
class Rotation:
    """Which backups to keep: the newest ``recent``; the newest of each of the last
    ``daily`` days, ``weekly`` ISO weeks and ``monthly`` months that have one; then, oldest
    first, drop kept ones until the folder holds at most ``max_bytes`` (never the newest two)."""

    recent: int = 8
    daily: int = 7
    weekly: int = 8
    monthly: int = 12
    max_bytes: int = 2 * 1024**3


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _open_backup(path: Path) -> sqlite3.Connection:
    # immutable: a backup never changes, so SQLite takes no locks and makes no -wal/-shm.
    return sqlite3.connect(f"file:{path.as_posix()}?mode=ro&immutable=1", uri=True)


def _snapshot(source: sqlite3.Connection, target: Path, *, lean: bool = False) -> None:
    """Copy ``source``'s database into a new file ``target`` (rollback-journal mode);
    ``lean``: without the search index, which is derived data (see :func:`create_backup`).

    A lean copy is made from a scratch copy (no journal, no syncs: it is thrown away) with
    the index dropped, written out by ``VACUUM INTO`` once: 0.11 s at 10,000 notes, as
    fast as a whole copy (0.10 s) and half its size; dropping the index in the copy itself
    and vacuuming it took 0.26 s (VACUUM writes the database twice)."""
    target.unlink(missing_ok=True)
    whole = target.with_name("whole-" + target.name) if lean else target
    whole.unlink(missing_ok=True)
    dest = sqlite3.connect(whole, isolation_level=None)
    try:
        source.backup(dest)
        # The copied header says WAL; a backup is one file, so it leaves WAL.
        dest.execute("PRAGMA journal_mode=DELETE")
        if not lean:
            return
        if dest.execute(_HAS_INDEX).fetchone() is None:
            dest.close()
            os.replace(whole, target)
            return
        dest.execute("PRAGMA journal_mode=OFF")
        dest.execute("PRAGMA synchronous=OFF")
        # Imported here: the index's module (the search grammar, orjson) is not needed to
        # open a store or take a backup of one without an index.
        from studyapp.store.search import drop_index

        drop_index(dest)
        dest.execute("VACUUM INTO ?", (str(target),))
    finally:
        dest.close()
        if lean:
            whole.unlink(missing_ok=True)
    lean_copy = sqlite3.connect(target, isolation_level=None)
    try:
        lean_copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        lean_copy.close()


_HAS_INDEX = "SELECT 1 FROM sqlite_master WHERE name IN ('card_text', 'card_text_pending')"


def _unique_name(folder: Path, stamp: str, reason: str) -> Path:
    """``stamp-reason``, or ``stamp-N-reason`` for the Nth backup within one second (of any
    reason), so names sort as the backups were made."""
    taken = {p.name.split("-")[2] for p in folder.glob(f"{stamp}-*{_SUFFIX}")}
    if not taken:
        return folder / f"{stamp}-{reason}{_SUFFIX}"
    n = 2
    while str(n) in taken:
        n += 1
    return folder / f"{stamp}-{n}-{reason}{_SUFFIX}"


def create_backup(
    store: Path,
    folder: Path,
    reason: str,
    *,
    now: datetime | None = None,
    source: sqlite3.Connection | None = None,
) -> BackupInfo:
    """Snapshot the store at ``store`` into ``folder``; returns the new backup.

    Args:
        store: the live store file.
        folder: the backups folder (created if missing).
        reason: a key of :data:`REASONS`.
        now: the backup's time (tests pass a fixed one).
        source: a connection to read from (default: a new one to ``store``).

    Raises:
        StorageError: the store cannot be read (damaged) or the backup cannot be written.
    """
    assert reason in REASONS, reason
    moment = now or datetime.now(UTC)
    with storage_errors(folder):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.partial"):
            stale.unlink(missing_ok=True)
        final = _unique_name(folder, moment.astimezone(UTC).strftime("%Y%m%d-%H%M%S"), reason)
        partial = final.with_name(final.name + ".partial")
        own = source is None
        conn = sqlite3.connect(f"file:{store.as_posix()}?mode=ro", uri=True) if own else source
        assert conn is not None
        try:
            _snapshot(conn, partial, lean=True)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            if own:
                conn.close()
        problems = quick_check(partial)
        if problems:
            partial.unlink(missing_ok=True)
            raise StoreCorrupt(
                f"The study store {store} is damaged ({problems[0]}), so no backup was made "
                "of it; restore an older backup (File → Backups… or 'studyapp backup list')."
            )
        _fsync_file(partial)
        os.replace(partial, final)
        _fsync_dir(folder)
    return _info(final)


def latest_review(store: Path) -> int:
    """The id of the newest review row (0 if none): a cheap sign that answers were given
    since a backup (an index lookup, not a count)."""
    with storage_errors(store):
        db = sqlite3.connect(f"file:{store.as_posix()}?mode=ro", uri=True)
        try:
            return int(db.execute("SELECT coalesce(max(id), 0) FROM review").fetchone()[0])
        finally:
            db.close()


def _parse(path: Path) -> tuple[str, datetime, str] | None:
    if not path.name.endswith(_SUFFIX):
        return None
    stem = path.name[: -len(_SUFFIX)]
    match = _NAME.match(stem)
    if match is None:
        return None
    created = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    return stem, created, match.group(3)


def _reviews(path: Path) -> int | None:
    try:
        db = _open_backup(path)
        try:
            return int(db.execute("SELECT count(*) FROM review").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return None


def _info(path: Path) -> BackupInfo:
    parsed = _parse(path)
    assert parsed is not None
    stem, created, reason = parsed
    reviews = None if reason == "damaged" else _reviews(path)
    return BackupInfo(stem, path, created, reason, path.stat().st_size, reviews)


def list_backups(folder: Path) -> list[BackupInfo]:
    """Every backup in ``folder``, newest first."""
    if not folder.is_dir():
        return []
    found = [_info(p) for p in folder.iterdir() if _parse(p) is not None]
    return sorted(found, key=_order, reverse=True)


def _order(backup: BackupInfo) -> tuple[datetime, int]:
    """Time, then the number a second backup within the same second got (``-2-``)."""
    match = _NAME.match(backup.id)
    return backup.created, int(match.group(2) or 1) if match else 0


def find_backup(folder: Path, backup_id: str) -> BackupInfo:
    """The backup whose id is ``backup_id`` (or the one id it starts)."""
    backups = list_backups(folder)
    exact = [b for b in backups if b.id == backup_id]
    matches = exact or [b for b in backups if b.id.startswith(backup_id)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise KnownError(f"no backup {backup_id!r} in {folder}; 'studyapp backup list' shows them")
    raise KnownError(f"{backup_id!r} names {len(matches)} backups; give more of the id")


def rotate(folder: Path, rotation: Rotation = Rotation()) -> list[Path]:
    """Delete the backups ``rotation`` does not keep; returns the deleted files."""
    backups = list_backups(folder)
    keep: set[str] = {b.id for b in backups[: rotation.recent]}
    for count, period in (
        (rotation.daily, "%Y-%m-%d"),
        (rotation.weekly, "%G-W%V"),
        (rotation.monthly, "%Y-%m"),
    ):
        seen: set[str] = set()
        for backup in backups:  # newest first: the first of a period is its newest
            key = backup.created.astimezone().strftime(period)
            if key not in seen and len(seen) < count:
                seen.add(key)
                keep.add(backup.id)
    kept = [b for b in backups if b.id in keep]
    total = sum(b.size for b in kept)
    for backup in reversed(kept[2:]):  # oldest first, never the newest two
        if total <= rotation.max_bytes:
            break
        keep.discard(backup.id)
        total -= backup.size
    removed = []
    for backup in backups:
        if backup.id not in keep:
            for path in _files_of(backup.path):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
    return removed


def _files_of(path: Path) -> Iterable[Path]:
    yield path
    for extra in ("-wal", "-shm", "-journal"):
        yield path.with_name(path.name + extra)


def move_aside(store: Path, folder: Path, *, now: datetime | None = None) -> Path:
    """Move a damaged store (and its -wal) into ``folder`` as a ``damaged`` backup, for
    anyone who wants to look at it later; it is never offered for restoring."""
    moment = now or datetime.now(UTC)
    with storage_errors(folder):
        folder.mkdir(parents=True, exist_ok=True)
        target = _unique_name(folder, moment.strftime("%Y%m%d-%H%M%S"), "damaged")
        for source, dest in zip(_files_of(store), _files_of(target), strict=True):
            if source.exists():
                os.replace(source, dest)
        _fsync_dir(folder)
        _fsync_dir(store.parent)
    return target


def restore_backup(backup: BackupInfo, store: Path) -> None:
    """Make ``backup`` the store at ``store``. Every connection to ``store`` must be closed
    (the caller holds the data folder's lock and has closed its engine).

    The backup is copied beside the store, checked and synced, the store's old -wal and
    -shm are removed (a stale WAL must never be replayed onto another database), and the
    copy is renamed over the store: at every moment either the old or the new store is whole.
    """
    if not backup.restorable:
        raise KnownError(f"backup {backup.id} is {backup.reason_text}; choose another one")
    with storage_errors(store):
        incoming = store.with_name(store.name + ".restoring")
        source = _open_backup(backup.path)
        try:
            _snapshot(source, incoming)
        finally:
            source.close()
        problems = quick_check(incoming)
        if problems:
            incoming.unlink(missing_ok=True)
            raise StoreCorrupt(
                f"Backup {backup.id} is damaged ({problems[0]}); choose another one."
            )
        _fsync_file(incoming)
        for stale in list(_files_of(store))[1:]:
            stale.unlink(missing_ok=True)
        os.replace(incoming, store)
        _fsync_dir(store.parent)
