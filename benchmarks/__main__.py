"""``python -m benchmarks [--quick] [--json FILE]``: StudyApp against the Anki engine.

See benchmarks/README.md for what each row means. Exit status: 0 when every budget that could
be checked passed, 1 when one was missed, 2 when the benchmark itself could not run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
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


class BenchError(RuntimeError):
    pass


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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


def run_proc(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 900) -> Proc:
    """Run ``cmd`` from the repo root; wall time from spawn to exit and the child's peak RSS
    (``wait4``'s ``ru_maxrss``, this child only)."""
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
        )


def worker(task: str, scratch: Path, *, expect_kill: bool = False, **args: Any) -> dict[str, Any]:
    """Run one task of benchmarks.workers in a fresh interpreter; its JSON plus peak RSS."""
    out = Path(tempfile.mktemp(suffix=".json", dir=scratch))
    proc = run_proc([sys.executable, "-m", "benchmarks.workers", task, json.dumps(args), str(out)])
    if expect_kill:
        return {"code": proc.code}
    if proc.code != 0 or not out.exists():
        raise BenchError(f"{task} failed (exit {proc.code}):\n{proc.stderr[-3000:]}")
    result = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    result["rss_mb"] = proc.rss_mb
    result["wall"] = proc.seconds
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
def measure_size(notes: int, runs: int, root: Path, results: Results) -> Course:
    base = root / f"n{notes}"
    scratch = root / "scratch"
    log(f"[{notes}] generating the course")
    course = generate(notes, base)
    results.facts.setdefault("courses", {})[notes] = {
        "notes": course.notes,
        "cards": course.cards,
        "files": course.files,
        "kinds": course.kinds,
    }

    # 1. first import
    log(f"[{notes}] first import x{runs}")
    sa, anki = [], []
    for run in range(runs):
        r = worker("sa_import", scratch, folder=str(course.folder), data_dir=str(base / f"sa{run}"))
        sa.append(r["seconds"])
        a = worker(
            "anki_import",
            scratch,
            csv_path=str(course.csv_path),
            col_path=str(base / f"anki{run}.anki2"),
        )
        anki.append(a["seconds"])
        if a["new"] != notes or r["new"] != notes:
            raise BenchError(f"import made {r['new']} / {a['new']} notes, expected {notes}")
    for run in range(1, runs):
        shutil.rmtree(base / f"sa{run}")
        for path in base.glob(f"anki{run}.*"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    results.add(
        Row(
            "import",
            "First import (YAML -> SQLite | Anki CSV import)",
            notes,
            "s",
            {"median": median(sa)},
            {"median": median(anki)},
            runs=runs,
        )
    )
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
    )
    results.facts.setdefault("due_cards", {})[notes] = {
        "studyapp": prepared["answered"],
        "anki": anki_prepared["answered"],
    }
    log(f"[{notes}] answer cycle x{runs}")
    samples: dict[str, list[float]] = {"sa": [], "anki": [], "anki_render": []}
    rss: dict[str, list[float]] = {"sa": [], "anki": []}
    for run in range(runs):
        copy = base / f"sa-answer{run}"
        shutil.copytree(sa_ready, copy)
        r = worker("sa_answer", scratch, data_dir=str(copy), answers=500)
        samples["sa"] += r["samples"]
        rss["sa"].append(r["rss_mb"])
        results.facts["studyapp_pragmas"] = r["pragmas"]
        shutil.rmtree(copy)
        for render in (False, True):
            copy_file = base / f"anki-answer{run}.anki2"
            shutil.copyfile(anki_ready, copy_file)
            a = worker("anki_answer", scratch, col_path=str(copy_file), answers=500, render=render)
            samples["anki_render" if render else "anki"] += a["samples"]
            if not render:
                rss["anki"].append(a["rss_mb"])
            results.facts["anki_pragmas"] = a["pragmas"]
            copy_file.unlink()
            for extra in base.glob(f"anki-answer{run}.*"):
                shutil.rmtree(extra) if extra.is_dir() else extra.unlink()
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
            {"median": median(rss["sa"])},
            {"median": median(rss["anki"])},
            runs=runs,
        )
    )
    course_info = {"course": course, "sa_ready": sa_ready, "anki_ready": anki_ready}
    results.facts.setdefault("_paths", {})[notes] = course_info
    return course


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
def check_budgets(results: Results, sizes: list[int]) -> None:
    top = max(sizes)
    for size in sizes:
        row = results.get("answer", size)
        if row and row.studyapp and row.anki:
            sa, anki = row.studyapp["p95"], row.anki["p95"]
            results.budget(
                f"answer p95 <= Anki p95 and <= 5 ms @ {size}",
                sa <= anki and sa <= 0.005,
                f"{sa * 1000:.2f} ms vs Anki {anki * 1000:.2f} ms",
            )
    row = results.get("import", top)
    if row and row.studyapp and row.anki:
        sa, anki = row.studyapp["median"], row.anki["median"]
        results.budget(
            f"first import <= Anki CSV import @ {top}",
            sa <= anki,
            f"{sa:.2f} s vs Anki {anki:.2f} s",
        )
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
    for side in ("studyapp", "anki"):
        if f"{side}_pragmas" in facts:
            p = facts[f"{side}_pragmas"]
            sync_name = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(p["synchronous"])
            print(
                f"durability {side}: journal_mode={p['journal_mode']} "
                f"synchronous={sync_name} locking_mode={p['locking_mode']}; one commit per answer"
            )
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
    print()
    for budget in results.budgets:
        verdict = {True: "PASS", False: "FAIL", None: "N/A "}[budget["passed"]]
        print(f"{verdict}  {budget['budget']}: {budget['detail']}")


def to_json(results: Results, args: argparse.Namespace, seconds: float) -> dict[str, Any]:
    facts = {k: v for k, v in results.facts.items() if not k.startswith("_")}
    return {
        "mode": "quick" if args.quick else "full",
        "runs": args.runs,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "seconds": seconds,
        "rows": [row.__dict__ for row in results.rows],
        "budgets": results.budgets,
        "facts": json.loads(json.dumps(facts, default=str)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="sizes 1,000 and 10,000 only")
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(v) for v in s.split(",")],
        help="comma-separated course sizes (notes), overriding the mode",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (>= 3)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    sizes = args.sizes or ([1000, 10000] if args.quick else [1000, 10000, _FULL_SIZE])
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="studyapp-bench-"))
    (root / "scratch").mkdir()
    results = Results()
    try:
        for size in sizes:
            measure_size(size, args.runs, root, results)
        crash_test(root, min(sizes), results)
        measure_startup(root, max(sizes), args.runs, results)
        check_budgets(results, sizes)
    except BenchError as exc:
        log(f"benchmark error: {exc}")
        return 2
    finally:
        if args.keep:
            log(f"scratch kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    seconds = time.perf_counter() - started
    print_table(results)
    print(f"\n{'quick' if args.quick else 'full'} run, {args.runs} runs each, {seconds:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(to_json(results, args, seconds), indent=2) + "\n")
    return 1 if any(b["passed"] is False for b in results.budgets) else 0


if __name__ == "__main__":
    raise SystemExit(main())
