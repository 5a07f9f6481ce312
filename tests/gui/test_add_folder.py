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
