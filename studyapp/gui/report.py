"""The progress report for a supervisor: one or two A4 pages of PDF, made with Qt's own
PDF writer (QPdfWriter) from a QTextDocument, with the year's calendar drawn by the same
chart as the statistics screen.

It shows the streak and study days, coverage per family, true retention, readiness for
the exam date (when one is set) and the calendar; every figure comes from
:func:`studyapp.services.progress.collect_report`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtWidgets import QApplication, QLayout

from studyapp.gui.application import application
from studyapp.gui.charts import BarChart, Bars, CalendarHeatmap, ChartPanel
from studyapp.gui.theme import LIGHT, Colors
from studyapp.services.figures import DeckCoverage, FamilyCoverage
from studyapp.services.progress import ReportData
from studyapp.services.readiness import Readiness
from studyapp.services.text import describe_answer_days, describe_duration

__all__ = ["render_report", "render_report_pdf"]

_WIDTH = 680
"""The text width in the document's units (points at 96 dpi: A4 less 18 mm margins)."""
_MAX_ROWS = 12
_MAX_DECKS = 20
"""Coverage lists each deck on the second page up to this many decks."""


def _pct(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:.{digits}%}"


def _hours(minutes: float) -> str:
    if minutes < 600:
        return describe_duration(minutes * 60)
    return f"{minutes / 60:,.0f} hours"


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], colors: Colors) -> str:
    head = "".join(
        f'<th align="{"left" if i == 0 else "right"}">{_e(h)}</th>' for i, h in enumerate(header)
    )
    body = []
    for n, row in enumerate(rows):
        shade = f' bgcolor="{colors.window}"' if n % 2 else ""
        cells = "".join(
            f'<td align="{"left" if i == 0 else "right"}">{cell}</td>' for i, cell in enumerate(row)
        )
        body.append(f"<tr{shade}>{cells}</tr>")
    return (
        f'<table width="100%" cellspacing="0" cellpadding="3">'
        f'<tr bgcolor="{colors.border}">{head}</tr>{"".join(body)}</table>'
    )


def _render(panel: ChartPanel, width: int, height: int, scale: float = 3.0) -> QImage:
    """The chart of ``panel`` drawn at ``width`` x ``height`` (points) into an image
    ``scale`` times as dense, so it stays sharp on paper. The panel is laid out offscreen
    first: a chart sizes its plot area when its view is resized."""
    panel.title.setVisible(False)
    panel.caption.setVisible(False)
    panel.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    panel.setStyleSheet("QFrame#card { border: none; }")
    panel.layout().setContentsMargins(0, 0, 0, 0)  # type: ignore[union-attr]
    # No size limits on this hidden window: Qt's offscreen platform printed "This plugin does
    # not support propagateSizeHints()" on stderr for each one (the chart's minimum height).
    panel.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # type: ignore[union-attr]
    panel.setMinimumSize(0, 0)
    panel.resize(width, height)
    panel.show()
    for _ in range(3):
        QApplication.processEvents()
    view = panel.view
    image = QImage(
        round(view.width() * scale), round(view.height() * scale), QImage.Format.Format_RGB32
    )
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    # QGraphicsView.render: the scene as the view shows it, scaled into the target (vector).
    view.render(painter, QRectF(0, 0, image.width(), image.height()), view.viewport().rect())
    painter.end()
    panel.hide()
    # Its size on the page, in points: the <img> tag scales the dense image down to it.
    image.setText("points", f"{view.width()}x{view.height()}")
    return image


def _calendar(data: ReportData, colors: Colors) -> QImage | None:
    calendar = data.answers.calendar
    if calendar.total == 0:
        return None
    panel = CalendarHeatmap("", colors)
    panel.set_days(calendar.first_day, calendar.counts)
    return _render(panel, _WIDTH, 140)


