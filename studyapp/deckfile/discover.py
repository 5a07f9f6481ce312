"""Finding deck and bibliography files, without loading the format's models.

Kept apart from :mod:`studyapp.deckfile.loader` so that a sync that finds every file
unchanged (the app's start-up) never imports the YAML and validation machinery.

``validate``, ``sync`` and the preview all find files here, so they read the same ones:

- a folder is read with its subfolders (at most :data:`MAX_FOLDER_DEPTH` levels down);
  hidden files and folders (``.git``, ``.github``, ``.vscode``) are not;
- ``*.yaml`` and ``*.yml`` are matched without regard to case (``Deck.YAML`` is a deck);
- ``sources.yaml`` is a bibliography and ``course.yaml`` a course file, not decks;
- a file that looks like a deck but is skipped gets a warning saying why: a name that is
  not valid UTF-8, a backup or editor copy such as ``terms.yaml.orig`` or ``terms.yml~``, a
  folder deeper than the limit or a link back to a folder already read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from studyapp.deckfile.problems import Problem, Severity
from studyapp.deckfile.reading import name_problem

__all__ = [
    "BIBLIOGRAPHY_NAMES",
    "COURSE_NAMES",
    "DECK_SUFFIXES",
    "MAX_FOLDER_DEPTH",
    "course_file_of",
    "course_folders_above",
    "courses_of",
    "discover_deck_files",
    "is_yaml_name",
]

BIBLIOGRAPHY_NAMES = frozenset({"sources.yaml", "sources.yml"})
COURSE_NAMES = frozenset({"course.yaml", "course.yml"})
"""A course's own file (modules and releases); read by the course's own loader."""
DECK_SUFFIXES = (".yaml", ".yml")
MAX_FOLDER_DEPTH = 8
"""Subfolders read below a deck folder given to validate, sync or preview."""


def is_yaml_name(name: str) -> bool:
    """``name`` ends in ``.yaml`` or ``.yml``, in any case."""
    return name.lower().endswith(DECK_SUFFIXES)


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a symbolic link loop, on some Pythons
        return False


def _looks_like_a_copy(name: str) -> bool:
    """``terms.yaml.orig``, ``terms.yml~``, ``terms.yaml.bak``: a deck's name with more after."""
    lower = name.lower()
    return not is_yaml_name(name) and any(
        s + "." in lower or s + "~" in lower for s in DECK_SUFFIXES
    )


def _warn(found: list[Problem], path: Path, message: str) -> None:
    found.append(Problem(str(path), 1, 1, Severity.WARNING, message))


def _folder_key(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def _walk(
    folder: Path, depth: int, seen: set[tuple[int, int]], found: list[Problem], out: list[Path]
) -> None:
    """Every file below ``folder`` that may be a deck, bibliography or course file."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        found.append(
            Problem(str(folder), 1, 1, Severity.ERROR, f"cannot list the folder: {reason}")
        )
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue  # hidden: .git, .github, .vscode, editors' swap files
        child = Path(entry.path)
        skipped = name_problem(child)
        if skipped is not None:
            if is_yaml_name(entry.name) or _is_folder(child):
                found.append(skipped)
            continue
        if _is_folder(child):
            key = _folder_key(child)
            if key is None or key in seen:
                _warn(found, child, "skipped: a link back to a folder already read")
            elif depth >= MAX_FOLDER_DEPTH:
                _warn(
                    found,
                    child,
                    f"skipped: folders are read at most {MAX_FOLDER_DEPTH} levels deep",
                )
            else:
                seen.add(key)
                _walk(child, depth + 1, seen, found, out)
        elif is_yaml_name(entry.name):
            out.append(child)
        elif _looks_like_a_copy(entry.name):
            _warn(found, child, "skipped: not a .yaml or .yml file (a backup or an editor's copy?)")


def discover_deck_files(
    paths: Iterable[Path], problems: list[Problem] | None = None
) -> tuple[list[Path], list[Path]]:
    """Deck files and bibliography files under ``paths`` (files or folders), each sorted.

    Every YAML entry that is not a folder is returned, a FIFO, device or symbolic link
    loop included, so that reading it reports it at ``file:1:1`` rather than passing over
    it in silence. A path given by name is read whatever its name.

    Args:
        paths: deck files and folders.
        problems: receives a warning for each file or folder skipped (see the module's
            docstring) and an error for a folder that cannot be listed.
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
            children: list[Path] = []
            key = _folder_key(path)
            _walk(path, 1, {key} if key else set(), found, children)
        else:
            children = [path]
        for child in children:
            name = child.name.lower()
            if name in COURSE_NAMES:
                continue  # a course file, even by name: read by deckfile.course
            (bibs if name in BIBLIOGRAPHY_NAMES else decks).append(child)
        bibs.extend(_bibliographies_above(path))
    return sorted(dict.fromkeys(decks)), sorted(dict.fromkeys(bibs))


def _bibliographies_above(path: Path) -> list[Path]:
    """The bibliographies a deck file or folder given by name reads besides those in it:
    for a file, the one beside it; and those in each folder above it up to its course's
    (the nearest folder above holding ``course.yaml``). So ``validate decks/basic.yaml``
    or ``sync decks`` in a course made by ``studyapp init`` reads the course's
    ``sources.yaml``, as ``validate`` of the whole course does, and its cards' course ids
    are not unknown."""
    if _is_folder(path):
        folders = course_folders_above(path)
    else:
        folders = [path.parent, *course_folders_above(path.parent)]
    found = []
    for each in folders:
        for name in sorted(BIBLIOGRAPHY_NAMES):
            candidate = each / name
            if candidate.is_file():
                found.append(candidate)
    return found


def course_file_of(deck: Path, cache: dict[Path, Path | None] | None = None) -> Path | None:
    """The course file of ``deck``: ``course.yaml`` (or ``course.yml``) in the nearest
    folder above it holding one, or None. ``cache`` keeps the answer for each folder passed
    (the decks of a course share their folders)."""
    cache = {} if cache is None else cache
    walked: list[Path] = []
    found: Path | None = None
    for folder in _folders_above(deck):
        if folder in cache:
            found = cache[folder]
            break
        walked.append(folder)
        found = _course_in(folder)
        if found is not None:
            break
    for folder in walked:
        cache[folder] = found
    return found


def course_folders_above(folder: Path) -> list[Path]:
    """The folders above ``folder`` up to its course's, the nearest folder above holding
    ``course.yaml`` (whose bibliography and course file a deck folder inside a course
    reads); none if ``folder`` holds the course file itself or no folder above does."""
    course = course_file_of(folder / "-")
    if course is None or course.parent == folder:
        return []
    found = []
    for above in _folders_above(folder):
        found.append(above)
        if above == course.parent:
            break
    return found


def _folders_above(path: Path) -> Iterator[Path]:
    """The folders holding ``path``, nearest first, up to the root: for a relative path,
    past the working folder too (``deck.yaml``: ``.``, ``..``, ``../..``...), as relative
    paths, so that ``validate deck.yaml`` run inside a course's ``decks`` folder finds its
    course.yaml above."""
    yield from path.parents
    if not path.is_absolute():
        up = Path("..")
        for _above in Path.cwd().parents:
            yield up
            up /= ".."


def _course_in(folder: Path) -> Path | None:
    for name in sorted(COURSE_NAMES):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def courses_of(deck_files: Iterable[Path]) -> dict[Path, Path | None]:
    """The course file of each deck file (see :func:`course_file_of`)."""
    cache: dict[Path, Path | None] = {}
    return {path: course_file_of(path, cache) for path in deck_files}
