"""FSRS scheduling as Anki does it: a pure function over :class:`MemoryState`.

The memory model is Anki's own engine (``fsrs-rs-python``, the Rust ``fsrs`` crate that
Anki links), given study days elapsed, not 24-hour periods (:func:`days_elapsed`). Around
it this module ports the rules of Anki's scheduler (``rslib/src/scheduler/states``):
learning and relearning steps in minutes, graduating intervals, the constraint that Hard,
Good and Easy intervals of a review card differ by at least a day each, fuzz with Anki's
ranges and Anki's seed (card id + repetitions, drawn from the same ChaCha12 generator),
and the labels of the grade buttons. This module and :mod:`studyapp.core.replay` (a card's
memory from its review log, and the optimizer) are the only ones that import the engine.

Every answer's four outcomes come from one call (:meth:`Scheduler.next_states`); the fuzz is
a pure function of the card and its repetition count, so the label on a button is the
interval that answer gives.
"""

from __future__ import annotations

import math
import struct
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import NamedTuple

import fsrs_rs_python as _engine
import msgspec
from msgspec import field
from msgspec.structs import force_setattr

from studyapp.core.model import MemoryState, Queue, Rating
from studyapp.core.retention import RETENTION_RANGE
from studyapp.core.studyday import (
    DEFAULT_ROLLOVER_HOUR,
    days_elapsed,
    require_utc,
    study_day,
    study_day_start,
)

__all__ = [
    "DEFAULT_PARAMETERS",
    "RETENTION_RANGE",
    "NewCardsOutlook",
    "NextStates",
    "Outcome",
    "Scheduler",
    "SchedulerConfig",
    "answer_button_label",
    "check_parameters",
    "check_retention",
    "format_interval",
    "fuzz_factor",
    "fuzz_factors",
    "fuzz_range",
    "reschedule_interval",
    "retrievability",
    "retrievability_after",
    "stored_memory",
]

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(_engine.DEFAULT_PARAMETERS)
"""The published FSRS-6 parameters (21 numbers), as Anki uses them until optimized."""

_DAY = 86_400
_MAX_U32 = 2**32 - 1


# -- parameters ------------------------------------------------------------------------------
def check_parameters(parameters: Sequence[float]) -> tuple[float, ...]:
    """FSRS parameters the engine accepts, as 21 numbers (FSRS-4.5's 17 and FSRS-5's 19 are
    completed as the engine does). Like Anki, any finite values are accepted: the engine
    keeps each within its bounds.

    Raises:
        ValueError: not a list of 17, 19 or 21 finite numbers.
    """
    values = list(parameters)
    if len(values) not in (17, 19, 21):
        raise ValueError(
            f"FSRS parameters must be 21 numbers (or 17 or 19 from older versions), "
            f"not {len(values)}"
        )
    if not all(math.isfinite(v) for v in values):
        raise ValueError("FSRS parameters must all be finite numbers")
    return tuple(_engine.check_and_fill_parameters([float(v) for v in values]))


def check_retention(retention: float) -> None:
    """Raise ValueError unless ``retention`` is within :data:`RETENTION_RANGE`."""
    low, high = RETENTION_RANGE
    if not low <= retention <= high:
        raise ValueError(f"desired retention must be between {low:.2f} and {high:.2f}")


class SchedulerConfig(msgspec.Struct, frozen=True):
    """Scheduling settings.

    Attributes:
        desired_retention: the probability of recall FSRS aims for (a card may ask for its
            own, see :meth:`Scheduler.next_states`).
        learning_steps: minutes between the first answers of a new card.
        relearning_steps: minutes between answers after a lapse.
        maximum_interval: the longest interval in days.
        fuzz: spread review dates a little so cards learned together do not stay together.
        parameters: FSRS weights; the published defaults unless fitted to the user's reviews.
        rollover_hour: local hour at which a study day begins.
        learn_ahead_minutes: labels under this many minutes read ``<10m``, as in Anki.
    """

    desired_retention: float = 0.90
    learning_steps: tuple[float, ...] = (1.0, 10.0)
    relearning_steps: tuple[float, ...] = (10.0,)
    maximum_interval: int = 36500
    fuzz: bool = True
    parameters: tuple[float, ...] = field(default=DEFAULT_PARAMETERS)
    rollover_hour: int = DEFAULT_ROLLOVER_HOUR
    learn_ahead_minutes: int = 20

    def __post_init__(self) -> None:
        check_retention(self.desired_retention)
        if any(step <= 0 for step in (*self.learning_steps, *self.relearning_steps)):
            raise ValueError("learning and relearning steps must be positive minutes")
        if self.maximum_interval < 1:
            raise ValueError("the maximum interval must be at least one day")
        if not 0 <= self.rollover_hour <= 23:
            raise ValueError("the day must roll over at an hour between 0 and 23")
        force_setattr(self, "parameters", check_parameters(self.parameters))


# -- f32 arithmetic ---------------------------------------------------------------------------
# Anki computes intervals in 32-bit floats; rounding a value to f32 after each operation
# reproduces them exactly (a double holds every f32 sum and product before that rounding).
_F32 = struct.Struct("f")
_F32_PACK = _F32.pack
_F32_UNPACK = _F32.unpack


def _f32(value: float) -> float:
    # Bound methods, no float() around a float: 0.55 -> 0.35 µs, ~30 calls an answer.
    return _F32_UNPACK(_F32_PACK(value))[0]  # type: ignore[no-any-return]


def _round(value: float) -> int:
    """Rust's ``f32::round``: halves away from zero."""
    return int(math.floor(value + 0.5)) if value >= 0 else -int(math.floor(-value + 0.5))


def _u32(value: float) -> int:
    """Rust's saturating ``as u32`` of a float."""
    if value != value or value <= 0:
        return 0
    return min(int(value), _MAX_U32)


# -- fuzz (rslib/src/scheduler/states/fuzz.rs) ---------------------------------------------------
_F32_MAX = 3.4028234663852886e38
_FUZZ_RANGES = tuple(
    (start, end, _f32(factor))
    for start, end, factor in ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, _F32_MAX, 0.05))
)
_FUZZ_0, _FUZZ_1, _FUZZ_2 = (factor for _start, _end, factor in _FUZZ_RANGES)
_DELTA_AT_7 = _f32(1.0 + _f32(_FUZZ_0 * _f32(7.0 - 2.5)))
_DELTA_AT_20 = _f32(_DELTA_AT_7 + _f32(_FUZZ_1 * _f32(20.0 - 7.0)))
"""Anki's delta once the interval has passed the whole first (second) range: what its sum
over the ranges has added by then, the same f32 steps done once here."""


