"""Deck options presets (issue 12): desired retention and daily limits that decks share.

Preset 1 is the Default preset. Every deck starts on it (``deck.preset_id`` defaults to 1),
and it has no row until it is first saved: until then, and for a deck whose preset is gone,
the values are :data:`DEFAULT_PRESET`'s. So no seed row is needed in a new store, and a
lookup never fails.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from sqlalchemy import Connection

# No SQLAlchemy imported here: the start-up's first frame reads the presets' daily limits on
# a plain sqlite3 connection (see studyapp.store.plain). Statements run through
# ``exec_driver_sql`` on a SQLAlchemy connection, with SQLite's own ``:name`` parameters.

__all__ = [
    "DEFAULT_PRESET",
    "DEFAULT_PRESET_ID",
    "DeckPreset",
    "Preset",
    "assign_deck",
    "deck_presets",
    "default_preset",
    "decks_on_preset",
    "delete_preset",
    "presets",
    "presets_of_decks",
    "save_preset",
]

DEFAULT_PRESET_ID = 1


class Preset(NamedTuple):
    """One preset: its name, the desired retention of its decks' cards, and the new cards and
    reviews each of its decks allows per study day."""

    id: int
    name: str
    desired_retention: float
    new_per_day: int
    reviews_per_day: int


DEFAULT_PRESET = Preset(DEFAULT_PRESET_ID, "Default", 0.90, 20, 200)

_COLUMNS = "id, name, desired_retention, new_per_day, reviews_per_day"


def _default(rows: Iterable[Preset]) -> Preset:
    return next((p for p in rows if p.id == DEFAULT_PRESET_ID), DEFAULT_PRESET)


def default_preset(db: sqlite3.Connection) -> Preset:
    """The Default preset (its values; :data:`DEFAULT_PRESET` until it is first saved)."""
    row = db.execute(f"SELECT {_COLUMNS} FROM preset WHERE id = ?", (DEFAULT_PRESET_ID,)).fetchone()
    return DEFAULT_PRESET if row is None else Preset._make(row)


def _read(conn: sqlite3.Connection | Connection, sql: str) -> Iterable[tuple[object, ...]]:
    """The rows of ``sql`` on a plain connection (the statistics' read-only one) or a
    SQLAlchemy one."""
    if isinstance(conn, sqlite3.Connection):
        return conn.execute(sql)
    return conn.exec_driver_sql(sql)


def presets(conn: sqlite3.Connection | Connection) -> list[Preset]:
    """Every preset, Default first (as :data:`DEFAULT_PRESET` if it was never saved)."""
    rows = [Preset._make(r) for r in _read(conn, f"SELECT {_COLUMNS} FROM preset")]
    others = sorted((p for p in rows if p.id != DEFAULT_PRESET_ID), key=lambda p: p.name.lower())
    return [_default(rows), *others]


class DeckPreset(NamedTuple):
    """An active deck and the id of the preset it uses."""

    deck_id: str
    title: str
    preset_id: int


def deck_presets(conn: sqlite3.Connection | Connection) -> list[DeckPreset]:
    """Every active deck with its preset (Default when its preset is gone), by title."""
    known = {p.id for p in presets(conn)}
    rows = _read(conn, "SELECT id, title, preset_id FROM deck WHERE active = 1 ORDER BY title, id")
    return [
        DeckPreset(str(d), str(t), int(p) if p in known else DEFAULT_PRESET_ID) for d, t, p in rows
    ]


def decks_on_preset(conn: Connection, preset_id: int) -> list[str]:
    """The active decks using ``preset_id``."""
    return [d.deck_id for d in deck_presets(conn) if d.preset_id == preset_id]


def save_preset(conn: Connection, preset: Preset) -> Preset:
    """Insert (``preset.id`` 0: a new id is chosen) or update ``preset``; the stored one."""
    values = preset._asdict()
    if preset.id == 0:
        del values["id"]
        result = conn.exec_driver_sql(
            "INSERT INTO preset (name, desired_retention, new_per_day, reviews_per_day) "
            "VALUES (:name, :desired_retention, :new_per_day, :reviews_per_day)",
            values,
        )
        return preset._replace(id=int(result.lastrowid or 0))
    conn.exec_driver_sql(
        f"INSERT INTO preset ({_COLUMNS}) VALUES (:id, :name, :desired_retention, "
        ":new_per_day, :reviews_per_day) ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
        "desired_retention = excluded.desired_retention, new_per_day = excluded.new_per_day, "
        "reviews_per_day = excluded.reviews_per_day",
        values,
    )
    return preset


def delete_preset(conn: Connection, preset_id: int) -> None:
    """Delete a preset; its decks go back to the Default preset (which cannot be deleted)."""
    if preset_id == DEFAULT_PRESET_ID:
        raise ValueError("the Default preset cannot be deleted")
    conn.exec_driver_sql(
        "UPDATE deck SET preset_id = :d WHERE preset_id = :p",
        {"d": DEFAULT_PRESET_ID, "p": preset_id},
    )
    conn.exec_driver_sql("DELETE FROM preset WHERE id = :p", {"p": preset_id})


def assign_deck(conn: Connection, deck_id: str, preset_id: int) -> None:
    conn.exec_driver_sql(
        "UPDATE deck SET preset_id = :p WHERE id = :d", {"p": preset_id, "d": deck_id}
    )


_DECK_PRESETS = (
    f"SELECT d.id, p.{_COLUMNS.replace(', ', ', p.')} FROM deck d "
    "LEFT JOIN preset p ON p.id = d.preset_id"
)


def presets_of_decks(db: sqlite3.Connection, deck_ids: Sequence[str] | None) -> dict[str, Preset]:
    """Each deck's preset (on a session's connection): all decks, or those of ``deck_ids``."""
    default = default_preset(db)
    sql, params = _DECK_PRESETS, tuple[str, ...]()
    if deck_ids is not None:
        sql += f" WHERE d.id IN ({', '.join('?' * len(deck_ids))})"
        params = tuple(deck_ids)
    out = {}
    for deck_id, *preset in db.execute(sql, params):
        out[str(deck_id)] = default if preset[0] is None else Preset._make(preset)
    return out
