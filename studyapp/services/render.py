"""Card text to safe rich text, and bibliography entries to short citations.

Deck text may carry a few inline HTML tags. Everything else is removed by ``nh3`` (the
Ammonia sanitiser) with an allow-list: no scripts, no styles, no images or links, so a card
can never run code or make the app fetch anything.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import nh3

from studyapp.core.cloze import render_cloze

__all__ = [
    "ALLOWED_TAGS",
    "Citation",
    "RenderedCard",
    "SourceEntry",
    "cite",
    "cited",
    "retraction_notices",
    "source_line",
    "study_line",
    "plain",
    "render_card",
    "sanitize",
]

_VOLUME = re.compile(r"\s+\d|\s+\(|,")

ALLOWED_TAGS = frozenset(
    {"b", "i", "em", "strong", "u", "sub", "sup", "br", "code", "small", "ul", "ol", "li", "p"}
)


def sanitize(text: str) -> str:
    """``text`` with only the allowed inline tags kept and no attributes at all."""
    return nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        # "*": none also drops the attributes Ammonia allows on every tag (lang, title).
        attributes={"*": set()},
        url_schemes=set(),
        strip_comments=True,
        link_rel=None,
    )


@dataclass(frozen=True, slots=True)
class Citation:
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


@dataclass(frozen=True, slots=True)
class RenderedCard:
    """The sanitised rich text of both sides of a card and of what follows the answer."""

    question: str
    answer: str
    extra: str
    correction: str


def render_card(
    *, kind: str, key: str, front: str, back: str, text: str, extra: str, correction: str
) -> RenderedCard:
    """Question and answer rich text for card ``key`` of a note.

    ``basic``/``reversed`` ``fwd`` asks the front; ``rev`` asks the back; a cloze card hides
    its own deletion. The answer repeats the question above the answer, as Anki's default
    templates do, so the trainee sees both together.
    """
    if kind == "cloze":
        safe = sanitize(text)
        question = render_cloze(safe, key, reveal=False)
        answer = render_cloze(safe, key, reveal=True)
    else:
        ask, tell = (front, back) if key != "rev" else (back, front)
        question = sanitize(ask)
        answer = f'{question}<div class="answer">{sanitize(tell)}</div>'
    return RenderedCard(
        question=question,
        answer=answer,
        extra=sanitize(extra) if extra else "",
        correction=sanitize(correction) if correction else "",
    )


def plain(text: str) -> str:
    """Text with markup removed, for one-line previews and CSV export."""
    return html.unescape(nh3.clean(text, tags=set(), attributes={}))


def join_short(citations: Sequence[Citation]) -> str:
    return "; ".join(c.short for c in citations)
