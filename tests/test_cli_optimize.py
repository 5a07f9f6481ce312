"""``studyapp optimize``: fits FSRS to a real history, refuses on a new store, checks input."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from benchmarks.history import bundled_history
from studyapp.cli import main
from studyapp.core.scheduling import DEFAULT_PARAMETERS
from studyapp.services.library import Library
from studyapp.store.database import DB_FILENAME


@pytest.fixture(scope="module")
def studied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled decks and 200 days of a trainee's answers (made by FSRS)."""
    folder = tmp_path_factory.mktemp("history") / "data"
    answers, _started, _cards, _now = bundled_history(folder, days=200)
    assert answers > 1000
    return folder


def steeper(data: Path) -> None:
    """Parameters the history does not follow (a steeper forgetting curve than the
    defaults that made it): fitting to the history must then do better."""
    chosen = list(DEFAULT_PARAMETERS)
    chosen[20] = 0.5
    with Library(data) as library:
        library.set_parameters(chosen)


def copy_of(studied: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    target.mkdir()
    with sqlite3.connect(studied / DB_FILENAME) as source:
        source.execute("VACUUM INTO ?", (str(target / DB_FILENAME),))
    source.close()
    return target


def dump(data: Path) -> list[str]:
    with sqlite3.connect(data / DB_FILENAME) as db:
        return list(db.iterdump())


def test_optimize_fits_a_real_history_and_reports_the_fit(
    studied: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy_of(studied, tmp_path)
    with sqlite3.connect(data / DB_FILENAME) as db:
        log = db.execute("SELECT * FROM review ORDER BY id").fetchall()
    assert main(["--data-dir", str(data), "optimize", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reviews"] > 1000 and out["items"] >= 64 and out["needed"] == 0
    before, after = out["log_loss"]
    assert 0 < after and 0 < before
    assert out["saved"] == (after < before)
    with Library(data) as library:
        in_use = library.settings.parameters
        assert len(in_use) == 21
        assert (in_use != DEFAULT_PARAMETERS) == out["saved"]
        assert list(in_use) == pytest.approx(out["parameters"])
    with sqlite3.connect(data / DB_FILENAME) as db:
        assert db.execute("SELECT * FROM review ORDER BY id").fetchall() == log  # no reschedule
    # Run again: the fitted parameters fit at least as well as a new fit, so they are kept.
    assert main(["--data-dir", str(data), "optimize"]) == 0
    text = capsys.readouterr().out
    assert "Log loss:" in text and "RMSE (bins):" in text
    assert "Your parameters are unchanged" in text


def test_optimize_says_the_due_dates_wait_for_reschedule(
    studied: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy_of(studied, tmp_path)
    steeper(data)
    assert main(["--data-dir", str(data), "optimize"]) == 0
    text = capsys.readouterr().out
    assert "now in use" in text
    assert "review cards keep their due dates; run with --reschedule" in text


def test_optimize_reschedules_only_when_asked(
    studied: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy_of(studied, tmp_path)
    steeper(data)
    assert main(["--data-dir", str(data), "optimize", "--reschedule", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["saved"] and out["rescheduled"] > 0
    with sqlite3.connect(data / DB_FILENAME) as db:
        manual = db.execute("SELECT COUNT(*), MIN(rating) FROM review WHERE kind = 2").fetchone()
    assert manual == (out["rescheduled"], 0)  # one manual-change row per moved card


def test_optimize_refuses_a_new_store_and_changes_nothing(
    tmp_path: Path, deck_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    with Library(data) as library:
        assert library.sync([deck_dir]).ok
    before = dump(data)
    assert main(["--data-dir", str(data), "optimize"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "needs 64 answers" in err[0] and "64 more are needed" in err[0]
    assert dump(data) == before


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("0.2, 1.2, x", "'x' is not a number"),
        ("0.2, 1.2, 3", "must be 21 numbers"),
        ("nan " * 21, "finite numbers"),
    ],
)
def test_unusable_parameters_are_one_line_and_change_nothing(
    studied: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str, message: str
) -> None:
    data = copy_of(studied, tmp_path)
    before = dump(data)
    assert main(["--data-dir", str(data), "optimize", "--parameters", given]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "nothing was changed" in err[0]
    assert dump(data) == before


def test_parameters_can_be_set_and_reset(
    studied: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = copy_of(studied, tmp_path)
    chosen = list(DEFAULT_PARAMETERS)
    chosen[20] = 0.3  # a steeper forgetting curve
    given = ", ".join(f"{v:.4f}" for v in chosen)
    assert main(["--data-dir", str(data), "optimize", "--parameters", given]) == 0
    assert "Memory states recomputed" in capsys.readouterr().out
    with Library(data) as library:
        assert library.settings.parameters[20] == pytest.approx(0.3)
    assert main(["--data-dir", str(data), "optimize", "--reset"]) == 0
    with Library(data) as library:
        assert library.settings.parameters == DEFAULT_PARAMETERS
        assert library.settings.fsrs_parameters == ()
