"""benchmarks/combine.py: several full runs of the benchmark side by side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.combine import main


def run(answer_ms: float, anki_ms: float, passed: bool, load: str) -> dict[str, object]:
    return {
        "mode": "full",
        "large": True,
        "runs": 3,
        "seconds": 600.0,
        "load_before": load,
        "load_after": load,
        "load_during": "1-minute load 1.00-1.20",
        "rows": [
            {
                "key": "answer",
                "label": "Answer cycle",
                "size": 10_000,
                "unit": "ms",
                "studyapp": {"median": answer_ms / 1000, "p95": 2 * answer_ms / 1000},
                "anki": {"median": anki_ms / 1000, "p95": 2 * anki_ms / 1000},
            },
            {
                "key": "import_rss",
                "label": "  peak RSS",
                "size": 50_000,
                "unit": "MB",
                "studyapp": {"median": 250.0},
                "anki": {"median": 259.0},
            },
            {"key": "x", "label": "not measured", "size": None, "unit": "ms", "studyapp": None},
        ],
        "budgets": [
            {"budget": "answer <= Anki's", "passed": passed, "detail": f"{answer_ms} ms"},
            {"budget": "rss <= Anki's", "passed": True, "detail": "250 MB"},
        ],
    }


def test_three_runs_side_by_side(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = []
    for i, figures in enumerate([(0.30, 0.25, False, "0.10"), (0.20, 0.25, True, "0.20")]):
        path = tmp_path / f"run{i}.json"
        path.write_text(json.dumps(run(*figures)))
        paths.append(str(path))
    assert main(paths) == 0
    out = capsys.readouterr().out
    assert (
        "| Answer cycle | 10,000 | ms | 0.30 | 0.20 | 0.20-0.30 | 0.25 | 0.25 | 1.20x / 0.80x |"
        in out
    )
    assert "| Answer cycle, p95 | 10,000 | ms | 0.60 | 0.40 | 0.40-0.60 | 0.50 | 0.50 |" in out
    assert "| peak RSS | 50,000 | MB | 250 | 250 | 250-250 | 259 | 259 | 0.97x / 0.97x |" in out
    assert "not measured" not in out
    assert "| answer <= Anki's | MISS: 0.3 ms | pass: 0.2 ms | no |" in out
    assert "| rss <= Anki's | pass: 250 MB | pass: 250 MB | **yes** |" in out
    assert "1 budget(s) missed in at least one run." in out
    assert "| #1 | full --large, 3 runs each | 600 | 0.10 | 0.10 |" in out


def test_a_pipe_in_a_label_does_not_break_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = run(0.3, 0.25, True, "0.1")
    data["rows"] = [
        {
            "key": "import",
            "label": "First import (YAML -> SQLite | Anki CSV import)",
            "size": 1000,
            "unit": "s",
            "studyapp": {"median": 0.2},
            "anki": None,
        }
    ]
    path = tmp_path / "run.json"
    path.write_text(json.dumps(data))
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "| First import (YAML -> SQLite \\| Anki CSV import) | 1,000 | s | 0.2 | 0.2-0.2 | - |  |"
        in out
    )
