"""GUI fixtures: a synced library and the main window on a fixed clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from studyapp.services.library import Library
from tests.conftest import Clock

MODAL_LIMIT_MS = 60_000
"""How long a test may leave a modal dialog open before it is closed and the test fails."""


@pytest.fixture(autouse=True)
def collector_back_on(qtbot: Any) -> Iterator[None]:
    """After each test, the event loop runs until the collector has come back on from the
    test's finished tasks (BackgroundTask switches it on by a timer a little after a result
    is handled), at most half a second: a test ending sooner left it off for the next ones.
    A task still running (held on purpose) keeps it off, as in the app."""
    yield
    from studyapp.core import gcpause

    deadline = time.monotonic() + 0.5
    while gcpause._paused_tasks and time.monotonic() < deadline:
        qtbot.wait(10)


@pytest.fixture(autouse=True)
def no_modal_left_open(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A modal dialog nobody answers (a test that forgot to patch or click it) is closed
    after :data:`MODAL_LIMIT_MS` and fails the test, instead of hanging offscreen until the
    suite's timeout (whose alarm cannot interrupt Qt's modal loop).

    Every dialog the GUI shows runs through ``QDialog.exec`` called from Python (message
    boxes through ``studyapp.gui.messages``), so this sees them all; ``boxes`` replaces
    the message boxes' ``exec`` on top of it."""
    left: list[str] = []
    original = QDialog.exec

    def guarded(dialog: QDialog) -> int:
        def give_up() -> None:
            if dialog.isVisible():
                left.append(f"{type(dialog).__name__} {dialog.windowTitle()!r}")
                dialog.done(0)

        timer = QTimer()  # Python's: gone with this call
        timer.setSingleShot(True)
        timer.timeout.connect(give_up)
        timer.start(MODAL_LIMIT_MS)
        try:
            return int(original(dialog))
        finally:
            timer.stop()

    monkeypatch.setattr(QDialog, "exec", guarded)
    yield
    assert not left, f"a modal dialog was left open (closed after {MODAL_LIMIT_MS} ms): {left}"


@pytest.fixture(autouse=True)
def no_window_left_shown() -> Iterator[None]:
    """A window still shown once the test is over (its widgets closed by qtbot, its fixtures
    torn down) fails the test, and is closed. One left up took the mouse from the tests
    after it: QTest's events go through the window system, and the study buttons' hover
    and press never arrived (a card details dialog that ``render_screen`` showed over its
    window and never closed)."""
    yield
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    app.processEvents()
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    left = [f"{type(w).__name__} {w.windowTitle()!r}" for w in shown]
    for widget in shown:
        widget.close()
    assert not left, f"a window was left shown: {left}"


@pytest.fixture
def synced(library: Library, deck_dir: Path) -> Library:
    plan = library.sync([deck_dir])
    assert plan.ok, plan.problems
    return library


@pytest.fixture
def window(qtbot: object, synced: Library, clock: Clock) -> Iterator[object]:
    from studyapp.gui.mainwindow import MainWindow

    win = MainWindow(synced, clock=clock)
    qtbot.addWidget(win)  # type: ignore[attr-defined]
    win.show()
    qtbot.waitExposed(win)  # type: ignore[attr-defined]
    yield win


Button = QMessageBox.StandardButton


@dataclass(frozen=True)
class Shown:
    """A message box as it was shown: its icon, title, text and text format."""

    icon: QMessageBox.Icon
    title: str
    text: str
    format: Qt.TextFormat

    @property
    def kind(self) -> str:
        return {
            QMessageBox.Icon.Critical: "critical",
            QMessageBox.Icon.Warning: "warning",
            QMessageBox.Icon.Question: "question",
            QMessageBox.Icon.Information: "information",
        }.get(self.icon, "other")


@dataclass
class Boxes:
    """Every message box the GUI showed (it runs them all through ``QMessageBox.exec``, see
    ``studyapp.gui.messages``), each drawn once and answered ``answer`` (a question) or OK,
    without a modal loop."""

    answer: QMessageBox.StandardButton = Button.No
    shown: list[Shown] = field(default_factory=list)

    def exec(self, box: QMessageBox) -> int:
        self.shown.append(Shown(box.icon(), box.windowTitle(), box.text(), box.textFormat()))
        box.grab()  # drawn, as the trainee would see it (a rich text would load its images)
        if box.icon() == QMessageBox.Icon.Question:
            return int(self.answer.value)
        return int(Button.Ok.value)


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    """Record the message boxes a test makes the GUI show, instead of showing them."""
    recorder = Boxes()

    def exec_(box: QMessageBox) -> Any:
        return recorder.exec(box)

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return recorder


@pytest.fixture
def record_started_tasks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], list[Any]]]:
    """Call it to record every BackgroundTask started from then on (e.g. after the window
    closed); the list it returns fills as they start. Each one recorded is waited for when
    the test ends, so a failing run cannot abort the test process with a running thread."""
    started: list[Any] = []

    def begin() -> list[Any]:
        from studyapp.gui.background import BackgroundTask

        start = BackgroundTask.start

        def record(task: BackgroundTask) -> None:
            started.append(task)
            start(task)

        monkeypatch.setattr(BackgroundTask, "start", record)
        return started

    yield begin
    for task in started:
        task.wait()
