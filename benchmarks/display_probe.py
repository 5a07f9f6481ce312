"""Start-up and responsiveness on a real display: first painted frame and event-loop gaps.

    python benchmarks/display_probe.py OUT.json bare
    python benchmarks/display_probe.py OUT.json app -- --data-dir DIR
    python benchmarks/display_probe.py OUT.json add-folder FOLDER -- --data-dir DIR

Run under a display (the benchmark starts Xvfb and sets ``QT_QPA_PLATFORM=xcb``).

``bare`` shows a bare PySide6 window (the floor); ``app`` runs the real ``studyapp`` command
(``studyapp.cli.run``, which syncs the decks off the GUI thread once the window is up);
``add-folder`` does the same, then, once that start-up sync is done, adds ``FOLDER`` through
the window's own File > Add deck folder (the folder dialog answers ``FOLDER``; the deck
format's code loaded first, as the headless import loads it before its clock) and waits for
that sync to finish (the new decks applied and shown), then keeps watching until the search
index's catch-up the window runs after it (its ``index_done``) has ended.

Written to OUT.json:

- ``painted_cpu_s``: the process's CPU time (user + sys, all threads) at that moment.
- ``painted_ns``: wall clock (``time.time_ns``) when the first frame of the main window was
  painted: a zero-delay timer posted when the window receives its first paint event fires
  after that event (painting and the flush to the X server) is done. The parent subtracts
  its own clock before the spawn.
- ``watched``: how the first paint was seen (the bare window's own event filter, or the
  main window's ``first_painted`` signal; an application-wide filter only for a window
  without that signal).
- ``gaps``: the event loop's longest stalls over the two seconds from the first paint
  (a 5 ms precise timer; a gap is the time between two ticks), with when each began
  (ms after the paint), and whether the start-up sync finished inside that window.
- for ``add-folder``: seconds from the menu action to the sync's end (``seconds``: the
  decks applied and shown in the overview), with the CPU time (``cpu_shown``, every thread,
  user + system; ``gui_cpu_shown``, the GUI thread's) and the longest gaps (``gaps_shown``)
  over that span; then seconds from the action to the search index current
  (``index_seconds``), with the CPU time (``cpu``, ``gui_cpu``) and the longest gaps
  (``gaps``) over the whole span, add and catch-up. Also the peak RSS (``VmHWM``) before the
  action and when the decks were shown (``rss_shown_mb``); the process's peak is read by
  the parent once it exits, so it covers the catch-up too. A window without ``index_done``
  (an older build) kept its index current inside the sync: its figures to the index are its
  figures to the sync's end.

An application-wide event filter is a Python call per event, so it is removed at the first
paint; the gap timer costs one Python call per 5 ms.
"""

import time

T0_NS = time.time_ns()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's studyapp

WINDOW_S = 2.0
TICK_MS = 5
ADD_TIMEOUT_S = 600.0

out_path = Path(sys.argv[1])
mode = sys.argv[2]
folder = sys.argv[3] if mode == "add-folder" else None
app_args = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else []
result: dict[str, Any] = {"mode": mode, "t0_ns": T0_NS}

