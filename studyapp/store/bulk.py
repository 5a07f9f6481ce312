"""Bulk inserts of a first import, run on the caller's thread as each file's rows are built.

A first import writes each deck file's rows through ``executemany`` once the file is read,
before the next file is parsed, in one transaction. CPython binds each row with the GIL held
and runs its ``sqlite3_step`` (the b-tree work) with the GIL released.

These statements used to run on a writer thread of their own, fed by a queue, so that
SQLite's part overlapped the parsing of the next file when a second core was free. The
budgets count CPU time and one-core wall time, and the thread cost CPU: ``executemany``
releases the GIL at every row's step, so with two cores the threads handed the GIL back and
forth once a row. Measured on the benchmark's import worker (``sa_import``), the thread vs
these statements run inline, A/B interleaved: 50,000 notes, process CPU (user + sys) median
2.22 s (2.03-2.37) -> 1.91 s (1.83-2.06) with in-process wall 1.74 -> 1.70 s (5+5, load
0.3-0.5, the lead's); 200,000 notes 8.34 (7.81-8.73) -> 7.50 (6.90-7.55) s CPU (3+3).
Again on the landing (importw-r10, main 9e3a94d vs this module; 2 cores shared with 3 other
sessions, load 3.1-3.8): 50,000 notes process CPU 1.93 s (1.75-2.13) -> 1.81 s (1.71-2.12),
5+5; pinned to one core (``taskset -c 0``, 5+5) 1.75 (1.73-1.90) -> 1.72 (1.66-2.02), the
same as expected with one core; 200,000 notes 7.22 (6.79-7.37) -> 6.69 (6.63-7.67) s, 3+3.

Before that, the thread sent each file's rows as one JSON text to ``INSERT ... SELECT FROM
json_each(?)`` (one GIL-free step); binding is cheaper (issue 19's floor: 521 ms of
``executemany`` against 825 ms of ``json_each`` for the 50,000-note course).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any

__all__ = ["ROWS_A_STATEMENT", "RowWriter", "insert_sql"]


ROWS_A_STATEMENT = 32
"""Rows inserted by one multi-row ``INSERT ... VALUES (...), (...)`` (see RowWriter.insert)."""


def insert_sql(table: str, columns: Sequence[str], same: Sequence[str] = (), rows: int = 1) -> str:
    """``INSERT INTO table`` of ``rows`` rows: each row's ``same`` columns' values first
    (the same in every row), then ``columns``."""
    names = [*same, *columns]
    row = f"({', '.join('?' * len(names))})"
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES {', '.join([row] * rows)}"


class RowWriter:
    """Runs statements on ``connection`` at once, on the caller's thread, in the order given.

    The caller owns the transaction: the writer never commits or rolls back. A statement's
    error is raised by the call that ran it; the transaction is then the caller's to roll
    back. :meth:`close` releases the writer's cursor.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._cursor = connection.cursor()

    def execute(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any]) -> None:
        """Run one statement with its parameters."""
        self._cursor.execute(sql, parameters)

    def insert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        same: Mapping[str, Any] | None = None,
    ) -> None:
        """Insert ``rows`` (values in the order of ``columns``); the columns in ``same``
        get the same value in every row.

        Values must be text, integers, booleans, floats, bytes or None, as for
        ``executemany``.
        """
        if not rows:
            return
        same = same or {}
        fixed = tuple(same.values())
        if fixed:
            rows = [fixed + tuple(row) for row in rows]
        names = list(same)
        width = len(names) + len(columns)
        # (flattened below: a row of another length would shift the values after it)
        if not all(map(width.__eq__, map(len, rows))):
            raise sqlite3.ProgrammingError(f"every row inserted into {table} needs {width} values")
        # The rows go in ROWS_A_STATEMENT at a time, through one multi-row INSERT (in order:
        # the same rowids, defaults and checks, a violation fails the statement as it would
        # the row), the rest one at a time. SQLite then runs the statement's setup (opening a
        # cursor on the table and each of its indexes, partial ones too) once per group, not
        # once per row. Measured on the statements of the 200,000-note first import replayed
        # into a new store (3 runs each, load 4.2-4.9): cards 0.61 -> 0.34 s of CPU, notes
        # 0.72 -> 0.61 s (32 rows a statement; 128: the same). The whole sa_import worker
        # (main d583253 vs this; load 3.6-5): 50,000 notes 1.83 (1.79-1.99) -> 1.69 s
        # (1.62-1.83) CPU, 5+5; 200,000 notes 6.41 (6.27-6.56) -> 6.01 s (5.93-6.05), 3+3;
        # pinned to one core, 50,000: 1.80 -> 1.71 s CPU, 5+5.
        whole = len(rows) - len(rows) % ROWS_A_STATEMENT
        if whole:
            values = list(chain.from_iterable(rows[:whole]))
            step = width * ROWS_A_STATEMENT
            self._cursor.executemany(
                insert_sql(table, columns, names, ROWS_A_STATEMENT),
                [values[i : i + step] for i in range(0, len(values), step)],
            )
        if whole < len(rows):
            self._cursor.executemany(insert_sql(table, columns, names), rows[whole:])

    def close(self) -> None:
        """Release the cursor (the rows stay in the caller's transaction)."""
        self._cursor.close()
