"""Named data migrations: transformations of existing rows, each run once per store.

How and when to add one is in :mod:`studyapp.store.tables`'s docstring. A migration gets the
store's DB-API connection inside the upgrade's transaction, after the schema has been brought
up to the table classes (so it may use every column they define), and must not commit.

This module stays light: opening a store imports it to learn the names registered here.
Import what a migration needs inside its function.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

__all__ = ["DATA_MIGRATIONS", "DataMigration", "data_migration"]

DataMigration = Callable[[sqlite3.Connection], None]

DATA_MIGRATIONS: dict[str, DataMigration] = {}
"""Every registered migration by name, in the order they run (the order of registration)."""


def data_migration(name: str) -> Callable[[DataMigration], DataMigration]:
    """Register the decorated function as the data migration ``name`` (never reuse a name:
    a store that ran a migration of that name will not run another)."""

    def register(function: DataMigration) -> DataMigration:
        if name in DATA_MIGRATIONS:
            raise ValueError(f"a data migration named {name!r} is already registered")
        DATA_MIGRATIONS[name] = function
        return function

    return register
