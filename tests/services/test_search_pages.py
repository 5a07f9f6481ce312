"""A search's count and pages (CardSearch.results) give the same cards in the same order as
the whole list (CardSearch.search), for every sort, both ways round, on a generated store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyapp.services import search as search_service
from studyapp.services.library import Library
from studyapp.services.search import SORTS, CardSearch
from studyapp.store import search as store_search
from studyapp.store.database import DB_FILENAME
from tests.conftest import T0, Clock

QUERIES = (
    "",
    "psilocybin",
    "receptor session",
    "is:due",
    "is:review",
    "receptor (is:due or is:review) -tag:safety -is:suspended",
    "-is:new",
    "is:suspended or is:flagged",
    "psilocybin -is:new",
    "nosuchwordanywhere",
    # what the full-text index answers alone (words and labels): counted there, paged by
    # a walk on due from WALK_DUE_FROM matches
    "tag:safety",
    "receptor tag:safety",
    "receptor -tag:safety",
    "psilocybin -tag:ethics -source:feduccia2018",
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from benchmarks.course import generate
    from benchmarks.steering import spread_states

    root = tmp_path_factory.mktemp("pages")
    course = generate(300, root / "course")
    data = root / "store"
    with Library(data) as library:
        assert library.sync([course.folder]).ok
        library.card_search().update_index()
    spread_states(data / DB_FILENAME, now=int(T0.timestamp()))
    with sqlite3.connect(data / DB_FILENAME) as db:  # ties on due among studied cards
        db.execute("UPDATE card SET due = (due / 86400) * 86400 WHERE id % 3 = 0")
    return data


@pytest.fixture(scope="module")
def library(generated: Path) -> Iterator[Library]:
    with Library(generated) as library:
        yield library


@pytest.fixture
def search(library: Library, monkeypatch: pytest.MonkeyPatch) -> CardSearch:
    monkeypatch.setattr(search_service, "PAGE", 7)
    return CardSearch(library.engine, library.settings, clock=Clock())


def paged(search: CardSearch, query: str, sort: str, descending: bool) -> tuple[int, list[int]]:
    results = search.results(query, sort=sort, descending=descending, first=5)
    count = results.count
    rows = 0
    while not results.complete:
        rows += 3
        results.ensure(rows)
    return count, results.loaded


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("walk_from", [store_search.WALK_DUE_FROM, 0])
def test_pages_are_the_whole_list_in_order(
    search: CardSearch, query: str, walk_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_search, "WALK_DUE_FROM", walk_from)
    for sort in SORTS:
        for descending in (False, True):
            whole = search.search(query, sort=sort, descending=descending)
            count, ids = paged(search, query, sort, descending)
            assert (count, ids) == (len(whole), whole), (query, sort, descending)
            assert search.count(query) == len(whole)


@pytest.mark.parametrize("query", QUERIES)
def test_a_cards_row_is_found_without_fetching_the_pages_before(
    search: CardSearch, query: str
) -> None:
    for sort in ("due", "deck", "question"):
        whole = search.search(query, sort=sort)
        for card_id in [*whole[:: max(1, len(whole) // 7)], -1]:
            results = search.results(query, sort=sort, first=3)
            expected = whole.index(card_id) if card_id in whole else None
            assert results.position(card_id) == expected, (query, sort, card_id)


def test_reversing_and_the_rest_at_once(search: CardSearch) -> None:
    whole = search.search("psilocybin", sort="stability")
    results = search.results("psilocybin", sort="stability", first=4)
    assert results.all_ids() == whole and results.complete
    results.reverse()
    assert results.loaded == whole[::-1] and results.descending


COMBINED = (
    "receptor is:due",
    "psilocybin deck:bench-00*",
    "tag:safety is:new",
    "receptor -tag:safety is:review",
    "session flag:0 is:review",
    "session is:learning",
    "receptor (is:due or is:review) -is:suspended -is:buried",
    "psilocybin prop:lapses>0 -is:new",
)
"""Words with terms the index cannot answer alone: what the browser sorts whole today
(``pages_well`` is False);
pinned so a count and keyset pages of them (a cheaper formulation) can be checked against it."""


@pytest.mark.parametrize("query", COMBINED)
def test_words_with_other_terms_count_and_page_as_the_whole_sort(
    library: Library, query: str
) -> None:
    search = CardSearch(library.engine, library.settings, clock=Clock())
    node = search.parse(query)
    assert not store_search.pages_well(node)
    with search._connection() as db, search._prepared(db, search._clock()) as context:
        for sort in SORTS:
            for descending in (False, True):
                whole = store_search.search_ids(db, node, context, sort=sort, descending=descending)
                count = store_search.count_ids(db, node, context)
                ids: list[int] = []
                after: store_search.SortKey | None = None
                while True:
                    page, after = store_search.page_ids(
                        db, node, context, sort=sort, descending=descending, limit=4, after=after
                    )
                    ids.extend(page)
                    if after is None:
                        break
                assert (count, ids) == (len(whole), whole), (query, sort, descending)
                for card_id in whole[:: max(1, len(whole) // 5)]:
                    assert store_search.rank_of(
                        db, node, context, card_id, sort=sort, descending=descending
                    ) == whole.index(card_id), (query, sort, descending, card_id)
        assert whole, query  # (a shape the generated store has cards for)


@pytest.mark.parametrize("query", [*QUERIES, *COMBINED, "tag:safety", "deck:bench-00*"])
def test_the_deck_sort_is_each_decks_place_then_the_order_added(
    search: CardSearch, query: str
) -> None:
    """A sort by deck, worked out in Python: the cards by their deck's place in the Deck
    column's order (ranked by the services, :func:`~studyapp.services.search.deck_places`),
    then in the order they were added, then by id; the same both ways and page by page."""
    from studyapp.services.search import deck_places

    with search._connection() as db:
        decks = db.execute("SELECT id, title, family FROM deck").fetchall()
        cards = {i: (d, n) for i, d, n in db.execute("SELECT id, deck_id, new_order FROM card")}
    places = deck_places(decks)
    assert sorted(places.values()) == list(range(len(decks)))
    found = search.search(query)
    expected = sorted(found, key=lambda i: (places[cards[i][0]], cards[i][1], i))
    assert search.search(query, sort="deck") == expected, query
    assert search.search(query, sort="deck", descending=True) == expected[::-1], query
    assert paged(search, query, "deck", False) == (len(expected), expected), query
