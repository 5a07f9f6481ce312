"""Searches compiled to SQL and run against a real store: every key, the full-text index
kept in step with deck syncs and note edits, and the orders results come back in."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.core.search import SearchError
from studyapp.services.library import Library
from studyapp.services.search import CardSearch, card_document, plain_text
from studyapp.store.search import DocumentSource
from tests.conftest import T0, Clock
from tests.freshpython import fresh_python

ALPHA = """\
format_version: 1
deck:
  id: alpha
  title: Alpha mechanisms
  family: mechanisms
cards:
  - id: a-receptor
    front: Which receptor does psilocybin act on?
    back: The serotonin 5-HT<sub>2A</sub> receptor.
    tags: [serotonin, pharmacology::receptors]
    source: zhou2024
  - id: a-integration
    front: What is <strong>integration</strong> after a session?
    back: Making sense of the session &amp; its insights.
    tags: [process]
    source: rieser2021
  - id: a-cloze
    type: cloze
    text: "{{c1::Psilocin}} is the active metabolite of {{c2::psilocybin::a prodrug}}."
    tags: [metabolism]
    source: zhou2024
    cite: mitchell2021
  - id: a-dmn
    type: reversed
    front: DMN
    back: Default mode network
    extra: A set of brain regions most active at rest.
    source: feduccia2018
"""
BETA = """\
format_version: 1
deck:
  id: beta
  title: Beta safety
  family: safety
cards:
  - id: b-consent
    front: What must touch in a session rest on?
    back: Consent agreed before the session.
    tags: [ethics::consent, side-effects]
    source: mithoefer2019
  - id: b-accent
    front: Which café serves the résumé?
    back: None.
    tags: [ethics]
    source: consensus_nd
