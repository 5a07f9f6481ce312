"""File > Add deck folder: the decks are read off the GUI thread with a progress dialog,
and Cancel leaves the store as it was."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar, QProgressDialog, QPushButton
from sqlalchemy import text

from benchmarks.course import generate
from studyapp.gui import folderpicker
from studyapp.services.library import Library
from tests.test_cli import store_rows


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return generate(2000, tmp_path / "course").folder


def _notes(library: Library) -> int:
    with library.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM note")).scalar_one())


def test_adding_a_folder_reads_its_decks_with_progress(
    qtbot: Any, window: Any, synced: Library, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(folderpicker, "choose_folder", lambda *_a, **_k: str(course))
    before = _notes(synced)
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as done:
        window.add_deck_folder()
        dialogs = window.findChildren(QProgressDialog)
        assert len(dialogs) == 1 and dialogs[0].isVisible()
        # its parent too: "Reading the decks in decks…" named nothing (seen under Xvfb)
        assert course.name == "decks" and course.parent.name == "course"
        assert dialogs[0].labelText() == "Reading the decks in course/decks…"
    plan = done.args[0]
    assert plan.ok and len(plan.new) == 2000
    assert window._status.text().startswith("Added the folder course/decks: ")
    assert _notes(synced) == before + 2000
    assert course.resolve() in [p.resolve() for p in synced.folders()]
    decks = sum(
        window.overview.model.rowCount(window.overview.model.index(r, 0))
        for r in range(window.overview.model.rowCount())
    )
    assert decks >= 2 + 2  # the sample decks and the course's two files
    assert not any(d.isVisible() for d in window.findChildren(QProgressDialog))


def test_cancel_leaves_the_store_and_the_folders_as_they_were(
    qtbot: Any, window: Any, synced: Library, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    original = synced.sync

    def held(*args: Any, **kwargs: Any) -> Any:  # the worker waits until Cancel is pressed
        gate.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(synced, "sync", held)
    before = _notes(synced)
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as done:
        dialog = window.import_folder(course)
        assert dialog is not None
        (cancel,) = dialog.findChildren(QPushButton)
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        assert "Cancelling" in dialog.labelText()
        gate.set()
    assert done.args[0] is None
    assert _notes(synced) == before
    assert course.resolve() not in [p.resolve() for p in synced.folders()]
    assert "cancelled: nothing was changed" in window._status.text()


def test_a_folder_with_a_broken_deck_is_not_added_and_nothing_changes(
    qtbot: Any, window: Any, synced: Library, course: Path
) -> None:
    """The course's rows are written as each file is read; a broken file read after them
    rolls them back with the folder, which is remembered in the same transaction."""
    (course / "zz-broken.yaml").write_text("format_version: 1\ncards: [\n")
    before = store_rows(synced.data_dir)
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as done:
        assert window.import_folder(course) is not None
    assert not done.args[0].ok
    assert window.problems_dialog is not None and window.problems_dialog.isVisible()
    assert window._status.text() == "Deck folder not added: a deck file has errors"
    assert synced.folders() == []
    assert store_rows(synced.data_dir) == before


def test_the_dialog_shows_the_files_read_as_the_worker_counts_them(
    qtbot: Any, window: Any, synced: Library, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker only counts; the GUI thread reads the count on a timer and moves the bar."""
    gate = threading.Event()
    original = synced.sync

    def counted(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        progress(0, 2)
        progress(1, 2)  # one of the course's two files read: wait here until seen
        gate.wait(10)
        return original(*args, progress=progress, **kwargs)

    monkeypatch.setattr(synced, "sync", counted)
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as done:
        dialog = window.import_folder(course)
        assert dialog is not None
        qtbot.waitUntil(lambda: (dialog.value(), dialog.maximum()) == (1, 2), timeout=5_000)
        # The theme's 6 px bar cut the bar's "50%" to the tops of its digits: any text
        # it shows has the height of its font.
        (bar,) = dialog.findChildren(QProgressBar)
        shown = bar.isTextVisible() and bar.text() != ""
        assert bar.isVisible() and bar.height() > 0
        assert not shown or bar.height() >= bar.fontMetrics().height(), (bar.text(), bar.height())
        gate.set()
    assert done.args[0].ok
    assert not dialog.isVisible()


def test_cancel_is_heard_at_the_next_count(
    qtbot: Any, window: Any, synced: Library, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancel pressed while a file is read stops the sync at the worker's next count."""
    gate = threading.Event()
    original = synced.sync
    counts: list[tuple[int, int]] = []

    def counted(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        def seen(done: int, total: int) -> None:
            counts.append((done, total))
            if done == 1:
                gate.wait(10)  # Cancel is pressed while the second file would be read
            progress(done, total)

        return original(*args, progress=seen, **kwargs)

    monkeypatch.setattr(synced, "sync", counted)
    before = _notes(synced)
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as done:
        dialog = window.import_folder(course)
        assert dialog is not None
        qtbot.waitUntil(lambda: len(counts) >= 2, timeout=10_000)
        (cancel,) = dialog.findChildren(QPushButton)
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        gate.set()
    assert done.args[0] is None
    assert _notes(synced) == before
    assert course.resolve() not in [p.resolve() for p in synced.folders()]


# -- the search index's catch-up, after the new decks are shown -------------------------------
def _index_mark(library: Library) -> int | None:
    """The last card the store's search index holds (None: the store has no index)."""
    with library.engine.connect() as conn:
        found = conn.execute(
            text("SELECT name FROM sqlite_master WHERE name = 'card_text_mark'")
        ).first()
        if found is None:
            return None
        return int(conn.execute(text("SELECT last_card FROM card_text_mark")).scalar_one())


def _last_card(library: Library) -> int:
    with library.engine.connect() as conn:
        return int(conn.execute(text("SELECT MAX(id) FROM card")).scalar_one())


def _decks_shown(window: Any) -> int:
    model = window.overview.model
    return sum(model.rowCount(model.index(r, 0)) for r in range(model.rowCount()))


def _held_catch_up(synced: Library, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The window's catch-up waits (on its worker thread) until the returned gate opens."""
    gate = threading.Event()
    original = synced.keep_index_current

    def held() -> None:
        gate.wait(20)
        original()

    monkeypatch.setattr(synced, "keep_index_current", held)
    return gate


def test_the_new_decks_are_shown_before_the_search_index_catches_up(
    qtbot: Any, window: Any, synced: Library, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl+O: the overview shows the course's decks and the add is done (``sync_done``)
    while the index still lacks its cards; the status bar says they are being indexed;
    then the catch-up makes the index current and the status bar says the add alone."""
    from tests.gui.test_browser import reactivate

    synced.card_search().update_index()  # as the window's start-up sync leaves the store
    monkeypatch.setattr(folderpicker, "choose_folder", lambda *_a, **_k: str(course))
    gate = _held_catch_up(synced, monkeypatch)
    shown_before = _decks_shown(window)
    reactivate(qtbot, window)
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as done:
        qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert done.args[0].ok and len(done.args[0].new) == 2000
    assert _decks_shown(window) >= shown_before + 2  # the course's two deck files
    assert window._indexing is None  # it starts once the new decks are painted
    qtbot.waitUntil(lambda: window._indexing is not None and window._indexing.is_running())
    mark = _index_mark(synced)
    assert mark is not None and mark < _last_card(synced)  # not caught up yet
    qtbot.waitUntil(window._indexing_note.isVisible)
    assert window._indexing_note.text() == "Indexing the new cards for search…"
    added = window._status.text()  # the add's line stays whole beside the notice
    assert added.startswith("Added ") and "2,000 new" in added and "Indexing" not in added
    with qtbot.waitSignal(window.index_done, timeout=30_000):
        gate.set()
    assert _index_mark(synced) == _last_card(synced)
    assert not window._indexing_note.isVisible()
    assert window._status.text() == added
    assert synced.card_search().count("Q1999") >= 1


def test_a_search_during_the_catch_up_finds_the_new_cards(
    qtbot: Any, window: Any, synced: Library, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser opened while the index is still catching up searches a current index
    (its search, a writer's, brings it current first), never a stale one; so does a
    reader's (a read-only library: a private current copy)."""
    from tests.gui.test_browser import open_browser, search

    synced.card_search().update_index()
    gate = _held_catch_up(synced, monkeypatch)
    with qtbot.waitSignal(window.sync_done, timeout=30_000):
        window.import_folder(course)
    mark = _index_mark(synced)
    assert mark is not None and mark < _last_card(synced)
    reader = Library(synced.data_dir, read_only=True)
    try:
        assert reader.card_search().count("Q1999") == _cards_of(synced, "Q1999: %")
    finally:
        reader.close()
    browser = open_browser(qtbot, window)
    search(qtbot, browser, "Q1999")
    expected = _cards_of(synced, "Q1999: %")
    assert browser.model.rowCount() == expected
    with qtbot.waitSignal(window.index_done, timeout=30_000):
        gate.set()
    assert _index_mark(synced) == _last_card(synced)
    browser.close()


def _cards_of(library: Library, front: str) -> int:
    """The cards of the notes whose front matches ``front`` (LIKE): what a search for the
    note's own word must find."""
    with library.engine.connect() as conn:
        cards = conn.execute(
            text(
                "SELECT COUNT(*) FROM card c JOIN note n ON n.id = c.note_id WHERE n.front LIKE :f"
            ),
            {"f": front},
        ).scalar_one()
    assert cards >= 1
    return int(cards)


def test_cancel_with_an_index_starts_no_catch_up_and_changes_nothing(
    qtbot: Any, window: Any, synced: Library, course: Path
) -> None:
    """Cancel (a real click) while the decks are read: the store, its index and the folders
    as they were, and no catch-up is started."""
    synced.card_search().update_index()
    before = (_notes(synced), _index_mark(synced), synced.folders())
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as done:
        dialog = window.import_folder(course)
        assert dialog is not None
        (cancel,) = dialog.findChildren(QPushButton)
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert done.args[0] is None
    assert (_notes(synced), _index_mark(synced), synced.folders()) == before
    assert window._indexing is None


def test_a_failed_catch_up_keeps_the_add(
    qtbot: Any, window: Any, synced: Library, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store refuses the index's catch-up (full): the decks and the folder stay added,
    nothing is shown but the add, and the next search brings the index current."""
    from studyapp.core.errors import StoreFull
    from studyapp.services.search import CardSearch

    synced.card_search().update_index()

    def full(_self: CardSearch) -> int:
        raise StoreFull("The disk holding the study store is full.")

    monkeypatch.setattr(CardSearch, "keep_index_current", full)
    before = _notes(synced)
    with qtbot.waitSignal(window.sync_done, timeout=30_000):
        window.import_folder(course)
    with qtbot.waitSignal(window.index_done, timeout=30_000):
        pass
    assert _notes(synced) == before + 2000
    assert course.resolve() in [p.resolve() for p in synced.folders()]
    assert window._status.text().startswith("Added ")
    mark = _index_mark(synced)
    assert mark is not None and mark < _last_card(synced)
    monkeypatch.undo()
    assert synced.card_search().count("Q1999") == _cards_of(synced, "Q1999: %")
    assert _index_mark(synced) == _last_card(synced)


def test_the_plans_note_ids_are_freed_by_the_catch_up_not_the_gui_thread(
    qtbot: Any, window: Any, synced: Library, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan's new note ids (a string each) are let go of by the catch-up's worker, a
    slice at a time, not in the turn that drops the plan on the GUI thread (200,000 ids
    there were one C call of ~9-24 ms of CPU); the plan reported still names every note."""
    freed_on_gui_thread: list[bool] = []

    class Ids(list[str]):
        def __del__(self) -> None:
            freed_on_gui_thread.append(threading.current_thread() is threading.main_thread())

    original = synced.sync

    def sync(*args: Any, **kwargs: Any) -> Any:
        plan = original(*args, **kwargs)
        plan.new = Ids(plan.new)
        return plan

    monkeypatch.setattr(synced, "sync", sync)
    counted: list[int] = []
    window.sync_done.connect(lambda plan: counted.append(len(plan.new)))  # keeps no plan
    with qtbot.waitSignal(window.index_done, timeout=30_000):
        window.import_folder(course)
    assert counted == [2000]
    assert freed_on_gui_thread == [False]


def test_no_collection_walks_the_held_ids_before_the_catch_up_has_them(
    qtbot: Any, window: Any, synced: Library, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the add's result and the catch-up's start the collector stays paused: the
    add's task switches it back on 50 ms after its result, and a collection then walked the
    held ids' list on the GUI thread (a young list of 200,000 strings: ~10 ms of CPU). Here
    the catch-up waits for its limit (no paint counts), so that switch comes first."""
    import gc
    import weakref

    from studyapp.gui import mainwindow

    class LimitOnly(mainwindow._AfterPaint):
        def eventFilter(self, watched: Any, event: Any) -> bool:
            return False

    monkeypatch.setattr(mainwindow, "_AfterPaint", LimitOnly)

    class Ids(list[str]):
        pass

    held: list[weakref.ref[Ids]] = []
    original = synced.sync

    def sync(*args: Any, **kwargs: Any) -> Any:
        plan = original(*args, **kwargs)
        plan.new = Ids(plan.new)
        held.append(weakref.ref(plan.new))
        return plan

    monkeypatch.setattr(synced, "sync", sync)
    walked: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and held and held[0]() is not None:
            walked.append(info["generation"])

    gc.callbacks.append(watch)
    try:
        with qtbot.waitSignal(window.sync_done, timeout=30_000):
            window.import_folder(course)
        qtbot.wait(100)  # the add's task has switched the collector back on by now
        young = [[n] for n in range(5_000)]  # enough allocations for a collection, if on
        with qtbot.waitSignal(window.index_done, timeout=30_000):
            pass
    finally:
        gc.callbacks.remove(watch)
    assert len(young) == 5_000 and held and held[0]() is None
    assert walked == []


def test_the_catch_up_waits_for_the_paint_or_its_limit(qtbot: Any, window: Any) -> None:
    """The hand-over helper runs its callback once the window's repaint has been handled,
    and after its limit when nothing repaints; once either way."""
    from studyapp.gui.mainwindow import _AfterPaint

    ran: list[str] = []
    qtbot.wait(50)  # the window's own first paints are over
    _AfterPaint(window, lambda: ran.append("painted"), 60_000)
    window.overview.update()
    qtbot.waitUntil(lambda: ran == ["painted"], timeout=5_000)
    _AfterPaint(window, lambda: ran.append("limit"), 100)
    qtbot.wait(400)
    assert ran == ["painted", "limit"]


def test_the_add_leaves_its_checkpoint_to_the_catch_up(
    qtbot: Any, window: Any, synced: Library, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The add ends when its rows are durable in the WAL: nothing is copied into the
    database file until the catch-up after the decks are shown (which checkpoints even a
    store with no search index). The automatic checkpoint's threshold is lowered to 50
    pages so that this course's write (~1.5 MB) is over it, as a large course's is over
    SQLite's 1,000."""
    from sqlalchemy import event

    import studyapp.store.database as database

    def low(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=50")

    monkeypatch.setattr(database, "WAL_AUTOCHECKPOINT", 50)
    event.listen(synced.engine, "connect", low)
    synced.engine.dispose()
    store = synced.store_path
    database.checkpoint(synced.engine)
    size = store.stat().st_size
    gate = _held_catch_up(synced, monkeypatch)
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as done:
        window.import_folder(course)
    assert done.args[0].ok
    assert _notes(synced) > 2000  # committed: every connection reads it from the WAL
    assert store.stat().st_size == size
    with synced.engine.connect() as conn:  # every connection's own checkpoint is back
        assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 50
    with qtbot.waitSignal(window.index_done, timeout=30_000):
        gate.set()
    assert store.stat().st_size > size + 500_000


def test_while_adding_the_window_is_not_repainted_by_a_busy_bar(
    qtbot: Any, window: Any, synced: Library, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dialog's bar is the add's progress indicator: the status bar's busy bar stays
    hidden, so nothing animates in the window behind the dialog (its repaints ran a Python
    paintEvent ~30 times a second on the GUI thread, taking the GIL from the import)."""
    from PySide6.QtCore import QEvent, QObject

    gate = threading.Event()
    original = synced.sync

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(10)
        return original(*args, **kwargs)

    class Paints(QObject):
        count = 0

        def eventFilter(self, _obj: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint:
                Paints.count += 1
            return False

    monkeypatch.setattr(synced, "sync", held)
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as done:
        dialog = window.import_folder(course)
        assert dialog is not None
        qtbot.waitUntil(dialog.isVisible)
        qtbot.wait(300)  # the window's repaint for the dialog and the status line is over
        paints = Paints()
        window.installEventFilter(paints)
        qtbot.wait(600)
        window.removeEventFilter(paints)
        assert dialog.isVisible() and not window._busy.isVisible()
        assert Paints.count <= 1
        gate.set()
    assert done.args[0].ok


def test_adding_a_folder_to_a_store_with_no_note_yet(
    qtbot: Any, library: Library, clock: Any, course: Path
) -> None:
    """A store with no note: the add is a first import (with a rollback journal when the
    window holds no other connection to the file) inside the add's deferred checkpoints;
    its way back to WAL once failed the add after its commit (AttributeError)."""
    from studyapp.gui.mainwindow import MainWindow

    assert _notes(library) == 0
    win = MainWindow(library, clock=clock)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    errors: list[object] = []
    with qtbot.waitSignal(win.sync_done, timeout=30_000) as done:
        assert win.import_folder(course) is not None
        assert win._task is not None
        win._task.error.connect(errors.append)
    assert errors == []
    plan = done.args[0]
    assert plan is not None and plan.ok and len(plan.new) == 2000
    assert _notes(library) == 2000
    assert course.resolve() in [p.resolve() for p in library.folders()]
    with library.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
