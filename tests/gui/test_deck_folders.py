"""The problems dialog (scrolls, fits 800x600, plain text) and File > Deck folders…."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMenu, QMessageBox, QPushButton

from studyapp.deckfile.problems import Problem, Severity
from studyapp.gui.folders_dialog import DeckFoldersDialog
from studyapp.gui.mainwindow import MainWindow
from studyapp.gui.problems import ProblemsDialog
from studyapp.services.library import Library
from tests.conftest import DATA, Clock


def _broken_folder(root: Path, cards: int = 40) -> Path:
    folder = root / "draft"
    folder.mkdir()
    body = "".join(
        f"  - id: d-{i}\n    front: Draft question {i}?\n    bak: Draft answer {i}.\n"
        f"    source: [rieser2021]\n"
        for i in range(cards)
    )
    (folder / "draft.yaml").write_text(
        "format_version: 1\ndeck: {id: draft, title: Draft, family: terms}\ncards:\n" + body
    )
    return folder


def _window(qtbot: Any, library: Library, clock: Clock, size: tuple[int, int]) -> MainWindow:
    window = MainWindow(library, clock=clock)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_a_start_with_a_missing_and_a_broken_folder_updates_the_rest(
    qtbot: Any, library: Library, tmp_path: Path, clock: Clock
) -> None:
    good = tmp_path / "good"
    shutil.copytree(DATA / "decks", good)
    broken = _broken_folder(tmp_path)
    gone = tmp_path / "gone"
    gone.mkdir()
    for folder in (good, broken, gone):
        library.add_folder(folder)
    gone.rmdir()
    window = _window(qtbot, library, clock, (800, 600))
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as done:
        window.start_sync()
    plan = done.args[0]
    assert plan.ok and set(plan.blocked) == {str(broken), str(gone)}
    assert window.overview.model.rowCount() >= 2  # the bundled decks and 'good'
    assert "Sample terms" in [d.title for f in library.overview().families for d in f.decks]
    assert "Decks updated, except 2 folders with problems" in window._status.text()

    dialog = window.problems_dialog
    assert dialog is not None and dialog.isVisible()
    assert len(dialog.lines) == 81  # 40 cards x 2 problems + the missing folder
    # It fits the 800x600 window, its buttons are inside it, and the list scrolls.
    assert dialog.width() <= 760 and dialog.height() <= 560
    inside = QRect(0, 0, dialog.width(), dialog.height())
    for button in dialog.buttons.buttons():
        corner = button.mapTo(dialog, button.rect().bottomRight())
        assert inside.contains(corner), button.text()
    assert dialog.list.verticalScrollBar().maximum() > 0
    text = dialog.list.toPlainText()
    assert f"{gone}\nthe folder is not there" in text
    assert "line 6, column 5: card 'd-0': unknown field 'bak' (did you mean 'back'?)" in text

    # "Deck folders…" opens the folder list (closed again at once here).
    QTimer.singleShot(0, lambda: _close_active(DeckFoldersDialog))
    extra = next(b for b in dialog.buttons.buttons() if b.text() == "Deck folders…")
    extra.click()
    assert not dialog.isVisible()


def _close_active(kind: type) -> None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, kind) and widget.isVisible():
            widget.reject()  # type: ignore[attr-defined]


def test_the_problems_dialog_shows_author_text_as_written_and_copies_lines(
    qtbot: Any,
) -> None:
    problems = [
        Problem("d/x.yaml", 3, 7, Severity.ERROR, "unknown field '<img src=\"/dev/zero\">'"),
        Problem("d/x.yaml", 9, 1, Severity.WARNING, "evidence cards should 'cite'"),
        Problem("d/\x1b[31my.yaml", 1, 1, Severity.ERROR, "<b>bold</b>"),
    ]
    dialog = ProblemsDialog("Title", "<i>heading</i>", problems)
    qtbot.addWidget(dialog)
    dialog.show()
    text = dialog.list.toPlainText()
    assert "line 3, column 7: unknown field '<img src=\"/dev/zero\">'" in text
    assert "warning, line 9, column 1: evidence cards should 'cite'" in text
    assert "d/\\x1b[31my.yaml\nline 1, column 1: <b>bold</b>" in text
    assert dialog.heading.text() == "<i>heading</i>"
    assert dialog.heading.textFormat() == Qt.TextFormat.PlainText
    dialog.copy_all()
    clipboard = QApplication.clipboard()
    assert clipboard is not None
    assert clipboard.text().splitlines() == [str(p) for p in problems]
    close = dialog.buttons.button(QDialogButtonBox.StandardButton.Close)
    assert close.isDefault()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert not dialog.isVisible()


def test_deck_folders_lists_and_removes_a_folder(
    qtbot: Any, library: Library, tmp_path: Path, clock: Clock
) -> None:
    good = tmp_path / "good"
    shutil.copytree(DATA / "decks", good)
    library.add_folder(good)
    window = _window(qtbot, library, clock, (1000, 700))
    with qtbot.waitSignal(window.sync_done, timeout=30_000):
        window.start_sync()
    file_menu = window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu)
    assert "Deck folders…" in [a.text() for a in file_menu.actions()]
    dialog = window.deck_folders_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    items = [dialog.list.topLevelItem(i) for i in range(dialog.list.topLevelItemCount())]
    rows = [[item.text(c) for c in range(3)] for item in items if item is not None]
    assert rows[0][0] == "Course decks (built in)" and rows[0][2] == "always read"
    assert rows[1] == [str(good), "2", "read at every start"]
    assert dialog.detail.text() == "2 decks"
    assert dialog.remove_button.isEnabled() and not dialog.problems_button.isEnabled()

    # Delete asks first; "Remove" takes the decks off and the window syncs again.
    def confirm() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        assert box.textFormat() == Qt.TextFormat.PlainText
        assert "Its 2 decks leave your study list" in box.text()
        remove = next(b for b in box.buttons() if b.text() == "Remove")
        assert isinstance(remove, QPushButton)
        remove.click()

    QTimer.singleShot(0, confirm)
    with qtbot.waitSignal(window.sync_done, timeout=30_000):
        qtbot.keyClick(dialog.list, Qt.Key.Key_Delete)
    assert library.folders() == []
    assert dialog.list.topLevelItemCount() == 1
    assert not dialog.remove_button.isEnabled()  # the bundled decks stay
    titles = [d.title for f in library.overview().families for d in f.decks]
    assert "Sample terms" not in titles


def test_adding_a_folder_from_the_dialog_syncs_it(
    qtbot: Any, library: Library, tmp_path: Path, clock: Clock
) -> None:
    good = tmp_path / "good"
    shutil.copytree(DATA / "decks", good)
    window = _window(qtbot, library, clock, (1000, 700))
    dialog = window.deck_folders_dialog()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(window.sync_done, timeout=30_000):
        dialog.add_folder(good)
    assert library.folders() == [good]
    assert "Sample terms" in [d.title for f in library.overview().families for d in f.decks]


@pytest.mark.parametrize("size", [(1600, 1000), (800, 600)])
def test_the_dialog_is_wide_enough_for_a_long_path_within_its_window(
    qtbot: Any, library: Library, tmp_path: Path, clock: Clock, size: tuple[int, int]
) -> None:
    """At 640 px an added folder's path was cut in the middle even over a 1600 px window
    with room to spare; the dialog widens to show it whole, but never past its window."""
    deep = tmp_path / "Documents" / "courses" / "psychedelic-assisted-therapy" / "module-7-draft"
    shutil.copytree(DATA / "decks", deep)
    library.add_folder(deep)
    window = _window(qtbot, library, clock, size)
    dialog = window.deck_folders_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.width() <= size[0] - 40
    if size[0] >= 1600:
        needed = dialog.list.fontMetrics().horizontalAdvance(str(deep))
        qtbot.waitUntil(lambda: dialog.list.header().sectionSize(0) > needed, timeout=2000)
