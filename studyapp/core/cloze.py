"""Cloze deletions: ``{{c1::answer}}`` and ``{{c1::answer::hint}}``, parsed and rendered."""

from __future__ import annotations

import re

import msgspec

from studyapp.core.printable import escape_html

__all__ = [
    "ClozeProblem",
    "MAX_KEY",
    "Deletion",
    "check_cloze",
    "cloze_keys",
    "render_cloze",
]

# A deletion's answer runs to the first "::" or "}}" after its key, its hint (after that
# "::") to the first "}}": what ``\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}`` (re.DOTALL) finds, its
# lazy answer and hint ended by the first place the rest can match. Written here as runs of
# other characters, each ':' or '}' taken on its own unless doubled (possessive: nothing is
# tried twice), instead of a lazy step and a try of the rest after every character: the
# 5,029 cloze texts of the 50,000-note course, check_cloze + cloze_keys, callgrind 283.7 ->
# 200.2 M instructions (-29%). tests/core/test_core.py pins the same matches as the lazy pattern
# on random markup.
_DELETION = re.compile(
    r"\{\{c(\d+)::([^:}]*+(?:(?::(?!:)|\}(?!\}))[^:}]*+)*+)"
    r"(?:::([^}]*+(?:\}(?!\})[^}]*+)*+))?\}\}"
)
_STRAY = re.compile(r"\{\{|\}\}")
MAX_KEY = 500
"""The highest cloze key: Anki makes c501 and above into c500's card (its cloze card
ordinals stop at 499), so a higher key would be a card here and none of its own in an
exported package (c70000 made a package Anki refused to import)."""


class Deletion(msgspec.Struct, frozen=True):
    """One deletion found in a cloze text."""

    key: str
    answer: str
    hint: str | None
    start: int
    end: int


class ClozeProblem(msgspec.Struct, frozen=True):
    """Malformed markup at ``offset`` characters into the text."""

    offset: int
    message: str


def _deletions(text: str) -> list[Deletion]:
    return [
        Deletion(f"c{int(m.group(1))}", m.group(2), m.group(3), m.start(), m.end())
        for m in _DELETION.finditer(text)
    ]


def check_cloze(text: str) -> list[ClozeProblem]:
    """Every markup problem in ``text``; empty when it is a valid cloze text."""
    # A valid text is proved so without blanking its deletions out and scanning the rest
    # (below), when each deletion is well formed and the text holds one "{{" and one "}}"
    # per deletion. Each deletion opens with "{{" and ends with "}}" (its answer and hint
    # hold no "}}": the first "}}" after its "::" ends it), so a run of braces in the text
    # counts one pair more for each deletion it starts or ends than it leaves in the rest,
    # where runs inside a deletion count none or more: the counts equal the deletions only
    # if the rest holds no stray "{{" or "}}". The 5,029 cloze texts of the 50,000-note
    # course: 26 -> 15 ms in-process CPU (best of 7, load 1.9), the same problems (tested against
    # _check_cloze_in_full on random markup).
    # (the deletions' groups read from findall's tuples, not from a Match object each: see
    # cloze_keys)
    count = 0
    for number, answer, _hint in _DELETION.findall(text):
        if (
            len(number) > 3
            or not 0 < int(number) <= MAX_KEY
            or "{{" in answer
            or not answer.strip()
        ):
            return _check_cloze_in_full(text)
        count += 1
    if count and text.count("{{") == count and text.count("}}") == count:
        return []
    return _check_cloze_in_full(text)


def _check_cloze_in_full(text: str) -> list[ClozeProblem]:
    """:func:`check_cloze`'s problems, found by blanking the deletions out."""
    problems: list[ClozeProblem] = []
    residue: list[str] = []  # the text with every deletion blanked out, offsets kept
    end = 0
    found = False
    for m in _DELETION.finditer(text):
        found = True
        residue += (text[end : m.start()], " " * (m.end() - m.start()))
        end = m.end()
        digits = m.group(1).lstrip("0")
        if not digits:
            problems.append(ClozeProblem(m.start(), "cloze key must be c1 or higher, not c0"))
        elif len(digits) > 3 or int(digits) > MAX_KEY:  # no int() of thousands of digits
            shown = digits if len(digits) <= 12 else f"{digits[:12]}… ({len(digits):,} digits)"
            problems.append(
                ClozeProblem(
                    m.start(),
                    f"cloze key must be c{MAX_KEY} or lower (Anki's limit), not c{shown}",
                )
            )
        if not m.group(2).strip():
            problems.append(ClozeProblem(m.start(), f"cloze deletion c{m.group(1)} is empty"))
        if "{{" in m.group(2):
            problems.append(ClozeProblem(m.start(), "cloze deletions cannot be nested"))
    rest = "".join(residue) + text[end:]
    for m in _STRAY.finditer(rest):
        if m.group() == "{{":
            snippet = text[m.start() : m.start() + 24].split("\n")[0]
            message = (
                f"malformed cloze markup {snippet!r}: expected {{{{cN::answer}}}} "
                "or {{cN::answer::hint}}"
            )
        else:
            message = "'}}' without a matching '{{cN::'"
        problems.append(ClozeProblem(m.start(), message))
    if not found and not problems:
        problems.append(ClozeProblem(0, "cloze text has no deletion such as {{c1::answer}}"))
    return sorted(problems, key=lambda p: p.offset)


def cloze_keys(text: str) -> list[str]:
    """The distinct deletion keys of ``text`` in numeric order (``['c1', 'c2']``)."""
    # (the numbers read from the matches, without a Deletion each: 34.7 -> 13 ms for the
    # 5,029 cloze notes of the 50,000-note course, in-process CPU; the same keys.) The groups
    # are read from findall's tuples, not from a Match object made for each deletion, here
    # and in check_cloze: both over those 5,029 texts, callgrind, 309.3 -> 283.7 M
    # instructions (-8.3%; ~0.17% of that first import). Remove if it stops paying.
    return [f"c{number}" for number in sorted({int(d[0]) for d in _DELETION.findall(text)})]


def render_cloze(text: str, key: str, *, reveal: bool) -> str:
    """Rich text of the card ``key`` of a cloze note.

    The active deletion is shown as ``[...]`` (or ``[hint]``) on the question and highlighted
    on the answer; other deletions show their answers. ``text`` is already-sanitised rich text.
    """

    def replace(match: re.Match[str]) -> str:
        this = f"c{int(match.group(1))}"
        answer, hint = match.group(2), match.group(3)
        if this != key:
            return answer
        if reveal:
            return f'<span class="cloze">{answer}</span>'
        label = escape_html(hint) if hint else "..."
        return f'<span class="cloze">[{label}]</span>'

    return _DELETION.sub(replace, text)
