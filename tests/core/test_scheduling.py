"""The scheduler's rules: study days, distinct intervals, fuzz drawn once, labels, parameters."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import fsrs_rs_python as fsrs_rs
import pytest

from studyapp.core.model import MemoryState, Queue, Rating
from studyapp.core.replay import BREAK, LEARNING_OFFSET, RESET, log_event
from studyapp.core.scheduling import (
    DEFAULT_PARAMETERS,
    Scheduler,
    SchedulerConfig,
    answer_button_label,
    check_parameters,
    fuzz_factor,
    fuzz_factors,
    fuzz_range,
    retrievability,
)
from studyapp.core.studyday import days_elapsed, study_day_start

BERLIN = ZoneInfo("Europe/Berlin")
PLUS2 = timezone(timedelta(hours=2))


def local(
    year: int, month: int, day: int, hour: int, minute: int, tz: timezone | ZoneInfo = PLUS2
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


# -- study days ------------------------------------------------------------------------------
def test_the_next_day_counts_as_a_day_although_less_than_24_hours_passed() -> None:
    """The issue's example: reviewed 16:13, reviewed again the next day at 14:27."""
    assert days_elapsed(local(2026, 5, 4, 16, 13), local(2026, 5, 5, 14, 27), tz=PLUS2) == 1
    # Answers on one study day (the night up to 04:00 belongs to the day before): 0 days.
    assert days_elapsed(local(2026, 5, 4, 16, 13), local(2026, 5, 5, 3, 59), tz=PLUS2) == 0
    assert days_elapsed(local(2026, 5, 4, 16, 13), local(2026, 5, 5, 4, 0), tz=PLUS2) == 1
    # The rollover hour is the user's.
    assert (
        days_elapsed(local(2026, 5, 4, 16, 13), local(2026, 5, 5, 5, 0), rollover_hour=6, tz=PLUS2)
        == 0
    )


def test_days_elapsed_follow_the_local_zone_across_daylight_saving() -> None:
    before = local(2026, 3, 28, 20, 0, tz=BERLIN)  # Saturday evening, UTC+1
    after = local(2026, 3, 29, 20, 0, tz=BERLIN)  # Sunday evening, UTC+2: 23 hours later
    assert days_elapsed(before, after, tz=BERLIN) == 1


def test_a_review_interval_is_due_from_the_start_of_its_study_day() -> None:
    now = local(2026, 5, 4, 22, 30)
    assert study_day_start(now, 3, tz=PLUS2) == local(2026, 5, 7, 4, 0)
    assert study_day_start(local(2026, 5, 5, 2, 0), 1, tz=PLUS2) == local(2026, 5, 5, 4, 0)


def test_study_days_drive_fsrs_not_24_hour_periods() -> None:
    """A card due tomorrow and answered tomorrow morning, under 24 h later, is a day late
    for FSRS: it takes the long-term path, not the same-day one."""
    scheduler = Scheduler(SchedulerConfig(fuzz=False), tz=PLUS2)
    evening = local(2026, 5, 4, 16, 13)
    state = scheduler.review(MemoryState(), Rating.GOOD, evening, card_id=1)
    state = scheduler.review(state, Rating.GOOD, evening + timedelta(minutes=10), card_id=1)
    assert state.queue is Queue.REVIEW and state.interval >= 1
    morning = local(2026, 5, 5, 9, 0)
    next_day = scheduler.next_states(state, morning, card_id=1)[Rating.GOOD]
    same_day = scheduler.next_states(state, evening + timedelta(hours=3), card_id=1)[Rating.GOOD]
    assert next_day.stability > 2 * same_day.stability


