"""``studyapp stats --json`` reads on plain read-only sqlite3 connections, without
SQLAlchemy (DECISIONS 11: 0.12-0.19 s of CPU of the first read after a change): the same
JSON as the library's path, and the same one sentence and exit 2 for a store it cannot read."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from studyapp.cli import main
from studyapp.services import stats
from studyapp.services.library import Library
from studyapp.store.plain import SCHEMA_VERSION
from tests.conftest import Clock
from tests.freshpython import fresh_python
from tests.services.test_safety import answer, damage
from tests.test_cli_safety import one_line_error, run

EXAM = "2031-03-01"

SPY = """
import json, sys
from studyapp.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel'))
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


@pytest.fixture
def studied(tmp_path: Path, clock: Clock) -> Path:
    """The bundled course (modules, critical cards, sources) with answers, a suspended
    card and a deferral: every panel of the statistics has something to count."""
    data = tmp_path / "data"
    with Library(data) as library:
        assert library.sync().ok
        assert answer(library, clock, 20) == 20
        session = library.session(clock=clock)
        try:
            assert session.next_card() is not None
            session.suspend_current()
        finally:
            session.close()
    return data


def library_json(data: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict[str, Any]:
    """``stats --json`` in this process through the library (the engine's connections)."""

    @contextmanager
    def no_plain_read(store: Path) -> Iterator[None]:
        yield None

    with monkeypatch.context() as patched:
        patched.setattr(stats, "plain_statistics", no_plain_read)
        out = _captured(lambda: main(["--data-dir", str(data), "stats", "--json", *args]))
    result: dict[str, Any] = json.loads(out)
    return result


def _captured(call: Any) -> str:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert call() == 0
    return buffer.getvalue()


@pytest.mark.parametrize("scope", [(), ("--family", "mechanisms"), ("--module", "2")])
def test_stats_json_reads_without_sqlalchemy_and_as_the_library_does(
    studied: Path, monkeypatch: pytest.MonkeyPatch, scope: tuple[str, ...]
) -> None:
    args = ["--data-dir", str(studied), "stats", "--json", "--exam-date", EXAM, *scope]
    done = fresh_python("-c", SPY, *args, timeout=120)
    spy = json.loads(done.stderr.strip().splitlines()[-1])
    assert spy == {"code": 0, "heavy": []}, done.stderr
    plain = json.loads(done.stdout)
    assert plain["readiness"] is not None and plain["total_reviews"] == 20
    through_library = library_json(studied, monkeypatch, "--exam-date", EXAM, *scope)
    assert plain.pop("generated_at") <= through_library.pop("generated_at")  # the run's time
    assert plain == through_library


def test_a_store_to_bring_up_to_date_is_left_to_the_library(
    studied: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plain read does not read a store an older StudyApp wrote: the library's open
    says what to do, as before."""
    with sqlite3.connect(studied / "studyapp.sqlite3") as raw:
        raw.execute("DELETE FROM store_meta WHERE key = 'definition'")
    opened: list[bool] = []
    real = Library.open

    def spy(*args: Any, **kwargs: Any) -> Library:
        opened.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(Library, "open", staticmethod(spy))
    assert main(["--data-dir", str(studied), "stats", "--json"]) == 2
    assert opened
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "written by an older StudyApp" in err[0]


def test_a_newer_damaged_or_locked_store_is_one_sentence_and_exit_2(studied: Path) -> None:
    store = studied / "studyapp.sqlite3"
    # Locked: another connection holds the store exclusively (the read waits 5 s first).
    holder = sqlite3.connect(store, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE setting SET value = value")
        line = one_line_error(run("--data-dir", str(studied), "stats", "--json"))
        assert "locked" in line or "in use" in line, line
    finally:
        holder.close()
    with sqlite3.connect(store) as raw:
        raw.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    line = one_line_error(run("--data-dir", str(studied), "stats", "--json"))
    assert "newer StudyApp" in line
    with sqlite3.connect(store) as raw:
        raw.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    damage(store)
    line = one_line_error(run("--data-dir", str(studied), "stats", "--json"))
    assert "is damaged" in line


READINESS_SPY = """
import json, sys
from studyapp.cli import main
code = main(sys.argv[1:])
loaded = 'studyapp.services.readiness' in sys.modules
print(json.dumps({"code": code, "readiness_imported": loaded}), file=sys.stderr)
"""


@pytest.mark.parametrize("exam", [(), ("--exam-date", EXAM)])
def test_the_readiness_forecast_is_imported_only_for_an_exam_date(
    studied: Path, exam: tuple[str, ...]
) -> None:
    """``stats --json`` with no exam date (none in the settings either) shows no readiness
    and does not import its forecast (36 M instructions of the command's imports)."""
    args = ["--data-dir", str(studied), "stats", "--json", *exam]
    done = fresh_python("-c", READINESS_SPY, *args, timeout=120)
    spy = json.loads(done.stderr.strip().splitlines()[-1])
    assert spy == {"code": 0, "readiness_imported": bool(exam)}, done.stderr
    assert (json.loads(done.stdout)["readiness"] is not None) == bool(exam)


@pytest.mark.parametrize("scope", [(), ("--family", "mechanisms"), ("--module", "2")])
def test_each_decks_cards_are_its_active_cards_counted_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scope: tuple[str, ...]
) -> None:
    """The JSON's "cards" of each deck is its active cards (every queue, suspended ones
    too, retired ones not) on a generated store, read from coverage's counts: the overview
    counts them itself only for a course module, whose coverage covers only its cards."""
    from studyapp.store import queries
    from tests.services.test_stats import draw_card_states

    data = tmp_path / "data"
    with Library(data) as library:
        assert library.sync().ok
    draw_card_states(data / "studyapp.sqlite3", 5)
    with sqlite3.connect(data / "studyapp.sqlite3") as raw:
        active = dict(
            raw.execute("SELECT deck_id, count(*) FROM card WHERE retired = 0 GROUP BY 1")
        )
    counted: list[bool] = []
    real = queries.total_cards

    def spy(*args: Any) -> dict[str, int]:
        counted.append(True)
        return real(*args)

    monkeypatch.setattr(queries, "total_cards", spy)
    out = _captured(lambda: main(["--data-dir", str(data), "stats", "--json", *scope]))
    decks = json.loads(out)["decks"]
    assert decks and {d["id"]: d["cards"] for d in decks} == {
        d["id"]: active.get(d["id"], 0) for d in decks
    }
    assert bool(counted) == ("--module" in scope)


def test_the_statistics_plain_connections_keep_their_sorts_in_memory(studied: Path) -> None:
    """Each plain connection the statistics read on has the page cache their GROUP BY
    sorts fit in (SQLite's default 2 MB spilled the answers' sort at a million answers to
    temporary files: 7.7 MB written per stats --json)."""
    from studyapp.store.stats import SORT_CACHE_KIB

    with stats.plain_statistics(studied / "studyapp.sqlite3") as plain:
        assert plain is not None
        statistics, _overview = plain
        with statistics.connect() as db:
            assert db.execute("PRAGMA cache_size").fetchone()[0] == -SORT_CACHE_KIB
