"""The author's preview: deck files rendered as trainees see them, straight from the files.

Nothing here touches the store. :class:`DeckPreview` keeps the last good rendering of each
file, so a broken save shows its problems without blanking the preview.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.core.model import CardId, MemoryState
from studyapp.deckfile.discover import courses_of
from studyapp.deckfile.loader import ParsedDeck, discover_deck_files
from studyapp.deckfile.problems import Problem, Severity
from studyapp.deckfile.schema import BibEntry
from studyapp.services.deckrows import keys_of
from studyapp.services.paths import bundled_sources_file
from studyapp.services.render import CitationIndex, ShownImage, citations_of, render_card
from studyapp.services.study import CardView
from studyapp.services.validate import check_course

__all__ = ["DeckPreview", "PreviewCard", "PreviewState", "Problem"]


@dataclass(frozen=True, slots=True)
class PreviewCard:
    """One card as a trainee sees it, with where it is written."""

    view: CardView
    path: str
    line: int


@dataclass
class PreviewState:
    cards: list[PreviewCard] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    """Files whose shown cards are from an earlier, valid save."""


class DeckPreview:
    """Reads ``paths`` (deck files or folders) on every :meth:`reload`."""

    def __init__(self, paths: list[Path], *, bibliography: Path | None = None) -> None:
        # Absolute: a course previewed as ``.`` that is deleted or moved is then seen to be
        # gone and to come back (``.`` would name the deleted folder for as long as the
        # preview runs in it), and its window is titled by the folder's name.
        self.paths = [Path(os.path.abspath(p)) for p in paths]
        self._folders = {p for p in self.paths if p.is_dir()}
        """The paths that were folders when the preview started (one may go away)."""
        self._bibliography = bibliography or bundled_sources_file()
        self._good: dict[str, list[PreviewCard]] = {}
        self._images: set[Path] = set()

    def watched_files(self) -> list[Path]:
        """Every file whose change should trigger a reload: the decks, the bibliographies,
        the course files above the decks and the images the cards last shown name."""
        decks, bibs = discover_deck_files(self._present())
        courses = sorted({c for c in courses_of(decks).values() if c is not None})
        return [*decks, *bibs, *courses, self._bibliography, *sorted(self._images)]

    def watched_folders(self) -> list[Path]:
        """The folders given and the folders holding them (a folder moved away or back shows
        only in its parent), every folder a file was found in (subfolders included: a folder
        watch does not see into its subfolders), and for a path given that is gone, the
        nearest folder above it that is there."""
        decks, bibs = discover_deck_files(self._present())
        return sorted(
            {p for p in self.paths if p.is_dir()}
            | {p.parent for p in self.paths if os.path.lexists(p)}
            | {_nearest_folder(p) for p in self.paths if not os.path.lexists(p)}
            | {p.parent for p in (*decks, *bibs)}
            | {p.parent for p in self._images if p.parent.is_dir()}
        )

    def _present(self) -> list[Path]:
        """The paths given that are still there (a folder may be moved or deleted)."""
        return [p for p in self.paths if os.path.lexists(p)]

    def reload(self) -> PreviewState:
        """Read and check the files as ``validate`` does (the same problems, same order)."""
        state = PreviewState()
        present = self._present()
        checked = check_course(present, bibliography=self._bibliography)
        gone = [_gone(p, was_folder=p in self._folders) for p in self.paths if p not in present]
        state.problems = [*gone, *checked.problems]
        self._images = {
            Path(os.path.normpath(Path(deck.path).parent / card.image.file))
            for deck in checked.decks
            for _index, card in deck.entries
            if getattr(card, "image", None) is not None
        }
        sources = checked.sources
        failing = {p.path for p in state.problems if p.is_error}
        for deck in checked.decks:
            if _shown_despite_images(deck, state.problems):
                # (a broken image reference shows in its card, with the problem in the list)
                self._good[deck.path] = list(_cards_of(deck, sources))
            elif deck.ok and deck.path not in failing:
                self._good[deck.path] = list(_cards_of(deck, sources))
            elif deck.path in self._good:
                state.stale.append(deck.path)
            state.cards.extend(self._good.get(deck.path, []))
        return state


def _gone(path: Path, *, was_folder: bool) -> Problem:
    """The problem of a folder (or file) given to the preview that is no longer there."""
    what = "folder" if was_folder else "file"
    return Problem(
        str(path),
        1,
        1,
        Severity.ERROR,
        f"this {what} is gone (moved, renamed or deleted): put it back and the preview "
        f"shows it again, or preview the {what} where it is now",
    )


def _nearest_folder(path: Path) -> Path:
    """The nearest folder above ``path`` that is there (watched to see ``path`` come back)."""
    for parent in path.parents:
        if parent.is_dir():
            return parent
    return path.parent  # pragma: no cover - the root is always there


def _shown_despite_images(deck: ParsedDeck, problems: list[Problem]) -> bool:
    """A deck whose only errors are its images' (and the problems inside them)."""
    if deck.model is None or not deck.image_problems:
        return False
    mine = [p for p in problems if p.is_error and p.path == deck.path]
    return all(any(reason in p.message for reason in deck.image_problems.values()) for p in mine)


def _image_of(card: object, deck: ParsedDeck) -> ShownImage | None:
    picture = getattr(card, "image", None)
    if picture is None:
        return None
    image = deck.images.get(picture.file)
    if image is None:
        reason = deck.image_problems.get(picture.file, "the image could not be read")
        return ShownImage(picture.alt, picture.side, name=picture.file, missing=reason)
    return ShownImage(
        picture.alt,
        picture.side,
        image.kind,
        image.width,
        image.height,
        image.data,
        name=picture.file,
    )


def _cards_of(deck: ParsedDeck, sources: dict[str, BibEntry]) -> list[PreviewCard]:
    assert deck.model is not None
    header = deck.model.deck
    result = []
    citations_index = CitationIndex(sources)

    for index, card in enumerate(deck.model.cards):
        keys = keys_of(card)
        line = deck.position_of(index)[0]
        for key in keys:
            rendered = render_card(
                kind=card.type,
                key=key,
                front=getattr(card, "front", ""),
                back=getattr(card, "back", ""),
                text=getattr(card, "text", ""),
                extra=card.extra or "",
                correction=card.correction or "",
                citations=citations_index,
            )
            view = CardView(
                card_id=CardId(0),
                note_id=card.id,
                key=key,
                kind=card.type,
                deck_id=header.id,
                deck_title=header.title,
                family=header.family,
                question=rendered.question,
                answer=rendered.answer,
                extra=rendered.extra,
                correction=rendered.correction,
                tags=tuple(card.tags),
                sources=citations_of(sources, card.sources),
                cites=citations_of(sources, card.cites),
                as_of=card.as_of,
                state=MemoryState(),
                image=_image_of(card, deck),
            )
            result.append(PreviewCard(view, deck.path, line))
    return result