# -- distinct intervals ------------------------------------------------------------------------
@pytest.mark.parametrize("fuzz", [False, True])
def test_hard_good_easy_never_collapse_for_review_cards(fuzz: bool) -> None:
    scheduler = Scheduler(SchedulerConfig(fuzz=fuzz), tz=UTC)
    rng = random.Random(5)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    for card_id in range(400):
        stability = 10 ** rng.uniform(-1.5, 3)
        state = MemoryState(
            queue=Queue.REVIEW,
            stability=stability,
            difficulty=rng.uniform(1, 10),
            last_review=now - timedelta(hours=rng.uniform(0, 24 * 3 * stability)),
            reps=rng.randint(2, 30),
            interval=max(1, round(stability * rng.uniform(0.3, 1.5))),
        )
        states = scheduler.next_states(state, now, card_id=card_id)
        hard, good, easy = (states[r].days for r in (Rating.HARD, Rating.GOOD, Rating.EASY))
        assert hard is not None and good is not None and easy is not None
        assert 1 <= hard < good < easy, (state, hard, good, easy)
        labels = [states.label(r) for r in (Rating.HARD, Rating.GOOD, Rating.EASY)]
        if easy < 30:  # in whole days the labels differ too
            assert len(set(labels)) == 3, labels


def test_a_review_answered_23_hours_later_on_the_next_study_day() -> None:
    """The issue's collapse: a card learned with Again, Good, Good and answered 23 h 40 m
    after its first answer showed 10m / 1d / 1d / 1d; Anki shows <10m / 1d / 2d / 4d."""
    scheduler = Scheduler(SchedulerConfig(fuzz=False), tz=PLUS2)
    first = local(2026, 5, 4, 9, 0)
    state, now = MemoryState(), first
    for rating in (Rating.AGAIN, Rating.GOOD, Rating.GOOD):
        state = scheduler.review(state, rating, now, card_id=1)
        assert state.due is not None
        now = state.due
    assert state.queue is Queue.REVIEW and state.interval == 1
    states = scheduler.next_states(state, first + timedelta(hours=23, minutes=40), card_id=1)
    assert [states.label(r) for r in Rating] == ["<10m", "1d", "2d", "4d"]


# -- fuzz ----------------------------------------------------------------------------------
def test_fuzz_is_a_pure_function_of_card_and_repetitions() -> None:
    assert fuzz_factor(1_700_000_000_123) == fuzz_factor(1_700_000_000_123)
    factors = [fuzz_factor(seed) for seed in range(2000)]
    assert all(0 <= f < 1 for f in factors)
    assert 0.45 < sum(factors) / len(factors) < 0.55  # spread evenly


_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF


def _chacha12_word_by_word(seed: int) -> float:
    """The first port of Anki's fuzz draw, one 32-bit word at a time: the reference for the
    four-lane fuzz_factor (PCG32 key from the seed, one ChaCha12 block, its first word)."""
    state, key = seed & _M64, []
    for _ in range(8):
        state = (state * 6364136223846793005 + 11634580027462260723) & _M64
        xorshifted = (((state >> 18) ^ state) >> 27) & _M32
        rotation = state >> 59
        key.append(((xorshifted >> rotation) | (xorshifted << ((32 - rotation) & 31))) & _M32)
    initial = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *key, 0, 0, 0, 0]
    x = list(initial)

    def quarter(a: int, b: int, c: int, d: int) -> None:
        for p, q, r, shift in ((a, b, d, 16), (c, d, b, 12), (a, b, d, 8), (c, d, b, 7)):
            x[p] = (x[p] + x[q]) & _M32
            v = x[r] ^ x[p]
            x[r] = ((v << shift) | (v >> (32 - shift))) & _M32

    for _ in range(6):
        for column in range(4):
            quarter(column, 4 + column, 8 + column, 12 + column)
        for column in range(4):
            quarter(column, 4 + (column + 1) % 4, 8 + (column + 2) % 4, 12 + (column + 3) % 4)
    return (((x[0] + initial[0]) & _M32) >> 9) / float(1 << 23)


def test_fuzz_factor_in_lanes_equals_the_word_by_word_port() -> None:
    rng = random.Random(19)
    seeds = [*range(500), 1_700_000_000_123, _M64, *(rng.getrandbits(64) for _ in range(3000))]
    assert [fuzz_factor.__wrapped__(s) for s in seeds] == [_chacha12_word_by_word(s) for s in seeds]


