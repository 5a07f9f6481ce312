"""Before the first window on Linux/X11: are the system libraries Qt's xcb plugin needs there?

Without them, creating the ``QApplication`` aborts the process (exit 134) with Qt's "no Qt
platform plugin could be initialized. Reinstalling the application may fix this problem",
which names at most one library (``libxcb-cursor0``, even when another one is missing) and
no package. Here ``ldd`` lists the plugin's shared libraries that do not resolve, and the
message names each one with the Debian/Ubuntu and Fedora packages that provide it.

The check runs only when Qt will use xcb (Linux, an X display, no other platform chosen,
not a Wayland session). ``ldd`` takes ~30 ms, so :func:`start` runs it in the background as
the command starts, and :func:`missing_libraries` collects its answer just before the
``QApplication`` is made, after the data stack's imports: it adds no time to a start.

This module imports no Qt (the command line starts the check before Qt is imported).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["PACKAGES", "message", "missing_libraries", "start", "will_use_xcb"]

PACKAGES: dict[str, tuple[str, str]] = {
    # soname: (Debian/Ubuntu package, Fedora package)
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libXau.so.6": ("libxau6", "libXau"),
    "libXdmcp.so.6": ("libxdmcp6", "libXdmcp"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libpng16.so.16": ("libpng16-16", "libpng"),
}

_NOT_FOUND = re.compile(r"^\s*(\S+) => not found\s*$", re.MULTILINE)
_started: subprocess.Popen[str] | None = None


def will_use_xcb(env: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt will load PySide6's own xcb (X11) platform plugin for a window.

    Not when Qt is pointed at other plugins (``QT_PLUGIN_PATH``,
    ``QT_QPA_PLATFORM_PLUGIN_PATH``): which one it loads is then Qt's to say.
    """
    env = os.environ if env is None else env
    if not (platform or sys.platform).startswith("linux"):
        return False
    if env.get("QT_PLUGIN_PATH") or env.get("QT_QPA_PLATFORM_PLUGIN_PATH"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    if env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland":
        return False  # Qt picks its Wayland plugin in a Wayland session
    return bool(env.get("DISPLAY"))


def plugin_path() -> Path | None:
    """Qt's xcb plugin (``libqxcb.so``) as PySide6 ships it, found without importing Qt."""
    folders = []
    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            folders.append(Path(location) / "Qt" / "plugins" / "platforms")
    return next((f / "libqxcb.so" for f in folders if (f / "libqxcb.so").is_file()), None)


def start(env: Mapping[str, str] | None = None) -> None:
    """Start ``ldd`` on the xcb plugin in the background, if Qt will use it."""
    global _started
    if _started is not None or not will_use_xcb(env):
        return
    ldd = shutil.which("ldd")
    plugin = plugin_path()
    if ldd is None or plugin is None:
        return  # nothing to check with: Qt itself will say what it can
    try:
        _started = subprocess.Popen(
            [ldd, str(plugin)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
        )
    except OSError:
        _started = None


def parse_ldd(output: str) -> list[str]:
    """The libraries ``ldd`` reports as ``not found``, sorted, each once."""
    return sorted(set(_NOT_FOUND.findall(output)))


def missing_libraries(env: Mapping[str, str] | None = None) -> list[str]:
    """The xcb plugin's libraries that are not installed ([] if none, or if Qt will not use
    xcb or nothing could be checked)."""
    global _started
    start(env)
    proc, _started = _started, None
    if proc is None:
        return []
    try:
        output, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return []
    return parse_ldd(output)


def message(missing: list[str]) -> str:
    """What to tell the user: the missing libraries and the packages that provide them."""
    debian = sorted({PACKAGES[lib][0] for lib in missing if lib in PACKAGES})
    fedora = sorted({PACKAGES[lib][1] for lib in missing if lib in PACKAGES})
    lines = [
        "studyapp: the study window cannot open: Qt's X11 platform plugin (xcb) needs "
        f"system libraries that are not installed: {', '.join(missing)}.",
    ]
    if debian:
        lines += [
            "Install them, then start StudyApp again:",
            f"  Debian, Ubuntu:  sudo apt install {' '.join(debian)}",
            f"  Fedora:          sudo dnf install {' '.join(fedora)}",
        ]
    unknown = [lib for lib in missing if lib not in PACKAGES]
    if unknown:
        lines.append(
            f"Your distribution's package manager can tell which packages provide "
            f"{', '.join(unknown)}."
        )
    lines.append("(In a Wayland session, QT_QPA_PLATFORM=wayland uses Wayland instead.)")
    return "\n".join(lines)
