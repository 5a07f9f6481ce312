"""The one dialog that shows deck problems: scrollable, plain text, and never taller than
the screen (a message box grew with its text until its OK button was off an 800 px screen)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtGui import (
    QFont,
    QGuiApplication,
    QShowEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from studyapp.core.printable import printable
from studyapp.gui.richtext import plain_label
from studyapp.services.library import Problem

__all__ = ["ProblemsDialog"]

_WIDTH, _HEIGHT = 720, 440
"""The dialog's preferred size; it shrinks to fit the window or screen it opens over."""


class ProblemsDialog(QDialog):
    """A heading, a scrollable list of problems grouped by file, and buttons.

    Every text is plain: a problem quotes what an author wrote, which may look like HTML,
    so the list is built from plain text blocks, never parsed as markup. "Copy all" copies
    every problem as ``file:line:column: severity: message``, the form editors read.

    Args:
        title: the window title.
        heading: one or two sentences saying what happened and what was not affected.
        problems: the problems, in the order to list them (grouped by file as they come).
        action: an extra button (label, callback), such as "Deck folders…"; the dialog
            closes before the callback runs.
    """

    def __init__(
        self,
        title: str,
        heading: str,
        problems: Sequence[Problem],
        parent: QWidget | None = None,
        *,
        action: tuple[str, Callable[[], None]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        self.heading = plain_label(heading)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)

        self.lines = [str(problem) for problem in problems]
        self.list = QTextEdit()
        self.list.setReadOnly(True)
        self.list.setAcceptRichText(False)
        self.list.setAccessibleName("Problems")
        _write_grouped(self.list, problems)
        layout.addWidget(self.list, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy all")
        copy.setToolTip("Copy every problem, one per line")
        copy.clicked.connect(self.copy_all)
        self.buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        if action is not None:
            label, callback = action
            extra = QPushButton(label)
            extra.clicked.connect(lambda: self._then(callback))
            self.buttons.addButton(extra, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._fit(parent)

    def _fit(self, parent: QWidget | None) -> None:
        """Take the preferred size, but never more than the window it opens over (less a
        margin) or the screen's available area: the buttons always stay on screen."""
        screen = parent.screen() if parent is not None else QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size()
        width, height = _WIDTH, _HEIGHT
        if parent is not None and parent.isVisible():
            width = min(width, parent.width() - 40)
            height = min(height, parent.height() - 40)
        width = min(width, room.width() - 40)
        height = min(height, room.height() - 60)
        self.setMaximumSize(room)
        self.resize(max(width, 360), max(height, 240))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Enter closes (set once shown: the button box picks its own default on showing).
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setDefault(True)

    def _then(self, callback: Callable[[], None]) -> None:
        self.accept()
        callback()

    def copy_all(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText("\n".join(self.lines) + "\n")


def _where(problem: Problem) -> str:
    """``line 3, column 7``, or '' for a problem with a folder, not a file."""
    if Path(problem.path).suffix not in (".yaml", ".yml"):
        return ""
    return f"line {problem.line}, column {problem.column}"


def _write_grouped(view: QTextEdit, problems: Sequence[Problem]) -> None:
    """Each file's (or folder's) name in bold, then its problems, indented, as plain text
    blocks (``insertText`` never reads markup)."""
    cursor = QTextCursor(view.document())
    bold = QTextCharFormat()
    bold.setFontWeight(QFont.Weight.Bold)
    normal = QTextCharFormat()
    heading = QTextBlockFormat()
    heading.setTopMargin(8)
    item = QTextBlockFormat()
    item.setLeftMargin(18)
    item.setBottomMargin(2)
    shown: str | None = None
    for problem in problems:
        name = printable(problem.path)  # (a name may hold control characters)
        if name != shown:
            if shown is None:
                cursor.setBlockFormat(heading)
            else:
                cursor.insertBlock(heading)
            cursor.insertText(name, bold)
            shown = name
        cursor.insertBlock(item)
        where = _where(problem)
        text = printable(problem.message)
        if where:
            text = f"{where}: {text}"
        if not problem.is_error:
            text = f"warning, {text}"
        cursor.insertText(text, normal)
    view.moveCursor(QTextCursor.MoveOperation.Start)