def test_fuzz_factors_side_by_side_equal_the_word_by_word_port() -> None:
    # fuzz_factors draws the blocks side by side (one integer per state word, a lane per
    # block): every batch size, the smallest and largest seeds, a seed twice.
    rng = random.Random(29)
    for size in [*range(0, 12), 31, 32, 33, 64, 100]:
        seeds = [rng.getrandbits(64) for _ in range(size)]
        if size >= 3:
            seeds[:3] = [0, _M64, seeds[-1]]
        assert fuzz_factors(seeds) == [_chacha12_word_by_word(s) for s in seeds], size


def test_primed_fuzz_gives_the_outcomes_of_a_draw_each(monkeypatch: pytest.MonkeyPatch) -> None:
    # Scheduler.prime_fuzz draws the factors of cards about to be answered together; the
    # outcomes of each card are those of its own draw, and the primed factor is used (not
    # drawn again). A card not primed draws its own; with fuzz off nothing is drawn.
    from studyapp.core import scheduling

    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    rng = random.Random(31)
    cards = [
        (
            1_700_000_000_000 + rng.randrange(10**6),
            MemoryState(
                queue=rng.choice([Queue.REVIEW, Queue.RELEARNING, Queue.LEARNING, Queue.NEW]),
                stability=rng.uniform(0.5, 300.0),
                difficulty=rng.uniform(1.0, 10.0),
                last_review=now - timedelta(days=rng.randint(1, 400)),
                reps=rng.randint(1, 40),
                interval=rng.randint(1, 300),
            ),
        )
        for _ in range(40)
    ]
    alone = Scheduler(SchedulerConfig(), tz=UTC)
    expected = [alone.next_states(state, now, card_id=card).outcomes for card, state in cards]
    primed = Scheduler(SchedulerConfig(), tz=UTC)
    assert not primed.fuzz_primed(cards[0][0], cards[0][1].reps)
    primed.prime_fuzz((card, state.reps) for card, state in cards[:32])
    assert all(primed.fuzz_primed(card, state.reps) for card, state in cards[:32])
    assert not primed.fuzz_primed(cards[0][0], cards[0][1].reps + 1)
    drawn: list[int] = []
    real = scheduling.fuzz_factor

    def single(seed: int) -> float:
        drawn.append(seed)
        return real(seed)

    monkeypatch.setattr(scheduling, "fuzz_factor", single)
    got = [primed.next_states(state, now, card_id=card).outcomes for card, state in cards]
    assert got == expected
    assert drawn == [card + state.reps for card, state in cards[32:]]
    off = Scheduler(SchedulerConfig(fuzz=False), tz=UTC)
    off.prime_fuzz((card, state.reps) for card, state in cards)
    assert off._primed == {} and off.fuzz_primed(cards[0][0], 0)


def test_next_states_counts_the_days_elapsed_as_days_elapsed_does() -> None:
    # next_states asks for the study day once and counts the days elapsed from its end: the
    # engine is given what Scheduler.days_elapsed gives, around rollovers and DST changes.
    rng = random.Random(43)
    for tz in (UTC, BERLIN, ZoneInfo("America/New_York")):
        for hour in (0, 4, 23):
            scheduler = Scheduler(SchedulerConfig(rollover_hour=hour), tz=tz)
            given: list[int] = []

            class Recorder:
                def __init__(self, engine: fsrs_rs.FSRS, given: list[int]) -> None:
                    self.engine, self.given = engine, given

                def next_states(
                    self, memory: fsrs_rs.MemoryState | None, retention: float, elapsed: int
                ) -> object:
                    self.given.append(elapsed)
                    return self.engine.next_states(memory, retention, elapsed)

            scheduler._fsrs = Recorder(scheduler._fsrs, given)  # type: ignore[assignment]
            expected = []
            for _ in range(60):
                now = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(
                    minutes=rng.randrange(60 * 24 * 280)
                )
                since = now - timedelta(minutes=rng.choice([1, 59, 61, 1439, 1441, 60 * 24 * 9]))
                state = MemoryState(
                    queue=Queue.REVIEW,
                    stability=5.0,
                    difficulty=5.0,
                    last_review=since,
                    reps=3,
                    interval=4,
                )
                scheduler.next_states(state, now, card_id=7)
                expected.append(scheduler.days_elapsed(since, now))
            assert given == expected


