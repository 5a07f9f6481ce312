"""Hostile input: every case is a located problem, bounded in time and memory.

The cases are those of ``benchmarks/hostile.py`` (issue 13's list), which also measures each
in a fresh process. Here each is checked in process through validate, sync and the preview,
and the heavy ones once more in a subprocess against the memory budget.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
import yaml_rs

from benchmarks import hostile
from studyapp.core.printable import printable
from studyapp.deckfile import yamlsource
from studyapp.deckfile.loader import parse_deck
from studyapp.deckfile.problems import MAX_MESSAGE, Problem, Severity
from studyapp.deckfile.reading import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES, read_source
from studyapp.deckfile.yamlsource import Loader, load_fast, load_yaml
from studyapp.services.library import Library
from studyapp.services.preview import DeckPreview
from studyapp.services.validate import validate_paths
from tests.freshpython import fresh_python

REPO = Path(__file__).resolve().parents[2]
CASES = {case.name: case for case in hostile.CASES}


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "good.yaml").write_text(hostile.GOOD_DECK)
    yield decks
    hostile.close_sockets()


def _given(target: Path, folder: Path) -> Path:
    return target if target.parent != folder else folder


def _problem_of(problems: list[Problem], target: Path) -> Problem:
    mine = [p for p in problems if p.path == str(target)]
    assert mine, (target, [str(p) for p in problems][:5])
    return mine[0]


def _cases() -> list[hostile.Case]:
    return [c for c in hostile.CASES if not (c.not_as_root and os.geteuid() == 0)]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.name)
def test_validate_reports_each_case_at_a_line_and_column(case: hostile.Case, folder: Path) -> None:
    target = case.build(folder)
    report = validate_paths([_given(target, folder)])
    problem = _problem_of(report.problems, target)
    assert problem.severity == case.severity
    assert problem.line >= 1 and problem.column >= 1
    assert len(str(problem)) <= len(printable(str(target))) + MAX_MESSAGE + 40
    assert "\x1b" not in str(problem)


@pytest.mark.parametrize(
    "case",
    [c for c in _cases() if "sync" in c.commands and c.build is not hostile.device_given],
    ids=lambda c: c.name,
)
def test_sync_reports_each_case_and_keeps_the_store(
    case: hostile.Case, folder: Path, tmp_path: Path
) -> None:
    target = case.build(folder)
    with Library(tmp_path / "store") as library:
        plan = library.sync([folder])
        problem = _problem_of(plan.problems, target)
        assert problem.severity == case.severity
        titles = [d.title for f in library.overview().families for d in f.decks]
    if case.severity == "warning":  # skipped: the rest of its folder still syncs
        assert plan.ok and titles == ["A good deck"]
    else:  # an error in a folder changes nothing there
        assert not plan.ok and titles == []


def test_the_preview_reports_hostile_files_among_good_ones(folder: Path) -> None:
    targets = [
        hostile.alias_bomb(8)(folder),
        hostile.fifo(folder),
        hostile.device_link(folder),
        hostile.symlink_loop(folder),
    ]
    state = DeckPreview([folder]).reload()
    for target in targets:
        assert _problem_of(state.problems, target).is_error
    assert [card.view.deck_title for card in state.cards] == ["A good deck"]


def test_a_fifo_or_device_never_blocks_a_fresh_process(folder: Path) -> None:
    pipe = hostile.fifo(folder)
    for target in (pipe, Path("/dev/zero"), Path("/dev/urandom")):
        result = fresh_python(
            "-m",
            "studyapp",
            "validate",
            str(target),
            timeout=30,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert result.returncode == 1
        assert result.stdout.startswith(f"{target}:1:1: error: is a "), result.stdout


HEAVY = [
    "alias bomb, 10^12 values",
    "100,000 nested flow lists",
    "50,000 nested block lists (fast path)",
    "1,900,000 values in 3.8 MB",
    "a 3.9 MB id (within the file size limit)",
    "60,000 brackets on one 2 MB line",
    "15,000 cards with two errors each",
]


@pytest.mark.parametrize("name", HEAVY)
def test_heavy_cases_stay_within_the_memory_budget_in_a_fresh_process(
    name: str, tmp_path: Path
) -> None:
    run = hostile.run_case(CASES[name], "validate", tmp_path, timeout=60)
    assert run.located and not run.hang, run
    assert run.peak_mb < hostile.MB_BUDGET, run
    assert run.seconds < 10 * hostile.SECONDS_BUDGET, run  # 2 s on a quiet machine


def test_an_unreadable_file_is_a_located_error(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The suite may run as root, who reads any file: the OS's refusal is faked.
    target = folder / "secret.yaml"
    target.write_text(hostile.GOOD_DECK.replace("good", "secret"))
    real_open = os.open

    def refuse(path: object, *args: object, **kwargs: object) -> int:
        if str(path) == str(target):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse)
    problem = _problem_of(validate_paths([folder]).problems, target)
    assert (problem.line, problem.column, problem.message) == (
        1,
        1,
        "cannot read: permission denied",
    )


def test_a_file_growing_past_the_limit_while_read_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "grows.yaml"
    target.write_bytes(b"a: 1\n")
    real_read = os.read

    def endless(fd: int, size: int) -> bytes:  # a file that never ends, as /dev/zero
        return b"x" * size if fd > 2 else real_read(fd, size)

    monkeypatch.setattr(os, "read", endless)
    raw, problems = read_source(target)
    assert raw is None
    assert problems[0].message.startswith("the file is 4.0 MiB; a deck file may be at most 4 MiB")


def test_a_file_at_the_size_limit_is_read(tmp_path: Path) -> None:
    target = tmp_path / "big.yaml"
    target.write_bytes(b"#" * (MAX_FILE_BYTES - 1) + b"\n")
    raw, problems = read_source(target)
    assert problems == [] and raw is not None and len(raw) == MAX_FILE_BYTES


def test_a_symbolic_link_to_a_deck_is_read(folder: Path) -> None:
    (folder / "link.yaml").symlink_to(folder / "good.yaml")
    assert parse_deck(folder / "link.yaml").ok


# -- the bounded composer --------------------------------------------------------------------


def _same_nodes(a: yaml.Node, b: yaml.Node, seen: dict[int, yaml.Node]) -> bool:
    if id(a) in seen:
        return seen[id(a)] is b  # an alias is the anchored node itself, in both
    seen[id(a)] = b
    if type(a) is not type(b) or a.tag != b.tag:
        return False
    for mark in ("start_mark", "end_mark"):
        x, y = getattr(a, mark), getattr(b, mark)
        if (x.line, x.column, x.index) != (y.line, y.column, y.index):
            return False
    if isinstance(a, yaml.ScalarNode):
        return bool(a.value == b.value and a.style == getattr(b, "style", None))
    if getattr(a, "flow_style", None) != getattr(b, "flow_style", None) or len(a.value) != len(
        b.value
    ):
        return False
    if isinstance(a, yaml.MappingNode):
        return all(
            _same_nodes(k1, k2, seen) and _same_nodes(v1, v2, seen)
            for (k1, v1), (k2, v2) in zip(a.value, b.value, strict=True)
        )
    return all(_same_nodes(x, y, seen) for x, y in zip(a.value, b.value, strict=True))


DOCUMENTS = [
    "a: &x [1, 2]\nb: *x\nc: &y {k: *x}\nd: [*y, *y]\n",
    "",
    "just text\n",
    "--- a\n",
    "a: !foo bar\nb: !!str 1\n",
    "? [a, b]\n: c\n",
    "- - - x\n  - y\n- {a: [1, {b: c}]}\n",
    "a: |\n  text\nb: >-\n  folded\n",
]


@pytest.mark.parametrize(
    "text",
    DOCUMENTS
    + [p.read_text() for p in sorted((REPO / "decks").glob("*.yaml"))]
    + [(REPO / "resources" / "sources.yaml").read_text()],
)
def test_the_bounded_composer_builds_pyyamls_nodes(text: str) -> None:
    reference = Loader(text).get_single_node()
    mine = yamlsource._compose(Loader(text))
    if reference is None:
        assert mine is None
    else:
        assert mine is not None and _same_nodes(reference, mine, {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\n---\nb: 2\n", "expected a single document in the stream"),
        ("a: *nope\n", "found undefined alias 'nope'"),
        ("a: &x 1\nb: &x 2\n", "found duplicate anchor 'x'"),
    ],
)
def test_the_composer_keeps_pyyamls_errors(text: str, message: str) -> None:
    problems = load_yaml("f.yaml", text.encode()).problems
    assert len(problems) == 1 and message in problems[0].message


def test_depth_is_limited_at_the_limit_not_before() -> None:
    fits = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    assert load_yaml("f.yaml", fits.encode()).problems == []
    deeper = "a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n"
    (problem,) = load_yaml("f.yaml", deeper.encode()).problems
    assert (problem.line, problem.column) == (1, 4 + MAX_DEPTH - 1)
    assert problem.message == f"lists and mappings nest more than {MAX_DEPTH} levels deep"


def test_an_alias_cannot_nest_deeper_than_the_limit() -> None:
    inner = "[" * 30 + "]" * 30
    text = f"a: &x {inner}\nb: [[[[[[[[[[[[[[[[[[[[[[[[[*x]]]]]]]]]]]]]]]]]]]]]]]]]\n"
    (problem,) = load_yaml("f.yaml", text.encode()).problems
    assert problem.message.startswith("through the alias *x, lists and mappings nest more")


def test_aliases_may_share_a_value_but_not_multiply_the_file() -> None:
    shared = "src: &s [a, b, c]\n" + "".join(f"c{i}: *s\n" for i in range(100))
    loaded = load_yaml("f.yaml", shared.encode())
    assert loaded.problems == [] and loaded.data["c99"] == ["a", "b", "c"]
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 4):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    bomb = "\n".join(lines) + "\n"
    (problem,) = load_yaml("f.yaml", bomb.encode()).problems
    assert problem.message.startswith("aliases expand this file to 12,349 values from the 49")
    assert problem.line == 4  # the alias that repeats the most


def test_an_alias_inside_its_own_anchor_is_a_loop_not_a_recursion() -> None:
    (problem,) = load_yaml("f.yaml", b"a: &x [1, *x]\n").problems
    assert (problem.line, problem.column) == (1, 11)
    assert "is inside the collection it names (a loop)" in problem.message


def test_values_are_counted_and_capped() -> None:
    text = "a: [" + ",".join(["x"] * (MAX_VALUES + 10)) + "]\n"
    (problem,) = load_yaml("f.yaml", text.encode()).problems
    assert problem.message.startswith(f"the file holds more than {MAX_VALUES:,} values")


def test_the_fast_path_declines_what_could_go_beyond_a_limit_before_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("the native parser must not see this file")

    monkeypatch.setattr(yaml_rs, "loads", never)
    assert load_fast("a:\n" + "- " * 30 + "x\n") is None  # could nest too deep
    assert load_fast("a:\n" + " " * 40 + "- x\n") is None
    too_many = "a: [" + ", ".join(["x"] * 2 * MAX_VALUES) + "]\n"
    assert load_fast(too_many) is None  # could hold far too many values
    monkeypatch.undo()
    assert load_fast("a:\n" + "- " * 10 + "x\n") is not None  # a little nesting is fine


def test_the_fast_path_counts_what_its_bound_cannot_settle() -> None:
    """Between MAX_VALUES and twice that, the bound is loose: the values are counted as
    the located path counts them, and a file over the limit is left to it."""
    over = "a: [" + ", ".join(["x"] * MAX_VALUES) + "]\n"  # MAX_VALUES + 3 values
    assert load_fast(over) is None
    under = "a: [" + ", ".join(["x"] * (MAX_VALUES - 3)) + "]\n"  # exactly MAX_VALUES
    data = load_fast(under)
    assert data is not None and len(data["a"]) == MAX_VALUES - 3
    assert load_yaml("f.yaml", under.encode()).problems == []
    assert load_yaml("f.yaml", over.encode()).problems  # the same verdicts as the located path


def test_unknown_sources_in_a_large_file_are_located_as_by_the_whole_documents_nodes(
    folder: Path,
) -> None:
    """15,000 valid cards citing unknown sources: read by the fast path (its loose bound
    exceeds the value limit, the count does not), and the first 200 problems located from
    the nodes of the file's first part, at the lines and columns the whole file's give."""
    from studyapp.deckfile.fastpath import parse_fast
    from studyapp.deckfile.parsed import ParsedDeck

    path = hostile.unknown_sources(folder)
    raw = path.read_bytes()
    fast = ParsedDeck(str(path), "digest")
    assert parse_fast(fast, raw)
    located = parse_deck(path)
    assert located.root is not None  # the whole document's nodes

    def same(index: int) -> bool:
        where = ("cards", index, "source")
        needle = f"nosuch{index}"
        return fast.locate_in(where, needle) == located.locate_in(where, needle)

    assert all(same(i) for i in (0, 1, 63, 64, 65, 127, 128, 199, 500))
    assert fast._root is None  # never composed whole for these
    assert same(14_998) and same(14_999)  # (the last card needs the whole file)
    (report,) = [p for p in validate_paths([path]).problems if "only the first" in p.message]
    assert "15,000 unknown source" in report.message


def test_the_fast_path_refuses_to_expand_aliases_should_one_reach_it() -> None:
    with pytest.raises(yaml_rs.YAMLDecodeError):
        yaml_rs.loads("a: &x [1]\nb: *x\n", alias_limits=yamlsource._no_aliases(yaml_rs))


# -- what is shown -----------------------------------------------------------------------------


def test_problem_lines_escape_names_and_shorten_huge_values() -> None:
    problem = Problem("d/\x1b[2Jx.yaml", 3, 4, Severity.ERROR, f"card {'A' * 10_000_000!r}: bad")
    line = str(problem)
    assert line.startswith("d/\\x1b[2Jx.yaml:3:4: error: card 'AAAA")
    assert line.endswith("…' (10,000,000 characters): bad")
    assert len(line) < 200
    unquoted = Problem("f", 1, 1, Severity.ERROR, "x" * 1000 + " the end")
    assert len(str(unquoted)) < 400 and str(unquoted).endswith("the end")


def test_the_preview_command_reports_a_symbolic_link_loop_given_to_it(folder: Path) -> None:
    loop = hostile.symlink_loop(folder)
    result = fresh_python(
        "-m",
        "studyapp",
        "preview",
        str(loop),
        "--screenshot",
        "p.png",
        timeout=120,
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    assert f"{loop}:1:1: error: is a symbolic link loop" in result.stderr


_LONG_HEADER = "deck: {id: long, title: Long, family: terms}\n"
_LONG_CARD = "cards:\n  - {id: c1, front: a, back: b, source: rieser2021"


@pytest.mark.parametrize(
    "written",
    [
        "format_version: " + "9" * 5000 + "\n" + _LONG_HEADER + "cards: []",
        "format_version: 1\n" + _LONG_HEADER + _LONG_CARD + ", revision: " + "9" * 5000 + "}",
        "format_version: 1\n" + _LONG_HEADER + _LONG_CARD + ",\n      as_of: -" + "1" * 4400 + "}",
    ],
    ids=["format-version", "revision", "as-of-negative"],
)
def test_a_number_with_thousands_of_digits_is_one_located_error(
    written: str, folder: Path, tmp_path: Path
) -> None:
    # Python refuses to turn more than 4,300 digits into an int (sys.int_info): the
    # YAML 1.2 reading of such a number raised ValueError, a traceback from validate/sync.
    target = folder / "long-number.yaml"
    target.write_text(written + "\n")
    line = 1 if written.startswith("format_version: 9") else written.count("\n") + 1
    report = validate_paths([folder])
    mine = [p for p in report.problems if p.path == str(target)]
    assert len(mine) == 1, [str(p) for p in mine]
    problem = mine[0]
    assert (problem.severity, problem.line) == (Severity.ERROR, line)
    assert "too long" in problem.message and "digits" in problem.message
    with Library(tmp_path / "store") as library:
        plan = library.sync([folder])
        assert [str(p) for p in plan.problems if p.path == str(target)] == [str(problem)]
