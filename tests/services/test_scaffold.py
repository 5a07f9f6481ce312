"""``studyapp init``: a course repository that passes ``validate`` as made, with one example
deck per card type, a bibliography, an images folder, editor settings mapping the schemas,
a CI workflow running ``studyapp validate`` and a ``.gitignore``; never over a file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from studyapp.core.outfile import OutputFileError
from studyapp.deckfile.loader import parse_bibliography, parse_deck
from studyapp.services.paths import bundled_decks_dir, bundled_sources_file, resources_dir
from studyapp.services.preview import DeckPreview
from studyapp.services.render import sanitize
from studyapp.services.scaffold import EXAMPLE_SOURCES, InitError, course_id, init_course
from studyapp.services.validate import validate_paths

EXPECTED = {
    ".github/studyapp-problems.json",
    ".github/workflows/validate.yml",
    ".gitignore",
    ".vscode/extensions.json",
    ".vscode/settings.json",
    "README.md",
    "course.yaml",
    "decks/basic-cards.yaml",
    "decks/cloze-cards.yaml",
    "decks/reversed-cards.yaml",
    "images/therapy-arc.svg",
    "schemas/bibliography.schema.json",
    "schemas/course.schema.json",
    "schemas/deck.schema.json",
    "sources.yaml",
}


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def course(tmp_path: Path) -> Path:
    folder = tmp_path / "Integration Seminar"
    made = init_course(folder)
    assert made.course_id == "integration-seminar" and made.kept == []
    assert {p.relative_to(folder).as_posix() for p in made.created} == EXPECTED
    return folder


def test_a_new_course_holds_every_part_and_validates_as_made(course: Path) -> None:
    assert files_in(course) == EXPECTED
    report = validate_paths([course])
    assert report.problems == [] and (report.files, report.cards) == (3, 5)


def test_one_example_deck_per_card_type_with_ids_of_the_course(course: Path) -> None:
    kinds = {}
    for path in sorted((course / "decks").glob("*.yaml")):
        deck = parse_deck(path)
        assert deck.ok and deck.model is not None, deck.problems
        assert deck.model.deck.id.startswith("integration-seminar-")
        assert all(c.id.startswith("integration-seminar-") for c in deck.model.cards)
        kinds[path.name] = {c.type for c in deck.model.cards}
    assert kinds == {
        "basic-cards.yaml": {"basic"},
        "reversed-cards.yaml": {"reversed"},
        "cloze-cards.yaml": {"cloze"},
    }


def test_the_examples_show_a_picture_and_readable_citations(course: Path) -> None:
    """The preview (``studyapp preview DIR``) shows every example card: the picture from the
    images folder, citations as names and years, never a raw id."""
    state = DeckPreview([course]).reload()
    assert state.problems == [] and state.stale == []
    # 2 basic cards, 2 reversed entries of two cards each, 1 cloze of three deletions
    assert len(state.cards) == 9 and len({c.view.note_id for c in state.cards}) == 5
    pictured = [c for c in state.cards if c.view.image is not None]
    assert len(pictured) == 1
    image = pictured[0].view.image
    assert image is not None and image.missing is None and image.kind == "svg"
    assert image.data == (course / "images" / "therapy-arc.svg").read_bytes()
    assert image.safe_to_draw()
    shown = " ".join(
        sanitize(t) for c in state.cards for t in (c.view.question, c.view.answer, c.view.extra)
    )
    assert "(Mitchell et al., 2021)" in shown
    assert "[@" not in shown and "mitchell2021" not in shown


def test_the_bibliography_repeats_studyapps_own_entries_exactly(course: Path) -> None:
    """Copied when the course is made (not kept in the template), so a corrected bundled
    entry is never replaced by a stale copy."""
    mine = parse_bibliography(course / "sources.yaml")
    bundled = parse_bibliography(bundled_sources_file())
    assert mine.problems == []
    assert list(mine.entries) == list(EXAMPLE_SOURCES)
    assert all(mine.entries[i] == bundled.entries[i] for i in EXAMPLE_SOURCES)


def test_the_editor_settings_map_the_schemas_studyapp_ships(course: Path) -> None:
    for name in ("deck.schema.json", "bibliography.schema.json", "course.schema.json"):
        assert (course / "schemas" / name).read_bytes() == (resources_dir() / name).read_bytes()
    settings = json.loads((course / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.yamlVersion"] == "1.1"
    assert settings["yaml.schemas"] == {
        "./schemas/deck.schema.json": ["decks/**/*.yaml", "decks/**/*.yml"],
        "./schemas/bibliography.schema.json": ["sources.yaml"],
        "./schemas/course.schema.json": ["course.yaml"],
    }
    recommended = json.loads((course / ".vscode" / "extensions.json").read_text("utf-8"))
    assert recommended["recommendations"] == ["redhat.vscode-yaml"]
    image = course / "images" / "therapy-arc.svg"
    assert image.read_bytes() == (bundled_decks_dir() / "images" / "therapy-arc.svg").read_bytes()


def test_the_ci_workflow_runs_validate_and_its_matcher_reads_validates_lines(
    course: Path,
) -> None:
    workflow = yaml.safe_load((course / ".github/workflows/validate.yml").read_text("utf-8"))
    job = workflow["jobs"]["validate"]
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs[-1] == "studyapp validate ."
    assert job["env"]["STUDYAPP"].startswith("studyapp==")
    matcher = json.loads((course / ".github/studyapp-problems.json").read_text("utf-8"))
    assert any(".github/studyapp-problems.json" in r for r in runs)
    pattern = matcher["problemMatcher"][0]["pattern"][0]
    deck = course / "decks" / "basic-cards.yaml"
    deck.write_text(deck.read_text("utf-8").replace("    front: What", "    fornt: What"), "utf-8")
    lines = [str(p) for p in validate_paths([course]).problems]
    assert len(lines) == 2  # 'front' missing, 'fornt' unknown
    for line in lines:
        match = re.match(pattern["regexp"], line)
        assert match is not None, line
        assert match[pattern["file"]] == str(deck) and match[pattern["severity"]] == "error"
        assert int(match[pattern["line"]]) > 0 and int(match[pattern["column"]]) > 0
    assert any("unknown field 'fornt'" in line for line in lines)


def test_git_ignores_editor_copies_and_exports_not_decks(course: Path) -> None:
    ignored = (course / ".gitignore").read_text("utf-8").split()
    assert {"*~", "*.orig", "*.swp", ".DS_Store", "*.apkg"} <= set(ignored)
    assert not {"*.yaml", "*.yml", "*.svg", "*.png", "*.json"} & set(ignored)


def test_the_readme_names_the_commands_and_the_rules(course: Path) -> None:
    readme = (course / "README.md").read_text("utf-8")
    assert readme.startswith("# Integration Seminar\n")
    for needed in ("studyapp validate .", "studyapp preview .", "revision", "[@", "image:", "alt"):
        assert needed in readme


def test_a_folder_that_is_not_empty_is_refused_and_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(InitError, match=r"is not empty \(notes.txt\); give --force"):
        init_course(folder)
    assert files_in(folder) == {"notes.txt"}


def test_force_adds_the_missing_files_and_overwrites_none(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    (folder / "decks").mkdir(parents=True)
    (folder / "README.md").write_text("my own readme")
    (folder / "decks" / "basic-cards.yaml").write_text("my own deck")
    made = init_course(folder, force=True)
    assert sorted(p.relative_to(folder).as_posix() for p in made.kept) == [
        "README.md",
        "decks/basic-cards.yaml",
    ]
    assert files_in(folder) == EXPECTED
    assert (folder / "README.md").read_text() == "my own readme"
    assert (folder / "decks" / "basic-cards.yaml").read_text() == "my own deck"
    again = init_course(folder, force=True)  # a second run writes nothing
    assert again.created == [] and len(again.kept) == len(EXPECTED)


def test_a_folder_holding_only_git_counts_as_empty(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    (folder / ".git").mkdir(parents=True)
    assert len(init_course(folder).created) == len(EXPECTED)


def test_a_file_in_the_way_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(InitError, match="is a file, not a folder"):
        (tmp_path / "course").write_text("x")
        init_course(tmp_path / "course")
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "decks").write_text("a file where the decks folder goes")
    with pytest.raises(InitError, match="cannot make the folder .*decks"):
        init_course(folder, force=True)


def test_a_file_appearing_meanwhile_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the look and the write another program makes README.md: it stays."""
    import studyapp.services.scaffold as scaffold
    from studyapp.core.outfile import write_output as real

    folder = tmp_path / "course"

    def racing(path: Path, data: bytes, *, replace: bool = True) -> None:
        if path.name == "README.md":
            path.write_text("written meanwhile")
        real(path, data, replace=replace)

    monkeypatch.setattr(scaffold, "write_output", racing)
    with pytest.raises(OutputFileError, match="README.md: it already exists"):
        init_course(folder)
    assert (folder / "README.md").read_text() == "written meanwhile"


@pytest.mark.parametrize(
    ("name", "slug"),
    [("My Course", "my-course"), ("PAT 2026!", "pat-2026"), ("Ärzte", "rzte"), ("---", "course")],
)
def test_the_course_id_is_a_slug_of_the_folder_name(name: str, slug: str) -> None:
    assert course_id(name) == slug


def test_the_title_goes_into_the_course_file_quoted(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    init_course(folder, title='PAT: "yes" # not a comment')
    course = yaml.safe_load((folder / "course.yaml").read_text("utf-8"))
    assert course["course"] == {"id": "c", "title": 'PAT: "yes" # not a comment'}
    assert validate_paths([folder]).problems == []
