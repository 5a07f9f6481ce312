"""The card browser with real key presses: opening it, searching (and a malformed search
said under the box), sorting, the info panel and its note, and every action on a selection
with its undo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox
from sqlalchemy import text

from studyapp.core.model import Rating
from studyapp.gui.browser import COLUMNS
from studyapp.services.library import Library
from tests.conftest import Clock

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def rows(library: Library, sql: str, **params: object) -> list[tuple[Any, ...]]:
    with library.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def open_browser(qtbot: Any, window: Any) -> Any:
    reactivate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_B, CTRL)
    browser = window.browser
    assert browser is not None and browser.isVisible()
    qtbot.waitUntil(lambda: not browser.searching, timeout=10_000)
    return browser


def browser_over_the_bundled_decks(qtbot: Any, library: Library, clock: Any) -> Any:
    """The browser opened from a shown window over the bundled decks (their real labels)."""
    from studyapp.gui.mainwindow import MainWindow
    from studyapp.services.paths import bundled_decks_dir

    assert library.sync([bundled_decks_dir()]).ok
    window = MainWindow(library, clock=clock)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return open_browser(qtbot, window)


def sort_by(qtbot: Any, browser: Any, column: str) -> tuple[int, QPoint]:
    """Click ``column``'s header (a sort by it) and wait for the search: the column's section
    and the point clicked, for a second click."""
    section = [key for key, _label in COLUMNS].index(column)
    header = browser.table.horizontalHeader()
    where = QPoint(header.sectionViewportPosition(section) + 5, 5)
    with qtbot.waitSignal(browser.searched, timeout=10_000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=where)
    return section, where


def act(qtbot: Any, browser: Any, key: Qt.Key, modifiers: Any) -> None:
    """Press an action's keys on the table and wait for the action (run off the GUI
    thread) to finish."""
    with qtbot.waitSignal(browser.acted, timeout=10_000):
        qtbot.keyClick(browser.table, key, modifiers)


def search(qtbot: Any, browser: Any, query: str) -> None:
    box = browser.search_box
    box.selectAll()
    qtbot.keyClick(box, Qt.Key.Key_Backspace)
    qtbot.keyClicks(box, query)
    with qtbot.waitSignal(browser.searched, timeout=10_000):
        qtbot.keyClick(box, Qt.Key.Key_Return)


def answer_next_dialog(action: Callable[[Any], None]) -> None:
    """Answer the next modal dialog (a confirmation, an input) with ``action``; gives up
    after two seconds (the test then fails on what the dialog should have done)."""
    tries = [100]

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or not dialog.isVisible():
            tries[0] -= 1
            if tries[0] > 0:
                QTimer.singleShot(20, answer)
            return
        action(dialog)

    QTimer.singleShot(20, answer)


def reactivate(qtbot: Any, window: Any) -> None:
    """Give ``window`` the focus back after a dialog closed, as a window manager does (the
    offscreen platform does not), so its shortcuts work again."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def test_ctrl_b_opens_the_browser_with_every_card(qtbot: Any, window: Any, synced: Library) -> None:
    browser = open_browser(qtbot, window)
    assert browser.model.rowCount() == 8
    assert browser.count.text() == "8 cards"
    assert browser.table.currentIndex().row() == 0
    assert browser.info.info is not None  # the first card's details
    qtbot.keyClick(browser, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.browser is None)


def test_b_on_the_deck_list_opens_it_too(qtbot: Any, window: Any) -> None:
    qtbot.keyClick(window.overview, Qt.Key.Key_B)
    assert window.browser is not None and window.browser.isVisible()
    qtbot.waitUntil(lambda: not window.browser.searching, timeout=10_000)


def test_typing_a_search_and_enter_filters_and_a_malformed_one_is_located(
    qtbot: Any, window: Any, synced: Library
) -> None:
    browser = open_browser(qtbot, window)
    search(qtbot, browser, "receptor")
    questions = {browser.model.item(r).question for r in range(browser.model.rowCount())}
    assert questions == {
        "Which receptor do classic psychedelics mainly act on?",
        "Which receptor does ketamine block?",
    }
    assert not browser.error.isVisible()
    box = browser.search_box
    box.selectAll()
    qtbot.keyClicks(box, "dek:x")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert browser.error.isVisible()
    assert browser.error.text() == "unknown key 'dek' at column 1, did you mean 'deck'?"
    assert browser.model.rowCount() == 2  # the last good results stay
    search(qtbot, browser, "deck:sample-terms")
    assert not browser.error.isVisible() and browser.model.rowCount() == 2


