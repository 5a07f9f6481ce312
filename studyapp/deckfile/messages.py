"""Pydantic's validation errors in an author's words, each at its line and column.

Pydantic reports every branch of a union that did not fit and names fields by their path;
an author wants one message per mistake, about the card they wrote, with a suggestion for a
misspelt field. Only the first :data:`~studyapp.deckfile.reading.MAX_PROBLEMS_PER_FILE`
errors are reported: a file with thousands of broken cards is reported in the time one
takes.
"""

from __future__ import annotations

import studyapp.core.pydanticload  # noqa: F401  (first: pydantic whole, one thread at a time)

# isort: split
import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from studyapp.deckfile.reading import MAX_PROBLEMS_PER_FILE
from studyapp.deckfile.schema import (
    SLUG_PATTERN,
    SOURCE_ID_PATTERN,
    TAG_PATTERN,
    BibEntry,
    DeckFileModel,
)
from studyapp.deckfile.yamlsource import LoadedYaml, locate

__all__ = ["field_label", "suggest", "validate"]

M = TypeVar("M", bound=BaseModel)

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "a mapping",
    "dict_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def validate(model: type[M], loaded: LoadedYaml) -> M | None:
    """The validated model, or None with the errors reported (the first
    :data:`MAX_PROBLEMS_PER_FILE`: a file with thousands of broken cards is reported in
    the time one takes, and fixing the first ones usually fixes the pattern)."""
    try:
        return model.model_validate(loaded.data)
    except ValidationError as exc:
        total = exc.error_count()
        errors = _first_errors(model, loaded.data, exc)
        relevant = _relevant_errors(errors, loaded.data)
        for loc, error in relevant[:MAX_PROBLEMS_PER_FILE]:
            _report(loaded, loc, error)
        if len(relevant) > MAX_PROBLEMS_PER_FILE or total > len(errors):
            loaded.error(
                None,
                f"only the first {MAX_PROBLEMS_PER_FILE} of this file's {total:,} problems "
                "are shown; fix those and validate again",
            )
        return None


def _first_errors(model: type[BaseModel], data: Any, exc: ValidationError) -> list[Any]:
    """``exc``'s errors, or for a file with very many, those of its first list items only
    (listing 45,000 errors alone takes a third of a second)."""
    if exc.error_count() <= MAX_PROBLEMS_PER_FILE * 5 or not isinstance(data, dict):
        return exc.errors(include_url=False)
    head = {k: v[:MAX_PROBLEMS_PER_FILE] if isinstance(v, list) else v for k, v in data.items()}
    try:
        model.model_validate(head)
    except ValidationError as first:
        return first.errors(include_url=False)
    return exc.errors(include_url=False)  # pragma: no cover - the head has errors too


