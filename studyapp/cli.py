"""The ``studyapp`` command. Imports Qt only when it opens a window."""

from __future__ import annotations

import argparse
import json
import linecache
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

from studyapp import __version__
from studyapp.core.errors import KnownError
from studyapp.core.gcpause import freeze_for_exit, off_for_startup
from studyapp.core.outfile import write_output
from studyapp.core.printable import printable, shorten

if TYPE_CHECKING:
    from datetime import date

    from studyapp.services.library import Library, Overview
    from studyapp.services.progress import Progress, ReportData
    from studyapp.services.stats import Statistics, StatsScope

__all__ = ["build_parser", "main", "parse_arguments"]

_STORE_FILE = "studyapp.sqlite3"
"""The store's file name (studyapp.store.database.DB_FILENAME, without importing it and
SQLAlchemy before the reading check has started)."""

SCREENS = (
    "overview",
    "review",
    "answer",
    "summary",
    "settings",
    "details",
    "statistics",
    "retention",
    "memory",
    "readiness",
    "steering",
    "problems",
    "folders",
    "backups",
    "damaged",
    "full-disk",
    "image",
    "zoom",
    "browser",
    "deck-options",
    "optimize",
    "critical",
    "content-note",
    "leech",
    "cram-summary",
    "modules",
)


class _Parser(argparse.ArgumentParser):
    """argparse with a usage error on one line (exit status 2, as argparse's own)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {printable(message)} (see '{self.prog} --help')\n")


def window_size(text: str) -> tuple[int, int]:
    """``--size``: ``WIDTHxHEIGHT`` in pixels, such as ``1000x700``."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"must look like 1000x700, not {shorten(text, 40)!r}")
    width, height = int(match[1]), int(match[2])
    if not (100 <= width <= 10000 and 100 <= height <= 10000):
        raise argparse.ArgumentTypeError(
            f"width and height must be 100 to 10000 pixels, not {width}x{height}"
        )
    return width, height


_HIDE = "as the same option before the command"


def _add_scope_arguments(parser: argparse.ArgumentParser) -> None:
    """``--exam-date``, ``--family`` or ``--deck``, and ``--module``: what ``stats`` and
    ``report`` cover (see :func:`_scoped_statistics`)."""
    parser.add_argument(
        "--exam-date",
        metavar="YYYY-MM-DD",
        help="forecast readiness for this date (default: the exam date set on the Readiness tab "
        "of Tools → Statistics)",
    )
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--family", metavar="F", help="only the decks of family F")
    scope.add_argument("--deck", metavar="D", help="only deck D (its id)")
    parser.add_argument("--module", type=int, metavar="N", help="only the cards of course module N")


def build_parser() -> argparse.ArgumentParser:
    """The command line: the window's options and every command with its own."""
    parser = _window_options(_Parser)
    _add_commands(parser)
    return parser


class _NotTheWindow(Exception):
    """The window's own parser cannot read these arguments (see :func:`parse_arguments`)."""


class _WindowParser(_Parser):
    """The window's options alone: any error (a command, a positional argument, a bad
    value) or exit (help, version) is handed back, never printed."""

    def error(self, message: str) -> NoReturn:
        raise _NotTheWindow(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise _NotTheWindow(message or "")


COMMANDS = (
    "validate",
    "sync",
    "stats",
    "report",
    "preview",
    "init",
    "schema",
    "search",
    "export",
    "backup",
    "folders",
    "optimize",
    "check",
)
"""The commands :func:`build_parser` adds (a test pins the two lists equal)."""


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """``build_parser().parse_args(argv)``, without building every command's parser to open
    the window.

    When no argument is a command's name or could ask for help or the version (``-h``,
    ``--h...``, ``--v...``: argparse accepts abbreviations), the arguments are read by the
    window's options alone, which are the top level of :func:`build_parser`'s parser: the
    same values, and ``command`` None as the subcommands' default. Anything that parser
    cannot read (a command, a stray argument, a bad value) is read again by the whole
    parser, which prints its own usage error or help. The whole parser (13 commands, ~50
    arguments, each asking gettext for its messages and the terminal's size) was built at
    every start of the window, before its first frame and the first card: parsing the
    window's arguments 6.0 -> 2.0 ms of CPU (fresh processes, medians of 7 interleaved, load
    ~4; issue 19). Tests pin both paths to the same answers.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not any(a in COMMANDS or a.startswith(("-h", "--h", "--v")) for a in args):
        try:
            namespace = _window_options(_WindowParser).parse_args(args)
        except _NotTheWindow:
            pass
        else:
            namespace.command = None
            return namespace
    return build_parser().parse_args(args)


def _window_options(kind: type[_Parser]) -> _Parser:
    """The top level of the command line: the window's options, without the commands."""
    parser = kind(
        prog="studyapp",
        description=(
            "Offline spaced-repetition study for psychedelic-assisted therapy training. "
            "With no command, syncs the bundled decks and opens the study window."
        ),
    )
    parser.add_argument("--version", action="version", version=f"studyapp {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder of the study database (default: $STUDYAPP_DATA_DIR or the platform's "
        "user data folder)",
    )
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        help="render a screen offscreen to this PNG file and exit (for docs and checks)",
    )
    parser.add_argument(
        "--screen",
        choices=SCREENS,
        default="overview",
        help="the screen --screenshot renders (default: overview)",
    )
    parser.add_argument(
        "--card",
        metavar="ID",
        help="with --screen image or zoom: the card (its id in the deck file) whose picture "
        "is shown (default: the first card with one)",
    )
    parser.add_argument(
        "--size",
        type=window_size,
        default=(1000, 700),
        metavar="WxH",
        help="window size for --screenshot, in pixels (default: 1000x700)",
    )
    parser.add_argument(
        "--theme", choices=("system", "light", "dark"), help="override the theme setting"
    )
    return parser


