"""Composition root of the desktop app: QApplication, library, main window, screenshots."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.core.errors import KnownError, StoreCorrupt
from studyapp.core.gcpause import startup_finished
from studyapp.core.model import CardId, Rating
from studyapp.core.outfile import OutputFileError, output_file
from studyapp.core.printable import printable
from studyapp.gui import xcbcheck  # noqa: F401  (used by gui.application; before Qt, see below)
from studyapp.services import paths
from studyapp.services.overview import FirstFrame, ScopeChoice, read_first_frame

# isort: split
# The modules above import no Qt, and come before PySide6: its import hook reads the source
# of every module imported after it (inspect.getsource, to look for "from __feature__
# import"), ~60 modules here (the overview's read, its settings, the store's plain
# connection and queries, FSRS's parameters, the xcb check). First, they skip it: the
# window's first frame 3-5 ms of CPU sooner (issue 19; interleaved, see the commit).
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from studyapp.gui.application import MissingSystemLibraries, application
from studyapp.gui.background import BackgroundTask
from studyapp.gui.mainwindow import MainWindow

# Only what the window's first frame needs is imported here (PySide6, the main window and
# the overview); the library, SQLAlchemy and the services are imported after that frame is
# on screen (see run), and the screenshot and dialog paths import what they use.
if TYPE_CHECKING:
    from studyapp.services.library import Library

_application = application
"""The QApplication maker this module calls (by this name, so the display probe and the
tests can wrap it)."""

__all__ = ["MissingSystemLibraries", "render_screen", "run", "run_preview", "startup_done"]


def startup_done() -> None:
    """The window is up: the cyclic collector back on (see
    :func:`studyapp.core.gcpause.startup_finished`)."""
    startup_finished()


def _started(args: argparse.Namespace) -> QApplication | int:
    """The QApplication for a command that shows a window (offscreen for ``--screenshot``),
    or, with one line printed, the exit status of why there is none: 1 for missing system
    libraries, 2 for a known error."""
    try:
        return _application(offscreen=bool(args.screenshot))
    except MissingSystemLibraries as exc:
        print(exc, file=sys.stderr)
        return 1
    except KnownError as exc:
        print(f"studyapp: error: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    """``studyapp`` with no command: open the window (or render one screen to a PNG).

    The window's first frame is the real overview, read before the library is opened
    (:func:`~studyapp.services.overview.read_first_frame`: a plain sqlite3 connection, no
    SQLAlchemy); the rest of the app loads once that frame is on screen. When that read
    cannot answer (no store yet, one to upgrade, a failure to report), the library is
    opened first, as it always was.
    """
    app = _started(args)
    if isinstance(app, int):
        return app
    if not args.screenshot:
        first = read_first_frame(paths.default_data_dir(args.data_dir))
        if first is not None:
            return _run_from_first_frame(app, args, first)
    from studyapp.services.library import Library

    try:
        library = Library.open(args.data_dir, engine_now=True)
    except KnownError as exc:
        print(f"studyapp: error: {exc}", file=sys.stderr)
        if args.screenshot:
            return 2
        reopened = _open_after_failure(exc, args)  # a dialog, never only stderr
        if reopened is None:
            return 2
        library = reopened
    if args.theme:  # for this run only
        library.override_settings(library.settings.with_changes(theme=args.theme))
    if args.screenshot:
        with tempfile.TemporaryDirectory() as scratch:
            try:
                return render_screen(
                    library,
                    args.screen,
                    Path(args.screenshot),
                    args.size,
                    Path(scratch),
                    card=args.card,
                )
            except KnownError as exc:
                print(f"studyapp: error: {exc}", file=sys.stderr)
                return 2
    return _run_window(app, library)


def _run_window(app: QApplication, library: Library) -> int:
    """The window on an open ``library``, until it is closed."""
    window = MainWindow(library)
    window.show()
    startup_done()
    if library.created:
        window.statusBar().showMessage(f"Created a new study store in {library.data_dir}", 20000)
    # First paint with what the store holds; once it is on screen, check the store and back
    # it up off the GUI thread (gui/safety.py); and check the deck files for updates.
    window.first_painted.connect(window.safety.start)
    QTimer.singleShot(0, window.start_sync)
    code = app.exec()
    library.close()
    return int(code)


def _run_from_first_frame(app: QApplication, args: argparse.Namespace, first: FirstFrame) -> int:
    """The window drawn from ``first`` at once; after its first frame, the library is
    opened off the GUI thread (importing SQLAlchemy and the services there, 0.25-0.3 s of
    CPU the first frame no longer waits for), then given to the window, which checks the
    store, backs it up and syncs the decks, as a window opened on the library does."""
    settings = first.settings
    if args.theme:  # for this run only
        settings = settings.with_changes(theme=args.theme)
    window = MainWindow(None, first=(settings, first.overview))
    data_dir = paths.default_data_dir(args.data_dir)
    opened: list[Library] = []
    failure: list[BaseException] = []

    def open_library() -> Library:
        from studyapp.services.library import Library

        library = Library(data_dir, lock=first.lock, engine_now=True)
        opened.append(library)
        if args.theme:
            library.override_settings(library.settings.with_changes(theme=args.theme))
        else:
            library.settings  # noqa: B018 (read here, off the GUI thread)
        _import_the_rest()
        return library

    def on_opened(library: object) -> None:
        assert library is opened[0]
        window.attach(opened[0])
        # Each its own turn of the event loop: no stall of the window adds them up.
        QTimer.singleShot(0, startup_done)
        QTimer.singleShot(0, window.safety.start)  # the check and backup, off this thread
        QTimer.singleShot(0, window.start_sync)

    def on_failed(error: object) -> None:
        failure.append(error if isinstance(error, BaseException) else RuntimeError(error))
        # Hidden, not closed: closing the last window posts a quit of its own, which would
        # outlive this event loop (and the window has no library to close or back up).
        window.hide()
        app.exit(2)

    loader = BackgroundTask(open_library, window)
    loader.finished.connect(on_opened)
    loader.error.connect(on_failed)
    window.first_painted.connect(loader.start)
    window.show()
    code = app.exec()
    loader.wait()
    for library in opened:
        library.close()
    if not failure:
        return int(code)
    first.lock.release()
    error = failure[0]
    if not isinstance(error, KnownError):
        raise error
    # As when the library is opened first: the sentence, then the dialog (a damaged store
    # is offered its newest good backup), then the window on the reopened store.
    print(f"studyapp: error: {error}", file=sys.stderr)
    reopened = _open_after_failure(error, args)
    if reopened is None:
        return 2
    if args.theme:
        reopened.override_settings(reopened.settings.with_changes(theme=args.theme))
    return _run_window(app, reopened)


def _import_the_rest() -> None:
    """Import what the window uses once it has its library (the study screens, the safety
    net, the services behind them) on the loader's thread, so the GUI thread does not."""
    import linecache

    import studyapp.gui.review
    import studyapp.gui.safety
    import studyapp.gui.summary
    import studyapp.services.study
    import studyapp.services.sync  # noqa: F401

    # PySide6's import hook read each of these modules' source (~4.8 MB of text kept in
    # linecache, as studyapp.cli._forget_sources_read_by_qt explains): drop it.
    linecache.clearcache()


