"""The steering benchmark's verdicts (benchmarks/steering.py), on made-up figures."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.steering import Row, place_states, report, spread_states


def test_a_row_passes_on_its_median_and_a_miss_fails_the_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fast = Row("search: is:due", [0.030, 0.031, 0.090], budget=0.050)
    slow = Row("search: free text", [0.060, 0.070, 0.065], budget=0.050)
    info = Row("search index build (once)", [3.0])
    assert fast.passed is True and slow.passed is False and info.passed is None
    assert report([fast, info], 200_000) == 0
    assert report([fast, slow], 200_000) == 1
    out = capsys.readouterr().out
    assert "MISSED" in out and "load average" in out


def test_states_are_placed_at_the_rollover_before_the_runs_study_day(tmp_path: Path) -> None:
    """A run measures the same searches whatever the hour: the spread states are moved so
    their moment is yesterday's rollover, buried cards stay buried until the end of today,
    and placing again (later the same study day) changes nothing."""
    from benchmarks.course import generate
    from studyapp.core.studyday import study_day, study_day_start
    from studyapp.services.library import Library
    from studyapp.store.database import DB_FILENAME

    data = tmp_path / "store"
    course = generate(200, tmp_path / "course")
    with Library(data) as library:
        assert library.sync([course.folder]).ok
    built = int(datetime(2026, 11, 29, 10, 24, tzinfo=UTC).timestamp())
    spread_states(data / DB_FILENAME, now=built)

    def table() -> list[tuple[int, int, int, int | None, int]]:
        with sqlite3.connect(data / DB_FILENAME) as db:
            return db.execute(
                "SELECT id, queue, due, last_review, buried_until FROM card ORDER BY id"
            ).fetchall()

    before = table()
    first = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    early = place_states(data, first)
    placed = table()
    today = study_day(first)  # the store's rollover hour is the default
    rollover = int(study_day_start(first, -1).timestamp())  # the day before's
    end_of_today = int(today.end.timestamp())
    assert int(today.start.timestamp()) - rollover in (82800, 86400, 90000)
    assert max(int(r[3]) for r in placed if r[3] is not None) == rollover
    shift = early["shift"]
    for old, new in zip(before, placed, strict=True):
        assert new[1] == old[1]
        assert new[2] == (old[2] + shift if old[2] else 0)
        assert new[3] == (None if old[3] is None else old[3] + shift)
        assert new[4] == (end_of_today if old[4] else 0)
    assert 0 < early["due_before_end_of_today"] < len(placed)
    late = place_states(data, today.end - timedelta(minutes=1))
    assert late == {"shift": 0, "due_before_end_of_today": early["due_before_end_of_today"]}
    assert table() == placed
