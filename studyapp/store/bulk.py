"""Bulk inserts that run beside Python work, on the machine's second core.

A first import writes each deck file's rows on this writer's thread while the main thread
parses the next file. The rows go to ``executemany``: CPython binds each row with the GIL
held, then runs its ``sqlite3_step`` (the b-tree work) with the GIL released, so SQLite's
part overlaps the parsing when a second core is free.

This writer used to send each file's rows as one JSON text to ``INSERT ... SELECT FROM
json_each(?)``, so that the whole insert ran in one GIL-free step. That buys wall time only
with an idle second core, and costs CPU: SQLite unpacks every value from the text, and
``orjson.dumps`` builds it. Binding is cheaper (issue 19's floor: 521 ms of ``executemany``
against 825 ms of ``json_each`` for the 50,000-note course), and the budgets count CPU time
and one-core wall time. Measured on the 50,000-note course, A/B interleaved on the busy
2-core machine: the importing process's CPU 4.23-4.25 s -> 3.72-3.90 s; pinned to one core
4.08-4.15 s -> 3.51-3.53 s (wall 6.7-7.4 s -> 3.6-5.7 s).
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["BackgroundWriter", "insert_sql"]


def insert_sql(table: str, columns: Sequence[str], same: Sequence[str] = ()) -> str:
    """``INSERT INTO table`` of one row: the ``same`` columns' values first (the same in
    every row), then ``columns``."""
    names = [*same, *columns]
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


class BackgroundWriter:
    """Runs statements on ``connection`` in a thread of its own, in the order given.

    The caller must not use ``connection`` until :meth:`close` returns, and owns the
    transaction: the writer never commits or rolls back. :meth:`close` waits for every
    statement and raises the first error any of them raised (later ones are dropped).
    """

    def __init__(self, connection: sqlite3.Connection, *, backlog: int = 4) -> None:
        self._connection = connection
        self._queue: queue.Queue[tuple[str, Any, bool] | None] = queue.Queue(maxsize=backlog)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="studyapp-writer", daemon=True)
        self._thread.start()

    def execute(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any]) -> None:
        """Queue one statement with its parameters."""
        self._put((sql, parameters, False))

    def insert(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        same: Mapping[str, Any] | None = None,
    ) -> None:
        """Queue the insert of ``rows`` (values in the order of ``columns``); the columns
        in ``same`` get the same value in every row.

        Values must be text, integers, booleans, floats, bytes or None, as for
        ``executemany``.
        """
        if not rows:
            return
        same = same or {}
        sql = insert_sql(table, columns, list(same))
        fixed = tuple(same.values())
        self._put((sql, [fixed + tuple(row) for row in rows] if fixed else rows, True))

    def close(self) -> None:
        """Wait for everything queued; raise the first error a statement raised."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _put(self, item: tuple[str, Any, bool]) -> None:
        if self._error is not None:
            return  # the transaction is lost anyway; close() reports why
        self._queue.put(item)

    def _run(self) -> None:
        cursor = self._connection.cursor()
        try:
            while (item := self._queue.get()) is not None:
                if self._error is not None:
                    continue  # drain, so a producer blocked on a full queue wakes up
                sql, parameters, many = item
                try:
                    if many:
                        cursor.executemany(sql, parameters)
                    else:
                        cursor.execute(sql, parameters)
                except BaseException as exc:  # handed to the caller by close
                    self._error = exc
        finally:
            cursor.close()
