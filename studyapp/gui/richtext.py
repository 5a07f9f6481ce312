"""A read-only rich-text view that never loads anything: no remote or local resources."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QTextBrowser, QWidget

__all__ = ["SafeTextView"]


class SafeTextView(QTextBrowser):
    """Shows sanitised card HTML. Images, style sheets and links are never fetched or followed.

    The services already strip every tag but a few inline ones; refusing every resource here
    is the second lock on the same door.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.requested: list[str] = []

    def loadResource(self, kind: int, name: QUrl | Any) -> Any:
        self.requested.append(name.toString() if isinstance(name, QUrl) else str(name))
        return None

    def set_card_html(self, body: str, *, css: str) -> None:
        self.document().setDefaultStyleSheet(css)
        self.setHtml(body)
