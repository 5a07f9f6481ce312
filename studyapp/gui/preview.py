"""The author's preview: every card as trainees see it, re-rendered within a second of a save.

A problems panel lists every validation error as ``file:line:col``; double-clicking one
jumps to the card written at that line. A broken save keeps the last good rendering. A click
on a picture, or ``Z`` (the first picture in sight), shows it as big as the window.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studyapp.gui.cardhtml import card_css, card_html, card_images, image_name
from studyapp.gui.images import (
    ZOOM_KEY,
    ImageViewer,
    first_visible_image,
    watch_image_clicks,
    watch_resizes,
)
from studyapp.gui.richtext import SafeTextView
from studyapp.gui.theme import apply_theme
from studyapp.services.preview import DeckPreview, PreviewState, Problem
from studyapp.services.render import ShownImage

__all__ = ["PreviewWindow"]

_DEBOUNCE_MS = 250
_PROBLEM = Qt.ItemDataRole.UserRole


class PreviewWindow(QMainWindow):
    """Watches the deck files of a :class:`DeckPreview` and re-renders on every save.

    Signals:
        reloaded(PreviewState): after each re-render (for tests and tools).
    """

    reloaded = Signal(object)

    def __init__(self, preview: DeckPreview, *, theme: str = "system", font_size: int = 14) -> None:
        super().__init__()
        self.preview = preview
        self.setWindowTitle("StudyApp preview · " + ", ".join(p.name for p in preview.paths))
        self.resize(1000, 760)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self._colors = apply_theme(app, theme, font_size)
        self._font_size = font_size
        self.state = PreviewState()

        self.view = SafeTextView()
        self._pictures: dict[str, ShownImage] = {}
        self.viewer: ImageViewer | None = None
        watch_image_clicks(self.view, self.zoom)
        self._room = self.view.image_room()
        watch_resizes(self.view, self._on_resized)  # pictures redrawn for their new room
        self.problems = QListWidget()
        self.problems.setWordWrap(True)
        self.problems.itemActivated.connect(self._on_problem_activated)
        self.problems.itemDoubleClicked.connect(self._on_problem_activated)
        self.problems.setToolTip("Double-click a problem to jump to its card")
        self._header = QLabel()
        self._header.setObjectName("muted")
        self._problems_title = QLabel()
        self._problems_title.setObjectName("muted")

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 6, 0, 0)
        lower_layout.addWidget(self._problems_title)
        lower_layout.addWidget(self.problems)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.view)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self._header)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Watching for saves…")

        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._schedule)
        self._watcher.directoryChanged.connect(self._schedule)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(_DEBOUNCE_MS)
        self._timer.timeout.connect(self.reload)
        self.reload()

    @Slot()
    def _schedule(self, *_args: object) -> None:
        # Editors save in bursts (write, rename, touch): wait for the burst to end.
        self._timer.start()

    @Slot()
    def reload(self) -> None:
        self.state = self.preview.reload()
        self._rewatch()
        self._render()
        self.reloaded.emit(self.state)

    def zoom(self, name: str | None) -> None:
        """Show the picture ``name`` (a card's, as the view names it) as big as the window,
        its alt text as the caption; Esc closes."""
        image = self._pictures.get(name or "")
        if image is None:
            return
        self.viewer = ImageViewer(image, self._colors, self)
        self.viewer.open()

    @Slot()
    def _on_resized(self) -> None:
        if self.isVisible() and self.view.image_room() != self._room and self._pictures:
            scrolled = self.view.verticalScrollBar().value()
            self._render()
            self.view.verticalScrollBar().setValue(scrolled)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Z (from the cards' view, which leaves letters alone): the first picture in sight.
        if event.key() == ZOOM_KEY and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.zoom(first_visible_image(self.view))
            return
        super().keyPressEvent(event)

    def _rewatch(self) -> None:
        # Saving by rename replaces the file, which drops its watch; watch again each time.
        wanted = [
            str(p)
            for p in (*self.preview.watched_files(), *self.preview.watched_folders())
            if p.exists()
        ]
        current = set(self._watcher.files()) | set(self._watcher.directories())
        missing = [p for p in wanted if p not in current]
        if missing:
            self._watcher.addPaths(missing)

    def _render(self) -> None:
        state = self.state
        errors = sum(1 for p in state.problems if p.is_error)
        warnings = len(state.problems) - errors
        stale = (
            f" · showing the last good version of {len(state.stale)} file(s)" if state.stale else ""
        )
        self._header.setText(
            " · ".join(
                _counted(n, word)
                for n, word in (
                    (len(state.cards), "card"),
                    (errors, "error"),
                    (warnings, "warning"),
                )
            )
            + stale
        )
        parts = []
        room, ratio = self.view.image_room(), self.view.devicePixelRatioF()
        self._room = room
        images = card_images(
            [card.view for card in state.cards], revealed=True, room=room, ratio=ratio
        )
        self._pictures = {
            image_name(card.view): card.view.image
            for card in state.cards
            if card.view.image is not None and image_name(card.view) in images
        }
        for card in state.cards:
            view = card.view
            anchor = f"{view.note_id}--{view.key}"
            parts.append(
                f'<a name="{html.escape(anchor)}"></a>'
                f'<p class="label">{html.escape(view.deck_title)} · {html.escape(view.note_id)}'
                f" ({html.escape(view.key)}) · {html.escape(Path(card.path).name)}:{card.line}</p>"
                + (card_html(view, revealed=False) if view.kind == "cloze" else "")
                + f"{card_html(view, revealed=True, images=images)}<br/>"
            )
        self.view.set_card_html(
            "".join(parts), css=card_css(self._colors, self._font_size), images=images
        )
        self.problems.clear()
        self._problems_title.setText("Problems" if state.problems else "No problems")
        for problem in state.problems:
            item = QListWidgetItem(str(problem))
            item.setData(_PROBLEM, problem)
            self.problems.addItem(item)

    @Slot(QListWidgetItem)
    def _on_problem_activated(self, item: QListWidgetItem) -> None:
        problem: Problem = item.data(_PROBLEM)
        target = self.card_at(problem.path, problem.line)
        if target is not None:
            self.view.scrollToAnchor(target)
        self.statusBar().showMessage(f"{problem.path}:{problem.line}:{problem.column}")

    def card_at(self, path: str, line: int) -> str | None:
        """The anchor of the last card that starts at or before ``line`` in ``path``."""
        best = None
        for card in self.state.cards:
            if card.path == path and card.line <= line:
                best = f"{card.view.note_id}--{card.view.key}"
        return best


def _counted(n: int, word: str) -> str:
    """``1 error``, ``2 errors``, ``0 warnings``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"
