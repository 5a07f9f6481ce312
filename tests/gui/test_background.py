"""BackgroundTask: results arrive on the GUI thread; no garbage collection in the worker."""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

from studyapp.gui.background import BackgroundTask


def test_result_arrives_and_collector_is_paused_only_while_running(qtbot: Any) -> None:
    seen: dict[str, object] = {}

    def job() -> str:
        seen["gc_enabled_in_worker"] = gc.isenabled()
        seen["thread"] = threading.current_thread()
        return "done"

    assert gc.isenabled()
    task = BackgroundTask(job)
    with qtbot.waitSignal(task.finished, timeout=5_000) as blocker:
        task.start()
    assert blocker.args == ["done"]
    assert seen["gc_enabled_in_worker"] is False
    assert seen["thread"] is not threading.main_thread()
    assert gc.isenabled()


def test_a_failing_job_reports_and_restores_the_collector(qtbot: Any) -> None:
    def job() -> None:
        raise ValueError("bad deck")

    task = BackgroundTask(job)
    with qtbot.waitSignal(task.failed, timeout=5_000) as blocker:
        task.start()
    assert blocker.args == ["ValueError: bad deck"]
    assert gc.isenabled()


def test_the_gui_thread_can_wait_for_a_task_without_handling_its_result_first(
    qtbot: Any,
) -> None:
    """Closing the window waits for running tasks on the GUI thread, before the result is
    delivered there: the worker thread must end with its job (it used to run until the GUI
    thread handled the result, so the wait gave up, and the thread, destroyed while
    running, aborted the process)."""
    task = BackgroundTask(lambda: time.sleep(0.05))
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.start()
        started = time.monotonic()
        assert task.wait(5000) is True  # no events handled in between
        assert time.monotonic() - started < 4
        assert task.wait() is True  # no limit: returns as soon as the job has ended


def test_a_task_runs_until_its_result_is_delivered(qtbot: Any) -> None:
    """The worker thread ends with the job, before the result reaches the GUI thread; until
    it does, the task is still running to its callers (a statistics screen reported itself
    done and was read half-drawn; a second F5 could start a second sync)."""
    task = BackgroundTask(lambda: "done")
    assert not task.is_running()
    task.start()
    task.wait()  # the job is over, the result not yet delivered (no events processed)
    assert task.is_running()
    with qtbot.waitSignal(task.finished, timeout=5_000):
        pass
    assert not task.is_running()


def test_a_task_thread_has_a_large_stack() -> None:
    from studyapp.gui.background import STACK_BYTES

    task = BackgroundTask(lambda: None)
    assert task._thread.stackSize() == STACK_BYTES >= 64 * 1024 * 1024
