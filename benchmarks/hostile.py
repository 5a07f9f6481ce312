"""``python -m benchmarks.hostile``: seconds and peak memory for each hostile input.

Every case of issue 13's "unbounded input" list is built in a scratch folder beside a good
deck file, then given to the real command in a fresh process: ``validate`` and ``sync`` on
the folder, and for some cases the author's preview and the study window (a ``--screenshot``
start of a store that holds the bundled decks, with the folder added since). Each run is
timed and its peak resident memory read from the OS (``wait4``'s ``ru_maxrss``, the command
forked from a small launcher); a run that outlives ``--timeout`` is killed and reported as
a hang. The budget is the issue's: under 2 s and under 200 MB, each. Timings taken on a busy
machine are noise; the memory figures are not.

Exit status 0 when every run is within budget and reports the hostile entry as a located
problem (``path:line:column: error|warning: ...``), 1 otherwise.

    python -m benchmarks.hostile                 # every case, a table on stdout
    python -m benchmarks.hostile --only alias    # cases whose name contains "alias"
    python -m benchmarks.hostile --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECONDS_BUDGET = 2.0
MB_BUDGET = 200.0

HEADER = "format_version: 1\ndeck:\n  id: hostile\n  title: Hostile\n  family: terms\n"
GOOD_DECK = """format_version: 1
deck:
  id: good
  title: A good deck
  family: terms
cards:
  - id: good-set
    front: What does "set" mean in psychedelic-assisted therapy?
    back: The person's mindset and expectations going into a session.
    source: [rieser2021]
"""


@dataclass(frozen=True)
class Case:
    """One hostile input: ``build(folder)`` makes it in ``folder`` and returns its path."""

    name: str
    build: Callable[[Path], Path]
    commands: tuple[str, ...] = ("validate", "sync")
    severity: str = "error"
    not_as_root: bool = False
    """Root reads any file: the case says nothing when run as root, so it is skipped."""


@dataclass
class Run:
    case: str
    command: str
    seconds: float
    peak_mb: float
    status: int | None
    first_line: str
    located: bool
    hang: bool = False
    within_budget: bool = field(init=False)

    def __post_init__(self) -> None:
        self.within_budget = (
            not self.hang and self.seconds < SECONDS_BUDGET and self.peak_mb < MB_BUDGET
        )


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def alias_bomb(levels: int) -> Callable[[Path], Path]:
    """``levels`` anchors of ten aliases each: 10**levels values from a few hundred bytes."""

    def build(folder: Path) -> Path:
        lines = [
            HEADER.rstrip("\n"),
            "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]",
        ]
        for level in range(1, levels):
            refs = ", ".join([f"*l{level - 1}"] * 10)
            lines.append(f"lol{level}: &l{level} [{refs}]")
        lines.append("cards: []")
        return _write(folder / "bomb.yaml", "\n".join(lines) + "\n")

    return build


def alias_loop(folder: Path) -> Path:
    return _write(folder / "loop.yaml", HEADER + "cards: &c [*c]\n")


def nested_flow(depth: int, *, mapping: bool = False) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        opening, closing = ("{a: ", "}") if mapping else ("[", "]")
        body = opening * depth + ("1" if mapping else "") + closing * depth
        return _write(folder / "nested.yaml", HEADER + f"cards: {body}\n")

    return build


def nested_block(depth: int) -> Callable[[Path], Path]:
    """``- - - ... x``: block lists, which the fast path's parser reads."""

    def build(folder: Path) -> Path:
        return _write(folder / "nested.yaml", HEADER + "cards:\n" + "- " * depth + "x\n")

    return build


def many_values(folder: Path) -> Path:
    items = ",".join(["a"] * 1_900_000)
    return _write(folder / "values.yaml", HEADER + f"cards: [{items}]\n")


def huge_id(size: int) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        card = f'  - id: "{"A" * size}"\n    front: q\n    back: a\n    source: [x]\n'
        return _write(folder / "huge-id.yaml", HEADER + "cards:\n" + card)

    return build


def many_brackets(folder: Path) -> Path:
    """One long line of brackets in a text: a look back along the line from each would be
    quadratic."""
    text = "x" * 2_000_000 + " [" * 60_000
    return _write(folder / "brackets.yaml", HEADER + f"cards: {text}\n")


def many_errors(folder: Path) -> Path:
    """15,000 cards, each with two problems (an unknown field and a missing one)."""
    cards = "".join(f"  - id: c{i}\n    front: q{i}\n    bak: a\n" for i in range(15_000))
    return _write(folder / "errors.yaml", HEADER + "cards:\n" + cards)


