"""Message boxes whose text is plain text, whatever it holds.

A ``QMessageBox`` left to guess its text format (as its static ``critical``, ``warning``
and ``question`` do) shows text that looks like HTML as rich text: an exception's message,
a file name or a card's question holding ``<img src=...>`` made Qt open and decode that
file (issue 13). Every box the GUI shows is made here, with its format set: plain text for
anything that holds such text, rich text only for the app's own fixed markup.

Every box is run with ``QMessageBox.exec`` on an instance made in Python, so a test can
replace that one method to see (and answer) every box without a modal loop.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout, QDialog, QDialogButtonBox, QLabel, QMessageBox, QWidget

__all__ = [
    "Icon",
    "StandardButton",
    "add_error_and_buttons",
    "ask",
    "message_box",
    "show_message",
]

Icon = QMessageBox.Icon
StandardButton = QMessageBox.StandardButton


def message_box(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    buttons: QMessageBox.StandardButton = StandardButton.Ok,
    *,
    rich: bool = False,
) -> QMessageBox:
    """A box showing ``text`` as plain text (``rich`` only for the app's own markup)."""
    box = QMessageBox(icon, title, "", buttons, parent)
    box.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    box.setText(text)
    return box


def show_message(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    *,
    rich: bool = False,
) -> None:
    """Show ``text`` in a modal box with an OK button."""
    message_box(parent, icon, title, text, rich=rich).exec()


def ask(parent: QWidget | None, title: str, text: str, *, yes: str, no: str) -> bool:
    """A question in plain text whose buttons say what they do ("Restore", "Keep current"),
    as the Apple and GNOME guidelines ask, instead of Yes and No; True when the answer is
    ``yes``. Return chooses ``yes``; Escape (and closing the box) ``no``, the safe choice.

    They are Qt's Yes and No buttons relabelled, so ``exec`` still returns which one."""
    box = message_box(parent, Icon.Question, title, text, StandardButton.Yes | StandardButton.No)
    box.button(StandardButton.Yes).setText(yes)
    box.button(StandardButton.No).setText(no)
    box.setDefaultButton(StandardButton.Yes)
    box.setEscapeButton(StandardButton.No)
    return box.exec() == StandardButton.Yes


FORM_GAP = 12
"""Pixels between a dialog's form label and its box: Qt's form spacing under our style left
5-7 ('New cards per day|20'), closer than any other label sits to what it names."""


def add_error_and_buttons(
    dialog: QDialog, layout: QBoxLayout, accept: Callable[[], None]
) -> QLabel:
    """The foot of a dialog that checks its input: a hidden error line (plain text, shown
    when ``accept`` refuses) above OK and Cancel; OK calls ``accept``. Returns the line."""
    error = QLabel()
    error.setObjectName("error")
    error.setTextFormat(Qt.TextFormat.PlainText)
    error.setWordWrap(True)
    error.setVisible(False)
    layout.addWidget(error)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(accept)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return error
