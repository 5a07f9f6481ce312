"""Checks within one deck file that its schema cannot express: the format version, card
ids used twice, cloze markup, and the warnings (evidence cards without a study or a year,
successor fields on a card that is not retired)."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from studyapp.core.cloze import check_cloze
from studyapp.deckfile.problems import Severity
from studyapp.deckfile.schema import FORMAT_VERSION, CardEntry
from studyapp.deckfile.yamlsource import LoadedYaml, locate, problem_at

__all__ = ["EVIDENCE_FAMILY", "check_cards", "check_version", "salvage_cards"]

EVIDENCE_FAMILY = "evidence"


def check_version(loaded: LoadedYaml) -> bool:
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


def check_cards(family: str | None, indexed: list[tuple[int, Any]], loaded: LoadedYaml) -> None:
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
                message = f"{label}: {problem.message}"
                loaded.problems.append(
                    problem_at(loaded.path, node, Severity.ERROR, message, offset=problem.offset)
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
