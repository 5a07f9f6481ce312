"""Reading and validating deck files and bibliographies, collecting every problem at once."""

from __future__ import annotations

import difflib
import hashlib
import operator
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from studyapp.core.cloze import check_cloze
from studyapp.deckfile.discover import BIBLIOGRAPHY_NAMES, discover_deck_files
from studyapp.deckfile.problems import Problem, Severity
from studyapp.deckfile.reading import MAX_PROBLEMS_PER_FILE, read_source
from studyapp.deckfile.schema import (
    FORMAT_VERSION,
    SLUG_PATTERN,
    TAG_PATTERN,
    BibEntry,
    Bibliography,
    CardEntry,
    DeckFileModel,
)
from studyapp.deckfile.yamlsource import LoadedYaml, load_fast, load_yaml, locate

__all__ = [
    "BIBLIOGRAPHY_NAMES",
    "ParsedBibliography",
    "ParsedDeck",
    "check_collection",
    "discover_deck_files",
    "parse_bibliography",
    "parse_deck",
    "read_bibliographies",
]

M = TypeVar("M", bound=BaseModel)

EVIDENCE_FAMILY = "evidence"

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


@dataclass
class ParsedDeck:
    """One deck file after reading and validating it on its own.

    Attributes:
        path: the path as given (used in problem messages).
        digest: SHA-256 of the file's bytes, for skipping unchanged files.
        model: the validated deck, or None if the file has errors.
        problems: every problem found in the file alone.
        card_positions: 1-based (line, column) of each card's ``id`` value, by card index.
        root: the document's nodes, for locating problems. A file read by the fast path has
            none until a problem across files needs one; it is composed then from ``raw``.
    """

    path: str
    digest: str
    model: DeckFileModel | None = None
    problems: list[Problem] = field(default_factory=list)
    card_positions: list[tuple[int, int]] = field(default_factory=list)
    _root: yaml.Node | None = field(default=None, repr=False)
    _raw: bytes | None = field(default=None, repr=False)

    @property
    def root(self) -> yaml.Node | None:
        if self._root is None and self._raw is not None:
            self._root = load_yaml(self.path, self._raw).root
            self._raw = None
        return self._root

    @property
    def ok(self) -> bool:
        return self.model is not None and not any(p.is_error for p in self.problems)

    def position_of(self, index: int) -> tuple[int, int]:
        if 0 <= index < len(self.card_positions):
            return self.card_positions[index]
        return (1, 1)


@dataclass
class ParsedBibliography:
    """A bibliography file: its entries by id and its problems."""

    path: str
    entries: dict[str, BibEntry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _read(path: Path, shown: str) -> tuple[bytes | None, list[Problem]]:
    return read_source(path, shown)


def parse_deck(
    path: Path, raw: bytes | None = None, *, shown: str | None = None, digest: str | None = None
) -> ParsedDeck:
    """Read and validate one deck file on its own (cross-file checks come later).

    ``digest`` is the SHA-256 of ``raw`` when the caller has already computed it.
    """
    shown = shown if shown is not None else str(path)
    if raw is None:
        raw, problems = _read(path, shown)
        if raw is None:
            return ParsedDeck(shown, "", problems=problems)
    deck = ParsedDeck(shown, digest or hashlib.sha256(raw).hexdigest())
    if _parse_fast(deck, raw):
        return deck
    loaded = load_yaml(shown, raw)
    deck._root = loaded.root
    deck.problems = loaded.problems
    if loaded.data is None and not loaded.problems:
        loaded.error(None, "the file is empty; a deck needs format_version, deck and cards")
        return deck
    if loaded.data is None:
        return deck
    if not isinstance(loaded.data, dict):
        loaded.error(
            loaded.root, "a deck file must be a mapping with format_version, deck and cards"
        )
        return deck
    if not _check_version(loaded):
        return deck
    model = _validate(DeckFileModel, loaded)
    if isinstance(loaded.data.get("cards"), list):
        deck.card_positions = _card_positions(loaded.root)
    family: str | None
    if model is not None:
        family, indexed = model.deck.family, list(enumerate(model.cards))
    else:
        family, indexed = _salvage_cards(loaded.data)
    _check_cards(family, indexed, loaded)
    if model is not None and not any(p.is_error for p in deck.problems):
        deck.model = model
    return deck


def _parse_fast(deck: ParsedDeck, raw: bytes) -> bool:
    """Read a problem-free deck file by the native parser; False to take the located path.

    Any problem at all (error or warning) sends the file down the located path, which reads
    it again and reports every problem with its line and column.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    data = load_fast(text.removeprefix("\ufeff"))
    if data is None:
        return False
    loaded = LoadedYaml(deck.path, data)
    if not _check_version(loaded) or loaded.problems:
        return False
    try:  # (the located path reports the errors, with their lines)
        model = DeckFileModel.model_validate(data)
    except ValidationError:
        return False
    _check_cards(model.deck.family, list(enumerate(model.cards)), loaded)
    positions = _card_positions_in_text(text, [card.id for card in model.cards])
    if loaded.problems or positions is None:
        return False
    deck.model, deck.card_positions, deck._raw = model, positions, raw
    return True


_CARDS_KEY = re.compile(r"cards:[ ]*(?:#[^\n]*)?\r?\n")
_FIRST_ITEM = re.compile(r"\n( *)-(?=[ \r\n])")
_TOP_LEVEL = re.compile(r"\n(?:[^ #\r\n-]|---|\.\.\.)")
_ID_VALUE = re.compile(r"""(?:'([^']*)'|"([^"\\]*)"|([^'"\s#][^#]*?))(?:[ ]+#.*)?\r?""")


