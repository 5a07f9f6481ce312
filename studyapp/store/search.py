"""Card search in SQL: the full-text index, and a search tree compiled to a query.

The full-text index (``card_text``, SQLite FTS5) holds one row per card, its rowid the
card's id: the question, the answer and the explanation as plain text, the trainee's own
note, and the card's labels (tags, sources and marks, :func:`_label_tokens`). It is a
derived index, created by the first :func:`update_index` (a writer's: the window after a
deck update, or a search made with the data folder's lock), so a first import costs nothing
extra (200,000 cards would otherwise spend seconds indexing text nobody may
search). Once it exists, writers keep it current (:func:`keep_current`, after a sync and a
note edit). Two things make it stale, and both are cheap to record: cards added since the
last update (card ids only grow, so a high-water mark finds them) and notes whose text
changed (triggers on ``note`` and ``user_note`` list them in ``card_text_pending``).

A reader (``studyapp search`` while the app holds the lock) never writes the store: when the
index is missing or stale it searches a current private copy made in its connection's
temporary schema (:func:`private_index`), never stale results.

:func:`compile_search` turns a tree of :mod:`studyapp.core.search` into a WHERE clause over
``card c``; :func:`search_ids` runs it with an ORDER BY and returns the matching card ids.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import orjson

from studyapp.core.model import Queue
from studyapp.core.search import (
    And,
    Field,
    Flag,
    Module,
    Node,
    Not,
    Or,
    Prop,
    Rated,
    State,
    Text,
)
from studyapp.store.searchindex import INDEX_TABLES

__all__ = [
    "SORTS",
    "WALK_DUE_FROM",
    "BrowserRow",
    "DocumentSource",
    "SearchContext",
    "SortKey",
    "browser_rows",
    "compile_search",
    "count_ids",
    "current_index",
    "drop_index",
    "index_is_current",
    "keep_current",
    "page_ids",
    "pages_well",
    "private_index",
    "rank_of",
    "register_functions",
    "search_ids",
    "update_index",
]

_WATCHED_NOTE_COLUMNS = (
    "kind",
    "front",
    "back",
    "text",
    "extra",
    "correction",
    "tags",
    "sources",
    "cites",
    "module",
    "critical",
    "sensitive",
)
"""The note columns the index is made from: a change to any of them re-indexes the note."""

_TRIGGERS = {
    "card_text_note_changed": (
        "CREATE TRIGGER card_text_note_changed AFTER UPDATE ON note WHEN "
        + " OR ".join(f"old.{c} IS NOT new.{c}" for c in _WATCHED_NOTE_COLUMNS)
        + " BEGIN INSERT INTO card_text_pending (note_id) VALUES (new.id); END"
    ),
    "card_text_user_note_added": (
        "CREATE TRIGGER card_text_user_note_added AFTER INSERT ON user_note "
        "BEGIN INSERT INTO card_text_pending (note_id) VALUES (new.note_id); END"
    ),
    "card_text_user_note_changed": (
        "CREATE TRIGGER card_text_user_note_changed AFTER UPDATE ON user_note "
        "BEGIN INSERT INTO card_text_pending (note_id) VALUES (new.note_id); "
        "INSERT INTO card_text_pending (note_id) VALUES (old.note_id); END"
    ),
    "card_text_user_note_removed": (
        "CREATE TRIGGER card_text_user_note_removed AFTER DELETE ON user_note "
        "BEGIN INSERT INTO card_text_pending (note_id) VALUES (old.note_id); END"
    ),
}
_TABLES = (
    # One row per card: its words, unicode61 with diacritics removed ("MDMA-assisted" is two
    # words, "é" is "e"), and its labels (:func:`_label_tokens`): a tag, a source id or a mark
    # ("critical", "sensitive", "module_N") is one token, marked so that no word matches it.
    "CREATE VIRTUAL TABLE card_text USING fts5(question, answer, explanation, notes, tags, "
    "sources, marks, tokenize = 'unicode61 remove_diacritics 2')",
    # No unique key: a trigger's INSERT OR IGNORE would take the conflict handling of the
    # statement that fires it (an upsert's is ABORT). Repeats are read once.
    "CREATE TABLE card_text_pending (note_id TEXT NOT NULL)",
    "CREATE TABLE card_text_mark (id INTEGER PRIMARY KEY CHECK (id = 0), last_card INTEGER "
    "NOT NULL)",
)
_LEGACY_TABLES = ("card_facet",)
"""Tables of an earlier layout of the index, dropped with it: the labels had a full-text
table of their own (``card_facet``) until a search with words and a negated label
(benchmarks/steering.py's combined query) was made one match (see :func:`_label_tokens`)."""
_INDEX_TABLES = INDEX_TABLES  # (defined where a write asks for it first)
_INDEX_OBJECTS = (*_INDEX_TABLES, *_TRIGGERS)


class DocumentSource(NamedTuple):
    """What a card's index row is made from."""

    card_id: int
    kind: str
    key: str
    front: str
    back: str
    text: str
    extra: str
    correction: str
    user_note: str
    tags: str
    sources: str
    cites: str
    module: int | None
    critical: int
    sensitive: int


Document = tuple[str, str, str, str]
"""(question, answer, explanation, notes) as plain text."""


def _index_state(db: sqlite3.Connection) -> tuple[bool, int]:
    """(whether the index and all its triggers exist in this layout, the last card id
    indexed). An index of an earlier layout (its ``card_text`` made by another statement)
    counts as missing: a writer makes it again, a reader searches a private copy."""
    marks = ", ".join("?" * len(_INDEX_OBJECTS))
    found = dict(
        db.execute(
            f"SELECT name, sql FROM sqlite_master WHERE name IN ({marks})", _INDEX_OBJECTS
        ).fetchall()
    )
    if set(found) != set(_INDEX_OBJECTS) or found["card_text"] != _TABLES[0]:
        return False, 0
    row = db.execute("SELECT last_card FROM card_text_mark WHERE id = 0").fetchone()
    return True, int(row[0]) if row else 0


def index_is_current(db: sqlite3.Connection) -> bool:
    """Whether every card is in the full-text index with its current text."""
    complete, mark = _index_state(db)
    if not complete:
        return False
    last = db.execute("SELECT max(id) FROM card").fetchone()[0] or 0
    pending = db.execute("SELECT 1 FROM card_text_pending LIMIT 1").fetchone()
    return mark >= last and pending is None


_SOURCE_SQL = (
    "SELECT c.id, n.kind, c.key, n.front, n.back, n.text, n.extra, n.correction, "
    "coalesce(u.text, ''), n.tags, n.sources, n.cites, n.module, n.critical, n.sensitive "
    "FROM card c JOIN note n ON n.id = c.note_id "
    "LEFT JOIN user_note u ON u.note_id = c.note_id "
)


_LABEL_MARK = "\ue000"
"""The private-use character every label's token starts with: a search's words never do,
so no word matches a label (the tokenizer keeps private-use characters in a token)."""
_LABEL_CHARS = (("-", "\ue001"), ("_", "\ue002"), (":", "\ue003"), (".", "\ue004"))
"""A label's own punctuation as private-use characters: the tokenizer splits words at "-",
"_", ":" and ".", and "ethics::consent" stays one token."""
_LABEL_SEPARATOR = " " + _LABEL_MARK


def _private_punctuation(text: str) -> str:
    """``text`` with a label's punctuation as private-use characters (:data:`_LABEL_CHARS`)."""
    for char, private in _LABEL_CHARS:
        if char in text:
            text = text.replace(char, private)
    return text


def _label_tokens(labels: str) -> str:
    """A space-separated list of labels (tags, source ids, marks) as the index holds them:
    each one token, :data:`_LABEL_MARK` and the label with its punctuation replaced
    (:data:`_LABEL_CHARS`). A label is found by its whole token (``tags : "\ue000safety"``),
    the labels starting with one by a prefix (``tags : "\ue000safety\ue003\ue003"*``).

    Words and labels are one full-text table, so a search with words and labels side by
    side (``receptor -tag:safety``) is one match, the labels' cards taken out by the index
    itself rather than by a list of them made and probed for each matching card.
    benchmarks/steering.py's combined query ("receptor (is:due or is:review) -tag:safety
    -is:suspended", 27,142 of 200,045 cards), ``CardSearch.results`` (callgrind, one call):
    315.7 -> 234.5 M instructions; thread CPU 24.1 -> 19.6 ms (medians of 7 interleaved
    runs of 7, spreads 23.6-25.4 and 18.7-19.8, load ~1). The index is built in 2.66 s of
    CPU against 2.51 for the two tables it replaces (3 pairs, load ~1)."""
    words = _private_punctuation(labels).split()
    return _LABEL_MARK + _LABEL_SEPARATOR.join(words) if words else ""


def _facets(source: DocumentSource) -> tuple[str, str, str]:
    marks = []
    if source.critical:
        marks.append("critical")
    if source.sensitive:
        marks.append("sensitive")
    if source.module is not None:
        marks.append(f"module_{source.module}")
    sources = f"{source.sources} {source.cites}" if source.cites else source.sources
    return _label_tokens(source.tags), _label_tokens(sources), _label_tokens(" ".join(marks))


def _insert_documents(
    db: sqlite3.Connection,
    rows: Iterable[tuple[Any, ...]],
    document: Callable[[DocumentSource], Document],
    batch: int,
) -> int:
    count = 0
    texts: list[tuple[Any, ...]] = []

    def flush() -> None:
        db.executemany(
            "INSERT INTO card_text (rowid, question, answer, explanation, notes, tags, "
            "sources, marks) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            texts,
        )
        texts.clear()

    for row in rows:
        source = DocumentSource(*row)
        texts.append((source.card_id, *document(source), *_facets(source)))
        count += 1
        if len(texts) >= batch:
            flush()
    if texts:
        flush()
    return count


def update_index(
    db: sqlite3.Connection,
    document: Callable[[DocumentSource], Document],
    *,
    chunk: int = 5000,
) -> int:
    """Bring the full-text index up to date; returns how many cards were (re)indexed.
    ``document`` makes a card's plain-text row.

    Creates the index (and indexes every card) if it is missing, or if one of its triggers
    is (a table rebuild drops its triggers, and changes made since are not recorded). Works
    in write transactions of at most ``chunk`` new cards each, so building the index of a
    large store in the background never holds the write lock for long: an answer waits for
    one chunk at most (about 0.1 s).
    """
    count = 0
    while True:
        db.execute("BEGIN IMMEDIATE")
        try:
            indexed, done = _update_step(db, document, chunk)
        except BaseException:
            db.rollback()
            raise
        db.commit()
        count += indexed
        if done:
            return count


def drop_index(db: sqlite3.Connection) -> None:
    """Drop the full-text index, its triggers and tables (from a backup: it is derived from
    the cards and notes, half a backup's size, and made again when first needed)."""
    for name in _TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name in (*_INDEX_TABLES, *_LEGACY_TABLES):
        db.execute(f"DROP TABLE IF EXISTS {name}")


def keep_current(db: sqlite3.Connection, document: Callable[[DocumentSource], Document]) -> int:
    """After a write: bring the index up to date if there is one (a store never searched
    has none, and gets none here); returns the cards (re)indexed."""
    complete, _mark = _index_state(db)
    if not complete or index_is_current(db):
        return 0
    return update_index(db, document)


@contextmanager
def current_index(
    db: sqlite3.Connection, document: Callable[[DocumentSource], Document]
) -> Iterator[None]:
    """A current full-text index for the block: the store's, which a writer brings up to
    date first; a reader (its connection refuses writes) that finds it missing or stale
    searches a private current copy instead (:func:`private_index`)."""
    if index_is_current(db):
        yield
    elif db.execute("PRAGMA query_only").fetchone()[0]:
        with private_index(db, document):
            yield
    else:
        update_index(db, document)
        yield


@contextmanager
def private_index(
    db: sqlite3.Connection, document: Callable[[DocumentSource], Document]
) -> Iterator[int]:
    """For a reader: a current copy of the index in ``db``'s temporary schema for the
    block (``card_text`` there hides the store's own), made from the
    store's index where it is current and from the cards' text where it is not (or all of
    it, if the store has none). Yields the cards indexed from their text.

    The store itself is not written: a reader's connection refuses writes
    (``PRAGMA query_only``), which SQLite applies to the temporary schema too, so that is
    lifted for the block and restored after, with the copy dropped.
    """
    query_only = db.execute("PRAGMA query_only").fetchone()[0]
    db.execute("PRAGMA query_only=OFF")
    try:
        complete, mark = _index_state(db)
        db.execute("BEGIN")
        try:
            db.execute(_TABLES[0].replace("CREATE VIRTUAL TABLE ", "CREATE VIRTUAL TABLE temp."))
            stale = (
                "SELECT id FROM card WHERE note_id IN (SELECT note_id FROM main.card_text_pending)"
            )
            if complete:
                columns = "question, answer, explanation, notes, tags, sources, marks"
                db.execute(
                    f"INSERT INTO temp.card_text (rowid, {columns}) SELECT rowid, {columns} "
                    f"FROM main.card_text WHERE rowid <= ? AND rowid NOT IN ({stale})",
                    (mark,),
                )
                rows = db.execute(
                    _SOURCE_SQL + f"WHERE c.id > ? OR c.id IN ({stale})", (mark,)
                ).fetchall()
            else:
                rows = db.execute(_SOURCE_SQL).fetchall()
            indexed = _insert_documents(db, rows, document, 2000)
        except BaseException:
            db.rollback()
            raise
        db.commit()
        yield indexed
    finally:
        if db.in_transaction:
            db.rollback()
        db.execute("DROP TABLE IF EXISTS temp.card_text")
        if query_only:
            db.execute("PRAGMA query_only=ON")


def _update_step(
    db: sqlite3.Connection, document: Callable[[DocumentSource], Document], chunk: int
) -> tuple[int, bool]:
    """One transaction of :func:`update_index`: (cards indexed, whether the index is done)."""
    complete, mark = _index_state(db)
    if not complete:
        for name in (*_INDEX_TABLES, *_LEGACY_TABLES):
            db.execute(f"DROP TABLE IF EXISTS {name}")
        for name in _TRIGGERS:
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
        for sql in (*_TABLES, *_TRIGGERS.values()):
            db.execute(sql)
        db.execute("INSERT INTO card_text_mark (id, last_card) VALUES (0, 0)")
        mark = 0
    count = 0
    pending = [
        note_id for (note_id,) in db.execute("SELECT DISTINCT note_id FROM card_text_pending")
    ]
    for start in range(0, len(pending), 500):
        notes = pending[start : start + 500]
        marks = ", ".join("?" * len(notes))
        db.execute(
            "DELETE FROM card_text WHERE rowid IN (SELECT id FROM card WHERE note_id IN "
            f"({marks}) AND id <= ?)",
            (*notes, mark),
        )
        rows = db.execute(
            _SOURCE_SQL + f"WHERE c.note_id IN ({marks}) AND c.id <= ?", (*notes, mark)
        ).fetchall()
        count += _insert_documents(db, rows, document, 2000)
    if pending:
        db.execute("DELETE FROM card_text_pending")
    rows = db.execute(
        _SOURCE_SQL + "WHERE c.id > ? ORDER BY c.id LIMIT ?", (mark, chunk)
    ).fetchall()
    if rows:
        count += _insert_documents(db, rows, document, 2000)
        db.execute("UPDATE card_text_mark SET last_card = ? WHERE id = 0", (rows[-1][0],))
    return count, len(rows) < chunk


# -- compiling a search ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SearchContext:
    """The moment a search is made at, in the study day's terms.

    Attributes:
        now: epoch seconds.
        day_starts: the start (epoch seconds) of the study day ``n`` days from today, for n
            from -36500 to 36500 (0 is today): ``prop:due`` and ``rated:`` count in study
            days, whose length changes with daylight saving.
        deck_places: each deck's place (by deck id, from 0) in the browser's Deck column's
            order, asked for by a sort by deck only. The services rank the decks by the label
            the column shows (the rule that drops a family's name is theirs: the store does
            not know the families' titles) and read them from the store at each call, so
            the order is never older than the statement it sorts.
    """

    now: int
    day_starts: Callable[[int], int]
    deck_places: Callable[[], Mapping[str, int]]


def _like(value: str) -> str:
    """A LIKE pattern for a search value: ``*`` matches any run, everything else literally."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def _fts_word(word: str) -> str:
    return '"' + word.replace('"', '""') + '"*'


def _fts_phrase(phrase: str) -> str:
    return '"' + phrase.replace('"', '""') + '"'


def _fts_text(node: Text) -> str:
    return _fts_phrase(node.text) if node.phrase else _fts_word(node.text)


@lru_cache(maxsize=64)
def _word_pattern(pattern: str, children: bool) -> re.Pattern[str]:
    body = ".*".join(re.escape(part) for part in pattern.lower().split("*"))
    tail = "(?:::.*)?" if children else ""
    return re.compile(f"(?:^|\\s)(?:{body}{tail})(?:\\s|$)", re.IGNORECASE)


def _has_word(words: str | None, pattern: str, children: int) -> int:
    """SQL function: whether a space-separated list holds a word matching ``pattern``."""
    return 1 if words and _word_pattern(pattern, bool(children)).search(words) else 0


def register_functions(
    db: sqlite3.Connection,
    retrievability: Callable[[float, float | None, int | None, int], float | None],
) -> None:
    """Make the functions compiled searches call available on ``db``.

    ``retrievability(stability, difficulty, last_review, due)`` is the probability of recall
    at the search's moment (bound by the caller): ``prop:r`` and the retrievability sort use
    the scheduler's one function through it, never a formula of their own.
    """

    def r(stability: float | None, difficulty: float | None, last: int | None, due: int) -> Any:
        if stability is None:
            return None
        return retrievability(stability, difficulty, last, due)

    db.create_function("studyapp_r", 4, r)
    db.create_function("studyapp_has_word", 3, _has_word, deterministic=True)


_STUDIED = ", ".join(str(int(q)) for q in (Queue.LEARNING, Queue.REVIEW, Queue.RELEARNING))
"""The queues of cards that have a due time (every queue but new), for the queue index."""

_COMPARE = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "=", "!=": "!="}


def _label_phrase(label: str, *, prefix: bool = False) -> str:
    """An FTS5 string matching the label's token (:func:`_label_tokens`), or with ``prefix``
    every label's that starts with ``label``."""
    return _fts_phrase(_LABEL_MARK + _private_punctuation(label)) + ("*" if prefix else "")


def _fts_expression(node: Node) -> str | None:
    """The full-text query that finds exactly ``node``'s cards, when the index alone can
    (words, and the labels: a tag or source without a * before its end, a module, the
    course's marks); None otherwise."""
    if isinstance(node, Text):
        return _fts_text(node)
    if isinstance(node, Module):
        return f"marks : {_label_phrase(f'module_{node.number}')}"
    if isinstance(node, State) and node.name in ("critical", "sensitive"):
        return f"marks : {_label_phrase(node.name)}"
    if not isinstance(node, Field) or node.key not in ("tag", "source"):
        return None
    column = "tags" if node.key == "tag" else "sources"
    value = node.value
    body = value.rstrip("*")
    if "*" in body or not body.strip():
        return None
    # One label, or the labels starting with it (a trailing *); a tag also finds its
    # children (tag:ethics finds ethics::consent), as Anki's tag search does.
    if value.endswith("*"):
        return f"{column} : {_label_phrase(body, prefix=True)}"
    expression = f"{column} : {_label_phrase(body)}"
    if node.key == "tag":
        expression += f" OR {column} : {_label_phrase(body + '::', prefix=True)}"
    return expression


_COLUMN, _COMPOUND, _MEMBERSHIP, _CALL = range(4)
"""What testing a term costs a card, cheapest first (:func:`_cost`)."""
_ONE_COLUMN_STATES = {"new", "learning", "review", "suspended", "retired", "leech", "flagged"}


def _cost(node: Node) -> int:
    """How dear ``node`` is to test on one card row: a column compared (``is:review``), a few
    columns (``is:due``), a card looked up in a list a subquery made (words, labels, decks,
    answers), or a Python function called (``prop:r``, a label with a * inside).

    An "or" tests its cheapest alternative first. benchmarks/steering.py's combined query
    ("receptor (is:due or is:review) -tag:safety -is:suspended", 27,142 of 200,045 cards):
    ``is:review`` first holds for most of the word's studied cards before ``is:due``'s six
    tests run. ``CardSearch.results``: 234.5 -> 223.2 M instructions a call (callgrind);
    thread CPU 19.1 -> 17.8 ms (medians of 7 interleaved pairs of 7 runs, spreads 18.5-20.1
    and 17.5-19.0, load 1.6-2.7); free text and ``is:due`` unchanged (8.3 / 8.3, 11.0 /
    11.0 ms)."""
    if isinstance(node, (And, Or)):
        return max(map(_cost, node.nodes), default=_COLUMN)
    if isinstance(node, Not):
        return _cost(node.node)
    if isinstance(node, State):
        if node.name in _ONE_COLUMN_STATES:
            return _COLUMN
        return _COMPOUND if node.name in ("due", "buried") else _MEMBERSHIP
    if isinstance(node, Flag):
        return _COLUMN
    if isinstance(node, Prop):
        if node.name in ("lapses", "reps"):
            return _COLUMN
        return _CALL if node.name == "r" else _COMPOUND
    if isinstance(node, Field) and node.key in ("tag", "source") and _fts_expression(node) is None:
        return _CALL
    return _MEMBERSHIP  # words, labels, deck:, family:, module:, rated:


_INDEX_MEMBERSHIP = re.compile(r"c\.id IN \(SELECT rowid FROM card_text WHERE card_text MATCH \?\)")
"""A card's membership in the full-text index's matches (:meth:`_Compiler._match`): never
NULL, as neither a card's id nor the index's rowid is."""


def _negated(condition: str) -> str:
    """``NOT (condition)``; a card outside a full-text index's matches as a CASE.

    SQLite's ``NOT (x IN (subquery))`` must tell "not in" from NULL, which it does by
    rewinding the subquery's ephemeral index and reading its first entry for every row not
    in it; a CASE treats NULL as "not in" and skips that. Never NULL here
    (:data:`_INDEX_MEMBERSHIP`), so the same cards: benchmarks/steering.py's combined query
    ("receptor (is:due or is:review) -tag:safety -is:suspended", 27,485 of 200,000 cards),
    Ir in sqlite3_step 323.1 -> 309.5 M sorted whole, 256.8 -> 243.2 M counted (callgrind),
    when its label was such a list; beside a word a negated label is now part of the match
    (:func:`_index_match`), and the CASE is for one with no word or label beside it
    (``is:review -tag:safety``).
    """
    if _INDEX_MEMBERSHIP.fullmatch(condition):
        return f"CASE WHEN {condition} THEN 0 ELSE 1 END"
    return f"NOT ({condition})"


class _Compiler:
    def __init__(self, context: SearchContext) -> None:
        self.context = context
        self.params: list[Any] = []

    def bind(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    def compile(self, node: Node) -> str:
        if isinstance(node, And):
            return self._group(node.nodes, "AND")
        if isinstance(node, Or):
            return self._group(node.nodes, "OR")
        if isinstance(node, Not):
            return _negated(self.compile(node.node))
        indexed = _fts_expression(node)
        if indexed is not None:
            return self._match(indexed)
        if isinstance(node, Field):
            return self._field(node)
        if isinstance(node, State):
            return self._state(node.name)
        if isinstance(node, Flag):
            if node.number == 0:
                return "c.flag = 0"
            return f"(c.flag > 0 AND c.flag = {self.bind(node.number)})"
        if isinstance(node, Prop):
            return self._prop(node)
        if isinstance(node, Rated):
            return self._rated(node)
        raise TypeError(f"not a search node: {node!r}")  # pragma: no cover

    def _match(self, expression: str) -> str:
        return (
            f"c.id IN (SELECT rowid FROM card_text WHERE card_text MATCH {self.bind(expression)})"
        )

    def _group(self, nodes: Sequence[Node], joiner: str) -> str:
        if not nodes:
            return "1" if joiner == "AND" else "0"
        # Words and labels side by side (or joined by "or") become one full-text query, not
        # one set of matching cards per term.
        expressions = [(n, _fts_expression(n)) for n in nodes]
        indexed = [e for _, e in expressions if e is not None]
        others = [n for n, e in expressions if e is None]
        match = f" {joiner} ".join(f"({e})" for e in indexed)
        if joiner == "AND":
            parts = [self._match(match)] if indexed else []
            parts.extend(self.compile(n) for n in others)
        else:
            # SQLite tests the alternatives in the order written and stops at the first
            # that holds: the cheapest first (:func:`_cost`), compiled in that order (the
            # parameters are bound as each is compiled).
            ranked = sorted(others, key=_cost)
            parts = [self.compile(n) for n in ranked if _cost(n) < _MEMBERSHIP]
            if indexed:
                parts.append(self._match(match))
            parts.extend(self.compile(n) for n in ranked if _cost(n) >= _MEMBERSHIP)
        return parts[0] if len(parts) == 1 else "(" + f" {joiner} ".join(parts) + ")"

    def _field(self, node: Field) -> str:
        value = node.value
        if node.key == "deck":
            pattern = self.bind(_like(value))
            again = self.bind(_like(value))
            return (
                "c.deck_id IN (SELECT id FROM deck WHERE id LIKE "
                f"{pattern} ESCAPE '\\' OR title LIKE {again} ESCAPE '\\')"
            )
        if node.key == "family":
            return (
                "c.deck_id IN (SELECT id FROM deck WHERE family LIKE "
                f"{self.bind(_like(value))} ESCAPE '\\')"
            )
        # A * inside a tag or source (a label with a * only at its end is the index's,
        # :func:`_fts_expression`): every card's labels are checked (slower, rarely needed).
        check = f"studyapp_has_word({{}}, {self.bind(value)}, {int(node.key == 'tag')})"
        if node.key == "tag":
            return f"c.note_id IN (SELECT id FROM note WHERE {check.format('tags')})"
        return (
            f"c.note_id IN (SELECT id FROM note WHERE {check.format('sources')} OR "
            f"studyapp_has_word(cites, {self.bind(value)}, 0))"
        )

    def _state(self, name: str) -> str:
        now = self.context.now
        if name == "new":
            return f"c.queue = {int(Queue.NEW)}"
        if name == "learning":
            return f"c.queue IN ({int(Queue.LEARNING)}, {int(Queue.RELEARNING)})"
        if name == "review":
            return f"c.queue IN ({int(Queue.REVIEW)}, {int(Queue.RELEARNING)})"
        if name == "due":
            # As the study queues see it: learning and review cards due before the end of
            # today, not retired, suspended or buried.
            # "due > 0": only new cards have due 0; saying so keeps them out of the range a
            # search walks on the index on due (half of all cards, in a young collection).
            return (
                f"(c.due > 0 AND c.due < {self.bind(self.context.day_starts(1))} AND "
                f"c.queue IN ({_STUDIED}) AND c.retired = 0 AND c.suspended = 0 AND "
                f"c.buried_until <= {self.bind(now)})"
            )
        if name == "suspended":
            return "c.suspended = 1"
        if name == "buried":
            # "> 0" as well: the partial index on buried cards is only used when the query
            # says so literally (the same for flags).
            return f"(c.buried_until > 0 AND c.buried_until > {self.bind(now)})"
        if name == "retired":
            return "c.retired = 1"
        if name == "leech":
            return "c.leech = 1"
        if name == "flagged":
            return "c.flag > 0"
        raise ValueError(f"unknown state {name!r}")  # pragma: no cover (the parser checks)

    def _prop(self, node: Prop) -> str:
        op = _COMPARE[node.op]
        if node.name in ("lapses", "reps"):
            return f"c.{node.name} {op} {self.bind(int(node.value))}"
        if node.name == "ivl":
            # Anki's ivl: the scheduled interval in days of a review card (kept through
            # relearning).
            return (
                f"(c.queue IN ({int(Queue.REVIEW)}, {int(Queue.RELEARNING)}) "
                f"AND c.interval {op} {self.bind(int(node.value))})"
            )
        if node.name == "r":
            return (
                f"(c.queue != {int(Queue.NEW)} AND c.stability IS NOT NULL AND "
                "studyapp_r(c.stability, c.difficulty, c.last_review, c.due) "
                f"{op} {self.bind(node.value)})"
            )
        # due: the study day the card falls due on, counted from today (0), as a range of
        # due times, so the index on due can answer it.
        days = int(node.value)
        start = self.context.day_starts(days)
        end = self.context.day_starts(days + 1)
        if op == "<":
            condition = f"c.due < {self.bind(start)}"
        elif op == "<=":
            condition = f"c.due < {self.bind(end)}"
        elif op == ">":
            condition = f"c.due >= {self.bind(end)}"
        elif op == ">=":
            condition = f"c.due >= {self.bind(start)}"
        else:
            inside = f"(c.due >= {self.bind(start)} AND c.due < {self.bind(end)})"
            condition = inside if op == "=" else f"NOT {inside}"
        return f"(c.due > 0 AND c.queue IN ({_STUDIED}) AND {condition})"

    def _rated(self, node: Rated) -> str:
        since_ms = self.context.day_starts(1 - node.days) * 1000
        sql = f"c.id IN (SELECT card_id FROM review WHERE reviewed_at >= {self.bind(since_ms)}"
        if node.rating is not None:
            sql += f" AND rating = {self.bind(node.rating)}"
        return sql + " AND kind IN (0, 1))"


_CARDS = "card c"
_MATCHED_CARDS = "card_text JOIN card c ON c.id = card_text.rowid"
_DUE_CARDS = "card c INDEXED BY ix_card_queue_due"
_DUE_WALK_CARDS = "card c INDEXED BY ix_card_due"


def _due_alone(context: SearchContext, params: list[Any]) -> str:
    """``is:due`` searched alone (its busiest case), from the (retired, queue, due) index.

    The same cards as :meth:`_Compiler._state`'s ``due`` (suspended is 0 or 1, and a
    card buried until after now is buried until after 0), tested without reading a card row:
    the rare suspended and buried cards are two small lists read from their partial
    indexes, and every other column the search needs (retired, queue, due, id) is in the
    index, so the sort by (due, id) is made from the index too (the walk on the index on due
    it replaces read each matching card's row to test queue, retired, suspended and buried).
    Measured at 200,000 cards with 33,129 due (benchmarks/steering.py's store just after the
    rollover), its ``measure_searches`` run from main and from this change alternately, 3
    rounds of 7 runs: median 49.3 -> 20.5 ms (rounds 48.0-52.6 -> 20.2-20.5 ms; CPU time
    the same), load 2.35-2.49 (busy); the raw query alone at load 1.1: 45.0 -> 19.2 ms.
    """
    params.extend((context.day_starts(1), context.now))
    return (
        f"(c.retired = 0 AND c.queue IN ({_STUDIED}) AND c.due > 0 AND c.due < ? AND "
        "c.id NOT IN (SELECT id FROM card WHERE suspended = 1) AND "
        "c.id NOT IN (SELECT id FROM card WHERE buried_until > 0 AND buried_until > ?))"
    )


def compile_search(
    node: Node, context: SearchContext, *, due_walk: bool = False
) -> tuple[str, str, list[Any]]:
    """``FROM`` and ``WHERE`` clauses for ``node`` (the cards are ``c``), and the parameters.

    Words at the top level (alone or side by side with other terms) drive the query from the
    full-text index: its matches are joined to their cards in rowid order, which is faster
    than a list of matching ids looked up one by one (a third, for a common word). With
    ``due_walk`` (a page sorted by due, see :func:`page_ids`) the cards come from the index
    on due instead, kept when among the words' matches.
    """
    compiler = _Compiler(context)
    if node == State("due"):
        return _DUE_CARDS, _due_alone(context, compiler.params), compiler.params
    match, rest = _index_match(node)
    if match is None:
        return _CARDS, compiler.compile(node), compiler.params
    words = compiler.bind(match)
    if due_walk and not rest:
        # Not with other terms: the walk meets every new card (due 0) first, and a term
        # new cards fail (is:review) makes it read each one's row for nothing.
        match_sql = f"c.id IN (SELECT rowid FROM card_text WHERE card_text MATCH {words})"
        return _DUE_WALK_CARDS, match_sql, compiler.params
    match_sql = f"card_text MATCH {words}"
    where = match_sql if not rest else f"{match_sql} AND {compiler.compile(And(tuple(rest)))}"
    return _MATCHED_CARDS, where, compiler.params


def _index_match(node: Node) -> tuple[str | None, list[Node]]:
    """The full-text query of the terms at ``node``'s top level the index can answer (words
    and labels, and such terms negated: one match, ``(a) AND (b) NOT ((c) OR (d))``), and
    the other terms; (None, every term) when no such term is positive (FTS5 has no match
    of everything but a term)."""
    parts: tuple[Node, ...] = node.nodes if isinstance(node, And) else (node,)
    found, left_out, rest = [], [], []
    for part in parts:
        expression = _fts_expression(part)
        negated = _fts_expression(part.node) if isinstance(part, Not) else None
        if expression is not None:
            found.append(expression)
        elif negated is not None:
            left_out.append(negated)
        else:
            rest.append(part)
    if not found:
        return None, list(parts)
    match = " AND ".join(f"({e})" for e in found)
    if left_out:
        match = f"({match}) NOT ({' OR '.join(f'({e})' for e in left_out)})"
    return match, rest


_DECK_JOIN = (
    " {} (SELECT d.id, p.value AS place FROM deck d JOIN json_each(?) p ON p.key = d.id "
    "LIMIT -1) d ON d.id = c.deck_id"
)
"""The decks with their place in the Deck column's order (:attr:`SearchContext.deck_places`,
one JSON parameter): the services rank the decks' labels, the store sorts by the place (a
sort by the label itself took 2.5x as long as by the title at 200,000 cards). ``LIMIT -1``
(no limit) keeps SQLite from flattening the subquery into the join: made once, it is looked
up by an automatic index, where flattened the JSON was walked again for every card (the
62,426 cards matching ``psilocybin`` sorted by deck: 1.75 s against 0.08 s). Read from the
deck table, SQLite plans it as it did the ranked decks it replaces (all cards by deck
0.13 s, ``deck:bench-00*`` 13 ms; from the JSON alone 0.11 s and 49 ms)."""


def _deck_join(deck: bool, source: str, context: SearchContext) -> tuple[str, list[Any]]:
    """The join a sort by deck needs (:data:`_DECK_JOIN`) and its parameter; none else.

    From the index on due (``is:due`` alone) it is a CROSS JOIN, which keeps the cards the
    outer loop: SQLite put the decks first and walked the whole index for each of them,
    ``is:due`` sorted by deck took 16 s at 200,000 cards (0.13 s now)."""
    if not deck:
        return "", []
    join = _DECK_JOIN.format("CROSS JOIN" if source == _DUE_CARDS else "JOIN")
    return join, [orjson.dumps(dict(context.deck_places())).decode()]


_QUESTION = "(SELECT lower(question) FROM card_text WHERE rowid = c.id)"
"""The question as plain text (a cloze note's text with its answers), from the index."""
SORTS: dict[str, tuple[tuple[str, ...], bool]] = {
    # column -> (ORDER BY terms, joins deck)
    "question": ((_QUESTION,), False),
    # As the column reads (case aside), then in the order the cards were added: by each
    # deck's place (:data:`_DECK_JOIN`), not its label, which cost a string sort per card.
    "deck": (("d.place", "c.new_order"), True),
    # New cards (due 0) first in the order they were added, then by due time: the order of
    # the index on due, so the whole collection comes back without a sort.
    "due": (("c.due",), False),
    "interval": (
        (
            f"CASE WHEN c.queue IN ({int(Queue.REVIEW)}, {int(Queue.RELEARNING)}) "
            "THEN c.interval ELSE -1 END",
        ),
        False,
    ),
    "retrievability": (
        ("coalesce(studyapp_r(c.stability, c.difficulty, c.last_review, c.due), 2)",),
        False,
    ),
    "stability": (("coalesce(c.stability, -1)",), False),
    "lapses": (("c.lapses",), False),
    "reviews": (("c.reps",), False),
    "answered": (("coalesce(c.last_review, 0)",), False),
}
"""The orders a search can come back in (the browser's sortable columns)."""


def search_ids(
    db: sqlite3.Connection,
    node: Node,
    context: SearchContext,
    *,
    sort: str = "due",
    descending: bool = False,
) -> list[int]:
    """The ids of the cards matching ``node``, in ``sort`` order (ties by card id).

    The ids come back as one JSON array (decoded natively): 200,000 ids in ~20 ms, against
    ~60 ms for as many result rows.
    """
    source, where, params = compile_search(node, context)
    order, deck = SORTS[sort]
    joins, join_params = _deck_join(deck, source, context)
    params = [*join_params, *params]
    direction = " DESC" if descending else ""
    terms = ", ".join(f"{term}{direction}" for term in order)
    sql = (
        f"SELECT json_group_array(id) FROM (SELECT c.id FROM {source}{joins} WHERE {where} "
        f"ORDER BY {terms}, c.id{direction})"
    )
    value = db.execute(sql, params).fetchone()[0]
    return list(orjson.loads(value)) if value else []


def count_ids(db: sqlite3.Connection, node: Node, context: SearchContext) -> int:
    """How many cards match ``node``.

    Words and labels alone (negated labels beside them too, :func:`_index_match`) are
    counted in the full-text index without reading a card: it holds one row per card, its
    rowid the card's id, and cards are never deleted (a deck drops them by retiring them),
    so its matches are the cards' (``psilocybin``'s 62,426 of 200,000 cards: 28 -> 7.5 ms,
    the raw statement's median thread CPU of 9).
    """
    match, rest = _index_match(node)
    if match is not None and not rest:
        sql = "SELECT count(*) FROM card_text WHERE card_text MATCH ?"
        return int(db.execute(sql, (match,)).fetchone()[0])
    source, where, params = compile_search(node, context)
    return int(db.execute(f"SELECT count(*) FROM {source} WHERE {where}", params).fetchone()[0])


SortKey = tuple[Any, ...]
"""A card's place in a sort: the values of the sort's ORDER BY terms, then its id."""

WALK_DUE_FROM = 2000
"""From this many matches on, a page of a search with words sorted by due walks the index
on due and keeps the cards among the words' matches (see :func:`page_ids`)."""


def pages_well(node: Node) -> bool:
    """Whether a count and a first page of ``node``'s cards (:func:`count_ids`,
    :func:`page_ids`) cost less than all of them sorted (:func:`search_ids`).

    True for every card, ``is:due`` alone and what the full-text index answers alone (words
    and labels, :func:`_index_match`): each is counted from an index and its first page by
    due walks an index in order. Other queries read every matching
    card to count them and again to find the first page: the combined query of
    benchmarks/steering.py ("receptor (is:due or is:review) -tag:safety -is:suspended",
    27,479 of 200,000 cards) counts in 51 ms and pages in 56 against 71 ms for all of them
    sorted (medians of 7, raw statements, load ~11), so those are sorted whole.
    """
    if node == State("due") or node == And(()):
        return True
    match, rest = _index_match(node)
    return match is not None and not rest


def page_ids(
    db: sqlite3.Connection,
    node: Node,
    context: SearchContext,
    *,
    sort: str = "due",
    descending: bool = False,
    limit: int | None,
    after: SortKey | None = None,
    matches: int | None = None,
) -> tuple[list[int], SortKey | None]:
    """A page of :func:`search_ids`: the first ``limit`` ids (all when None) of the cards
    matching ``node`` that come after the card whose place is ``after`` (from the start
    when None), and the place of the page's last card (None when the page is the last).

    Keyset paging: a page starts after a place in the order, not at a row number, so a
    card that changes place between two pages is not shown twice or skipped by the others.
    SQLite's sorter keeps only the top ``limit`` rows, so a first page of ``psilocybin``'s
    62,426 matches sorts 200 of them, not all.

    ``matches`` (how many cards match, when known): a search with words sorted by due with
    at least :data:`WALK_DUE_FROM` matches walks the index on due from the page's start and
    keeps the cards among the words' matches, stopping at the page's end (a common word is
    met every few cards) instead of reading every match's card to sort them: the first 200
    of ``psilocybin``'s 62,426, 42 -> 15 ms (median thread CPU of 9 runs, raw statement).
    """
    source, where, params = compile_search(
        node,
        context,
        due_walk=sort == "due" and matches is not None and matches >= WALK_DUE_FROM,
    )
    order, deck = SORTS[sort]
    joins, join_params = _deck_join(deck, source, context)
    params = [*join_params, *params]
    direction = " DESC" if descending else ""
    terms = ", ".join(f"{term}{direction}" for term in order)
    if after is not None:
        if len(after) != len(order) + 1:
            raise ValueError(f"a place in the {sort!r} order has {len(order) + 1} values")
        marks = ", ".join("?" * len(after))
        where = f"({where}) AND ({', '.join(order)}, c.id) {'<' if descending else '>'} ({marks})"
        params = [*params, *after]
    sql = (
        f"SELECT c.id, {', '.join(order)} FROM {source}{joins} WHERE {where} "
        f"ORDER BY {terms}, c.id{direction}"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = db.execute(sql, params).fetchall()
    ids = [row[0] for row in rows]
    if not rows or limit is None or len(rows) < limit:
        return ids, None
    last = rows[-1]
    return ids, (*last[1:], last[0])


def rank_of(
    db: sqlite3.Connection,
    node: Node,
    context: SearchContext,
    card_id: int,
    *,
    sort: str = "due",
    descending: bool = False,
) -> int | None:
    """Card ``card_id``'s row in :func:`search_ids`'s answer (None if ``node`` does not
    match it): the cards matching ``node`` that come before it, counted without a sort."""
    source, where, params = compile_search(node, context)
    order, deck = SORTS[sort]
    joins, join_params = _deck_join(deck, source, context)
    params = [*join_params, *params]
    key = db.execute(
        f"SELECT {', '.join(order)} FROM {source}{joins} WHERE ({where}) AND c.id = ?",
        [*params, card_id],
    ).fetchone()
    if key is None:
        return None
    marks = ", ".join("?" * (len(order) + 1))
    before = db.execute(
        f"SELECT count(*) FROM {source}{joins} WHERE ({where}) AND "
        f"({', '.join(order)}, c.id) {'>' if descending else '<'} ({marks})",
        [*params, *key, card_id],
    ).fetchone()[0]
    return int(before)


def deck_titles(db: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """Every deck's id, title and family (id), the retired decks' too (their cards are
    searched): what the services rank for the Deck column (:attr:`SearchContext.deck_places`)."""
    return db.execute("SELECT id, title, family FROM deck").fetchall()


class BrowserRow(NamedTuple):
    """One card as the browser's table shows it (text still as stored)."""

    card_id: int
    note_id: str
    key: str
    kind: str
    front: str
    back: str
    text: str
    deck_title: str
    queue: int
    due: int
    last_review: int | None
    stability: float | None
    difficulty: float | None
    reps: int
    lapses: int
    retired: int
    suspended: int
    buried_until: int
    flag: int
    leech: int
    interval: int
    deck_family: str
    """The deck's family (its id), for the label the Deck column shows (the services')."""


def browser_rows(db: sqlite3.Connection, card_ids: Sequence[int]) -> dict[int, BrowserRow]:
    """The browser's rows for ``card_ids`` (a screenful), by card id."""
    if not card_ids:
        return {}
    rows: dict[int, BrowserRow] = {}
    for start in range(0, len(card_ids), 500):
        chunk = list(card_ids[start : start + 500])
        cursor = db.execute(
            "SELECT c.id, c.note_id, c.key, n.kind, n.front, n.back, n.text, d.title, c.queue, "
            "c.due, c.last_review, c.stability, c.difficulty, c.reps, c.lapses, c.retired, "
            f"c.suspended, c.buried_until, c.flag, c.leech, c.interval, d.family "
            "FROM card c "
            "JOIN note n ON n.id = c.note_id JOIN deck d ON d.id = c.deck_id "
            f"WHERE c.id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        for row in cursor:
            rows[row[0]] = BrowserRow(*row)
    return rows
