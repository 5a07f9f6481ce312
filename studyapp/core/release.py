"""Letting go of a large list without one long stop of every other thread.

Freeing a list frees its items in one C call (``list_dealloc``), which holds the GIL
throughout: for 200,000 note ids (a sync plan's new notes at 200,000 notes) that is one
call of ~9 ms of CPU (~24 ms at a load of 6), most of it reading each string's scattered
reference count. On the GUI thread it is a stall of that length; on a worker thread, a
stall of the GUI thread waiting for the GIL. Deleted a slice at a time, with the GIL offered
to any waiting thread between slices (``time.sleep(0)``), a waiting GUI thread waits at most
one slice, not the interpreter's 5 ms switch interval on top of it.
"""

from __future__ import annotations

import sys
import time
from typing import Any

__all__ = ["CHUNK", "drop_in_chunks"]

CHUNK = 20_000
"""Items freed per slice: 200,000 scattered 28-character strings freed in one call took
8.85 ms of CPU, 20,000 at a time at most 2.34 ms a slice (medians of 7, load ~8,
notes/guiadd-r17.md)."""


def _one_local() -> int:
    items: list[Any] = []
    return sys.getrefcount(items)


_ONLY_HOLDER = _one_local()
"""What :func:`sys.getrefcount` says of a list only one local name holds (2: its argument
is a second reference)."""


def drop_in_chunks(holder: list[list[Any]], chunk: int = CHUNK) -> None:
    """Take the list ``holder`` holds out of it and let it go, ``chunk`` items at a time
    (from the end, so nothing moves) when nothing else holds it.

    ``holder`` is a one-item list so that the caller's reference goes with the call: a list
    passed directly would still be held by the caller's frame. If anything else holds the
    list (a test keeping the plan that carries it), it is left whole: only the reference is
    dropped, and whoever holds it frees it. No other thread can take a new reference to a
    list no one else holds, so the check stays true while the slices go."""
    items = holder.pop()
    if sys.getrefcount(items) > _ONLY_HOLDER:
        return
    while items:
        del items[-chunk:]
        if items:
            # Traced at 200,000 notes (load ~8), the GUI thread waited up to 51.7 ms in one
            # turn for the GIL while a worker freed these slices without this.
            time.sleep(0)
