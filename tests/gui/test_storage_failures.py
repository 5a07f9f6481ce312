"""Storage failures on every screen that touches the store, not only the main window's:
statistics, the report, the browser, settings, the exam date, deck folders, the trainee's
notes. Each goes through ``gui.safety.show_storage_error``: one sentence in a box, or, for a
damaged store, the main window's damaged-store dialog (no more writes, a backup offered).

The stores fail for real: damaged on disk, opened read-only (every connection refuses
writes, as after damage), or full (SQLite's ``max_page_count`` on every connection).
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox
from sqlalchemy import event

from studyapp.core.errors import StoreCorrupt
from studyapp.gui.background import BackgroundTask
from studyapp.gui.safety import DamagedStoreDialog
from studyapp.services.library import Library, ScopeChoice
from studyapp.store.database import make_read_only
from tests.gui.conftest import Boxes

CTRL = Qt.KeyboardModifier.ControlModifier


def wreck(library: Library) -> None:
    """Overwrite every page of the store but the first: any read of a table fails. The
    engine's idle connections are dropped, so none answers from its page cache."""
    path = library.store_path
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    page = int.from_bytes(path.read_bytes()[16:18], "big") or 65536
    with open(path, "r+b") as handle:
        handle.seek(page)
        handle.write(random.Random(7).randbytes(size - page))
    library.engine.dispose()


def fill(library: Library) -> Callable[[], None]:
    """Every connection of the store may not grow it by one page: a full disk. Returns
    what frees the space again."""
    with library.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()

    def limit(dbapi: sqlite3.Connection, _record: object) -> None:
        dbapi.execute(f"PRAGMA max_page_count={pages}")

    def free() -> None:
        event.remove(library.engine, "connect", limit)
        library.engine.dispose()

    event.listen(library.engine, "connect", limit)
    library.engine.dispose()
    return free


@pytest.fixture
def damage_dialogs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The damaged-store dialogs opened (their messages); each answered 'Continue
    read-only' without a modal loop."""
    opened: list[str] = []

    def record(dialog: DamagedStoreDialog) -> int:
        opened.append(dialog.windowTitle())
        dialog.grab()
        return 0

    monkeypatch.setattr(DamagedStoreDialog, "exec", record)
    return opened


