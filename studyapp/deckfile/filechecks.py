"""Checks within one deck file that its schema cannot express: the format version, card
ids used twice, cloze markup, malformed citations, and the warnings (evidence cards without a
study or a year, successor fields on a card that is not retired, markup removed on screen);
and what the checks across files still read of a file with errors."""

from __future__ import annotations

import studyapp.core.pydanticload  # noqa: F401  (first: pydantic whole, one thread at a time)

# isort: split
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from studyapp.core.cloze import check_cloze
from studyapp.core.markup import check_markup
from studyapp.deckfile.messages import field_label, validate
from studyapp.deckfile.parsed import TEXT_FIELDS, CardStub
from studyapp.deckfile.problems import Problem, Severity
from studyapp.deckfile.reading import read_source
from studyapp.deckfile.schema import (
    FORMAT_VERSION,
    SLUG_PATTERN,
    CardEntry,
    CardImage,
    DeckHeader,
)
from studyapp.deckfile.yamlsource import (
    PROSE_FIELDS,
    LoadedYaml,
    load_yaml,
    locate,
    locate_text,
    problem_at,
    text_position,
)

__all__ = [
    "EVIDENCE_FAMILY",
    "check_cards",
    "check_comments_in_texts",
    "check_hidden_characters",
    "may_cut_a_text",
    "hidden_character_in",
    "check_version",
    "read_model_file",
    "salvage_cards",
    "salvage_header",
    "with_stubs",
]

EVIDENCE_FAMILY = "evidence"

M = TypeVar("M", bound=BaseModel)


def read_model_file(
    path: Path, shown: str, model: type[M], not_a_mapping: str
) -> tuple[list[Problem], LoadedYaml | None, M | None]:
    """Read a YAML file that is not a deck (a bibliography, a course file) as far as its
    schema: the bytes within the limits, the YAML, a mapping, its format version, the model.
    Returns the file's problems (the same list the loaded file keeps adding to), the loaded
    file (None if it could not be read) and the model (None if any step failed)."""
    raw, problems = read_source(path, shown)
    if raw is None:
        return problems, None, None
    loaded = load_yaml(shown, raw)
    if not isinstance(loaded.data, dict):
        if not loaded.problems:
            loaded.error(loaded.root, not_a_mapping)
        return loaded.problems, loaded, None
    if not check_version(loaded):
        return loaded.problems, loaded, None
    validated = validate(model, loaded)
    check_hidden_characters(loaded)
    return loaded.problems, loaded, validated


def check_version(loaded: LoadedYaml) -> bool:
    data = loaded.data
    version = data.get("format_version")
    node = locate(loaded.root, ("format_version",))
    if version is None:
        if node is None or id(node) not in loaded.unreadable:
            loaded.error(
                loaded.root, f"missing required field 'format_version' (use {FORMAT_VERSION})"
            )
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


_CARD_ADAPTER: TypeAdapter[Any] = TypeAdapter(CardEntry)


def salvage_cards(data: dict[str, Any]) -> tuple[str | None, list[tuple[int, Any]]]:
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


def salvage_header(data: dict[str, Any]) -> DeckHeader | None:
    """The deck header of a file with errors, if it is valid on its own."""
    try:
        return DeckHeader.model_validate(data.get("deck"))
    except ValidationError:
        return None


_SLUG = re.compile(SLUG_PATTERN)


