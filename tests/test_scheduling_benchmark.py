"""The FSRS benchmark's verdicts (benchmarks/scheduling.py), on made-up figures."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.scheduling import _same_work, budgets, print_table


def rows(*, optimize: float, recompute: float, answer_us: float) -> dict[str, Any]:
    def row(ours_cpu: float, anki_cpu: float) -> dict[str, Any]:
        return {
            "studyapp_s": ours_cpu * 1.2,
            "studyapp_cpu": ours_cpu,
            "anki_s": anki_cpu * 1.2,
            "anki_cpu": anki_cpu,
        }

    return {
        "optimize": {
            **row(optimize, 10.0),
            "reviews": 100_000,
            "items": 80_000,
            "anki_items": 80_000,
        },
        "recompute": {
            **row(recompute, 2.0),
            "cards": 62_570,
            "reviews": 300_000,
            "replayed": 22_000,
            "anki_cards_with_memory": 22_000,
        },
        "answer": {**row(answer_us / 1e6, 30e-6), "answers": 5000},
    }


def test_every_row_within_its_budget_passes(capsys: pytest.CaptureFixture[str]) -> None:
    verdicts = budgets(rows(optimize=8.0, recompute=1.0, answer_us=25.0))
    assert [passed for _, passed, _ in verdicts] == [True, True, True]
    print_table(rows(optimize=8.0, recompute=1.0, answer_us=25.0), (0.5, 0.5, 0.5), 3)
    out = capsys.readouterr().out
    assert "Memory recompute, 62,570 cards from 300,000 reviews" in out and "FAIL" not in out


@pytest.mark.parametrize(
    ("figures", "missed"),
    [
        ({"optimize": 11.0, "recompute": 1.0, "answer_us": 25.0}, "Optimizer <= Anki's"),
        ({"optimize": 8.0, "recompute": 2.5, "answer_us": 25.0}, "Memory recompute <= Anki's"),
        ({"optimize": 8.0, "recompute": 1.0, "answer_us": 600.0}, "Per-answer scheduling <= 0.5"),
    ],
)
def test_a_slower_row_is_a_miss(figures: dict[str, float], missed: str) -> None:
    failed = [name for name, passed, _ in budgets(rows(**figures)) if not passed]
    assert failed and all(name.startswith(missed) for name in failed[:1]), failed


@pytest.mark.parametrize(
    "change",
    [
        {"anki_items": 79_000},  # Anki built fewer items: not the same work
        {"same_work": False},  # a run built other items or reached another result
    ],
)
def test_unequal_work_fails_the_optimizer_row(
    change: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    figures = rows(optimize=8.0, recompute=1.0, answer_us=25.0)
    figures["optimize"].update(change)
    if "anki_items" in change:
        figures["optimize"]["same_work"] = _same_work(
            [{"items": 80_000, "params": []}], [{"items": 79_000, "params": []}]
        )
    verdicts = budgets(figures)
    assert [passed for _, passed, _ in verdicts] == [False, True, True]
    assert "UNEQUAL WORK" in verdicts[0][2]
    print_table(figures, (0.5, 0.5, 0.5), 3)
    assert "same items and result in every run: NO" in capsys.readouterr().out


def test_same_work_means_same_items_and_same_result_in_every_run() -> None:
    kept = {"items": 80_000, "params": []}
    fitted = {"items": 80_000, "params": [0.2, 1.3]}
    assert _same_work([kept, kept], [kept, kept])
    assert _same_work([fitted], [fitted])
    assert not _same_work([kept], [fitted])  # one side kept the parameters, the other not
    assert not _same_work([fitted], [{"items": 80_000, "params": [0.2, 1.4]}])
    assert not _same_work([kept, {"items": 79_999, "params": []}], [kept, kept])


def test_a_busy_machine_is_said(capsys: pytest.CaptureFixture[str]) -> None:
    print_table(rows(optimize=8.0, recompute=1.0, answer_us=25.0), (3.5, 3.0, 2.0), 3)
    assert "BUSY: wall times are noise" in capsys.readouterr().out
