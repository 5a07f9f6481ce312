"""Finding deck and bibliography files, without loading the format's models.

Kept apart from :mod:`studyapp.deckfile.loader` so that a sync that finds every file
unchanged (the app's start-up) never imports the YAML and validation machinery.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["BIBLIOGRAPHY_NAMES", "discover_deck_files"]

BIBLIOGRAPHY_NAMES = frozenset({"sources.yaml", "sources.yml"})


def discover_deck_files(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Deck files and bibliography files under ``paths`` (files or folders), sorted.

    A folder contributes its ``*.yaml``/``*.yml`` files (not recursively, hidden files
    skipped); ``sources.yaml`` is a bibliography, not a deck.
    """
    decks: list[Path] = []
    bibs: list[Path] = []
    for path in paths:
        if path.is_dir():
            children = sorted(
                p
                for p in path.iterdir()
                if p.suffix in (".yaml", ".yml") and not p.name.startswith(".") and p.is_file()
            )
        else:
            children = [path]
        for child in children:
            (bibs if child.name in BIBLIOGRAPHY_NAMES else decks).append(child)
    return decks, bibs
