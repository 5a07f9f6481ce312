"""The status bar never clips its message: elided to the window's width, whole on hover."""

from __future__ import annotations

from typing import Any

from studyapp.gui.elided import ElidedLabel

LONG = (
    "Added /home/trainee/Documents/courses/psychedelic-assisted-therapy/second-edition/decks: "
    "219 new, 0 updated (progress kept), 0 to relearn, 14 retired, 0 restored, 0 unchanged"
)


def test_a_long_status_is_elided_with_the_whole_text_on_hover(qtbot: Any, window: Any) -> None:
    window.resize(800, 600)
    window.show()
    qtbot.waitExposed(window)
    status = window._status
    assert isinstance(status, ElidedLabel)
    status.setText(LONG)
    assert window.width() == 800  # the message does not widen the window
    shown = status.shown_text()
    assert shown != LONG and "…" in shown
    assert status.fontMetrics().horizontalAdvance(shown) <= status.contentsRect().width()
    assert shown.startswith("Added /home") and shown.endswith("0 unchanged")
    assert "219 new" in status.toolTip() and status.text() == LONG
    window.resize(1900, 600)
    qtbot.waitUntil(lambda: status.shown_text() == LONG)
    assert status.toolTip() == ""  # nothing hidden, nothing to hover for


def test_a_short_status_is_shown_whole(qtbot: Any) -> None:
    label = ElidedLabel("Undone: suspend")
    qtbot.addWidget(label)
    label.resize(400, 20)
    label.show()
    assert label.shown_text() == "Undone: suspend" and label.toolTip() == ""
