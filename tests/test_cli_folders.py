"""``studyapp folders [list|add|remove]`` and ``sync`` with a missing or broken folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from studyapp.cli import main
from tests.conftest import DATA


def test_folders_are_listed_added_and_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "store")]
    decks = tmp_path / "decks"
    shutil.copytree(DATA / "decks", decks)
    assert main([*data, "folders", "add", str(decks)]) == 0
    assert capsys.readouterr().out.startswith(f"added {decks}; its decks are read")
    assert main([*data, "sync"]) == 0
    capsys.readouterr()
    assert main([*data, "folders"]) == 0
    assert capsys.readouterr().out == f"{decks}  (2 decks)\n"
    assert main([*data, "folders", "remove", str(decks)]) == 0
    out = capsys.readouterr().out
    assert out == f"removed {decks}: 2 deck(s) left the study list, their progress kept\n"
    assert main([*data, "folders", "list"]) == 0
    assert capsys.readouterr().out.startswith("no deck folders added")


def test_folder_mistakes_are_one_line_and_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "store")]
    assert main([*data, "sync", str(DATA / "decks")]) == 0  # a store to remove folders from
    capsys.readouterr()
    for argv, message in (
        (["folders", "add", str(tmp_path / "nope")], f"{tmp_path / 'nope'} is not a folder"),
        (["folders", "remove", str(tmp_path)], f"{tmp_path} is not an added deck folder"),
    ):
        assert main([*data, *argv]) == 2
        err = capsys.readouterr().err.splitlines()
        assert err[-1] == f"studyapp: error: {message}"


def add_a_folder_then_delete_it(
    tmp_path: Path, data: list[str], capsys: pytest.CaptureFixture[str]
) -> Path:
    """A folder added with 'folders add', then deleted from the disk (its output read)."""
    gone = tmp_path / "gone"
    gone.mkdir()
    assert main([*data, "folders", "add", str(gone)]) == 0
    gone.rmdir()
    capsys.readouterr()
    return gone


def test_sync_with_a_missing_folder_updates_the_rest_and_exits_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "store")]
    gone = add_a_folder_then_delete_it(tmp_path, data, capsys)
    assert main([*data, "sync"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{gone}:1:1: error: the folder is not there")
    assert "\nsynced: " in captured.out  # the bundled decks were imported
    assert (
        f"sync: {gone} was not synced (its decks are as they were): fix the errors above, "
        f"or remove it with 'studyapp folders remove {gone}'"
    ) in captured.err
    assert main([*data, "folders", "remove", str(gone)]) == 0
    capsys.readouterr()
    assert main([*data, "sync"]) == 0


def test_sync_with_broken_bundled_decks_does_not_say_to_remove_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundled folder cannot be removed ('folders remove' refuses it): its errors say
    to reinstall and report, while an added folder's still say how to remove it."""
    from studyapp.services import paths

    bundled = tmp_path / "bundled"
    shutil.copytree(DATA / "decks", bundled)
    (bundled / "terms.yaml").write_text("format_version: 1\ndeck: [\n")
    monkeypatch.setattr(paths, "bundled_decks_dir", lambda: bundled)
    data = ["--data-dir", str(tmp_path / "store")]
    gone = add_a_folder_then_delete_it(tmp_path, data, capsys)
    assert main([*data, "sync"]) == 1
    captured = capsys.readouterr()
    assert f"{bundled / 'terms.yaml'}:3:1: error: YAML:" in captured.out
    assert sorted(captured.err.splitlines()) == [
        f"sync: {gone} was not synced (its decks are as they were): fix the errors above, "
        f"or remove it with 'studyapp folders remove {gone}'",
        "sync: the decks shipped with StudyApp were not synced (they are as they were): "
        "reinstall StudyApp, and if the problems stay, report them",
    ]
    assert f"folders remove {bundled}" not in captured.err