# The fuzz arithmetic as first ported from Anki's fuzz.rs (a loop over every range, generic
# rounding and clamping helpers, the range always taken for the minimum): the reference the
# leaner one in scheduling.py must equal exactly.
def _reference_fuzz_delta(interval: float) -> float:
    from studyapp.core.scheduling import _FUZZ_RANGES, _f32

    if interval < 2.5:
        return 0.0
    delta = 1.0
    for start, end, factor in _FUZZ_RANGES:
        delta = _f32(delta + _f32(factor * max(_f32(min(interval, end) - start), 0.0)))
    return delta


def _reference_fuzz_range(interval: float, minimum: int, maximum: int) -> tuple[int, int]:
    from studyapp.core.scheduling import _f32, _round, _u32

    minimum = min(minimum, maximum)
    interval = _f32(min(max(interval, float(minimum)), float(maximum)))
    delta = _reference_fuzz_delta(interval)
    lower = _u32(_round(_f32(interval - delta)))
    upper = _u32(_round(_f32(interval + delta)))
    lower = min(max(lower, minimum), maximum)
    upper = min(max(upper, minimum), maximum)
    if upper == lower and 2 < upper < maximum:
        upper = lower + 1
    return lower, upper


def _reference_with_fuzz(
    factor: float | None, interval: float, minimum: int, maximum: int, bounds: object = None
) -> int:
    import math

    from studyapp.core.scheduling import _f32, _round, _u32

    if factor is None:
        return min(max(_u32(_round(interval)), min(minimum, maximum)), maximum)
    lower, upper = _reference_fuzz_range(interval, minimum, maximum)
    return _u32(math.floor(_f32(lower + _f32(factor * (1 + upper - lower)))))


def _reference_minimum_fuzz_interval(
    interval: float, previous: int, maximum: int, bounds: object = None
) -> int:
    from studyapp.core.scheduling import _round, _u32

    rounded = _u32(_round(interval))
    _lower, upper = _reference_fuzz_range(interval, 1, maximum)
    if rounded > previous:
        return previous + 1
    if previous <= upper:
        return previous
    return 0


def _reference_review_days(
    factor: float | None,
    interval: float,
    previous: int,
    floor: int,
    maximum: int,
    ranges: object = None,
) -> int:
    """A review's Hard, Good or Easy days as the rules composed them before _review_days."""
    minimum = max(_reference_minimum_fuzz_interval(interval, previous, maximum), floor, 1)
    return _reference_with_fuzz(factor, interval, min(max(minimum, 1), maximum), maximum)


def _intervals(seed: int, count: int) -> list[float]:
    from studyapp.core.scheduling import _f32

    rng = random.Random(seed)
    edges = [0.0, 0.5, 1.0, 1.5, 2.0, 2.4999, 2.5, 2.5001, 3.0, 6.999, 7.0, 7.001, 19.999]
    edges += [20.0, 20.001, 36499.5, 36500.0, 36500.5, 1e6, 3e38, -1.0, -0.4]
    return (
        [_f32(x) for x in edges]
        + [_f32(q / 4) for q in range(400)]
        + [_f32(rng.choice([rng.uniform(0, 30), rng.uniform(0, 40_000)])) for _ in range(count)]
    )


def test_fuzz_delta_from_the_interval_s_own_range_equals_the_loop_over_every_range() -> None:
    from studyapp.core.scheduling import _fuzz_delta

    intervals = [i for i in _intervals(12, 8000) if i >= 0]
    assert [_fuzz_delta(i) for i in intervals] == [_reference_fuzz_delta(i) for i in intervals]


def test_lean_fuzz_range_equals_the_reference() -> None:
    rng = random.Random(13)
    cases = [
        (interval, rng.choice([0, 1, 2, 3, rng.randint(1, 500)]), rng.choice([1, 2, 3, 100, 36500]))
        for interval in _intervals(14, 6000)
    ]
    assert [fuzz_range(*case) for case in cases] == [_reference_fuzz_range(*case) for case in cases]


