"""`studyapp validate`: every problem in a set of deck files, for authors and their CI.

It reads as ``sync`` does, through the same functions (:mod:`studyapp.deckfile`): the same
files found (subfolders too, any case of ``.yaml``), the same bibliographies, every file
parsed and checked on its own, then the checks across files, so it reports in one pass
everything a sync of the same paths would refuse, with the same messages. What a sync
checks against the store, validate checks against the decks every store holds: the bundled
decks, whose card ids (retired ones included) a course may not reuse. A file with the same
bytes as a bundled deck is that deck (a clone of StudyApp's repository, checked with the app
installed from it), not a second deck reusing its ids.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.deckfile.course import read_courses
from studyapp.deckfile.imagecheck import check_images
from studyapp.deckfile.loader import (
    ParsedDeck,
    check_collection,
    discover_deck_files,
    parse_deck,
    read_bibliographies,
)
from studyapp.deckfile.problems import Problem, Severity
from studyapp.deckfile.reading import real_path
from studyapp.deckfile.schema import BibEntry
from studyapp.services.paths import bundled_decks_dir, bundled_sources_file

__all__ = [
    "CourseCheck",
    "HeldIds",
    "ValidationReport",
    "check_course",
    "held_ids",
    "validate_paths",
]


@dataclass
class ValidationReport:
    files: int = 0
    cards: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def summary(self) -> str:
        return (
            f"{self.files} deck file(s), {self.cards} card(s): "
            f"{self.errors} error(s), {self.warnings} warning(s)"
        )


@dataclass
class HeldIds:
    """The card ids (live or retired in their file) and deck ids of decks a store holds,
    each with its file: what sync's checks against the store see."""

    cards: dict[str, str] = field(default_factory=dict)
    decks: dict[str, str] = field(default_factory=dict)


@functools.lru_cache(maxsize=4)
def _ids_by_file(folders: tuple[Path, ...]) -> dict[Path, tuple[str | None, tuple[str, ...]]]:
    """Deck id and card ids of each deck file under ``folders`` (the bundled decks, which
    do not change while StudyApp runs: read once)."""
    found: dict[Path, tuple[str | None, tuple[str, ...]]] = {}
    deck_files, _bibs = discover_deck_files(list(folders))
    for path in deck_files:
        resolved = real_path(path)
        deck = parse_deck(resolved)
        header = deck.header.id if deck.header is not None else None
        found[resolved] = (header, tuple(card.id for _index, card in deck.entries))
    return found


def _same_file(path: Path, copies: dict[int, list[Path]]) -> bool:
    """Whether ``path`` has the very bytes of one of ``copies`` (files by their size)."""
    try:
        candidates = copies.get(path.stat().st_size, ())
        if not candidates:
            return False
        data = path.read_bytes()
        return any(copy.read_bytes() == data for copy in candidates)
    except OSError:  # (a file that went away is no copy; its own reading reports it)
        return False


def held_ids(folders: Iterable[Path], *, besides: Iterable[Path] = ()) -> HeldIds:
    """The ids of the decks under ``folders`` (the bundled decks), skipping the files in
    ``besides`` (read as the author's own) and those with the same bytes as one of them:
    a clone of StudyApp's repository holds the decks an installed StudyApp bundles, and
    ``validate decks/`` there read each of its 235 cards as reusing its own id (245 errors
    from a clean clone after ``pip install .``; an editable install reads the same files)."""
    mine = {real_path(p) for p in besides}
    copies: dict[int, list[Path]] = {}
    for path in mine:
        try:
            copies.setdefault(path.stat().st_size, []).append(path)
        except OSError:
            continue
    held = HeldIds()
    for path, (deck_id, card_ids) in _ids_by_file(tuple(real_path(f) for f in folders)).items():
        if path in mine or _same_file(path, copies):
            continue
        if deck_id is not None:
            held.decks.setdefault(deck_id, str(path))
        for card_id in card_ids:
            held.cards.setdefault(card_id, str(path))
    return held


@dataclass
class CourseCheck:
    """Deck files read and checked as ``sync`` would: the decks, the bibliography and every
    problem, sorted by file and line."""

    decks: list[ParsedDeck]
    sources: dict[str, BibEntry]
    problems: list[Problem]


def check_course(
    paths: Iterable[Path],
    *,
    bibliography: Path | None = None,
    held: Iterable[Path] | None = None,
) -> CourseCheck:
    """Read every deck under ``paths`` and check it on its own and across files: the one
    reading that ``validate`` and the preview share (and ``sync`` runs phase by phase).

    Args:
        paths: deck files and folders.
        bibliography: the shared bibliography (default: the bundled one); folders may add
            their own ``sources.yaml``.
        held: folders of decks every store holds, whose deck and card ids the decks under
            ``paths`` must not reuse (default: the bundled decks). Files among ``paths``
            are not counted twice.
    """
    problems: list[Problem] = []
    given = list(paths)
    deck_files, bib_files = discover_deck_files(given, problems)
    sources, bib_problems = read_bibliographies(
        [bibliography or bundled_sources_file(), *bib_files]
    )
    problems.extend(bib_problems)
    decks = [parse_deck(path) for path in deck_files]
    check_images(decks, given)
    for deck in decks:
        problems.extend(deck.problems)
    others = held_ids([bundled_decks_dir()] if held is None else held, besides=deck_files)
    problems.extend(
        check_collection(decks, sources, other_card_ids=others.cards, other_deck_ids=others.decks)
    )
    courses = read_courses(deck_files, given)
    problems.extend(courses.problems)
    problems.extend(courses.check(decks))
    problems.sort(key=lambda p: (p.path, p.line, p.column))
    return CourseCheck(decks, sources, problems)


def validate_paths(
    paths: Iterable[Path],
    *,
    bibliography: Path | None = None,
    held: Iterable[Path] | None = None,
) -> ValidationReport:
    """Every problem of the decks under ``paths``, sorted by file and line (see
    :func:`check_course`)."""
    checked = check_course(paths, bibliography=bibliography, held=held)
    return ValidationReport(
        files=len(checked.decks),
        cards=sum(len(deck.model.cards) for deck in checked.decks if deck.model),
        problems=checked.problems,
    )
