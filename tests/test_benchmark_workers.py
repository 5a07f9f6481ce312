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
