"""The measured work, one task per fresh process.

``python -m benchmarks.workers TASK ARGS_JSON OUT``

Each task imports what it needs first, then times only the work with ``time.perf_counter``
and writes a JSON result to ``OUT``. The parent reads the child's peak RSS from ``wait4``.
Setup tasks (``*_prepare``) are not timed.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

DAY = 86400
PAST_DAYS = 30
"""Setup answers happen this many days ago, so the cards they graduate are due now."""


# -- StudyApp ------------------------------------------------------------------------------
def sa_import(folder: str, data_dir: str) -> dict[str, Any]:
    """First import: ``Library(dir).sync([folder])`` into an empty store, then close.

    The code it runs is loaded before the clock starts, as Anki's is in anki_import: the
    app imports the deck format only when a sync needs it. A new store is made from its
    DDL snapshot (studyapp/store/snapshot.py), so the table classes are not loaded here:
    ``studyapp sync`` into a new store never imports them, and neither does this process.
    Nor SQLAlchemy: the library syncs on the plain connection it opened the store with
    (``Library.engine`` is opened only when something else needs it).
    """
    import studyapp.deckfile.loader
    import studyapp.store.snapshot  # noqa: F401  (the new store's DDL)
    from studyapp.services.library import Library

    base_mb = vm_hwm_mb()  # the peak so far: what the import's own memory adds to
    start = time.perf_counter()
    cpu = time.process_time()
    library = Library(Path(data_dir))
    plan = library.sync([Path(folder)])
    # A millisecond: read on the connection the sync wrote through (the library's own; no
    # engine is opened for it, as ``studyapp sync`` opens none).
    pragmas = library.store_pragmas(("journal_mode", "synchronous", "locking_mode"))
    library.close()
    cpu = time.process_time() - cpu
    seconds = time.perf_counter() - start
    if not plan.ok:
        raise SystemExit("sync failed: " + "; ".join(map(str, plan.problems[:5])))
    return {
        "seconds": seconds,
        "cpu": cpu,
        "summary": plan.summary(),
        "new": len(plan.new),
        "pragmas": pragmas,
        "rss_base_mb": base_mb,
    }


def vm_hwm_mb() -> float:
    """This process's peak RSS so far (``VmHWM``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


sa_sync = sa_import
"""Re-sync an existing store: the same open, plan, apply and close."""


def _sa_pragmas(engine: Any) -> dict[str, Any]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return {
            name: conn.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "synchronous", "locking_mode")
        }


def sa_prepare(folder: str, data_dir: str, due: int) -> dict[str, Any]:
    """Sync the course, lift the daily limits and make ``due`` cards due now.

    The cards are answered for real (Easy, a new card's fastest way to the review queue)
    PAST_DAYS ago through a session with a clock set back, so they fall due today.
    """
    from studyapp.core.model import Rating
    from studyapp.core.studyday import utc_now
    from studyapp.services.library import Library

    library = Library(Path(data_dir))
    plan = library.sync([Path(folder)])
    assert plan.ok, plan.problems[:5]
    library.update_settings(library.settings.with_changes(new_per_day=9999, reviews_per_day=9999))
    # Each deck's own limits too (its preset's, the Default one here), as Anki's deck
    # configs are lifted in anki_prepare: through the deck options, as the trainee sets them.
    from studyapp.store.presets import DEFAULT_PRESET_ID

    options = library.deck_options()
    default = options.presets[DEFAULT_PRESET_ID]
    options.update(default._replace(new_per_day=9999, reviews_per_day=9999))
    library.save_deck_options(options)
    answered = 0
    day = 0
    while answered < due and day < 5:
        moment = utc_now() - timedelta(days=PAST_DAYS - day)

        def clock(moment: datetime = moment) -> datetime:
            return moment

        session = library.session(clock=clock)
        progressed = False
        while answered < due and session.next_card() is not None:
            session.answer(Rating.EASY, duration_ms=5000)
            answered += 1
            progressed = True
        if not progressed:
            break
        day += 1
    library.close()
    return {"answered": answered, "per_deck": _sa_reviews_per_deck(Path(data_dir))}


