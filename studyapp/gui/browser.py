"""The card browser (Ctrl+B): a search box, every card in a table, a card's full details.

The table is a model/view pair as Anki's browser is (``qt/aqt/browser/table``): a search
answers with how many cards match and the ids of the first page of them
(:class:`~studyapp.services.search.SearchResults`); the model fetches further ids a page
at a time, and rows a block at a time, as the view asks for them, so 200,000 cards cost a
list of ids, not a widget or an object per row, and a common word's 62,000 matches are not
sorted before the first rows show. Selecting rows fetches the ids down to the last one
selected, so an action on a selection (select all included) gets every selected card. A
search runs on a worker thread; a newer one supersedes an older one still running. Sorting
by another column searches again in that order; the same column the other way round
reverses the ids in place (fetching the rest first).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QBrush,
    QCloseEvent,
    QColor,
    QFont,
    QKeySequence,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studyapp.core.errors import StorageError
from studyapp.gui.background import BackgroundTask
from studyapp.gui.cardhtml import card_css, card_html
from studyapp.gui.elided import MESSAGE_SHOWN_MS, StatusLine
from studyapp.gui.messages import ask
from studyapp.gui.richtext import SafeTextView, plain_label
from studyapp.gui.roledata import fill_roles
from studyapp.gui.safety import as_storage_error, show_storage_error
from studyapp.gui.theme import Colors
from studyapp.gui.tooltip import plain_tooltip
from studyapp.services.browse import ActionResult, CardBrowser, CardInfo
from studyapp.services.search import SearchError, SearchItem, SearchResults
from studyapp.services.study import FLAG_NAMES
from studyapp.services.text import describe_day, describe_stability_short
from studyapp.services.undo import UndoStep

__all__ = ["COLUMNS", "BrowserWindow", "CardTableModel"]

NO_CARD_CHOSEN = "Select a card to see its details."
NO_CARD_FOUND = "No card matches this search."
"""The details panel when a search finds nothing (it said to select a card, of none)."""

COLUMNS: tuple[tuple[str, str], ...] = (
    ("question", "Question"),
    ("deck", "Deck"),
    ("due", "Due"),
    ("interval", "Interval"),
    ("retrievability", "Recall"),
    ("stability", "Stability"),
    ("lapses", "Lapses"),
    ("reviews", "Reviews"),
    ("answered", "Answered"),
)
"""(sort key, header) of each column, in order; every column sorts."""
_HEADER_TIPS = {
    "due": "When the card is next due (new cards: not yet studied)",
    "interval": "The interval the scheduler gave the card, in days (review cards)",
    "retrievability": "Retrievability: the chance you would recall the card now",
    "stability": "Days until the chance of recall falls to 90%",
    "lapses": "Times forgotten after learning",
    "reviews": "Times answered",
    "answered": "When you last answered the card",
}
_SAMPLES = {
    "deck": "Evidence: MDMA",
    "due": "30 Sep 2026",
    "interval": "10.5 mo",
    "retrievability": "100%",
    "stability": "10.5 mo",
    "lapses": "Lapses",
    "reviews": "Reviews",
    "answered": "30 Sep 2026",
}
"""The widest text each column after the question usually holds (its initial width); the
question takes the rest."""
_DECK_WIDEST = "The vocabulary of psychedelic-assisted therapy"
"""The widest deck label the column grows to when the window has room (a bundled deck's)."""
_QUESTION_KEEPS = 400
"""Pixels the question keeps before the Deck column grows past its initial width."""
_SIDE_BY_SIDE = 1300
"""The window width from which the details sit beside the table, not below it: at 1100
px (the opening size) the table kept 670 px and its fixed columns left the question
106; from 1300 the table keeps ~870 and the question ~340."""
_OPTIONAL = ("stability", "reviews", "answered")
"""Columns hidden when the window is too narrow for all (the header's menu shows them)."""
_DESCENDING_FIRST = {"interval", "stability", "lapses", "reviews", "answered"}
"""Numeric columns whose first click sorts largest first, as Anki's do."""
_BLOCK = 64
"""Rows fetched at once when the view asks for one not yet fetched."""
_CARD_ID = Qt.ItemDataRole.UserRole
# The roles the model answers, looked up once here: written out in data() (each
# Qt.ItemDataRole.X two attribute lookups through shiboken's type getattr, a tuple of six
# of them built per call) they were a quarter of a repaint's instructions (PyObject_GetAttr
# 26.8% of the table's paint in callgrind, 200k bench store).
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_BACKGROUND = Qt.ItemDataRole.BackgroundRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_FONT = Qt.ItemDataRole.FontRole
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole
_ITEM_ROLES = frozenset({_DISPLAY, _TOOLTIP, _BACKGROUND, _FOREGROUND, _FONT, _ALIGNMENT})
"""The roles answered from a card's row (:meth:`CardTableModel.item`)."""
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ROOT = QModelIndex()


def flag_color(colors: Colors, flag: int) -> str:
    return {1: colors.again, 2: colors.learning, 3: colors.good, 4: colors.easy}[flag]


def _date(moment: datetime | None) -> str:
    """A day as every other screen writes it ('7 Mar 2026', not '2026-03-07'); the columns
    still sort by date, since a sort is a new search (:meth:`CardTableModel.sort`)."""
    return "" if moment is None else describe_day(moment.astimezone().date())


def _days(days: float | None) -> str:
    return "" if days is None else describe_stability_short(days)


@dataclass(frozen=True)
class _RowBrushes:
    """The brushes and font the rows are drawn with, made once per set of colours: made
    per cell, a repaint after a bulk suspend made two colours and two brushes for each of
    its ~130 cells."""

    muted: QBrush
    suspended: QBrush
    buried: QBrush
    flags: dict[int, QBrush]
    retired_font: QFont

    @classmethod
    def of(cls, colors: Colors) -> _RowBrushes:
        def tinted(name: str, alpha: int) -> QBrush:
            color = QColor(name)
            color.setAlpha(alpha)
            return QBrush(color)

        font = QFont()
        font.setItalic(True)
        return cls(
            muted=QBrush(QColor(colors.muted)),
            suspended=tinted(colors.hard, 40),
            buried=tinted(colors.muted, 28),
            flags={flag: tinted(flag_color(colors, flag), 48) for flag in FLAG_NAMES},
            retired_font=font,
        )


class CardTableModel(QAbstractTableModel):
    """The ids of a search's cards, and the rows fetched so far (see the module doc)."""

    def __init__(self, browser: CardBrowser, colors: Colors) -> None:
        super().__init__()
        self._browser = browser
        self._colors = colors
        self._brushes = _RowBrushes.of(colors)
        self._results: SearchResults | None = None
        self._count = 0
        """The rows the view has: the search's count (see :meth:`fetched_to`)."""
        self._rows: dict[int, SearchItem] = {}
        self._fetched: dict[int, int] = {}
        """Row of each card fetched so far (the rows a view has shown)."""

    # -- ids -------------------------------------------------------------------------------
    @property
    def ids(self) -> list[int]:
        """Every card's id, in order (the ids past those fetched so far are fetched)."""
        if self._results is None:
            return []
        ids = self._results.all_ids()
        self._follow_count()
        return ids

    def set_results(self, results: SearchResults | None) -> None:
        self.beginResetModel()
        self._results = results
        self._count = 0 if results is None else results.count
        self._rows = {}
        self._fetched = {}
        self.endResetModel()

    def reverse(self) -> None:
        if self._results is None:
            return
        self.beginResetModel()
        self._results.reverse()
        self._count = self._results.count
        last = self._count - 1
        self._fetched = {card: last - row for card, row in self._fetched.items()}
        self.endResetModel()

    def fetched_to(self, row: int) -> list[int]:
        """The ids fetched so far, ``row`` among them if the search has that many."""
        assert self._results is not None
        self._results.ensure(row + 1)
        if self._results.complete and self._results.count != self._count:
            # The store changed between two pages: the rows become the cards there are,
            # once the view is done asking for data.
            QTimer.singleShot(0, self._follow_count)
        return self._results.loaded

    def _follow_count(self) -> None:
        count = 0 if self._results is None else self._results.count
        if count > self._count:
            self.beginInsertRows(_ROOT, self._count, count - 1)
            self._count = count
            self.endInsertRows()
        elif count < self._count:
            self.beginRemoveRows(_ROOT, count, self._count - 1)
            self._count = count
            self.endRemoveRows()

    def card_id(self, row: int) -> int | None:
        """The row's card; None for a row past the cards a store changed since the search
        still has (the rows shrink to them on the next turn of the event loop)."""
        ids = self.fetched_to(row)
        return ids[row] if 0 <= row < len(ids) else None

    @property
    def loaded(self) -> list[int]:
        """The ids fetched so far, in order."""
        return [] if self._results is None else self._results.loaded

    @property
    def _ids(self) -> list[int]:
        # The ids fetched so far: every row a view has asked for (the current one too).
        return self.loaded

    def row_of(self, card_id: int) -> int | None:
        return None if self._results is None else self._results.position(card_id)

    def item(self, row: int) -> SearchItem | None:
        """The row's card, fetched (with the rows around it) if not yet."""
        ids = self.fetched_to(row + _BLOCK)
        if row >= len(ids):
            return None
        card_id = ids[row]
        found = self._rows.get(card_id)
        if found is None:
            start = row - row % _BLOCK
            block = [i for i in ids[start : start + _BLOCK] if i not in self._rows]
            for item in self._browser.items(block):
                self._rows[item.card_id] = item
            for offset, card in enumerate(ids[start : start + _BLOCK]):
                self._fetched[card] = start + offset
            found = self._rows.get(card_id)
        return found

    def fetched(self, row: int) -> SearchItem | None:
        """The row's card if fetched (and not refreshed since), else None: no fetch."""
        ids = self._ids
        return self._rows.get(ids[row]) if 0 <= row < len(ids) else None

    def refresh(self, card_ids: Sequence[int] | None = None) -> None:
        """Fetch the rows of ``card_ids`` (every row when None) again when next shown.

        Only rows fetched before can be on screen, so only their span is redrawn: a change
        to 10,000 cards does not make the view re-examine 10,000 rows.
        """
        if card_ids is None:
            rows = list(self._fetched.values())
            self._rows.clear()
        elif len(card_ids) > len(self._fetched):
            # An action on a large selection (10,000 cards) against the few hundred rows
            # fetched: walk the fetched ones, not every id (0.63 -> 0.27 ms of thread CPU
            # for 10,000 ids against 704 rows fetched, medians of 21; it is in the bulk
            # action's freeze).
            changed = set(card_ids)
            rows = [row for card, row in self._fetched.items() if card in changed]
            for card_id in [c for c in self._rows if c in changed]:
                del self._rows[card_id]
        else:
            rows = [self._fetched[c] for c in card_ids if c in self._fetched]
            for card_id in card_ids:
                self._rows.pop(card_id, None)
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), len(COLUMNS) - 1))

    def set_colors(self, colors: Colors) -> None:
        self._colors = colors
        self._brushes = _RowBrushes.of(colors)
        self.refresh()

    # -- the model interface ---------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == _DISPLAY:
            return COLUMNS[section][1]
        if role == _TOOLTIP:
            return _HEADER_TIPS.get(COLUMNS[section][0])
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid():
            return None
        if role == _CARD_ID:
            return self.card_id(index.row())
        if role not in _ITEM_ROLES:
            return None
        item = self.item(index.row())
        if item is None:
            return None
        return self._value(item, COLUMNS[index.column()][0], role)

    def multiData(
        self,
        index: QModelIndex | QPersistentModelIndex,
        roleDataSpan: QModelRoleDataSpan | QModelRoleData,
    ) -> None:
        """Every role the caller asks for at once: what :meth:`data` answers for each.

        The table's delegate asks each cell it paints for seven roles in one multiData
        call; Qt's own answers it with seven calls of data(), each a call into Python
        (a QModelIndex wrapped, the answer converted). Answered here, a cell is one call.
        A repaint of the browser's table (22 rows, 6 columns): 62.2 -> 43.1 M instructions
        with the role constants and the row brushes (callgrind, 200k bench store; this
        alone 62.2 -> 48.7), and the GUI thread makes 7x fewer calls into Python while a
        bulk action's worker holds the interpreter (the GIL)."""
        if not index.isValid():
            fill_roles(roleDataSpan, None)
            return
        row = index.row()
        key = COLUMNS[index.column()][0]
        item = self.item(row)

        def answer(role: int) -> object:
            if role == _CARD_ID:
                return self.card_id(row)
            if role in _ITEM_ROLES and item is not None:
                return self._value(item, key, role)
            return None

        fill_roles(roleDataSpan, answer)

    def _value(self, item: SearchItem, key: str, role: int) -> object:
        if role == _DISPLAY:
            return self._text(item, key)
        if role == _TOOLTIP:
            if key == "deck":
                return plain_tooltip(item.deck)  # whole: the column leaves off the family
            return self._tooltip(item) if key == "question" else None
        if role == _ALIGNMENT:
            return _LEFT if key in ("question", "deck") else _RIGHT
        if role == _BACKGROUND:
            return self._background(item)
        if role == _FOREGROUND:
            muted = item.retired or item.suspended or item.buried
            return self._brushes.muted if muted else None
        if role == _FONT and item.retired:
            return self._brushes.retired_font
        return None

    @staticmethod
    def _text(item: SearchItem, key: str) -> str:
        if key == "question":
            return item.question
        if key == "deck":
            return item.deck_label or item.deck
        if key == "due":
            if item.retired:
                return "retired"
            if item.suspended:
                return f"({_date(item.due) or 'new'})"
            return _date(item.due) if item.due is not None else "new"
        if key == "interval":
            return _days(item.interval_days)
        if key == "retrievability":
            return "" if item.retrievability is None else f"{item.retrievability:.0%}"
        if key == "stability":
            return _days(item.stability)
        if key == "lapses":
            return str(item.lapses)
        if key == "reviews":
            return str(item.reviews)
        return _date(item.last_answered)

    @staticmethod
    def _tooltip(item: SearchItem) -> str:
        states = [item.state]
        if item.flag:
            states.append(f"{FLAG_NAMES[item.flag]} flag")
        if item.leech:
            states.append("leech")
        return f"{item.question}\n({', '.join(states)})"

    def _background(self, item: SearchItem) -> QBrush | None:
        if item.flag:
            return self._brushes.flags[item.flag]
        if item.suspended:
            return self._brushes.suspended
        if item.buried:
            return self._brushes.buried
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        # Sorting is a new search (BrowserWindow._on_sort), not a sort of fetched rows.
        pass