def _readiness_chart(r: Readiness, colors: Colors) -> QImage | None:
    families = [g for g in r.groups if g.kind == "family"]
    bars = families if len(families) > 1 else [g for g in r.groups if g.kind == "deck"]
    bars = bars[:_MAX_ROWS]
    if not bars:
        return None
    panel = BarChart("", colors, horizontal=True)
    labels = [g.title_in_family for g in bars]
    panel.set_bars(
        [
            Bars("Now", [100 * (g.share_now or 0) for g in bars], colors.muted),
            Bars("On the date", [100 * (g.share_on_date or 0) for g in bars], colors.accent),
            Bars(
                "If every card is started",
                [100 * (g.share_if_finished or 0) for g in bars],
                colors.good,
            ),
        ],
        list(enumerate(labels)),
        value_format="{:.0f}%",
        maximum=100,
    )
    return _render(panel, _WIDTH, 60 + 26 * len(bars))


NO_EXAM_DATE = (
    "No exam date is set. On the Readiness tab of Tools → Statistics (My exam is on), or with"
)
"""The report's readiness without a date: where a date is set. It said 'In Settings', which
has no exam date (the Readiness tab sets it)."""


def _readiness_html(r: Readiness | None, colors: Colors) -> str:
    if r is None:
        return (
            f"<h2>Readiness</h2><p>{NO_EXAM_DATE} "
            "<code>studyapp report --exam-date YYYY-MM-DD</code>, a date gives a forecast of "
            "how much the trainee will recall on it.</p>"
        )
    title = f"<h2>Readiness for {r.exam_date.day} {r.exam_date:%B %Y}</h2>"
    if not r.ok:
        return f"{title}<p>{_e(r.message)}</p>"
    parts = [title, f"<p><b>{_e(r.message)}</b></p>", "<p>{readiness}</p>"]
    rows = []
    decks = sum(g.kind == "deck" for g in r.groups)
    families = sum(g.kind == "family" for g in r.groups)
    modules_started = False
    for g in r.groups:
        if g.kind == "total" or (g.kind == "deck" and families + decks > _MAX_ROWS):
            continue
        if g.kind == "module" and not modules_started:
            modules_started = True
            rows.append(["<b>Course modules</b>", "", "", "", ""])
        name = _e(g.title) if g.kind == "family" else "&nbsp;&nbsp;" + _e(g.title_in_family)
        rows.append(
            [
                f"<b>{name}</b>" if g.kind == "family" else name,
                f"{g.cards:,}",
                _pct(g.share_now),
                _pct(g.share_on_date),
                _pct(g.share_if_finished),
            ]
        )
    parts.append(
        _table(["", "Cards", "Now", "On the date", "If every card is started"], rows, colors)
    )
    plan, finish = r.current, r.finish
    total = r.total
    if plan is not None and total is not None:
        lines = []
        if total.new and plan.finishes_on is None and finish is not None:
            lines.append(
                f"At {plan.new_per_day} new cards a day, {plan.introduced:,} of {total.new:,} "
                f"new cards are started by the date. Starting them all needs "
                f"{finish.new_per_day:,} a day, then about {finish.reviews_per_day:,.0f} "
                "reviews a day."
            )
        else:
            lines.append(
                f"Keeping to the schedule costs about {plan.reviews_per_day:,.0f} reviews a day."
            )
        lines.append(
            "Model: FSRS predicts each learned card's recall on the date from its memory "
            "state and the reviews due before then; cards not started count as not known."
        )
        parts.append(f'<p style="color:{colors.muted}">' + " ".join(map(_e, lines)) + "</p>")
    return "".join(parts)


_COVERAGE_HEADER = ["", "Cards", "Started", "Mature (21 d+)", "Not started"]


def _coverage_row(item: DeckCoverage | FamilyCoverage, name: str) -> list[str]:
    return [
        name,
        f"{item.total:,}",
        f"{item.started:,} ({_pct(item.started_share)})",
        f"{item.mature:,} ({_pct(item.mature_share)})",
        f"{item.new:,}",
    ]


