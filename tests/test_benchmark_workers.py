"""benchmarks/workers.py: the processes that stand for ``studyapp sync`` live as it does."""

from __future__ import annotations

import gc
import json
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
