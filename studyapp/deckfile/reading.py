"""Reading an author's file with bounds, so no file can hang, exhaust or crash the app.

Every deck and bibliography file is read here (validate, sync, preview and the GUI all go
through :func:`read_source`), and :mod:`studyapp.deckfile.yamlsource` parses it within the
limits below. Each limit is an error located in the file, never a hang or a traceback:

- only regular files are read: a FIFO (which would block forever), a device (``/dev/zero``
  never ends), a socket, a folder, a symbolic link loop, a missing or unreadable file is a
  one-line problem at ``file:1:1``;
- a file is at most :data:`MAX_FILE_BYTES` (checked before reading, and the read stops
  there even if the file grows meanwhile);
- a document nests at most :data:`MAX_DEPTH` collections deep (Python's recursion limit is
  1,000, and the C and Rust parsers crash at a few tens of thousands);
- a document holds at most :data:`MAX_VALUES` values, counting every value an alias
  repeats, and its aliases repeat at most :data:`ALIAS_FACTOR` times its own values (a
  "billion laughs" file of a few hundred bytes expands to nothing here).

This module imports no YAML machinery: a sync that finds every file unchanged reads none.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from studyapp.deckfile.problems import Problem, Severity

__all__ = [
    "ALIAS_FACTOR",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_PROBLEMS_PER_FILE",
    "MAX_VALUES",
    "name_problem",
    "read_source",
    "real_path",
]

MAX_FILE_BYTES = 4 * 1024 * 1024
"""4 MiB: about 9,000 cards at the benchmark course's density (460 KB per 1,000 cards).
A course splits its cards over several files (one per module)."""
MAX_DEPTH = 50
"""Nesting of collections; a deck needs 5 (file, cards, card, a list field, its items)."""
MAX_VALUES = 200_000
"""Values (mappings, lists and scalars) in one document; a 1,000-card deck holds ~17,000."""
ALIAS_FACTOR = 10
"""Aliases may expand a document to at most this many times the values written in it."""
ALIAS_ALLOWANCE = 10_000
"""... or to this many values, whichever is more (small files may share a list freely)."""
MAX_PROBLEMS_PER_FILE = 200
"""Schema errors reported per file; a note says how many more there are."""


def _error(shown: str, message: str) -> list[Problem]:
    return [Problem(shown, 1, 1, Severity.ERROR, message)]


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a deck file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a regular file; it is not read"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file; it is not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file; it is not read"
    return "is not a regular file; it is not read"


def _os_problem(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "is a symbolic link loop (a link that leads back to itself); it is not read"
    if exc.errno == errno.ENOENT:
        if os.path.islink(path):
            return "is a symbolic link to a file that does not exist"
        return "no such file"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot read: permission denied"
    if exc.errno == errno.ENXIO:
        return "is a socket, not a regular file; it is not read"
    if exc.errno == errno.ENOTDIR:
        return "no such file (a part of its path is not a folder)"
    return f"cannot read: {(exc.strerror or str(exc)).lower()}"


def _too_big(size: int) -> str:
    return (
        f"the file is {size / 1024 / 1024:.1f} MiB; a deck file may be at most "
        f"{MAX_FILE_BYTES // 1024 // 1024} MiB (split its cards over several files)"
    )


def read_source(path: Path, shown: str | None = None) -> tuple[bytes | None, list[Problem]]:
    """The bytes of the author's file at ``path``, or None and the problem that stops it.

    Never blocks and never reads more than :data:`MAX_FILE_BYTES` + 1 bytes: the file is
    checked to be regular before it is opened (a FIFO is opened without waiting for a
    writer, should it be swapped in meanwhile) and checked again on the open descriptor.

    Args:
        path: the file.
        shown: how problems name it (default: ``str(path)``).
    """
    shown = str(path) if shown is None else shown
    try:
        info = os.stat(path)
    except OSError as exc:
        return None, _error(shown, _os_problem(path, exc))
    kind = _kind(info.st_mode)
    if kind is not None:
        return None, _error(shown, kind)
    if info.st_size > MAX_FILE_BYTES:
        return None, _error(shown, _too_big(info.st_size))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        return None, _error(shown, _os_problem(path, exc))
    try:
        kind = _kind(os.fstat(fd).st_mode)
        if kind is not None:  # swapped for something else between the two checks
            return None, _error(shown, kind)
        chunks = []
        remaining = MAX_FILE_BYTES + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        return None, _error(shown, _os_problem(path, exc))
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > MAX_FILE_BYTES:
        return None, _error(shown, _too_big(len(raw)))
    return raw, []


def name_problem(path: Path) -> Problem | None:
    """A warning if ``path`` cannot be named in the store (its name is not valid UTF-8).

    Such a file is skipped, so it neither stops a sync nor blocks the rest of its folder.
    """
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return Problem(
            str(path),
            1,
            1,
            Severity.WARNING,
            "skipped: the name is not valid UTF-8 text; rename it to read it",
        )
    return None


def real_path(path: Path) -> Path:
    """``path`` made absolute with symbolic links resolved, as far as they resolve.

    Unlike :meth:`Path.resolve` on Python 3.11, a symbolic link loop does not raise: the
    loop's own path is returned, and reading it reports the loop.
    """
    return Path(os.path.realpath(path))
