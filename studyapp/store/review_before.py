"""A review row's ``before``: the card's scheduling columns before the change the row logs
(what undo puts back, what the tally's interval class reads), as JSON text.

Since schema 3 it is a JSON **array** of the columns in :data:`STATE_COLUMNS` order::

    [2,null,10.971056938171387,2.1043312549591064,1734264985,1733178028,2,0,9]

Rows written before keep the JSON **object** they were written as (``{"queue": 2, "step":
null, ...}``, without ``interval`` in the oldest ones): both are read, by :func:`decode` in
Python and by :func:`sql_field` in SQL. They are not rewritten: an ``UPDATE`` of a million
rows leaves the table's pages as many (each row shrinks in its own page; only a ``VACUUM``
gives them back), and SQLite's JSON keeps 15 digits of a float, not enough to restore one.

Why an array: the object's key names were 87 of its 158 bytes, and the review log is most
of a long-used store, which every quick check reads whole (issue 19: ``stats --json`` as the
first read after an answer pays the check). At 200,045 cards / 1,004,563 answers
(benchmarks/history.py) the store is 400.2 MB with objects and 293.1 MB with arrays (review
table 219 -> ~112 MB); ``PRAGMA quick_check`` of it, 5 interleaved pairs at load 5.7: CPU
median 0.452 s (0.397-0.587) -> 0.304 s (0.292-0.450). An answer also writes ~90 bytes less.

A snapshot is written by Python's JSON rules (``int.__repr__``, ``float.__repr__``,
``null``), never by SQLite's, so every float reads back exactly.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["STATE_COLUMNS", "decode", "encode", "sql_field"]

STATE_COLUMNS = (
    "queue",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "interval",
)
"""The card's scheduling columns a snapshot keeps, in its array's order (the order of
:class:`studyapp.store.queries.StoredProgress`)."""

_TEMPLATE = "[" + ",".join("%s" for _ in STATE_COLUMNS) + "]"
_SEPARATORS = (",", ":")
_INFINITY = float("inf")


def encode(row: tuple[Any, ...]) -> str:
    """The snapshot of ``row`` (the columns of :data:`STATE_COLUMNS`, in order): the text
    ``json.dumps(list(row), separators=(",", ":"))`` gives, character for character.

    Ints, None and finite floats (all a stored state holds) are written as ``json`` writes
    them (``int.__repr__``, ``null``, ``float.__repr__``); any other value goes through
    ``json.dumps``. 41k -> 22k instructions a snapshot (callgrind), one an answer; with the
    state's columns read into one tuple instead of a dict each for the new state and the
    snapshot, the cycle 1.229M -> 1.201M instructions an answer (10k benchmark store)."""
    texts: list[object] = []
    for value in row:
        kind = type(value)
        if kind is int:
            texts.append(value)
        elif value is None:
            texts.append("null")
        elif kind is float and -_INFINITY < value < _INFINITY:
            texts.append(float.__repr__(value))
        else:
            return json.dumps(list(row), separators=_SEPARATORS)
    return _TEMPLATE % tuple(texts)


def decode(text: str) -> dict[str, Any]:
    """The columns of a snapshot by name, from either form; ``interval`` 0 when an old
    object has none (written before the column existed)."""
    value = json.loads(text)
    if isinstance(value, list):
        return dict(zip(STATE_COLUMNS, value, strict=True))
    return {"interval": 0, **value}


def sql_field(before: str, name: str) -> str:
    """SQL reading the column ``name`` from the snapshot ``before`` (a SQL expression) of
    either form (NULL when an old object lacks it, as ``json_extract`` gives)."""
    index = STATE_COLUMNS.index(name)
    return (
        f"json_extract({before}, CASE WHEN substr({before}, 1, 1) = '[' "
        f"THEN '$[{index}]' ELSE '$.{name}' END)"
    )
