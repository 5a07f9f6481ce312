"""The data folder's lock (studyapp.store.lock): one writer per folder, across processes.

Where ``flock`` exists the lock is taken without ``filelock`` (kept off the window's first
frame); these tests pin that it excludes exactly as ``filelock``'s does: a second process,
a second lock in the same process, and ``filelock`` itself in both directions (two StudyApp
versions on one folder), released by a crash, not carried by a forked child. The same
tests run on the ``filelock`` path (the one Windows takes) with ``_FLOCK`` off.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock, Timeout

from studyapp.core.errors import StoreInUse
from studyapp.store import lock as lock_module
from studyapp.store.lock import LOCK_FILENAME, StoreLock

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["flock", "filelock"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "filelock":
        monkeypatch.setattr(lock_module, "_FLOCK", False)
    else:
        assert lock_module._FLOCK, "this platform has flock: the tests expect that path"
    yield request.param


def _holder(data_dir: Path, how: str) -> subprocess.Popen[str]:
    """A process holding the folder's lock (StudyApp's or filelock's) until killed; it
    prints 'held' once it has it, or 'busy'."""
    code = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        if {how!r} == "filelock":
            from filelock import FileLock, Timeout
            lock = FileLock(Path({str(data_dir)!r}) / "studyapp.lock", timeout=0,
                            thread_local=False)
            try:
                lock.acquire()
            except Timeout:
                print("busy", flush=True); sys.exit(3)
        else:
            from studyapp.core.errors import StoreInUse
            from studyapp.store.lock import StoreLock
            try:
                StoreLock(Path({str(data_dir)!r})).acquire()
            except StoreInUse:
                print("busy", flush=True); sys.exit(3)
        print("held", flush=True)
        time.sleep(60)
        """
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=os.environ
    )


def _wait_held(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    return proc.stdout.readline().strip()


def _stop(proc: subprocess.Popen[str]) -> int:
    """Kill ``proc`` (if it still runs: SIGKILL, as a crash) and its exit status."""
    if proc.poll() is None:
        proc.kill()
    code = proc.wait(10)
    assert proc.stdout is not None
    proc.stdout.close()
    return code


@pytest.mark.parametrize("other", ["studyapp", "filelock"])
def test_a_lock_held_by_another_process_is_refused_then_free(
    tmp_path: Path, backend: str, other: str
) -> None:
    holder = _holder(tmp_path, other)
    try:
        assert _wait_held(holder) == "held"
        mine = StoreLock(tmp_path)
        with pytest.raises(StoreInUse, match="already open in another StudyApp"):
            mine.acquire()
        assert not mine.held
    finally:
        _stop(holder)  # SIGKILL: the OS releases it, the file stays
    assert (tmp_path / LOCK_FILENAME).exists()
    mine.acquire()
    assert mine.held
    mine.release()
    assert not mine.held


@pytest.mark.parametrize("other", ["studyapp", "filelock"])
def test_a_held_lock_refuses_another_process(tmp_path: Path, backend: str, other: str) -> None:
    mine = StoreLock(tmp_path)
    mine.acquire()
    try:
        second = _holder(tmp_path, other)
        assert _wait_held(second) == "busy"
        assert second.wait(10) == 3
        _stop(second)
    finally:
        mine.release()
    third = _holder(tmp_path, other)  # released: another process takes it
    try:
        assert _wait_held(third) == "held"
    finally:
        _stop(third)


def test_filelock_itself_is_refused_while_held(tmp_path: Path, backend: str) -> None:
    mine = StoreLock(tmp_path)
    mine.acquire()
    try:
        with pytest.raises(Timeout):
            FileLock(tmp_path / LOCK_FILENAME, timeout=0, thread_local=False).acquire()
    finally:
        mine.release()
    other = FileLock(tmp_path / LOCK_FILENAME, timeout=0, thread_local=False)
    other.acquire()
    other.release()


def test_a_second_lock_in_the_same_process_is_refused(tmp_path: Path, backend: str) -> None:
    first, second = StoreLock(tmp_path), StoreLock(tmp_path / ".")
    first.acquire()
    first.acquire()  # taking it again is a no-op, as filelock's re-entrant lock
    assert first.held
    with pytest.raises(StoreInUse):
        second.acquire()
    first.release()
    assert not first.held
    second.acquire()
    second.release()
    second.release()  # releasing a lock not held does nothing


def test_the_folder_is_made_and_the_lock_file_kept(tmp_path: Path, backend: str) -> None:
    folder = tmp_path / "new" / "data"
    lock = StoreLock(folder)
    lock.acquire()
    lock.release()
    assert (folder / LOCK_FILENAME).is_file()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_forked_child_does_not_hold_the_parents_lock(tmp_path: Path) -> None:
    mine = StoreLock(tmp_path)
    mine.acquire()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: it forgot the lock, and its exit must not release it
        os.close(read_end)
        os.write(write_end, b"1" if not mine.held else b"0")
        os._exit(0)
    os.close(write_end)
    assert os.read(read_end, 1) == b"1"
    os.close(read_end)
    os.waitpid(child, 0)
    assert mine.held
    probe = _holder(tmp_path, "filelock")
    assert _wait_held(probe) == "busy"  # the child's exit did not release the parent's hold
    assert probe.wait(10) == 3
    _stop(probe)
    sleeper = os.fork()
    if sleeper == 0:  # a child still alive does not keep the lock once the parent lets go
        time.sleep(30)
        os._exit(0)
    try:
        mine.release()
        probe = _holder(tmp_path, "filelock")
        try:
            assert _wait_held(probe) == "held"
        finally:
            _stop(probe)
    finally:
        os.kill(sleeper, signal.SIGKILL)
        os.waitpid(sleeper, 0)


def test_a_symlinked_lock_file_is_refused_as_filelock_refuses_it(
    tmp_path: Path, backend: str
) -> None:
    """Not followed (O_NOFOLLOW): the same OSError filelock raises, not 'in use'."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("")
    data = tmp_path / "data"
    data.mkdir()
    (data / LOCK_FILENAME).symlink_to(elsewhere)
    with pytest.raises(OSError, match="symbolic links") as mine:
        StoreLock(data).acquire()
    with pytest.raises(OSError, match="symbolic links"):
        FileLock(data / LOCK_FILENAME, timeout=0, thread_local=False).acquire()
    assert not isinstance(mine.value, StoreInUse)
