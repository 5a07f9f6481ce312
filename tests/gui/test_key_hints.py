"""Every key hint on screen sits on a key cap of one style (the review's, ebc60a1): the deck
list's footer read "O deck options · T statistics" in plain text under the review's caps."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from studyapp.gui.keycaps import key_cap
from studyapp.gui.theme import DARK

CAP = re.compile(r'<span style="([^"]*)">&nbsp;(.*?)&nbsp;</span>')


def caps(html: str) -> list[str]:
    """The keys on key caps in ``html``, in order."""
    return [key for _style, key in CAP.findall(html)]


def styles(html: str) -> set[str]:
    return {style for style, _key in CAP.findall(html)}


def read(html: str) -> str:
    """``html`` as it reads on screen (spaces for no-break ones)."""
    document = QTextDocument()
    document.setHtml(html)
    return document.toPlainText().replace("\u00a0", " ")


def test_the_deck_lists_footer_shows_its_keys_on_the_reviews_key_caps(
    qtbot: Any, window: Any
) -> None:
    footer = window.overview._footer
    assert footer.textFormat() == Qt.TextFormat.RichText
    assert caps(footer.text()) == ["Enter", "S", "O", "T"]
    assert styles(footer.text()) == styles(key_cap("S", window.colors))  # the review's caps
    assert read(footer.text()).startswith("0 reviews so far")  # a count, not a key
    assert "O  deck options" in read(footer.text()) and "·" not in read(footer.text())
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review_hint = window.review._hint.text()
    assert styles(review_hint) == styles(footer.text())


def test_the_deck_lists_key_caps_follow_a_change_of_theme(window: Any) -> None:
    window.overview.set_colors(DARK)
    footer = window.overview._footer.text()
    assert styles(footer) == styles(key_cap("S", DARK))
