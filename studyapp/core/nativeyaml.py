"""The native YAML parser (``yaml_rs``), loaded only by the main thread.

yaml-rs (0.1.6) bundles mimalloc 3.3.2 as its allocator, and mimalloc sets itself up when
the extension is loaded, taking the loading thread for the process's main thread: that
thread's heap is a static one, torn down when the thread exits. glibc gives a new thread the
stack and thread pointer of one that has finished, and mimalloc knows a thread by its thread
pointer; so if a worker thread loaded the extension and then ended, the next thread given
its place is taken for the main thread and allocates from the torn-down heap: a segmentation
fault in its first ``yaml_rs`` call (mimalloc issue #1287, fixed in mimalloc 3.4.0, which
yaml-rs does not ship yet). The GUI hit it: its start-up loader thread imported the deck
format's code, and the thread of a later "Add deck folder" took the loader's place.

The main thread lives as long as the process, so the extension is loaded there and nowhere
else: :func:`native_yaml` on a worker thread gives None until the main thread has loaded it
(the caller then reads the file with PyYAML), and the GUI loads it on its own thread before
it starts any work on another (:class:`studyapp.gui.background.BackgroundTask`). Threads
other than the one that loaded it may use it and end as they like. Nothing else in StudyApp
imports ``yaml_rs`` (an import contract in pyproject.toml).
"""

from __future__ import annotations

import threading
from types import ModuleType

__all__ = ["native_yaml"]

_loaded: ModuleType | None = None
"""``yaml_rs`` once the main thread has imported it whole (never a module half imported)."""


def native_yaml() -> ModuleType | None:
    """``yaml_rs``, loaded by the main thread: on the main thread, loaded now if it is not
    yet (about 2 ms, once); on any other thread, None until the main thread has loaded it.

    Code about to start work on other threads that may parse YAML calls it on the main
    thread first, so that they can use the native parser."""
    global _loaded
    if _loaded is None and threading.current_thread() is threading.main_thread():
        import yaml_rs

        _loaded = yaml_rs
    return _loaded