def test_lean_fuzz_helpers_equal_the_reference() -> None:
    from studyapp.core.scheduling import _minimum_fuzz_interval, _with_fuzz

    rng = random.Random(15)
    # factors at both ends of the draw too: (2**23 - 1) / 2**23 rounds up in f32 near big days
    factors = [None, 0.0, (2**23 - 1) / 2**23, 0.5]
    cases = []
    for interval in _intervals(16, 4000):
        maximum = rng.choice([1, 3, 100, 36500])
        factor = rng.choice([*factors, rng.random()])
        cases.append((factor, interval, rng.randint(0, 400), maximum))
    assert [_with_fuzz(*c) for c in cases] == [_reference_with_fuzz(*c) for c in cases]
    minimums = [(c[1], c[2], c[3]) for c in cases if c[1] >= 0]
    assert [_minimum_fuzz_interval(*c) for c in minimums] == [
        _reference_minimum_fuzz_interval(*c) for c in minimums
    ]


def test_a_review_s_days_in_one_call_equal_the_reference_helpers_composed() -> None:
    # _review_days writes out the minimum, the fuzz range with its bounds and the draw's
    # step for one grade of a review: the same days as the helpers composed, for intervals
    # around every range edge, previous intervals below, at and above, floors, maximums and
    # factors at both ends; the bounds remembered across the calls of one answer change none.
    from studyapp.core.scheduling import _review_days

    rng = random.Random(37)
    factors = [None, 0.0, (2**23 - 1) / 2**23, 0.5]
    cases = []
    for interval in _intervals(38, 6000):
        if interval < 0:
            continue
        rounded = int(interval + 0.5)
        previous = rng.choice([0, 1, rounded - 1, rounded, rounded + 1, rng.randint(0, 500)])
        floor = rng.choice([0, 0, 1, max(rounded - 1, 0), rounded + 1, rng.randint(0, 400)])
        maximum = rng.choice([1, 2, 3, 30, 100, 365, 36500])
        cases.append(
            (rng.choice([*factors, rng.random()]), interval, max(previous, 0), floor, maximum)
        )
    expected = [_reference_review_days(*case) for case in cases]
    assert [_review_days(*case, {}) for case in cases] == expected
    shared: dict[float, tuple[int, int]] = {}
    assert [_review_days(*case, shared) for case in cases] == expected


def test_lean_fuzz_gives_the_outcomes_of_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every queue, fuzz on and off, short and long maximum intervals: the four outcomes with
    # the lean helpers equal those with the reference helpers swapped in.
    from studyapp.core import scheduling

    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    rng = random.Random(17)
    states = [MemoryState()]
    for _ in range(600):
        days = rng.randint(1, 3000)
        states.append(
            MemoryState(
                queue=rng.choice([Queue.REVIEW, Queue.RELEARNING, Queue.LEARNING, Queue.NEW]),
                step=rng.choice([0, 1]),
                stability=rng.choice([rng.uniform(0.1, 5.0), rng.uniform(0.5, 3000.0)]),
                difficulty=rng.uniform(1.0, 10.0),
                last_review=now - timedelta(days=days, hours=rng.randint(0, 23)),
                reps=rng.randint(1, 40),
                lapses=rng.randint(0, 5),
                interval=rng.choice([0, rng.randint(1, days), rng.randint(days, 4 * days)]),
            )
        )
    schedulers = [
        Scheduler(SchedulerConfig(fuzz=fuzz, maximum_interval=maximum), tz=UTC)
        for fuzz in (True, False)
        for maximum in (36500, 365, 30)
    ]

    def outcomes() -> list[object]:
        return [
            scheduler.next_states(
                state, now, card_id=1_700_000_000_000 + i, desired_retention=0.8 + (i % 3) * 0.07
            ).outcomes
            for scheduler in schedulers
            for i, state in enumerate(states)
        ]

    lean = outcomes()
    monkeypatch.setattr(scheduling, "_with_fuzz", _reference_with_fuzz)
    monkeypatch.setattr(scheduling, "_minimum_fuzz_interval", _reference_minimum_fuzz_interval)
    monkeypatch.setattr(scheduling, "_review_days", _reference_review_days)
    assert lean == outcomes()