def _card_positions_in_text(text: str, ids: list[str]) -> list[tuple[int, int]] | None:
    """Each card's ``id`` (line, column) in a block-style deck, checked against ``ids``.

    The located path finds these from the nodes; this finds them from the text alone, for
    files read by the fast path. Every position is verified: one item per card at the list's
    indentation, one ``id:`` line within each item whose value is that card's id. Anything
    else (flow style, an id spread over lines, an ``id:`` line in a text) gives None.
    """
    if text.startswith("cards:") + text.count("\ncards:") != 1:
        return None
    head = 0 if text.startswith("cards:") else text.index("\ncards:") + 1
    match = _CARDS_KEY.match(text, head)
    if match is None:
        return None
    start = match.end() - 1  # the line break before the first item
    end_match = _TOP_LEVEL.search(text, start)
    end = end_match.start() if end_match else len(text)
    first = _FIRST_ITEM.search(text, start, end)
    if first is None:
        return None if ids else []
    indent = len(first.group(1))
    items = [
        m.start() for m in re.compile(rf"\n {{{indent}}}-(?=[ \r\n])").finditer(text, start, end)
    ]
    found = list(
        re.compile(rf"\n(?: {{{indent}}}-[ ]+| {{{indent + 1},}})id:[ ]*([^\n]*)").finditer(
            text, start, end
        )
    )
    if not (len(items) == len(found) == len(ids)):
        return None
    starts = [m.start() for m in found]
    # each id line lies within its own item: item[i] <= id[i] < item[i + 1]
    if not all(map(operator.le, items, starts)) or not all(map(operator.lt, starts, items[1:])):
        return None
    values = [m[1] for m in found]
    if values != ids and not all(map(_is_id_value, values, ids)):
        return None
    at = [m.start(1) for m in found]
    lines = list(accumulate(text.count("\n", a, b) for a, b in zip([0, *at], at, strict=False)))
    return [(line + 1, value - s) for line, value, s in zip(lines, at, starts, strict=True)]


def _is_id_value(text: str, card_id: str) -> bool:
    """``text`` (the rest of an ``id:`` line) is ``card_id``, plain or quoted, maybe commented."""
    if text == card_id:
        return True
    parsed = _ID_VALUE.fullmatch(text)
    return parsed is not None and next(v for v in parsed.groups() if v is not None) == card_id


def parse_bibliography(path: Path, *, shown: str | None = None) -> ParsedBibliography:
    """Read and validate a ``sources.yaml`` file."""
    shown = shown if shown is not None else str(path)
    result = ParsedBibliography(shown)
    raw, result.problems = _read(path, shown)
    if raw is None:
        return result
    loaded = load_yaml(shown, raw)
    result.problems = loaded.problems
    if not isinstance(loaded.data, dict):
        if not loaded.problems:
            loaded.error(
                loaded.root, "a bibliography must be a mapping with format_version and sources"
            )
        return result
    if not _check_version(loaded):
        return result
    model = _validate(Bibliography, loaded)
    if model is None:
        return result
    for index, entry in enumerate(model.sources):
        if entry.id in result.entries:
            loaded.error(
                locate(loaded.root, ("sources", index, "id")), f"duplicate source id {entry.id!r}"
            )
        result.entries[entry.id] = entry
    return result


def read_bibliographies(paths: Iterable[Path]) -> tuple[dict[str, BibEntry], list[Problem]]:
    """Every entry of the bibliography files ``paths`` (read in order, each once; a later
    file's entry replaces an earlier one of the same id), and their problems."""
    entries: dict[str, BibEntry] = {}
    problems: list[Problem] = []
    for path in dict.fromkeys(paths):
        parsed = parse_bibliography(path)
        problems.extend(parsed.problems)
        entries.update(parsed.entries)
    return entries, problems


