"""The one way StudyApp writes an output file: atomically, and never over a link or device.

Every file the app writes for the user (exports, the schema, screenshots, reports) goes
through :func:`output_file` or :func:`write_output`:

- the content goes to a temporary file in the target's own folder, is flushed to disk, and
  only then renamed over the target, so a reader sees the old file or the whole new one,
  never a half-written one (a full disk or a crash leaves the old file as it was);
- a target that is a symbolic link, a folder, a device (``/dev/full``), a pipe or a socket
  is refused: renaming over it would silently replace it with a regular file;
- every failure is an :class:`OutputFileError`, one sentence naming the file and the cause.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from studyapp.core.errors import KnownError
from studyapp.core.printable import printable

__all__ = ["OutputFileError", "output_file", "write_output"]


class OutputFileError(KnownError):
    """An output file could not be written; the message names the file and why."""


_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EIO: "an input/output error (the disk may be failing)",
}


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()


def _shown(path: Path) -> str:
    return printable(str(path))


def _refuse(path: Path, why: str) -> OutputFileError:
    return OutputFileError(f"cannot write {_shown(path)}: {why}")


def _check_target(path: Path) -> None:
    """Raise unless ``path`` is a regular file or nothing, in an existing folder."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        raise _refuse(path, f"{_shown(path.parent)} is not a folder") from None
    except OSError as exc:
        raise _refuse(path, _reason(exc)) from exc
    if info is not None:
        mode = info.st_mode
        if stat.S_ISLNK(mode):
            raise _refuse(path, "it is a symbolic link; give the path of a regular file")
        if stat.S_ISDIR(mode):
            raise _refuse(path, "it is a folder; give a file name")
        if not stat.S_ISREG(mode):
            raise _refuse(path, "it is a device, pipe or socket, not a regular file")
    parent = path.parent
    if not parent.is_dir():
        if parent.exists():
            raise _refuse(path, f"{_shown(parent)} is not a folder")
        raise _refuse(path, f"the folder {_shown(parent)} does not exist")


def _fsync_folder(folder: Path) -> None:
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return  # not possible on this platform (Windows): the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def output_file(path: str | os.PathLike[str], *, replace: bool = True) -> Iterator[Path]:
    """Write ``path`` atomically: yields a temporary path in the same folder to write to.

    When the ``with`` block ends without an exception, the temporary file is synced to
    disk and renamed over ``path``; otherwise it is removed and ``path`` is untouched. An
    ``OSError`` raised in the block becomes an :class:`OutputFileError`. The temporary
    file's name does not end like ``path``: a writer that guesses the format from the
    suffix (an image saver) must be told the format.

    With ``replace=False`` an existing ``path`` is never replaced: the finished file is
    linked to its name, which fails if anything holds that name by then (a file that
    appeared meanwhile included); where the file system has no links, it is renamed into
    place after a last look.

    Raises:
        OutputFileError: ``path`` is a symbolic link, folder, device, pipe or socket, its
            folder is missing, or writing fails (full disk, read-only, permission denied);
            or, with ``replace=False``, something is already there.
    """
    target = Path(path)
    _check_target(target)
    if not replace and os.path.lexists(target):
        raise _refuse(target, "it already exists")
    existing = target.stat().st_mode if target.exists() else None
    # os.urandom, as secrets.token_hex uses: importing secrets (with hmac) cost every file
    # written, the start-up's screenshot included, 4.3M instructions (callgrind; issue 19).
    temporary = target.with_name(f".{target.name}.{os.urandom(4).hex()}.tmp")
    try:
        # 0o666 minus the umask, as for any new file (mkstemp would make it 0o600).
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise _refuse(target, _reason(exc)) from exc
    os.close(fd)
    try:
        try:
            yield temporary
            with open(temporary, "rb+") as written:
                os.fsync(written.fileno())
            if existing is not None:
                os.chmod(temporary, stat.S_IMODE(existing))
            _check_target(target)  # again: it may have been swapped for a link meanwhile
            if replace:
                os.replace(temporary, target)
            else:
                _place_new(temporary, target)
        except OSError as exc:
            raise _refuse(target, _reason(exc)) from exc
        _fsync_folder(target.parent)
    finally:
        temporary.unlink(missing_ok=True)


def _place_new(temporary: Path, target: Path) -> None:
    """Give the finished ``temporary`` the name ``target`` unless that name is taken."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise _refuse(target, "it already exists") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV):
            raise
        if os.path.lexists(target):  # no links here (FAT, some network drives)
            raise _refuse(target, "it already exists") from None
        os.replace(temporary, target)


def write_output(path: str | os.PathLike[str], data: bytes | str, *, replace: bool = True) -> None:
    """Write ``data`` (text is written as UTF-8) to ``path`` atomically; see :func:`output_file`
    (``replace=False``: never over an existing file)."""
    content = data.encode("utf-8") if isinstance(data, str) else data
    with output_file(path, replace=replace) as temporary:
        temporary.write_bytes(content)