def _fuzz_delta(interval: float) -> float:
    """Anki's fuzz delta: 1 plus each range's factor times the part of ``interval`` in it,
    summed in f32 (``(interval - 2.5) * 0.15`` and so on; 0 below 2.5 days).

    The ranges below the interval's own are full and add a constant (``_DELTA_AT_7``,
    ``_DELTA_AT_20``); the ranges above add ``factor * 0.0``, which leaves the sum as it is. So
    one f32 step for the interval's own range gives the very delta of the loop over every
    range (tests/core/test_scheduling.py keeps that loop as the reference): 0.9-1.6 -> 0.3-0.4
    µs (load ~5).
    """
    if interval < 2.5:
        return 0.0
    if interval <= 7.0:
        part = _F32_UNPACK(_F32_PACK(interval - 2.5))[0]
        added = _F32_UNPACK(_F32_PACK(_FUZZ_0 * part))[0]
        return _F32_UNPACK(_F32_PACK(1.0 + added))[0]  # type: ignore[no-any-return]
    if interval <= 20.0:
        part = _F32_UNPACK(_F32_PACK(interval - 7.0))[0]
        added = _F32_UNPACK(_F32_PACK(_FUZZ_1 * part))[0]
        return _F32_UNPACK(_F32_PACK(_DELTA_AT_7 + added))[0]  # type: ignore[no-any-return]
    part = _F32_UNPACK(_F32_PACK(min(interval, _F32_MAX) - 20.0))[0]
    added = _F32_UNPACK(_F32_PACK(_FUZZ_2 * part))[0]
    return _F32_UNPACK(_F32_PACK(_DELTA_AT_20 + added))[0]  # type: ignore[no-any-return]


def _days(value: float) -> int:
    """``_u32(_round(value))`` in one step: Rust's ``value.round() as u32`` (halves away from
    zero, saturating; NaN raises, as ``_round`` does)."""
    days = math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)
    return 0 if days <= 0 else (days if days < _MAX_U32 else _MAX_U32)


def _fuzz_bounds(interval: float) -> tuple[int, int]:
    """The fuzz range of an f32 ``interval`` before it is held within a minimum and maximum:
    ``interval`` minus and plus its delta, rounded to days."""
    delta = _fuzz_delta(interval)
    return (
        _days(_F32_UNPACK(_F32_PACK(interval - delta))[0]),
        _days(_F32_UNPACK(_F32_PACK(interval + delta))[0]),
    )


def fuzz_range(
    interval: float,
    minimum: int,
    maximum: int,
    *,
    bounds: Callable[[float], tuple[int, int]] = _fuzz_bounds,
) -> tuple[int, int]:
    """The days fuzz may choose from for ``interval``, within ``minimum``..``maximum``
    (``bounds``: :func:`_fuzz_bounds`, or the same remembered for one answer).

    The clamps are written out (``x if x < y else y`` is what ``min`` and ``max`` return, NaN
    included) and the f32 rounding inlined: 3.6 -> 1.2 µs a call (load ~5), three to six
    calls an answer. With the upper end taken only when needed (:func:`_minimum_fuzz_interval`),
    a review's rules 423k -> 204k instructions (callgrind, 10k benchmark store)."""
    if maximum < minimum:
        minimum = maximum
    low = float(minimum)
    high = float(maximum)
    clamped = low if low > interval else interval
    clamped = high if high < clamped else clamped
    lower, upper = bounds(_F32_UNPACK(_F32_PACK(clamped))[0])
    lower = minimum if minimum > lower else lower
    lower = maximum if maximum < lower else lower
    upper = minimum if minimum > upper else upper
    upper = maximum if maximum < upper else upper
    if upper == lower and 2 < upper < maximum:
        upper = lower + 1
    return lower, upper


def _with_fuzz(
    factor: float | None,
    interval: float,
    minimum: int,
    maximum: int,
    bounds: Callable[[float], tuple[int, int]] = _fuzz_bounds,
) -> int:
    if factor is None:
        return min(max(_u32(_round(interval)), min(minimum, maximum)), maximum)
    lower, upper = fuzz_range(interval, minimum, maximum, bounds=bounds)
    return _u32(math.floor(_f32(lower + _f32(factor * (1 + upper - lower)))))


def _minimum_fuzz_interval(
    interval: float,
    previous: int,
    maximum: int,
    bounds: Callable[[float], tuple[int, int]] = _fuzz_bounds,
) -> int:
    rounded = _u32(_round(interval))
    if rounded > previous:
        # The fuzz range's upper end is only read below: not computed for an interval that
        # grew (most reviews), the same answer with half the fuzz ranges of a review.
        return previous + 1
    _lower, upper = fuzz_range(interval, 1, maximum, bounds=bounds)
    if previous <= upper:
        return previous  # the interval may not have grown much, but fuzz must not shrink it
    return 0


def _review_days(
    factor: float | None,
    interval: float,
    previous: int,
    floor: int,
    maximum: int,
    ranges: dict[float, tuple[int, int]],
) -> int:
    """A review's Hard, Good or Easy days: ``_with_fuzz(factor, interval, minimum, maximum)``
    with ``minimum`` the largest of :func:`_minimum_fuzz_interval`, ``floor`` and 1 (held
    within ``maximum``), in one call, the same ints. ``ranges``: the fuzz bounds taken
    for this answer so far, by f32 interval (one answer's only; see ``_Rules._bounds``).

    The three calls a review made per grade went through six functions each (the fuzz range,
    its bounds, their delta, the f32 and u32 helpers); written out here with the same
    steps in the same order: the cycle 936k -> 899k instructions an answer at 10k cards,
    946k -> 908k at 50k, 989k -> 953k at 200k (callgrind, 100 answers, benchmark stores).
    ``tests/core/test_scheduling.py`` pins it to the composition of the reference helpers.
    """
    pack, unpack = _F32_PACK, _F32_UNPACK
    # _u32(_round(interval)) (NaN raises in floor, as _round does)
    rounded = math.floor(interval + 0.5) if interval >= 0 else -math.floor(-interval + 0.5)
    rounded = 0 if rounded <= 0 else (rounded if rounded < _MAX_U32 else _MAX_U32)
    if rounded > previous:
        minimum = previous + 1
    else:
        # fuzz_range(interval, 1, maximum)'s upper end
        low = 1 if maximum >= 1 else maximum
        clamped = float(low) if low > interval else interval
        clamped = float(maximum) if maximum < clamped else clamped
        at = unpack(pack(clamped))[0]
        bounds = ranges.get(at)
        if bounds is None:
            bounds = ranges[at] = _fuzz_bounds(at)
        upper = bounds[1]
        upper = low if low > upper else upper
        upper = maximum if maximum < upper else upper
        lower = bounds[0]
        lower = low if low > lower else lower
        lower = maximum if maximum < lower else lower
        if upper == lower and 2 < upper < maximum:
            upper = lower + 1
        minimum = previous if previous <= upper else 0
    minimum = floor if floor > minimum else minimum
    minimum = 1 if minimum < 1 else minimum
    minimum = maximum if maximum < minimum else minimum
    if factor is None:
        days = minimum if minimum > rounded else rounded
        return maximum if maximum < days else days
    # fuzz_range(interval, minimum, maximum) (minimum <= maximum here)
    clamped = float(minimum) if minimum > interval else interval
    clamped = float(maximum) if maximum < clamped else clamped
    at = unpack(pack(clamped))[0]
    bounds = ranges.get(at)
    if bounds is None:
        bounds = ranges[at] = _fuzz_bounds(at)
    lower, upper = bounds
    lower = minimum if minimum > lower else lower
    lower = maximum if maximum < lower else lower
    upper = minimum if minimum > upper else upper
    upper = maximum if maximum < upper else upper
    if upper == lower and 2 < upper < maximum:
        upper = lower + 1
    spread = unpack(pack(factor * (1 + upper - lower)))[0]
    days = math.floor(unpack(pack(lower + spread))[0])
    return 0 if days <= 0 else (days if days < _MAX_U32 else _MAX_U32)