def _ids(value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [v for v in values if isinstance(v, str) and v]


def _stub(raw: Any) -> CardStub | None:
    if not isinstance(raw, dict):
        return None
    card_id = raw.get("id")
    if not isinstance(card_id, str) or not _SLUG.match(card_id):
        return None
    successor = raw.get("replaced_by")
    return CardStub(
        card_id,
        _ids(raw.get("source")),
        _ids(raw.get("cite")),
        successor if isinstance(successor, str) else None,
        {name: raw[name] for name in TEXT_FIELDS if isinstance(raw.get(name), str)},
        _image(raw.get("image")),
    )


def _image(raw: Any) -> CardImage | None:
    """A card's ``image`` field, if it is valid on its own (its errors are the file's)."""
    if raw is None:
        return None
    try:
        return CardImage.model_validate(raw)
    except ValidationError:
        return None


def with_stubs(data: dict[str, Any], indexed: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """``indexed`` (the valid cards) with a :class:`CardStub` for each other card."""
    valid = dict(indexed)
    cards = data.get("cards")
    result: list[tuple[int, Any]] = []
    for index, raw in enumerate(cards if isinstance(cards, list) else []):
        card = valid.get(index) or _stub(raw)
        if card is not None:
            result.append((index, card))
    return result


def _markup_problems(
    loaded: LoadedYaml, path: tuple[str | int, ...], value: str, label: str
) -> None:
    node = locate(loaded.root, path)
    for problem in check_markup(value):
        line, column = locate_text(loaded.text, node, problem.needle)
        severity = Severity.ERROR if problem.error else Severity.WARNING
        loaded.problems.append(
            Problem(loaded.path, line, column, severity, f"{label}: {problem.message}")
        )


def _label(card_id: Any, index: int) -> str:
    """How a problem names a card: by its id, or by its number in the file."""
    return f"card {card_id!r}" if isinstance(card_id, str) else f"card #{index + 1}"


def check_cards(
    family: str | None,
    indexed: list[tuple[int, Any]],
    loaded: LoadedYaml,
    *,
    markup_free: bool = False,
) -> None:
    """Checks within one file that the schema cannot express.

    ``markup_free``: no text of the file can hold ``<`` or ``@`` (the caller found neither,
    nor a backslash that could escape one, in the file's text), so the markup checks have
    nothing to find and are not run. A 1,000-card file: 1.9 ms, 1.45 with a card's label
    made only for a problem, 1.0 without markup (0.05 s of a 50,000-card first import)."""
    raw_cards = loaded.data.get("cards") if isinstance(loaded.data, dict) else None
    seen: dict[str, int] = {}
    text_fields = () if markup_free else TEXT_FIELDS
    for index, raw in enumerate(raw_cards if isinstance(raw_cards, list) else []):
        if not isinstance(raw, dict):
            continue
        card_id = raw.get("id")
        if isinstance(card_id, str):
            if card_id in seen:
                where = locate(loaded.root, ("cards", index, "id"))
                first = locate(loaded.root, ("cards", seen[card_id], "id"))
                line = first.start_mark.line + 1 if first is not None else 0
                loaded.error(where, f"duplicate card id {card_id!r} (first used on line {line})")
            else:
                seen[card_id] = index
        for name in text_fields:
            value = raw.get(name)
            if isinstance(value, str) and ("<" in value or "@" in value):
                label = f"{_label(card_id, index)}: {name!r}"
                _markup_problems(loaded, ("cards", index, name), value, label)
        if raw.get("type") == "cloze":
            text = raw.get("text")
            if isinstance(text, str) and text.strip():
                for problem in check_cloze(text):
                    node = locate(loaded.root, ("cards", index, "text"))
                    message = f"{_label(card_id, index)}: {problem.message}"
                    loaded.problems.append(
                        problem_at(
                            loaded.path, node, Severity.ERROR, message, offset=problem.offset
                        )
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


# Characters that show nothing yet change what is shown: C0 and C1 controls (but tab and line
# break) and DEL, and the Unicode bidirectional embeddings, overrides and isolates, which
# reorder the text around them ("Trojan Source", CVE-2021-42574). A card holding one can
# read differently on a trainee's screen from what its author reviewed in the file.
_HIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The YAML escapes in a double-quoted text that write such a character.
_NAMED_ESCAPES = {0x00: "0", 0x07: "a", 0x08: "b", 0x0B: "v", 0x0C: "f", 0x0D: "r", 0x1B: "e"}
_NAMED_ESCAPES[0x85] = "N"


def hidden_character_in(data: Any) -> bool:
    """True if any text in ``data`` (a file's values) holds a hidden character."""
    return next(_hidden_texts(data, ()), None) is not None


def _hidden_texts(data: Any, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Each text in ``data`` holding a hidden character, with its location."""
    pending = [(loc, data)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str):
            if not value.isprintable() and _HIDDEN.search(value):
                yield where, value
        elif isinstance(value, dict):
            pending.extend(((*where, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            pending.extend(((*where, i), v) for i, v in reversed(list(enumerate(value))))


_CONTROL_NAMES = {
    0x00: "null",
    0x07: "bell",
    0x08: "backspace",
    0x0B: "vertical tab",
    0x0C: "form feed",
    0x0D: "carriage return",
    0x1B: "escape",
    0x7F: "delete",
    0x85: "next line",
}


def _character_name(char: str) -> str:
    """``U+202E (right-to-left override)``, ``U+001B (escape)``."""
    code = ord(char)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(char, "").lower() or "a control character"
    return f"U+{code:04X} ({name})"


def _written_at(text: str, start: int, end: int, char: str) -> int:
    """Where ``char`` is written in ``text[start:end]``: itself, or a YAML escape for it."""
    code = ord(char)
    forms = [re.escape(char), rf"\\x(?i:{code:02x})", rf"\\u(?i:{code:04x})"]
    forms.append(rf"\\U(?i:{code:08x})")
    if code in _NAMED_ESCAPES:
        forms.append(rf"\\{_NAMED_ESCAPES[code]}")
    found = re.compile("|".join(forms)).search(text, start, end)
    return found.start() if found else -1


def check_hidden_characters(loaded: LoadedYaml) -> None:
    """An error for each hidden character (see ``_HIDDEN``) in a text of ``loaded``, at
    where it is written (the character, or its escape in a double-quoted text).

    Nothing to look for (the common case, a millisecond over a large file) unless the file
    holds a backslash (an escape) or a character beyond ASCII: PyYAML refuses the controls
    written as themselves, so only escapes and the bidirectional controls reach a text."""
    text = loaded.text
    if text and "\\" not in text and text.isascii():
        return
    for loc, value in _hidden_texts(loaded.data, ()):
        node = locate(loaded.root, loc)
        seen: set[str] = set()
        for match in _HIDDEN.finditer(value):
            char = match.group()
            if char in seen:
                continue
            seen.add(char)
            message = (
                f"{field_label(loc, loaded.data)} holds {_character_name(char)}, an invisible "
                "character that can make the text show differently from what you see in "
                "this file; delete it"
            )
            if node is None:
                loaded.error(None, message)
                continue
            start, end = node.start_mark.index, node.end_mark.index
            at = _written_at(text, start, end, char)
            if at < 0:
                loaded.error(node, message)
                continue
            line, column = text_position(text, at)
            loaded.problems.append(Problem(loaded.path, line, column, Severity.ERROR, message))


# A plain text on one line, then one space, "#" and a word: YAML reads " #" as the start of
# a comment, so "the #1 cause" is read as "the", and "back: #1 answer" as no text at all.
# A comment an author means is written after two spaces or with a space after "#".
_CUT_BY_COMMENT = re.compile(r"[^ \t\r\n] #[^ \t\r\n]|: #[^ \t\r\n]")
_COMMENT_AFTER = re.compile(r" #[^ \t\r\n][^\r\n]*")


def may_cut_a_text(text: str) -> bool:
    """True if ``text`` (a whole file) may hold a text cut short by a comment (see
    :func:`check_comments_in_texts`)."""
    # ("#" first: a one-character search runs at memory speed, " #" stops at every space:
    # the 50,000-card course's 23 MB 30 -> 2 ms, busy machine; the whole sa_import worker at
    # 10,000 notes, callgrind, 3,800.7 -> 3,778.1 M instructions, -0.6%; the same answer)
    return "#" in text and " #" in text and _CUT_BY_COMMENT.search(text) is not None


def _texts(data: Any, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Each value of a prose field (``front``, ``title``...) in ``data``, with its location."""
    pending = [(loc, data)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, dict):
            inner = []
            for key, item in value.items():
                if key in PROSE_FIELDS and (item is None or isinstance(item, str)):
                    yield (*where, key), item
                else:
                    inner.append(((*where, key), item))
            pending.extend(reversed(inner))
        elif isinstance(value, list):
            pending.extend(((*where, i), v) for i, v in reversed(list(enumerate(value))))


def check_comments_in_texts(loaded: LoadedYaml) -> None:
    """A warning for each text a comment cut short: a plain (unquoted) text on one line
    followed by one space and ``#`` with a word after it (``the #1 cause``), which YAML
    drops with no error. A comment meant as one (two spaces before it, or ``# note``) is
    left alone."""
    text = loaded.text
    if not text or not may_cut_a_text(text):
        return
    for loc, value in _texts(loaded.data, ()):
        node = locate(loaded.root, loc)
        if not isinstance(node, yaml.ScalarNode) or node.style not in (None, ""):
            continue
        if node.start_mark.line != node.end_mark.line:
            continue
        cut = _COMMENT_AFTER.match(text, node.end_mark.index)
        if cut is None:
            continue
        lost = cut.group()[1:].rstrip()
        read = "reads no text" if not value else f"reads only {value!r}"
        loaded.warning(
            node,
            f"{field_label(loc, loaded.data)}: YAML {read}, as ' #' starts a comment, and "
            f"drops {lost!r}; put the whole text in double quotes to keep it",
        )
