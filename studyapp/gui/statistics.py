"""The statistics screen: today, streak, calendar, forecast, true retention, answers by
hour, time spent, FSRS memory, and readiness for the exam date, filterable by family and
deck.

Widgets only: every figure comes from :mod:`studyapp.services.stats` and
:mod:`studyapp.services.readiness`. What is cheap (today's answers, the forecast) is
computed on opening and drawn at once; the rest is computed on a worker thread, one panel
after another, and drawn as each arrives, so the window never waits for a million answers.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studyapp.core.errors import StorageError
from studyapp.gui.background import BackgroundTask
from studyapp.gui.charts import BarChart, Bars, CalendarHeatmap
from studyapp.gui.keycaps import key_cap
from studyapp.gui.safety import as_storage_error, show_storage_error
from studyapp.gui.theme import Colors
from studyapp.gui.tooltip import plain_tooltip
from studyapp.services.examdate import latest_exam_date
from studyapp.services.stats import (
    Forecast,
    Statistics,
    StatsFilter,
    StatsScope,
    Today,
    sorted_in_runs,
)
from studyapp.services.text import (
    describe_answer_days,
    describe_day,
    describe_duration,
    describe_stability,
)

if TYPE_CHECKING:
    from studyapp.services.figures import AnswerStats, CardLine
    from studyapp.services.readiness import Readiness

__all__ = ["StatisticsScreen"]

FORECAST_CHOICES = ((30, "30 days"), (90, "90 days"), (365, "1 year"))
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
MEMORY_EMPTY = (
    "No card has a memory state yet: study some new cards and FSRS starts tracking how well "
    "you know each one."
)
LEECHES_OFF = "Leeches are off: set Leech after in Tools → Settings… (Study) to find them."
"""The leeches' caption at a threshold of 0 (it said 'Settings: lapses that make a leech',
a label the settings do not have: theirs reads 'Leech after')."""
"""Numbers' columns. Once, not per cell: each ``|`` of two flags is ~4 us of Python enum
code, and readiness's table at 200k cards sets 724 cells in the GUI turn that is the
screen's longest stall (181 rows x 4: 4.2-4.8 -> 1.5-1.8 ms of CPU, load ~8)."""


def _pct(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:.{digits}%}"


def _day(day: date, *, year: bool = True) -> str:
    """``1 April 2026``: no leading zero."""
    return f"{day.day} {day:%B %Y}" if year else f"{day.day} {day:%B}"


def _readiness(stats: Statistics, scope: StatsScope, exam: date) -> Readiness:
    """Readiness for ``exam``, its module imported here, by the job computing it (on its
    worker thread), not with this screen: Ctrl+T to the first charts (issue 19, budget 150
    ms) paid for importing the forecast's module (7 dataclasses, the simulator's code),
    which the first paint does not show; the Readiness tab's date field takes its bound
    from :mod:`studyapp.services.examdate`."""
    from studyapp.services.readiness import readiness

    return readiness(stats, scope, exam)


JOB_SWITCH_INTERVAL = 0.001
"""Python's switch interval (s) while a figure is computed beside the GUI thread.

Issue 19 (the screen's longest GUI stall, budget 50 ms): a worker running Python keeps the
GIL until the GUI thread has waited the switch interval (5 ms by default) for it, and the
GUI thread waits for it at each return to Python in a turn of the event loop (a timer's
slot, a handler, a file read), so a turn that asked a few times waited a few times 5 ms.
At 1 ms: the benchmark's screen worker at 200,000 cards, 8 interleaved pairs under
SCHED_FIFO on a machine loaded by others (the closest to a quiet one it had): longest stall
median 61.8 -> 41.2 ms (45-81 -> 25-64), every figure computed 2.63 -> 2.48 s. A C call
that keeps the GIL (a sort, the FSRS simulator) is not shortened by it."""


def _beside_the_gui(work: Callable[[], Any]) -> Callable[[], Any]:
    """``work`` run with the switch interval at :data:`JOB_SWITCH_INTERVAL` (the default
    back once it returns): the screen's jobs run one at a time."""

    def run() -> Any:
        before = sys.getswitchinterval()
        sys.setswitchinterval(JOB_SWITCH_INTERVAL)
        try:
            return work()
        finally:
            sys.setswitchinterval(before)

    return run


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


_OVERVIEW, _RETENTION, _MEMORY, _READINESS, _STEERING = range(5)
"""The tabs, in their order."""

_READINESS_ROWS = 16
"""The most rows the readiness table grows to show at once; more scroll within it."""


class _Stat(QFrame):
    """A headline figure: its name and value on one line, a detail under them."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(0)
        line = QHBoxLayout()
        name = QLabel(label)
        name.setObjectName("muted")
        self.value = QLabel("–")
        self.value.setObjectName("statValue")
        line.addWidget(name)
        line.addStretch(1)
        line.addWidget(self.value)
        layout.addLayout(line)
        self.detail = QLabel()
        self.detail.setObjectName("muted")
        self.detail.setWordWrap(True)
        layout.addWidget(self.detail)

    def set(self, value: str, detail: str) -> None:
        self.value.setText(value)
        self.detail.setText(detail)


class _CardList(QTreeWidget):
    """A list of cards with their decks: the deck column keeps a third of the width as the
    list resizes (a fixed 220 px elided the deck titles at full size beside hundreds of
    empty pixels in the card column)."""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.header().resizeSection(2, max(220, self.viewport().width() // 3))


_GAP = 20
"""Pixels a column of figures keeps beside its widest text."""


class _Apart(QStyledItemDelegate):
    """Cells sized to their text and a gap (:func:`_figures_apart`)."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + _GAP, size.height())


def _figures_apart(tree: QTreeWidget, columns: Sequence[int]) -> None:
    """``tree``'s ``columns`` as wide as their widest cell and a gap (or their label, when
    wider): sized to their contents they ended where their widest text did, and a column of
    right-aligned figures beside one read as one figure ('57 95%'); a deck's title ran into
    its card's due day."""
    delegate = _Apart(tree)
    header = tree.header()
    for column in columns:
        tree.setItemDelegateForColumn(column, delegate)
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)


@dataclass
class _Job:
    """A panel's figures: ``work`` runs on a worker thread, then ``show`` draws its result on
    the GUI thread, and each of ``then`` draws more of it, one per turn of the event loop
    (see :meth:`StatisticsScreen._show_in_turns`)."""

    name: str
    work: Callable[[], Any]
    show: Callable[[Any], None]
    then: tuple[Callable[[Any], None], ...] = ()


