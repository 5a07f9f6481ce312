"""The one mapping from SQLite and operating-system errors to StudyApp's storage errors.

Every way the store can fail (damaged, full, read-only, locked, an I/O error) becomes a
:class:`~studyapp.core.errors.StorageError` subclass whose message is one sentence for the
trainee, naming the file or folder and what to do. The engine maps SQLAlchemy's errors as
they are raised (``open_engine`` registers :func:`map_engine_errors`); code that uses the
DB-API connection directly (a study session) wraps its calls in :func:`storage_errors`.
Errors that are not about storage (a constraint a bug violated, bad SQL) pass unchanged.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from studyapp.core.errors import (
    DataFolderIsFile,
    StorageError,
    StoreCorrupt,
    StoreFull,
    StoreIOError,
    StoreLocked,
    StoreReadOnly,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import ExceptionContext

__all__ = [
    "access_failure",
    "map_engine_errors",
    "mapped",
    "not_a_folder",
    "storage_error",
    "storage_errors",
]

# SQLite's primary result codes (https://www.sqlite.org/rescode.html).
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = (
    3, 5, 6, 8, 10, 11, 13, 14, 26,
)  # fmt: skip

RESTORE_HINT = "restore a backup (File → Backups… or 'studyapp backup list')"


def not_a_folder(data_dir: Path) -> DataFolderIsFile | None:
    """The error for a data folder that is a file, or whose path goes through one (a
    mistyped ``--data-dir`` or ``STUDYAPP_DATA_DIR``); None if it is not."""
    data_dir = Path(data_dir)
    file = next((p for p in (data_dir, *data_dir.parents) if p.exists()), None)
    if file is None or file.is_dir():
        return None
    return DataFolderIsFile(
        f"Cannot use {data_dir} as the data folder: {file} is a file; choose another "
        "folder with --data-dir (or STUDYAPP_DATA_DIR)."
    )


def _folder_state(folder: Path) -> str | None:
    """Why ``folder`` cannot hold a store, if it cannot: missing, not a folder, read-only."""
    if not folder.exists():
        return "missing"
    if not folder.is_dir():
        return "not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return "read-only"
    return None


def _no_space_left(folder: Path) -> bool:
    """Whether the disk holding ``folder`` is full (less than 1 MiB free). SQLite says "disk
    I/O error" where a full disk stops it growing the WAL index (SQLITE_IOERR_SHMSIZE, at
    every open): that is a full disk to the trainee, whom checking the disk would not help."""
    try:
        return shutil.disk_usage(folder).free < 1 << 20
    except OSError:
        return False


def _sqlite_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    if isinstance(exc, sqlite3.DatabaseError):
        # Errors raised before SQLite gives a code (rare): recognise SQLite's own texts.
        text = str(exc).lower()
        for needle, primary in (
            ("malformed", _CORRUPT),
            ("not a database", _NOTADB),
            ("disk is full", _FULL),
            ("readonly database", _READONLY),
            ("database is locked", _BUSY),
            ("disk i/o error", _IOERR),
            ("unable to open database file", _CANTOPEN),
        ):
            if needle in text:
                return primary
    return None


def storage_error(exc: BaseException, path: Path | str | None) -> StorageError | None:
    """The :class:`StorageError` that ``exc`` means for the store at ``path``, or None when
    ``exc`` is not a storage failure (then the caller re-raises it unchanged)."""
    if isinstance(exc, StorageError):
        return exc
    exc = _unwrapped(exc)
    store = Path(path) if path is not None else None
    where = f"the study store {store}" if store else "the study store"
    folder = store.parent if store else None
    if isinstance(exc, OSError):
        return _os_error(exc, store)
    code = _sqlite_code(exc)
    if code is None:
        return None
    detail = str(exc)
    if code in (_CORRUPT, _NOTADB):
        return StoreCorrupt(
            f"{where[0].upper()}{where[1:]} is damaged ({detail}); nothing more is saved to it "
            f"until you {RESTORE_HINT}."
        )
    if code == _FULL or (code == _IOERR and folder is not None and _no_space_left(folder)):
        return StoreFull(
            f"The disk holding {folder or 'the study store'} is full; free some space and "
            "try again."
        )
    if code in (_READONLY, _PERM):
        state = _folder_state(folder) if folder else None
        if state == "read-only":
            return StoreReadOnly(
                f"The data folder {folder} is read-only, so StudyApp cannot save there; make "
                "it writable or choose another folder with --data-dir."
            )
        return StoreReadOnly(
            f"{where[0].upper()}{where[1:]} is read-only, so the change was not saved; make the "
            "file writable or choose another folder with --data-dir."
        )
    if code in (_BUSY, _LOCKED):
        return StoreLocked(
            f"{where[0].upper()}{where[1:]} is locked by another program; close it and try again."
        )
    if code == _CANTOPEN:
        state = _folder_state(folder) if folder else None
        if state == "read-only":
            return StoreReadOnly(
                f"The data folder {folder} is read-only, so StudyApp cannot open its store "
                "there; make it writable or choose another folder with --data-dir."
            )
        if state is not None:
            return StoreIOError(f"Cannot open {where}: its folder {folder} is {state}.")
        return StoreIOError(f"Cannot open {where} ({detail}).")
    if code == _IOERR:
        return StoreIOError(
            f"The disk reported an input/output error on {where} ({detail}); check the disk, "
            f"then try again or {RESTORE_HINT}."
        )
    return None


def access_failure(exc: BaseException, path: Path) -> StorageError | None:
    """The storage error ``exc`` is when it says the store at ``path`` could not be reached
    (its folder read-only, the disk full, a lock, a file that cannot be opened), not that
    its pages are damaged; else None. A check that meets one of these found no damage."""
    code = _sqlite_code(_unwrapped(exc))
    reached = code in (_CANTOPEN, _READONLY, _PERM, _BUSY, _LOCKED, _FULL) or (
        code == _IOERR and _no_space_left(path.parent)
    )
    return storage_error(exc, path) if reached else None


def _unwrapped(exc: BaseException) -> BaseException:
    """The DB-API error a SQLAlchemy ``DBAPIError`` wraps, else ``exc``. SQLAlchemy is not
    imported for this: without it loaded no such error exists (the start-up's first read
    runs on a plain ``sqlite3`` connection, before SQLAlchemy is imported)."""
    loaded = sys.modules.get("sqlalchemy.exc")
    if loaded is not None and isinstance(exc, loaded.DBAPIError):
        orig = getattr(exc, "orig", None)
        if isinstance(orig, BaseException):
            return orig
    return exc


def _os_error(exc: OSError, path: Path | None) -> StorageError | None:
    name = exc.filename or path or "the study store"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFull(f"The disk holding {name} is full; free some space and try again.")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreReadOnly(
            f"{name} cannot be written ({exc.strerror}); make it writable or choose another "
            "folder with --data-dir."
        )
    if exc.errno == errno.EIO:
        return StoreIOError(f"The disk reported an input/output error on {name}.")
    return None


@contextmanager
def storage_errors(path: Path | str | None) -> Iterator[None]:
    """Raise the :class:`StorageError` a storage failure in the block means (see
    :func:`storage_error`); other errors pass unchanged."""
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:  # sqlite3's, the OS's, SQLAlchemy's DBAPIError; the rest re-raised
        mapped_error = storage_error(exc, path)
        if mapped_error is None:
            raise
        raise mapped_error from exc


P = ParamSpec("P")
R = TypeVar("R")


def mapped(
    path_of: Callable[[Any], Path | str | None],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a method so storage failures in it raise :class:`StorageError`;
    ``path_of(self)`` names the store."""

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        # storage_errors spelled out, the store's path looked up only on a failure: no
        # generator-based context manager around every call (two calls an answer): the
        # wrapper's own cost 1.3 -> 0.1 µs a call.
        @wraps(method)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except StorageError:
                raise
            except Exception as exc:  # as in storage_errors: the rest re-raised
                mapped_error = storage_error(exc, path_of(args[0]))
                if mapped_error is None:
                    raise
                raise mapped_error from exc

        return wrapper

    return decorate


def map_engine_errors(engine: Engine, path: Path | str) -> None:
    """Make every storage failure raised through ``engine`` a :class:`StorageError`."""
    # The guard is imported here, not with this module, which the first frame's path
    # imports (SQLAlchemy never is there; the guard alone is ~0.95 M instructions).
    from studyapp.core.sqlalchemyload import load_sqlalchemy

    load_sqlalchemy()
    from sqlalchemy import event

    def on_error(context: ExceptionContext) -> BaseException | None:
        return storage_error(context.original_exception, path)

    event.listen(engine, "handle_error", on_error, retval=True)
