"""Plain-language phrases the screens show, computed here so they can be tested headless."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studyapp.services.study import SessionSummary

__all__ = ["describe_duration", "describe_next_due", "sentence", "summary_rows"]


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
        return "no reviews scheduled yet. Start with new cards."
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
    rows.append(("What is next", sentence(describe_next_due(summary.next_due, now))))
    if summary.deferred or summary.set_aside:
        parts = []
        if summary.deferred:
            parts.append(f"{_cards(summary.deferred)} put off with Not now")
        if summary.set_aside:
            parts.append(f"{_cards(summary.set_aside)} suspended or buried")
        rows.append(("Set aside", "; ".join(parts)))
    return rows