@pytest.fixture
def typed_note(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The note dialog (N) is answered with the text put in the list (no modal loop)."""
    text: list[str] = []

    def exec_(dialog: QInputDialog) -> int:
        dialog.setTextValue(text[0])
        return 1

    monkeypatch.setattr(QInputDialog, "exec", exec_)
    yield text


def storage_boxes(boxes: Boxes) -> list[tuple[str, str]]:
    return [(b.title, b.text) for b in boxes.shown]


# -- a damaged store ------------------------------------------------------------------------
def test_statistics_on_a_damaged_store_stop_writes_and_offer_a_backup(
    qtbot: Any, window: Any, synced: Library, damage_dialogs: list[str], boxes: Boxes
) -> None:
    wreck(synced)
    qtbot.keyClick(window, Qt.Key.Key_T, CTRL)
    assert damage_dialogs == ["The study store is damaged"]
    assert isinstance(synced.damage, StoreCorrupt)
    assert window.stack.currentWidget() is window.overview  # back where the trainee was
    assert boxes.shown == []


def test_a_report_of_a_damaged_store_stops_writes_and_offers_a_backup(
    qtbot: Any,
    window: Any,
    synced: Library,
    damage_dialogs: list[str],
    boxes: Boxes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "report.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "PDF"))
    wreck(synced)
    window.export_report()
    qtbot.waitUntil(lambda: bool(damage_dialogs), timeout=30_000)
    assert damage_dialogs == ["The study store is damaged"]
    assert isinstance(synced.damage, StoreCorrupt)
    assert window._status.text() == "The report was not saved"
    assert not out.exists()
    assert boxes.shown == []


def test_the_browser_on_a_damaged_store_stops_writes_and_offers_a_backup(
    qtbot: Any, window: Any, synced: Library, damage_dialogs: list[str], boxes: Boxes
) -> None:
    wreck(synced)
    browser = window.open_browser()
    qtbot.waitUntil(lambda: bool(damage_dialogs), timeout=30_000)
    assert damage_dialogs == ["The study store is damaged"]
    assert isinstance(synced.damage, StoreCorrupt)
    qtbot.waitUntil(lambda: not browser.searching, timeout=10_000)
    assert browser.error.text().startswith("The search failed: The study store")


# -- a store that refuses writes ------------------------------------------------------------
READ_ONLY = "The study store cannot be written"


def test_settings_and_the_exam_date_refused_by_the_store_are_one_sentence(
    qtbot: Any, window: Any, synced: Library, boxes: Boxes
) -> None:
    make_read_only(synced.engine)
    before = synced.settings
    window.apply_settings(before.with_changes(font_size=before.font_size + 3))
    assert synced.settings == before
    qtbot.keyClick(window, Qt.Key.Key_T, CTRL)
    screen = window.statistics
    qtbot.waitUntil(lambda: not screen.busy, timeout=30_000)
    screen.exam_enabled.setChecked(True)  # the trainee sets an exam date
    assert synced.settings.exam is None
    assert [title for title, _text in storage_boxes(boxes)] == [READ_ONLY, READ_ONLY]
    assert all("is read-only" in text for _title, text in storage_boxes(boxes))


def test_deck_folders_refused_by_the_store_are_one_sentence(
    qtbot: Any, window: Any, synced: Library, boxes: Boxes, deck_dir: Path
) -> None:
    make_read_only(synced.engine)
    dialog = window.deck_folders_dialog()
    qtbot.addWidget(dialog)
    changed: list[bool] = []
    dialog.changed.connect(lambda: changed.append(True))
    dialog.add_folder(deck_dir)
    assert synced.folders() == [] and changed == []
    assert [title for title, _text in storage_boxes(boxes)] == [READ_ONLY]


def test_a_browser_action_refused_by_the_store_is_one_sentence(
    qtbot: Any, window: Any, synced: Library, boxes: Boxes
) -> None:
    browser = window.open_browser()
    qtbot.waitUntil(lambda: not browser.searching, timeout=10_000)
    browser.table.selectRow(0)
    make_read_only(synced.engine)
    with qtbot.waitSignal(browser.acted, timeout=10_000) as acted:
        browser.toggle_suspend()
    assert acted.args == [None]
    assert [title for title, _text in storage_boxes(boxes)] == [READ_ONLY]
    assert browser.status.text().startswith("The action failed")


# -- a full disk ----------------------------------------------------------------------------
def test_a_note_refused_by_a_full_disk_is_one_sentence(
    qtbot: Any, window: Any, synced: Library, boxes: Boxes, typed_note: list[str]
) -> None:
    window._on_study_requested(ScopeChoice.everything())
    card = window.review.card
    assert card is not None
    synced.card_search().update_index()  # (as the window's sync does) before the disk fills
    free = fill(synced)
    long_note = "A long note. " * 20_000  # 260 KB: more pages than the store may add
    typed_note.append(long_note)
    qtbot.keyClick(window.review, Qt.Key.Key_N)
    assert synced.user_note(card.note_id) == ""
    [(title, text)] = storage_boxes(boxes)
    assert title == "The disk is full"
    assert "is full; free some space and try again" in text
    # Space freed, N again: the refused note is in the dialog, and saved this time.
    free()
    offered: list[str] = []

    def keep(dialog: QInputDialog) -> int:
        offered.append(dialog.textValue())
        return 1

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(QInputDialog, "exec", keep)
        qtbot.keyClick(window.review, Qt.Key.Key_N)
    assert offered == [long_note]
    assert synced.user_note(card.note_id) == long_note
    fill(synced)  # full again, for the browser
    # and in the browser
    browser = window.open_browser()
    qtbot.waitUntil(lambda: not browser.searching, timeout=10_000)
    browser.table.selectRow(0)
    browser.info.note.setPlainText("Another long note. " * 20_000)
    browser.info._save()
    assert [title for title, _text in storage_boxes(boxes)] == ["The disk is full"] * 2
    assert browser.status.text() == "The note was not saved"


def test_adding_a_folder_refused_by_the_store_is_one_sentence(
    qtbot: Any, window: Any, synced: Library, boxes: Boxes, tmp_path: Path
) -> None:
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "extra.yaml").write_text(
        "format_version: 1\n"
        "deck: {id: extra, title: Extra, family: terms}\n"
        "cards:\n"
        "  - {id: extra-1, front: Q, back: A, source: [rieser2021]}\n"
    )
    make_read_only(synced.engine)
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as done:
        window.import_folder(folder)
    assert done.args == [None]
    assert synced.folders() == []
    [(title, text)] = storage_boxes(boxes)
    assert title == READ_ONLY and "is read-only" in text
    assert window._status.text() == "Deck update failed"


def test_deck_options_refused_by_the_store_are_one_sentence(
    qtbot: Any, window: Any, synced: Library, boxes: Boxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studyapp.gui.deck_options import DeckOptionsDialog

    def lower_the_retention(dialog: DeckOptionsDialog) -> int:
        preset = dialog.current_preset()
        assert preset is not None
        dialog.options.update(preset._replace(desired_retention=0.85))
        return 1

    monkeypatch.setattr(DeckOptionsDialog, "exec", lower_the_retention)
    before = synced.deck_options()
    make_read_only(synced.engine)
    window.open_deck_options("")
    assert [title for title, _text in storage_boxes(boxes)] == [READ_ONLY]
    assert synced.deck_options().ordered() == before.ordered()


def test_optimize_on_a_damaged_store_stops_writes_and_offers_a_backup(
    qtbot: Any, window: Any, synced: Library, damage_dialogs: list[str], boxes: Boxes
) -> None:
    wreck(synced)
    window.optimize()
    qtbot.waitUntil(lambda: bool(damage_dialogs), timeout=30_000)
    assert isinstance(synced.damage, StoreCorrupt)
    assert window._status.text() == "Optimize failed"
    assert boxes.shown == []


def test_back_up_now_on_a_damaged_store_stops_writes(
    qtbot: Any, window: Any, synced: Library, damage_dialogs: list[str], boxes: Boxes
) -> None:
    from studyapp.gui.safety import BackupsDialog

    dialog = BackupsDialog(synced.backups, synced.backup, window.restore_backup, window)
    qtbot.addWidget(dialog)
    wreck(synced)
    dialog.back_up_now()
    assert damage_dialogs == ["The study store is damaged"]
    assert isinstance(synced.damage, StoreCorrupt)
    assert boxes.shown == []


def test_restoring_during_a_deck_update_is_one_sentence(
    qtbot: Any, window: Any, synced: Library, boxes: Boxes
) -> None:
    from studyapp.gui.safety import BackupsDialog

    synced.backup("manual")
    dialog = BackupsDialog(synced.backups, synced.backup, window.restore_backup, window)
    qtbot.addWidget(dialog)
    boxes.answer = QMessageBox.StandardButton.Yes
    release = threading.Event()
    window._task = BackgroundTask(release.wait, window)  # a deck update under way
    window._task.start()
    try:
        dialog.restore_selected()
    finally:
        release.set()
        window._task.wait()
    assert [(b.kind, b.title) for b in boxes.shown] == [
        ("question", "Restore this backup?"),
        ("warning", "The study store is locked"),
    ]
    assert dialog.restored is None


# -- a data folder that is a file -----------------------------------------------------------
@pytest.mark.parametrize("inside", [False, True])
def test_a_data_folder_that_is_a_file_is_named_in_the_dialogs_title(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boxes: Boxes, inside: bool
) -> None:
    """STUDYAPP_DATA_DIR (or --data-dir) naming a file, or a path through one: the window's
    dialog was titled 'The disk reported an error' (an I/O error it was not). Its title
    names the problem, as the damaged, full, read-only and locked stores' do."""
    import argparse

    import studyapp.app as app_module
    from studyapp.core.errors import KnownError

    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n")
    data = a_file / "inside" if inside else a_file
    monkeypatch.setenv("STUDYAPP_DATA_DIR", str(data))
    args = argparse.Namespace(data_dir=None)
    with pytest.raises(KnownError) as opening:
        Library.open(args.data_dir, engine_now=True)
    assert app_module._open_after_failure(opening.value, args) is None
    [(title, text)] = storage_boxes(boxes)
    assert title == "The data folder is a file"
    assert text == (
        f"Cannot use {data} as the data folder: {a_file} is a file; choose another folder "
        "with --data-dir (or STUDYAPP_DATA_DIR)."
    )
    assert a_file.read_text() == "mine\n"
