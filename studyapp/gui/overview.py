"""The deck overview: decks grouped by family with today's counts and Study actions.

A Qt model/view: :class:`OverviewModel` holds one row per family and deck, the tree view
draws them, and :class:`StudyButtonDelegate` paints the Study button of each row and
handles its clicks, so no row owns a widget. Building the view for 200 decks takes a few
milliseconds, growing linearly; the ``QTreeWidget`` with a ``QPushButton`` per row through
``setItemWidget`` it replaces took 57 ms at 50 decks and 318 ms at 200 (issue 19).

Showing an overview with the same decks as the one on screen changes no row: only counts
that differ are updated in place (``dataChanged``), so the selection, the scroll position
and the expanded families stay as they were.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QColor,
    QCursor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QRegion,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from studyapp.gui.keycaps import KeyHint, key_hints_html
from studyapp.gui.roledata import fill_roles
from studyapp.gui.theme import Colors
from studyapp.gui.tooltip import plain_tooltip
from studyapp.services.overview import (
    CardCounts,
    Overview,
    ScopeChoice,
    ScopeKind,
    describe_nothing_due,
)

__all__ = ["OverviewModel", "OverviewScreen", "StudyButtonDelegate"]

SCOPE_ROLE = Qt.ItemDataRole.UserRole
"""The row's :class:`ScopeChoice` (what its Study button studies)."""
HEADERS = ("Deck", "New", "Learning", "Due", "")
STUDY_COLUMN = 4
_COUNT_COLUMNS = (1, 2, 3)
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
MODULE_CHOSEN_TIP = (
    "New cards come from this module and the ones before it. To follow the release dates "
    "again, set Course module in Tools → Settings… (Study)."
)
"""The tooltip of a module's 'I am in this module' (it named 'Settings → Study → Course
module', a path no menu has)."""
_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
# The roles as ints, looked up once (a view asks 7 roles of each cell it paints).
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_FONT = Qt.ItemDataRole.FontRole.value
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole.value
_FOREGROUND = Qt.ItemDataRole.ForegroundRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
_SCOPE = SCOPE_ROLE.value
_COMPUTED = (_TOOLTIP, _SCOPE)
"""The roles :meth:`OverviewModel.data` computes when asked; the others are the row's
prepared cells'."""
_Cell = dict[int, object]
_AROUND = QPoint(-1, -1)
_CHILDREN_ONLY = QWidget.RenderFlag.DrawChildren  # (not the window's background)
_HOVER_MOVES = (QEvent.Type.MouseMove, QEvent.Type.HoverMove, QEvent.Type.HoverEnter)
_HOVER_ENDS = (QEvent.Type.Leave, QEvent.Type.HoverLeave)
_TEXT_MARGIN = 2 + 1
"""A title's text margin in its cell, each side: Fusion's focus frame margin (its
``PM_FocusFrameHMargin``), + 1, as its item view draws it."""


class _Row(msgspec.Struct, eq=False):
    """One family or deck row; a family's children are its decks.

    A Struct, not a dataclass, so that ``dataclasses`` is not imported before the window's
    first frame (issue 19: the GUI thread's instructions to the first frame at 50,000 notes,
    real ``studyapp`` under Xvfb, callgrind, 2 runs each, 1,169.5-1,170.5 -> 1,160.8-1,161.0
    M, -9.1 M). Compared and hashed by identity, as the dataclass with ``eq=False`` was.
    """

    title: str
    description: str
    counts: CardCounts
    choice: ScopeChoice
    parent: _Row | None = None
    position: int = 0
    children: list[_Row] = msgspec.field(default_factory=list)
    cells: tuple[_Cell, ...] = ()
    """What each column shows, by role (:meth:`OverviewModel._prepare`)."""

    @property
    def is_family(self) -> bool:
        return self.parent is None


