"""Card text to safe rich text, and bibliography entries to short citations.

Deck text may carry a few inline HTML tags. Everything else is removed by ``nh3`` (the
Ammonia sanitiser) with an allow-list: no scripts, no styles, no images or links, so a card
can never run code or make the app fetch anything (a card's picture is its ``image:`` field,
not markup).

A citation in card text, ``[@rieser2021]`` or ``[@zhou2024; @rieser2021]``, is shown as a
short citation: "(Rieser et al., 2021)". :func:`render_citations` is the one place that
happens; the review screen, the preview, search results, readiness lists, exports and
reports all reach it through :func:`render_card`, :func:`render_text` or :func:`plain_text`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Protocol

import msgspec
import nh3

from studyapp.core.cloze import render_cloze
from studyapp.core.markup import ALLOWED_TAGS, CITATION
from studyapp.core.printable import escape_html
from studyapp.store.rows import SourceRow

__all__ = [
    "ALLOWED_TAGS",
    "Citation",
    "CitationIndex",
    "RenderedCard",
    "ShownImage",
    "SourceEntry",
    "cite",
    "cited",
    "citations_of",
    "retraction_notices",
    "source_line",
    "study_line",
    "citation_label",
    "plain",
    "plain_text",
    "render_card",
    "render_question",
    "render_citations",
    "render_text",
    "sanitize",
]

_VOLUME = re.compile(r"\s+\d|\s+\(|,")


SANITIZER_OPTIONS: dict[str, Any] = {
    "tags": set(ALLOWED_TAGS),
    # "*": none also drops the attributes Ammonia allows on every tag (lang, title).
    "attributes": {"*": set()},
    "url_schemes": set(),
    "strip_comments": True,
    "link_rel": None,
}
"""What the sanitiser keeps: the allowed inline tags, no attributes, no comments."""

# Built once: nh3.clean() builds its Ammonia cleaner (tag and attribute sets) on every call;
# a Cleaner keeps it. 30 -> 13 µs a text, ~2 texts a card shown (same output: the
# Cleaner takes clean()'s arguments; tests/services/test_render.py compares them).
_SANITIZER = nh3.Cleaner(**SANITIZER_OPTIONS)
_TEXT_ONLY = nh3.Cleaner(tags=set(), attributes={})


def sanitize(text: str) -> str:
    """``text`` with only the allowed inline tags kept and no attributes at all."""
    return _SANITIZER.clean(text)


class Citation(msgspec.Struct, frozen=True):
    """A bibliography entry as the review screen shows it."""

    id: str
    kind: str
    short: str
    full: str
    retracted: str | None = None


class SourceEntry(Protocol):
    """A bibliography entry: a ``source`` row from the store, or one read from a file."""

    @property
    def kind(self) -> str: ...
    @property
    def authors(self) -> str: ...
    @property
    def year(self) -> int | None: ...
    @property
    def title(self) -> str: ...
    @property
    def venue(self) -> str | None: ...
    @property
    def doi(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def retracted(self) -> str | None: ...


def cited(citations: Sequence[Citation]) -> str:
    """Citations as one list, e.g. ``Zhou 2024, Health Science Journal; Mitchell 2021``."""
    return "; ".join(c.short for c in citations)


def source_line(sources: Sequence[Citation]) -> str:
    """``Source: ...``: the seed documents a card is taken from."""
    return "Source: " + cited(sources)


def study_line(cites: Sequence[Citation], as_of: int | None) -> str:
    """``Study: ... · as of YEAR``: an evidence card's primary studies and the year the claim
    was checked ('' for a card that cites none)."""
    if not cites:
        return ""
    line = "Study: " + cited(cites)
    if as_of:
        line += f" · as of {as_of}"
    return line


def retraction_notices(citations: Sequence[Citation]) -> tuple[str, ...]:
    """``Retracted: <citation>: <notice>`` for each retracted document among ``citations``."""
    return tuple(f"Retracted: {c.short}: {c.retracted}" for c in citations if c.retracted)


def cite(entry: SourceEntry | None, source_id: str) -> Citation:
    """A :class:`Citation` for a bibliography entry (or a placeholder if unknown)."""
    if entry is None:
        return Citation(source_id, "unknown", source_id, source_id)
    authors = entry.authors or ""
    year = entry.year
    venue = entry.venue
    if entry.kind == "regulatory":
        short = f"{venue or authors}" + (f" ({year})" if year else "")
    else:
        surname = re.split(r"[ (,]", authors.strip(), maxsplit=1)[0]
        short = f"{surname} {year}" if year else surname
        if venue:
            short += f", {_VOLUME.split(str(venue), maxsplit=1)[0].strip(' ,;')}"
    parts = [authors, f"({year})" if year else "", f"{entry.title}."]
    if venue:
        parts.append(f"{venue}.")
    if entry.doi:
        parts.append(f"doi:{entry.doi}")
    elif entry.url:
        parts.append(str(entry.url))
    retracted = entry.retracted
    return Citation(
        source_id,
        str(entry.kind or ""),
        short,
        " ".join(p for p in parts if p),
        str(retracted) if retracted else None,
    )


def citations_of(sources: Mapping[str, SourceEntry], ids: Iterable[str]) -> tuple[Citation, ...]:
    """The :class:`Citation` of each of ``ids`` (a note's ``source`` or ``cite`` ids), from the
    bibliography ``sources``."""
    return tuple(_cite_row(sources.get(i), i) for i in ids)


@lru_cache(maxsize=4096)
def _cite_stored(entry: SourceRow, source_id: str) -> Citation:
    return cite(entry, source_id)


def _cite_row(entry: SourceEntry | None, source_id: str) -> Citation:
    """:func:`cite`, remembered for a stored bibliography row: a pure function of the row's
    values (a changed row is another key); 4.0 -> 0.3 µs a citation each time a card
    citing it is shown (~1.7 citations a card). Other entries are cited afresh."""
    if type(entry) is SourceRow:
        return _cite_stored(entry, source_id)
    return cite(entry, source_id)


_PARENTHESIS = re.compile(r"\s*\([^)]*\)")
_PERSON = re.compile(
    r"(?P<surname>[A-Z][\w'’-]*(?: [a-z]+ [A-Z][\w'’-]*)?) [A-Z]{1,3}(?P<etal> et al\.?)?"
)


def citation_label(entry: SourceEntry) -> str:
    """How a citation names ``entry`` in text: "Zhou, 2024", "Feduccia and Mithoefer, 2018",
    "Rieser et al., 2021", "US Food and Drug Administration, 2017" (an organisation as
    written, without its parenthesis), "Consensus, n.d." without a year."""
    authors = _PARENTHESIS.sub("", entry.authors or "").strip() or "Anonymous"
    year = str(entry.year) if entry.year else "n.d."
    parts = [p.strip() for p in authors.split(";" if ";" in authors else ",") if p.strip()]
    people = [_PERSON.fullmatch(p) for p in parts]
    if all(people) and people:
        names = [m["surname"] for m in people if m]
        et_al = any(m["etal"] for m in people if m) or len(names) > 2
    elif ";" in authors:
        names, et_al = parts, len(parts) > 2
    else:
        names, et_al = [authors], False
    if et_al:
        who = f"{names[0]} et al."
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = names[0]
    return f"{who}, {year}"


class CitationIndex(msgspec.Struct):
    """The bibliography as citations name it: each id's label, with a, b, ... after the year
    where two entries would read the same ("Mitchell et al., 2021a")."""

    sources: Mapping[str, SourceEntry] = msgspec.field(default_factory=dict)
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    """Made from ``sources`` (``__post_init__``): a value given for it is replaced. (A
    dataclass's ``init=False`` field, which a Struct has no form for.)"""

    def __post_init__(self) -> None:
        by_label: dict[str, list[str]] = defaultdict(list)
        for source_id, entry in self.sources.items():
            by_label[citation_label(entry)].append(source_id)
        self.labels = {}
        for label, ids in by_label.items():
            if len(ids) == 1:
                self.labels[ids[0]] = label
                continue
            ordered = sorted(ids, key=lambda i: (str(self.sources[i].title), i))
            for letter, source_id in zip("abcdefghijklmnopqrstuvwxyz", ordered, strict=False):
                self.labels[source_id] = label + letter
            for source_id in ordered[26:]:
                self.labels[source_id] = label

    def label(self, source_id: str) -> str:
        """The label of ``source_id``; "unknown source" for an id not in the bibliography
        (the validator refuses those, so a trainee sees this only from a broken store)."""
        return self.labels.get(source_id, "unknown source")


def render_citations(text: str, citations: CitationIndex) -> str:
    """``text`` with each ``[@id]`` / ``[@id1; @id2]`` replaced by "(Label; Label)".

    The labels are HTML-escaped: call this on sanitised rich text (or pass the result
    through :func:`plain` for plain text)."""
    if "[@" not in text:
        return text

    def label(match: re.Match[str]) -> str:
        ids = [part.strip().lstrip("@") for part in match[1].split(";")]
        return escape_html(f"({'; '.join(citations.label(i) for i in ids)})", quote=False)

    return CITATION.sub(label, text)


def render_text(text: str, citations: CitationIndex) -> str:
    """A card text as safe rich text, citations shown."""
    return render_citations(sanitize(text), citations) if text else ""


def plain_text(text: str, citations: CitationIndex) -> str:
    """A card text as plain text (CSV, lists, window titles), citations shown."""
    return plain(render_citations(sanitize(text), citations)) if text else ""


class ShownImage(msgspec.Struct, frozen=True):
    """A card's picture as the screens get it: its bytes (PNG, JPEG or an SVG that passed
    the validator's checks) and how to show it; or, with ``missing``, why it cannot be shown
    (the alt text is shown instead)."""

    alt: str
    side: str
    """question (shown with the question and the answer) or answer (after the reveal)."""
    kind: str = ""
    width: int = 0
    height: int = 0
    data: bytes = b""
    name: str = ""
    """The file as written in the deck (``images/arc.svg``)."""
    missing: str | None = None

    def __repr__(self) -> str:
        # Without the bytes (the dataclass's field(repr=False)): a picture's would fill a log.
        shown = (f"{n}={getattr(self, n)!r}" for n in self.__struct_fields__ if n != "data")
        return f"ShownImage({', '.join(shown)})"

    def safe_to_draw(self) -> bool:
        """Whether the bytes may go to the GUI's decoder: a raster image always; an SVG only if
        it passes the validator's checks again (no script, no event attribute, no reference
        outside itself). Qt's SVG renderer runs no script and fetches nothing over a network,
        but it does read a local file an ``<image href="/path">`` names: what sync stored has
        passed these checks, and this keeps any other SVG from reaching it."""
        if self.kind != "svg":
            return bool(self.data)
        from studyapp.deckfile.images import svg_problems

        problems, size = svg_problems("image.svg", self.data)
        return not problems and size is not None

    def shown_with(self, revealed: bool) -> bool:
        """Whether the picture belongs on the screen: always on the answer side, and on the
        question side for ``side: question``."""
        return revealed or self.side == "question"


class RenderedCard(msgspec.Struct, frozen=True):
    """The sanitised rich text of both sides of a card and of what follows the answer."""

    question: str
    answer: str
    extra: str
    correction: str


def render_card(
    *,
    kind: str,
    key: str,
    front: str,
    back: str,
    text: str,
    extra: str,
    correction: str,
    citations: CitationIndex,
) -> RenderedCard:
    """Question and answer rich text for card ``key`` of a note, citations shown.

    ``basic``/``reversed`` ``fwd`` asks the front; ``rev`` asks the back; a cloze card hides
    its own deletion. The answer repeats the question above the answer, as Anki's default
    templates do, so the trainee sees both together.
    """
    if kind == "cloze":
        safe = render_text(text, citations)
        question = render_cloze(safe, key, reveal=False)
        answer = render_cloze(safe, key, reveal=True)
    else:
        ask, tell = (front, back) if key != "rev" else (back, front)
        question = render_text(ask, citations)
        answer = f'{question}<div class="answer">{render_text(tell, citations)}</div>'
    return RenderedCard(
        question=question,
        answer=answer,
        extra=render_text(extra, citations),
        correction=render_text(correction, citations),
    )


def render_question(
    *, kind: str, key: str, front: str, back: str, text: str, citations: CitationIndex
) -> str:
    """:func:`render_card`'s ``question`` alone, for lists of cards that show no answer.

    The browser renders its rows 64 at a time and never shows their answers: rendering
    the question alone took a 64-row block of the 200k bench store from 12.36 to 10.92 M
    instructions (callgrind, -11.6%).
    """
    if kind == "cloze":
        return render_cloze(render_text(text, citations), key, reveal=False)
    return render_text(front if key != "rev" else back, citations)


def plain(text: str) -> str:
    """Text with markup removed, for one-line previews and CSV export."""
    text = _TEXT_ONLY.clean(text)
    if "&" not in text:  # nothing to decode (html.unescape returns such text as it is)
        return text
    # Imported here (~8K instructions a call once imported): showing a card needs no plain
    # text, and importing html, with its entity table, costs 8.3M (issue 19).
    from html import unescape

    return unescape(text)


def join_short(citations: Sequence[Citation]) -> str:
    return "; ".join(c.short for c in citations)