def _add_commands(parser: argparse.ArgumentParser) -> None:
    """Each command of :data:`COMMANDS`, with its own arguments."""
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check deck files and print every problem as file:line:col",
        description="Check deck files and folders. Prints every problem as "
        "'file:line:column: severity: message'. Exit status 0 if there are no errors, 1 "
        "otherwise (with --strict, warnings count as errors).",
    )
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")

    sync = commands.add_parser(
        "sync",
        help="load deck files into the study database, keeping all progress",
        description="Load decks into the store, matching cards by id so edits keep review "
        "history. With no PATH, syncs the bundled decks and every added folder. A folder "
        "given here is remembered and re-synced on every start.",
    )
    sync.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    sync.add_argument(
        "--dry-run", action="store_true", help="print what would change and write nothing"
    )

    stats = commands.add_parser(
        "stats",
        help="statistics: cards per deck, today, streak, forecast, true retention, memory, "
        "readiness for an exam date",
        description="Print the statistics the Statistics screen shows: cards per deck, "
        "today's study and the streak, the forecast of due cards, true retention (as Anki "
        "defines it), FSRS memory, answers by hour, and readiness for the exam date (the "
        "date in Settings, or --exam-date).",
    )
    stats.add_argument("--json", action="store_true", help="print JSON")
    _add_scope_arguments(stats)

    report = commands.add_parser(
        "report",
        help="a progress report for a supervisor, as a PDF of one or two pages",
        description="Write a PDF for a supervisor: the streak and study days, coverage per "
        "family, true retention, readiness for the exam date (the date set on the Readiness "
        "tab of Tools → Statistics, or "
        "--exam-date) and the calendar of the last year. The file is written whole or not "
        "at all (never over a link or a device).",
    )
    report.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE.pdf", help="the PDF to write"
    )
    _add_scope_arguments(report)

    preview = commands.add_parser(
        "preview",
        help="open a live preview of deck files for authors (re-renders on save)",
        description="Show every card of the given deck files or folders as trainees see "
        "it, with a problems panel (file:line:col). The window re-renders within a second "
        "of a save; a broken save shows its errors and keeps the last good rendering.",
    )
    preview.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    # The window options may also follow the command (``preview decks --size 800x600``).
    preview.add_argument("--screenshot", metavar="PNG", default=argparse.SUPPRESS, help=_HIDE)
    preview.add_argument(
        "--size", type=window_size, default=argparse.SUPPRESS, metavar="WxH", help=_HIDE
    )
    preview.add_argument(
        "--theme", choices=("system", "light", "dark"), default=argparse.SUPPRESS, help=_HIDE
    )

    init = commands.add_parser(
        "init",
        help="make a course repository for authors: example decks, bibliography, editor "
        "settings, CI",
        description="Make a course in DIR (created if missing): an authors' README, one "
        "example deck per card type, a bibliography, an images folder, the schemas and "
        "editor settings that map them to the decks (YAML 1.1, as StudyApp reads), a CI "
        "workflow that runs 'studyapp validate', and a .gitignore. 'studyapp validate DIR' "
        "passes on it as made. A folder that is not empty is refused unless --force is "
        "given; no file is ever overwritten. Exit status 2 if nothing could be made.",
    )
    init.add_argument("folder", type=Path, metavar="DIR")
    init.add_argument(
        "--title", metavar="TITLE", help="the course's title (default: the folder's name)"
    )
    init.add_argument(
        "--force",
        action="store_true",
        help="add the course's files to a folder that is not empty (files already there "
        "are kept as they are)",
    )

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of the deck format (for editors)",
        description="Print the JSON Schema the validator is generated from. Editors use it "
        "for completion and inline errors; see docs/deck-format.md.",
    )
    schema.add_argument("--output", "-o", type=Path, metavar="FILE", help="write to FILE")
    which = schema.add_mutually_exclusive_group()
    which.add_argument(
        "--bibliography", action="store_true", help="the schema of sources.yaml instead"
    )
    which.add_argument(
        "--course", action="store_true", help="the schema of course.yaml (modules) instead"
    )

    search = commands.add_parser(
        "search",
        help="list the cards a search finds (the browser's search language)",
        description="Print the cards QUERY finds, one per line: question, deck, state and "
        'due date (docs/search.md describes the language: words, "phrases", deck:, '
        "family:, module:, tag:, source:, is:, flag:, prop:, rated:, or, -, parentheses). "
        "A malformed query is one line on stderr with its column, exit status 2.",
    )
    search.add_argument("query", nargs="?", default="", metavar="QUERY")
    search.add_argument("--json", action="store_true", help="print a JSON list of cards")
    search.add_argument(
        "--sort",
        default="due",
        choices=(
            "question",
            "deck",
            "due",
            "interval",
            "retrievability",
            "stability",
            "lapses",
            "reviews",
            "answered",
        ),
        help="the order of the results (default: due, new cards first)",
    )
    search.add_argument("--reverse", action="store_true", help="the opposite order")
    search.add_argument(
        "--limit", type=int, default=0, metavar="N", help="print at most N cards (0: all)"
    )

    export = commands.add_parser(
        "export",
        help="export synced decks as an Anki package (.apkg) or CSV",
        description="Export decks from the study database (all synced decks, or the DECK_IDs "
        "given). Importing a newer .apkg into Anki updates the notes imported before instead "
        "of duplicating them, and only the notes that changed since: each note carries the "
        "time it last changed. Retired cards are exported suspended and tagged "
        "studyapp::retired; pictures go along as media (CSV: their file names). Exit status 1 "
        "for an unknown deck id.",
    )
    export.add_argument("deck_ids", nargs="*", metavar="DECK_ID")
    export_format = export.add_mutually_exclusive_group(required=True)
    export_format.add_argument(
        "--anki", type=Path, metavar="OUT.apkg", help="write an Anki package"
    )
    export_format.add_argument(
        "--csv", type=Path, metavar="OUT.csv", help="write CSV (UTF-8, one row per note)"
    )

    backup = commands.add_parser(
        "backup",
        help="make, list or restore backups of the study store",
        description="Backups are consistent snapshots of the study store in the data "
        "folder's backups/ folder, made at start-up, every 30 minutes of study, before a "
        "deck update that retires, relearns or resets cards, and on closing, and kept by "
        "rotation (recent, daily, weekly, monthly, with a size cap). Restoring keeps the "
        "current store as a backup first. Writing actions need the store not to be open "
        "in StudyApp.",
    )
    backup_actions = backup.add_subparsers(dest="action", metavar="ACTION", required=True)
    backup_actions.add_parser("create", help="make a backup now")
    backup_actions.add_parser("list", help="list the backups, newest first")
    restore = backup_actions.add_parser(
        "restore", help="make backup ID the study store (the current one is kept first)"
    )
    restore.add_argument("backup_id", metavar="ID", help="a backup id from 'backup list'")

    folders = commands.add_parser(
        "folders",
        help="list, add or remove deck folders (synced on every start)",
        description="Deck folders you added are synced with the bundled decks on every "
        "start, each on its own: a missing folder or one with errors holds back only its "
        "own decks. Removing a folder takes its decks off your study list; their progress "
        "is kept and comes back if you add the folder again. Writing actions need the store "
        "not to be open in StudyApp.",
    )
    folder_actions = folders.add_subparsers(dest="action", metavar="ACTION")
    folder_actions.add_parser("list", help="list the added folders and their decks (default)")
    add = folder_actions.add_parser("add", help="add a folder of decks")
    add.add_argument("folder", type=Path, metavar="FOLDER")
    remove = folder_actions.add_parser("remove", help="remove an added folder")
    remove.add_argument("folder", type=Path, metavar="FOLDER")

    optimize = commands.add_parser(
        "optimize",
        help="fit the FSRS parameters to your own reviews",
        description="Fit the FSRS parameters to your scheduled answers, as Anki's Optimize "
        "does, and print how well the parameters in use and the fitted ones predict them "
        "(log loss and RMSE over bins; smaller is better). The new parameters are kept only "
        "if they fit better; every card's memory state is then recomputed from its history. "
        "Review cards keep their due dates unless --reschedule is given. Exit status 2 (and "
        "nothing changed) when there are too few reviews or the parameters given are unusable.",
    )
    optimize.add_argument("--json", action="store_true", help="print JSON")
    which = optimize.add_mutually_exclusive_group()
    which.add_argument(
        "--reset", action="store_true", help="go back to the published default parameters"
    )
    which.add_argument(
        "--parameters",
        metavar="LIST",
        help="use these parameters instead of fitting (21 numbers separated by commas, as "
        "Anki shows them)",
    )
    optimize.add_argument(
        "--reschedule",
        action="store_true",
        help="also move review cards' due dates to the new parameters (Anki's 'reschedule "
        "cards on change')",
    )

    commands.add_parser(
        "check",
        help="check the study store for damage and inconsistencies",
        description="Run SQLite's integrity and foreign-key checks and StudyApp's own "
        "invariants (each card's answer count matches its review log, ...). Exit status 0 "
        "if the store is sound, 1 if an invariant does not hold, 2 if the store is damaged "
        "(the line names the newest good backup).",
    )