class InfoPanel(QScrollArea):
    """A card's rendered question and answer, source, memory state and history, its
    successor or predecessors (links), and the trainee's own note, editable.

    Signals:
        link_activated(int): the trainee followed the link to another card (its id).
        note_saved(int, str): the note on card ``id`` was edited and saved.
    """

    link_activated = Signal(int)
    note_saved = Signal(int, str)

    def __init__(self, colors: Colors, font_size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colors = colors
        self._font_size = font_size
        self._info: CardInfo | None = None
        self.setWidgetResizable(True)
        # Built top down, as BrowserWindow is (see there): the body in place with its style
        # sheet before any child, each child made inside it.
        body = QWidget()
        self.setWidget(body)
        body.setStyleSheet(f"QLabel, QPushButton#link {{ font-size: {max(9, font_size - 4)}pt; }}")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(8)
        self.where = plain_label(parent=body)
        self.where.setObjectName("muted")
        self.where.setWordWrap(True)
        layout.addWidget(self.where)
        self.states = plain_label(parent=body)
        self.states.setWordWrap(True)
        layout.addWidget(self.states)
        self.view = SafeTextView(body)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setFrameShape(QScrollArea.Shape.NoFrame)
        layout.addWidget(self.view)
        self.memory = plain_label(parent=body)
        self.memory.setWordWrap(True)
        layout.addWidget(self.memory)
        self.links = QVBoxLayout()
        layout.addLayout(self.links)
        self.history = plain_label(parent=body)
        self.history.setWordWrap(True)
        self.history.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.history)
        self.note_title = QLabel("Your note (deck updates never change it)", body)
        self.note_title.setObjectName("muted")
        layout.addWidget(self.note_title)
        self.note = QPlainTextEdit(body)
        self.note.setPlaceholderText("Write a note to yourself about this card…")
        self.note.setFixedHeight(80)
        layout.addWidget(self.note)
        row = QHBoxLayout()
        row.addStretch(1)
        self.save_note = QPushButton("Save note", body)
        self.save_note.setToolTip("Save your note on this card (Ctrl+S)")
        self.save_note.clicked.connect(self._save)
        row.addWidget(self.save_note)
        layout.addLayout(row)
        layout.addStretch(1)
        self.show_info(None)

    @property
    def info(self) -> CardInfo | None:
        return self._info

    def set_colors(self, colors: Colors) -> None:
        self._colors = colors
        self.show_info(self._info)

    def show_info(self, info: CardInfo | None, *, empty: str = NO_CARD_CHOSEN) -> None:
        """Show ``info``, or with None ``empty`` alone: the note's title went on showing,
        over no note, and a search that found nothing said to select a card."""
        self._info = info
        shown = (self.states, self.memory, self.history, self.note_title, self.note)
        for widget in (*shown, self.save_note):
            widget.setVisible(info is not None)
        while self.links.count():
            old = self.links.takeAt(0)
            if old is not None and old.widget() is not None:
                old.widget().deleteLater()  # type: ignore[union-attr]
        if info is None:
            self.where.setText(empty)
            self.view.set_card_html("", css=self._css())
            self.view.setFixedHeight(0)
            return
        card = info.card
        module = f" · {info.module}" if info.module else ""
        self.where.setText(f"{card.deck_title}{module} · {card.source_line}")
        self.states.setText(" · ".join(info.states))
        self.states.setVisible(bool(info.states))
        self.states.setStyleSheet(f"color: {self._colors.learning}; font-weight: 600;")
        self.view.set_card_html(card_html(card, revealed=True), css=self._css())
        self._fit_view()
        memory = list(info.memory)
        if card.retired_reason:
            memory.insert(0, f"Retired from the course: {card.retired_reason}")
        elif card.retired:
            memory.insert(0, "Retired from the course.")
        self.memory.setText("\n".join(memory))
        if info.successor is not None:
            self._link("Replaced by", info.successor.card_id, info.successor.question)
        for predecessor in info.predecessors:
            self._link("Replaces", predecessor.card_id, predecessor.question)
        self.history.setText(info.history_text)
        self.note.setPlainText(card.user_note)

    def _css(self) -> str:
        # Smaller than on the review screen: the panel shares the window with the table.
        return card_css(self._colors, max(9, self._font_size - 3))

    def _fit_view(self) -> None:
        """Make the card view exactly as tall as its text (the panel scrolls, not it)."""
        document = self.view.document()
        document.setTextWidth(max(100, self.view.viewport().width()))
        self.view.setFixedHeight(int(document.size().height()) + 8)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._info is not None:
            self._fit_view()

    def _link(self, label: str, card_id: int, question: str) -> None:
        shown = question if len(question) <= 80 else question[:79] + "…"
        button = QPushButton(f"{label}: {shown}")
        button.setObjectName("link")
        button.setToolTip("Show that card's details")
        button.setStyleSheet(
            f"text-align: left; color: {self._colors.accent}; border: none; padding: 2px 0;"
        )
        button.clicked.connect(functools.partial(self.link_activated.emit, card_id))
        self.links.addWidget(button)

    @Slot()
    def _save(self) -> None:
        if self._info is not None:
            self.note_saved.emit(self._info.card.card_id, self.note.toPlainText())


