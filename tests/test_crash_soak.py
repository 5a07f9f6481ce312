"""Crash soak: a process answering cards is killed (SIGKILL) over and over; every answer
it acknowledged is in the store, and the store stays sound (issue 13).

An answer is acknowledged when ``StudySession.answer`` has returned, which is when the app
shows the next card. Each child is forked from a forkserver that has the app imported, so
a round costs milliseconds plus the time it answers before the kill.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from studyapp.services.library import Library


@dataclass
class Soak:
    kills: int = 0
    acknowledged: int = 0
    stored: int = 0
    lost: int = 0
    integrity: str = ""


def soak(data: Path, kills: int, *, seed: int = 13) -> Soak:
    with Library(data) as library:
        assert library.sync().ok
        library.update_settings(library.settings.with_changes(new_per_day=9999))
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.soak_child"])
    from tests.soak_child import answer_until_killed

    rng = random.Random(seed)
    acked: set[int] = set()
    result = Soak()
    for round_ in range(kills):
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=answer_until_killed, args=(str(data), round_, send))
        child.start()
        send.close()
        assert receive.poll(30), "the child never became ready"
        assert receive.recv() == "ready"
        time.sleep(rng.uniform(0.02, 0.25))  # answering meanwhile
        assert child.pid is not None
        assert child.is_alive(), f"round {round_}: the child ended by itself ({child.exitcode})"
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
        assert child.exitcode == -signal.SIGKILL, f"round {round_}: exit {child.exitcode}"
        result.kills += 1
        while True:
            try:
                message = receive.recv()
            except EOFError:
                break
            assert message != "empty", "the soak ran out of cards"
            acked.add(int(message))
        receive.close()
    db = sqlite3.connect(data / "studyapp.sqlite3")
    try:
        result.integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        stored = {row[0] for row in db.execute("SELECT id FROM review")}
    finally:
        db.close()
    result.acknowledged = len(acked)
    result.stored = len(stored)
    result.lost = len(acked - stored)
    return result


def check(result: Soak, data: Path, kills: int) -> None:
    print(
        f"crash soak: {result.kills} SIGKILLs, {result.acknowledged} answers acknowledged, "
        f"{result.stored} stored, {result.lost} lost, integrity {result.integrity}"
    )
    assert result.kills == kills
    assert result.acknowledged >= kills  # every round answered something
    assert result.lost == 0
    assert result.integrity == "ok"
    # at most the one answer in flight per kill is stored but not acknowledged
    assert result.acknowledged <= result.stored <= result.acknowledged + kills
    with Library(data, read_only=True) as library:
        report = library.check()
    assert report.ok, (report.damage, report.problems)  # reps == review rows, for every card


def test_fifty_sigkills_while_answering_lose_nothing(tmp_path: Path) -> None:
    result = soak(tmp_path / "data", 50)
    check(result, tmp_path / "data", 50)


@pytest.mark.slow
def test_five_hundred_sigkills_while_answering_lose_nothing(tmp_path: Path) -> None:
    result = soak(tmp_path / "data", 500, seed=2026)
    check(result, tmp_path / "data", 500)
