"""Add deck folder's picker: Qt's own dialog (offscreen has no native one) opens large
enough for its columns, 'Date Modified' whole; it opened at 657x440 with that column cut to
'Date Modifie' and its dates to '2 12…5:27' (seen under Xvfb)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTime, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QTreeView

from benchmarks.course import generate
from studyapp.gui.folderpicker import MIN_SIZE


def test_ctrl_o_opens_a_picker_with_its_columns_whole_and_adds_the_folder_chosen(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    course = generate(20, tmp_path / "course").folder
    window.resize(800, 600)
    seen: dict[str, Any] = {}

    def answer() -> None:
        shown = QApplication.topLevelWidgets()
        dialogs = [w for w in shown if isinstance(w, QFileDialog) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(20, answer)
            return
        [dialog] = dialogs
        seen["size"] = dialog.size().toTuple()
        seen["native"] = not dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
        tree = dialog.findChild(QTreeView, "treeView")
        name = dialog.findChild(QLineEdit, "fileNameEdit")
        assert tree is not None and name is not None  # Qt's own dialog
        header = tree.header()
        date = QLocale.system().toString(
            QDateTime(QDate(2026, 12, 22), QTime(22, 22)), QLocale.FormatType.ShortFormat
        )
        seen["dates"] = header.sectionSize(3) - tree.fontMetrics().horizontalAdvance(date)
        seen["headings"] = [header.sectionSize(i) - header.sectionSizeHint(i) for i in (1, 2, 3)]
        seen["overflow"] = header.length() - tree.viewport().width()
        # Into the folder, then Return on "Choose": the folder one is in (typing its name
        # opened the completer's popup, which the offscreen platform warns about).
        dialog.setDirectory(str(course))
        seen["typed"] = name.text()
        QTimer.singleShot(0, lambda: qtbot.keyClick(dialog, Qt.Key.Key_Return))

    QTimer.singleShot(0, answer)
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as done:
        qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert seen["typed"] == ""
    assert done.args[0].ok and len(done.args[0].new) == 20  # the folder chosen was added
    width, height = seen["size"]
    assert width >= MIN_SIZE[0] and height >= MIN_SIZE[1]
    assert seen["native"]  # the platform's dialog where it has one, as before
    assert seen["dates"] >= 8  # a date as the list writes it, with room to spare
    assert min(seen["headings"]) >= 0  # 'Size', 'Type', 'Date Modified' whole
    assert seen["overflow"] <= 0  # no column pushed past the edge