def _groups(overview: Overview) -> list[tuple[str, str, CardCounts, ScopeChoice, list[_Child]]]:
    """The top-level rows (families, or course modules when the overview is grouped by
    module) with their decks: (title, description, counts today, choice, decks)."""
    if overview.modules:
        return [
            (
                m.title + (f" · {m.waiting}" if m.waiting else ""),
                f"Its new cards wait: {m.waiting}." if m.waiting else "",
                m.today,
                ScopeChoice.of_module(m.number),
                [
                    (title, d.description, d.today, ScopeChoice.of_module(m.number, d.id))
                    for title, d in zip(m.deck_titles, m.decks, strict=True)
                ],
            )
            for m in overview.modules
        ]
    return [
        (
            f.title,
            "",
            f.today,
            ScopeChoice.family(f.id),
            [
                (
                    d.title_in_family,
                    d.description,
                    d.today,
                    ScopeChoice.deck(d.id),
                )
                for d in f.decks
            ],
        )
        for f in overview.families
    ]


_Child = tuple[str, str, CardCounts, ScopeChoice]


def _shape(overview: Overview) -> tuple[object, ...]:
    """What decides the rows: groups and decks in order, with their texts and choices."""
    return tuple(
        (title, choice, tuple((t, d, c) for t, d, _n, c in children))
        for title, _description, _counts, choice, children in _groups(overview)
    )