def _open_after_failure(error: KnownError, args: argparse.Namespace) -> Library | None:
    """The store did not open: say why in a dialog. A damaged store is offered its newest
    good backup (or the list); after a restore the store is opened again."""
    from studyapp.gui.safety import BackupsDialog, DamagedStoreDialog, show_storage_error
    from studyapp.services.library import Library
    from studyapp.services.safety import DataFolder

    if not isinstance(error, StoreCorrupt):
        show_storage_error(None, error)
        return None
    try:
        folder = DataFolder(paths.default_data_dir(args.data_dir), lock=True)
    except KnownError as locked:
        show_storage_error(None, locked)
        return None
    try:
        dialog = DamagedStoreDialog(error, folder.newest_good_backup())
        restored = False
        if dialog.exec() and dialog.backup is not None:
            folder.restore(dialog.backup.id, damaged=True)
            restored = True
        elif dialog.wants_list:
            backups = BackupsDialog(
                folder.backups, None, lambda backup_id: folder.restore(backup_id, damaged=True)
            )
            restored = bool(backups.exec())
    except KnownError as failed:
        show_storage_error(None, failed)
        return None
    finally:
        folder.release()
    if not restored:
        return None
    try:
        return Library.open(args.data_dir, engine_now=True)
    except KnownError as again:
        show_storage_error(None, again)
        return None


