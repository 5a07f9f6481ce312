"""BackgroundTask: results arrive on the GUI thread; no garbage collection in the worker."""

from __future__ import annotations

import gc
import threading
import time
import weakref
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
    qtbot.waitUntil(gc.isenabled, timeout=5_000)  # in the turn after the result's


def test_a_failing_job_reports_and_restores_the_collector(qtbot: Any) -> None:
    def job() -> None:
        raise ValueError("bad deck")

    task = BackgroundTask(job)
    with qtbot.waitSignal(task.failed, timeout=5_000) as blocker:
        task.start()
    assert blocker.args == ["ValueError: bad deck"]
    qtbot.waitUntil(gc.isenabled, timeout=5_000)


class _Result:
    """A task's result holding many containers (as a sync plan holds its note ids)."""

    def __init__(self) -> None:
        self.rows = [[n] for n in range(5_000)]


def test_no_collection_walks_a_result_while_its_slots_handle_it(qtbot: Any) -> None:
    """The collector comes back on after the result has been handled and dropped: switched
    on before the slots ran, their first allocations collected the young generation with
    the whole result in it (adding 200,000 notes: the plan's note ids, walked twice on the
    GUI thread, most of the turn that shows the new decks)."""
    result: list[weakref.ref[_Result]] = []
    walked_alive: list[bool] = []

    def job() -> _Result:
        made = _Result()
        result.append(weakref.ref(made))
        return made

    def collecting(phase: str, _info: dict[str, int]) -> None:
        if phase == "start" and result:
            walked_alive.append(result[0]() is not None)

    def handle(made: _Result) -> None:
        assert len(made.rows) == 5_000
        for _ in range(3):
            [[n] for n in range(1_000)]  # a slot's allocations

    task = BackgroundTask(job)
    task.finished.connect(handle)
    gc.callbacks.append(collecting)
    try:
        with qtbot.waitSignal(task.finished, timeout=5_000):
            task.start()
        qtbot.waitUntil(gc.isenabled, timeout=5_000)
        assert result and result[0]() is None  # handled and dropped
        gc.collect()
    finally:
        gc.callbacks.remove(collecting)
    assert walked_alive and not any(walked_alive)


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


def test_the_collector_comes_back_after_the_repaint_a_result_asks_for(qtbot: Any) -> None:
    """A task's result slot asks for a repaint (the new decks' overview after an added
    folder): that paint runs, then the loop handles its due timers, and only then does the
    collector come back on (its first allocation collects everything the task left alive).
    Switched on by a zero-delay call it came on in the same pass as the paint, before it, so
    the collection and the paint made one turn with no timer or input between them."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QPaintEvent
    from PySide6.QtWidgets import QWidget

    order: list[tuple[str, bool]] = []

    class Painted(QWidget):
        def paintEvent(self, event: QPaintEvent) -> None:
            order.append(("paint", gc.isenabled()))

    widget = Painted()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    tick = QTimer()
    tick.setTimerType(Qt.TimerType.PreciseTimer)
    tick.setInterval(0)
    tick.timeout.connect(lambda: order.append(("tick", gc.isenabled())))

    def handle(_result: object) -> None:
        order.clear()
        order.append(("slot", gc.isenabled()))
        widget.update()
        time.sleep(0.005)  # the slot's work: the tick is due when it returns

    task = BackgroundTask(lambda: None)
    task.finished.connect(handle)
    with qtbot.waitSignal(task.finished, timeout=5_000):
        task.start()
        tick.start()
    qtbot.waitUntil(gc.isenabled, timeout=5_000)
    qtbot.waitUntil(lambda: len(order) > 3 and order[-1][1], timeout=5_000)
    tick.stop()
    painted = order.index(("paint", False))  # painted with the collector still off
    on = next(i for i, (_what, enabled) in enumerate(order) if enabled)
    assert painted < on
    assert ("tick", False) in order[painted:on]  # a turn for timers between the two
