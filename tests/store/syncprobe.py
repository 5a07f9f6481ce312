"""Count the syncs SQLite asks the operating system for, from inside this process.

A shim VFS (SQLite's OS layer) is registered as the default through ``ctypes`` in the very
library the ``sqlite3`` module uses: it forwards every call to the real VFS and records each
``xSync`` (which the unix VFS turns into fsync/fdatasync) and each ``xDelete`` with the
sync-the-folder flag. Needs no root, no compiler and no package: only that Python's
``sqlite3`` links SQLite as a shared library (as Linux distributions and python.org's Linux
builds do); otherwise :func:`counting_syncs` says so and the test fails rather than guess.
"""

from __future__ import annotations

import ctypes
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SyncLog", "counting_syncs"]

_OPEN_MAIN_DB, _OPEN_MAIN_JOURNAL, _OPEN_WAL = 0x100, 0x800, 0x80000

_VP = ctypes.c_void_p
# The file name stays a raw pointer: SQLite finds a file's URI parameters and its WAL's
# name from the very pointer it passed, so the shim must forward it, not a copy.
_OPEN = ctypes.CFUNCTYPE(ctypes.c_int, _VP, _VP, _VP, ctypes.c_int, _VP)
_DELETE = ctypes.CFUNCTYPE(ctypes.c_int, _VP, ctypes.c_char_p, ctypes.c_int)
_SYNC = ctypes.CFUNCTYPE(ctypes.c_int, _VP, ctypes.c_int)


class _Vfs(ctypes.Structure):
    _fields_ = [
        ("iVersion", ctypes.c_int),
        ("szOsFile", ctypes.c_int),
        ("mxPathname", ctypes.c_int),
        ("pNext", _VP),
        ("zName", ctypes.c_char_p),
        ("pAppData", _VP),
        ("xOpen", _VP),
        ("xDelete", _VP),
        *((name, _VP) for name in (
            "xAccess", "xFullPathname", "xDlOpen", "xDlError", "xDlSym", "xDlClose",
            "xRandomness", "xSleep", "xCurrentTime", "xGetLastError", "xCurrentTimeInt64",
            "xSetSystemCall", "xGetSystemCall", "xNextSystemCall",
        )),
    ]  # fmt: skip


class _IoMethods(ctypes.Structure):
    _fields_ = [
        ("iVersion", ctypes.c_int),
        *((name, _VP) for name in (
            "xClose", "xRead", "xWrite", "xTruncate", "xSync", "xFileSize", "xLock", "xUnlock",
            "xCheckReservedLock", "xFileControl", "xSectorSize", "xDeviceCharacteristics",
            "xShmMap", "xShmLock", "xShmBarrier", "xShmUnmap", "xFetch", "xUnfetch",
        )),
    ]  # fmt: skip


@dataclass
class SyncLog:
    """What SQLite synced while counting: ``(kind, file name)`` per xSync, kind being
    ``wal``, ``db``, ``journal`` or ``other``; and the files deleted with a folder sync."""

    syncs: list[tuple[str, str]] = field(default_factory=list)
    dir_synced_deletes: list[str] = field(default_factory=list)

    def count(self, kind: str, under: Path | None = None) -> int:
        return sum(
            1
            for k, name in self.syncs
            if k == kind and (under is None or name.startswith(str(under)))
        )


def _sqlite_library() -> ctypes.CDLL:
    import _sqlite3

    paths = {
        line.split()[-1]
        for line in Path("/proc/self/maps").read_text().splitlines()
        if "libsqlite3" in line
    }
    if len(paths) != 1:
        raise RuntimeError(
            f"cannot find the SQLite library {_sqlite3.__file__} uses (mapped: {paths}); "
            "this probe needs sqlite3 linked against a shared libsqlite3"
        )
    lib = ctypes.CDLL(paths.pop())
    lib.sqlite3_libversion.restype = ctypes.c_char_p
    version = lib.sqlite3_libversion().decode()
    if version != sqlite3.sqlite_version:
        raise RuntimeError(f"loaded SQLite {version}, but sqlite3 uses {sqlite3.sqlite_version}")
    lib.sqlite3_vfs_find.restype = ctypes.POINTER(_Vfs)
    lib.sqlite3_vfs_find.argtypes = [ctypes.c_char_p]
    lib.sqlite3_vfs_register.argtypes = [ctypes.POINTER(_Vfs), ctypes.c_int]
    return lib


