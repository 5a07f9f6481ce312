"""The one way an author's plain text becomes a tooltip (see :mod:`studyapp.gui.richtext`).

Apart from :mod:`~studyapp.gui.richtext` and free of Qt types: the overview and the status
bar's elided label need only this on the window's first frame, and importing ``richtext``
there made PySide6 build the Python types of ``QUrl``, ``QImage`` and ``QTextBrowser`` (with
their bases and enums) for the card view, which the first frame does not show. Issue 19:
the GUI thread's instructions from the start to the first frame at 50,000 notes (real
``studyapp`` under Xvfb, callgrind, 2 runs each) 1,169.5-1,170.5 -> 1,158.7-1,159.4 M
(-10.9 M, -0.9%).
"""

from __future__ import annotations

from studyapp.core.printable import escape_html

__all__ = ["plain_tooltip"]


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally.

    Qt guesses whether a tooltip is rich text and offers no plain format for it, so the text
    is escaped into rich text that holds no tag of the author's: it shows as written, with
    its line breaks, and wraps like any tooltip.
    """
    return f"<p style='white-space:pre-wrap'>{escape_html(text)}</p>"
