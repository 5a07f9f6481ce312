"""The row writer: bulk inserts on the caller's thread, equal to executemany."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyapp.store.bulk import ROWS_A_STATEMENT, RowWriter, insert_sql

COLUMNS = ("id", "word", "count", "flag", "ratio", "maybe")
AWKWARD_TEXT = [
    "plain",
    "",
    "quotes ' \" and \\ backslash",
    "".join(chr(i) for i in range(1, 32)) + "\x7f",
    "é ü 5-HT₂A \u2028 \u2029 \ufeff \U0001f600 \U0010ffff",
    "[1, 2]",
    "null",
    "12",
]
ROWS = [
    (i, word, count, flag, ratio, maybe)
    for i, (word, count, flag, ratio, maybe) in enumerate(
        [
            (AWKWARD_TEXT[0], 0, True, 0.5, None),
            (AWKWARD_TEXT[1], -1, False, -2.25, "x"),
            (AWKWARD_TEXT[2], 2**62, True, 1e-9, None),
            (AWKWARD_TEXT[3], -(2**63), False, 3.0, "y"),
            (AWKWARD_TEXT[4], 7, True, 0.0, None),
            (AWKWARD_TEXT[5], 8, False, 1e300, "[]"),
            (AWKWARD_TEXT[6], 9, True, 0.1, "null"),
            (AWKWARD_TEXT[7], 10, False, 2.5, "12"),
        ]
    )
]
SCHEMA = "CREATE TABLE t (id INTEGER PRIMARY KEY, word TEXT, count INTEGER, flag BOOLEAN, "
SCHEMA += "ratio REAL, maybe TEXT)"


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path / "bulk.sqlite3")
    conn.execute(SCHEMA)
    conn.commit()
    yield conn
    conn.close()


def stored(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return conn.execute("SELECT *, typeof(word), typeof(maybe) FROM t ORDER BY id").fetchall()


def test_the_writer_stores_exactly_what_executemany_binds(connection: sqlite3.Connection) -> None:
    writer = RowWriter(connection)
    writer.insert("t", COLUMNS, ROWS)
    writer.close()
    via_writer = stored(connection)
    connection.rollback()
    connection.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", ROWS)
    assert via_writer == stored(connection)
    assert [row[1] for row in via_writer] == AWKWARD_TEXT


def test_text_with_a_nul_is_bound_not_cut_short(connection: sqlite3.Connection) -> None:
    # (The JSON route this writer once took cut such a text short.)
    writer = RowWriter(connection)
    writer.insert("t", COLUMNS, [(1, "before\x00after", 1, True, 1.0, None)])
    writer.close()
    assert connection.execute("SELECT word FROM t").fetchall() == [("before\x00after",)]


def test_statements_run_in_order_on_the_callers_thread(connection: sqlite3.Connection) -> None:
    # (A writer thread cost CPU and bought no wall time: see studyapp.store.bulk.)
    threads: list[int] = []

    def thread() -> int:
        threads.append(threading.get_ident())
        return 0

    connection.create_function("thread", 0, thread)
    writer = RowWriter(connection)
    writer.execute("INSERT INTO t (id, word, count) VALUES (?, ?, thread())", (1, "first"))
    assert threads == [threading.get_ident()]  # run at once, here
    writer.insert("t", ("id", "word"), [(2, "second"), (3, "third")])
    writer.execute("UPDATE t SET word = word || '!' WHERE id = :id", {"id": 2})
    assert connection.execute("SELECT id, word FROM t ORDER BY id").fetchall() == [
        (1, "first"),
        (2, "second!"),
        (3, "third"),
    ]
    writer.close()
    assert threads == [threading.get_ident()]


def test_the_writer_leaves_the_transaction_to_its_caller(connection: sqlite3.Connection) -> None:
    writer = RowWriter(connection)
    writer.insert("t", COLUMNS, ROWS)
    writer.close()
    assert connection.in_transaction
    connection.rollback()
    assert stored(connection) == []


def test_an_error_is_raised_by_the_call_that_ran_it(connection: sqlite3.Connection) -> None:
    writer = RowWriter(connection)
    writer.insert("t", ("id", "word"), [(1, "one")])
    with pytest.raises(sqlite3.IntegrityError):
        writer.insert("t", ("id", "word"), [(2, "two"), (1, "again")])  # primary key taken
    with pytest.raises(sqlite3.OperationalError, match="nowhere"):
        writer.execute("INSERT INTO nowhere VALUES (?)", (1,))
    writer.close()
    # (the failed executemany's earlier rows stay in the transaction: the caller rolls back)
    assert connection.in_transaction
    connection.rollback()
    assert connection.execute("SELECT id, word FROM t").fetchall() == []


def test_insert_sql_names_every_column() -> None:
    assert insert_sql("t", ["a", "b"]) == "INSERT INTO t (a, b) VALUES (?, ?)"
    assert insert_sql("t", ["a"], ["c", "d"]) == "INSERT INTO t (c, d, a) VALUES (?, ?, ?)"
    assert (
        insert_sql("t", ["a", "b"], rows=3) == "INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?)"
    )


@pytest.mark.parametrize("word", ["shared", "with a \x00 inside"])
def test_columns_shared_by_every_row_are_sent_once(
    connection: sqlite3.Connection, word: str
) -> None:
    writer = RowWriter(connection)
    same = {"word": word, "flag": True, "maybe": None}
    writer.insert("t", ("id", "count"), [(1, 10), (2, 20)], same=same)
    writer.close()
    assert connection.execute("SELECT id, word, count, flag, maybe FROM t").fetchall() == [
        (1, word, 10, 1, None),
        (2, word, 20, 1, None),
    ]


def _many(count: int) -> list[tuple[object, ...]]:
    """``count`` rows of the awkward values, without ids (rowids given by the table)."""
    return [(f"{ROWS[i % len(ROWS)][1]}#{i}", *ROWS[i % len(ROWS)][2:]) for i in range(count)]


@pytest.mark.parametrize(
    "count",
    [1, ROWS_A_STATEMENT - 1, ROWS_A_STATEMENT, ROWS_A_STATEMENT + 1, 3 * ROWS_A_STATEMENT + 7],
)
def test_rows_in_groups_are_stored_as_one_by_one(
    connection: sqlite3.Connection, count: int
) -> None:
    rows = _many(count)
    writer = RowWriter(connection)
    writer.insert("t", COLUMNS[1:], rows)
    writer.insert("t", COLUMNS[1:], rows[:3])  # (rowids go on after the first call's)
    writer.close()
    grouped = stored(connection)
    connection.rollback()
    one_by_one = "INSERT INTO t (word, count, flag, ratio, maybe) VALUES (?, ?, ?, ?, ?)"
    for row in [*rows, *rows[:3]]:
        connection.execute(one_by_one, row)
    assert grouped == stored(connection)
    assert [row[0] for row in grouped] == list(range(1, count + min(count, 3) + 1))  # in order


def test_rows_go_in_through_multi_row_statements(connection: sqlite3.Connection) -> None:
    # (the statement's setup once a group, not once a row: see RowWriter.insert)
    ran: list[str] = []
    connection.set_trace_callback(ran.append)
    writer = RowWriter(connection)
    writer.insert("t", COLUMNS[1:], _many(2 * ROWS_A_STATEMENT + 1))
    writer.close()
    connection.set_trace_callback(None)
    inserts = [sql.count("), (") + 1 for sql in ran if sql.startswith("INSERT")]
    assert inserts == [ROWS_A_STATEMENT, ROWS_A_STATEMENT, 1]


def test_a_row_of_another_length_is_refused_before_anything_is_written(
    connection: sqlite3.Connection,
) -> None:
    rows: list[tuple[object, ...]] = list(_many(ROWS_A_STATEMENT))
    rows[3] = rows[3][:-1]
    rows[4] = (*rows[4], None)  # (the values' total as expected: the lengths are checked)
    writer = RowWriter(connection)
    with pytest.raises(sqlite3.ProgrammingError, match="5 values"):
        writer.insert("t", COLUMNS[1:], rows)
    writer.close()
    assert stored(connection) == []


def test_a_violation_inside_a_group_fails_the_insert(connection: sqlite3.Connection) -> None:
    writer = RowWriter(connection)
    rows = [(i, f"w{i}") for i in range(ROWS_A_STATEMENT * 2)]
    rows[ROWS_A_STATEMENT + 5] = (3, "taken")  # primary key of an earlier row
    with pytest.raises(sqlite3.IntegrityError):
        writer.insert("t", ("id", "word"), rows)
    writer.close()
    # The failed statement's own rows are undone; the caller rolls back the rest.
    assert connection.execute("SELECT count(*) FROM t").fetchone() == (ROWS_A_STATEMENT,)


def test_shared_columns_in_groups(connection: sqlite3.Connection) -> None:
    writer = RowWriter(connection)
    count = ROWS_A_STATEMENT + 2
    writer.insert("t", ("id", "count"), [(i, i * 10) for i in range(count)], same={"word": "s"})
    writer.close()
    assert connection.execute("SELECT id, word, count FROM t ORDER BY id").fetchall() == [
        (i, "s", i * 10) for i in range(count)
    ]
