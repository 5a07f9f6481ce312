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

import copy
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

_DEFAULTS: dict[str, Any] = {
    name: field.get_default(call_default_factory=True)
    for name, field in BasicCard.model_fields.items()
    if not field.is_required()
}
"""A card's optional fields and their defaults (a basic card's ``type`` among them: the
other kinds require theirs). ``tags`` is made anew for each card, as its factory does."""
assert all(
    {n: f.get_default(call_default_factory=True) for n, f in m.model_fields.items()}.get(n, v) == v
    for m in _CARD_MODELS
    for n, v in _DEFAULTS.items()
    if n != "type"
), "the card kinds' optional fields must share their defaults"


def _as_typed_dict(schema: Any) -> Any:
    """A model's compiled schema as a typed dict's: the same field schemas, each field with
    a default optional (and left out when absent), the same config."""
    if schema.get("type") != "model" or schema["schema"].get("type") != "model-fields":
        raise ValueError("not a model schema")
    fields = {}
    for name, field in schema["schema"]["fields"].items():
        if field.get("type") != "model-field":
            raise ValueError(f"unexpected field schema for {name!r}")
        inner = field["schema"]
        if inner.get("type") == "default":
            fields[name] = core_schema.typed_dict_field(inner["schema"], required=False)
        else:
            fields[name] = core_schema.typed_dict_field(inner, required=True)
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
        schema: Any = copy.deepcopy(DeckFileModel.__pydantic_core_schema__)
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
    defaults = _DEFAULTS
    records: list[CardRecord] = []
    append = records.append
    for fields in valid["cards"]:
        record = _new_record(CardRecord)
        record.__dict__ = defaults | fields
        if "tags" not in fields:
            record.__dict__["tags"] = []
        append(record)
    return DeckFileModel.model_construct(
        format_version=valid["format_version"], deck=valid["deck"], cards=records
    )