def test_the_info_panel_shows_the_card_and_its_note_can_be_edited(
    qtbot: Any, window: Any, synced: Library
) -> None:
    browser = open_browser(qtbot, window)
    search(qtbot, browser, "ketamine")
    panel = browser.info
    body = panel.view.toPlainText()
    assert "Which receptor does ketamine block?" in body and "NMDA" in body
    assert "SOURCE" in body
    assert "Not studied yet." in panel.memory.text()
    assert "No reviews yet." in panel.history.text()
    panel.note.setFocus()
    qtbot.keyClicks(panel.note, "glutamate mnemonic")
    qtbot.keyClick(browser, Qt.Key.Key_S, CTRL)
    assert synced.user_note("s-nmda") == "glutamate mnemonic"
    search(qtbot, browser, "mnemonic")
    assert browser.model.rowCount() == 1
    assert "glutamate mnemonic" in browser.info.view.toPlainText()


def test_sorting_by_a_column_searches_again_and_twice_reverses(
    qtbot: Any, window: Any, synced: Library
) -> None:
    with synced.engine.begin() as conn:
        conn.execute(text("UPDATE card SET lapses = id"))
    browser = open_browser(qtbot, window)
    _section, where = sort_by(qtbot, browser, "lapses")
    header = browser.table.horizontalHeader()
    first = [browser.model.item(r).lapses for r in range(browser.model.rowCount())]
    assert first == sorted(first, reverse=True)  # counts sort largest first, as Anki's
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=where)
    again = [browser.model.item(r).lapses for r in range(browser.model.rowCount())]
    assert again == sorted(first)


def test_the_status_line_clears_a_result_back_to_the_selection(
    qtbot: Any, window: Any, synced: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An action's result goes after its time, back to what is still true: how many cards
    are selected; one card selected says nothing ("8 cards selected" stayed, as every
    result did)."""
    from studyapp.gui import browser as browser_module

    monkeypatch.setattr(browser_module, "MESSAGE_SHOWN_MS", 1500)
    browser = open_browser(qtbot, window)
    table = browser.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_A, CTRL | ALT)  # select all
    assert browser.status.text() == "8 cards selected"
    act(qtbot, browser, Qt.Key.Key_J, CTRL)
    assert browser.status.text().startswith("Suspend: 8 cards")
    qtbot.waitUntil(lambda: browser.status.text() == "8 cards selected", timeout=5000)
    qtbot.keyClick(table, Qt.Key.Key_Down)  # one card
    assert len(browser.selected_ids()) == 1
    assert browser.status.text() == ""


def test_actions_on_a_selection_and_their_undo(qtbot: Any, window: Any, synced: Library) -> None:
    browser = open_browser(qtbot, window)
    table = browser.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_A, CTRL | ALT)  # select all
    assert len(browser.selected_ids()) == 8
    act(qtbot, browser, Qt.Key.Key_J, CTRL)
    assert rows(synced, "SELECT DISTINCT suspended FROM card") == [(1,)]
    assert browser.status.text().startswith("Suspend: 8 cards")
    assert browser.model.item(0).suspended
    act(qtbot, browser, Qt.Key.Key_J, CTRL)  # toggles back
    assert rows(synced, "SELECT DISTINCT suspended FROM card") == [(0,)]
    act(qtbot, browser, Qt.Key.Key_Z, CTRL)  # undo the unsuspend
    assert rows(synced, "SELECT DISTINCT suspended FROM card") == [(1,)]
    act(qtbot, browser, Qt.Key.Key_Z, CTRL)  # and the suspend
    assert rows(synced, "SELECT DISTINCT suspended FROM card") == [(0,)]

    table.selectRow(0)
    browser.select_rows(0, 2)
    act(qtbot, browser, Qt.Key.Key_2, CTRL)
    assert rows(synced, "SELECT count(*) FROM card WHERE flag = 2") == [(3,)]
    act(qtbot, browser, Qt.Key.Key_J, CTRL | SHIFT)  # bury
    assert rows(synced, "SELECT count(*) FROM card WHERE buried_until > 0") == [(3,)]
    act(qtbot, browser, Qt.Key.Key_Z, CTRL)
    act(qtbot, browser, Qt.Key.Key_Z, CTRL)
    assert rows(synced, "SELECT count(*) FROM card WHERE flag > 0 OR buried_until > 0") == [(0,)]
    assert rows(synced, "SELECT count(*) FROM review") == [(0,)]


def test_rows_past_the_first_page_are_fetched_as_asked_and_acted_on(
    qtbot: Any, window: Any, synced: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search answers with its count and a first page of ids; the rest come a page at a
    time as rows are asked for, so select all, an action on it, a sort reversed and a
    card's row found by its link all cover every card, not the first page's."""
    from studyapp.services import search as search_service

    monkeypatch.setattr(search_service, "FIRST_PAGE", 2)
    monkeypatch.setattr(search_service, "PAGE", 2)
    with synced.engine.begin() as conn:
        conn.execute(text("UPDATE card SET lapses = id"))
    every = sorted(i for (i,) in rows(synced, "SELECT id FROM card"))
    answered: list[int] = []  # ids fetched when each search answered
    reactivate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_B, CTRL)
    browser = window.browser
    browser.searched.connect(lambda _count: answered.append(len(browser.model.loaded)))
    qtbot.waitUntil(lambda: not browser.searching, timeout=10_000)
    assert browser.model.rowCount() == 8 and browser.count.text() == "8 cards"
    table = browser.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_A, CTRL | ALT)  # select all
    assert sorted(browser.selected_ids()) == every
    act(qtbot, browser, Qt.Key.Key_J, CTRL)
    assert rows(synced, "SELECT DISTINCT suspended FROM card") == [(1,)]
    act(qtbot, browser, Qt.Key.Key_Z, CTRL)
    assert rows(synced, "SELECT DISTINCT suspended FROM card") == [(0,)]

    header = table.horizontalHeader()
    section = [key for key, _label in COLUMNS].index("lapses")
    where = QPoint(header.sectionViewportPosition(section) + 5, 5)
    with qtbot.waitSignal(browser.searched, timeout=10_000):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=where)  # reversed
    shown = [browser.model.item(r).card_id for r in range(browser.model.rowCount())]
    assert shown == every  # lapses = id, smallest first

    search(qtbot, browser, "")  # by due: the last card is past the first page
    last = browser.browser.find("")[-1]
    browser.show_card(last)
    assert browser.current_card_id() == last and browser.table.currentIndex().row() == 7
    assert answered[0] == 2  # the first search answered with its first page only


