"""A deck file or bibliography after reading and validating it on its own."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import yaml

from studyapp.deckfile.images import ImageFile
from studyapp.deckfile.problems import Problem
from studyapp.deckfile.schema import BibEntry, CardImage, DeckFileModel, DeckHeader, listed
from studyapp.deckfile.yamlsource import load_yaml, locate, locate_text

__all__ = [
    "NO_TEXTS",
    "TEXT_FIELDS",
    "CardStub",
    "KeptCard",
    "ParsedBibliography",
    "ParsedDeck",
    "citing",
    "new_kept",
]


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
    may_cite: bool = field(default=True, repr=False)
    """False when no text of the file can hold a citation: no ``[@`` and no backslash (an
    escape) in the file (set by the fast path; :meth:`compact` then looks in no text)."""
    _kept: list[tuple[int, Any]] | None = field(default=None, repr=False)
    """Once :meth:`compact`: what the checks across files read of each card."""
    modules_named: bool = field(default=True, repr=False)
    """False once :meth:`compact` found no kept card naming a module (then
    :func:`~studyapp.deckfile.course.check_modules` reads none of its cards)."""
    quiet: frozenset[str] | None = field(default=None, repr=False)
    """Once :meth:`compact` is told so: the bibliography ids every kept card was found to
    name only from, with no text citing and no successor named (see
    :func:`~studyapp.deckfile.collection.check_collection`)."""

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

    def compact(
        self, kept: list[KeptCard] | None = None, quiet: frozenset[str] | None = None
    ) -> None:
        """Keep of a valid file's cards only what the checks across files read (a
        :class:`KeptCard` each), once its rows are built: ``model.cards`` is empty from
        then on, and :attr:`entries` gives the kept cards.

        A first import keeps every file it has read until the checks across files, after
        the last file: 2.1 MB of card models a 1,000-card file (tracemalloc), 0.1 MB kept.
        0.45 ms a 1,000-card file (a card without ``[@``), and the checks across files read
        the kept cards faster than the models. Peak RSS of a 200,000-note first import:
        see the commit.

        ``kept``: the kept cards, one a card in order, made already in the pass that built
        the file's rows (:class:`~studyapp.services.deckrows.FirstImportRows`), as made
        here. ``quiet``: that pass found every card naming only these bibliography ids,
        no text citing and no successor named (:attr:`quiet`)."""
        model = self.model
        if model is None or self._kept is not None:
            return
        if kept is not None:
            assert len(kept) == len(model.cards)
            self.quiet = quiet
        elif self.may_cite:
            kept = [_kept(card, citing(card.__dict__)) for card in model.cards]
        else:
            kept = [_kept(card, NO_TEXTS) for card in model.cards]
        self._kept = list(enumerate(kept))
        # (a count at C speed: the checks of modules then step through no card of a file
        # naming none, 4.4-4.9 -> 0.01 ms on the 50,000-card course, min of 9, load 5-6;
        # the same problems)
        self.modules_named = list(map(_MODULE_OF, kept)).count(None) != len(kept)
        self.model = model.model_copy(update={"cards": []})

    @property
    def entries(self) -> list[tuple[int, Any]]:
        """(index, card) of every card the checks across files look at: all of a valid
        file's (kept cards once :meth:`compact`), and of a file with errors those valid on
        their own and stubs of the others (so one pass reports a file's own errors and its
        clashes with other files)."""
        if self._kept is not None:
            return self._kept
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


class KeptCard(NamedTuple):
    """What the checks across files read of a valid card whose rows are built
    (:meth:`ParsedDeck.compact`): its fields as the card model has them, and of its texts
    those citing ``[@...]``."""

    id: str
    source: str | list[str]
    cite: str | list[str] | None
    replaced_by: str | None
    module: int | None
    texts: Mapping[str, str]

    @property
    def sources(self) -> list[str]:
        return listed(self.source)

    @property
    def cites(self) -> list[str]:
        return listed(self.cite)


NO_TEXTS: Mapping[str, str] = MappingProxyType({})


def _kept(card: Any, texts: Mapping[str, str]) -> KeptCard:
    # (the tuple made directly, not through the named tuple's own __new__, a Python function:
    # the 50,000-card course's kept cards 32.6-33.8 -> 24.8-25.1 ms of CPU, best of 9, two
    # alternations, load 4.3-4.8; the same tuples)
    return new_kept(
        KeptCard, (card.id, card.source, card.cite, card.replaced_by, card.module, texts)
    )


new_kept = tuple.__new__
_MODULE_OF = itemgetter(KeptCard._fields.index("module"))


def citing(fields: dict[str, Any]) -> Mapping[str, str]:
    """The texts among a card model's ``fields`` that hold ``[@`` (a citation)."""
    found: dict[str, str] | None = None
    for name in TEXT_FIELDS:
        value = fields.get(name)
        if value is not None and "[@" in value:
            if found is None:
                found = {}
            found[name] = value
    return NO_TEXTS if found is None else found


@dataclass
class ParsedBibliography:
    """A bibliography file: its entries by id and its problems."""

    path: str
    entries: dict[str, BibEntry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
