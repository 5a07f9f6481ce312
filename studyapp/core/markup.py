"""What card text may hold besides words: a few inline HTML tags, and citations.

One definition for the validator (which reports what does not fit, at its line and column)
and the renderer (:mod:`studyapp.services.render`, which keeps only what fits):

- HTML: the tags in :data:`ALLOWED_TAGS`, without attributes. Anything else (``<img>``,
  ``<script>``, ``<a href>``, ``style=``...) is removed when a card is shown; the validator
  warns where it is written, so nothing disappears in silence.
- Citations: ``[@id]`` or ``[@id1; @id2]``, ids from the bibliography, shown to trainees as
  a short citation ("(Rieser et al., 2021)").
"""

from __future__ import annotations

import re

import msgspec

__all__ = [
    "ALLOWED_TAGS",
    "CitationRef",
    "MarkupProblem",
    "check_markup",
    "citations_in",
]

ALLOWED_TAGS = frozenset(
    {"b", "i", "em", "strong", "u", "sub", "sup", "br", "code", "small", "ul", "ol", "li", "p"}
)

_ID = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
CITATION = re.compile(rf"\[@({_ID}(?:[ \t]*;[ \t]*@{_ID})*)\]")
"""``[@zhou2024]`` or ``[@zhou2024; @rieser2021]``; group 1 holds the ids with their ``@``."""
_CITATION_START = re.compile(r"\[\s*@")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HINTS = {
    "img": "a card shows a picture through its 'image:' field",
    "a": "cards hold no links; name the document with a citation, [@id]",
    "script": "cards never run code",
}


class CitationRef(msgspec.Struct, frozen=True):
    """One citation in a text: where it is and the ids it names, in order."""

    start: int
    end: int
    ids: tuple[str, ...]


class MarkupProblem(msgspec.Struct, frozen=True):
    """Markup at ``offset`` characters into the text: ``needle`` is the text found there (for
    locating it in the file), ``error`` False for what is only removed on screen."""

    offset: int
    needle: str
    message: str
    error: bool


def citations_in(text: str) -> list[CitationRef]:
    """Every well-formed citation in ``text``."""
    if "[@" not in text:
        return []
    return [
        CitationRef(m.start(), m.end(), tuple(i.strip().lstrip("@") for i in m[1].split(";")))
        for m in CITATION.finditer(text)
    ]


def check_markup(text: str) -> list[MarkupProblem]:
    """Malformed citations (errors) and HTML that is removed on screen (warnings)."""
    problems: list[MarkupProblem] = []
    if "[" in text and "@" in text:
        taken = {m.start() for m in CITATION.finditer(text)}
        for start in _CITATION_START.finditer(text):
            if start.start() in taken:
                continue
            close = text.find("]", start.start())
            shown = text[
                start.start() : close + 1 if 0 <= close < start.start() + 80 else start.end() + 20
            ]
            problems.append(
                MarkupProblem(
                    start.start(),
                    text[start.start() : start.end()],
                    f"malformed citation {shown.strip()!r}: write [@id] or [@id1; @id2], "
                    "with ids from the bibliography",
                    True,
                )
            )
    if "<" in text:
        for comment in _COMMENT.finditer(text):
            problems.append(
                MarkupProblem(
                    comment.start(),
                    "<!--",
                    "an HTML comment is removed when the card is shown",
                    False,
                )
            )
        for tag in _TAG.finditer(_COMMENT.sub(lambda m: " " * len(m[0]), text)):
            name = tag[2].lower()
            attributes = tag[3].strip().rstrip("/").strip()
            written = tag[0] if len(tag[0]) <= 40 else tag[0][:37] + "..."
            if name not in ALLOWED_TAGS:
                if tag[1]:
                    continue  # the closing tag of one already reported
                hint = _HINTS.get(name, f"allowed: {', '.join(sorted(ALLOWED_TAGS))}")
                problems.append(
                    MarkupProblem(
                        tag.start(),
                        tag[0][: 1 + len(tag[2])],
                        f"{written!r} is removed when the card is shown ({hint})",
                        False,
                    )
                )
            elif attributes:
                problems.append(
                    MarkupProblem(
                        tag.start(),
                        tag[0][: 1 + len(tag[2])],
                        f"the attributes of {written!r} are removed when the card is shown "
                        "(tags are kept without attributes)",
                        False,
                    )
                )
    return problems