def test_a_row_past_the_cards_a_changed_store_still_has_is_no_card_not_an_error(
    qtbot: Any, window: Any, synced: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store changed between two pages (a sync while the browser is open) and the next
    page finds nothing: the count said 8, the pages hold those fetched before. Moving to
    row 8 shows no card, and the rows shrink to the cards there are, instead of an
    IndexError in the slot."""
    from studyapp.gui import browser as browser_module
    from studyapp.services import search as search_service

    monkeypatch.setattr(search_service, "FIRST_PAGE", 2)
    monkeypatch.setattr(search_service, "PAGE", 2)
    monkeypatch.setattr(browser_module, "_BLOCK", 2)
    browser = open_browser(qtbot, window)
    browser.table.hide()  # no rows drawn: the view asks for none past the current's block
    search(qtbot, browser, "")
    assert browser.model.rowCount() == 8
    first = list(browser.model.loaded)
    assert len(first) < 8
    # What a store that lost the rest of the matches answers for the next page:
    monkeypatch.setattr(search_service.CardSearch, "_page", lambda *_a, **_k: ([], None))
    browser.table.setCurrentIndex(browser.model.index(7, 0))
    assert browser.current_card_id() is None
    qtbot.waitUntil(lambda: browser.model.rowCount() == len(first), timeout=5_000)
    assert browser.model.loaded == first


def test_a_new_search_finds_the_current_cards_row_off_the_gui_thread(
    qtbot: Any, window: Any, synced: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The current card keeps its row in a new search's results; past the first page
    finding that row counts the cards ahead of it and fetches the pages up to it, which is
    the search's work, done on its worker thread: on the GUI thread it froze the browser."""
    import threading

    from studyapp.services import search as search_service

    monkeypatch.setattr(search_service, "FIRST_PAGE", 2)
    monkeypatch.setattr(search_service, "PAGE", 2)
    threads: list[bool] = []
    position = search_service.SearchResults.position

    def watched(results: Any, card_id: int) -> int | None:
        threads.append(threading.current_thread() is threading.main_thread())
        return position(results, card_id)

    monkeypatch.setattr(search_service.SearchResults, "position", watched)
    browser = open_browser(qtbot, window)
    last = browser.browser.find("")[-1]
    browser.show_card(last)
    assert browser.table.currentIndex().row() == 7
    threads.clear()
    search(qtbot, browser, "")  # the same cards, searched again
    assert browser.current_card_id() == last and browser.table.currentIndex().row() == 7
    assert threads == [False]  # found once, by the search's worker


@pytest.fixture
def studied(synced: Library, clock: Clock) -> Library:
    """Two cards of the sample decks answered, so they have a schedule and a history."""
    session = synced.session(clock=clock)
    for _ in range(2):
        assert session.next_card() is not None
        session.answer(Rating.EASY)  # straight to review
    session.close()
    synced.undo_log.clear()
    return synced


# (The offscreen platform cannot raise a popup or grab the keyboard for it; it says so.)
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_the_context_menu_shows_the_keys_of_the_cards_menu(qtbot: Any, window: Any) -> None:
    """A right-click's menu listed 'Toggle suspend', 'Red flag'... with no keys beside them,
    while the Cards menu shows Ctrl+J, Ctrl+1... (seen under Xvfb). It is the same actions."""
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QMenu

    browser = open_browser(qtbot, window)
    shown: list[list[tuple[str, str]]] = []

    def read_and_close() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        items = []
        for action in menu.actions():
            if action.isSeparator():
                continue
            sub = action.menu()
            if isinstance(sub, QMenu):
                items += [(a.text(), a.shortcut().toString()) for a in sub.actions()]
            else:
                items.append((action.text(), action.shortcut().toString()))
        shown.append(items)
        menu.close()

    QTimer.singleShot(100, read_and_close)
    viewport = browser.table.viewport()
    row = browser.table.visualRect(browser.table.model().index(1, 0)).center()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=row)
    # A right-click, as the window system reports it (QTest's clicks skip that step); the
    # menu is shown until the timer closes it.
    QApplication.sendEvent(
        viewport,
        QContextMenuEvent(QContextMenuEvent.Reason.Mouse, row, viewport.mapToGlobal(row)),
    )
    [items] = shown
    assert ("Toggle suspend", "Ctrl+J") in items and ("Set due date…", "Ctrl+Shift+D") in items
    assert ("Red", "Ctrl+1") in items
    assert [text for text, keys in items if not keys] == []


