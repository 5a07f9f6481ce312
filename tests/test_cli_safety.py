"""The command line's safety net: damage, two instances, backups, a missing store; every
storage failure one line and exit 2, never a traceback (issue 13)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from studyapp.services.library import Library
from tests.conftest import Clock
from tests.freshpython import fresh_python
from tests.services.test_safety import answer, damage


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return fresh_python("-m", "studyapp", *args, env=dict(os.environ), timeout=120)


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("studyapp: error: ")
    return lines[0]


@pytest.fixture
def studied(tmp_path: Path, clock: Clock) -> Path:
    data = tmp_path / "data"
    with Library(data) as library:
        assert library.sync().ok
        assert answer(library, clock, 12) == 12
        library.backup("manual")
    return data


def test_a_damaged_store_is_one_line_and_exit_2_for_every_command(
    studied: Path, tmp_path: Path
) -> None:
    (good,) = Library(studied, read_only=True).backups()
    damage(studied / "studyapp.sqlite3")
    for command in (
        ["check"],
        ["stats"],
        ["sync"],
        ["export", "--csv", str(tmp_path / "out.csv")],
        ["backup", "create"],
    ):
        line = one_line_error(run("--data-dir", str(studied), *command))
        assert "is damaged" in line, command
        if command != ["backup", "create"]:
            assert f"studyapp backup restore {good.id}" in line, command
    assert not (tmp_path / "out.csv").exists()


def test_check_passes_a_sound_store_and_reports_broken_invariants(studied: Path) -> None:
    proc = run("--data-dir", str(studied), "check")
    assert proc.returncode == 0 and "sound" in proc.stdout and "12 reviews" in proc.stdout
    import sqlite3

    db = sqlite3.connect(studied / "studyapp.sqlite3")
    db.execute("UPDATE card SET reps = reps + 1 WHERE id = (SELECT min(card_id) FROM review)")
    db.commit()
    db.close()
    proc = run("--data-dir", str(studied), "check")
    assert proc.returncode == 1
    assert "counts 2 answers but has 1 in the review log" in proc.stdout


def test_a_second_writer_is_refused_while_readers_work(studied: Path) -> None:
    with Library(studied):  # "the app" holds the folder
        line = one_line_error(run("--data-dir", str(studied), "sync"))
        assert "already open in another StudyApp" in line
        one_line_error(run("--data-dir", str(studied), "backup", "restore", "x"))
        stats = run("--data-dir", str(studied), "stats")
        assert stats.returncode == 0 and "total reviews: 12" in stats.stdout
        assert run("--data-dir", str(studied), "check").returncode == 0
        assert run("--data-dir", str(studied), "backup", "list").returncode == 0


def test_backup_create_list_restore_end_to_end(studied: Path, clock: Clock) -> None:
    made = run("--data-dir", str(studied), "backup", "create")
    assert made.returncode == 0, made.stderr
    backup_id = made.stdout.split()[1].rstrip(":")
    with Library(studied) as library:
        answer(library, clock, 4)
    listed = run("--data-dir", str(studied), "backup", "list")
    assert backup_id in listed.stdout and "made by hand" in listed.stdout
    restored = run("--data-dir", str(studied), "backup", "restore", backup_id)
    assert restored.returncode == 0, restored.stderr
    assert "12 reviews" in restored.stdout and "kept as backup" in restored.stdout
    assert "total reviews: 12" in run("--data-dir", str(studied), "stats").stdout
    after = run("--data-dir", str(studied), "backup", "list").stdout
    assert "before a restore" in after and " 16 " in after  # the replaced store: 16 reviews
    assert one_line_error(run("--data-dir", str(studied), "backup", "restore", "nope"))


def test_a_store_too_damaged_to_open_is_restored_from_the_cli(studied: Path) -> None:
    (good,) = Library(studied, read_only=True).backups()
    store = studied / "studyapp.sqlite3"
    store.write_bytes(b"\0" * 4096 + store.read_bytes()[4096:])  # the header page is gone
    line = one_line_error(run("--data-dir", str(studied), "stats"))
    assert "is damaged" in line
    restored = run("--data-dir", str(studied), "backup", "restore", good.id)
    assert restored.returncode == 0, restored.stderr
    assert run("--data-dir", str(studied), "check").returncode == 0
    listed = run("--data-dir", str(studied), "backup", "list").stdout
    assert "damaged store, set aside" in listed


def test_a_mistyped_data_dir_creates_nothing_and_says_so(tmp_path: Path) -> None:
    typo = tmp_path / "dta"
    for command in (["stats"], ["check"], ["export", "--csv", str(tmp_path / "o.csv")]):
        line = one_line_error(run("--data-dir", str(typo), *command))
        assert f"There is no study store in {typo}; check --data-dir" in line
    one_line_error(run("--data-dir", str(typo), "backup", "create"))
    assert not typo.exists()
    created = run("--data-dir", str(typo), "sync")
    assert created.returncode == 0
    assert f"created a new study store in {typo}" in created.stderr
    again = run("--data-dir", str(typo), "sync")
    assert "created" not in again.stderr


def test_a_mistyped_data_dir_is_not_made_a_store_by_folders_remove_or_optimize(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the study window, ``sync`` and ``folders add`` (a folder added before the first
    start) create a store; ``folders remove`` and ``optimize`` have nothing to work on in a
    folder without one and leave it as it was."""
    from studyapp.cli import main

    typo = tmp_path / "dta"
    for command in (
        ["folders", "remove", str(tmp_path)],
        ["optimize"],
        ["optimize", "--reset"],
    ):
        assert main(["--data-dir", str(typo), *command]) == 2, command
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [
            f"studyapp: error: There is no study store in {typo}; check --data-dir "
            "(starting the app or 'studyapp sync' creates one)."
        ], command
        assert not typo.exists(), command


