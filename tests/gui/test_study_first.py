"""A window made ``study_first`` (the review's screenshot, issue 19): its deck list is made
and read only when first shown, once, and is then the same deck list as a window made
with it shows: counts, selection, expanded rows and keyboard focus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt

import studyapp.gui.mainwindow as mainwindow
from studyapp.gui.overview import OverviewScreen
from studyapp.services.library import Library, ScopeChoice
from tests.conftest import Clock


class _Counted(OverviewScreen):
    made = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).made += 1
        super().__init__(*args, **kwargs)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> type[_Counted]:
    """Deck lists made by the window are counted."""
    import studyapp.gui.overview

    monkeypatch.setattr(_Counted, "made", 0)
    monkeypatch.setattr(studyapp.gui.overview, "OverviewScreen", _Counted)
    return _Counted


@pytest.fixture
def twin(synced: Library, tmp_path: Path) -> Iterator[Library]:
    """A copy of the synced library: the same decks, cards and settings."""
    other = synced.clone(tmp_path / "twin")
    yield other
    other.close()


def _window(qtbot: Any, library: Library, clock: Clock, *, study_first: bool) -> Any:
    window = mainwindow.MainWindow(library, clock=clock, study_first=study_first)
    qtbot.addWidget(window)
    window.resize(800, 600)
    window.show()
    if study_first:  # as render_screen does: a session before the first paint
        window._on_study_requested(ScopeChoice.everything())
    qtbot.waitExposed(window)
    window.activateWindow()  # (the keys go to the window on top)
    qtbot.waitUntil(window.isActiveWindow)
    return window


def _study_and_go_back(qtbot: Any, window: Any) -> None:
    """Answer two cards with the keys, leave the session (Esc), and go back from its
    summary (Enter)."""
    review = window.review
    assert window.stack.currentWidget() is review
    for key in (Qt.Key.Key_3, Qt.Key.Key_1):
        qtbot.keyClick(review, Qt.Key.Key_Space)
        qtbot.keyClick(review, key)
    qtbot.keyClick(review, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.summary
    qtbot.keyClick(window.summary, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.overview


def _deck_list(window: Any) -> dict[str, Any]:
    """What the deck list shows and where the keyboard is."""
    screen = window.overview
    model, tree = screen.model, screen.tree
    rows = []

    def walk(parent: QModelIndex) -> None:
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            cells = [model.index(row, c, parent).data() for c in range(model.columnCount())]
            rows.append((cells, tree.isExpanded(index), model.choice(index)))
            walk(index)

    walk(QModelIndex())
    current = tree.currentIndex()
    return {
        "rows": rows,
        "subtitle": screen._subtitle.text(),
        "footer": screen._footer.text(),
        "empty": (screen._empty.isVisibleTo(screen), screen._empty.text()),
        "selected": (model.choice(current), current.row(), screen.selected_deck()),
        "focus": {screen: "deck list", tree: "decks"}.get(window.focusWidget(), "elsewhere"),
        "current screen is the deck list": window.stack.currentWidget() is screen,
    }


def test_the_deck_list_is_made_and_read_only_when_first_shown(
    qtbot: Any,
    synced: Library,
    clock: Clock,
    counted: type[_Counted],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[object] = []
    read = synced.overview

    def counted_read(*args: Any, **kwargs: Any) -> Any:
        reads.append(args)
        return read(*args, **kwargs)

    monkeypatch.setattr(synced, "overview", counted_read)
    window = _window(qtbot, synced, clock, study_first=True)
    qtbot.wait(50)  # the first paint and any event after it
    assert counted.made == 0 and reads == [] and window._overview is None
    assert window.stack.currentWidget() is window.review
    _study_and_go_back(qtbot, window)
    assert counted.made == 1 and len(reads) == 1
    first = window.overview
    qtbot.keyClick(first, Qt.Key.Key_S)  # again: the same deck list, updated in place
    _study_and_go_back(qtbot, window)
    assert window.overview is first
    assert counted.made == 1 and len(reads) == 2
    screens = [window.stack.widget(i) for i in range(window.stack.count())]
    assert [s for s in screens if isinstance(s, OverviewScreen)] == [first]


def test_going_back_from_the_review_shows_the_same_deck_list_as_a_window_made_with_it(
    qtbot: Any, synced: Library, twin: Library, clock: Clock, counted: type[_Counted]
) -> None:
    eager = _window(qtbot, synced, clock, study_first=False)
    assert counted.made == 1
    qtbot.keyClick(eager.overview, Qt.Key.Key_S)
    _study_and_go_back(qtbot, eager)
    shown = _deck_list(eager)
    assert shown["rows"] and shown["current screen is the deck list"]
    assert shown["focus"] == "deck list"
    eager.hide()  # (one window at a time has the keyboard)
    lazy = _window(qtbot, twin, clock, study_first=True)
    assert counted.made == 1
    _study_and_go_back(qtbot, lazy)
    assert counted.made == 2
    assert _deck_list(lazy) == shown
    lazy.hide()
    eager.show()
    # The keys act on it as on the window's own: Down moves the selection.
    for window in (eager, lazy):
        qtbot.keyClick(window.overview.tree, Qt.Key.Key_Down)
    assert _deck_list(lazy)["selected"] == _deck_list(eager)["selected"]
    assert _deck_list(lazy)["selected"] != shown["selected"]


def test_a_sync_during_the_first_session_leaves_the_deck_list_as_the_windows_own(
    qtbot: Any, synced: Library, twin: Library, clock: Clock, counted: type[_Counted]
) -> None:
    """F5 while the review is on screen: no deck list is made for it; going back shows
    the counts, not 'loading', as a window made with its deck list does."""
    shown = []
    for library, study_first in ((synced, False), (twin, True)):
        window = _window(qtbot, library, clock, study_first=study_first)
        if not study_first:
            qtbot.keyClick(window.overview, Qt.Key.Key_S)
        assert window.stack.currentWidget() is window.review
        with qtbot.waitSignal(window.sync_done, timeout=30_000):
            qtbot.keyClick(window, Qt.Key.Key_F5)
        assert counted.made == 1  # the eager window's only
        _study_and_go_back(qtbot, window)
        shown.append(_deck_list(window))
        window.hide()
    assert counted.made == 2
    assert shown[1] == shown[0]
    assert not shown[1]["empty"][0]


def test_a_window_made_study_first_shows_its_deck_list_if_no_session_starts(
    qtbot: Any, synced: Library, clock: Clock, counted: type[_Counted]
) -> None:
    window = mainwindow.MainWindow(synced, clock=clock, study_first=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window._overview is not None)
    assert counted.made == 1
    assert window.stack.currentWidget() is window.overview
    assert _deck_list(window)["rows"]


def test_settings_changed_before_the_deck_list_is_made_are_its_colors(
    qtbot: Any, synced: Library, clock: Clock, counted: type[_Counted]
) -> None:
    from studyapp.gui.theme import DARK

    window = _window(qtbot, synced, clock, study_first=True)
    window.apply_settings(synced.settings.with_changes(theme="dark"))
    assert counted.made == 0
    _study_and_go_back(qtbot, window)
    assert window.overview._colors == DARK


@pytest.mark.parametrize("screen", ["review", "summary"])
def test_the_screenshots_over_a_session_make_no_deck_list_and_are_the_same_picture(
    qtbot: Any,
    synced: Library,
    tmp_path: Path,
    counted: type[_Counted],
    monkeypatch: pytest.MonkeyPatch,
    screen: str,
) -> None:
    """``--screenshot --screen review`` (the start-up to the first card) and the other
    screens over a session draw the same pixels as with the deck list made first."""
    from PySide6.QtGui import QImage

    import studyapp.app as app

    lazy = tmp_path / "lazy.png"
    assert app.render_screen(synced, screen, lazy, (800, 600), tmp_path / "s1") == 0
    assert counted.made == 0

    class Eager(mainwindow.MainWindow):  # the deck list made with the window, as before
        def __init__(self, *args: Any, study_first: bool = False, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(app, "MainWindow", Eager)
    eager = tmp_path / "eager.png"
    assert app.render_screen(synced, screen, eager, (800, 600), tmp_path / "s2") == 0
    assert counted.made == 1
    assert QImage(str(lazy)) == QImage(str(eager))
    assert not QImage(str(lazy)).isNull()
