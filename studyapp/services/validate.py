"""`studyapp validate`: every problem in a set of deck files, for authors and their CI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.deckfile.loader import (
    check_collection,
    discover_deck_files,
    parse_deck,
    read_bibliographies,
)
from studyapp.deckfile.problems import Problem, Severity
from studyapp.services.paths import bundled_sources_file

__all__ = ["ValidationReport", "validate_paths"]


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

    def summary(self) -> str:
        return (
            f"{self.files} deck file(s), {self.cards} card(s): "
            f"{self.errors} error(s), {self.warnings} warning(s)"
        )


def validate_paths(paths: Iterable[Path], *, bibliography: Path | None = None) -> ValidationReport:
    """Read every deck under ``paths`` and report all problems, sorted by file and line."""
    report = ValidationReport()
    deck_files, bib_files = discover_deck_files(list(paths), report.problems)
    sources, problems = read_bibliographies([bibliography or bundled_sources_file(), *bib_files])
    report.problems.extend(problems)
    decks = [parse_deck(path) for path in deck_files]
    report.files = len(decks)
    for deck in decks:
        report.problems.extend(deck.problems)
        report.cards += len(deck.model.cards) if deck.model else 0
    report.problems.extend(check_collection(decks, sources))
    report.problems.sort(key=lambda p: (p.path, p.line, p.column))
    return report
