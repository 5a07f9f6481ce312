"""Shared fixtures: offscreen Qt, a private data folder per test, sample decks, a library."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "qtbot" in fixtures or "qapp" in fixtures or "gui" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("STUDYAPP_DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture
def deck_dir(tmp_path: Path) -> Path:
    """A writable copy of the sample decks (tests/data/decks)."""
    target = tmp_path / "decks"
    shutil.copytree(DATA / "decks", target)
    return target


class Clock:
    """A settable clock for sessions."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def library(tmp_path: Path) -> Iterator[object]:
    from studyapp.services.library import Library

    lib = Library(tmp_path / "store")
    lib.update_settings(lib.settings.with_changes(fuzz=False))
    yield lib
    lib.close()