def _sa_reviews_per_deck(data_dir: Path) -> dict[str, int]:
    """How many cards of each deck have been answered (the due reviews ``sa_prepare`` made)."""
    import sqlite3

    from studyapp.store.database import DB_FILENAME

    uri = f"file:{data_dir / DB_FILENAME}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        rows = conn.execute("SELECT deck_id, count(*) FROM card WHERE reps > 0 GROUP BY deck_id")
        return dict(sorted(rows))


def sa_answer(data_dir: str, answers: int) -> dict[str, Any]:
    """The answer cycle: next card, grade Good, commit; ``answers`` samples."""
    from studyapp.core.model import Rating
    from studyapp.services.library import Library

    library = Library(Path(data_dir))
    session = library.session()
    samples = []
    since_ms = int(time.time() * 1000)
    for _ in range(answers):
        start = time.perf_counter()
        card = session.next_card()
        if card is None:
            break
        session.answer(Rating.GOOD)
        samples.append(time.perf_counter() - start)
    pragmas = _sa_pragmas(library.engine)
    library.close()
    return {
        "samples": samples,
        "pragmas": pragmas,
        "reviews": _sa_reviews_answered(Path(data_dir), since_ms),
    }


def _sa_reviews_answered(data_dir: Path, since_ms: int) -> int:
    """How many answers since ``since_ms`` were of cards in the review queue."""
    import sqlite3

    from studyapp.core.model import Queue
    from studyapp.store.database import DB_FILENAME

    uri = f"file:{data_dir / DB_FILENAME}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        query = "SELECT count(*) FROM review WHERE reviewed_at >= ? AND queue_before = ?"
        return int(conn.execute(query, (since_ms, int(Queue.REVIEW))).fetchone()[0])


def sa_crash(data_dir: str, answers: int) -> dict[str, Any]:
    """Answer some cards, then die by SIGKILL without closing anything."""
    from studyapp.core.model import Rating
    from studyapp.services.library import Library

    library = Library(Path(data_dir))
    session = library.session()
    for _ in range(answers):
        if session.next_card() is None:
            break
        session.answer(Rating.GOOD)
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)
    return {}  # pragma: no cover


def sa_add_folder(data_dir: str, folder: str) -> dict[str, Any]:
    """Remember ``folder`` as an added deck folder, as ``studyapp sync FOLDER`` does."""
    from studyapp.services.library import Library

    with Library(Path(data_dir)) as library:
        library.add_folder(Path(folder))
    return {}


def sa_sync_folder(data_dir: str, folder: str) -> dict[str, Any]:
    """``studyapp sync FOLDER`` into a store as the GUI leaves it after its start-up (the
    bundled decks, and the search index the window's first sync brings up to date): the
    work File > Add deck folder does, headless, for the add-folder row's equal-work
    reference. The index is made before the clock starts, as the GUI's start-up made it
    before its add; the sync then keeps it current, as any writer's does. The deck
    format's modules are loaded before the clock, as in sa_import and as the add-folder
    probe loads them before its menu action (the same code loaded outside the timed span
    on every side: ~0.16 s of CPU and 18 MB in the GUI process)."""
    import studyapp.deckfile.loader  # noqa: F401
    from studyapp.services.library import Library

    library = Library(Path(data_dir))
    library.card_search().update_index()
    start = time.perf_counter()
    cpu = time.process_time()
    plan = library.sync([Path(folder)])
    if plan.ok:
        library.add_folder(Path(folder))
    cpu = time.process_time() - cpu
    seconds = time.perf_counter() - start
    library.close()
    if not plan.ok:
        raise SystemExit("sync failed: " + "; ".join(map(str, plan.problems[:5])))
    return {"seconds": seconds, "cpu": cpu, "summary": plan.summary(), "new": len(plan.new)}


