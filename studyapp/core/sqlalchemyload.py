"""SQLAlchemy imported whole, once, by one thread at a time.

Each of StudyApp's imports of SQLAlchemy at run time comes after a call of
:func:`load_sqlalchemy` in the same block (SQLModel's too:
:func:`studyapp.core.pydanticload.load_sqlmodel` calls it first), so that the import only
finds modules already complete.

Why: as pydantic's (:mod:`studyapp.core.pydanticload`), SQLAlchemy's modules import each
other in cycles, and Python's import system locks each module separately. A thread that
imports a submodule (``from sqlalchemy.exc import ...``) while another runs
``sqlalchemy/__init__`` finds the half-run package in ``sys.modules``, goes on into its
submodules and meets the other thread's half-run ones: "cannot import name 'plugins' from
partially initialized module 'sqlalchemy.dialects'", or a ``_DeadlockError`` (ten threads
each making a first use of SQLAlchemy through the store, 9 runs in 10). In the app the
first import is the store's opening, on the loader task's thread or the main thread,
and no second thread was found importing it then; this makes it so by construction, not
by the order of start-up.

Unlike :mod:`studyapp.core.pydanticload`, importing this module loads nothing: the path to
the first card imports the store's modules but never SQLAlchemy
(tests/gui/test_first_frame.py), so the load is a call made where SQLAlchemy is about to be
imported: one flag test once it is done.
"""

from __future__ import annotations

import threading

from studyapp.core.errors import KnownError

__all__ = ["load_sqlalchemy"]

_lock = threading.Lock()
_loaded = False


def load_sqlalchemy() -> None:
    """Import SQLAlchemy and its SQLite dialect whole, unless done; on any thread.

    The dialect is what opening a store loads next (``create_engine`` imports it by name);
    after these two, the store's use of SQLAlchemy imports none of its modules (checked in
    tests/core/test_sqlalchemyload.py). A failed import is one sentence (a
    :class:`KnownError`), never a traceback."""
    global _loaded
    if _loaded:
        return
    with _lock:  # never held while waiting for pydanticload's lock (nor the reverse)
        if _loaded:
            return
        try:
            import sqlalchemy
            import sqlalchemy.dialects.sqlite  # noqa: F401
        except ImportError as exc:
            raise KnownError(
                f"StudyApp could not load its database library ({exc}); "
                "reinstalling StudyApp should fix this."
            ) from exc
        _loaded = True
