"""benchmarks/__main__.py's answer cycle: each engine measured in the same conditions."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import benchmarks.__main__ as bench


def test_every_answer_process_opens_a_synced_copy_and_no_side_always_runs_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sa_ready = tmp_path / "sa-due"
    sa_ready.mkdir()
    (sa_ready / "studyapp.sqlite3").write_bytes(b"store")
    anki_ready = tmp_path / "anki-due.anki2"
    anki_ready.write_bytes(b"collection")
    base = tmp_path / "base"
    base.mkdir()
    events: list[tuple[str, ...]] = []

    def sync() -> None:
        events.append(("sync", *sorted(path.name for path in base.iterdir())))

    def worker(task: str, scratch: Path, **args: Any) -> dict[str, Any]:
        path = Path(args.get("data_dir") or args["col_path"])
        assert path.exists()  # the copy is there while it runs
        side = "sa" if task == "sa_answer" else "anki_render" if args["render"] else "anki"
        events.append(("worker", side, path.name))
        answers = args["answers"]
        return {"samples": [0.001] * answers, "rss_mb": 1.0, "pragmas": {}, "reviews": answers}

    monkeypatch.setattr(os, "sync", sync)
    monkeypatch.setattr(bench, "worker", worker)
    samples, rss = bench.answer_rounds(
        10_000, 4, base, tmp_path, sa_ready, anki_ready, bench.Results()
    )

    runs = [event for event in events if event[0] == "worker"]
    assert [event[1] for event in runs] == [
        *("sa", "anki", "anki_render"),
        *("anki_render", "anki", "sa"),
        *("sa", "anki", "anki_render"),
        *("anki_render", "anki", "sa"),
    ]
    for index, event in enumerate(events):
        if event[0] == "worker":  # the sync just before it saw its copy, and only its copy
            assert events[index - 1] == ("sync", event[2])
    assert not list(base.iterdir())  # every copy removed after its process
    assert {side: len(values) for side, values in samples.items()} == {
        "sa": 2000,
        "anki": 2000,
        "anki_render": 2000,
    }
    assert {engine: len(values) for engine, values in rss.items()} == {"sa": 4, "anki": 4}


def test_a_fresh_copy_is_synced_to_disk_after_it_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "store"
    source.mkdir()
    (source / "studyapp.sqlite3").write_bytes(b"x" * 10)
    seen: list[list[str]] = []
    monkeypatch.setattr(os, "sync", lambda: seen.append(sorted(p.name for p in tmp_path.iterdir())))
    bench.fresh_copy(source, tmp_path / "copy")
    bench.fresh_copy(source / "studyapp.sqlite3", tmp_path / "one.sqlite3")
    assert seen == [["copy", "store"], ["copy", "one.sqlite3", "store"]]
    assert (tmp_path / "one.sqlite3").read_bytes() == b"x" * 10
    assert os.path.getsize(tmp_path / "copy" / "studyapp.sqlite3") == 10


def test_a_cycle_that_answered_anything_but_reviews_stops_the_run() -> None:
    bench._all_reviews("Anki", {"samples": [0.001] * 500, "reviews": 500})
    with pytest.raises(bench.BenchError, match="answered 500 cards, of which 55 were reviews"):
        bench._all_reviews("Anki", {"samples": [0.001] * 500, "reviews": 55})
