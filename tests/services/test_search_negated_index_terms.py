"""A negated full-text term (a word, a tag, a source, a module, a mark) leaves out exactly
the cards its term finds, alone and beside other terms, in every sort: pinned against the
cards worked out from the two searches apart, on a generated store. The store compiles such
a negation as a CASE, not ``NOT (c.id IN ...)`` (studyapp.store.search._negated)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from studyapp.services.library import Library
from studyapp.services.search import SORTS, CardSearch
from studyapp.store import search as store_search
from studyapp.store.database import DB_FILENAME
from tests.conftest import T0, Clock

NEGATED = (
    # (query, the same query without the negated term, the negated term's own query)
    (
        "receptor (is:due or is:review) -tag:safety -is:suspended",
        "receptor (is:due or is:review) -is:suspended",
        "tag:safety",
    ),
    ("receptor -tag:safety", "receptor", "tag:safety"),
    ("-tag:safety", "", "tag:safety"),
    ("is:review -psilocybin", "is:review", "psilocybin"),
    ("-psilocybin", "", "psilocybin"),
    ("-(psilocybin or receptor)", "", "psilocybin or receptor"),
    ('-"receptor session"', "", '"receptor session"'),
    ("session -module:2", "session", "module:2"),
    ("-is:critical is:review", "is:review", "is:critical"),
    ("receptor -source:feduccia2018", "receptor", "source:feduccia2018"),
    ("(is:new or is:due) -tag:ethics*", "is:new or is:due", "tag:ethics*"),
)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    from benchmarks.course import generate
    from benchmarks.steering import spread_states

    root = tmp_path_factory.mktemp("negated")
    course = generate(300, root / "course")
    data = root / "store"
    with Library(data) as library:
        assert library.sync([course.folder]).ok
    with sqlite3.connect(data / DB_FILENAME) as db:  # the generated course has no marks
        db.execute("UPDATE note SET module = 2 WHERE rowid % 4 = 0")
        db.execute("UPDATE note SET critical = 1 WHERE rowid % 5 = 0")
    with Library(data) as library:
        library.card_search().update_index()
    spread_states(data / DB_FILENAME, now=int(T0.timestamp()))
    with sqlite3.connect(data / DB_FILENAME) as db:  # ties on due among studied cards
        db.execute("UPDATE card SET due = (due / 86400) * 86400 WHERE id % 3 = 0")
    with Library(data) as library:
        yield library


@pytest.fixture
def search(library: Library) -> CardSearch:
    return CardSearch(library.engine, library.settings, clock=Clock())


@pytest.mark.parametrize(("query", "without", "term"), NEGATED)
def test_a_negated_index_term_leaves_out_exactly_its_cards(
    search: CardSearch, query: str, without: str, term: str
) -> None:
    left_out = set(search.search(term))
    assert left_out, f"{term!r} finds no card in the generated store: nothing is pinned"
    for sort in SORTS:
        for descending in (False, True):
            found = search.search(query, sort=sort, descending=descending)
            wider = search.search(without, sort=sort, descending=descending)
            expected = [card for card in wider if card not in left_out]
            assert found == expected, (query, sort, descending)
            assert len(expected) < len(wider), (query, "the term left out no card")
            assert search.count(query) == len(expected)


def _program(search: CardSearch, query: str) -> list[tuple[str, int]]:
    """The (opcode, first operand) of the statement that counts ``query``'s cards by
    reading them."""
    node = search.parse(query)
    with search._connection() as db, search._prepared(db, search._clock()) as context:
        source, where, params = store_search.compile_search(node, context)
        program = db.execute(
            f"EXPLAIN SELECT count(*) FROM {source} WHERE {where}", params
        ).fetchall()
    return [(row[1], row[2]) for row in program]


def test_a_negated_index_term_is_not_checked_for_null_per_card(search: CardSearch) -> None:
    """``NOT (c.id IN (subquery))`` rewinds the subquery's list for every card not in it, to
    tell "not in" from NULL; neither side is ever NULL, and the CASE reads no such list."""
    program = _program(search, "-tag:safety")
    lists = {cursor for op, cursor in program if op == "OpenEphemeral"}
    assert "NotFound" in {op for op, _ in program}  # the negated tag's membership test
    assert not {cursor for op, cursor in program if op == "Rewind"} & lists


@pytest.mark.parametrize(
    "query",
    ["receptor -tag:safety", "receptor (is:due or is:review) -tag:safety -is:suspended"],
)
def test_a_negated_label_beside_words_is_left_out_by_the_match(
    search: CardSearch, query: str
) -> None:
    """Words and labels are one full-text index: beside a word, a negated label is part of
    the one match (``(word) NOT (label)``), not a list of its cards made and probed."""
    opened = [op for op, _ in _program(search, query) if op == "VOpen"]
    assert opened == ["VOpen"]  # the one match, which the cards are read from