def test_fuzz_stays_in_anki_ranges() -> None:
    assert fuzz_range(2.0, 1, 36500) == (2, 2)  # short intervals are not fuzzed
    assert fuzz_range(10.0, 1, 36500) == (8, 12)
    assert fuzz_range(100.0, 1, 36500) == (93, 107)
    scheduler = Scheduler(SchedulerConfig(fuzz=True), tz=UTC)
    plain = Scheduler(SchedulerConfig(fuzz=False), tz=UTC)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    state = MemoryState(
        queue=Queue.REVIEW,
        stability=40.0,
        difficulty=5.0,
        last_review=now - timedelta(days=40),
        reps=6,
        interval=40,
    )
    seen = set()
    for card_id in range(300):
        fuzzed = scheduler.next_states(state, now, card_id=card_id)
        unfuzzed = plain.next_states(state, now, card_id=card_id)
        for rating in (Rating.HARD, Rating.GOOD, Rating.EASY):
            days, plain_days = fuzzed[rating].days, unfuzzed[rating].days
            assert days is not None and plain_days is not None
            # within the fuzz range of the unfuzzed interval (give or take the day its
            # rounding moves), and never below the previous interval
            lower, upper = fuzz_range(float(plain_days), 41, 36500)
            assert lower - 1 <= days <= upper + 1 and days > state.interval
        seen.add(fuzzed[Rating.GOOD].days)
    assert len(seen) > 3


def test_the_same_card_and_repetition_give_the_same_outcome() -> None:
    scheduler = Scheduler(SchedulerConfig(fuzz=True), tz=UTC)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    state = MemoryState(
        queue=Queue.REVIEW,
        stability=80.0,
        difficulty=5.0,
        last_review=now - timedelta(days=80),
        reps=9,
        interval=80,
    )
    first = scheduler.next_states(state, now, card_id=42)
    again = scheduler.next_states(state, now + timedelta(hours=5), card_id=42)
    for rating in Rating:
        assert first[rating] == again[rating]
        assert first.label(rating) == again.label(rating)


# -- learning steps --------------------------------------------------------------------------
def test_learning_steps_stay_in_minutes() -> None:
    scheduler = Scheduler(SchedulerConfig(fuzz=False), tz=UTC)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    states = scheduler.next_states(MemoryState(), now, card_id=1)
    assert [states[r].seconds for r in (Rating.AGAIN, Rating.HARD, Rating.GOOD)] == [60, 330, 600]
    assert scheduler.apply(MemoryState(), states[Rating.GOOD], now).due == now + timedelta(
        minutes=10
    )
    assert states[Rating.EASY].queue is Queue.REVIEW


def test_a_step_past_the_rollover_is_due_from_the_start_of_that_day() -> None:
    scheduler = Scheduler(SchedulerConfig(fuzz=False, learning_steps=(1440.0,)), tz=PLUS2)
    now = local(2026, 5, 4, 20, 0)
    states = scheduler.next_states(MemoryState(), now, card_id=1)
    assert states.label(Rating.AGAIN) == "1d"
    after = scheduler.apply(MemoryState(), states[Rating.AGAIN], now)
    assert after.queue is Queue.LEARNING and after.due == local(2026, 5, 5, 4, 0)


# -- labels ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seconds", "label"),
    [
        (60, "<1m"),
        (330, "<6m"),
        (600, "<10m"),
        (1800, "30m"),
        (86_400, "1d"),
        (45 * 86_400, "1.5mo"),
        (30 * 86_400, "30d"),
        (31 * 86_400, "1mo"),
        (400 * 86_400, "1.1y"),
        (0, "End"),
    ],
)
def test_answer_button_labels_read_as_anki_writes_them(seconds: int, label: str) -> None:
    assert answer_button_label(seconds) == label


# -- parameters -------------------------------------------------------------------------------
def test_parameters_are_checked() -> None:
    assert check_parameters(DEFAULT_PARAMETERS) == DEFAULT_PARAMETERS
    assert len(check_parameters(DEFAULT_PARAMETERS[:19])) == 21  # FSRS-5, completed
    with pytest.raises(ValueError, match="21 numbers"):
        check_parameters(DEFAULT_PARAMETERS[:20])
    with pytest.raises(ValueError, match="finite"):
        check_parameters((float("nan"),) * 21)
    with pytest.raises(ValueError, match="21 numbers"):
        check_parameters(())
    with pytest.raises(ValueError, match="retention"):
        SchedulerConfig(desired_retention=0.5)


