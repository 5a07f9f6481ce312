"""Is the store sound? SQLite's own checks, then StudyApp's invariants.

:func:`quick_check` is what start-up runs, off the GUI thread after the first paint:
``PRAGMA quick_check`` reads every page and checks each b-tree's structure (not that every
index agrees with its table, which is the slower :func:`full_check`'s job). A page so
damaged that SQLite refuses to read it is reported the same way.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CheckReport", "full_check", "quick_check"]

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
