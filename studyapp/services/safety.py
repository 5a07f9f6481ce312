"""A data folder's safety net: its lock, its backups, restoring one, checking the store.

:class:`DataFolder` works without opening the store, so a store too damaged to open can
still be restored (from the GUI's damaged-store dialog or ``studyapp backup restore``).
:class:`~studyapp.services.library.Library` holds one for the folder it opened.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studyapp.core.errors import KnownError, StorageError, StoreCorrupt
from studyapp.core.studyday import utc_now
from studyapp.store.database import DB_FILENAME
from studyapp.store.errors import RESTORE_HINT, not_a_folder, storage_error
from studyapp.store.lock import StoreLock

# The backups' and the checks' modules (store.backup, store.integrity) are imported by the
# methods that make a backup, restore one or check the store: opening a library takes only
# the folder's lock, and the review's start-up to its first card does none of them (their
# import after the rest of the library's modules: 2.6-3.9 ms of CPU, 5 runs; the whole
# review start-up at 200,000 notes 2,655.5-2,655.7 -> 2,643.6-2,643.7 M instructions,
# callgrind, twice each; issue 19).
if TYPE_CHECKING:
    from studyapp.store.backup import BackupInfo, Rotation
    from studyapp.store.integrity import CheckReport

__all__ = ["BackupInfo", "CheckReport", "DataFolder", "damaged_error", "storage_failure"]


def __getattr__(name: str) -> Any:
    """:class:`BackupInfo` and :class:`CheckReport`, from their modules when first asked
    for (see above): the same classes as before."""
    if name == "BackupInfo":
        from studyapp.store.backup import BackupInfo

        return BackupInfo
    if name == "CheckReport":
        from studyapp.store.integrity import CheckReport

        return CheckReport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def storage_failure(error: BaseException, store: Path) -> StorageError | None:
    """The :class:`StorageError` ``error`` means for the store at ``store`` (for errors
    raised past the store's own mapping), or None when it is not a storage failure."""
    return storage_error(error, store)


def damaged_error(store: Path, problems: list[str]) -> StoreCorrupt:
    """The one sentence for a store that failed its integrity check."""
    first = problems[0] if problems else "the integrity check failed"
    return StoreCorrupt(
        f"The study store {store} is damaged ({first}); nothing more is saved to it until "
        f"you {RESTORE_HINT}."
    )


class DataFolder:
    """The data folder ``path``: its store file, lock and backups.

    Args:
        path: the folder.
        lock: take the folder's lock now (:class:`~studyapp.core.errors.StoreInUse` if
            another StudyApp holds it); writers do, readers do not. A held
            :class:`StoreLock` of the folder is taken over.
    """

    rotation: Rotation | None = None
    """Which backups to keep; None: :class:`~studyapp.store.backup.Rotation`'s defaults."""

    def __init__(self, path: Path, *, lock: bool | StoreLock = False) -> None:
        self.path = Path(path)
        in_the_way = not_a_folder(self.path)
        if in_the_way is not None:  # 'backup list' said "no backups in FILE/backups"
            raise in_the_way
        self._lock: StoreLock | None = None
        if isinstance(lock, StoreLock):  # taken already (the start-up's first read)
            assert lock.held and lock.path.parent == self.path
            self._lock = lock
        elif lock:
            self._lock = StoreLock(self.path)
            self._lock.acquire()

    @property
    def store(self) -> Path:
        return self.path / DB_FILENAME

    @property
    def backups_dir(self) -> Path:
        from studyapp.store.backup import BACKUP_DIRNAME

        return self.path / BACKUP_DIRNAME

    @property
    def locked(self) -> bool:
        return self._lock is not None and self._lock.held

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- backups ---------------------------------------------------------------------------
    def backup(self, reason: str = "manual", *, now: datetime | None = None) -> BackupInfo:
        """A consistent snapshot of the store, then rotation of the backups folder."""
        from studyapp.store.backup import create_backup

        info = create_backup(self.store, self.backups_dir, reason, now=now)
        self._rotate()
        return info

    def _rotate(self) -> None:
        from studyapp.store.backup import Rotation, rotate

        rotate(self.backups_dir, self.rotation or Rotation())

    def backups(self) -> list[BackupInfo]:
        """Every backup, newest first."""
        from studyapp.store.backup import list_backups

        return list_backups(self.backups_dir)

    def find(self, backup_id: str) -> BackupInfo:
        from studyapp.store.backup import find_backup

        return find_backup(self.backups_dir, backup_id)

    def newest_good_backup(self) -> BackupInfo | None:
        """The newest backup that can be restored and passes SQLite's quick check."""
        from studyapp.store.integrity import quick_check

        for backup in self.backups():
            if backup.restorable and not quick_check(backup.path):
                return backup
        return None

    def restore(self, backup_id: str, *, damaged: bool = False) -> BackupInfo:
        """Make backup ``backup_id`` the store. The current store is kept first: as a
        snapshot if it is sound, else moved aside as a ``damaged`` backup. Returns what the
        current store was kept as. The caller holds the lock and has no open connection.
        """
        from studyapp.store.backup import BackupInfo, create_backup, move_aside, restore_backup
        from studyapp.store.integrity import quick_check

        if not self.locked:
            raise KnownError("restoring a backup needs the data folder's lock")
        chosen = self.find(backup_id)
        if not chosen.restorable:
            raise KnownError(f"backup {chosen.id} is {chosen.reason_text}; choose another one")
        kept: BackupInfo | None = None
        if self.store.exists() and not damaged and not quick_check(self.store):
            try:
                kept = create_backup(self.store, self.backups_dir, "restore")
            except StoreCorrupt:
                kept = None
        if kept is None and self.store.exists():
            aside = move_aside(self.store, self.backups_dir)
            kept = BackupInfo(
                aside.name.removesuffix(".sqlite3"),
                aside,
                utc_now(),
                "damaged",
                aside.stat().st_size,
                None,
            )
        restore_backup(chosen, self.store)
        self._rotate()
        assert kept is not None or not self.store.exists()
        return kept if kept is not None else chosen

    def latest_review(self) -> int:
        """Changes whenever an answer is stored: the GUI backs up during study only when
        something was answered since the last backup."""
        from studyapp.store.backup import latest_review

        return latest_review(self.store)

    # -- checks ----------------------------------------------------------------------------
    def quick_check(self) -> list[str]:
        """SQLite's quick check of the store ([] when sound), always run: start-up and
        writing commands. A clean one vouches for the store until it changes (see
        :mod:`studyapp.store.integrity`)."""
        from studyapp.store.integrity import checked_and_vouched, store_quick_check

        return checked_and_vouched(self.store, store_quick_check, "quick_check", clock=time.time)

    def quick_check_for_reading(self) -> tuple[list[str], bool]:
        """For reading commands: the quick check, unless a clean check vouches for the store
        as it is now (unchanged since, and less than a day ago). Returns the problems ([]
        when sound) and whether the check ran."""
        from studyapp.store.integrity import quick_check_unless_vouched

        return quick_check_unless_vouched(self.store)

    def check(self) -> CheckReport:
        """The full check: SQLite's integrity and foreign keys, and StudyApp's invariants.
        A file SQLite finds sound vouches for the store as the quick check's does."""
        from studyapp.store.integrity import forget_vouch, full_check, store_stamp, vouch_for

        before = store_stamp(self.store)
        started = time.time()
        report = full_check(self.store)
        if report.damage:
            forget_vouch(self.store)
        else:
            vouch_for(self.store, before, started, "integrity_check")
        return report