class StatisticsScreen(QWidget):
    """Signals:
    back_requested(): Esc or Back.
    exam_date_chosen(object): the trainee set (a ``date``) or cleared (None) the exam date.
    finished(): every panel of the current filter has been drawn (tests, screenshots).
    """

    back_requested = Signal()
    exam_date_chosen = Signal(object)
    finished = Signal()

    def __init__(self, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colors = colors
        self._stats: Statistics | None = None
        self._scope: StatsScope | None = None
        self._exam: date | None = None
        self._generation = 0
        self._jobs: list[_Job] = []
        self._task: BackgroundTask | None = None
        self._error: BaseException | None = None
        self._forecast: Forecast | None = None
        self._filling = False
        self._stepping = False  # a job's drawing waits for its next event-loop turn
        self._building = _OVERVIEW  # the tab whose page is being built
        self._holders: dict[int, QVBoxLayout] = {}  # the tabs built late: their pages' place
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 8)
        layout.setSpacing(8)
        top = QHBoxLayout()
        title = QLabel("Statistics")
        title.setObjectName("title")
        top.addWidget(title)
        top.addStretch(1)
        self.family = QComboBox()
        self.family.setToolTip("Show one family of decks")
        self.deck = QComboBox()
        self.deck.setToolTip("Show one deck")
        self.deck.setMinimumContentsLength(14)
        self.deck.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.module = QComboBox()
        self.module.setToolTip("Show one module of the course")
        self.module.setVisible(False)
        # At 800x600 the three menus share the header: none takes its longest title's
        # width (its list still shows whole titles).
        for menu, length in ((self.family, 10), (self.module, 12)):
            menu.setMinimumContentsLength(length)
            menu.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        top.addWidget(self.family)
        top.addWidget(self.deck)
        top.addWidget(self.module)
        self.back = QPushButton("Back")
        self.back.setToolTip("Back to the decks (Esc)")
        self.back.clicked.connect(self.back_requested.emit)
        top.addWidget(self.back)
        layout.addLayout(top)
        self.family.currentIndexChanged.connect(self._on_family_changed)
        self.deck.currentIndexChanged.connect(self._on_deck_changed)
        self.module.currentIndexChanged.connect(self._on_deck_changed)

        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self._build_overview()
        # Issue 19 (Ctrl+T to the first charts painted, budget 150 ms): the four tabs behind
        # the Overview were ~2/3 of building the screen (~55-65 ms of ~90, notes/stats-r13.md)
        # and none of them shows in the first paint. Each is an empty holder now, filled one
        # per turn of the event loop after the first paint (each well under the 50 ms stall
        # budget), or at once when it is chosen or a figure is drawn into it. What a call
        # would have set in a tab not yet built waits in _pending and runs right after it
        # is built, in order, so a built tab shows what it would have shown built at once.
        # Measured at 200k cards (the benchmark's screen worker, GUI-thread CPU of Ctrl+T to
        # the first paint, 9 interleaved runs, load 10-12): median 226 -> 135 ms; each tab
        # built later 9-21 ms of CPU.
        self._unbuilt: dict[int, Callable[[], None]] = {}
        self._pending: dict[int, list[Callable[[], None]]] = {}
        for index, name, build in (
            (_RETENTION, "Retention", self._build_retention),
            (_MEMORY, "Memory", self._build_memory),
            (_READINESS, "Readiness", self._build_readiness),
            (_STEERING, "Not now && leeches", self._build_steering),
        ):
            holder = QWidget()
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(0, 0, 0, 0)
            self.tabs.addTab(holder, name)
            self._holders[index] = holder_layout
            self._unbuilt[index] = build
        self.tabs.currentChanged.connect(self._build_tab)
        # A timer, not a call: the first paint comes before it. And a timer started by a
        # timer: the first turn after the first paint runs the chart views' own follow-up
        # work (scene updates, ~10-15 ms of CPU at 200k cards), and the first tab built in
        # that same turn made it the screen's longest GUI stall (the benchmark's gap #0,
        # follow-up + Retention 25-32 ms of CPU); so the first build waits one more turn.
        QTimer.singleShot(1, self, lambda: QTimer.singleShot(1, self, self._build_next))

    # -- layout ----------------------------------------------------------------------------
    def _page(self, title: str, *, minimum_height: int = 400) -> QVBoxLayout:
        """A tab whose content scrolls when the window is smaller than ``minimum_height``
        allows, instead of squashing the charts."""
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        page = QWidget()
        page.setMinimumHeight(minimum_height)
        scroll.setWidget(page)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 8, 4, 4)
        layout.setSpacing(8)
        self._add_page(scroll, title)
        return layout

    def _add_page(self, page: QWidget, title: str) -> None:
        """``page`` as the next tab, or into its holder when the tab is built late."""
        holder = self._holders.get(self._building)
        if holder is None:
            self.tabs.addTab(page, title)
        else:
            holder.addWidget(page)

    # -- building the tabs behind the Overview (see __init__) -------------------------------
    def _build_next(self) -> None:
        """Build the next tab not yet built, then let the event loop run before the next."""
        if self._unbuilt:
            self._build(min(self._unbuilt))
        if self._unbuilt:
            QTimer.singleShot(1, self, self._build_next)
        elif self._jobs and not self._working:
            # The figures are computed once every tab is built, not beside the building:
            # a worker running Python took the GIL from the GUI thread at each of the
            # build's Qt calls that let it go, and each time held it up to the switch
            # interval (5 ms). Measured (200k cards, load ~11, 2 runs each): tabs built
            # beside the answers' worker 55-132 ms of wall for 12-23 ms of CPU each.
            self._next_job(self._generation)

    @Slot(int)
    def _build_tab(self, index: int) -> None:
        if index in self._unbuilt:
            self._build(index)

    def _build(self, index: int) -> None:
        build = self._unbuilt.pop(index)
        self._building = index
        try:
            build()
        finally:
            self._building = _OVERVIEW
        for call in self._pending.pop(index, []):
            call()

    def build_all(self) -> None:
        """Build every tab not built yet, now (a figure is about to be drawn into them)."""
        for index in sorted(self._unbuilt):
            self._build(index)

    @property
    def built(self) -> bool:
        """Every tab is built (they are built after the first paint, see __init__)."""
        return not self._unbuilt

    def _when_built(self, index: int, call: Callable[[], None]) -> None:
        """``call`` now if tab ``index`` is built, else right after it is built."""
        if index in self._unbuilt:
            self._pending.setdefault(index, []).append(call)
        else:
            call()

    def _build_overview(self) -> None:
        layout = self._page("Overview", minimum_height=410)
        row = QHBoxLayout()
        row.setSpacing(10)
        self.today_stat = _Stat("Today")
        self.streak_stat = _Stat("Streak")
        self.due_stat = _Stat("Due")
        for stat in (self.today_stat, self.streak_stat, self.due_stat):
            row.addWidget(stat, 1)
        layout.addLayout(row)
        self.calendar = CalendarHeatmap("Answers per day, the last 365 days", self._colors)
        self.calendar.setMinimumHeight(140)
        layout.addWidget(self.calendar, 4)
        self.forecast = BarChart("Forecast: cards falling due", self._colors)
        self.forecast_days = QComboBox()
        for days, label in FORECAST_CHOICES:
            self.forecast_days.addItem(f"Next {label}", days)
        self.forecast_days.setToolTip("How far ahead the forecast looks")
        self.forecast_days.currentIndexChanged.connect(self._draw_forecast)
        header = QHBoxLayout()
        header.addWidget(self.forecast.title)
        header.addStretch(1)
        header.addWidget(self.forecast_days)
        panel_layout = self.forecast.layout()
        assert isinstance(panel_layout, QVBoxLayout)
        panel_layout.insertLayout(0, header)
        self.forecast.setMinimumHeight(165)
        layout.addWidget(self.forecast, 5)

    def _build_retention(self) -> None:
        layout = self._page("Retention", minimum_height=420)
        self.retention_caption = QLabel(
            "True retention, as Anki defines it: how often you passed (anything but Again) "
            "cards you had learned, with an interval of a day or more. Young: under 21 days."
        )
        self.retention_caption.setObjectName("muted")
        self.retention_caption.setWordWrap(True)
        layout.addWidget(self.retention_caption)
        self.retention = QTableWidget(6, 3)
        self.retention.setHorizontalHeaderLabels(["Young", "Mature", "All"])
        self.retention.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.retention.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.retention.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.retention.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.retention.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.retention.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.retention.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        layout.addWidget(self.retention, 0)
        self.retention_empty = QLabel()
        self.retention_empty.setObjectName("empty")
        self.retention_empty.setWordWrap(True)
        self.retention_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.retention_empty.setVisible(False)
        layout.addWidget(self.retention_empty)
        charts = QHBoxLayout()
        self.hours = BarChart("Answers by hour of the day (last 365 days)", self._colors)
        self.time = BarChart("Minutes a day (last 30 days)", self._colors)
        charts.addWidget(self.hours, 1)
        charts.addWidget(self.time, 1)
        layout.addLayout(charts, 1)

    def _build_memory(self) -> None:
        layout = self._page("Memory", minimum_height=400)
        self.memory_caption = QLabel()
        self.memory_caption.setObjectName("muted")
        self.memory_caption.setWordWrap(True)
        layout.addWidget(self.memory_caption)
        grid = QGridLayout()
        grid.setSpacing(10)
        self.stability = BarChart("Stability: days until recall falls to 90%", self._colors)
        self.difficulty = BarChart("Difficulty", self._colors)
        self.retrievability = BarChart("Retrievability: chance of recall now", self._colors)
        grid.addWidget(self.stability, 0, 0, 1, 2)
        grid.addWidget(self.difficulty, 1, 0)
        grid.addWidget(self.retrievability, 1, 1)
        layout.addLayout(grid, 1)

    def _build_steering(self) -> None:
        layout = self._page("Not now && leeches", minimum_height=420)
        self.deferrals = BarChart("Put off with “Not now”, the last 30 days", self._colors)
        self.deferrals.setMinimumHeight(150)
        layout.addWidget(self.deferrals, 1)
        self.deferred_title = QLabel("Put off most often")
        self.deferred_title.setObjectName("chartTitle")
        layout.addWidget(self.deferred_title)
        self.deferred = self._card_list(["Times", "Card", "Deck"])
        # The lists take the room first (each up to its rows, see _fill_cards), the chart
        # what is left.
        layout.addWidget(self.deferred, 3)
        self.leech_title = QLabel("Leeches")
        self.leech_title.setObjectName("chartTitle")
        self.leech_caption = QLabel()
        self.leech_caption.setObjectName("muted")
        self.leech_caption.setWordWrap(True)
        layout.addWidget(self.leech_title)
        layout.addWidget(self.leech_caption)
        self.leeches = self._card_list(["Lapses", "Card", "Deck"])
        layout.addWidget(self.leeches, 3)

    @staticmethod
    def _card_list(headers: list[str]) -> QTreeWidget:
        tree = _CardList()
        tree.setHeaderLabels(headers)
        tree.setRootIsDecorated(False)
        tree.setUniformRowHeights(True)
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        # Deck titles are long: a third of the width (at least 220 px, see _CardList),
        # elided, the whole title on hover.
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 220)
        tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        tree.setMinimumHeight(90)
        return tree

    def _build_readiness(self) -> None:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        self._readiness_scroll = scroll
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 10, 4, 4)
        layout.setSpacing(10)
        self._add_page(page, "Readiness")
        row = QHBoxLayout()
        self.exam_enabled = QCheckBox("My exam is on")
        self.exam_enabled.setToolTip("The date you study toward: an exam, a supervision, …")
        self.exam_date = QDateEdit()
        self.exam_date.setCalendarPopup(True)
        self.exam_date.setDisplayFormat("ddd d MMMM yyyy")
        self.exam_date.setDate(QDate.currentDate().addDays(90))
        latest = latest_exam_date(date.today())  # (Qt's own limit is the year 9999)
        self.exam_date.setMaximumDate(QDate(latest.year, latest.month, latest.day))
        self.exam_date.setEnabled(False)
        row.addWidget(self.exam_enabled)
        row.addWidget(self.exam_date)
        row.addStretch(1)
        layout.addLayout(row)
        self.exam_enabled.toggled.connect(self._on_exam_toggled)
        self.exam_date.dateChanged.connect(self._on_exam_date_edited)
        self.readiness_headline = QLabel()
        self.readiness_headline.setObjectName("headline")
        self.readiness_headline.setWordWrap(True)
        layout.addWidget(self.readiness_headline)
        self.readiness_chart = BarChart(
            "Share of cards recalled, by family", self._colors, horizontal=True
        )
        self.readiness_chart.setMinimumHeight(190)
        layout.addWidget(self.readiness_chart)
        self.plan = QLabel()
        self.plan.setWordWrap(True)
        self.plan.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.plan)
        self.readiness_table = QTreeWidget()
        self.readiness_table.setHeaderLabels(
            ["Family / deck", "Cards", "Now", "On the date", "If you finish"]
        )
        self.readiness_table.setRootIsDecorated(True)
        self.readiness_table.setUniformRowHeights(True)
        _figures_apart(self.readiness_table, range(1, 5))
        header = self.readiness_table.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.readiness_table.setMinimumHeight(160)
        self.readiness_table.itemExpanded.connect(self._fit_readiness_table)
        self.readiness_table.itemCollapsed.connect(self._fit_readiness_table)
        layout.addWidget(self.readiness_table, 1)  # the tables take a tall window's room
        risk_title = QLabel("Most at risk on the date")
        risk_title.setObjectName("chartTitle")
        layout.addWidget(risk_title)
        self.at_risk = QTreeWidget()
        self.at_risk.setHeaderLabels(["Recall", "Card", "Deck", "Due"])
        self.at_risk.setRootIsDecorated(False)
        _figures_apart(self.at_risk, (0, 2, 3))
        risk_header = self.at_risk.header()
        risk_header.setStretchLastSection(False)
        risk_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.at_risk.setMinimumHeight(140)
        layout.addWidget(self.at_risk, 1)
        self.readiness_note = QLabel(
            "How this is worked out: FSRS predicts each card's recall on the date from its "
            "memory, with the reviews you will do until then; cards you have not started "
            "count as not known."
        )
        self.readiness_note.setObjectName("muted")
        self.readiness_note.setWordWrap(True)
        layout.addWidget(self.readiness_note)
        layout.addStretch(1)
        # The room below goes to the tables when they show, else to this stretch.
        self._readiness_layout = layout
        self._readiness_stretch = layout.count() - 1
        self._readiness_widgets: list[QWidget] = [
            self.readiness_chart,
            self.plan,
            self.readiness_table,
            risk_title,
            self.at_risk,
        ]

    # -- public ----------------------------------------------------------------------------
    def set_colors(self, colors: Colors) -> None:
        self._colors = colors
        self.build_all()
        for panel in (
            self.calendar,
            self.forecast,
            self.hours,
            self.time,
            self.stability,
            self.difficulty,
            self.retrievability,
            self.readiness_chart,
            self.deferrals,
        ):
            panel.apply_colors(colors)
        if self._stats is not None:
            self.refresh()

    def start(self, statistics: Statistics, exam: date | None) -> None:
        """Show the statistics of ``statistics``' store, all decks, from scratch.

        A storage failure (here or in a figure computed later) goes through
        :func:`~studyapp.gui.safety.show_storage_error` (a damaged store: no more writes, a
        backup offered, back to the deck list)."""
        self._stats = statistics
        self._exam = exam
        self._generation += 1
        self._jobs = []
        try:
            self._fill_filters()
        except StorageError as exc:
            self._failed(str(exc), exc)
            return
        self._show_exam(exam)
        self.refresh()

    def refresh(self) -> None:
        """Compute everything again for the current filter."""
        try:
            self._refresh()
        except StorageError as exc:
            self._failed(str(exc), exc)

    def _refresh(self) -> None:
        stats = self._stats
        if stats is None:
            return
        self._generation += 1
        self._jobs = []
        module = self.module.currentData()
        wanted = StatsFilter(
            family=self.family.currentData() or None,
            deck=self.deck.currentData() or None,
            module=module if isinstance(module, int) else None,
        )
        scope = stats.resolve(wanted)
        self._scope = scope
        # Drawn at once: today's answers and the forecast are a few indexed rows.
        self._show_today(stats.today(scope))
        self._forecast = stats.forecast(scope)
        self._draw_forecast()
        self.calendar.show_message("Counting…")
        self._when_built(_RETENTION, self._counting_retention)
        self._when_built(_MEMORY, self._counting_memory)
        self.streak_stat.set("…", "")
        generation = self._generation
        self._jobs = [
            _Job(
                "answers",
                lambda: stats.answers(scope),
                self._show_answers,
                then=(self._show_answers_rest,),
            ),
            _Job("hours", lambda: stats.hours(scope), self._show_hours),
            # Sorted in runs: the GUI thread is not kept waiting for the GIL (issue 19).
            _Job("memory", lambda: stats.memory(scope, sort=sorted_in_runs), self._show_memory),
            _Job("steering", lambda: stats.steering(scope), self._show_steering),
        ]
        self._queue_readiness()
        if not self._working and not self._unbuilt:  # (else once they are: _build_next)
            self._next_job(generation)

    def _counting_retention(self) -> None:
        for panel in (self.hours, self.time):
            panel.show_message("Counting…")

    def _counting_memory(self) -> None:
        for panel in (self.stability, self.difficulty, self.retrievability):
            panel.show_message("Counting…")

    @property
    def scope(self) -> StatsScope | None:
        """The filter shown (None before the screen was opened)."""
        return self._scope

    @property
    def busy(self) -> bool:
        """Figures are being computed or drawn, or a tab is not built yet."""
        return self._computing or bool(self._unbuilt)

    @property
    def _computing(self) -> bool:
        return bool(self._jobs) or self._working

    @property
    def _working(self) -> bool:
        """A job is computing, or its result is still being drawn."""
        return self._stepping or (self._task is not None and self._task.is_running())

    def wait(self) -> None:
        """Finish the running computation and start no other (closing the window): a part
        started after the close ran on a thread the ending process destroyed (an abort)."""
        self._jobs.clear()
        self._generation += 1
        if self._task is not None and self._task.is_running():
            self._task.wait()

    # -- computing -------------------------------------------------------------------------
    def _queue_readiness(self) -> None:
        stats, scope, exam = self._stats, self._scope, self._exam
        self._when_built(_READINESS, lambda: self._readiness_waits(exam is None))
        if exam is None:
            return
        if stats is not None and scope is not None:
            self._jobs.append(
                _Job(
                    "readiness",
                    lambda: _readiness(stats, scope, exam),
                    self._show_readiness,
                    then=(self._show_readiness_tables,),
                )
            )

    def _readiness_waits(self, no_date: bool) -> None:
        self._show_readiness_widgets(False)
        self.readiness_headline.setText(
            "Set the date you study toward (an exam, a supervision, the start of your "
            "clinical work) and this page shows how ready you will be on it."
            if no_date
            else "Working out your readiness…"
        )

    def _next_job(self, generation: int) -> None:
        if generation != self._generation:
            return
        if not self._jobs:
            self.build_all()  # finished: every panel can be read
            self.finished.emit()
            return
        job = self._jobs.pop(0)
        task = BackgroundTask(_beside_the_gui(job.work), self)
        task.finished.connect(lambda result, g=generation, j=job: self._on_done(g, j, result))
        task.error.connect(self._remember_error)
        task.failed.connect(lambda message, g=generation: self._on_failed(g, message))
        self._task = task
        task.start()

    def _on_done(self, generation: int, job: _Job, result: object) -> None:
        if generation == self._generation:
            self.build_all()
            job.show(result)
            self._show_in_turns(generation, job.then, result)
        else:  # the filter changed meanwhile: start over with the new one's jobs
            self._next_job(self._generation)

    def _show_in_turns(
        self, generation: int, steps: tuple[Callable[[Any], None], ...], result: object
    ) -> None:
        """Draw ``result`` with each of ``steps``, one per turn of the event loop, then
        start the next job.

        Issue 19 (the screen's longest GUI stall while the rest computes, budget 50 ms):
        the answers' panels took 11-16 ms of the GUI thread in one go (the calendar's 365
        squares 8-10 ms, then the retention table and the minutes chart), readiness's 9-13
        ms (its chart and plan, then two tables); with the event loop let in between, the
        timer ticks (and a trainee's input and paints) wait for one part at a time
        (benchmarks/stats.py's screen worker at 200,000 cards). Measured after the change
        (3 runs, nice -15, load ~3): the answers 6.7-8.9 ms then 1.9-2.4 ms, readiness
        1.6-6.3 ms then 3.6-7.4 ms: each burst 2-6 ms shorter, a small part of the stall,
        whose longest gap is mostly readiness's FSRS simulator (a native call holding the
        GIL ~20 ms). The later parts draw tabs that are not shown at first."""
        if not steps:
            self._next_job(generation)
            return
        self._stepping = True

        def turn() -> None:
            self._stepping = False
            if generation != self._generation:  # the filter changed: the new one's jobs
                if not self._working:  # (unless they were started meanwhile)
                    self._next_job(self._generation)
                return
            steps[0](result)
            self._show_in_turns(generation, steps[1:], result)

        # A timer, not a call: the event loop runs (timers, paints, input) before it.
        QTimer.singleShot(1, self, turn)

    @Slot(object)
    def _remember_error(self, error: BaseException) -> None:
        self._error = error

    def _on_failed(self, generation: int, message: str) -> None:
        error, self._error = self._error, None
        if generation == self._generation:
            self._failed(message, error)
        else:
            self._next_job(self._generation)

    def _failed(self, message: str, error: BaseException | None) -> None:
        """Say on the screen that the figures failed; a storage failure also goes the one
        way every screen's does."""
        self.build_all()
        for panel in (self.calendar, self.hours, self.time, self.stability):
            if not panel.showing_chart:
                panel.show_message(f"Could not compute the statistics: {message}")
        self._jobs = []
        self.finished.emit()
        storage = (
            as_storage_error(error, self._stats.store_path)
            if error is not None and self._stats is not None
            else None
        )
        if storage is not None:
            show_storage_error(self, storage)

    # -- filters ---------------------------------------------------------------------------
    def _fill_filters(self) -> None:
        assert self._stats is not None
        self._filling = True
        self.family.clear()
        self.family.addItem("All families", "")
        self._families = self._stats.families()
        for family, title, _decks in self._families:
            self.family.addItem(title, family)
        self._fill_decks()
        self.module.clear()
        self.module.addItem("All modules", "")
        for number, title in self._stats.modules():
            self.module.addItem(f"{number}. {title}", number)
        self.module.setVisible(self.module.count() > 1)
        self._filling = False

    def _fill_decks(self) -> None:
        chosen = self.family.currentData() or ""
        self.deck.clear()
        self.deck.addItem("All decks", "")
        for family, _title, decks in getattr(self, "_families", []):
            if chosen and family != chosen:
                continue
            for deck_id, deck_title in decks:
                self.deck.addItem(deck_title, deck_id)

    @Slot(int)
    def _on_family_changed(self, _index: int) -> None:
        if self._filling:
            return
        self._filling = True
        self._fill_decks()
        self._filling = False
        self.refresh()

    @Slot(int)
    def _on_deck_changed(self, _index: int) -> None:
        if not self._filling:
            self.refresh()

    def choose(self, *, family: str = "", deck: str = "", module: int | None = None) -> None:
        """Select a filter as the trainee would (tests)."""
        self.family.setCurrentIndex(max(0, self.family.findData(family)))
        if deck:
            self.deck.setCurrentIndex(max(0, self.deck.findData(deck)))
        if module is not None:
            self.module.setCurrentIndex(max(0, self.module.findData(module)))

    # -- exam date -------------------------------------------------------------------------
    def _show_exam(self, exam: date | None) -> None:
        self._when_built(_READINESS, lambda: self._show_exam_now(exam))

    def _show_exam_now(self, exam: date | None) -> None:
        self.exam_enabled.blockSignals(True)
        self.exam_date.blockSignals(True)
        self.exam_enabled.setChecked(exam is not None)
        self.exam_date.setEnabled(exam is not None)
        if exam is not None:
            self.exam_date.setDate(QDate(exam.year, exam.month, exam.day))
        self.exam_enabled.blockSignals(False)
        self.exam_date.blockSignals(False)

    def set_exam_date(self, exam: date | None) -> None:
        """Forecast for ``exam`` (from the settings); recompute readiness only."""
        self._exam = exam
        self._show_exam(exam)
        if self._stats is None:
            return
        generation = self._generation
        idle = not self._computing and not self._unbuilt
        self._queue_readiness()
        if idle:
            self._next_job(generation)

    @Slot(bool)
    def _on_exam_toggled(self, on: bool) -> None:
        self.exam_date.setEnabled(on)
        self.exam_date_chosen.emit(self._edited_date() if on else None)

    @Slot(QDate)
    def _on_exam_date_edited(self, _date: QDate) -> None:
        if self.exam_enabled.isChecked():
            self.exam_date_chosen.emit(self._edited_date())

    def _edited_date(self) -> date:
        value = self.exam_date.date()
        return date(value.year(), value.month(), value.day())

    # -- drawing ---------------------------------------------------------------------------
    def _show_today(self, today: Today) -> None:
        if today.answers == 0:
            self.today_stat.set("Nothing yet", "No answers today so far.")
            return
        self.today_stat.set(
            _plural(today.cards, "card"),
            f"{_plural(today.answers, 'answer')} in {describe_duration(today.seconds)} · "
            f"Again {_pct(today.again_rate)}",
        )

    @Slot()
    def _draw_forecast(self) -> None:
        forecast = self._forecast
        if forecast is None:
            return
        days = int(self.forecast_days.currentData() or 30)
        c = self._colors
        self.due_stat.set(
            f"{forecast.due(0) + forecast.overdue:,} today",
            f"{forecast.total(7):,} in the next 7 days"
            # (the number kept with its word: at 800 px the tile wrapped "· 8" / "overdue")
            + (f" · {forecast.overdue:,}\u00a0overdue" if forecast.overdue else ""),
        )
        total = forecast.total(days)
        if total == 0 and forecast.overdue == 0:  # an empty chart says nothing
            self.forecast.caption.setText("")
            self.forecast.show_message(
                "Nothing is scheduled yet. Cards you learn appear here on the day they fall due."
            )
            return
        average = forecast.average(days)
        # (one card in 30 days read "0.0 a day on average", as if none were due)
        per_day = f"{average:,.1f}" if average >= 0.05 else "under 0.1"
        self.forecast.caption.setText(
            f"{_plural(total, 'card')} in the next {days} days, {per_day} a day on average"
            + (f"; {forecast.overdue:,} overdue now" if forecast.overdue else "")
        )
        if days <= 90:
            learning = list(forecast.learning[:days])
            review = list(forecast.review[:days])
            review[0] += forecast.overdue
            step = 7 if days <= 30 else 14
            ticks = [(0.0, "today")] + [(float(d), f"+{d} d") for d in range(step, days, step)]
            tips = [self._day_tip(d) for d in range(days)]
        else:  # a year: weeks
            weeks = (days + 6) // 7
            learning = [sum(forecast.learning[w * 7 : w * 7 + 7]) for w in range(weeks)]
            review = [sum(forecast.review[w * 7 : w * 7 + 7]) for w in range(weeks)]
            review[0] += forecast.overdue
            ticks = [(0.0, "this week")] + [
                (float(w), f"+{w * 7 // 30} mo") for w in range(9, weeks, 9)
            ]
            tips = [f"week of {self._day_label(w * 7)}" for w in range(weeks)]
        self.forecast.set_bars(
            [Bars("Review", review, c.review), Bars("Learning", learning, c.learning)],
            ticks,
            stacked=True,
            tips=tips,
        )

    def _day_label(self, offset: int) -> str:
        assert self._stats is not None
        day = self._stats.local_date(self._stats.day_start()) + timedelta(days=offset)
        return describe_day(day, weekday=True, year=False)

    def _day_tip(self, offset: int) -> str:
        return "today (with overdue cards)" if offset == 0 else self._day_label(offset)

    def _show_answers(self, result: object) -> None:
        from studyapp.services.figures import AnswerStats  # (imported by the job)

        assert isinstance(result, AnswerStats)
        self._show_today(result.today)
        streak = result.streak
        if streak.current:
            self.streak_stat.set(
                _plural(streak.current, "day"),
                f"longest {streak.longest:,} · studied on {streak.days_last_year} of the last "
                "365 days",
            )
        else:
            self.streak_stat.set(
                "No streak yet" if not streak.longest else "0 days",
                "Study today to start one."
                if not streak.longest
                else f"longest {streak.longest:,} · study today to start again",
            )
        calendar = result.calendar
        if calendar.total == 0:
            self.calendar.caption.setText("")
            self.calendar.show_message(
                "No answers in the last year yet. Every day you study fills a square here."
            )
        else:
            self.calendar.caption.setText(
                describe_answer_days(calendar.total, calendar.active_days, calendar.busiest)
            )
            self.calendar.set_days(calendar.first_day, calendar.counts)

    def _show_answers_rest(self, result: object) -> None:
        """The answers' Retention tab (its table and minutes chart), a turn after the
        Overview tab's panels (:meth:`_show_in_turns`)."""
        from studyapp.services.figures import AnswerStats  # (imported by the job)

        assert isinstance(result, AnswerStats)
        self._show_retention(result)
        time = result.time
        minutes = list(time.minutes[-30:])
        if not any(minutes):
            self.time.caption.setText("")
            self.time.show_message("No study time in the last 30 days.")
        else:
            per = time.seconds_per_answer
            self.time.caption.setText(
                f"{describe_duration(sum(minutes) * 60)} in the last 30 days"
                + (f", {per:.0f} s an answer" if per else "")
            )
            first = time.first_day + timedelta(days=len(time.minutes) - 30)
            tips = [
                describe_day(first + timedelta(days=i), weekday=True, year=False) for i in range(30)
            ]
            self.time.set_bars(
                [Bars("Minutes", minutes, self._colors.accent)],
                [
                    (0.0, describe_day(first, year=False)),
                    (14.0, describe_day(first + timedelta(days=14), year=False)),
                    (29.0, "today"),
                ],
                tips=tips,
                value_format="{:,.0f} min",
            )

    def _show_retention(self, result: AnswerStats) -> None:
        retention = result.retention
        empty = retention.is_empty
        self.retention.setVisible(not empty)
        self.retention_empty.setVisible(empty)
        if empty:
            self.retention_empty.setText(
                "No reviews of learned cards yet. True retention counts answers to cards "
                "with an interval of a day or more: come back after your first reviews."
            )
            return
        self.retention.setVerticalHeaderLabels([p.label for p in retention.periods])
        for row, period in enumerate(retention.periods):
            cells = (
                (period.young, period.young_passed + period.young_failed),
                (period.mature, period.mature_passed + period.mature_failed),
                (period.total, period.passed + period.failed),
            )
            for column, (rate, count) in enumerate(cells):
                text = "–" if not count else f"{_pct(rate, 1)}  of {count:,}"
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.retention.setItem(row, column, item)

    def _show_hours(self, result: object) -> None:
        from studyapp.services.figures import Hours  # (imported by the job)

        assert isinstance(result, Hours)
        if result.total == 0:
            self.hours.caption.setText("")
            self.hours.show_message("No answers in the last year yet.")
            return
        passed = [result.answers[h] - result.failed[h] for h in range(24)]
        busiest = max(range(24), key=lambda h: result.answers[h])
        rated = [h for h in range(24) if result.answers[h] >= max(20, result.total // 100)]
        best = max(rated, key=lambda h: result.pass_rate(h) or 0.0) if rated else None
        caption = f"Busiest at {busiest:02d}:00"
        if best is not None:
            caption += f"; best pass rate at {best:02d}:00 ({_pct(result.pass_rate(best))})"
        self.hours.caption.setText(caption)
        tips = [
            f"{h:02d}:00-{h + 1:02d}:00, pass rate {_pct(result.pass_rate(h))}" for h in range(24)
        ]
        self.hours.set_bars(
            [
                Bars("Passed", passed, self._colors.good),
                Bars("Again", list(result.failed), self._colors.again),
            ],
            [(float(h), f"{h:02d}:00") for h in (0, 6, 12, 18)],
            stacked=True,
            tips=tips,
        )

    def _show_memory(self, result: object) -> None:
        from studyapp.services.figures import Memory  # (imported by the job)

        assert isinstance(result, Memory)
        panels = (self.stability, self.difficulty, self.retrievability)
        if result.cards == 0:
            # The sentence once, in the widest panel; the two half-width panels under it
            # repeated it in four cramped lines each, under an empty line left for the caption.
            self.memory_caption.hide()
            for panel in panels:
                panel.caption.setText("")
                panel.show_message(MEMORY_EMPTY if panel is self.stability else "Nothing yet.")
            return
        self.memory_caption.show()
        self.memory_caption.setText(
            f"FSRS's model of your memory of the {_plural(result.cards, 'card')} you have studied."
        )
        c = self._colors
        # In the unit that suits it: after a first session it is hours ("Median 0 days").
        self.stability.caption.setText(f"Median {describe_stability(result.median_stability or 0)}")
        self.stability.set_bars(
            [Bars("Cards", result.stability.counts, c.review)],
            list(enumerate(result.stability.labels)),
            tips=list(result.stability.labels),
        )
        self.difficulty.caption.setText(f"Median {_pct(result.median_difficulty)}")
        self.difficulty.set_bars(
            [Bars("Cards", result.difficulty.counts, c.learning)],
            [(0.0, "easy"), (9.0, "hard")],
            tips=list(result.difficulty.labels),
        )
        self.retrievability.caption.setText(f"Average {_pct(result.average_retrievability)}")
        self.retrievability.set_bars(
            [Bars("Cards", result.retrievability.counts, c.accent)],
            [(0.0, "0%"), (10.0, "50%"), (19.0, "100%")],
            tips=list(result.retrievability.labels),
        )

    def _show_steering(self, result: object) -> None:
        from studyapp.services.figures import Steering  # (imported by the job)

        assert isinstance(result, Steering)
        days = len(result.deferrals)
        if result.deferred == 0:
            self.deferrals.caption.setText("")
            self.deferrals.show_message(
                f"Nothing put off with “Not now” in the last {days} days. When a card"
                f" is too heavy for the moment, {key_cap('L', self._colors)} (or the button"
                " beside its content note) takes it out of today's study without counting an"
                " answer.",
                rich=True,
            )
        else:
            self.deferrals.caption.setText(
                f"{_plural(result.deferred, 'time')} in the last {days} days; never a review, "
                "never a lapse"
            )
            tips = [
                describe_day(result.first_day + timedelta(days=i), weekday=True, year=False)
                for i in range(days)
            ]
            self.deferrals.set_bars(
                [Bars("Not now", list(result.deferrals), self._colors.learning)],
                [(0.0, describe_day(result.first_day, year=False)), (float(days - 1), "today")],
                tips=tips,
            )
        self._fill_cards(self.deferred, result.most_deferred, "No card put off yet.")
        self.deferred_title.setVisible(bool(result.most_deferred))
        self.deferred.setVisible(bool(result.most_deferred))
        threshold = result.leech_threshold
        if not threshold:
            self.leech_caption.setText(LEECHES_OFF)
        elif result.leeches == 0:
            self.leech_caption.setText(
                f"No leeches: no card has been forgotten {threshold} times. A leech is a card "
                "that keeps slipping away; rewording it, or asking your supervisor about it, "
                "often helps more than reviewing it again."
            )
        else:
            self.leech_caption.setText(
                f"{_plural(result.leeches, 'card')} forgotten {threshold} times or more"
                + (
                    f", {result.leeches_suspended:,} of them suspended"
                    if result.leeches_suspended
                    else ""
                )
                + ". Rewording a leech, or asking about it, often helps more than "
                "reviewing it again."
            )
        self._fill_cards(self.leeches, result.leech_cards, "")
        self.leeches.setVisible(bool(result.leech_cards))

    @staticmethod
    def _fill_cards(tree: QTreeWidget, cards: tuple[CardLine, ...], empty: str) -> None:
        tree.clear()
        for card in cards:
            label = card.question + ("  (suspended)" if card.suspended else "")
            item = QTreeWidgetItem([f"{card.times:,}", label, card.deck])
            item.setToolTip(1, plain_tooltip(label))
            item.setToolTip(2, plain_tooltip(card.deck))
            item.setTextAlignment(0, _RIGHT)
            tree.addTopLevelItem(item)
        if not cards and empty:
            tree.addTopLevelItem(QTreeWidgetItem(["", empty, ""]))
        # No taller than its rows: the room a short list leaves goes to the chart and the
        # other list (at 1600x1000 three cards put off sat above 200 empty pixels while the
        # leeches below scrolled).
        rows = tree.topLevelItemCount()
        height = tree.header().sizeHint().height() + 2 * tree.frameWidth()
        if rows:
            height += tree.sizeHintForRow(0) * rows
        tree.setMaximumHeight(max(tree.minimumHeight(), height))

    def _show_readiness_widgets(self, shown: bool) -> None:
        for widget in self._readiness_widgets:
            widget.setVisible(shown)
        self._readiness_layout.setStretch(self._readiness_stretch, 0 if shown else 1)

    def _show_readiness(self, result: object) -> None:
        from studyapp.services.readiness import Readiness  # (imported by its job)

        assert isinstance(result, Readiness)
        self.readiness_headline.setText(result.message)
        shown = result.ok
        self._show_readiness_widgets(shown)
        if not shown:
            return
        c = self._colors
        families = [g for g in result.groups if g.kind == "family"]
        bars = families if len(families) > 1 else [g for g in result.groups if g.kind == "deck"][:8]
        # One family's decks: named as under their family in the table ('Plasticity and brain
        # networks', not 'Mechanisms: plasticity and brain net…' cut at 800 px), whole in the tip.
        labels = [g.title_in_family for g in bars]
        self.readiness_chart.title.setText(
            f"Share of cards recalled, by {'family' if len(families) > 1 else 'deck'}"
        )
        self.readiness_chart.caption.setText(
            f"Now, on {_day(result.exam_date)} at your pace, and if you introduce every "
            "new card before then"
        )
        self.readiness_chart.set_bars(
            [
                Bars("Now", [100 * (g.share_now or 0) for g in bars], c.muted),
                Bars("On the date", [100 * (g.share_on_date or 0) for g in bars], c.accent),
                Bars("If you finish", [100 * (g.share_if_finished or 0) for g in bars], c.good),
            ],
            list(enumerate(labels)),
            tips=[g.title for g in bars],
            value_format="{:.0f}%",
            maximum=100,
        )
        self.plan.setText(self._plan_text(result))

    def _show_readiness_tables(self, result: object) -> None:
        """Readiness's two tables, a turn after its headline, chart and plan
        (:meth:`_show_in_turns`)."""
        from studyapp.services.readiness import Readiness  # (imported by its job)

        assert isinstance(result, Readiness)
        if not result.ok:
            return
        families = [g for g in result.groups if g.kind == "family"]
        self.readiness_table.clear()
        has_modules = any(g.kind == "module" for g in result.groups)
        self.readiness_table.setHeaderLabels(
            [
                "Family / deck / module" if has_modules else "Family / deck",
                "Cards",
                "Now",
                "On the date",
                "If you finish",
            ]
        )
        headers = self.readiness_table.headerItem()
        for column in range(1, 5):  # over their numbers (left, 'Now' read as '57 0%')
            headers.setTextAlignment(column, _RIGHT)
        parent: QTreeWidgetItem | None = None
        modules: QTreeWidgetItem | None = None
        for group in result.groups:
            if group.kind == "total":
                continue
            if group.kind == "module" and modules is None:
                # The course's modules after the families: their cards across decks.
                modules = QTreeWidgetItem(["Course modules"])
                font = modules.font(0)
                font.setBold(True)
                modules.setFont(0, font)
                self.readiness_table.addTopLevelItem(modules)
                modules.setExpanded(True)
                parent = modules
            item = QTreeWidgetItem(
                [
                    group.title_in_family,
                    f"{group.cards:,}",
                    _pct(group.share_now),
                    _pct(group.share_on_date),
                    _pct(group.share_if_finished),
                ]
            )
            for column in range(1, 5):
                item.setTextAlignment(column, _RIGHT)
            if group.kind == "family":
                font = item.font(0)
                font.setBold(True)
                item.setFont(0, font)
                self.readiness_table.addTopLevelItem(item)
                item.setExpanded(len(families) <= 2)
                parent = item
            elif parent is not None:
                parent.addChild(item)
        self.at_risk.clear()
        for card in result.at_risk:
            item = QTreeWidgetItem(
                [_pct(card.recall), card.question, card.deck, describe_day(card.due)]
            )
            item.setToolTip(1, plain_tooltip(card.question))
            self.at_risk.addTopLevelItem(item)
        if not result.at_risk:
            self.at_risk.addTopLevelItem(QTreeWidgetItem(["", "No card studied yet.", "", ""]))
        self._fit_readiness_table()

    def _fit_readiness_table(self) -> None:
        """The families' table tall enough for the rows it shows (up to
        :data:`_READINESS_ROWS`; the page scrolls): at 160 px the last family and the course
        modules were behind a scroll bar of its own, even in a 1600x1000 window."""
        table = self.readiness_table
        rows = 0
        item = table.topLevelItem(0)
        while item is not None and rows < _READINESS_ROWS:
            rows += 1
            item = table.itemBelow(item)
        height = table.sizeHintForRow(0) * rows if rows else 0
        frame = 2 * table.frameWidth()
        table.setMinimumHeight(max(160, table.header().sizeHint().height() + height + frame))
        # The page grows now, not a few turns of the event loop later (through the viewport's
        # layout request): meanwhile the taller table was drawn over the list below it.
        QCoreApplication.sendEvent(self._readiness_scroll, QEvent(QEvent.Type.LayoutRequest))

    @staticmethod
    def _plan_text(result: Readiness) -> str:
        current, finish = result.current, result.finish
        parts: list[str] = []
        total = result.total
        if current is not None and total is not None:
            new = total.new
            minutes = (
                f", about {describe_duration(current.minutes_per_day * 60)} a day"
                if current.minutes_per_day is not None
                else ""
            )
            if new == 0:
                parts.append(
                    f"You have started every card. Expect about "
                    f"{current.reviews_per_day:,.0f} reviews a day until then{minutes}."
                )
            elif current.finishes_on is not None:
                parts.append(
                    f"At your limit of {current.new_per_day} new cards a day you start the "
                    f"last of your {new:,} new cards on "
                    f"{_day(current.finishes_on, year=False)}: about "
                    f"{current.reviews_per_day:,.0f} reviews a day{minutes}."
                )
            else:
                parts.append(
                    f"At your limit of {current.new_per_day} new cards a day you start "
                    f"{current.introduced:,} of your {new:,} new cards by then (about "
                    f"{current.reviews_per_day:,.0f} reviews a day{minutes}); the rest count "
                    "as not known."
                )
                if finish is not None:
                    load = (
                        f", about {describe_duration(finish.minutes_per_day * 60)} a day"
                        if finish.minutes_per_day is not None
                        else ""
                    )
                    heavy = (
                        " That is more than most people can keep up: a later date, or a "
                        "narrower focus with the filters above, may be wiser."
                        if finish.minutes_per_day is not None and finish.minutes_per_day > 180
                        else ""
                    )
                    parts.append(
                        f"<b>To start them all before the date:</b> {finish.new_per_day:,} new "
                        f"cards a day, then about {finish.reviews_per_day:,.0f} reviews a "
                        f"day{load}.{heavy}"
                    )
        return "<br>".join(parts)

    # -- keys ------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.back_requested.emit()
            return
        super().keyPressEvent(event)