def sa_bundled(data_dir: str) -> dict[str, Any]:
    """A new store holding the bundled decks only, as a first start leaves it."""
    from studyapp.services.library import Library

    with Library(Path(data_dir)) as library:
        plan = library.sync()
        if not plan.ok:
            raise SystemExit("sync failed: " + "; ".join(map(str, plan.problems[:5])))
    return {}


def search_rows(root: str, runs: int, copy_to: str) -> dict[str, Any]:
    """benchmarks/steering.py's searches at 200,000 cards, its store kept in ``root``.

    The searches (and the browser after them, whose bulk action suspends and restores
    10,000 cards) run on a fresh copy in ``copy_to``, so no run measures a store an earlier
    run changed: each run starts from the same file. On that copy the cached states are
    placed relative to the run's clock (:func:`benchmarks.steering.place_states`): the
    collection as left at yesterday's rollover, so ``is:due`` matches two whole study days
    of due cards (its busiest case) whatever the hour of the run.
    """
    import shutil

    from benchmarks.steering import CARDS, measure_searches, place_states, prepare

    base = Path(root)
    base.mkdir(parents=True, exist_ok=True)
    kept = prepare(base, CARDS)
    data = Path(copy_to)
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(kept, data)
    placed = place_states(data)
    print(f"states placed: {placed}", file=sys.stderr, flush=True)
    return {
        "rows": [
            {"name": row.name, "times": row.times, "budget": row.budget, "note": row.note}
            for row in measure_searches(data, max(runs, 5))
        ]
    }


def sa_count_reviews(data_dir: str) -> dict[str, Any]:
    import sqlite3

    from studyapp.store.database import DB_FILENAME

    conn = sqlite3.connect(Path(data_dir) / DB_FILENAME)
    try:
        cutoff = int((time.time() - DAY) * 1000)
        count = conn.execute("SELECT count(*) FROM review WHERE reviewed_at > ?", (cutoff,))
        return {"reviews": count.fetchone()[0]}
    finally:
        conn.close()


def gui_overview(data_dir: str, runs: int) -> dict[str, Any]:
    """The overview screen at this store's size (offscreen): the counts query, building the
    view into a new screen before it is shown (as the main window does before its first
    paint), and showing the same counts again on the visible screen, painted."""
    from PySide6.QtWidgets import QApplication

    from studyapp.core.studyday import utc_now
    from studyapp.gui.overview import OverviewScreen
    from studyapp.gui.theme import apply_theme
    from studyapp.services.library import Library

    app = QApplication([])
    library = Library(Path(data_dir))
    colors = apply_theme(app, "light", library.settings.font_size)
    now = utc_now()
    library.overview(now)  # warm-up: the statements are prepared once per connection
    query, build, again = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        overview = library.overview(now)
        query.append(time.perf_counter() - start)
    for _ in range(runs):
        screen = OverviewScreen(colors)
        screen.resize(1000, 700)
        start = time.perf_counter()
        screen.show_overview(overview, now)
        build.append(time.perf_counter() - start)
        screen.deleteLater()
        app.processEvents()
    screen = OverviewScreen(colors)
    screen.resize(1000, 700)
    screen.show_overview(overview, now)
    screen.show()
    app.processEvents()
    for _ in range(runs):
        start = time.perf_counter()
        screen.show_overview(overview, now)
        screen.repaint()
        again.append(time.perf_counter() - start)
    decks = sum(len(family.decks) for family in overview.families)
    library.close()
    return {"query": query, "build": build, "again": again, "decks": decks}


# -- Anki ----------------------------------------------------------------------------------
def _anki() -> Any:
    import anki.collection  # noqa: F401  (import order: anki.collection first)
    from anki.collection import Collection

    return Collection