def test_forget_asks_first_keeps_history_and_undoes(
    qtbot: Any, window: Any, studied: Library
) -> None:
    browser = open_browser(qtbot, window)
    search(qtbot, browser, "-is:new")
    assert browser.model.rowCount() == 2
    browser.select_rows(0, 1)
    answer_next_dialog(lambda box: box.button(QMessageBox.StandardButton.No).click())
    qtbot.keyClick(browser.table, Qt.Key.Key_N, CTRL | ALT)
    assert rows(studied, "SELECT count(*) FROM card WHERE queue != 0") == [(2,)]  # declined
    reactivate(qtbot, browser)
    answer_next_dialog(lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    act(qtbot, browser, Qt.Key.Key_N, CTRL | ALT)
    assert rows(studied, "SELECT count(*) FROM card WHERE queue != 0") == [(0,)]
    # history kept, and the change is a kind-2 row, not an answer
    assert rows(studied, "SELECT kind, count(*) FROM review GROUP BY kind") == [(0, 2), (2, 2)]
    assert "Forgotten" in browser.info.history.text()
    reactivate(qtbot, browser)
    act(qtbot, browser, Qt.Key.Key_Z, CTRL)
    assert rows(studied, "SELECT count(*) FROM card WHERE queue != 0") == [(2,)]
    assert rows(studied, "SELECT kind, count(*) FROM review GROUP BY kind") == [(0, 2)]


def test_set_due_date_moves_review_cards_and_leaves_new_ones(
    qtbot: Any, window: Any, studied: Library
) -> None:
    browser = open_browser(qtbot, window)
    table = browser.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_A, CTRL | ALT)

    def five_days(dialog: Any) -> None:
        assert isinstance(dialog, QInputDialog)
        dialog.setIntValue(5)
        dialog.accept()

    answer_next_dialog(five_days)
    act(qtbot, browser, Qt.Key.Key_D, CTRL | SHIFT)
    assert "Set due date: 2 cards" in browser.status.text()
    assert "6 left alone (new cards have no schedule yet)" in browser.status.text()
    due = rows(studied, "SELECT DISTINCT queue FROM card WHERE queue != 0")
    assert due == [(2,)]
    reactivate(qtbot, browser)
    act(qtbot, browser, Qt.Key.Key_Z, CTRL)
    assert rows(studied, "SELECT count(*) FROM review WHERE kind = 2") == [(0,)]


BEFORE = """\
format_version: 1
deck:
  id: retiring
  title: Retiring
  family: terms
cards:
  - id: r-old
    front: The old wording of the question?
    back: Old answer.
    source: zhou2024
"""
AFTER = """\
format_version: 1
deck:
  id: retiring
  title: Retiring
  family: terms
cards:
  - id: r-old
    front: The old wording of the question?
    back: Old answer.
    source: zhou2024
    retired: Reworded after the 2025 review
    replaced_by: r-new
    inherit_progress: true
  - id: r-new
    front: The new wording of the question?
    back: New answer.
    source: zhou2024
"""


def test_a_retired_cards_details_link_to_its_successor_and_back(
    qtbot: Any, library: Library, tmp_path: Path, clock: Clock
) -> None:
    from studyapp.gui.mainwindow import MainWindow

    folder = tmp_path / "retiring"
    folder.mkdir()
    deck = folder / "retiring.yaml"
    deck.write_text(BEFORE, encoding="utf-8")
    assert library.sync([folder]).ok
    session = library.session(clock=clock)
    assert session.next_card() is not None
    session.answer(Rating.EASY)  # the old card has a review
    session.close()
    deck.write_text(AFTER, encoding="utf-8")
    plan = library.sync([folder])
    assert plan.ok and plan.inherited == [("r-new", "r-old")]
    win = MainWindow(library, clock=clock)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    browser = open_browser(qtbot, win)
    search(qtbot, browser, "is:retired")
    assert browser.model.rowCount() == 1
    panel = browser.info
    assert "Retired from the course: Reworded after the 2025 review" in panel.memory.text()
    links = [panel.links.itemAt(i).widget() for i in range(panel.links.count())]
    assert [b.text() for b in links] == ["Replaced by: The new wording of the question?"]
    qtbot.mouseClick(links[0], Qt.MouseButton.LeftButton)
    assert panel.info.card.note_id == "r-new"
    back = [panel.links.itemAt(i).widget() for i in range(panel.links.count())]
    assert [b.text() for b in back] == ["Replaces: The old wording of the question?"]
    # it took over the old card's progress: its reviews are shown, not "No reviews yet"
    assert "No reviews yet." not in panel.history.text()
    assert "Progress taken over from the card it replaced" in panel.history.text()
    assert "Easy" in panel.history.text()


