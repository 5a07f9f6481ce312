"""The benchmark's budget checks (benchmarks/__main__.py), on made-up figures."""

from __future__ import annotations

from benchmarks.__main__ import Results, Row, check_budgets


def verdicts(size: int, *, import_s: float, anki_s: float, edit_s: float) -> dict[str, object]:
    results = Results()
    results.add(Row("import", "first import", size, "s", {"median": import_s}, {"median": anki_s}))
    results.add(Row("resync_edit", "one edit", size, "s", {"median": edit_s}))
    check_budgets(results, [1000, size])
    return {b["budget"].split(" @")[0]: b["passed"] for b in results.budgets}


def test_the_full_size_checks_the_import_and_the_one_edit_resync() -> None:
    assert verdicts(50_000, import_s=1.2, anki_s=1.3, edit_s=0.08) == {
        "first import <= Anki CSV import": True,
        "re-sync after one edit <= 10% of first import": True,
    }
    assert verdicts(50_000, import_s=1.4, anki_s=1.3, edit_s=0.15) == {
        "first import <= Anki CSV import": False,
        "re-sync after one edit <= 10% of first import": False,
    }


def test_below_50000_cards_the_one_edit_budget_is_reported_not_checked() -> None:
    # --quick: one edited file of 1,000 cards is itself a tenth of a 10,000-card course.
    assert verdicts(10_000, import_s=0.27, anki_s=0.29, edit_s=0.057) == {
        "first import <= Anki CSV import": True,
        "re-sync after one edit <= 10% of first import": None,
    }
