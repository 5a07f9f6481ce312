"""The window's arguments read without building every command's parser (issue 19): the
same answers as the whole parser, and the whole parser's own errors and help."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest

from studyapp import cli
from studyapp.cli import COMMANDS, build_parser, parse_arguments


def _outcome(parse: object, argv: list[str]) -> tuple[object, str, str]:
    """What parsing ``argv`` gives: the namespace (or the exit status), stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result: object = parse(argv)  # type: ignore[operator]
        except SystemExit as exc:
            result = ("exit", exc.code)
    return result, out.getvalue(), err.getvalue()


ARGVS = [
    [],
    ["--data-dir", "/tmp/d"],
    ["--data-dir=/tmp/d"],
    ["--data", "/tmp/d"],  # an abbreviation
    ["--screenshot", "o.png", "--screen", "review"],
    ["--screenshot=o.png", "--screen=answer", "--size", "800x600", "--theme", "dark"],
    ["--size", "640 x 480"],
    ["--card", "c1", "--screen", "image", "--screenshot", "x.png"],
    ["--theme", "light", "--theme", "dark"],  # the last one wins
    ["--data-dir", ""],
    # errors: each read again by the whole parser, which prints its own message
    ["--size", "5x5"],
    ["--size", "big"],
    ["--screen", "nowhere"],
    ["--theme", "blue"],
    ["--scr", "x"],  # ambiguous: --screenshot or --screen
    ["--data-dir"],
    ["--nothing"],
    ["stray"],
    ["--", "stray"],
    ["-x"],
    ["--data-dir", "d", "stray"],
    # a command, help or the version: the whole parser
    ["sync"],
    ["--data-dir", "d", "sync", "--dry-run"],
    ["--data-dir", "sync"],  # a folder named like a command
    ["stats", "--json"],
    ["backup", "list"],
    ["preview", "d", "--size", "800x600"],
    ["nosuchcommand"],
    ["-h"],
    ["--help"],
    ["--he"],
    ["--version"],
    ["--vers"],
    ["--data-dir", "d", "--help"],
]


@pytest.mark.parametrize("argv", ARGVS, ids=lambda argv: " ".join(argv) or "(none)")
def test_the_same_answer_as_the_whole_parser(argv: list[str]) -> None:
    whole = _outcome(lambda a: build_parser().parse_args(a), argv)
    assert _outcome(parse_arguments, argv) == whole


def test_the_window_is_read_without_the_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """The light path: the commands' parsers are not built to open the window."""

    def no_commands(parser: argparse.ArgumentParser) -> None:
        raise AssertionError("the commands' parsers were built")

    monkeypatch.setattr(cli, "_add_commands", no_commands)
    args = parse_arguments(["--data-dir", "d", "--screenshot", "o.png", "--screen", "review"])
    assert (args.command, args.data_dir, args.screenshot, args.screen) == (
        None,
        "d",
        "o.png",
        "review",
    )
    assert args.size == (1000, 700) and args.theme is None and args.card is None
    with pytest.raises(AssertionError, match="parsers were built"):
        parse_arguments(["sync"])  # a command: the whole parser


def test_commands_lists_every_command() -> None:
    [commands] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(COMMANDS) == set(commands.choices)
    assert len(COMMANDS) == len(set(COMMANDS))


def test_main_opens_the_window_through_the_light_path(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[argparse.Namespace] = []

    def gui(args: argparse.Namespace) -> int:
        seen.append(args)
        return 0

    def no_commands(parser: argparse.ArgumentParser) -> None:
        raise AssertionError("the commands' parsers were built")

    monkeypatch.setattr(cli, "_gui", gui)
    monkeypatch.setattr(cli, "_add_commands", no_commands)
    assert cli.main(["--data-dir", "d", "--theme", "dark"]) == 0
    assert seen[0].command is None and seen[0].theme == "dark" and seen[0].data_dir == "d"