def _card_positions(root: yaml.Node | None) -> list[tuple[int, int]]:
    """1-based (line, column) of each card's ``id`` value (or of the card), in one pass."""
    cards = locate(root, ("cards",))
    if not isinstance(cards, yaml.SequenceNode):
        return []
    positions = []
    for item in cards.value:
        node = item
        if isinstance(item, yaml.MappingNode):
            node = next((v for k, v in item.value if k.value == "id"), item)
        mark = node.start_mark
        positions.append((mark.line + 1, mark.column + 1))
    return positions


def _check_version(loaded: LoadedYaml) -> bool:
    data = loaded.data
    version = data.get("format_version")
    node = locate(loaded.root, ("format_version",))
    if version is None:
        loaded.error(loaded.root, f"missing required field 'format_version' (use {FORMAT_VERSION})")
        return True
    if isinstance(version, bool) or not isinstance(version, int):
        loaded.error(node, f"'format_version' must be a whole number such as {FORMAT_VERSION}")
        return True
    if version > FORMAT_VERSION:
        loaded.error(
            node,
            f"format_version {version} is newer than this StudyApp understands "
            f"(up to {FORMAT_VERSION}); update StudyApp to read this file",
        )
        return False
    if version < 1:
        loaded.error(node, "format_version must be 1 or higher")
        return False
    return True


def _validate(model: type[M], loaded: LoadedYaml) -> M | None:
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
        suffix = _suggest(str(loc[-1]), allowed)
        loaded.error(node, f"{context}unknown field {loc[-1]!r}{suffix}")
        return
    if kind == "missing":
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
            loaded.error(
                node,
                f"{context}{name!r} must be lowercase letters, digits and hyphens, "
                f"starting with a letter or digit (got {value!r})",
            )
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
    return []


_CARD_ADAPTER: TypeAdapter[Any] = TypeAdapter(CardEntry)


def _salvage_cards(data: dict[str, Any]) -> tuple[str | None, list[tuple[int, Any]]]:
    """The cards that are valid on their own, so one pass can report their problems too."""
    header = data.get("deck")
    family = header.get("family") if isinstance(header, dict) else None
    cards = data.get("cards")
    indexed = []
    for index, raw in enumerate(cards if isinstance(cards, list) else []):
        try:
            indexed.append((index, _CARD_ADAPTER.validate_python(raw)))
        except ValidationError:
            continue  # already reported by the whole-file validation
    return (family if isinstance(family, str) else None), indexed


def _check_cards(family: str | None, indexed: list[tuple[int, Any]], loaded: LoadedYaml) -> None:
    """Checks within one file that the schema cannot express."""
    raw_cards = loaded.data.get("cards") if isinstance(loaded.data, dict) else None
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_cards if isinstance(raw_cards, list) else []):
        if not isinstance(raw, dict):
            continue
        card_id = raw.get("id")
        if isinstance(card_id, str) and card_id in seen:
            where = locate(loaded.root, ("cards", index, "id"))
            first = locate(loaded.root, ("cards", seen[card_id], "id"))
            line = first.start_mark.line + 1 if first is not None else 0
            loaded.error(where, f"duplicate card id {card_id!r} (first used on line {line})")
        elif isinstance(card_id, str):
            seen[card_id] = index
        text = raw.get("text")
        if raw.get("type") == "cloze" and isinstance(text, str) and text.strip():
            node = locate(loaded.root, ("cards", index, "text"))
            label = f"card {card_id!r}" if isinstance(card_id, str) else f"card #{index + 1}"
            for problem in check_cloze(text):
                loaded.problems.append(
                    _cloze_problem(loaded.path, node, problem.offset, f"{label}: {problem.message}")
                )
    for index, card in indexed:
        if family == EVIDENCE_FAMILY and (not card.cites or card.as_of is None):
            where = locate(loaded.root, ("cards", index, "id"))
            if not card.cites:
                loaded.warning(
                    where, f"card {card.id!r}: evidence cards should 'cite' a primary study"
                )
            if card.as_of is None:
                loaded.warning(
                    where, f"card {card.id!r}: evidence cards should give 'as_of' (a year)"
                )
        if card.replaced_by is not None and card.retired is None:
            loaded.warning(
                locate(loaded.root, ("cards", index, "replaced_by"), key=True),
                f"card {card.id!r}: 'replaced_by' only applies to a retired card",
            )
        if card.content_note is not None and not card.sensitive:
            loaded.warning(
                locate(loaded.root, ("cards", index, "content_note"), key=True),
                f"card {card.id!r}: 'content_note' is only shown before a sensitive card; "
                "add 'sensitive: true'",
            )
        if card.inherit_progress and card.replaced_by is None:
            loaded.warning(
                locate(loaded.root, ("cards", index, "inherit_progress"), key=True),
                f"card {card.id!r}: 'inherit_progress' needs 'replaced_by'",
            )


