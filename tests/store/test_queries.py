"""The study path's queries (studyapp.store.queries) on a store built row by row.

Each test sets up exactly the cards it needs (through the store's own writes) and asserts on
what the query returns and on the rows it leaves.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace
from sqlalchemy import Engine, text

from studyapp.core.model import MemoryState, Queue
from studyapp.store import queries
from studyapp.store.database import open_engine, raw_connection
from studyapp.store.queries import CardCounts, DueQuery
from studyapp.store.sync import Changes, write_changes
from studyapp.store.syncrows import DeckValues, NewCard
from tests.store.conftest import NOW, note_row

DAY_START = NOW - 8 * 3600
DAY_END = DAY_START + 86_400


@pytest.fixture
def engine(two_decks: Engine) -> Engine:
    return two_decks


@pytest.fixture
def db(engine: Engine) -> Iterator[sqlite3.Connection]:
    connection, give_back = raw_connection(engine)
    yield connection
    give_back()


def card_id(db: sqlite3.Connection, note_id: str, key: str = "fwd") -> int:
    row = db.execute("SELECT id FROM card WHERE note_id = ? AND key = ?", (note_id, key))
    return int(row.fetchone()[0])


def set_card(db: sqlite3.Connection, note_id: str, key: str = "fwd", **columns: object) -> None:
    assignments = ", ".join(f"{c} = :{c}" for c in columns)
    db.execute(
        f"UPDATE card SET {assignments} WHERE note_id = :n AND key = :k",
        {**columns, "n": note_id, "k": key},
    )
    db.commit()


def due_query(**changes: object) -> DueQuery:
    return replace(DueQuery(now=NOW, day_start_ms=DAY_START * 1000, day_end=DAY_END), **changes)


# -- which card comes next -----------------------------------------------------------------
def test_new_cards_come_in_file_order(db: sqlite3.Connection) -> None:
    assert queries.next_card_id(db, due_query()) == card_id(db, "a")
    assert queries.next_card_id(db, due_query(deck_ids=("d2",))) == card_id(db, "c")


def test_due_learning_comes_before_due_reviews_before_new(db: sqlite3.Connection) -> None:
    set_card(db, "b", queue=int(Queue.REVIEW), due=NOW + 3600)  # due later today
    assert queries.next_card_id(db, due_query()) == card_id(db, "b")
    set_card(db, "c", queue=int(Queue.RELEARNING), due=NOW - 60)
    assert queries.next_card_id(db, due_query()) == card_id(db, "c")
    set_card(db, "b", due=DAY_END + 1)  # a review due tomorrow is not due
    set_card(db, "c", due=NOW + 60)  # learning due in a minute: not yet
    assert queries.next_card_id(db, due_query()) == card_id(db, "a")


def test_a_learning_card_is_shown_early_only_when_nothing_else_is_left(
    db: sqlite3.Connection,
) -> None:
    set_card(db, "c", queue=int(Queue.LEARNING), due=NOW + 600)
    assert queries.next_card_id(db, due_query(deck_ids=("d2",))) == card_id(db, "c")
    assert queries.next_card_id(db, due_query(deck_ids=("d2",), learn_ahead=60)) is None
    assert queries.next_card_id(db, due_query()) == card_id(db, "a")


def test_the_learning_card_picked_is_the_first_by_due_time_then_id(
    db: sqlite3.Connection,
) -> None:
    # next_card_id reads the two learning queues as two merged index ranges; the card it
    # picks must be the one the plain "queue IN (1, 3) ORDER BY due, id" query picks, with
    # ties on due, both queues mixed, and cards set aside, in every scope.
    reference = (
        f"SELECT c.id FROM card c WHERE {queries._STUDYABLE} AND c.queue IN (1, 3) "
        "AND c.due <= :limit{scope} ORDER BY c.due, c.id LIMIT 1"
    )
    ids = [r[0] for r in db.execute("SELECT id FROM card ORDER BY id")]
    rng = random.Random(3)
    scopes = [(), ("d1",), ("d2",), ("d1", "d2")]
    for _ in range(400):
        for card in ids:
            db.execute(
                "UPDATE card SET queue = ?, due = ?, suspended = ?, buried_until = ?, "
                "retired = ? WHERE id = ?",
                (
                    rng.choice([0, 1, 2, 3, 3]),
                    NOW + rng.choice([-120, -60, -60, 0, 60, 600, 3000]),
                    int(rng.random() < 0.15),
                    NOW + 60 if rng.random() < 0.15 else 0,
                    int(rng.random() < 0.1),
                    card,
                ),
            )
        for deck_ids in scopes:
            query = due_query(deck_ids=deck_ids or None, reviews_left=0, new_left=0)
            scope, params = queries._scope(query)
            for limit in (NOW, NOW + 1200):
                expected = db.execute(
                    reference.format(scope=scope), params | {"now": NOW, "limit": limit}
                ).fetchone()
                got = db.execute(
                    queries._learning_sql(scope), params | {"now": NOW, "limit": limit}
                ).fetchone()
                assert (got and got[0]) == (expected and expected[0])
            # and through next_card_id itself (learn-ahead when nothing is due now)
            ahead = db.execute(
                reference.format(scope=scope), params | {"now": NOW, "limit": NOW + 1200}
            ).fetchone()
            due_now = db.execute(
                reference.format(scope=scope), params | {"now": NOW, "limit": NOW}
            ).fetchone()
            first = due_now or ahead
            assert queries.next_card_id(db, query) == (first and first[0])


def _next_card_step_by_step(
    db: sqlite3.Connection, query: DueQuery, touched: Container[str]
) -> int | None:
    """next_card_id as it was before the learning card rode on the review query: the
    learning query on its own, then the reviews, the new cards, and learn-ahead."""
    scope, params = queries._scope(query)
    params |= {"now": query.now, "day_end": query.day_end}
    learning = (
        f"SELECT c.id FROM card c WHERE {queries._STUDYABLE} AND c.queue IN (1, 3) "
        f"AND c.due <= :limit{scope} ORDER BY c.due, c.id LIMIT 1"
    )

    def first(sql: str, values: dict[str, Any]) -> int | None:
        for found, note_id in db.execute(sql, values):
            if note_id not in touched:
                return int(found)
        return None

    row = db.execute(learning, params | {"limit": query.now}).fetchone()
    if row is not None:
        return int(row[0])
    decks = queries._open_decks(query, query.deck_reviews_left)
    if query.reviews_left > 0 and decks != ():
        where, values = queries._in_decks(decks, "r")
        found = first(
            f"SELECT c.id, c.note_id FROM card c WHERE {queries._STUDYABLE} AND c.queue = 2 "
            f"AND c.due < :day_end{where}{queries._in_module(query.module)} ORDER BY c.due, c.id",
            params | values,
        )
        if found is not None:
            return found
    decks = queries._open_decks(query, query.deck_new_left)
    if query.new_left > 0 and decks != ():
        where, values = queries._in_decks(decks, "n")
        found = first(
            f"SELECT c.id, c.note_id FROM card c WHERE {queries._STUDYABLE} AND c.queue = 0"
            f"{where}{queries._in_module(query.module)} ORDER BY c.new_order, c.id",
            params | values,
        )
        if found is not None:
            return found
    row = db.execute(learning, params | {"limit": query.now + query.learn_ahead}).fetchone()
    return None if row is None else int(row[0])


def test_the_next_card_is_the_one_the_step_by_step_queries_pick(
    db: sqlite3.Connection,
) -> None:
    # The first due (re)learning card comes with the review query's rows (one statement
    # instead of two): over random layouts of every queue, due times around now and the
    # day's end, cards set aside, touched notes, scopes, daily and per-deck limits and
    # learn-ahead, the card picked is the one the separate queries pick.
    ids = [r[0] for r in db.execute("SELECT id FROM card ORDER BY id")]
    rng = random.Random(7)
    picked_by_queue: set[int] = set()
    rows_carried = 0
    for _ in range(300):
        for card in ids:
            db.execute(
                "UPDATE card SET queue = ?, due = ?, suspended = ?, buried_until = ?, "
                "retired = ? WHERE id = ?",
                (
                    rng.choice([0, 1, 2, 2, 3]),
                    rng.choice(
                        [
                            NOW - 600,
                            NOW - 60,
                            NOW,
                            NOW + 60,
                            NOW + 900,
                            DAY_END - 1,
                            DAY_END,
                            DAY_END + 60,
                        ]
                    ),
                    int(rng.random() < 0.1),
                    NOW + 60 if rng.random() < 0.1 else 0,
                    int(rng.random() < 0.05),
                    card,
                ),
            )
        for _ in range(6):
            query = due_query(
                deck_ids=rng.choice([None, ("d1",), ("d2",), ("d1", "d2")]),
                reviews_left=rng.choice([0, 5]),
                new_left=rng.choice([0, 5]),
                deck_reviews_left=rng.choice([None, {"d1": 0, "d2": 5}, {"d1": 5, "d2": 0}]),
                learn_ahead=rng.choice([0, 1200]),
                module=rng.choice([None, None, 0]),
            )
            touched = set(rng.sample(["a", "b", "c"], rng.randint(0, 2)))
            expected = _next_card_step_by_step(db, query, touched)
            assert queries.next_card_id(db, query, touched) == expected
            found, row = queries.next_shown_card(db, query, touched)
            assert found == expected
            if row is not None:  # a due review comes with the row shown_card reads
                assert found is not None and row == queries.shown_card(db, found)
                rows_carried += 1
            if expected is not None:
                picked_by_queue.add(
                    db.execute("SELECT queue FROM card WHERE id = ?", (expected,)).fetchone()[0]
                )
    assert picked_by_queue == {0, 1, 2, 3}  # every kind of card was picked somewhere
    assert rows_carried > 100


def test_the_upcoming_reviews_are_the_ones_the_review_walk_shows_next(
    db: sqlite3.Connection,
) -> None:
    # upcoming_reviews (whose fuzz a session draws ahead) lists the due reviews in the order
    # the review walk shows them: over random layouts, scopes, limits and touched notes it
    # equals the step-by-step review query's untouched rows, as far as the limit, with each
    # card's repetitions; its first is the next card whenever that is a review.
    ids = [r[0] for r in db.execute("SELECT id FROM card ORDER BY id")]
    rng = random.Random(23)
    firsts = nonempty = 0
    for _ in range(150):
        for card in ids:
            db.execute(
                "UPDATE card SET queue = ?, due = ?, suspended = ?, buried_until = ?, "
                "retired = ?, reps = ? WHERE id = ?",
                (
                    rng.choice([0, 1, 2, 2, 2, 3]),
                    rng.choice([NOW - 600, NOW, NOW + 60, DAY_END - 1, DAY_END, DAY_END + 60]),
                    int(rng.random() < 0.1),
                    NOW + 60 if rng.random() < 0.1 else 0,
                    int(rng.random() < 0.05),
                    rng.randrange(0, 40),
                    card,
                ),
            )
        for _ in range(6):
            query = due_query(
                deck_ids=rng.choice([None, ("d1",), ("d2",), ("d1", "d2")]),
                reviews_left=rng.choice([0, 2, 5, 99]),
                deck_reviews_left=rng.choice([None, {"d1": 0, "d2": 5}, {"d1": 5, "d2": 0}]),
                module=rng.choice([None, None, 0]),
            )
            touched = set(rng.sample(["a", "b", "c"], rng.randint(0, 2)))
            limit = rng.choice([1, 3, 32])
            decks = queries._open_decks(query, query.deck_reviews_left)
            expected: list[tuple[int, int]] = []
            if query.reviews_left > 0 and decks != ():
                where, values = queries._in_decks(decks, "r")
                rows = db.execute(
                    f"SELECT c.id, c.note_id, c.reps FROM card c WHERE {queries._STUDYABLE} "
                    f"AND c.queue = 2 AND c.due < :day_end{where}"
                    f"{queries._in_module(query.module)} ORDER BY c.due, c.id",
                    values | {"now": NOW, "day_end": DAY_END},
                ).fetchall()[: min(limit, query.reviews_left)]
                expected = [(i, reps) for i, note, reps in rows if note not in touched]
            ahead = queries.upcoming_reviews(db, query, touched, limit)
            assert ahead == expected
            nonempty += bool(ahead)
            found = queries.next_card_id(db, query, touched)
            if (
                found is not None
                and ahead
                and not db.execute(
                    "SELECT 1 FROM card WHERE id = ? AND queue != 2", (found,)
                ).fetchone()
            ):
                assert ahead[0][0] == found
                firsts += 1
    assert nonempty > 100 and firsts > 50, (nonempty, firsts)
    for deck_ids in (None, ("d1",), ("d1", "d2")):  # an index range in due order, no sort
        where, in_decks = queries._in_decks(deck_ids, "r")
        for module in ("", queries._in_module(0)):
            sql = queries._upcoming_sql(where, module)
            steps = [
                row[3]
                for row in db.execute(
                    "EXPLAIN QUERY PLAN " + sql,
                    in_decks | {"now": NOW, "day_end": DAY_END, "upcoming": 32},
                )
            ]
            assert not any("TEMP B-TREE" in s or s.startswith("SCAN c") for s in steps), steps


def test_the_review_query_carries_the_learning_card_without_a_sort(
    db: sqlite3.Connection,
) -> None:
    """The review query with its learning subquery: index ranges only (no scan of the
    cards, no sort), in every scope."""
    statements: list[str] = []
    set_card(db, "b", queue=int(Queue.REVIEW), due=NOW - 60)
    review = card_id(db, "b")
    for deck_ids in (None, ("d1",), ("d1", "d2")):
        query = due_query(deck_ids=deck_ids)
        db.set_trace_callback(statements.append)
        try:
            assert queries.next_card_id(db, query) == review
            found, row = queries.next_shown_card(db, query)
            assert found == review and row is not None
        finally:
            db.set_trace_callback(None)
    merged = [s for s in statements if "c.queue = 2" in s]
    assert len(merged) == 6 and len(statements) == 6  # one statement a card
    for sql in merged:
        steps = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql)]
        assert not any("TEMP B-TREE" in s or s.startswith("SCAN c") for s in steps), steps
        assert sum(s.startswith("SEARCH c USING") for s in steps) == 3, steps
        # the shown row's joins (note, deck, presets, trainee's note): one seek each
        joined = [
            s for s in steps if s.startswith(("SEARCH n ", "SEARCH d ", "SEARCH p", "SEARCH u "))
        ]
        assert len(joined) == (5 if "JOIN note" in sql else 0), steps
        # the cards walked in due order by an index range (no sort; one deck: its row first)
        walk = steps[1] if steps[0].startswith("SEARCH d ") else steps[0]
        assert walk.startswith("SEARCH c USING INDEX ix_card_") and "due<?" in walk, steps


def test_siblings_waiting_for_tomorrow_are_walked_past_by_their_ids(
    db: sqlite3.Connection,
) -> None:
    """A touched note's cards stay due all day, ahead of the rest: when the first due review
    is one of them, the reviews are walked by the ids-only query (a skipped sibling costs
    an id, not a shown row), and the card found is read afresh."""
    set_card(db, "a", queue=int(Queue.REVIEW), due=NOW - 120)
    set_card(db, "a", "rev", queue=int(Queue.REVIEW), due=NOW - 90)
    set_card(db, "b", queue=int(Queue.REVIEW), due=NOW - 60)
    statements: list[str] = []
    db.set_trace_callback(statements.append)
    try:
        found, row = queries.next_shown_card(db, due_query(), {"a"})
        first, first_row = queries.next_shown_card(db, due_query())
    finally:
        db.set_trace_callback(None)
    assert found == card_id(db, "b") and row is None
    assert first == card_id(db, "a") and first_row == queries.shown_card(db, first)
    walked = [sql for sql in statements if "c.queue = 2" in sql]
    assert len(walked) == 3 and len(statements) == 3
    assert "JOIN note" in walked[0] and "JOIN note" not in walked[1]  # ids only
    assert "JOIN note" in walked[2]  # no sibling first: the row rides along


def test_siblings_of_a_note_touched_today_wait(db: sqlite3.Connection) -> None:
    touched, d1 = {"a"}, due_query(deck_ids=("d1",))
    assert queries.next_card_id(db, d1) == card_id(db, "a")
    assert queries.next_card_id(db, d1, touched) == card_id(db, "b")
    # ... except in (re)learning
    set_card(db, "a", "rev", queue=int(Queue.LEARNING), due=NOW - 1)
    assert queries.next_card_id(db, d1, touched) == card_id(db, "a", "rev")


def test_daily_limits_stop_new_cards_and_reviews(db: sqlite3.Connection) -> None:
    set_card(db, "c", queue=int(Queue.REVIEW), due=NOW - 1)
    assert queries.next_card_id(db, due_query(reviews_left=0)) == card_id(db, "a")
    assert queries.next_card_id(db, due_query(reviews_left=0, new_left=0)) is None


def test_retired_suspended_and_buried_cards_are_never_next(db: sqlite3.Connection) -> None:
    set_card(db, "a", retired=1)
    set_card(db, "a", "rev", suspended=1)
    set_card(db, "b", buried_until=NOW + 60)
    assert queries.next_card_id(db, due_query(deck_ids=("d1",))) is None
    set_card(db, "b", buried_until=NOW)  # buried until now: back
    assert queries.next_card_id(db, due_query(deck_ids=("d1",))) == card_id(db, "b")


# -- counts --------------------------------------------------------------------------------
def test_counts_per_deck_and_capped_by_the_limits(engine: Engine, db: sqlite3.Connection) -> None:
    set_card(db, "b", queue=int(Queue.REVIEW), due=NOW - 1)
    set_card(db, "c", queue=int(Queue.LEARNING), due=NOW + 60)
    with engine.connect() as conn:
        assert queries.count_cards(conn, day_end=DAY_END, now=NOW) == {
            "d1": CardCounts(new=2, review=1),
            "d2": CardCounts(learning=1),
        }
        assert queries.total_cards(conn) == {"d1": 3, "d2": 1}
    assert queries.count_due_capped(db, due_query()) == CardCounts(new=2, learning=1, review=1)
    assert queries.count_due_capped(db, due_query(new_left=1, reviews_left=0)) == CardCounts(
        new=1, learning=1, review=0
    )
    assert queries.count_due_capped(db, due_query(deck_ids=("d2",))) == CardCounts(learning=1)


def store_of_new_cards(
    path: Path, decks: Sequence[str], notes: Iterable[tuple[str, str, int, int | None]]
) -> Engine:
    """A new store at ``path`` with ``decks`` and, for each (note id, deck, position,
    module) of ``notes``, that note and its one new card."""
    engine = open_engine(path)
    rows, cards = [], []
    for note_id, deck, position, module in notes:
        rows.append(note_row(note_id, deck, position, module=module))
        cards.append(NewCard(note_id, deck, "fwd", position))
    changes = Changes(
        decks=[DeckValues(d, d, "mechanisms", "", f"/c/{d}.yaml", d) for d in decks],
        notes_inserted=rows,
        cards_inserted=cards,
    )
    with engine.begin() as conn:
        write_changes(conn, changes, now=NOW)
    return engine


def test_capped_counts_walk_the_decks_only_to_the_total(tmp_path: Path) -> None:
    """The counts stop deck by deck at the all-decks total (issue 19's start-up): the same
    numbers as counting every deck to its own allowance and capping the sum, for every
    combination of per-deck allowances, totals and scopes tried here."""
    decks = [f"d{i}" for i in range(5)]
    sizes = {"d0": 7, "d1": 0, "d2": 3, "d3": 12, "d4": 5}
    engine = store_of_new_cards(
        tmp_path / "five-decks.sqlite3",
        decks,
        [(f"{deck}n{i}", deck, i, None) for deck, size in sizes.items() for i in range(size)],
    )
    db, give_back = raw_connection(engine)
    try:
        # Every third card of each deck a review due today, so both capped counts vary.
        db.execute(f"UPDATE card SET queue = {int(Queue.REVIEW)}, due = ? WHERE id % 3 = 0", (NOW,))
        db.commit()
        rows = db.execute("SELECT deck_id, queue FROM card").fetchall()
        have = {
            (deck, queue): sum(1 for d, q in rows if (d, q) == (deck, queue))
            for deck in decks
            for queue in (int(Queue.NEW), int(Queue.REVIEW))
        }
        cases = 0
        for scope in (None, ("d3", "d0"), ("d1",), ("d4", "d2", "d3")):
            for total in (-1, 0, 1, 4, 9, 15, 40):
                for per_deck in (None, dict.fromkeys(decks, 3), {"d0": 0, "d3": 9, "d4": 2}):
                    query = due_query(
                        deck_ids=scope,
                        new_left=total,
                        reviews_left=total + 1,
                        deck_new_left=per_deck,
                        deck_reviews_left=per_deck,
                    )

                    counts = queries.count_due_capped(db, query)
                    # (without a scope, the decks with allowances: every active deck)
                    walked = scope or (decks if per_deck is None else tuple(per_deck))
                    new = [(have[d, int(Queue.NEW)], _allowed(per_deck, d, total)) for d in walked]
                    reviews = [
                        (have[d, int(Queue.REVIEW)], _allowed(per_deck, d, total + 1))
                        for d in walked
                    ]
                    assert counts == CardCounts(
                        new=_capped_sum(new, total), review=_capped_sum(reviews, total + 1)
                    ), (scope, total, per_deck)
                    assert not db.in_transaction  # its own read snapshot, ended
                    cases += 1
        assert cases == 84
        db.execute("BEGIN")  # the caller's snapshot is used and left open
        queries.count_due_capped(db, due_query())
        assert db.in_transaction
        db.rollback()
    finally:
        give_back()
        engine.dispose()


def _allowed(per_deck: dict[str, int] | None, deck: str, total: int) -> int:
    return total if per_deck is None else per_deck.get(deck, total)


def _capped_sum(found_and_allowed: list[tuple[int, int]], total: int) -> int:
    """Each deck counted to its own allowance, the sum capped at ``total``."""
    return min(sum(max(0, min(found, allowed)) for found, allowed in found_and_allowed), total)


def test_the_capped_counts_derived_from_the_per_deck_counts_equal_the_query(
    tmp_path: Path,
) -> None:
    """due_capped_from_counts (the overview's, from count_cards) gives count_due_capped's
    answer: random stores (every queue, due before/after the day's end, suspended, buried
    before/after now, retired, modules held or not) under random all-deck and per-deck
    limits, zero and lifted ones included, and decks missing from the per-deck limits."""
    rng = random.Random(19)
    for store in range(6):
        decks = [f"d{i}" for i in range(4)]
        notes = []
        for n in range(90):
            deck = rng.choice(decks)
            notes.append((f"n{n}", deck, n, rng.choice([None, 1, 2, 3])))
        engine = store_of_new_cards(tmp_path / f"random-{store}.sqlite3", decks, notes)
        connection, give_back = raw_connection(engine)
        try:
            queues = [Queue.NEW, Queue.LEARNING, Queue.REVIEW, Queue.RELEARNING]
            for (card,) in connection.execute("SELECT id FROM card").fetchall():
                connection.execute(
                    "UPDATE card SET queue = ?, due = ?, suspended = ?, buried_until = ?, "
                    "retired = ? WHERE id = ?",
                    (
                        int(rng.choice(queues)),
                        rng.choice([NOW - 600, NOW + 60, DAY_END - 1, DAY_END, DAY_END + 99]),
                        int(rng.random() < 0.1),
                        rng.choice([0, 0, 0, NOW - 1, NOW, NOW + 60]),
                        int(rng.random() < 0.05),
                        card,
                    ),
                )
            connection.commit()
            for _ in range(40):
                held = tuple(sorted(rng.sample([1, 2, 3], rng.randint(0, 2))))
                counts = queries.count_cards(connection, day_end=DAY_END, now=NOW, held=held)

                def left(sample: list[str]) -> dict[str, int] | None:
                    if rng.random() < 0.15:
                        return None
                    return {d: rng.choice([0, 1, 3, 9999]) for d in sample}

                query = due_query(
                    new_left=rng.choice([0, 2, 5, 9999]),
                    reviews_left=rng.choice([0, 2, 5, 9999]),
                    deck_new_left=left(rng.sample(decks, rng.randint(0, 4))),
                    deck_reviews_left=left(rng.sample(decks, rng.randint(0, 4))),
                    held_modules=held,
                )
                assert queries.due_capped_from_counts(counts, query) == (
                    queries.count_due_capped(connection, query)
                ), (store, query)
        finally:
            give_back()
            engine.dispose()
    with pytest.raises(ValueError):
        queries.due_capped_from_counts({}, due_query(deck_ids=("d1",)))
    with pytest.raises(ValueError):
        queries.due_capped_from_counts({}, due_query(module=1))


# -- answering, the log and undo -------------------------------------------------------------
def test_an_answer_is_logged_with_its_states_and_undo_restores_the_card(
    db: sqlite3.Connection,
) -> None:
    card = card_id(db, "a")
    before = queries.load_state(db, card)
    assert before == MemoryState()
    after = MemoryState(
        queue=Queue.REVIEW,
        stability=3.5,
        difficulty=5.0,
        due=datetime.fromtimestamp(NOW + 3 * 86_400, UTC),
        last_review=datetime.fromtimestamp(NOW, UTC),
        reps=1,
        interval=3,
    )
    with queries.write_transaction(db):
        review = queries.apply_answer(
            db,
            card_id=card,
            before=before,
            after=after,
            rating=3,
            reviewed_at_ms=NOW * 1000,
            duration_ms=4200,
        )
    assert queries.load_state(db, card) == after
    (logged,) = queries.history(db, card)
    assert logged == queries.LoggedReview(
        NOW * 1000, 3, 4200, int(Queue.NEW), int(Queue.REVIEW), 3.5, 5.0, NOW + 3 * 86_400, 0
    )
    assert queries.done_today(db, day_start_ms=DAY_START * 1000) == {"d1": (1, 0)}
    assert queries.touched_notes(db, day_start_ms=DAY_START * 1000) == {"a"}
    assert queries.next_due(db, now=NOW, deck_ids=None) == NOW + 3 * 86_400
    assert queries.next_due(db, now=NOW, deck_ids=["d2"]) is None

    with queries.write_transaction(db):
        assert queries.undo_answer(db, review) == card
    assert queries.load_state(db, card) == before
    assert queries.history(db, card) == []
    with queries.write_transaction(db):
        assert queries.undo_answer(db, review) is None


def test_a_failed_write_transaction_leaves_nothing(db: sqlite3.Connection) -> None:
    card = card_id(db, "a")
    with pytest.raises(RuntimeError), queries.write_transaction(db):
        db.execute("UPDATE card SET reps = 9 WHERE id = ?", (card,))
        raise RuntimeError("interrupted")
    assert queries.load_state(db, card).reps == 0


# -- what the review screen shows ------------------------------------------------------------
def test_card_details_are_one_typed_row(engine: Engine, db: sqlite3.Connection) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO user_note (note_id, text, updated_at) VALUES ('a', 'mine', 0)")
        )
    details = queries.card_details(db, card_id(db, "a", "rev"))
    assert isinstance(details, queries.CardDetails)
    assert (details.card_id, details.key, details.deck_title, details.family) == (
        card_id(db, "a", "rev"),
        "rev",
        "Deck one",
        "mechanisms",
    )
    # the note row as synced, stamped with the time it was written
    assert details.note == note_row("a", "d1", 0, changed_at=NOW)
    assert (details.user_note, details.retired, details.suspended, details.flag) == (
        "mine",
        0,
        0,
        0,
    )
    assert details.state.queue is Queue.NEW
    with pytest.raises(LookupError):
        queries.card_details(db, 999)


def test_sources_are_typed_rows_by_id(engine: Engine, db: sqlite3.Connection) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO source (id, kind, authors, year, title) "
                "VALUES ('zhou2024', 'seed', 'Zhou A', 2024, 'A title')"
            )
        )
    (row,) = queries.sources(db).values()
    assert (row.id, row.kind, row.authors, row.year, row.title, row.venue) == (
        "zhou2024",
        "seed",
        "Zhou A",
        2024,
        "A title",
        None,
    )


@pytest.mark.parametrize(
    "stored",
    [
        (0, None, None, None, 0, None, 0, 0, 0),  # new: due 0 is no due date
        (0, None, None, None, 1_780_000_000, None, 0, 0, 0),  # new with a due: dropped
        (1, 0, 0.4, 6.1, 1_780_000_000, 1_779_999_400, 1, 0, 0),
        (2, None, 12.5, 4.2, 1_781_000_000, 1_779_900_000, 5, 1, 9),
        (2, None, 8.295599937438965, 1.0, 1_793_851_200, 1_791_259_200, 1, 0, 30),
        (3, 1, 2.0, 7.7, 1_780_000_600, 1_780_000_000, 6, 2, 9),
        (2, None, 3.0, 5.0, 0, None, 1, 0, 3),  # epoch 0 is still a date off the new queue
        (2, None, 3.0, 5.0, 1_780_000_000, 1_779_999_999.5, 1, 0, 3),  # a time not whole
        (2, None, 3.0, 5.0, 1_780_000_000.25, 1_779_999_999, 1, 0, 3),
        (True, None, 3.0, 5.0, 1_780_000_000, 1_779_999_999, 1, 0, 3),
    ],
)
def test_a_review_s_snapshot_from_the_stored_columns_is_the_one_from_the_state(
    stored: tuple[Any, ...],
) -> None:
    """apply_answer_if_unchanged writes the review's snapshot from the columns its UPDATE
    found, when they are what the state made from them gives back: the same text as from
    the state, and the state's columns whenever they are not (a new card, odd times)."""
    from_state = queries._state_row(queries.state_from_values(stored))
    kept = queries._stored_as_state_row(stored)
    if kept is not None:
        assert kept == from_state
        assert all(type(a) is type(b) for a, b in zip(kept, from_state, strict=True))
    assert queries._snapshot(kept or from_state) == queries._snapshot(from_state)
    typical = stored[0] in (1, 2, 3) and type(stored[0]) is int
    whole = type(stored[4]) is int and type(stored[5]) in (int, type(None))
    assert (kept is not None) == (typical and whole)


@pytest.mark.parametrize(
    "values",
    [
        (0, None, None, None, 0, None, 0, 0, 0),  # new: due 0 is no due date
        (1, 0, 0.4, 6.1, 1_780_000_000, 1_779_999_400, 1, 0, 0),
        (2, None, 12.5, 4.2, 1_781_000_000, 1_779_900_000, 5, 1, 9),
        (3, 1, 2.0, 7.7, 1_780_000_600, 1_780_000_000, 6, 2, 9),
        (2, None, 3.0, 5.0, 0, None, 1, 0, 3),  # epoch 0 is still a date off the new queue
    ],
)
def test_a_state_read_by_position_is_the_state_read_by_name(values: tuple[object, ...]) -> None:
    # The study path reads states by position (load_state, card_details), the rest by name.
    by_name = queries.state_from_row(dict(zip(queries._STATE_COLUMNS, values, strict=True)))
    assert queries.state_from_values(values) == by_name


def _answer(db: sqlite3.Connection, card: int, before: MemoryState, after: MemoryState) -> None:
    with queries.write_transaction(db):
        queries.apply_answer(
            db,
            card_id=card,
            before=before,
            after=after,
            rating=3,
            reviewed_at_ms=NOW * 1000,
            duration_ms=1000,
        )


def test_a_card_kept_in_its_queue_is_stored_whole_and_a_stale_before_is_not_trusted(
    db: sqlite3.Connection,
) -> None:
    # An answer that keeps the card's queue leaves `queue` out of its UPDATE (two index
    # pages fewer into the WAL): every other column must still be written, and a `before`
    # that does not match the stored queue must not leave the stored queue wrong.
    card = card_id(db, "a")
    due = datetime.fromtimestamp(NOW + 3 * 86_400, UTC)
    review = MemoryState(
        queue=Queue.REVIEW,
        stability=3.5,
        difficulty=5.0,
        due=due,
        last_review=datetime.fromtimestamp(NOW, UTC),
        reps=1,
        interval=3,
    )
    _answer(db, card, queries.load_state(db, card), review)
    assert queries.load_state(db, card) == review
    longer = replace(review, stability=9.25, difficulty=4.5, due=due.replace(year=2099), reps=2)
    _answer(db, card, review, longer)  # review -> review: queue kept
    assert queries.load_state(db, card) == longer
    relearning = replace(longer, queue=Queue.RELEARNING, step=0, lapses=1, reps=3)
    _answer(db, card, longer, relearning)  # queue changes: the full UPDATE
    assert queries.load_state(db, card) == relearning
    # A caller's `before` says REVIEW although the store holds RELEARNING: still stored whole.
    back = replace(relearning, queue=Queue.REVIEW, step=None, reps=4)
    _answer(db, card, back, back)
    assert queries.load_state(db, card) == back


def test_the_review_s_state_snapshot_is_json_dumps_character_for_character() -> None:
    # apply_answer writes the state before an answer as JSON text (undo reads it back, the
    # tally trigger reads it in SQL): the fast writer must give json.dumps's very text.
    import json
    from enum import IntEnum

    class Small(IntEnum):
        ONE = 1

    rng = random.Random(5)
    specials: list[object] = [None, 0, -1, 2**40, True, False, Small.ONE, -0.0, 0.0, 1e-7]
    specials += [1e22, 123456789.125, float("nan"), float("inf"), float("-inf"), "x", 2.5]

    def value() -> object:
        return rng.choice(
            [
                rng.choice(specials),
                rng.randint(-(10**12), 10**12),
                rng.uniform(-1e6, 1e6),
                rng.random() * 10 ** rng.randint(-20, 20),
                None,
            ]
        )

    rows = [tuple(value() for _ in queries._STATE_COLUMNS) for _ in range(5000)]
    rows.append((2, None, 30.5123, 4.216, 1764400000, 1761800000, 3, 0, 30))
    for row in rows:
        expected = json.dumps(list(row), separators=(",", ":"))
        assert queries._snapshot(row) == expected


def test_a_state_s_stored_columns_are_those_of_the_memory_state() -> None:
    moment = datetime(2026, 6, 1, 12, tzinfo=UTC)
    state = MemoryState(Queue.REVIEW, None, 3.25, 5.5, moment, moment, 4, 1, 9)
    assert queries._state_row(state) == (
        2,
        None,
        3.25,
        5.5,
        int(moment.timestamp()),
        int(moment.timestamp()),
        4,
        1,
        9,
    )
    assert queries._state_row(MemoryState()) == (0, None, None, None, 0, None, 0, 0, 0)
    assert queries.state_from_values(queries._state_row(state)) == state


def test_new_cards_per_deck_by_skip_scan_are_those_a_grouped_count_gives(tmp_path: Path) -> None:
    """count_cards' new cards per deck (_NEW_PER_DECK_SQL: each deck found by a seek, then
    its range counted) are the rows of the grouped count over every entry, on random stores:
    decks with no card, none new, all retired, retired and studied cards mixed in, deck ids
    that sort around each other ("d1" < "d10" < "d2")."""
    rng = random.Random(19)
    for trial in range(6):
        decks = [f"d{i}" for i in range(rng.randrange(1, 13))]
        notes = [
            (f"t{trial}n{i}", rng.choice(decks), i, None) for i in range(rng.randrange(0, 400))
        ]
        engine = store_of_new_cards(tmp_path / f"s{trial}.sqlite3", decks, notes)
        db, give_back = raw_connection(engine)
        try:
            for (card_id,) in db.execute("SELECT id FROM card").fetchall():
                roll = rng.random()
                if roll < 0.2:
                    db.execute("UPDATE card SET retired = 1 WHERE id = ?", (card_id,))
                elif roll < 0.4:
                    queue = rng.choice([int(Queue.LEARNING), int(Queue.REVIEW)])
                    db.execute(
                        "UPDATE card SET queue = ?, due = ? WHERE id = ?", (queue, NOW, card_id)
                    )
            if decks and rng.random() < 0.5:  # one deck's cards all retired
                db.execute("UPDATE card SET retired = 1 WHERE deck_id = ?", (decks[0],))
            db.commit()
            grouped = db.execute(
                "SELECT deck_id, COUNT(*) FROM card WHERE retired = 0 AND queue = 0 "
                "GROUP BY deck_id"
            ).fetchall()
            assert db.execute(queries._NEW_PER_DECK_SQL).fetchall() == grouped
            counted = queries.count_cards(db, day_end=DAY_END, now=NOW)
            assert {d: c.new for d, c in counted.items() if c.new} == dict(grouped)
        finally:
            give_back()
            engine.dispose()


class _Undone(Exception):
    """Raised to roll a write transaction back."""


def _written(
    db: sqlite3.Connection, card: int, write: Callable[[sqlite3.Connection], object]
) -> tuple[object, ...]:
    """What ``write(db)`` returns and the card, review and tally rows it leaves, read inside
    its transaction, which is then rolled back (both ways start from the same store)."""
    with pytest.raises(_Undone) as undone, queries.write_transaction(db):
        result = write(db)
        raise _Undone(
            (
                result,
                db.execute("SELECT * FROM card WHERE id = ?", (card,)).fetchone(),
                db.execute("SELECT * FROM review ORDER BY id").fetchall(),
                db.execute("SELECT * FROM review_tally ORDER BY 1, 2, 3, 4, 5").fetchall(),
            )
        )
    return undone.value.args[0]


@pytest.mark.parametrize("queue_changes", [False, True])
def test_an_answer_checked_against_the_row_shown_stores_what_apply_answer_stores(
    db: sqlite3.Connection, queue_changes: bool
) -> None:
    # apply_answer_if_unchanged skips the re-read of a card whose scheduling columns still
    # hold what was read when it was shown: it must leave the very rows apply_answer leaves
    # (card, review with its snapshot, the tally its trigger keeps).
    card = card_id(db, "a")
    shown = datetime.fromtimestamp(NOW - 5 * 86_400, UTC)
    set_card(
        db, "a", queue=2, stability=4.5, difficulty=6.25, due=NOW, last_review=NOW - 5 * 86_400
    )
    set_card(db, "a", reps=3, lapses=1, interval=5)
    details = queries.card_details(db, card)
    before = details.state
    assert before.last_review == shown and details.stored == (
        2,
        None,
        4.5,
        6.25,
        NOW,
        NOW - 5 * 86_400,
        3,
        1,
        5,
    )
    after = replace(
        before,
        queue=Queue.RELEARNING if queue_changes else Queue.REVIEW,
        step=0 if queue_changes else None,
        stability=11.125,
        due=datetime.fromtimestamp(NOW + 9 * 86_400, UTC),
        last_review=datetime.fromtimestamp(NOW, UTC),
        reps=4,
        interval=9,
    )
    answer: dict[str, Any] = {
        "card_id": card,
        "before": before,
        "after": after,
        "rating": 1 if queue_changes else 3,
        "reviewed_at_ms": NOW * 1000,
        "duration_ms": 2500,
    }
    reread = _written(db, card, lambda d: queries.apply_answer(d, **answer))
    checked = _written(
        db,
        card,
        lambda d: queries.apply_answer_if_unchanged(d, stored=details.stored, **answer),
    )
    assert checked == reread
    assert checked[0] is not None and checked[1][5] == int(after.queue)  # type: ignore[index]


@pytest.mark.parametrize("column", queries._STATE_COLUMNS)
def test_an_answer_checked_against_a_card_changed_since_it_was_shown_writes_nothing(
    db: sqlite3.Connection, column: str
) -> None:
    card = card_id(db, "a")
    set_card(db, "a", queue=2, step=None, stability=4.5, difficulty=6.25, due=NOW)
    set_card(db, "a", last_review=NOW - 86_400, reps=3, lapses=1, interval=1)
    details = queries.card_details(db, card)
    # One column changed behind the session (NULL <-> a value counts as a change too).
    changed: dict[str, Any] = {
        "queue": 3,
        "step": 0,
        "stability": 4.75,
        "difficulty": None,
        "due": NOW + 1,
    }
    changed |= {"last_review": None, "reps": 4, "lapses": 2, "interval": 2}
    set_card(db, "a", **{column: changed[column]})
    stored_now = db.execute(f"SELECT * FROM card WHERE id = {card}").fetchone()
    reviews_now = db.execute("SELECT count(*) FROM review").fetchone()
    after = replace(details.state, stability=9.0, reps=4, interval=4)
    with queries.write_transaction(db):
        review = queries.apply_answer_if_unchanged(
            db,
            card_id=card,
            stored=details.stored,
            before=details.state,
            after=after,
            rating=3,
            reviewed_at_ms=NOW * 1000,
            duration_ms=1000,
        )
    assert review is None
    assert db.execute(f"SELECT * FROM card WHERE id = {card}").fetchone() == stored_now
    assert db.execute("SELECT count(*) FROM review").fetchone() == reviews_now
