"""Whether a store may have a full-text search index, asked without loading the search.

:mod:`studyapp.store.search` (with the search grammar, the renderer and the scheduler the
services' search needs) is what builds and reads the index; a write asks it to bring the
index current afterwards, which does nothing on a store that has none (a store never
searched, as after a first import). Asking here first spares such a write those imports:
``studyapp sync`` of a course into a new store, 17.8-19.2 ms of CPU (3 runs, load ~2).
"""

from __future__ import annotations

import sqlite3

__all__ = ["INDEX_TABLES", "may_have_index"]

INDEX_TABLES = ("card_text", "card_text_pending", "card_text_mark")
"""The index's tables (:mod:`studyapp.store.search` makes them, with its triggers)."""


def may_have_index(db: sqlite3.Connection) -> bool:
    """False if the store on ``db`` lacks one of the index's tables: then it has no index
    (:func:`studyapp.store.search.keep_current` finds one of its objects missing, by the
    same names in ``sqlite_master``, and does nothing)."""
    marks = ", ".join("?" * len(INDEX_TABLES))
    (found,) = db.execute(
        f"SELECT count(DISTINCT name) FROM sqlite_master WHERE name IN ({marks})",
        INDEX_TABLES,
    ).fetchone()
    return bool(found == len(INDEX_TABLES))