class BrowserWindow(QMainWindow):
    """The browser window (one per main window; Ctrl+B raises it).

    Signals:
        searched(int): a search finished with that many cards (for tests and tools).
        changed(): an action or an undo changed cards (the main window refreshes counts).
        acted(object): an action or undo finished (its ActionResult or UndoStep; None if
            it failed), for tests and tools.
        cram_requested(str): the trainee wants to cram the current search.
    """

    searched = Signal(int)
    changed = Signal()
    acted = Signal(object)
    cram_requested = Signal(str)

    def __init__(
        self,
        browser: CardBrowser,
        colors: Colors,
        font_size: int,
        parent: QWidget | None = None,
        *,
        query: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Browse cards")
        self.resize(1100, 700)
        self.setMinimumSize(720, 480)
        self.browser = browser
        self._colors = colors
        self._sort = "due"
        self._descending = False
        self._generation = 0
        self._task: BackgroundTask | None = None
        self._tasks: list[BackgroundTask] = []
        self._search_error: StorageError | None = None
        self._query = query
        self._laid_out = False
        self._acting: BackgroundTask | None = None
        self._columns_chosen = False
        """Set once the trainee showed or hid a column: sizes stop choosing for them."""

        # Built top down: each widget is made inside its final parent, in the window from
        # the start. Built bottom up (children first, then added to a splitter, the splitter
        # to the central widget, that to the window), every reparenting sent the app's style
        # sheet down the whole subtree again: 320 StyleChange events, up to 9 to one widget,
        # where 63 do now. Building and showing the window (the GUI thread's longest stretch
        # while opening the browser): 51.8 -> 24.8 ms of thread CPU, 64.2 -> 38.1 ms with
        # its first events (medians of 15 interleaved, 200k bench store, load ~7).
        central = QWidget(self)
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(12, 10, 12, 6)
        outer.setSpacing(6)
        top = QHBoxLayout()
        self.search_box = QLineEdit(query, central)
        self.search_box.setPlaceholderText(
            'Search: words, "a phrase", deck:, tag:, is:due, prop:r<0.8, rated:7 … (Enter searches)'
        )
        self.search_box.setClearButtonEnabled(True)
        self.search_box.returnPressed.connect(self.run_search)
        top.addWidget(self.search_box, 1)
        self.count = QLabel(central)
        self.count.setObjectName("muted")
        top.addWidget(self.count)
        outer.addLayout(top)
        self.error = plain_label(parent=central)
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        outer.addWidget(self.error)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, central)
        outer.addWidget(self.splitter, 1)

        self.model = CardTableModel(browser, colors)
        self.table = QTableView(self.splitter)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(False)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setHighlightSections(False)
        header.setMinimumSectionSize(40)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.setSortIndicator(2, Qt.SortOrder.AscendingOrder)
        header.sectionClicked.connect(self._on_header_clicked)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        # The headers get a selection model of their own: with the table's, a header
        # repainting after a selection change asks, for each of its sections, whether every
        # selected row is selected in it (10,000 rows, nine columns: 0.1 s of rowCount calls).
        # They never highlight sections, so they need none of it.
        self._header_selection = QItemSelectionModel(self.model, self)
        header.setSelectionModel(self._header_selection)
        self.table.verticalHeader().setSelectionModel(self._header_selection)
        selection = self.table.selectionModel()
        selection.currentRowChanged.connect(self._on_current_changed)
        selection.selectionChanged.connect(self._on_selection_changed)

        self.info = InfoPanel(colors, font_size, self.splitter)
        self.info.setMinimumWidth(300)
        self.info.link_activated.connect(self.show_card)
        self.info.note_saved.connect(self._on_note_saved)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.info)
        self.splitter.setStretchFactor(0, 1)  # the details' factor: see resizeEvent
        self.status = StatusLine(self._resting_line, parent=self.statusBar())
        self.status.setObjectName("muted")
        self.statusBar().addWidget(self.status, 1)
        self._doing: str | None = None  # the line of the action under way
        self._build_menus()
        self.search_box.setFocus()
        self.run_search()

    # -- menus -----------------------------------------------------------------------------
    def _add(
        self, menu: QMenu, text: str, slot: Callable[[], object], shortcut: str | None = None
    ) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        edit = bar.addMenu("&Edit")
        self.undo_action = self._add(edit, "Undo", self.undo, "Ctrl+Z")
        edit.aboutToShow.connect(self._refresh_undo)
        self._add(edit, "Select all", self.table.selectAll, "Ctrl+Alt+A")
        self._add(edit, "Find", self._focus_search, "Ctrl+F")
        cards = bar.addMenu("&Cards")
        self._suspend_action = self._add(cards, "Toggle suspend", self.toggle_suspend, "Ctrl+J")
        self._bury_action = self._add(cards, "Toggle bury", self.toggle_bury, "Ctrl+Shift+J")
        self._flag_menu = flags = cards.addMenu("Flag")
        for number, name in FLAG_NAMES.items():
            self._add(
                flags, name.capitalize(), functools.partial(self.flag, number), f"Ctrl+{number}"
            )
        self._add(flags, "No flag", functools.partial(self.flag, 0), "Ctrl+0")
        cards.addSeparator()
        self._forget_action = self._add(cards, "Forget (back to new)…", self.forget, "Ctrl+Alt+N")
        self._due_action = self._add(cards, "Set due date…", self.set_due, "Ctrl+Shift+D")
        cards.addSeparator()
        self._add(cards, "Cram these cards", self._cram, "Ctrl+Shift+C")
        self._add(cards, "Save note", self.info._save, "Ctrl+S")
        self._add(cards, "Close", self.close, "Esc")

    def _refresh_undo(self) -> None:
        label = self.browser.undo_label
        self.undo_action.setText("Undo" if label is None else f"Undo {label}")
        self.undo_action.setEnabled(label is not None)

    @Slot()
    def _focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def _context_menu(self, position: QPoint) -> None:
        """The Cards menu's own actions, so a right-click shows their keys as the menu does
        (its copies had none: 'Toggle suspend' beside nothing, Ctrl+J in the Cards menu)."""
        menu = QMenu(self)
        menu.addAction(self._suspend_action)
        menu.addAction(self._bury_action)
        menu.addMenu(self._flag_menu)
        menu.addSeparator()
        menu.addAction(self._forget_action)
        menu.addAction(self._due_action)
        menu.exec(self.table.viewport().mapToGlobal(position))

    # -- searching -------------------------------------------------------------------------
    @property
    def searching(self) -> bool:
        return self._task is not None

    @Slot()
    def run_search(self) -> None:
        """Search for the box's text off the GUI thread; a malformed query is reported
        under the box at once, never run."""
        query = self.search_box.text()
        try:
            self.browser.search.parse(query)
        except SearchError as error:
            self.error.setText(str(error))
            self.error.setStyleSheet(f"color: {self._colors.again};")
            self.error.setVisible(True)
            self.count.setText("")
            return
        self.error.setVisible(False)
        self._query = query
        self._start_search()

    def _start_search(self) -> None:
        self._generation += 1
        generation = self._generation
        query, sort, descending = self._query, self._sort, self._descending
        self.count.setText("Searching…")
        current = self.current_card_id()

        def search() -> tuple[SearchResults, tuple[int, int | None] | None]:
            # The current card's row in the new results is found here too, off the GUI
            # thread: past the first page it counts the cards ahead of it and fetches the
            # pages up to it (a common word's 62k matches), which on the GUI thread made
            # the search's freeze 37-42 -> 50.5 ms (200k cards, verdict run of ec97d68).
            results = self.browser.results(query, sort=sort, descending=descending)
            kept = None if current is None else (current, results.position(current))
            return results, kept

        task = BackgroundTask(search, self)
        task.finished.connect(functools.partial(self._on_found, generation, task))
        task.error.connect(functools.partial(self._on_error, generation))
        task.failed.connect(functools.partial(self._on_failed, generation, task))
        self._task = task
        self._tasks.append(task)
        task.start()

    def _forget_task(self, task: BackgroundTask) -> None:
        if task in self._tasks:
            self._tasks.remove(task)
        task.deleteLater()

    def _on_found(self, generation: int, task: BackgroundTask, found: object) -> None:
        self._forget_task(task)
        if generation != self._generation:
            return  # a newer search is on its way
        self._task = None
        assert isinstance(found, tuple)
        results, kept = found
        self.show_results(results, kept)

    def _on_error(self, generation: int, error: BaseException) -> None:
        # Just before _on_failed, with the exception itself.
        if generation == self._generation:
            self._search_error = as_storage_error(error, self.browser.store_path)

    def _on_failed(self, generation: int, task: BackgroundTask, message: str) -> None:
        self._forget_task(task)
        if generation != self._generation:
            return
        self._task = None
        storage, self._search_error = self._search_error, None
        self.count.setText("")
        self.error.setText(f"The search failed: {storage or message}")
        self.error.setVisible(True)
        if storage is not None:
            # The one way every screen's storage failure goes (a damaged store: no more
            # writes, a backup offered).
            show_storage_error(self, storage)

    def _storage_failure(self, error: BaseException) -> None:
        """Show ``error`` through :func:`show_storage_error` if it is a storage failure."""
        storage = as_storage_error(error, self.browser.store_path)
        if storage is not None:
            show_storage_error(self, storage)

    def show_results(
        self, results: SearchResults, kept: tuple[int, int | None] | None = None
    ) -> None:
        """Show ``results`` in the table, keeping the current card (and its row) if it is
        in the new results, else the first row. ``kept``: a card and its row in
        ``results`` (None: not in them), found with the search; looked up here only if the
        current card is another one by now."""
        current = self.current_card_id()
        self.model.set_results(results)
        count = results.count
        self.count.setText(f"{count:,} card{'s' if count != 1 else ''}")
        if current is None:
            row = None
        elif kept is not None and kept[0] == current:
            row = kept[1]
        else:
            row = self.model.row_of(current)
        if count:
            self.table.selectRow(0 if row is None else row)
        else:
            self.info.show_info(None, empty=NO_CARD_FOUND)
        self.searched.emit(count)

    @Slot(int)
    def _on_header_clicked(self, section: int) -> None:
        key = COLUMNS[section][0]
        if key == self._sort:
            self._descending = not self._descending
            self.model.reverse()
        else:
            self._sort = key
            self._descending = key in _DESCENDING_FIRST
            self._start_search()
        order = Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(section, order)

    def sort_by(self, key: str, *, descending: bool = False) -> None:
        """Sort by column ``key`` (see :data:`COLUMNS`), searching again."""
        self._sort, self._descending = key, descending
        section = [k for k, _ in COLUMNS].index(key)
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(section, order)
        self._start_search()

    # -- selection and details ---------------------------------------------------------------
    def current_card_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.card_id(index.row()) if index.isValid() else None

    def selected_ids(self) -> list[int]:
        """The selected cards' ids, from the selection's ranges (not per cell: a selection
        of 10,000 rows is a handful of ranges)."""
        rows: list[int] = []
        selection = self.table.selectionModel().selection()
        for number in range(selection.count()):
            selected = selection.at(number)
            rows.extend(range(selected.top(), selected.bottom() + 1))
        if not rows:
            current = self.table.currentIndex()
            rows = [current.row()] if current.isValid() else []
        if not rows:
            return []
        rows = sorted(set(rows))
        ids = self.model.fetched_to(rows[-1])  # every selected row's id (or every id)
        return [ids[r] for r in rows if r < len(ids)]

    def select_rows(self, first: int, last: int) -> None:
        """Select rows ``first``..``last`` (one range), the first one current."""
        selection = QItemSelection(
            self.model.index(first, 0), self.model.index(last, len(COLUMNS) - 1)
        )
        model = self.table.selectionModel()
        model.select(
            selection,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        model.setCurrentIndex(
            self.model.index(first, 0), QItemSelectionModel.SelectionFlag.NoUpdate
        )

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        card = self.model.card_id(current.row()) if current.isValid() else None
        if card is not None:
            self._show_info(card)
        elif current.isValid():
            self.info.show_info(None)  # a row the changed store no longer has

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._doing is None:  # an action's line stays until its result
            self._say(self._resting_line(), stays=True)

    def _say(self, text: str, *, stays: bool = False) -> None:
        """Put ``text`` on the status line. What an action did clears after
        :data:`~studyapp.gui.elided.MESSAGE_SHOWN_MS` (it stayed all day, as the main
        window's did) and the line goes back to what is still true: the action under way,
        or how many cards are selected. ``stays``: that state itself."""
        self.status.say(text, stays=stays, shown_ms=MESSAGE_SHOWN_MS)

    def _resting_line(self) -> str:
        """What the status line says between messages: the action under way, or how many
        cards are selected when more than one is ("8 cards selected" stayed when one was)."""
        if self._doing is not None:
            return self._doing
        selection = self.table.selectionModel().selection()
        chosen = sum(selection.at(n).height() for n in range(selection.count()))
        return f"{chosen:,} cards selected" if chosen > 1 else ""

    def _show_info(self, card_id: int) -> None:
        try:
            self.info.show_info(self.browser.info(card_id))
        except LookupError:
            self.info.show_info(None)
        except StorageError as exc:
            self.info.show_info(None)
            show_storage_error(self, exc)

    @Slot(int)
    def show_card(self, card_id: int) -> None:
        """Show card ``card_id``'s details (a successor or predecessor link); select its row
        if the results hold it."""
        row = self.model.row_of(card_id)
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        self._show_info(card_id)

    @Slot(int, str)
    def _on_note_saved(self, card_id: int, text: str) -> None:
        try:
            self.browser.set_note(card_id, text)
        except StorageError as exc:
            self._say("The note was not saved")
            show_storage_error(self, exc)
            return
        self.model.refresh([card_id])
        self._show_info(card_id)
        self._say("Note saved")

    # -- actions -----------------------------------------------------------------------------
    def _run(self, doing: str, ids: Sequence[int], job: Callable[[], object]) -> None:
        """Run an action (or an undo) off the GUI thread, one at a time: an action on
        10,000 cards takes longer than a frame. ``acted`` says when it is done."""
        if self._acting is not None:
            self._say("Still working on the last action…")
            return
        self._doing = f"{doing}…"
        self._say(self._doing, stays=True)
        task = BackgroundTask(job, self)
        task.finished.connect(functools.partial(self._on_acted, task, list(ids)))
        task.error.connect(self._storage_failure)
        task.failed.connect(functools.partial(self._on_action_failed, task))
        self._acting = task
        self._tasks.append(task)
        task.start()

    def _on_acted(self, task: BackgroundTask, ids: list[int], result: object) -> None:
        self._forget_task(task)
        self._acting = None
        self._doing = None
        if isinstance(result, ActionResult):
            self._say(result.message)
        elif isinstance(result, UndoStep):
            self._say(f"Undone: {result.label}")
            ids = list(result.card_ids)
        else:
            self._say("Nothing to undo")
        self.model.refresh(ids)
        current = self.current_card_id()
        if current is not None:
            self._show_info(current)
        self.changed.emit()
        self.acted.emit(result)

    def _on_action_failed(self, task: BackgroundTask, message: str) -> None:
        self._forget_task(task)
        self._acting = None
        self._doing = None
        self._say(f"The action failed: {message}")
        self.acted.emit(None)

    def _current_item(self) -> SearchItem | None:
        """The current card's row: as fetched for the table, or else that one card read.

        Not the row's block through the model: a toggle needs one card's state, and
        fetching its 64 rows (after an action refreshed them) was the toggle's longest
        stretch on the GUI thread: one card reads in 1.43 M instructions, a block in 10.92 M
        (callgrind, 200k bench store)."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        found = self.model.fetched(index.row())
        if found is None:
            card = self.model.card_id(index.row())
            read = self.browser.items([card]) if card is not None else []
            found = read[0] if read else None
        return found

    def _selection_or_say(self) -> list[int]:
        ids = self.selected_ids()
        if not ids:
            self._say("Select one or more cards first")
        return ids

    @staticmethod
    def _cards(ids: Sequence[int]) -> str:
        return f"{len(ids):,} card{'s' if len(ids) != 1 else ''}"

    @Slot()
    def toggle_suspend(self) -> None:
        """Suspend the selection, or unsuspend it if the current card is suspended."""
        ids = self._selection_or_say()
        if not ids:
            return
        item = self._current_item()
        if item is not None and item.suspended:
            self._run(f"Unsuspending {self._cards(ids)}", ids, lambda: self.browser.unsuspend(ids))
        else:
            self._run(f"Suspending {self._cards(ids)}", ids, lambda: self.browser.suspend(ids))

    @Slot()
    def toggle_bury(self) -> None:
        ids = self._selection_or_say()
        if not ids:
            return
        item = self._current_item()
        if item is not None and item.buried:
            self._run(f"Unburying {self._cards(ids)}", ids, lambda: self.browser.unbury(ids))
        else:
            self._run(f"Burying {self._cards(ids)}", ids, lambda: self.browser.bury(ids))

    def flag(self, flag: int) -> None:
        ids = self._selection_or_say()
        if ids:
            self._run(f"Flagging {self._cards(ids)}", ids, lambda: self.browser.flag(ids, flag))

    @Slot()
    def forget(self) -> None:
        ids = self._selection_or_say()
        if not ids:
            return
        if ask(
            self,
            "Forget cards?",
            f"Send {self._cards(ids)} back to new? Their memory state and due dates are "
            "cleared, so they are learned again from the start. Their review history is "
            "kept, and Ctrl+Z takes this back.",
            yes="Forget",
            no="Cancel",
        ):
            self._run(f"Forgetting {self._cards(ids)}", ids, lambda: self.browser.forget(ids))

    @Slot()
    def set_due(self) -> None:
        ids = self._selection_or_say()
        if not ids:
            return
        days, ok = QInputDialog.getInt(
            self,
            "Set due date",
            "Due in how many days? (0 is today; the memory state is kept)",
            1,
            0,
            36500,
        )
        if ok:
            self._run(
                f"Setting the due date of {self._cards(ids)}",
                ids,
                lambda: self.browser.set_due(ids, days),
            )

    @Slot()
    def undo(self) -> None:
        if self.browser.undo_label is None:
            self._say("Nothing to undo")
            return
        self._run("Undoing", [], self.browser.undo)

    @Slot()
    def _cram(self) -> None:
        self.cram_requested.emit(self._query)

    # -- appearance and closing ------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        """The details beside the table when the window is wide, below it when narrow; the
        optional columns only when the question keeps room to be read."""
        super().resizeEvent(event)
        wide = self.width() >= _SIDE_BY_SIDE
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.splitter.orientation() != orientation or not self._laid_out:
            self.splitter.setOrientation(orientation)
            # Beside the table, the details keep their width and a wider window widens
            # the table: at 3:2 a browser made 1920 wide gave them ~730 px of lines too
            # long to read while the table elided deck labels and questions. Below it,
            # the two share the height.
            self.splitter.setStretchFactor(1, 0 if wide else 1)
            if wide:
                self.splitter.setSizes([self.width() - 420, 400])
            else:
                self.splitter.setSizes([self.height() // 2, self.height() // 2])
        self._laid_out = True
        if not self._columns_chosen:
            # Once the splitter has placed the table: its width decides the columns.
            QTimer.singleShot(0, self._size_columns)

    def _size_columns(self) -> None:
        self.table.ensurePolished()  # the style sheet's font, not the default one
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        widths = {}
        for key, label in COLUMNS[1:]:
            widest = max(metrics.horizontalAdvance(_SAMPLES[key]), metrics.horizontalAdvance(label))
            widths[key] = widest + 24
        room = self.table.viewport().width() - sum(widths.values())
        hidden = {key for key, _label in COLUMNS[1:] if key in _OPTIONAL and room < 280}
        # The question's width once the hidden columns are gone: past what it keeps, it
        # widens the Deck column up to its widest label, so at full size deck names are
        # whole, while the question stays the widest column.
        question = room + sum(widths[key] for key in hidden)
        deck = widths["deck"]
        wider = min(
            metrics.horizontalAdvance(_DECK_WIDEST) + 24 - deck,
            question - _QUESTION_KEEPS,
            (question - deck) // 2,
        )
        widths["deck"] = deck + max(0, wider)
        for column, (key, _label) in enumerate(COLUMNS[1:], start=1):
            header.resizeSection(column, widths[key])
            header.setSectionHidden(column, key in hidden)

    def _show_column(self, column: int, shown: bool) -> None:
        self._columns_chosen = True
        self.table.horizontalHeader().setSectionHidden(column, not shown)

    def _header_menu(self, position: QPoint) -> None:
        """Show or hide columns (the question always shows)."""
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        for column, (_key, label) in enumerate(COLUMNS[1:], start=1):
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.toggled.connect(functools.partial(self._show_column, column))
        menu.exec(header.mapToGlobal(position))

    def set_colors(self, colors: Colors) -> None:
        self._colors = colors
        self.model.set_colors(colors)
        self.info.set_colors(colors)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._generation += 1  # results still on their way are dropped
        for task in list(self._tasks):
            task.shutdown()
        self._tasks.clear()
        self._task = None
        super().closeEvent(event)
