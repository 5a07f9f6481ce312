"""The one way the GUI runs long work (deck syncs) off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from studyapp.core.errors import KnownError
from studyapp.core.gcpause import pause_for_task, resume_after_task
from studyapp.core.nativeyaml import native_yaml

__all__ = ["STACK_BYTES", "BackgroundTask"]

STACK_BYTES = 64 * 1024 * 1024
"""Stack size of a task's thread (see :class:`BackgroundTask`)."""


_RESUME_AFTER_MS = 50
"""The collector comes back on by a timer this long after a task's result was handled: after
the repaint its slots asked for (a window's update request waits for the platform's own
update timer, ~5 ms), and in a later pass of the event loop, so timers and input are handled
between that paint and the collection the collector's first allocation sets off (a walk of
everything the task left alive). A zero-delay call came before that paint, in one turn with
it. Adding a folder of 50,000 notes (Xvfb + xcb, load 14, traced in notes/guiadd-r16.md):
the turn that painted the new decks held that collection too, 102-106 ms of GUI-thread CPU of
which the collection 33-37; after, the paint's turn 55-95 (the result's slot with it), the
collection (32-36) in a later one; the probe's longest gap 348 and 947 ms -> 226 and 267
(2 runs each: a machine this loaded only shows the split, not the quiet figure)."""


class _Worker(QObject):
    finished = Signal(object)
    failed = Signal(str)
    error = Signal(object)

    def __init__(self, job: Callable[[], Any]) -> None:
        super().__init__()
        self._job = job

    @Slot()
    def run(self) -> None:
        try:
            result = self._job()
        except Exception as exc:  # reported to the user, never swallowed
            # A KnownError's message is the sentence for the user; anything else is a bug,
            # named by its type.
            known = isinstance(exc, KnownError)
            self.error.emit(exc)
            self.failed.emit(str(exc) if known else f"{type(exc).__name__}: {exc}")
        else:
            self.finished.emit(result)
        finally:
            # The thread ends with its job, not when the GUI thread gets to the result: so
            # the GUI thread can wait for it (closing the window) without waiting for itself.
            QThread.currentThread().quit()


class BackgroundTask(QObject):
    """Runs ``job`` on a worker thread; ``finished``/``failed`` arrive on the GUI thread.

    ``job`` must not touch widgets. ``error`` carries the exception itself, just before
    ``failed`` (its message), for callers that treat storage errors apart.
    """

    finished = Signal(object)
    failed = Signal(str)
    error = Signal(object)

    def __init__(self, job: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        # The main thread's stack is 8 MB (ulimit -s); a QThread gets the platform's
        # default. Adding a 50,000-note folder (yaml-rs parsing on this thread) crashed
        # in yaml-rs 2 times in 4 on Xvfb with the default, 0 in 6 with 64 MB (reserved
        # address space: pages are only used as touched). That was most likely the crash
        # core.nativeyaml explains (glibc keeps up to 40 MB of ended threads' stacks for
        # new threads, so default-sized ones took an ended thread's place at once): with
        # it fixed, default stacks added the folder on Xvfb 5 of 5 times at 10,000 notes
        # and 3 of 3 at 50,000 (before: 3 of 5 and 1 of 3 crashed). The 64 MB stays.
        self._thread.setStackSize(STACK_BYTES)
        self._worker = _Worker(job)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._on_finished)
        self._worker.error.connect(self.error)
        self._worker.failed.connect(self._on_failed)
        self._paused = False
        self._pending = False

    def start(self) -> None:
        # The native YAML parser is loaded by this (the main) thread before any task runs,
        # never by a task's thread: loaded by a thread that then ends, it crashed the thread
        # of a later task (see core.nativeyaml). About 2 ms, at the first task only.
        native_yaml()
        pause_for_task()  # no collection in the worker thread (see core.gcpause)
        self._paused = True
        self._pending = True
        self._thread.start()

    def is_running(self) -> bool:
        """Started and its result (or failure) not yet delivered on the GUI thread.

        Not the worker thread's state: that ends with the job, before the result reaches
        the GUI thread, and a caller asking "is my work still under way?" (a second F5
        during a sync, a screen waiting for its figures) must not see it as done then.
        """
        return self._pending

    def wait(self, msecs: int | None = None) -> bool:
        """Block until the job ends (at most ``msecs``). With no limit, as the window does
        when it closes: a thread destroyed while its job runs aborts the process (a first
        sync of 200,000 cards and its search index outlasted the 30 s this used to allow)."""
        return self._thread.wait() if msecs is None else self._thread.wait(msecs)

    def shutdown(self) -> None:
        """Let the job finish, then stop the thread now (its result is never delivered):
        for a window closing while its task runs. ``wait`` alone would block until the
        timeout, since the thread stops only when the result reaches the GUI thread."""
        self._thread.quit()
        self._thread.wait()
        self._pending = False
        if self._paused:
            self._paused = False
            resume_after_task()

    def _stop(self) -> None:
        self._thread.quit()
        self._thread.wait()
        self._pending = False

    def _resume_collector_later(self) -> None:
        """Switch the collector back on in a later turn of the event loop, once the result
        just delivered has been handled and dropped (its queued call's arguments are freed
        when this turn's slots return), not before its slots run.

        Switched on at once, the first allocation in the slots collected the young
        generation, which holds everything the task built and still held: adding 200,000
        notes, the sync plan's 200,000 note ids (the window only counts them), walked by
        that collection and again by the next one's, a generation up, before reference
        counting freed them at the slot's end. Measured on the GUI thread's turn that shows
        the new decks (Xvfb + xcb, 200,000 notes, load 6-9, so CPU figures): those two
        collections took 32 + 37, 28 + 25 and 27 + 20 ms of CPU in three runs (perf: 51% of
        that turn's samples in the collector); deferred, one collection of what survives
        the result, 17-19 ms in three runs. In the quiet verdict runs at 200,000 notes the
        add's longest gap up to the decks shown went from 30-34 ms to 17-20 (medians; the
        add's longest gap overall now comes later, while the search index catches up).

        By a timer (:data:`_RESUME_AFTER_MS`), not a zero-delay call: that came on before the
        repaint the slots asked for, and the collection its first allocation set off ran in
        the paint's turn, with no turn for timers or input between them."""
        if self._paused:
            self._paused = False
            QTimer.singleShot(_RESUME_AFTER_MS, resume_after_task)

    @Slot(object)
    def _on_finished(self, result: object) -> None:
        self._stop()
        self.finished.emit(result)
        self._resume_collector_later()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._stop()
        self.failed.emit(message)
        self._resume_collector_later()
