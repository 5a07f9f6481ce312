"""``studyapp validate`` reports everything ``studyapp sync`` would refuse, with the same
messages: both run over every course in ``tests/data/courses`` (sync into a store that holds
the bundled decks, as every trainee's does) and must agree problem for problem."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.deckfile.reading import real_path
from studyapp.services.library import Library
from studyapp.services.validate import validate_paths
from tests.freshpython import fresh_python

COURSES = Path(__file__).resolve().parent / "data" / "courses"
NAMES = sorted(p.name for p in COURSES.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    """A store holding the bundled decks."""
    library = Library(tmp_path_factory.mktemp("template"))
    assert library.sync().ok
    yield library
    library.close()


def contents(library: Library) -> dict[str, list[tuple[object, ...]]]:
    with library.engine.connect() as conn:
        return {
            table: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
            for table in ("deck", "note", "card", "source")
        }


def test_the_corpus_has_a_course_for_each_mistake() -> None:
    assert NAMES == [
        "bad-images",
        "cross-folder",
        "hidden-characters",
        "local-bibliography",
        "markup-and-citations",
        "missing-version",
        "reuses-bundled-ids",
        "unrelated-yaml",
        "upper-case-and-copies",
        "valid-course",
        "yaml-versions",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_validate_and_sync_agree(name: str, template: Library, tmp_path: Path) -> None:
    course = real_path(tmp_path / name)
    shutil.copytree(COURSES / name, course)
    report = validate_paths([course])
    library = template.clone(tmp_path / "store")
    try:
        before = contents(library)
        plan = library.sync([course])
        assert [str(p) for p in plan.problems] == [str(p) for p in report.problems]
        assert plan.ok == report.ok
        if not plan.ok:
            assert contents(library) == before  # a refused sync changes nothing
    finally:
        library.close()
    assert report.ok == (name == "valid-course")


def test_every_problem_of_a_file_comes_in_one_pass() -> None:
    """A file's own errors and its clashes with other files and the bibliography together:
    fixing one never reveals another that was there all along."""
    report = validate_paths([COURSES / "reuses-bundled-ids"])
    messages = [p.message.split(" (did you mean")[0] for p in report.problems]
    assert messages == [
        "deck id 'terms' is also used by " + str(real_path(_bundled("terms.yaml"))),
        "card id 'mech-5ht2a-agonism' is also used in "
        + str(real_path(_bundled("mechanisms-neurochemistry.yaml"))),
        "card 'mech-5ht2a-agonism': 'tags[0]' must be lowercase letters, digits and '-', '_' "
        "and ':', "
        "starting with a letter or digit (got 'Bad-Tag')",
        "card 'mech-5ht2a-agonism': unknown source id 'nosuch2020'",
        "card id 'mech-dmn-self-referential' is also used in "
        + str(real_path(_bundled("mechanisms-brain.yaml"))),
    ]


def test_a_clone_of_the_repository_validates_against_the_app_installed_from_it(
    tmp_path: Path,
) -> None:
    """From a clean clone, after ``pip install .``, ``studyapp validate decks/`` printed 245
    errors: the installed app bundles a copy of those very files, and each card was read as
    reusing its own id. A file with the same bytes as a bundled deck is that deck; one that
    differs is still checked against it."""
    from studyapp.services.paths import bundled_decks_dir

    installed = tmp_path / "site-packages" / "studyapp" / "_bundled" / "decks"
    shutil.copytree(bundled_decks_dir(), installed)
    clone = tmp_path / "clone" / "decks"
    shutil.copytree(bundled_decks_dir(), clone)
    report = validate_paths([clone], held=[installed])
    assert report.files > 0 and report.cards > 0
    assert report.problems == []
    edited = clone / "terms.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    report = validate_paths([clone], held=[installed])
    assert report.problems and {Path(p.path).name for p in report.problems} == {"terms.yaml"}
    assert report.problems[0].message == (
        f"deck id 'terms' is also used by {real_path(installed / 'terms.yaml')}"
    )


def test_a_card_with_a_schema_error_still_has_its_image_checked() -> None:
    """The broken card's missing picture comes with its unknown field, not after the fix."""
    report = validate_paths([COURSES / "bad-images"])
    broken = [p.message for p in report.problems if "image-missing-on-a-broken-card" in p.message]
    assert broken == [
        "card 'image-missing-on-a-broken-card': missing required field 'back'",
        "card 'image-missing-on-a-broken-card': unknown field 'bakc' (did you mean 'back'?)",
        "card 'image-missing-on-a-broken-card': the image 'images/also-gone.png' is not there",
    ]