class OverviewModel(QAbstractItemModel):
    """Families (top level) and their decks, with today's counts, as a Qt item model."""

    def __init__(self, colors: Colors, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._families: list[_Row] = []
        self._shape: tuple[object, ...] | None = None
        self._bold = QFont()
        self._bold.setBold(True)
        self._set_brushes(colors)

    # -- updating --------------------------------------------------------------------------
    def set_overview(self, overview: Overview) -> bool:
        """Show ``overview``; True if the rows were rebuilt (other decks), False if only
        counts that changed were updated in place."""
        shape = _shape(overview)
        if shape == self._shape:
            self._update_counts(overview)
            return False
        self.beginResetModel()
        self._families = []
        for position, (title, description, counts, choice, children) in enumerate(
            _groups(overview)
        ):
            row = _Row(title, description, counts, choice, None, position)
            row.children = [
                _Row(t, d, c, deck_choice, row, i)
                for i, (t, d, c, deck_choice) in enumerate(children)
            ]
            self._prepare(row)
            for child in row.children:
                self._prepare(child)
            self._families.append(row)
        self._shape = shape
        self.endResetModel()
        return True

    def _update_counts(self, overview: Overview) -> None:
        for row, (*_texts, counts, _choice, children) in zip(
            self._families, _groups(overview), strict=True
        ):
            self._set_counts(row, counts)
            for child, (*_deck, deck_counts, _deck_choice) in zip(
                row.children, children, strict=True
            ):
                self._set_counts(child, deck_counts)

    def _set_counts(self, row: _Row, counts: CardCounts) -> None:
        if row.counts != counts:
            row.counts = counts
            self._prepare(row)
            parent = QModelIndex() if row.parent is None else self._index_of(row.parent)
            self.dataChanged.emit(
                self.index(row.position, _COUNT_COLUMNS[0], parent),
                self.index(row.position, _COUNT_COLUMNS[-1], parent),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole],
            )

    def set_colors(self, colors: Colors) -> None:
        self._set_brushes(colors)
        for row in self._families:
            self._set_counts_colors(row)

    def _set_brushes(self, colors: Colors) -> None:
        self._count_colors = (QColor(colors.new), QColor(colors.learning), QColor(colors.review))
        self._muted = QColor(colors.muted)

    def _set_counts_colors(self, row: _Row) -> None:
        self._prepare(row)
        parent = QModelIndex() if row.parent is None else self._index_of(row.parent)
        self.dataChanged.emit(
            self.index(row.position, _COUNT_COLUMNS[0], parent),
            self.index(row.position, _COUNT_COLUMNS[-1], parent),
            [Qt.ItemDataRole.ForegroundRole],
        )
        for child in row.children:
            self._set_counts_colors(child)

    def _prepare(self, row: _Row) -> None:
        """The row's cells as a view reads them: its title (bold for a family), each count
        as text in its colour (muted when 0), right-aligned. Made when the row, its counts
        or the colours change, so painting a cell is a lookup per role."""
        title: _Cell = {_DISPLAY: row.title}
        if row.is_family:
            title[_FONT] = self._bold
        counts: list[_Cell] = []
        for column in _COUNT_COLUMNS:
            count = self.count(row.counts, column)
            color = self._count_colors[column - 1] if count else self._muted
            counts.append({_DISPLAY: str(count), _FOREGROUND: color, _ALIGNMENT: _RIGHT})
        row.cells = (title, *counts, {})

    # -- reading ---------------------------------------------------------------------------
    def families(self) -> int:
        return len(self._families)

    def titles(self) -> list[tuple[int, str, bool]]:
        """(depth, title, bold) of every row, in order: 0 and bold for a family (or
        module), 1 for its decks."""
        return [
            (depth, row.title, row.is_family)
            for family in self._families
            for depth, row in ((0, family), *((1, deck) for deck in family.children))
        ]

    def choice(self, index: _Index) -> ScopeChoice | None:
        row = self._row(index)
        return None if row is None else row.choice

    def _row(self, index: _Index) -> _Row | None:
        if not index.isValid():
            return None
        row = index.internalPointer()
        return row if isinstance(row, _Row) else None

    def _index_of(self, row: _Row, column: int = 0) -> QModelIndex:
        return self.createIndex(row.position, column, row)

    # -- QAbstractItemModel ----------------------------------------------------------------
    def index(self, row: int, column: int, parent: _Index = _ROOT) -> QModelIndex:
        if column < 0 or column >= len(HEADERS) or row < 0:
            return QModelIndex()
        owner = self._row(parent)
        rows = self._families if owner is None else owner.children
        if row >= len(rows):
            return QModelIndex()
        return self.createIndex(row, column, rows[row])

    def parent(self, index: _Index = _ROOT) -> QModelIndex:  # type: ignore[override]
        row = self._row(index)
        if row is None or row.parent is None:
            return QModelIndex()
        return self._index_of(row.parent)

    def rowCount(self, parent: _Index = _ROOT) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        owner = self._row(parent)
        return len(self._families) if owner is None else len(owner.children)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section in _COUNT_COLUMNS:
                return _RIGHT
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self._row(index)
        if row is None:
            return None
        if role == _TOOLTIP:
            # Titles and descriptions are the author's text: shown, never interpreted.
            if index.column() == STUDY_COLUMN:
                what = f"all {row.title.lower()} decks" if row.is_family else row.title
                return plain_tooltip(f"Study {what}")
            if not row.is_family:
                return plain_tooltip(row.description or row.title)
            return None
        if role == _SCOPE:
            return row.choice
        return row.cells[index.column()].get(role)

    def multiData(self, index: _Index, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        """The roles a view asks of a cell at once (7 to paint it: Qt's default asks
        :meth:`data` for each), in one call: a repaint of the overview at 1000x700 makes 52
        Python calls instead of 364, 26.5 -> 22.6 M instructions (callgrind; issue 19)."""
        row = self._row(index)
        if row is None:
            fill_roles(roleDataSpan, None)
            return
        cell = row.cells[index.column()]

        def answer(role: int) -> object:
            return self.data(index, role) if role in _COMPUTED else cell.get(role)

        fill_roles(roleDataSpan, answer)

    @staticmethod
    def count(counts: CardCounts, column: int) -> int:
        """The number a count column shows."""
        return counts.new if column == 1 else counts.learning if column == 2 else counts.review


class StudyButtonDelegate(QStyledItemDelegate):
    """Paints a Study button in its column and emits ``clicked`` with the row's index.

    The button is a template ``QPushButton#row`` that is never shown, rendered into the
    cell, so it looks like the app's other buttons (the style sheet's rules apply); a
    second template, marked ``hovered``, is the button under the pointer (the style sheet's
    hover rule names it).

    Nothing here names ``QStyle``: PySide6 builds that class's Python type, 11 enums with
    566 members, for its first use (a style's method, a style option's ``state``), 44 M
    instructions on the real display's first frame, the only use on its path (issue 19).
    Without it (and QIcon's type, QStyleOptionButton's): the first frame at 50,000 notes
    (whole process, xcb, callgrind) 1,203.6 -> 1,150.9 M instructions; a repaint of the
    tree costs 1.1 M more (22.8 -> 23.9 M: a render per button, the Study cell read).
    """

    clicked = Signal(QModelIndex)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._template = self._button(parent, hovered=False)
        self._hovered = self._button(parent, hovered=True)
        self._pressed: QPersistentModelIndex | None = None

    @staticmethod
    def _button(parent: QWidget, *, hovered: bool) -> QPushButton:
        button = QPushButton(parent)  # (with its text, PySide6 would build QIcon's type)
        button.setText("Study")
        button.setObjectName("row")
        button.setProperty("hovered", hovered)
        button.hide()
        return button

    def _button_rect(self, cell: QRect) -> QRect:
        hint = self._template.sizeHint()
        width = min(cell.width() - 4, hint.width())
        height = min(cell.height() - 4, hint.height())
        return QRect(
            cell.x() + (cell.width() - width) // 2,
            cell.y() + (cell.height() - height) // 2,
            width,
            height,
        )

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        hint = self._template.sizeHint()
        return QSize(hint.width() + 8, hint.height() + 6)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        # The row's background (selection) as the other cells have it: the cell has no
        # text, so the base delegate draws its background only.
        super().paint(painter, option, index)
        view = self.parent()
        hovered = isinstance(view, _DeckTree) and view.is_hovered_row(index)
        button = self._hovered if hovered else self._template
        rect = self._button_rect(option.rect)
        button.resize(rect.size())
        pressed = self._pressed is not None and self._pressed == index
        button.setDown(pressed)
        # render() keeps the painter's place in the window (the viewport's offset) only
        # when the painter has a world transform: with none, the button was drawn 29 px
        # left of its cell. Its region reaches 1 px around the button, where the border's
        # antialiased corners reach, as the style draws them in place.
        painter.save()
        painter.translate(rect.topLeft())
        around = QRegion(-1, -1, rect.width() + 2, rect.height() + 2)
        button.render(painter, _AROUND, around, _CHILDREN_ONLY)
        painter.restore()
        if pressed:
            button.setDown(False)

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: _Index,
    ) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
            return False
        assert isinstance(event, QMouseEvent)
        inside = self._button_rect(option.rect).contains(event.position().toPoint())
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        if kind == QEvent.Type.MouseButtonPress:
            self._pressed = QPersistentModelIndex(index) if inside else None
            return inside
        pressed, self._pressed = self._pressed, None
        if inside and pressed is not None and pressed == index:
            self.clicked.emit(model.index(index.row(), index.column(), index.parent()))
            return True
        return False


