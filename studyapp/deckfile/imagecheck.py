"""The images of parsed deck files, checked (:mod:`studyapp.deckfile.images`) and attached.

``validate``, the preview and ``sync`` all call :func:`check_images` on the decks they read,
so they refuse the same images with the same messages. A problem with the reference (missing,
outside the course, too large, not an image) is an error in the deck, at the ``file`` value;
a problem inside an SVG is an error in the SVG, at its line. Both are the deck's problems, so
a deck with a bad image is not ``ok`` and nothing of it reaches the store.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from studyapp.deckfile.images import ImageReport, course_root, inspect_image
from studyapp.deckfile.parsed import ParsedDeck
from studyapp.deckfile.problems import Problem, Severity

__all__ = ["ImageCache", "check_images", "given_folder"]


class ImageCache:
    """Reports by (deck folder, ``file`` as written), so an image two cards share is read
    once, and the problems inside image files already reported (each is reported once)."""

    def __init__(self) -> None:
        self.reports: dict[tuple[str, str], ImageReport] = {}
        self.reported: set[Problem] = set()


def given_folder(deck: Path, given: Iterable[Path]) -> Path:
    """The folder among ``given`` (the paths given to the command) that ``deck`` was found
    in: the deepest folder that holds it, else the deck's own folder (a file given by name)."""
    absolute = Path(os.path.abspath(deck))
    holders = [
        Path(os.path.abspath(p))
        for p in given
        if p.is_dir() and absolute.is_relative_to(Path(os.path.abspath(p)))
    ]
    return max(holders, key=lambda p: len(p.parts)) if holders else absolute.parent


def check_images(
    decks: Sequence[ParsedDeck], given: Sequence[Path], cache: ImageCache | None = None
) -> None:
    """Check every image the cards of ``decks`` show, filling each deck's ``images`` and
    adding the problems to its ``problems``."""
    seen = cache if cache is not None else ImageCache()
    for deck in decks:
        cards = [(i, c) for i, c in deck.entries if getattr(c, "image", None) is not None]
        if not cards:
            continue
        path = Path(deck.path)
        root = course_root(Path(os.path.abspath(path)), given_folder(path, given))
        for index, card in cards:
            written = card.image.file
            key = (str(path.parent), written)
            report = seen.reports.get(key)
            if report is None:
                report = seen.reports[key] = inspect_image(written, path, root)
            if report.image is not None:
                deck.images[written] = report.image
            if report.message is not None:
                deck.image_problems[written] = report.message
                line, column = deck.locate_in(("cards", index, "image", "file"), written)
                message = f"card {card.id!r}: {report.message}"
                deck.problems.append(Problem(deck.path, line, column, Severity.ERROR, message))
            for problem in report.problems:
                if problem not in seen.reported:
                    seen.reported.add(problem)
                    deck.problems.append(problem)
