"""First run on Linux: missing system libraries of Qt's xcb plugin are named, exit 1.

Qt used to abort (exit 134) with "Reinstalling the application may fix this problem" and a
hint at libxcb-cursor0 even when another library was the one missing. These tests stand a
fake ``ldd`` in for the real one (its output is what ``ldd`` prints for a library that does
not resolve); the real case, with libraries hidden from the loader under Xvfb, is in the
issue's note.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from studyapp.gui import xcbcheck
from tests.freshpython import fresh_python

REPO = Path(__file__).resolve().parents[2]

LDD_OUTPUT = """\tlinux-vdso.so.1 (0x00007ffc)
\tlibQt6XcbQpa.so.6 => /site-packages/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f1)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f2)
\tlibxcb-icccm.so.4 => not found
"""


@pytest.mark.parametrize(
    ("env", "platform", "expected"),
    [
        ({"DISPLAY": ":0"}, "linux", True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb:nomitshm;wayland"}, "linux", True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland"}, "linux", False),
        (
            {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"},
            "linux",
            False,
        ),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM_PLUGIN_PATH": "/opt/qt"}, "linux", False),
        ({}, "linux", False),
        ({"DISPLAY": ":0"}, "darwin", False),
        ({"DISPLAY": ":0"}, "win32", False),
    ],
)
def test_the_check_runs_only_when_qt_will_use_xcb(
    env: dict[str, str], platform: str, expected: bool
) -> None:
    assert xcbcheck.will_use_xcb(env, platform) is expected


def test_ldd_output_gives_each_missing_library_once() -> None:
    assert xcbcheck.parse_ldd(LDD_OUTPUT) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert xcbcheck.parse_ldd("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") == []


def test_the_message_names_libraries_and_packages_for_debian_and_fedora() -> None:
    text = xcbcheck.message(["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libfoo.so.9"])
    lines = text.splitlines()
    assert lines[0].endswith(
        "system libraries that are not installed: libxcb-icccm.so.4, libxcb-keysyms.so.1, "
        "libfoo.so.9."
    )
    assert "  Debian, Ubuntu:  sudo apt install libxcb-icccm4 libxcb-keysyms1" in lines
    assert "  Fedora:          sudo dnf install xcb-util-keysyms xcb-util-wm" in lines
    assert any("provide libfoo.so.9" in line for line in lines)
    assert "Reinstalling" not in text


def test_the_plugin_is_pyside6s_own() -> None:
    plugin = xcbcheck.plugin_path()
    assert plugin is not None and plugin.name == "libqxcb.so" and plugin.is_file()
    assert plugin.parent.parts[-4:] == ("PySide6", "Qt", "plugins", "platforms")


def _fake_ldd(folder: Path, output: str) -> Path:
    folder.mkdir(exist_ok=True)
    ldd = folder / "ldd"
    ldd.write_text(f"#!/bin/sh\ncat <<'OUT'\n{output}OUT\n")
    ldd.chmod(0o755)
    return folder


def _run(tmp_path: Path, *args: str, output: str = LDD_OUTPUT) -> subprocess.CompletedProcess[str]:
    fake = _fake_ldd(tmp_path / "bin", output)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "WAYLAND"))}
    env.update(
        PATH=f"{fake}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(REPO),
        DISPLAY=":99",  # nothing listens there: Qt would fail, were it asked
    )
    return fresh_python(
        "-m", "studyapp", "--data-dir", str(tmp_path / "data"), *args, timeout=120, env=env
    )


@pytest.mark.parametrize("command", [[], ["preview", str(REPO / "decks")]], ids=["app", "preview"])
def test_a_missing_library_is_named_and_the_exit_status_is_one(
    tmp_path: Path, command: list[str]
) -> None:
    result = _run(tmp_path, *command)
    assert result.returncode == 1, result.stderr  # not 134
    assert result.stderr.startswith("studyapp: the study window cannot open: Qt's X11")
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in result.stderr
    assert "qt.qpa" not in result.stderr  # Qt was never asked to load the plugin


def test_screenshots_need_no_check(tmp_path: Path) -> None:
    png = tmp_path / "shot.png"
    result = _run(tmp_path, "--screenshot", str(png), "--size", "400x300")
    assert result.returncode == 0, result.stderr
    assert png.read_bytes().startswith(b"\x89PNG")


def test_in_process_the_check_raises_before_any_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studyapp import app

    fake = _fake_ldd(tmp_path / "bin", LDD_OUTPUT)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(QApplication, "instance", staticmethod(lambda: None))
    with pytest.raises(app.MissingSystemLibraries, match="libxcb-icccm.so.4"):
        app._application()


def test_the_readme_gives_the_apt_and_dnf_lines_for_the_plugins_libraries() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8").replace("\\\n", " ")
    apt = next(line for line in readme.splitlines() if line.startswith("sudo apt install"))
    dnf = next(line for line in readme.splitlines() if line.startswith("sudo dnf install"))
    # Every library the plugin links that is not part of a base system, by its package.
    for soname in (
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
        "libxcb-keysyms.so.1",
        "libxcb-image.so.0",
        "libxcb-render-util.so.0",
        "libxcb-xkb.so.1",
        "libxkbcommon-x11.so.0",
        "libEGL.so.1",
        "libfontconfig.so.1",
    ):
        debian, fedora = xcbcheck.PACKAGES[soname]
        assert f" {debian} " in f"{apt} ", soname
        assert f" {fedora} " in f"{dnf} ", soname