@pytest.mark.parametrize(
    ("code", "free", "sentence"),
    [
        (14, None, "Cannot open the study store"),  # SQLITE_CANTOPEN: a read-only medium
        (4874, 0, "is full; free some space and try again"),  # SQLITE_IOERR_SHMSIZE, disk full
        (5, None, "is locked by another program"),  # SQLITE_BUSY
    ],
)
def test_a_store_the_check_cannot_open_is_not_called_damaged(
    studied: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    code: int,
    free: int | None,
    sentence: str,
) -> None:
    """The quick check that cannot even open the store (seen on a read-only filesystem and
    on a full disk) said "is damaged ... restore a backup" of a sound store: it is the
    storage failure it is, one line, and no damage is recorded."""
    import shutil
    import sqlite3

    from studyapp.cli import main
    from studyapp.store import integrity

    def refused(_path: Path) -> sqlite3.Connection:
        error = sqlite3.OperationalError("unable to open database file")
        error.sqlite_errorcode = code
        raise error

    monkeypatch.setattr(integrity, "_connect", refused)
    if free is not None:
        usage = shutil.disk_usage(studied)
        monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage._replace(free=free))
    for command in (["stats"], ["search", "is:new"], ["sync"]):
        assert main(["--data-dir", str(studied), *command]) == 2, command
        [line] = capsys.readouterr().err.strip().splitlines()
        assert line.startswith("studyapp: error: ") and sentence in line, (command, line)
        assert "damaged" not in line, (command, line)


