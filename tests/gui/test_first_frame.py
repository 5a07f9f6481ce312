"""The window's first frame: the real overview, read before the library is opened (issue 19).

``studyapp`` paints the overview read on a plain sqlite3 connection, then opens the library
(SQLAlchemy, the services) and gives it to the window: the frame must show the library's own
counts, a request made meanwhile must wait and not be lost, and the first frame must not
have imported SQLAlchemy."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer

from studyapp.services.library import Library
from studyapp.services.overview import read_first_frame
from tests.conftest import Clock
from tests.freshpython import fresh_python

ROOT = Path(__file__).resolve().parents[2]


def _rows(window: Any) -> list[tuple[str, ...]]:
    model = window.overview.model
    rows = []
    for family in range(model.rowCount()):
        parent = model.index(family, 0)
        for row in [(family, None), *((r, parent) for r in range(model.rowCount(parent)))]:
            number, within = row
            cells = []
            for column in range(4):
                index = (
                    model.index(number, column, within) if within else model.index(number, column)
                )
                cells.append(str(model.data(index)))
            rows.append(tuple(cells))
    return rows


def test_the_first_frame_shows_the_librarys_overview_and_requests_wait_for_it(
    qtbot: Any, synced: Library, clock: Clock
) -> None:
    from studyapp.gui.mainwindow import MainWindow

    data_dir = synced.data_dir
    on_library = MainWindow(synced, clock=clock)
    qtbot.addWidget(on_library)
    on_library.resize(800, 600)
    on_library.show()
    qtbot.waitExposed(on_library)
    expected = (on_library.overview._subtitle.text(), _rows(on_library))
    picture = on_library.grab().toImage()
    on_library.close()
    synced.close()  # (its lock: the first read takes it, as a new start does)

    first = read_first_frame(data_dir, now=clock())
    assert first is not None and first.lock.held
    window = MainWindow(None, clock=clock, first=(first.settings, first.overview))
    qtbot.addWidget(window)
    window.resize(800, 600)
    window.show()
    qtbot.waitExposed(window)
    assert (window.overview._subtitle.text(), _rows(window)) == expected
    assert window.grab().toImage() == picture  # the same frame, to the pixel
    assert not window.ready

    qtbot.keyClick(window.overview, Qt.Key.Key_S)  # Study all, while the rest loads
    assert window.stack.currentWidget() is window.overview
    library = Library(data_dir, lock=first.lock)
    try:
        window.attach(library)
        assert window.ready
        assert window.stack.currentWidget() is window.review  # the S, done now
        assert window.review.card is not None
        window.review.leave()
    finally:
        window.close()
        library.close()
    assert not first.lock.held


def test_a_store_in_use_is_not_read_for_the_first_frame(synced: Library) -> None:
    """Another StudyApp holds the folder: no first frame (the library's open then says so,
    in its own words), and the lock stays the other one's."""
    assert read_first_frame(synced.data_dir) is None
    assert synced.folder.locked


_PROBE = """
import sys
from PySide6.QtCore import QTimer
from studyapp.gui import mainwindow

from studyapp.store import lock

# Not before the first frame: the data stack (DECISIONS 11), and (issue 19) filelock where
# the folder's lock is taken with flock itself, and the FSRS engine for settings without
# fitted parameters.
HEAVY = ("sqlalchemy", "sqlmodel", "pydantic") + (("filelock",) if lock._FLOCK else ())
HEAVY_MODULES = (
    "studyapp.core.scheduling",  # (no fitted parameters)
    "fsrs_rs_python",
    "studyapp.gui.messages",  # the message boxes: imported where one is shown
    # secrets (with hmac) and html (with its entity table): no module of the first frame's
    # path imports them (core.outfile names a file with os.urandom, core.printable escapes)
    "secrets",
    "hmac",
    "html",
    # the guard of SQLAlchemy's first import (~0.95 M instructions to import): imported
    # where SQLAlchemy is, never with a module of the first frame's path
    "studyapp.core.sqlalchemyload",
    # the card view's module (QUrl, QImage, QTextBrowser's types): the first frame's
    # tooltips come from studyapp.gui.tooltip
    "studyapp.gui.richtext",
    # the overview's rows are msgspec Structs (core.model's value types import msgspec)
    "dataclasses",
)
seen = {}
painted = mainwindow.MainWindow.paintEvent
attach = mainwindow.MainWindow.attach


def paint(self, event):
    if "heavy" not in seen:
        seen["heavy"] = sorted(
            m for m in sys.modules if m.split(".")[0] in HEAVY or m in HEAVY_MODULES
        )
        seen["ready"] = self.ready
        seen["subtitle"] = self.overview._subtitle.text()
    painted(self, event)


def attached(self, library):
    attach(self, library)
    seen["attached"] = "sqlalchemy" in sys.modules
    self.sync_done.connect(lambda _plan: QTimer.singleShot(0, self.close))


mainwindow.MainWindow.paintEvent = paint
mainwindow.MainWindow.attach = attached
from studyapp.cli import run

code = run(["--data-dir", sys.argv[1]])
print(code, seen)
"""


