"""File > Add deck folder: the decks are read off the GUI thread with a progress dialog,
and Cancel leaves the store as it was."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QPushButton
from sqlalchemy import text

from benchmarks.course import generate
from studyapp.services.library import Library


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return generate(2000, tmp_path / "course").folder


def _notes(library: Library) -> int:
    with library.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM note")).scalar_one())


def test_adding_a_folder_reads_its_decks_with_progress(
    qtbot: Any, window: Any, synced: Library, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(course))
    before = _notes(synced)
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as done:
        window.add_deck_folder()
        dialogs = window.findChildren(QProgressDialog)
        assert len(dialogs) == 1 and dialogs[0].isVisible()
    plan = done.args[0]
    assert plan.ok and len(plan.new) == 2000
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
