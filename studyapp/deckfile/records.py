"""A deck file's cards validated by the deck format's own rules without a pydantic model per
card, for a first import's fast path (:func:`studyapp.deckfile.fastpath.parse_fast`).

The validator is derived from :class:`~studyapp.deckfile.schema.DeckFileModel`'s compiled
schema: the same field schemas (types, patterns, lengths, bounds, the card kinds'
discriminator, strictness, no unknown keys), with the file and its cards validated into
plain dicts instead of model instances. Each card then becomes a :class:`CardRecord`: its
fields by name, defaults filled in, read exactly as a card model's are (attributes,
``__dict__``, ``sources``/``cites``).

A first import reads each card's fields a few times (checks, rows, what the checks across
files keep) and never needs the model itself: the 50,000-note benchmark course's cards
validated and made 233 -> 171 ms, and freed 47 -> 29 ms (in-process CPU, best of 5, busy
machine). A file the validator does not accept takes the located path, whose model
validation reports every problem; a test pins that both accept and reject the same inputs
and give the same values.
"""

from __future__ import annotations

import studyapp.core.pydanticload  # noqa: F401  (first: pydantic whole, one thread at a time)

# isort: split
import functools
from typing import Any

from pydantic import ValidationError
from pydantic_core import SchemaValidator, core_schema

from studyapp.deckfile.schema import (
    BasicCard,
    ClozeCard,
    DeckFileModel,
    ReversedCard,
    listed,
)

__all__ = ["CardRecord", "validate_records"]

_CARD_MODELS = (BasicCard, ReversedCard, ClozeCard)


class CardRecord:
    """A valid card entry: every field of its card model by name, as the model has it."""

    __slots__ = ("__dict__",)

    @property
    def sources(self) -> list[str]:
        return listed(self.__dict__["source"])

    @property
    def cites(self) -> list[str]:
        return listed(self.__dict__["cite"])

    def __repr__(self) -> str:
        return f"CardRecord({self.__dict__!r})"


_new_record = object.__new__


def _left_to_right(schema: Any) -> Any:
    """``schema`` with each union in it tried in order ("left_to_right") rather than in
    pydantic-core's "smart" mode; a union's parts copied, the rest shared.

    The deck format's unions (a card's ``source`` and ``cite``: one id or a list of them)
    are strict and their choices disjoint by type (a str is never a list), so at most one
    choice can accept a value in either mode and both give the same answer; "smart" tries
    every choice and keeps score. Small: validating the 50,000-note course's 50 files
    (callgrind, the same script with the defaults below either way) 1,946.1 -> 1,938.9 M
    instructions (-0.4%, ~2 ms); importparse-r9 timed 130-136 -> 121-130 ms (load 3.4).
    tests/deckfile/test_records.py pins the same answers, that the derived validator's
    unions are in this mode, and that the model's own schema is left as it was.
    """
    if isinstance(schema, dict):
        changed = {key: _left_to_right(value) for key, value in schema.items()}
        if schema.get("type") == "union":
            changed["mode"] = "left_to_right"
        return changed if any(changed[k] is not schema.get(k) for k in changed) else schema
    if isinstance(schema, list):
        items = [_left_to_right(value) for value in schema]
        return items if any(a is not b for a, b in zip(items, schema, strict=True)) else schema
    return schema


def _as_typed_dict(schema: Any) -> Any:
    """A model's compiled schema as a typed dict's: the same field schemas, each field with
    a default optional and given its default when absent (as the model gives it: the same
    default schema, so a factory such as ``tags``' list is called for each card), the same
    config.

    The defaults filled in by pydantic-core itself, not merged afterwards (``defaults |
    fields`` made a second dict a card, and the validator's own was freed): the validated
    dict is the record's ``__dict__``, one dict of a card's 19 fields fewer made and freed.
    The same instructions (validating the 50,000-note course's 50 files, callgrind: merged
    after 1,937.5 M, filled in by pydantic-core 1,946.1 M), less memory traffic: in-process
    thread CPU of the same validation, old and new alternating in one process, medians
    158.0 -> 148.5 ms (9 rounds), 160.9 -> 156.1 (15), 162.6 -> 156.8 (21), load 2.9-3.8.
    tests/deckfile/test_records.py pins the same values and a fresh ``tags`` list a card.
    The whole sa_import worker with this, the union mode below and services/library.py's
    lazy overview import (main d69d600 -> de79cba, interleaved, wait4 CPU, load 1.1-1.7):
    50k 1.584 -> 1.569 s (9+9), 200k 5.532 -> 5.529 s (5+5), peak RSS -1 MB; callgrind at
    50k 15,311.1 -> 15,292.5 M (-0.12%): small, within the noise.
    """
    if schema.get("type") != "model" or schema["schema"].get("type") != "model-fields":
        raise ValueError("not a model schema")
    fields = {}
    for name, field in schema["schema"]["fields"].items():
        if field.get("type") != "model-field":
            raise ValueError(f"unexpected field schema for {name!r}")
        inner = _left_to_right(field["schema"])
        fields[name] = core_schema.typed_dict_field(inner, required=inner.get("type") != "default")
    config: Any = schema.get("config") or {}
    if config.get("extra_fields_behavior") != "forbid" or config.get("strict") is not True:
        raise ValueError("the deck format's models are strict and forbid unknown keys")
    return core_schema.typed_dict_schema(
        fields, ref=schema.get("ref"), extra_behavior="forbid", strict=True, config=config
    )


def _derive() -> SchemaValidator | None:
    """The file's validator with plain dicts for the file and its cards, or None if the
    compiled schema is not shaped as expected (then the models validate, as before)."""
    try:
        # A shallow copy: _as_typed_dict makes new dicts where it changes one and shares the
        # model's (never changed) field schemas otherwise.
        schema: Any = dict(DeckFileModel.__pydantic_core_schema__)
        if schema.get("type") != "definitions":
            return None
        converted = 0
        definitions = []
        for definition in schema["definitions"]:
            if definition.get("type") == "model" and definition.get("cls") in _CARD_MODELS:
                definition = _as_typed_dict(definition)
                converted += 1
            definitions.append(definition)
        if converted != len(_CARD_MODELS) or schema["schema"].get("cls") is not DeckFileModel:
            return None
        schema["definitions"] = definitions
        schema["schema"] = _as_typed_dict(schema["schema"])
        return SchemaValidator(schema, schema["schema"].get("config"))
    except (KeyError, TypeError, ValueError, AttributeError):  # pragma: no cover
        return None


@functools.cache
def _validator() -> SchemaValidator | None:
    """:func:`_derive`, once, when first needed (6 ms: a process that never imports decks
    pays nothing)."""
    return _derive()


def validate_records(data: Any) -> DeckFileModel | None:
    """``data`` (a deck file's YAML) as the validated deck, its cards :class:`CardRecord`
    instead of card models; None if it is not valid (or the validator could not be
    derived): the caller takes the model path, which reports why."""
    validator = _validator()
    if validator is None:
        return None
    try:
        valid = validator.validate_python(data)
    except ValidationError:
        return None
    # Each validated card dict (its defaults filled in by the validator) is the record's.
    records: list[CardRecord] = []
    append = records.append
    for fields in valid["cards"]:
        record = _new_record(CardRecord)
        record.__dict__ = fields
        append(record)
    return DeckFileModel.model_construct(
        format_version=valid["format_version"], deck=valid["deck"], cards=records
    )