def _bundled(name: str) -> Path:
    from studyapp.services.paths import bundled_decks_dir

    return bundled_decks_dir() / name


def test_subfolders_and_any_case_of_yaml_are_read_and_skipped_files_named() -> None:
    names = {Path(p.path).name for p in validate_paths([COURSES]).problems}
    assert {"two.yaml", "Terms.YAML", "terms.yaml.orig", "mkdocs.yml"} <= names
    skipped = [
        p
        for p in validate_paths([COURSES / "upper-case-and-copies"]).problems
        if p.path.endswith(".orig")
    ]
    assert [p.message for p in skipped] == [
        "skipped: not a .yaml or .yml file (a backup or an editor's copy?)"
    ]


def test_an_unrelated_yaml_file_gets_one_clear_message() -> None:
    problems = validate_paths([COURSES / "unrelated-yaml"]).problems
    assert [(Path(p.path).name, p.line, p.message.split(":")[0]) for p in problems] == [
        ("mkdocs.yml", 1, "not a deck file")
    ]


def test_a_missing_format_version_is_one_message() -> None:
    problems = validate_paths([COURSES / "missing-version"]).problems
    assert [p.message for p in problems] == ["missing required field 'format_version' (use 1)"]


def test_the_cli_prints_the_same_problems_for_validate_and_sync(tmp_path: Path) -> None:
    course = real_path(tmp_path / "course")
    shutil.copytree(COURSES / "cross-folder", course)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return fresh_python("-m", "studyapp", "--data-dir", str(tmp_path / "data"), *args)

    validated = run("validate", str(course))
    synced = run("sync", str(course))
    assert validated.returncode == synced.returncode == 1
    assert validated.stdout == synced.stdout and validated.stdout.count("error:") == 3


def test_an_edited_copy_of_a_bundled_deck_names_each_card_id_it_reuses(
    template: Library, tmp_path: Path
) -> None:
    """A trainee's or author's folder holding an edited copy of a bundled deck: sync (the
    bundled decks unchanged in the store, not read again) said only that the deck id was
    taken, while validate also named every card id taken, each at its line. An author
    renames them all, so both name them all, line by line."""
    from studyapp.services.paths import bundled_decks_dir

    original = min(
        (p for p in bundled_decks_dir().glob("*.yaml") if p.name != "course.yaml"),
        key=lambda p: p.stat().st_size,
    )
    folder = real_path(tmp_path / "mine")
    folder.mkdir()
    copy = folder / original.name
    copy.write_text(original.read_text(encoding="utf-8") + "# my copy\n", encoding="utf-8")
    report = validate_paths([folder])
    library = template.clone(tmp_path / "store")
    try:
        plan = library.sync([folder])
    finally:
        library.close()
    assert [str(p) for p in plan.problems] == [str(p) for p in report.problems]
    clashes = [p.message for p in plan.problems if p.path == str(copy) and "also used" in p.message]
    cards = len(re.findall(r"^  - id: ", copy.read_text(encoding="utf-8"), re.MULTILINE))
    assert cards > 1 and len(clashes) == 1 + cards
    assert clashes[0].startswith("deck id ")
    assert clashes[0].endswith(f"is also used by {real_path(original)}")
    assert all(c.endswith(f"is also used in {real_path(original)}") for c in clashes[1:])
