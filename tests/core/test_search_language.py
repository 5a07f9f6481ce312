"""The search language's parser: the tree of every construct, and every malformed query's
one located message."""

from __future__ import annotations

import pytest

from studyapp.core.search import (
    And,
    Field,
    Flag,
    Module,
    Not,
    Or,
    Prop,
    Rated,
    SearchError,
    State,
    Text,
    parse,
)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("", And(())),
        ("   ", And(())),
        ("psilocybin", Text("psilocybin")),
        ("5-HT2A", Text("5-HT2A")),
        ('"default mode network"', Text("default mode network", phrase=True)),
        ('"say \\"no\\" \\\\ yes"', Text('say "no" \\ yes', phrase=True)),
        ("a b", And((Text("a"), Text("b")))),
        ("a and b", And((Text("a"), Text("b")))),
        ("a AND b", And((Text("a"), Text("b")))),
        ("a or b", Or((Text("a"), Text("b")))),
        ("a OR b Or c", Or((Text("a"), Text("b"), Text("c")))),
        # AND binds tighter than OR, as in Anki
        ("a b or c", Or((And((Text("a"), Text("b"))), Text("c")))),
        ("a (b or c)", And((Text("a"), Or((Text("b"), Text("c")))))),
        ("-a", Not(Text("a"))),
        ("--a", Not(Not(Text("a")))),
        ("-(a or b)", Not(Or((Text("a"), Text("b"))))),
        ("-tag:ethics", Not(Field("tag", "ethics"))),
        ("((a))", Text("a")),
        ("deck:terms", Field("deck", "terms")),
        ("DECK:Terms", Field("deck", "Terms")),
        ('deck:"Terms: the vocabulary"', Field("deck", "Terms: the vocabulary")),
        ("deck:evidence-*", Field("deck", "evidence-*")),
        ("family:safety", Field("family", "safety")),
        ("tag:ethics::consent", Field("tag", "ethics::consent")),
        ("source:mithoefer2019", Field("source", "mithoefer2019")),
        ("module:3", Module(3)),
        ("is:due", State("due")),
        ("is:SUSPENDED", State("suspended")),
        ("flag:0", Flag(0)),
        ("flag:4", Flag(4)),
        ("prop:due<3", Prop("due", "<", 3.0)),
        ("prop:due>=-2", Prop("due", ">=", -2.0)),
        ("prop:ivl>30", Prop("ivl", ">", 30.0)),
        ("prop:r<0.8", Prop("r", "<", 0.8)),
        ("prop:r<=.5", Prop("r", "<=", 0.5)),
        ("prop:r>1", Prop("r", ">", 1.0)),
        ("prop:lapses>3", Prop("lapses", ">", 3.0)),
        ("prop:reps=0", Prop("reps", "=", 0.0)),
        ("prop:reps!=0", Prop("reps", "!=", 0.0)),
        ("rated:1", Rated(1)),
        ("rated:7:1", Rated(7, 1)),
        (
            "deck:terms (is:due or is:new) -is:suspended",
            And(
                (
                    Field("deck", "terms"),
                    Or((State("due"), State("new"))),
                    Not(State("suspended")),
                )
            ),
        ),
        ("10:30", Text("10:30")),  # a colon after digits is text, not a key
    ],
)
def test_parse(query: str, tree: object) -> None:
    assert parse(query) == tree


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        ("dek:x", "unknown key 'dek' at column 1, did you mean 'deck'?", 1),
        ("psilocybin tga:x", "unknown key 'tga' at column 12, did you mean 'tag'?", 12),
        ("zzz:x", "unknown key 'zzz' at column 1", 1),
        ('"unbalanced', 'unclosed quote at column 1: add a closing "', 1),
        ('deck:"my deck', 'unclosed quote at column 6: add a closing "', 6),
        ("prop:r<abc", "'abc' at column 8 is not a number", 8),
        ("prop:r<", "prop:r< at column 1 needs a number after '<', as in prop:r<0.8", 8),
        ("prop:ivl>", "prop:ivl> at column 1 needs a number after '>', as in prop:ivl>3", 10),
        ("prop:r<1.5", "retrievability 1.5 at column 8 is outside 0 to 1", 8),
        ("prop:ivl>x", "'x' at column 10 is not a whole number", 10),
        ("prop:ivl>2.5", "'2.5' at column 10 is not a whole number", 10),
        ("prop:lapses>-1", "prop:lapses at column 1 counts from 0", 13),
        ("prop:ivl", "prop:ivl at column 1 needs a comparison", 9),
        ("prop:ivl~3", "prop:ivl at column 1 needs a comparison", 9),
        ("prop:interval>3", "unknown property 'interval' at column 6", 6),
        ("prop:lapse>3", "unknown property 'lapse' at column 6, did you mean 'lapses'?", 6),
        ("prop:>3", "unknown property '>3' at column 6", 6),
        ("is:dew", "unknown state 'dew' at column 4 after 'is:', did you mean 'new'?", 4),
        ("is:qwerty", "unknown state 'qwerty' at column 4 after 'is:'; use one of new", 4),
        ("is:", "'is:' at column 1 needs a value, as in is:due", 1),
        ("deck:", "'deck:' at column 1 needs a value", 1),
        ('deck:""', "'deck:' at column 1 needs a value", 1),
        ("flag:5", "flag 5 at column 6 does not exist", 6),
        ("flag:red", "'red' at column 6 is not a flag number", 6),
        ("module:0", "module:0 at column 1: module numbers start at 1", 8),
        ("module:two", "'two' at column 8 is not a module number", 8),
        ("rated:0", "rated:0 at column 1: the number of days must be 1 or more", 7),
        ("rated:x", "'x' at column 7 is not a number of days", 7),
        ("rated:7:5", "grade 5 at column 9 does not exist", 9),
        ("rated:7:x", "'x' at column 9 is not a grade", 9),
        ("(a", "unmatched '(' at column 1", 1),
        ("a (b (c)", "unmatched '(' at column 3", 3),
        ("a)", "unmatched ')' at column 2", 2),
        (")", "unmatched ')' at column 1", 1),
        ("()", "empty parentheses at column 1", 1),
        ("or a", "'or' at column 1 needs a search term before it", 1),
        ("a or", "'or' at column 3 needs a search term after it", 3),
        ("a or or b", "'or' at column 3 needs a search term after it", 3),
        ("(a or) b", "'or' at column 4 needs a search term after it", 4),
        ("and a", "'and' at column 1 needs a search term before it", 1),
        ("a and", "'and' at column 3 needs a search term after it", 3),
        ("a - b", "'-' at column 3 needs a search term right after it", 3),
        ("a -", "'-' at column 3 needs a search term right after it", 3),
        ("-or a", "'-' at column 1 needs a search term right after it", 1),
        ("(a -)", "'-' at column 4 needs a search term right after it", 4),
        ("?!", "'?!' at column 1 has no letters or digits to search for", 1),
        ('"..."', "the quoted text at column 1 has no letters or digits", 1),
        ("x" * 2001, "the search is 2001 characters long; the limit is 2000", 2001),
    ],
)
def test_malformed_queries_name_the_column(query: str, message: str, column: int) -> None:
    with pytest.raises(SearchError) as caught:
        parse(query)
    assert str(caught.value).startswith(message), str(caught.value)
    assert caught.value.column == column
    assert "\n" not in str(caught.value)


def test_every_error_is_a_search_error_never_another_exception() -> None:
    # A crude fuzz over the language's own characters: every string either parses or
    # raises SearchError with a column inside the query (or just after it).
    import itertools

    alphabet = ["a", " ", '"', "(", ")", "-", "or", "is:", "prop:r<", "0.5", ":", "\\"]
    for length in range(1, 5):
        for parts in itertools.product(alphabet, repeat=length):
            query = "".join(parts)
            try:
                parse(query)
            except SearchError as error:
                assert 1 <= error.column <= len(query) + 1, (query, error)