def test_retrievability_is_one_function_for_everyone() -> None:
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    state = MemoryState(
        queue=Queue.REVIEW,
        stability=10.0,
        difficulty=5.0,
        last_review=now - timedelta(days=10),
        reps=4,
        interval=10,
    )
    # At the stability's age the chance of recall is 90%, by FSRS's definition.
    value = retrievability(state, now, tz=UTC)
    assert value is not None and abs(value - 0.9) < 1e-9
    assert retrievability(MemoryState(), now) is None


# -- replaying a log ----------------------------------------------------------------------------
def _random_logs(seed: int, cards: int) -> list[tuple[int, ...]]:
    """Random review logs as FSRS reads them (:data:`LogRow`, with times), card by card,
    with learning runs, cram (left out), manual changes and resets to new."""
    from studyapp.core import replay

    rng = random.Random(seed)
    rows: list[tuple[int, ...]] = []
    for card in range(1, cards):
        days = rng.randint(300, 900)
        for _ in range(rng.randint(1, 14)):
            kind = rng.choices([0, 1, 2], weights=[85, 8, 7])[0]
            before = rng.choice([0, 1, 1, 2, 2, 2, 3])
            after = 0 if kind == 2 and rng.random() < 0.5 else rng.choice([1, 2, 3])
            rating = 0 if kind == 2 else rng.choices([0, 1, 2, 3, 4], [2, 20, 20, 40, 18])[0]
            event = replay.log_event(rating, before, after, kind)
            at = (1_800_000_000 - days * 86400 + rng.randint(0, 86399)) * 1000
            if event is not None:  # cram answers are not in the log FSRS reads
                rows.append((card, days, event, at))
            days -= rng.choice([0, 0, 1, 3, 10])
    return rows


def _card_logs(rows: list[tuple[int, ...]]) -> dict[int, list[tuple[int, ...]]]:
    logs: dict[int, list[tuple[int, ...]]] = {}
    for row in rows:
        logs.setdefault(row[0], []).append(row)
    return logs


def _numbers(review: object) -> tuple[int, ...]:
    # The engine's FSRSReview has no attributes, only a repr: "{ rating: 3, delta_t: 2 }".
    return tuple(map(int, re.findall(r"\d+", repr(review))))


def test_the_fast_replay_reads_a_log_as_anki_walks_it() -> None:
    """The optimizer's and the recompute's one-pass replay keeps the answers Anki's
    reviews_for_fsrs keeps (walking back to the last run of learning answers, stopping at a
    reset to new, skipping cram), on random logs with all of those."""
    from studyapp.core import replay

    rows = _random_logs(11, 400)
    expected: dict[int, list[tuple[int, int]] | None] = {}
    for card, log in _card_logs(rows).items():
        kept = replay._kept(log, 0, len(log))
        expected[card] = None if kept is None else replay._deltas(kept)
    replayed = {card: [_numbers(a) for a in answers] for card, answers in replay._replay(rows)}
    assert replayed == {c: h for c, h in expected.items() if h is not None}
    assert len(replayed) > 200 and len(replayed) < 399  # both kinds of card occur


def test_the_optimizer_items_are_anki_s_items_in_anki_s_order() -> None:
    """The optimizer's input, built in one pass with each answer shared by its card's items,
    is what Anki's fsrs_items_for_training builds: for each card, from its walk-back start,
    one item per answer on a later study day than the one before (with every answer up to
    it), all sorted by the answer's time (stable: same moment, card order)."""
    from studyapp.core import replay

    rows = _random_logs(12, 600)
    expected: list[tuple[int, int, list[tuple[int, int]]]] = []
    reviews = 0
    for card, log in _card_logs(rows).items():
        kept = replay._kept(log, 0, len(log))
        if kept is None:
            continue
        reviews += len(kept)
        history = replay._deltas(kept)
        for index in range(1, len(kept)):
            if history[index][1] > 0:
                expected.append((kept[index][3], card, history[: index + 1]))
    expected.sort(key=lambda e: e[0])
    training = replay.training_set(rows)
    assert training.reviews == reviews
    assert training.card_ids == [card for _at, card, _h in expected]
    built = [[_numbers(r) for r in item.reviews] for item in training.items]
    assert built == [history for _at, _card, history in expected]
    assert len(training) > 300


