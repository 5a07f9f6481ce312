"""The collector's switches: never on while a worker thread runs."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from studyapp.core import gcpause


@pytest.fixture(autouse=True)
def _restore_collector(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # freezing moves every live object to the permanent generation: not in the test suite
    monkeypatch.setattr(gc, "freeze", lambda: None)
    enabled = gc.isenabled()
    tasks, before = gcpause._paused_tasks, gcpause._enabled_before_tasks
    yield
    gcpause._paused_tasks, gcpause._enabled_before_tasks = tasks, before
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_startup_finished_switches_the_collector_on_when_no_task_runs() -> None:
    gcpause.off_for_startup()
    assert not gc.isenabled()
    gcpause.startup_finished()
    assert gc.isenabled()


def test_startup_finished_leaves_the_collector_paused_while_a_task_runs() -> None:
    gcpause.off_for_startup()
    gcpause.pause_for_task()  # the start-up sync's worker
    gcpause.startup_finished()
    assert not gc.isenabled()  # on now, it could collect in the worker thread
    gcpause.pause_for_task()  # a second task starts meanwhile (adding a folder)
    gcpause.resume_after_task()
    assert not gc.isenabled()
    gcpause.resume_after_task()  # the last task ends: now it comes back on
    assert gc.isenabled()