def test_studyapp_paints_the_overview_before_sqlalchemy_is_imported(synced: Library) -> None:
    """The real command (offscreen): the first frame is painted with the overview's counts
    and no SQLAlchemy, SQLModel or pydantic imported (DECISIONS 11), nor filelock (the
    folder's lock taken with flock) nor the FSRS engine (issue 19); the library is given
    to the window after it, and the start-up sync runs as before."""
    data_dir = synced.data_dir
    due = synced.overview().due_today  # (the start-up sync then adds the bundled decks)
    synced.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = fresh_python("-c", _PROBE, str(data_dir), env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    code, seen = done.stdout.strip().split(" ", 1)
    assert code == "0"
    total = due.new + due.learning + due.review
    assert seen == repr(
        {
            "heavy": [],
            "ready": False,
            "subtitle": f"{total}\u00a0cards to study today: {due.new}\u00a0new, "
            f"{due.learning}\u00a0learning, {due.review}\u00a0to\u00a0review",
            "attached": True,
        }
    )


_ORDER = """
import sys


class Order:
    seen = []

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        cls.seen.append(name)
        return None


sys.meta_path.insert(0, Order)
import studyapp.app

print(" ".join(Order.seen))
"""


def test_the_first_reads_modules_are_imported_before_pyside6() -> None:
    """studyapp.app imports the first frame's headless modules (no Qt) before PySide6,
    whose import hook reads the source of every module imported after it (issue 19)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = fresh_python("-c", _ORDER, env=env, timeout=120, check=True, cwd=ROOT)
    order = done.stdout.split()
    qt = order.index("PySide6")
    headless = [
        "studyapp.services.overview",
        "studyapp.services.settings",
        "studyapp.services.today",
        "studyapp.store.plain",
        "studyapp.store.queries",
        "studyapp.store.lock",
        "studyapp.services.paths",
        "studyapp.gui.xcbcheck",
        "sqlite3",
    ]
    assert [m for m in headless if order.index(m) > qt] == []
    assert order.index("studyapp.gui.mainwindow") > qt
    assert "studyapp.core.scheduling" not in order  # (the FSRS engine: after the frame)


def test_a_library_that_fails_to_open_after_the_first_frame_is_reported(
    qtbot: Any, synced: Library, monkeypatch: Any
) -> None:
    """The first read succeeded, the library's own open does not: the window closes and
    the failure is reported as when the library is opened first (one sentence, a dialog),
    with the folder's lock released."""
    import studyapp.app as app_module
    import studyapp.gui.safety as gui_safety
    import studyapp.services.library as library_module
    from studyapp.cli import build_parser
    from studyapp.core.errors import StoreReadOnly
    from studyapp.store.lock import StoreLock

    data_dir = synced.data_dir
    synced.close()
    failure = StoreReadOnly("The data folder is read-only (in this test).")

    def refuse(self: Library, *args: object, **kwargs: object) -> None:
        raise failure

    shown: list[BaseException] = []
    monkeypatch.setattr(library_module.Library, "__init__", refuse)
    monkeypatch.setattr(gui_safety, "show_storage_error", lambda _p, e: shown.append(e))
    args = build_parser().parse_args(["--data-dir", str(data_dir)])
    assert app_module.run(args) == 2
    assert shown == [failure]
    lock = StoreLock(data_dir)
    lock.acquire()  # released
    lock.release()
    fired: list[int] = []  # and Qt's event loops still run (no quit left pending)
    QTimer.singleShot(0, lambda: fired.append(1))
    qtbot.waitUntil(lambda: fired == [1])
