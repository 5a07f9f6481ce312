"""The statistics screen: opened by Ctrl+T and T, left by Esc, its filters, its charts
from a known log, its empty states and the exam date (pytest-qt, real key presses)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt

from studyapp.services.library import Library
from tests.conftest import T0
from tests.freshpython import fresh_python
from tests.gui.conftest import Boxes
from tests.statslog import Log, at


@pytest.fixture
def log(synced: Library) -> Iterator[Log]:
    writer = Log(synced)
    yield writer
    writer.close()


def open_statistics(qtbot: Any, window: Any) -> Any:
    qtbot.keyClick(window.overview, Qt.Key.Key_T)
    screen = window.statistics
    assert window.stack.currentWidget() is screen
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    return screen


def test_ctrl_t_opens_it_and_esc_goes_back(qtbot: Any, window: Any) -> None:
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.statistics
    qtbot.waitUntil(lambda: not window.statistics.busy, timeout=20_000)
    qtbot.keyClick(window.statistics, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.overview
    tools = next(a for a in window.menuBar().actions() if a.text() == "&Tools").menu()
    assert "Statistics" in [a.text() for a in tools.actions()]


def test_no_reviews_yet_shows_what_to_do_not_empty_charts(qtbot: Any, window: Any) -> None:
    screen = open_statistics(qtbot, window)
    assert screen.today_stat.value.text() == "Nothing yet"
    assert screen.streak_stat.value.text() == "No streak yet"
    for panel, words in (
        (screen.calendar, "Every day you study fills a square"),
        (screen.forecast, "Nothing is scheduled yet"),
        (screen.hours, "No answers in the last year"),
        (screen.stability, "No card has a memory state yet"),
    ):
        assert not panel.showing_chart
        assert words in panel.empty.text()
    screen.tabs.setCurrentIndex(1)
    assert screen.retention_empty.isVisible() and not screen.retention.isVisible()
    assert "No reviews of learned cards yet" in screen.retention_empty.text()


def test_a_first_sessions_median_stability_is_in_hours_not_zero_days(
    qtbot: Any, window: Any
) -> None:
    """Two new cards answered Again (stability about 5 hours each): the memory tab said
    'Median 0 days'."""
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    for _ in range(2):
        qtbot.keyClick(window.review, Qt.Key.Key_Space)
        qtbot.keyClick(window.review, Qt.Key.Key_1)
    qtbot.keyClick(window.review, Qt.Key.Key_Escape)
    qtbot.keyClick(window.summary, Qt.Key.Key_Return)
    screen = open_statistics(qtbot, window)
    caption = screen.stability.caption.text()
    assert caption.startswith("Median ") and caption.endswith(" hours"), caption


def test_the_memory_tab_says_once_that_there_is_nothing_yet_then_counts_one_card(
    qtbot: Any, window: Any
) -> None:
    """Before any answer the Memory tab showed an empty line where its caption goes and the
    same two-line sentence in all three panels (four cramped lines in each half-width one);
    after a first answer its caption read 'your memory of 1 cards'."""
    screen = open_statistics(qtbot, window)
    screen.tabs.setCurrentIndex(2)
    assert screen.memory_caption.isHidden()
    assert "No card has a memory state yet" in screen.stability.empty.text()
    for panel in (screen.difficulty, screen.retrievability):
        assert not panel.showing_chart and panel.empty.text() == "Nothing yet."
    qtbot.keyClick(screen, Qt.Key.Key_Escape)
    answer_a_first_card(qtbot, window)
    screen = open_statistics(qtbot, window)
    screen.tabs.setCurrentIndex(2)
    assert not screen.memory_caption.isHidden()
    assert screen.memory_caption.text() == (
        "FSRS's model of your memory of the 1 card you have studied."
    )


def answer_a_first_card(qtbot: Any, window: Any) -> None:
    """Study all (S), show the answer, Good, leave the session and its summary: the
    trainee's first answer, back on the deck list."""
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    qtbot.keyClick(window.review, Qt.Key.Key_Space)
    qtbot.keyClick(window.review, Qt.Key.Key_3)
    qtbot.keyClick(window.review, Qt.Key.Key_Escape)
    qtbot.keyClick(window.summary, Qt.Key.Key_Return)


def test_a_first_answer_is_one_answer_on_one_day(qtbot: Any, window: Any) -> None:
    """The calendar's caption said "1 answers on 1 days; busiest day 1" and the forecast's
    "1 card in the next 30 days, 0.0 a day on average" (seen under Xvfb after a trainee's
    first card)."""
    answer_a_first_card(qtbot, window)
    screen = open_statistics(qtbot, window)
    assert screen.calendar.caption.text() == "1 answer on 1 day; busiest day 1"
    # and the card it left due: not "0.0 a day on average", as if none were
    assert screen.forecast.caption.text() == (
        "1 card in the next 30 days, under 0.1 a day on average"
    )


def test_a_known_history_fills_the_charts(qtbot: Any, window: Any, log: Log) -> None:
    mech = log.cards("sample-mechanisms")
    log.answer(mech[0], at(T0, hours=-2), rating=3, interval_days=30)
    log.answer(mech[1], at(T0, hours=-2), rating=1, interval_days=4)
    log.answer(mech[0], at(T0, days=-1))
    log.answer(mech[0], at(T0, days=-2))
    log.state(mech[0], due=at(T0, days=3), last_review=at(T0, hours=-2))
    log.state(mech[1], queue=3, due=at(T0, hours=1), last_review=at(T0, hours=-2))
    screen = open_statistics(qtbot, window)
    assert screen.today_stat.value.text() == "2 cards"
    assert "Again 50%" in screen.today_stat.detail.text()
    assert screen.streak_stat.value.text() == "3 days"
    assert screen.calendar.showing_chart
    # The last square is today (2 answers); Monday 2 March 2026 is column 52, row 0.
    assert screen.calendar.day_at(52, 0) == (date(2026, 3, 2), 2)
    assert screen.forecast.showing_chart
    assert "2 cards in the next 30 days" in screen.forecast.caption.text()
    assert screen.stability.showing_chart and screen.retrievability.showing_chart
    table = screen.retention
    assert table.item(0, 0).text() == "0.0%  of 1"  # today, young: the 4-day card failed
    assert table.item(0, 1).text() == "100.0%  of 1"  # today, mature: passed


