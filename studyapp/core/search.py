"""The card search language: a parser from query text to a tree, with located errors.

The language follows Anki's where Anki has one (docs/search.md is the trainee's guide):

- words and ``"quoted phrases"`` search the question, answer, explanation and the
  trainee's own notes;
- ``key:value`` terms: ``deck:``, ``family:``, ``module:``, ``tag:``, ``source:``,
  ``is:``, ``flag:``, ``prop:`` and ``rated:``;
- terms side by side must all match (AND); ``or`` between terms matches either;
  ``-`` before a term negates it; parentheses group.

The parser is pure: :func:`parse` returns a tree of frozen dataclasses, or raises
:class:`SearchError` with a message that names the column (1-based) of the problem,
e.g. ``unknown key 'dek' at column 1, did you mean 'deck'?``. Turning a tree into SQL is the
store's business (``studyapp.store.search``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "And",
    "Field",
    "Flag",
    "KEYS",
    "Module",
    "Node",
    "Not",
    "Or",
    "PROPS",
    "Prop",
    "Rated",
    "STATES",
    "SearchError",
    "State",
    "Text",
    "parse",
]

KEYS = ("deck", "family", "module", "tag", "source", "is", "flag", "prop", "rated")
"""Every ``key:`` the language knows."""

STATES = (
    "new",
    "learning",
    "review",
    "due",
    "suspended",
    "buried",
    "retired",
    "leech",
    "flagged",
    "critical",
    "sensitive",
)
"""The values ``is:`` accepts."""

PROPS = ("due", "ivl", "r", "lapses", "reps")
"""The card properties ``prop:`` compares."""

Comparison = Literal["<", "<=", ">", ">=", "=", "!="]
_OPERATORS: tuple[Comparison, ...] = ("<=", ">=", "!=", "<", ">", "=")
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
MAX_QUERY_LENGTH = 2000
"""Longer queries are refused (the search box and the CLI never need more)."""
MAX_DAYS = 36500
"""The widest number of days a search takes (``rated:``, ``prop:due``, ``prop:ivl``): a
century, Anki's longest interval."""
MAX_COUNT = 1_000_000
"""The largest count ``prop:lapses`` and ``prop:reps`` take."""


class SearchError(ValueError):
    """A malformed query. ``column`` is 1-based; ``str(error)`` is the whole message."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


# -- the tree --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Text:
    """Free text. ``phrase``: quoted, the words in this order, each whole; otherwise one word
    (or a run of word characters, as ``5-HT2A``) matching words that start with it."""

    text: str
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    """``deck:``, ``family:``, ``tag:`` or ``source:`` with a value; ``*`` in the value
    matches any run of characters, and the comparison ignores case."""

    key: Literal["deck", "family", "tag", "source"]
    value: str


@dataclass(frozen=True, slots=True)
class Module:
    """``module:N``: cards of course module N."""

    number: int


@dataclass(frozen=True, slots=True)
class State:
    """``is:STATE`` (one of :data:`STATES`)."""

    name: str


@dataclass(frozen=True, slots=True)
class Flag:
    """``flag:N``: 0 no flag, 1 red, 2 orange, 3 green, 4 blue (as Anki)."""

    number: int


@dataclass(frozen=True, slots=True)
class Prop:
    """``prop:NAME OP VALUE``: ``due`` in days from today, ``ivl`` in days, ``r`` the
    retrievability now (0-1), ``lapses`` and ``reps`` counts."""

    name: str
    op: Comparison
    value: float


@dataclass(frozen=True, slots=True)
class Rated:
    """``rated:N`` answered in the last N study days (1 = today); ``rated:N:G`` with grade G."""

    days: int
    rating: int | None = None


@dataclass(frozen=True, slots=True)
class Not:
    node: Node


@dataclass(frozen=True, slots=True)
class And:
    """All of ``nodes`` (an empty And matches every card)."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    nodes: tuple[Node, ...]


Node = Text | Field | Module | State | Flag | Prop | Rated | Not | And | Or

