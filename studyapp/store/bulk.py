"""Bulk inserts that run beside Python work, on the machine's second core.

``executemany`` binds every row's parameters with the GIL held, so a thread running it
takes turns with the thread parsing deck files instead of running beside it (measured: the
two took as long together as one after the other). An ``INSERT ... SELECT ... FROM
json_each(?)`` with all rows in one JSON text is different: SQLite runs the whole statement
inside a single ``sqlite3_step``, which CPython calls with the GIL released. So while this
writer thread inserts one deck file's rows, the main thread parses the next file.

The JSON route costs SQLite more than binding (it unpacks every value from the text), which
is why it is only worth taking when there is Python work to overlap: a first import of a
course of many files (see :func:`studyapp.services.sync.sync`).
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

__all__ = ["BackgroundWriter", "json_insert_sql"]

_NUL = b"\\u0000"
"""SQLite's JSON functions end a string at an escaped NUL; rows holding one are bound."""


def json_insert_sql(table: str, columns: Sequence[str], same: Sequence[str] = ()) -> str:
    """``INSERT INTO table`` from a JSON array of row arrays (``columns``), bound as the
    last parameter; the ``same`` columns take one value each for every row, bound first."""
    values = [*("?" * len(same)), *(f"value ->> {i}" for i in range(len(columns)))]
    names = ", ".join([*same, *columns])
    return f"INSERT INTO {table} ({names}) SELECT {', '.join(values)} FROM json_each(?)"


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
        in ``same`` get the same value in every row (sent once, not unpacked per row).

        The rows become one JSON text here, in the caller's thread (orjson: native code).
        Values must be text, integers, booleans, floats or None, as for ``executemany``.
        """
        if not rows:
            return
        same = same or {}
        # default=tuple: orjson writes plain tuples natively but not NamedTuple rows.
        payload = orjson.dumps(rows, default=tuple)
        if _NUL in payload:  # rare, and the JSON route would cut the text short: bind
            names = [*same, *columns]
            marks = ", ".join("?" * len(names))
            sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
            fixed = tuple(same.values())
            self._put((sql, [fixed + tuple(row) for row in rows], True))
        else:
            sql = json_insert_sql(table, columns, list(same))
            self._put((sql, (*same.values(), payload), False))

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