def test_a_data_dir_that_is_a_file_is_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--data-dir`` naming a file (or a path through one) was a FileExistsError
    traceback from every command that takes the lock, and from the window. The commands
    that only read said "There is no study store in notes.txt", 'backup list' "no backups
    in notes.txt/backups" (exit 0), and 'sync --dry-run' planned a first import: each is
    now the same line, exit 2."""
    from studyapp.cli import main

    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n")
    commands = (
        ["sync"],
        ["folders", "add", str(tmp_path)],
        ["sync", "--dry-run"],
        ["stats"],
        ["check"],
        ["search", "is:new"],
        ["backup", "list"],
        ["export", "--csv", str(tmp_path / "out.csv")],
    )
    for data in (a_file, a_file / "inside"):
        for command in commands:
            assert main(["--data-dir", str(data), *command]) == 2, (data, command)
            [line] = capsys.readouterr().err.strip().splitlines()
            assert line == (
                f"studyapp: error: Cannot use {data} as the data folder: {a_file} is a file; "
                "choose another folder with --data-dir (or STUDYAPP_DATA_DIR)."
            ), (command, line)
    assert a_file.read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_read_only_store_is_named_as_such(studied: Path) -> None:
    # As root (CI), permissions do not stop writes; SQLite's read-only open gives the
    # same error a read-only file does, through the same mapping.
    import sqlite3

    from studyapp.core.errors import StoreReadOnly
    from studyapp.store.errors import storage_errors

    db = sqlite3.connect(f"file:{studied / 'studyapp.sqlite3'}?mode=ro", uri=True)
    with pytest.raises(StoreReadOnly, match="is read-only"), storage_errors(studied / "x"):
        db.execute("INSERT INTO setting (key, value) VALUES ('a', 'b')")
    db.close()


def test_a_storage_error_past_the_mapping_is_still_one_line(
    studied: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    from studyapp.cli import main
    from studyapp.services import stats
    from studyapp.services.library import Library

    def broken(*args: object, **kwargs: object) -> None:
        raise sqlite3.DatabaseError("database disk image is malformed")

    # stats reads the overview on a plain connection (services.stats.read_overview), or
    # through the library when the store must first be brought up to date.
    monkeypatch.setattr(stats, "read_overview", broken)
    monkeypatch.setattr(Library, "overview", broken)
    assert main(["--data-dir", str(studied), "stats"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "studyapp.sqlite3 is damaged (database disk image" in err[0]
    monkeypatch.setattr(stats, "read_overview", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # a bug keeps its traceback
        main(["--data-dir", str(studied), "stats"])


def test_a_clean_check_spares_readers_the_next_one_until_the_store_changes(
    studied: Path,
) -> None:
    import json
    import time

    from studyapp.store.integrity import SETTLE_SECONDS, store_stamp

    store = studied / "studyapp.sqlite3"
    record = studied / "studyapp.sqlite3-checked"
    time.sleep(SETTLE_SECONDS + 0.2)  # the store settles after the fixture's writes
    assert run("--data-dir", str(studied), "stats").returncode == 0
    vouch = json.loads(record.read_text(encoding="utf-8"))
    stamp = store_stamp(store)
    assert stamp is not None
    assert vouch["check"] == "quick_check" and tuple(vouch["store"]) == stamp[0]
    # Readers leave the store as it was, so the record still vouches for it.
    assert run("--data-dir", str(studied), "stats", "--json").returncode == 0
    assert json.loads(record.read_text(encoding="utf-8")) == vouch
    damage(store)
    assert "is damaged" in one_line_error(run("--data-dir", str(studied), "stats"))
    assert not record.exists()


_SPY_ON_THE_CHECK = """
import sys
import studyapp.store.integrity as integrity

real, loaded = integrity.quick_check_unless_vouched, []
heavy = ("sqlalchemy", "studyapp.services.library", "studyapp.services.stats")

def spy(path, **kw):
    loaded.append([m for m in heavy if m in sys.modules])
    return real(path, **kw)

