"""The date a trainee studies toward (an exam, a supervision): how it is read and how far
ahead it may be. Apart from :mod:`studyapp.services.readiness` (which re-exports it) so the
statistics screen's Readiness tab can bound its date field without importing the forecast
before the figures are computed (issue 19, see :mod:`studyapp.gui.statistics`)."""

from __future__ import annotations

from datetime import date, timedelta

__all__ = ["EXAM_YEARS_AHEAD", "latest_exam_date", "parse_exam_date"]

EXAM_YEARS_AHEAD = 100
"""How far ahead an exam date may be (the forecast runs day by day to it)."""


def parse_exam_date(text: str, *, today: date | None = None) -> date:
    """A ``YYYY-MM-DD`` date, at most :data:`EXAM_YEARS_AHEAD` years after ``today``
    (default: the local date).

    Raises:
        ValueError: with a message for the user.
    """
    try:
        exam = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"the exam date must look like 2026-06-30 (YYYY-MM-DD), not {text!r}"
        ) from None
    if exam > latest_exam_date(today or date.today()):
        raise ValueError(
            f"the exam date must be within {EXAM_YEARS_AHEAD} years from today, not {text!r}"
        )
    return exam


def latest_exam_date(today: date) -> date:
    """The latest exam date the forecast takes: it runs day by day to the date (9999-12-01
    took 105 s, 9999-12-31 overflowed the calendar)."""
    return today + timedelta(days=365 * EXAM_YEARS_AHEAD + EXAM_YEARS_AHEAD // 4)
