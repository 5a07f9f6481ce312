"""The deck overview: decks grouped by family with today's counts and Study actions."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studyapp.gui.richtext import plain_tooltip
from studyapp.gui.theme import Colors
from studyapp.services.library import CardCounts, Overview, ScopeChoice
from studyapp.services.text import describe_next_due

__all__ = ["OverviewScreen"]

_SCOPE = Qt.ItemDataRole.UserRole


class OverviewScreen(QWidget):
    """Shows an :class:`Overview`; emits what the trainee wants to study.

    Signals:
        study_requested(ScopeChoice): everything, a family or a deck.
        statistics_requested(): T, the statistics screen.
    """

    study_requested = Signal(object)
    statistics_requested = Signal()

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colors = colors
        self._overview: Overview | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(14)

        top = QHBoxLayout()
        heading = QVBoxLayout()
        self._title = QLabel("Today")
        self._title.setObjectName("title")
        self._subtitle = QLabel()
        self._subtitle.setObjectName("subtitle")
        heading.addWidget(self._title)
        heading.addWidget(self._subtitle)
        top.addLayout(heading, 1)
        self._study_all = QPushButton("Study all due")
        self._study_all.setObjectName("primary")
        self._study_all.setToolTip("Study every deck (S)")
        self._study_all.clicked.connect(lambda: self.study_requested.emit(ScopeChoice.everything()))
        top.addWidget(self._study_all, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(top)

        self._tree = QTreeWidget()
        self._tree.setColumnCount(5)
        self._tree.setHeaderLabels(["Deck", "New", "Learning", "Due", ""])
        self._tree.setRootIsDecorated(True)
        self._tree.setUniformRowHeights(True)
        self._tree.setAlternatingRowColors(False)
        self._tree.setAllColumnsShowFocus(True)
        header = self._tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        self._tree.itemActivated.connect(self._on_item_activated)
        self._tree.setToolTip("Enter studies the selected deck or family")
        layout.addWidget(self._tree, 1)

        self._empty = QLabel()
        self._empty.setObjectName("empty")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        layout.addWidget(self._empty)

        self._footer = QLabel()
        self._footer.setObjectName("muted")
        layout.addWidget(self._footer)

    # -- display ---------------------------------------------------------------------------
    def set_colors(self, colors: Colors) -> None:
        self._colors = colors

    def show_overview(self, overview: Overview, now: datetime, *, loading: bool = False) -> None:
        self._overview = overview
        due = overview.due_today
        total = due.new + due.learning + due.review
        self._subtitle.setText(
            f"{total} card{'s' if total != 1 else ''} to study today: "
            f"{due.new} new, {due.learning} learning, {due.review} to review"
        )
        self._study_all.setEnabled(total > 0)
        self._tree.clear()
        for family in overview.families:
            item = QTreeWidgetItem([family.title, *self._numbers(family.counts), ""])
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            choice = ScopeChoice.family(family.id)
            item.setData(0, _SCOPE, choice)
            self._tree.addTopLevelItem(item)
            self._add_button(item, choice, f"Study all {family.title.lower()} decks")
            for deck in family.decks:
                child = QTreeWidgetItem([deck.title, *self._numbers(deck.counts), ""])
                choice = ScopeChoice.deck(deck.id)
                child.setData(0, _SCOPE, choice)
                child.setToolTip(0, plain_tooltip(deck.description or deck.title))
                item.addChild(child)
                self._add_button(child, choice, f"Study {deck.title}")
            item.setExpanded(True)
        for column, color in (
            (1, self._colors.new),
            (2, self._colors.learning),
            (3, self._colors.review),
        ):
            self._color_column(column, color)
        self._tree.setVisible(not overview.is_empty)
        if overview.is_empty and loading:
            self._empty.setText("Loading the course decks…")
        elif overview.is_empty:
            self._empty.setText("No decks yet. Add a folder of decks with File → Add deck folder.")
        elif total == 0:
            self._empty.setText("Nothing due — " + describe_next_due(overview.next_due, now))
        self._empty.setVisible(overview.is_empty or total == 0)
        self._footer.setText(
            f"{overview.reviews_total} reviews so far · Space or Enter studies the selection, "
            "S studies everything, T shows statistics"
        )
        first = self._tree.topLevelItem(0)
        if first is not None:
            self._tree.setCurrentItem(first)
        self._tree.setFocus()

    @staticmethod
    def _numbers(counts: CardCounts) -> list[str]:
        return [str(counts.new), str(counts.learning), str(counts.review)]

    def _color_column(self, column: int, color: str) -> None:
        stack = [self._tree.topLevelItem(i) for i in range(self._tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            item.setTextAlignment(
                column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
            if item.text(column) != "0":
                item.setForeground(column, QColor(color))
            else:
                item.setForeground(column, QColor(self._colors.muted))
            stack.extend(item.child(i) for i in range(item.childCount()))

    def _add_button(self, item: QTreeWidgetItem, choice: ScopeChoice, tip: str) -> None:
        button = QPushButton("Study")
        button.setObjectName("row")
        button.setToolTip(plain_tooltip(tip))  # names a deck: the author's text
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda: self.study_requested.emit(choice))
        self._tree.setItemWidget(item, 4, button)

    # -- input -----------------------------------------------------------------------------
    @Slot(QTreeWidgetItem, int)
    def _on_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        self.study_requested.emit(self._choice_of(item))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_S:
            self.study_requested.emit(ScopeChoice.everything())
            return
        if event.key() == Qt.Key.Key_T:
            self.statistics_requested.emit()
            return
        if event.key() == Qt.Key.Key_Space:
            item = self._tree.currentItem()
            if item is not None:
                self._on_item_activated(item, 0)
                return
        super().keyPressEvent(event)

    def selected_scope(self) -> ScopeChoice | None:
        item = self._tree.currentItem()
        return None if item is None else self._choice_of(item)

    @staticmethod
    def _choice_of(item: QTreeWidgetItem) -> ScopeChoice:
        choice = item.data(0, _SCOPE)
        assert isinstance(choice, ScopeChoice)
        return choice