_NEW, _LEARNING, _REVIEW, _RELEARNING = (
    Queue.NEW,
    Queue.LEARNING,
    Queue.REVIEW,
    Queue.RELEARNING,
)
_AGAIN, _HARD, _GOOD, _EASY = Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.EASY
"""The members :meth:`Scheduler.next_states` and its rules name, as module globals: in
CPython 3.11 ``Queue.REVIEW`` goes through ``EnumType.__getattr__``'s lookup hook every
time (~76 ns against ~8 ns for a global, ~850 instructions). With study.py's own: 24
lookups a review shown and answered fewer, the cycle 887.9k -> 866.9k instructions an
answer (-2.4%; callgrind, 128 answers, 10k benchmark store). The same objects
(``_REVIEW is Queue.REVIEW``); tests/services/test_study.py counts the lookups."""
_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF


_LANES = sum(_M32 << (64 * lane) for lane in range(4))
"""Four 32-bit lanes, one in each 64-bit quarter of a 256-bit integer (the rest is slack)."""
_ONE_LANE = _M64
_TWO_LANES = (1 << 128) - 1
_FOUR_LANES = (1 << 256) - 1
_SIGMA = 0x61707865
_DOUBLE_ROUNDS = (False, False, False, False, False, True)
"""ChaCha12's six double rounds, the last one marked."""
_SIGMA_ROW = _SIGMA | (0x3320646E << 64) | (0x79622D32 << 128) | (0x6B206574 << 192)
"""ChaCha's first row, "expand 32-byte k", as four lanes."""
_SIGMA_WORDS = (_SIGMA, 0x3320646E, 0x79622D32, 0x6B206574)


def _quarter_round(a: int, b: int, c: int, d: int, m: int) -> tuple[int, int, int, int]:
    """ChaCha's quarter round on 32-bit words held in lanes of ``a``..``d`` (``m`` masks each
    lane's 32 bits): every lane's quarter round at once, for :func:`fuzz_factor` (the four
    words of a row in one integer) and :func:`fuzz_factors` (one word of every
    block in one integer)."""
    a = (a + b) & m
    v = d ^ a
    d = ((v << 16) | (v >> 16)) & m
    c = (c + d) & m
    v = b ^ c
    b = ((v << 12) | (v >> 20)) & m
    a = (a + b) & m
    v = d ^ a
    d = ((v << 8) | (v >> 24)) & m
    c = (c + d) & m
    v = b ^ c
    b = ((v << 7) | (v >> 25)) & m
    return a, b, c, d


@lru_cache(maxsize=4096)
def fuzz_factor(seed: int) -> float:
    """Anki's fuzz factor in [0, 1) for a seed (card id + repetitions).

    Anki draws it with ``StdRng::seed_from_u64(seed).random_range(0.0..1.0)`` (Rust's
    ``rand`` 0.9): the u64 seed is spread into a 256-bit key by PCG32, the first 32-bit word
    of a ChaCha12 block becomes a float from its top 23 bits. Ported here so the same card on
    its same repetition gets the same fuzz in StudyApp as in Anki.

    Each row of the 4x4 ChaCha state is one Python integer holding its four 32-bit words in
    64-bit lanes, so one line of additions, xors and rotations does a round's four quarter
    rounds at once (a carry or a rotated-out bit lands in a lane's slack and is masked off);
    the diagonal rounds turn rows b, c and d by one, two and three lanes and back. 41 -> 14
    µs a call, the same factor for every seed as the word-by-word port
    (``tests/core/test_scheduling.py`` keeps that port as the reference); the rounds through
    :func:`_quarter_round`, shared with the batch, ~14.3 -> ~15.0 µs (best of 9, 2,000 seeds,
    3 alternations). Reviews take theirs from :func:`fuzz_factors` (a batch); a card drawn
    alone (new, learning, relearning) comes here.
    """
    state = seed & _M64
    key = []
    for _ in range(8):
        state = (state * 6364136223846793005 + 11634580027462260723) & _M64
        xorshifted = (((state >> 18) ^ state) >> 27) & _M32
        rotation = state >> 59
        key.append(((xorshifted >> rotation) | (xorshifted << ((32 - rotation) & 31))) & _M32)
    m = _LANES
    a = _SIGMA_ROW
    b = key[0] | (key[1] << 64) | (key[2] << 128) | (key[3] << 192)
    c = key[4] | (key[5] << 64) | (key[6] << 128) | (key[7] << 192)
    d = 0  # block counter and nonce: zero
    for last in _DOUBLE_ROUNDS:  # ChaCha12: six double rounds
        # column round: quarter rounds (0, 4, 8, 12) ... (3, 7, 11, 15), one per lane
        a, b, c, d = _quarter_round(a, b, c, d, m)
        # diagonal round: (0, 5, 10, 15) ... (3, 4, 9, 14), rows turned into the columns
        b = (b >> 64) | ((b & _ONE_LANE) << 192)
        c = (c >> 128) | ((c & _TWO_LANES) << 128)
        d = ((d << 64) & _FOUR_LANES) | (d >> 192)
        if last:
            # The draw is the first word of row a, final after the round's second addition:
            # the rest of the last round and turning the rows back change only b, c and d:
            # 226.9k -> 216.9k instructions a draw (callgrind), the same factor for every
            # seed (the word-by-word test).
            a = (a + b) & m
            v = d ^ a
            d = ((v << 16) | (v >> 16)) & m
            c = (c + d) & m
            v = b ^ c
            b = ((v << 12) | (v >> 20)) & m
            a = (a + b) & m
            break
        a, b, c, d = _quarter_round(a, b, c, d, m)
        b = ((b << 64) & _FOUR_LANES) | (b >> 192)
        c = (c >> 128) | ((c & _TWO_LANES) << 128)
        d = (d >> 64) | ((d & _ONE_LANE) << 192)
    word = ((a & _M32) + _SIGMA) & _M32
    return (word >> 9) / float(1 << 23)


