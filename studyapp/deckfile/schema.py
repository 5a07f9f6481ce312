"""The deck and bibliography formats as pydantic models: the one definition that both the
validator and the published JSON Schema are generated from."""

from __future__ import annotations

import studyapp.core.pydanticload  # noqa: F401  (first: pydantic whole, one thread at a time)

# isort: split
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag

__all__ = [
    "FORMAT_VERSION",
    "BasicCard",
    "Bibliography",
    "BibEntry",
    "CardEntry",
    "CardImage",
    "ClozeCard",
    "CourseFileModel",
    "CourseHeader",
    "CourseModuleEntry",
    "DeckFileModel",
    "DeckHeader",
    "ReversedCard",
    "bibliography_json_schema",
    "course_json_schema",
    "deck_json_schema",
]

FORMAT_VERSION = 1
"""The newest deck format this version of StudyApp understands."""

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
TAG_PATTERN = r"^[a-z0-9][a-z0-9_:-]*$"
SOURCE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=120)]
Text = Annotated[str, StringConstraints(pattern=r"\S", max_length=20_000)]
SourceId = Annotated[str, StringConstraints(pattern=SOURCE_ID_PATTERN)]
Ids = SourceId | Annotated[list[SourceId], Field(min_length=1)]
ModuleNumber = Annotated[int, Field(ge=1, le=999)]
MODULE_DESCRIPTION = (
    "The course module (a number its course.yaml defines) that {what} belong to: new cards "
    "are introduced only once their module is released."
)


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class DeckHeader(_Strict):
    """What the deck list shows about a deck."""

    id: Slug = Field(description="Stable deck id, unique across decks.")
    title: Text = Field(description="Shown in the deck list.")
    family: Slug = Field(
        description="mechanisms, evidence, terms, or a family you add (e.g. process, safety)."
    )
    description: str = Field("", description="One or two sentences about the deck.")
    module: ModuleNumber | None = Field(
        None, description=MODULE_DESCRIPTION.format(what="the deck's cards")
    )


class CardImage(_Strict):
    """A picture on a card: a diagram, a timeline, a network."""

    file: Annotated[str, StringConstraints(pattern=r"\S", max_length=300)] = Field(
        description="PNG, JPEG or SVG file, relative to the deck file's folder and inside the "
        "course folder, written with '/' (e.g. images/therapy-arc.svg). At most 2 MiB (an SVG "
        "512 KiB) and 4096 pixels a side; an SVG may not hold scripts, foreignObject, event "
        "attributes or references outside itself."
    )
    alt: Annotated[str, StringConstraints(pattern=r"\S", max_length=2000)] = Field(
        description="What the image shows, in words: read by screen readers, shown when the "
        "image cannot be, and exported with it. Required."
    )
    side: Literal["question", "answer"] = Field(
        "answer",
        description="answer (the default): shown once the answer is revealed; question: "
        "shown with the question (and so on both sides).",
    )


