"""``python -m benchmarks.safety``: the safety net's costs, against issue 13's budgets.

Rows:

* backup snapshot of a 50,000-note store (SQLite's backup API, checked and synced, as
  ``Library.backup`` makes it): seconds and MB; budget 1 s.
* the start-up quick check (``PRAGMA quick_check``) at 50,000 and 200,000 notes: ms. It runs
  on a worker thread after the first paint, so its own time is not the budget; what the
  budget limits (20 ms) is what it adds before the first paint: the time from ``show()``
  to the window's first paint with the safety net started as the app starts it (on
  ``MainWindow.first_painted``), against the same window without it (fresh processes,
  alternating, medians), and that the check indeed started after the paint. The GUI
  thread's time to start the worker (after the paint) is reported beside it.

Each store is a generated course (benchmarks/course.py) synced by the app, plus answers
given through the session API. Exit status 0 when every budget holds, 1 otherwise.
Timings on a shared, busy machine are noise: the load average is printed with them.

    python -m benchmarks.safety                    # 50,000 and 200,000 notes
    python -m benchmarks.safety --sizes 5000       # a quick look
    python -m benchmarks.safety --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BACKUP_BUDGET_S = 1.0
PAINT_BUDGET_MS = 20.0
ANSWERS = 1000


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_store(notes: int, root: Path) -> Path:
    """A data folder holding a generated course of ``notes`` notes and some answers."""
    from benchmarks.course import generate
    from studyapp.core.model import Rating
    from studyapp.services.library import Library

    course = generate(notes, root / "course")
    data = root / "data"
    with Library(data) as library:
        plan = library.sync([course.folder])
        if not plan.ok:
            raise SystemExit("sync failed: " + "; ".join(map(str, plan.problems[:3])))
        # The window builds the search index after its sync: a trainee's store holds it, and
        # a backup leaves it out (drop and vacuum), which the backup row pays for.
        library.card_search().update_index()
        library.update_settings(library.settings.with_changes(new_per_day=ANSWERS))
        session = library.session()
        for i in range(ANSWERS):
            if session.next_card() is None:
                break
            session.answer((Rating.GOOD, Rating.AGAIN, Rating.EASY)[i % 3])
        session.close()
    return data


def cards_in(data: Path) -> int:
    import sqlite3

    db = sqlite3.connect(data / "studyapp.sqlite3")
    try:
        return int(db.execute("SELECT count(*) FROM card").fetchone()[0])
    finally:
        db.close()


def time_backup(data: Path, runs: int) -> dict[str, float]:
    from studyapp.services.safety import DataFolder

    folder = DataFolder(data, lock=True)
    seconds, size = [], 0
    try:
        for _ in range(runs):
            start = time.perf_counter()
            made = folder.backup("manual")
            seconds.append(time.perf_counter() - start)
            size = made.size
    finally:
        folder.release()
    return {"seconds": statistics.median(seconds), "mb": size / 1e6}


def time_quick_check(data: Path, runs: int) -> float:
    from studyapp.store.integrity import quick_check

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        problems = quick_check(data / "studyapp.sqlite3")
        times.append(time.perf_counter() - start)
        if problems:
            raise SystemExit(f"the benchmark store is damaged: {problems[0]}")
    return statistics.median(times) * 1000


_PAINT_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from studyapp.gui.mainwindow import MainWindow
from studyapp.services.library import Library

with_safety = sys.argv[2] == "1"
app = QApplication([])
library = Library(sys.argv[1])
window = MainWindow(library)
marks = {}

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and "paint" not in marks:
            marks["paint"] = time.perf_counter()
        return False

probe = FirstPaint()
for widget in [window, *window.findChildren(QObject)]:
    if hasattr(widget, "installEventFilter"):
        widget.installEventFilter(probe)
started = {}

def start_safety():
    begin = time.perf_counter()
    window.safety.start()
    started["gui_ms"] = (time.perf_counter() - begin) * 1000
    started["at"] = begin

shown = time.perf_counter()
window.show()
if with_safety:
    window.first_painted.connect(start_safety)  # as studyapp.app.run does
deadline = time.perf_counter() + 30
while "paint" not in marks and time.perf_counter() < deadline:
    app.processEvents()
if with_safety:
    with_check = []
    window.safety.checked.connect(with_check.append)
    while not with_check and time.perf_counter() < deadline:
        app.processEvents()
    window.safety.timer.stop()
result = {
    "paint_ms": (marks["paint"] - shown) * 1000,
    "gui_ms": started.get("gui_ms"),
    "check_started_after_paint": (started["at"] >= marks["paint"]) if started else None,
}
window.safety._started = False  # no closing backup from the probe
window.close()
library.close()
print(json.dumps(result))
"""