def test_cramming_the_browsers_search_changes_no_schedule(
    qtbot: Any, window: Any, synced: Library
) -> None:
    before = rows(synced, "SELECT * FROM card ORDER BY id")
    browser = open_browser(qtbot, window)
    search(qtbot, browser, "deck:sample-terms")
    qtbot.keyClick(browser.table, Qt.Key.Key_C, CTRL | SHIFT)
    review = window.review
    assert window.stack.currentWidget() is review
    assert review._scope.text() == "Cram: deck:sample-terms"
    answered = 0
    while window.stack.currentWidget() is review:
        qtbot.keyClick(review, Qt.Key.Key_Space)
        assert review.grade_buttons[Rating.GOOD].text() == "Good · done"
        qtbot.keyClick(review, Qt.Key.Key_3)
        answered += 1
        assert answered <= 2
    assert answered == 2
    summary = window.summary
    assert summary.title.text() == "Cram session complete"
    assert "cram session: no memory state or due date changed" in summary.values["Schedule"].text()
    assert rows(synced, "SELECT * FROM card ORDER BY id") == before
    assert rows(synced, "SELECT DISTINCT kind FROM review") == [(1,)]


def test_a_malformed_cram_search_is_said_and_starts_nothing(
    qtbot: Any, window: Any, synced: Library
) -> None:
    seen: list[str] = []

    def read_and_close(box: Any) -> None:
        seen.append(box.text())
        box.accept()

    answer_next_dialog(read_and_close)
    assert window.start_cram("prop:r<abc") is False
    assert seen and seen[0].startswith("'abc' at column 8 is not a number")
    assert window.stack.currentWidget() is window.overview