"""


@pytest.fixture
def course(tmp_path: Path) -> Path:
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "alpha.yaml").write_text(ALPHA, encoding="utf-8")
    (folder / "beta.yaml").write_text(BETA, encoding="utf-8")
    return folder


@pytest.fixture
def store(library: Library, course: Path) -> Library:
    plan = library.sync([course])
    assert plan.ok, plan.problems
    return library


@pytest.fixture
def search(store: Library, clock: Clock) -> CardSearch:
    return CardSearch(store.engine, store.settings, clock=clock)


def card_ids(library: Library) -> dict[str, int]:
    """``note_id/key`` -> card id."""
    with library.engine.connect() as conn:
        rows = conn.execute(text("SELECT note_id, key, id FROM card"))
        return {f"{note}/{key}": card_id for note, key, card_id in rows}


def names(library: Library, ids: list[int]) -> set[str]:
    by_id = {v: k for k, v in card_ids(library).items()}
    return {by_id[i] for i in ids}


def found(search: CardSearch, store: Library, query: str) -> set[str]:
    return names(store, search.search(query))


def execute(library: Library, sql: str, **params: object) -> None:
    with library.engine.begin() as conn:
        conn.execute(text(sql), params)


ALL = {
    "a-receptor/fwd",
    "a-integration/fwd",
    "a-cloze/c1",
    "a-cloze/c2",
    "a-dmn/fwd",
    "a-dmn/rev",
    "b-consent/fwd",
    "b-accent/fwd",
}


# -- free text -------------------------------------------------------------------------------
def test_an_empty_search_finds_every_card(search: CardSearch, store: Library) -> None:
    assert found(search, store, "") == ALL


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("psilocybin", {"a-receptor/fwd", "a-cloze/c1", "a-cloze/c2"}),
        ("PSILOCYBIN", {"a-receptor/fwd", "a-cloze/c1", "a-cloze/c2"}),
        # a word matches the words it starts
        ("recep", {"a-receptor/fwd"}),
        ("5-HT2A", {"a-receptor/fwd"}),
        # explanation (extra) is searched; both cards of a reversed note match
        ("brain regions", {"a-dmn/fwd", "a-dmn/rev"}),
        ('"default mode network"', {"a-dmn/fwd", "a-dmn/rev"}),
        ('"network default"', set()),
        # cloze answers and hints are searched, the markup is not
        ("prodrug", {"a-cloze/c1", "a-cloze/c2"}),
        ("c1", set()),
        # tags and entities are not words: "strong" is markup, "&amp;" is "&"
        ("strong", set()),
        ("amp", set()),
        ("insights", {"a-integration/fwd"}),
        # diacritics are folded
        ("resume cafe", {"b-accent/fwd"}),
        ("session consent", {"b-consent/fwd"}),
        ("session -consent", {"a-integration/fwd"}),
        ("consent or psilocin", {"b-consent/fwd", "a-cloze/c1", "a-cloze/c2"}),
        ("nothingmatchesthis", set()),
        # labels are not words, though one index holds both
        ("metabolism", set()),
        ("ethics", set()),
        ("zhou2024", set()),
        ('"serotonin pharmacology"', set()),
    ],
)
def test_free_text(search: CardSearch, store: Library, query: str, expected: set[str]) -> None:
    assert found(search, store, query) == expected


def test_a_label_is_one_marked_token() -> None:
    from studyapp.store.search import _label_tokens

    assert _label_tokens("ethics::consent  side-effects mithoefer2019 ") == (
        "\ue000ethics\ue003\ue003consent \ue000side\ue001effects \ue000mithoefer2019"
    )
    assert _label_tokens("module_2 a.b") == "\ue000module\ue0022 \ue000a\ue004b"
    assert _label_tokens("") == _label_tokens("  ") == ""  # no label, no token


def test_the_trainees_own_notes_are_searched_and_kept_in_step(
    search: CardSearch, store: Library
) -> None:
    assert found(search, store, "mnemonic") == set()
    store.set_user_note("a-dmn", "my mnemonic: daydreaming")
    assert found(search, store, "mnemonic") == {"a-dmn/fwd", "a-dmn/rev"}
    store.set_user_note("a-dmn", "now about rest")
    assert found(search, store, "mnemonic") == set()
    assert found(search, store, "about") == {"a-dmn/fwd", "a-dmn/rev"}
    store.set_user_note("a-dmn", "")
    assert found(search, store, "about") == set()


def test_a_deck_edit_reindexes_the_cards_and_new_cards_are_found(
    search: CardSearch, store: Library, course: Path
) -> None:
    assert found(search, store, "psilocybin") == {"a-receptor/fwd", "a-cloze/c1", "a-cloze/c2"}
    alpha = course / "alpha.yaml"
    edited = alpha.read_text().replace("does psilocybin act on", "does LSD act on")
    edited += textwrap.indent(
        textwrap.dedent(
            """\
            - id: a-new
              front: A brand new card about ayahuasca?
              back: Yes.
              tags: [added]
              source: zhou2024
            """
        ),
        "  ",
    )
    alpha.write_text(edited)
    assert store.sync([course]).ok
    assert found(search, store, "psilocybin") == {"a-cloze/c1", "a-cloze/c2"}
    assert found(search, store, "lsd") == {"a-receptor/fwd"}
    assert found(search, store, "ayahuasca") == {"a-new/fwd"}
    assert found(search, store, "tag:added") == {"a-new/fwd"}


def test_the_index_is_rebuilt_if_its_triggers_were_lost(search: CardSearch, store: Library) -> None:
    search.update_index()
    # A table rebuild (the store's upgrade may rebuild one) drops the table's triggers.
    execute(store, "DROP TRIGGER card_text_note_changed")
    execute(
        store,
        "UPDATE note SET front = 'Which receptor does mescaline act on?' WHERE id = 'a-receptor'",
    )
    assert found(search, store, "mescaline") == {"a-receptor/fwd"}
    execute(
        store, "UPDATE note SET front = 'Which receptor does DMT act on?' WHERE id = 'a-receptor'"
    )
    assert found(search, store, "dmt") == {"a-receptor/fwd"}


def test_an_index_of_the_earlier_layout_is_made_again(
    search: CardSearch, store: Library, clock: Clock
) -> None:
    """The labels had a full-text table of their own (``card_facet``) beside words-only
    ``card_text``: a store whose index is of that layout, marked current, is searched right
    by a reader (a private copy made from the cards) and made again by a writer."""
    import sqlite3

    search.update_index()
    execute(store, "DROP TABLE card_text")
    for sql in (
        "CREATE VIRTUAL TABLE card_text USING fts5(question, answer, explanation, notes, "
        "tokenize = 'unicode61 remove_diacritics 2')",
        "CREATE VIRTUAL TABLE card_facet USING fts5(tags, sources, marks, "
        "tokenize = \"unicode61 remove_diacritics 2 tokenchars '-_:.'\")",
    ):
        execute(store, sql)
    reader = Library(store.data_dir, read_only=True)
    try:
        read = reader.card_search(clock=clock)
        assert found(read, reader, "psilocybin") == {"a-receptor/fwd", "a-cloze/c1", "a-cloze/c2"}
        assert found(read, reader, "session -tag:ethics") == {"a-integration/fwd"}
    finally:
        reader.close()
    assert found(search, store, "tag:ethics") == {"b-consent/fwd", "b-accent/fwd"}
    db = sqlite3.connect(store.engine.url.database or "")
    try:
        tables = dict(db.execute("SELECT name, sql FROM sqlite_master").fetchall())
    finally:
        db.close()
    assert "card_facet" not in tables
    assert "tags, sources, marks" in tables["card_text"]


@pytest.mark.parametrize(
    ("query", "reversed_query", "order"),
    [
        ("is:due or is:review", "is:review or is:due", ["c.queue IN (2, 3)", "c.due > 0"]),
        (
            "prop:r<0.5 or deck:alpha or is:new",
            "is:new or deck:alpha or prop:r<0.5",
            ["c.queue = 0", "c.deck_id IN", "studyapp_r("],
        ),
        (
            "(tag:ethics or is:suspended) psilocybin",
            "(is:suspended or tag:ethics) psilocybin",
            ["c.suspended = 1", "card_text MATCH"],
        ),
    ],
)
def test_an_or_tests_its_cheapest_alternative_first(
    search: CardSearch, clock: Clock, query: str, reversed_query: str, order: list[str]
) -> None:
    """SQLite stops at the first alternative that holds, in the order written: a column
    compared comes before a list looked up, and that before a function called per card;
    the cards are the same whichever way round the query is typed."""
    from studyapp.store import search as store_search

    node = search.parse(query)
    with search._connection() as db, search._prepared(db, clock()) as context:
        _source, where, _params = store_search.compile_search(node, context)
    places = [where.rindex(part) for part in order]
    assert places == sorted(places), where
    for sort in ("due", "question"):
        assert search.search(reversed_query, sort=sort) == search.search(query, sort=sort)


# -- keys ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "deck:alpha",
            {
                "a-receptor/fwd",
                "a-integration/fwd",
                "a-cloze/c1",
                "a-cloze/c2",
                "a-dmn/fwd",
                "a-dmn/rev",
            },
        ),
        ("deck:beta", {"b-consent/fwd", "b-accent/fwd"}),
        ('deck:"beta safety"', {"b-consent/fwd", "b-accent/fwd"}),
        ("deck:bet*", {"b-consent/fwd", "b-accent/fwd"}),
        ("deck:*safe*", {"b-consent/fwd", "b-accent/fwd"}),
        ("deck:bet", set()),
        ("deck:a_pha", set()),  # _ is a literal character, not LIKE's wildcard
        ("family:safety", {"b-consent/fwd", "b-accent/fwd"}),
        (
            "family:MECHANISMS -deck:beta",
            {
                "a-receptor/fwd",
                "a-integration/fwd",
                "a-cloze/c1",
                "a-cloze/c2",
                "a-dmn/fwd",
                "a-dmn/rev",
            },
        ),
        ("tag:serotonin", {"a-receptor/fwd"}),
        ("tag:ethics", {"b-consent/fwd", "b-accent/fwd"}),  # ethics and ethics::consent
        ("tag:ethics::consent", {"b-consent/fwd"}),
        ("tag:consent", set()),  # a child's name alone is not the tag
        ("tag:side-effects", {"b-consent/fwd"}),
        ("tag:side", set()),
        ("tag:pharma*", {"a-receptor/fwd"}),
        ("tag:*receptors", {"a-receptor/fwd"}),
        ("tag:*eff*", {"b-consent/fwd"}),
        ("-tag:ethics deck:beta", set()),
        # words and labels side by side: one match of the index
        ("session tag:ethics", {"b-consent/fwd"}),
        ("session -tag:ethics", {"a-integration/fwd"}),
        ("psilocybin -source:mitchell2021", {"a-receptor/fwd"}),
        ("psilocybin tag:metab*", {"a-cloze/c1", "a-cloze/c2"}),
        ("psilocybin -tag:serotonin -tag:metabolism", set()),
        ("tag:ethics -tag:ethics::consent", {"b-accent/fwd"}),
        ("receptor or tag:process", {"a-receptor/fwd", "a-integration/fwd"}),
        ("source:zhou2024", {"a-receptor/fwd", "a-cloze/c1", "a-cloze/c2"}),
        ("source:mitchell2021", {"a-cloze/c1", "a-cloze/c2"}),  # a cited study counts
        ("source:mithoefer*", {"b-consent/fwd"}),
        ("source:*2019", {"b-consent/fwd"}),
        ("source:zhou", set()),
    ],
)
def test_keys(search: CardSearch, store: Library, query: str, expected: set[str]) -> None:
    assert found(search, store, query) == expected


def test_states_flags_and_marks(search: CardSearch, store: Library, clock: Clock) -> None:
    ids = card_ids(store)
    now = int(T0.timestamp())
    day = 86400
    # a review card due in 2 days, interval 10 days, reviewed 3 times with one lapse
    execute(
        store,
        "UPDATE card SET queue = 2, stability = 12.0, difficulty = 5.0, interval = 10, "
        "last_review = :last, due = :due, reps = 3, lapses = 1 WHERE id = :id",
        last=now - 8 * day,
        due=now + 2 * day,
        id=ids["a-receptor/fwd"],
    )
    # a learning card due in ten minutes (due today)
    execute(
        store,
        "UPDATE card SET queue = 1, step = 1, stability = 0.5, difficulty = 6.0, "
        "last_review = :last, due = :due, reps = 1 WHERE id = :id",
        last=now - 60,
        due=now + 600,
        id=ids["a-integration/fwd"],
    )
    # an overdue review card, suspended
    execute(
        store,
        "UPDATE card SET queue = 2, stability = 3.0, difficulty = 7.0, interval = 15, "
        "last_review = :last, due = :due, reps = 9, lapses = 8, suspended = 1, leech = 1 "
        "WHERE id = :id",
        last=now - 45 * day,
        due=now - 30 * day,
        id=ids["a-dmn/fwd"],
    )
    # a relearning card due yesterday, buried until tomorrow
    execute(
        store,
        "UPDATE card SET queue = 3, stability = 40.0, difficulty = 4.0, interval = 1, "
        "last_review = :last, due = :due, reps = 5, lapses = 2, buried_until = :until "
        "WHERE id = :id",
        last=now - 2 * day,
        due=now - day,
        until=now + day,
        id=ids["a-dmn/rev"],
    )
    execute(store, "UPDATE card SET flag = 1 WHERE id = :id", id=ids["b-consent/fwd"])
    execute(store, "UPDATE card SET flag = 3 WHERE id = :id", id=ids["b-accent/fwd"])
    execute(store, "UPDATE card SET retired = 1 WHERE id = :id", id=ids["a-cloze/c2"])
    execute(store, "UPDATE note SET critical = 1 WHERE id = 'b-consent'")
    execute(store, "UPDATE note SET sensitive = 1, module = 2 WHERE id = 'a-integration'")
    execute(store, "UPDATE note SET module = 1 WHERE id IN ('a-receptor', 'a-dmn')")

    def q(query: str) -> set[str]:
        return found(search, store, query)

    assert q("is:new") == {"a-cloze/c1", "a-cloze/c2", "b-consent/fwd", "b-accent/fwd"}
    assert q("is:learning") == {"a-integration/fwd", "a-dmn/rev"}
    assert q("is:review") == {"a-receptor/fwd", "a-dmn/fwd", "a-dmn/rev"}
    # due today: the learning card; not the suspended one nor the buried one
    assert q("is:due") == {"a-integration/fwd"}
    assert q("is:suspended") == {"a-dmn/fwd"}
    assert q("is:buried") == {"a-dmn/rev"}
    assert q("is:retired") == {"a-cloze/c2"}
    assert q("is:leech") == {"a-dmn/fwd"}
    assert q("is:flagged") == {"b-consent/fwd", "b-accent/fwd"}
    assert q("is:critical") == {"b-consent/fwd"}
    assert q("is:sensitive") == {"a-integration/fwd"}
    assert q("flag:1") == {"b-consent/fwd"}
    assert q("flag:3") == {"b-accent/fwd"}
    assert q("flag:2") == set()
    assert q("flag:0") == ALL - {"b-consent/fwd", "b-accent/fwd"}
    assert q("module:1") == {"a-receptor/fwd", "a-dmn/fwd", "a-dmn/rev"}
    assert q("module:2 or module:3") == {"a-integration/fwd"}
    # prop:due counts study days from today (0): overdue cards are negative
    assert q("prop:due=2") == {"a-receptor/fwd"}
    assert q("prop:due<0") == {"a-dmn/fwd", "a-dmn/rev"}
    assert q("prop:due=-1") == {"a-dmn/rev"}
    assert q("prop:due<=0") == {"a-dmn/fwd", "a-dmn/rev", "a-integration/fwd"}
    assert q("prop:due>0") == {"a-receptor/fwd"}
    assert q("prop:due>=2") == {"a-receptor/fwd"}
    assert q("prop:due!=0") == {"a-receptor/fwd", "a-dmn/fwd", "a-dmn/rev"}
    assert q("prop:ivl=10") == {"a-receptor/fwd"}
    assert q("prop:ivl>5") == {"a-receptor/fwd", "a-dmn/fwd"}
    assert q("prop:ivl<2") == {"a-dmn/rev"}
    assert q("prop:lapses>1") == {"a-dmn/fwd", "a-dmn/rev"}
    assert q("prop:reps=0") == {"a-cloze/c1", "a-cloze/c2", "b-consent/fwd", "b-accent/fwd"}
    assert q("prop:reps>=5 -is:suspended") == {"a-dmn/rev"}


def test_prop_r_uses_the_schedulers_retrievability(
    search: CardSearch, store: Library, clock: Clock
) -> None:
    ids = card_ids(store)
    now = int(T0.timestamp())
    day = 86400
    # just reviewed (R near 1), and long overdue (R low)
    execute(
        store,
        "UPDATE card SET queue = 2, stability = 10.0, difficulty = 5.0, "
        "last_review = :last, due = :due, reps = 1 WHERE id = :id",
        last=now - 60,
        due=now + 10 * day,
        id=ids["a-receptor/fwd"],
    )
    execute(
        store,
        "UPDATE card SET queue = 2, stability = 2.0, difficulty = 5.0, "
        "last_review = :last, due = :due, reps = 1 WHERE id = :id",
        last=now - 60 * day,
        due=now - 58 * day,
        id=ids["b-accent/fwd"],
    )
    items = {i.note_id: i for i in search.items(search.search("is:review"))}
    high = items["a-receptor"].retrievability
    low = items["b-accent"].retrievability
    assert high is not None and low is not None and low < 0.8 < high
    assert found(search, store, "prop:r<0.8") == {"b-accent/fwd"}
    assert found(search, store, "prop:r>=0.8") == {"a-receptor/fwd"}
    # a new card has no retrievability: neither side of a comparison finds it
    assert "a-cloze/c1" not in found(search, store, "prop:r<0.8 or prop:r>=0.8")
    by_r = search.search("is:review", sort="retrievability")
    assert names(store, by_r[:1]) == {"b-accent/fwd"}


def test_rated_counts_answers_in_study_days_and_not_manual_changes(
    search: CardSearch, store: Library
) -> None:
    ids = card_ids(store)
    now_ms = int(T0.timestamp() * 1000)
    day_ms = 86400 * 1000

    def review(card: str, at_ms: int, rating: int, kind: int) -> None:
        execute(
            store,
            "INSERT INTO review (card_id, reviewed_at, rating, duration_ms, "
            "queue_before, queue_after, due_after, before, kind) VALUES (:c, :at, :r, 1000, "
            "0, 1, 0, '{}', :k)",
            c=ids[card],
            at=at_ms,
            r=rating,
            k=kind,
        )

    review("a-receptor/fwd", now_ms - 3600 * 1000, 3, 0)  # today
    review("a-dmn/fwd", now_ms - 3 * day_ms, 1, 0)  # three days ago
    review("b-consent/fwd", now_ms - 3600 * 1000, 4, 1)  # a cram answer today
    review("b-accent/fwd", now_ms - 3600 * 1000, 3, 2)  # a manual change: not an answer
    assert found(search, store, "rated:1") == {"a-receptor/fwd", "b-consent/fwd"}
    assert found(search, store, "rated:4") == {"a-receptor/fwd", "b-consent/fwd", "a-dmn/fwd"}
    assert found(search, store, "rated:7:1") == {"a-dmn/fwd"}
    assert found(search, store, "rated:7:4") == {"b-consent/fwd"}


# -- orders ----------------------------------------------------------------------------------
def test_sorts(search: CardSearch, store: Library) -> None:
    ids = card_ids(store)
    now = int(T0.timestamp())
    execute(
        store,
        "UPDATE card SET queue = 2, stability = 5, last_review = :l, due = :d, interval = 2, "
        "reps = 2, lapses = 1 WHERE id = :id",
        l=now - 86400,
        d=now + 86400,
        id=ids["b-accent/fwd"],
    )
    execute(
        store,
        "UPDATE card SET queue = 2, stability = 50, last_review = :l, due = :d, interval = 43, "
        "reps = 7 WHERE id = :id",
        l=now - 3 * 86400,
        d=now + 40 * 86400,
        id=ids["a-receptor/fwd"],
    )
    # due: new cards first (in the order they were added), then by due time
    by_due = search.search("", sort="due")
    assert by_due[-2:] == [ids["b-accent/fwd"], ids["a-receptor/fwd"]]
    assert by_due[:-2] == sorted(by_due[:-2])
    assert search.search("", sort="due", descending=True)[:2] == [
        ids["a-receptor/fwd"],
        ids["b-accent/fwd"],
    ]
    assert search.search("is:review", sort="interval") == [
        ids["b-accent/fwd"],
        ids["a-receptor/fwd"],
    ]
    assert search.search("is:review", sort="stability", descending=True) == [
        ids["a-receptor/fwd"],
        ids["b-accent/fwd"],
    ]
    assert search.search("", sort="reviews", descending=True)[:2] == [
        ids["a-receptor/fwd"],
        ids["b-accent/fwd"],
    ]
    assert search.search("", sort="lapses", descending=True)[0] == ids["b-accent/fwd"]
    assert search.search("", sort="answered", descending=True)[0] == ids["b-accent/fwd"]
    # by the question's plain text (a cloze card's with its answers)
    questions = [
        i.question.lower()
        for i in search.items(search.search("", sort="question"))
        if i.note_id != "a-cloze"
    ]
    assert questions == sorted(questions)
    decks = [i.deck for i in search.items(search.search("", sort="deck"))]
    assert decks == sorted(decks)
    with pytest.raises(ValueError, match="cannot sort by 'colour'"):
        search.search("", sort="colour")


def test_items_are_plain_text_with_plain_values(search: CardSearch, store: Library) -> None:
    items = {f"{i.note_id}": i for i in search.items(search.search("deck:alpha"))}
    assert items["a-receptor"].question == "Which receptor does psilocybin act on?"
    assert items["a-integration"].question == "What is integration after a session?"
    assert items["a-receptor"].deck == "Alpha mechanisms"
    assert items["a-receptor"].state == "new" and items["a-receptor"].due is None
    cloze = [i for i in search.items(search.search("deck:alpha")) if i.note_id == "a-cloze"]
    assert {c.question for c in cloze} == {
        "[...] is the active metabolite of psilocybin.",
        "Psilocin is the active metabolite of [a prodrug].",
    }


def test_a_malformed_query_raises_search_error(search: CardSearch) -> None:
    with pytest.raises(SearchError, match="did you mean 'deck'"):
        search.search("dek:x")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("prop:due<-99999999999999", "prop:due at column 1: -99999999999999 days is out of range"),
        ("prop:due=9999999999", "prop:due at column 1: 9999999999 days is out of range"),
        ("prop:due>99999999", "prop:due at column 1: 99999999 days is out of range"),
        ("prop:ivl>99999999999999999999", "prop:ivl at column 1: 99999999999999999999 days"),
        ("prop:lapses>99999999999999999999", "prop:lapses at column 1: 99999999999999999999 is"),
        ("prop:reps<99999999999999999999", "prop:reps at column 1: 99999999999999999999 is"),
        ("rated:3650000", "rated:3650000 at column 1: the number of days must be 1 to 36500"),
    ],
)
def test_a_number_out_of_range_is_a_search_error_not_a_crash(
    search: CardSearch, query: str, message: str
) -> None:
    """Numbers too large for a date or for SQLite were an OverflowError (a traceback from
    ``studyapp search``, an exception in the browser): they are one sentence, as any other
    malformed query."""
    with pytest.raises(SearchError) as caught:
        search.search(query)
    assert str(caught.value).startswith(message), str(caught.value)
    for edge in ("prop:due<-36500", "prop:due>36500", "prop:ivl>36500", "prop:lapses>1000000"):
        search.search(edge)  # the widest values allowed still run


def test_plain_text_and_documents() -> None:
    assert plain_text("a <b>bold</b> p < 0.05 &amp; more") == "a bold p < 0.05 & more"
    assert plain_text("5-HT<sub>2A</sub><br>next<li>item") == "5-HT2A next item"
    source = DocumentSource(
        1, "reversed", "rev", "Front", "Back", "", "Extra", "Fix", "mine", "", "", "", None, 0, 0
    )
    assert card_document(source) == ("Back", "Front", "Extra Fix", "mine")


def test_search_on_a_later_study_day(search: CardSearch, store: Library, clock: Clock) -> None:
    ids = card_ids(store)
    now = int(T0.timestamp())
    execute(
        store,
        "UPDATE card SET queue = 2, stability = 5, last_review = :l, due = :d WHERE id = :id",
        l=now,
        d=now + 2 * 86400,
        id=ids["b-accent/fwd"],
    )
    assert found(search, store, "is:due") == set()
    clock.now = T0 + timedelta(days=2)
    assert found(search, store, "is:due") == {"b-accent/fwd"}
    assert found(search, store, "prop:due=0") == {"b-accent/fwd"}


def test_the_index_is_built_in_chunks_each_committed(store: Library) -> None:
    import sqlite3

    from studyapp.store import search as store_search

    db = sqlite3.connect(store.engine.url.database or "")
    try:
        assert not store_search.index_is_current(db)
        assert store_search.update_index(db, card_document, chunk=3) == len(ALL)
        assert store_search.index_is_current(db)
        assert db.execute("SELECT count(*) FROM card_text").fetchone() == (len(ALL),)
        assert store_search.update_index(db, card_document, chunk=3) == 0
    finally:
        db.close()


@pytest.mark.parametrize("keep_index", [True, False])
def test_a_sync_that_leaves_the_catch_up_to_its_caller(
    library: Library, course: Path, clock: Clock, keep_index: bool
) -> None:
    """``sync(keep_index=False)`` (File > Add deck folder) writes the cards and leaves the
    index behind them; every search still finds them (a writer's search brings the index
    current first), and ``keep_index_current`` gives the very index an in-sync catch-up
    (``keep_index=True``, every other writer) gives."""
    import sqlite3

    from studyapp.store import search as store_search

    library.card_search(clock=clock).update_index()  # as the window's start-up leaves it
    assert library.sync([course], keep_index=keep_index).ok

    def state() -> tuple[bool, list[tuple[object, ...]]]:
        db = sqlite3.connect(library.engine.url.database or "")
        try:
            return (
                store_search.index_is_current(db),
                db.execute("SELECT rowid, * FROM card_text ORDER BY rowid").fetchall(),
            )
        finally:
            db.close()

    current, texts = state()
    assert current is keep_index
    assert len(texts) == (len(ALL) if keep_index else 0)
    library.keep_index_current()
    current, texts = state()
    assert current and len(texts) == len(ALL)
    search = library.card_search(clock=clock)
    assert found(search, library, "psilocybin") == {"a-receptor/fwd", "a-cloze/c1", "a-cloze/c2"}
    assert found(search, library, "") == ALL


def test_a_search_before_the_deferred_catch_up_is_current(
    library: Library, course: Path, clock: Clock
) -> None:
    """Between ``sync(keep_index=False)`` and the catch-up, a writer's search and a
    reader's (a read-only library: a private copy) both find the new cards."""
    library.card_search(clock=clock).update_index()
    assert library.sync([course], keep_index=False).ok
    reader = Library(library.data_dir, read_only=True)
    try:
        assert found(reader.card_search(clock=clock), reader, "psilocybin") == {
            "a-receptor/fwd",
            "a-cloze/c1",
            "a-cloze/c2",
        }
    finally:
        reader.close()
    assert found(library.card_search(clock=clock), library, "ayahuasca OR café") == {"b-accent/fwd"}