class _Probe:
    """The shim, built once per process (SQLite keeps a pointer to it for good)."""

    def __init__(self) -> None:
        self.lib = _sqlite_library()
        self.real = self.lib.sqlite3_vfs_find(None)
        self.log: SyncLog | None = None
        self.names: dict[int, tuple[str, str]] = {}
        self.methods: dict[int, _IoMethods] = {}
        base = self.real.contents
        self.vfs = _Vfs()
        ctypes.pointer(self.vfs)[0] = base  # copy every field, then replace three
        self.vfs.pNext = None
        self.vfs.zName = b"studyapp-syncprobe"
        self.real_open = _OPEN(base.xOpen)
        self.real_delete = _DELETE(base.xDelete)
        self.open_cb = _OPEN(self._open)
        self.delete_cb = _DELETE(self._delete)
        self.sync_cbs: dict[int, object] = {}
        self.vfs.xOpen = ctypes.cast(self.open_cb, _VP)
        self.vfs.xDelete = ctypes.cast(self.delete_cb, _VP)
        if self.lib.sqlite3_vfs_register(ctypes.byref(self.vfs), 0) != 0:
            raise RuntimeError("sqlite3_vfs_register failed")

    def _open(self, vfs: int, name: int | None, file: int, flags: int, out: int) -> int:
        rc = self.real_open(vfs, name, file, flags, out)
        if rc != 0 or not file:
            return rc
        slot = ctypes.cast(file, ctypes.POINTER(_VP))
        real_methods = slot[0]
        if not real_methods:
            return rc
        kind = (
            "wal" if flags & _OPEN_WAL
            else "db" if flags & _OPEN_MAIN_DB
            else "journal" if flags & _OPEN_MAIN_JOURNAL
            else "other"
        )  # fmt: skip
        text = ctypes.string_at(name).decode(errors="replace") if name else ""
        self.names[file] = (kind, text)
        slot[0] = ctypes.addressof(self._methods_for(real_methods))
        return rc

    def _methods_for(self, real_methods: int) -> _IoMethods:
        shim = self.methods.get(real_methods)
        if shim is None:
            shim = _IoMethods()
            ctypes.pointer(shim)[0] = ctypes.cast(real_methods, ctypes.POINTER(_IoMethods))[0]
            real_sync = _SYNC(shim.xSync)

            def sync(file: int, flags: int) -> int:
                if self.log is not None:
                    self.log.syncs.append(self.names.get(file, ("other", "")))
                return real_sync(file, flags)

            callback = _SYNC(sync)
            self.sync_cbs[real_methods] = callback
            shim.xSync = ctypes.cast(callback, _VP)
            self.methods[real_methods] = shim
        return shim

    def _delete(self, vfs: int, name: bytes, sync_dir: int) -> int:
        if self.log is not None and sync_dir:
            self.log.dir_synced_deletes.append(name.decode(errors="replace"))
        return self.real_delete(vfs, name, sync_dir)


_probe: _Probe | None = None


@contextmanager
def counting_syncs() -> Iterator[SyncLog]:
    """Within the block, every SQLite connection opened in this process goes through the
    probe, and the yielded log fills as SQLite syncs. Open the connections to count inside
    the block (connections opened before keep the VFS they were opened with)."""
    global _probe
    if _probe is None:
        _probe = _Probe()
    log = SyncLog()
    _probe.log = log
    _probe.lib.sqlite3_vfs_register(ctypes.byref(_probe.vfs), 1)
    try:
        yield log
    finally:
        _probe.lib.sqlite3_vfs_register(_probe.real, 1)
        _probe.log = None
