"""The collector's switches: never on while a worker thread runs."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import studyapp
from studyapp.core import gcpause
from tests.freshpython import fresh_python


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


def test_no_collection_walks_the_deck_formats_code_once_it_is_imported() -> None:
    # ~35,000 module-level objects (pydantic's and the deck format's) that live as long as
    # the process: left young, the first collection after a folder's add walked them all
    # on the GUI thread (26-37 ms of CPU). A fresh process, so that this is their first import.
    child = (
        "import gc, pydantic, studyapp.deckfile.loader as loader\n"
        "walked = {id(o) for o in gc.get_objects()}\n"
        "print([id(o) in walked for o in (pydantic.BaseModel, loader.DeckFileModel,"
        " loader.parse_deck, loader.__dict__)], len(walked) < 5_000)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(studyapp.__file__).parent.parent))
    done = fresh_python("-c", child, env=env, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "[False, False, False, False] True"), (
        done.stderr
    )
