"""The desired retention a trainee may choose: a constant the settings need without the
FSRS engine (:mod:`studyapp.core.scheduling`, which re-exports it, imports
``fsrs_rs_python`` and is ~6 ms of CPU to import: the window's first frame reads the
settings before it, issue 19)."""

from __future__ import annotations

__all__ = ["RETENTION_RANGE"]

RETENTION_RANGE = (0.70, 0.99)
"""The desired retention FSRS is given, and a trainee may choose (inclusive)."""
