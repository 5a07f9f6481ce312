"""The native YAML parser is loaded by the main thread only (see studyapp.core.nativeyaml).

Each case runs in a fresh interpreter: the crash it guards against is a segmentation fault,
which must fail the test rather than end pytest, and only a fresh process shows which thread
loads the extension first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from studyapp.core.nativeyaml import native_yaml
from tests.freshpython import fresh_python

ROOT = Path(__file__).resolve().parents[2]

# The start-up loader's pattern: a worker thread imports the deck format's code and parses
# with it, then ends; later threads (glibc gives each the stack and thread pointer of the one
# that ended) parse too. With yaml_rs loaded by that first thread, mimalloc took it for the
# main thread, and the next thread in its place crashed in its first yaml_rs call (exit
# -11). Then the main thread loads the parser, and threads in the same places use it.
_THREADS = """
import json, os, sys, threading, time

TEXT = "title: T\\ncards:\\n" + "".join(
    f"  - front: question {i}\\n    back: answer {i}\\n" for i in range(3000)
)
seen = []

def parse():
    from studyapp.deckfile.yamlsource import load_fast

    fast = load_fast(TEXT)
    assert fast is None or len(fast["cards"]) == 3000
    seen.append([threading.get_ident(), fast is not None, "yaml_rs" in sys.modules])
    native.append(threading.get_native_id())

def gone(tid):
    # join() returns when Python is done with the thread, a little before the OS thread has
    # exited and glibc has cached its stack; on a busy machine the next thread then got a
    # fresh stack and the reuse this test needs did not happen. Wait for the exit itself.
    task = f"/proc/self/task/{tid}"
    deadline = time.monotonic() + 10
    while os.path.exists(task) and time.monotonic() < deadline:
        time.sleep(0.001)

native = []

def in_turn(count):
    for _ in range(count):
        thread = threading.Thread(target=parse)
        thread.start()
        thread.join()
        gone(native[-1])

in_turn(6)
from studyapp.core.nativeyaml import native_yaml
assert native_yaml() is not None  # this is the main thread: loaded now
in_turn(6)
print(json.dumps(seen))
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    return fresh_python("-c", code, env=env, timeout=120)


def test_a_worker_thread_never_loads_the_parser_and_threads_in_its_place_live() -> None:
    done = _run(_THREADS)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    seen = json.loads(done.stdout)
    before, after = seen[:6], seen[6:]
    first = before[0][0]
    # The case that crashed: later threads in the place of the first one.
    assert [ident for ident, _, _ in seen[1:]].count(first) >= 2
    # Before the main thread loads it, workers read with PyYAML and load nothing native.
    assert all(not fast and not loaded for _, fast, loaded in before)
    # Once it has, they all take the fast path.
    assert all(fast and loaded for _, fast, loaded in after)


_TASKS = """
import json, threading
from PySide6.QtWidgets import QApplication
from studyapp.gui.background import BackgroundTask

TEXT = "title: T\\ncards:\\n" + "".join(
    f"  - front: question {i}\\n    back: answer {i}\\n" for i in range(3000)
)
app = QApplication([])
seen = []

def job():
    from studyapp.deckfile.yamlsource import load_fast

    return threading.get_ident(), load_fast(TEXT) is not None

for _ in range(4):
    task = BackgroundTask(job)
    task.finished.connect(lambda result: (seen.append(result), app.quit()))
    task.start()
    app.exec()
print(json.dumps([[ident != threading.main_thread().ident, fast] for ident, fast in seen]))
"""


def test_a_background_task_has_the_parser_loaded_by_the_gui_thread_first() -> None:
    """The GUI's start-up loader imported the deck format's code on its thread: every task
    now starts with the parser loaded on the GUI thread, so tasks take the fast path."""
    done = _run(_TASKS)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert json.loads(done.stdout) == [[True, True]] * 4  # off the GUI thread, fast


def test_the_main_thread_loads_it_and_workers_then_share_it() -> None:
    loaded = native_yaml()  # pytest's main thread
    assert loaded is not None and loaded is sys.modules["yaml_rs"]
    got: list[object] = []
    thread = threading.Thread(target=lambda: got.append(native_yaml()))
    thread.start()
    thread.join()
    assert got == [loaded]
