"""Finding deck and bibliography files, without loading the format's models.

Kept apart from :mod:`studyapp.deckfile.loader` so that a sync that finds every file
unchanged (the app's start-up) never imports the YAML and validation machinery.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from studyapp.deckfile.problems import Problem, Severity
from studyapp.deckfile.reading import name_problem

__all__ = ["BIBLIOGRAPHY_NAMES", "discover_deck_files"]

BIBLIOGRAPHY_NAMES = frozenset({"sources.yaml", "sources.yml"})


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a symbolic link loop, on some Pythons
        return False


def discover_deck_files(
    paths: Iterable[Path], problems: list[Problem] | None = None
) -> tuple[list[Path], list[Path]]:
    """Deck files and bibliography files under ``paths`` (files or folders), sorted.

    A folder contributes its ``*.yaml``/``*.yml`` entries (not recursively, hidden files
    skipped); ``sources.yaml`` is a bibliography, not a deck. Every such entry that is not a
    folder is returned, a FIFO, device or symbolic link loop included, so that reading it
    reports it at ``file:1:1`` rather than passing over it in silence.

    Args:
        paths: deck files and folders.
        problems: receives a warning for each file or folder skipped because its name is
            not valid UTF-8 (it could not be named in the store), and an error for a folder
            that cannot be listed.
    """
    found = problems if problems is not None else []
    decks: list[Path] = []
    bibs: list[Path] = []
    for path in paths:
        skipped = name_problem(path)
        if skipped is not None:
            found.append(skipped)
            continue
        if _is_folder(path):
            try:
                entries = list(path.iterdir())
            except OSError as exc:
                reason = (exc.strerror or str(exc)).lower()
                found.append(
                    Problem(str(path), 1, 1, Severity.ERROR, f"cannot list the folder: {reason}")
                )
                continue
            children = []
            for child in sorted(entries):
                if child.suffix not in (".yaml", ".yml") or child.name.startswith("."):
                    continue
                skipped = name_problem(child)
                if skipped is not None:
                    found.append(skipped)
                elif not _is_folder(child):
                    children.append(child)
        else:
            children = [path]
        for child in children:
            (bibs if child.name in BIBLIOGRAPHY_NAMES else decks).append(child)
    return decks, bibs
