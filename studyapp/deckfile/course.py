"""Course files (``course.yaml``): a course's modules, defined once, each with a number, a
title and an optional release date; and the check that decks and cards name only modules
their course defines.

A deck's course is the ``course.yaml`` (or ``course.yml``) in the nearest folder above the
deck that holds one (:func:`course_file_of`), the same folder images must stay inside.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from studyapp.deckfile.discover import COURSE_NAMES, course_file_of, courses_of
from studyapp.deckfile.filechecks import read_model_file
from studyapp.deckfile.parsed import ParsedDeck
from studyapp.deckfile.problems import Problem, Severity
from studyapp.deckfile.schema import CourseFileModel
from studyapp.deckfile.yamlsource import locate, problem_at

__all__ = [
    "CourseModule",
    "Courses",
    "ParsedCourse",
    "check_course_ids",
    "check_modules",
    "course_file_of",
    "courses_of",
    "parse_course",
    "read_courses",
]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class CourseModule:
    """One module as a course file defines it."""

    number: int
    title: str
    release: date | None = None


@dataclass
class ParsedCourse:
    """A course file after reading and checking it: its modules by number."""

    path: str
    course_id: str = ""
    title: str = ""
    modules: dict[int, CourseModule] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    read: bool = False
    """The file was read as a course (its modules can be checked against)."""


def _release_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def parse_course(path: Path, *, shown: str | None = None) -> ParsedCourse:
    """Read and check a course file: its schema, module numbers used once, release dates
    that are dates. Never raises for bad input; every problem is at its line and column."""
    shown = shown if shown is not None else str(path)
    result = ParsedCourse(shown)
    result.problems, loaded, model = read_model_file(
        path,
        shown,
        CourseFileModel,
        "a course file must be a mapping with format_version, course and modules",
    )
    if loaded is None or model is None:
        return result
    first: dict[int, int] = {}
    for index, entry in enumerate(model.modules):
        number = entry.number
        if number in first:
            node = locate(loaded.root, ("modules", index, "number"))
            line = first[number]
            loaded.error(
                node,
                f"module number {number} is used twice (first on line {line}); "
                "each module needs its own number",
            )
        else:
            number_node = locate(loaded.root, ("modules", index, "number"))
            first[number] = number_node.start_mark.line + 1 if number_node is not None else 1
        release = None
        if entry.release is not None:
            release = _release_date(entry.release)
            if release is None:
                loaded.error(
                    locate(loaded.root, ("modules", index, "release")),
                    f"module {number}: release {str(entry.release)!r} is not a date; write "
                    "it as YYYY-MM-DD, e.g. 2026-01-12",
                )
        result.modules.setdefault(number, CourseModule(number, entry.title, release))
    if model.course is not None:
        result.course_id, result.title = model.course.id, model.course.title
    elif model.modules:
        loaded.error(
            loaded.root,
            "a course file with modules needs 'course' (its id and title), e.g. "
            "course: {id: my-course, title: My course}",
        )
        return result
    result.read = True
    return result


def check_modules(
    decks: Sequence[ParsedDeck],
    courses: Mapping[str, ParsedCourse],
    course_of: Mapping[str, str | None],
) -> list[Problem]:
    """Each ``module:`` a deck header or card names must be a module of its course.

    Args:
        decks: the decks read now.
        courses: the course files read, by path as shown.
        course_of: each deck's course file (by the deck's path as shown), None without one.
    """
    problems: list[Problem] = []
    for deck in decks:
        named: list[tuple[tuple[str | int, ...], int]] = []
        header = deck.header
        if header is not None and header.module is not None:
            named.append((("deck", "module"), header.module))
        for index, card in deck.entries if deck.modules_named else ():
            number = getattr(card, "module", None)
            if number is not None:
                named.append((("cards", index, "module"), number))
        if not named:
            continue
        course_path = course_of.get(deck.path)
        course = courses.get(course_path) if course_path is not None else None
        for where, number in named:
            if course is None:
                message = (
                    f"module {number}: no course file defines modules for this deck; put a "
                    "course.yaml (its modules with their numbers and titles) in the course "
                    "folder"
                )
            elif not course.read:
                continue  # the course file's own errors are reported with it
            elif number in course.modules:
                continue
            else:
                defined = ", ".join(str(n) for n in sorted(course.modules)) or "none"
                message = f"unknown module {number}: {course.path} defines modules {defined}"
            node = locate(deck.root, where)
            problems.append(problem_at(deck.path, node, Severity.ERROR, message))
    return problems


def check_course_ids(courses: Sequence[ParsedCourse]) -> list[Problem]:
    """A course id used by two course files (their modules would be mixed up)."""
    seen: dict[str, str] = {}
    problems: list[Problem] = []
    for course in courses:
        if not course.read or not course.course_id:
            continue
        if course.course_id in seen:
            message = (
                f"course id {course.course_id!r} is also used by {seen[course.course_id]}; "
                "each course needs its own id"
            )
            problems.append(Problem(course.path, 1, 1, Severity.ERROR, message))
        seen.setdefault(course.course_id, course.path)
    return problems


@dataclass
class Courses:
    """The course files of a set of deck files, read: what :func:`check_modules` needs."""

    by_path: dict[str, ParsedCourse] = field(default_factory=dict)
    """Each course file read, by its path."""
    course_of: dict[str, str | None] = field(default_factory=dict)
    """Each deck file's course file (both by path), None without one."""
    problems: list[Problem] = field(default_factory=list)
    """The course files' own problems, and course ids used twice."""

    def check(self, decks: Sequence[ParsedDeck]) -> list[Problem]:
        return check_modules(decks, self.by_path, self.course_of)


def read_courses(deck_files: Iterable[Path], given: Iterable[Path] = ()) -> Courses:
    """Read the course file of each of ``deck_files``, and any course file among ``given``
    (a course file validated by name), each once."""
    found = Courses()
    files: dict[str, Path] = {}
    for deck, course in courses_of(deck_files).items():
        found.course_of[str(deck)] = None if course is None else str(course)
        if course is not None:
            files.setdefault(str(course), course)
    for path in given:
        if path.name.lower() in COURSE_NAMES and path.is_file():
            files.setdefault(str(path), path)
    for shown, path in files.items():  # (in the deck files' order: the later one clashes)
        parsed = parse_course(path, shown=shown)
        found.by_path[shown] = parsed
        found.problems.extend(parsed.problems)
    found.problems.extend(check_course_ids(list(found.by_path.values())))
    return found
