"""Exception hierarchy: problems of the user's environment versus our own bugs."""

__all__ = ["BugError", "KnownError", "StudyAppError"]


class StudyAppError(Exception):
    """Base class of every error StudyApp raises on purpose."""


class KnownError(StudyAppError):
    """A problem of the user's files or environment (newer database, locked file, bad path).

    The message is meant for the user; interfaces print it without a traceback.
    """


class BugError(StudyAppError):
    """An internal inconsistency: a bug in StudyApp, reported with a traceback."""