def _coverage_html(data: ReportData, colors: Colors) -> str:
    """The first page's coverage: by course module when the course has modules, else by
    family (the decks follow on the second page, :func:`_deck_coverage_html`)."""
    cov = data.coverage
    if cov.is_empty:
        return "<h2>Coverage</h2><p>No cards in this scope.</p>"
    if data.modules:
        rows = [_coverage_row(m, _e(m.title)) for m in data.modules]
        return "<h2>Coverage by module</h2>" + _table(
            ["Module", *_COVERAGE_HEADER[1:]], rows, colors
        )
    decks = sum(len(f.decks) for f in cov.families)
    later = (
        "by deck on the next page"
        if decks <= _MAX_DECKS
        else f"not by deck ({decks:,} decks are too many to list)"
    )
    rows = [_coverage_row(fam, _e(fam.title)) for fam in cov.families]
    return (
        "<h2>Coverage by family</h2>"
        f'<p style="color:{colors.muted}">The course defines no modules (course.yaml), so '
        f"coverage is shown by family here and {later}.</p>"
        + _table(["Family", *_COVERAGE_HEADER[1:]], rows, colors)
    )


def _deck_coverage_html(data: ReportData, colors: Colors) -> str:
    """The second page's coverage: by family and deck (when the decks fit)."""
    cov = data.coverage
    if cov.is_empty or sum(len(f.decks) for f in cov.families) > _MAX_DECKS:
        return ""
    rows = []
    for fam in cov.families:
        rows.append(_coverage_row(fam, f"<b>{_e(fam.title)}</b>"))
        rows.extend(_coverage_row(d, "&nbsp;&nbsp;" + _e(d.title_in_family)) for d in fam.decks)
    title = "Coverage by family and deck"
    return f"<h2>{title}</h2>" + _table(["Family / deck", *_COVERAGE_HEADER[1:]], rows, colors)


def _retention_text(data: ReportData) -> str:
    """The desired retentions the cards are scheduled at."""
    text = f"desired retention {data.desired_retention:.0%}"
    r = data.readiness
    others = [
        x
        for x in (r.retentions if r is not None else ())
        if x not in (data.desired_retention, data.critical_retention)
    ]
    if others:
        text += " (" + ", ".join(f"{x:.0%}" for x in others) + " in some decks)"
    return text + f", critical cards {data.critical_retention:.0%}"


def _document(data: ReportData, colors: Colors) -> str:
    a = data.answers
    s = a.streak
    cov = data.coverage
    f = data.forecast
    moment = data.generated_at.astimezone()
    when = f"{moment.day} {moment:%B %Y, %H:%M}"
    parts = [
        "<h1>Progress report</h1>",
        f'<p style="color:{colors.muted}">{_e(data.scope.title)} · made by StudyApp on '
        f"{_e(when)} · {_e(_retention_text(data))}; "
        f"{data.new_per_day} new cards a day</p>",
    ]
    facts = [
        ("Streak", f"{s.current:,} day{'s' if s.current != 1 else ''}", f"longest {s.longest:,}"),
        ("Days studied", f"{s.days_last_year}", "of the last 365"),
        ("Answers", f"{a.total_answers:,}", _hours(a.time.total_minutes)),
        (
            "Started",
            _pct(cov.started / cov.total if cov.total else None),
            f"{cov.started:,} of {cov.total:,} cards",
        ),
        ("Due today", f"{f.due(0) + f.overdue:,}", f"{f.total(7):,} in 7 days"),
    ]
    cells = "".join(
        f'<td width="20%" bgcolor="{colors.window}"><span style="color:{colors.muted}">'
        f'{_e(label)}</span><br><span style="font-size:14pt; font-weight:600">{_e(value)}'
        f'</span><br><span style="color:{colors.muted}">{_e(detail)}</span></td>'
        for label, value, detail in facts
    )
    parts.append(f'<table width="100%" cellspacing="6" cellpadding="6"><tr>{cells}</tr></table>')
    parts.append(_readiness_html(data.readiness, colors))
    parts.append(_coverage_html(data, colors))
    # Page 2: the decks, and how the answers went (the first page is where the trainee
    # stands).
    decks = _deck_coverage_html(data, colors)
    if decks:
        parts.append('<div style="page-break-before: always"></div>' + decks)
        parts.append("<h2>True retention</h2>")
    else:
        parts.append('<h2 style="page-break-before: always">True retention</h2>')
    retention = a.retention
    if retention.is_empty:
        parts.append("<p>No reviews of learned cards yet.</p>")
    else:
        rows = []
        for p in retention.periods:
            cells_ = []
            for rate, count in (
                (p.young, p.young_passed + p.young_failed),
                (p.mature, p.mature_passed + p.mature_failed),
                (p.total, p.passed + p.failed),
            ):
                cells_.append("–" if not count else f"{_pct(rate, 1)} of {count:,}")
            rows.append([_e(p.label), *cells_])
        parts.append(_table(["", "Young (< 21 d)", "Mature", "All"], rows, colors))
        parts.append(
            f'<p style="color:{colors.muted}">As Anki defines it: the share of answers other '
            "than Again to cards with an interval of a day or more.</p>"
        )
    parts.append("<h2>The last 365 days</h2>")
    calendar = a.calendar
    if calendar.total:
        parts.append(
            f"<p>{describe_answer_days(calendar.total, calendar.active_days, calendar.busiest)}"
            ".</p>"
            "<p>{calendar}</p>"
        )
    else:
        parts.append("<p>No answers in the last year yet.</p>")
    return "".join(parts)


