"""A deck file or bibliography after reading and validating it on its own."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from studyapp.deckfile.problems import Problem
from studyapp.deckfile.schema import BibEntry, DeckFileModel
from studyapp.deckfile.yamlsource import load_yaml

__all__ = ["ParsedBibliography", "ParsedDeck"]


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