def test_the_deck_list_is_refreshed_when_the_window_is_active_again(
    qtbot: Any, window: Any, synced: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cards suspended in the browser leave the deck list's counts stale while the browser
    has the focus (not rebuilt then); it is rebuilt once the window is active again, and
    only then (MainWindow._on_focus_window)."""
    browser = open_browser(qtbot, window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is browser, timeout=2000)
    rebuilt: list[bool] = []
    shown = window.show_overview

    def show_overview(*args: Any, **kwargs: Any) -> None:
        rebuilt.append(True)
        shown(*args, **kwargs)

    monkeypatch.setattr(window, "show_overview", show_overview)
    table = browser.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_A, CTRL | ALT)
    act(qtbot, browser, Qt.Key.Key_J, CTRL)  # suspend every card
    assert rebuilt == [] and window._overview_stale
    reactivate(qtbot, window)
    qtbot.waitUntil(lambda: rebuilt == [True], timeout=2000)
    assert not window._overview_stale
    browser.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is browser, timeout=2000)
    reactivate(qtbot, window)
    assert rebuilt == [True]  # nothing stale: not rebuilt again


def test_the_info_panel_and_column_give_a_stability_under_a_day_in_hours(
    qtbot: Any, window: Any, synced: Library, clock: Clock
) -> None:
    """A new card answered Again has a stability of about 5 hours: the panel said
    'stability 0.2 d' and the column '0.2 d'; and its history's dates read as the card
    details dialog's ('1 Apr 2026, 09:05'), not '2026-04-01 09:05'."""
    import re

    session = synced.session(clock=clock)
    card = session.next_card()
    assert card is not None
    session.answer(Rating.AGAIN)
    session.close()
    browser = open_browser(qtbot, window)
    search(qtbot, browser, "-is:new")
    assert browser.model.rowCount() == 1
    history = browser.info.history.text()
    day = r"\d{1,2} [A-Z][a-z]{2} \d{4}"
    assert re.search(rf"^{day}, \d\d:\d\d  Again · stability \d+ hours, difficulty ", history, re.M)
    assert re.search(rf" · due {day}$", history, re.M), history
    assert not re.search(r"\d{4}-\d\d-\d\d", history + browser.info.memory.text())
    column = [key for key, _label in COLUMNS].index("stability")
    shown = browser.model.data(browser.model.index(0, column))
    assert re.fullmatch(r"\d+ h", shown), shown


def test_the_due_and_answered_columns_write_days_as_every_screen_and_sort_by_date(
    qtbot: Any, window: Any, synced: Library, clock: Clock
) -> None:
    """The columns said '2026-03-07' where every other screen says '7 Mar 2026'; sorting by
    the column stays by date (the search sorts: '11 Apr 2026' is after '7 Mar 2026')."""
    import re
    from datetime import datetime

    session = synced.session(clock=clock)
    for _ in range(3):
        assert session.next_card() is not None
        session.answer(Rating.EASY)
    session.close()
    browser = open_browser(qtbot, window)
    search(qtbot, browser, "-is:new")
    ids = [browser.model.card_id(row) for row in range(3)]
    for card_id, days in zip(ids, (40, 5, 400), strict=True):
        browser.browser.set_due([card_id], days)
    search(qtbot, browser, "-is:new")
    due, answered = ([key for key, _label in COLUMNS].index(name) for name in ("due", "answered"))

    def column(section: int) -> list[str]:
        return [browser.model.data(browser.model.index(row, section)) for row in range(3)]

    day = r"\d{1,2} [A-Z][a-z]{2} \d{4}"
    assert all(re.fullmatch(day, text) for text in column(due) + column(answered)), column(due)
    dates = [datetime.strptime(text, "%d %b %Y") for text in column(due)]
    assert dates == sorted(dates) and len(set(dates)) == 3
    header = browser.table.horizontalHeader()
    qtbot.mouseClick(  # the column sorted by: its rows reversed, no new search
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(header.sectionViewportPosition(due) + 5, header.height() // 2),
    )
    dates = [datetime.strptime(text, "%d %b %Y") for text in column(due)]
    assert dates == sorted(dates, reverse=True), column(due)


def test_a_toggle_reads_the_current_cards_state_alone_not_its_block(
    qtbot: Any, window: Any, synced: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = open_browser(qtbot, window)
    table = browser.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_A, CTRL | ALT)  # select all
    act(qtbot, browser, Qt.Key.Key_J, CTRL)  # suspend
    browser.model.refresh()  # as after an action: no row fetched, the current one suspended
    asked: list[list[int]] = []
    items = browser.browser.items

    def spy(ids: list[int]) -> Any:
        asked.append(list(ids))
        return items(ids)

    monkeypatch.setattr(browser.browser, "items", spy)
    act(qtbot, browser, Qt.Key.Key_J, CTRL)  # toggles back: it read the current card alone
    assert asked[0] == [browser.current_card_id()]
    assert rows(synced, "SELECT DISTINCT suspended FROM card") == [(0,)]
    browser.model.refresh()
    asked.clear()
    act(qtbot, browser, Qt.Key.Key_J, CTRL | SHIFT)  # bury: the same
    assert asked[0] == [browser.current_card_id()]
    assert rows(synced, "SELECT count(*) FROM card WHERE buried_until > 0") == [(8,)]


def test_the_deck_column_leaves_off_the_family_and_sorts_as_it_reads(
    qtbot: Any, library: Library, clock: Clock
) -> None:
    """At 800 px the Deck column read 'Evidence: psiloc…': the family's name, the same for
    four decks, took the width. It shows what tells the decks apart, the whole title on
    hover, and a click on its header sorts the rows as the column reads."""
    browser = browser_over_the_bundled_decks(qtbot, library, clock)
    model = browser.model
    section, where = sort_by(qtbot, browser, "deck")
    header = browser.table.horizontalHeader()
    shown = [model.index(r, section).data() for r in range(model.rowCount())]
    whole = [model.index(r, section).data(Qt.ItemDataRole.ToolTipRole) for r in range(len(shown))]
    pairs = dict(zip(shown, whole, strict=True))
    assert ">Evidence: MDMA-assisted therapy<" in pairs["MDMA-assisted therapy"]
    assert (
        ">Mechanisms: receptors, transmitters and hormones<"
        in (pairs["Receptors, transmitters and hormones"])
    )
    assert (
        ">Process: how psychedelic-assisted therapy is delivered<"
        in (pairs["How psychedelic-assisted therapy is delivered"])
    )
    assert not any(s.split(":")[0] in ("Evidence", "Mechanisms", "Terms") for s in shown)
    assert shown == sorted(shown, key=str.casefold)  # 'Addiction …' before 'MDMA …'
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.waitUntil(lambda: not browser.searching, timeout=10_000)
    again = [model.index(r, section).data() for r in range(model.rowCount())]
    assert again == sorted(shown, key=str.casefold, reverse=True)


def test_the_deck_column_drops_a_family_title_as_the_overview_does(
    qtbot: Any, library: Library, deck_dir: Path, clock: Clock
) -> None:
    """'Therapy process: integration' of family ``process`` (titled 'Therapy process') read
    whole in the Deck column and sorted after 'Sample terms', while the overview listed it
    as 'Integration': the browser's SQL matched the family's id only. One rule now."""
    from studyapp.gui.mainwindow import MainWindow

    sample = deck_dir / "sample.yaml"
    sample.write_text(
        sample.read_text(encoding="utf-8")
        .replace("title: Sample mechanisms", "title: 'Therapy process: integration'")
        .replace("family: mechanisms", "family: process"),
        encoding="utf-8",
    )
    assert library.sync([deck_dir]).ok
    window = MainWindow(library, clock=clock)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    browser = open_browser(qtbot, window)
    model = browser.model
    section, _where = sort_by(qtbot, browser, "deck")
    shown = [model.index(r, section).data() for r in range(model.rowCount())]
    assert shown[0] == "Integration" and shown[-1] == "Sample terms", shown
    assert shown == sorted(shown, key=str.casefold)
    tip = model.index(0, section).data(Qt.ItemDataRole.ToolTipRole)
    assert ">Therapy process: integration<" in tip


def test_refreshing_many_cards_redraws_and_forgets_the_same_rows_as_a_few(
    qtbot: Any, window: Any, synced: Library
) -> None:
    """refresh() walks the rows fetched when it is given more ids than that (a bulk
    action's 10,000): the same rows redrawn and fetched again as walking the ids."""
    browser = open_browser(qtbot, window)
    model = browser.model
    for row in range(model.rowCount()):
        model.item(row)
    every = list(model.loaded)
    changed = [every[1], every[4], every[6]]
    many = [*changed, *range(10_000_000, 10_000_050)]  # more ids than rows fetched
    spans: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, _roles=None: spans.append((a.row(), a.column(), b.row(), b.column()))
    )
    model.refresh(many)
    held = [model.fetched(row) is not None for row in range(len(every))]
    for row in range(model.rowCount()):
        model.item(row)
    model.refresh(changed)  # the few-ids walk: the same answer
    assert spans == [(1, 0, 6, len(COLUMNS) - 1)] * 2
    assert held == [model.fetched(row) is not None for row in range(len(every))]
    assert held == [row not in (1, 4, 6) for row in range(len(every))]


def test_the_browser_is_built_in_place_each_widget_styled_once(qtbot: Any, window: Any) -> None:
    """Ctrl+B builds the window top down, each widget inside its final parent: built
    bottom up, every reparenting (a table into the splitter, the splitter into the
    window...) sent the app's style sheet down the whole subtree again: 320 StyleChange
    events, up to 9 to one widget, where 63 do (see BrowserWindow.__init__)."""
    from collections import Counter

    import shiboken6
    from PySide6.QtCore import QEvent, QObject

    styled: Counter[tuple[str, int]] = Counter()

    class StyleChanges(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.StyleChange:
                name = watched.metaObject().className()
                styled[name, shiboken6.getCppPointer(watched)[0]] += 1
            return False

    counter = StyleChanges()
    app = QApplication.instance()
    assert app is not None
    reactivate(qtbot, window)
    app.installEventFilter(counter)
    try:
        qtbot.keyClick(window, Qt.Key.Key_B, CTRL)
    finally:
        app.removeEventFilter(counter)
    browser = window.browser
    assert browser is not None and browser.isVisible()
    qtbot.waitUntil(lambda: not browser.searching, timeout=10_000)
    body = ("QWidget", shiboken6.getCppPointer(browser.info.widget())[0])
    assert styled[body] == 2  # the details' body has a style sheet of its own
    del styled[body]
    assert styled and max(styled.values()) == 1, styled.most_common(8)


def test_the_deck_column_widens_to_whole_labels_when_the_window_has_room(
    qtbot: Any, library: Library, clock: Clock
) -> None:
    """At full size the Deck column kept its first width ('Evidence: MDMA') and elided
    labels like 'The vocabulary of psychedelic-assisted therapy' while the question had
    room to spare. A wide window widens it to whole labels; at 800 px it keeps its width
    and the question keeps the rest."""
    browser = browser_over_the_bundled_decks(qtbot, library, clock)
    section = [key for key, _label in COLUMNS].index("deck")
    header = browser.table.horizontalHeader()
    metrics = browser.table.fontMetrics()
    labels = {browser.model.index(r, section).data() for r in range(browser.model.rowCount())}
    widest = max(metrics.horizontalAdvance(label) for label in labels)
    assert "The vocabulary of psychedelic-assisted therapy" in labels

    browser.resize(800, 600)
    qtbot.waitUntil(lambda: browser.table.viewport().width() < 800, timeout=2000)
    qtbot.wait(50)  # the columns are sized a turn after the resize
    narrow = header.sectionSize(section)
    assert narrow < widest  # no room at 800 px: labels elide, whole on hover
    assert header.sectionSize(0) >= narrow  # the question keeps the most room

    browser.resize(2400, 1000)
    qtbot.waitUntil(lambda: header.sectionSize(section) >= widest + 12, timeout=2000)
    assert header.sectionSize(0) >= header.sectionSize(section)  # still the widest


def test_a_painted_cell_is_one_call_into_the_model_with_what_data_answers(
    qtbot: Any, window: Any, synced: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table's delegate asks each cell for seven roles at once (multiData); answered
    by Qt's default, that was seven Python calls of data() per cell. The model answers
    them in one call, with exactly what data() answers for each role (suspended, buried,
    flagged and plain rows)."""
    from PySide6.QtCore import QModelRoleData, QModelRoleDataSpan
    from PySide6.QtGui import QColor

    browser = open_browser(qtbot, window)
    model = browser.model
    ids = list(model.loaded)
    browser.browser.suspend(ids[:2])
    browser.browser.bury(ids[2:4])
    browser.browser.flag(ids[1:6:2], 3)
    model.refresh()
    asked: list[tuple[int, int]] = []
    answers = {"multiData": model.multiData, "data": model.data}

    def spy(name: str) -> Callable[..., object]:
        def call(index: Any, *args: Any) -> object:
            asked.append((index.row(), index.column()))
            return answers[name](index, *args)

        return call

    for name in answers:
        monkeypatch.setattr(model, name, spy(name))
    browser.table.viewport().repaint()
    cells = set(asked)
    assert len(cells) >= 6 * model.rowCount()  # every row, the shown columns
    assert len(asked) == len(cells)  # one call per cell painted
    monkeypatch.undo()

    roles = [
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.UserRole,
    ]
    kinds: set[str | None] = set()
    for row in range(model.rowCount()):
        for column in range(len(COLUMNS)):
            index = model.index(row, column)
            for role in roles:
                slot = QModelRoleData(role)
                model.multiData(index, QModelRoleDataSpan(slot))
                assert slot.data() == model.data(index, role), (row, column, role)
            brush = model.data(index, Qt.ItemDataRole.BackgroundRole)
            kinds.add(None if brush is None else brush.color().name(QColor.NameFormat.HexArgb))
    assert len(kinds) == 4  # none, suspended, buried, flagged


def test_the_question_keeps_room_at_the_opening_size_and_the_table_takes_a_wider_window(
    qtbot: Any, library: Library, clock: Clock
) -> None:
    """At its opening size (1100x700) the browser put its details beside the table, which
    kept 670 px: five fixed columns left the question 106 px ('A 2020 me...'). It puts them
    below until the window is wide enough for both. Made wider still, the info panel took
    two fifths of the growth (~730 px of lines too long to read at 1920x1080) while the
    table elided deck labels and questions: it keeps its width, the table takes the room."""
    browser = browser_over_the_bundled_decks(qtbot, library, clock)
    assert browser.width() == 1100
    header = browser.table.horizontalHeader()
    qtbot.waitUntil(lambda: header.sectionSize(0) >= 300, timeout=2000)

    browser.resize(1400, 800)
    qtbot.waitUntil(lambda: browser.splitter.orientation() == Qt.Orientation.Horizontal)
    qtbot.wait(50)  # the columns are sized a turn after the resize
    side = browser.info.width()
    assert 300 <= side <= 480
    assert header.sectionSize(0) >= 300

    browser.resize(1920, 1080)
    qtbot.waitUntil(lambda: browser.table.width() > 1300, timeout=2000)
    deck = [key for key, _label in COLUMNS].index("deck")
    qtbot.waitUntil(lambda: header.sectionSize(deck) >= 350, timeout=2000)
    assert browser.info.width() <= side + 1
    assert header.sectionSize(0) >= 400  # the question still the widest


def test_a_plain_row_after_a_suspended_one_is_painted_plain(qtbot: Any, window: Any) -> None:
    """The table's delegate reuses its role items from cell to cell: an answer left out of
    multiData (no tint for a plain card) kept the last cell's, and every row after the
    suspended cards was painted in their tint."""
    browser = open_browser(qtbot, window)
    model = browser.model
    table = browser.table
    table.clearSelection()

    def corners() -> list[str]:
        image = table.viewport().grab().toImage()
        return [
            image.pixelColor(table.visualRect(model.index(row, 1)).topLeft() + QPoint(1, 1)).name()
            for row in range(6)
        ]

    plain = corners()
    browser.browser.suspend(list(model.loaded)[:2])
    model.refresh()
    table.clearSelection()
    painted = corners()
    assert painted[2:] == plain[2:]
    assert painted[:2] != plain[:2]  # (the suspended rows are tinted)


def test_a_search_that_finds_nothing_says_so_without_a_note_title_over_no_note(
    qtbot: Any, window: Any
) -> None:
    """A search with no match left the details panel saying 'Select a card to see its
    details.' (of none) over the title 'Your note (deck updates never change it)' with no
    note under it (seen at 800x600). It says no card matches, and the note's title shows
    with a card's note only."""
    browser = open_browser(qtbot, window)
    info = browser.info
    assert info.info is not None and info.note_title.isVisible() and info.note.isVisible()
    search(qtbot, browser, "xyzzy-matches-nothing")
    assert browser.model.rowCount() == 0
    assert info.where.text() == "No card matches this search."
    assert not info.note_title.isVisible() and not info.note.isVisible()
    search(qtbot, browser, "")
    assert browser.model.rowCount() > 0
    assert info.where.text() != "No card matches this search."
    assert info.note_title.isVisible() and info.note.isVisible()
