"""Pure core: study day, cloze parsing, the FSRS bridge, interval labels."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.core.cloze import check_cloze, cloze_keys, render_cloze
from studyapp.core.model import MemoryState, Queue, Rating, card_keys
from studyapp.core.scheduling import Scheduler, SchedulerConfig, format_interval
from studyapp.core.studyday import require_utc, study_day

BERLIN = ZoneInfo("Europe/Berlin")


def test_study_day_rolls_over_at_four_local_time() -> None:
    before = datetime(2026, 3, 2, 2, 59, tzinfo=UTC)  # 03:59 in Berlin
    after = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 04:00 in Berlin
    day_before = study_day(before, tz=BERLIN)
    day_after = study_day(after, tz=BERLIN)
    assert day_before.end == day_after.start == after
    assert day_after.end - day_after.start == timedelta(days=1)


def test_study_day_across_daylight_saving_is_23_hours() -> None:
    day = study_day(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), tz=BERLIN)
    assert day.end - day.start == timedelta(hours=23)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        require_utc(datetime(2026, 1, 1))


def test_aware_datetimes_come_back_in_utc() -> None:
    moment = datetime(2026, 3, 29, 1, 30, 15, 250, tzinfo=UTC)
    assert require_utc(moment) is moment  # already UTC: as it is
    for zone in (timezone(timedelta(hours=2)), timezone(timedelta(0)), BERLIN):
        local = moment.astimezone(zone)
        assert require_utc(local) == moment and require_utc(local).tzinfo is UTC


def test_memory_is_rounded_as_computed_afresh() -> None:
    # stored_memory keeps 10**places in f32 for the places an answer uses: the same value
    # as computing it each time.
    from studyapp.core import scheduling

    def fresh(value: float, places: int) -> float:
        factor = scheduling._f32(10.0**places)
        return scheduling._f32(scheduling._round(scheduling._f32(value * factor)) / factor)

    rng = random.Random(5)
    for _ in range(5000):
        value = rng.choice([rng.uniform(0, 10), rng.uniform(0, 40000), rng.random() * 1e-3])
        for places in (2, 3, 4, 5):
            assert scheduling.stored_memory(value, places) == fresh(value, places)


def test_card_keys() -> None:
    assert card_keys("basic") == ["fwd"]
    assert card_keys("reversed") == ["fwd", "rev"]
    assert card_keys("cloze", "{{c3::a}} {{c1::b}} {{c3::c}}") == ["c1", "c3"]
    assert card_keys("cloze", "no deletions") == []


def test_cloze_keys_are_identities_not_positions() -> None:
    assert cloze_keys("{{c3::a}} {{c1::b}} {{c3::c}}") == ["c1", "c3"]
    assert check_cloze("{{c1::a}} and {{c2::b::hint}}") == []


@pytest.mark.parametrize(
    "text",
    [
        "{{c3::a}} {{c1::b}} {{c3::c}}",
        "{{c10::a}} {{c2::b::hint}} {{c1::c}} {{c02::d}}",  # numeric order; c02 is c2
        "{{c0::a}} {{c1::}} {{c1::{{c2::x}}}} }} {{c4::a\nb}}",  # malformed, multi-line
        "no deletions",
        "",
    ],
)
def test_cloze_keys_are_the_keys_of_the_deletions(text: str) -> None:
    # cloze_keys reads the numbers from the matches without a Deletion each (issue 19):
    # the same keys, in the same order, as the deletions _deletions finds.
    from studyapp.core.cloze import _deletions

    expected = sorted({d.key for d in _deletions(text)}, key=lambda k: int(k[1:]))
    assert cloze_keys(text) == expected


_CLOZE_PIECES = ["{{c1::", "{{c0::", "{{c12::", "{{c", "::", "}}", "{", "}", ":", "a", " ", "\n"]


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_CLOZE_PIECES), max_size=14).map("".join))
def test_a_valid_cloze_text_is_proved_as_blanking_proves_it(text: str) -> None:
    # check_cloze proves a valid text by counting its braces instead of blanking its
    # deletions out (issue 19): the same problems, at the same offsets, as the full check,
    # for random markup (runs of braces around and inside deletions, stray and nested ones,
    # c0, empty deletions, hints holding braces).
    from studyapp.core.cloze import _check_cloze_in_full

    for each in (text, f"x {text} y", text + "}", "{" + text):
        assert check_cloze(each) == _check_cloze_in_full(each), each


_LAZY_DELETION = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
"""The deletion as first written: a lazy answer and hint, each ended by the first place the
rest of the pattern matches (the meaning :data:`studyapp.core.cloze._DELETION` keeps)."""


@settings(max_examples=5000, deadline=None, derandomize=True)
@given(
    st.lists(
        st.sampled_from([*_CLOZE_PIECES, ":::", "}}}", "::h", "c", "2", "x\n"]), max_size=16
    ).map("".join)
)
def test_a_deletion_is_found_as_the_lazy_pattern_finds_it(text: str) -> None:
    # _DELETION takes runs of characters at once, possessively (issue 19: the cloze checks
    # and keys of a first import): the same deletions, spans and groups as the lazy pattern.
    from studyapp.core.cloze import _DELETION

    for each in (text, f"{{{{c1::{text}}}}}", f"{{{{c3::a::{text}}}}} {text}"):
        found = [(m.span(), m.groups()) for m in _DELETION.finditer(each)]
        assert found == [(m.span(), m.groups()) for m in _LAZY_DELETION.finditer(each)], each


@pytest.mark.parametrize(
    "text",
    [
        "{{{c1::a}}",  # a brace before a deletion: no stray pair
        "{{{{c1::a}}",  # two: a stray "{{"
        "{{c1::a}}}",
        "{{c1::a}}}}",
        "{{c1::a::{{c2::b}}",  # a hint holding "{{": valid, counted more
        "{{c1::a::b}} }}",
        "{{c1::a}}{{c2::b}}",
    ],
)
def test_brace_runs_next_to_a_deletion_are_judged_as_blanking_judges(text: str) -> None:
    from studyapp.core.cloze import _check_cloze_in_full

    assert check_cloze(text) == _check_cloze_in_full(text)


def test_cloze_render_hides_only_its_own_deletion() -> None:
    text = "{{c1::67%}} vs {{c2::32%::a share}}"
    assert render_cloze(text, "c2", reveal=False) == '67% vs <span class="cloze">[a share]</span>'
    assert render_cloze(text, "c1", reveal=True) == '<span class="cloze">67%</span> vs 32%'


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{{c1:x}}", "malformed cloze markup"),
        ("x }} y", "'}}' without"),
        ("{{c0::x}}", "c1 or higher"),
        ("{{c1::x}} {{c501::y}}", "c500 or lower"),
        ("{{c1::x}} {{c99999999999999999999::y}}", "c500 or lower"),
        ("{{c1:: }}", "is empty"),
        ("plain", "no deletion"),
    ],
)
def test_cloze_problems(text: str, fragment: str) -> None:
    assert any(fragment in p.message for p in check_cloze(text))


def test_cloze_keys_stop_where_ankis_do() -> None:
    # Anki turns c501 and above into c500's card (its cloze card ordinals stop at 499):
    # such a key was a card of its own here and not in an exported package; c70000 made a
    # package Anki refused, a 20-digit key an export traceback (OverflowError), and a key of
    # thousands of digits a validate traceback (ValueError from int()).
    assert check_cloze("{{c1::x}} {{c500::y}}") == []
    (problem,) = check_cloze("{{c1::x}} {{c" + "9" * 5000 + "::y}}")
    assert problem.offset == 10 and len(problem.message) < 120
    assert problem.message.startswith("cloze key must be c500 or lower (Anki's limit), not c999")


NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
CARD = 7


def test_review_is_pure_and_deterministic_without_fuzz() -> None:
    scheduler = Scheduler(SchedulerConfig(fuzz=False), tz=UTC)
    new = MemoryState()
    first = scheduler.review(new, Rating.GOOD, NOW, card_id=CARD)
    assert new == MemoryState()  # the input is untouched
    assert first == scheduler.review(new, Rating.GOOD, NOW, card_id=CARD)
    assert first.queue is Queue.LEARNING and first.reps == 1
    assert first.due == NOW + timedelta(minutes=10)


def test_review_intervals_grow_and_again_relearns() -> None:
    scheduler = Scheduler(SchedulerConfig(fuzz=False), tz=UTC)
    state = scheduler.review(MemoryState(), Rating.GOOD, NOW, card_id=CARD)
    assert state.due is not None
    state = scheduler.review(state, Rating.GOOD, state.due, card_id=CARD)
    assert state.queue is Queue.REVIEW and state.due is not None
    states = scheduler.next_states(state, state.due, card_id=CARD)
    days = [states[r].days or 0 for r in (Rating.HARD, Rating.GOOD, Rating.EASY)]
    assert 0 < days[0] < days[1] < days[2]
    assert states[Rating.AGAIN].queue is Queue.RELEARNING
    assert scheduler.apply(state, states[Rating.AGAIN], state.due).lapses == 1


def test_retention_setting_changes_intervals() -> None:
    graduated = Scheduler(SchedulerConfig(fuzz=False), tz=UTC).review(
        MemoryState(), Rating.EASY, NOW, card_id=CARD
    )
    lax = Scheduler(SchedulerConfig(desired_retention=0.80, fuzz=False), tz=UTC)
    strict = Scheduler(SchedulerConfig(desired_retention=0.97, fuzz=False), tz=UTC)
    assert graduated.due is not None
    at = graduated.due
    lax_due = lax.review(graduated, Rating.GOOD, at, card_id=CARD).due
    strict_due = strict.review(graduated, Rating.GOOD, at, card_id=CARD).due
    assert lax_due is not None and strict_due is not None and lax_due > strict_due
    # a card's own retention (critical cards) overrides the configured one
    own = lax.review(graduated, Rating.GOOD, at, card_id=CARD, desired_retention=0.97)
    assert own.due == strict_due


def test_retrievability_falls_with_study_days() -> None:
    scheduler = Scheduler(SchedulerConfig(fuzz=False), tz=UTC)
    state = scheduler.review(MemoryState(), Rating.EASY, NOW, card_id=CARD)
    same_day = scheduler.retrievability(state, NOW + timedelta(hours=10))
    soon = scheduler.retrievability(state, NOW + timedelta(days=1))
    late = scheduler.retrievability(state, NOW + timedelta(days=60))
    assert same_day == 1.0  # no rollover crossed yet
    assert soon is not None and late is not None and 1 > soon > late > 0
    assert scheduler.retrievability(MemoryState(), NOW) is None


def test_retrievability_counts_study_days_and_many_cards_get_the_same() -> None:
    """One curve: retrievability, recall_between and retrievability_many agree card by card,
    and all count study days (a review at 23:00 is a day old at 05:00)."""
    scheduler = Scheduler(SchedulerConfig(fuzz=False), tz=UTC)
    states = []
    state = scheduler.review(MemoryState(), Rating.GOOD, NOW, card_id=CARD)
    for days, rating in ((1, Rating.GOOD), (4, Rating.HARD), (20, Rating.AGAIN), (3, Rating.EASY)):
        state = scheduler.review(state, rating, NOW + timedelta(days=days), card_id=CARD)
        states.append(state)
    later = NOW + timedelta(days=90, hours=5)
    pairs = []
    for s in states:
        assert s.stability is not None and s.last_review is not None
        last = int(s.last_review.timestamp())
        pairs.append((s.stability, last))
        days = scheduler.days_between(last, int(later.timestamp()))
        assert scheduler.retrievability(s, later) == pytest.approx(
            scheduler.recall_after(s.stability, days), rel=1e-12
        )
    many = list(scheduler.retrievability_many(pairs, later))
    assert many == pytest.approx([scheduler.retrievability(s, later) for s in states], rel=1e-12)
    evening = int(datetime(2026, 1, 1, 23, tzinfo=UTC).timestamp())
    assert scheduler.days_between(evening, evening + 6 * 3600) == 1  # past the 04:00 rollover
    assert scheduler.days_between(evening, evening + 4 * 3600) == 0


def test_after_good_grows_stability_and_the_simulator_introduces_at_the_pace() -> None:
    scheduler = Scheduler(SchedulerConfig(fuzz=False))
    stability, difficulty, interval = scheduler.after_good(10.0, 5.0, 10)
    assert stability > 10 and 1 <= difficulty <= 10 and interval >= 10
    outlook = scheduler.simulate_new_cards(100, 10, 30)
    assert outlook.introduced == 100
    assert outlook.learned_per_day[:10] == (10.0,) * 10 and sum(outlook.learned_per_day) == 100
    assert 0.8 < outlook.recalled_at_end / 100 < 1.0
    assert scheduler.simulate_new_cards(100, 2, 30).introduced == 60  # none on the last day


@pytest.mark.parametrize(
    ("delta", "label"),
    [
        (timedelta(seconds=20), "20s"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=3), "3h"),
        (timedelta(hours=3, minutes=30), "3.5h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=76), "2.5mo"),
        (timedelta(days=438), "1.2y"),
    ],
)
def test_format_interval(delta: timedelta, label: str) -> None:
    assert format_interval(delta) == label


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Kolkata", "America/St_Johns"])
def test_the_rollover_table_agrees_with_study_day_across_dst(zone: str) -> None:
    """Projections look rollovers up in a table (study_day per call cost 25 us); it gives
    what study_day gives, both directions from the first moment asked, over DST changes."""
    import random

    tz = ZoneInfo(zone)
    scheduler = Scheduler(SchedulerConfig(), tz=tz)
    rng = random.Random(7)
    start = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    for moment in [start + rng.randrange(3 * 365 * 86_400) for _ in range(400)]:
        day = study_day(datetime.fromtimestamp(moment, UTC), tz=tz)
        assert scheduler.days_between(moment - 1, moment) in (0, 1)
        assert scheduler._next_day_at(moment) == int(day.end.timestamp())