def run_preview(args: argparse.Namespace) -> int:
    """``studyapp preview PATH...``: the authors' live preview (``--screenshot`` renders it)."""
    from studyapp.gui.preview import PreviewWindow
    from studyapp.services.preview import DeckPreview

    app = _started(args)
    if isinstance(app, int):
        return app
    missing = [p for p in args.paths if not os.path.lexists(p)]  # (a link loop is read, and
    # reported in the problems panel)
    if missing:
        print(
            f"studyapp: error: no such file or folder: {printable(str(missing[0]))}",
            file=sys.stderr,
        )
        return 2
    window = PreviewWindow(DeckPreview(list(args.paths)), theme=args.theme or "system")
    if args.screenshot:
        for problem in window.state.problems:  # what the panel lists, for scripts and CI
            print(problem, file=sys.stderr)
        window.resize(*args.size)
        window.show()
        if window.problems.count():
            window.problems.setCurrentRow(0)
            window._on_problem_activated(window.problems.item(0))
        try:
            _grab(window, Path(args.screenshot))
        except KnownError as exc:
            print(f"studyapp: error: {exc}", file=sys.stderr)
            return 2
        return 0
    window.show()
    startup_done()
    return int(app.exec())


def _grab(widget: QWidget, path: Path) -> None:
    """Save ``widget`` as a PNG at ``path``, atomically (see :func:`output_file`)."""
    QApplication.processEvents()
    image = widget.grab()
    with output_file(path) as partial:
        if not image.save(str(partial), "PNG"):
            raise OutputFileError(f"cannot write the screenshot {printable(str(path))}")


_STATISTICS_TABS = {
    "statistics": 0,
    "retention": 1,
    "memory": 2,
    "readiness": 3,
    "steering": 4,
}


_ON_A_COPY = (
    "summary",
    "details",
    "backups",
    "damaged",
    "full-disk",
    "image",
    "zoom",
    "browser",
    "optimize",
    "critical",
    "content-note",
    "leech",
    "cram-summary",
)
"""Screens drawn from a scratch copy of the store: they answer cards or change it."""


_STUDY_FIRST = ("review", "answer", "summary", "details", "browser")
"""Screens drawn over a study session started before the window's first paint."""


