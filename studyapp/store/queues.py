"""Queue values as SQL text, from :class:`studyapp.core.model.Queue`: never bare numbers in a
statement (``f"... WHERE queue = {NEW}"``)."""

from __future__ import annotations

from studyapp.core.model import Queue

__all__ = ["LEARNING", "LEARNING_OR_REVIEW", "NEW", "RELEARNING", "REVIEW"]

NEW = f"{Queue.NEW:d}"
REVIEW = f"{Queue.REVIEW:d}"
RELEARNING = f"{Queue.RELEARNING:d}"
LEARNING = f"{Queue.LEARNING:d}, {Queue.RELEARNING:d}"
"""Both learning queues, for ``queue IN ({LEARNING})``."""
LEARNING_OR_REVIEW = f"{Queue.LEARNING:d}, {Queue.REVIEW:d}, {Queue.RELEARNING:d}"
"""Every queue but new, for ``queue IN ({LEARNING_OR_REVIEW})`` (an index range)."""
