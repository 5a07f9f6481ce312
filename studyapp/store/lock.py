"""One writer per data folder: a lock file held by the GUI and every writing command.

SQLite's own locks serialise single transactions, not a whole session: two windows on one
store each kept their own idea of today's counts (40 new cards against a limit of 20), and a
sync plan made in one process was applied after another process had already applied it
(resetting 200 cards the trainee had just relearned). So a process that writes holds this
lock from opening the store to closing it, and a second one is refused with one sentence.
Commands that only read (stats, export, check) do not take it.

``filelock`` takes an OS lock (``flock`` on Unix, ``LockFileEx`` on Windows), which the
operating system releases when the process ends however it ends (a crash, SIGKILL, power
loss), so a stale lock file never blocks the next start.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from studyapp.core.errors import StoreInUse
from studyapp.store.errors import storage_errors

__all__ = ["LOCK_FILENAME", "StoreLock"]

LOCK_FILENAME = "studyapp.lock"


class StoreLock:
    """The lock of the data folder ``data_dir``; :meth:`acquire` never waits."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILENAME
        self._lock = FileLock(self.path, timeout=0, thread_local=False, fallback_to_soft=False)

    @property
    def held(self) -> bool:
        return bool(self._lock.is_locked)

    def acquire(self) -> None:
        """Take the lock, or raise :class:`StoreInUse` if another StudyApp holds it."""
        with storage_errors(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._lock.acquire()
            except Timeout:
                raise StoreInUse(
                    f"The study store in {self.path.parent} is already open in another "
                    "StudyApp window or command; close that one first."
                ) from None

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)