def render_screen(
    library: Library,
    screen: str,
    out: Path,
    size: tuple[int, int],
    scratch: Path,
    *,
    card: str | None = None,
) -> int:
    """Render ``screen`` offscreen to ``out``.

    ``card`` names the card the ``image`` screen shows (by its id in the deck file); by
    default it shows the first card with a picture. ``zoom`` shows that card's picture in
    the viewer its ``Z`` key opens.

    The decks are synced first. Screens that need answered cards (summary, details) are
    drawn from a scratch copy of the store, so a screenshot never changes the trainee's data.
    """
    # The dialogs and the browser's service are imported by the screens that show them: the
    # review screen's start-up (the benchmark's start-up to the first card) needs none.
    _application(offscreen=True)
    plan = library.sync()
    for problem in (p for found in plan.blocked.values() for p in found):
        print(problem, file=sys.stderr)  # folders held back: the rest is drawn
    if not plan.ok:
        for problem in plan.problems:
            print(problem, file=sys.stderr)
        return 1
    if screen == "problems" and not plan.blocked:
        print("studyapp: error: no deck folder has problems to show", file=sys.stderr)
        return 1
    if screen in _ON_A_COPY:
        settings = library.settings  # with --theme's override, which the copy would lose
        library = library.clone(scratch / "copy")
        library.override_settings(settings)
    if screen in ("backups", "damaged", "full-disk"):
        return _render_safety_screen(library, screen, out, size)
    if screen == "readiness" and library.settings.exam is None:
        # A date to show (for this run only): about three months ahead.
        ahead = (datetime.now(UTC) + timedelta(days=90)).date()
        library.override_settings(library.settings.with_changes(exam_date=ahead.isoformat()))
    if screen == "modules":
        # Grouped by module, the trainee in module 3: modules 4 to 6 keep their new cards.
        library.override_settings(
            library.settings.with_changes(overview_by_module=True, current_module=3)
        )
    clock = None
    if screen == "leech":
        clock = _lapse_a_card(library)
    # A session starts before the first paint on these screens, so the deck list is made
    # and read only if it is shown (study_first: ~29 ms of CPU at 200,000 notes; issue 19).
    window = MainWindow(library, clock=clock, study_first=screen in _STUDY_FIRST)
    window.blocked = plan.blocked
    window.resize(*size)
    window.show()
    if screen in _STATISTICS_TABS:
        window.show_statistics()
        window.statistics.tabs.setCurrentIndex(_STATISTICS_TABS[screen])
        deadline = time.monotonic() + 120
        while window.statistics.busy and time.monotonic() < deadline:
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    if screen in _STUDY_FIRST:
        window._on_study_requested(ScopeChoice.everything())  # the same path as the button
        if screen == "answer":
            reveal_answer(window)
        if screen in ("summary", "details", "browser"):
            for rating in (Rating.GOOD, Rating.AGAIN, Rating.EASY, Rating.GOOD):
                reveal_answer(window)
                window.review.grade(rating)
                if window.review.card is None:
                    break
            if screen == "summary":
                window.review.leave()
    if screen in ("image", "zoom") and not show_picture_card(window, card):
        named = f" '{card}'" if card else ""
        print(f"studyapp: error: no card{named} with a picture to show", file=sys.stderr)
        window.close()
        return 1
    if screen == "critical":
        _show_critical_card(window)
    if screen == "content-note":
        # The first sensitive card of a deck that has some: the cards before it are buried
        # (in the copy), as the browser does; its content note shows before the question.
        from studyapp.services.browse import CardBrowser

        cards = CardBrowser(library)
        deck = "mechanisms-psychological"
        found = cards.find(f"deck:{deck} is:sensitive is:new")
        if found:
            plain = cards.find(f"deck:{deck} is:new -is:sensitive")
            cards.bury([c for c in plain if c < min(found)])
            window._on_study_requested(ScopeChoice.deck(deck))
        elif cards.find("is:sensitive is:new"):
            # That deck's sensitive cards are all started (a store with a history): every
            # card but the new sensitive ones is buried, so one of them comes first.
            cards.bury(cards.find("-is:new"))
            cards.bury(cards.find("is:new -is:sensitive"))
            window._on_study_requested(ScopeChoice.everything())
        else:
            print("studyapp: error: no new sensitive card to show", file=sys.stderr)
            window.close()
            return 1
    if screen == "leech":
        # The card lapsed once short of a leech (in the copy) is due: Again makes it a
        # leech, and the review says so above the next card.
        window._on_study_requested(ScopeChoice.deck(_LEECH_DECK))
        reveal_answer(window)
        window.review.grade(Rating.AGAIN)
    if screen == "cram-summary":
        window.start_cram("family:safety")
        for rating in (Rating.GOOD, Rating.AGAIN, Rating.EASY, Rating.GOOD, Rating.HARD):
            reveal_answer(window)
            window.review.grade(rating)
            if window.review.card is None:
                break
        window.review.leave()
    # A dialog the screen shows over the window: a window of its own, which closing the main
    # one leaves shown (render_screen also runs in the tests' process, where it stayed up).
    shown: QWidget | None = None
    if screen == "settings":
        shown = window.settings_dialog()
        shown.show()
        _grab(shown, out)
    elif screen == "deck-options":
        shown = window.deck_options_dialog(_first_safety_deck(library))
        shown.show()
        _grab_over(window, shown, out)
    elif screen == "zoom":
        window.review.zoom()
        shown = window.review.viewer
        assert shown is not None
        _grab(shown, out)
    elif screen == "optimize":
        # Fitted for real, on the scratch copy: the store's own history decides the result.
        from studyapp.gui.optimize_dialog import OptimizeDialog

        result = library.optimize()
        waiting = library.reviews_to_reschedule() if result.saved else 0
        shown = OptimizeDialog(result, waiting, window)
        shown.show()
        _grab_over(window, shown, out)
    elif screen == "details":
        session = window.review.session
        assert session is not None
        assert session.last_answered is not None
        from studyapp.gui.details import CardDetailsDialog

        shown = CardDetailsDialog(session, session.card_view(session.last_answered), window)
        shown.show()
        _grab(shown, out)
    elif screen == "browser":
        window.review.leave()
        browser = window.open_browser("rated:1")
        browser.resize(*size)
        _wait_until(lambda: not browser.searching)
        if browser.model.ids:
            browser.table.selectRow(0)
        _grab(browser, out)
        browser.close()
    elif screen == "problems":
        shown = window.show_blocked(plan)
        _grab_over(window, shown, out)
    elif screen == "folders":
        shown = window.deck_folders_dialog()
        shown.show()
        _grab_over(window, shown, out)
    else:
        _grab(window, out)
    if shown is not None:
        shown.close()
    window.close()
    return 0