_SIDE_BY_SIDE = 4
"""From this many seeds on :func:`fuzz_factors` draws the blocks side by side (below it, one
block at a time is cheaper)."""


def fuzz_factors(seeds: Sequence[int]) -> list[float]:
    """:func:`fuzz_factor` of each seed (the same floats), the ChaCha12 blocks drawn side by
    side.

    Here each of the 16 words of the ChaCha state is one Python integer holding that word of
    every block, one 64-bit lane a block (packed and unpacked by :mod:`struct`), so one line
    of additions, xors and rotations does one step of a quarter round for every block at
    once. A big-integer operation costs mostly its call, not its digits: 32 blocks side by
    side cost ~4.8 µs a draw against ~13.4 µs drawn one at a time (best of 7, 2,000 draws;
    the PCG32 keys, one seed at a time, are ~2.7 µs of the 4.8). The diagonal rounds need
    no turning of rows here: they name other words. As in :func:`fuzz_factor`, the last
    diagonal round stops once word 0 (the draw) is final. A study session draws the next
    due reviews' factors here at once (:meth:`Scheduler.prime_fuzz`).
    """
    if len(seeds) < _SIDE_BY_SIDE:
        return [fuzz_factor(seed) for seed in seeds]
    n = len(seeds)
    # The PCG32 keys side by side too, one 128-bit lane a seed (room for the 64 x 64-bit
    # product): a key word for every seed each time round. Its rotation by a different amount in
    # each lane is five masked stages (by 1, 2, 4, 8, 16 where that bit of the amount is
    # set) of the word doubled (x << 32 | x: the low 32 bits of its shift right are the
    # rotation); what the shifts pull in from the next lane stays above bit 96. 39k -> 33k
    # instructions a seed (callgrind, 32 seeds), the same words.
    wide = struct.Struct(f"<{2 * n}Q")
    unit = int.from_bytes(wide.pack(*[1, 0] * n), "little")  # 1 in each 128-bit lane
    low32, low64, five, whole = _M32 * unit, _M64 * unit, 31 * unit, (1 << 128) - 1
    interleaved = [0] * (2 * n)
    interleaved[::2] = [seed & _M64 for seed in seeds]
    state = int.from_bytes(wide.pack(*interleaved), "little")
    increment = 11634580027462260723 * unit
    columns: list[tuple[int, ...]] = []  # key word i of every seed
    for _ in range(8):
        state = (state * 6364136223846793005 + increment) & low64
        xorshifted = (((state >> 18) ^ state) >> 27) & low32
        rotation = (state >> 59) & five
        doubled = xorshifted | (xorshifted << 32)
        for bit in range(5):
            turned = (doubled ^ (doubled >> (1 << bit))) & (((rotation >> bit) & unit) * whole)
            doubled ^= turned
        columns.append(wide.unpack((doubled & low32).to_bytes(16 * n, "little"))[::2])
    lanes = struct.Struct(f"<{n}Q")
    ones = int.from_bytes(lanes.pack(*[1] * n), "little")
    m = _M32 * ones

    x0, x1, x2, x3 = (word * ones for word in _SIGMA_WORDS)
    x4, x5, x6, x7, x8, x9, x10, x11 = (
        int.from_bytes(lanes.pack(*column), "little") for column in columns
    )
    x12 = x13 = x14 = x15 = 0  # block counter and nonce: zero
    for last in _DOUBLE_ROUNDS:
        x0, x4, x8, x12 = _quarter_round(x0, x4, x8, x12, m)
        x1, x5, x9, x13 = _quarter_round(x1, x5, x9, x13, m)
        x2, x6, x10, x14 = _quarter_round(x2, x6, x10, x14, m)
        x3, x7, x11, x15 = _quarter_round(x3, x7, x11, x15, m)
        if last:
            break
        x0, x5, x10, x15 = _quarter_round(x0, x5, x10, x15, m)
        x1, x6, x11, x12 = _quarter_round(x1, x6, x11, x12, m)
        x2, x7, x8, x13 = _quarter_round(x2, x7, x8, x13, m)
        x3, x4, x9, x14 = _quarter_round(x3, x4, x9, x14, m)
    # The last diagonal round as far as word 0 needs: (0, 5, 10, 15) to its second addition.
    x0 = (x0 + x5) & m
    v = x15 ^ x0
    x15 = ((v << 16) | (v >> 16)) & m
    x10 = (x10 + x15) & m
    v = x5 ^ x10
    x5 = ((v << 12) | (v >> 20)) & m
    x0 = (x0 + x5 + _SIGMA * ones) & m
    return [(word >> 9) / float(1 << 23) for word in lanes.unpack(x0.to_bytes(8 * n, "little"))]


# -- learning steps (rslib/src/scheduler/states/steps.rs) ----------------------------------------
def _secs(minutes: float) -> int:
    return _u32(_f32(_f32(minutes) * 60.0))


def _round_in_days(secs: int) -> int:
    if secs > _DAY:
        return _u32(_round(_f32(secs / _DAY))) * _DAY
    return secs


