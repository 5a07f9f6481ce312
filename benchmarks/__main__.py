"""``python -m benchmarks [--quick] [--json FILE]``: StudyApp against the Anki engine.

See benchmarks/README.md for what each row means. Exit status: 0 when every budget that could
be checked passed, 1 when one was missed, 2 when the benchmark itself could not run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.course import CARDS_PER_FILE, Course, edit_one_card, generate

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
DUE_CARDS = 1000
CRASH_ANSWERS = 5
_FULL_SIZE = 50_000
"""The course size the issue's budgets are stated at (the full run's largest)."""
_LARGE_SIZE = 200_000
"""``--large`` adds this size (notes), and the rows measured at 200,000 cards."""
ONE_CORE_OK = shutil.which("taskset") is not None


class BenchError(RuntimeError):
    pass


_STARTED = time.monotonic()


def log(message: str) -> None:
    """A progress line on stderr, with the minutes and seconds since the run began."""
    minutes, seconds = divmod(int(time.monotonic() - _STARTED), 60)
    print(f"[{minutes:02d}:{seconds:02d}] {message}", file=sys.stderr, flush=True)


# -- processes -----------------------------------------------------------------------------
@dataclass
class Proc:
    seconds: float
    code: int
    rss_mb: float
    stdout: str
    stderr: str
    started_ns: int = 0
    """Wall clock (``time.time_ns``) just before the spawn, to compare with file times."""
    cpu: float = 0.0
    """The child's CPU time, user + system, all its threads (``wait4``'s rusage)."""


ONE_CORE = ["taskset", "-c", "0"]
"""Prefix that pins a child (and its threads) to the first core."""


def run_proc(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 900) -> Proc:
    """Run ``cmd`` from the repo root; wall time from spawn to exit, the child's peak RSS
    and CPU time (``wait4``'s ``ru_maxrss``, ``ru_utime + ru_stime``, this child only)."""
    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started_ns = time.time_ns()
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=out, stderr=err, env=full_env, cwd=REPO)
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Proc(
            seconds,
            child.returncode,
            usage.ru_maxrss / 1024,  # KiB on Linux
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            started_ns,
            usage.ru_utime + usage.ru_stime,
        )


def worker(
    task: str,
    scratch: Path,
    *,
    expect_kill: bool = False,
    one_core: bool = False,
    env: dict[str, str] | None = None,
    **args: Any,
) -> dict[str, Any]:
    """Run one task of benchmarks.workers in a fresh interpreter; its JSON plus the
    process's peak RSS, wall and CPU time. ``one_core`` pins it with ``taskset -c 0``."""
    out = Path(tempfile.mktemp(suffix=".json", dir=scratch))
    cmd = [sys.executable, "-m", "benchmarks.workers", task, json.dumps(args), str(out)]
    proc = run_proc([*ONE_CORE, *cmd] if one_core else cmd, env=env)
    if expect_kill:
        return {"code": proc.code}
    if proc.code != 0 or not out.exists():
        raise BenchError(f"{task} failed (exit {proc.code}):\n{proc.stderr[-3000:]}")
    result = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    result["rss_mb"] = proc.rss_mb
    result["wall"] = proc.seconds
    result["process_cpu"] = proc.cpu
    return result


# -- statistics ----------------------------------------------------------------------------
def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def p95(values: list[float]) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Row:
    """One line of the table. Times are seconds, memory MB."""

    key: str
    label: str
    size: int | None
    unit: str  # "s", "ms" (stored in seconds, shown in ms) or "MB"
    studyapp: dict[str, float] | None = None
    anki: dict[str, float] | None = None
    note: str = ""
    runs: int = 0


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    budgets: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def get(self, key: str, size: int | None = None) -> Row | None:
        for row in self.rows:
            if row.key == key and (size is None or row.size == size):
                return row
        return None

    def budget(self, name: str, passed: bool | None, detail: str) -> None:
        self.budgets.append({"budget": name, "passed": passed, "detail": detail})


# -- measurements --------------------------------------------------------------------------
def course_of(notes: int, base: Path, cache: Path | None) -> Course:
    """The synthetic course of ``notes`` notes, written under ``base`` now.

    With a ``cache`` (``--large``), the course is generated once per version of
    benchmarks/course.py and of the sources it cites (byte-identical for the same size and
    seed) and copied here with
    fresh modification times, as if just written (the re-sync rows rely on that: a sync
    hashes a file written in the last 2 s), which saves generating 200,000 notes (about a
    minute) in every run."""
    if cache is None:
        log(f"[{notes}] generating the course")
        return generate(notes, base)
    from benchmarks.course import SOURCES_FILE

    version = hashlib.sha256(
        (HERE / "course.py").read_bytes() + SOURCES_FILE.read_bytes()
    ).hexdigest()[:12]
    kept = cache / "courses" / f"n{notes}-{version}"
    if not (kept / "done").exists():
        log(f"[{notes}] generating the course (kept in {kept})")
        shutil.rmtree(kept, ignore_errors=True)
        made = generate(notes, kept)
        (kept / "done").write_text(json.dumps(made.kinds | {"cards": made.cards}))
    else:
        log(f"[{notes}] copying the course kept in {kept}")
    shutil.copytree(kept / "decks", base / "decks", copy_function=shutil.copyfile)
    shutil.copyfile(kept / "course.csv", base / "course.csv")
    facts = json.loads((kept / "done").read_text())
    cards = facts.pop("cards")
    files = len(list((base / "decks").glob("*.yaml")))
    return Course(base / "decks", base / "course.csv", notes, cards, files, facts)