def run(argv: Sequence[str] | None = None) -> int:
    """The console entry point: :func:`main` in a process that ends when it returns.

    The cyclic collector is off during start-up and everything alive is frozen at the end
    (see :mod:`studyapp.core.gcpause`); the GUI turns it back on before its event loop
    (``studyapp.app.startup_done``).
    """
    off_for_startup()
    try:
        return main(argv)
    except BrokenPipeError:
        # The reader went away (``studyapp search --json | head``): stop quietly, as any
        # writer to a pipe does, instead of a traceback; nothing is left to print.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    finally:
        freeze_for_exit()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    try:
        commands: dict[str, Callable[[argparse.Namespace], int]] = {
            "validate": _validate,
            "sync": _sync,
            "stats": _stats,
            "report": _report,
            "schema": _schema,
            "init": _init,
            "preview": _preview,
            "export": _export,
            "search": _search,
            "backup": _backup,
            "check": _check,
            "folders": _folders,
            "optimize": _optimize,
        }
        return commands.get(args.command, _gui)(args)
    except _CommandError as exc:
        print(f"studyapp {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KnownError as exc:
        print(f"studyapp: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if isinstance(exc, FileNotFoundError) and _working_folder_gone():
            # Run from a folder deleted since (a terminal left in a removed checkout): a
            # relative path cannot be made absolute, so what it names was never read.
            print(
                f"studyapp {args.command or ''}".rstrip() + ": error: the folder it was run in "
                "no longer exists (deleted or moved): run it again from an existing folder",
                file=sys.stderr,
            )
            return 2
        # A storage failure raised past the store's own mapping (a service reading through
        # the DB-API connection): still one sentence, never a traceback. Anything else is a
        # bug, and its traceback is the report.
        from studyapp.store.errors import storage_error

        mapped = storage_error(exc, _data_dir(args) / "studyapp.sqlite3")
        if mapped is None:
            raise
        print(f"studyapp: error: {mapped}", file=sys.stderr)
        return 2


def _working_folder_gone() -> bool:
    """The working folder has been deleted (``os.getcwd`` fails)."""
    try:
        os.getcwd()
    except FileNotFoundError:
        return True
    return False


def _validate(args: argparse.Namespace) -> int:
    from studyapp.services.validate import validate_paths

    report = validate_paths(args.paths)
    for problem in report.problems:
        print(problem)
    print(report.summary(), file=sys.stderr)
    failed = report.errors or (args.strict and report.warnings)
    return 1 if failed else 0


def _init(args: argparse.Namespace) -> int:
    from studyapp.services.scaffold import init_course

    made = init_course(args.folder, title=args.title, force=args.force)
    for path in made.created:
        print(f"created {printable(str(path))}")
    for path in made.kept:
        print(f"kept    {printable(str(path))} (already there, not changed)")
    import shlex

    shown = shlex.quote(printable(str(args.folder)))
    print(
        f"course '{made.course_id}': {len(made.created)} file(s) made. Next: "
        f"studyapp validate {shown}; studyapp preview {shown} (README.md says more)",
        file=sys.stderr,
    )
    return 0


def _data_dir(args: argparse.Namespace) -> Path:
    from studyapp.services.paths import default_data_dir

    return default_data_dir(args.data_dir)


def _newest_backup_hint(data_dir: Path) -> str:
    """``; the newest good backup is ...`` for a damaged store's one line, or ''."""
    from studyapp.services.safety import DataFolder

    best = DataFolder(data_dir).newest_good_backup()
    if best is None:
        return "; there is no backup to restore"
    when = best.created.astimezone().strftime("%Y-%m-%d %H:%M")
    return (
        f"; the newest good backup is from {when} ({best.reviews:,} reviews): "
        f"studyapp backup restore {best.id}"
    )


def _open_reader(args: argparse.Namespace) -> Library:
    """A read-only library (no lock: works while the app is open), after a quick check, so
    a damaged store is reported instead of read as if sound. The check is skipped while a
    clean one vouches for the store as it is (unchanged since, less than a day ago; see
    studyapp/store/integrity.py)."""
    from studyapp.services.library import Library

    library = Library.open(args.data_dir, read_only=True)
    problems = library.quick_check_for_reading()
    if problems:
        _checked_result(library, problems)
    return library


def _open_writer(args: argparse.Namespace, *, create: bool = False) -> Library:
    """The library with the data folder's lock, after a quick check: nothing is written to
    a damaged store. Only ``create`` (``sync``, ``folders add``) makes a store where there is
    none, and says so; otherwise a folder without one is refused (a mistyped --data-dir
    creates nothing)."""
    from studyapp.services.library import Library

    library = Library.open(args.data_dir, create=create)
    if library.created:
        print(f"studyapp: created a new study store in {library.data_dir}", file=sys.stderr)
    return _checked(library)


class _Reader:
    """What :func:`_reader_checked_alongside` yields: :meth:`open` opens the read-only
    library (once), after the caller's own imports."""

    def __init__(self, args: argparse.Namespace) -> None:
        self._args = args
        self.library: Library | None = None

    def open(self) -> Library:
        from studyapp.services.library import Library

        if self.library is None:
            self.library = Library.open(self._args.data_dir, read_only=True)
        return self.library


@contextmanager
def _reader_checked_alongside(args: argparse.Namespace) -> Iterator[_Reader]:
    """A read-only library (``.open()`` on what this yields) whose quick check runs beside
    the block, on a second thread (the check is SQLite's, without Python's GIL: 0.5 s at a
    million answers, which would be half of ``stats``' second), unless a clean check
    vouches for the store as it is. When the block ends, the check's verdict stands as in
    :func:`_open_reader`: a damaged store is one line and exit 2, whatever the block read
    (or failed to read) from it.

    The check starts before anything heavy is imported (it needs only
    :mod:`studyapp.store.integrity`), so it also overlaps the block's imports (SQLAlchemy
    and the services, 0.27 s of CPU at 200,000 cards) instead of starting after them: the
    check (0.55 s) no longer waits for them, so on two cores up to 0.27 s less wall for the
    first read after a change, at the same CPU time (A/B at load 11, 5 runs each: 1.70 s
    and 1.62 s of CPU; the wall time at that load says nothing)."""
    from concurrent.futures import ThreadPoolExecutor  # (8-13 ms to import; only here)

    from studyapp.services.paths import default_data_dir
    from studyapp.store.integrity import quick_check_unless_vouched

    store = default_data_dir(args.data_dir) / _STORE_FILE
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quick-check")
    # A missing store: nothing to check, and opening it says so (no_store_error).
    check = pool.submit(quick_check_unless_vouched, store) if store.exists() else None
    reader = _Reader(args)
    failure: BaseException | None = None
    try:
        yield reader
    except Exception as exc:
        failure = exc
    finally:
        try:  # (a check that could not reach the store raises its storage error here)
            problems = check.result()[0] if check is not None else []
        finally:
            pool.shutdown()
            library = reader.library
            if library is not None:
                library.close()
        if problems:
            _checked_result_at(store, problems, cause=failure)
    if failure is not None:
        raise failure


def _checked_result(
    library: Library, problems: list[str], *, cause: BaseException | None = None
) -> NoReturn:
    library.close()
    _checked_result_at(library.store_path, problems, cause=cause)


def _checked_result_at(
    store: Path, problems: list[str], *, cause: BaseException | None = None
) -> NoReturn:
    """The damaged store's one line (with the newest good backup), for ``problems``."""
    from studyapp.services.safety import damaged_error

    error = damaged_error(store, problems)
    raise type(error)(str(error).rstrip(".") + _newest_backup_hint(store.parent)) from cause


def _checked(library: Library) -> Library:
    problems = library.quick_check()
    if problems:
        _checked_result(library, problems)
    return library


def _sync(args: argparse.Namespace) -> int:

    if args.dry_run and not (_data_dir(args) / "studyapp.sqlite3").exists():
        # No store yet: plan the first import against an empty scratch store, so a dry run
        # creates nothing in the data folder; unless that folder is a file (a plan for a
        # store that could never be made there said nothing of it).
        import tempfile

        from studyapp.services.library import Library
        from studyapp.store.errors import not_a_folder

        in_the_way = not_a_folder(_data_dir(args))
        if in_the_way is not None:
            raise in_the_way

        with tempfile.TemporaryDirectory() as scratch, Library(Path(scratch)) as library:
            return _sync_with(library, args)
    with _open_reader(args) if args.dry_run else _open_writer(args, create=True) as library:
        return _sync_with(library, args)


def _sync_with(library: Library, args: argparse.Namespace) -> int:
    from studyapp.deckfile.reading import real_path
    from studyapp.services.library import BUNDLED_HELD_BACK, is_bundled

    sources = [real_path(p) for p in args.paths] if args.paths else None
    # A folder synced by name is remembered with its decks, in the sync's transaction.
    folders = [p for p in sources or [] if p.is_dir()] if not args.dry_run else []
    plan = library.sync(sources, dry_run=args.dry_run, add_folders=folders)
    for problems in plan.blocked.values():
        for problem in problems:
            print(problem)
    for problem in plan.problems:
        print(problem)
    if not plan.ok:
        print("sync: nothing was changed; fix the errors above", file=sys.stderr)
        return 1
    for held in plan.blocked:
        if is_bundled(held):
            print(
                "sync: the decks shipped with StudyApp were not synced (they are as they "
                f"were): {BUNDLED_HELD_BACK}",
                file=sys.stderr,
            )
            continue
        print(
            f"sync: {printable(held)} was not synced (its decks are as they were): fix the "
            f"errors above, or remove it with 'studyapp folders remove {printable(held)}'",
            file=sys.stderr,
        )
    if args.dry_run:
        print("dry run, nothing written: " + plan.summary())
        for line in plan.details(shipped_retired=True):
            print(line)
        return 1 if plan.blocked else 0
    print("synced: " + plan.summary())
    return 1 if plan.blocked else 0


def _folders(args: argparse.Namespace) -> int:
    if args.action in (None, "list"):
        with _open_reader(args) as library:
            statuses = library.folder_statuses()
        if not statuses:
            print("no deck folders added (add one with 'studyapp folders add FOLDER')")
        for status in statuses:
            print(f"{printable(str(status.path))}  ({status.describe})")
        return 0
    if args.action == "add":
        from studyapp.deckfile.reading import real_path

        folder = real_path(args.folder)
        if not folder.is_dir():
            print(
                f"studyapp: error: {printable(str(args.folder))} is not a folder", file=sys.stderr
            )
            return 2
        with _open_writer(args, create=True) as library:
            library.add_folder(folder)
        print(
            f"added {printable(str(folder))}; its decks are read at the next start "
            "or by 'studyapp sync'"
        )
        return 0
    with _open_writer(args) as library:
        decks = library.remove_folder(args.folder)
    taken = (
        f"{len(decks)} deck(s) left the study list, their progress kept"
        if decks
        else "it had no decks"
    )
    print(f"removed {printable(str(args.folder))}: {taken}")
    return 0


class _CommandError(Exception):
    """A mistake in a command's arguments found after parsing them: one line,
    ``studyapp COMMAND: error: ...``, and exit status 2 (:func:`main`)."""


_T = TypeVar("_T")


def _scoped_statistics(
    args: argparse.Namespace,
    collect: Callable[[Callable[[bool], Overview], Statistics, StatsScope, date | None], _T],
) -> tuple[StatsScope, _T]:
    """The scope ``--family``/``--deck``/``--module`` name and what ``collect`` gathers in
    it (given a function reading the overview, with each deck's card total or not), for
    ``--exam-date`` (else the
    one in the settings), read while the store's quick check runs alongside (``stats``
    and ``report``).

    The store is read on plain read-only ``sqlite3`` connections
    (:func:`studyapp.services.stats.plain_statistics`), without SQLAlchemy: importing it
    and opening its engine was 0.12-0.19 s of CPU of the first read after a change. A
    store that must first be created or brought up to date is read through the library,
    whose open says why it cannot (as before).

    Raises:
        _CommandError: the exam date or a filter names nothing there is.
    """
    with _reader_checked_alongside(args) as reader:
        # Imported once the check has started, beside it.
        from studyapp.services.examdate import parse_exam_date
        from studyapp.services.paths import default_data_dir
        from studyapp.services.stats import (
            Statistics,
            StatsFilter,
            UnknownFilter,
            plain_statistics,
        )

        exam = None
        if args.exam_date is not None:
            try:
                exam = parse_exam_date(args.exam_date)
            except ValueError as exc:
                raise _CommandError(str(exc)) from None
        with plain_statistics(default_data_dir(args.data_dir) / _STORE_FILE) as plain:
            if plain is not None:
                statistics, overview = plain
            else:
                library = reader.open()
                statistics = Statistics(library.engine, library.settings)

                def overview(totals: bool) -> Overview:
                    return library.overview(totals=totals)

            try:
                scope = statistics.resolve(
                    StatsFilter(family=args.family, deck=args.deck, module=args.module)
                )
            except UnknownFilter as exc:
                raise _CommandError(str(exc)) from None
            exam = exam or statistics.settings.exam
            return scope, collect(overview, statistics, scope, exam)


def _stats(args: argparse.Namespace) -> int:
    def gather(
        overview: Callable[[bool], Overview],
        statistics: Statistics,
        scope: StatsScope,
        exam: date | None,
    ) -> tuple[Overview, Progress]:
        from studyapp.services.progress import collect

        return overview(scope.scope.module is not None), collect(statistics, scope, exam)

    scope, (overview, progress) = _scoped_statistics(args, gather)
    from studyapp.services.progress import progress_json

    wanted = scope.scope.deck_ids
    # Each deck's active cards ("cards") are the sum of coverage's columns (new, learning,
    # young, mature, suspended: every active card of the deck), not counted a second time
    # by the overview: its full count read 200,000 index entries on the main thread before
    # the statistics started (154.0 M instructions at 200,000 cards, the statement alone
    # under callgrind; issue 19). A course module's coverage counts only that module's
    # cards, so with --module the overview counts each deck's.
    totals = (
        {deck.id: deck.counts.total for family in overview.families for deck in family.decks}
        if scope.scope.module is not None
        else {deck.id: deck.total for family in progress.coverage.families for deck in family.decks}
    )
    decks = [
        {
            "id": deck.id,
            "title": deck.title,
            "family": deck.family,
            "new": deck.counts.new,
            "learning": deck.counts.learning,
            "review": deck.counts.review,
            "cards": totals.get(deck.id, 0),
        }
        for family in overview.families
        for deck in family.decks
        if wanted is None or deck.id in wanted
    ]
    if args.json:
        print(
            json.dumps(
                {
                    "decks": decks,
                    "due_today": {
                        "new": overview.due_today.new,
                        "learning": overview.due_today.learning,
                        "review": overview.due_today.review,
                    },
                    "total_reviews": overview.reviews_total,
                    "next_due": overview.next_due.isoformat() if overview.next_due else None,
                    **progress_json(progress),
                },
                indent=2,
            )
        )
        return 0
    width = max([len(deck.id) for family in overview.families for deck in family.decks] + [4])
    print(f"{'deck':<{width}}  {'new':>5} {'learn':>5} {'due':>5} {'cards':>6}")
    for d in decks:
        print(
            f"{d['id']:<{width}}  {d['new']:>5} {d['learning']:>5} {d['review']:>5} {d['cards']:>6}"
        )
    t = overview.due_today
    print(f"today (within daily limits): {t.new} new, {t.learning} learning, {t.review} due")
    print(f"total reviews: {overview.reviews_total}")
    from studyapp.services.progress import progress_lines

    for line in progress_lines(progress):
        print(line)
    return 0


def _optimize(args: argparse.Namespace) -> int:
    from studyapp.services.fsrs import ParameterError, parse_parameters

    try:
        chosen = parse_parameters(args.parameters) if args.parameters is not None else None
    except ParameterError as exc:
        print(f"studyapp optimize: error: {exc}; nothing was changed", file=sys.stderr)
        return 2
    with _open_writer(args) as library:
        out: dict[str, object]
        if args.reset or chosen is not None:
            parameters = () if args.reset else chosen or ()
            replayed = library.set_parameters(parameters)
            lines = [
                "Using the published default parameters."
                if not parameters
                else "Using the parameters given.",
                f"Memory states recomputed from the review history of {replayed:,} cards.",
            ]
            out = {"parameters": list(library.settings.parameters), "recomputed": replayed}
            changed = True
        else:
            result = library.optimize()
            if result.fit is None:
                if args.json:
                    print(json.dumps(result.to_json(), indent=2))
                print(f"studyapp optimize: error: {result.summary()[0]}", file=sys.stderr)
                return 2
            lines, out, changed = result.summary(), result.to_json(), result.saved
        moved = 0
        waiting = library.reviews_to_reschedule() if changed else 0
        if args.reschedule:
            moved = library.reschedule_reviews()
            lines.append(f"Moved the due dates of {moved:,} review cards to the parameters in use.")
        elif waiting:
            lines.append(
                f"{waiting:,} review cards keep their due dates; run with --reschedule to "
                "move them to the new parameters."
            )
        out["rescheduled"] = moved
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for line in lines:
            print(line)
    return 0


def _search(args: argparse.Namespace) -> int:
    from studyapp.services.search import CardSearch, SearchError

    try:  # a malformed query is said before any store is looked for
        CardSearch.parse(args.query)
    except SearchError as exc:
        print(f"studyapp: error: search: {printable(str(exc))}", file=sys.stderr)
        return 2
    # A reader: works while the app holds the data folder's lock; a stale search index is
    # brought up to date privately, never in the store (see store/search.py).
    with _open_reader(args) as library:
        search = library.card_search()
        try:
            ids = search.search(args.query, sort=args.sort, descending=args.reverse)
        except SearchError as exc:
            print(f"studyapp: error: search: {printable(str(exc))}", file=sys.stderr)
            return 2
        total = len(ids)
        if args.limit > 0:
            ids = ids[: args.limit]
        items = search.items(ids)
    if args.json:
        print(json.dumps([item.as_json() for item in items], indent=2, ensure_ascii=False))
        return 0
    for item in items:
        question = item.question if len(item.question) <= 70 else item.question[:69] + "…"
        due = f"  ·  due {item.due.astimezone():%Y-%m-%d}" if item.due else ""
        print(f"{printable(question)}  ·  {printable(item.deck)}  ·  {item.state}{due}")
    shown = f" (first {len(items)} shown)" if len(items) < total else ""
    print(f"{total} card{'s' if total != 1 else ''}{shown}", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    def gather(
        _overview: Callable[[bool], Overview],
        statistics: Statistics,
        scope: StatsScope,
        exam: date | None,
    ) -> ReportData:
        from studyapp.services.progress import collect_report

        return collect_report(statistics, scope, exam)

    _scope, data = _scoped_statistics(args, gather)
    try:
        from studyapp.gui.report import render_report_pdf
    except ImportError as exc:
        print(f"studyapp: the report needs PySide6 ({exc})", file=sys.stderr)
        return 2
    pdf, pages = render_report_pdf(data)
    write_output(args.output, pdf)
    print(f"report: wrote {args.output} ({pages} page{'s' if pages != 1 else ''})")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from studyapp.deckfile.schema import (
        bibliography_json_schema,
        course_json_schema,
        deck_json_schema,
    )

    if args.course:
        schema = course_json_schema()
    else:
        schema = bibliography_json_schema() if args.bibliography else deck_json_schema()
    rendered = json.dumps(schema, indent=2) + "\n"
    if args.output:
        write_output(args.output, rendered)
    else:
        sys.stdout.write(rendered)
    return 0


def _export(args: argparse.Namespace) -> int:
    from studyapp.services.export import ExportError, export_anki, export_csv

    with _open_reader(args) as library:
        try:
            if args.anki:
                result = export_anki(library.engine, args.anki, args.deck_ids)
            else:
                result = export_csv(library.engine, args.csv, args.deck_ids)
        except ExportError as exc:
            print(f"studyapp: error: {exc}", file=sys.stderr)
            return 1
    print("exported: " + result.summary())
    return 0


def _backup(args: argparse.Namespace) -> int:
    from studyapp.services.library import Library
    from studyapp.services.safety import DataFolder

    data_dir = _data_dir(args)
    if args.action == "list":
        backups = DataFolder(data_dir).backups()
        if not backups:
            print(f"no backups in {data_dir / 'backups'}")
            return 0
        print(f"{'id':<28} {'made (local time)':<17} {'reviews':>8} {'MB':>7}  why")
        for b in backups:
            reviews = "-" if b.reviews is None else f"{b.reviews:,}"
            when = b.created.astimezone().strftime("%Y-%m-%d %H:%M")
            print(f"{b.id:<28} {when:<17} {reviews:>8} {b.size / 1e6:>7.1f}  {b.reason_text}")
        return 0
    if args.action == "create":
        with Library.open(args.data_dir, create=False) as library:
            made = library.backup("manual")
        size = made.size / 1e6
        print(f"backup {made.id}: {made.reviews:,} reviews, {size:.1f} MB in {made.path}")
        return 0
    folder = DataFolder(data_dir, lock=True)  # restore: works even if the store cannot open
    try:
        kept = folder.restore(args.backup_id, damaged=bool(folder.quick_check()))
        restored = folder.find(args.backup_id)
    finally:
        folder.release()
    print(
        f"restored backup {restored.id} ({restored.reviews:,} reviews); the store it replaced "
        f"is kept as backup {kept.id}"
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    from studyapp.services.library import Library
    from studyapp.services.safety import damaged_error

    with Library.open(args.data_dir, read_only=True) as library:
        report = library.check()
    if report.damage:
        error = damaged_error(library.store_path, report.damage)
        print(
            f"studyapp: error: {str(error).rstrip('.')}{_newest_backup_hint(library.data_dir)}",
            file=sys.stderr,
        )
        return 2
    for problem in report.problems:
        print(f"{library.store_path}: {problem}")
    if report.problems:
        print(f"check: {len(report.problems)} problem(s) in {library.store_path}", file=sys.stderr)
        return 1
    print(f"check: the store is sound ({report.cards:,} cards, {report.reviews:,} reviews)")
    return 0


def _preview(args: argparse.Namespace) -> int:
    _check_xcb_meanwhile(args)
    _import_data_stack_before_qt()
    try:
        from studyapp.app import run_preview
    except ImportError as exc:
        print(f"studyapp: the preview window needs PySide6 ({exc})", file=sys.stderr)
        return 2
    return run_preview(args)


def _import_data_stack_before_qt() -> None:
    """Import the headless services (and sqlalchemy, fsrs_rs_python, nh3 with them) before PySide6.

    PySide6 replaces ``builtins.__import__`` with its ``__feature_import__`` hook, and every
    module imported through it costs more memory: importing the data stack first lowers the
    GUI's peak RSS from 114 to 104 MB (50,000 cards, benchmarks/), at no cost in time.
    SQLAlchemy's SQLite dialect is otherwise imported on opening the store, after Qt.
    """
    from studyapp.core.sqlalchemyload import load_sqlalchemy

    load_sqlalchemy()  # SQLAlchemy and its SQLite dialect

    import studyapp.services.library
    import studyapp.services.overview  # (the library imports it where first used)
    import studyapp.services.study  # noqa: F401


def _forget_sources_read_by_qt() -> None:
    """Drop the module sources PySide6's import hook left in ``linecache``.

    The hook reads the source of each module that imports after it (``inspect.getsource``,
    to look for ``from __feature__ import``): typing, enum, dataclasses and our GUI modules,
    ~1.3 MB that nothing reads again (a traceback reads its lines back from the files).
    """
    linecache.clearcache()


def _check_xcb_meanwhile(args: argparse.Namespace) -> None:
    """Start checking Qt's X11 plugin's system libraries (``ldd``, ~30 ms) while the data
    stack imports; the window collects the answer (see :mod:`studyapp.gui.xcbcheck`)."""
    if not args.screenshot:
        from studyapp.gui import xcbcheck

        xcbcheck.start()


def _gui(args: argparse.Namespace) -> int:
    _check_xcb_meanwhile(args)
    if args.screenshot:
        # The window paints its first frame before the data stack is imported (see
        # studyapp.app.run); a screenshot is drawn from the library, so it comes first.
        _import_data_stack_before_qt()
    try:
        from studyapp.app import run
    except ImportError as exc:
        print(f"studyapp: the study window needs PySide6 ({exc})", file=sys.stderr)
        return 2
    _forget_sources_read_by_qt()
    return run(args)
