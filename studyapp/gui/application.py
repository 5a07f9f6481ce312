"""The process's one QApplication: the window's, a screenshot's, and the report's PDF.

Its own module so that ``studyapp report`` makes the application without importing the main
window (:mod:`studyapp.app`, and with it ten modules a PDF does not use): the whole report at
200,000 cards 5,877.8 M -> 5,844.5 M instructions (callgrind, -0.57%).
"""

from __future__ import annotations

import os
import sys

from PySide6.QtWidgets import QApplication

from studyapp.core.errors import KnownError
from studyapp.gui.theme import FUSION_GIVEN

__all__ = ["MissingSystemLibraries", "application", "no_display"]


class MissingSystemLibraries(KnownError):
    """Qt's platform plugin cannot load: the message names the libraries and packages."""


def no_display() -> bool:
    return (
        sys.platform.startswith("linux")
        and "QT_QPA_PLATFORM" not in os.environ
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    )


def application(*, offscreen: bool = False) -> QApplication:
    """The QApplication; ``offscreen`` for screenshots and the report, which need no
    display."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    if offscreen:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif no_display():
        raise KnownError(
            "no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset); "
            "use --screenshot PNG to render a screen offscreen"
        )
    else:
        from studyapp.gui import xcbcheck  # (imported before Qt by the window's start)

        missing = xcbcheck.missing_libraries()
        if missing:  # Qt would abort the process (exit 134) without saying which
            raise MissingSystemLibraries(xcbcheck.message(missing))
    # The style is given at creation (Qt makes it in C++), so apply_theme need not set it
    # from Python: see studyapp.gui.theme.FUSION_GIVEN.
    app = QApplication([*sys.argv[:1], "-style", "Fusion"])
    app.setProperty(FUSION_GIVEN, True)
    app.setApplicationName("StudyApp")
    app.setOrganizationName("StudyApp")
    return app
