"""The steering benchmark's verdicts (benchmarks/steering.py), on made-up figures."""

from __future__ import annotations

import pytest

from benchmarks.steering import Row, report


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