def anki_import(csv_path: str, col_path: str) -> dict[str, Any]:
    """CSV import into a new collection (the note types and decks named in the file)."""
    Collection = _anki()
    from anki.collection import ImportCsvRequest

    start = time.perf_counter()
    cpu = time.process_time()
    col = Collection(col_path)
    metadata = col.get_csv_metadata(csv_path, None)
    result = col.import_csv(ImportCsvRequest(path=csv_path, metadata=metadata))
    pragmas = _anki_pragmas(col)  # a few microseconds: the connection the import used
    col.close()
    cpu = time.process_time() - cpu
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu": cpu, "new": len(result.log.new), "pragmas": pragmas}


def _anki_pragmas(col: Any) -> dict[str, Any]:
    return {
        name: col.db.scalar(f"PRAGMA {name}")
        for name in ("journal_mode", "synchronous", "locking_mode")
    }


def _anki_answer_one(col: Any, rating: Any, *, render: bool = False) -> bool:
    from anki.cards import Card

    queued = col.sched.get_queued_cards()
    if not queued.cards:
        return False
    top = queued.cards[0]
    card = Card(col, backend_card=top.card)
    card.start_timer()
    if render:
        card.question()
        card.answer()
    col.sched.answer_card(col.sched.build_answer(card=card, states=top.states, rating=rating))
    return True


def anki_prepare(
    csv_path: str, col_path: str, due: int, per_deck: dict[str, int] | None = None
) -> dict[str, Any]:
    """Import the CSV, turn on FSRS, lift the limits, answer ``due`` new cards Easy, and
    move their reviews PAST_DAYS into the past (Anki has no clock to set back) so they are
    due now with a real FSRS memory state and elapsed time.

    ``per_deck`` (a course deck's name -> how many): answer that many of each deck's first
    new cards, deck by deck, so the due reviews lie as StudyApp's do (``sa_prepare``'s
    ``per_deck``: its "Study all" takes the decks' new cards in turn, 5 of each of the 200
    decks at 200,000 notes). Left to itself Anki's study of the whole course takes the
    first deck's new cards first, so all 1,000 reviews sat in one deck's first ~1,250 cards
    (~15 table pages, checked at 200,000), against ours spread over the whole table (each
    WAL checkpoint wrote 145 distinct pages of ours against 49 of Anki's, tail-r9)."""
    Collection = _anki()
    from anki.collection import ImportCsvRequest
    from anki.scheduler_pb2 import CardAnswer

    col = Collection(col_path)
    col.db.execute("UPDATE col SET crt = crt - ?", 2 * PAST_DAYS * DAY)
    col.close()
    col = Collection(col_path)
    metadata = col.get_csv_metadata(csv_path, None)
    col.import_csv(ImportCsvRequest(path=csv_path, metadata=metadata))
    col.set_config("fsrs", True)
    # Study the whole course, as StudyApp's "Study all" does (the current deck is saved).
    col.decks.select(col.decks.id_for_name("Bench"))
    for deck_id in [d.id for d in col.decks.all_names_and_ids()]:
        conf = col.decks.config_dict_for_deck_id(deck_id)
        conf["new"]["perDay"] = 9999
        conf["rev"]["perDay"] = 9999
        # New cards after the day's reviews, as StudyApp's session shows them. Anki's default
        # mixes them in: with 9,999 new cards a day against 1,000 reviews, 445 of every 500
        # answers of Anki's cycle were new cards' first steps (revlog type 0) and 55 reviews,
        # while all 500 of ours were reviews (checked 06:06 UTC at 10,000 and 200,000 cards).
        conf["newMix"] = 1  # REVIEW_MIX_AFTER_REVIEWS
        col.decks.update_config(conf)
    answered = 0
    if per_deck is not None:
        bench = col.decks.id_for_name("Bench")
        for name, count in per_deck.items():
            col.decks.select(col.decks.id_for_name(f"Bench::{name}"))
            for _ in range(count):
                if not _anki_answer_one(col, CardAnswer.EASY):
                    raise SystemExit(f"deck {name}: fewer than {count} new cards")
                answered += 1
        col.decks.select(bench)  # the answer cycle studies the whole course again
    while answered < due and _anki_answer_one(col, CardAnswer.EASY):
        answered += 1
    col.db.execute("UPDATE cards SET due = due - ? WHERE queue = 2", PAST_DAYS)
    col.db.execute("UPDATE revlog SET id = id - ?", PAST_DAYS * DAY * 1000)
    col.db.execute(
        "UPDATE cards SET data = json_set(data, '$.lrt', json_extract(data, '$.lrt') - ?) "
        "WHERE queue = 2 AND json_extract(data, '$.lrt') IS NOT NULL",
        PAST_DAYS * DAY,
    )
    queued = col.sched.get_queued_cards()
    layout = col.db.all("SELECT did, count() FROM cards WHERE queue = 2 GROUP BY did")
    names = {deck.id: deck.name.rsplit("::", 1)[-1] for deck in col.decks.all_names_and_ids()}
    col.close()
    return {
        "answered": answered,
        "review_count": queued.review_count,
        "per_deck": dict(sorted((names[did], n) for did, n in layout)),
    }


