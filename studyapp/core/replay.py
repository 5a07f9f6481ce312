"""A card's memory from its review log, and the optimizer (Anki's
``rslib/src/scheduler/fsrs/params.rs`` and ``memory_state.rs``), over the engine
:mod:`studyapp.core.scheduling` holds.

Apart from the scheduler: a recompute of memory states, the optimizer and the Anki parity
tests use this half, never the start-up to the first card, which imports the scheduler but
no longer makes this half's two dataclasses, two NamedTuples and functions (issue 19:
importing the start-up's services 1,303.6 -> 1,291.3 M instructions, -0.9%, callgrind).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import fsrs_rs_python as _engine

from studyapp.core.model import Queue
from studyapp.core.scheduling import _DAY, _fsrs, check_parameters, stored_memory

__all__ = [
    "BREAK",
    "LEARNING_OFFSET",
    "MIN_ITEMS",
    "RESET",
    "Fit",
    "LogRow",
    "LoggedAnswer",
    "TrainingSet",
    "fit_parameters",
    "fsrs_history",
    "log_event",
    "log_rows",
    "memory_from_histories",
    "memory_from_logs",
    "training_set",
]


class LoggedAnswer(NamedTuple):
    """One row of a card's review log, as FSRS history needs it.

    Attributes:
        at: when, in epoch seconds.
        rating: 1-4; 0 for a manual change.
        queue_before: the card's queue before the answer.
        queue_after: the card's queue after it.
        kind: 0 a scheduled answer, 1 a cram answer, 2 a manual change (DECISIONS 4).
    """

    at: int
    rating: int
    queue_before: int
    queue_after: int
    kind: int = 0


LogRow = tuple[int, ...]
"""One entry of a review log as FSRS reads it: (card id, study days from it to the next
rollover, its :func:`log_event`) and, for the optimizer, its time in epoch milliseconds (the
store gives it as a float, which sorts faster; exact below 2**53). A log is a sequence or
a stream of them sorted by card, then time; cram answers are not in it (FSRS neither reads
them nor stops at them)."""

RESET = -2
"""A :func:`log_event`: a manual change that made the card new again; nothing before it counts."""
BREAK = -1
"""A :func:`log_event`: any other manual change, or an entry without a grade; it ends a run of
learning answers."""
LEARNING_OFFSET = 4
"""A graded answer's :func:`log_event` is its rating (1-4), plus this for an answer given to a
new or learning card (the answers FSRS's replay starts from)."""


def log_event(rating: int, queue_before: int, queue_after: int, kind: int) -> int | None:
    """What one entry of a review log means to FSRS (Anki's reviews_for_fsrs): its grade
    (+ :data:`LEARNING_OFFSET` for a new or learning card's), :data:`RESET`, :data:`BREAK`, or None
    for a cram answer, which FSRS skips. ``store/memory.py`` computes the same in SQL."""
    if kind == 1:
        return None
    if kind == 2:
        return RESET if queue_after == Queue.NEW else BREAK
    if not 1 <= rating <= 4:
        return BREAK
    return rating + LEARNING_OFFSET if queue_before in (Queue.NEW, Queue.LEARNING) else rating


def _start(rows: Sequence[LogRow], first: int, end: int) -> int:
    """Where FSRS's replay of ``rows[first:end]`` (one card's log) starts, as Anki's
    reviews_for_fsrs: at the last run of learning answers; -1 when there is none.

    Walking back from the newest answer: learning answers (of a new or learning card) are
    the start of the history FSRS reads; a reset to new (a manual change that makes the
    card new again, or a deck update that restarted it) ends the walk. Without learning
    answers since its last reset a card's history is not complete (the card keeps its
    state; the optimizer leaves it out).
    """
    found = -1
    for index in range(end - 1, first - 1, -1):
        event = rows[index][2]
        if event > LEARNING_OFFSET:
            found = index
        elif event == RESET or found >= 0:
            break
    return found


def _kept(rows: Sequence[LogRow], first: int, end: int) -> list[LogRow] | None:
    """The answers FSRS replays from ``rows[first:end]`` (see :func:`_start`): the graded
    answers from the start of the last run of learning answers; None without such a run."""
    start = _start(rows, first, end)
    if start < 0:
        return None
    return [r for r in rows[start:end] if r[2] > 0]


def _deltas(kept: Sequence[LogRow]) -> list[tuple[int, int]]:
    """(rating, study days since the previous answer) for each kept answer."""
    out = []
    previous = kept[0][1] if kept else 0
    for _card, days, event, *_ in kept:
        out.append((event - LEARNING_OFFSET if event > LEARNING_OFFSET else event, previous - days))
        previous = days
    return out


def log_rows(answers: Sequence[LoggedAnswer], next_day_at: int, card_id: int = 0) -> list[LogRow]:
    """One card's :class:`LoggedAnswer` values as :data:`LogRow` tuples (with their times),
    days counted back from ``next_day_at`` (the next rollover, epoch seconds), as Anki
    counts them."""
    rows: list[LogRow] = []
    for a in answers:
        event = log_event(a.rating, a.queue_before, a.queue_after, a.kind)
        if event is not None:
            rows.append((card_id, max(0, next_day_at - a.at) // _DAY, event, a.at * 1000))
    return rows


def fsrs_history(answers: Sequence[LoggedAnswer], next_day_at: int) -> list[tuple[int, int]] | None:
    """The (rating, study days since the previous answer) FSRS replays to get the card's
    memory state now, or None if the card has no complete history (it keeps its state).

    ``next_day_at`` is the next rollover (epoch seconds): days are counted back from it, as
    Anki counts them, so they are the same study days the answers were scheduled with.
    """
    rows = log_rows(answers, next_day_at)
    kept = _kept(rows, 0, len(rows))
    return None if kept is None else _deltas(kept)


def _items(histories: Sequence[Sequence[tuple[int, int]]]) -> list[_engine.FSRSItem]:
    review = _engine.FSRSReview
    return [_engine.FSRSItem([review(r, d) for r, d in history]) for history in histories]


def _memory(engine: _engine.FSRS, items: list[_engine.FSRSItem]) -> list[tuple[float, float]]:
    out = []
    # The engine's batch costs the longest history times the batch: similar lengths together.
    for start in range(0, len(items), 1000):
        for state in engine.memory_state_batch(items[start : start + 1000]):
            out.append((stored_memory(state.stability, 4), stored_memory(state.difficulty, 3)))
    return out


def memory_from_histories(
    histories: Sequence[Sequence[tuple[int, int]]], parameters: Sequence[float]
) -> list[tuple[float, float]]:
    """The memory state (stability, difficulty) each history leads to, by the engine, as
    Anki stores it (:func:`stored_memory`). Histories come from :func:`fsrs_history`."""
    order = sorted(range(len(histories)), key=lambda i: len(histories[i]))
    states = _memory(_fsrs(tuple(parameters)), _items([histories[i] for i in order]))
    out: list[tuple[float, float]] = [(0.0, 0.0)] * len(histories)
    for index, state in zip(order, states, strict=True):
        out[index] = state
    return out


class _Items(NamedTuple):
    """The optimizer's items as :func:`_replay` finds them, card by card, before any is built:
    for each, its card's answers (a list shared by the card's items), how many of them it
    holds, its answer's time and its card (parallel lists, cheaper than a tuple per item)."""

    answers: list[list[_engine.FSRSReview]]
    ends: list[int]
    times: list[float]
    cards: list[int]


def _replay(
    rows: Iterable[LogRow], items: _Items | None = None
) -> Iterator[tuple[int, list[_engine.FSRSReview]]]:
    """Each card's replayed answers in ``rows`` (one forward pass, the hot loop of a
    recompute and of the optimizer): (card id, its reviews for the engine). With ``items``,
    the optimizer's items of each card are recorded in it as well (each item is the card's
    answers up to one answered on a later study day than the one before; rows must then
    carry their times).

    The replay starts at the card's last run of learning answers, as :func:`_start` finds
    it walking back; going forward, each new run (or a reset to new) starts it again and
    drops what the card had added to ``items``. Cards without such a run are left out.

    Equal answers share one FSRSReview: the engine copies their values and never changes
    them, and a few thousand distinct (rating, days) pairs make up a log of 100,000 answers.
    Looking one up costs less than building and freeing it, and the items built from them
    (:func:`training_set`) read a few thousand hot objects, not 100,000 scattered ones.
    The recompute of 300,000 answers went from 0.39 to 0.33 s CPU with it (and the rows
    read from the cursor), with byte-identical memory states.
    """
    review = _engine.FSRSReview
    made: dict[int, _engine.FSRSReview] = {}
    shared = made.get
    if items is not None:
        lists, ends, times, cards = items
        mark = len(ends)
    card: int | None = None
    answers: list[_engine.FSRSReview] = []
    started = learning = False
    previous = 0
    for row in rows:
        if row[0] != card:
            if started and card is not None:
                yield card, answers
            card = row[0]
            answers = []
            started = learning = False
            if items is not None:
                mark = len(ends)
        event = row[2]
        if event < 0:
            learning = False  # a manual change ends a run of learning answers
            if event == RESET:  # nothing before it counts
                started = False
                answers = []
                if items is not None and len(ends) > mark:
                    del lists[mark:], ends[mark:], times[mark:], cards[mark:]
            continue
        days = row[1]
        if event > LEARNING_OFFSET:
            event -= LEARNING_OFFSET
            if not learning:  # a new run of learning answers: the replay starts here
                started = learning = True
                answers = []
                previous = days
                if items is not None and len(ends) > mark:
                    del lists[mark:], ends[mark:], times[mark:], cards[mark:]
        else:
            learning = False
            if not started:
                continue
        delta = previous - days  # >= 0: a card's log is in time order
        key = delta * 8 + event  # rating 1-4
        answer = shared(key)
        if answer is None:
            answer = made[key] = review(event, delta)
        answers.append(answer)
        # Not a run's first answer (that one has delta 0), so there is one before it.
        if items is not None and delta:
            lists.append(answers)
            ends.append(len(answers))
            times.append(row[3])
            cards.append(card)
        previous = days
    if started and card is not None:
        yield card, answers


def memory_from_logs(
    rows: Iterable[LogRow], parameters: Sequence[float]
) -> list[tuple[int, float, float]]:
    """(card id, stability, difficulty) replayed from each card's log in ``rows``, for the
    cards whose log is complete (the others keep their state), as Anki recomputes them."""
    item = _engine.FSRSItem
    prepared = sorted(
        ((len(answers), card_id, answers) for card_id, answers in _replay(rows)),
        key=lambda p: p[0],
    )
    states = _memory(_fsrs(tuple(parameters)), [item(answers) for _, _, answers in prepared])
    return [(p[1], s, d) for p, (s, d) in zip(prepared, states, strict=True)]


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """The optimizer's input: one item per answer given on a later study day than the one
    before it (with every answer of its card up to it), in time order, with its card id.

    Attributes:
        items: the engine's items.
        card_ids: each item's card.
        reviews: the scheduled answers read (on cards whose log starts with learning).
    """

    items: list[_engine.FSRSItem]
    card_ids: list[int]
    reviews: int

    def __len__(self) -> int:
        return len(self.items)


def training_set(rows: Iterable[LogRow]) -> TrainingSet:
    """The optimizer's items from the cards' logs in ``rows``, with their times (Anki's
    fsrs_items_for_training). Cards without learning answers are left out, as in Anki."""
    found = _Items([], [], [], [])
    reviews = 0
    for _card, answers in _replay(rows, found):
        reviews += len(answers)
    lists, ends, times, cards = found
    # In time order; a stable sort, so items of the same moment stay in card order. The
    # store gives the times as floats (milliseconds are exact in them below 2**53): Python
    # compares floats several times faster than integers this large (72,069 items: 10 ms
    # instead of 20).
    order = sorted(range(len(times)), key=times.__getitem__)
    # Each item is built only now, in the order the engine reads them: built card by card
    # and then sorted, they lay scattered in memory, and each of the engine's three passes
    # (the fit, the two evaluations: it copies every item each time) and freeing them
    # missed the cache on every item. Built in time order (72,069 items, in-process): 7-8 ms
    # less for each pass and 10 ms less to free them, for 20 ms more here (the slices).
    item = _engine.FSRSItem
    built = [item(lists[i][: ends[i]]) for i in order]
    # What is left here is the binding's floor (round 5, 99,992 answers, in-process): its one
    # way to make an item costs ~300 ns a call plus 12-15 ns an answer (72,069 items,
    # 1,172,055 answers: 27-32 ms), the sort 10-14 ms, the slices 18-23 ms. Measured and not
    # paying: tuple slices of per-card tuples (-3..-5 ms in-process, inside the noise; none
    # in a fresh-process A/B), the lists and card ids reordered in C (itemgetter, map): no
    # change, items grown per card in time order instead of sliced: +18 ms. Deduplicating
    # equal items (14,033, mostly 3-6 answers long) costs what it saves (round 3). Anki
    # builds the same items in Rust.
    return TrainingSet(built, list(map(cards.__getitem__, order)), reviews)


@dataclass(frozen=True, slots=True)
class Fit:
    """An optimizer run: the parameters before and after, and how well each fits.

    Attributes:
        reviews: the answers the fit read (scheduled answers, on cards with a learning start).
        items: the answers FSRS predicts (each answered on a later study day than the one
            before it); the optimizer needs :data:`MIN_ITEMS` of them.
        before: the parameters in use.
        after: the fitted parameters.
        log_loss_before, log_loss_after, rmse_before, rmse_after: Anki's two measures of fit
            (smaller is better; RMSE over bins, as a fraction).
    """

    reviews: int
    items: int
    before: tuple[float, ...]
    after: tuple[float, ...]
    log_loss_before: float
    log_loss_after: float
    rmse_before: float
    rmse_after: float

    @property
    def better(self) -> bool:
        """Whether the fitted parameters predict the trainee's answers better (log loss)."""
        return self.log_loss_after < self.log_loss_before


MIN_ITEMS = 64
"""Below this many items the engine only estimates the first four parameters (and below 8 it
returns the defaults); at 64 it fits them all. Under it, the optimizer says how many more."""


def fit_parameters(
    training: TrainingSet,
    current: Sequence[float],
    *,
    relearning_steps: Sequence[float] = (10.0,),
) -> Fit:
    """Fit FSRS parameters to ``training`` as Anki's Optimize does: 8 epochs, short-term
    memory on, the relearning steps that fit in a day; then both parameter sets are
    evaluated on the same items (log loss and RMSE over bins).

    Raises:
        ValueError: fewer than :data:`MIN_ITEMS` items.
    """
    if len(training) < MIN_ITEMS:
        raise ValueError(f"the optimizer needs {MIN_ITEMS} items, not {len(training)}")
    in_a_day, total = 0, 0.0
    for step in relearning_steps:
        total += step
        if total >= 1440:
            break
        in_a_day += 1
    fitted = _fsrs(tuple(current)).compute_parameters(
        training.items,
        card_ids=training.card_ids,
        enable_short_term=True,
        num_relearning_steps=in_a_day,
        training_config=_engine.TrainingConfig(num_epochs=8),
    )
    after = check_parameters(fitted)
    before_eval = _fsrs(tuple(current)).evaluate(training.items)
    after_eval = _fsrs(after).evaluate(training.items)
    return Fit(
        reviews=training.reviews,
        items=len(training),
        before=tuple(current),
        after=after,
        log_loss_before=float(before_eval.log_loss),
        log_loss_after=float(after_eval.log_loss),
        rmse_before=float(before_eval.rmse_bins),
        rmse_after=float(after_eval.rmse_bins),
    )
