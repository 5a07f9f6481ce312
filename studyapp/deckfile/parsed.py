"""A deck file or bibliography after reading and validating it on its own."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from studyapp.deckfile.images import ImageFile
from studyapp.deckfile.problems import Problem
from studyapp.deckfile.schema import BibEntry, CardImage, DeckFileModel, DeckHeader
from studyapp.deckfile.yamlsource import load_yaml, locate, locate_text

__all__ = ["TEXT_FIELDS", "CardStub", "ParsedBibliography", "ParsedDeck"]


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
    salvaged: list[tuple[int, Any]] = field(default_factory=list, repr=False)
    """For a file with errors: its cards valid on their own, and a :class:`CardStub` for
    each other card with a valid id, by index."""
    salvaged_header: DeckHeader | None = field(default=None, repr=False)
    """For a file with errors: its deck header, if that is valid on its own."""
    unsalvaged_ids: set[str] = field(default_factory=set, repr=False)
    """For a file with errors: the ids written on its cards that are in neither of those
    (a successor named by ``replaced_by`` may be one of them)."""
    image_problems: dict[str, str] = field(default_factory=dict, repr=False)
    """Why an image cannot be shown, by ``image.file`` as written (the problems themselves
    are in ``problems``)."""
    images: dict[str, ImageFile] = field(default_factory=dict, repr=False)
    """The images its cards show, by ``image.file`` as written, once checked
    (:func:`studyapp.deckfile.imagecheck.check_images`)."""
    _root: yaml.Node | None = field(default=None, repr=False)
    _raw: bytes | None = field(default=None, repr=False)
    _text: str = field(default="", repr=False)
    _source: Path | None = field(default=None, repr=False)
    _head: tuple[int, yaml.Node | None, str] | None = field(default=None, repr=False)
    """(cards, nodes, text) of the file's first part, holding its first ``cards`` cards
    whole (see :meth:`locate_in`)."""

    def _bytes(self) -> bytes | None:
        if self._raw is None and self._source is not None:
            self._raw = _read_again(self._source, self.digest)
            self._source = None
        return self._raw

    @property
    def root(self) -> yaml.Node | None:
        if self._root is None:
            self._bytes()
        if self._root is None and self._raw is not None:
            loaded = load_yaml(self.path, self._raw)
            self._root, self._text = loaded.root, loaded.text
            self._raw = None
        return self._root

    def release_text(self, source: Path) -> None:
        """Let go of the file's bytes, kept for locating problems across files; read them
        again from ``source`` if one turns up.

        A folder being read keeps no file's text while the rest is read (peak RSS of a
        200,000-note first import 654 -> 618 MB, see :func:`studyapp.services.sync._stream`).
        The bytes read again are used only if they hash to :attr:`digest`; a file changed in
        the meantime gets its problems at line 1 (the next sync reads it anew)."""
        if self._root is None and self._raw is not None:
            self._raw, self._source = None, source

    def locate_in(self, path: tuple[str | int, ...], needle: str) -> tuple[int, int]:
        """1-based (line, column) of ``needle`` inside the value at ``path``.

        A file read by the fast path has no nodes; a problem in one of its first cards is
        located in the nodes of the file's first part only, cut at a card's line, which
        the fast path knows (15,000 cards citing unknown sources: their first 200 problems
        located from 400 cards' nodes, not 15,000's).
        """
        if self._root is None and len(path) > 1 and path[0] == "cards":
            index = path[1]
            head = self._head_holding(index) if isinstance(index, int) else None
            if head is not None:
                _cards, root, text = head
                return locate_text(text, locate(root, path), needle)
        node = locate(self.root, path)
        return locate_text(self._text, node, needle)

    def _head_holding(self, index: int) -> tuple[int, yaml.Node | None, str] | None:
        """The nodes of the file's first part holding card ``index`` whole, or None (the
        whole file is needed). Each part made holds at least twice the cards of the last,
        so locating problems in card order composes at most about twice what it needs."""
        positions = self.card_positions
        if self._head is not None and index < self._head[0]:
            return self._head
        made = self._head[0] if self._head is not None else 0
        cards = max(index + 1, 2 * made, 64)
        if cards >= len(positions):
            return None
        raw = self._bytes()
        if raw is None:
            return None
        # Cut where card ``cards``'s ``id:`` line starts: the text before holds every
        # earlier card whole (and maybe the first keys of that one), itself valid YAML.
        line = positions[cards][0]
        cut = 0
        for _ in range(line - 1):
            cut = raw.index(b"\n", cut) + 1
        loaded = load_yaml(self.path, raw[:cut])
        if loaded.problems or loaded.root is None:
            return None
        self._head = (cards, loaded.root, loaded.text)
        return self._head

    @property
    def entries(self) -> list[tuple[int, Any]]:
        """(index, card) of every card the checks across files look at: all of a valid
        file's, and of a file with errors those valid on their own and stubs of the others
        (so one pass reports a file's own errors and its clashes with other files)."""
        if self.model is not None:
            return list(enumerate(self.model.cards))
        return self.salvaged

    @property
    def header(self) -> DeckHeader | None:
        return self.model.deck if self.model is not None else self.salvaged_header

    @property
    def ok(self) -> bool:
        return self.model is not None and not any(p.is_error for p in self.problems)

    def position_of(self, index: int) -> tuple[int, int]:
        if 0 <= index < len(self.card_positions):
            return self.card_positions[index]
        return (1, 1)


def _read_again(path: Path, digest: str) -> bytes | None:
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return raw if hashlib.sha256(raw).hexdigest() == digest else None


TEXT_FIELDS = ("front", "back", "text", "extra", "correction", "retired", "content_note")
"""The card fields a trainee reads: HTML and citations are checked in each."""


@dataclass(frozen=True, slots=True)
class CardStub:
    """What the checks across files read of a card that is not valid on its own: its id,
    the bibliography ids it names, its successor and its texts, each as far as it is valid
    (the card's own errors are reported with the file's)."""

    id: str
    sources: list[str]
    cites: list[str]
    replaced_by: str | None
    texts: dict[str, str]
    image: CardImage | None = None
    """Its picture, if the ``image`` field is valid on its own: checked like any card's, so
    a card with another error still has its image checked in the same pass."""


@dataclass
class ParsedBibliography:
    """A bibliography file: its entries by id and its problems."""

    path: str
    entries: dict[str, BibEntry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