def _fits_one_line(metrics: QFontMetrics, advance: int, room: int) -> bool:
    """Whether a text of this ``advance`` (``metrics.horizontalAdvance``) surely fits one
    line of ``room`` pixels, without laying it out: its advance, plus the most any glyph of
    the font reaches past its own advance (the font's minimum right bearing, 9-23 px here)
    and a pixel of rounding, is less than the room. (The layout wraps a text when the room
    is up to 1 px, 4 px in italics, wider than its advance.)"""
    return advance + 1 - min(0, metrics.minRightBearing()) < room


def _title_lines(metrics: QFontMetrics, text: str, room: int) -> int:
    """How many lines ``text`` takes wrapped at words in ``room`` pixels."""
    text_rect = metrics.boundingRect(QRect(0, 0, room, 100_000), Qt.TextFlag.TextWordWrap, text)
    return max(1, round(text_rect.height() / metrics.lineSpacing()))


class _TitleDelegate(QStyledItemDelegate):
    """The title column: a title too long for the column wraps, and its row is as tall as
    its lines. Qt's tree asks a delegate's size without the column's width, so the style
    measured every title on one line and cut it (at 800 px, 'The vocabulary of
    psychedelic-assisted therapy')."""

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        view = self.parent()
        if not isinstance(view, _DeckTree) or not view.wordWrap():
            return super().sizeHint(option, index)
        item = QStyleOptionViewItem(option)  # (for the title's text and font)
        self.initStyleOption(item, index)
        hint = super().sizeHint(option, index)
        depth = 1 if view.rootIsDecorated() else 0
        parent = index.parent()
        while parent.isValid():
            depth += 1
            parent = parent.parent()
        room = view.title_room(depth)
        if room <= 0:
            return hint
        metrics = item.fontMetrics
        extra = (_title_lines(metrics, item.text, room) - 1) * metrics.lineSpacing()
        return QSize(min(hint.width(), room), hint.height() + extra)


