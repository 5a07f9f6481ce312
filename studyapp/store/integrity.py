"""Is the store sound? SQLite's own checks, then StudyApp's invariants.

:func:`quick_check` is what start-up runs, off the GUI thread after the first paint:
``PRAGMA quick_check`` reads every page and checks each b-tree's structure (not that every
index agrees with its table, which is the slower :func:`full_check`'s job). A page so
damaged that SQLite refuses to read it is reported the same way.

**A clean check vouches for the file it checked, until the file changes.** A clean check
records the store's *stamp* beside it (``studyapp.sqlite3-checked``): the identity, size, and
modification and status-change times (ns) of the store file and of its write-ahead log.
Any write to either file through the file system, by SQLite or by anything else (a tool
overwriting bytes, a copy put in its place, ``touch`` setting an old time back, which
still moves the status-change time), changes the stamp. A reading command
(:func:`quick_check_unless_vouched`) skips the quick check while the stamp is the one a
clean check recorded, less than :data:`VOUCH_SECONDS` ago; start-up, every writing command
and ``studyapp check`` always check. Two rules keep the record sound:

- it is written only if the stamp was the same before and after the check (nothing wrote
  to the store while it was read), and
- only if the files had not changed for :data:`SETTLE_SECONDS` when the check began: file
  times are kept at a clock tick's grain (milliseconds), so a write in the same tick as the
  last one would leave the times as they were; a store that settled before the check
  cannot have such a twin write unseen (the idea of Git's "racily clean" index entries).

What a stamp cannot see is damage that bypasses the file system (a failing disk flipping
bits under an unchanged file): the daily expiry, the start-up check and ``studyapp check``
are for that, and a page that SQLite cannot read fails any command that reads it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.core.errors import KnownError
from studyapp.core.outfile import write_output

__all__ = [
    "SETTLE_SECONDS",
    "VOUCH_SUFFIX",
    "VOUCH_SECONDS",
    "CheckReport",
    "checked_and_vouched",
    "forget_vouch",
    "full_check",
    "quick_check",
    "quick_check_unless_vouched",
    "store_quick_check",
    "store_stamp",
    "vouch_for",
    "vouched",
]

VOUCH_SUFFIX = "-checked"
"""The record of the last clean check is the store's name with this suffix, beside it."""
VOUCH_SECONDS = 24 * 3600
"""A clean check vouches for an unchanged store for a day at most, then is done again."""
SETTLE_SECONDS = 1.0
"""The store's files must have been left alone this long before a check that vouches."""
_FORMAT = 1

_LIMIT = 20
"""Lines kept of each kind of finding: enough to see what is wrong, never a flood."""


@dataclass
class CheckReport:
    """``damage``: the file is broken (SQLite's checks); ``problems``: the file is sound but
    our own invariants do not hold (a bug, or an edit by another tool)."""

    damage: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cards: int = 0
    reviews: int = 0

    @property
    def ok(self) -> bool:
        return not self.damage and not self.problems


def _connect(path: Path) -> sqlite3.Connection:
    # A connection of its own, read-only: a check never writes, and it may run in a thread
    # beside the app's connections (WAL readers never block the writer).
    uri = f"file:{path.as_posix()}?mode=ro"
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def _pragma_lines(db: sqlite3.Connection, pragma: str) -> list[str]:
    try:
        rows = db.execute(f"PRAGMA {pragma}({_LIMIT})").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    lines = [
        line.strip()
        for row in rows
        for line in " ".join(str(v) for v in row).splitlines()
        if line.strip() and not line.startswith("*** in database")
    ]
    return [] if lines == ["ok"] else lines


def store_quick_check(path: Path) -> list[str]:
    """:func:`quick_check` of the live store ([] if sound), after making sure it can be
    reached: a store that cannot (its folder read-only, the disk full, a lock) raises the
    storage error that is, since calling it damage told a trainee to restore a backup of a
    sound store (seen on a read-only filesystem and on a full disk, where SQLite cannot
    make or grow the WAL index). Whatever the check itself meets is reported as before."""
    from studyapp.store.errors import access_failure

    try:
        db = _connect(path)
        try:
            db.execute("PRAGMA schema_version").fetchone()  # opens the file and the WAL index
        finally:
            db.close()
    except sqlite3.Error as exc:
        failure = access_failure(exc, path)
        if failure is not None:
            raise failure from exc
    return quick_check(path)


def quick_check(path: Path) -> list[str]:
    """What ``PRAGMA quick_check`` finds wrong with the store at ``path`` ([] if sound)."""
    try:
        db = _connect(path)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        return _pragma_lines(db, "quick_check")
    finally:
        db.close()


def full_check(path: Path) -> CheckReport:
    """``PRAGMA integrity_check``, ``foreign_key_check`` and StudyApp's invariants."""
    report = CheckReport()
    try:
        db = _connect(path)
    except sqlite3.Error as exc:
        report.damage.append(str(exc))
        return report
    try:
        report.damage = _pragma_lines(db, "integrity_check")
        if report.damage:
            return report
        try:
            _foreign_keys(db, report)
            _invariants(db, report)
        except sqlite3.DatabaseError as exc:
            report.damage.append(str(exc))
    finally:
        db.close()
    return report


def _foreign_keys(db: sqlite3.Connection, report: CheckReport) -> None:
    rows = db.execute("PRAGMA foreign_key_check").fetchmany(_LIMIT)
    report.problems.extend(
        f"row {rowid} of table {table} refers to a missing row of {parent}"
        for table, rowid, parent, _fk in rows
    )


