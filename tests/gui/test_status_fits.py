"""The main window's status line says what matters whole at 800x600: after a deck update,
an added folder and a restored backup (each was cut in the middle by its ElidedLabel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.course import generate
from studyapp.services.library import Library
from studyapp.services.sync import SyncPlan


def shown_whole(window: Any) -> str:
    """The status line's text, asserted to be on screen whole (nothing elided)."""
    status = window._status
    assert status.shown_text() == status.text(), (status.shown_text(), status.text())
    assert status.toolTip() == ""
    return str(status.text())


def small(qtbot: Any, window: Any) -> None:
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window._status.width() < 800, timeout=2000)


def test_a_deck_update_says_what_changed_whole_at_800_px(qtbot: Any, window: Any) -> None:
    small(qtbot, window)
    window._on_sync_applied(SyncPlan(unchanged=221, files_skipped=["a.yaml"] * 10))
    assert shown_whole(window) == "Decks up to date: nothing changed"
    # A release that changes some of everything (the counts of a large update).
    busy = SyncPlan(
        new=["n"] * 120,
        updated=["u"] * 34,
        relearn=["r"] * 5,
        retired=["t"] * 21,
        restored=["s"] * 3,
        unchanged=2000,
        files_read=["a.yaml"] * 12,
    )
    window._on_sync_applied(busy)
    assert shown_whole(window).startswith("Decks updated: 120 new, 34 changed (progress kept)")
    assert window._status.text().endswith("21 retired, 3 restored")


def test_an_added_folder_is_named_whole_at_800_px(
    qtbot: Any, window: Any, synced: Library, tmp_path: Path
) -> None:
    deep = tmp_path / "Documents" / "courses" / "psychedelic-assisted-therapy" / "second-edition"
    course = generate(40, deep / "module-7-integration").folder
    small(qtbot, window)
    with qtbot.waitSignal(window.sync_done, timeout=30_000):
        window.import_folder(course)
    # (the folder with its parent: "Added the folder decks" named nothing)
    assert shown_whole(window) == "Added the folder module-7-integration/decks: 40 new"


def test_a_restored_backup_is_told_whole_at_800_px(
    qtbot: Any, window: Any, synced: Library
) -> None:
    backup = synced.backup("study")
    small(qtbot, window)
    window.restore_backup(backup.id)
    text = shown_whole(window)
    made = backup.created.astimezone()
    assert text.startswith(f"Restored the backup of {made.day} {made:%B %Y, %H:%M}")
    assert "the store it replaced is now a backup" in text
