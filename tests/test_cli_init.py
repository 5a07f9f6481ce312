"""``studyapp init DIR`` from the command line: a course that ``validate`` passes and ``sync``
loads as made; a folder that is not empty refused in one line (exit 2) unless ``--force``,
which adds only the files that are missing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from studyapp.cli import main
from tests.freshpython import fresh_python


def studyapp(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STUDYAPP_DATA_DIR": str(data)}
    return fresh_python("-m", "studyapp", *args, env=env, timeout=120)


def test_init_then_validate_then_sync(tmp_path: Path) -> None:
    course = tmp_path / "my course"
    made = studyapp("init", str(course), "--title", "Integration", data=tmp_path / "data")
    assert made.returncode == 0, made.stderr
    assert made.stdout.count("created ") == 15
    assert "studyapp validate '" in made.stderr  # a path with a space, quoted for the shell
    checked = studyapp("validate", "--strict", str(course), data=tmp_path / "data")
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout == ""
    assert checked.stderr == "3 deck file(s), 5 card(s): 0 error(s), 0 warning(s)\n"
    synced = studyapp("sync", str(course), data=tmp_path / "data")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert synced.stdout.startswith("synced: 5 new")


def test_a_folder_that_is_not_empty_is_one_line_and_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    course = tmp_path / "course"
    course.mkdir()
    (course / "README.md").write_text("mine")
    assert main(["init", str(course)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"studyapp: error: {course} is not empty (README.md); give --force")
    assert [p.name for p in course.iterdir()] == ["README.md"]

    assert main(["init", str(course), "--force"]) == 0
    out = capsys.readouterr().out
    assert f"kept    {course / 'README.md'} (already there, not changed)" in out
    assert out.count("created ") == 14
    assert (course / "README.md").read_text() == "mine"


def test_init_needs_a_folder(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["init"])
    assert exit_.value.code == 2
    assert "the following arguments are required: DIR" in capsys.readouterr().err


def test_one_deck_or_the_decks_folder_reads_the_courses_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `validate decks/basic-cards.yaml` (the file being edited) or `sync decks` did not read
    # the course's sources.yaml: every card citing a source of the course's own was an
    # 'unknown cite id'; and run inside decks/, `validate basic-cards.yaml` did not find
    # course.yaml either (a broken module release passed).
    from tests.services.test_folders import course_citing_its_own_source

    course = tmp_path / "seminar"
    deck = course_citing_its_own_source(course)
    for given in (course, course / "decks", deck):
        assert main(["validate", str(given)]) == 0, capsys.readouterr().out
    monkeypatch.chdir(course / "decks")
    assert main(["validate", "basic-cards.yaml"]) == 0, capsys.readouterr().out
    course_file = course / "course.yaml"
    course_file.write_text(
        course_file.read_text(encoding="utf-8").replace("started}", "started, release: x}"),
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["validate", "basic-cards.yaml"]) == 1
    assert capsys.readouterr().out.startswith("../course.yaml:7:")
    data = ["--data-dir", str(tmp_path / "data")]
    course_file.write_text(
        course_file.read_text(encoding="utf-8").replace(", release: x", ""), encoding="utf-8"
    )
    assert main([*data, "sync", "."]) == 0, capsys.readouterr().out
