"""Author text outside a card's body is plain text: no resource is ever opened for it.

A deck ``title`` of ``<img src=...>`` used to make the app open and draw a local file (the
description did the same on hover), and ``<img src="/dev/zero">`` aborted the app. Here every
such text points at a canary file watched with inotify (any open of it is seen, whatever
opens it) and at a local server (any connection is seen); the screens that show author text
are rendered, tooltips included, and nothing may be opened or connected to.
"""

from __future__ import annotations

import ctypes
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLabel, QToolTip, QWidget

from studyapp.gui.details import CardDetailsDialog
from studyapp.gui.mainwindow import MainWindow
from studyapp.services.library import Library, ScopeChoice
from tests.conftest import Clock
from tests.freshpython import fresh_python

REPO = Path(__file__).resolve().parents[2]
IN_OPEN = 0x20


class OpenWatch:
    """Sees every open of the watched files (Linux inotify, through libc)."""

    def __init__(self, paths: list[Path]) -> None:
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        assert self._fd >= 0, os.strerror(ctypes.get_errno())
        for path in paths:
            assert self._libc.inotify_add_watch(self._fd, os.fsencode(path), IN_OPEN) >= 0

    def opened(self) -> bool:
        try:
            return bool(os.read(self._fd, 65536))
        except BlockingIOError:
            return False

    def close(self) -> None:
        os.close(self._fd)


def _canary(path: Path) -> Path:
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(0xFF0000)
    assert image.save(str(path))  # (PNG, from the name)
    return path


@pytest.fixture
def server() -> Iterator[socket.socket]:
    listening = socket.create_server(("127.0.0.1", 0))
    listening.setblocking(False)
    yield listening
    listening.close()


def _connected(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


def _evil_deck(folder: Path, canaries: dict[str, Path], port: int) -> dict[str, str]:
    title = f'<img src="{canaries["title"]}"> Evil <b>title</b>'
    description = f'<img src="{canaries["description"]}"><img src="http://127.0.0.1:{port}/d.png">'
    folder.mkdir()
    (folder / "evil.yaml").write_text(
        "format_version: 1\n"
        "deck:\n"
        "  id: evil\n"
        f"  title: '{title}'\n"
        "  family: terms\n"
        f"  description: '{description}'\n"
        "cards:\n"
        "  - id: evil-1\n"
        f"    front: 'Q <img src=\"{canaries['card']}\">'\n"
        f"    back: 'A <img src=\"http://127.0.0.1:{port}/a.png\">'\n"
        "    source: [rieser2021]\n"
    )
    return {"title": title, "description": description}


def _show_every_tooltip(widget: QWidget) -> int:
    """Show each tooltip of ``widget`` and its children as hovering would; how many."""
    tips = [(child, child.toolTip()) for child in [widget, *widget.findChildren(QWidget)]]
    shown = 0
    for child, tip in tips:
        if tip:
            QToolTip.showText(child.mapToGlobal(QPoint(2, 2)), tip, child)
            QApplication.processEvents()
            shown += 1
    QToolTip.hideText()
    return shown


# The offscreen platform cannot raise a tooltip's window; it says so, harmlessly.
@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_titles_and_descriptions_open_no_resource(
    qtbot: Any, tmp_path: Path, server: socket.socket, clock: Clock
) -> None:
    canaries = {
        name: _canary(tmp_path / f"{name}.png") for name in ("title", "description", "card")
    }
    texts = _evil_deck(tmp_path / "decks", canaries, server.getsockname()[1])
    watch = OpenWatch(list(canaries.values()))
    try:
        library = Library(tmp_path / "store")
        assert library.sync([tmp_path / "decks"]).ok
        window = MainWindow(library, clock=clock)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)

        tree = window.overview.tree
        model = tree.model()
        deck_row = model.index(0, 0, model.index(0, 0))
        assert deck_row.data() == texts["title"]  # shown as written
        tooltip = deck_row.data(Qt.ItemDataRole.ToolTipRole)
        QToolTip.showText(tree.mapToGlobal(QPoint(5, 5)), tooltip, tree)
        QApplication.processEvents()
        button_tip = deck_row.siblingAtColumn(4).data(Qt.ItemDataRole.ToolTipRole)
        assert "Evil &lt;b&gt;title" in button_tip  # names the deck, escaped
        QToolTip.showText(tree.mapToGlobal(QPoint(5, 5)), button_tip, tree)
        QApplication.processEvents()
        assert _show_every_tooltip(window) >= 2
        window.grab()

        window._on_study_requested(ScopeChoice.deck("evil"))
        scope = window.review._scope
        assert scope.text() == texts["title"]
        assert scope.textFormat() == Qt.TextFormat.PlainText
        qtbot.keyClick(window.review, Qt.Key.Key_Space)
        window.grab()
        session = window.review.session
        assert session is not None and window.review.card is not None
        details = CardDetailsDialog(session, window.review.card, window)
        qtbot.addWidget(details)
        details.show()
        details.grab()
        shown = [label.text() for label in details.findChildren(QLabel)]
        assert any(texts["title"] in text for text in shown)
        for label in window.findChildren(QLabel) + details.findChildren(QLabel):
            if "<img" in label.text():
                assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
        QApplication.processEvents()
        assert not watch.opened(), "a canary file was opened"
        assert not _connected(server), "a remote resource was requested"
    finally:
        watch.close()


def test_the_watch_sees_what_a_rich_label_would_open(qtbot: Any, tmp_path: Path) -> None:
    # The canary is real: a label left to guess its format does open the file.
    canary = _canary(tmp_path / "canary.png")
    watch = OpenWatch([canary])
    try:
        label = QLabel(f'<img src="{canary}">')
        qtbot.addWidget(label)
        label.show()
        label.grab()
        assert watch.opened()
    finally:
        watch.close()


_SCRIPT = """
import sys
from pathlib import Path
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QToolTip
app = QApplication(sys.argv[:1])
from studyapp.gui.details import CardDetailsDialog
from studyapp.gui.mainwindow import MainWindow
from studyapp.services.library import Library, ScopeChoice
library = Library(Path(sys.argv[1]))
assert library.sync([Path(sys.argv[2])]).ok
window = MainWindow(library)
window.show()
model = window.overview.model
item = model.index(0, 0, model.index(0, 0))
QToolTip.showText(QPoint(5, 5), item.data(3), window)  # Qt.ToolTipRole
app.processEvents()
window.grab()
window._on_study_requested(ScopeChoice.deck("evil"))
window.review.reveal()
window.grab()
CardDetailsDialog(window.review.session, window.review.card, window).grab()
print("drawn")
"""


def test_a_title_pointing_at_dev_zero_no_longer_aborts_the_app(tmp_path: Path) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "evil.yaml").write_text(
        "format_version: 1\n"
        "deck: {id: evil, title: '<img src=\"/dev/zero\">', family: terms,"
        " description: '<img src=\"/dev/zero\">'}\n"
        "cards:\n"
        "  - {id: evil-1, front: 'Q <img src=\"/dev/zero\">', back: A, source: [rieser2021]}\n"
    )
    result = fresh_python(
        "-c",
        _SCRIPT,
        str(tmp_path / "store"),
        str(folder),
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr[-2000:]  # was 134 (std::bad_alloc)
    assert result.stdout.strip() == "drawn"