_LEECH_DECK = "terms"


def _lapse_a_card(library: Library) -> Callable[[], datetime]:
    """Answer the first card of the terms deck (in a copy of the store), each answer at the
    moment it falls due, until it is a review whose next lapse makes it a leech; the clock at
    which it is due once more, for the leech screenshot. The deck's other cards that come
    before it are buried, so it is the first card shown at that moment.

    A card of a store with a history may have lapsed already: one at the threshold or past it
    (8, 9, ...) is a leech again only at the next count (12 for 8): stopping at threshold - 1
    lapses made its Again a ninth lapse, and no notice showed. The other due cards came
    between its answers too."""
    from studyapp.services.study import is_leech

    if library.settings.leech_threshold <= 0:  # leeches turned off: the default, for the copy
        library.override_settings(library.settings.with_changes(leech_threshold=8))
    threshold = library.settings.leech_threshold
    moment = [datetime.now(UTC)]

    def clock() -> datetime:
        return moment[0]

    scope = library.scope(ScopeChoice.deck(_LEECH_DECK))
    session = library.session(scope, clock=clock)

    def show(target: CardId) -> None:
        shown = session.next_card()
        while shown is not None and shown.card_id != target:
            session.bury_current()
            shown = session.next_card()
        assert shown is not None, "the leech screen's card did not come up"

    try:
        card = session.next_card()
        assert card is not None
        target = card.card_id
        session.answer(Rating.EASY)  # learned
        while True:
            state = session.card_view(target).state
            assert state.due is not None
            moment[0] = max(moment[0], state.due) + timedelta(minutes=1)
            if state.queue.name == "REVIEW" and is_leech(state.lapses + 1, threshold):
                show(target)  # the others due now buried: it comes first in the window
                return clock
            show(target)
            session.answer(Rating.AGAIN if state.queue.name == "REVIEW" else Rating.GOOD)
    finally:
        session.close()
        library.undo_log.clear()


