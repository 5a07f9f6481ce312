"""Exception hierarchy: problems of the user's environment versus our own bugs."""

__all__ = [
    "BugError",
    "DataFolderIsFile",
    "KnownError",
    "NoStoreError",
    "StaleSyncPlan",
    "StorageError",
    "StoreCorrupt",
    "StoreFull",
    "StoreInUse",
    "StoreIOError",
    "StoreLocked",
    "StoreReadOnly",
    "StudyAppError",
]


class StudyAppError(Exception):
    """Base class of every error StudyApp raises on purpose."""


class KnownError(StudyAppError):
    """A problem of the user's files or environment (newer database, locked file, bad path).

    The message is meant for the user; interfaces print it without a traceback.
    """


class BugError(StudyAppError):
    """An internal inconsistency: a bug in StudyApp, reported with a traceback."""


class StorageError(KnownError):
    """The study store could not be read or written. Raised only by ``studyapp.store``'s one
    mapping from SQLite and OS errors (``studyapp.store.errors``); the message is one
    sentence that names the file or folder and what the trainee can do."""


class StoreCorrupt(StorageError):
    """The store file is damaged (SQLite: corrupt, not a database, integrity check failed)."""


class StoreFull(StorageError):
    """The disk (or the store's size limit) is full: the change was not saved."""


class StoreReadOnly(StorageError):
    """The store file or its folder cannot be written."""


class StoreLocked(StorageError):
    """Another program holds SQLite's lock on the store for too long."""


class StoreInUse(StoreLocked):
    """Another StudyApp (window or writing command) has this data folder open."""


class StoreIOError(StorageError):
    """The operating system reported an input/output error reading or writing the store."""


class DataFolderIsFile(StorageError):
    """The data folder (``--data-dir``, ``STUDYAPP_DATA_DIR``), or a folder above it, is a
    file: no store can be read or made there."""


class NoStoreError(KnownError):
    """A command that needs an existing store was pointed at a folder without one."""


class StaleSyncPlan(KnownError):
    """A sync plan was made before another sync changed the store; it is never applied."""