def test_a_store_without_an_index_is_known_so_without_the_search(store: Library) -> None:
    # A write asks studyapp.store.searchindex whether the store may have an index before
    # loading the search service to bring it current (issue 19): no index, no tables; the
    # whole index, all of them; an index missing one table is one keep_current leaves alone.
    import sqlite3

    from studyapp.store import search as store_search
    from studyapp.store.searchindex import may_have_index

    db = sqlite3.connect(store.engine.url.database or "")
    try:
        assert not may_have_index(db)
        assert store_search.keep_current(db, card_document) == 0
        store_search.update_index(db, card_document)
        db.commit()
        assert may_have_index(db)
        db.execute("DROP TABLE card_text_pending")
        db.commit()
        assert not may_have_index(db)
        assert store_search.keep_current(db, card_document) == 0
    finally:
        db.close()


def test_a_first_import_never_loads_the_search(tmp_path: Path, course: Path) -> None:
    # Nothing to bring current in a new store: the search service and its imports (the
    # grammar, the renderer, the scheduler: 18-19 ms of CPU) are not loaded by the import.

    search = ("studyapp.services.search", "studyapp.store.search", "studyapp.core.search")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from studyapp.services.library import Library\n"
        f"library = Library(Path({str(tmp_path / 'data')!r}))\n"
        f"plan = library.sync([Path({str(course)!r})])\n"
        f"print(plan.ok, len(plan.new) > 0, *(m in sys.modules for m in {search!r}))\n"
        "library.close()\n"
    )
    run = fresh_python("-c", script)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True", "False", "False", "False"], run.stdout