class _CardCommon(_Strict):
    # Never validated itself, only its three kinds are: its validator and serializer are not
    # built (pydantic's defer_build; each kind sets it back to False, so is built as before).
    # Importing the deck format and reading the bundled bibliography: 1,277.6 -> 1,264.5 M
    # instructions (callgrind, -1.0%, about 2-3 ms a process).
    model_config = ConfigDict(defer_build=True)

    id: Slug = Field(
        description="Stable author-owned id, unique across all decks. Review history follows it: "
        "never derive it from the text or position, never renumber."
    )
    tags: list[Annotated[str, StringConstraints(pattern=TAG_PATTERN)]] = Field(
        default_factory=list, description="Free labels."
    )
    source: Ids = Field(
        description="The document(s) the fact comes from: seed document id(s) from the "
        "bibliography, or the primary paper(s) for a fact no seed carries."
    )
    cite: Ids | None = Field(
        None, description="Primary study or decision id(s) from the bibliography."
    )
    as_of: Annotated[int, Field(ge=1900, le=2200)] | None = Field(
        None, description="Year the claim was last checked (evidence cards)."
    )
    extra: Text | None = Field(None, description="Longer explanation shown after the answer.")
    correction: Text | None = Field(
        None, description="How this card corrects a seed document; shown after the answer."
    )
    revision: Annotated[int, Field(ge=1)] = Field(
        1, description="Raise it when the answer changes in substance: learned cards relearn."
    )
    retired: Text | None = Field(
        None, description="Reason the card is withdrawn; it leaves every queue, history is kept."
    )
    replaced_by: Slug | None = Field(None, description="Id of the retired card's successor.")
    inherit_progress: bool = Field(
        False, description="The successor (if still new) takes over this card's memory state."
    )
    sensitive: bool = Field(
        False,
        description="Emotionally heavy material (trauma narratives, suicidality, abuse in "
        "therapy): the app shows a content note before the question, with 'Not now' beside "
        "it, so a trainee can put the card off to another day.",
    )
    content_note: Annotated[str, StringConstraints(pattern=r"\S", max_length=300)] | None = Field(
        None,
        description="A short plain-text note shown before a sensitive card's question, "
        "saying what it touches on (e.g. 'A participant describes a suicide attempt.'). "
        "Without one, a sensitive card shows a generic note.",
    )
    critical: bool = Field(
        False,
        description="A safety-critical fact a therapist must not forget (a contraindication, "
        "an interaction, a screening rule): scheduled at the higher critical desired retention "
        "(a setting, default 0.95) and marked in review and card details. true or false.",
    )
    image: CardImage | None = Field(
        None,
        description="A picture shown with the card: {file: images/arc.svg, alt: '...', "
        "side: answer}.",
    )
    module: ModuleNumber | None = Field(
        None,
        description=MODULE_DESCRIPTION.format(what="this card's cards")
        + " Overrides the deck's module.",
    )

    @property
    def sources(self) -> list[str]:
        return listed(self.source)

    @property
    def cites(self) -> list[str]:
        return listed(self.cite)


TYPE_DESCRIPTION = (
    "What the card asks. basic (the default): front is the question, back the answer, one "
    "card. reversed: two cards, front to back and back to front. cloze: text with "
    "deletions {{c1::answer}}, one card per key c1, c2, ..."
)


class BasicCard(_CardCommon):
    """A question and its answer."""

    model_config = ConfigDict(defer_build=False)

    type: Literal["basic"] = Field("basic", description=TYPE_DESCRIPTION)
    front: Text = Field(description="The question.")
    back: Text = Field(description="The answer.")


class ReversedCard(_CardCommon):
    """Two cards: front to back and back to front."""

    model_config = ConfigDict(defer_build=False)

    type: Literal["reversed"] = Field(description=TYPE_DESCRIPTION)
    front: Text = Field(description="Shown first on the forward card (e.g. the term).")
    back: Text = Field(description="Shown first on the reverse card (e.g. the definition).")


class ClozeCard(_CardCommon):
    """One card per deletion key in ``text``."""

    model_config = ConfigDict(defer_build=False)

    type: Literal["cloze"] = Field(description=TYPE_DESCRIPTION)
    text: Text = Field(description="Text with deletions {{c1::answer}} or {{c1::answer::hint}}.")


