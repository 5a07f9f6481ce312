"""The benchmark's budget checks (benchmarks/__main__.py), on made-up figures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.__main__ import Results, Row, check_budgets


def verdicts(size: int, *, cpu: float, anki_cpu: float, edit_s: float) -> dict[str, object]:
    results = Results()
    results.add(Row("import", "first import", size, "s", {"median": 1.0}, {"median": 1.0}))
    results.add(Row("import_cpu", "cpu", size, "s", {"median": cpu}, {"median": anki_cpu}))
    results.add(Row("resync_edit", "one edit", size, "s", {"median": edit_s}))
    check_budgets(results, [1000, size])
    return {b["budget"].split(" @")[0]: b["passed"] for b in results.budgets}


def test_the_full_size_checks_the_import_and_the_one_edit_resync() -> None:
    assert verdicts(50_000, cpu=1.2, anki_cpu=1.3, edit_s=0.08) == {
        "first import CPU time (whole process) <= Anki's": True,
        "re-sync after one edit <= 10% of first import": True,
    }
    assert verdicts(50_000, cpu=1.4, anki_cpu=1.3, edit_s=0.15) == {
        "first import CPU time (whole process) <= Anki's": False,
        "re-sync after one edit <= 10% of first import": False,
    }


def test_below_50000_cards_the_one_edit_budget_is_reported_not_checked() -> None:
    # --quick: one edited file of 1,000 cards is itself a tenth of a 10,000-card course.
    assert verdicts(10_000, cpu=0.27, anki_cpu=0.29, edit_s=0.15) == {
        "first import CPU time (whole process) <= Anki's": True,
        "re-sync after one edit <= 10% of first import": None,
    }


def test_import_budgets_are_checked_at_50000_and_200000_not_below() -> None:
    results = Results()
    for size, cpu in ((10_000, 9.0), (50_000, 1.0), (200_000, 5.0)):
        results.add(Row("import_cpu", "cpu", size, "s", {"median": cpu}, {"median": 4.0}))
    check_budgets(results, [10_000, 50_000, 200_000])
    checked = {b["budget"]: b["passed"] for b in results.budgets}
    assert checked == {
        "first import CPU time (whole process) <= Anki's @ 50000": True,
        "first import CPU time (whole process) <= Anki's @ 200000": False,
    }


def test_a_process_not_at_full_durability_fails_the_run() -> None:
    results = Results()
    full = {"journal_mode": "wal", "synchronous": 2, "locking_mode": "normal"}
    results.facts["pragmas"] = {
        "studyapp": {"answer cycle @ 10000": full},
        "anki": {"answer cycle @ 10000": {**full, "synchronous": 1}},
    }
    check_budgets(results, [10_000])
    assert results.budgets[0]["passed"] is False
    assert "anki answer cycle @ 10000" in results.budgets[0]["detail"]


def test_overview_budget_scales_with_size_and_growth_must_be_linear() -> None:
    results = Results()
    results.facts["overview_decks"] = {50_000: 50, 200_000: 200}
    results.add(Row("overview_build", "b", 50_000, "ms", {"median": 0.010}, note="50 decks"))
    results.add(Row("overview_build", "b", 200_000, "ms", {"median": 0.060}, note="200 decks"))
    check_budgets(results, [50_000, 200_000])
    checked = {b["budget"].split(" (")[0]: b["passed"] for b in results.budgets}
    assert checked == {
        "overview built in <= 16 ms @ 50000": True,
        "overview built in <= 50 ms @ 200000": False,
        "overview grows linearly": False,  # 4x decks, 6x time: exponent 1.29
    }


def test_the_statistics_screen_and_browser_budgets_at_200000_cards() -> None:
    results = Results()
    results.facts["gui_200k_budgets"] = [
        ("statistics screen: first charts", 0.148, 0.150, "ms"),
        ("statistics screen: peak RSS above the window's", 61.0, 60.0, "MB"),
        ("browser: open the browser", 0.164, 0.150, "ms"),
    ]
    check_budgets(results, [200_000])
    checked = {b["budget"]: (b["passed"], b["detail"]) for b in results.budgets}
    assert checked == {
        "statistics screen: first charts <= 150 ms @ 200000 cards": (True, "148.0 ms"),
        "statistics screen: peak RSS above the window's <= 60 MB @ 200000 cards": (
            False,
            "61 MB",
        ),
        "browser: open the browser <= 150 ms @ 200000 cards": (False, "164.0 ms"),
    }


def test_children_run_with_compiled_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import benchmarks.__main__ as bench

    for package in ("studyapp", "benchmarks"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("VALUE = 1\n")
    monkeypatch.setattr(bench, "REPO", tmp_path)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    said = bench.compiled_bytecode()
    assert "PYTHONDONTWRITEBYTECODE lifted" in said
    assert "PYTHONDONTWRITEBYTECODE" not in os.environ
    compiled = {path.parent.parent.name for path in tmp_path.rglob("__pycache__/*.pyc")}
    assert compiled == {"studyapp", "benchmarks"}


def test_a_kept_course_is_copied_as_if_just_written(tmp_path: Path) -> None:
    import time

    from benchmarks.__main__ import course_of

    first = course_of(1000, tmp_path / "run1", tmp_path / "cache")
    kept = next((tmp_path / "cache" / "courses").iterdir())
    old = time.time() - 3600
    for path in kept.rglob("*.yaml"):
        os.utime(path, (old, old))
    second = course_of(1000, tmp_path / "run2", tmp_path / "cache")
    assert (second.notes, second.cards, second.files, second.kinds) == (
        first.notes,
        first.cards,
        first.files,
        first.kinds,
    )
    files = sorted(second.folder.glob("*.yaml"))
    assert [p.read_bytes() for p in files] == [
        p.read_bytes() for p in sorted(first.folder.glob("*.yaml"))
    ]
    assert all(p.stat().st_mtime > time.time() - 60 for p in files)  # fresh, not the kept ones
    assert second.csv_path.read_bytes() == first.csv_path.read_bytes()


def test_a_failed_run_still_prints_and_saves_what_it_measured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    import benchmarks.__main__ as bench

    def measure(notes: int, runs: int, root: Path, results: Results, *rest: object) -> None:
        results.add(Row("import", "First import", notes, "s", {"median": 1.5}, {"median": 1.0}))
        raise bench.BenchError("the second step broke")

    monkeypatch.setattr(bench, "compiled_bytecode", lambda: "compiled")
    monkeypatch.setattr(bench, "measure_size", measure)
    out = tmp_path / "run.json"
    assert bench.main(["--quick", "--no-display", "--json", str(out)]) == 2
    assert "THE RUN FAILED" in capsys.readouterr().out
    saved = json.loads(out.read_text())
    assert saved["failed"] == "the second step broke"
    assert [row["key"] for row in saved["rows"]] == ["import"]


def test_the_answer_cycle_is_judged_against_anki_rendering_its_cards() -> None:
    # Like for like: our next_card renders the card, so Anki's rendering cycle is the bar;
    # its cycle without rendering is quoted beside it, not judged.
    results = Results()
    ours = {"median": 0.00040, "p95": 0.00060}
    results.add(Row("answer", "a", 10_000, "ms", ours, {"median": 0.00030, "p95": 0.00050}))
    render = {"median": 0.00045, "p95": 0.00065}
    results.add(Row("answer_render", "r", 10_000, "ms", None, render))
    check_budgets(results, [10_000])
    (verdict,) = results.budgets
    assert verdict["budget"] == "answer median and p95 <= Anki's rendering its cards @ 10000"
    assert verdict["passed"] is True
    assert "Anki not rendering 0.30 / 0.50 ms" in verdict["detail"]
    results = Results()
    results.add(Row("answer", "a", 10_000, "ms", ours, None))
    results.add(Row("answer_render", "r", 10_000, "ms", None, {"median": 0.00035, "p95": 0.001}))
    check_budgets(results, [10_000])
    assert results.budgets[0]["passed"] is False  # a slower median misses, p95 aside