def measure_size(
    notes: int, runs: int, root: Path, results: Results, cache: Path | None = None
) -> Course:
    base = root / f"n{notes}"
    scratch = root / "scratch"
    course = course_of(notes, base, cache)
    results.facts.setdefault("courses", {})[notes] = {
        "notes": course.notes,
        "cards": course.cards,
        "files": course.files,
        "kinds": course.kinds,
    }

    # 1. first import: free (both cores), then pinned to one core; StudyApp and Anki alternate
    log(f"[{notes}] first import x{runs}" + (", and pinned to one core" if ONE_CORE_OK else ""))
    keys = ("sa", "anki", "sa_1core", "anki_1core")
    seconds: dict[str, list[float]] = {k: [] for k in keys}
    cpu: dict[str, list[float]] = {k: [] for k in keys}
    rss: dict[str, list[float]] = {k: [] for k in keys}
    rss_growth: list[float] = []  # StudyApp's peak over its own peak before the clock
    for run in range(runs):
        for one_core in (False, True) if ONE_CORE_OK else (False,):
            suffix = "_1core" if one_core else ""
            tag = f"{run}{suffix}"
            r = worker(
                "sa_import",
                scratch,
                one_core=one_core,
                folder=str(course.folder),
                data_dir=str(base / f"sa{tag}"),
            )
            a = worker(
                "anki_import",
                scratch,
                one_core=one_core,
                csv_path=str(course.csv_path),
                col_path=str(base / f"anki{tag}.anki2"),
            )
            if a["new"] != notes or r["new"] != notes:
                raise BenchError(f"import made {r['new']} / {a['new']} notes, expected {notes}")
            for side, res in (("sa", r), ("anki", a)):
                seconds[side + suffix].append(res["seconds"])
                cpu[side + suffix].append(res["process_cpu"])
                rss[side + suffix].append(res["rss_mb"])
                if side == "sa" and not one_core:
                    rss_growth.append(res["rss_mb"] - res["rss_base_mb"])
                results.facts.setdefault("pragmas", {}).setdefault(
                    "studyapp" if side == "sa" else "anki", {}
                )[f"first import @ {notes}"] = res["pragmas"]
            if (run, one_core) != (0, False):
                shutil.rmtree(base / f"sa{tag}")
                for path in base.glob(f"anki{tag}.*"):
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
    label = "First import (YAML -> SQLite | Anki CSV import)"
    results.add(
        Row(
            "import",
            label,
            notes,
            "s",
            {"median": median(seconds["sa"])},
            {"median": median(seconds["anki"])},
            note="wall, in-process, both cores free",
            runs=runs,
        )
    )
    results.add(
        Row(
            "import_cpu",
            "  CPU time, whole process (user + sys)",
            notes,
            "s",
            {"median": median(cpu["sa"])},
            {"median": median(cpu["anki"])},
            note="interpreter start, imports and exit included, all threads",
            runs=runs,
        )
    )
    if ONE_CORE_OK:
        results.add(
            Row(
                "import_1core",
                "  wall, pinned to one core (taskset -c 0)",
                notes,
                "s",
                {"median": median(seconds["sa_1core"])},
                {"median": median(seconds["anki_1core"])},
                note="in-process",
                runs=runs,
            )
        )
    results.add(
        Row(
            "import_rss",
            "  peak RSS of the importing process",
            notes,
            "MB",
            {"median": median(rss["sa"])},
            {"median": median(rss["anki"])},
            runs=runs,
        )
    )
    results.facts.setdefault("import_rss_growth", {})[notes] = median(rss_growth)
    synced = base / "sa0"

    # 2. re-sync: nothing changed; one card edited
    log(f"[{notes}] re-sync x{runs}")
    same = [
        worker("sa_sync", scratch, folder=str(course.folder), data_dir=str(synced))["seconds"]
        for _ in range(runs)
    ]
    results.add(
        Row(
            "resync",
            "Re-sync, nothing changed",
            notes,
            "s",
            {"median": median(same)},
            note="no Anki equivalent (Anki has no file sync)",
            runs=runs,
        )
    )
    edited = []
    for run in range(runs):
        target = base / f"edit{run}"
        shutil.copytree(synced, target)
        path, original = edit_one_card(course.folder)
        try:
            r = worker("sa_sync", scratch, folder=str(course.folder), data_dir=str(target))
        finally:
            path.write_bytes(original)
        if "1 updated" not in r["summary"] or "1 file(s) read" not in r["summary"]:
            raise BenchError(f"the one-card edit synced as: {r['summary']}")
        edited.append(r["seconds"])
        shutil.rmtree(target)
    results.add(
        Row(
            "resync_edit",
            "Re-sync after editing one card",
            notes,
            "s",
            {"median": median(edited)},
            runs=runs,
        )
    )

    # 3. answer cycle (and headless peak memory)
    log(f"[{notes}] preparing {DUE_CARDS} due cards on both sides")
    sa_ready = base / "sa-due"
    shutil.copytree(synced, sa_ready)
    prepared = worker(
        "sa_prepare", scratch, folder=str(course.folder), data_dir=str(sa_ready), due=DUE_CARDS
    )
    anki_ready = base / "anki-due.anki2"
    anki_prepared = worker(
        "anki_prepare",
        scratch,
        csv_path=str(course.csv_path),
        col_path=str(anki_ready),
        due=DUE_CARDS,
        per_deck=prepared["per_deck"],  # the same cards of the same decks fall due
    )
    if anki_prepared["per_deck"] != prepared["per_deck"]:
        raise BenchError(
            f"the due reviews lie differently: StudyApp {prepared['per_deck']}, "
            f"Anki {anki_prepared['per_deck']}"
        )
    results.facts.setdefault("due_cards", {})[notes] = {
        "studyapp": prepared["answered"],
        "anki": anki_prepared["answered"],
        "decks": len(prepared["per_deck"]),
    }
    log(f"[{notes}] answer cycle x{runs}")
    samples, answer_rss = answer_rounds(notes, runs, base, scratch, sa_ready, anki_ready, results)
    for key, values in samples.items():
        if len(values) < 500 * runs:
            raise BenchError(f"{key}: only {len(values)} answers of {500 * runs} (too few due)")
    results.add(
        Row(
            "answer",
            "Answer cycle: next card + grade + commit",
            notes,
            "ms",
            {"median": median(samples["sa"]), "p95": p95(samples["sa"])},
            {"median": median(samples["anki"]), "p95": p95(samples["anki"])},
            note=f"{500 * runs} answers, {DUE_CARDS} due",
            runs=runs,
        )
    )
    results.add(
        Row(
            "answer_render",
            "  Anki also rendering question + answer HTML",
            notes,
            "ms",
            None,
            {"median": median(samples["anki_render"]), "p95": p95(samples["anki_render"])},
            note="what StudyApp's next_card does too",
            runs=runs,
        )
    )
    results.add(
        Row(
            "rss_headless",
            "Peak RSS: engine answering 500 cards",
            notes,
            "MB",
            {"median": median(answer_rss["sa"])},
            {"median": median(answer_rss["anki"])},
            runs=runs,
        )
    )
    course_info = {"course": course, "sa_ready": sa_ready, "anki_ready": anki_ready}
    results.facts.setdefault("_paths", {})[notes] = course_info
    return course


ANSWER_SIDES = ("sa", "anki", "anki_render")
"""The answer cycle's processes in a round: ours, Anki's, Anki's rendering its cards."""


def answer_order(run: int) -> tuple[str, ...]:
    """The sides of round ``run`` in the order they run: as ANSWER_SIDES in even rounds,
    reversed in odd ones, so no engine always runs first (just after the store preparations)
    or always last (after the others' processes and copies)."""
    return ANSWER_SIDES if run % 2 == 0 else ANSWER_SIDES[::-1]


def fresh_copy(source: Path, target: Path) -> None:
    """Copy a prepared store (a StudyApp data folder or an Anki collection file) for one
    measured process, then ``os.sync()``, so the copy and everything else written before
    (the preparations, the last process's files and their deletion) is on disk before the
    engine opens it.

    Without it the copy was still in the page cache, dirty, when the engine's clock ran:
    the first WAL checkpoint of each process (its ~93rd answer; Anki's ~83rd) fsyncs the
    database file and so wrote back the whole copied store inside a timed answer: that
    answer took 68-90 ms of ours and 77-100 ms of Anki's at 200,000 cards, and with the sync
    first no more than its neighbours (the slowest answer of ours 20-28 ms on a disk shared
    with other sessions; 3+3 processes a side, 06:01 UTC, load 3.2-3.8). Whichever process
    ran after a copy also shared the disk with its writeback. The engines' own work is
    unchanged: every answer still commits with its fsync at synchronous=FULL."""
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copyfile(source, target)
    os.sync()


def _all_reviews(engine: str, result: dict[str, Any]) -> None:
    """Both cycles answer due reviews only (the same work: four outcomes with fuzz, a review
    logged); a new card's first step in the sample would be other work."""
    if result["reviews"] != len(result["samples"]):
        raise BenchError(
            f"{engine}'s answer cycle answered {len(result['samples'])} cards, of which "
            f"{result['reviews']} were reviews"
        )


