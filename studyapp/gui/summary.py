"""The end of a session: what was studied, how long, how often forgotten, what is next."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studyapp.gui.keycaps import key_hints_html
from studyapp.gui.theme import Colors
from studyapp.services.study import SessionSummary
from studyapp.services.text import summary_rows

__all__ = ["SUMMARY_WIDTH", "SummaryScreen"]

SUMMARY_WIDTH = 720
"""The widest the summary's rows run, labels and values (800x600 gives them about this)."""


class SummaryScreen(QWidget):
    """Shows a :class:`SessionSummary`. Enter, Space or Esc returns to the overview."""

    back_requested = Signal()

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 40, 40, 40)
        layout.addStretch(1)
        self.title = QLabel("Session complete")
        self.title.setObjectName("title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        rows = QWidget()
        # At most this wide, in the middle: at 1920 px a value ran from the middle to the
        # window's edge.
        rows.setMaximumWidth(SUMMARY_WIDTH)
        grid = QGridLayout(rows)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(10)
        self._grid = grid
        self._labels: list[QLabel] = []
        self.values: dict[str, QLabel] = {}
        """The value label of each row, by its label ("Cards studied", "Retention", ...)."""
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout.addSpacing(18)
        middle = QHBoxLayout()
        middle.addStretch(1)
        middle.addWidget(rows, 1000)  # all the room up to its maximum, the rest either side
        middle.addStretch(1)
        layout.addLayout(middle)
        layout.addSpacing(24)
        self.back = QPushButton("Back to decks")
        self.back.setObjectName("primary")
        self.back.setToolTip("Return to the deck overview (Enter)")
        self.back.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.back.clicked.connect(self.back_requested)
        layout.addWidget(self.back, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.hint = QLabel()
        """The keys that go back, on the review's key caps (Space goes back too)."""
        self.hint.setObjectName("muted")
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.hint)
        self.set_colors(colors)

    def set_colors(self, colors: Colors) -> None:
        self.hint.setText(key_hints_html([(("Enter", "Esc"), "back to decks")], colors))

    def show_summary(self, summary: SessionSummary, now: datetime) -> None:
        if summary.cram:
            self.title.setText("Cram session complete" if summary.studied else "Nothing crammed")
        else:
            title = "Session paused" if summary.left_today else "Session complete"
            self.title.setText(title if summary.studied else "Nothing studied")
        for label in self._labels:
            self._grid.removeWidget(label)
            label.deleteLater()
        self._labels.clear()
        self.values.clear()
        for row, (name, value) in enumerate(summary_rows(summary, now)):
            left = QLabel(name)
            left.setObjectName("muted")
            left.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            right = QLabel(value)
            right.setWordWrap(True)
            self._grid.addWidget(left, row, 0)
            self._grid.addWidget(right, row, 1)
            self._labels += [left, right]
            self.values[name] = right

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
            Qt.Key.Key_Space,
            Qt.Key.Key_Escape,
        ):
            self.back_requested.emit()
        else:
            super().keyPressEvent(event)