def _wait_until(done: Callable[[], bool], seconds: float = 60) -> None:
    """Run the event loop until ``done()`` (a background search finished, say)."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    QApplication.processEvents()


def _first_safety_deck(library: Library) -> str:
    """The deck the deck-options screenshot shows: the first one with safety in its id."""
    decks = library.deck_options().decks
    chosen = next((d for d in decks if "safety" in d.deck_id), decks[0] if decks else None)
    return "" if chosen is None else chosen.deck_id


def reveal_answer(window: MainWindow) -> None:
    """Show the answer of the card on screen: past its content note first if it has one (a
    single reveal on a sensitive card showed only its question)."""
    review = window.review
    for _ in range(2):
        if review.card is None or review.revealed:
            return
        review.reveal()


def show_picture_card(window: MainWindow, card_id: str | None = None) -> bool:
    """Study everything until the card ``card_id`` (or, if None, the first card with a
    picture) is shown, and reveal its answer. The cards before it are buried, as the '-' key
    does, so call this on a scratch copy of the store. False if no such card came up."""
    window._on_study_requested(ScopeChoice.everything())
    review = window.review
    for _ in range(5000):
        shown = review.card
        if shown is None:
            return False
        if shown.image is not None and card_id in (None, shown.note_id):
            reveal_answer(window)
            return True
        review.bury()
    return False


def _show_critical_card(window: MainWindow) -> None:
    """Study the decks that hold safety-critical cards until one is shown, its answer
    revealed (on the scratch copy: the cards answered on the way are the copy's)."""
    decks = [d.deck_id for d in window.library.deck_options().decks if "safety" in d.deck_id]
    choice = ScopeChoice.deck(decks[0]) if decks else ScopeChoice.everything()
    window._on_study_requested(choice)
    review = window.review
    for _ in range(200):
        card = review.card
        if card is None or card.critical:
            break
        reveal_answer(window)
        review.grade(Rating.EASY)
    reveal_answer(window)


def _grab_over(window: QWidget, dialog: QWidget, path: Path) -> None:
    """Save ``window`` with ``dialog`` drawn over its middle, as the screen shows them (the
    offscreen platform draws each window on its own)."""
    QApplication.processEvents()
    image = window.grab()
    shot = dialog.grab()
    painter = QPainter(image)
    x = (image.width() - shot.width()) // 2
    y = (image.height() - shot.height()) // 2
    painter.fillRect(image.rect(), QColor(0, 0, 0, 60))
    painter.drawPixmap(x, y, shot)
    painter.setPen(QColor(0, 0, 0, 90))
    painter.drawRect(x - 1, y - 1, shot.width() + 1, shot.height() + 1)
    painter.end()
    with output_file(path) as partial:
        if not image.save(str(partial), "PNG"):
            raise OutputFileError(f"cannot write the screenshot {printable(str(path))}")


def _render_safety_screen(library: Library, screen: str, out: Path, size: tuple[int, int]) -> int:
    """The backups dialog, the damaged-store dialog and the full-disk banner, each made for
    real on a scratch copy of the store (its backups, its damage, its full disk)."""
    from studyapp.gui.safety import BackupsDialog, DamagedStoreDialog
    from studyapp.services.safety import DataFolder, damaged_error

    window = MainWindow(library)
    window.resize(*size)
    window.show()
    session = library.session()
    answered = 0
    while answered < 6 and session.next_card() is not None:
        session.answer(Rating.GOOD if answered % 3 else Rating.AGAIN)
        answered += 1
        if answered in (2, 6):
            library.backup("study" if answered == 2 else "close")
    session.close()
    library.backup("sync")
    if screen == "backups":
        backups = BackupsDialog(library.backups, library.backup, library.restore, window)
        backups.show()
        _grab(backups, out)
        backups.close()  # (a window of its own: see render_screen)
    elif screen == "damaged":
        library.close()
        store = library.store_path
        with open(store, "r+b") as handle:  # 512 bytes overwritten mid-file
            handle.seek(store.stat().st_size // 2)
            handle.write(bytes(range(256)) * 2)
        folder = DataFolder(library.data_dir)
        error = damaged_error(store, folder.quick_check() or ["integrity check failed"])
        dialog = DamagedStoreDialog(error, folder.newest_good_backup(), window)
        dialog.show()
        _grab(dialog, out)
        dialog.close()
    else:
        window._on_study_requested(ScopeChoice.everything())
        reveal_answer(window)
        shown = window.review.session
        assert shown is not None
        # SQLite's per-connection size limit fills the store on demand: a full disk
        # (screenshots only reach into the session's connection).
        from studyapp.store.database import stop_growing

        stop_growing(shown._db)
        for _ in range(500):
            reveal_answer(window)
            window.review.grade(Rating.GOOD)
            if window.review.banner.isVisible():
                break
        _grab(window, out)
    window.close()
    return 0