def answer_rounds(
    notes: int,
    runs: int,
    base: Path,
    scratch: Path,
    sa_ready: Path,
    anki_ready: Path,
    results: Results,
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """``runs`` rounds of the answer cycle, 500 answers a process: each side's process on a
    fresh, synced copy of its prepared store (:func:`fresh_copy`), the sides in the order of
    :func:`answer_order`. Returns the answer times by side and the peak RSS by engine."""
    samples: dict[str, list[float]] = {side: [] for side in ANSWER_SIDES}
    answer_rss: dict[str, list[float]] = {"sa": [], "anki": []}
    for run in range(runs):
        for side in answer_order(run):
            if side == "sa":
                copy = base / f"sa-answer{run}"
                fresh_copy(sa_ready, copy)
                r = worker("sa_answer", scratch, data_dir=str(copy), answers=500)
                _all_reviews("StudyApp", r)
                samples["sa"] += r["samples"]
                answer_rss["sa"].append(r["rss_mb"])
                results.facts.setdefault("pragmas", {}).setdefault("studyapp", {})[
                    f"answer cycle @ {notes}"
                ] = r["pragmas"]
                shutil.rmtree(copy)
                continue
            render = side == "anki_render"
            copy_file = base / f"anki-answer{run}.anki2"
            fresh_copy(anki_ready, copy_file)
            a = worker("anki_answer", scratch, col_path=str(copy_file), answers=500, render=render)
            _all_reviews("Anki", a)
            samples[side] += a["samples"]
            if not render:
                answer_rss["anki"].append(a["rss_mb"])
            results.facts.setdefault("pragmas", {}).setdefault("anki", {})[
                f"answer cycle @ {notes}"
            ] = a["pragmas"]
            copy_file.unlink()
            for extra in base.glob(f"anki-answer{run}.*"):
                shutil.rmtree(extra) if extra.is_dir() else extra.unlink()
    return samples, answer_rss


def crash_test(root: Path, notes: int, results: Results) -> None:
    """Answer a few cards, SIGKILL the process, count the reviews that survived."""
    scratch = root / "scratch"
    paths = results.facts["_paths"][notes]
    sa_copy = root / "crash-sa"
    shutil.copytree(paths["sa_ready"], sa_copy)
    worker("sa_crash", scratch, expect_kill=True, data_dir=str(sa_copy), answers=CRASH_ANSWERS)
    sa_kept = worker("sa_count_reviews", scratch, data_dir=str(sa_copy))["reviews"]
    anki_copy = root / "crash-anki.anki2"
    shutil.copyfile(paths["anki_ready"], anki_copy)
    worker("anki_crash", scratch, expect_kill=True, col_path=str(anki_copy), answers=CRASH_ANSWERS)
    anki_kept = worker("anki_count_reviews", scratch, col_path=str(anki_copy))["reviews"]
    results.facts["crash_test"] = {
        "answered_then_sigkill": CRASH_ANSWERS,
        "studyapp_reviews_kept": sa_kept,
        "anki_reviews_kept": anki_kept,
    }


def _gui_env() -> dict[str, str]:
    return {"QT_QPA_PLATFORM": "offscreen", "QT_LOGGING_RULES": "*.debug=false"}


STACK = "sqlalchemy, sqlalchemy.dialects.sqlite, fsrs_rs_python, nh3, platformdirs"
"""The third-party packages (besides Qt) that the start-up imports: the floor's data stack.
Checked on every run against what the real start-up imports (see _import_profile): the floor
may only count what the app cannot start without."""


def _painted(proc: Proc, png: Path) -> float:
    """Seconds from the spawn to the PNG being written: the first paint, grabbed."""
    return (png.stat().st_mtime_ns - proc.started_ns) / 1e9


def measure_startup(root: Path, notes: int, runs: int, results: Results) -> None:
    """Start-up to the first painted card, against its floor (bare Qt + data-stack import).

    Times run from the spawn to the moment the screenshot PNG is on disk (its mtime), so
    the interpreter's shutdown after the paint is not counted; the data stack's import is
    timed inside its process.
    """
    scratch = root / "scratch"
    paths = results.facts["_paths"][notes]
    data_dir = root / "startup-store"
    shutil.copytree(paths["sa_ready"], data_dir)
    worker("sa_add_folder", scratch, data_dir=str(data_dir), folder=str(paths["course"].folder))
    py = sys.executable
    pngs = {name: root / f"{name}.png" for name in ("bare_qt", "review", "overview")}
    stack_code = (
        f"import time; t = time.perf_counter(); import {STACK}; print(time.perf_counter() - t)"
    )

    def shot(screen: str) -> list[str]:
        return [py, "-m", "studyapp", "--data-dir", str(data_dir),
                "--screenshot", str(pngs[screen]), "--screen", screen]  # fmt: skip

    commands = {
        "python": [py, "-c", "pass"],
        "stack": [py, "-c", stack_code],
        "bare_qt": [py, str(HERE / "bare_qt.py"), str(pngs["bare_qt"])],
        "review": shot("review"),
        "overview": shot("overview"),
    }
    log(f"start-up x{runs} (store: {notes} notes + bundled decks, {DUE_CARDS} due)")
    timings: dict[str, list[float]] = {k: [] for k in commands}
    memory: dict[str, list[float]] = {k: [] for k in commands}
    failures: dict[str, str] = {}
    for name, cmd in commands.items():  # one warm-up each: file cache, first sync of bundled decks
        proc = run_proc(cmd, env=_gui_env(), timeout=120)
        if proc.code != 0:
            failures[name] = f"exit {proc.code}: {proc.stderr.strip()[-300:]}"
    for _ in range(runs):
        for name, cmd in commands.items():
            if name in failures:
                continue
            png = pngs.get(name)
            if png is not None:
                png.unlink(missing_ok=True)
            proc = run_proc(cmd, env=_gui_env(), timeout=120)
            if proc.code != 0 or (png is not None and not png.exists()):
                failures[name] = f"exit {proc.code}: {proc.stderr.strip()[-300:]}"
                continue
            if name == "stack":
                timings[name].append(float(proc.stdout.strip()))
            elif png is not None:
                timings[name].append(_painted(proc, png))
            else:
                timings[name].append(proc.seconds)
            memory[name].append(proc.rss_mb)
    for name in ("python", "stack", "bare_qt"):
        if name in failures:
            raise BenchError(f"start-up floor '{name}' failed: {failures[name]}")
    t = {k: median(v) for k, v in timings.items()}
    floor = t["bare_qt"] + t["stack"]
    results.add(
        Row(
            "start_python",
            "Start-up floor: python -c pass (to exit)",
            None,
            "ms",
            {"median": t["python"]},
            runs=runs,
        )
    )
    results.add(
        Row(
            "start_stack",
            "Start-up floor: data-stack import (in-process)",
            None,
            "ms",
            {"median": t["stack"]},
            note=STACK,
            runs=runs,
        )
    )
    results.add(
        Row(
            "start_bare_qt",
            "Start-up floor: bare PySide6 window painted",
            None,
            "ms",
            {"median": t["bare_qt"]},
            note="spawn to PNG written",
            runs=runs,
        )
    )
    results.facts["startup_floor"] = floor
    for name, label in (
        ("review", "Start-up to review screen, card painted"),
        ("overview", "Start-up to overview painted"),
    ):
        if name in failures:
            results.add(
                Row(f"start_{name}", label, notes, "ms", note=f"not available: {failures[name]}")
            )
        else:
            results.add(
                Row(
                    f"start_{name}",
                    label,
                    notes,
                    "ms",
                    {"median": t[name]},
                    note=f"spawn to PNG; floor {floor * 1000:.0f} ms",
                    runs=runs,
                )
            )
    results.add(
        Row(
            "rss_bare_qt",
            "Peak RSS: bare PySide6 window",
            None,
            "MB",
            {"median": median(memory["bare_qt"])},
            runs=runs,
        )
    )
    if "review" not in failures:
        results.add(
            Row(
                "rss_gui",
                "Peak RSS: GUI to review screen",
                notes,
                "MB",
                {"median": median(memory["review"])},
                runs=runs,
            )
        )
        results.facts["startup_breakdown"] = _breakdown(root, data_dir, runs)
        results.facts["startup_imports"] = _import_profile(commands["review"])
    else:
        results.add(
            Row(
                "rss_gui",
                "Peak RSS: GUI to review screen",
                notes,
                "MB",
                note=f"not available: {failures['review']}",
            )
        )


def measure_overview(root: Path, notes: int, runs: int, results: Results) -> None:
    """The overview screen at this size: the counts query and building the view."""
    scratch = root / "scratch"
    store = root / f"overview-{notes}"
    shutil.copytree(results.facts["_paths"][notes]["sa_ready"], store)
    log(f"[{notes}] overview x{runs}")
    r = worker("gui_overview", scratch, env=_gui_env(), data_dir=str(store), runs=runs)
    shutil.rmtree(store)
    note = f"{r['decks']} decks"
    for key, label, values in (
        ("overview_query", "Overview: counts query", r["query"]),
        ("overview_build", "Overview: build the view before the first paint", r["build"]),
        ("overview_again", "Overview: the same counts again, visible, painted", r["again"]),
    ):
        results.add(Row(key, label, notes, "ms", {"median": median(values)}, note=note, runs=runs))
    results.facts.setdefault("overview_decks", {})[notes] = r["decks"]


# -- a real display ------------------------------------------------------------------------
@dataclass
class Display:
    """An Xvfb server this benchmark started (or why there is none)."""

    env: dict[str, str] | None
    why_not: str = ""
    proc: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_display(root: Path) -> Display:
    """Start Xvfb on a free display number and check PySide6's xcb platform runs on it."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        return Display(None, "Xvfb is not installed (apt-get install xvfb)")
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(write_end), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    number = b""
    deadline = time.monotonic() + 20
    while not number.endswith(b"\n") and time.monotonic() < deadline:
        ready, _, _ = select.select([read_end], [], [], 0.5)
        if ready:
            chunk = os.read(read_end, 16)
            if not chunk:
                break
            number += chunk
    os.close(read_end)
    if not number.strip():
        proc.kill()
        proc.wait()
        return Display(None, "Xvfb did not start")
    env = {
        "DISPLAY": f":{number.decode().strip()}",
        "QT_QPA_PLATFORM": "xcb",
        "QT_LOGGING_RULES": "*.debug=false",
    }
    display = Display(env, proc=proc)
    check = run_proc(
        [sys.executable, str(HERE / "display_probe.py"), str(root / "xcb-check.json"), "bare"],
        env=env,
        timeout=60,
    )
    if check.code != 0:
        display.stop()
        last = (check.stderr.strip().splitlines() or ["?"])[-1]
        return Display(None, f"PySide6's xcb platform does not start: {last[:200]}")
    log(f"real display: Xvfb {env['DISPLAY']}, QT_QPA_PLATFORM=xcb")
    return display


def _probe(
    root: Path, display_env: dict[str, str], mode: str, *extra: str, timeout: float = 120
) -> tuple[dict[str, Any], Proc]:
    out = root / "scratch" / f"display-{mode}.json"
    out.unlink(missing_ok=True)
    proc = run_proc(
        [sys.executable, str(HERE / "display_probe.py"), str(out), mode, *extra],
        env=display_env,
        timeout=timeout,
    )
    if proc.code != 0 or not out.exists():
        raise BenchError(f"display probe {mode} failed (exit {proc.code}): {proc.stderr[-1500:]}")
    data = json.loads(out.read_text())
    if "painted_ns" not in data:
        raise BenchError(f"display probe {mode}: {data.get('error', 'no frame painted')}")
    data["first_frame"] = (data["painted_ns"] - proc.started_ns) / 1e9
    return data, proc


def measure_display(root: Path, notes: int, runs: int, results: Results, display: Display) -> None:
    """Start-up on a real display, against a bare PySide6 window on the same display."""
    label = "Real display: first frame painted"
    if display.env is None:
        results.add(Row("display_start", label, notes, "ms", note=f"skipped: {display.why_not}"))
        return
    scratch = root / "scratch"
    paths = results.facts["_paths"][notes]
    store = root / f"display-store-{notes}"
    shutil.copytree(paths["sa_ready"], store)
    worker("sa_add_folder", scratch, data_dir=str(store), folder=str(paths["course"].folder))
    app_args = ("--", "--data-dir", str(store))
    log(f"[{notes}] real display start-up x{runs} (+1 warm-up: bundled decks, search index)")
    _probe(root, display.env, "app", *app_args, timeout=600)
    bare: list[float] = []
    app: list[float] = []
    gap: list[float] = []
    sync_ms: list[float] = []
    for _ in range(runs):
        b, _proc = _probe(root, display.env, "bare")
        a, _proc = _probe(root, display.env, "app", *app_args)
        bare.append(b["first_frame"])
        app.append(a["first_frame"])
        gap.append(a["gaps"]["max_ms"] / 1000)
        sync_ms.extend(a["sync_done_ms"][:1] or [math.inf])
        results.facts.setdefault("display_gaps", {}).setdefault(notes, []).append(
            a["gaps"]["longest"][:3]
        )
    shutil.rmtree(store)
    results.add(
        Row(
            "display_bare",
            "Real display: bare PySide6 window, first frame",
            notes,
            "ms",
            {"median": median(bare)},
            note="Xvfb + xcb, spawn to first frame painted (interleaved with the row below)",
            runs=runs,
        )
    )
    results.add(
        Row(
            "display_start",
            label,
            notes,
            "ms",
            {"median": median(app)},
            note=f"spawn to first frame; the store's decks re-checked after it; bare "
            f"{median(bare) * 1000:.0f} ms",
            runs=runs,
        )
    )
    done = median(sync_ms)
    results.add(
        Row(
            "display_gap",
            "  longest event-loop gap, 2 s from first frame",
            notes,
            "ms",
            {"median": median(gap), "max": max(gap)},
            note="median of each run's longest (worst run "
            f"{max(gap) * 1000:.0f} ms); sync done "
            + (f"{done:.0f} ms after the first frame" if math.isfinite(done) else "after 2 s"),
            runs=runs,
        )
    )


def measure_add_folder(
    root: Path, notes: int, runs: int, results: Results, display: Display
) -> None:
    """Adding the course folder in the GUI (File > Add deck folder) to a store holding only
    the bundled decks: time to the synced overview (the decks applied and shown: the
    trainee's wait), then to the search index current (the window's catch-up after the
    overview, a background task of its own); the process's CPU time, its peak RSS and the
    event-loop gaps over the whole span, catch-up included.

    Interleaved with each GUI run, the same work headless (``sa_sync_folder``: ``studyapp
    sync FOLDER`` into a copy of the same store, with the search index the GUI's start-up
    makes): the equal-work reference. The headless first import (the other reference, the
    issue's) writes into an empty store that has no search index, so it builds none; the
    GUI's store has one (the window's first sync makes it), which every writer keeps
    current, ~1.1 s of CPU at 50,000 notes (62,500 cards of FTS5 rows). The equal-work
    budgets compare the GUI through its index current with it; the issue's own compare the
    add to its overview (the catch-up not in it) with the first import."""
    scratch = root / "scratch"
    folder = results.facts["_paths"][notes]["course"].folder
    template = root / f"bundled-only-{notes}"
    worker("sa_bundled", scratch, data_dir=str(template))
    env = display.env or _gui_env()
    where = "Xvfb + xcb" if display.env else "offscreen (no Xvfb)"
    log(f"[{notes}] add a folder in the GUI x{runs} ({where}), and the same work headless")
    seconds, cpu, gui_cpu, rss, gap = [], [], [], [], []
    indexed, cpu_shown, gap_shown, rss_shown, rss_before = [], [], [], [], []
    same_seconds, same_cpu, same_rss = [], [], []
    for run in range(runs):
        store = root / f"add-folder-{notes}-{run}"
        shutil.copytree(template, store)
        data, proc = _probe(
            root, env, "add-folder", str(folder), "--", "--data-dir", str(store), timeout=900
        )
        added = data.get("add_folder")
        if added is None:
            raise BenchError(f"adding a folder in the GUI did not finish: {data}")
        if f"{notes} new" not in added["summary"] and "new" not in added["summary"]:
            raise BenchError(f"adding a folder synced as: {added['summary']}")
        seconds.append(added["seconds"])
        indexed.append(added["index_seconds"])
        cpu.append(added["cpu"])
        cpu_shown.append(added["cpu_shown"])
        gui_cpu.append(added["gui_cpu"])
        rss.append(proc.rss_mb)
        rss_shown.append(added["rss_shown_mb"])
        rss_before.append(data["rss_before_add_mb"])
        gap.append(added["gaps"]["max_ms"] / 1000)
        gap_shown.append(added["gaps_shown"]["max_ms"] / 1000)
        shutil.rmtree(store)
        shutil.copytree(template, store)
        same = worker("sa_sync_folder", scratch, data_dir=str(store), folder=str(folder))
        same_seconds.append(same["seconds"])
        same_cpu.append(same["cpu"])
        same_rss.append(same["rss_mb"])
        shutil.rmtree(store)
    shutil.rmtree(template)
    results.add(
        Row(
            "add_folder",
            "Add a folder in the GUI: to the synced overview",
            notes,
            "s",
            {"median": median(seconds)},
            note=f"{where}; stops when the decks are applied and shown (the search index "
            "then catches up in the background: next row)",
            runs=runs,
        )
    )
    results.add(
        Row(
            "add_folder_index",
            "  search index current at",
            notes,
            "s",
            {"median": median(indexed)},
            note="from the same menu action; gaps, CPU and peak RSS below are watched to here",
            runs=runs,
        )
    )
    results.add(
        Row(
            "add_folder_cpu",
            "  CPU time of the GUI process while adding, to the index current",
            notes,
            "s",
            {"median": median(cpu)},
            note=f"all threads; to the overview {median(cpu_shown):.2f} s; the GUI thread's "
            f"{median(gui_cpu):.2f} s",
            runs=runs,
        )
    )
    results.add(
        Row(
            "add_folder_rss",
            "  peak RSS of the GUI process",
            notes,
            "MB",
            {"median": median(rss)},
            note=f"the catch-up included; {median(rss_shown):.0f} MB when the decks were shown, "
            f"{median(rss_before):.0f} MB before the add",
            runs=runs,
        )
    )
    growth = [peak - before for peak, before in zip(rss, rss_before, strict=True)]
    headless = results.facts.get("import_rss_growth", {}).get(notes)
    results.add(
        Row(
            "add_folder_rss_growth",
            "  its growth over the window's peak before the add",
            notes,
            "MB",
            {"median": median(growth)},
            note="informational: the headless first import's peak grows "
            + (f"{headless:.0f} MB" if headless is not None else "(not measured)")
            + " over its own before its clock (the deck format loaded in both); the rest "
            "of the GUI's peak is the window it starts from",
            runs=runs,
        )
    )
    results.add(
        Row(
            "add_folder_gap",
            "  longest event-loop gap while adding, to the index current",
            notes,
            "ms",
            {"median": median(gap), "max": max(gap)},
            note=f"median of each run's longest (worst run {max(gap) * 1000:.0f} ms; to the "
            f"overview {median(gap_shown) * 1000:.0f} ms)",
            runs=runs,
        )
    )
    results.add(
        Row(
            "add_folder_same",
            "  the same work headless: studyapp sync FOLDER into the same store",
            notes,
            "s",
            {"median": median(same_seconds)},
            note="its search index kept current, as the GUI's is (interleaved with the GUI runs)",
            runs=runs,
        )
    )
    results.add(
        Row(
            "add_folder_same_cpu",
            "  its CPU time",
            notes,
            "s",
            {"median": median(same_cpu)},
            runs=runs,
        )
    )
    results.add(
        Row(
            "add_folder_same_rss",
            "  its peak RSS",
            notes,
            "MB",
            {"median": median(same_rss)},
            runs=runs,
        )
    )


# -- the other issues' budgets at 200,000 cards --------------------------------------------
STATS_CARDS_NOTES = 160_000
"""Notes of the statistics history (benchmarks/history.py): about 200,000 cards."""


def measure_200k_cards(root: Path, runs: int, results: Results, cache: Path) -> None:
    """Search (issue 15) and statistics (issue 16) at 200,000 cards, with their budgets."""
    scratch = root / "scratch"
    log("[200k cards] searches (the store is cached in " + str(cache) + ")")
    steering_store = scratch / "steering-store"  # a fresh copy each run: see search_rows
    rows = worker(
        "search_rows", scratch, root=str(cache / "steering"), runs=runs,
        copy_to=str(steering_store),
    )["rows"]  # fmt: skip
    for row in rows:
        results.add(
            Row(
                "search",
                row["name"],
                200_000,
                "ms",
                {"median": median(row["times"]), "max": max(row["times"])},
                note=row["note"],
                runs=len(row["times"]),
            )
        )
        if row["budget"] is not None:
            results.facts.setdefault("search_budgets", []).append(
                (row["name"], median(row["times"]), row["budget"])
            )
    log("[200k cards] statistics history (built once, then cached)")
    history = cache / f"history-{STATS_CARDS_NOTES}"
    built = run_proc(
        [sys.executable, "-m", "benchmarks.history", str(history), "--notes",
         str(STATS_CARDS_NOTES)],
        timeout=3600,
    )  # fmt: skip
    if built.code != 0:
        raise BenchError(f"the statistics history could not be built: {built.stderr[-1500:]}")
    results.facts["stats_history"] = built.stdout.strip()
    # Opened once by the app first, so a history made by an older build is brought up to
    # the current schema (stats --json only reads, and refuses an older store).
    upgraded = run_proc([sys.executable, "-m", "studyapp", "--data-dir", str(history), "sync"])
    if upgraded.code != 0:
        raise BenchError(f"the statistics history could not be opened: {upgraded.stderr[-1000:]}")
    measure_stats_cli(root, history, runs, results)
    measure_stats_screen(root, history, runs, results)
    measure_browser(steering_store, runs, results)


def measure_stats_cli(root: Path, history: Path, runs: int, results: Results) -> None:
    """Issue 16's ``stats --json`` and ``report`` at 200,000 cards, each as the first read
    after an answer (the verdict) and again on the vouched store, wall and CPU time."""
    # Issue 16's budgets are for the first read after a change (DECISIONS 11): before each
    # timed command one answer is given through StudyApp (benchmarks.stats' "change"
    # worker, a process of its own) and the store left to settle, so the command runs the
    # quick check (studyapp/store/integrity.py). The same command run again at once, on the
    # store that check vouches for, is printed beside it. The answers go into a copy of the
    # cached history, never into the cache.
    store = root / "stats-cli"
    store.mkdir()
    shutil.copy2(history / "studyapp.sqlite3", store / "studyapp.sqlite3")
    change = [sys.executable, "-m", "benchmarks.stats", "worker", "change", str(store)]

    def after_an_answer(cmd: list[str], name: str) -> tuple[list[Proc], list[Proc]]:
        checked: list[Proc] = []
        vouched: list[Proc] = []
        for _ in range(runs):
            answered = run_proc(change, timeout=300)
            if answered.code != 0:
                raise BenchError(f"answering before {name} failed: {answered.stderr[-1000:]}")
            time.sleep(_settle_seconds() + 0.2)
            for kept in (checked, vouched):
                proc = run_proc(cmd, timeout=120)
                if proc.code != 0:
                    raise BenchError(f"{name} failed: {proc.stderr[-1000:]}")
                kept.append(proc)
        return checked, vouched

    def add_rows(key: str, label: str, checked: list[Proc], vouched: list[Proc]) -> None:
        for suffix, what, procs, note in (
            ("", f"{label}, first read after an answer", checked, "the quick check runs"),
            ("_vouched", "  the same again, store vouched for", vouched, "no budget"),
        ):
            walls, cpus = [p.seconds for p in procs], [p.cpu for p in procs]
            results.add(
                Row(
                    key + suffix,
                    f"{what} (whole process)" if not suffix else what,
                    200_000,
                    "s",
                    {"median": median(walls), "max": max(walls)},
                    note=note,
                    runs=runs,
                )
            )
            results.add(
                Row(
                    f"{key}{suffix}_cpu",
                    "    its CPU time (user + sys)",
                    200_000,
                    "s",
                    {"median": median(cpus), "max": max(cpus)},
                    runs=runs,
                )
            )

    cmd = [sys.executable, "-m", "studyapp", "--data-dir", str(store), "stats", "--json"]
    run_proc(cmd, timeout=120)  # warm-up: the file cache
    checked, vouched = after_an_answer(cmd, "stats --json")
    add_rows("stats_json", "studyapp stats --json", checked, vouched)
    help_text = run_proc([sys.executable, "-m", "studyapp", "--help"]).stdout
    if re.search(r"^\s+report\s", help_text, re.MULTILINE):
        pdf = root / "report.pdf"
        report = [sys.executable, "-m", "studyapp", "--data-dir", str(store)]
        report += ["report", "-o", str(pdf)]
        checked, vouched = after_an_answer(report, "report")
        add_rows("stats_report", "studyapp report -o FILE.pdf", checked, vouched)
    else:
        results.add(
            Row(
                "stats_report",
                "studyapp report -o FILE.pdf (whole process)",
                200_000,
                "s",
                note="not measured: this checkout has no report command yet",
            )
        )
    shutil.rmtree(store)


def _settle_seconds() -> float:
    try:
        from studyapp.store.integrity import SETTLE_SECONDS
    except ImportError:  # a checkout without the vouching check
        return 0.0
    return float(SETTLE_SECONDS)


STATS_SCREEN_BUDGETS = {"first_ms": 0.150, "stall_ms": 0.050, "rss_above_mb": 60.0}
"""Issue 16's budgets for the statistics screen (benchmarks/stats.py)."""


def measure_stats_screen(root: Path, history: Path, runs: int, results: Results) -> None:
    """Issue 16's statistics screen at 200,000 cards: ``benchmarks.stats``'s screen worker
    (Ctrl+T on a shown window to the first charts painted; the longest event-loop stall
    while the rest is computed; peak RSS above the window's), on a copy of the history."""
    log("[200k cards] statistics screen")
    store = root / "stats-screen"
    store.mkdir()
    shutil.copy2(history / "studyapp.sqlite3", store / "studyapp.sqlite3")
    sync = run_proc([sys.executable, "-m", "studyapp", "--data-dir", str(store), "sync"])
    if sync.code != 0:
        raise BenchError(f"syncing the statistics history failed: {sync.stderr[-1000:]}")
    cmd = [sys.executable, "-m", "benchmarks.stats", "worker", "screen", str(store)]
    values: dict[str, list[float]] = {k: [] for k in STATS_SCREEN_BUDGETS}
    values["all_s"] = []
    for _ in range(runs):
        proc = run_proc(cmd, env=_gui_env(), timeout=300)
        if proc.code != 0:
            raise BenchError(f"the statistics screen failed: {proc.stderr[-1500:]}")
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        values["first_ms"].append(out["first_ms"] / 1000)
        values["stall_ms"].append(out["stall_ms"] / 1000)
        values["rss_above_mb"].append(out["rss_above_mb"])
        values["all_s"].append(out["all_s"])
    shutil.rmtree(store)
    everything = median(values["all_s"])
    for key, label, name, unit, note in (
        (
            "first_ms",
            "Statistics screen: Ctrl+T to first charts painted",
            "statistics screen: first charts",
            "ms",
            "",
        ),
        (
            "stall_ms",
            "  longest GUI stall while the rest computes",
            "statistics screen: longest GUI stall",
            "ms",
            f"everything drawn after {everything:.2f} s",
        ),
        (
            "rss_above_mb",
            "  peak RSS above the window's",
            "statistics screen: peak RSS above the window's",
            "MB",
            "",
        ),
    ):
        results.add(
            Row(
                f"stats_screen_{key}",
                label,
                200_000,
                unit,
                {"median": median(values[key]), "max": max(values[key])},
                note=note or "issue 16 (benchmarks/stats.py's screen worker)",
                runs=runs,
            )
        )
        limit = STATS_SCREEN_BUDGETS[key]
        results.facts.setdefault("gui_200k_budgets", []).append(
            (name, median(values[key]), limit, unit)
        )


def measure_browser(store: Path, runs: int, results: Results) -> None:
    """Issue 15's browser at 200,000 cards: ``benchmarks.steering``'s GUI worker (open,
    a search typed in it, a bulk suspend and its undo of 10,000 cards, and the longest
    event-loop stall of each), on this run's copy of the store the searches above used."""
    from benchmarks.steering import measure_gui

    log("[200k cards] the browser")
    try:
        rows = measure_gui(store, runs)
    except subprocess.CalledProcessError as exc:
        raise BenchError(f"the browser benchmark failed (exit {exc.returncode})") from exc
    for row in rows:
        results.add(
            Row(
                "browser",
                row.name,
                200_000,
                "ms",
                {"median": row.median, "max": row.worst},
                note=row.note,
                runs=len(row.times),
            )
        )
        if row.budget is not None:
            results.facts.setdefault("gui_200k_budgets", []).append(
                (f"browser: {row.name}", row.median, row.budget, "ms")
            )


class LoadSampler:
    """The 1-minute load average every few seconds while the run goes on: a benchmark on a
    shared machine states how busy the machine was while it measured, not only before."""

    def __init__(self, every: float = 5.0) -> None:
        self.samples: list[float] = []
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="loadavg", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.samples.append(float(loadavg().split()[0]))

    def stop(self) -> str:
        self._stop.set()
        self._thread.join()
        if not self.samples:
            return "?"
        ordered = sorted(self.samples)
        return (
            f"1-minute load {ordered[0]:.2f}-{ordered[-1]:.2f}, median "
            f"{median(ordered):.2f} ({len(ordered)} samples, every {self._every:.0f} s)"
        )


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _breakdown(root: Path, data_dir: Path, runs: int) -> dict[str, float]:
    out = root / "probe.json"
    phases: dict[str, list[float]] = {}
    for _ in range(runs):
        proc = run_proc(
            [
                sys.executable,
                str(HERE / "startup_probe.py"),
                str(out),
                "--",
                "--data-dir",
                str(data_dir),
                "--screenshot",
                str(root / "probe.png"),
                "--screen",
                "review",
            ],
            env=_gui_env(),
            timeout=120,
        )
        if proc.code != 0 or not out.exists():
            return {}
        for name, value in json.loads(out.read_text())["phases"].items():
            phases.setdefault(name, []).append(value)
    return {name: median(values) for name, values in phases.items()}


def _import_profile(cmd: list[str]) -> dict[str, float]:
    """Import time of the real start-up by top-level package (self times from -X importtime).

    Raises BenchError if the floor's STACK names a package the start-up does not import.
    """
    proc = run_proc([cmd[0], "-X", "importtime", *cmd[1:]], env=_gui_env(), timeout=120)
    totals: dict[str, float] = {}
    imported: set[str] = set()
    for line in proc.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s+(\S.*)$", line)
        if not match:
            continue
        imported.add(match.group(3).strip())
        top = match.group(3).strip().split(".")[0]
        totals[top] = totals.get(top, 0.0) + int(match.group(1)) / 1e6
    unused = [name for name in STACK.split(", ") if name not in imported]
    if unused:
        raise BenchError(f"the start-up floor counts packages the start-up never imports: {unused}")
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    result = dict(ranked[:8])
    result["(all other modules)"] = sum(v for _, v in ranked[8:])
    return result


# -- budgets -------------------------------------------------------------------------------
def _budget_sizes(sizes: list[int]) -> list[int]:
    """The sizes the issue states a budget at (50,000 and 200,000 notes), or the largest
    in a run that has neither (``--quick``)."""
    stated = [size for size in sizes if size >= _FULL_SIZE]
    return stated or [max(sizes)]


def check_budgets(results: Results, sizes: list[int]) -> None:
    top = max(sizes)
    checked = _budget_sizes(sizes)
    pragmas = results.facts.get("pragmas", {})
    if pragmas:
        seen = {
            f"{side} {where}": p.get("synchronous")
            for side, by_where in pragmas.items()
            for where, p in by_where.items()
        }
        weaker = sorted(name for name, level in seen.items() if level != 2)
        results.budget(
            "equal durability: synchronous=FULL read back in every measured process",
            not weaker,
            f"{len(seen)} processes, all FULL" if not weaker else "not FULL: " + ", ".join(weaker),
        )
    for size in sizes:
        # Like for like (DECISIONS 11): StudyApp's next_card returns the rendered card
        # (question and answer HTML, citations), so the verdict is against Anki's cycle
        # rendering its question and answer too; the cycle without rendering is printed
        # beside it, not judged.
        row = results.get("answer", size)
        rendering = results.get("answer_render", size)
        if row and row.studyapp and rendering and rendering.anki and size >= 10_000:
            ours, theirs = row.studyapp, rendering.anki
            unrendered = ""
            if row.anki:
                unrendered = (
                    f"; Anki not rendering {row.anki['median'] * 1000:.2f} / "
                    f"{row.anki['p95'] * 1000:.2f} ms"
                )
            results.budget(
                f"answer median and p95 <= Anki's rendering its cards @ {size}",
                ours["median"] <= theirs["median"] and ours["p95"] <= theirs["p95"],
                f"median {ours['median'] * 1000:.2f} vs {theirs['median'] * 1000:.2f} ms, "
                f"p95 {ours['p95'] * 1000:.2f} vs {theirs['p95'] * 1000:.2f} ms{unrendered}",
            )
    for size in checked:
        for key, what, unit in (
            ("import_cpu", "first import CPU time (whole process) <= Anki's", "s"),
            ("import_1core", "first import wall on one core <= Anki's", "s"),
            ("import_rss", "first import peak RSS <= Anki's", "MB"),
        ):
            row = results.get(key, size)
            if row and row.studyapp and row.anki:
                sa, anki = row.studyapp["median"], row.anki["median"]
                text = (
                    f"{sa:.2f} s vs Anki {anki:.2f} s ({sa / anki:.2f}x)"
                    if unit == "s"
                    else f"{sa:.0f} MB vs Anki {anki:.0f} MB ({sa / anki:.2f}x)"
                )
                results.budget(f"{what} @ {size}", sa <= anki, text)
    for size in sizes:
        row = results.get("overview_build", size)
        if row and row.studyapp and size >= 10_000:
            limit = 0.050 if size >= _LARGE_SIZE else 0.016
            sa = row.studyapp["median"]
            results.budget(
                f"overview built in <= {limit * 1000:.0f} ms @ {size}",
                sa <= limit,
                f"{sa * 1000:.1f} ms ({row.note})",
            )
    built = [
        (results.facts["overview_decks"][size], row.studyapp["median"])
        for size in sizes
        if size >= 10_000
        and (row := results.get("overview_build", size)) is not None
        and row.studyapp
    ]
    if len(built) >= 2:
        (d1, t1), (d2, t2) = built[-2], built[-1]
        exponent = math.log(t2 / t1) / math.log(d2 / d1) if d2 > d1 and t1 > 0 else math.nan
        results.budget(
            f"overview grows linearly ({d1} -> {d2} decks: exponent <= 1.1)",
            exponent <= 1.1,
            f"exponent {exponent:.2f} ({t1 * 1000:.1f} -> {t2 * 1000:.1f} ms)",
        )
    for size in sizes:
        row, bare = results.get("display_start", size), results.get("display_bare", size)
        if row is None or size < 10_000:
            continue
        extra = 0.250 if size >= _LARGE_SIZE else 0.150
        name = f"real-display first frame <= bare window + {extra * 1000:.0f} ms @ {size}"
        if row.studyapp and bare and bare.studyapp:
            sa, limit = row.studyapp["median"], bare.studyapp["median"] + extra
            results.budget(name, sa <= limit, f"{sa * 1000:.0f} ms vs limit {limit * 1000:.0f} ms")
        else:
            results.budget(name, None, row.note)
        gap = results.get("display_gap", size)
        if gap and gap.studyapp:
            sa = gap.studyapp["median"]
            results.budget(
                f"no event-loop gap > 50 ms in the first 2 s (sync included) @ {size}",
                sa <= 0.050,
                f"{sa * 1000:.0f} ms (worst run {gap.studyapp['max'] * 1000:.0f} ms)",
            )
    for size in sizes:
        add, first = results.get("add_folder", size), results.get("import", size)
        if add is None or not add.studyapp or first is None or not first.studyapp:
            continue
        sa, limit = add.studyapp["median"], 1.2 * first.studyapp["median"]
        results.budget(
            f"adding a folder in the GUI <= 1.2x the headless import @ {size}",
            sa <= limit,
            f"{sa:.2f} s vs limit {limit:.2f} s",
        )
        rss, headless = results.get("add_folder_rss", size), results.get("import_rss", size)
        if rss and rss.studyapp and headless and headless.studyapp:
            sa, limit = rss.studyapp["median"], 1.2 * headless.studyapp["median"]
            results.budget(
                f"GUI adding a folder: peak RSS <= 1.2x the headless import's @ {size}",
                sa <= limit,
                f"{sa:.0f} MB vs limit {limit:.0f} MB",
            )
        same = results.get("add_folder_same", size)
        # Equal work: the GUI to its search index current (the catch-up after the overview
        # included) against the headless sync, which keeps the index current inside it.
        indexed = results.get("add_folder_index", size) or add
        if same and same.studyapp and indexed.studyapp:
            sa, limit = indexed.studyapp["median"], 1.2 * same.studyapp["median"]
            results.budget(
                f"(equal work) adding a folder in the GUI, to its index current, <= 1.2x the "
                f"same work headless @ {size}",
                sa <= limit,
                f"{sa:.2f} s vs limit {limit:.2f} s",
            )
        same_rss = results.get("add_folder_same_rss", size)
        if rss and rss.studyapp and same_rss and same_rss.studyapp:
            sa, limit = rss.studyapp["median"], 1.2 * same_rss.studyapp["median"]
            results.budget(
                f"(equal work) GUI adding a folder: peak RSS <= 1.2x the same work headless @ "
                f"{size}",
                sa <= limit,
                f"{sa:.0f} MB vs limit {limit:.0f} MB",
            )
        gap = results.get("add_folder_gap", size)
        if gap and gap.studyapp:
            sa = gap.studyapp["median"]
            results.budget(
                f"GUI adding a folder: no event-loop gap > 50 ms @ {size}",
                sa <= 0.050,
                f"{sa * 1000:.0f} ms (worst run {gap.studyapp['max'] * 1000:.0f} ms)",
            )
    for name, value, limit in results.facts.get("search_budgets", []):
        results.budget(
            f"{name} <= {limit * 1000:.0f} ms @ 200000 cards",
            value <= limit,
            f"{value * 1000:.1f} ms",
        )
    for name, value, limit, unit in results.facts.get("gui_200k_budgets", []):
        shown = f"{value:.0f} MB" if unit == "MB" else f"{value * 1000:.1f} ms"
        bound = f"{limit:.0f} MB" if unit == "MB" else f"{limit * 1000:.0f} ms"
        results.budget(f"{name} <= {bound} @ 200000 cards", value <= limit, shown)
    for key, limit in (("stats_json", 1.0), ("stats_report", 2.0)):
        row = results.get(key)
        if row is None:
            continue
        name = f"{row.label.split(' (')[0]} <= {limit:.0f} s @ 200000 cards"
        if row.studyapp:
            # The verdict is the first read after an answer (DECISIONS 11); its CPU time and
            # the vouched figure are printed beside it.
            detail = f"{row.studyapp['median']:.2f} s"
            beside = [
                f"{what} {other.studyapp['median']:.2f} s"
                for what, other in (
                    ("CPU", results.get(f"{key}_cpu")),
                    ("vouched", results.get(f"{key}_vouched")),
                )
                if other is not None and other.studyapp
            ]
            if beside:
                detail += f" ({'; '.join(beside)})"
            results.budget(name, row.studyapp["median"] <= limit, detail)
        else:
            results.budget(name, None, row.note)
    row = results.get("resync", top)
    if row and row.studyapp:
        sa = row.studyapp["median"]
        results.budget(
            f"re-sync, nothing changed <= 100 ms @ {top}", sa <= 0.100, f"{sa * 1000:.0f} ms"
        )
    row, first = results.get("resync_edit", top), results.get("import", top)
    if row and row.studyapp and first and first.studyapp:
        sa, limit = row.studyapp["median"], 0.10 * first.studyapp["median"]
        detail = f"{sa * 1000:.0f} ms vs limit {limit * 1000:.0f} ms"
        # The issue states this budget at 50,000 cards. In a smaller course the edited
        # file (1,000 cards, read again whole) is itself 10% or more of the course.
        results.budget(
            f"re-sync after one edit <= 10% of first import @ {top}",
            sa <= limit if top >= _FULL_SIZE else None,
            detail
            if top >= _FULL_SIZE
            else f"{detail}; checked at {_FULL_SIZE:,} cards only "
            f"(one edited file is {CARDS_PER_FILE / top:.0%} of this course by itself)",
        )
    row = results.get("start_review")
    floor = results.facts.get("startup_floor")
    if row and floor is not None:
        if row.studyapp:
            sa = row.studyapp["median"]
            results.budget(
                "start-up to first card <= bare Qt + data stack + 150 ms",
                sa <= floor + 0.150,
                f"{sa * 1000:.0f} ms vs limit {(floor + 0.150) * 1000:.0f} ms",
            )
        else:
            results.budget(
                "start-up to first card <= bare Qt + data stack + 150 ms", None, row.note
            )
    row = results.get("rss_headless", top)
    if row and row.studyapp and row.anki:
        sa, anki = row.studyapp["median"], row.anki["median"]
        results.budget(
            f"headless peak RSS <= Anki's @ {top}", sa <= anki, f"{sa:.0f} MB vs Anki {anki:.0f} MB"
        )
    gui, bare = results.get("rss_gui"), results.get("rss_bare_qt")
    headless = results.get("rss_headless", top)
    if gui and bare and headless and headless.studyapp and bare.studyapp:
        if gui.studyapp:
            limit = headless.studyapp["median"] + bare.studyapp["median"]
            results.budget(
                "GUI peak RSS <= headless + bare PySide6 window",
                gui.studyapp["median"] <= limit,
                f"{gui.studyapp['median']:.0f} MB vs limit {limit:.0f} MB",
            )
        else:
            results.budget("GUI peak RSS <= headless + bare PySide6 window", None, gui.note)


# -- output --------------------------------------------------------------------------------
def _fmt(value: dict[str, float] | None, unit: str) -> str:
    if not value:
        return "-"
    if unit == "MB":
        return f"{value['median']:.0f} MB"
    scale, suffix = (1000, "ms") if unit == "ms" else (1, "s")
    text = (
        f"{value['median'] * scale:.3g} {suffix}"
        if unit == "s"
        else (
            f"{value['median'] * scale:.2f} {suffix}"
            if value["median"] < 0.01
            else f"{value['median'] * scale:.0f} {suffix}"
        )
    )
    if "p95" in value:
        text += f" (p95 {value['p95'] * scale:.2f})"
    return text


def print_table(results: Results) -> None:
    header = ("measurement", "cards", "StudyApp", "Anki", "ratio", "note")
    lines = []
    for row in results.rows:
        ratio = ""
        if row.studyapp and row.anki:
            key = "p95" if "p95" in row.studyapp else "median"
            ratio = f"{row.studyapp[key] / row.anki[key]:.2f}x" + (" p95" if key == "p95" else "")
        lines.append(
            (
                row.label,
                f"{row.size:,}" if row.size else "",
                _fmt(row.studyapp, row.unit),
                _fmt(row.anki, row.unit),
                ratio,
                row.note,
            )
        )
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
    facts = results.facts
    print()
    if "courses" in facts:
        for notes, c in facts["courses"].items():
            print(
                f"course {notes:,} notes -> {c['cards']:,} cards in {c['files']} files "
                f"({c['kinds']})"
            )
    if facts.get("bytecode"):
        print(f"bytecode: {facts['bytecode']}")
    names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
    for side, by_where in facts.get("pragmas", {}).items():
        kinds: dict[str, list[str]] = {}
        for where, p in by_where.items():
            text = (
                f"journal_mode={p['journal_mode']} synchronous={names.get(p['synchronous'])} "
                f"locking_mode={p['locking_mode']}"
            )
            kinds.setdefault(text, []).append(where)
        for text, wheres in kinds.items():
            print(f"durability {side} (read back in the process): {text}; {', '.join(wheres)}")
    print("  (StudyApp and Anki both commit every answer; the first import is one transaction)")
    if "crash_test" in facts:
        c = facts["crash_test"]
        print(
            f"crash test (answer {c['answered_then_sigkill']}, SIGKILL, reopen): StudyApp kept "
            f"{c['studyapp_reviews_kept']}, Anki kept {c['anki_reviews_kept']}"
        )
    if facts.get("startup_breakdown"):
        print("where StudyApp's start-up goes (median of probe runs):")
        for name, value in facts["startup_breakdown"].items():
            print(f"  {value * 1000:7.1f} ms  {name}")
    if facts.get("startup_imports"):
        print("import time of the real start-up by package (-X importtime self times, one run):")
        print(
            "  " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in facts["startup_imports"].items())
        )
    for notes, gaps in facts.get("display_gaps", {}).items():
        worst = max((g for run in gaps for g in run), default=None, key=lambda g: g[0])
        if worst:
            print(
                f"real display @ {notes:,}: longest gap of all runs {worst[0]:.0f} ms, "
                f"beginning {worst[1]:.0f} ms after the first frame"
            )
    if facts.get("stats_history"):
        print(f"statistics history: {facts['stats_history']}")
    print()
    for budget in results.budgets:
        verdict = {True: "PASS", False: "FAIL", None: "N/A "}[budget["passed"]]
        print(f"{verdict}  {budget['budget']}: {budget['detail']}")
    print()
    print(f"load average before: {facts.get('load_before', '?')}")
    print(f"load average after:  {facts.get('load_after', '?')}")
    print(f"load during the run: {facts.get('load_during', '?')}")
    if _busy(facts):
        print(
            "THE MACHINE WAS BUSY (1-minute load >= 1 before the run, or the figures drifted "
            "with it): these figures do not show whether a budget holds."
        )


