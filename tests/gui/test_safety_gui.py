"""The GUI's safety net on real widgets: a full disk while answering, a damaged store found
at start-up, File > Backups…, a second window, a store that does not open (issue 13)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from sqlalchemy import text

from studyapp.core.errors import KnownError, StoreCorrupt, StoreInUse
from studyapp.gui.safety import BackupsDialog, DamagedStoreDialog
from studyapp.services.library import Library
from tests.gui.conftest import Boxes
from tests.services.test_safety import damage


def review_count(library: Library) -> int:
    with library.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM review")).scalar_one())


def answer_some(qtbot: Any, window: Any, n: int) -> None:
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    for _ in range(n):
        qtbot.keyClick(window.review, Qt.Key.Key_Space)
        qtbot.keyClick(window.review, Qt.Key.Key_3)


def click_in_modal(qtbot: Any, text_: str) -> None:
    """Click the button labelled ``text_`` in the modal dialog that is about to open."""

    tries = [0]

    def click() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:  # not open yet (it waits for the background check)
            tries[0] += 1
            if tries[0] < 200:
                QTimer.singleShot(50, click)
            return
        for button in dialog.findChildren(QPushButton):
            if button.text().replace("&", "") == text_:
                button.click()
                return
        dialog.close()
        raise AssertionError(f"no button {text_!r} in {dialog.windowTitle()!r}")

    QTimer.singleShot(50, click)


def test_an_answer_refused_by_a_full_disk_keeps_the_card_with_a_message(
    qtbot: Any, window: Any, synced: Library
) -> None:
    assert synced.sync().ok  # the bundled decks too: enough cards to fill the store
    synced.update_settings(synced.settings.with_changes(new_per_day=500))
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    qtbot.keyClick(review, Qt.Key.Key_Space)
    db = review.session._db  # the test fills the store through SQLite's own size limit
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count={pages}")
    stored = review_count(synced)
    for _ in range(200):
        card = review.card
        qtbot.keyClick(review, Qt.Key.Key_Space)
        qtbot.keyClick(review, Qt.Key.Key_3)
        if review.banner.isVisible():
            break
        stored += 1
    assert review.banner.isVisible()
    assert "Your answer was not saved." in review.banner.text()
    assert "is full; free some space and try again" in review.banner.text()
    assert review.card == card and review.revealed  # the card stays, answer shown
    assert review_count(synced) == stored
    db.execute(f"PRAGMA max_page_count={pages * 100}")  # space freed
    qtbot.keyClick(review, Qt.Key.Key_3)
    assert not review.banner.isVisible()
    assert review_count(synced) == stored + 1
    assert review.card != card


def test_damage_found_at_start_up_stops_writes_and_restores_the_offered_backup(
    qtbot: Any, window: Any, synced: Library
) -> None:
    answer_some(qtbot, window, 2)
    good = synced.backup("manual")
    answer_some(qtbot, window, 1)
    qtbot.keyClick(window.review, Qt.Key.Key_Escape)
    damage(synced.store_path)
    click_in_modal(qtbot, "Restore this backup")
    with qtbot.waitSignal(window.safety.checked, timeout=10_000) as checked:
        window.safety.start()
    assert checked.args[0]  # the quick check found the damage
    # the dialog offered the newest good backup, and restoring it reopened the store
    assert window.damaged_dialog.backup.id == good.id
    assert synced.damage is None and synced.check().ok
    assert review_count(synced) == 2
    kinds = {b.reason for b in synced.backups()}
    assert "damaged" in kinds  # the damaged store was set aside, not deleted
    assert "Restored the backup" in window._status.text()


def _damaged_and_read_only(qtbot: Any, window: Any, synced: Library) -> None:
    """A backup, then the store damaged; the check finds it and the trainee answers the
    damage dialog with Continue read-only."""
    synced.backup("manual")
    damage(synced.store_path)
    click_in_modal(qtbot, "Continue read-only")
    with qtbot.waitSignal(window.safety.checked, timeout=10_000):
        window.safety.start()
    assert isinstance(synced.damage, StoreCorrupt)


def test_damage_without_a_restore_leaves_the_window_read_only(
    qtbot: Any, window: Any, synced: Library, boxes: Boxes
) -> None:
    _damaged_and_read_only(qtbot, window, synced)
    assert "damaged" in window._status.text()
    # studying is refused with the sentence (no second damage dialog), not a traceback
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    assert window.stack.currentWidget() is window.overview
    [box] = boxes.shown
    assert (box.kind, box.title) == ("critical", "The study store is damaged")
    assert box.text == str(synced.damage)


def test_damage_is_told_once_not_again_by_the_sync_and_check_that_follow(
    qtbot: Any, window: Any, synced: Library, boxes: Boxes
) -> None:
    """After the damage dialog (Continue read-only), the start-up's deck sync and a later
    check, which meet the same damage, leave the status line saying so: they showed the
    same sentence in two more boxes nobody asked for."""
    _damaged_and_read_only(qtbot, window, synced)
    with qtbot.waitSignal(window.sync_done, timeout=10_000):
        window.start_sync()
    with qtbot.waitSignal(window.safety.checked, timeout=10_000):
        window.safety.start()
    assert boxes.shown == []
    assert "damaged" in window._status.text()
    # a trainee's own action is still told, once
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    [box] = boxes.shown
    assert box.text == str(synced.damage)


def test_file_backups_lists_and_restores_after_confirming(
    qtbot: Any, window: Any, synced: Library, boxes: Boxes
) -> None:
    answer_some(qtbot, window, 3)
    first = synced.backup("manual")
    answer_some(qtbot, window, 2)
    boxes.answer = QMessageBox.StandardButton.Yes

    def use_dialog() -> None:
        dialog = window.backups_dialog
        assert isinstance(dialog, BackupsDialog)
        assert dialog.table.rowCount() == 1
        why, reviews = dialog.table.item(0, 1), dialog.table.item(0, 2)
        assert why is not None and why.text() == "made by hand"
        assert reviews is not None and reviews.text() == "3"
        dialog.back_up_button.click()  # "Back up now": a second backup, 5 reviews
        assert dialog.table.rowCount() == 2
        dialog.table.selectRow(1)
        dialog.restore_button.click()

    QTimer.singleShot(50, use_dialog)
    window.open_backups()
    [asked] = boxes.shown
    assert asked.title == "Restore this backup?" and "kept as a backup first" in asked.text
    assert window.backups_dialog.restored.id == first.id
    assert review_count(synced) == 3
    assert window.stack.currentWidget() is window.overview
    reasons = [b.reason for b in synced.backups()]
    assert "restore" in reasons  # the store it replaced (5 reviews) is kept
    assert max(b.reviews or 0 for b in synced.backups()) == 5


@pytest.mark.parametrize(
    ("key", "restored"), [(Qt.Key.Key_Escape, False), (Qt.Key.Key_Return, True)], ids=str
)
def test_the_restore_question_has_verb_buttons_and_escape_keeps_the_store(
    qtbot: Any, window: Any, synced: Library, key: Qt.Key, restored: bool
) -> None:
    """'Restore' and 'Keep current', not Yes and No (as the Apple and GNOME guidelines ask
    and the app's other questions read); Escape is the safe choice, Return restores."""
    answer_some(qtbot, window, 3)
    synced.backup("manual")
    answer_some(qtbot, window, 2)
    dialog = BackupsDialog(synced.backups, synced.backup, window.restore_backup, window)
    qtbot.addWidget(dialog)
    seen: dict[str, Any] = {}

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen["title"] = box.windowTitle()
        seen["buttons"] = sorted(b.text() for b in box.buttons())
        qtbot.keyClick(box, key)

    QTimer.singleShot(0, answer)
    dialog.table.selectRow(0)
    dialog.restore_selected()
    assert seen == {"title": "Restore this backup?", "buttons": ["Keep current", "Restore"]}
    assert (dialog.restored is not None) is restored
    assert review_count(synced) == (3 if restored else 5)


def test_a_second_window_says_the_store_is_already_open(
    qapp: Any, synced: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import studyapp.app as app_module
    import studyapp.gui.safety as gui_safety
    from studyapp.cli import build_parser

    shown: list[KnownError] = []
    monkeypatch.setattr(gui_safety, "show_storage_error", lambda _p, e: shown.append(e))
    args = build_parser().parse_args(["--data-dir", str(synced.data_dir)])
    assert app_module.run(args) == 2  # synced (the first window's library) holds the lock
    assert len(shown) == 1 and isinstance(shown[0], StoreInUse)
    assert "already open in another StudyApp" in str(shown[0])


def test_a_store_that_does_not_open_offers_its_newest_backup(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import studyapp.app as app_module

    data = tmp_path / "data"
    with Library(data) as library:
        library.sync()
        good = library.backup("manual")
    store = data / "studyapp.sqlite3"
    store.write_bytes(b"\0" * 4096 + store.read_bytes()[4096:])  # the header page is gone
    with pytest.raises(StoreCorrupt) as opening:
        Library(data)
    offered: list[str] = []

    def accept(dialog: DamagedStoreDialog) -> int:
        assert dialog.backup is not None
        offered.append(dialog.backup.id)
        return 1

    monkeypatch.setattr(DamagedStoreDialog, "exec", accept)
    args = argparse.Namespace(data_dir=str(data))
    reopened = app_module._open_after_failure(opening.value, args)
    assert reopened is not None
    try:
        assert offered == [good.id]
        assert reopened.check().ok
    finally:
        reopened.close()


def test_the_start_up_check_waits_for_the_first_paint(qtbot: Any, synced: Library) -> None:
    from studyapp.gui.mainwindow import MainWindow

    window = MainWindow(synced)
    qtbot.addWidget(window)
    order: list[str] = []
    window.first_painted.connect(lambda: order.append("painted"))
    window.first_painted.connect(window.safety.start)  # as studyapp.app.run connects it
    window.safety.checked.connect(lambda problems: order.append(f"checked {problems}"))
    with qtbot.waitSignal(window.safety.checked, timeout=10_000):
        window.show()
    assert order == ["painted", "checked []"]
    assert [b.reason for b in synced.backups()] == ["start"]  # the start-up backup
    window.safety.timer.stop()


def test_the_half_hourly_backup_is_made_only_after_answers(
    qtbot: Any, window: Any, synced: Library
) -> None:
    from studyapp.gui.safety import BACKUP_EVERY_MS

    assert BACKUP_EVERY_MS == 30 * 60 * 1000
    with qtbot.waitSignal(window.safety.checked, timeout=10_000):
        window.safety.start()
    assert window.safety.timer.isActive()
    assert window.safety.timer.interval() == BACKUP_EVERY_MS
    assert [b.reason for b in synced.backups()] == ["start"]
    window.safety.backup_if_studied()  # the timer fires: nothing answered, no backup
    assert not window.safety.busy()
    answer_some(qtbot, window, 2)
    with qtbot.waitSignal(window.safety.backed_up, timeout=10_000) as made:
        window.safety.timer.timeout.emit()  # the timer fires after answers
    assert made.args[0].reason == "study" and made.args[0].reviews == 2
    window.safety.backup_if_studied()  # and not again until the next answer
    assert not window.safety.busy()
    qtbot.keyClick(window.review, Qt.Key.Key_Space)
    qtbot.keyClick(window.review, Qt.Key.Key_3)
    qtbot.keyClick(window.review, Qt.Key.Key_Escape)
    window.close()  # the closing backup, with the answer given since the last one
    backups = synced.backups()
    assert [b.reason for b in backups] == ["close", "study", "start"]
    assert backups[0].reviews == 3


def test_a_deck_update_that_meets_a_damaged_page_opens_the_damage_dialog(
    qtbot: Any, window: Any, synced: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    def damaged_read(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.DatabaseError("database disk image is malformed")  # raw, unmapped

    monkeypatch.setattr(synced, "plan", damaged_read)
    click_in_modal(qtbot, "Continue read-only")
    with qtbot.waitSignal(window.sync_done, timeout=10_000):
        window.start_sync()
    assert isinstance(synced.damage, StoreCorrupt)
    assert "is damaged (database disk image is malformed)" in str(synced.damage)
    assert "damaged" in window._status.text()


def test_the_backups_list_writes_its_dates_as_the_other_screens_do(
    qtbot: Any, tmp_path: Path
) -> None:
    """'Sun 1 Nov 2026, 09:05', as card details and the statistics write a date (it was
    'Sun 01 Nov 2026, 09:05')."""
    from datetime import datetime

    from studyapp.store.backup import BackupInfo

    created = datetime(2026, 11, 1, 9, 5).astimezone()  # local time, as the list shows it
    backup = BackupInfo("b1", tmp_path / "b1", created, "manual", 2_000_000, 12)
    dialog = BackupsDialog(lambda: [backup], None, lambda _id: backup)
    qtbot.addWidget(dialog)
    cell = dialog.table.item(0, 0)
    assert cell is not None and cell.text() == "Sun 1 Nov 2026, 09:05"


def test_the_damaged_stores_dialog_writes_the_backups_day_as_the_list_does(
    tmp_path: Path,
) -> None:
    """The damaged store's dialog (and the restore question) read 'Tuesday 01 December
    2026', under the backups list's 'Tue 1 Dec 2026': the day is written without a zero."""
    from datetime import datetime

    from studyapp.gui.safety import describe_backup
    from studyapp.store.backup import BackupInfo

    created = datetime(2026, 12, 1, 2, 13).astimezone()
    backup = BackupInfo("b1", tmp_path / "b1", created, "manual", 2_000_000, 6)
    assert describe_backup(backup) == "Tuesday 1 December 2026, 02:13 (6 reviews)"
