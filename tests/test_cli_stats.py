"""``studyapp stats``: today's fields kept, the statistics added, bad input refused."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from studyapp.cli import main
from studyapp.services.library import Library


@pytest.fixture
def data(tmp_path: Path, deck_dir: Path) -> Path:
    folder = tmp_path / "data"
    with Library(folder) as library:
        assert library.sync([deck_dir]).ok
    return folder


def stats_json(data: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["--data-dir", str(data), "stats", "--json", *args]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_json_keeps_todays_fields_and_adds_the_statistics(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = stats_json(data, capsys)
    for key in ("decks", "due_today", "total_reviews", "next_due"):
        assert key in out
    assert {d["id"] for d in out["decks"]} == {"sample-mechanisms", "sample-terms"}
    for key in (
        "today",
        "streak",
        "calendar",
        "forecast",
        "true_retention",
        "memory",
        "hours",
        "coverage",
        "readiness",
    ):
        assert key in out
    assert out["readiness"] is None  # no exam date set
    assert len(out["calendar"]["answers"]) == 365
    assert set(out["true_retention"]) == {
        "today",
        "yesterday",
        "week",
        "month",
        "year",
        "all_time",
    }
    assert out["forecast"]["next_30_days"] == 0
    assert out["memory"]["cards"] == 0


def test_json_with_an_exam_date_and_a_family(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exam = (date.today() + timedelta(days=60)).isoformat()
    out = stats_json(data, capsys, "--exam-date", exam, "--family", "terms")
    assert out["scope"] == "Terms"
    assert [d["id"] for d in out["decks"]] == ["sample-terms"]
    ready = out["readiness"]
    assert ready["status"] == "ok" and ready["exam_date"] == exam
    assert [g["title"] for g in ready["groups"]] == ["Terms", "Terms", "Sample terms"]
    assert ready["groups"][0]["recall_on_date"] > 0.8
    # The daily limit (20) already introduces all 8 new cards on the first day.
    finish = ready["to_finish"]
    assert finish == ready["at_current_limit"]
    assert finish["new_per_day"] == 20 and finish["new_introduced"] == 8
    assert finish["finishes_on"] is not None


def test_the_exam_date_setting_is_used_when_none_is_given(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Library(data) as library:
        library.update_settings(library.settings.with_changes(exam_date="2020-01-01"))
    out = stats_json(data, capsys)
    assert out["readiness"]["status"] == "past"


def test_text_output_has_the_old_table_and_the_new_sections(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(data), "stats", "--exam-date", "2020-01-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("deck")
    assert "total reviews: 0" in out
    for line in ("Statistics: All decks", "Streak:", "Forecast:", "True retention", "Readiness"):
        assert line in out
    assert "has passed" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--exam-date", "31/12/2026"], "the exam date must look like 2026-06-30"),
        (["--exam-date", "9999-12-31"], "the exam date must be within 100 years from today"),
        (["--family", "nope"], "no family 'nope'; families: mechanisms, terms"),
        (["--deck", "nope"], "no deck 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_exit_two(
    data: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["--data-dir", str(data), "stats", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and message in captured.err


def test_family_and_deck_together_are_a_usage_error(data: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--data-dir", str(data), "stats", "--family", "terms", "--deck", "sample-terms"])
    assert exc.value.code == 2


def test_a_median_stability_under_a_day_is_in_hours(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After a first session of Again answers the line said 'median stability 0 days'."""
    from studyapp.core.model import Rating

    with Library(data) as library:
        session = library.session()
        for _ in range(2):
            assert session.next_card() is not None
            session.answer(Rating.AGAIN)
        session.close()
    assert main(["--data-dir", str(data), "stats"]) == 0
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("Memory:")]
    assert line.startswith("Memory: 2 cards; median stability 5 hours, "), line