def test_the_filters_narrow_every_figure(qtbot: Any, window: Any, log: Log) -> None:
    log.answer(log.cards("sample-mechanisms")[0], at(T0, hours=-1))
    log.answer(log.cards("sample-terms")[0], at(T0, hours=-1))
    log.answer(log.cards("sample-terms")[1], at(T0, hours=-1))
    screen = open_statistics(qtbot, window)
    assert screen.today_stat.value.text() == "3 cards"
    family = screen.family
    assert [family.itemText(i) for i in range(family.count())] == [
        "All families",
        "Mechanisms",
        "Terms",
    ]
    family.setFocus()
    qtbot.keyClick(family, Qt.Key.Key_Down)
    qtbot.keyClick(family, Qt.Key.Key_Down)  # Terms
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    assert family.currentText() == "Terms"
    assert [screen.deck.itemText(i) for i in range(screen.deck.count())] == [
        "All decks",
        "Sample terms",
    ]
    assert screen.today_stat.value.text() == "2 cards"
    assert screen.calendar.caption.text().startswith("2 answers")
    screen.choose(family="mechanisms", deck="sample-mechanisms")
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    assert screen.today_stat.value.text() == "1 card"


def test_a_deck_without_cards_says_so(qtbot: Any, window: Any, synced: Library) -> None:
    from sqlalchemy import text

    with synced.engine.begin() as conn:
        conn.execute(text("UPDATE card SET retired = 1 WHERE deck_id = 'sample-terms'"))
    screen = open_statistics(qtbot, window)
    screen.choose(family="terms")
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    assert "Nothing is scheduled yet" in screen.forecast.empty.text()
    assert "No card has a memory state yet" in screen.stability.empty.text()