def unknown_sources(folder: Path) -> Path:
    """15,000 valid cards, each citing a source the bibliography does not hold."""
    cards = "".join(
        f"  - id: c{i}\n    front: q{i}\n    back: a\n    source: [nosuch{i}]\n"
        for i in range(15_000)
    )
    return _write(folder / "cites.yaml", HEADER + "cards:\n" + cards)


def fifo(folder: Path) -> Path:
    path = folder / "pipe.yaml"
    os.mkfifo(path)
    return path


def device_link(folder: Path) -> Path:
    path = folder / "zero.yaml"
    path.symlink_to("/dev/zero")
    return path


def device_given(folder: Path) -> Path:
    return Path("/dev/zero")


_SOCKETS: list[socket.socket] = []


def unix_socket(folder: Path) -> Path:
    path = folder / "socket.yaml"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen()
    _SOCKETS.append(server)  # kept listening while the commands run
    return path


def close_sockets() -> None:
    """Close the sockets :func:`unix_socket` keeps listening."""
    for server in _SOCKETS:
        server.close()
    _SOCKETS.clear()


def symlink_loop(folder: Path) -> Path:
    path = folder / "loop.yaml"
    path.symlink_to(path.name)
    return path


def dangling_link(folder: Path) -> Path:
    path = folder / "gone.yaml"
    path.symlink_to(folder / "nowhere.yaml")
    return path


def unreadable(folder: Path) -> Path:
    path = _write(folder / "secret.yaml", GOOD_DECK.replace("good", "secret"))
    path.chmod(0)
    return path


def not_utf8_name(folder: Path) -> Path:
    path = Path(os.fsdecode(os.fsencode(folder) + b"/caf\xe9.yaml"))
    return _write(path, GOOD_DECK.replace("good", "cafe"))


def escape_name(folder: Path) -> Path:
    return _write(folder / "\x1b[2J\x1b[31mred.yaml", HEADER + "cards: [\n")


CASES = (
    Case("alias bomb, 10^8 values", alias_bomb(8), ("validate", "sync", "preview", "window")),
    Case("alias bomb, 10^12 values", alias_bomb(12)),
    Case("alias inside its own anchor (a loop)", alias_loop),
    Case("600 nested flow lists", nested_flow(600), ("validate", "sync", "preview")),
    Case("1,000 nested flow mappings", nested_flow(1000, mapping=True)),
    Case("100,000 nested flow lists", nested_flow(100_000)),
    Case("3,000 nested block lists (fast path)", nested_block(3000)),
    Case("50,000 nested block lists (fast path)", nested_block(50_000)),
    Case("1,900,000 values in 3.8 MB", many_values),
    Case("a 10 MB id (over the file size limit)", huge_id(10_000_000)),
    Case("a 3.9 MB id (within the file size limit)", huge_id(3_900_000)),
    Case("60,000 brackets on one 2 MB line", many_brackets),
    Case("15,000 cards with two errors each", many_errors),
    Case("15,000 cards citing unknown sources", unknown_sources),
    Case("a FIFO", fifo, ("validate", "sync", "preview", "window")),
    Case("/dev/zero through a symlink", device_link, ("validate", "sync", "window")),
    Case("/dev/zero given as the file", device_given, ("validate",)),
    Case("a socket", unix_socket),
    Case("a symbolic link loop", symlink_loop, ("validate", "sync", "window")),
    Case("a symbolic link to nothing", dangling_link),
    Case("an unreadable file", unreadable, not_as_root=True),
    Case("a file name that is not UTF-8", not_utf8_name, severity="warning"),
    Case("a file name with terminal escapes", escape_name),
)


# Run by a small Python process that forks the command and waits for it: Linux keeps a
# process's peak RSS across exec, so a command forked straight from a big parent (a test
# run of a few hundred MB) would report the parent's peak as its own.
_LAUNCHER = """
import json, os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(report, "w") as out:
    json.dump({"seconds": seconds, "status": os.waitstatus_to_exitcode(status),
               "maxrss_kb": usage.ru_maxrss}, out)
"""