def paint_probe(data: Path, runs: int) -> dict[str, Any]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    found: dict[str, list[Any]] = {"off": [], "on": [], "gui": [], "after": []}
    for _ in range(runs):
        for flag in ("0", "1"):
            out = subprocess.run(
                [sys.executable, "-c", _PAINT_PROBE, str(data), flag],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            found["on" if flag == "1" else "off"].append(result["paint_ms"])
            if flag == "1":
                found["gui"].append(result["gui_ms"])
                found["after"].append(result["check_started_after_paint"])
    off, on = statistics.median(found["off"]), statistics.median(found["on"])
    return {
        "paint_ms_without": off,
        "paint_ms_with": on,
        "added_ms": on - off,
        "gui_thread_ms": statistics.median(found["gui"]),
        "check_after_paint": all(found["after"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.safety")
    parser.add_argument("--sizes", default="50000,200000", help="notes per store, comma-separated")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: list[dict[str, Any]] = []
    budgets: list[tuple[str, bool, str]] = []
    log(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared; timings are noise)")
    with tempfile.TemporaryDirectory(prefix="bench-safety-") as scratch:
        for notes in sizes:
            log(f"building a store of {notes:,} notes and {ANSWERS:,} answers…")
            data = build_store(notes, Path(scratch) / str(notes))
            cards = cards_in(data)
            check_ms = time_quick_check(data, args.runs)
            rows.append({"row": "quick check", "notes": notes, "cards": cards, "ms": check_ms})
            log(f"  {cards:,} cards: quick check {check_ms:.0f} ms (off the GUI thread)")
            if notes == sizes[0] or notes == 50_000:
                backup = time_backup(data, args.runs)
                rows.append({"row": "backup", "notes": notes, "cards": cards, **backup})
                log(f"  backup {backup['seconds']:.3f} s, {backup['mb']:.1f} MB")
                if notes >= 50_000:
                    budgets.append(
                        (
                            f"backup snapshot @ {notes:,} notes <= {BACKUP_BUDGET_S} s",
                            backup["seconds"] <= BACKUP_BUDGET_S,
                            f"{backup['seconds']:.3f} s, {backup['mb']:.1f} MB",
                        )
                    )
            paint = paint_probe(data, max(3, args.runs))
            rows.append({"row": "first paint", "notes": notes, "cards": cards, **paint})
            log(
                f"  first paint {paint['paint_ms_without']:.0f} ms without the safety net, "
                f"{paint['paint_ms_with']:.0f} ms with it; GUI thread in start "
                f"{paint['gui_thread_ms']:.1f} ms; check started after the paint: "
                f"{paint['check_after_paint']}"
            )
            # The check starts after the first paint (MainWindow.first_painted), so what it
            # adds before the paint is the difference of the two medians; the GUI thread's
            # time in start() comes after the paint (BackgroundTask collects garbage first).
            budgets.append(
                (
                    f"start-up check @ {notes:,} notes adds <= {PAINT_BUDGET_MS:.0f} ms "
                    "before the first paint",
                    paint["check_after_paint"] and paint["added_ms"] <= PAINT_BUDGET_MS,
                    f"first paint {paint['added_ms']:+.1f} ms (medians), check started after "
                    f"it: {paint['check_after_paint']}; then {paint['gui_thread_ms']:.0f} ms "
                    f"on the GUI thread to start it, {check_ms:.0f} ms on a worker",
                )
            )
    load = os.getloadavg()[0]
    print(f"{'row':<12} {'notes':>8} {'cards':>8}  figures")
    for row in rows:
        figures = {k: v for k, v in row.items() if k not in ("row", "notes", "cards")}
        text = ", ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()
        )
        print(f"{row['row']:<12} {row['notes']:>8,} {row['cards']:>8,}  {text}")
    for name, passed, detail in budgets:
        print(f"{'PASS' if passed else 'FAIL'}  {name}: {detail}")
    print(f"load average after: {load:.2f}")
    if args.json:
        args.json.write_text(
            json.dumps({"rows": rows, "budgets": budgets, "load": load}, indent=2) + "\n"
        )
    return 0 if all(passed for _, passed, _ in budgets) else 1


if __name__ == "__main__":
    raise SystemExit(main())
