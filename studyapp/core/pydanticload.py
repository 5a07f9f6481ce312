"""pydantic and SQLModel imported whole, once, by one thread at a time.

Each of StudyApp's modules that uses pydantic imports this module first (after an
``# isort: split``), and each that uses SQLModel imports :mod:`studyapp.core.sqlmodelload`
first, so that its own ``from pydantic import ...`` only finds modules already complete.

Why: pydantic's modules import each other in cycles (harmless on one thread), and Python's
import system locks each module separately. When two threads make pydantic's FIRST import
at once, entering the cycle at different modules (a deck folder's add reading deck files
with :mod:`studyapp.deckfile.loader` while another task creates a table from
:mod:`studyapp.store.tables`, say), each waits for a module the other is importing;
importlib detects that deadlock and hands one thread the other's half-run module instead of
waiting. Its ``from pydantic.x import Name`` then misses ``Name``, which goes to pydantic's
module ``__getattr__`` (``pydantic._migration.getattr_migration``), itself an import of a
half-run module: an ImportError. The GUI showed it as "Deck update failed": "cannot import
name 'import_string' from partially initialized module 'pydantic._internal._validators'
(most likely due to a circular import)", 1 GUI add in 4 at a load of 9; ten threads each
importing a different pydantic module failed 3 runs in 10 the same way.

Here the whole of it is imported under one lock: a second thread waits for the first to
finish, then finds every module complete. The imports are the names StudyApp uses; building
its models loads no further pydantic module (checked with ``sys.modules`` when this was
written). Nothing here runs on the path to the first card: only modules that need pydantic
import this one, and they are imported lazily.
"""

from __future__ import annotations

import threading

from studyapp.core.errors import KnownError
from studyapp.core.sqlalchemyload import load_sqlalchemy

__all__ = ["load_pydantic", "load_sqlmodel"]

LOCK = threading.Lock()
"""Held while pydantic or SQLModel is imported (:mod:`studyapp.core.sqlmodelload` too)."""

_loaded: set[str] = set()


def load_pydantic() -> None:
    """Import pydantic and pydantic-core whole, unless done; on any thread.

    A failed import is one sentence (a :class:`KnownError`), never a traceback."""
    if "pydantic" in _loaded:
        return
    with LOCK:
        if "pydantic" in _loaded:
            return
        try:
            import pydantic  # noqa: F401
            import pydantic_core  # noqa: F401
            from pydantic import (  # noqa: F401  (each name below is a lazy import of its own)
                BaseModel,
                ConfigDict,
                Discriminator,
                Field,
                StringConstraints,
                Tag,
                TypeAdapter,
                ValidationError,
            )
        except ImportError as exc:
            raise _failed(exc) from exc
        _loaded.add("pydantic")


def load_sqlmodel() -> None:
    """:func:`load_pydantic`, then SQLModel whole (with SQLAlchemy's ORM: its own import
    cycles), unless done; on any thread. Only the store's table definitions need it (~0.1 s
    more), so deck files are read without it."""
    load_pydantic()
    if "sqlmodel" in _loaded:
        return
    # SQLAlchemy whole first, under its own lock and not under LOCK (neither lock is taken
    # while the other is held): SQLModel's import then adds only SQLAlchemy's ORM.
    load_sqlalchemy()
    with LOCK:
        if "sqlmodel" in _loaded:
            return
        try:
            import sqlmodel  # noqa: F401
        except ImportError as exc:
            raise _failed(exc) from exc
        _loaded.add("sqlmodel")


def _failed(exc: ImportError) -> KnownError:
    return KnownError(
        f"StudyApp could not load its deck and store models ({exc}); "
        "reinstalling StudyApp should fix this."
    )


load_pydantic()
