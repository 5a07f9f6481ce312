"""The command line: exit codes, every problem printed, never a traceback."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from studyapp.cli import build_parser, main
from studyapp.services.library import Library
from studyapp.services.paths import bundled_decks_dir
from studyapp.store.database import DB_FILENAME
from tests.freshpython import fresh_python


def run(*args: str, env_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ)
    if env_dir is not None:
        env["STUDYAPP_DATA_DIR"] = str(env_dir)
    return fresh_python("-m", "studyapp", *args, env=env, timeout=120)


def test_help_documents_every_command() -> None:
    [commands] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    helps = {action.dest: action.help for action in commands._choices_actions}
    assert set(helps) == set(commands.choices), "a command without a help line"
    assert set(helps) >= {"validate", "sync", "stats", "preview", "schema", "export"}
    out = "".join(run("--help").stdout.split())  # wrapped anywhere, even after a hyphen
    for name, text in helps.items():
        assert text and name + "".join(text.split()) in out, name
    for option in ("--data-dir", "--screenshot", "--screen", "--size", "--theme"):
        assert option in out


def test_validate_clean_decks_exits_zero(
    deck_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(deck_dir)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "2 deck file(s), 5 card(s): 0 error(s), 0 warning(s)" in captured.err


def test_validate_prints_every_error_and_exits_one(
    deck_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = deck_dir / "sample.yaml"
    bad.write_text(
        bad.read_text().replace("    back: The NMDA glutamate receptor.\n", "    bak: x\n")
    )
    assert main(["validate", str(deck_dir)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"{bad}:24:5: error: card 's-nmda': missing required field 'back'",
        f"{bad}:26:5: error: card 's-nmda': unknown field 'bak' (did you mean 'back'?)",
    ]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x89PNG\r\n\x1a\n\x00\x00binary",
        b"deck:\n\tid: x\n",
        b"deck:\n  id: x\n title: y\n",
        b"[1, 2, 3]\n",
        b"42\n",
    ],
    ids=["empty", "binary", "tabs", "bad-indent", "list", "scalar"],
)
def test_bad_files_never_give_a_traceback(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    result = run("validate", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout.startswith(f"{path}:")


@pytest.mark.parametrize("command", [["validate", "x.yaml"], ["sync", "--dry-run", "decks"]])
def test_a_deleted_working_folder_is_one_line_and_exit_two(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    """Run from a folder deleted since (a terminal left in a removed checkout), a relative
    path could not be made absolute: a traceback from os.getcwd."""
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert main(["--data-dir", str(tmp_path / "data"), *command]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"studyapp {command[0]}: error: the folder it was run in no longer exists (deleted or "
        "moved): run it again from an existing folder\n"
    )


def test_sync_then_stats_on_a_fresh_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    synced = run("--data-dir", str(data), "sync")
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.startswith("synced: ")
    stats = json.loads(run("--data-dir", str(data), "stats", "--json").stdout)
    cards = sum(d["cards"] for d in stats["decks"])
    assert cards > 0
    assert all(d["new"] == d["cards"] for d in stats["decks"])
    assert stats["total_reviews"] == 0
    assert {d["family"] for d in stats["decks"]} >= {"mechanisms", "evidence", "terms"}


def store_rows(data_dir: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of the store in ``data_dir`` (read-only)."""
    uri = (data_dir / DB_FILENAME).resolve().as_uri() + "?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = {t: sorted(db.execute(f'SELECT * FROM "{t}"'), key=repr) for t in tables}
        # When a store was created is no content: the names of the migrations it recorded are.
        rows["data_migration"] = [r[:1] for r in rows.get("data_migration", [])]
        return rows


def test_sync_with_errors_changes_nothing_and_exits_one(tmp_path: Path, deck_dir: Path) -> None:
    data = tmp_path / "d"
    assert run("--data-dir", str(data), "sync", str(deck_dir)).returncode == 0
    before = store_rows(data)
    terms = deck_dir / "terms.yaml"  # a good edit beside the broken file is not applied either
    terms.write_text(terms.read_text().replace("Psychedelic-assisted therapy", "PAT"))
    (deck_dir / "sample.yaml").write_text("format_version: 1\ndeck: [\n")
    more = tmp_path / "more"  # nor is a new folder remembered
    more.mkdir()
    (more / "terms.yaml").write_text(
        terms.read_text().replace("sample-terms", "more-terms").replace("s-pat", "m-pat")
    )
    result = run("--data-dir", str(data), "sync", str(deck_dir), str(more))
    assert result.returncode == 1
    assert "nothing was changed" in result.stderr
    assert ":3:1: error: YAML:" in result.stdout
    assert store_rows(data) == before


