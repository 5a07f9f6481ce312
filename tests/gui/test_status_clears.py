"""The main window's status line: what an action did clears after a while, as
``QStatusBar.showMessage(text, ms)`` does ('Added the folder course/decks: 2,000 new' stayed
all day); work under way and a damaged store stay while they are true."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt

from studyapp.gui import mainwindow

SHOWN_MS = 3000


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mainwindow, "_STATUS_SHOWN_MS", SHOWN_MS)


def f5(qtbot: Any, window: Any) -> float:
    """Sync with F5; when its result went on the status line (monotonic seconds)."""
    with qtbot.waitSignal(window.sync_done, timeout=30_000):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window._status.text().startswith("Decks ")
    return time.monotonic()


def test_a_sync_result_clears_after_its_timeout(qtbot: Any, window: Any, quick: None) -> None:
    shown = f5(qtbot, window)
    qtbot.waitUntil(lambda: window._status.text() == "", timeout=SHOWN_MS + 3000)
    # Not at once (its timer started a moment before ``shown``: 73 ms on a loaded machine).
    assert time.monotonic() - shown >= SHOWN_MS / 2000


def test_a_later_message_is_not_cut_by_an_earlier_timer(
    qtbot: Any, window: Any, quick: None
) -> None:
    first = f5(qtbot, window)
    qtbot.wait(SHOWN_MS * 2 // 3)
    second = f5(qtbot, window)  # "Checking decks…" stops the timer, its result restarts it
    # Past the first message's timeout, and well before the second's.
    qtbot.wait(max(0, int((first + SHOWN_MS / 1000 + 0.3 - time.monotonic()) * 1000)))
    assert time.monotonic() < second + SHOWN_MS / 1000 - 0.5, "the machine is too slow to tell"
    assert window._status.text().startswith("Decks ")
    qtbot.waitUntil(lambda: window._status.text() == "", timeout=SHOWN_MS + 3000)


def test_work_under_way_stays_until_its_result(
    qtbot: Any, window: Any, quick: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    f5(qtbot, window)  # a result's timer running when the next sync starts
    gate = threading.Event()
    plan = window.library.plan

    def slow_plan() -> object:
        assert gate.wait(30)
        return plan()

    monkeypatch.setattr(window.library, "plan", slow_plan)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window._status.text() == "Checking decks for updates…"
    qtbot.wait(SHOWN_MS + 300)
    assert window._status.text() == "Checking decks for updates…"
    with qtbot.waitSignal(window.sync_done, timeout=30_000):
        gate.set()
    assert window._status.text().startswith("Decks ")
