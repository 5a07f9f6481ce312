"""Card details: the review history and the FSRS memory state in plain words."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studyapp.gui.richtext import plain_label
from studyapp.services.study import CardView, StudySession, describe_memory, history_rows
from studyapp.services.text import CRITICAL_SETTING

__all__ = ["CardDetailsDialog"]

_ROWS_KEPT = 4
"""History rows the table keeps room for however small the dialog."""
_ROWS_WANTED = 12
"""History rows the dialog opens tall enough to show, where its window has the room."""
_WIDTH = 760
"""The dialog's opening width where its window has the room (640 at the least)."""


def _which(card: CardView) -> list[str]:
    """Which card of its note this is, in words (never its id or key)."""
    if card.kind == "reversed":
        return ["back to front" if card.key == "rev" else "front to back"]
    if card.kind == "cloze" and card.key[1:].isdigit():
        return [f"deletion {card.key[1:]}"]
    return []


class CardDetailsDialog(QDialog):
    def __init__(
        self, session: StudySession, card: CardView, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Card details · {card.title}")
        self.setMinimumSize(640, 440)
        layout = QVBoxLayout(self)
        # The margins and gaps of the other dialogs (Deck folders): with Qt's defaults the
        # deck line, the memory and the history ran into each other.
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        where = plain_label(" · ".join([card.deck_title, *_which(card), card.source_line]))
        where.setObjectName("muted")
        where.setWordWrap(True)
        layout.addWidget(where)
        # The details show the current state, so read it fresh rather than the shown copy.
        current = session.card_view(card.card_id)
        lines = describe_memory(current.state, session.retrievability(current))
        if current.critical:
            lines.insert(
                0,
                "Safety-critical card: scheduled at "
                f"{current.desired_retention:.0%} desired retention, set in {CRITICAL_SETTING}.",
            )
        else:
            lines.append(
                f"Scheduled at {current.desired_retention:.0%} desired retention (its deck's "
                "preset, Tools → Deck options…)."
            )
        if current.retired_reason:
            lines.insert(0, f"Retired from the course: {current.retired_reason}")
        self.memory = plain_label("\n".join(lines))  # may quote a retirement reason
        self.memory.setWordWrap(True)
        layout.addWidget(self.memory)
        history = session.history(card.card_id)
        self.table = QTableWidget(len(history), 4)
        self.table.setHorizontalHeaderLabels(["When", "Grade", "Time", "Next due"])
        self.table.verticalHeader().setVisible(False)
        # A record to read: no cell to edit (a double-click opened an editor on a date) and
        # none framed as current when the dialog opens.
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        for row, cells in enumerate(history_rows(history)):  # newest first, as Anki's
            for column, value in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.history_title = QLabel("History" if history else "No reviews yet.")
        # A heading, as on the statistics, over the reviews; with none, a line of its own
        # and no table (a new card's details showed an empty table of four headers).
        self.history_title.setObjectName("chartTitle" if history else "muted")
        layout.addWidget(self.history_title)
        layout.addWidget(self.table, 1)
        self.table.setVisible(bool(history))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self._give_the_history_room(len(history), parent)

    def _give_the_history_room(self, reviews: int, parent: QWidget | None) -> None:
        """A (re)learning card's longer due line left the table one row at 640x460: the
        table keeps room for a few rows, and the dialog opens wider (fewer wrapped lines)
        and tall enough for the whole history, within its window or the screen."""
        if parent is not None:
            room = parent.window().geometry()
        else:
            room = self.screen().availableGeometry()
        width = max(self.minimumWidth(), min(_WIDTH, room.width() - 40))
        layout = self.layout()
        assert layout is not None
        if not reviews:  # no table: as tall as its lines
            self.setMinimumHeight(0)
            layout.activate()
            self.resize(width, min(layout.totalHeightForWidth(width), room.height() - 40))
            return
        row = self.table.verticalHeader().defaultSectionSize()
        chrome = self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth()
        self.table.setMinimumHeight(chrome + row * min(reviews, _ROWS_KEPT))
        layout.activate()
        # The wrapped labels' heights at that width, and the table as tall as its rows.
        wanted = layout.totalHeightForWidth(width) - self.table.sizeHint().height()
        wanted += chrome + row * min(reviews, _ROWS_WANTED)
        self.resize(width, max(self.minimumHeight(), min(wanted, room.height() - 40)))