def render_report_pdf(data: ReportData) -> tuple[bytes, int]:
    """``studyapp report``: the supervisor's report as PDF bytes and its page count, drawn
    offscreen (Qt's PDF writer and the chart of the calendar need a QApplication), without
    the main window (see :mod:`studyapp.gui.application`)."""
    application(offscreen=True)
    return render_report(data)


def render_report(data: ReportData, colors: Colors = LIGHT) -> tuple[bytes, int]:
    """The report as PDF bytes (A4) and its number of pages. Needs a QApplication (the
    calendar is a chart)."""
    document = QTextDocument()
    font = QFont()
    font.setPointSizeF(9.5)
    document.setDefaultFont(font)
    document.setDefaultStyleSheet(
        f"h1 {{ font-size: 18pt; margin: 0; }} "
        f"h2 {{ font-size: 12.5pt; margin-top: 12px; margin-bottom: 4px; "
        f"color: {colors.accent}; }} "
        f"th {{ font-weight: 600; }} p {{ margin-top: 2px; margin-bottom: 4px; }}"
    )
    images: dict[str, QImage] = {}
    calendar = _calendar(data, colors)
    if calendar is not None:
        images["calendar"] = calendar
    if data.readiness is not None and data.readiness.ok:
        chart = _readiness_chart(data.readiness, colors)
        if chart is not None:
            images["readiness"] = chart
    for name, image in images.items():
        document.addResource(
            QTextDocument.ResourceType.ImageResource, QUrl(f"studyapp:{name}"), image
        )
    text = _document(data, colors)
    for name, image in images.items():
        width, height = image.text("points").split("x")
        # The image is denser than the page's units: its size in the tag, not its pixels.
        tag = f'<img src="studyapp:{name}" width="{width}" height="{height}">'
        text = text.replace("{" + name + "}", tag)
    document.setHtml(text)
    document.setTextWidth(_WIDTH)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(f"StudyApp progress report: {data.scope.title}")
    writer.setCreator("StudyApp")
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(14, 14, 14, 14),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setResolution(96)
    document.setPageSize(QSizeF(writer.width(), writer.height()))
    pages = document.pageCount()
    document.print_(writer)
    buffer.close()
    data_bytes = buffer.data()
    assert isinstance(data_bytes, QByteArray)
    return bytes(data_bytes.data()), pages
