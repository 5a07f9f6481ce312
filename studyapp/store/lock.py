"""One writer per data folder: a lock file held by the GUI and every writing command.

SQLite's own locks serialise single transactions, not a whole session: two windows on one
store each kept their own idea of today's counts (40 new cards against a limit of 20), and a
sync plan made in one process was applied after another process had already applied it
(resetting 200 cards the trainee had just relearned). So a process that writes holds this
lock from opening the store to closing it, and a second one is refused with one sentence.
Commands that only read (stats, export, check) do not take it.

The lock is an OS lock on ``studyapp.lock`` (``flock`` on Unix, ``LockFileEx`` on Windows),
which the operating system releases when the process ends however it ends (a crash,
SIGKILL, power loss), so a stale lock file never blocks the next start.

Where ``fcntl.flock`` exists (Linux, macOS, the BSDs) it is taken here directly, exactly as
``filelock``'s Unix lock takes it (the file opened ``O_RDWR | O_NONBLOCK | O_NOFOLLOW``,
created with mode 0o666 less the umask and kept on release; ``LOCK_EX | LOCK_NB``; a busy
lock, EACCES/EAGAIN/EWOULDBLOCK, refused at once; an inode unlinked before the lock was
won is not a lock; a forked child does not carry the parent's hold), so this lock and
filelock's exclude each other in both directions, as two StudyApp versions on one folder
must (tests/store/test_lock.py). That keeps ``filelock``'s import off the window's first
frame (issue 19): 21 modules with ``platform`` and ``decimal``, 14-16 ms of CPU in the
start-up's order (after PySide6, whose import hook reads the source of every module
imported after it; 5 runs, load ~5). Elsewhere (Windows) ``filelock`` takes it, imported
when a lock is first made.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakSet

from studyapp.core.errors import StorageError, StoreInUse, StoreIOError
from studyapp.store.errors import not_a_folder, storage_errors

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["LOCK_FILENAME", "StoreLock"]

LOCK_FILENAME = "studyapp.lock"

_fcntl: ModuleType | None
try:
    import fcntl as _fcntl
except ImportError:  # Windows
    _fcntl = None

_FLOCK = _fcntl is not None and hasattr(_fcntl, "flock")
"""Whether the lock is taken with ``flock`` here (else with ``filelock``)."""

_BUSY = frozenset({errno.EACCES, errno.EAGAIN, errno.EWOULDBLOCK})
"""``flock``'s answers for a lock another open file holds (some filesystems say EACCES)."""

_held: WeakSet[StoreLock] = WeakSet()
"""The locks this process holds with ``flock`` (for :func:`_forget_in_child`)."""


def _forget_in_child() -> None:
    """In a forked child: close the inherited descriptors without unlocking (the lock
    belongs to the parent's open file; unlocking here would release the parent's hold)."""
    for lock in list(_held):
        fd, lock._fd = lock._fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass
    _held.clear()


if _FLOCK and hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


class StoreLock:
    """The lock of the data folder ``data_dir``; :meth:`acquire` never waits."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILENAME
        self._fd: int | None = None
        self._lock: Any = None  # filelock's, where there is no flock
        if not _FLOCK:
            from filelock import FileLock

            self._lock = FileLock(self.path, timeout=0, thread_local=False, fallback_to_soft=False)

    @property
    def held(self) -> bool:
        if self._lock is not None:
            return bool(self._lock.is_locked)
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`StoreInUse` if another StudyApp holds it."""
        with storage_errors(self.path):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise self._not_a_folder() from None
            if self._lock is not None:
                from filelock import Timeout

                try:
                    self._lock.acquire()
                except Timeout:
                    raise self._in_use() from None
                return
            if self._fd is not None:  # held already (as filelock's, re-entrant)
                return
            if not self._flock():
                raise self._in_use()

    def _flock(self) -> bool:
        """Open the lock file and take ``flock`` without waiting: False if it is busy."""
        assert _fcntl is not None
        flags = os.O_RDWR | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path, flags | os.O_CREAT, 0o666)
        except BlockingIOError:  # a lease on the file: its holder is using it
            return False
        try:
            _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in _BUSY:
                return False
            raise
        except BaseException:
            os.close(fd)
            raise
        if os.fstat(fd).st_nlink == 0:  # unlinked before the lock was won: not the lock
            os.close(fd)
            return False
        self._fd = fd
        _held.add(self)
        return True

    def _not_a_folder(self) -> StorageError:
        """The data folder, or a folder above it, is a file (was a FileExistsError traceback)."""
        data_dir = self.path.parent
        return not_a_folder(data_dir) or StoreIOError(f"Cannot make the data folder {data_dir}.")

    def _in_use(self) -> StoreInUse:
        return StoreInUse(
            f"The study store in {self.path.parent} is already open in another "
            "StudyApp window or command; close that one first."
        )

    def release(self) -> None:
        if self._lock is not None:
            if self._lock.is_locked:
                self._lock.release(force=True)
            return
        fd, self._fd = self._fd, None
        _held.discard(self)
        if fd is not None:
            assert _fcntl is not None
            try:
                _fcntl.flock(fd, _fcntl.LOCK_UN)
            finally:
                os.close(fd)