if mode != "bare":
    import studyapp.cli


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Probe:
    """Made with the QApplication; watches the one window whose first paint it times."""

    def __init__(self, app: Any) -> None:
        from PySide6.QtCore import QEvent, QObject, Qt, QTimer

        self.app = app
        self.QTimer = QTimer
        self.paint_seen = False
        self.ticks: list[float] = []
        self.window: Any = None
        self.attached = False
        self.painted_at = 0.0
        self.sync_times: list[float] = []
        self.add_started = 0.0
        self.add_done = 0.0  # the decks applied and shown
        self.add_over = 0.0  # the search index current too
        self.add_cpu = (0.0, 0.0)  # (process, GUI thread) CPU time when the add began
        self.add_ticks: list[float] = []
        self.shown_ticks = 0  # how many of add_ticks were recorded by the decks' showing
        paint = QEvent.Type.Paint
        probe = self

        class Filter(QObject):
            def eventFilter(self, obj: Any, event: Any) -> bool:
                if (
                    not probe.paint_seen
                    and event.type() == paint
                    and getattr(obj, "isWindow", None) is not None
                    and obj.isWindow()
                    and obj.isVisible()
                ):
                    probe.paint_seen = True
                    probe.window = obj
                    QTimer.singleShot(0, probe.on_painted)
                return False

        self.filter = Filter()
        self.watched: Any = None
        self.timer = QTimer()
        self.precise = Qt.TimerType.PreciseTimer
        self.timer.setTimerType(self.precise)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.on_tick)
        self.window_timer = QTimer()
        self.window_timer.setSingleShot(True)
        self.window_timer.setTimerType(self.precise)
        self.window_timer.timeout.connect(self.on_window_over)

    def watch(self, obj: Any) -> None:
        """Time the first paint of the window ``obj`` (or of any window, for the app).

        A Python event filter on the whole application is a Python call per event, and
        shiboken makes a Python type for every kind of object it passes (153.6 M
        instructions of the app's 1,374.1 M to its first frame, startup-r14): a cost of the
        probe, paid by a window with many kinds of widgets far more than by the floor's bare
        one. So each mode watches only its window: the floor its bare window, the app its
        main window's own first_painted signal (see the app branch below).
        """
        self.watched = obj
        result["watched"] = "bare window" if mode == "bare" else "every window"
        obj.installEventFilter(self.filter)

    def painted(self, window: Any) -> None:
        """The main window's first paint pass is over (its ``first_painted`` signal)."""
        if not self.paint_seen:
            self.paint_seen = True
            self.window = window
            result["watched"] = "main window's first_painted"
            self.on_painted()

    def on_painted(self) -> None:
        now = time.perf_counter()
        result["painted_ns"] = time.time_ns()
        # CPU time of the whole process (every thread) from its start to the first frame:
        # on a busy machine the wall figure waits for a core, this one does not.
        result["painted_cpu_s"] = time.process_time()
        if self.watched is not None:
            self.watched.removeEventFilter(self.filter)
        self.painted_at = now
        self.ticks.append(now)
        self.timer.start()
        self.attach(self.window)
        self.window_timer.start(int(WINDOW_S * 1000))

    def attach(self, window: Any) -> None:
        """Listen to ``window``'s syncs (once): from its making, where it can be (the app's
        main window), so no sync's end is missed. Attached only at its first paint, a
        start-up sync that ended before that paint (a new store: its sync is started from a
        zero-delay timer beside the window's showing) was never seen, and the add-folder
        probe waited for it until the test's 120 s timeout (seen once in a full test run)."""
        if self.attached:
            return
        self.attached = True
        self.window = window
        done = getattr(window, "sync_done", None)
        if done is not None:
            done.connect(self.on_sync_done)
        indexed = getattr(window, "index_done", None)
        if indexed is not None:
            indexed.connect(self.on_index_done)

    def on_tick(self) -> None:
        now = time.perf_counter()
        if self.add_started and not self.add_over:
            self.add_ticks.append(now)
        elif now - self.painted_at <= WINDOW_S:
            self.ticks.append(now)

    def on_sync_done(self, plan: object) -> None:
        now = time.perf_counter()
        self.sync_times.append(now)
        if self.add_started and not self.add_done:
            self.add_done = now
            self.add_ticks.append(now)
            # The gaps to here are worked out once the watch is over (shown_gaps), not
            # now: this runs inside the window's slot that shows the decks, so sorting the
            # ticks here was the probe's own work counted in the app's gap after this tick
            # (0.6 ms of CPU for 950 ticks, 4.4 ms for 3,800, at load 14; guiadd-r15 saw
            # 5-10 ms of it in perf at 200,000 notes).
            self.shown_ticks = len(self.add_ticks)
            shown = {
                "seconds": self.add_done - self.add_started,
                "cpu_shown": time.process_time() - self.add_cpu[0],
                "gui_cpu_shown": time.thread_time() - self.add_cpu[1],
                "rss_shown_mb": vm_hwm_mb(),
                "summary": getattr(plan, "summary", lambda: repr(plan))(),
            }
            result["add_folder"] = shown
            catching_up = (
                getattr(self.window, "index_done", None) is not None
                and getattr(plan, "ok", False)
                and getattr(plan, "changes_anything", False)
            )
            if not catching_up:  # an older window: its index was kept current in the sync
                self.on_index_done()

    def on_index_done(self) -> None:
        if not self.add_done or self.add_over:
            return
        self.add_over = now = time.perf_counter()
        self.add_ticks.append(now)
        result["add_folder"].update(
            index_seconds=now - self.add_started,
            cpu=time.process_time() - self.add_cpu[0],
            gui_cpu=time.thread_time() - self.add_cpu[1],
            gaps=gaps(self.add_ticks, self.add_started),
        )
        self.finish()

    def shown_gaps(self) -> None:
        """The longest gaps from the action to the decks shown (``gaps_shown``), from the
        ticks recorded to then."""
        if self.add_done and "gaps_shown" not in result["add_folder"]:
            ticks = self.add_ticks[: self.shown_ticks]
            result["add_folder"]["gaps_shown"] = gaps(ticks, self.add_started)

    def on_window_over(self) -> None:
        # A stall that runs past the window's end counts up to the end (as any timer,
        # this one can fire late: then the loop was blocked).
        self.ticks.append(min(time.perf_counter(), self.painted_at + WINDOW_S))
        result["gaps"] = gaps(self.ticks, self.painted_at)
        result["sync_done_ms"] = [(t - self.painted_at) * 1000 for t in self.sync_times]
        if mode == "add-folder":
            self.start_add_folder()
        else:
            self.finish()

    def start_add_folder(self) -> None:
        # The start-up sync still running (none ended yet, or the window's task still under
        # way): wait for it, as File > Add deck folder would refuse to start beside it.
        task = getattr(self.window, "_task", None)
        if not self.sync_times or (task is not None and task.is_running()):
            result["add_waits"] = result.get("add_waits", 0) + 1
            self.QTimer.singleShot(50, self.start_add_folder)
            return
        from studyapp.gui import folderpicker

        def answer(*_args: object, **_kwargs: object) -> str:
            return str(folder)

        folderpicker.choose_folder = answer
        # The deck format's code is loaded before the clock, as the headless references
        # (workers.sa_import, sa_sync_folder) load it before theirs: the window loads it at
        # its first add (~0.16 s of CPU, 18 MB), which they would count nowhere.
        import studyapp.deckfile.loader  # noqa: F401

        result["rss_before_add_mb"] = vm_hwm_mb()
        self.add_cpu = (time.process_time(), time.thread_time())
        self.add_started = time.perf_counter()
        self.add_ticks.append(self.add_started)
        self.QTimer.singleShot(int(ADD_TIMEOUT_S * 1000), self.finish)
        self.window.add_deck_folder()

    def finish(self) -> None:
        self.timer.stop()
        self.shown_gaps()
        result["rss_mb"] = vm_hwm_mb()
        out_path.write_text(json.dumps(result), encoding="utf-8")
        # Closed as a user closes it: the window waits for its worker threads (a start-up
        # sync or check still running); quitting under them aborts the process.
        if self.window is not None:
            self.window.close()
        self.app.quit()


