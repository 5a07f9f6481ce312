"""The main window: overview, review and summary screens, menus, and deck syncing."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QStackedWidget,
)

from studyapp.core.errors import KnownError, StorageError, StoreCorrupt, StoreLocked
from studyapp.core.gcpause import pause_for_task, resume_after_task
from studyapp.core.model import FLAG_NAMES
from studyapp.core.studyday import utc_now
from studyapp.gui.background import BackgroundTask
from studyapp.gui.elided import MESSAGE_SHOWN_MS, StatusLine
from studyapp.gui.theme import apply_theme
from studyapp.services.overview import Overview, ScopeChoice
from studyapp.services.settings import Settings

# Only what the first frame needs (the overview, the menus, the status bar) is imported
# here: the study screens, dialogs and services are imported where they are first used,
# so the window can paint its first frame before SQLAlchemy and the services are imported
# (see studyapp.app.run; 0.25-0.3 s of start-up, issue 19).
#
# The message boxes (studyapp.gui.messages, with QMessageBox and QDialogButtonBox) and the
# file, input and progress dialogs are imported by the methods that show one: their module
# and Qt types (with their enums) are no longer made before the window's first frame (their
# import after the window's other modules: 2.4-3.2 ms of CPU, 5 runs; issue 19).
if TYPE_CHECKING:
    from PySide6.QtWidgets import QInputDialog, QProgressDialog

    from studyapp.gui.browser import BrowserWindow
    from studyapp.gui.deck_options import DeckOptionsDialog
    from studyapp.gui.folders_dialog import DeckFoldersDialog
    from studyapp.gui.optimize_dialog import OptimizeDialog
    from studyapp.gui.overview import OverviewScreen
    from studyapp.gui.problems import ProblemsDialog
    from studyapp.gui.review import ReviewScreen
    from studyapp.gui.safetynet import SafetyNet
    from studyapp.gui.settings_dialog import SettingsDialog
    from studyapp.gui.statistics import StatisticsScreen
    from studyapp.gui.summary import SummaryScreen
    from studyapp.services.fsrs import OptimizeResult
    from studyapp.services.library import Library, Problem
    from studyapp.services.safety import BackupInfo
    from studyapp.services.study import CardView, SessionSummary
    from studyapp.services.sync import SyncPlan

__all__ = ["MainWindow"]

SHORTCUTS = """<table cellpadding="4">
<tr><td><b>Space</b> / <b>Enter</b></td><td>show the answer</td></tr>
<tr><td><b>1</b> <b>2</b> <b>3</b> <b>4</b></td><td>Again, Hard, Good, Easy</td></tr>
<tr><td><b>Space</b> / <b>Enter</b></td><td>Good, once the answer shows</td></tr>
<tr><td><b>Ctrl+Z</b></td><td>undo the last answer or action (several times, also after
the session)</td></tr>
<tr><td><b>@</b></td><td>suspend the card (until you unsuspend it in the browser)</td></tr>
<tr><td><b>-</b></td><td>bury the card until tomorrow</td></tr>
<tr><td><b>L</b></td><td>Not now: put a card off to another day (no review, no lapse)</td></tr>
<tr><td><b>Ctrl+1</b>..<b>4</b></td><td>flag the card red, orange, green, blue
(the same again: off)</td></tr>
<tr><td><b>I</b></td><td>card details: history and memory state</td></tr>
<tr><td><b>N</b></td><td>your own note on the card</td></tr>
<tr><td><b>Z</b></td><td>see the card's picture as big as the window (or click it; Esc
closes)</td></tr>
<tr><td><b>Esc</b></td><td>leave the session</td></tr>
<tr><td><b>S</b></td><td>study everything due (deck list)</td></tr>
<tr><td><b>B</b> / <b>Ctrl+B</b></td><td>browse and search every card (deck list / anywhere)
</td></tr>
<tr><td><i>in the browser</i></td><td><b>Ctrl+F</b> search box, <b>Ctrl+J</b> suspend,
<b>Ctrl+Shift+J</b> bury, <b>Ctrl+1</b>..<b>4</b> flag, <b>Ctrl+Alt+N</b> forget,
<b>Ctrl+Shift+D</b> set due date, <b>Ctrl+Z</b> undo, <b>Esc</b> close</td></tr>
<tr><td><b>T</b> / <b>Ctrl+T</b></td><td>statistics and readiness (Esc goes back)</td></tr>
<tr><td><b>O</b></td><td>deck options of the selected deck (deck list)</td></tr>
<tr><td><b>G</b></td><td>group the deck list by course module, or by family again</td></tr>
<tr><td><b>Ctrl+Shift+C</b></td><td>cram a search (or the browser's search): study its
cards without changing their schedule</td></tr>
<tr><td><b>Ctrl+,</b></td><td>settings</td></tr>
<tr><td><b>F5</b></td><td>sync decks</td></tr>
<tr><td><b>Ctrl+O</b></td><td>add a deck folder</td></tr>
<tr><td><b>Ctrl+Q</b></td><td>quit</td></tr>
<tr><td><b>F1</b></td><td>this list</td></tr>
</table>"""


CRAM_PROMPT = (
    "Study the cards a search finds without changing their schedule. For example "
    "family:safety, module:2, prop:r<0.9 or tag:ethics"
)
"""Study > Cram a search…'s prompt. It ended 'tag:ethics:', the prompt's colon read as part
of the last example (a search for the tag 'ethics:'); nothing follows the last one."""


def _folder_shown(folder: Path) -> str:
    """A folder as the add's dialog and status name it: with its parent, since a course's
    folder of decks is 'decks' (studyapp init makes one), and "Reading the decks in decks…"
    or "Added the folder decks" named nothing."""
    if not folder.name:
        return str(folder)
    return f"{folder.parent.name}/{folder.name}" if folder.parent.name else folder.name


_PROGRESS_POLL_MS = 200
"""How often the GUI thread reads a background sync's progress (see :class:`_SyncProgress`)."""


class _SyncProgress:
    """A background sync's progress: counters the worker thread writes and the GUI thread
    reads on a timer (:data:`_PROGRESS_POLL_MS`), instead of a queued signal per deck file.

    Each signal woke the GUI thread, which then took the GIL from the import to run a slot
    and repaint the modal dialog (``QProgressDialog.setValue`` processes events): ~3 ms of
    GUI-thread work per deck file, 50 times at 50,000 notes and 200 at 200,000, each a GIL
    switch away from the parsing. Polled, the dialog moves at most five times a second
    whatever the folder's size. Two ints, each written in one step under the GIL (``total``
    first, so the GUI thread never sees more files read than there are)."""

    __slots__ = ("done", "shown", "total")

    def __init__(self) -> None:
        self.done = 0
        self.total = 0
        self.shown = (-1, -1)

    def report(self, done: int, total: int) -> None:  # on the worker thread
        self.total = total
        self.done = done

    def show(self, dialog: QProgressDialog) -> None:  # on the GUI thread
        now = (self.done, self.total)
        if now == self.shown or not dialog.isVisible():
            return
        self.shown = now
        dialog.setMaximum(now[1])
        dialog.setValue(now[0])


_AFTER_PAINT_LIMIT_MS = 200
"""How long the index's catch-up waits for the window to paint the new decks at most."""

_STATUS_SHOWN_MS = MESSAGE_SHOWN_MS
"""How long the status line shows what an action did (a name tests can shorten)."""

_DAMAGED_STATUS = "The study store is damaged: nothing more is saved"
"""The status line while the store is damaged: a state, not news, so it stays."""

_INDEXING_SHOWN_MS = 400
"""How long the search index's catch-up after an added folder runs before the status bar
says so (a small folder's is over before anyone could read it)."""


class _AfterPaint(QObject):
    """Runs ``callback`` on the GUI thread once ``window``'s next paint pass is over (the
    UpdateRequest Qt posts to a window with widgets to repaint has been handled), or after
    ``limit_ms`` if nothing repaints (a minimized window). A filter on that one window for
    that one wait, not a Python call per event for the window's life."""

    def __init__(self, window: QMainWindow, callback: Callable[[], object], limit_ms: int):
        super().__init__(window)
        self._window = window
        self._callback: Callable[[], object] | None = callback
        window.installEventFilter(self)
        QTimer.singleShot(limit_ms, self, self._fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.UpdateRequest:
            QTimer.singleShot(0, self, self._fire)  # runs once this event is handled
        return False

    def _fire(self) -> None:
        if self._callback is None:
            return
        callback, self._callback = self._callback, None
        self._window.removeEventFilter(self)
        self.deleteLater()
        callback()


_CONFIRM_LINES = 12
"""Changed cards listed in the "Apply deck update?" question (the rest are counted)."""


class MainWindow(QMainWindow):
    """Composes the screens; every decision is made by the services it calls.

    Signals:
        sync_done(object): a background sync finished (its plan), for tests and tools.
        index_done(): the search index's catch-up after an added folder ended (see
            :meth:`import_folder`).
        report_saved(object): File > Export report… wrote the PDF (its path).
    """

    sync_done = Signal(object)
    index_done = Signal()
    first_painted = Signal()
    report_saved = Signal(object)

    library: Library
    safety: SafetyNet

    def __init__(
        self,
        library: Library | None,
        *,
        clock: Callable[[], datetime] | None = None,
        first: tuple[Settings, Overview] | None = None,
        study_first: bool = False,
    ) -> None:
        """The window on ``library``; or, with ``library`` None, its first frame drawn from
        ``first`` (the settings and overview read before the library was opened, see
        :func:`studyapp.app.run`). Such a window is usable once :meth:`attach` gives it the
        library: menu actions and the overview's requests made before wait for it.

        ``study_first``: the caller starts a session before the window is first painted
        (the review's screenshot, :func:`studyapp.app.render_screen`), so the deck list is
        not on screen: it is made and read when it is first shown (:attr:`overview`), once,
        and updated in place afterwards, as the window's own. Its read and screen were
        ~29 ms of the review start-up's CPU at 200,000 notes (the read 16.3, the screen
        9.8, filling it 2.7: medians of 3; issue 19)."""
        super().__init__()
        self._clock = clock
        self.setWindowTitle("StudyApp")
        self.resize(1000, 700)
        self.setMinimumSize(720, 520)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        if library is not None:
            settings = library.settings
        else:
            assert first is not None, "a window needs its library or its first frame"
            settings = first[0]
        self.colors = apply_theme(app, settings.theme, settings.font_size)
        self._ready = False
        self._waiting: list[Callable[[], object]] = []

        self.stack = QStackedWidget()
        self._overview: OverviewScreen | None = None
        self._statistics: StatisticsScreen | None = None
        self._review: ReviewScreen | None = None
        self._summary: SummaryScreen | None = None
        self.setCentralWidget(self.stack)
        if not study_first:
            self._make_overview()

        self._busy = QProgressBar()
        self._busy.setRange(0, 0)
        self._busy.setMaximumWidth(160)
        self._busy.setVisible(False)
        # Plain text: it names files and folders. A result shown over a damaged store (an
        # undo, a report) gives the line back to the damage.
        self._status = StatusLine(
            lambda: _DAMAGED_STATUS if self.library.damage is not None else ""
        )
        self.statusBar().addWidget(self._status, 1)
        # Its own place, so the line it follows (an added folder's summary) stays whole.
        self._indexing_note = QLabel("Indexing the new cards for search…")
        self._indexing_note.setVisible(False)
        self.statusBar().addPermanentWidget(self._indexing_note)
        self.statusBar().addPermanentWidget(self._busy)
        self._task: BackgroundTask | None = None
        self._indexing: BackgroundTask | None = None
        self.browser: BrowserWindow | None = None
        self._overview_stale = False
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self._on_focus_window)
        self._optimizer: BackgroundTask | None = None
        self.optimize_dialog: OptimizeDialog | None = None
        """The last Optimize result shown (for tests and tools)."""
        self.blocked: dict[str, list[Problem]] = {}
        """The added folders the last deck update held back, with their problems."""
        self.problems_dialog: ProblemsDialog | None = None
        self._report_task: BackgroundTask | None = None
        self._task_error: BaseException | None = None
        self._report_error: BaseException | None = None
        self._unsaved_notes: dict[str, str] = {}
        """Notes the store refused, by note id: offered again the next time (N)."""
        self._optimize_error: BaseException | None = None
        self._painted = False
        self._closed = False
        self._build_menus()
        if library is not None:
            self.attach(library)
            if study_first:
                # Should no session start before the first paint, the deck list is shown.
                QTimer.singleShot(0, self, self._show_a_screen)
            else:
                self.show_overview()
        else:
            assert first is not None
            self.overview.show_overview(first[1], self.now())
            self.stack.setCurrentWidget(self.overview)
            self.overview.setFocus()

    @property
    def overview(self) -> OverviewScreen:
        """The deck list: made with the window, or, for a window made ``study_first``, when
        first shown (or asked for)."""
        if self._overview is None:
            return self._make_overview()
        return self._overview

    def _make_overview(self) -> OverviewScreen:
        # Imported here: a window made study_first never imports the deck list's module
        # unless it is shown (its Qt types and their enums: the review start-up 2,426.1 ->
        # 2,403.9 M instructions, callgrind, 200,000 notes, -0.9%; issue 19).
        from studyapp.gui.overview import OverviewScreen

        screen = OverviewScreen(self.colors)
        self.stack.insertWidget(0, screen)  # (a current screen stays current)
        when_ready = self._when_ready
        screen.study_requested.connect(when_ready(self._on_study_requested))
        screen.statistics_requested.connect(when_ready(self.show_statistics))
        screen.browse_requested.connect(when_ready(self.open_browser))
        screen.options_requested.connect(when_ready(self.open_deck_options))
        screen.grouping_changed.connect(when_ready(self._on_grouping_changed))
        screen.module_chosen.connect(when_ready(self._on_module_chosen))
        self._overview = screen
        return screen

    def _overview_shown(self) -> bool:
        """The deck list is the current screen (False before it was ever made)."""
        return self._overview is not None and self.stack.currentWidget() is self._overview

    def _set_loading(self, loading: bool) -> None:
        """The deck list says whether the decks are loading (one made later is told when
        it is first shown: :meth:`show_overview`)."""
        if self._overview is not None:
            self._overview.set_loading(loading)

    @Slot()
    def _show_a_screen(self) -> None:
        if self.stack.currentWidget() is None:
            self.show_overview()

    def attach(self, library: Library) -> None:
        """Give the window its library: the safety net is made, and what was asked for
        meanwhile runs now, in order. (The review and summary screens are made when first
        shown: :attr:`review`, :attr:`summary`.)"""
        from studyapp.gui.safetynet import SafetyNet

        self.library = library
        self.safety = SafetyNet(library, self)
        self.safety.damaged.connect(self.on_store_damaged)
        self._day_timer = QTimer(self)
        self._day_timer.setSingleShot(True)
        self._day_timer.timeout.connect(self._on_day_timer)
        self._arm_day_timer()
        self._ready = True
        waiting, self._waiting = self._waiting, []
        for request in waiting:
            request()

    def _arm_day_timer(self) -> None:
        """Set the timer for the start of the next study day (looked at again within the
        hour: a changed clock, rollover hour or time zone)."""
        from studyapp.core.studyday import study_day

        now = self.now()
        day = study_day(now, rollover_hour=self.library.settings.rollover_hour)
        self._timer_day = day.start
        left_ms = int((day.end - now).total_seconds() * 1000) + 1000
        self._day_timer.start(max(1000, min(left_ms, 3_600_000)))

    @Slot()
    def _on_day_timer(self) -> None:
        """A new study day: the deck list on screen shows its counts (it kept yesterday's, "0
        cards to study today", until something redrew it). A session goes on as it is."""
        from studyapp.core.studyday import study_day

        day = study_day(self.now(), rollover_hour=self.library.settings.rollover_hour)
        if day.start != self._timer_day and self._overview_shown():
            if self._task is not None and self._task.is_running():
                self._day_timer.start(60_000)  # a deck update is drawing it: after that
                return
            self.show_overview()
        self._arm_day_timer()

    @property
    def review(self) -> ReviewScreen:
        """The review screen, made when first needed (a session starts, or a caller asks
        for it), in the theme and font size of that moment. Attaching the library no longer
        builds it (nor the summary) with the window: :meth:`attach`, the GUI thread's step
        after the first frame, 22 -> 5.5 ms of CPU at 200,000 notes (medians of 7,
        interleaved, load 6.7; the screen, its module, the card's HTML and the pictures'
        module with Qt SVG). The first session pays them once (issue 19)."""
        if self._review is None:
            from studyapp.gui.review import ReviewScreen

            screen = ReviewScreen(self.colors, self.library.settings.font_size)
            self.stack.addWidget(screen)
            screen.session_finished.connect(self._on_session_finished)
            screen.details_requested.connect(self._on_details_requested)
            screen.note_requested.connect(self._on_note_requested)
            screen.storage_failed.connect(self._on_storage_failed)
            self._review = screen
        return self._review

    @property
    def summary(self) -> SummaryScreen:
        """The session summary, made when a session first ends."""
        if self._summary is None:
            from studyapp.gui.summary import SummaryScreen

            screen = SummaryScreen(self.colors)
            self.stack.addWidget(screen)
            screen.back_requested.connect(lambda: self.show_overview())
            self._summary = screen
        return self._summary

    def _on_review(self, action: Callable[[ReviewScreen], object]) -> None:
        """A review menu action (suspend, bury, flag, leave...): nothing to act on before
        the review screen was ever made."""
        if self._review is not None:
            action(self._review)

    @property
    def ready(self) -> bool:
        """The window has its library (:meth:`attach`)."""
        return self._ready

    def _when_ready(self, slot: Callable[..., object]) -> Callable[..., None]:
        """``slot``, or, before :meth:`attach`, ``slot`` kept to run once it is done (a key
        pressed while the rest of the app loads is not lost)."""

        def run(*args: object) -> None:
            if self._ready:
                slot(*args)
            else:
                self._waiting.append(functools.partial(slot, *args))

        return run

    # -- menus -----------------------------------------------------------------------------
    def _action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        shortcut: str | None = None,
        tip: str | None = None,
    ) -> QAction:
        # QAction(parent), not QAction(text, parent): the latter is resolved against the
        # (QIcon, text, parent) overload, which builds QIcon's Python type and enums on the
        # start-up to the first card: 2,297.5 -> 2,287.2 M instructions (-0.45%, callgrind
        # of the review row at 200,000 notes, 2 runs each).
        action = QAction(self)
        action.setText(text)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            action.setToolTip(tip)
        ready_slot = self._when_ready(slot)
        action.triggered.connect(lambda: ready_slot())  # (not the action's checked flag)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "Add deck folder…", self.add_deck_folder, "Ctrl+O")
        self._action(file_menu, "Deck folders…", self.open_deck_folders)
        self._action(file_menu, "Sync decks", self.start_sync, "F5")
        self._action(file_menu, "Export report…", self.export_report)
        self._action(file_menu, "Backups…", self.open_backups)
        file_menu.addSeparator()
        self._action(file_menu, "Quit", self.close, "Ctrl+Q")
        study = bar.addMenu("&Study")
        # Single-letter keys are handled by the screens; the menus show them without
        # registering them window-wide (the text after a tab is display only).
        self._action(
            study, "Study all due\tS", lambda: self._on_study_requested(ScopeChoice.everything())
        )
        self.undo_action = self._action(study, "Undo", self.undo, "Ctrl+Z")
        study.aboutToShow.connect(self._refresh_undo)
        study.addSeparator()
        self._action(study, "Suspend card\t@", lambda: self._on_review(lambda r: r.suspend()))
        self._action(
            study, "Bury card until tomorrow\t-", lambda: self._on_review(lambda r: r.bury())
        )
        self._action(study, "Not now\tL", lambda: self._on_review(lambda r: r.not_now()))
        flags = study.addMenu("Flag card")
        for number, name in FLAG_NAMES.items():
            self._action(
                flags,
                f"{name.capitalize()}\tCtrl+{number}",
                functools.partial(self._toggle_flag, number),
            )
        study.addSeparator()
        self._action(study, "Cram a search…", self.ask_cram, "Ctrl+Shift+C")
        study.addSeparator()
        self._action(study, "Card details\tI", self._details_of_current)
        self._action(study, "Note on this card\tN", self._note_on_current)
        self._action(study, "Back to decks\tEsc", lambda: self._on_review(lambda r: r.leave()))
        tools = bar.addMenu("&Tools")
        self._action(tools, "Browse cards", lambda: self.open_browser(), "Ctrl+B")
        self._action(tools, "Statistics", self.show_statistics, "Ctrl+T")
        self._action(tools, "Deck options…\tO", self.open_deck_options)
        self._action(tools, "Optimize…", self.optimize)
        self._action(tools, "Settings…", self.open_settings, "Ctrl+,")
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "Keyboard shortcuts", self._show_shortcuts, "F1")

    def _toggle_flag(self, number: int) -> None:
        self._on_review(lambda r: r.toggle_flag(number))

    # -- screens ---------------------------------------------------------------------------
    def now(self) -> datetime:
        return self._clock() if self._clock else utc_now()

    @Slot()
    def show_overview(self, overview: Overview | None = None) -> None:
        """The deck list; ``overview`` when it was just computed (off the GUI thread)."""
        loading = self._task is not None and self._task.is_running()
        now = self.now()
        if overview is None:
            try:
                overview = self.library.overview(now)
            except StorageError as exc:
                if not (isinstance(exc, StoreCorrupt) and self.library.damage is not None):
                    self._storage_error(exc, refresh=False)
                # (damage already reported: the status line says so; the list stays as
                # it was drawn)
                return
        self.overview.show_overview(overview, now, loading=loading)
        self.stack.setCurrentWidget(self.overview)
        self.overview.setFocus()

    def _say(self, text: str, *, stays: bool = False) -> None:
        """Put ``text`` on the status line (:meth:`StatusLine.say`). What an action did (its
        result) clears after :data:`_STATUS_SHOWN_MS`; ``stays`` is for what is still true
        while it shows: work under way (its result replaces it) and a damaged store."""
        self._status.say(text, stays=stays, shown_ms=_STATUS_SHOWN_MS)

    @Slot(bool)
    def _on_grouping_changed(self, by_module: bool) -> None:
        """The overview grouped by family or by course module (remembered)."""
        self._save_settings(self.library.settings.with_changes(overview_by_module=by_module))
        self.show_overview()

    @Slot(int)
    def _on_module_chosen(self, number: int) -> None:
        """'I am in this module': new cards from it and the modules before it (a setting)."""
        if not self._save_settings(self.library.settings.with_changes(current_module=number)):
            return
        first = "module 1" if number == 1 else f"modules 1 to {number}"
        self._say(f"New cards now come from {first}")
        self.show_overview()

    @property
    def statistics(self) -> StatisticsScreen:
        """The statistics screen, made when first shown: its charts cost ~50 ms to build
        and Qt Charts ~25 ms to import, which the window's first paint need not wait for."""
        if self._statistics is None:
            from studyapp.gui.statistics import StatisticsScreen

            screen = StatisticsScreen(self.colors)
            self.stack.addWidget(screen)
            screen.back_requested.connect(lambda: self.show_overview())
            screen.exam_date_chosen.connect(self._on_exam_date_chosen)
            self._statistics = screen
        return self._statistics

    @Slot()
    def show_statistics(self) -> None:
        """The statistics screen, all decks, computed afresh (the rest off the GUI thread)."""
        from studyapp.services.stats import Statistics

        clock = self._clock or utc_now
        statistics = Statistics(self.library.engine, self.library.settings, clock=clock)
        self.stack.setCurrentWidget(self.statistics)
        # A storage failure (here or in the figures computed after) goes through
        # show_storage_error to handle_storage_error: damage returns to the deck list.
        self.statistics.start(statistics, self.library.settings.exam)
        if self.stack.currentWidget() is self.statistics:
            self.statistics.setFocus()

    @Slot()
    def export_report(self) -> None:
        """File > Export report…: the supervisor's PDF, for the statistics' filter when they
        are open (all decks otherwise). Figures are computed off the GUI thread."""
        from PySide6.QtWidgets import QFileDialog

        from studyapp.services.stats import Statistics

        day = (self._clock or utc_now)()
        suggested = str(Path.home() / f"StudyApp progress report {day:%Y-%m-%d}.pdf")
        path, _filter = QFileDialog.getSaveFileName(
            self, "Export progress report", suggested, "PDF (*.pdf)"
        )
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        statistics = Statistics(
            self.library.engine, self.library.settings, clock=self._clock or utc_now
        )
        shown = self._statistics
        try:
            scope = (
                shown.scope
                if shown is not None and self.stack.currentWidget() is shown and shown.scope
                else statistics.resolve()
            )
        except StorageError as exc:
            self._report_error = exc
            self._on_report_failed(str(exc))
            return
        exam = self.library.settings.exam
        self._say("Making the report…", stays=True)
        from studyapp.services.progress import collect_report

        self._report_task = BackgroundTask(lambda: collect_report(statistics, scope, exam), self)
        self._report_task.finished.connect(lambda data: self._write_report(data, Path(path)))
        self._report_task.error.connect(self._remember_report_error)
        self._report_task.failed.connect(self._on_report_failed)
        self._report_task.start()

    @Slot(object)
    def _remember_report_error(self, error: BaseException) -> None:
        self._report_error = error

    def _write_report(self, data: object, path: Path) -> None:
        # Imported when used: Qt's PDF writer is not needed to start the window.
        from studyapp.core.outfile import OutputFileError, write_output
        from studyapp.gui.report import render_report
        from studyapp.services.progress import ReportData

        assert isinstance(data, ReportData)
        try:
            pdf, pages = render_report(data)
            write_output(path, pdf)
        except OutputFileError as exc:
            self._on_report_failed(str(exc))
            return
        self._say(f"Report saved: {path} ({pages} page{'s' if pages != 1 else ''})")
        self.report_saved.emit(path)

    def _report_failure(
        self, error: BaseException | None, title: str, message: str, status: str | None = None
    ) -> None:
        """A background task's failure: a storage failure (also a raw SQLite error past the
        store's mapping) goes the one storage path (the damage dialog, or its sentence); any
        other error, e.g. an OSError about a deck file, keeps its own message in a box.
        ``status``, if given, is the status line's text once the storage path has run and
        before the box shows."""
        from studyapp.gui.messages import Icon, show_message
        from studyapp.gui.safety import as_storage_error

        storage = as_storage_error(error, self.library.store_path) if error else None
        if storage is not None:
            self.handle_storage_error(storage)
        if status is not None:
            self._say(status)
        if storage is None:
            show_message(self, Icon.Critical, title, message)

    @Slot(str)
    def _on_report_failed(self, message: str) -> None:
        error, self._report_error = self._report_error, None
        self._report_failure(error, "Report not saved", message, status="The report was not saved")

    @Slot(object)
    def _on_exam_date_chosen(self, exam: date | None) -> None:
        settings = self.library.settings.with_changes(
            exam_date=exam.isoformat() if exam is not None else ""
        )
        try:
            self.library.update_settings(settings)
        except StorageError as exc:
            self.handle_storage_error(exc)
            return
        self.statistics.set_exam_date(exam)

    @Slot(object)
    def _on_study_requested(self, choice: ScopeChoice) -> None:
        try:
            scope = self.library.scope(choice)
            if self._clock is not None:
                session = self.library.session(scope, clock=self._clock)
            else:
                session = self.library.session(scope)
        except StorageError as exc:
            self._storage_error(exc)
            return
        self.stack.setCurrentWidget(self.review)
        self.review.start(session)
        if self.stack.currentWidget() is self.review:
            self.review.setFocus()

    @Slot(str)
    def start_cram(self, query: str) -> bool:
        """Cram the cards ``query`` finds (from the browser, or Study > Cram a search); a
        malformed query is said in a message, and nothing starts."""
        from studyapp.gui.messages import Icon, show_message
        from studyapp.services.search import SearchError

        try:
            if self._clock is not None:
                session = self.library.cram_session(query, clock=self._clock)
            else:
                session = self.library.cram_session(query)
        except SearchError as error:
            show_message(self, Icon.Warning, "Cannot cram this search", str(error))
            return False
        except StorageError as exc:
            self._storage_error(exc)
            return False
        self.stack.setCurrentWidget(self.review)
        self.activateWindow()
        self.review.start(session)
        if self.stack.currentWidget() is self.review:
            self.review.setFocus()
        return True

    @Slot()
    def ask_cram(self) -> None:
        """Study > Cram a search…: ask for the search, then cram it."""
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        dialog = QInputDialog(self)
        dialog.setWindowTitle("Cram a search")
        dialog.setInputMode(QInputDialog.InputMode.TextInput)  # makes its line edit now
        dialog.setLabelText(CRAM_PROMPT)
        for label in dialog.findChildren(QLabel):
            label.setWordWrap(True)  # (on one line the dialog was 988 px wide)
        for editor in dialog.findChildren(QLineEdit):
            editor.setMinimumWidth(440)
        if dialog.exec():
            self.start_cram(dialog.textValue())

    @Slot(object)
    def _on_session_finished(self, summary: SessionSummary) -> None:
        self.summary.show_summary(summary, self.now())
        self.stack.setCurrentWidget(self.summary)
        self.summary.setFocus()

    # -- the browser -----------------------------------------------------------------------
    @Slot()
    def open_browser(self, query: str = "") -> BrowserWindow:
        """Open the card browser (or raise it, searching for ``query`` if one is given)."""
        from studyapp.gui.browser import BrowserWindow
        from studyapp.services.browse import CardBrowser

        if self.browser is None:
            clock = self._clock or utc_now
            self.browser = BrowserWindow(
                CardBrowser(self.library, clock=clock),  # reads nothing yet
                self.colors,
                self.library.settings.font_size,
                self,
                query=query,
            )
            self.browser.setWindowFlag(Qt.WindowType.Window)
            self.browser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.browser.changed.connect(self._on_cards_changed)
            self.browser.cram_requested.connect(self.start_cram)
            self.browser.destroyed.connect(self._on_browser_closed)
        elif query:
            self.browser.search_box.setText(query)
            self.browser.run_search()
        self.browser.show()
        if QGuiApplication.platformName() != "offscreen":  # which stacks no windows
            self.browser.raise_()
        self.browser.activateWindow()
        return self.browser

    @Slot()
    def _on_browser_closed(self) -> None:
        self.browser = None

    @Slot()
    def _on_cards_changed(self) -> None:
        """The browser changed cards: the review's card is read again now; the deck list's
        counts when this window is active again (not while the trainee works in the
        browser: rebuilding the list of a large course takes a moment)."""
        if self._review is not None and self.stack.currentWidget() is self._review:
            self._review.refresh()
        elif self._overview_shown():
            if self.isActiveWindow():
                self.show_overview()
            else:
                self._overview_stale = True

    @Slot()
    def _on_focus_window(self) -> None:
        """Another window of the app (or none) has the focus: this one active again with a
        stale deck list refreshes it.

        The application's focusWindowChanged signal (emitted once Qt has sent the windows
        their ActivationChange) rather than an override of changeEvent, which gets a plain
        QEvent: PySide6 finds its most derived class by building the Python type of every
        QEvent subclass it knows, 44 types (QTabletEvent, the nine QGraphicsScene*Event,
        ...) the start-up to the first card never sees, with the review view's resize
        watcher (see SafeTextView.resizeEvent). Both out: Qt types made on that start-up
        131 -> 87, callgrind of the review screenshot (bundled course, second runs)
        2,216.7 -> 2,209.9 M instructions (-6.7 M, -0.3%, ~1 ms of CPU; issue 19)."""
        if self._overview_stale and self.isActiveWindow():
            self._overview_stale = False
            if self._overview_shown():
                self.show_overview()

    # -- undo ------------------------------------------------------------------------------
    def _refresh_undo(self) -> None:
        if not self._ready:  # (the menu opened while the app is still loading)
            return
        step = self.library.undo_log.peek()
        self.undo_action.setText("Undo" if step is None else f"Undo {step.label}")
        self.undo_action.setEnabled(step is not None)

    @Slot()
    def undo(self) -> None:
        """Ctrl+Z: take back the newest answer or action, whichever screen made it.

        An answer or a review action brings its card back on the review screen, also after
        the session ended (from the summary or the deck list), as Anki does.
        """
        step = self.library.undo_log.peek()
        if step is None:
            self._say("Nothing to undo")
            return
        if step.show_again and self._review is not None and self._review.controller is not None:
            if self.stack.currentWidget() is not self.review:
                self.stack.setCurrentWidget(self.review)
                self.review.setFocus()
            self.review.undo()
            return
        try:
            self.library.undo()
        except StorageError as exc:
            self.handle_storage_error(exc)
            return
        self._say(f"Undone: {step.label}")
        if self._review is not None and self.stack.currentWidget() is self._review:
            self._review.refresh()
        elif self._overview_shown():
            self.show_overview()

    def _details_of_current(self) -> None:
        if self._review is not None and self._review.card is not None:
            self._on_details_requested(self._review.card)

    def _note_on_current(self) -> None:
        if self._review is not None and self._review.card is not None:
            self._on_note_requested(self._review.card)

    @Slot(object)
    def _on_details_requested(self, card: CardView) -> None:
        from studyapp.gui.details import CardDetailsDialog

        session = self.review.session
        if session is not None:
            CardDetailsDialog(session, card, self).exec()
            self.review.setFocus()

    @Slot(object)
    def _on_note_requested(self, card: CardView) -> None:
        try:
            current = self.library.user_note(card.note_id)
        except StorageError as exc:
            self.handle_storage_error(exc)
            return
        # A note the store refused (a full disk) comes back in the dialog, not lost.
        dialog = self.note_dialog(card, self._unsaved_notes.get(card.note_id, current))
        if dialog.exec():
            text = dialog.textValue()
            try:
                self.library.set_user_note(card.note_id, text)
            except StorageError as exc:
                self._unsaved_notes[card.note_id] = text
                self.handle_storage_error(exc)
            else:
                self._unsaved_notes.pop(card.note_id, None)
                self.review.refresh()
        self.review.setFocus()

    def note_dialog(self, card: CardView, current: str) -> QInputDialog:
        """N: the trainee's own note on ``card``, named by its question as plain text."""
        from PySide6.QtWidgets import QInputDialog, QPlainTextEdit

        dialog = QInputDialog(self)
        dialog.setWindowTitle("Your note")
        dialog.setOption(QInputDialog.InputDialogOption.UsePlainTextEditForTextInput)
        dialog.setLabelText(f"Your own note on “{card.title}” (deck updates never change it):")
        dialog.setTextValue(current)
        for label in dialog.findChildren(QLabel):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)  # (one line made the dialog 1,061 px wide for a long question)
        for editor in dialog.findChildren(QPlainTextEdit):
            editor.setMinimumWidth(440)
        return dialog

    # -- settings --------------------------------------------------------------------------
    @Slot()
    def open_settings(self) -> None:
        dialog = self.settings_dialog()
        if dialog.exec() and (settings := dialog.result_settings()) is not None:
            self.apply_settings(settings)

    def settings_dialog(self) -> SettingsDialog:
        """Tools > Settings…: Optimize… in it runs the optimizer and shows the result."""
        from studyapp.gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.library.settings, self, modules=self.library.course_modules())
        dialog.optimize_requested.connect(lambda: self.optimize(dialog))
        dialog.deck_options_requested.connect(lambda: self.open_deck_options(""))
        return dialog

    def apply_settings(self, settings: Settings) -> None:
        """Save and apply at once: theme, font size, and a fresh scheduler for the session.
        New FSRS parameters or a new retention for safety-critical cards: the review cards
        concerned may be rescheduled to them, if the trainee says so."""
        before = self.library.settings
        if not self._save_settings(settings, "Settings not saved"):
            return
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        s = self.library.settings
        self.colors = apply_theme(app, s.theme, s.font_size)
        if self._review is not None:  # (one made later takes the new ones)
            self._review.set_colors(self.colors)
            self._review.set_font_size(s.font_size)
        if self._overview is not None:  # (one made later takes the new ones)
            self._overview.set_colors(self.colors)
        if self._statistics is not None:
            self._statistics.set_colors(self.colors)
        if self._summary is not None:
            self._summary.set_colors(self.colors)
        if s.fsrs_parameters != before.fsrs_parameters:
            self.offer_reschedule("the new FSRS parameters")
        elif s.critical_retention != before.critical_retention:
            self.offer_reschedule(
                f"the new retention of safety-critical cards ({s.critical_retention:.2f})",
                critical=True,
            )
        self._settings_changed()

    def _save_settings(self, settings: Settings, refused: str = "Setting not saved") -> bool:
        """Save ``settings``; whether they were. A storage failure is handled as every other
        (:meth:`handle_storage_error`); any other refusal is shown in a box titled
        ``refused``."""
        try:
            self.library.update_settings(settings)
        except StorageError as exc:
            self.handle_storage_error(exc)
            return False
        except KnownError as exc:
            from studyapp.gui.messages import Icon, show_message

            show_message(self, Icon.Warning, refused, str(exc))
            return False
        return True

    def _settings_changed(self) -> None:
        if self._review is not None and self._review.session is not None:
            self._review.session.apply_settings(self.library.settings)
            self._review.refresh()
        if self._overview_shown():
            self.show_overview()

    # -- deck options, FSRS parameters (issue 12) -----------------------------------------
    def deck_options_dialog(self, deck_id: str = "") -> DeckOptionsDialog:
        from studyapp.gui.deck_options import DeckOptionsDialog

        return DeckOptionsDialog(self.library.deck_options(), deck_id or None, self)

    @Slot(str)
    def open_deck_options(self, deck_id: str = "") -> None:
        """Tools > Deck options… (or O on the deck list): a deck's preset, its desired
        retention and daily limits. A new retention may reschedule the decks' review cards,
        if the trainee says so."""
        from studyapp.gui.messages import Icon, show_message

        try:
            selected = self._overview.selected_deck() if self._overview is not None else ""
            dialog = self.deck_options_dialog(deck_id or selected)
        except StorageError as exc:
            self.handle_storage_error(exc)
            return
        if not dialog.exec():
            return
        try:
            saved = self.library.save_deck_options(dialog.options)
        except StorageError as exc:
            self.handle_storage_error(exc)
            return
        except KnownError as exc:
            show_message(self, Icon.Warning, "Deck options not saved", str(exc))
            return
        if saved.retention_changed:
            self.offer_reschedule(
                "their decks' new desired retention",
                deck_ids=saved.retention_changed,
                critical=False,
            )
        self._settings_changed()

    def offer_reschedule(
        self,
        why: str,
        *,
        deck_ids: Sequence[str] | None = None,
        critical: bool | None = None,
    ) -> int:
        """Ask whether to move the due dates of the review cards concerned to ``why`` (Anki's
        "reschedule cards on change"); move them if so. Returns how many moved."""
        from studyapp.gui.messages import ask

        try:
            waiting = self.library.reviews_to_reschedule(deck_ids=deck_ids, critical=critical)
        except StorageError as exc:
            self.handle_storage_error(exc)
            return 0
        if not waiting:
            return 0
        if not ask(
            self,
            "Reschedule review cards?",
            f"Move the due dates of {waiting:,} review card{'s' if waiting != 1 else ''} to "
            f"{why}?\n\nOtherwise each keeps its due date until its next review.",
            yes="Reschedule",
            no="Keep due dates",
        ):
            return 0
        try:
            moved = self.library.reschedule_reviews(deck_ids=deck_ids, critical=critical)
        except StorageError as exc:
            self.handle_storage_error(exc)
            return 0
        self._say(f"Rescheduled {moved:,} review cards")
        return moved

    @Slot()
    def optimize(self, settings_dialog: SettingsDialog | None = None) -> None:
        """Tools > Optimize… (or Optimize… in Settings): fit the FSRS parameters to the
        trainee's reviews off the GUI thread, then show the result."""
        if self._optimizer is not None and self._optimizer.is_running():
            return
        self._say("Optimizing the FSRS parameters to your reviews…", stays=True)
        self._busy.setVisible(True)
        self._optimizer = BackgroundTask(self.library.optimize, self)
        self._optimizer.finished.connect(lambda result: self._on_optimized(result, settings_dialog))
        self._optimizer.error.connect(self._remember_optimize_error)
        self._optimizer.failed.connect(self._on_optimize_failed)
        self._optimizer.start()

    def _on_optimized(
        self, result: OptimizeResult, settings_dialog: SettingsDialog | None = None
    ) -> None:
        from studyapp.gui.optimize_dialog import OptimizeDialog

        self._busy.setVisible(False)
        self._say("")
        try:
            waiting = self.library.reviews_to_reschedule() if result.saved else 0
        except StorageError as exc:
            self.handle_storage_error(exc)
            waiting = 0
        dialog = OptimizeDialog(result, waiting, self)
        self.optimize_dialog = dialog
        dialog.exec()
        if dialog.reschedule_wanted():
            try:
                moved = self.library.reschedule_reviews()
            except StorageError as exc:
                self.handle_storage_error(exc)
            else:
                self._say(f"Rescheduled {moved:,} review cards to the new parameters")
        if settings_dialog is not None:
            settings_dialog.show_parameters(self.library.settings.fsrs_parameters)
        self._settings_changed()

    @Slot(str)
    def _on_optimize_failed(self, message: str) -> None:
        self._busy.setVisible(False)
        error, self._optimize_error = self._optimize_error, None
        self._report_failure(error, "Optimize failed", message, status="Optimize failed")

    @Slot(object)
    def _remember_optimize_error(self, error: BaseException) -> None:
        self._optimize_error = error

    # -- syncing ---------------------------------------------------------------------------
    def add_deck_folder(self) -> None:
        from studyapp.gui import folderpicker

        folder = folderpicker.choose_folder(self, "Add a folder of decks")
        if folder:
            self.import_folder(Path(folder))

    def import_folder(self, folder: Path) -> QProgressDialog | None:
        """Read ``folder``'s decks into the store off the GUI thread, showing progress.

        Cancel stops the sync and leaves the store as it was (one transaction, rolled
        back); the folder is remembered only once its decks are in. The overview is
        computed on the worker thread too, so the GUI thread only shows it.

        The trainee's wait ends when the new decks are in the store and shown: the search
        index's catch-up with the new cards (~1.1 s of CPU at 50,000 notes, ~6 s at
        200,000, a quarter to a third of the add) runs after that, as its own background
        task (:meth:`_catch_up_index`), never beside the add. Quiet-machine figures are in
        :meth:`_catch_up_index`."""
        from PySide6.QtWidgets import QProgressDialog

        from studyapp.services.sync import SyncCancelled

        if self._task is not None and self._task.is_running():
            self._say("The decks are being updated; add the folder once that is done")
            return None
        dialog = QProgressDialog("", "Cancel", 0, 0, self)
        # The theme draws every progress bar as a 6 px line, which cut the bar's "50%" to
        # the tops of its digits: the line alone shows how far the reading is, as the
        # review's does.
        bar = QProgressBar(dialog)
        bar.setTextVisible(False)
        dialog.setBar(bar)
        label = QLabel(f"Reading the decks in {_folder_shown(folder)}…")
        label.setTextFormat(Qt.TextFormat.PlainText)  # a folder's name, as written
        dialog.setLabel(label)
        dialog.setWindowTitle("Add deck folder")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        cancelled = threading.Event()
        progress = _SyncProgress()
        poll = QTimer(dialog)
        poll.setInterval(_PROGRESS_POLL_MS)
        poll.timeout.connect(functools.partial(progress.show, dialog))

        def cancel() -> None:
            cancelled.set()
            dialog.setLabelText("Cancelling: nothing will be changed…")

        dialog.canceled.connect(cancel)
        now = self.now()

        def report(done: int, total: int) -> None:  # on the worker thread
            if cancelled.is_set():
                raise SyncCancelled
            progress.report(done, total)

        def job() -> tuple[SyncPlan, Overview | None] | None:
            # The checkpoint (the WAL's second copy of every page written, into the
            # database file) is left to the catch-up after the decks are shown
            # (:meth:`_catch_up_index`): the add ends when its rows are durable in the WAL.
            # 200,000 notes: 151 MB, 0.3-0.45 s of the add's wall (in-process, load ~1.6).
            # The folder is remembered in the sync's own transaction (Library.sync's
            # add_folders): with its decks, or not at all.
            with self.library.checkpoints_deferred():
                try:
                    plan = self.library.sync(
                        [folder], progress=report, keep_index=False, add_folders=[folder]
                    )
                except SyncCancelled:
                    return None
                if not plan.ok:
                    return plan, None
                return plan, self.library.overview(now)

        self._say(f"Adding the decks in {folder}…", stays=True)
        # The dialog's bar is the add's one progress indicator: the status bar's busy bar
        # stays hidden behind it. Its animation repainted the window ~30 times a second
        # (a Python paintEvent each, taking the GIL from the import): GUI-thread CPU while
        # adding 50,000 notes 0.138 s (0.128-0.145) -> 0.080 (0.060-0.093), 4 each
        # interleaved, Xvfb + xcb, load 3.5-5.5; ~280 paint calls fewer at 200,000.
        self._task = BackgroundTask(job, self)
        self._task.finished.connect(poll.stop)
        self._task.finished.connect(functools.partial(self._on_folder_imported, folder, dialog))
        self._task.error.connect(self._remember_task_error)
        self._task.failed.connect(poll.stop)
        self._task.failed.connect(dialog.close)
        self._task.failed.connect(self._on_sync_failed)
        self._task.start()
        dialog.show()
        poll.start()
        return dialog

    def _on_folder_imported(self, folder: Path, dialog: QProgressDialog, result: object) -> None:
        dialog.close()
        self._busy.setVisible(False)
        if result is None:
            self._say(f"Adding {folder} was cancelled: nothing was changed")
            self.sync_done.emit(None)
            return
        assert isinstance(result, tuple)
        plan, overview = result
        if not plan.ok:
            self._say("Deck folder not added: a deck file has errors")
            self._show_problems(
                "Deck folder not added",
                "A deck file in this folder has errors, so nothing was changed. Fix them and "
                "add the folder again.",
                list(plan.problems),
            )
        else:
            # The folder's name (its path is in File > Deck folders…) and what came in: a
            # long path left the counts cut in the middle at 800 px.
            changed = plan.card_changes() or "no new cards"
            self._say(f"Added the folder {_folder_shown(folder)}: {changed}")
            if self._overview_shown():
                self.show_overview(overview)
        self.sync_done.emit(plan)
        if plan.ok and plan.changes_anything:
            # Once the new decks are painted: a worker started now would contend for the
            # GIL with the overview's paint (a Python call per cell), which made a 40-75 ms
            # stall at the hand-over (50,000 notes, Xvfb, load ~6; 23-49 ms when started
            # after the paint pass).
            # The catch-up's worker holds the plan's note ids (a string each) and frees
            # them (core.release), so that this turn's end, which drops the plan, does not:
            # freed here, 200,000 ids were one C call of ~24 ms of GUI-thread CPU in the
            # turn after the decks were shown (perf, load 6; ~9 ms in a micro at load 8).
            # The collector stays paused until the catch-up's task has started (and paused
            # it in turn): resumed by the add's task first (50 ms after its result, before
            # the catch-up in every traced run), its first collection walked the held ids'
            # list on this thread (a young list of 200,000 strings: 10.4 ms of CPU for a
            # gen0 collection, median of 9, load 9).
            release = [plan.new]
            pause_for_task()
            _AfterPaint(
                self, functools.partial(self._catch_up_index, release), _AFTER_PAINT_LIMIT_MS
            )

    def _catch_up_index(self, release: list[list[str]] | None = None) -> None:
        """After an added folder's decks are shown: bring the search index current with
        them on a worker thread, and copy the WAL the add left into the database file
        (:meth:`Library.catch_up`: the add's commits defer their checkpoint), saying so in the
        status bar, beside the add's line (which stays whole), if it takes a moment.
        ``release`` holds a list the worker lets go of first, a slice at a time
        (:func:`studyapp.core.release.drop_in_chunks`): the add's plan's note ids; with it,
        the collector's pause the add's slot took is ended once the task has its own.

        Nothing waits for it, and nothing is stale meanwhile: the browser's search (a
        writer's) brings the index current itself before it searches, ``studyapp search``
        (a reader's) searches a private current copy (:mod:`studyapp.store.search`). It
        fails as every write's catch-up does: the add stands; the index records what it
        misses and the next write or search catches up; only a damaged store is reported.

        Measured (benchmarks/display_probe.py add-folder, Xvfb + xcb, A/B interleaved, load
        5-7.4, medians): 50,000 notes (5 each), the decks shown after 3.10 s (2.83-3.75)
        instead of 6.02 (4.87-6.67), CPU to then 2.69 s (2.60-2.80) instead of 3.91
        (3.71-3.94); the index current at 5.59 s (4.61-6.39), CPU to then 3.87 s (3.76-4.06):
        the same work, none hidden on another core. 200,000 notes (2 each): shown after
        13.8-18.9 s instead of 23.6-28.2, CPU 11.3-11.9 s instead of 18.0-18.1; index
        current at 25.5-29.4 s, CPU 17.0-17.1 s. Peak RSS unchanged (181-185 MB at 50,000,
        329-330 at 200,000): the import's peak, not the catch-up's. The probe watches the
        event loop and the process's memory until this ends ("index current at")."""
        try:
            self._start_catch_up(release)
        finally:
            if release is not None:
                resume_after_task()  # the slot's pause: the task, if started, has its own

    def _start_catch_up(self, release: list[list[str]] | None) -> None:
        if not self.isVisible():  # closed meanwhile: the next write or search catches up
            self.index_done.emit()
            return
        library = self.library

        def job() -> None:
            if release:
                # (imported here, on the worker: not on the first frame's path)
                from studyapp.core.release import drop_in_chunks

                drop_in_chunks(release)
            library.catch_up()

        task = BackgroundTask(job, self)
        self._indexing = task

        def say() -> None:
            if task.is_running():
                self._indexing_note.setVisible(True)

        def done(_result: object = None) -> None:
            self._indexing_note.setVisible(False)
            self.index_done.emit()

        def failed(error: BaseException) -> None:
            self._indexing_note.setVisible(False)
            self._report_failure(error, "Search index not updated", str(error))

        QTimer.singleShot(_INDEXING_SHOWN_MS, self, say)
        task.finished.connect(done)
        task.error.connect(failed)
        task.failed.connect(lambda _message: self.index_done.emit())
        task.start()

    def deck_folders_dialog(self) -> DeckFoldersDialog:
        """File > Deck folders…: each added folder with its state; adding or removing one
        syncs the decks again."""
        from studyapp.gui.folders_dialog import DeckFoldersDialog

        dialog = DeckFoldersDialog(
            lambda: self.library.folder_statuses(self.blocked, bundled=True),
            self.library.add_folder,
            self.library.remove_folder,
            self,
        )
        dialog.changed.connect(self.start_sync)
        return dialog

    @Slot()
    def open_deck_folders(self) -> None:
        self.deck_folders_dialog().exec()

    @Slot()
    def start_sync(self) -> None:
        """Plan a sync of the bundled decks and added folders off the GUI thread."""
        if self._closed or (self._task is not None and self._task.is_running()):
            return
        self._say("Checking decks for updates…", stays=True)
        self._busy.setVisible(True)
        self._task = BackgroundTask(self.library.plan, self)
        self._task.finished.connect(self._on_plan_ready)
        self._task.error.connect(self._remember_task_error)
        self._task.failed.connect(self._on_sync_failed)
        self._task.start()
        self._set_loading(True)

    @Slot(object)
    def _on_plan_ready(self, plan: SyncPlan) -> None:
        if self._closed:
            # The window closed while the plan was made (it waited for the plan, not for
            # what follows): no update starts now, on a thread the ending process would
            # destroy while it runs (an abort). The next start syncs.
            return
        self.blocked = plan.blocked
        if not plan.ok:
            self._busy.setVisible(False)
            self._set_loading(False)
            self._say("Deck update not applied: a deck file has errors")
            self._show_problems(
                "Deck update not applied",
                "A deck file has errors, so no deck was changed. Fix them and sync again (F5).",
                [*plan.problems, *(p for found in plan.blocked.values() for p in found)],
            )
            self.sync_done.emit(plan)
            return
        if plan.resets_progress and not self._confirm_plan(plan):
            self._busy.setVisible(False)
            self._set_loading(False)
            self._say("Deck update postponed")
            self.sync_done.emit(plan)
            return

        def apply() -> SyncPlan:
            self.library.apply(plan)
            # The search index catches up here, off the GUI thread, not at the first search.
            self.library.card_search().update_index()
            return plan

        self._task = BackgroundTask(apply, self)
        self._task.finished.connect(self._on_sync_applied)
        self._task.error.connect(self._remember_task_error)
        self._task.failed.connect(self._on_sync_failed)
        self._task.start()

    def _confirm_plan(self, plan: SyncPlan) -> bool:
        from studyapp.gui.messages import ask

        lines = plan.details()
        if len(lines) > _CONFIRM_LINES:  # a longer box would not fit an 800x600 screen
            lines = [
                *lines[: _CONFIRM_LINES - 1],
                f"  … and {len(lines) - _CONFIRM_LINES + 1} more",
            ]
        details = "\n".join(lines)
        return ask(
            self,
            "Apply deck update?",
            "This deck update retires or resets some cards (their history is kept):\n\n"
            f"{plan.summary()}\n\n{details}",
            yes="Update decks",
            no="Not now",
        )

    @Slot(object)
    def _on_sync_applied(self, plan: SyncPlan) -> None:
        self._busy.setVisible(False)
        if plan.blocked:
            count = len(plan.blocked)
            self._say(
                f"Decks updated, except {count} folder{'s' if count != 1 else ''} with problems"
            )
        else:
            # What changed in the cards, whole at 800 px (the full summary, files and all,
            # was cut in the middle there: "0 updated (progres…d; 0 file(s) read").
            changed = plan.card_changes()
            self._say(
                f"Decks updated: {changed}" if changed else "Decks up to date: nothing changed"
            )
        self._set_loading(False)
        # A sync that changed nothing leaves the overview as it is: no query, no update.
        if plan.changes_anything and self._overview_shown():
            self.show_overview()
        if plan.blocked:
            self.show_blocked(plan)
        self.sync_done.emit(plan)

    def show_blocked(self, plan: SyncPlan) -> ProblemsDialog:
        """Say which added folders were held back and why; the rest is up to date."""
        from studyapp.services.library import BUNDLED_HELD_BACK, is_bundled

        added = [folder for folder in plan.blocked if not is_bundled(folder)]
        count = len(added)
        folders = "A deck folder" if count == 1 else f"{count} deck folders"
        # The bundled folder can be neither fixed nor removed by a trainee: it is told apart,
        # with what to do instead (the heading told them to remove it in Deck folders).
        shipped = (
            f"The decks shipped with StudyApp have problems, so they are as they were: "
            f"{BUNDLED_HELD_BACK}."
            if len(added) < len(plan.blocked)
            else ""
        )
        heading = (
            f"{folders} could not be read, so {'its' if count == 1 else 'their'} decks are as "
            "they were. Fix the problems and sync again (F5), or remove a folder that is gone "
            "in Deck folders."
            if added
            else ""
        )
        rest = "Every other deck is up to date."
        return self._show_problems(
            "Some decks were not updated",
            " ".join(part for part in (shipped, heading, rest) if part),
            [p for found in plan.blocked.values() for p in found],
            action=("Deck folders…", self.open_deck_folders) if added else None,
        )

    def _show_problems(
        self,
        title: str,
        heading: str,
        problems: list[Problem],
        *,
        action: tuple[str, Callable[[], None]] | None = None,
    ) -> ProblemsDialog:
        """Open the problems dialog without blocking the window (it stays usable)."""
        from studyapp.gui.problems import ProblemsDialog

        if self.problems_dialog is not None:
            self.problems_dialog.close()
        self.problems_dialog = ProblemsDialog(title, heading, problems, self, action=action)
        self.problems_dialog.open()
        return self.problems_dialog

    @Slot(object)
    def _remember_task_error(self, error: BaseException) -> None:
        self._task_error = error

    @Slot(str)
    def _on_sync_failed(self, message: str) -> None:
        self._busy.setVisible(False)
        self._set_loading(False)
        self._say("Deck update failed")
        error, self._task_error = self._task_error, None
        from studyapp.gui.safety import as_storage_error

        if (
            self.library.damage is not None
            and error is not None
            and isinstance(as_storage_error(error, self.library.store_path), StoreCorrupt)
        ):
            # Damage told already (its dialog, or the sentence after a trainee's action):
            # a sync meeting it again says so in the status line only, not in another box.
            self._say(_DAMAGED_STATUS, stays=True)
        else:
            self._report_failure(error, "Deck update failed", message)
        self.sync_done.emit(None)

    # -- storage failures, damage, backups -------------------------------------------------
    def handle_storage_error(self, error: KnownError) -> None:
        """Every storage failure any of the window's screens, dialogs or its browser meets
        (they call :func:`~studyapp.gui.safety.show_storage_error`): a damaged store stops
        all writing and offers a backup; anything else is one sentence in a box."""
        self._storage_error(error)

    def _storage_error(self, error: KnownError, *, refresh: bool = True) -> None:
        from studyapp.gui.safety import storage_error_box

        if isinstance(error, StoreCorrupt):
            self.on_store_damaged(error, refresh=refresh)
        else:
            storage_error_box(self, error)

    @Slot(object)
    def _on_storage_failed(self, error: StorageError) -> None:
        # The review screen keeps the card and shows a banner; damage needs more.
        if isinstance(error, StoreCorrupt):
            self.on_store_damaged(error)

    @Slot(object)
    def on_store_damaged(self, problems: list[str] | StoreCorrupt, *, refresh: bool = True) -> None:
        """No more writes; say so in the status bar and offer the newest good backup."""
        from studyapp.gui.safety import DamagedStoreDialog, storage_error_box

        first = self.library.damage is None
        error = self.library.mark_damaged(problems)
        self._say(_DAMAGED_STATUS, stays=True)
        if self.stack.currentWidget() in (self._review, self._statistics):
            self.stack.setCurrentWidget(self.overview)
            if refresh:
                self.show_overview()
        self.undo_action.setEnabled(False)
        if not first:
            storage_error_box(self, error)
            return
        dialog = DamagedStoreDialog(error, self.library.newest_good_backup(), self)
        self.damaged_dialog = dialog
        if dialog.exec() and dialog.backup is not None:
            self.restore_backup(dialog.backup.id)
        elif dialog.wants_list:
            self.open_backups()

    @Slot()
    def open_backups(self) -> None:
        """File > Backups…: list, back up now, restore (with a confirmation)."""
        from studyapp.gui.safety import BackupsDialog

        back_up = None if self.library.damage or self.library.read_only else self.library.backup
        dialog = BackupsDialog(self.library.backups, back_up, self.restore_backup, self)
        self.backups_dialog = dialog
        dialog.exec()

    def restore_backup(self, backup_id: str) -> BackupInfo:
        """Restore a backup: the session (if any) ends, the current store is kept as a
        backup first, and the overview shows the restored store."""
        if self._task is not None and self._task.is_running():
            raise StoreLocked("A deck update is running; restore the backup when it is done.")
        self.safety.wait()
        if self.stack.currentWidget() is not self.overview:
            self.stack.setCurrentWidget(self.overview)
        kept = self.library.restore(backup_id)
        restored = self.library.folder.find(backup_id)
        # When it was made, in words that fit an 800 px status line whole: with the weekday
        # and its reviews (the backups list has them) the sentence was cut in the middle.
        made = restored.created.astimezone()
        self._say(
            f"Restored the backup of {made.day} {made:%B %Y, %H:%M} "
            "(the store it replaced is now a backup)"
        )
        self.show_overview()
        return kept

    # -- misc ------------------------------------------------------------------------------
    def _show_shortcuts(self) -> None:
        """Help > Keyboard shortcuts: the table scrolls in a box no taller than the screen
        (in a message box it was 1,332 px tall, its OK button off an 800x600 screen)."""
        from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout

        from studyapp.gui.keycaps import bold_keys_on_caps
        from studyapp.gui.richtext import SafeTextView

        dialog = QDialog(self)
        dialog.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(dialog)
        table = SafeTextView(dialog)  # the app's own markup; it loads nothing
        table.setHtml(bold_keys_on_caps(SHORTCUTS, self.colors))
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter closes; the wheel still scrolls
        layout.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, dialog)
        buttons.accepted.connect(dialog.accept)
        layout.addWidget(buttons)
        room = self.screen().availableGeometry()
        width = min(620, room.width())
        table.document().setTextWidth(width - 60)
        wanted = int(table.document().size().height()) + buttons.sizeHint().height() + 60
        dialog.resize(width, min(wanted, room.height() - 80))
        buttons.buttons()[0].setFocus()
        dialog.exec()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            # After this paint pass has finished: work started from first_painted (the
            # start-up check and backup) never delays the first picture.
            self._painted = True
            QTimer.singleShot(0, self.first_painted.emit)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Every answer is already committed; only wait for a running sync to finish.
        self._closed = True
        # The browser and the problems dialog are windows of their own: closing this one
        # left them shown until it was deleted.
        for shown in (self.browser, self.problems_dialog):
            if shown is not None:
                shown.close()
        if self._task is not None and self._task.is_running():
            self._task.wait()
        if self._indexing is not None and self._indexing.is_running():
            self._indexing.wait()
        if self._statistics is not None:
            self._statistics.wait()
        if self._report_task is not None and self._report_task.is_running():
            self._report_task.wait()
        if self._ready:  # (closed while the app was still loading: nothing to back up)
            self.safety.close()  # the closing backup
        super().closeEvent(event)
