"""Text that comes from an exception, a file or folder name or deck content is plain text in
every message box, status line, dialog label, tooltip and chart label (issue 13).

Each such text here holds ``<img src="c.png">``, a relative path to a canary image in the
test's working folder, watched with inotify (tests/gui/test_plain_text.py's ``OpenWatch``):
Qt opens the file if it shows the text as rich text. Every box is drawn (``boxes`` grabs
it), every label and tooltip is drawn, and the canary must never be opened.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QToolTip

from studyapp.core.errors import StoreCorrupt
from studyapp.core.model import Rating
from studyapp.gui.mainwindow import MainWindow
from studyapp.gui.safety import DamagedStoreDialog
from studyapp.services.library import Library, ScopeChoice
from studyapp.services.sync import SyncPlan
from studyapp.store.database import make_read_only
from tests.conftest import Clock
from tests.gui.conftest import Boxes
from tests.gui.test_plain_text import OpenWatch, _canary

EVIL = '<img src="c.png">'


@pytest.fixture
def watch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenWatch]:
    monkeypatch.chdir(tmp_path)  # where a relative src is looked for
    watcher = OpenWatch([_canary(tmp_path / "c.png")])
    yield watcher
    watcher.close()


def test_the_canary_is_opened_by_a_label_left_to_guess(qtbot: Any, watch: OpenWatch) -> None:
    label = QLabel(f"{EVIL} guessed")
    qtbot.addWidget(label)
    label.grab()
    assert watch.opened()  # so the assertions below can fail


def _evil_library(tmp_path: Path) -> Library:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "evil.yaml").write_text(
        "format_version: 1\n"
        "deck: {id: evil, title: '" + EVIL + " Evil', family: terms}\n"
        "cards:\n"
        "  - {id: evil-1, front: 'Q &lt;img src=\"c.png\"&gt;', back: A, source: [rieser2021]}\n"
        "  - {id: evil-2, front: 'Q2', back: A2, source: [rieser2021]}\n"
    )
    library = Library(tmp_path / EVIL)  # a data folder whose name looks like HTML
    assert library.sync([decks]).ok
    return library


@pytest.fixture
def evil_window(qtbot: Any, tmp_path: Path, clock: Clock) -> Iterator[MainWindow]:
    library = _evil_library(tmp_path)
    window = MainWindow(library, clock=clock)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    library.close()


def test_message_boxes_show_errors_names_and_questions_as_written(
    qtbot: Any,
    evil_window: MainWindow,
    watch: OpenWatch,
    boxes: Boxes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = evil_window
    library = window.library
    # A deck update fails with an OS error naming a deck file.
    named = f"{EVIL}.yaml"

    def fail(*_args: object) -> None:
        raise OSError(5, "Input/output error", named)

    monkeypatch.setattr(library, "plan", fail)
    with qtbot.waitSignal(window.sync_done, timeout=20_000):
        window.start_sync()
    # A deck update that retires a card asks first, naming it.
    assert window._confirm_plan(SyncPlan(retired=[EVIL])) is False
    # The report cannot be written where the trainee chose (a folder of that name).
    taken = tmp_path / f"{EVIL}.pdf"
    taken.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(taken), "PDF"))
    window.export_report()
    qtbot.waitUntil(lambda: len(boxes.shown) == 3, timeout=30_000)
    # The store refuses a write: its sentence names the data folder.
    make_read_only(library.engine)
    window.apply_settings(library.settings.with_changes(font_size=21))
    assert library.settings.font_size != 21

    assert [(b.kind, b.title) for b in boxes.shown] == [
        ("critical", "Deck update failed"),
        ("question", "Apply deck update?"),
        ("critical", "Report not saved"),
        ("warning", "The study store cannot be written"),
    ]
    for box in boxes.shown:
        assert EVIL in box.text, box.text  # shown as written
        assert box.format == Qt.TextFormat.PlainText
    QApplication.processEvents()
    assert not watch.opened(), "a message box loaded an image named in its text"


def test_status_lines_and_dialog_labels_show_names_as_written(
    qtbot: Any, evil_window: MainWindow, watch: OpenWatch, tmp_path: Path
) -> None:
    window = evil_window
    library = window.library
    # Adding a folder: its name is in the progress dialog and the status line.
    folder = tmp_path / EVIL
    folder.mkdir(exist_ok=True)
    dialog = window.import_folder(folder)
    assert dialog is not None
    dialog.grab()
    assert EVIL in window._status.text()
    window.grab()
    with qtbot.waitSignal(window.sync_done, timeout=30_000):
        pass
    # The note dialog names the card by its question.
    window._on_study_requested(ScopeChoice.deck("evil"))
    card = window.review.card
    assert card is not None and EVIL in card.title
    note = window.note_dialog(card, "")
    qtbot.addWidget(note)
    note.show()
    note.grab()
    assert any(EVIL in label.text() for label in note.findChildren(QLabel))
    # The damaged-store dialog quotes the store's path.
    error = StoreCorrupt(f"The study store {library.store_path} is damaged (malformed).")
    damaged = DamagedStoreDialog(error, None, window)
    qtbot.addWidget(damaged)
    damaged.show()
    damaged.grab()
    assert any(str(library.store_path) in label.text() for label in damaged.findChildren(QLabel))
    QApplication.processEvents()
    assert not watch.opened(), "a label loaded an image named in its text"


# The offscreen platform cannot raise a tooltip's window; it says so, harmlessly.
@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_statistics_show_deck_titles_and_questions_as_written(
    qtbot: Any, evil_window: MainWindow, watch: OpenWatch, clock: Clock
) -> None:
    window = evil_window
    library = window.library
    session = library.session(clock=clock)
    for _ in range(2):  # both cards learned: readiness lists them
        assert session.next_card() is not None
        session.answer(Rating.EASY)
    session.close()
    exam = (clock.now + timedelta(days=60)).date()
    library.update_settings(library.settings.with_changes(exam_date=exam.isoformat()))
    window.show_statistics()
    screen = window.statistics
    qtbot.waitUntil(lambda: not screen.busy, timeout=60_000)
    screen.tabs.setCurrentIndex(3)  # readiness: a chart of the deck titles, the cards at risk
    assert screen.readiness_chart.showing_chart
    screen.grab()
    items = [screen.at_risk.topLevelItem(i) for i in range(screen.at_risk.topLevelItemCount())]
    tips = [item.toolTip(1) for item in items if item is not None]
    assert any("&lt;img" in tip for tip in tips), tips  # escaped: shown as written
    for tip in tips:
        QToolTip.showText(screen.mapToGlobal(QPoint(5, 5)), tip, screen)
        QApplication.processEvents()
    QToolTip.hideText()
    QApplication.processEvents()
    assert not watch.opened(), "the statistics loaded an image named in a title"


def test_every_message_box_is_made_where_its_text_format_is_set() -> None:
    """QMessageBox's static functions guess the text format (an exception or a file name
    that looks like HTML is drawn as HTML) and run their modal loop in C++, where a test
    cannot answer them: the GUI makes every box in ``studyapp.gui.messages``."""
    import studyapp.gui

    static = ("critical", "warning", "question", "information", "about")
    found = [
        f"{path.name}: QMessageBox.{name}"
        for path in Path(studyapp.gui.__file__).parent.glob("*.py")
        for name in static
        if f"QMessageBox.{name}(" in path.read_text()
    ]
    assert found == []