# -- tokens ----------------------------------------------------------------------------------
_Kind = Literal["(", ")", "-", "or", "and", "word", "quoted", "key"]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    text: str
    column: int
    """1-based column of the token's first character."""
    value: str = ""
    value_column: int = 0
    quoted_value: bool = False


def _suggest(word: str, choices: tuple[str, ...]) -> str:
    hint = difflib.get_close_matches(word.lower(), choices, n=1, cutoff=0.6)
    return f", did you mean '{hint[0]}'?" if hint else ""


def _read_quoted(query: str, start: int) -> tuple[str, int]:
    """The text of the quoted string opening at ``start`` (``\\"`` and ``\\\\`` unescaped),
    and the index just after its closing quote."""
    out: list[str] = []
    i = start + 1
    while i < len(query):
        ch = query[i]
        if ch == "\\" and i + 1 < len(query) and query[i + 1] in '"\\':
            out.append(query[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise SearchError(f'unclosed quote at column {start + 1}: add a closing "', start + 1)


_KEY = re.compile(r"([A-Za-z_]+):")
_STOP = ' \t\r\n()"'


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "()":
            tokens.append(_Token("(" if ch == "(" else ")", ch, i + 1))
            i += 1
            continue
        if ch == "-" and i + 1 < n and not query[i + 1].isspace() and query[i + 1] != ")":
            # "-" directly before a term negates it (Anki); "a - b" is an error below.
            tokens.append(_Token("-", "-", i + 1))
            i += 1
            continue
        if ch == "-":
            raise SearchError(
                f"'-' at column {i + 1} needs a search term right after it, as in -tag:ethics",
                i + 1,
            )
        if ch == '"':
            text, end = _read_quoted(query, i)
            tokens.append(_Token("quoted", query[i:end], i + 1, text))
            i = end
            continue
        key = _KEY.match(query, i)
        if key is not None:
            name = key.group(1)
            j = key.end()
            if j < n and query[j] == '"':
                value, end = _read_quoted(query, j)
                tokens.append(_Token("key", name, i + 1, value, j + 1, quoted_value=True))
                i = end
                continue
            end = j
            while end < n and query[end] not in _STOP:
                end += 1
            tokens.append(_Token("key", name, i + 1, query[j:end], j + 1))
            i = end
            continue
        end = i
        while end < n and query[end] not in _STOP:
            end += 1
        word = query[i:end]
        lower = word.lower()
        if lower == "or":
            tokens.append(_Token("or", word, i + 1))
        elif lower == "and":
            tokens.append(_Token("and", word, i + 1))
        else:
            tokens.append(_Token("word", word, i + 1, word))
        i = end
    return tokens


# -- grammar ---------------------------------------------------------------------------------
class _Parser:
    """query := or ; or := and ("or" and)* ; and := unary+ (optionally joined by "and") ;
    unary := "-" unary | "(" or ")" | term."""

    def __init__(self, tokens: list[_Token], length: int) -> None:
        self.tokens = tokens
        self.pos = 0
        self.end_column = length + 1

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            return And(())
        node = self.parse_or()
        token = self.peek()
        if token is not None:
            # Only a ")" without its "(" can stop the top level early.
            raise SearchError(
                f"unmatched ')' at column {token.column}: remove it or add a '(' before it",
                token.column,
            )
        return node

    def parse_or(self) -> Node:
        first = self.peek()
        if first is not None and first.kind == "or":
            raise SearchError(
                f"'or' at column {first.column} needs a search term before it", first.column
            )
        nodes = [self.parse_and()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            following = self.peek()
            if following is None or following.kind in (")", "or", "and"):
                raise SearchError(
                    f"'or' at column {token.column} needs a search term after it", token.column
                )
            nodes.append(self.parse_and())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def parse_and(self) -> Node:
        nodes = [self.parse_unary()]
        while (token := self.peek()) is not None and token.kind not in (")", "or"):
            if token.kind == "and":
                self.take()
                following = self.peek()
                if following is None or following.kind in (")", "or", "and"):
                    raise SearchError(
                        f"'and' at column {token.column} needs a search term after it",
                        token.column,
                    )
                continue
            nodes.append(self.parse_unary())
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def parse_unary(self) -> Node:
        token = self.peek()
        if token is None:  # pragma: no cover (callers check)
            raise SearchError(f"a search term is missing at column {self.end_column}", 1)
        if token.kind == "-":
            self.take()
            following = self.peek()
            if following is None or following.kind in (")", "or", "and"):
                raise SearchError(
                    f"'-' at column {token.column} needs a search term right after it, "
                    "as in -tag:ethics",
                    token.column,
                )
            return Not(self.parse_unary())
        if token.kind == "(":
            self.take()
            inner = self.peek()
            if inner is not None and inner.kind == ")":
                raise SearchError(
                    f"empty parentheses at column {token.column}: put a search term inside",
                    token.column,
                )
            if inner is None:
                raise SearchError(
                    f"unmatched '(' at column {token.column}: add a ')' after the terms",
                    token.column,
                )
            node = self.parse_or()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise SearchError(
                    f"unmatched '(' at column {token.column}: add a ')' after the terms",
                    token.column,
                )
            self.take()
            return node
        if token.kind == ")":
            raise SearchError(
                f"unmatched ')' at column {token.column}: remove it or add a '(' before it",
                token.column,
            )
        if token.kind in ("or", "and"):
            raise SearchError(
                f"'{token.text}' at column {token.column} needs a search term before it",
                token.column,
            )
        self.take()
        if token.kind == "quoted":
            if not any(ch.isalnum() for ch in token.value):
                raise SearchError(
                    f"the quoted text at column {token.column} has no letters or digits to "
                    "search for",
                    token.column,
                )
            return Text(token.value, phrase=True)
        if token.kind == "word":
            return _word(token)
        return _keyed(token)


def _word(token: _Token) -> Text:
    if not any(ch.isalnum() for ch in token.value):
        raise SearchError(
            f"'{token.value}' at column {token.column} has no letters or digits to search for",
            token.column,
        )
    return Text(token.value)


_FIELD_KEYS: dict[str, Literal["deck", "family", "tag", "source"]] = {
    "deck": "deck",
    "family": "family",
    "tag": "tag",
    "source": "source",
}
"""The keys that make a :class:`Field`, as its ``key``."""


def _keyed(token: _Token) -> Node:
    key = token.text.lower()
    if key not in KEYS:
        raise SearchError(
            f"unknown key '{token.text}' at column {token.column}{_suggest(key, KEYS)}",
            token.column,
        )
    value, column = token.value, token.value_column
    if not value.strip():
        raise SearchError(
            f"'{key}:' at column {token.column} needs a value, as in {_EXAMPLES[key]}",
            token.column,
        )
    field_key = _FIELD_KEYS.get(key)
    if field_key is not None:
        return Field(field_key, value)
    if key == "is":
        state = value.lower()
        if state not in STATES:
            raise SearchError(
                f"unknown state '{value}' at column {column} after 'is:'"
                f"{_suggest(state, STATES) or '; use one of ' + ', '.join(STATES)}",
                column,
            )
        return State(state)
    if key == "module":
        number = _whole(value, column, "a module number, as in module:2")
        if number < 1:
            raise SearchError(
                f"module:{number} at column {token.column}: module numbers start at 1", column
            )
        return Module(number)
    if key == "flag":
        number = _whole(value, column, "a flag number from 0 to 4")
        if not 0 <= number <= 4:
            raise SearchError(
                f"flag {number} at column {column} does not exist: use 0 (none), 1 red, "
                "2 orange, 3 green or 4 blue",
                column,
            )
        return Flag(number)
    if key == "rated":
        return _rated(value, column, token.column)
    return _prop(value, column, token.column)


_EXAMPLES = {
    "deck": "deck:terms",
    "family": "family:evidence",
    "module": "module:2",
    "tag": "tag:ethics",
    "source": "source:mithoefer2019",
    "is": "is:due",
    "flag": "flag:1",
    "prop": "prop:ivl>30",
    "rated": "rated:7",
}


def _whole(value: str, column: int, expected: str) -> int:
    if not _INTEGER.fullmatch(value):
        raise SearchError(f"'{value}' at column {column} is not {expected}", column)
    return int(value)


def _rated(value: str, column: int, key_column: int) -> Rated:
    days_text, _, grade_text = value.partition(":")
    days = _whole(days_text, column, "a number of days, as in rated:7")
    if not 1 <= days <= MAX_DAYS:
        allowed = "1 or more" if days < 1 else f"1 to {MAX_DAYS}"
        raise SearchError(
            f"rated:{days} at column {key_column}: the number of days must be {allowed} "
            "(1 is today)",
            column,
        )
    if not grade_text:
        return Rated(days)
    grade_column = column + len(days_text) + 1
    grade = _whole(grade_text, grade_column, "a grade from 1 (Again) to 4 (Easy)")
    if not 1 <= grade <= 4:
        raise SearchError(
            f"grade {grade} at column {grade_column} does not exist: use 1 (Again) to 4 (Easy)",
            grade_column,
        )
    return Rated(days, grade)


def _prop(value: str, column: int, key_column: int) -> Prop:
    match = re.match(r"[A-Za-z_]+", value)
    name = match.group(0).lower() if match else ""
    if name not in PROPS:
        shown = match.group(0) if match else value
        raise SearchError(
            f"unknown property '{shown}' at column {column}"
            f"{_suggest(name, PROPS) or '; use one of ' + ', '.join(PROPS)}",
            column,
        )
    rest = value[len(name) :]
    op_column = column + len(name)
    op = next((o for o in _OPERATORS if rest.startswith(o)), None)
    if op is None:
        raise SearchError(
            f"prop:{name} at column {key_column} needs a comparison (<, <=, >, >=, = or !=) "
            f"and a number, as in prop:{name}{'<0.8' if name == 'r' else '>3'}",
            op_column,
        )
    number_text = rest[len(op) :]
    number_column = op_column + len(op)
    if not number_text:
        # Said before as "'(nothing)' at column 10 is not a whole number", quoting a word
        # that is nowhere in the query.
        raise SearchError(
            f"prop:{name}{op} at column {key_column} needs a number after '{op}', as in "
            f"prop:{name}{op}{'0.8' if name == 'r' else '3'}",
            number_column,
        )
    if name == "r":
        if not _NUMBER.fullmatch(number_text):
            raise SearchError(
                f"'{number_text}' at column {number_column} is not a number; "
                "retrievability is between 0 and 1, as in prop:r<0.8",
                number_column,
            )
        number = float(number_text)
        if not 0.0 <= number <= 1.0:
            raise SearchError(
                f"retrievability {number_text} at column {number_column} is outside 0 to 1",
                number_column,
            )
        return Prop(name, op, number)
    if not _INTEGER.fullmatch(number_text):
        raise SearchError(
            f"'{number_text}' at column {number_column} is not a whole number",
            number_column,
        )
    whole = int(number_text)
    if name != "due" and whole < 0:
        raise SearchError(
            f"prop:{name} at column {key_column} counts from 0; {whole} is never reached",
            number_column,
        )
    # A number past a date's or SQLite's range was an OverflowError when the search ran.
    if name in ("due", "ivl") and abs(whole) > MAX_DAYS:
        raise SearchError(
            f"prop:{name} at column {key_column}: {whole} days is out of range; use "
            f"{-MAX_DAYS if name == 'due' else 0} to {MAX_DAYS}",
            number_column,
        )
    if whole > MAX_COUNT:
        raise SearchError(
            f"prop:{name} at column {key_column}: {whole} is out of range; use 0 to {MAX_COUNT}",
            number_column,
        )
    return Prop(name, op, float(whole))


def parse(query: str) -> Node:
    """The tree of ``query``; an empty query matches every card (``And(())``).

    Raises:
        SearchError: the query is malformed; the message names the column.
    """
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchError(
            f"the search is {len(query)} characters long; the limit is {MAX_QUERY_LENGTH}",
            MAX_QUERY_LENGTH + 1,
        )
    return _Parser(_tokens(query), len(query)).parse()
