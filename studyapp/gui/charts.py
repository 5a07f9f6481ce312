"""Charts for the statistics screen and the report, from Qt Charts (the PySide6-Addons
wheel), in the app's light and dark colours. The one Qt Charts importer.

Why Qt Charts (measured at 800x600, three charts: a 365-bar forecast, a year's calendar, a
20-bin histogram; offscreen, load ~4 on 2 shared cores): it adds 20 MB of RSS and ~40 ms
to build and ~20 ms to paint; pyqtgraph 0.14 (with numpy) adds 67 MB and 350-460 ms of
imports, more than the screen's whole memory budget (60 MB) and its first-chart budget
(150 ms); Qt Graphs (the successor) draws through Qt Quick: 57 MB and 85-95 ms, from QML.
Qt Charts is deprecated since Qt 6.10 but ships and is maintained with Qt 6; everything
chart-specific is in this module, so a move to Qt Graphs touches nothing else.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCharts import (
    QAbstractAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QScatterSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from studyapp.gui.theme import Colors
from studyapp.gui.tooltip import plain_tooltip
from studyapp.services.text import describe_day

__all__ = ["BarChart", "Bars", "CalendarHeatmap", "ChartPanel", "blend", "nice_max"]


def blend(a: str, b: str, share: float) -> QColor:
    """``share`` of the way from colour ``a`` to colour ``b``."""
    ca, cb = QColor(a), QColor(b)
    return QColor.fromRgbF(
        ca.redF() + (cb.redF() - ca.redF()) * share,
        ca.greenF() + (cb.greenF() - ca.greenF()) * share,
        ca.blueF() + (cb.blueF() - ca.blueF()) * share,
    )


def nice_max(value: float) -> float:
    """A round upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    if value <= 10:  # small counts: an even top, so the middle tick is a whole number
        return float(max(2, math.ceil(value / 2) * 2))
    power = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


class ChartPanel(QFrame):
    """A titled card holding a chart, or a friendly message in its place."""

    def __init__(self, title: str, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self._colors = colors
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        self.title = QLabel(title)
        self.title.setObjectName("chartTitle")
        self.caption = QLabel()
        self.caption.setObjectName("muted")
        self.caption.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.caption)
        self.chart = QChart()
        self.chart.legend().setVisible(False)
        # Room on the right for the last axis label ("100%", "today"), which Qt Charts
        # centres on its bar and would otherwise clip.
        self.chart.setMargins(QMargins(0, 0, 16, 0))
        self.chart.layout().setContentsMargins(0, 0, 0, 0)
        self.chart.setBackgroundRoundness(0)
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(120)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.empty = QLabel()
        self.empty.setObjectName("empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self._stack = QStackedWidget()
        self._stack.addWidget(self.view)
        self._stack.addWidget(self.empty)
        layout.addWidget(self._stack, 1)
        self.apply_colors(colors)
        self.show_message("Loading…")

    @property
    def colors(self) -> Colors:
        return self._colors

    def apply_colors(self, colors: Colors) -> None:
        self._colors = colors
        legend = self.chart.legend()
        legend.setLabelColor(QColor(colors.muted))
        legend.setBackgroundVisible(False)
        self.chart.setBackgroundBrush(QBrush(QColor(colors.surface)))
        self.chart.setPlotAreaBackgroundVisible(False)
        self.view.setBackgroundBrush(QBrush(QColor(colors.surface)))
        for axis in self.chart.axes():
            self._style_axis(axis)

    def _style_axis(self, axis: QAbstractAxis) -> None:
        c = self._colors
        axis.setLabelsColor(QColor(c.muted))
        font = QFont(axis.labelsFont())
        font.setPointSizeF(max(7.5, self.font().pointSizeF() - 2.5))
        axis.setLabelsFont(font)
        axis.setGridLineColor(QColor(c.border))
        axis.setLinePenColor(QColor(c.border))
        axis.setShadesVisible(False)
        axis.setMinorGridLineVisible(False)

    def show_message(self, message: str, *, rich: bool = False) -> None:
        """``message`` in the chart's place: plain text (it may quote an error), or with
        ``rich`` the app's own rich text (a key on a key cap)."""
        self.empty.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        self.empty.setText(message)
        self._stack.setCurrentWidget(self.empty)

    def show_chart(self) -> None:
        self._stack.setCurrentWidget(self.view)

    @property
    def showing_chart(self) -> bool:
        return self._stack.currentWidget() is self.view

    def clear(self) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)

    def add_axis(
        self, axis: QValueAxis | QCategoryAxis, alignment: Qt.AlignmentFlag
    ) -> QValueAxis | QCategoryAxis:
        self.chart.addAxis(axis, alignment)
        self._style_axis(axis)
        return axis