integrity.quick_check_unless_vouched = spy
from studyapp.cli import main
code = main(sys.argv[1:])
print("loaded when the check began:", loaded, file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize("command", [["stats", "--json"], ["report", "-o", "{tmp}/r.pdf"]])
def test_stats_and_report_start_the_check_before_the_heavy_imports(
    studied: Path, tmp_path: Path, command: list[str]
) -> None:
    """The reading check of ``stats`` and ``report`` runs on its own thread from before
    SQLAlchemy and the services are imported, so it overlaps those imports too."""
    import json

    from studyapp.store.integrity import SETTLE_SECONDS

    time.sleep(SETTLE_SECONDS + 0.2)  # settled: the check vouches (and the next is spared)
    args = [a.format(tmp=tmp_path) for a in command]
    done = fresh_python(
        "-c",
        _SPY_ON_THE_CHECK,
        "--data-dir",
        str(studied),
        *args,
        env=dict(os.environ),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "loaded when the check began: [[]]" in done.stderr
    assert (studied / "studyapp.sqlite3-checked").exists()
    if command[0] == "stats":
        assert json.loads(done.stdout)["total_reviews"] == 12


def test_a_bad_exam_date_on_a_damaged_store_reports_the_damage(studied: Path) -> None:
    """The check runs from the start, so its verdict stands over a usage error found
    while it ran (as over anything the command read)."""
    damage(studied / "studyapp.sqlite3")
    line = one_line_error(run("--data-dir", str(studied), "stats", "--exam-date", "31/12/2026"))
    assert "is damaged" in line


def test_writers_and_check_always_check_even_when_vouched(studied: Path) -> None:
    """Damage that bypasses the file system (a failing disk) leaves the stamp as it was:
    readers trust the record for up to a day; ``check`` and every writer still find it."""
    import json
    import time

    from studyapp.store.integrity import store_stamp

    store = studied / "studyapp.sqlite3"
    damage(store)
    wal = store_stamp(store)
    assert wal is not None
    forged = {"format": 1, "store": list(wal[0]), "wal": None, "checked_at": time.time()}
    (studied / "studyapp.sqlite3-checked").write_text(json.dumps(forged), encoding="utf-8")
    for command in (["check"], ["sync"], ["backup", "create"]):
        assert "is damaged" in one_line_error(run("--data-dir", str(studied), *command))


def _index_tables(data: Path) -> set[str]:
    import sqlite3

    db = sqlite3.connect(data / "studyapp.sqlite3")
    try:
        return {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'card_%'")}
    finally:
        db.close()


def _found(data: Path, query: str) -> list[str]:
    proc = run("--data-dir", str(data), "search", "--json", query)
    assert proc.returncode == 0, proc.stderr
    import json

    return [item["note_id"] for item in json.loads(proc.stdout)]


def test_search_and_export_work_while_the_app_holds_the_folder_never_stale(
    studied: Path, tmp_path: Path
) -> None:
    with Library(studied) as app:  # "the app" holds the folder's lock
        import sqlite3

        db = sqlite3.connect(studied / "studyapp.sqlite3")
        (note,) = db.execute("SELECT note_id FROM card ORDER BY id LIMIT 1").fetchone()
        db.close()
        # Never searched: the store has no index, and the reader makes none in it.
        assert "card_text" not in _index_tables(studied)
        assert len(_found(studied, "")) > 10
        app.set_user_note(note, "zebracorn")
        assert _found(studied, "zebracorn") == [note]
        assert "card_text" not in _index_tables(studied)
        # Once the app has built the index, a note edit keeps it current (writers do).
        app.card_search().update_index()
        app.set_user_note(note, "quagga")
        db = sqlite3.connect(studied / "studyapp.sqlite3")
        assert db.execute("SELECT count(*) FROM card_text_pending").fetchone() == (0,)
        # A change the index has not caught up with (a writer stopped before indexing):
        # the reader finds the text as it is now, not as the index has it.
        db.execute("UPDATE user_note SET text = 'okapi' WHERE note_id = ?", (note,))
        db.commit()
        assert db.execute("SELECT count(*) FROM card_text_pending").fetchone()[0] > 0
        db.close()
        assert _found(studied, "okapi") == [note]
        assert _found(studied, "quagga") == []
        out = tmp_path / "out.csv"
        assert run("--data-dir", str(studied), "export", "--csv", str(out)).returncode == 0
        assert out.stat().st_size > 0
    # The reader left the store's index as it was (still waiting for a writer).
    import sqlite3

    db = sqlite3.connect(studied / "studyapp.sqlite3")
    assert db.execute("SELECT count(*) FROM card_text_pending").fetchone()[0] > 0
    db.close()