def test_setting_the_exam_date_forecasts_readiness_and_saves_it(
    qtbot: Any, window: Any, synced: Library, log: Log
) -> None:
    card = log.cards("sample-mechanisms")[0]
    log.state(card, stability=50, due=at(T0, days=40), last_review=at(T0, days=-10))
    screen = open_statistics(qtbot, window)
    screen.tabs.setCurrentIndex(3)
    assert "Set the date you study toward" in screen.readiness_headline.text()
    assert not screen.readiness_chart.isVisible()
    screen.exam_date.setDate(QDate(2026, 4, 1))
    qtbot.mouseClick(screen.exam_enabled, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    assert synced.settings.exam_date == "2026-04-01"
    assert screen.readiness_headline.text().startswith("On Wednesday 1 April 2026")
    assert screen.readiness_chart.isVisible() and screen.readiness_chart.showing_chart
    families = [
        screen.readiness_table.topLevelItem(i).text(0)
        for i in range(screen.readiness_table.topLevelItemCount())
    ]
    assert families == ["Mechanisms", "Terms"]
    assert screen.readiness_table.headerItem().text(0) == "Family / deck"
    assert screen.at_risk.topLevelItemCount() == 1
    assert "Which receptor" in screen.at_risk.topLevelItem(0).text(1)
    assert "new cards a day" in screen.plan.text()
    # The note explains the model in the screen's own words, with no path into the source tree
    # ('See docs/readiness.md.'), which a trainee with the installed app cannot open.
    note = screen.readiness_note.text()
    assert note.startswith("How this is worked out") and "docs/" not in note


def test_the_exam_year_typed_stops_a_century_ahead(
    qtbot: Any, window: Any, synced: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typing a year such as 9999 in the exam date was taken: the forecast then ran day by
    day to it (105 s for 'studyapp stats --exam-date 9999-12-01', an OverflowError for
    9999-12-31), and the date was saved, so every later statistics run did the same."""
    screen = open_statistics(qtbot, window)
    forecast: list[object] = []
    monkeypatch.setattr(screen, "set_exam_date", forecast.append)  # not run 8,000 years
    screen.tabs.setCurrentIndex(3)
    qtbot.mouseClick(screen.exam_enabled, Qt.MouseButton.LeftButton)
    screen.exam_date.setFocus()
    qtbot.keyClick(screen.exam_date, Qt.Key.Key_End)  # the year, typed over
    for _ in range(4):
        qtbot.keyClick(screen.exam_date, Qt.Key.Key_Backspace)
    qtbot.keyClicks(screen.exam_date, "9999")
    qtbot.keyClick(screen.exam_date, Qt.Key.Key_Return)
    latest = date.today() + timedelta(days=36_500)
    saved = synced.settings.exam
    assert saved is not None and saved <= latest, saved
    assert all(isinstance(d, date) and d <= latest for d in forecast), forecast


def test_a_past_exam_date_gets_a_message_not_a_number(
    qtbot: Any, window: Any, synced: Library
) -> None:
    window.apply_settings(synced.settings.with_changes(exam_date="2026-02-01"))
    screen = open_statistics(qtbot, window)
    assert screen.exam_enabled.isChecked()
    assert "has passed" in screen.readiness_headline.text()
    assert "%" not in screen.readiness_headline.text()
    assert not screen.readiness_chart.isVisibleTo(screen)
    screen.tabs.setCurrentIndex(3)
    qtbot.mouseClick(screen.exam_enabled, Qt.MouseButton.LeftButton)  # clear it
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    assert synced.settings.exam_date == ""
    assert "Set the date you study toward" in screen.readiness_headline.text()


def test_a_close_exam_date_is_too_close_to_forecast(
    qtbot: Any, window: Any, synced: Library
) -> None:
    soon = T0.date() + timedelta(days=3)
    window.apply_settings(synced.settings.with_changes(exam_date=soon.isoformat()))
    screen = open_statistics(qtbot, window)
    assert "in 3 days: too close" in screen.readiness_headline.text()


def test_the_forecast_range_can_be_a_year_in_weeks(qtbot: Any, window: Any, log: Log) -> None:
    card = log.cards()[0]
    log.state(card, due=at(T0, days=200), last_review=T0)
    screen = open_statistics(qtbot, window)
    assert not screen.forecast.showing_chart  # nothing in the next 30 days
    assert "Nothing is scheduled yet" in screen.forecast.empty.text()
    screen.forecast_days.setFocus()
    qtbot.keyClick(screen.forecast_days, Qt.Key.Key_End)  # Next 1 year
    assert screen.forecast.showing_chart
    assert screen.forecast.caption.text().startswith("1 card in the next 365 days")


def test_dark_theme_reaches_the_charts(qtbot: Any, window: Any, synced: Library) -> None:
    screen = open_statistics(qtbot, window)
    window.apply_settings(synced.settings.with_changes(theme="dark"))
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    assert screen.forecast.chart.backgroundBrush().color().name() == "#26292d"


def export_action(window: Any) -> Any:
    file_menu = next(a for a in window.menuBar().actions() if a.text() == "&File").menu()
    return next(a for a in file_menu.actions() if a.text() == "Export report…")


def test_file_export_report_writes_the_pdf_of_the_filter_shown(
    qtbot: Any, window: Any, log: Log, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    log.answer(log.cards()[0], at(T0, days=-1))
    out = tmp_path / "supervisor"  # the dialog may give no suffix: .pdf is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "PDF"))
    screen = open_statistics(qtbot, window)
    screen.choose(family="terms")
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    with qtbot.waitSignal(window.report_saved, timeout=20_000) as saved:
        export_action(window).trigger()
    written = tmp_path / "supervisor.pdf"
    assert saved.args == [written]
    pdf = written.read_bytes()
    assert pdf.startswith(b"%PDF-") and b"StudyApp progress report: Terms" in pdf
    assert window._status.text().startswith(f"Report saved: {written}")


def test_an_unwritable_report_path_is_one_sentence(
    qtbot: Any, window: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, boxes: Boxes
) -> None:
    from PySide6.QtWidgets import QFileDialog

    folder = tmp_path / "taken.pdf"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(folder), "PDF"))
    export_action(window).trigger()
    qtbot.waitUntil(lambda: bool(boxes.shown), timeout=20_000)
    assert [(b.kind, b.title, b.text) for b in boxes.shown] == [
        ("critical", "Report not saved", f"cannot write {folder}: it is a folder; give a file name")
    ]
    assert window._status.text() == "The report was not saved"


def test_not_now_and_leeches(qtbot: Any, window: Any, log: Log) -> None:
    screen = open_statistics(qtbot, window)
    screen.tabs.setCurrentIndex(4)
    assert screen.tabs.tabText(4) == "Not now && leeches"  # shown as "Not now & leeches"
    assert "Nothing put off" in screen.deferrals.empty.text()
    assert screen.leech_caption.text().startswith("No leeches: no card has been forgotten 8")
    a, b = log.cards("sample-mechanisms")[:2]
    log.state(a, due=at(T0, days=1), last_review=T0, leech=True, lapses=9, suspended=True)
    log.defer(b, at(T0, hours=-1))
    log.defer(b, at(T0, days=-3))
    screen.refresh()
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    assert screen.deferrals.showing_chart
    assert screen.deferrals.caption.text().startswith("2 times in the last 30 days")
    # Its days as the other screens write a date: '1 Feb', 'Sun 1 Feb' (were '01 Feb').
    from PySide6.QtCharts import QCategoryAxis

    [axis] = [a for a in screen.deferrals.chart.axes() if isinstance(a, QCategoryAxis)]
    assert axis.categoriesLabels() == ["1 Feb", "today"]
    assert screen.deferrals._tips[0] == "Sun 1 Feb"
    assert screen.deferred.topLevelItem(0).text(0) == "2"
    assert screen.leech_caption.text().startswith("1 card forgotten 8 times or more, 1 of them")
    leech = screen.leeches.topLevelItem(0)
    assert leech.text(0) == "9" and leech.text(1).endswith("(suspended)")
    assert leech.text(2) == "Sample mechanisms"


def test_the_module_filter_shows_when_the_course_has_modules(
    qtbot: Any, window: Any, synced: Library, log: Log
) -> None:
    screen = open_statistics(qtbot, window)
    assert not screen.module.isVisibleTo(screen)
    from sqlalchemy import text

    with synced.engine.begin() as conn:
        conn.execute(text("UPDATE note SET module = 2 WHERE deck_id = 'sample-terms'"))
        conn.execute(
            text("INSERT INTO course_module (course, number, title) VALUES ('c', 2, 'Words')")
        )
    log.answer(log.cards("sample-terms")[0], at(T0, hours=-1))
    log.answer(log.cards("sample-mechanisms")[0], at(T0, hours=-1))
    qtbot.keyClick(screen, Qt.Key.Key_Escape)
    screen = open_statistics(qtbot, window)
    assert screen.module.isVisibleTo(screen)
    assert [screen.module.itemText(i) for i in range(screen.module.count())] == [
        "All modules",
        "2. Words",
    ]
    screen.choose(module=2)
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    assert screen.today_stat.value.text() == "1 card"


def test_readiness_lists_the_course_modules_after_the_families(
    qtbot: Any, window: Any, synced: Library, log: Log
) -> None:
    from sqlalchemy import text

    with synced.engine.begin() as conn:
        conn.execute(text("UPDATE note SET module = 2 WHERE deck_id = 'sample-terms'"))
        conn.execute(
            text("INSERT INTO course_module (course, number, title) VALUES ('c', 2, 'Words')")
        )
    synced.update_settings(synced.settings.with_changes(exam_date="2026-04-01"))
    screen = open_statistics(qtbot, window)
    screen.tabs.setCurrentIndex(3)
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    table = screen.readiness_table
    top = [table.topLevelItem(i).text(0) for i in range(table.topLevelItemCount())]
    assert top == ["Mechanisms", "Terms", "Course modules"]
    assert table.headerItem().text(0) == "Family / deck / module"
    modules = table.topLevelItem(2)
    assert modules.childCount() == 1
    assert modules.child(0).text(0) == "Module 2: Words"
    assert modules.child(0).text(1) == "2"  # the terms deck's two cards


def test_the_answers_and_readiness_draw_in_two_turns_of_the_event_loop(
    qtbot: Any, window: Any, log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19 (the screen's longest GUI stall): the Retention tab's panels are drawn in a
    later turn of the event loop than the Overview's, readiness's tables than its chart
    (not within the same call: the loop runs timers and paints between them); everything
    is drawn before ``finished``."""
    mech = log.cards("sample-mechanisms")
    log.answer(mech[0], at(T0, hours=-2), rating=3, interval_days=30)
    log.answer(mech[1], at(T0, hours=-2), rating=1, interval_days=4)
    log.state(mech[0], due=at(T0, days=3), last_review=at(T0, hours=-2))
    window.library.update_settings(
        window.library.settings.with_changes(exam_date=(T0.date() + timedelta(days=60)).isoformat())
    )
    screen = window.statistics
    order: list[str] = []
    for name in ("_show_answers_rest", "_show_readiness_tables"):
        drawn = getattr(screen, name)

        def step(result: object, name: str = name, drawn: Any = drawn) -> None:
            order.append(name)
            drawn(result)

        monkeypatch.setattr(screen, name, step)
    done = screen._on_done

    def on_done(generation: int, job: Any, result: object) -> None:
        done(generation, job, result)
        order.append(f"{job.name} drawn, back in the event loop")

    monkeypatch.setattr(screen, "_on_done", on_done)
    screen.finished.connect(lambda: order.append("finished"))
    open_statistics(qtbot, window)
    assert order.index("answers drawn, back in the event loop") < order.index("_show_answers_rest")
    assert order.index("readiness drawn, back in the event loop") < order.index(
        "_show_readiness_tables"
    )
    assert order[-1] == "finished" and order.count("finished") == 1
    assert screen.retention.item(0, 0).text() == "0.0%  of 1"
    assert screen.readiness_table.topLevelItemCount() > 0


def test_a_filter_changed_between_the_turns_draws_only_the_new_figures(
    qtbot: Any, window: Any, log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trainee picks a family while the answers' second part waits for its turn: the
    old figures' second part is dropped, the new filter's jobs run one at a time."""
    log.answer(log.cards("sample-mechanisms")[0], at(T0, hours=-1))
    log.answer(log.cards("sample-terms")[0], at(T0, hours=-1))
    log.answer(log.cards("sample-terms")[1], at(T0, hours=-1))
    screen = window.statistics
    rests: list[int] = []
    overlapping: list[str] = []
    in_turns = screen._show_in_turns
    rest = screen._show_answers_rest
    start = screen._next_job
    changed: list[bool] = []

    def show_in_turns(generation: int, steps: Any, result: Any) -> None:
        in_turns(generation, steps, result)  # the rest now waits for its turn
        if steps and not changed:
            changed.append(True)
            assert screen.busy
            screen.choose(family="terms")

    def next_job(generation: int) -> None:
        if screen._task is not None and screen._task.is_running():
            overlapping.append("a job started while another ran")
        start(generation)

    def rest_step(result: Any) -> None:
        rests.append(result.today.cards)
        rest(result)

    monkeypatch.setattr(screen, "_show_in_turns", show_in_turns)
    monkeypatch.setattr(screen, "_show_answers_rest", rest_step)
    monkeypatch.setattr(screen, "_next_job", next_job)
    open_statistics(qtbot, window)
    qtbot.waitUntil(lambda: screen.family.currentText() == "Terms" and not screen.busy)
    assert changed
    assert rests == [2]  # only the Terms family's (2 cards today), never the first filter's
    assert screen.today_stat.value.text() == "2 cards"
    assert screen.calendar.caption.text().startswith("2 answers")
    assert not overlapping


def test_the_screen_sorts_the_memory_columns_in_runs(
    qtbot: Any, window: Any, log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The screen's memory panel sorts its three columns with sorted_in_runs (no long hold
    of the GIL beside the GUI thread, issue 19); stats --json keeps the plain sort."""
    import studyapp.gui.statistics as screen_module
    from studyapp.services.stats import sorted_in_runs

    mech = log.cards("sample-mechanisms")
    log.state(mech[0], stability=10, difficulty=1, due=at(T0, days=1), last_review=at(T0, days=-9))
    calls: list[int] = []

    def spy(values: Any) -> list[float]:
        column = sorted_in_runs(values)
        calls.append(len(column))
        return column

    monkeypatch.setattr(screen_module, "sorted_in_runs", spy)
    screen = open_statistics(qtbot, window)
    assert calls == [1, 1, 1]
    assert screen.stability.showing_chart


def test_quitting_while_the_figures_are_computed_starts_no_more_of_them(
    qtbot: Any, window: Any, record_started_tasks: Any
) -> None:
    """T then Ctrl+Q at once: the window waited for the running part, then the parts still
    queued started on new threads after the close, and the ending process aborted ("QThread:
    Destroyed while thread is still running") or crashed, 2 runs in 5 under Xvfb."""
    qtbot.keyClick(window.overview, Qt.Key.Key_T)
    assert window.statistics.busy
    qtbot.keyClick(window.statistics, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()
    started = record_started_tasks()
    qtbot.wait(300)  # the part that ran delivers its figures
    assert started == []


def test_the_streak_and_due_tiles_read_as_sentences_and_wrap_whole(
    qtbot: Any, window: Any, log: Log
) -> None:
    """The streak tile said "longest 3 · 3 of the last 365 days" (3 of what?), and at 800 px
    the due tile wrapped "28 in the next 7 days · 8" / "overdue"."""
    mech = log.cards("sample-mechanisms")
    for days in (1, 2, 3):
        log.answer(mech[0], at(T0, days=-days))
    log.state(mech[0], due=at(T0, days=-2), last_review=at(T0, days=-1))
    screen = open_statistics(qtbot, window)
    assert screen.streak_stat.detail.text() == "longest 3 · studied on 3 of the last 365 days"
    detail = screen.due_stat.detail.text()
    assert detail.endswith(" · 1\u00a0overdue"), detail


@pytest.mark.parametrize("width", [800, 1400])
def test_the_deck_column_of_the_card_lists_is_a_third_of_the_width(
    qtbot: Any, window: Any, log: Log, width: int
) -> None:
    """Not now & leeches at full size: the deck column stayed 220 px (titles elided to
    "Evidence: psilocybin, …") beside a card column with hundreds of empty pixels; its
    comment meant a third of the width. It never gets less than 220 px."""
    a, b = log.cards("sample-mechanisms")[:2]
    log.state(a, due=at(T0, days=1), last_review=T0, leech=True, lapses=9)
    log.defer(b, at(T0, hours=-1))
    window.resize(width, 900)
    screen = open_statistics(qtbot, window)
    screen.tabs.setCurrentIndex(4)
    for tree in (screen.deferred, screen.leeches):
        qtbot.waitUntil(tree.isVisible, timeout=2000)

        def fair(tree: Any = tree) -> bool:
            third = max(220, tree.viewport().width() // 3)
            return bool(tree.header().sectionSize(2) >= third - 1)

        qtbot.waitUntil(fair, timeout=2000)
        assert tree.viewport().width() > 600
        assert tree.header().sectionSize(1) > 0  # the card column keeps the rest


def test_the_readiness_table_shows_its_rows_without_a_scroll_bar_of_its_own(
    qtbot: Any, window: Any, synced: Library, log: Log
) -> None:
    """At 160 px the families' table hid its last rows (and the course modules) behind a
    scroll bar of its own, even at 1600x1000; it is as tall as its rows, and the page
    scrolls instead. Expanding a family grows it again."""
    from sqlalchemy import text

    with synced.engine.begin() as conn:
        conn.execute(text("UPDATE note SET module = 2 WHERE deck_id = 'sample-terms'"))
        conn.execute(
            text("INSERT INTO course_module (course, number, title) VALUES ('c', 2, 'Words')")
        )
    synced.update_settings(synced.settings.with_changes(exam_date="2026-04-01"))
    window.resize(800, 600)
    screen = open_statistics(qtbot, window)
    screen.tabs.setCurrentIndex(3)
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    table = screen.readiness_table
    bar = table.verticalScrollBar()
    # the page has grown for it at once: it is never drawn over the list below it
    assert table.geometry().bottom() < screen.at_risk.geometry().top()
    qtbot.waitUntil(lambda: table.isVisible() and bar.maximum() == 0, timeout=2000)
    course = table.topLevelItem(table.topLevelItemCount() - 1)
    course.setExpanded(False)
    course.setExpanded(True)
    mechanisms = table.topLevelItem(0)
    mechanisms.setExpanded(False)
    mechanisms.setExpanded(True)
    qtbot.waitUntil(lambda: bar.maximum() == 0, timeout=2000)


def test_a_short_list_of_cards_leaves_its_room_to_a_longer_one(
    qtbot: Any, window: Any, log: Log
) -> None:
    """At 1600x1000 the three cards put off sat above 200 empty pixels while the eight
    leeches below them scrolled: each list is no taller than its rows."""
    cards = log.cards()
    for card in cards[:7]:
        log.state(card, due=at(T0, days=1), last_review=T0, leech=True, lapses=9)
    log.defer(cards[7], at(T0, hours=-1))
    window.resize(1600, 1000)
    screen = open_statistics(qtbot, window)
    screen.tabs.setCurrentIndex(4)
    qtbot.waitUntil(lambda: screen.leeches.isVisible(), timeout=2000)
    deferred, leeches = screen.deferred, screen.leeches
    assert deferred.topLevelItemCount() == 1 and leeches.topLevelItemCount() == 7
    last = leeches.topLevelItem(6)
    qtbot.waitUntil(
        lambda: leeches.visualItemRect(last).bottom() <= leeches.viewport().height(), timeout=2000
    )
    assert leeches.verticalScrollBar().maximum() == 0  # every leech in sight
    row = deferred.visualItemRect(deferred.topLevelItem(0))
    assert deferred.viewport().height() - row.bottom() < 2 * row.height()  # no empty room


def test_readiness_lists_a_deck_under_its_family_without_the_familys_name(
    qtbot: Any, window: Any, synced: Library, deck_dir: Any, log: Log
) -> None:
    """'Mechanisms' > 'Mechanisms: sample deck' said the family twice and cut the deck's
    title at 800 px, as the overview by family did before it dropped the repeat."""
    deck = deck_dir / "sample.yaml"
    deck.write_text(
        deck.read_text(encoding="utf-8").replace(
            "title: Sample mechanisms", "title: 'Mechanisms: sample deck'"
        ),
        encoding="utf-8",
    )
    assert synced.sync([deck_dir]).ok
    synced.update_settings(synced.settings.with_changes(exam_date="2026-04-01"))
    screen = open_statistics(qtbot, window)
    screen.tabs.setCurrentIndex(3)
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    mechanisms = screen.readiness_table.topLevelItem(0)
    assert mechanisms.text(0) == "Mechanisms"
    assert mechanisms.child(0).text(0) == "Sample deck"
    assert screen.readiness_table.topLevelItem(1).child(0).text(0) == "Sample terms"
    # The chart of one family's decks names them as the table does, whole in the tip.
    screen.choose(family="mechanisms")
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    chart = screen.readiness_chart
    assert chart.title.text() == "Share of cards recalled, by deck"
    axes = [a for a in chart.chart.axes() if hasattr(a, "categoriesLabels")]
    assert axes[0].categoriesLabels() == ["Sample deck"]
    assert list(chart._tips) == ["Mechanisms: sample deck"]


def _shown(screen: Any) -> list[object]:
    """What every tab of ``screen`` shows: its labels, buttons, menus, dates, tables and
    lists, and each chart's bars, points and axes, in the order they were made."""
    from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QXYSeries
    from PySide6.QtWidgets import (
        QAbstractButton,
        QComboBox,
        QDateEdit,
        QLabel,
        QTableWidget,
        QTreeWidget,
        QWidget,
    )

    from studyapp.gui.charts import ChartPanel

    out: list[object] = []
    for index in range(screen.tabs.count()):
        out.append(("tab", screen.tabs.tabText(index)))
        for widget in screen.tabs.widget(index).findChildren(QWidget):
            kind = type(widget).__name__
            if isinstance(widget, QLabel):
                out.append((kind, widget.text(), widget.isHidden()))
            elif isinstance(widget, QAbstractButton):
                out.append((kind, widget.text(), widget.isChecked(), widget.isEnabled()))
            elif isinstance(widget, QDateEdit):
                out.append((kind, widget.date().toString(), widget.isEnabled()))
            elif isinstance(widget, QComboBox):
                items = [widget.itemText(i) for i in range(widget.count())]
                out.append((kind, items, widget.currentIndex()))
            elif isinstance(widget, QTableWidget):
                table_items = [
                    widget.item(r, c)
                    for r in range(widget.rowCount())
                    for c in range(widget.columnCount())
                ]
                cells = [None if item is None else item.text() for item in table_items]
                out.append((kind, cells, widget.isHidden()))
            elif isinstance(widget, QTreeWidget):
                rows: list[list[str]] = []
                stack = [widget.topLevelItem(i) for i in range(widget.topLevelItemCount())]
                while stack:
                    item = stack.pop(0)
                    assert item is not None
                    rows.append([item.text(c) for c in range(widget.columnCount())])
                    stack[:0] = [item.child(i) for i in range(item.childCount())]
                out.append((kind, rows, widget.isHidden(), widget.maximumHeight()))
            elif isinstance(widget, ChartPanel):
                series: list[object] = []
                for s in widget.chart.series():
                    if isinstance(s, QBarSeries):
                        series.append(
                            [
                                (b.label(), [b.at(i) for i in range(b.count())], b.color().name())
                                for b in s.barSets()
                            ]
                        )
                    elif isinstance(s, QXYSeries):
                        series.append((s.color().name(), [(p.x(), p.y()) for p in s.points()]))
                axes = [
                    list(a.categories()) if isinstance(a, QBarCategoryAxis) else type(a).__name__
                    for a in widget.chart.axes()
                ]
                out.append((kind, widget.showing_chart, series, axes, widget.minimumHeight()))
    return out


def test_the_tabs_behind_the_overview_are_built_after_the_first_paint(
    qtbot: Any, window: Any, log: Log
) -> None:
    """Issue 19 (Ctrl+T to the first charts painted): opening the screen builds the Overview
    only; the other tabs are built in later turns of the event loop (before ``busy`` ends)."""
    from studyapp.gui.charts import ChartPanel

    log.answer(log.cards("sample-mechanisms")[0], at(T0, hours=-2), rating=3, interval_days=30)
    window.show_statistics()
    screen = window.statistics
    assert screen.tabs.widget(0).findChildren(ChartPanel)  # the Overview: built
    for index in range(1, 5):
        assert not screen.tabs.widget(index).findChildren(ChartPanel)
    assert screen.busy
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    for index in range(1, 5):
        assert screen.tabs.widget(index).findChildren(ChartPanel)
    assert screen.hours.showing_chart and screen.retention.item(0, 2).text() != ""


def test_the_first_paint_imports_no_readiness_forecast_and_no_later_figures(
    tmp_path: Path,
) -> None:
    """Issue 19 (Ctrl+T to the first charts): the readiness forecast's module is imported
    by the job computing it, not with the screen, whose first paint does not show it; and
    so are the later jobs' figures (answers by day, hours, memory, coverage, steering: 15
    dataclasses), which the first paint (today's figures and the forecast) does not show."""

    later = ("AnswerStats", "Calendar", "Coverage", "Hours", "Memory", "Steering", "Streak")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from studyapp.gui.mainwindow import MainWindow\n"
        "from studyapp.services.library import Library\n"
        "app = QApplication([])\n"
        "window = MainWindow(Library(Path(sys.argv[1])))\n"
        "window.show()\n"
        "window.show_statistics()\n"
        "window.statistics.repaint()\n"
        "made = sorted({name for module in list(sys.modules.values())\n"
        "    if module is not None and module.__name__.startswith('studyapp')\n"
        f"    for name in {later!r} if name in vars(module)}})\n"
        "print('studyapp.gui.statistics' in sys.modules, "
        "'studyapp.services.readiness' in sys.modules, made)\n"
        "import time\n"
        "deadline = time.monotonic() + 60\n"
        "while window.statistics.busy and time.monotonic() < deadline:\n"
        "    app.processEvents()\n"
        "    time.sleep(0.005)\n"
        "print(window.statistics.busy, 'studyapp.services.figures' in sys.modules)\n"
        "window.close()\n"
    )
    done = fresh_python(
        "-c",
        code,
        str(tmp_path),
        timeout=120,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.stdout.split("\n")[:2] == ["True False []", "False True"]


def test_no_tab_is_built_in_the_first_turn_after_the_first_paint(
    qtbot: Any, window: Any, log: Log
) -> None:
    """Issue 19 (the longest GUI stall): the first turn of the event loop after the first
    paint runs the chart views' own follow-up work; the first late tab is built a turn after
    it, not in the same one (they made the screen's longest stall together)."""
    import time

    from PySide6.QtWidgets import QApplication

    from studyapp.gui.charts import ChartPanel

    log.answer(log.cards("sample-mechanisms")[0], at(T0, hours=-2), rating=3, interval_days=30)
    window.show_statistics()
    screen = window.statistics

    def built() -> list[int]:
        return [i for i in range(1, 5) if screen.tabs.widget(i).findChildren(ChartPanel)]

    screen.repaint()
    time.sleep(0.02)  # every timer started so far is due
    QApplication.processEvents()  # the first turn after the first paint
    assert built() == []
    time.sleep(0.02)
    QApplication.processEvents()  # the next one builds the first
    assert built() == [1]
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    assert screen.built


@pytest.mark.parametrize("exam_days", [None, 60])
@pytest.mark.parametrize("chosen", [0, 3])
def test_tabs_built_late_show_what_tabs_built_at_once_show(
    qtbot: Any, window: Any, log: Log, exam_days: int | None, chosen: int
) -> None:
    """The tabs built after the first paint (or at once when one is chosen before) show the
    same labels, lists, tables and charts as a screen whose tabs were all built on opening
    (as before issue 19's change), with and without an exam date."""
    from studyapp.gui.statistics import StatisticsScreen
    from studyapp.services.stats import Statistics

    mech = log.cards("sample-mechanisms")
    terms = log.cards("sample-terms")
    log.answer(mech[0], at(T0, hours=-2), rating=3, interval_days=30)
    log.answer(mech[1], at(T0, hours=-2), rating=1, interval_days=4)
    log.answer(mech[0], at(T0, days=-1))
    log.answer(terms[0], at(T0, days=-3), rating=2, interval_days=2)
    log.state(mech[0], stability=50, due=at(T0, days=3), last_review=at(T0, hours=-2))
    log.state(mech[1], queue=3, due=at(T0, hours=1), last_review=at(T0, hours=-2))
    if exam_days is not None:
        exam = (T0.date() + timedelta(days=exam_days)).isoformat()
        window.library.update_settings(window.library.settings.with_changes(exam_date=exam))
    window.show_statistics()
    lazy = window.statistics
    lazy.tabs.setCurrentIndex(chosen)
    qtbot.waitUntil(lambda: not lazy.busy, timeout=20_000)

    eager = StatisticsScreen(window.colors)
    qtbot.addWidget(eager)
    eager.build_all()  # every tab built on opening, as before
    assert eager.built
    eager.resize(lazy.size())
    eager.tabs.setCurrentIndex(chosen)
    library = window.library
    eager.start(
        Statistics(library.engine, library.settings, clock=window._clock), library.settings.exam
    )
    qtbot.waitUntil(lambda: not eager.busy, timeout=20_000)
    assert lazy.built
    shown = _shown(lazy)
    assert shown == _shown(eager)
    assert len(shown) > 60 and any("Retention" in str(row) for row in shown)


def test_the_figures_are_computed_once_every_tab_is_built(
    qtbot: Any, window: Any, log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19 (the longest GUI stall): no worker computes a figure while the tabs are
    built (each build's Qt calls waited for the GIL the worker held); the first part starts
    once every tab is built, and every part runs."""
    from studyapp.gui.background import BackgroundTask

    log.answer(log.cards("sample-mechanisms")[0], at(T0, hours=-2), rating=3, interval_days=30)
    window.library.update_settings(
        window.library.settings.with_changes(exam_date=(T0.date() + timedelta(days=60)).isoformat())
    )
    started: list[bool] = []
    start = BackgroundTask.start

    def recorded(task: Any) -> None:
        started.append(window.statistics.built)
        start(task)

    monkeypatch.setattr(BackgroundTask, "start", recorded)
    open_statistics(qtbot, window)
    assert started == [True] * 5  # answers, hours, memory, steering, readiness


def test_the_figures_are_computed_with_a_short_switch_interval(
    qtbot: Any, window: Any, log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19 (the longest GUI stall): each part is computed with Python's switch
    interval at 1 ms, so the GUI thread waits at most that long for the GIL a worker
    running Python holds (5 ms by default); the default is back once the part is done."""
    import sys

    from studyapp.services.stats import Statistics

    log.answer(log.cards("sample-mechanisms")[0], at(T0, hours=-2), rating=3, interval_days=30)
    default = sys.getswitchinterval()
    seen: list[float] = []
    for name in ("answers", "hours", "memory", "steering"):
        computed = getattr(Statistics, name)

        def recorded(self: Any, *args: Any, _computed: Any = computed, **kwargs: Any) -> Any:
            seen.append(sys.getswitchinterval())
            return _computed(self, *args, **kwargs)

        monkeypatch.setattr(Statistics, name, recorded)
    open_statistics(qtbot, window)
    assert seen == [0.001] * 4
    assert sys.getswitchinterval() == default


def test_one_familys_readiness_chart_names_every_deck_whole_at_800x600(
    qtbot: Any, window: Any, synced: Library, deck_dir: Any, log: Log
) -> None:
    """Three decks of one family at 800x600: the middle row's label was hidden (rows too
    low for Qt Charts to draw three labels) and the longest title cut with half the chart
    to spare. Each is whole now; one longer than the room is elided, whole in its tip."""
    from PySide6.QtGui import QFontMetricsF

    sample = (deck_dir / "sample.yaml").read_text(encoding="utf-8")
    titles = {
        "sample": "Mechanisms: emotion, memory and the therapy itself",
        "second": "Mechanisms: receptors, transmitters and hormones",
        "third": "Mechanisms: plasticity and brain networks",
    }
    for prefix, (name, title) in zip("sxy", titles.items(), strict=True):
        text = sample.replace("title: Sample mechanisms", f"title: '{title}'")
        if name != "sample":
            text = text.replace("id: sample-mechanisms", f"id: {name}-mechanisms")
            text = text.replace("  - id: s-", f"  - id: {prefix}-")
        (deck_dir / f"{name}.yaml").write_text(text, encoding="utf-8")
    assert synced.sync([deck_dir]).ok
    synced.update_settings(synced.settings.with_changes(exam_date="2026-04-01"))
    window.resize(800, 600)
    screen = open_statistics(qtbot, window)
    screen.tabs.setCurrentIndex(3)
    screen.choose(family="mechanisms")
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    chart = screen.readiness_chart
    qtbot.waitUntil(lambda: chart.view.isVisible(), timeout=2000)
    qtbot.wait(50)
    axis = next(a for a in chart.chart.axes() if hasattr(a, "categoriesLabels"))
    wanted = sorted(t.split(": ", 1)[1].capitalize() for t in titles.values())
    assert sorted(axis.categoriesLabels()) == wanted
    assert not axis.truncateLabels()
    metrics = QFontMetricsF(axis.labelsFont())
    area = chart.chart.plotArea()
    assert area.height() / 3 >= 1.8 * metrics.height()  # room for every row's label
    widest = max(metrics.horizontalAdvance(t) for t in wanted)
    assert area.left() >= widest  # the labels' column holds the longest whole
    # A title longer than 45% of the chart is elided at its end; the tip has it whole.
    long = "Mechanisms: " + "a very long deck title that runs on " * 3
    (deck_dir / "third.yaml").write_text(
        (deck_dir / "third.yaml")
        .read_text(encoding="utf-8")
        .replace(titles["third"], long.strip()),
        encoding="utf-8",
    )
    assert synced.sync([deck_dir]).ok
    screen.choose(family="")
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    screen.choose(family="mechanisms")
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    qtbot.wait(50)
    axis = next(a for a in chart.chart.axes() if hasattr(a, "categoriesLabels"))
    elided = [label for label in axis.categoriesLabels() if label.startswith("A very long")]
    assert len(elided) == 1 and elided[0].endswith("…")
    assert metrics.horizontalAdvance(elided[0]) <= 0.45 * chart.chart.size().width() + 1
    assert long.strip() in chart._tips


def readiness_of_one_reviewed_card(qtbot: Any, window: Any, log: Log) -> Any:
    """The readiness tab, its exam date set through its own controls, over one reviewed card."""
    card = log.cards("sample-mechanisms")[0]
    log.state(card, stability=50, due=at(T0, days=40), last_review=at(T0, days=-10))
    screen = open_statistics(qtbot, window)
    screen.tabs.setCurrentIndex(3)
    screen.exam_date.setDate(QDate(2026, 4, 1))
    qtbot.mouseClick(screen.exam_enabled, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    return screen


def test_the_readiness_tables_number_headers_sit_over_their_numbers(
    qtbot: Any, window: Any, synced: Library, log: Log
) -> None:
    """At 1920x1080 'Cards' and 'Now' stood left over right-aligned numbers, the narrow 'Now'
    column reading as '57 0%' beside them. Each number column's header is aligned as its
    numbers are."""
    screen = readiness_of_one_reviewed_card(qtbot, window, log)
    table = screen.readiness_table
    header, row = table.headerItem(), table.topLevelItem(0)
    right = Qt.AlignmentFlag.AlignRight
    for column in range(1, 5):
        assert Qt.AlignmentFlag(row.textAlignment(column)) & right, column
        assert Qt.AlignmentFlag(header.textAlignment(column)) & right, header.text(column)


def test_the_readiness_tables_figures_stand_apart(
    qtbot: Any, window: Any, synced: Library, log: Log
) -> None:
    """The readiness tables' columns were as wide as their widest text: a count and the
    percentage right-aligned beside it read as one figure ('57 95%'), a deck's title ran
    into its card's due day. Each column but the stretching one keeps a gap of at least 16
    px beside its widest cell, at 800x600 as at 1920x1080."""
    screen = readiness_of_one_reviewed_card(qtbot, window, log)
    for size in ((800, 600), (1920, 1080)):
        window.resize(*size)
        qtbot.wait(50)
        for table, stretch in ((screen.readiness_table, 0), (screen.at_risk, 1)):
            assert table.topLevelItemCount() > 0
            metrics = table.fontMetrics()
            for column in range(table.columnCount()):
                if column == stretch:
                    continue
                texts = [
                    table.topLevelItem(r).text(column) for r in range(table.topLevelItemCount())
                ]
                widest = max(metrics.horizontalAdvance(text) for text in texts)
                gap = table.header().sectionSize(column) - widest
                assert gap >= 16, (size, table.headerItem().text(column), gap)