def test_is_due_alone_keeps_its_cards_and_their_order(search: CardSearch, store: Library) -> None:
    """``is:due`` on its own is answered from the (retired, queue, due) index with the
    suspended and buried cards read from their partial indexes: the same cards, in the
    same order (due time, ties by card id), as the checks on each card's row."""
    ids = card_ids(store)
    now = int(T0.timestamp())
    states = {
        # name: (queue, due offset, retired, suspended, buried_until offset or None)
        "a-receptor/fwd": (2, -3600, 0, 0, None),
        "a-integration/fwd": (1, 600, 0, 0, None),
        "a-cloze/c1": (3, -3600, 0, 0, None),  # the same due time as a-receptor/fwd
        "a-cloze/c2": (2, -7200, 1, 0, None),  # retired
        "a-dmn/fwd": (2, -100, 0, 1, None),  # suspended
        "a-dmn/rev": (2, -50, 0, 0, 86400),  # buried until tomorrow
        "b-consent/fwd": (2, -5000, 0, 0, -10),  # was buried until a moment ago
        "b-accent/fwd": (2, 2 * 86400, 0, 0, None),  # due in two days
    }
    for name, (queue, due, retired, suspended, buried) in states.items():
        execute(
            store,
            "UPDATE card SET queue = :q, stability = 3, last_review = :last, due = :due, "
            "retired = :r, suspended = :s, buried_until = :b WHERE id = :id",
            q=queue,
            last=now - 86400,
            due=now + due,
            r=retired,
            s=suspended,
            b=0 if buried is None else now + buried,
            id=ids[name],
        )
    tied = sorted((ids["a-receptor/fwd"], ids["a-cloze/c1"]))
    expected = [ids["b-consent/fwd"], *tied, ids["a-integration/fwd"]]
    assert search.search("is:due") == expected
    assert search.search("is:due", descending=True) == expected[::-1]
    assert search.count("is:due") == 4
    # the general compilation (is:due beside another term) agrees
    assert search.search("is:due -is:new") == expected