class _DeckTree(QTreeView):
    """The tree of decks: Space studies the current row as Enter does; plain letters go to
    the screen (its shortcuts) instead of jumping to a row by its first letter. Its titles
    wrap: when the title column changes width, the rows' heights are measured again.

    While every title fits its line, the rows have uniform heights: the tree then measures
    one row, not each row it shows and the last page's (each asks all five columns' sizes
    of Python: 7 model reads a cell). The window's first frame, built and painted at
    1000x700 (callgrind): 201.8 -> 143.5 M instructions at 50 decks, 222.4 -> 162.6 M at
    200; the model is read 395 times instead of 2,314. Each title's advance is kept for the
    next width (a number per title, dropped when the rows, a title or the font change), so
    a resize checks them without laying out text; measuring them is 37 K instructions a
    title, once per set of rows."""

    _PADDING = 2 + 2  # the style sheet's item padding (4px 2px), left and right

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setUniformRowHeights(True)
        self._advances: dict[tuple[int, bool], list[tuple[int, str]]] | None = None
        """The titles by (depth, bold) with their advances in ``_advances_font``, widest
        first."""
        self._advances_font = QFont()
        self.header().sectionResized.connect(self._on_section_resized)
        self._hover: QPersistentModelIndex | None = None
        """The row under the pointer, as the view's own hover (its drawRow's)."""

    def is_hovered_row(self, index: _Index) -> bool:
        """Whether ``index`` is in the row under the pointer (what the view says to a
        delegate in the option's state, read here without QStyle's type)."""
        hover = self._hover
        return (
            hover is not None
            and hover.row() == index.row()
            and hover.isValid()
            and hover.parent() == index.parent()
        )

    def viewportEvent(self, event: QEvent) -> bool:
        # Where the view sets its hover (QAbstractItemView: a mouse move, a hover event)
        # and clears it (the pointer leaving the viewport).
        done = super().viewportEvent(event)
        kind = event.type()
        if kind in _HOVER_MOVES:
            self._set_hover(event.position().toPoint())  # type: ignore[attr-defined]
        elif kind in _HOVER_ENDS:
            self._hover = None
        return done

    def verticalScrollbarValueChanged(self, value: int) -> None:
        super().verticalScrollbarValueChanged(value)
        # The view takes the row now under a still pointer as its hover after a scroll.
        at = self.viewport().mapFromGlobal(QCursor.pos())
        if self.viewport().rect().contains(at):
            self._set_hover(at)

    def _set_hover(self, at: QPoint) -> None:
        index = self.indexAt(at)
        self._hover = QPersistentModelIndex(index) if index.isValid() else None

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if model is not None:
            for signal in (
                model.modelReset,
                model.layoutChanged,
                model.rowsInserted,
                model.rowsRemoved,
            ):
                signal.connect(self._on_titles_changed)
            model.dataChanged.connect(self._on_data_changed)

    def title_room(self, depth: int, column: int | None = None) -> int:
        """The width a title at ``depth`` (1 at the top level under decorations) has for
        its text: the column's (``column`` px, or the header's), less the indentation, the
        style's text margins and the style sheet's padding."""
        if column is None:
            column = self.header().sectionSize(0)
        room = column - self.indentation() * depth
        return room - 2 * _TEXT_MARGIN - self._PADDING

    def _some_title_wraps(self, column: int | None) -> bool:
        """Whether a title takes more than one line at the title column's width."""
        model = self.model()
        if not isinstance(model, OverviewModel):
            return True
        self.ensurePolished()  # the style sheet's font, not the default one measured first
        font = self.font()
        bold = QFont(font)
        bold.setBold(True)
        metrics = {False: QFontMetrics(font), True: QFontMetrics(bold)}
        if self._advances is None or font != self._advances_font:
            groups: dict[tuple[int, bool], list[tuple[int, str]]] = {}
            for depth, title, is_bold in model.titles():
                advance = metrics[is_bold].horizontalAdvance(title)
                groups.setdefault((depth, is_bold), []).append((advance, title))
            self._advances = {key: sorted(group, reverse=True) for key, group in groups.items()}
            self._advances_font = QFont(font)
        top = 1 if self.rootIsDecorated() else 0
        for (depth, is_bold), widest_first in self._advances.items():
            room = self.title_room(top + depth, column)
            for advance, title in widest_first:
                if _fits_one_line(metrics[is_bold], advance, room):
                    break  # and so do the narrower ones
                if room <= 0 or _title_lines(metrics[is_bold], title, room) > 1:
                    return True
        return False

    def _lay_out_titles(self, column: int | None = None) -> None:
        """Uniform row heights while no title wraps at the title column's width (``column``
        px, or the header's), each row measured otherwise."""
        if not self.wordWrap():
            return
        wraps = self._some_title_wraps(column)
        if not wraps and self.uniformRowHeights():
            return  # every row one line, as laid out
        self.setUniformRowHeights(not wraps)
        # The tree keeps each row's height from its last layout; a title that now wraps
        # (or no longer does) needs its row laid out again.
        self.scheduleDelayedItemsLayout()

    @Slot(int, int, int)
    def _on_section_resized(self, column: int, _old: int, new: int) -> None:
        if column == 0:
            # (The header may still give the old width while it says it resized.)
            self._lay_out_titles(new)

    @Slot()
    def _on_titles_changed(self) -> None:
        self._advances = None
        self._lay_out_titles()

    @Slot(QModelIndex, QModelIndex)
    def _on_data_changed(self, top_left: QModelIndex, _bottom_right: QModelIndex) -> None:
        if top_left.column() == 0:
            self._on_titles_changed()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._lay_out_titles()  # (the advances are kept for their font only)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        if plain and event.key() == Qt.Key.Key_Space and self.currentIndex().isValid():
            self.activated.emit(self.currentIndex())
            return
        if plain and event.text().isalpha():
            event.ignore()
            return
        super().keyPressEvent(event)


