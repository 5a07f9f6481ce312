"""PySide6's import hook, asking its question of each module by reading the file's bytes.

Once ``shiboken6`` is imported, every module imported after it goes through PySide's hook
(``shibokensupport.feature.feature_imported``), which asks whether the module's source
contains "PySide6" (so that ``from __feature__ import ...`` can apply to it) by
``inspect.getsource``: through linecache, which reads, decodes and keeps every line of the
file, after looking the module's file up again. Here the same question is answered from
the ``.py`` file's bytes (Python source is in an ASCII-compatible encoding, PEP 263, so the
ASCII word is found in the bytes exactly when it is in the text); any other module (no
file, a compiled or sourceless one, a file that cannot be read) is asked the hook's own
way. The start-up to the first card at 200,000 notes (offscreen review screenshot): the
hook's work 7.2 [6.8-8.0] -> 2.5 [2.4-2.6] ms of CPU (its 48 source checks, 41 of them now
from the bytes; 3 runs each, interleaved, load 5-6), and those sources no longer sit in
linecache. The window's first frame imports the same GUI modules after PySide6.

Importing this module installs it (it imports ``shiboken6``, which PySide6 imports first
thing anyway); :mod:`studyapp.app` imports it just before PySide6.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

import shiboken6  # noqa: F401  (loads shibokensupport.feature and installs the hook)

__all__ = ["install", "uses_pyside"]

_FEATURE = "shibokensupport.feature"


def uses_pyside(module: ModuleType, fallback: Callable[[ModuleType], bool]) -> bool:
    """Whether ``module``'s source contains "PySide6", from its ``.py`` file's bytes when it
    has one, else by ``fallback`` (the hook's own check)."""
    path = getattr(module, "__file__", None)
    if isinstance(path, str) and path.endswith(".py"):
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            pass
    return fallback(module)


def install() -> bool:
    """Answer the hook's check with :func:`uses_pyside` (once); False when this PySide has
    no such check (then nothing is changed)."""
    feature = sys.modules.get(_FEATURE)
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(original):
        return False
    if getattr(original, "_reads_bytes", False):
        return True

    def _mod_uses_pyside(module: ModuleType) -> bool:
        return uses_pyside(module, original)

    _mod_uses_pyside._reads_bytes = True  # type: ignore[attr-defined]
    _mod_uses_pyside.original = original  # type: ignore[attr-defined]
    feature._mod_uses_pyside = _mod_uses_pyside  # type: ignore[attr-defined]
    return True


install()