def test_a_first_import_with_errors_leaves_the_store_empty(tmp_path: Path, deck_dir: Path) -> None:
    Library(tmp_path / "empty").close()  # a new, empty store
    (deck_dir / "sample.yaml").write_text("format_version: 1\ndeck: [\n")
    result = run("--data-dir", str(tmp_path / "d"), "sync", str(deck_dir))
    assert result.returncode == 1
    assert store_rows(tmp_path / "d") == store_rows(tmp_path / "empty")


def test_sync_dry_run_prints_the_plan_and_writes_nothing(tmp_path: Path, deck_dir: Path) -> None:
    result = run("--data-dir", str(tmp_path / "d"), "sync", "--dry-run", str(deck_dir))
    assert result.returncode == 0
    assert result.stdout.startswith("dry run, nothing written: 5 new")
    assert "  new       s-5ht2a" in result.stdout
    assert not (tmp_path / "d").exists()  # a dry run creates nothing


def test_schema_command_matches_the_models(capsys: pytest.CaptureFixture[str]) -> None:
    from studyapp.deckfile.schema import deck_json_schema

    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == deck_json_schema()


def test_newer_database_is_a_clear_error(tmp_path: Path) -> None:
    import sqlite3

    data = tmp_path / "d"
    assert run("--data-dir", str(data), "sync").returncode == 0  # creates the store
    with sqlite3.connect(data / "studyapp.sqlite3") as raw:
        raw.execute("PRAGMA user_version=99")
    result = run("--data-dir", str(data), "stats")
    assert result.returncode == 2
    assert "newer StudyApp" in result.stderr and "Traceback" not in result.stderr


def test_bundled_decks_are_found() -> None:
    assert any(bundled_decks_dir().glob("*.yaml"))


