"""Editor parity: a plain value that YAML 1.1 (StudyApp's loader) and YAML 1.2 (editors)
read differently is a located error that says to quote it, reported once; the validator's
hints about card fields agree with the schema's ``type``."""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.deckfile.loader import parse_deck
from studyapp.deckfile.yamlsource import load_fast, load_yaml, version_ambiguity

# plain scalar -> (what YAML 1.1 reads, what YAML 1.2 reads)
DIFFERENT = {
    "yes": (True, "yes"),
    "No": (False, "No"),
    "on": (True, "on"),
    "OFF": (False, "OFF"),
    "y": ("y", "y"),  # text to PyYAML and YAML 1.2, true to the YAML 1.1 specification
    "n": ("n", "n"),
    "010": (8, 10),
    "08": ("08", 8),
    "0o3720": ("0o3720", 2000),
    "0b101": (5, "0b101"),
    "1_000": (1000, "1_000"),
    "1:20": (80, "1:20"),
    "1e3": ("1e3", 1000.0),
    "-0x1F": (-31, "-0x1F"),
}
SAME = ["2019", "-5", "+3", "0", "00", "0x1F", "1.5", ".5", "true", "False", "~", "null", "abc"]


@pytest.mark.parametrize("plain", DIFFERENT, ids=DIFFERENT.keys())
def test_a_plain_value_the_versions_disagree_on_is_one_located_error(plain: str) -> None:
    loaded = load_yaml("f.yaml", f"a: x\nk: {plain}\n".encode())
    assert len(loaded.problems) == 1, loaded.problems
    problem = loaded.problems[0]
    assert (problem.line, problem.column) == (2, 4)
    assert "quote it" in problem.message or "plainly" in problem.message
    assert "YAML 1.1" in problem.message
    # the value goes on as YAML 1.2 reads it (y and n: as text), so nothing else complains
    assert loaded.data["k"] == DIFFERENT[plain][1]
    assert load_fast(f"k: {plain}\n") is None  # never accepted by the fast path


@pytest.mark.parametrize("plain", SAME)
def test_plain_values_both_versions_read_alike_pass(plain: str) -> None:
    assert load_yaml("f.yaml", f"k: {plain}\n".encode()).problems == []
    assert version_ambiguity(plain, load_yaml("f", f"k: {plain}\n".encode()).data["k"]) is None


@pytest.mark.parametrize("written", ["'yes'", '"010"', "!!str 1:20", "|\n  yes\n", "'1e3'"])
def test_quoted_tagged_or_block_values_pass(written: str) -> None:
    assert load_yaml("f.yaml", f"k: {written}\n".encode()).problems == []


def test_a_date_means_the_same_date_in_both_versions() -> None:
    assert load_yaml("f.yaml", b"release: 2026-01-12\n").problems == []


def test_keys_are_checked_too() -> None:
    loaded = load_yaml("f.yaml", b"on: 1\n")
    assert [(p.line, p.column) for p in loaded.problems] == [(1, 1)]
    assert loaded.data == {"on": 1}


HEADER = "format_version: 1\ndeck: {id: d, title: D, family: terms}\ncards:\n"


def deck_problems(tmp_path: Path, cards: str) -> list[str]:
    path = tmp_path / "d.yaml"
    path.write_text(HEADER + cards, encoding="utf-8")
    return [f"{p.line}:{p.column}: {p.message}" for p in parse_deck(path).problems]


def test_front_yes_in_a_deck_is_one_error_saying_to_quote_it(tmp_path: Path) -> None:
    found = deck_problems(tmp_path, "  - id: a\n    front: yes\n    back: B\n    source: s\n")
    assert found == [
        "5:12: 'yes' reads as true in YAML 1.1 (StudyApp) but as text in YAML 1.2 (editors); "
        "quote it ('yes') if you mean text, or write true"
    ]


def test_as_of_in_octal_is_one_error(tmp_path: Path) -> None:
    card = "  - id: a\n    front: F\n    back: B\n    as_of: 0o3720\n    source: s\n"
    found = deck_problems(tmp_path, card)
    assert len(found) == 1 and found[0].startswith("7:12: '0o3720' reads as text"), found


def test_a_boolean_field_written_yes_is_one_error(tmp_path: Path) -> None:
    # The value goes on as an editor reads it (the text 'yes'), which a boolean field then
    # refused a second time at the same place ("'critical' must be true or false, not text").
    card = "  - id: a\n    front: F\n    back: B\n    critical: yes\n    source: s\n"
    found = deck_problems(tmp_path, card)
    assert found == [
        "7:15: 'yes' reads as true in YAML 1.1 (StudyApp) but as text in YAML 1.2 (editors); "
        "quote it ('yes') if you mean text, or write true"
    ]


def test_a_cloze_card_without_its_type_is_told_to_add_it(tmp_path: Path) -> None:
    found = deck_problems(tmp_path, "  - id: a\n    text: '{{c1::x}}'\n    source: s\n")
    assert found == [
        "5:5: card 'a': 'text' is a field of cloze cards, and this card is basic (it has no "
        "'type'); add 'type: cloze' to make it a cloze card"
    ]
    assert "did you mean" not in found[0]


def test_a_cloze_card_with_front_and_back_is_told_its_type(tmp_path: Path) -> None:
    card = "  - id: a\n    type: cloze\n    front: Q\n    back: A\n    source: s\n"
    found = deck_problems(tmp_path, card)
    assert len(found) == 2 and all("this card is cloze" in f for f in found), found


def test_a_misspelled_field_still_gets_a_suggestion_from_its_own_type(tmp_path: Path) -> None:
    card = "  - id: a\n    front: Q\n    back: A\n    exrta: x\n    source: s\n"
    assert deck_problems(tmp_path, card) == [
        "7:5: card 'a': unknown field 'exrta' (did you mean 'extra'?)"
    ]


def test_an_unknown_type_lists_all_three(tmp_path: Path) -> None:
    card = "  - id: a\n    type: clozee\n    text: x\n    source: s\n"
    found = deck_problems(tmp_path, card)
    assert found == [
        "5:11: card 'a': unknown card type 'clozee'; expected basic, reversed or cloze"
    ]