class OverviewScreen(QWidget):
    """Shows an :class:`Overview`; emits what the trainee wants to study.

    Signals:
        study_requested(ScopeChoice): everything, a family or a deck.
        statistics_requested(): T, the statistics screen.
        options_requested(str): O, Deck options… or a row's menu: the options of a deck
            (its id; '' when no deck is selected).
    """

    study_requested = Signal(object)
    grouping_changed = Signal(bool)
    """True: group the decks by course module; False: by family (G toggles)."""
    module_chosen = Signal(int)
    """The trainee says which course module they are in (a module row's menu)."""
    statistics_requested = Signal()
    browse_requested = Signal()
    options_requested = Signal(str)

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colors = colors
        self._overview: Overview | None = None
        self._loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(14)

        top = QHBoxLayout()
        heading = QVBoxLayout()
        self._title = QLabel("Today")
        self._title.setObjectName("title")
        self._subtitle = QLabel()
        self._subtitle.setObjectName("subtitle")
        self._subtitle.setWordWrap(True)  # beside two buttons at 800 px it would be clipped
        heading.addWidget(self._title)
        heading.addWidget(self._subtitle)
        top.addLayout(heading, 1)
        self.grouping = QComboBox()
        self.grouping.addItem("By family", False)
        self.grouping.addItem("By course module", True)
        self.grouping.setToolTip(
            "Group the decks by family or by the course's modules (G); a module's new cards "
            "wait until it is released"
        )
        self.grouping.setVisible(False)
        self.grouping.currentIndexChanged.connect(
            lambda _i: self.grouping_changed.emit(bool(self.grouping.currentData()))
        )
        self._study_all = QPushButton()  # (with its text, PySide6 would build QIcon's type)
        self._study_all.setText("Study all due")
        self._study_all.setObjectName("primary")
        self._study_all.setToolTip("Study every deck (S)")
        self._study_all.clicked.connect(lambda: self.study_requested.emit(ScopeChoice.everything()))
        top.addWidget(self._study_all, 0, Qt.AlignmentFlag.AlignVCenter)
        self._options = QPushButton()
        self._options.setText("Deck options…")
        self._options.setToolTip(
            "Desired retention and daily limits of the selected deck and its preset (O)"
        )
        self._options.clicked.connect(self.request_options)
        top.addWidget(self._options, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(top)
        # Its own row, right-aligned above the decks: in the top row it squeezed the
        # subtitle ("20 cards to study today: …") at 800 px.
        group_row = QHBoxLayout()
        group_row.addStretch(1)
        self._group_label = QLabel("Group decks")
        self._group_label.setObjectName("muted")
        self._group_label.setBuddy(self.grouping)
        group_row.addWidget(self._group_label)
        group_row.addWidget(self.grouping)
        layout.addLayout(group_row)

        self.model = OverviewModel(colors, self)
        self._tree = _DeckTree()
        self._tree.setModel(self.model)
        self._tree.setRootIsDecorated(True)
        self._tree.setAllColumnsShowFocus(True)
        self._tree.setMouseTracking(True)
        self._tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._buttons = StudyButtonDelegate(self._tree)
        self._buttons.clicked.connect(self._on_activated)
        self._tree.setItemDelegateForColumn(STUDY_COLUMN, self._buttons)
        self._titles = _TitleDelegate(self._tree)
        self._tree.setItemDelegateForColumn(0, self._titles)
        header = self._tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (*_COUNT_COLUMNS, STUDY_COLUMN):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
        self._tree.activated.connect(self._on_activated)
        self._tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._tree.customContextMenuRequested.connect(self._row_menu)
        self._tree.setToolTip("Enter studies the selected deck or family; O its options")
        layout.addWidget(self._tree, 1)

        self._empty = QLabel()
        self._empty.setObjectName("empty")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        layout.addWidget(self._empty)

        self._footer = QLabel()
        self._footer.setObjectName("muted")
        self._footer.setTextFormat(Qt.TextFormat.RichText)
        self._footer.setWordWrap(True)  # the keys it lists do not fit one line at 800 px
        layout.addWidget(self._footer)

    # -- display ---------------------------------------------------------------------------
    def set_colors(self, colors: Colors) -> None:
        self._colors = colors
        self.model.set_colors(colors)
        self._size_columns()
        if self._overview is not None:
            self._show_footer(self._overview)  # the key caps in the new colours

    def _size_columns(self) -> None:
        """Each count column as wide as its header or its largest count (a family's), the
        Study column as its button: computed, so no column is measured row by row."""
        self._tree.ensurePolished()
        header = self._tree.header()
        header.ensurePolished()
        families = self._overview.families if self._overview is not None else ()
        for column in _COUNT_COLUMNS:
            largest = max((OverviewModel.count(f.counts, column) for f in families), default=0)
            digits = self._tree.fontMetrics().horizontalAdvance(str(largest))
            text = header.fontMetrics().horizontalAdvance(HEADERS[column])
            header.resizeSection(column, max(digits, text) + 18)
        button = self._buttons.sizeHint(QStyleOptionViewItem(), QModelIndex())
        header.resizeSection(STUDY_COLUMN, button.width() + 4)

    def showEvent(self, event: object) -> None:
        self._size_columns()
        super().showEvent(event)  # type: ignore[arg-type]

    def set_loading(self, loading: bool) -> None:
        """Say that the decks are being loaded (while the overview shows none yet)."""
        self._loading = loading
        if self._overview is not None:
            self._show_texts(self._overview, None)

    def show_overview(self, overview: Overview, now: datetime, *, loading: bool = False) -> None:
        """Show ``overview``: the rows are rebuilt only when the decks differ from those on
        screen; otherwise counts that changed are updated in place."""
        self._overview = overview
        self._loading = loading
        self.grouping.setVisible(overview.has_modules)
        self._group_label.setVisible(overview.has_modules)
        self.grouping.blockSignals(True)
        self.grouping.setCurrentIndex(1 if overview.modules else 0)
        self.grouping.blockSignals(False)
        rebuilt = self.model.set_overview(overview)
        self._size_columns()
        if rebuilt:
            self._tree.expandAll()
            first = self.model.index(0, 0)
            if first.isValid():
                self._tree.setCurrentIndex(first)
        self._show_texts(overview, now)
        self._tree.setFocus()

    def _show_texts(self, overview: Overview, now: datetime | None) -> None:
        due = overview.due_today
        total = due.new + due.learning + due.review
        # Each number stays on the line of what it counts when the subtitle wraps (at
        # 800 px it broke between "0" and "to review").
        nb = "\u00a0"
        self._subtitle.setText(
            f"{total}{nb}card{'s' if total != 1 else ''} to study today: "
            f"{due.new}{nb}new, {due.learning}{nb}learning, {due.review}{nb}to{nb}review"
        )
        self._study_all.setEnabled(total > 0)
        self._tree.setVisible(not overview.is_empty)
        if overview.is_empty and self._loading:
            self._empty.setText("Loading the course decks…")
        elif overview.is_empty:
            self._empty.setText("No decks yet. Add a folder of decks with File → Add deck folder.")
        elif total == 0 and now is not None:
            self._empty.setText(describe_nothing_due(overview, now))
        self._empty.setVisible(overview.is_empty or total == 0)
        self._show_footer(overview)

    def _show_footer(self, overview: Overview) -> None:
        """The count of reviews, then the keys on the review's key caps; each key stays on
        the line of what it does when the list wraps (at 800 px it broke between "T" and
        "statistics")."""
        hints: list[KeyHint] = [
            (("Enter",), "studies the selection"),
            (("S",), "everything"),
            (("O",), "deck options"),
            (("T",), "statistics"),
        ]
        if overview.has_modules:
            hints.append((("G",), "group by family" if overview.modules else "group by module"))
        count = overview.reviews_total
        # "1 reviews so far" after a first answer, "3460" where every other count on
        # screen reads "3,460".
        reviews = f"{count:,}&nbsp;review{'s' if count != 1 else ''}&nbsp;so&nbsp;far"
        self._footer.setText(f"{reviews}&nbsp;&nbsp; {key_hints_html(hints, self._colors)}")

    # -- input -----------------------------------------------------------------------------
    def selected_deck(self) -> str:
        """The id of the selected deck, or '' (a family, or nothing, is selected)."""
        choice = self.model.choice(self._tree.currentIndex())
        return choice.id if choice is not None and choice.kind is ScopeKind.DECK else ""

    @Slot()
    def request_options(self) -> None:
        self.options_requested.emit(self.selected_deck())

    @Slot(QPoint)
    def _row_menu(self, where: QPoint) -> None:
        index = self._tree.indexAt(where)
        choice = self.model.choice(index)
        if choice is None:
            return
        self._tree.setCurrentIndex(index)
        self.row_menu(choice).exec(self._tree.viewport().mapToGlobal(where))

    def row_menu(self, choice: ScopeChoice) -> QMenu:
        """The menu of a row: Study; a deck's options; on a course module, 'I am in this
        module' (new cards then come from it and the modules before it)."""
        menu = QMenu(self)
        menu.addAction("Study", lambda: self.study_requested.emit(choice))
        if choice.kind is ScopeKind.DECK:
            menu.addAction("Deck options…", self.request_options)
        number = choice.module
        if choice.kind is ScopeKind.MODULE and number:
            action = menu.addAction("I am in this module", lambda: self.module_chosen.emit(number))
            action.setToolTip(MODULE_CHOSEN_TIP)
        return menu

    @Slot(QModelIndex)
    def _on_activated(self, index: QModelIndex) -> None:
        choice = self.model.choice(index)
        if choice is not None:
            self.study_requested.emit(choice)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_S:
            self.study_requested.emit(ScopeChoice.everything())
            return
        if event.key() == Qt.Key.Key_T:
            self.statistics_requested.emit()
            return
        if event.key() == Qt.Key.Key_B:
            self.browse_requested.emit()
            return
        if event.key() == Qt.Key.Key_O:
            self.request_options()
            return
        if event.key() == Qt.Key.Key_G and self.grouping.isVisibleTo(self):
            self.grouping.setCurrentIndex(1 - self.grouping.currentIndex())
            return
        if event.key() == Qt.Key.Key_Space:
            index = self._tree.currentIndex()
            if index.isValid():
                self._on_activated(index)
                return
        super().keyPressEvent(event)

    def selected_scope(self) -> ScopeChoice | None:
        return self.model.choice(self._tree.currentIndex())

    @property
    def tree(self) -> QTreeView:
        """The view of the decks (for tests and tools)."""
        return self._tree