def _invariants(db: sqlite3.Connection, report: CheckReport) -> None:
    report.cards = db.execute("SELECT count(*) FROM card").fetchone()[0]
    report.reviews = db.execute("SELECT count(*) FROM review").fetchone()[0]
    review_columns = {row[1] for row in db.execute("PRAGMA table_info(review)")}
    # DECISIONS 4: card.reps counts scheduled answers (review kind 0) once that column exists.
    scheduled = "AND r.kind = 0" if "kind" in review_columns else ""
    # A successor that inherited a retired card's progress (sync's inherit_progress) starts
    # with the predecessor's reps and none of its review rows: there reps may be larger.
    rows = db.execute(
        f"SELECT c.id, c.note_id, c.key, c.reps, (SELECT count(*) FROM review r "
        f"WHERE r.card_id = c.id {scheduled}) AS answered, EXISTS (SELECT 1 FROM note p "
        "WHERE p.replaced_by = c.note_id AND p.retired = 1) AS inherited FROM card c "
        "WHERE c.reps != answered AND NOT (inherited AND c.reps > answered) "
        f"LIMIT {_LIMIT}"
    ).fetchall()
    report.problems.extend(
        f"card {note_id}/{key} (#{card_id}) counts {reps} answers but has {answered} in "
        "the review log"
        for card_id, note_id, key, reps, answered, _ in rows
    )
    rows = db.execute(
        "SELECT c.id, c.note_id, c.deck_id, n.deck_id FROM card c JOIN note n "
        f"ON n.id = c.note_id WHERE c.deck_id != n.deck_id LIMIT {_LIMIT}"
    ).fetchall()
    report.problems.extend(
        f"card #{card_id} of note {note_id} is filed under deck {deck} but its note is in {own}"
        for card_id, note_id, deck, own in rows
    )
    rows = db.execute(
        f"SELECT id, queue FROM card WHERE queue NOT IN (0, 1, 2, 3) LIMIT {_LIMIT}"
    ).fetchall()
    report.problems.extend(f"card #{card_id} is in unknown queue {q}" for card_id, q in rows)


# -- the record of a clean check -------------------------------------------------------------
Stamp = tuple[tuple[int, ...], tuple[int, ...] | None]
"""(store file, write-ahead log or None): (device, inode, size, mtime ns, ctime ns) each."""


def _file_stamp(path: Path) -> tuple[int, ...] | None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def store_stamp(path: Path) -> Stamp | None:
    """The stamp of the store at ``path`` (None without a store). An empty or missing
    write-ahead log counts as none: it holds nothing, and every connection that opens the
    store creates it, and the last one to close removes it."""
    store = _file_stamp(path)
    if store is None:
        return None
    wal = _file_stamp(path.with_name(path.name + "-wal"))
    return store, (wal if wal is not None and wal[2] > 0 else None)


def _record(path: Path) -> Path:
    return path.with_name(path.name + VOUCH_SUFFIX)


def _newest_change_s(stamp: Stamp) -> float:
    files = [f for f in stamp if f is not None]
    return max(max(f[3], f[4]) for f in files) / 1e9


def vouched(path: Path, *, now: float | None = None) -> bool:
    """Whether a clean check recorded the store's current stamp less than
    :data:`VOUCH_SECONDS` ago."""
    stamp = store_stamp(path)
    if stamp is None:
        return False
    try:
        record = json.loads(_record(path).read_text(encoding="utf-8"))
        recorded = (tuple(record["store"]), tuple(record["wal"]) if record["wal"] else None)
        checked_at = float(record["checked_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if record.get("format") != _FORMAT or recorded != stamp:
        return False
    moment = time.time() if now is None else now
    return 0 <= moment - checked_at < VOUCH_SECONDS


def vouch_for(path: Path, before: Stamp | None, started: float, check: str) -> bool:
    """Record that a clean ``check`` began at ``started`` on the store whose stamp was
    ``before``; only if the store had settled then and is unchanged now (see the module's
    docstring). Returns whether it was recorded; a folder that cannot be written (read-only)
    just has no record."""
    if before is None or store_stamp(path) != before:
        return False
    if started - _newest_change_s(before) < SETTLE_SECONDS:
        return False
    store, wal = before
    record = {
        "format": _FORMAT,
        "store": list(store),
        "wal": list(wal) if wal is not None else None,
        "checked_at": started,
        "check": check,
    }
    try:
        write_output(_record(path), json.dumps(record) + "\n")
    except KnownError:
        return False
    return True


def forget_vouch(path: Path) -> None:
    """Drop the record (a check found damage)."""
    try:
        _record(path).unlink(missing_ok=True)
    except OSError:
        pass


def checked_and_vouched(
    path: Path, check: Callable[[Path], list[str]], name: str, *, clock: Callable[[], float]
) -> list[str]:
    """Run ``check`` on the store; a clean one vouches for it (when it may)."""
    before = store_stamp(path)
    started = clock()
    problems = check(path)
    if problems:
        forget_vouch(path)
    else:
        vouch_for(path, before, started, name)
    return problems


def quick_check_unless_vouched(
    path: Path, *, clock: Callable[[], float] = time.time
) -> tuple[list[str], bool]:
    """For reading commands: :func:`quick_check`, unless a clean check vouches for the
    store as it is (see the module's docstring). Returns what is wrong ([] if sound) and
    whether the check ran."""
    if vouched(path, now=clock()):
        return [], False
    return checked_and_vouched(path, store_quick_check, "quick_check", clock=clock), True
