"""Where StudyApp's start-up goes: runs the real ``studyapp`` command with timers around
its phases and writes them as JSON.

``python benchmarks/startup_probe.py OUT.json -- --data-dir D --screenshot P --screen review``

Imports are timed in layers (the data stack and services, then PySide6, then the GUI
modules); the rest is timed by wrapping the functions the command calls, where they exist
(the GUI is still changing, so a missing one is simply not reported).
"""

import time

T0 = time.perf_counter()

import gc  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

# Run as a script, so measure the checkout's studyapp, as the other workers do.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

phases: dict[str, float] = {}
_last = T0


def _mark(name: str) -> None:
    global _last
    now = time.perf_counter()
    phases[name] = phases.get(name, 0.0) + now - _last
    _last = now


import studyapp.cli  # noqa: E402

gc.disable()  # as studyapp.cli.run does before the imports
_mark("import: studyapp.cli")
# What the screenshot's start-up imports before Qt, as it does (the services no longer
# import SQLAlchemy themselves: a Library opens its engine when first needed).
studyapp.cli._import_data_stack_before_qt()
_mark(
    "import: data stack + services "
    "(sqlalchemy + its SQLite dialect, fsrs_rs_python, nh3, platformdirs)"
)
import PySide6.QtWidgets  # noqa: E402, F401

_mark("import: PySide6 (QtCore, QtGui, QtWidgets)")
import studyapp.app  # noqa: E402

_mark("import: studyapp.app + studyapp.gui")

WRAPPED = {
    "studyapp.app:_application": "create QApplication",
    "studyapp.services.library:Library.__init__": "open store (engine, schema check)",
    "studyapp.services.library:Library.sync": "re-sync decks (nothing changed)",
    # (the deck list is built and read with the window only when it is the first screen:
    # a window made for a screenshot over a session makes it if it is shown, study_first)
    "studyapp.gui.mainwindow:MainWindow.__init__": "build main window (the overview if shown)",
    # (the review screen is made when the first session starts, not with the window)
    "studyapp.gui.mainwindow:MainWindow._on_study_requested": (
        "make the review screen, start session, first card"
    ),
    "studyapp.app:_grab": "paint + grab + save PNG",
}
timed: dict[str, float] = {}
_depth = [0]


def _wrap(owner: object, attr: str, label: str) -> None:
    original = getattr(owner, attr)

    def wrapper(*args: object, **kwargs: object) -> object:
        if _depth[0]:  # nested in another timed call: counted there
            return original(*args, **kwargs)
        _depth[0] += 1
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _depth[0] -= 1
            timed[label] = timed.get(label, 0.0) + time.perf_counter() - start

    setattr(owner, attr, wrapper)


for target, label in WRAPPED.items():
    module_name, _, path = target.partition(":")
    try:
        owner: object = importlib.import_module(module_name)
        *parents, attr = path.split(".")
        for part in parents:
            owner = getattr(owner, part)
        getattr(owner, attr)
    except (ImportError, AttributeError):
        continue
    _wrap(owner, attr, label)

out = sys.argv[1]
argv = sys.argv[sys.argv.index("--") + 1 :]
start = time.perf_counter()
code = studyapp.cli.run(argv)
run_total = time.perf_counter() - start
phases.update(timed)
# Nested timed calls count in their caller, so the timed phases are disjoint.
phases["other (argument parsing, session setup, widgets not listed)"] = run_total - sum(
    timed.values()
)
phases["in-process total"] = time.perf_counter() - T0
with open(out, "w", encoding="utf-8") as handle:
    json.dump({"code": code, "phases": phases}, handle)
sys.exit(code)
