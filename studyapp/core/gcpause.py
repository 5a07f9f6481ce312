"""Pausing Python's cyclic garbage collector around bulk work that creates no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block; restore its previous state afterwards.

    Building many small objects (YAML nodes, validated cards, rows to insert) triggers the
    collector over and over, and each full pass walks everything alive: on a 10,000-card
    sync that was 0.1-0.3 s of a 1.1 s import. Reference counting still frees everything
    that is not in a cycle, and nothing these blocks build is.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
