"""A realistic study history for the statistics benchmarks: a synced course and two years
of answers, made by FSRS itself.

``python -m benchmarks.history DIR [--notes N] [--days D]`` writes a store in ``DIR`` (the
default: 160,000 notes, about 200,000 cards; 730 days; about 1,000,000 answers) and prints
what it holds. The store is built once and cached: a later call with the same arguments
only moves every time in it forward, so the history always ends today.

How the trainee behaves (seeded, so the same arguments give the same history):

- studies on about 88% of days, with a two-week break a year ago, and every day of the
  last three weeks (so there is a streak);
- introduces new cards in the app's order, the same number on every study day, so that
  37% of the course is started by today (the rest is new);
- answers at morning, lunchtime and evening hours, about 7 s an answer (log-normal);
- puts off one answer in fifty of the last 60 days with "Not now" first; cards that
  lapse 8 times are marked leeches, as the app marks them;
- learning steps 1 m and 10 m, relearning 10 m, with the step transitions of FSRS's
  simulator (its defaults, fitted on Anki users' logs);
- reviews a card on its due study day, or on the next day they study (one review in five
  put off by 1-12 days, so some are overdue today); passes with the
  probability FSRS predicts (its retrievability), then Hard / Good / Easy with the
  simulator's default shares.

Memory states come from ``fsrs_rs_python`` (Anki's engine) with whole days elapsed. The
review rows carry the card's scheduling columns before each answer, as the app writes them.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import fsrs_rs_python as fsrs_rs

from benchmarks.course import generate
from studyapp.store.review_before import encode

__all__ = ["HistoryInfo", "build_history", "ensure_history"]

DAY = 86_400
VERSION = 4
"""Bump when the generator changes what it writes, so cached stores are rebuilt (4: the
review's snapshot in the app's array form since schema 3, studyapp/store/review_before.py)."""
_META = "bench.history"
_RETENTION = 0.9
_LATE_SHARE = 0.2
"""Share of reviews the trainee puts off by 1-12 days (so some cards are overdue now)."""
_STARTED_SHARE = 0.37
"""Share of the course started by today: with two years of reviews behind the first cards,
about 14 answers per started card, so 200,000 cards give about 1,000,000 answers."""
_HOURS = [7, 7, 8, 8, 8, 9, 12, 12, 13, 17, 18, 19, 19, 20, 20, 20, 21, 21, 22, 23]


@dataclass(frozen=True)
class HistoryInfo:
    data_dir: Path
    cards: int
    reviews: int
    introduced: int
    now: int
    """Epoch seconds the history ends at."""


def _study_days(rng: random.Random, days: int) -> list[bool]:
    studied = [rng.random() < 0.88 for _ in range(days)]
    for day in range(max(0, days - 380), max(0, days - 366)):
        studied[day] = False
    for day in range(max(0, days - 21), days):
        studied[day] = True
    return studied


class _Trainee:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.model = fsrs_rs.FSRS(fsrs_rs.DEFAULT_PARAMETERS)
        cfg = fsrs_rs.default_simulator_config()
        self.first = list(cfg.first_rating_prob)
        self.review = list(cfg.review_rating_prob)
        self.learn_steps = [list(row) for row in cfg.learning_step_transitions]
        self.probe = fsrs_rs.Card()

    def pick(self, weights: list[float]) -> int:
        return self.rng.choices((1, 2, 3, 4), weights=weights)[0]

    def duration_ms(self) -> int:
        return int(min(60_000, max(1_000, self.rng.lognormvariate(math.log(7_000), 0.55))))

    def moment(self, day_start: int) -> int:
        """A time of day on a study day (epoch seconds)."""
        hour = self.rng.choice(_HOURS)
        return day_start + hour * 3600 + self.rng.randrange(3600)

    def recall(self, stability: float, elapsed_days: float) -> float:
        self.probe.stability = stability
        self.probe.last_date = 0.0
        return float(self.probe.retention_on(max(0.0, elapsed_days)))


def build_history(
    data_dir: Path, *, notes: int = 160_000, days: int = 730, seed: int = 7
) -> HistoryInfo:
    """Write the course and the history into a new store in ``data_dir``."""
    from studyapp.services.library import Library

    started = time.perf_counter()
    course_dir = data_dir.parent / f"{data_dir.name}-course"
    if not (course_dir / "decks").exists():
        generate(notes, course_dir)
    library = Library(data_dir)
    plan = library.sync([course_dir / "decks"])
    if not plan.ok:
        raise SystemExit("sync failed: " + "; ".join(map(str, plan.problems[:5])))
    library.close()
    print(f"synced {notes} notes in {time.perf_counter() - started:.1f}s", file=sys.stderr)

    answers, introduced, cards, now = fill_history(
        data_dir / "studyapp.sqlite3", days=days, started_share=_STARTED_SHARE, seed=seed
    )
    db = sqlite3.connect(data_dir / "studyapp.sqlite3")
    db.execute(
        "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)",
        (_META, json.dumps({"version": VERSION, "notes": notes, "days": days, "now": now})),
    )
    db.commit()
    db.close()
    print(
        f"history: {answers} answers, {introduced} of {cards} cards started, "
        f"in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    return HistoryInfo(data_dir, cards, answers, introduced, now)


def fill_history(
    store: Path, *, days: int, started_share: float, seed: int = 7
) -> tuple[int, int, int, int]:
    """Answer the cards of the store at ``store`` for ``days`` days up to now, starting
    ``started_share`` of them in the queue's order. Returns (answers, cards started, cards,
    now in epoch seconds)."""
    db = sqlite3.connect(store)
    cards = [row[0] for row in db.execute("SELECT id FROM card ORDER BY new_order, id")]
    rng = random.Random(seed)
    trainee = _Trainee(seed)
    now = int(time.time())
    # Study days start at 04:00 UTC here; the statistics read them in the local zone.
    today_start = (now - 4 * 3600) // DAY * DAY + 4 * 3600
    first_day = today_start - (days - 1) * DAY
    studied = _study_days(rng, days)
    study_day_starts = [first_day + i * DAY for i in range(days) if studied[i]]
    introduced = int(len(cards) * started_share)
    per_day = max(1, math.ceil(introduced / len(study_day_starts)))
    next_study = [0] * days  # index of the first study day >= day i
    following = days
    for i in range(days - 1, -1, -1):
        if studied[i]:
            following = i
        next_study[i] = following

    reviews: list[tuple[object, ...]] = []
    states: list[tuple[object, ...]] = []
    for position, card_id in enumerate(cards[:introduced]):
        start_day = study_day_starts[min(position // per_day, len(study_day_starts) - 1)]
        _card_history(trainee, card_id, start_day, first_day, now, next_study, reviews, states)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO review (card_id, reviewed_at, rating, duration_ms, queue_before, "
        "queue_after, stability_after, difficulty_after, due_after, before) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        reviews,
    )
    db.executemany(
        "UPDATE card SET queue = ?, step = ?, stability = ?, difficulty = ?, due = ?, "
        "last_review = ?, reps = ?, lapses = ? WHERE id = ?",
        states,
    )
    # Leeches as the app marks them (8 lapses), and "Not now" before one answer in fifty
    # of the last 60 days (a card put off for a moment, answered later that day).
    db.execute("UPDATE card SET leech = 1 WHERE lapses >= 8")
    recent = (now - 60 * DAY) * 1000
    db.executemany(
        "INSERT INTO deferral (card_id, at_ms) VALUES (?, ?)",
        [
            (card_id, at - 60_000 * rng.randint(1, 90))
            for card_id, at in ((row[0], cast(int, row[1])) for row in reviews)
            if at >= recent and rng.random() < 0.02
        ],
    )
    db.commit()
    db.close()
    return len(reviews), introduced, len(cards), now


@dataclass
class _State:
    """A card's scheduling columns as the app stores them, while its history is made."""

    queue: int = 0
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: int = 0
    last: int = 0
    reps: int = 0
    lapses: int = 0

    def before(self) -> str:
        """The review's snapshot of this state, as the app writes it (the interval, which
        this history does not keep, is 0, as the app reads a snapshot without one)."""
        last = self.last if self.reps else None
        return encode(
            (self.queue, self.step, self.stability, self.difficulty, self.due, last)
            + (self.reps, self.lapses, 0)
        )