def test_the_fit_is_the_engine_s_fit_of_anki_s_items() -> None:
    """The fitted parameters and both log losses are exactly the engine's on the items
    Anki would build (RMSE over bins too, to the engine's own run-to-run noise: it sums
    its bins in a different order each time, ~1e-9)."""
    from studyapp.core import replay, scheduling

    rows = _random_logs(13, 900)
    training = replay.training_set(rows)
    fit = replay.fit_parameters(training, DEFAULT_PARAMETERS)
    review, item = fsrs_rs.FSRSReview, fsrs_rs.FSRSItem
    items = [item([review(*_numbers(r)) for r in each.reviews]) for each in training.items]
    engine = fsrs_rs.FSRS(list(DEFAULT_PARAMETERS))
    fitted = engine.compute_parameters(
        items,
        card_ids=training.card_ids,
        enable_short_term=True,
        num_relearning_steps=1,
        training_config=fsrs_rs.TrainingConfig(num_epochs=8),
    )
    assert fit.after == scheduling.check_parameters(fitted)
    before, after = engine.evaluate(items), fsrs_rs.FSRS(fitted).evaluate(items)
    assert (fit.log_loss_before, fit.log_loss_after) == (before.log_loss, after.log_loss)
    assert fit.rmse_before == pytest.approx(before.rmse_bins, rel=1e-6)
    assert fit.rmse_after == pytest.approx(after.rmse_bins, rel=1e-6)
    assert fit.better == (after.log_loss < before.log_loss)


@pytest.mark.parametrize(
    ("entry", "event"),
    [
        ((3, Queue.NEW, Queue.LEARNING, 0), 3 + LEARNING_OFFSET),  # a new card's first answer
        ((1, Queue.LEARNING, Queue.LEARNING, 0), 1 + LEARNING_OFFSET),
        ((4, Queue.REVIEW, Queue.REVIEW, 0), 4),
        ((1, Queue.RELEARNING, Queue.RELEARNING, 0), 1),  # relearning is not learning
        ((0, Queue.REVIEW, Queue.REVIEW, 0), BREAK),  # no grade
        ((0, Queue.REVIEW, Queue.NEW, 2), RESET),  # forgotten: new again
        ((0, Queue.REVIEW, Queue.REVIEW, 2), BREAK),  # set due date, rescheduled
        ((3, Queue.REVIEW, Queue.REVIEW, 1), None),  # cram: skipped
    ],
)
def test_each_log_entry_means_to_fsrs_what_it_means_to_anki(
    entry: tuple[int, int, int, int], event: int | None
) -> None:
    assert log_event(*entry) == event


def test_remembering_the_fuzz_bounds_for_one_answer_changes_no_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # _Rules keeps each interval's fuzz bounds for the answer it computes; computing every
    # range afresh must give the very same four outcomes, for every queue.
    from studyapp.core import scheduling

    scheduler = Scheduler(SchedulerConfig(fuzz=True), tz=UTC)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    rng = random.Random(7)
    states = [MemoryState()]
    for _ in range(150):
        days = rng.randint(1, 400)
        states.append(
            MemoryState(
                queue=rng.choice([Queue.REVIEW, Queue.RELEARNING, Queue.LEARNING]),
                step=0,
                stability=rng.uniform(0.5, 300.0),
                difficulty=rng.uniform(1.0, 10.0),
                last_review=now - timedelta(days=days),
                reps=rng.randint(1, 20),
                lapses=rng.randint(0, 3),
                interval=rng.randint(0, days),
            )
        )
    remembered = [scheduler.next_states(s, now, card_id=i).outcomes for i, s in enumerate(states)]
    monkeypatch.setattr(
        scheduling._Rules, "_bounds", lambda self, interval: scheduling._fuzz_bounds(interval)
    )
    afresh = [scheduler.next_states(s, now, card_id=i).outcomes for i, s in enumerate(states)]
    assert remembered == afresh
