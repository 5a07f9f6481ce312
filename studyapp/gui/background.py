"""The one way the GUI runs long work (deck syncs) off the GUI thread."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

__all__ = ["BackgroundTask"]

# Python's cyclic garbage collector runs in whichever thread happens to allocate. If it runs
# in a worker thread and frees a Qt wrapper that belongs to the GUI thread, Qt crashes
# (a segfault we saw in the test suite). So while any task runs, automatic collection is
# paused, and garbage is collected on the GUI thread before and after.
_paused_tasks = 0
_gc_was_enabled = True


def _pause_gc() -> None:
    global _paused_tasks, _gc_was_enabled
    if _paused_tasks == 0:
        _gc_was_enabled = gc.isenabled()
        gc.collect()
        gc.disable()
    _paused_tasks += 1


def _resume_gc() -> None:
    global _paused_tasks
    _paused_tasks -= 1
    if _paused_tasks == 0 and _gc_was_enabled:
        gc.enable()
        gc.collect()


class _Worker(QObject):
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, job: Callable[[], Any]) -> None:
        super().__init__()
        self._job = job

    @Slot()
    def run(self) -> None:
        try:
            result = self._job()
        except Exception as exc:  # reported to the user, never swallowed
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.finished.emit(result)


class BackgroundTask(QObject):
    """Runs ``job`` on a worker thread; ``finished``/``failed`` arrive on the GUI thread.

    ``job`` must not touch widgets.
    """

    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, job: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._worker = _Worker(job)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._paused = False

    def start(self) -> None:
        _pause_gc()
        self._paused = True
        self._thread.start()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, msecs: int = 30_000) -> bool:
        return self._thread.wait(msecs)

    def _stop(self) -> None:
        self._thread.quit()
        self._thread.wait()
        if self._paused:
            self._paused = False
            _resume_gc()

    @Slot(object)
    def _on_finished(self, result: object) -> None:
        self._stop()
        self.finished.emit(result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._stop()
        self.failed.emit(message)
