"""The folder picker of Add deck folder, sized to show its columns whole.

``QFileDialog.getExistingDirectory`` opens Qt's own dialog (where the platform has no native
one: a Linux desktop without a Qt platform theme, as under Xvfb) at 657x440 px, with its
'Date Modified' column 110 px wide, sized for "10/29/81 02:02PM": its heading read 'Date
Modifie' and each date '2 12…5:27'. This makes the same dialog as that static function does
(directory mode, folders only, native where the platform has one), gives Qt's a size, and
widens its date column to a date as this locale writes it; a native dialog sizes itself
and has no such column.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime
from PySide6.QtWidgets import QFileDialog, QHeaderView, QListView, QSplitter, QTreeView, QWidget

__all__ = ["MIN_SIZE", "SHARE", "choose_folder"]

MIN_SIZE = (720, 480)
"""The picker's smallest size in px: its four columns whole at the default font."""

SHARE = 0.8
"""The picker's share of its window's width and height, above :data:`MIN_SIZE`."""


def choose_folder(parent: QWidget, title: str) -> str:
    """Ask for a folder; its path, or "" if the trainee cancelled."""
    dialog = QFileDialog(parent, title)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly)
    window = parent.window().size()
    width = max(MIN_SIZE[0], round(window.width() * SHARE))
    height = max(MIN_SIZE[1], round(window.height() * SHARE))
    screen = parent.screen()
    if screen is not None:  # never larger than the screen's room
        room = screen.availableGeometry()
        width, height = min(width, room.width()), min(height, room.height())
    dialog.resize(width, height)
    _fit_columns(dialog)
    if not dialog.exec():  # rejected (0) or accepted (1)
        return ""
    chosen = dialog.selectedUrls()
    return chosen[0].toLocalFile() if chosen else ""


def _fit_columns(dialog: QFileDialog) -> None:
    """Qt's dialog only: its 'Size', 'Type' and 'Date Modified' columns wide enough for their
    headings and for a date as the file list writes it (QFileSystemModel: the system
    locale's short format); the name column takes the room left over."""
    tree = dialog.findChild(QTreeView, "treeView")
    if tree is None:  # a native dialog
        return
    header = tree.header()
    sample = QLocale.system().toString(
        QDateTime(QDate(2028, 12, 28), QTime(23, 58)), QLocale.FormatType.ShortFormat
    )
    dated = tree.fontMetrics().horizontalAdvance(sample) + 2 * _CELL_MARGIN
    for column, least in ((1, 0), (2, 0), (3, dated)):
        wanted = max(header.sectionSizeHint(column), least)
        header.resizeSection(column, max(header.sectionSize(column), wanted))
    # The name takes the room left (Qt's fixed 26 'w's overflowed a 720 px dialog).
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    # The wider columns took the room from the places beside them ('Computer' read 'C…').
    splitter = dialog.findChild(QSplitter, "splitter")
    places = dialog.findChild(QListView, "sidebar")
    if splitter is not None and places is not None and splitter.count() == 2:
        side = places.sizeHintForColumn(0) + 2 * _CELL_MARGIN + places.frameWidth() * 2
        splitter.setSizes([side, max(1, dialog.width() - side)])


_CELL_MARGIN = 12
"""A tree cell's padding on each side, beyond its text (Fusion's and the theme's ~10 px)."""
