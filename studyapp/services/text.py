"""Plain-language phrases the screens show, computed here so they can be tested headless."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studyapp.services.study import SessionSummary

__all__ = [
    "CRITICAL_SETTING",
    "describe_answer_days",
    "describe_day",
    "describe_difficulty",
    "difficulty_share",
    "describe_duration",
    "describe_moment",
    "describe_next_due",
    "describe_stability",
    "describe_stability_short",
    "sentence",
    "summary_rows",
]

CRITICAL_SETTING = "Tools\u00a0→\u00a0Settings… (Memory)"
"""Where the safety-critical cards' desired retention is set, as every screen names a menu
path (the card details and deck options said only '(Settings)'); the path kept on one line
(deck options at 800 px broke it after the arrow)."""

_MONTH = 30.4375
"""Days in an average month (365.25 / 12)."""
_YEAR = 365.25


def describe_day(day: date, *, weekday: bool = False, year: bool = True) -> str:
    """``1 Apr 2026``: a date as the screens show it to a trainee (the deck list's module
    releases, Settings, card details, the statistics), never ``2026-04-01`` nor
    ``01 Apr 2026``; ``Wed 1 Apr 2026`` with its ``weekday``, ``1 Apr`` without its ``year``."""
    text = f"{day.day} {day:%b}"
    if year:
        text += f" {day:%Y}"
    return f"{day:%a} {text}" if weekday else text


def describe_moment(moment: datetime, tz: tzinfo | None = None, *, weekday: bool = False) -> str:
    """``1 Apr 2026, 09:05``: a moment in local time (``tz``; the system's when None), its
    date as :func:`describe_day` writes it."""
    local = moment.astimezone(tz)
    return f"{describe_day(local.date(), weekday=weekday)}, {local:%H:%M}"


def _decimal(value: float) -> str:
    """One decimal unless it is 0: ``2.3``, ``2``."""
    text = f"{value:.1f}"
    return text.removesuffix(".0")


def _count(text: str, unit: str) -> str:
    return f"{text} {unit}{'' if text == '1' else 's'}"


def describe_answer_days(answers: int, days: int, busiest: int) -> str:
    """``762 answers on 31 days; busiest day 25``: the year's calendar in a line, for the
    statistics screen and the supervisor's report (``1 answer on 1 day`` after a first
    answer, where both said "1 answers on 1 days")."""
    counted = f"{_count(f'{answers:,}', 'answer')} on {_count(f'{days:,}', 'day')}"
    return f"{counted}; busiest day {busiest:,}"


def describe_stability(days: float) -> str:
    """FSRS stability in words, in the unit that suits it as Anki's card info does:
    ``under an hour``, ``5 hours``, ``2.3 days``, ``18 days``, ``4.5 months``, ``1.4 years``.
    A stability below a day is common after a lapse; "0.0 days" said nothing."""
    hours = days * 24
    if hours < 1:
        return "under an hour"
    if hours < 23.5:
        return _count(str(round(hours)), "hour")
    if days < 9.95:
        return _count(_decimal(days), "day")
    if days < _MONTH:
        return _count(str(round(days)), "day")
    if days < _YEAR:
        return _count(_decimal(days / _MONTH), "month")
    return _count(_decimal(days / _YEAR), "year")


def difficulty_share(difficulty: float) -> float:
    """FSRS difficulty (1 to 10) as a share from 0 (easiest) to 1 (hardest), as Anki shows it
    in its card info and its statistics."""
    return (difficulty - 1) / 9


def describe_difficulty(difficulty: float) -> str:
    """FSRS difficulty as the statistics' Memory tab and Anki show it: ``12%``. The card
    details said '2.1 of 10' while the Memory tab beside them said 'Median 70%'."""
    return f"{difficulty_share(difficulty):.0%}"


def describe_stability_short(days: float) -> str:
    """Stability for a table column: ``<1 h``, ``5 h``, ``2.3 d``, ``18 d``, ``10.5 mo``,
    ``1.4 y`` (never ``0.0 d``)."""
    hours = days * 24
    if hours < 1:
        return "<1 h"
    if hours < 23.5:
        return f"{round(hours)} h"
    if days < 10:
        return f"{days:.1f} d"
    if days < 60:
        return f"{days:.0f} d"
    if days < 730:
        return f"{days / _MONTH:.1f} mo"
    return f"{days / _YEAR:.1f} y"


def describe_duration(seconds: float) -> str:
    """``45 s``, ``3 min``, ``1 h 5 min``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def describe_next_due(next_due: datetime | None, now: datetime) -> str:
    """``next review in 3 h``; for empty states and the session summary."""
    if next_due is None:
        return "no reviews scheduled yet."
    seconds = (next_due - now).total_seconds()
    if seconds <= 60:
        return "next review in under a minute."
    if seconds < 3600:
        return f"next review in {round(seconds / 60)} min."
    if seconds < 36 * 3600:
        return f"next review in {round(seconds / 3600)} h."
    return f"next review in {round(seconds / 86400)} days."


def sentence(text: str) -> str:
    """``text`` with its first letter a capital and the rest as it was (``str.capitalize``
    would lowercase the rest: "no reviews yet. Start ..." became "... start ...")."""
    return text[:1].upper() + text[1:]


def _cards(count: int) -> str:
    return f"{count} card{'s' if count != 1 else ''}"


def summary_rows(summary: SessionSummary, now: datetime) -> list[tuple[str, str]]:
    """(label, value) of each line of the session summary, in order."""
    rows = [
        ("Cards studied", str(summary.studied)),
        ("Time spent", describe_duration(summary.seconds)),
        (
            "Forgotten (Again)",
            f"{summary.again} of {summary.studied} ({summary.again / summary.studied:.0%})"
            if summary.studied
            else "—",
        ),
    ]
    if summary.cram:
        rows.append(
            (
                "Schedule",
                "This was a cram session: no memory state or due date changed, and your "
                "scheduled reviews are as they were.",
            )
        )
        return rows
    retention = summary.retention
    rows.append(
        (
            "Retention",
            f"{retention:.0%}: {summary.recalled} of {summary.reviewed} reviews recalled"
            if retention is not None
            else "No reviews of learned cards in this session",
        )
    )
    if summary.due_tomorrow is not None:
        rows.append(("Due tomorrow", _cards(summary.due_tomorrow)))
    if summary.left_today:
        rows.append(("What is next", f"{_cards(summary.left_today)} still to study today."))
    else:
        rows.append(("What is next", sentence(describe_next_due(summary.next_due, now))))
    if summary.deferred or summary.set_aside:
        parts = []
        if summary.deferred:
            parts.append(f"{_cards(summary.deferred)} put off with Not now")
        if summary.set_aside:
            parts.append(f"{_cards(summary.set_aside)} suspended or buried")
        rows.append(("Set aside", "; ".join(parts)))
    return rows
