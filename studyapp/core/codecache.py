"""The code of StudyApp's dataclasses' generated methods, compiled once, not at every start.

:mod:`dataclasses` writes each generated method (``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, a frozen class's ``__setattr__`` and ``__delattr__``) as source text and
compiles it with ``exec`` when the class is made: at every start, ~270 methods for the ~47
dataclasses the start-up to the first card makes, ~20 ms of CPU spent compiling text that
is the same from one start to the next. Python keeps a module's bytecode in ``__pycache__``
for the same reason; here the generated methods' code is kept the same way, in one file of
``studyapp/__pycache__`` per Python version (:func:`cache_path`). Measured on the start-up
to the review's first card at 200,000 notes: compiling those ~270 texts is 20-21 ms of CPU
(load ~5); the whole process 2.662 -> 2.506 G instructions (-5.9%, callgrind, one run each:
the counts repeat within 0.02%); reading the kept code ~1.5 ms; peak RSS +0.3-0.5 MB (the
file's bytes while read).

The file maps each method's exact source text to its code object, so it can never give
code for other text: a class whose fields change generates new text, which is compiled as
before (and kept). The code is the one ``exec`` would compile (``compile(text, "<string>",
"exec", dont_inherit=True)``: dataclasses' module has no ``__future__`` imports to pass on);
the method is then made by the same ``exec`` of that code in the same namespaces. Only
dataclasses of StudyApp's own modules use it. A missing, unreadable or damaged file is
simply compiled again; new code is written once at exit (atomically, unless Python is told
not to write bytecode: ``-B``, ``PYTHONDONTWRITEBYTECODE``).
"""

from __future__ import annotations
import __future__

import atexit
import builtins
import contextlib
import dataclasses
import functools
import marshal
import operator
import os
import sys
from pathlib import Path
from types import CodeType
from typing import Any

__all__ = ["cache_path", "install"]

_known: dict[str, CodeType] = {}
"""The kept code read from the file, and the code this run compiled, by source text."""
_used: set[str] = set()
"""The texts this run made methods from (what the file keeps when this run writes it)."""
_added: set[str] = set()
"""The texts this run compiled (when there are any, the file is written at exit)."""
_installed = False
_loaded = False


def cache_path() -> Path:
    """The file holding the generated methods' code for this Python (like a ``.pyc``)."""
    tag = sys.implementation.cache_tag or "python"
    return Path(__file__).resolve().parent.parent / "__pycache__" / f"dataclass-code.{tag}.bin"


def _load(path: Path) -> dict[str, CodeType]:
    try:
        found = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, CodeType)}


_FUTURE_FLAGS = functools.reduce(
    operator.or_, (getattr(__future__, f).compiler_flag for f in __future__.all_feature_names)
)
_DATACLASS_FLAGS = dataclasses.field.__code__.co_flags & _FUTURE_FLAGS
"""The ``__future__`` flags ``exec`` passes on from its caller (dataclasses' own module:
none) to the text it compiles; compiled here, the text gets exactly those."""


def _exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    """``exec`` as dataclasses calls it: the code compiled as that ``exec`` compiles it (with
    dataclasses' ``__future__`` flags, not this module's), kept when the text is StudyApp's."""
    if isinstance(source, str):
        ours = isinstance(globals, dict) and str(globals.get("__name__", "")).startswith(
            "studyapp."
        )
        if ours and not _loaded:
            _load_kept()
        code = _known.get(source) if ours else None
        if code is None:
            code = compile(source, "<string>", "exec", _DATACLASS_FLAGS, dont_inherit=True)
            if ours:
                _known[source] = code
                _added.add(source)
        if ours:
            _used.add(source)
        source = code
    builtins.exec(source, globals, locals)


def _save(path: Path) -> None:
    """When this run compiled some text: write the code of every method it made (only
    those: the code of classes it did not make costs the next start no memory)."""
    if not _added or sys.dont_write_bytecode:
        return
    import tempfile  # only when there is new code to keep

    kept = {text: _known[text] for text in _used}
    with contextlib.suppress(OSError):
        path.parent.mkdir(exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".dataclass-code.")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(marshal.dumps(kept))
            os.chmod(partial, 0o644)  # as a .pyc (mkstemp makes it 0600)
            os.replace(partial, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(partial)
        else:
            _added.clear()


def install() -> None:
    """Give dataclasses the kept code (once per process; before StudyApp's dataclasses)."""
    global _installed
    if _installed:
        return
    _installed = True
    if getattr(dataclasses, "exec", builtins.exec) is not builtins.exec:
        return  # someone else's exec already: leave it
    dataclasses.exec = _exec  # type: ignore[attr-defined]
    atexit.register(_save, cache_path())


def _load_kept() -> None:
    """Read the kept code, when StudyApp first makes a dataclass (~1.5 ms for ~270 methods)."""
    global _loaded
    _loaded = True
    _known.update({**_load(cache_path()), **_known})
