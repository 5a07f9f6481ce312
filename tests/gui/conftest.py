"""GUI fixtures: a synced library and the main window on a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from studyapp.services.library import Library
from tests.conftest import Clock


@pytest.fixture
def synced(library: Library, deck_dir: Path) -> Library:
    plan = library.sync([deck_dir])
    assert plan.ok, plan.problems
    return library


@pytest.fixture
def window(qtbot: object, synced: Library, clock: Clock) -> Iterator[object]:
    from studyapp.gui.mainwindow import MainWindow

    win = MainWindow(synced, clock=clock)
    qtbot.addWidget(win)  # type: ignore[attr-defined]
    win.show()
    qtbot.waitExposed(win)  # type: ignore[attr-defined]
    yield win