class _Steps:
    """Anki's LearningSteps over a tuple of minutes; positions are 'remaining steps'."""

    __slots__ = ("steps",)

    def __init__(self, steps: tuple[float, ...]) -> None:
        self.steps = steps

    def _index(self, remaining: int) -> int:
        total = len(self.steps)
        return min(max(total - remaining % 1000, 0), max(total - 1, 0))

    def _at(self, index: int) -> int | None:
        return _secs(self.steps[index]) if index < len(self.steps) else None

    def again_delay(self) -> int | None:
        return self._at(0)

    def hard_delay(self, remaining: int) -> int | None:
        index = self._index(remaining)
        current = self._at(index)
        if current is None:
            current = self._at(0)
        if current is None:
            return None
        if index != 0:
            return current
        following = self._at(1)
        if following is not None:
            return _round_in_days((current + following) // 2)
        return _round_in_days(min(current * 3 // 2, current + _DAY))

    def good_delay(self, remaining: int) -> int | None:
        return self._at(self._index(remaining) + 1)

    def remaining_for_good(self, remaining: int) -> int:
        return max(len(self.steps) - (self._index(remaining) + 1), 0)

    def remaining_for_failed(self) -> int:
        return len(self.steps)

    def __bool__(self) -> bool:
        return bool(self.steps)


# -- outcomes --------------------------------------------------------------------------------
class Outcome(msgspec.Struct, frozen=True):
    """What one grade does to a card: its next queue, memory and delay.

    Exactly one of ``seconds`` (a learning or relearning step) and ``days`` (a review
    interval) is set. ``interval`` is the card's scheduled interval in days after the answer
    (Anki's ``ivl``; 0 while learning, kept through relearning).
    """

    queue: Queue
    step: int | None
    stability: float
    difficulty: float
    interval: int
    lapses: int
    seconds: int | None = None
    days: int | None = None


class NextStates(msgspec.Struct, frozen=True):
    """The four outcomes of answering a card at ``now``, computed once (fuzz drawn once)."""

    now: datetime
    until_rollover: int
    outcomes: Mapping[Rating, Outcome]
    learn_ahead_seconds: int

    def __getitem__(self, rating: Rating) -> Outcome:
        return self.outcomes[rating]

    def __iter__(self) -> Iterator[Rating]:
        return iter(self.outcomes)

    def delay_seconds(self, rating: Rating) -> int:
        """Seconds until the card comes back, as Anki shows it (steps that cross the
        rollover count in whole days from the start of the study day they land in)."""
        outcome = self.outcomes[rating]
        if outcome.days is not None:
            return min(outcome.days * _DAY, _MAX_U32)
        seconds = outcome.seconds or 0
        if seconds >= self.until_rollover:
            return ((seconds - self.until_rollover) // _DAY + 1) * _DAY
        return seconds

    def label(self, rating: Rating) -> str:
        """The grade button's interval label, as Anki writes it (``<10m``, ``4d``, ``2.5mo``)."""
        return answer_button_label(self.delay_seconds(rating), self.learn_ahead_seconds)


# -- the scheduler ---------------------------------------------------------------------------
@lru_cache(maxsize=16)
def _fsrs(parameters: tuple[float, ...]) -> _engine.FSRS:
    return _engine.FSRS(list(parameters))


class Scheduler:
    """Computes the next memory state of a card for a rating. Never touches storage.

    Args:
        config: the settings.
        tz: the local time zone for study days (the system's when None).
    """

    def __init__(self, config: SchedulerConfig | None = None, *, tz: tzinfo | None = None) -> None:
        self.config = config or SchedulerConfig()
        self.tz = tz
        self._rollovers: list[int] = []
        """Consecutive rollover moments, grown as :meth:`_next_day_at` needs them."""
        c = self.config
        self._fsrs = _fsrs(c.parameters)
        self._learn = _Steps(c.learning_steps)
        self._relearn = _Steps(c.relearning_steps)
        p = c.parameters
        self._decay = -_decay(p)
        self._factor = 0.9 ** (1 / self._decay) - 1
        # Anki lets FSRS schedule sub-day steps itself only without configured steps, and
        # only when the short-term parameters are in use.
        self._short_term = len(p) >= 19 and p[17] > 0 and p[18] > 0
        self._primed: dict[int, float] = {}
        """Fuzz factors drawn ahead (:meth:`prime_fuzz`), by seed; each taken out by the
        answer that uses it."""

    # -- time ------------------------------------------------------------------------------
    def days_elapsed(self, since: datetime, now: datetime) -> int:
        """Study days from ``since`` to ``now`` (:func:`studyapp.core.studyday.days_elapsed`)."""
        return days_elapsed(since, now, rollover_hour=self.config.rollover_hour, tz=self.tz)

    # -- answering -------------------------------------------------------------------------
    def fuzz_primed(self, card_id: int, reps: int) -> bool:
        """Whether an answer to ``card_id`` at ``reps`` repetitions needs no draw of its own:
        fuzz is off, or its factor was drawn ahead."""
        return not self.config.fuzz or (card_id + reps) & _M64 in self._primed

    def prime_fuzz(self, cards: Iterable[tuple[int, int]]) -> None:
        """Draw the fuzz factors of the cards about to be answered, ``(card id, repetitions)``
        each, side by side and at once (:func:`fuzz_factors`): :meth:`next_states` takes a
        card's factor from here, the same float it would draw. What is primed afterwards is
        these cards' factors: those drawn ahead before and not used yet are kept (not drawn
        again), the others dropped (a card answered another way than expected simply draws
        its own).

        A study session primes the next due reviews in the order it shows them whenever the
        review shown was not drawn ahead (:meth:`studyapp.services.study.StudySession.next_card`):
        64 draws together cost ~61k instructions each (32: ~67k) against ~217k drawn one
        at a time (callgrind, 2,048 draws); by CPU time ~3.3-3.6 µs a draw in batches of
        64-128 plus ~40 µs a batch, against ~14 µs alone.
        """
        if not self.config.fuzz:
            return
        primed = self._primed
        seeds = [(card_id + reps) & _M64 for card_id, reps in cards]
        # The factors drawn ahead already and still unused are kept, not drawn again: a
        # review that comes back out of turn (an undo, a card the list did not foresee)
        # reads the next ones again and draws only those missing (a factor is the seed's
        # alone, so it cannot be stale). Those not among ``cards`` are dropped.
        missing = [seed for seed in seeds if seed not in primed]
        kept = {seed: primed[seed] for seed in seeds if seed in primed}
        kept.update(zip(missing, fuzz_factors(missing), strict=True))
        self._primed = kept

    def next_states(
        self,
        state: MemoryState,
        now: datetime,
        *,
        card_id: int,
        desired_retention: float | None = None,
    ) -> NextStates:
        """The outcome of each grade for a card answered at ``now``.

        Args:
            state: the card's current state.
            now: an aware datetime.
            card_id: seeds the fuzz with ``card_id + state.reps``, as Anki does.
            desired_retention: this card's own target (critical cards, deck presets); the
                configuration's when None.
        """
        now = require_utc(now)
        c = self.config
        retention = c.desired_retention if desired_retention is None else desired_retention
        check_retention(retention)
        memory = None
        elapsed = 0
        if state.queue is not _NEW and state.stability is not None:
            memory = _engine.MemoryState(state.stability, state.difficulty or 5.0)
        # The study day is asked for once: its end counts the days elapsed (as
        # studyday.days_elapsed does, from the same end) and the time to the rollover; it
        # was asked twice, through days_elapsed too: the cycle 908.5k -> 905.1k
        # instructions an answer (callgrind, 10k benchmark store).
        end = study_day(now, rollover_hour=c.rollover_hour, tz=self.tz).end
        if state.queue is not _NEW and state.last_review is not None:
            since = require_utc(state.last_review)
            elapsed = max(0, int((end - since).total_seconds())) // _DAY
        engine = self._fsrs.next_states(memory, retention, elapsed)
        factor = None
        if c.fuzz:
            seed = (card_id + state.reps) & _M64
            factor = self._primed.pop(seed, None)
            if factor is None:
                factor = fuzz_factor(seed)
        rules = _Rules(self, engine, factor, state)
        if state.queue is _REVIEW:
            outcomes = rules.review()
        elif state.queue is _RELEARNING:
            outcomes = rules.relearning()
        else:
            outcomes = rules.learning()
        return NextStates(
            now=now,
            until_rollover=max(0, int((end - now).total_seconds())),
            outcomes=outcomes,
            learn_ahead_seconds=c.learn_ahead_minutes * 60,
        )

    def apply(self, state: MemoryState, outcome: Outcome, now: datetime) -> MemoryState:
        """The card's state after an answer at ``now`` with ``outcome``."""
        now = require_utc(now)
        hour, tz = self.config.rollover_hour, self.tz
        if outcome.days is not None:
            due = study_day_start(now, outcome.days, rollover_hour=hour, tz=tz)
        else:
            seconds = outcome.seconds or 0
            end = study_day(now, rollover_hour=hour, tz=tz).end
            until = int((end - now).total_seconds())
            if seconds >= until:  # a step past the rollover: due from the start of that day
                due = study_day_start(now, (seconds - until) // _DAY + 1, rollover_hour=hour, tz=tz)
            else:
                due = now + timedelta(seconds=seconds)
        return MemoryState(
            queue=outcome.queue,
            step=outcome.step,
            stability=stored_memory(outcome.stability, 4),
            difficulty=stored_memory(outcome.difficulty, 3),
            due=due,
            last_review=now,
            reps=state.reps + 1,
            lapses=outcome.lapses,
            interval=outcome.interval,
        )

    def review(
        self,
        state: MemoryState,
        rating: Rating,
        now: datetime,
        *,
        card_id: int,
        desired_retention: float | None = None,
    ) -> MemoryState:
        """The state after answering ``rating`` at ``now``."""
        states = self.next_states(state, now, card_id=card_id, desired_retention=desired_retention)
        return self.apply(state, states[Rating(rating)], now)

    # -- memory (card details, statistics, readiness) ---------------------------------------
    def retrievability(self, state: MemoryState, now: datetime) -> float | None:
        """See :func:`retrievability`, with this scheduler's parameters and study days."""
        return retrievability(
            state,
            now,
            parameters=self.config.parameters,
            rollover_hour=self.config.rollover_hour,
            tz=self.tz,
        )

    def retrievability_many(
        self, cards: Iterable[tuple[float, int]], now: datetime
    ) -> Iterator[float]:
        """:meth:`retrievability` at ``now`` of many cards at once, each given as (stability,
        last review in epoch seconds): the same curve and day count, for statistics over a
        whole collection without a :class:`MemoryState` per card."""
        next_day_at = self._next_day_at(int(require_utc(now).timestamp()))
        # recall_after and days_between inlined (a test holds them equal): this runs once
        # per card of a collection, and three calls a card were most of the time.
        factor, decay = self._factor, self._decay
        for stability, last_review in cards:
            days = max(0, next_day_at - last_review) // _DAY
            yield (1 + factor * days / stability) ** decay

    def recall_at(self, moment: int) -> Callable[[float, int], float]:
        """Retrievability at one ``moment`` (epoch seconds) as a function of (stability, last
        review): :meth:`recall_between` with the moment's day boundary looked up once, for
        loops over many cards."""
        next_day_at = self._next_day_at(moment)
        factor, decay = self._factor, self._decay

        def recall(stability: float, last_review: int) -> float:
            days = max(0, next_day_at - last_review) // _DAY
            return float((1 + factor * days / stability) ** decay)

        return recall

    def recall_between(self, stability: float, last_review: int, moment: int) -> float:
        """Retrievability at ``moment`` of a card last reviewed at ``last_review`` (both epoch
        seconds), counting the days between them as FSRS does (:meth:`days_between`)."""
        return self.recall_after(stability, self.days_between(last_review, moment))

    def days_between(self, last_review: int, moment: int) -> int:
        """The days FSRS counts from a review to a moment (epoch seconds): study days, as
        Anki counts them (:func:`studyapp.core.studyday.days_elapsed`)."""
        return max(0, self._next_day_at(moment) - last_review) // _DAY

    def _next_day_at(self, moment: int) -> int:
        """The first rollover after ``moment`` (epoch seconds).

        Projections ask this for hundreds of thousands of moments (a readiness forecast:
        every card's last review, due day and the date), and study_day() costs ~25 us, so
        the rollovers are kept in a table that grows a day at a time to cover the moments
        asked for, and looked up by bisection (DST moves them; the table follows).
        """
        table = self._rollovers
        if not table:
            table.append(self._rollover_after(moment))
        while moment >= table[-1]:
            table.append(self._rollover_after(table[-1]))
        if moment < table[0]:
            earlier = []
            first = table[0]
            while moment < first:
                first = self._day_of(first - 1).start_s
                earlier.append(first)
            table[:0] = reversed(earlier)
        return table[bisect_right(table, moment)]

    def _rollover_after(self, moment: int) -> int:
        return self._day_of(moment).end_s

    def _day_of(self, moment: int) -> _Bounds:
        day = study_day(
            datetime.fromtimestamp(moment, UTC), rollover_hour=self.config.rollover_hour, tz=self.tz
        )
        return _Bounds(int(day.start.timestamp()), int(day.end.timestamp()))

    def recall_after(self, stability: float, days: float) -> float:
        """FSRS's forgetting curve: the probability of recall ``days`` after the last review
        of a card of this ``stability``. Every retrievability above comes from here."""
        return float((1 + self._factor * max(0.0, days) / stability) ** self._decay)

    # -- projection (statistics, readiness) -----------------------------------------------
    def after_good(
        self,
        stability: float,
        difficulty: float,
        elapsed_days: int,
        desired_retention: float | None = None,
    ) -> tuple[float, float, int]:
        """A review card answered Good ``elapsed_days`` after its last review: its new
        stability and difficulty and the interval in days it is given (no fuzz), by the
        engine, at the card's own ``desired_retention`` (the configuration's when None).
        For projections over many cards."""
        states = self._fsrs.next_states(
            _engine.MemoryState(stability, difficulty),
            self.config.desired_retention if desired_retention is None else desired_retention,
            max(0, int(elapsed_days)),
        )
        good = states.good
        interval = min(self.config.maximum_interval, max(1, _round(good.interval)))
        return good.memory.stability, good.memory.difficulty, interval

    def simulate_new_cards(
        self,
        count: int,
        per_day: int,
        days: int,
        *,
        seed: int = 42,
        desired_retention: float | None = None,
    ) -> NewCardsOutlook:
        """FSRS's own simulator (``fsrs_rs_python.simulate``): ``count`` new cards introduced
        ``per_day`` a day from today (day 0) and then reviewed whenever due, at
        ``desired_retention`` (the configuration's when None), for ``days`` days. Learning
        and review answers are drawn with the simulator's default rating shares (fitted on
        Anki users' logs); no daily review limit, no time limit.
        """
        count = min(count, per_day * days)
        if count <= 0:
            return NewCardsOutlook(0, 0.0, (0.0,) * days, (0.0,) * days)
        config = _engine.default_simulator_config()
        config.deck_size = count
        config.learn_span = days + 1
        config.learn_limit = per_day
        config.max_cost_perday = 1e12
        config.max_ivl = float(self.config.maximum_interval)
        config.learning_step_count = len(self.config.learning_steps)
        config.relearning_step_count = len(self.config.relearning_steps)
        retention = (
            self.config.desired_retention if desired_retention is None else desired_retention
        )
        result = _engine.simulate(list(self.config.parameters), retention, config, seed)
        introduced = int(result.introduced_cnt_per_day[days])
        recalled = float(result.memorized_cnt_per_day[days])
        return NewCardsOutlook(
            introduced=introduced,
            recalled_at_end=recalled,
            reviews_per_day=tuple(float(n) for n in result.review_cnt_per_day[:days]),
            learned_per_day=tuple(float(n) for n in result.learn_cnt_per_day[:days]),
        )


class _Bounds(NamedTuple):
    start_s: int
    end_s: int


class NewCardsOutlook(msgspec.Struct, frozen=True):
    """What :meth:`Scheduler.simulate_new_cards` expects on the last day and before it.

    Attributes:
        introduced: cards introduced by the last day (day ``days``, not counted).
        recalled_at_end: expected number of them recalled on the last day.
        reviews_per_day: expected review answers on each day before the last.
        learned_per_day: cards introduced on each day before the last.
    """

    introduced: int
    recalled_at_end: float
    reviews_per_day: tuple[float, ...]
    learned_per_day: tuple[float, ...]


class _Rules:
    """Anki's state transitions (states/learning.rs, review.rs, relearning.rs) for one answer."""

    __slots__ = (
        "_ranges",
        "engine",
        "factor",
        "learn",
        "maximum",
        "relearn",
        "short_term",
        "state",
    )

    def __init__(
        self,
        scheduler: Scheduler,
        engine: _engine.NextStates,
        factor: float | None,
        state: MemoryState,
    ) -> None:
        self.engine = engine
        self.factor = factor
        self.state = state
        self.learn = scheduler._learn
        self.relearn = scheduler._relearn
        self.maximum = max(scheduler.config.maximum_interval, 1)
        self.short_term = scheduler._short_term
        self._ranges: dict[float, tuple[int, int]] = {}

    def _bounds(self, interval: float) -> tuple[int, int]:
        """:func:`_fuzz_bounds`, remembered for this answer only: an interval may have its
        fuzz range taken twice (for its minimum, then for its days). (Per answer, not across
        cards: a benchmark whose cards all share one state would otherwise hit every time
        and flatter the figure.)"""
        bounds = self._ranges.get(interval)
        if bounds is None:
            bounds = self._ranges[interval] = _fuzz_bounds(interval)
        return bounds

    def _item(self, rating: Rating) -> _engine.ItemState:
        engine = self.engine
        # Compared with the globals (a `case Rating.AGAIN:` pattern looks the member up on
        # the enum class each time).
        if rating == _AGAIN:
            return engine.again
        if rating == _HARD:
            return engine.hard
        if rating == _GOOD:
            return engine.good
        if rating == _EASY:
            return engine.easy
        raise ValueError(f"not a rating: {rating!r}")

    def _fuzz(self, interval: float, minimum: int) -> int:
        return _with_fuzz(
            self.factor,
            interval,
            min(max(minimum, 1), self.maximum),
            self.maximum,
            self._bounds,
        )

    def _graduate(self, interval: float) -> int:
        return self._fuzz(_f32(max(float(_round(interval)), 1.0)), 1)

    def _outcome(
        self, rating: Rating, queue: Queue, step: int | None, interval: int, **delay: int
    ) -> Outcome:
        return self._outcome_of(self._item(rating), rating, queue, step, interval, **delay)

    def _outcome_of(
        self,
        item: _engine.ItemState,
        rating: Rating,
        queue: Queue,
        step: int | None,
        interval: int,
        seconds: int | None = None,
        days: int | None = None,
    ) -> Outcome:
        memory = item.memory
        # Only forgetting a review card is a lapse (relearning again is not another one).
        lapses = self.state.lapses
        if rating is _AGAIN and self.state.queue is _REVIEW:
            lapses += 1
        return Outcome(
            queue, step, memory.stability, memory.difficulty, interval, lapses, seconds, days
        )

    # Steps are stored as positions (0 = first step); Anki counts the steps remaining.
    def _remaining(self, steps: _Steps) -> int:
        if self.state.queue is _NEW:
            return steps.remaining_for_failed()
        return max(len(steps.steps) - (self.state.step or 0), 0)

    @staticmethod
    def _position(steps: _Steps, remaining: int) -> int:
        return max(len(steps.steps) - remaining, 0)

    def _short(self, steps: _Steps, interval: float) -> bool:
        return self.short_term and not steps and interval < 0.5

    # -- new and learning cards -------------------------------------------------------------
    def learning(self) -> dict[Rating, Outcome]:
        steps = self.learn
        remaining = self._remaining(steps)
        out: dict[Rating, Outcome] = {}
        learning = _LEARNING
        for rating, delay, next_remaining in (
            (_AGAIN, steps.again_delay(), steps.remaining_for_failed()),
            (_HARD, steps.hard_delay(remaining), remaining),
            (_GOOD, steps.good_delay(remaining), steps.remaining_for_good(remaining)),
        ):
            step = self._position(steps, next_remaining)
            interval = self._item(rating).interval
            if delay is not None:
                out[rating] = self._outcome(rating, learning, step, 0, seconds=delay)
            elif self._short(steps, interval):
                out[rating] = self._outcome(
                    rating, learning, step, 0, seconds=_u32(_f32(interval * _DAY))
                )
            else:
                days = self._graduate(interval)
                out[rating] = self._outcome(rating, _REVIEW, None, days, days=days)
        good = _with_fuzz(self.factor, self.engine.good.interval, 1, self.maximum, self._bounds)
        easy = _u32(max(float(_round(self.engine.easy.interval)), 1.0))
        days = _with_fuzz(self.factor, float(easy), good + 1, self.maximum, self._bounds)
        out[_EASY] = self._outcome(_EASY, _REVIEW, None, days, days=days)
        return out

    # -- review cards ------------------------------------------------------------------------
    def review(self) -> dict[Rating, Outcome]:
        previous = self.state.interval
        maximum = self.maximum
        engine = self.engine
        out: dict[Rating, Outcome] = {}
        again_item = engine.again
        again = again_item.interval
        again_days = _u32(max(float(_round(again)), 1.0))
        first = self.relearn.again_delay()
        if first is not None:
            out[_AGAIN] = self._outcome_of(
                again_item, _AGAIN, _RELEARNING, 0, again_days, seconds=first
            )
        elif self._short(self.relearn, again):
            out[_AGAIN] = self._outcome_of(
                again_item,
                _AGAIN,
                _RELEARNING,
                0,
                again_days,
                seconds=_u32(_f32(again * _DAY)),
            )
        else:
            out[_AGAIN] = self._outcome_of(
                again_item, _AGAIN, _REVIEW, None, again_days, days=again_days
            )
        floor = 0
        ranges = self._ranges
        for rating, item in (
            (_HARD, engine.hard),
            (_GOOD, engine.good),
            (_EASY, engine.easy),
        ):
            days = _review_days(self.factor, item.interval, previous, floor, maximum, ranges)
            out[rating] = self._outcome_of(item, rating, _REVIEW, None, days, days=days)
            floor = days + 1
        return out

    # -- relearning cards --------------------------------------------------------------------
    def relearning(self) -> dict[Rating, Outcome]:
        steps = self.relearn
        remaining = self._remaining(steps)
        kept = self.state.interval
        relearning = _RELEARNING
        out: dict[Rating, Outcome] = {}
        again = self.engine.again.interval
        first = steps.again_delay()
        if first is not None:
            again_days = _u32(max(float(_round(again)), 1.0))
            out[_AGAIN] = self._outcome(_AGAIN, relearning, 0, again_days, seconds=first)
        for rating, delay, next_remaining in (
            (_AGAIN, None, steps.remaining_for_failed()),
            (_HARD, steps.hard_delay(remaining), remaining),
            (_GOOD, steps.good_delay(remaining), steps.remaining_for_good(remaining)),
        ):
            if rating in out:
                continue
            step = self._position(steps, next_remaining)
            interval = self._item(rating).interval
            if delay is not None:
                out[rating] = self._outcome(rating, relearning, step, kept, seconds=delay)
                continue
            days = self._graduate(interval)
            if self._short(steps, interval):
                out[rating] = self._outcome(
                    rating, relearning, step, days, seconds=_u32(_f32(interval * _DAY))
                )
            else:
                out[rating] = self._outcome(rating, _REVIEW, None, days, days=days)
        good = _with_fuzz(self.factor, self.engine.good.interval, 1, self.maximum, self._bounds)
        easy = _f32(max(float(_round(self.engine.easy.interval)), 1.0))
        days = _with_fuzz(self.factor, easy, good + 1, self.maximum, self._bounds)
        out[_EASY] = self._outcome(_EASY, _REVIEW, None, days, days=days)
        return {rating: out[rating] for rating in Rating}


def stored_memory(value: float, places: int) -> float:
    """A memory value as Anki stores it: stability to 4 decimals, difficulty to 3, in f32.

    Anki rounds them when it writes a card, and the next answer starts from the rounded
    value; doing the same keeps every later step equal to Anki's.
    """
    factor = _STORED_FACTORS.get(places)
    if factor is None:
        factor = _f32(10.0**places)
    return _f32(_round(_f32(value * factor)) / factor)


_STORED_FACTORS = {places: _f32(10.0**places) for places in (3, 4)}
"""10**places in f32 for the two roundings an answer makes (stability 4, difficulty 3),
computed once: with ``require_utc`` returning a UTC moment as it is, the cycle 1.095M ->
1.084M instructions an answer (callgrind, 10k benchmark store; this part 3.0k)."""


# -- retrievability ----------------------------------------------------------------------------
def retrievability_after(stability: float, days: float, decay: float) -> float:
    """FSRS's forgetting curve: the probability of recall ``days`` after a review of a card
    with ``stability``, for the parameters' ``decay`` (their last number)."""
    factor = 0.9 ** (-1.0 / decay) - 1.0
    return float((1.0 + factor * max(days, 0.0) / stability) ** (-decay))


def retrievability(
    state: MemoryState,
    now: datetime,
    *,
    parameters: Sequence[float] = DEFAULT_PARAMETERS,
    rollover_hour: int = DEFAULT_ROLLOVER_HOUR,
    tz: tzinfo | None = None,
) -> float | None:
    """The estimated probability of recalling the card at ``now``; None for a new card.

    Elapsed time is counted in study days, as the scheduler counts it: a card reviewed today
    is at 100% until the rollover, and a card due today is near its desired retention all day.
    Everything that reports memory (card details, the browser, statistics, readiness) calls
    this one function.
    """
    if state.queue is Queue.NEW or state.stability is None or state.last_review is None:
        return None
    days = days_elapsed(state.last_review, now, rollover_hour=rollover_hour, tz=tz)
    return retrievability_after(state.stability, days, _decay(parameters))


def _decay(parameters: Sequence[float]) -> float:
    """The forgetting curve's decay: the parameters' last number, kept within 0.1-0.8 as
    the engine keeps it (0.5 for FSRS-5's 19 parameters)."""
    return min(max(parameters[20], 0.1), 0.8) if len(parameters) >= 21 else 0.5


# -- labels ------------------------------------------------------------------------------------
_UNITS = (
    (60.0, 1.0, "s"),
    (3600.0, 60.0, "m"),
    (86400.0, 3600.0, "h"),
    (2628000.0, 86400.0, "d"),  # a month is a twelfth of 365 days
    (31536000.0, 2628000.0, "mo"),
    (math.inf, 31536000.0, "y"),
)


def answer_button_label(seconds: int, collapse_seconds: int = 20 * 60) -> str:
    """Anki's short interval label above a grade button (rslib/src/scheduler/timespan.rs):
    seconds, minutes and days are whole; months and years have one decimal (``2.5mo``).
    Delays under ``collapse_seconds`` (the learn-ahead limit) read ``<10m``."""
    value = _f32(float(seconds))
    unit_seconds, suffix = next((unit, name) for limit, unit, name in _UNITS if value < limit)
    amount = _f32(value / unit_seconds)
    if suffix in ("s", "m", "d"):
        text = f"{_round(amount)}{suffix}"
    else:  # hours, months and years to one decimal, in f32 as Anki computes them
        tenths = _f32(_round(_f32(amount * 10)) / 10)
        text = f"{float(f'{tenths:.1f}'):g}{suffix}"
    if seconds == 0:
        return "End"
    if seconds < collapse_seconds:
        return f"<{text}"
    return text


def format_interval(delta: timedelta) -> str:
    """A short interval such as ``10m``, ``3h``, ``4d`` or ``2.5mo`` (never collapsed)."""
    return answer_button_label(max(0, int(delta.total_seconds())), 0) if delta else "<1s"


def reschedule_interval(
    stability: float,
    desired_retention: float,
    previous: int,
    *,
    card_id: int,
    reps: int,
    parameters: Sequence[float] = DEFAULT_PARAMETERS,
    fuzz: bool = True,
    maximum_interval: int = 36500,
) -> int:
    """A review card's interval for its memory at a new desired retention or parameters
    (Anki's 'Reschedule cards on change'): the engine's interval, never shrunk by fuzz below
    the interval before its last review, fuzzed with the seed of the card's last answer."""
    interval = _fsrs(tuple(parameters)).next_interval(stability, desired_retention, 0)
    maximum = max(maximum_interval, 1)
    minimum = max(_minimum_fuzz_interval(interval, previous, maximum), 1)
    factor = fuzz_factor((card_id + max(reps - 1, 0)) & _M64) if fuzz else None
    return _with_fuzz(factor, interval, min(minimum, maximum), maximum)
