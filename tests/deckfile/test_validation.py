"""Every error kind the validator knows, each asserted at its exact line and column."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from studyapp.deckfile.loader import check_collection, parse_bibliography, parse_deck
from studyapp.deckfile.problems import Severity
from studyapp.services.paths import bundled_sources_file

HEADER = """\
format_version: 1
deck:
  id: d
  title: Deck
  family: mechanisms
cards:
"""


def write(tmp_path: Path, body: str, name: str = "deck.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def problems(path: Path) -> list[tuple[int, int, str]]:
    return [(p.line, p.column, p.message) for p in parse_deck(path).problems]


def only(path: Path) -> tuple[int, int, str]:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


def test_valid_deck_has_no_problems(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "  - id: a\n    front: Q\n    back: A\n    source: zhou2024\n")
    deck = parse_deck(path)
    assert deck.problems == []
    assert deck.ok and deck.model is not None
    assert deck.model.cards[0].id == "a"
    assert deck.card_positions == [(7, 9)]


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "  - id: a\n    front: [unclosed\n    back: A\n")
    line, column, message = only(path)
    assert message.startswith("YAML:")
    assert (line, column) == (9, 9)


def test_duplicate_key_is_reported_at_the_second_key(tmp_path: Path) -> None:
    body = HEADER + "  - id: a\n    front: Q\n    back: A\n    back: B\n    source: zhou2024\n"
    assert only(write(tmp_path, body)) == (
        10,
        5,
        "duplicate key 'back' (first defined on line 9)",
    )


def test_unknown_field_suggests_the_right_one(tmp_path: Path) -> None:
    body = HEADER + "  - id: a\n    fornt: Q\n    front: Q\n    back: A\n    source: zhou2024\n"
    assert only(write(tmp_path, body)) == (
        8,
        5,
        "card 'a': unknown field 'fornt' (did you mean 'front'?)",
    )


def test_missing_field_points_at_the_card(tmp_path: Path) -> None:
    body = HEADER + "  - id: a\n    front: Q\n    source: zhou2024\n"
    assert only(write(tmp_path, body)) == (7, 5, "card 'a': missing required field 'back'")


def test_wrong_type_is_named(tmp_path: Path) -> None:
    body = (
        HEADER + "  - id: a\n    front: Q\n    back: A\n    source: zhou2024\n    as_of: '2025'\n"
    )
    assert only(write(tmp_path, body)) == (
        11,
        12,
        "card 'a': 'as_of' must be a whole number, not text",
    )


def test_wrong_type_in_a_list_points_at_the_item(tmp_path: Path) -> None:
    body = HEADER + "  - id: a\n    front: Q\n    back: A\n    source: [zhou2024, 7]\n"
    line, column, message = only(write(tmp_path, body))
    assert (line, column) == (10, 24)
    assert "'source[1]' must be text" in message


def test_empty_text_is_an_error(tmp_path: Path) -> None:
    body = HEADER + "  - id: a\n    front: '   '\n    back: A\n    source: zhou2024\n"
    assert only(write(tmp_path, body)) == (8, 12, "card 'a': 'front' is empty")


def test_bad_id_is_an_error(tmp_path: Path) -> None:
    body = HEADER + "  - id: Card_One\n    front: Q\n    back: A\n    source: zhou2024\n"
    line, column, message = only(write(tmp_path, body))
    assert (line, column) == (7, 9)
    assert "'id' must be lowercase letters" in message


def test_unknown_card_type(tmp_path: Path) -> None:
    body = HEADER + "  - id: a\n    type: clozee\n    text: x\n    source: zhou2024\n"
    assert only(write(tmp_path, body)) == (
        8,
        11,
        "card 'a': unknown card type 'clozee'; expected basic, reversed or cloze",
    )


def test_duplicate_card_id_within_a_file(tmp_path: Path) -> None:
    card = "  - id: a\n    front: Q\n    back: A\n    source: zhou2024\n"
    assert only(write(tmp_path, HEADER + card + card)) == (
        11,
        9,
        "duplicate card id 'a' (first used on line 7)",
    )


def test_duplicate_card_id_across_files(tmp_path: Path) -> None:
    card = "  - id: shared\n    front: Q\n    back: A\n    source: zhou2024\n"
    first = parse_deck(write(tmp_path, HEADER + card, "one.yaml"))
    other_header = HEADER.replace("id: d", "id: e")
    second = parse_deck(write(tmp_path, other_header + card, "two.yaml"))
    bib = parse_bibliography(bundled_sources_file()).entries
    found = check_collection([first, second], bib)
    assert [(p.path.endswith("two.yaml"), p.line, p.column) for p in found] == [(True, 7, 9)]
    assert "card id 'shared' is also used in" in found[0].message


def test_unknown_source_id_is_located_and_suggested(tmp_path: Path) -> None:
    body = HEADER + "  - id: a\n    front: Q\n    back: A\n    source: zhou2042\n"
    deck = parse_deck(write(tmp_path, body))
    found = check_collection([deck], parse_bibliography(bundled_sources_file()).entries)
    assert [(p.line, p.column, p.message) for p in found] == [
        (10, 13, "card 'a': unknown source id 'zhou2042' (did you mean 'zhou2024'?)")
    ]


def test_malformed_cloze_points_into_the_text(tmp_path: Path) -> None:
    body = (
        HEADER
        + "  - id: a\n    type: cloze\n    text: Dose {{c1:20 mg}} here\n    source: zhou2024\n"
    )
    found = problems(write(tmp_path, body))
    assert found[0][:2] == (9, 16)
    assert "malformed cloze markup" in found[0][2]


def test_cloze_without_deletion(tmp_path: Path) -> None:
    body = (
        HEADER + "  - id: a\n    type: cloze\n    text: No deletions here\n    source: zhou2024\n"
    )
    assert only(write(tmp_path, body)) == (
        9,
        11,
        "card 'a': cloze text has no deletion such as {{c1::answer}}",
    )


def test_newer_format_version_is_refused(tmp_path: Path) -> None:
    body = HEADER.replace("format_version: 1", "format_version: 2") + "  - id: a\n"
    line, column, message = only(write(tmp_path, body))
    assert (line, column) == (1, 17)
    assert "newer than this StudyApp understands" in message


def test_every_problem_is_reported_in_one_pass(tmp_path: Path) -> None:
    body = (
        HEADER
        + "  - id: a\n    front: Q\n    back: A\n    back: B\n    source: zhou2024\n"
        + "  - id: b\n    fornt: Q\n    back: A\n    source: zhou2024\n"
        + "  - id: c\n    type: cloze\n    text: 'x {{c1:y}}'\n    source: zhou2024\n"
        + "  - id: a\n    front: Q\n    back: A\n    source: zhou2024\n"
    )
    lines = [line for line, _, _ in problems(write(tmp_path, body))]
    # duplicate key; b: missing front, unknown fornt; c: '{{' and '}}' unmatched; a again
    assert sorted(lines) == [10, 12, 13, 18, 18, 20]


def test_evidence_cards_without_citation_warn(tmp_path: Path) -> None:
    body = (
        HEADER.replace("mechanisms", "evidence")
        + "  - id: a\n    front: Q\n    back: A\n    source: zhou2024\n"
    )
    deck = parse_deck(write(tmp_path, body))
    assert deck.ok
    assert {p.severity for p in deck.problems} == {Severity.WARNING}
    assert len(deck.problems) == 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", (1, 1, "the file is empty; a deck needs format_version, deck and cards")),
        (b"\x00\x01\x02binary", (1, 1, "not a text file (it contains NUL bytes)")),
        (b"format_version: 1\n\xff\xfe", (2, 1, "not valid UTF-8 text; save it as UTF-8")),
        (
            b"- just\n- a list\n",
            (1, 1, "a deck file must be a mapping with format_version, deck and cards"),
        ),
        (
            b"just text\n",
            (1, 1, "a deck file must be a mapping with format_version, deck and cards"),
        ),
    ],
)
def test_bad_files_give_one_clear_error(
    tmp_path: Path, content: bytes, expected: tuple[int, int, str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    assert problems(path) == [expected]


def test_tab_indentation_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "tabs.yaml"
    path.write_text("format_version: 1\ndeck:\n\tid: d\n", encoding="utf-8")
    line, column, message = only(path)
    assert (line, column) == (3, 1)
    assert "tab" in message


def test_wrong_indentation_is_located(tmp_path: Path) -> None:
    path = tmp_path / "indent.yaml"
    path.write_text("format_version: 1\ndeck:\n  id: d\n title: T\n", encoding="utf-8")
    line, column, message = only(path)
    assert message.startswith("YAML:")
    assert line == 4


def test_unsafe_tags_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text(
        "format_version: 1\ndeck: !!python/object/apply:os.system ['true']\n", encoding="utf-8"
    )
    found = problems(path)
    assert found[0][:2] == (2, 7)
    assert "unsupported YAML tag" in found[0][2]


def test_missing_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope.yaml") == [(1, 1, "no such file")]


def test_bundled_bibliography_is_valid() -> None:
    bib = parse_bibliography(bundled_sources_file())
    assert bib.problems == []
    assert {"zhou2024", "rieser2021", "consensus_nd", "rehabblog_nd", "feduccia2018"} <= set(
        bib.entries
    )


@pytest.mark.parametrize(
    ("value", "kind"), [("maybe", "text"), ('"true"', "text"), ("1", "a number"), ("[x]", "a list")]
)
def test_an_unknown_critical_value_is_located(tmp_path: Path, value: str, kind: str) -> None:
    """Issue 12: `critical` is true or false; anything else is an error at its value, and
    the card is not read as critical."""
    body = HEADER + f"  - id: a\n    critical: {value}\n    front: Q\n    back: A\n"
    body += "    source: zhou2024\n"
    line, column, message = only(write(tmp_path, body))
    assert (line, column) == (8, 15)
    assert message == f"card 'a': 'critical' must be true or false, not {kind}"


def test_critical_true_marks_the_card(tmp_path: Path) -> None:
    body = (
        HEADER + "  - id: a\n    critical: true\n    front: Q\n    back: A\n    source: zhou2024\n"
    )
    deck = parse_deck(write(tmp_path, body))
    assert deck.problems == [] and deck.model is not None
    assert deck.model.cards[0].critical is True


def test_a_released_file_is_read_again_to_locate_a_problem_across_files(tmp_path: Path) -> None:
    card = "  - id: shared\n    front: Q\n    back: A\n    source: zhou2024\n"
    first = parse_deck(write(tmp_path, HEADER + card, "one.yaml"))
    two = write(tmp_path, HEADER.replace("id: d", "id: e") + card, "two.yaml")
    second = parse_deck(two)
    second.release_text(two)  # a folder being read keeps no file's text (sync._stream)
    assert second._raw is None
    bib = parse_bibliography(bundled_sources_file()).entries
    found = check_collection([first, second], bib)
    assert [(p.path.endswith("two.yaml"), p.line, p.column) for p in found] == [(True, 7, 9)]


def test_a_released_file_changed_since_is_not_used_to_locate(tmp_path: Path) -> None:
    card = "  - id: a\n    front: Q\n    back: A\n    source: zhou2024\n"
    path = write(tmp_path, HEADER + card, "one.yaml")
    deck = parse_deck(path)
    deck.release_text(path)
    path.write_text("\n\n" + HEADER + card, encoding="utf-8")  # edited in the meantime
    assert deck.root is None
    assert deck.locate_in(("cards", 0, "front"), "Q") == (1, 1)


@pytest.mark.parametrize("brk", ["\u2028", "\u2029", "\x85"], ids=["LS", "PS", "NEL"])
def test_lines_are_counted_as_editors_count_them(tmp_path: Path, brk: str) -> None:
    # YAML 1.1 (PyYAML, libyaml) also ends a line at NEL, LS and PS, which a text pasted
    # from a word processor may hold; editors (the language server protocol), GitHub's
    # annotations and `grep -n` end lines only at LF, CR LF and CR. Each one in a text
    # moved every later problem a line down from where the author sees it.
    card = f'  - id: a\n    front: "Set{brk} and{brk} setting"\n    back: A\n    source: zhou2024\n'
    after = "  - id: a\n    fornt: Q\n    back: A\n    source: zhou2024\n"
    path = write(tmp_path, HEADER + card + after + "  - {id: b, front: [x\n")
    assert problems(path) == [(16, 1, problems(path)[0][2])]  # the syntax error
    path = write(tmp_path, HEADER + card + after)
    assert sorted(problems(path)) == [
        (11, 5, "card 'a': missing required field 'front'"),
        (11, 9, "duplicate card id 'a' (first used on line 7)"),
        (12, 5, "card 'a': unknown field 'fornt' (did you mean 'front'?)"),
    ]
    crlf = write(tmp_path, (HEADER + card + after).replace("\n", "\r\n"), "crlf.yaml")
    assert problems(crlf) == problems(path)


def test_one_bad_bibliography_entry_does_not_unknow_the_others(tmp_path: Path) -> None:
    # A bibliography with one broken entry dropped every entry of its file, so each card
    # citing a sound entry of it was an error too ("[@good2024] is not in the
    # bibliography"): one typo in sources.yaml, an error at every citation in every deck.
    from studyapp.services.validate import validate_paths

    (tmp_path / "sources.yaml").write_text(
        "format_version: 1\nsources:\n"
        "  - {id: good2024, kind: primary, authors: Good A, year: 2024, title: Sound}\n"
        "  - {id: bad2024, kind: primary, authors: '', year: 2024, title: Broken}\n",
        encoding="utf-8",
    )
    write(
        tmp_path,
        HEADER + "  - id: a\n    front: Q [@good2024]\n    back: A\n    source: good2024\n",
    )
    found = [
        (Path(p.path).name, p.line, p.column, p.message)
        for p in validate_paths([tmp_path]).problems
    ]
    assert found == [("sources.yaml", 4, 43, "source #2: 'authors' is empty")]


def test_an_unknown_citation_repeated_in_a_text_is_one_error(tmp_path: Path) -> None:
    # Each occurrence was reported, all at the first one's line and column.
    from studyapp.services.validate import validate_paths

    body = "  - id: a\n    front: Q [@nosuch; @zhou2024; @nosuch] [@nosuch]\n    back: A\n"
    write(tmp_path, HEADER + body + "    source: zhou2024\n")
    found = [(p.line, p.column, p.message) for p in validate_paths([tmp_path]).problems]
    assert found == [
        (8, 15, "card 'a': 'front' cites [@nosuch], which is not in the bibliography"),
    ]


_HIDDEN = (
    ", an invisible character that can make the text show differently from what you see in "
    "this file; delete it"
)


@pytest.mark.parametrize(
    ("written", "column", "named"),
    [
        ("Set \u202eand setting", 16, "U+202E (right-to-left override)"),
        ("Set \u2066and\u2069 setting", 16, "U+2066 (left-to-right isolate)"),
        ('"Set \\u202Eand setting"', 17, "U+202E (right-to-left override)"),
        ('"Set \\U0000202eand setting"', 17, "U+202E (right-to-left override)"),
        ('"Set \\x1b[8mand setting"', 17, "U+001B (escape)"),
        ('"Set \\eand setting"', 17, "U+001B (escape)"),
        ('"Set \\Nand setting"', 17, "U+0085 (next line)"),
        ('"Set \\x07and setting"', 17, "U+0007 (bell)"),
        ('"Set \\x01and setting"', 17, "U+0001 (a control character)"),
    ],
)
def test_a_hidden_control_character_in_a_text_is_an_error_at_its_place(
    tmp_path: Path, written: str, column: int, named: str
) -> None:
    # Trojan Source: a bidirectional override (or a terminal escape) makes a card read
    # differently on screen from the text its author reviewed; the validator passed them.
    # Written as itself (ASCII files take the fast path, others the located one) or as an
    # escape in a double-quoted text, it is named at the place it is written.
    card = f"  - id: a\n    front: {written}\n    back: A\n    source: zhou2024\n"
    path = write(tmp_path, HEADER + card)
    found = problems(path)
    assert found[0] == (8, column, f"card 'a': 'front' holds {named}{_HIDDEN}")
    assert len(found) == 1 + ("\u2069" in written)
    assert not parse_deck(path).ok


def test_hidden_characters_are_found_in_every_text_of_a_deck_and_bibliography(
    tmp_path: Path,
) -> None:
    deck = write(
        tmp_path,
        """\
        format_version: 1
        deck:
          id: d
          title: "Deck \\u202e"
          family: mechanisms
        cards:
          - id: a
            front: Q
            back: A
            source: zhou2024
            image: {file: x.png, alt: "A \\x1b picture"}
            tags: [ok]
        """,
    )
    assert [
        (line, column, message.split(" holds ")[0]) for line, column, message in problems(deck)
    ] == [
        (4, 16, "'title'"),
        (11, 34, "card 'a': 'alt'"),
    ]
    sources = write(
        tmp_path,
        """\
        format_version: 1
        sources:
          - id: s2020
            kind: primary
            authors: "Doe J\\u2067"
            title: A trial
        """,
        "sources.yaml",
    )
    found = [(p.line, p.column, p.message) for p in parse_bibliography(sources).problems]
    assert found == [(5, 20, f"source #1: 'authors' holds U+2067 (right-to-left isolate){_HIDDEN}")]


def test_tabs_line_breaks_and_other_scripts_are_not_hidden_characters(tmp_path: Path) -> None:
    card = (
        '  - id: a\n    front: "Tab\\there, a break\\nthere"\n'
        "    back: |\n      שלום, مرحبا, 你好 and ‘quotes’ — fine.\n"
        "      Two lines.\n    source: zhou2024\n"
    )
    assert problems(write(tmp_path, HEADER + card)) == []


@pytest.mark.parametrize(
    ("value", "column", "hint"),
    [
        (
            "What ratio: roughly?",
            22,
            "the text of 'front' holds ': ', which YAML reads as the start of another field",
        ),
        (
            "{{c1::MDMA}} is an entactogen",
            25,
            "the text of 'front' starts with '{', which YAML reads as the start of a mapping",
        ),
        (
            "[@zhou2024] says so",
            13,
            "the text of 'front' starts with '[', which YAML reads as the start of a list",
        ),
        (
            "@zhou2024 says so",
            12,
            "the text of 'front' starts with '@', which YAML reads as syntax",
        ),
        ("`code` here", 12, "the text of 'front' starts with '`', which YAML reads as syntax"),
        ("*bold* text", 17, "the text of 'front' starts with '*', which YAML reads as syntax"),
        ("- a dash first", 12, "the text of 'front' starts with '- ', which YAML reads as syntax"),
        (
            '"A "quoted" word"',
            16,
            "the text of 'front' is in double quotes and holds a double quote, which ends it; "
            'write that one as \\" (or put the text in single quotes)',
        ),
        (
            "'It's a word'",
            16,
            "the text of 'front' is in single quotes and holds an apostrophe, which ends it; "
            "write that one as '' (two single quotes), or put the text in double quotes",
        ),
        (
            "> Set and setting",
            14,
            "the text of 'front' starts with '>' followed by words on the same line; a '>' there "
            "means the text follows on the lines below: put it there, indented, or",
        ),
    ],
)
def test_a_text_yaml_reads_as_syntax_is_explained(
    tmp_path: Path, value: str, column: int, hint: str
) -> None:
    # The commonest mistakes in a card's text were YAML's own words ('mapping values are
    # not allowed in this context', 'while parsing a block mapping did not find expected
    # key' for a cloze text starting with {{): now what YAML read and how to write it.
    card = f"  - id: a\n    front: {value}\n    back: A\n    source: zhou2024\n"
    line, found_column, message = only(write(tmp_path, HEADER + card))
    assert (line, found_column) == (8, column)
    assert message.startswith(f"YAML: {hint}"), message
    if "quotes" not in hint:
        assert message.endswith('put the whole text in double quotes (a " inside as \\")')


@pytest.mark.parametrize(
    "value", ["[zhou2024, feduccia2018", "{file: x.png, alt: a: b}", "[zhou2024]: x"]
)
def test_a_broken_list_or_mapping_keeps_yamls_words(tmp_path: Path, value: str) -> None:
    card = f"  - id: a\n    front: Q\n    back: A\n    source: {value}\n"
    _line, _column, message = only(write(tmp_path, HEADER + card))
    assert message.startswith("YAML: ") and "the text of" not in message


def test_a_text_cut_short_by_a_comment_is_a_warning(tmp_path: Path) -> None:
    # YAML reads ' #' as the start of a comment: 'the #1 cause' was read as 'the' and
    # 'extra: #2 in the list' as no text at all, without a word from validate or sync.
    card = (
        "  - id: a\n    front: What is the #1 cause?\n    back: A  # a comment meant as one\n"
        "    extra: #2 in the list\n    correction: Fine # as a comment\n    source: zhou2024\n"
    )
    path = write(tmp_path, HEADER + card)
    assert problems(path) == [
        (
            8,
            12,
            "card 'a': 'front': YAML reads only 'What is the', as ' #' starts a comment, and "
            "drops '#1 cause?'; put the whole text in double quotes to keep it",
        ),
        (
            10,
            11,
            "card 'a': 'extra': YAML reads no text, as ' #' starts a comment, and drops "
            "'#2 in the list'; put the whole text in double quotes to keep it",
        ),
    ]
    deck = parse_deck(path)
    assert deck.ok and all(p.severity is Severity.WARNING for p in deck.problems)
    quoted = write(
        tmp_path, HEADER + card.replace("What is the #1 cause?", '"What is #1?"'), "q.yaml"
    )
    assert [line for line, _column, _message in problems(quoted)] == [10]


@pytest.mark.parametrize(
    ("source", "line", "column", "message"),
    [
        ("zhou 2024", 10, 13, "card 'a': unknown source id 'zhou 2024' (did you mean 'zhou2024'?)"),
        (
            "[rieser2021, zhou 2024]",
            10,
            26,
            "card 'a': unknown source id 'zhou 2024' (did you mean 'zhou2024'?)",
        ),
        ("no such thing", 10, 13, "card 'a': 'source' is not a valid id: 'no such thing'"),
    ],
)
def test_an_invalid_source_id_is_one_error_with_the_suggestion(
    tmp_path: Path, source: str, line: int, column: int, message: str
) -> None:
    """'source: zhou 2024' gave two errors for one mistake, 'not a valid id' and 'unknown
    source id ... (did you mean 'zhou2024'?)': one is said, with the suggestion when the
    bibliography has a close id; validate and sync say the same."""
    from studyapp.services.library import Library
    from studyapp.services.validate import validate_paths

    body = HEADER + f"  - id: a\n    front: Q\n    back: A\n    source: {source}\n"
    (tmp_path / "decks").mkdir()
    path = write(tmp_path / "decks", body)
    found = [(p.line, p.column, p.message) for p in validate_paths([path]).problems]
    assert found == [(line, column, message)]
    with Library(tmp_path / "data") as library:
        plan = library.sync([tmp_path / "decks"])
    assert not plan.ok
    assert [str(p).split(": error: ", 1)[1] for p in plan.problems] == [message]