def _card_history(
    t: _Trainee,
    card_id: int,
    start_day: int,
    first_day: int,
    now: int,
    next_study: list[int],
    reviews: list[tuple[object, ...]],
    states: list[tuple[object, ...]],
) -> None:
    """One card's answers from its first day until now; appends rows and its final state."""
    model = t.model
    card = _State()
    at = min(t.moment(start_day), now - 60)
    rating = t.pick(t.first)
    memory = getattr(model.next_states(None, _RETENTION, 0), _NAMES[rating]).memory

    def log(new_queue: int, new_step: int | None, new_due: int) -> None:
        lapsed = card.queue == 2 and rating == 1
        reviews.append(
            (
                card_id,
                at * 1000 + t.rng.randrange(1000),
                rating,
                t.duration_ms(),
                card.queue,
                new_queue,
                memory.stability,
                memory.difficulty,
                new_due,
                card.before(),
            )
        )
        card.queue, card.step, card.due, card.last = new_queue, new_step, new_due, at
        card.stability, card.difficulty = memory.stability, memory.difficulty
        card.reps += 1
        card.lapses += 1 if lapsed else 0

    # Learning: steps of 1 m and 10 m; Easy graduates at once.
    learn_step = 0 if rating in (1, 2) else 1
    while True:
        if rating == 4 or (rating == 3 and learn_step >= 2):
            ivl = max(1, round(model.next_interval(memory.stability, _RETENTION, rating)))
            log(2, None, at + ivl * DAY)
            break
        wait = 60 if learn_step == 0 else 600
        log(1, learn_step, at + wait)
        if at + wait > now:
            break
        at += wait + t.rng.randrange(30)
        rating = t.pick(t.learn_steps[min(rating, 3) - 1])
        learn_step = 0 if rating == 1 else learn_step if rating == 2 else learn_step + 1
        memory = getattr(model.next_states(memory, _RETENTION, 0), _NAMES[rating]).memory
    # Reviews on the due study day or the next one studied, until the next is after now.
    while card.queue == 2:
        due_day = (card.due - first_day) // DAY
        if t.rng.random() < _LATE_SHARE:  # put off for a few days
            due_day += t.rng.randint(1, 12)
        if due_day >= len(next_study) or next_study[due_day] >= len(next_study):
            break
        day_start = first_day + next_study[due_day] * DAY
        at = max(t.moment(day_start), card.last + 60)
        if at > now:
            break
        elapsed = (day_start - ((card.last - first_day) // DAY * DAY + first_day)) // DAY
        recall = t.recall(memory.stability, elapsed)
        rating = 1 if t.rng.random() >= recall else t.pick([0.0, *t.review])
        memory = getattr(model.next_states(memory, _RETENTION, elapsed), _NAMES[rating]).memory
        if rating == 1:
            log(3, 0, at + 600)
            if at + 600 > now:
                break
            at += 600 + t.rng.randrange(60)
            rating = 3
            memory = model.next_states(memory, _RETENTION, 0).good.memory
        ivl = max(1, round(model.next_interval(memory.stability, _RETENTION, rating)))
        log(2, None, at + ivl * DAY)
    states.append(
        (
            card.queue,
            card.step,
            card.stability,
            card.difficulty,
            card.due,
            card.last,
            card.reps,
            card.lapses,
            card_id,
        )
    )


_NAMES = {1: "again", 2: "hard", 3: "good", 4: "easy"}


def _meta(data_dir: Path) -> dict[str, int] | None:
    path = data_dir / "studyapp.sqlite3"
    if not path.exists():
        return None
    db = sqlite3.connect(path)
    try:
        row = db.execute("SELECT value FROM setting WHERE key = ?", (_META,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return None if row is None else json.loads(row[0])


def ensure_history(data_dir: Path, *, notes: int = 160_000, days: int = 730) -> HistoryInfo:
    """The cached store in ``data_dir``, built if missing or stale, moved to end now."""
    meta = _meta(data_dir)
    if meta is None or (meta["version"], meta["notes"], meta["days"]) != (VERSION, notes, days):
        if data_dir.exists():
            for leftover in data_dir.glob("studyapp.sqlite3*"):
                leftover.unlink()
        return build_history(data_dir, notes=notes, days=days)
    now = int(time.time())
    shift = (now - meta["now"]) // DAY * DAY
    db = sqlite3.connect(data_dir / "studyapp.sqlite3")
    if shift:
        # Whole days, so hours of the day and study days stay what they were.
        db.execute("BEGIN")
        db.execute("UPDATE review SET reviewed_at = reviewed_at + ?", (shift * 1000,))
        db.execute(
            "UPDATE card SET due = due + ?, last_review = last_review + ? WHERE queue != 0",
            (shift, shift),
        )
        meta["now"] += shift
        db.execute("UPDATE setting SET value = ? WHERE key = ?", (json.dumps(meta), _META))
        db.commit()
    cards, introduced = db.execute(
        "SELECT COUNT(*), SUM(queue != 0) FROM card WHERE retired = 0"
    ).fetchone()
    reviews = db.execute("SELECT COUNT(*) FROM review").fetchone()[0]
    db.close()
    return HistoryInfo(data_dir, cards, reviews, introduced, meta["now"])


def bundled_history(data_dir: Path, *, days: int = 400) -> tuple[int, int, int, int]:
    """The bundled decks synced into a new store in ``data_dir`` and ``days`` of study of
    80% of them (for the screenshots of the statistics and the report)."""
    from studyapp.services.library import Library

    with Library(data_dir) as library:
        plan = library.sync()
        if not plan.ok:
            raise SystemExit("sync failed: " + "; ".join(map(str, plan.problems[:5])))
    return fill_history(data_dir / "studyapp.sqlite3", days=days, started_share=0.8)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.history", description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--notes", type=int, default=160_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument(
        "--bundled",
        action="store_true",
        help="the bundled decks instead of a generated course (80%% started), in a new store",
    )
    args = parser.parse_args(argv)
    if args.bundled:
        answers, started, cards, _now = bundled_history(args.data_dir, days=args.days)
        print(f"{args.data_dir}: {cards} cards ({started} started), {answers} answers")
        return 0
    info = ensure_history(args.data_dir, notes=args.notes, days=args.days)
    ends = datetime.fromtimestamp(info.now, UTC)
    print(
        f"{info.data_dir}: {info.cards} cards ({info.introduced} started), "
        f"{info.reviews} answers, ending {ends:%Y-%m-%d %H:%M} UTC"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