def _busy(facts: dict[str, Any]) -> bool:
    """Busy: another core's worth of work was running when the benchmark started."""
    try:
        return float(str(facts.get("load_before", "0")).split()[0]) >= 1.0
    except ValueError:
        return True


def to_json(results: Results, args: argparse.Namespace, seconds: float) -> dict[str, Any]:
    facts = {k: v for k, v in results.facts.items() if not k.startswith("_")}
    return {
        "mode": "quick" if args.quick else "full",
        "large": args.large,
        "load_before": results.facts.get("load_before"),
        "load_after": results.facts.get("load_after"),
        "load_during": results.facts.get("load_during"),
        "runs": args.runs,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "seconds": seconds,
        "rows": [row.__dict__ for row in results.rows],
        "budgets": results.budgets,
        "facts": json.loads(json.dumps(facts, default=str)),
    }


def compiled_bytecode() -> str:
    """Run every child with compiled bytecode, as an installed StudyApp runs.

    ``pip install`` compiles a package's modules, and Anki's (in site-packages) come
    compiled; a checkout run with ``PYTHONDONTWRITEBYTECODE`` set (as this machine's
    sessions are) compiles every StudyApp module from source in every process instead:
    0.4-0.7 s of a start-up here, and CPU time in every import row. So the checkout's
    ``studyapp`` and ``benchmarks`` are compiled here once, before anything is timed, into
    their ``__pycache__`` folders (ignored by git), and the variable is lifted for the
    children. Python checks each module's size and mtime against its bytecode, so an edited
    module is compiled again, never run stale."""
    lifted = os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None
    done = subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "studyapp", "benchmarks"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"compiling the bytecode failed: {done.stdout[-1000:]}")
    return "the checkout compiled once before the run, as pip install does" + (
        " (this environment's PYTHONDONTWRITEBYTECODE lifted for the children)" if lifted else ""
    )