def test_a_rows_question_is_the_question_side_of_the_whole_card_rendered(
    store: Library, course: Path
) -> None:
    """The browser's rows render the question side alone (render_question): for every card
    of the store (the bundled courses' and these: basic, reversed, cloze, citations,
    markup) it is what rendering the whole card gives as its question."""
    from studyapp.services.paths import bundled_decks_dir
    from studyapp.services.render import CitationIndex, render_card, render_question
    from studyapp.store import queries
    from studyapp.store import search as store_search
    from studyapp.store.database import pooled_connection

    assert store.sync([course, bundled_decks_dir()]).ok
    with pooled_connection(store.engine) as db:
        ids = [r[0] for r in db.execute("SELECT id FROM card")]
        rows = store_search.browser_rows(db, ids)
        citations = CitationIndex(queries.sources(db))
    kinds = {(r.kind, r.key if r.kind != "cloze" else "c") for r in rows.values()}
    assert {("basic", "fwd"), ("reversed", "rev"), ("cloze", "c")} <= kinds, kinds
    assert len(rows) > 100
    for row in rows.values():
        kind, key, front, back, text = row.kind, row.key, row.front, row.back, row.text
        whole = render_card(
            kind=kind,
            key=key,
            front=front,
            back=back,
            text=text,
            extra="",
            correction="",
            citations=citations,
        )
        alone = render_question(
            kind=kind, key=key, front=front, back=back, text=text, citations=citations
        )
        assert alone == whole.question, row.card_id