def _cloze_problem(path: str, node: yaml.Node | None, offset: int, message: str) -> Problem:
    if node is None:
        return Problem(path, 1, 1, Severity.ERROR, message)
    start, end = node.start_mark, node.end_mark
    line, column = start.line + 1, start.column + 1
    style = getattr(node, "style", None)
    if start.line == end.line and style in (None, "", "'", '"'):
        column += offset + (1 if style in ("'", '"') else 0)
    return Problem(path, line, column, Severity.ERROR, message)


def check_collection(
    decks: Sequence[ParsedDeck],
    bibliography: dict[str, BibEntry],
    *,
    other_card_ids: dict[str, str] | None = None,
) -> list[Problem]:
    """Checks across files: repeated deck and card ids, unknown source ids, successors.

    Args:
        decks: the decks read now (invalid ones are skipped).
        bibliography: every known source id.
        other_card_ids: card id -> deck path for decks that are known but were not re-read
            (unchanged files already in the store).
    """
    problems: list[Problem] = []
    known = set(bibliography)
    replacing: list[tuple[ParsedDeck, int, Any]] = []  # cards naming a successor
    card_owner: dict[str, str] = dict(other_card_ids or {})
    card_where: dict[str, str] = {}
    deck_owner: dict[str, str] = {}
    unknown: dict[str, int] = {}  # unknown source ids per file
    for deck in decks:
        if deck.model is None:
            continue
        deck_id = deck.model.deck.id
        if deck_id in deck_owner:
            node = locate(deck.root, ("deck", "id"))
            mark = node.start_mark if node is not None else None
            problems.append(
                Problem(
                    deck.path,
                    mark.line + 1 if mark else 1,
                    mark.column + 1 if mark else 1,
                    Severity.ERROR,
                    f"deck id {deck_id!r} is also used by {deck_owner[deck_id]}",
                )
            )
        deck_owner.setdefault(deck_id, deck.path)
        for index, card in enumerate(deck.model.cards):
            card_id = card.id
            if card.replaced_by is not None:
                replacing.append((deck, index, card))
            elsewhere = card_where.get(card_id) or card_owner.get(card_id)
            card_where.setdefault(card_id, deck.path)
            if elsewhere is not None and elsewhere != deck.path:
                line, column = deck.position_of(index)
                message = f"card id {card_id!r} is also used in {elsewhere}"
                problems.append(Problem(deck.path, line, column, Severity.ERROR, message))
            sources, cites = card.sources, card.cites
            if known.issuperset(sources) and (not cites or known.issuperset(cites)):
                continue  # the usual case, checked at set speed
            for field_name, ids in (("source", sources), ("cite", cites)):
                for source_id in ids:
                    if source_id not in bibliography:
                        unknown[deck.path] = unknown.get(deck.path, 0) + 1
                        if unknown[deck.path] > MAX_PROBLEMS_PER_FILE:
                            continue  # counted, not located (see below)
                        node = locate(deck.root, ("cards", index, field_name))
                        problems.append(
                            _node_problem(
                                deck.path,
                                node,
                                f"card {card_id!r}: unknown {field_name} id "
                                f"{source_id!r}{_suggest(source_id, bibliography)}",
                            )
                        )
    for path, count in unknown.items():
        if count > MAX_PROBLEMS_PER_FILE:
            message = (
                f"only the first {MAX_PROBLEMS_PER_FILE} of this file's {count:,} unknown "
                "source ids are shown; fix those and validate again"
            )
            problems.append(Problem(path, 1, 1, Severity.ERROR, message))
    all_ids = set(card_where) | set(card_owner)
    for deck, index, card in replacing:
        if card.replaced_by not in all_ids:
            node = locate(deck.root, ("cards", index, "replaced_by"))
            problems.append(
                _node_problem(
                    deck.path,
                    node,
                    f"card {card.id!r}: 'replaced_by' names no known card {card.replaced_by!r}",
                )
            )
    return problems


def _suggest(name: str, known: Iterable[str]) -> str:
    if len(name) > 100:  # no name is that long; difflib would index every character
        return ""
    hint = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def _node_problem(path: str, node: yaml.Node | None, message: str) -> Problem:
    if node is None:
        return Problem(path, 1, 1, Severity.ERROR, message)
    return Problem(
        path, node.start_mark.line + 1, node.start_mark.column + 1, Severity.ERROR, message
    )