def anki_answer(col_path: str, answers: int, render: bool = False) -> dict[str, Any]:
    """get_queued_cards + build_answer + answer_card (v3, FSRS); ``render`` adds the card's
    question and answer HTML, which StudyApp's next_card always renders."""
    Collection = _anki()
    from anki.scheduler_pb2 import CardAnswer

    col = Collection(col_path)
    samples = []
    # This session's reviews are the review rows the revlog gains. (Not the rows with ids
    # from now on: a revlog id is its millisecond, moved on by one when taken, so a session
    # just before answering faster than a card a millisecond leaves ids ahead of the clock.)
    reviews_before = col.db.scalar("SELECT count() FROM revlog WHERE type = 1")
    for _ in range(answers):
        start = time.perf_counter()
        if not _anki_answer_one(col, CardAnswer.GOOD, render=render):
            break
        samples.append(time.perf_counter() - start)
    pragmas = _anki_pragmas(col)
    # revlog type 1: a review (0 would be a new or learning card's step).
    reviews = col.db.scalar("SELECT count() FROM revlog WHERE type = 1") - reviews_before
    col.close()
    return {"samples": samples, "pragmas": pragmas, "reviews": reviews}


def anki_crash(col_path: str, answers: int) -> dict[str, Any]:
    Collection = _anki()
    from anki.scheduler_pb2 import CardAnswer

    col = Collection(col_path)
    for _ in range(answers):
        if not _anki_answer_one(col, CardAnswer.GOOD):
            break
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)
    return {}  # pragma: no cover


def anki_count_reviews(col_path: str) -> dict[str, Any]:
    import sqlite3

    conn = sqlite3.connect(f"file:{col_path}?mode=ro", uri=True)
    try:
        cutoff = int((time.time() - DAY) * 1000)
        count = conn.execute("SELECT count(*) FROM revlog WHERE id > ?", (cutoff,)).fetchone()
        return {"reviews": count[0]}
    finally:
        conn.close()


TASKS = {
    name: fn
    for name, fn in globals().items()
    if callable(fn) and name.startswith(("sa_", "anki_", "gui_", "search_"))
}


AS_THE_COMMAND = frozenset({"sa_import", "sa_sync", "sa_sync_folder"})
"""Tasks that stand for ``studyapp sync``, so their process lives as that command's does
(:func:`studyapp.cli.run`): the cyclic collector off from the start, everything alive frozen
at the end (:mod:`studyapp.core.gcpause`). Their whole-process CPU time is then the
command's, not a bare interpreter's running the same calls."""


def main(argv: list[str]) -> int:
    task, args, out = argv[0], json.loads(argv[1]), argv[2]
    if task in AS_THE_COMMAND:
        from studyapp.core.gcpause import freeze_for_exit, off_for_startup

        off_for_startup()
        try:
            result = TASKS[task](**args)
            Path(out).write_text(json.dumps(result), encoding="utf-8")
        finally:
            freeze_for_exit()
        return 0
    result = TASKS[task](**args)
    Path(out).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
