"""Course files: modules defined once (number, title, optional release date), decks and cards
naming their module, and every bad reference an error at file:line:col, in validate and sync
alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.deckfile.course import parse_course
from studyapp.deckfile.discover import course_file_of
from studyapp.services.library import Library
from studyapp.services.paths import bundled_decks_dir
from studyapp.services.validate import validate_paths

COURSE = """\
format_version: 1
course: {id: test-course, title: Test course}
modules:
  - {number: 1, title: Basics}
  - {number: 2, title: Later, release: 2026-04-01}
"""

DECK = """\
format_version: 1
deck:
  id: paced
  title: Paced deck
  family: terms
  module: {deck_module}
cards:
  - id: paced-a
    front: A question?
    back: An answer.
    source: zhou2024
  - id: paced-b
    front: Another question?
    back: Another answer.
    source: zhou2024
    module: {card_module}
"""


def write_course(
    root: Path, course: str = COURSE, deck_module: int = 1, card_module: int = 2
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "course.yaml").write_text(course, encoding="utf-8")
    decks = root / "decks"
    decks.mkdir(exist_ok=True)
    (decks / "paced.yaml").write_text(
        DECK.format(deck_module=deck_module, card_module=card_module), encoding="utf-8"
    )
    return root


def located(root: Path) -> list[str]:
    return [
        f"{Path(p.path).relative_to(root)}:{p.line}:{p.column}: {p.message}"
        for p in validate_paths([root]).problems
    ]


def test_a_course_with_known_modules_validates(tmp_path: Path) -> None:
    root = write_course(tmp_path / "course")
    assert located(root) == []
    parsed = parse_course(root / "course.yaml")
    assert parsed.read and parsed.course_id == "test-course"
    assert [(m.number, m.title, str(m.release)) for m in parsed.modules.values()] == [
        (1, "Basics", "None"),
        (2, "Later", "2026-04-01"),
    ]


def test_unknown_modules_of_a_deck_and_a_card_are_located(tmp_path: Path) -> None:
    root = write_course(tmp_path / "course", deck_module=4, card_module=9)
    assert located(root) == [
        f"decks/paced.yaml:6:11: unknown module 4: {root / 'course.yaml'} defines modules 1, 2",
        f"decks/paced.yaml:16:13: unknown module 9: {root / 'course.yaml'} defines modules 1, 2",
    ]


@pytest.mark.parametrize(
    ("modules", "expected"),
    [
        (
            "  - {number: 1, title: A}\n  - {number: 1, title: B}\n",
            "course.yaml:5:14: module number 1 is used twice (first on line 4); each module "
            "needs its own number",
        ),
        (
            "  - {number: 1, title: A, release: 2026-13-01}\n",
            "course.yaml:4:36: module 1: release '2026-13-01' is not a date; write it as "
            "YYYY-MM-DD, e.g. 2026-01-12",
        ),
        (
            "  - {number: 1, title: A, release: 'next spring'}\n",
            "course.yaml:4:36: module 1: release 'next spring' is not a date; write it as "
            "YYYY-MM-DD, e.g. 2026-01-12",
        ),
        (
            "  - {number: 0, title: A}\n",
            "course.yaml:4:14: 'number': input should be greater than or equal to 1",
        ),
    ],
    ids=["duplicate number", "impossible date", "not a date", "number 0"],
)
def test_course_file_errors_are_located(tmp_path: Path, modules: str, expected: str) -> None:
    course = "format_version: 1\ncourse: {id: c, title: C}\nmodules:\n" + modules
    root = write_course(tmp_path / "course", course, deck_module=1, card_module=1)
    found = located(root)
    assert expected in found, found


def test_a_repeated_module_number_still_has_its_release_checked(tmp_path: Path) -> None:
    # Every problem in one pass: the second module's date was checked only once its
    # number was fixed.
    modules = "  - {number: 1, title: A}\n  - {number: 1, title: B, release: 2026-13-01}\n"
    course = "format_version: 1\ncourse: {id: c, title: C}\nmodules:\n" + modules
    root = write_course(tmp_path / "course", course, deck_module=1, card_module=1)
    found = [line.split("/")[-1] for line in located(root)]
    assert [line for line in found if line.startswith("course.yaml:5:")] == [
        "course.yaml:5:14: module number 1 is used twice (first on line 4); each module "
        "needs its own number",
        "course.yaml:5:36: module 1: release '2026-13-01' is not a date; write it as "
        "YYYY-MM-DD, e.g. 2026-01-12",
    ]


def test_a_module_without_a_course_file_is_an_error(tmp_path: Path) -> None:
    root = write_course(tmp_path / "course")
    (root / "course.yaml").unlink()
    assert located(root)[0].startswith(
        "decks/paced.yaml:6:11: module 1: no course file defines modules for this deck"
    )


def test_sync_refuses_what_validate_refuses(library: Library, tmp_path: Path) -> None:
    root = write_course(tmp_path / "course", deck_module=3)
    plan = library.sync([root])
    assert not plan.ok
    assert [(Path(p.path).name, p.line, p.column) for p in plan.problems] == [("paced.yaml", 6, 11)]
    assert "unknown module 3" in plan.problems[0].message


def test_a_deck_finds_the_nearest_course_file_above_it(tmp_path: Path) -> None:
    root = write_course(tmp_path / "course")
    deeper = root / "decks" / "part" / "x.yaml"
    assert course_file_of(deeper) == root / "course.yaml"
    assert course_file_of(tmp_path / "elsewhere" / "x.yaml") is None


def test_the_bundled_course_orders_its_modules_and_every_deck_names_one() -> None:
    folder = bundled_decks_dir()
    course = parse_course(folder / "course.yaml")
    assert course.read and course.problems == []
    assert [m.title for m in course.modules.values()] == [
        "Foundations and terms",
        "How it might work",
        "What the trials show",
        "Regulation, approvals and history",
        "Delivering the therapy",
        "Safety, screening and ethics",
    ]
    assert validate_paths([folder]).ok