def listed(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """A card's ``source`` or ``cite`` (one key, a list of keys, or none) as a list."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _card_kind(value: Any) -> str | None:
    # Only BasicCard may omit `type`; JSON Schema expresses the same with oneOf, which is
    # exact because the other two variants require their `type` constant.
    if isinstance(value, dict):
        kind = value.get("type", "basic")
        return kind if isinstance(kind, str) else None
    if isinstance(value, BaseModel):
        return str(getattr(value, "type", "basic"))
    return None


CardEntry = Annotated[
    Annotated[BasicCard, Tag("basic")]
    | Annotated[ReversedCard, Tag("reversed")]
    | Annotated[ClozeCard, Tag("cloze")],
    Discriminator(_card_kind),
]
CARD_KINDS = ("basic", "reversed", "cloze")


class DeckFileModel(_Strict):
    """A deck file."""

    model_config = ConfigDict(
        title="StudyApp deck",
        json_schema_extra={"$id": "https://studyapp.invalid/schema/deck-1.json"},
    )

    format_version: Literal[1] = Field(description="Deck format version; this StudyApp reads 1.")
    deck: DeckHeader = Field(description="The deck's id, title, family and description.")
    cards: list[CardEntry] = Field(description="The cards, in study order for new cards.")


class BibEntry(_Strict):
    """One document a card can name as `source` or `cite`."""

    id: SourceId = Field(
        description="The id cards use in source, cite and [@id] citations, e.g. zhou2024."
    )
    kind: Literal["seed", "primary", "regulatory"] = Field(
        description="seed: a document the course summarises; primary: a study; "
        "regulatory: a decision or law."
    )
    authors: Text = Field(
        description="As 'Surname AB, Surname CD' or 'Surname AB et al.', or an organisation; "
        "citations show 'Surname, 2021', 'A and B, 2021' or 'Surname et al., 2021'."
    )
    year: Annotated[int, Field(ge=1800, le=2200)] | None = Field(
        None, description="Year of publication; citations show n.d. without one."
    )
    title: Text = Field(description="The document's title.")
    venue: Text | None = Field(None, description="Journal, volume and pages, or the issuer.")
    doi: Text | None = Field(None, description="DOI, without https://doi.org/.")
    url: Text | None = Field(None, description="Where to read it, when there is no DOI.")
    reliability: str | None = Field(None, description="A note for authors on how far to trust it.")
    note: str | None = Field(None, description="Anything else authors should know.")
    retracted: Text | None = Field(None, description="Retraction notice; cards citing it show it.")


class Bibliography(_Strict):
    """A sources.yaml file."""

    model_config = ConfigDict(title="StudyApp bibliography")

    format_version: Literal[1] = Field(
        description="Bibliography format version; this StudyApp reads 1."
    )
    sources: list[BibEntry] = Field(description="The documents cards may cite.")


class CourseHeader(_Strict):
    """What a course is called."""

    id: Slug = Field(description="Stable course id, unique among the courses a trainee uses.")
    title: Text = Field(description="The course's name.")


class CourseModuleEntry(_Strict):
    """One module of a course: the unit of pacing (its new cards wait for its release)."""

    number: ModuleNumber = Field(
        description="The module's number, unique in the course: decks and cards name it "
        "with module: N, and modules are studied in this order."
    )
    title: Text = Field(description="Shown in the overview and the settings.")
    release: date | Annotated[str, StringConstraints(max_length=40)] | None = Field(
        None,
        description="YYYY-MM-DD: new cards of the module are introduced from this day on, "
        "unless the trainee sets the module they are in. Without one the module is released.",
    )


class CourseFileModel(_Strict):
    """A course.yaml file: the course and its modules, defined once."""

    model_config = ConfigDict(title="StudyApp course")

    format_version: Literal[1] = Field(description="Course format version; this StudyApp reads 1.")
    course: CourseHeader | None = Field(
        None, description="The course's id and title (required with modules)."
    )
    modules: list[CourseModuleEntry] = Field(
        default_factory=list,
        description="The course's modules, each with its number, title and optional release.",
    )


def _card_by_type() -> dict[str, Any]:
    """A card item that picks its variant by ``type`` with if/then, instead of pydantic's
    ``oneOf``: with ``oneOf`` an editor reports a wrong type against one variant only (and
    lists one or two of the values); here ``type`` itself lists all three and each variant's
    fields are checked once the type is known, as the validator does."""
    chosen = {
        kind: {"properties": {"type": {"const": kind}}, "required": ["type"]} for kind in CARD_KINDS
    }
    basic = {"anyOf": [{"not": {"required": ["type"]}}, chosen["basic"]]}
    refs = {"basic": "BasicCard", "reversed": "ReversedCard", "cloze": "ClozeCard"}
    return {
        "type": "object",
        "description": "One card entry: its id, its source and, by its type, its texts.",
        "properties": {
            "type": {
                "title": "Type",
                "enum": list(CARD_KINDS),
                "default": "basic",
                "description": TYPE_DESCRIPTION,
            }
        },
        "allOf": [
            {"if": basic if kind == "basic" else chosen[kind], "then": {"$ref": f"#/$defs/{ref}"}}
            for kind, ref in refs.items()
        ],
    }


def deck_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a deck file."""
    schema = DeckFileModel.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["properties"]["cards"]["items"] = _card_by_type()
    return schema


def bibliography_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a bibliography file."""
    schema = Bibliography.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def course_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a course file."""
    schema = CourseFileModel.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
