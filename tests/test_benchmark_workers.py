"""benchmarks/workers.py: the processes that stand for ``studyapp sync`` live as it does."""

from __future__ import annotations

import gc
import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

import benchmarks.workers as workers


def test_the_import_task_runs_as_the_sync_command_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, bool] = {}

    def task() -> dict[str, bool]:
        seen["collector on"] = gc.isenabled()
        return {"ok": True}

    monkeypatch.setitem(workers.TASKS, "sa_import", task)
    monkeypatch.setitem(workers.TASKS, "anki_import", task)
    out = tmp_path / "out.json"
    try:
        assert workers.main(["sa_import", "{}", str(out)]) == 0
        assert seen == {"collector on": False}  # off, as studyapp.cli.run starts
        assert gc.get_freeze_count() > 0  # everything frozen at the end, as the command ends
        assert json.loads(out.read_text()) == {"ok": True}
    finally:
        gc.unfreeze()
        gc.enable()
    assert workers.main(["anki_import", "{}", str(out)]) == 0
    assert seen == {"collector on": True}  # Anki's process is left as it is


def test_the_equal_work_reference_adds_the_folder_as_the_gui_does(tmp_path: Path) -> None:
    """sa_sync_folder (the add-folder row's headless reference) starts from the store the
    GUI starts from (bundled decks, a search index) and leaves what File > Add deck folder
    leaves: the folder's notes in, the folder remembered, the index current."""
    import sqlite3

    from benchmarks.course import generate
    from studyapp.services.library import Library
    from studyapp.store import search as store_search
    from studyapp.store.database import DB_FILENAME

    folder = generate(300, tmp_path / "course").folder
    data_dir = tmp_path / "store"
    workers.sa_bundled(str(data_dir))
    done = workers.sa_sync_folder(str(data_dir), str(folder))
    assert done["new"] == 300 and done["seconds"] > 0 and done["cpu"] > 0
    db = sqlite3.connect(data_dir / DB_FILENAME)
    try:
        assert store_search.index_is_current(db)
        (indexed,) = db.execute("SELECT count(*) FROM card_text").fetchone()
        (cards,) = db.execute("SELECT count(*) FROM card").fetchone()
        assert indexed == cards
    finally:
        db.close()
    with Library(data_dir, read_only=True) as library:
        assert folder.resolve() in [p.resolve() for p in library.folders()]


def test_both_engines_prepare_the_same_cards_of_the_same_decks_due(tmp_path: Path) -> None:
    """The answer cycle's stores: Anki's due reviews lie in the decks StudyApp's do (its
    "Study all" takes the decks' new cards in turn), not all in Anki's first deck."""
    from benchmarks.course import generate

    course = generate(2500, tmp_path / "course")  # three deck files
    ours = workers.sa_prepare(str(course.folder), str(tmp_path / "sa"), due=30)
    assert ours["answered"] == 30
    assert ours["per_deck"] == {"bench-001": 10, "bench-002": 10, "bench-003": 10}
    spread = workers.anki_prepare(
        str(course.csv_path), str(tmp_path / "a.anki2"), due=30, per_deck=ours["per_deck"]
    )
    assert spread["answered"] == 30
    assert spread["per_deck"] == ours["per_deck"]
    assert spread["review_count"] == 30  # all due now, in the course studied as a whole
    alone = workers.anki_prepare(str(course.csv_path), str(tmp_path / "b.anki2"), due=30)
    assert alone["per_deck"] == {"bench-001": 30}  # what the benchmark compared before
    # A session's reviews are the review rows its revlog gains: a session just before can
    # leave ids ahead of the clock (a review a minute ahead stands for one here; counted by
    # id from "now", the first session below made 13 of 12).
    ahead = int(time.time() * 1000) + 60_000
    with closing(sqlite3.connect(tmp_path / "a.anki2")) as conn, conn:
        conn.execute(
            "INSERT INTO revlog SELECT ?, id, -1, 3, 1, 1, 0, 0, 1 FROM cards LIMIT 1", (ahead,)
        )
    # Both cycles then answer the due reviews, not new cards (Anki's default mixes them in).
    for render in (False, True):
        anki = workers.anki_answer(str(tmp_path / "a.anki2"), answers=12, render=render)
        assert len(anki["samples"]) == anki["reviews"] == 12
    sa = workers.sa_answer(str(tmp_path / "sa"), answers=12)
    assert len(sa["samples"]) == sa["reviews"] == 12