def test_the_deck_label_drops_the_family_name_as_the_overview_does(
    library: Library, course: Path, clock: Clock
) -> None:
    """The browser's label and sort by deck use the overview's rule
    (:func:`~studyapp.services.families.deck_title_in_family`): 'Therapy process: …' of
    family ``process`` (titled 'Therapy process') kept its prefix in the browser, whose SQL
    matched the family's id only, and sorted after 'Beta safety' ('Aftercare' comes first)."""
    alpha = course / "alpha.yaml"
    alpha.write_text(
        ALPHA.replace("title: Alpha mechanisms", "title: 'Therapy process: aftercare'").replace(
            "family: mechanisms", "family: process"
        ),
        encoding="utf-8",
    )
    assert library.sync([course]).ok
    search = CardSearch(library.engine, library.settings, clock=clock)
    ids = search.search("", sort="deck")
    labels = [item.deck_label for item in search.items(ids)]
    assert labels == ["Aftercare"] * 6 + ["Beta safety"] * 2
    assert search.search("", sort="deck", descending=True) == ids[::-1]
    results = search.results("", sort="deck", first=3)
    results.ensure(len(ids))
    assert results.loaded == ids
    overview = library.overview(clock())
    shown = {d.id: d.title_in_family for f in overview.families for d in f.decks}
    assert shown["alpha"] == "Aftercare"
