"""What the library reads and writes besides studying and syncing: decks for the overview
and exports, bibliography rows, deck folders, trainees' notes, settings rows, copies.

Each function takes the engine (it opens its own short transaction) or, when a caller reads
several things at once, an open connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from studyapp.core.sqlalchemyload import load_sqlalchemy
from studyapp.store.queries import DeckInfo, active_decks, review_count, setting_rows
from studyapp.store.rows import NOTE_COLUMNS, SOURCES_SQL, NoteValues, SourceRow
from studyapp.store.sync import add_deck_folders, deck_folder_paths

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine
    from sqlalchemy.sql.elements import BindParameter, TextClause


# SQLAlchemy is imported where a statement is first made, not with this module: ``studyapp
# sync`` imports the library service (and so this module) but runs on a plain connection and
# never needs SQLAlchemy (its import is 0.12-0.15 s of CPU; issue 19).
def text(sql: str) -> TextClause:
    load_sqlalchemy()
    from sqlalchemy import text as make

    return make(sql)


def bindparam(key: str, **options: Any) -> BindParameter[Any]:
    load_sqlalchemy()
    from sqlalchemy import bindparam as make

    return make(key, **options)


__all__ = [
    "DeckInfo",
    "ExportNoteRow",
    "active_decks",
    "add_deck_folder",
    "copy_store",
    "deck_folders",
    "deck_ids_of_families",
    "deck_title",
    "delete_user_note",
    "export_notes",
    "media_data",
    "notes_of_decks",
    "folder_decks",
    "read_settings",
    "remove_deck_folder",
    "review_count",
    "save_user_note",
    "sources",
    "user_note",
    "write_settings",
]


def deck_title(engine: Engine, deck_id: str) -> str | None:
    with engine.connect() as conn:
        title = conn.execute(text("SELECT title FROM deck WHERE id = :d"), {"d": deck_id}).scalar()
    return None if title is None else str(title)


def deck_ids_of_families(conn: Connection, families: Iterable[str]) -> tuple[str, ...]:
    """The active decks of ``families``, by id."""
    statement = text("SELECT id FROM deck WHERE active = 1 AND family IN :f ORDER BY id")
    statement = statement.bindparams(bindparam("f", expanding=True))
    return tuple(r[0] for r in conn.execute(statement, {"f": list(families)}))


def notes_of_decks(conn: Connection, deck_ids: Sequence[str]) -> list[NoteValues]:
    """The notes of ``deck_ids`` that are not retired, by deck id, then in file order."""
    statement = text(
        f"SELECT {', '.join(NOTE_COLUMNS)} FROM note WHERE retired = 0 "
        "AND deck_id IN :decks ORDER BY deck_id, position"
    ).bindparams(bindparam("decks", expanding=True))
    return [NoteValues._make(r) for r in conn.execute(statement, {"decks": list(deck_ids)})]


class ExportNoteRow(NamedTuple):
    """A note as an export writes it: its texts, whether and why it is retired, when it last
    changed, and its picture."""

    id: str
    deck_id: str
    kind: str
    front: str
    back: str
    text: str
    extra: str
    correction: str
    tags: str
    sources: str
    cites: str
    as_of: int | None
    retired: bool
    retired_reason: str | None
    changed_at: int
    image_file: str | None
    image_alt: str | None
    image_side: str | None
    image_hash: str | None


def export_notes(conn: Connection, deck_ids: Sequence[str]) -> list[ExportNoteRow]:
    """Every note of ``deck_ids``, retired ones included, by deck id, then in file order."""
    statement = text(
        f"SELECT {', '.join(ExportNoteRow._fields)} FROM note "
        "WHERE deck_id IN :decks ORDER BY deck_id, position"
    ).bindparams(bindparam("decks", expanding=True))
    rows = conn.execute(statement, {"decks": list(deck_ids)})
    return [ExportNoteRow._make((*r[:12], bool(r[12]), *r[13:])) for r in rows]


def media_data(conn: Connection, hashes: Iterable[str]) -> dict[str, tuple[str, bytes]]:
    """(kind, bytes) of the stored images ``hashes``, by hash."""
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    statement = text("SELECT hash, kind, data FROM media WHERE hash IN :h").bindparams(
        bindparam("h", expanding=True)
    )
    return {r[0]: (str(r[1]), bytes(r[2])) for r in conn.execute(statement, {"h": wanted})}


def sources(conn: Connection) -> dict[str, SourceRow]:
    """Every bibliography entry by id."""
    return {r[0]: SourceRow._make(r) for r in conn.execute(text(SOURCES_SQL))}


# -- deck folders and trainees' notes --------------------------------------------------------
def deck_folders(engine: Engine | sqlite3.Connection) -> list[str]:
    """The deck folders the user added, through the engine or on a plain connection (the
    statement is the sync's own: :func:`studyapp.store.sync.deck_folder_paths`)."""
    if isinstance(engine, sqlite3.Connection):
        return deck_folder_paths(engine)
    with engine.connect() as conn:
        return deck_folder_paths(conn)


def add_deck_folder(engine: Engine | sqlite3.Connection, path: str) -> None:
    """Remember the deck folder ``path`` (once), through the engine or on a library's plain
    connection, in a transaction of its own, committed (a sync records the folders it adds
    in its own: :func:`studyapp.store.sync.add_deck_folders`, the statement used here)."""
    if isinstance(engine, sqlite3.Connection):
        with engine:
            add_deck_folders(engine, [path])
        return
    with engine.begin() as conn:
        add_deck_folders(conn, [path])


def folder_decks(engine: Engine, folder: str) -> list[str]:
    """The active decks whose file lies directly in ``folder``, by id."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, path FROM deck WHERE active = 1 ORDER BY id")).all()
    return [str(r.id) for r in rows if str(Path(str(r.path)).parent) == folder]


def remove_deck_folder(engine: Engine, folder: str) -> list[str]:
    """Forget the added ``folder`` and take its decks off the study list, in one transaction.

    Its decks are deactivated and their notes and cards retired, as when their files vanish
    from a synced folder: every review and memory state is kept, and adding the folder again
    restores them. Returns the ids of the decks taken off.
    """
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM deck_folder WHERE path = :p"), {"p": folder})
        rows = conn.execute(text("SELECT id, path FROM deck WHERE active = 1")).all()
        decks = sorted(str(r.id) for r in rows if str(Path(str(r.path)).parent) == folder)
        if decks:
            ids = {"d": decks}
            for sql in (
                "UPDATE deck SET active = 0, digest = '' WHERE id IN :d",
                "UPDATE note SET retired = 1, retired_reason = NULL "
                "WHERE deck_id IN :d AND retired = 0",
                "UPDATE card SET retired = 1 WHERE deck_id IN :d AND retired = 0",
            ):
                conn.execute(text(sql).bindparams(bindparam("d", expanding=True)), ids)
            from studyapp.store import queries  # (queries imports this module)

            generation = queries.sync_generation(conn)
            queries.bump_sync_generation(conn, generation)  # a plan made before is stale now
    return decks


def user_note(engine: Engine, note_id: str) -> str:
    """The trainee's note on a card ('' if none)."""
    with engine.connect() as conn:
        value = conn.execute(
            text("SELECT text FROM user_note WHERE note_id = :n"), {"n": note_id}
        ).scalar()
    return str(value or "")


def save_user_note(engine: Engine, note_id: str, note: str) -> None:
    """Store the trainee's note on a card, stamped with the current time."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO user_note (note_id, text, updated_at) VALUES (:n, :t, "
                "strftime('%s','now')) ON CONFLICT(note_id) DO UPDATE SET "
                "text = excluded.text, updated_at = excluded.updated_at"
            ),
            {"n": note_id, "t": note},
        )


def delete_user_note(engine: Engine, note_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM user_note WHERE note_id = :n"), {"n": note_id})


# -- settings --------------------------------------------------------------------------------
def read_settings(engine: Engine) -> dict[str, str]:
    """Every setting row: key -> JSON text."""
    with engine.connect() as conn:
        return setting_rows(conn)


def write_settings(
    engine: Engine, values: dict[str, str], *, default_retention: float | None = None
) -> None:
    """Store ``values`` (key -> JSON text) in one transaction, and with
    ``default_retention`` the Default deck preset's desired retention."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO setting (key, value) VALUES (:k, :v) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
            ),
            [{"k": key, "v": value} for key, value in values.items()],
        )
        if default_retention is not None:
            conn.execute(
                text(
                    "INSERT INTO preset (id, name, desired_retention) VALUES (1, 'Default', :r) "
                    "ON CONFLICT(id) DO UPDATE SET desired_retention = excluded.desired_retention"
                ),
                {"r": default_retention},
            )


# -- copies ----------------------------------------------------------------------------------
def copy_store(engine: Engine, target: Path) -> None:
    """A consistent copy of the store at ``target`` (``VACUUM INTO``)."""
    with engine.connect() as conn:
        conn.exec_driver_sql(f"VACUUM INTO '{str(target).replace(chr(39), chr(39) * 2)}'")
