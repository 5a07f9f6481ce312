"""Every switch of Python's cyclic garbage collector, each with the reason it is there.

Reference counting frees almost everything StudyApp builds; the cyclic collector only walks
what is alive looking for cycles, so where a lot is built and nothing cyclic is freed, it is
switched off. These are the only places it is switched.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = [
    "freeze_for_exit",
    "freeze_imported_code",
    "gc_paused",
    "off_for_startup",
    "pause_for_task",
    "resume_after_task",
    "startup_finished",
]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block; restore its previous state afterwards.

    Building many small objects (YAML nodes, validated cards, rows to insert) triggers the
    collector over and over, and each full pass walks everything alive: on a 10,000-card
    sync that was 0.1-0.3 s of a 1.1 s import. Reference counting still frees everything
    that is not in a cycle, and nothing these blocks build is.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- the process's life (studyapp.cli.run, studyapp.app) -------------------------------------
def off_for_startup() -> None:
    """Start-up imports and builds a few hundred thousand long-lived objects and frees no
    cycles: the collector is off until the app is up (:func:`startup_finished`)."""
    gc.disable()


def startup_finished() -> None:
    """The window is up: turn the collector back on if start-up turned it off, after
    freezing the start-up objects, which live as long as the process, so no collection
    walks them again.

    If a worker thread runs now (the start-up sync often does), the collector stays paused
    until the last task ends (:func:`resume_after_task` switches it on then): switched on
    here, it could collect in that worker and free a GUI-thread Qt wrapper there."""
    global _enabled_before_tasks
    if not gc.isenabled():
        gc.freeze()
        if _paused_tasks:
            _enabled_before_tasks = True
        else:
            gc.enable()


def freeze_imported_code() -> None:
    """A large body of code imported after start-up has finished importing (the deck
    format's, with pydantic's: :mod:`studyapp.deckfile.loader`, at the first add of a deck
    folder): freeze everything alive now, as :func:`startup_finished` freezes start-up's
    objects. Its ~35,000 module-level objects (functions, classes, schemas) live as long as
    the process; left young, the first collection after the add walked them all on the GUI
    thread, in the turn after the new decks' paint (26-37 ms of CPU at a load of 14,
    guiadd-r16; the add's longest event-loop gap). The trade, as at start-up: a garbage
    cycle alive at this moment is kept until exit (frozen objects freed by reference
    counting are freed as usual). Cheap (the young generations are moved, not walked), so
    it is safe on any thread."""
    gc.freeze()


def freeze_for_exit() -> None:
    """At the end, freeze everything still alive, so the interpreter's shutdown does not
    walk it all once more (about 200 ms on this machine) only for the OS to free it."""
    gc.freeze()


# -- work on other threads (studyapp.gui.background) -----------------------------------------
# The collector runs in whichever thread happens to allocate. If it runs in a worker thread
# and frees a Qt wrapper that belongs to the GUI thread, Qt crashes (a segfault we saw in the
# test suite). So while any task runs, automatic collection is paused; once none runs, the
# collector's own thresholds take over again, on the GUI thread (BackgroundTask resumes it in
# a little after the task's result was handled, so no collection walks that result). No full
# collection here:
# after a 10,000-card import one took 40-60 ms of the GUI thread, a stall the trainee sees
# (issue 19: no event-loop gap over 50 ms).
_paused_tasks = 0
_enabled_before_tasks = True


def pause_for_task() -> None:
    """A worker thread starts: pause the collector."""
    global _paused_tasks, _enabled_before_tasks
    if _paused_tasks == 0:
        _enabled_before_tasks = gc.isenabled()
        gc.disable()
    _paused_tasks += 1


def resume_after_task() -> None:
    """A worker thread ended: once none is left, switch the collector back on (if it was
    on before the first one)."""
    global _paused_tasks
    _paused_tasks -= 1
    if _paused_tasks == 0 and _enabled_before_tasks:
        gc.enable()
