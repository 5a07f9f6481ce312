"""File > Deck folders…: the added deck folders, their state, and adding or removing one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studyapp.core.errors import StorageError
from studyapp.gui import folderpicker
from studyapp.gui.messages import Icon, StandardButton, message_box
from studyapp.gui.problems import ProblemsDialog
from studyapp.gui.richtext import plain_label
from studyapp.gui.safety import show_storage_error
from studyapp.gui.tooltip import plain_tooltip
from studyapp.services.library import FolderStatus

__all__ = ["DeckFoldersDialog"]

_STATUS = Qt.ItemDataRole.UserRole

HEADING = (
    "StudyApp reads these folders for deck updates at every start, each on its own: a "
    "folder that is missing or has errors holds back only its own decks."
)


class DeckFoldersDialog(QDialog):
    """Lists the bundled course decks and every added folder, each with its state.

    Widgets stay passive: the window passes what lists, adds and removes folders.

    Signals:
        changed(): a folder was added or removed (the window syncs the decks again).
    """

    changed = Signal()

    def __init__(
        self,
        statuses: Callable[[], list[FolderStatus]],
        add: Callable[[Path], None],
        remove: Callable[[Path], list[str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._statuses, self._add, self._remove = statuses, add, remove
        self.setWindowTitle("Deck folders")
        self.resize(640, 380)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        heading = plain_label(HEADING)
        heading.setWordWrap(True)
        layout.addWidget(heading)

        self.list = QTreeWidget()
        self.list.setColumnCount(3)
        self.list.setHeaderLabels(["Folder", "Decks", "State"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAllColumnsShowFocus(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # long paths keep their ends
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.list.currentItemChanged.connect(self._on_selection)
        self.list.itemActivated.connect(lambda *_: self.show_problems())
        layout.addWidget(self.list, 1)
        self.detail = plain_label()
        self.detail.setObjectName("muted")
        self.detail.setWordWrap(True)
        layout.addWidget(self.detail)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.add_button = QPushButton("Add folder…")
        self.add_button.clicked.connect(self.choose_folder)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Take the folder's decks off your study list (Delete)")
        self.remove_button.clicked.connect(self.remove_selected)
        self.problems_button = QPushButton("Show problems…")
        self.problems_button.clicked.connect(self.show_problems)
        for button in (self.add_button, self.remove_button, self.problems_button):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.refresh()

    # -- display ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self.list.clear()
        try:
            statuses = self._statuses()
        except StorageError as exc:
            show_storage_error(self, exc)
            statuses = []
        for status in statuses:
            name = "Course decks (built in)" if status.bundled else str(status.path)
            item = QTreeWidgetItem([name, str(status.decks), status.state])
            item.setData(0, _STATUS, status)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, plain_tooltip(str(status.path)))
            self.list.addTopLevelItem(item)
        first = self.list.topLevelItem(min(1, self.list.topLevelItemCount() - 1))
        if first is not None:  # the first added folder, else the bundled decks
            self.list.setCurrentItem(first)
        self._on_selection()
        self._widen_for_paths()

    def _widen_for_paths(self) -> None:
        """As wide as the longest folder's path needs, within the window it opens over (or
        the screen): at 640 px every added folder's path was cut in the middle, even over a
        1600 px window with room to spare."""
        columns = sum(self.list.sizeHintForColumn(c) for c in range(3))
        scroll = self.list.verticalScrollBar().sizeHint().width()
        layout = self.layout()
        assert layout is not None
        margins = layout.contentsMargins()
        chrome = margins.left() + margins.right() + 2 * self.list.frameWidth() + scroll
        owner = self.parentWidget()
        screen = self.screen().availableGeometry().width()
        room = (owner.window().width() if owner is not None else screen) - 80
        wanted = min(columns + chrome + 24, room)
        if wanted > self.width():
            self.resize(wanted, self.height())

    def selected(self) -> FolderStatus | None:
        items = self.list.selectedItems()
        status = items[0].data(0, _STATUS) if items else None
        return status if isinstance(status, FolderStatus) else None

    @Slot()
    def _on_selection(self, *_args: object) -> None:
        status = self.selected()
        self.detail.setText(status.describe if status is not None else "")
        self.remove_button.setEnabled(status is not None and not status.bundled)
        self.problems_button.setEnabled(status is not None and bool(status.problems))

    # -- actions ---------------------------------------------------------------------------
    @Slot()
    def choose_folder(self) -> None:
        folder = folderpicker.choose_folder(self, "Add a folder of decks")
        if folder:
            self.add_folder(Path(folder))

    def add_folder(self, folder: Path) -> None:
        try:
            self._add(folder)
        except StorageError as exc:
            show_storage_error(self, exc)
            return
        self.refresh()
        self.changed.emit()

    @Slot()
    def remove_selected(self) -> None:
        status = self.selected()
        if status is not None and not status.bundled and self.confirm_removal(status):
            try:
                self._remove(status.path)
            except StorageError as exc:
                show_storage_error(self, exc)
                return
            self.refresh()
            self.changed.emit()

    def confirm_removal(self, status: FolderStatus) -> bool:
        decks = (
            f"Its {status.decks} deck{'s' if status.decks != 1 else ''} leave your study list. "
            "Your answers and progress are kept, and come back if you add the folder again."
            if status.decks
            else "None of your decks come from it."
        )
        box = message_box(
            self,
            Icon.Question,
            "Remove deck folder?",
            f"Remove {status.path} from your deck folders?\n\n{decks}",
            StandardButton.Cancel,
        )
        remove = box.addButton("Remove", box.ButtonRole.DestructiveRole)
        box.setDefaultButton(StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is remove

    @Slot()
    def show_problems(self) -> None:
        status = self.selected()
        if status is None or not status.problems:
            return
        ProblemsDialog(
            "Deck folder problems",
            f"{status.path} was not updated; its decks are as they were. Fix these problems "
            "and sync again (F5), or remove the folder.",
            status.problems,
            self,
        ).exec()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        status = self.selected()
        if event.key() == Qt.Key.Key_Delete and status is not None and not status.bundled:
            self.remove_selected()
            return
        super().keyPressEvent(event)