def _walk(loc: Sequence[Any], data: Any) -> tuple[tuple[Any, ...], list[int]]:
    """The part of ``loc`` that exists in ``data``, and the indexes of union-branch markers."""
    real: list[Any] = []
    markers: list[int] = []
    current = data
    for index, part in enumerate(loc):
        if isinstance(current, dict) and part in current:
            current = current[part]
            real.append(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
            real.append(part)
        elif index == len(loc) - 1 and isinstance(part, str) and isinstance(current, dict):
            real.append(part)  # a missing field's name
        else:
            markers.append(index)
    return tuple(real), markers


def _relevant_errors(errors: list[Any], data: Any) -> list[tuple[tuple[Any, ...], Any]]:
    """Drop the errors of union branches that do not fit the input, keeping the deepest."""
    walked = [(_walk(e["loc"], data), e) for e in errors]
    branches: dict[tuple[Any, ...], dict[Any, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for (real, markers), error in walked:
        if markers:
            last = markers[-1]  # the innermost union decides between its branches
            prefix = tuple(error["loc"][:last])
            branches[prefix][error["loc"][last]].append((real, error))
    chosen: set[int] = set()
    for options in branches.values():
        if len(options) == 1:
            for _real, error in next(iter(options.values())):
                chosen.add(id(error))
            continue
        best = max(options.values(), key=lambda errs: max(len(r) for r, _ in errs))
        for _real, error in best:
            chosen.add(id(error))
    result = []
    seen: set[tuple[Any, ...]] = set()
    for (real, markers), error in walked:
        if markers and id(error) not in chosen:
            continue
        key = (real, error["type"])
        if key in seen:
            continue
        seen.add(key)
        result.append((real, error))
    return result


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _context(loc: tuple[Any, ...], data: Any) -> str:
    if len(loc) >= 2 and loc[0] == "cards" and isinstance(loc[1], int):
        cards = data.get("cards") if isinstance(data, dict) else None
        card = cards[loc[1]] if isinstance(cards, list) and loc[1] < len(cards) else None
        if isinstance(card, dict) and isinstance(card.get("id"), str):
            return f"card {card['id']!r}: "
        return f"card #{loc[1] + 1}: "
    if loc and loc[0] == "sources" and len(loc) >= 2 and isinstance(loc[1], int):
        return f"source #{loc[1] + 1}: "
    return ""


def _field_name(loc: tuple[Any, ...]) -> str:
    names = [str(p) for p in loc if isinstance(p, str)]
    tail = list(loc[loc.index(names[-1]) :]) if names else []
    text = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in tail)
    return text.replace(".[", "[") or "value"


def field_label(loc: tuple[Any, ...], data: Any) -> str:
    """How a message names the value at ``loc``: ``card 'x': 'back'``, ``'title'``."""
    return f"{_context(loc, data)}{_field_name(loc)!r}"


_SLUG = re.compile(SLUG_PATTERN)


def _checked_across_files(data: Any, loc: tuple[Any, ...], value: Any) -> bool:
    """A card's ``source`` or ``cite`` id that is not valid, which the checks across files
    report too (the card's stub carries it: a card whose own id is valid): as an unknown id
    with the bibliography's closest (``source: zhou 2024``: did you mean 'zhou2024'?), so
    this check says nothing of it, and one mistake is one error."""
    if not (isinstance(value, str) and value and len(loc) >= 3 and loc[0] == "cards"):
        return False
    if not isinstance(loc[1], int) or not any(part in ("source", "cite") for part in loc[2:]):
        return False
    cards = data.get("cards") if isinstance(data, dict) else None
    card = cards[loc[1]] if isinstance(cards, list) and loc[1] < len(cards) else None
    card_id = card.get("id") if isinstance(card, dict) else None
    return isinstance(card_id, str) and _SLUG.match(card_id) is not None


def _report(loaded: LoadedYaml, loc: tuple[Any, ...], error: Any) -> None:
    kind = error["type"]
    context = _context(loc, loaded.data)
    name = _field_name(loc)
    value = error.get("input")
    if kind == "extra_forbidden":
        parent = loc[:-1]
        node = locate(loaded.root, loc, key=True)
        elsewhere = _other_card_type(loaded.data, parent, str(loc[-1]))
        if elsewhere is not None:
            kinds, current = elsewhere
            loaded.error(
                node,
                f"{context}{loc[-1]!r} is a field of {' and '.join(kinds)} cards, and this card "
                f"is {current}; {_type_fix(kinds, current)}",
            )
            return
        allowed = _allowed_fields(loaded.data, parent)
        suffix = suggest(str(loc[-1]), allowed)
        loaded.error(node, f"{context}unknown field {loc[-1]!r}{suffix}")
        return
    if kind == "missing":
        if loc == ("format_version",):
            return  # reported by the version check, with the number to write
        if _explained_by_type(loaded.data, loc):
            return  # the card's fields of another type are reported, with the fix
        node = locate(loaded.root, loc[:-1])
        loaded.error(node, f"{context}missing required field {loc[-1]!r}")
        return
    node = locate(loaded.root, loc)
    if kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag")
        loaded.error(
            locate(loaded.root, (*loc, "type")),
            f"{context}unknown card type {tag!r}; expected basic, reversed or cloze",
        )
    elif kind == "union_tag_not_found":
        loaded.error(
            node,
            f"{context}each card must be a mapping (id, source and its texts), "
            f"not {_describe(value)}",
        )
    elif kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern")
        if pattern == r"\S":
            loaded.error(node, f"{context}{name!r} is empty")
        elif pattern in (SLUG_PATTERN, TAG_PATTERN):
            marks = "hyphens" if pattern == SLUG_PATTERN else "'-', '_' and ':'"
            loaded.error(
                node,
                f"{context}{name!r} must be lowercase letters, digits and {marks}, "
                f"starting with a letter or digit (got {value!r})",
            )
        elif pattern == SOURCE_ID_PATTERN and _checked_across_files(loaded.data, loc, value):
            return  # one error, with the bibliography's closest id (check_collection's)
        else:
            loaded.error(node, f"{context}{name!r} is not a valid id: {value!r}")
    elif kind in _EXPECTED:
        loaded.error(node, f"{context}{name!r} must be {_EXPECTED[kind]}, not {_describe(value)}")
    elif kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        loaded.error(node, f"{context}{name!r} must be {expected} (got {value!r})")
    elif kind == "too_short":
        loaded.error(node, f"{context}{name!r} must not be empty")
    else:
        loaded.error(node, f"{context}{name!r}: {error['msg'][:1].lower()}{error['msg'][1:]}")


_TYPE_FIELDS = {"basic": {"front", "back"}, "reversed": {"front", "back"}, "cloze": {"text"}}
"""The fields only some card types have (every other card field is common to all)."""


def _card_at(data: Any, parent: tuple[Any, ...]) -> dict[str, Any] | None:
    if len(parent) == 2 and parent[0] == "cards" and isinstance(data, dict):
        cards = data.get("cards")
        if isinstance(cards, list) and isinstance(parent[1], int) and parent[1] < len(cards):
            card = cards[parent[1]]
            return card if isinstance(card, dict) else None
    return None


def _card_type(card: dict[str, Any]) -> str:
    kind = card.get("type", "basic")
    return kind if isinstance(kind, str) else "basic"


def _other_card_type(data: Any, parent: tuple[Any, ...], name: str) -> tuple[list[str], str] | None:
    """For a card field that belongs to other card types: those types and the card's own
    (as the schema's ``type`` says: a card without one is basic)."""
    card = _card_at(data, parent)
    if card is None:
        return None
    current = _card_type(card)
    kinds = [k for k, names in _TYPE_FIELDS.items() if name in names and k != current]
    if not kinds or name in _TYPE_FIELDS.get(current, set()):
        return None
    return kinds, current if "type" in card else "basic (it has no 'type')"


def _type_fix(kinds: list[str], current: str) -> str:
    if kinds == ["cloze"]:
        return "add 'type: cloze' to make it a cloze card"
    return "remove 'type: cloze' (a basic card) or write 'type: reversed'"


def _explained_by_type(data: Any, loc: tuple[Any, ...]) -> bool:
    """A missing card field that only the card's own type needs, on a card that holds the
    fields of another type: the type is wrong, and that is reported once, with the fix."""
    card = _card_at(data, loc[:-1])
    if card is None:
        return False
    own = _TYPE_FIELDS.get(_card_type(card), set())
    others = set().union(*_TYPE_FIELDS.values()) - own
    return loc[-1] in own and any(name in card for name in others)


def _allowed_fields(data: Any, parent: tuple[Any, ...]) -> list[str]:
    from studyapp.deckfile import schema

    if parent == ():
        return list(DeckFileModel.model_fields)
    if parent == ("deck",):
        return list(schema.DeckHeader.model_fields)
    if len(parent) == 2 and parent[0] == "cards":
        kind = data["cards"][parent[1]].get("type", "basic")
        by_type: dict[str, type[BaseModel]] = {
            "reversed": schema.ReversedCard,
            "cloze": schema.ClozeCard,
        }
        return list(by_type.get(kind, schema.BasicCard).model_fields)
    if len(parent) == 2 and parent[0] == "sources":
        return list(BibEntry.model_fields)
    if len(parent) == 3 and parent[0] == "cards" and parent[2] == "image":
        return list(schema.CardImage.model_fields)
    return []


def suggest(name: str, known: Iterable[str]) -> str:
    if len(name) > 100:  # no name is that long; difflib would index every character
        return ""
    hint = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""
