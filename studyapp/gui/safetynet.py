"""The window's background safety work: the start-up check and backup after the first
paint, a backup every 30 minutes of study, one on closing (:class:`SafetyNet`).

Its own module, apart from the dialogs of :mod:`studyapp.gui.safety` (the damaged store,
the backups, the storage error boxes, with their Qt types and the message boxes'), which
are imported when one is shown: the window makes its safety net when it gets its library,
and a screenshot's window (the review's start-up to the first card) shows none of them.
The review start-up at 200,000 notes: 2,363.6 -> 2,346.4 M instructions (callgrind, -0.7%,
~2.9 ms of CPU; issue 19).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from studyapp.core.errors import KnownError, StorageError, StoreCorrupt
from studyapp.gui.background import BackgroundTask

if TYPE_CHECKING:
    from studyapp.services.library import Library
    from studyapp.services.safety import BackupInfo

__all__ = ["BACKUP_EVERY_MS", "SafetyNet"]

BACKUP_EVERY_MS = 30 * 60 * 1000
"""A backup every 30 minutes while the trainee studies (skipped if nothing was answered)."""


class SafetyNet(QObject):
    """The window's background safety work on ``library``.

    :meth:`start` (called once the window is up) checks the store with SQLite's quick
    check and then backs it up, both on a worker thread, so the first paint never waits for
    them. A timer backs up every :data:`BACKUP_EVERY_MS` if something was answered since
    the last backup; :meth:`close` backs up on closing.

    Signals:
        damaged(object): the store is damaged: SQLite's findings (a list of lines) or the
            :class:`StoreCorrupt` a backup raised.
        checked(list): the start-up check finished ([] when sound), for tests and tools.
        backed_up(object): a backup was made (its :class:`BackupInfo`).
    """

    damaged = Signal(object)
    checked = Signal(list)
    backed_up = Signal(object)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self._task: BackgroundTask | None = None
        self._marker: int | None = None
        self._started = False
        self.timer = QTimer(self)
        self.timer.setInterval(BACKUP_EVERY_MS)
        self.timer.timeout.connect(self.backup_if_studied)

    def busy(self) -> bool:
        return self._task is not None and self._task.is_running()

    def wait(self) -> None:
        if self._task is not None:
            self._task.wait()

    @Slot()
    def start(self) -> None:
        """Quick check, then a start-up backup, off the GUI thread."""
        self._started = True
        library = self.library

        def check_and_back_up() -> tuple[list[str], BackupInfo | None]:
            problems = library.quick_check()
            if problems or library.read_only:
                return problems, None
            return [], library.backup("start")

        self._run(check_and_back_up, self._on_checked)
        self.timer.start()

    @Slot()
    def backup_if_studied(self) -> None:
        """The 30-minute backup: only if an answer was stored since the last backup."""
        library = self.library
        if self.busy() or library.damage is not None or library.read_only:
            return
        try:
            latest = library.folder.latest_review()
        except KnownError:
            return
        if latest == self._marker:
            return

        def back_up() -> tuple[list[str], BackupInfo | None]:
            return [], library.backup("study")

        self._run(back_up, self._on_checked)

    def close(self) -> None:
        """The closing backup (on the GUI thread: the window is going away), if the safety
        net was started (a screenshot or a test window makes none)."""
        self.timer.stop()
        self.wait()
        library = self.library
        if not self._started or library.damage is not None or library.read_only:
            return
        try:
            if library.folder.latest_review() != self._marker:
                library.backup("close")
        except KnownError:
            pass  # closing goes on; a damaged store was already reported

    def _run(
        self,
        job: Callable[[], tuple[list[str], BackupInfo | None]],
        done: Callable[[tuple[list[str], BackupInfo | None]], None],
    ) -> None:
        self._task = BackgroundTask(job, self)
        self._task.finished.connect(done)
        self._task.error.connect(self._on_error)
        self._task.start()

    @Slot(object)
    def _on_checked(self, result: tuple[list[str], BackupInfo | None]) -> None:
        problems, backup = result
        if backup is not None:
            self._marker = self.library.folder.latest_review()
            self.backed_up.emit(backup)
        self.checked.emit(problems)
        if problems and self.library.damage is None:  # (damage known is told already)
            self.damaged.emit(problems)

    @Slot(object)
    def _on_error(self, error: BaseException) -> None:
        if isinstance(error, StoreCorrupt):
            self.checked.emit([str(error)])
            if self.library.damage is None:
                self.damaged.emit(error)
        elif isinstance(error, StorageError):
            # A failed backup (a full disk) must not stop studying: the window says so.
            self.checked.emit([])
            from studyapp.gui.safety import show_storage_error

            parent = self.parent()
            show_storage_error(parent if isinstance(parent, QWidget) else None, error)