def default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "studyapp-bench"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="sizes 1,000 and 10,000 only")
    parser.add_argument(
        "--large",
        action="store_true",
        help="add 200,000 notes, and the search and statistics budgets at 200,000 cards",
    )
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(v) for v in s.split(",")],
        help="comma-separated course sizes (notes), overriding the mode",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (>= 3)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument(
        "--cache",
        type=Path,
        default=default_cache(),
        help="where the 200,000-card stores of --large are kept between runs "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--no-display", action="store_true", help="skip the rows on a real display (Xvfb)"
    )
    args = parser.parse_args(argv)
    if args.sizes:
        sizes = args.sizes
    elif args.quick:
        sizes = [1000, 10000]
    elif args.large:  # the sizes with budgets (10,000 for the answer cycle): a shorter run
        sizes = [10000, _FULL_SIZE, _LARGE_SIZE]
    else:
        sizes = [1000, 10000, _FULL_SIZE]
    if args.large and _LARGE_SIZE not in sizes:
        sizes = [*sizes, _LARGE_SIZE]
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="studyapp-bench-"))
    (root / "scratch").mkdir()
    results = Results()
    results.facts["load_before"] = loadavg()
    log(f"load average: {results.facts['load_before']}")
    args.cache.mkdir(parents=True, exist_ok=True)
    try:
        results.facts["bytecode"] = compiled_bytecode()
    except BenchError as exc:
        log(f"benchmark error: {exc}")
        return 2
    sampler = LoadSampler()
    display = Display(None, "--no-display") if args.no_display else start_display(root)
    results.facts["display"] = (
        f"Xvfb {display.env['DISPLAY']}, xcb" if display.env else display.why_not
    )
    try:
        for size in sizes:
            measure_size(size, args.runs, root, results, args.cache if args.large else None)
        crash_test(root, min(sizes), results)
        measure_startup(root, max(sizes), args.runs, results)
        for size in sizes:
            measure_overview(root, size, args.runs, results)
        for size in _budget_sizes(sizes):  # (50,000 and 200,000; the largest in --quick)
            if size >= 10_000:
                measure_display(root, size, args.runs, results, display)
                measure_add_folder(root, size, args.runs, results, display)
        if args.large:
            measure_200k_cards(root, args.runs, results, args.cache)
        results.facts["load_after"] = loadavg()
        results.facts["load_during"] = sampler.stop()
        check_budgets(results, sizes)
    except BenchError as exc:
        log(f"benchmark error: {exc}")
        log(f"load average: {loadavg()}")
        if results.rows:  # what was measured before the failure is not thrown away
            print("THE RUN FAILED; the rows measured before the failure:\n")
            print_table(results)
            if args.json:
                data = to_json(results, args, time.perf_counter() - started)
                data["failed"] = str(exc)
                args.json.write_text(json.dumps(data, indent=2) + "\n")
        return 2
    finally:
        if "load_during" not in results.facts:
            sampler.stop()
        display.stop()
        if args.keep:
            log(f"scratch kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    seconds = time.perf_counter() - started
    mode = "quick" if args.quick else "full" + (" --large" if args.large else "")
    print(f"{mode} run, {args.runs} runs each, real display: {results.facts['display']}")
    print(f"load average before: {results.facts['load_before']}\n")
    print_table(results)
    print(f"\n{mode} run, {args.runs} runs each, {seconds:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(to_json(results, args, seconds), indent=2) + "\n")
    return 1 if any(b["passed"] is False for b in results.budgets) else 0


if __name__ == "__main__":
    raise SystemExit(main())
