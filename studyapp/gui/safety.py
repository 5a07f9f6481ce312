"""The GUI's safety net: the one place storage errors are shown, the damaged-store and
backups dialogs; the background work that keeps the trainee's progress safe (the start-up
check and backup after the first paint, a backup every 30 minutes of study) is
:class:`~studyapp.gui.safetynet.SafetyNet`, re-exported here.

Every :class:`~studyapp.core.errors.StorageError` any screen meets (the review, the deck
list, statistics, the report, the browser, settings, deck options, optimize, backups, deck
folders) goes through :func:`show_storage_error`: the main window that owns the screen
handles it (:meth:`MainWindow.handle_storage_error`): one sentence in a plain-text box
(:func:`storage_error_box`), never a traceback; a damaged store (found by the start-up
check, or by any read that hits a damaged page) stops all writing and opens
:class:`DamagedStoreDialog`, which offers the newest good backup.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studyapp.core.errors import (
    DataFolderIsFile,
    KnownError,
    StorageError,
    StoreCorrupt,
    StoreFull,
    StoreInUse,
    StoreIOError,
    StoreLocked,
    StoreReadOnly,
)
from studyapp.gui.messages import Icon, ask, show_message
from studyapp.gui.safetynet import BACKUP_EVERY_MS, SafetyNet
from studyapp.services.safety import storage_failure
from studyapp.services.text import describe_moment

if TYPE_CHECKING:  # (imported where a backup is made: see services.safety)
    from studyapp.services.safety import BackupInfo

__all__ = [
    "BACKUP_EVERY_MS",
    "BackupsDialog",
    "DamagedStoreDialog",
    "SafetyNet",
    "as_storage_error",
    "describe_backup",
    "show_storage_error",
    "storage_error_box",
    "storage_title",
]

_TITLES: tuple[tuple[type[KnownError], str], ...] = (
    (DataFolderIsFile, "The data folder is a file"),
    (StoreCorrupt, "The study store is damaged"),
    (StoreFull, "The disk is full"),
    (StoreReadOnly, "The study store cannot be written"),
    (StoreInUse, "StudyApp is already open"),
    (StoreLocked, "The study store is locked"),
    (StoreIOError, "The disk reported an error"),
)


def storage_title(error: KnownError) -> str:
    for kind, title in _TITLES:
        if isinstance(error, kind):
            return title
    return "StudyApp cannot go on"


def storage_error_box(parent: QWidget | None, error: KnownError) -> None:
    """``error`` as one sentence in a box, as plain text (it names files and folders)."""
    icon = Icon.Critical if isinstance(error, StoreCorrupt) else Icon.Warning
    show_message(parent, icon, storage_title(error), str(error))


def show_storage_error(parent: QWidget | None, error: KnownError) -> None:
    """The one GUI path for a storage failure met by ``parent`` or any of its children.

    The nearest widget up ``parent``'s chain with a ``handle_storage_error`` method (the main
    window, whose browser, screens and dialogs are its children) handles it: a damaged store
    stops every write and offers a backup, whichever screen found the damage. Without such
    a window (a dialog shown on its own), one sentence in a box.
    """
    widget = parent
    while widget is not None:
        handle = getattr(widget, "handle_storage_error", None)
        if callable(handle):
            handle(error)
            return
        widget = widget.parentWidget()
    storage_error_box(parent, error)


def as_storage_error(error: BaseException, store: Path) -> StorageError | None:
    """The storage failure ``error`` (raised on a worker thread, say) means for the store
    at ``store``: itself if it is one, a raw SQLite error past the store's mapping as one,
    else None (a deck file's OSError, a bug: shown as what they are)."""
    if isinstance(error, StorageError):
        return error
    if isinstance(error, (KnownError, OSError)):
        return None
    return storage_failure(error, store)


def describe_backup(backup: BackupInfo) -> str:
    """``Sunday 29 November 2026, 09:38 (312 reviews)``: how a trainee sees a backup."""
    made = backup.created.astimezone()
    when = f"{made:%A} {made.day} {made:%B %Y, %H:%M}"
    reviews = "unreadable" if backup.reviews is None else f"{backup.reviews:,} reviews"
    return f"{when} ({reviews})"


class DamagedStoreDialog(QDialog):
    """The store is damaged: say so in one sentence and offer the newest good backup.

    ``exec()`` returns Accepted when the trainee chose to restore :attr:`backup`;
    :attr:`wants_list` is set when they asked to pick another backup instead.
    """

    def __init__(
        self, error: StoreCorrupt, backup: BackupInfo | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("damagedStore")
        self.setWindowTitle("The study store is damaged")
        self.backup = backup
        self.wants_list = False
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        heading = QLabel("<b>Your study store is damaged.</b>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(heading)
        message = QLabel(str(error))
        message.setTextFormat(Qt.TextFormat.PlainText)  # it names the store's path
        message.setWordWrap(True)
        message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(message)
        if backup is not None:
            offer = QLabel(
                f"The newest good backup is from {describe_backup(backup)}. Restoring it "
                "keeps the damaged store aside, so nothing is deleted; answers given after "
                "that backup are not in it."
            )
        else:
            offer = QLabel(
                "There is no backup to restore. You can still look at your decks; nothing "
                "more is saved until the store is repaired or replaced."
            )
        offer.setWordWrap(True)
        layout.addWidget(offer)
        buttons = QDialogButtonBox()
        if backup is not None:
            self.restore_button = buttons.addButton(
                "Restore this backup", QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.restore_button.setObjectName("primary")
            self.restore_button.setDefault(True)
        others = buttons.addButton("Other backups…", QDialogButtonBox.ButtonRole.ActionRole)
        others.clicked.connect(self._choose_other)
        others.setEnabled(backup is not None)
        buttons.addButton("Continue read-only", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # Wrapped labels need a width to know their height: fix the width, then let the
        # layout give every label the height it needs (it fits an 800x600 screen).
        self.setFixedWidth(600)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        self._labels = (heading, message, offer)
        for label in self._labels:
            label.setFixedWidth(600 - 2 * 12 - layout.contentsMargins().left())

    def showEvent(self, event: QShowEvent) -> None:
        # A window's own layout sizes it from its labels' size hints, which ignore their
        # height for the fixed width: a long store path's four lines got three and a half,
        # and the next paragraph drew over the last. Each label gets that height, once its
        # font is the theme's (polished, just before the dialog is shown).
        for label in self._labels:
            label.setMinimumHeight(label.heightForWidth(label.width()))
        super().showEvent(event)

    @Slot()
    def _choose_other(self) -> None:
        self.wants_list = True
        self.reject()


class BackupsDialog(QDialog):
    """File > Backups…: every backup (when, why, reviews held, size), "Back up now", and
    restoring one after a confirmation (the current store is kept as a backup first).

    Args:
        list_backups: returns the backups, newest first.
        back_up: makes a backup now.
        restore: restores a backup by id and returns what the current store was kept as.
    """

    def __init__(
        self,
        list_backups: Callable[[], list[BackupInfo]],
        back_up: Callable[[], BackupInfo] | None,
        restore: Callable[[str], BackupInfo],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("backups")
        self.setWindowTitle("Backups")
        self._list = list_backups
        self._back_up = back_up
        self._restore = restore
        self._backups: list[BackupInfo] = []
        self.restored: BackupInfo | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            "StudyApp backs up your progress when it starts, every 30 minutes of study, "
            "before a deck update that resets cards, and when it closes. Older backups are "
            "thinned out to one a day, then one a week, then one a month."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Made", "Why", "Reviews", "Size"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _index: self.restore_selected())
        layout.addWidget(self.table, 1)
        self.empty = QLabel("No backups yet.")
        self.empty.setObjectName("muted")
        layout.addWidget(self.empty)
        row = QHBoxLayout()
        self.back_up_button = QPushButton("Back up now")
        self.back_up_button.clicked.connect(self.back_up_now)
        self.back_up_button.setEnabled(back_up is not None)
        row.addWidget(self.back_up_button)
        row.addStretch(1)
        self.restore_button = QPushButton("Restore…")
        self.restore_button.setObjectName("primary")
        self.restore_button.clicked.connect(self.restore_selected)
        row.addWidget(self.restore_button)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        row.addWidget(close)
        layout.addLayout(row)
        self.resize(640, 420)
        self.refresh()

    def refresh(self) -> None:
        self._backups = self._list()
        self.table.setRowCount(len(self._backups))
        for i, backup in enumerate(self._backups):
            when = describe_moment(backup.created, weekday=True)
            reviews = "—" if backup.reviews is None else f"{backup.reviews:,}"
            cells = (when, backup.reason_text, reviews, f"{backup.size / 1e6:.1f} MB")
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column >= 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(i, column, item)
        self.empty.setVisible(not self._backups)
        if self._backups:
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self) -> BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self._backups[rows[0].row()] if rows else None

    @Slot()
    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.restore_button.setEnabled(chosen is not None and chosen.restorable)

    @Slot()
    def back_up_now(self) -> None:
        if self._back_up is None:
            return
        try:
            self._back_up()
        except KnownError as exc:
            show_storage_error(self, exc)
        self.refresh()

    @Slot()
    def restore_selected(self) -> None:
        chosen = self.selected()
        if chosen is None or not chosen.restorable:
            return
        if not ask(
            self,
            "Restore this backup?",
            f"Restore the backup from {describe_backup(chosen)}?\n\nYour study store as it "
            "is now is kept as a backup first, so you can go back to it from this list.",
            yes="Restore",
            no="Keep current",
        ):
            return
        try:
            self._restore(chosen.id)
        except KnownError as exc:
            show_storage_error(self, exc)
            self.refresh()
            return
        self.restored = chosen
        self.accept()