def _measure(
    argv: list[str], env: dict[str, str], timeout: float
) -> tuple[float, float, int | None, str, bool]:
    """Seconds, peak MB, exit status, output and whether it hung, of one fresh process."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        output_path = Path(scratch) / "output"
        with output_path.open("wb") as out:
            start = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, str(report), *argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
            try:
                proc.wait(timeout)
                hung = False
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                hung = True
            elapsed = time.perf_counter() - start
        output = output_path.read_bytes().decode("utf-8", "replace")
        if hung or not report.exists():
            return elapsed, 0.0, None, output, True
        measured = json.loads(report.read_text())
    peak_mb = measured["maxrss_kb"] / 1024  # KiB on Linux
    return measured["seconds"], peak_mb, measured["status"], output, False


_LOCATED = re.compile(r"^(?P<path>.+?):(\d+):(\d+): (error|warning): ", re.M)


def _first_problem(output: str, shown: str) -> str | None:
    for match in _LOCATED.finditer(output):
        if match["path"] == shown:
            return output[match.start() : output.find("\n", match.start())]
    return None


def _escaped(path: Path) -> str:
    sys.path.insert(0, str(REPO))
    from studyapp.core.printable import printable

    return printable(str(path))


def _command(name: str, folder: Path, target: Path, scratch: Path) -> list[str]:
    studyapp = [sys.executable, "-m", "studyapp"]
    data = ["--data-dir", str(scratch / "data")]
    given = str(target if target.parent != folder else folder)
    if name == "validate":
        return [*studyapp, "validate", given]
    if name == "sync":
        return [*studyapp, *data, "sync", given]
    if name == "preview":
        return [*studyapp, "preview", given, "--screenshot", str(scratch / "preview.png")]
    if name == "window":
        # A usual start: the bundled decks already synced, the hostile folder added since.
        subprocess.run(
            [*studyapp, *data, "sync"], check=True, env=_env(), capture_output=True, timeout=300
        )
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from studyapp.services.library import "
                "Library; Library(Path(sys.argv[1])).add_folder(Path(sys.argv[2]))",
                str(scratch / "data"),
                given,
            ],
            check=True,
            env=_env(),
        )
        return [*studyapp, *data, "--screenshot", str(scratch / "window.png"), "--size", "800x600"]
    raise ValueError(name)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def run_case(case: Case, command: str, root: Path, timeout: float) -> Run:
    """Build ``case`` afresh under ``root`` and run ``command`` on it."""
    folder = root / "decks"
    scratch = root / "scratch"
    for path in (folder, scratch):
        if path.exists():
            shutil.rmtree(path, onerror=lambda *a: None)
        path.mkdir(parents=True)
    _write(folder / "good.yaml", GOOD_DECK)
    target = case.build(folder)
    argv = _command(command, folder, target, scratch)
    seconds, peak_mb, status, output, hung = _measure(argv, _env(), timeout)
    shown = _first_problem(output, _escaped(target))
    first = shown or (output.strip().splitlines() or [""])[0]
    located = shown is not None and f": {case.severity}: " in shown
    if "\x1b" in output:
        located = False  # a raw escape reached the terminal
    return Run(case.name, command, seconds, peak_mb, status, first[:160], located, hung)


@contextlib.contextmanager
def _workspace() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="studyapp-hostile-"))
    try:
        yield root
    finally:
        close_sockets()
        for path in root.rglob("*"):
            with contextlib.suppress(OSError):
                path.chmod(0o700) if not path.is_symlink() else None
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hostile")
    parser.add_argument("--only", help="run the cases whose name contains this text")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a hang")
    parser.add_argument("--json", type=Path, help="also write the runs as JSON")
    args = parser.parse_args(argv)
    cases = [c for c in CASES if not args.only or args.only.lower() in c.name.lower()]
    if os.geteuid() == 0:
        skipped = [c.name for c in cases if c.not_as_root]
        cases = [c for c in cases if not c.not_as_root]
        if skipped:
            print(f"(run as root, who reads any file: skipped {', '.join(skipped)})")
    runs: list[Run] = []
    with _workspace() as root:
        for case in cases:
            for command in case.commands:
                run = run_case(case, command, root, args.timeout)
                runs.append(run)
                print(_row(run), flush=True)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=2) + "\n")
    failed = [r for r in runs if not (r.within_budget and r.located)]
    print(
        f"\n{len(runs) - len(failed)} of {len(runs)} runs within {SECONDS_BUDGET:g} s and "
        f"{MB_BUDGET:g} MB, each reporting a located problem"
        + (f"; failed: {', '.join(f'{r.case} ({r.command})' for r in failed)}" if failed else "")
    )
    return 1 if failed else 0


def _row(run: Run) -> str:
    status = "HANG" if run.hang else str(run.status)
    verdict = "ok" if run.within_budget and run.located else "FAIL"
    return (
        f"| {run.case:<42} | {run.command:<8} | {run.seconds:6.2f} s | {run.peak_mb:6.0f} MB "
        f"| exit {status:>4} | {verdict:<4} | {run.first_line}"
    )


if __name__ == "__main__":
    sys.exit(main())
