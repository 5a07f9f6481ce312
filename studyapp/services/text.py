"""Plain-language phrases the screens show, computed here so they can be tested headless."""

from __future__ import annotations

from datetime import datetime

__all__ = ["describe_duration", "describe_next_due"]


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