def gaps(ticks: list[float], origin: float) -> dict[str, Any]:
    """The longest intervals between consecutive ticks (ms), and when each began."""
    spans = sorted(((b - a, a) for a, b in zip(ticks, ticks[1:], strict=False)), reverse=True)
    return {
        "max_ms": spans[0][0] * 1000 if spans else float("nan"),
        "over_50ms": sum(1 for span, _ in spans if span > 0.050),
        "longest": [[span * 1000, (at - origin) * 1000] for span, at in spans[:5]],
        "ticks": len(ticks),
    }


if mode == "bare":
    from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

    qapp = QApplication(sys.argv[:1])
    probe = Probe(qapp)
    bare = QWidget()
    probe.watch(bare)
    QVBoxLayout(bare).addWidget(QLabel("A bare window"))
    bare.resize(1000, 700)
    bare.show()
    code = qapp.exec()
else:
    # The real command (cli._gui) starts the xcb check's ldd before it imports the GUI
    # modules, so ldd runs while they import and the window finds its answer ready.
    # Importing studyapp.app first (to wrap _application) would start it only when the
    # window asks, and the first frame would wait for the whole ldd (median 50 ms here),
    # a wait the command does not have. Same order as the command:
    if "--screenshot" not in app_args:
        from studyapp.gui import xcbcheck

        xcbcheck.start()
    import studyapp.app as gui_app
    from studyapp.gui.mainwindow import MainWindow  # imported by studyapp.app already

    made = gui_app._application
    window_class = MainWindow
    made_window = window_class.__init__
    # The main window says when its first paint pass is over (first_painted, emitted from
    # a zero-delay timer posted in its first paintEvent: the moment the filter below times).
    signalled = hasattr(window_class, "first_painted")

    def application(*, offscreen: bool = False) -> Any:
        qapp = made(offscreen=offscreen)
        if qapp not in probes:
            probes[qapp] = Probe(qapp)
            if not signalled:  # an older window: any window's first paint, as before
                probes[qapp].watch(qapp)
        return qapp

    def window_init(window: Any, *args: Any, **kwargs: Any) -> None:
        made_window(window, *args, **kwargs)
        if signalled:
            from PySide6.QtWidgets import QApplication

            probe = probes[QApplication.instance()]
            probe.attach(window)  # before the event loop runs: no sync's end is missed
            window.first_painted.connect(lambda: probe.painted(window))

    probes: dict[Any, Probe] = {}
    gui_app._application = application
    window_class.__init__ = window_init  # type: ignore[method-assign,assignment]
    code = studyapp.cli.run(app_args)
if not out_path.exists():
    out_path.write_text(json.dumps({**result, "error": f"exit {code} before a paint"}))
sys.exit(code)