def test_console_entry_freezes_start_up_objects_and_gui_turns_collection_back_on() -> None:
    # In a child process: cli.run changes the interpreter's collector for good.
    script = (
        "import gc, io, contextlib\n"
        "import studyapp.cli as cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = cli.run(['schema'])\n"
        "print(code, gc.isenabled(), gc.get_freeze_count() > 0)\n"
        "from studyapp.app import startup_done\n"
        "startup_done()\n"
        "print(gc.isenabled())\n"
    )
    result = fresh_python("-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "False", "True", "True"]


def test_no_display_is_a_clear_error_and_screenshots_need_none(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    data = str(tmp_path / "data")
    window = fresh_python("-m", "studyapp", "--data-dir", data, env=env, timeout=120)
    assert window.returncode == 2
    assert "no display" in window.stderr and "Traceback" not in window.stderr
    png = tmp_path / "overview.png"
    shot = fresh_python(
        "-m", "studyapp", "--data-dir", data, "--screenshot", str(png), env=env, timeout=120
    )
    assert shot.returncode == 0, shot.stderr
    assert png.read_bytes().startswith(b"\x89PNG")


def test_the_window_imports_the_data_stack_before_qt(tmp_path: Path) -> None:
    """PySide6's import hook makes each module imported after it cost more memory."""
    png = tmp_path / "overview.png"
    shot = fresh_python(
        "-X", "importtime", "-m", "studyapp", "--data-dir", str(tmp_path / "data"),
        "--screenshot", str(png),
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=120,
    )  # fmt: skip
    assert shot.returncode == 0, shot.stderr[-2000:]
    order = [line.rsplit("|", 1)[-1].strip() for line in shot.stderr.splitlines()]
    first_qt = order.index("PySide6")
    for module in (
        "sqlalchemy",
        "sqlalchemy.dialects.sqlite",
        "fsrs_rs_python",
        "nh3",
        "studyapp.services.study",
        "studyapp.services.overview",  # (not imported by the library itself: see cli)
    ):
        assert order.index(module) < first_qt, module


def test_the_window_drops_the_sources_qt_read_at_import(tmp_path: Path) -> None:
    """PySide6's import hook leaves the source of every later importer in linecache."""
    assert run("sync", env_dir=tmp_path / "data").returncode == 0  # start-up then reads no deck
    code = (
        "import linecache, sys, studyapp.cli\n"
        "studyapp.cli.main(sys.argv[1:])\n"
        "print(sorted({k.rsplit('/', 1)[-1] for k in linecache.cache}))\n"
    )
    argv = ["--data-dir", str(tmp_path / "data"), "--screenshot", str(tmp_path / "o.png")]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    shot = fresh_python("-c", code, *argv, env=env, timeout=120)
    assert shot.returncode == 0, shot.stderr[-2000:]
    cached = shot.stdout.strip()
    assert "typing.py" not in cached and "mainwindow.py" not in cached, cached


@pytest.mark.parametrize(
    "argv",
    [
        ["preview", "--size", "10x", "decks"],
        ["--size", "10x", "--screenshot", "x.png"],
        ["--size", "5x5", "--screenshot", "x.png"],
        ["export", "--csv"],
        ["export"],
        ["validate"],
        ["no-such-command"],
        ["stats", "--no-such-option"],
    ],
)
def test_usage_errors_are_one_line_and_exit_two(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert captured.err.startswith("studyapp") and ": error: " in captured.err
    assert "--help" in captured.err


def test_window_options_may_follow_the_preview_command() -> None:
    from studyapp.cli import build_parser

    args = build_parser().parse_args(["preview", "d", "--size", "800x600", "--theme", "dark"])
    assert args.size == (800, 600) and args.theme == "dark"
    args = build_parser().parse_args(["--size", "640 x 480", "preview", "d"])
    assert args.size == (640, 480) and args.theme is None


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("{tmp}", "it is a folder"),
        ("/missing/dir/x.json", "the folder /missing/dir does not exist"),
        ("/dev/full", "device, pipe or socket"),
    ],
)
def test_schema_output_problems_are_one_line(
    tmp_path: Path, target: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", "-o", target.format(tmp=tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1
    assert captured.err.startswith("studyapp: error: cannot write ") and reason in captured.err


def test_schema_output_replaces_a_file_atomically(tmp_path: Path) -> None:
    out = tmp_path / "deck.schema.json"
    out.write_text("old")
    assert main(["schema", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["title"]
    assert os.listdir(tmp_path) == ["deck.schema.json"]


def test_export_refuses_a_symlink_or_device_and_leaves_it(
    deck_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "store")]
    assert main([*data, "sync", str(deck_dir)]) == 0
    real = tmp_path / "real.csv"
    real.write_text("keep")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    capsys.readouterr()
    for option, target in (("--csv", link), ("--anki", link), ("--csv", Path("/dev/full"))):
        assert main([*data, "export", option, str(target)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"studyapp: error: cannot write {target}: ")
        assert len(err.splitlines()) == 1
    assert link.is_symlink() and real.read_text() == "keep"
    assert Path("/dev/full").is_char_device()


def test_a_screenshot_is_written_atomically_and_never_over_a_link(tmp_path: Path) -> None:
    png = tmp_path / "shot.png"
    link = tmp_path / "link.png"
    link.symlink_to(png)
    result = run("--data-dir", str(tmp_path / "d"), "--screenshot", str(link))
    assert result.returncode == 2
    assert result.stderr.strip().endswith("it is a symbolic link; give the path of a regular file")
    assert not png.exists() and link.is_symlink()
    result = run("--data-dir", str(tmp_path / "d"), "--screenshot", str(png), "--size", "400x300")
    assert result.returncode == 0, result.stderr
    assert png.read_bytes().startswith(b"\x89PNG") and sorted(os.listdir(tmp_path)) == [
        "d",
        "link.png",
        "shot.png",
    ]


def test_search_lists_cards_and_json_gives_the_services_results(
    tmp_path: Path, deck_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from studyapp.services.library import Library

    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "sync", str(deck_dir)]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data), "search", "receptor -ketamine"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "Which receptor do classic psychedelics mainly act on?  ·  Sample mechanisms  ·  new"
    ]
    assert captured.err == "1 card\n"
    assert main(["--data-dir", str(data), "search", "deck:sample-*", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    with Library(data) as library:
        expected = library.card_search().search("deck:sample-*")
    assert [card["card_id"] for card in listed] == expected and len(expected) == 8
    assert {card["state"] for card in listed} == {"new"}
    assert main(["--data-dir", str(data), "search", "", "--limit", "3"]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 3
    assert captured.err == "8 cards (first 3 shown)\n"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("dek:x", "unknown key 'dek' at column 1, did you mean 'deck'?"),
        ('"open', 'unclosed quote at column 1: add a closing "'),
        ("prop:r<abc", "'abc' at column 8 is not a number"),
    ],
)
def test_a_malformed_search_is_one_line_and_exit_two(
    tmp_path: Path, query: str, message: str
) -> None:
    result = run("--data-dir", str(tmp_path / "data"), "search", query)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"studyapp: error: search: {message}")


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    """`studyapp search --json | head`: the pipe closes under the writer, which stops
    quietly (exit 1), without a traceback on the terminal."""
    import os

    assert main(["--data-dir", str(tmp_path), "sync"]) == 0
    env = {**os.environ, "STUDYAPP_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "studyapp", "search", "--json", ""],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(10)  # more than a pipe holds follows (every bundled card)
    process.stdout.close()
    error = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=120) == 1
    assert "Traceback" not in error and "BrokenPipe" not in error, error
