"""A first import's fast path validates cards without a model each
(:mod:`studyapp.deckfile.records`): it must accept exactly what the card models accept, and
give every field the value the model gives it (issue 19)."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest
from pydantic import ValidationError

from benchmarks.course import generate
from studyapp.deckfile import records as records_module
from studyapp.deckfile.discover import discover_deck_files
from studyapp.deckfile.loader import parse_deck
from studyapp.deckfile.records import CardRecord, validate_records
from studyapp.deckfile.schema import BasicCard, ClozeCard, DeckFileModel, ReversedCard
from studyapp.deckfile.yamlsource import load_fast
from studyapp.services.paths import bundled_decks_dir

HEADER = {"id": "d", "title": "A deck", "family": "terms"}
BASES: list[dict[str, Any]] = [
    {"id": "b1", "source": "s1", "front": "Q", "back": "A"},
    {"id": "r1", "type": "reversed", "source": ["s1", "s2"], "front": "Q", "back": "A"},
    {"id": "c1", "type": "cloze", "source": "s1", "text": "A {{c1::b}}.", "tags": ["x"]},
    {
        "id": "o1",
        "source": "s1",
        "front": "Q",
        "back": "A",
        "cite": ["p1"],
        "as_of": 2020,
        "retired": "Gone.",
        "replaced_by": "b1",
        "inherit_progress": True,
        "sensitive": True,
        "content_note": "Heavy.",
        "critical": True,
        "image": {"file": "images/a.svg", "alt": "An arc.", "side": "question"},
        "module": 2,
        "revision": 3,
        "extra": "More.",
        "correction": "Fixed.",
    },
]
VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    2,
    -1,
    999,
    1000,
    1899,
    1900,
    2200,
    2201,
    1.0,
    1.5,
    "",
    " ",
    "\n",
    "x",
    "abc",
    "a b",
    "Abc",
    "a_b",
    "a:b",
    "-a",
    "a.b",
    "x" * 121,
    "x" * 301,
    "x" * 20_001,
    [],
    ["x"],
    ["x", "y"],
    ["A b"],
    [1],
    [None],
    ("x",),
    {},
    {"file": "a.svg", "alt": "A"},
    {"file": "a.svg", "alt": "A", "side": "question"},
    {"file": "a.svg"},
    {"file": "a.svg", "alt": "A", "side": "left"},
    {"file": " ", "alt": "A"},
    "basic",
    "reversed",
    "cloze",
    "Basic",
    "question",
    date(2020, 1, 1),
    "{{c1::x}}",
]
FIELDS = sorted(
    {name for model in (BasicCard, ReversedCard, ClozeCard) for name in model.model_fields}
    | {"unknown", "Front"}
)


def model_answer(data: Any) -> DeckFileModel | None:
    try:
        return DeckFileModel.model_validate(data)
    except ValidationError:
        return None


def assert_same(data: Any) -> bool:
    """Both ways accept ``data`` or both reject it; accepted, the same values. True if
    accepted."""
    model = model_answer(data)
    got = validate_records(data)
    assert (got is None) == (model is None), data
    if model is None or got is None:
        return False
    assert got.format_version == model.format_version
    assert got.deck == model.deck
    assert len(got.cards) == len(model.cards)
    for record, card in zip(got.cards, model.cards, strict=True):
        assert type(cast(Any, record)) is CardRecord
        assert record.__dict__ == card.__dict__, data
        for name, value in card.__dict__.items():
            assert type(getattr(record, name)) is type(value), (name, data)
            assert getattr(record, name) == value
        assert (record.sources, record.cites) == (card.sources, card.cites)
        with pytest.raises(AttributeError):
            _ = cast(Any, record).no_such_field
    return True


def deck_of(*cards: Any, **top: Any) -> dict[str, Any]:
    return {"format_version": 1, "deck": dict(HEADER), "cards": list(cards)} | top


def test_the_validator_is_derived_from_the_models() -> None:
    # If pydantic's compiled schema changed shape, records would quietly be off (the fast
    # path then validates with models, correct but slower): this says so.
    assert records_module._validator() is not None


@pytest.mark.parametrize("base", BASES, ids=lambda b: str(b["id"]))
def test_each_field_set_to_each_value_is_judged_alike(base: dict[str, Any]) -> None:
    accepted = 0
    assert assert_same(deck_of(base))
    for name in FIELDS:
        for value in VALUES:
            accepted += assert_same(deck_of(base | {name: value}))
        if name in base:
            rest = {k: v for k, v in base.items() if k != name}
            assert_same(deck_of(rest))
    assert accepted > 50  # (the values hold both kinds of answer for most fields)


def test_random_changes_to_cards_header_and_file_are_judged_alike() -> None:
    rng = random.Random(20261129)
    tops = ["format_version", "deck", "cards", "unknown"]
    for _ in range(3000):
        cards = []
        for _card in range(rng.randint(0, 3)):
            card = dict(rng.choice(BASES))
            for _change in range(rng.randint(0, 3)):
                name = rng.choice(FIELDS)
                if rng.random() < 0.2:
                    card.pop(name, None)
                else:
                    card[name] = rng.choice(VALUES)
            cards.append(card if rng.random() < 0.95 else rng.choice(VALUES))
        data: Any = deck_of(*cards)
        if rng.random() < 0.2:
            data["deck"] = dict(HEADER) | {rng.choice([*HEADER, "module"]): rng.choice(VALUES)}
        if rng.random() < 0.1:
            name = rng.choice(tops)
            if rng.random() < 0.5:
                data.pop(name, None)
            else:
                data[name] = rng.choice([*VALUES, 1])
        if rng.random() < 0.02:
            data = rng.choice(VALUES)
        assert_same(data)


@pytest.fixture(scope="module")
def deck_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    generated = generate(600, tmp_path_factory.mktemp("course")).folder
    files, _bibliographies = discover_deck_files([bundled_decks_dir(), generated], [])
    return files


def test_every_bundled_and_generated_deck_gives_the_models_values(deck_files: list[Path]) -> None:
    read = 0
    for path in deck_files:
        text = path.read_text(encoding="utf-8")
        data = load_fast(text)
        if data is not None:
            read += assert_same(data)
        as_records, as_models = parse_deck(path, records=True), parse_deck(path)
        assert as_records.problems == as_models.problems
        assert as_records.card_positions == as_models.card_positions
        assert as_records.ok and as_models.ok
        assert as_records.model is not None and as_models.model is not None
        assert as_records.model.deck == as_models.model.deck
        assert [c.__dict__ for c in as_records.model.cards] == [
            c.__dict__ for c in as_models.model.cards
        ]
    assert read >= len(deck_files) // 2


def test_a_file_with_problems_reports_the_same_problems_either_way(tmp_path: Path) -> None:
    path = tmp_path / "deck.yaml"
    path.write_text(
        "format_version: 1\ndeck: {id: d, title: A deck, family: terms}\ncards:\n"
        "- id: a\n  source: s1\n  front: Q\n  back: A\n  revision: 0\n"
        "- id: b\n  type: cloze\n  source: s1\n  text: no deletion\n"
        "- id: c\n  source: s1\n  front: Q\n  back: A\n  colour: red\n",
        encoding="utf-8",
    )
    as_records, as_models = parse_deck(path, records=True), parse_deck(path)
    assert as_records.problems and as_records.problems == as_models.problems
    assert not as_records.ok and not as_models.ok


def _unions(schema: Any) -> list[dict[str, Any]]:
    if isinstance(schema, dict):
        found = [schema] if schema.get("type") == "union" else []
        return found + [u for value in schema.values() for u in _unions(value)]
    if isinstance(schema, list):
        return [u for value in schema for u in _unions(value)]
    return []


def test_the_cards_unions_are_tried_in_order_and_the_models_schema_is_left_alone() -> None:
    # The derived validator's card unions (source, cite) run "left_to_right" (the choices are
    # disjoint by type, so the answers are those of "smart": the tests above); the model's
    # own compiled schema, shared where unchanged, is not modified by deriving.
    model_schema = DeckFileModel.__pydantic_core_schema__
    before = repr(model_schema)
    cards = [
        d
        for d in model_schema["definitions"]
        if d.get("cls") in (BasicCard, ReversedCard, ClozeCard)
    ]
    derived = [records_module._as_typed_dict(card) for card in cards]
    unions = _unions(derived)
    assert len(unions) == 6
    assert all(union["mode"] == "left_to_right" for union in unions)
    assert all("mode" not in union for union in _unions(cards))
    assert records_module._derive() is not None
    assert repr(model_schema) == before


def test_defaults_are_the_models_and_a_default_list_is_each_cards_own() -> None:
    # The validator fills in the defaults itself (no merge after it): every optional field
    # present with the model's default, and ``tags``' factory called for each card.
    bare = {"id": "b1", "source": "s1", "front": "Q", "back": "A"}
    data = deck_of(bare, dict(bare, id="b2"), {"id": "c1", "type": "cloze", "source": "s1",
                                                 "text": "A {{c1::b}}."})  # fmt: skip
    got, model = validate_records(data), model_answer(data)
    assert got is not None and model is not None
    assert [r.__dict__ for r in got.cards] == [c.__dict__ for c in model.cards]
    first, second, _cloze = got.cards
    assert set(first.__dict__) == set(BasicCard.model_fields)
    assert first.tags == [] and first.tags is not second.tags
    first.tags.append("x")
    assert second.tags == [] and validate_records(data).cards[0].tags == []  # type: ignore[union-attr]