@dataclass(frozen=True, slots=True)
class Bars:
    """One set of bars: its name (for tooltips), values and colour."""

    name: str
    values: Sequence[float]
    color: str


class BarChart(ChartPanel):
    """Vertical (or horizontal) bars over numbered positions, with labels where given.

    ``ticks`` are (position, label) pairs for the category axis; hovering a bar shows its
    ``tips`` entry (or the set's name and value).
    """

    def __init__(
        self, title: str, colors: Colors, *, horizontal: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(title, colors, parent)
        self._horizontal = horizontal
        if horizontal:
            # Qt Charts draws a long row label a few pixels past the chart's left edge.
            self.chart.setMargins(QMargins(16, 0, 16, 0))
        self._tips: Sequence[str] = ()
        self._format = "{:,.0f}"
        self._labels: tuple[QCategoryAxis, list[tuple[float, str]], int] | None = None
        """The category axis, its (position, label) pairs in order, and the bar count."""
        self.chart.plotAreaChanged.connect(self._fit_labels)

    def set_bars(
        self,
        sets: Sequence[Bars],
        ticks: Sequence[tuple[float, str]],
        *,
        stacked: bool = False,
        tips: Sequence[str] = (),
        value_format: str = "{:,.0f}",
        maximum: float | None = None,
        bar_width: float = 0.8,
    ) -> None:
        """Draw ``sets`` (each as long as the others); show the chart."""
        self.clear()
        self._tips = tips
        self._format = value_format
        if self._horizontal:
            series: QBarSeries | QStackedBarSeries | QHorizontalBarSeries = QHorizontalBarSeries()
        else:
            series = QStackedBarSeries() if stacked else QBarSeries()
        series.setBarWidth(bar_width)
        count = max((len(s.values) for s in sets), default=0)
        top = 0.0
        if self._horizontal:
            # Qt draws the first category at the bottom and the first set lowest: reverse
            # both, so the chart reads top-down like the table beside it.
            sets = [Bars(b.name, list(reversed(b.values)), b.color) for b in reversed(sets)]
            ticks = [(count - 1 - position, label) for position, label in ticks]
            tips = list(reversed(tips))
        for bars in sets:
            bar_set = QBarSet(bars.name)
            bar_set.append([float(v) for v in bars.values])
            bar_set.setColor(QColor(bars.color))
            bar_set.setBorderColor(QColor(bars.color))
            series.append(bar_set)
            top = max(top, max(bars.values, default=0))
        if stacked:
            top = max((sum(s.values[i] for s in sets) for i in range(count)), default=0)
        series.hovered.connect(self._on_hovered)
        self.chart.addSeries(series)
        legend = self.chart.legend()
        legend.setVisible(len(sets) > 1)
        legend.setAlignment(
            Qt.AlignmentFlag.AlignTop if self._horizontal else Qt.AlignmentFlag.AlignRight
        )
        if self._horizontal:
            legend.setReverseMarkers(True)
        font = QFont(legend.font())
        font.setPointSizeF(max(7.5, self.font().pointSizeF() - 2.5))
        legend.setFont(font)
        positions = QCategoryAxis()
        positions.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        positions.setRange(-0.5, count - 0.5)
        for position, label in sorted(ticks):  # Qt Charts takes them in increasing order
            positions.append(html.escape(label), position)  # Qt Charts draws HTML
        positions.setGridLineVisible(False)
        if ticks:
            self._labels = (positions, sorted(ticks), max(count, 1))
        values = QValueAxis()
        values.setRange(0, maximum if maximum is not None else nice_max(top))
        values.setTickCount(3)
        values.setLabelFormat("%.0f" if "%" not in value_format else "%.0f%%")
        if self._horizontal:
            self.add_axis(values, Qt.AlignmentFlag.AlignBottom)
            self.add_axis(positions, Qt.AlignmentFlag.AlignLeft)
        else:
            self.add_axis(positions, Qt.AlignmentFlag.AlignBottom)
            self.add_axis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(positions)
        series.attachAxis(values)
        if self._horizontal:
            # A row of bars a label's two lines high: Qt Charts hides a label that would
            # touch the one above it, which left the middle deck of three unnamed at 800x600.
            line = QFontMetricsF(positions.labelsFont()).height()
            legend_room = 2 * line if len(sets) > 1 else 0
            self.view.setMinimumHeight(round(legend_room + 2 * line + 16 + count * 2 * line))
        self.show_chart()

    def _fit_labels(self, area: QRectF) -> None:
        """Whole labels under the bars wherever no two neighbours would overlap: Qt Charts
        elides them long before that ("1-2 wk" as "1-2 ..." with 56 px a bar at 800 px).
        Its eliding stays on where a whole label would run into the next one."""
        if self._labels is None or self._labels[0] not in self.chart.axes():
            return
        if self._horizontal:
            self._fit_row_labels()
            return
        axis, ticks, count = self._labels
        metrics = QFontMetricsF(axis.labelsFont())
        bar = area.width() / count
        placed = [(position * bar, metrics.horizontalAdvance(label)) for position, label in ticks]
        truncate = any(
            (x2 - x1) < (w1 + w2) / 2 + 1  # (the advance holds its own side bearings)
            for (x1, w1), (x2, w2) in zip(placed, placed[1:], strict=False)
        )
        if axis.truncateLabels() != truncate:
            axis.setTruncateLabels(truncate)

    def _fit_row_labels(self) -> None:
        """Labels beside horizontal bars whole up to 45% of the chart's width, elided at the
        end past it (the tip has the whole text). Qt Charts' own eliding cut a deck title
        at 800 px with half the chart to spare ('Emotion, memory and the therapy its…')."""
        assert self._labels is not None
        axis, ticks, _count = self._labels
        metrics = QFontMetricsF(axis.labelsFont())
        room = max(80.0, 0.45 * self.chart.size().width())
        for (_position, label), shown in zip(ticks, axis.categoriesLabels(), strict=True):
            fitted = html.escape(metrics.elidedText(label, Qt.TextElideMode.ElideRight, room))
            if fitted != shown:
                axis.replaceLabel(shown, fitted)
        if axis.truncateLabels():
            axis.setTruncateLabels(False)

    def _on_hovered(self, status: bool, index: int, bar_set: QBarSet) -> None:
        if not status:
            QToolTip.hideText()
            return
        value = bar_set.at(index)
        tip = self._tips[index] if index < len(self._tips) else ""
        name = bar_set.label()
        text = f"{tip}\n{name}: {self._format.format(value)}" if tip else f"{name}: {value:,.0f}"
        QToolTip.showText(self.view.cursor().pos(), plain_tooltip(text.strip()), self.view)


class CalendarHeatmap(ChartPanel):
    """A year of days as squares in week columns (Monday on top), shaded by count."""

    LEVELS = 5

    def __init__(self, title: str, colors: Colors, parent: QWidget | None = None) -> None:
        super().__init__(title, colors, parent)
        self._series: list[QScatterSeries] = []
        self._days: dict[tuple[int, int], tuple[date, int]] = {}
        self._columns = 53
        self._marker = 0
        self.chart.plotAreaChanged.connect(self._fit_markers)
        self.view.setMinimumHeight(110)

    def set_days(self, first_day: date, counts: Sequence[int]) -> None:
        """``counts[i]`` answers on ``first_day + i`` days."""
        self.clear()
        self._series = []
        self._days = {}
        c = self.colors
        busiest = max(counts, default=0)
        offset = first_day.weekday()
        self._columns = (offset + len(counts) + 6) // 7
        empty = QScatterSeries()
        empty.setName("no answers")
        empty.setColor(blend(c.surface, c.border, 0.9))
        levels = []
        for level in range(self.LEVELS):
            series = QScatterSeries()
            series.setColor(blend(c.surface, c.review, 0.3 + 0.7 * (level + 1) / self.LEVELS))
            levels.append(series)
        for i, count in enumerate(counts):
            column, row = divmod(offset + i, 7)
            day = first_day + timedelta(days=i)
            self._days[(column, row)] = (day, count)
            point = QPointF(column, 6 - row)
            if count <= 0 or busiest <= 0:
                empty.append(point)
            else:
                level = min(self.LEVELS - 1, (count * self.LEVELS - 1) // busiest)
                levels[level].append(point)
        self._series = [empty, *levels]
        for series in self._series:
            series.setMarkerShape(QScatterSeries.MarkerShape.MarkerShapeRectangle)
            series.setPen(QPen(Qt.PenStyle.NoPen))
            series.hovered.connect(self._on_hovered)
            self.chart.addSeries(series)
        months = QCategoryAxis()
        months.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        months.setRange(-0.6, self._columns - 0.4)
        seen = set()
        for i in range(len(counts)):
            day = first_day + timedelta(days=i)
            if day.day <= 7 and (day.year, day.month) not in seen and day.weekday() == 0:
                seen.add((day.year, day.month))
                months.append(f"{day:%b}", (offset + i) // 7)
        months.setGridLineVisible(False)
        months.setLineVisible(False)
        weekdays = QCategoryAxis()
        weekdays.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        weekdays.setRange(-0.6, 6.6)
        # Three labels: with all seven, each gets a row's height and Qt elides them.
        for row, name in ((6, "Sun"), (3, "Thu"), (0, "Mon")):  # bottom up
            weekdays.append(name, 6 - row)
        weekdays.setGridLineVisible(False)
        weekdays.setLineVisible(False)
        self.add_axis(months, Qt.AlignmentFlag.AlignBottom)
        self.add_axis(weekdays, Qt.AlignmentFlag.AlignLeft)
        for series in self._series:
            series.attachAxis(months)
            series.attachAxis(weekdays)
        self.show_chart()
        self._marker = 0
        self._fit_markers(self.chart.plotArea())

    def _fit_markers(self, area: QRectF) -> None:
        if not self._series or area.width() <= 0:
            return
        cell = min(area.width() / (self._columns + 0.2), area.height() / 7.2)
        size = round(max(3.0, cell * 0.82))
        if size == self._marker:  # a new size re-lays the chart out: stop once it fits
            return
        self._marker = size
        for series in self._series:
            series.setMarkerSize(size)

    def _on_hovered(self, point: QPointF, state: bool) -> None:
        if not state:
            QToolTip.hideText()
            return
        found = self._days.get((round(point.x()), 6 - round(point.y())))
        if found is None:
            return
        day, count = found
        QToolTip.showText(
            self.view.cursor().pos(),
            f"{describe_day(day, weekday=True)}: {count:,} answer{'s' if count != 1 else ''}",
            self.view,
        )

    def day_at(self, column: int, row: int) -> tuple[date, int] | None:
        """The day drawn at a square (for tests): its date and count."""
        return self._days.get((column, row))
