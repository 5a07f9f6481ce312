"""Every key hint on screen sits on a key cap of one style (the review's, ebc60a1): the deck
list's footer read "O deck options · T statistics" in plain text under the review's caps."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel

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


def test_the_deck_lists_count_of_reviews_reads_as_a_count(qtbot: Any, window: Any) -> None:
    """After a first answer the footer read "1 reviews so far", and 3460 reviews read
    "3460" where every other count on screen reads "3,460"."""
    from msgspec.structs import replace

    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    qtbot.keyClick(window.review, Qt.Key.Key_Space)
    qtbot.keyClick(window.review, Qt.Key.Key_3)
    qtbot.keyClick(window.review, Qt.Key.Key_Escape)
    qtbot.keyClick(window.summary, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.overview
    overview = window.overview
    assert read(overview._footer.text()).startswith("1 review so far ")
    many = replace(overview._overview, reviews_total=3460)
    overview.show_overview(many, window.now())
    assert read(overview._footer.text()).startswith("3,460 reviews so far ")


def test_the_deck_lists_key_caps_follow_a_change_of_theme(window: Any) -> None:
    window.overview.set_colors(DARK)
    footer = window.overview._footer.text()
    assert styles(footer) == styles(key_cap("S", DARK))


def test_the_summary_names_its_keys_on_key_caps(qtbot: Any, window: Any) -> None:
    """The session's summary went back to the decks on Enter, Space or Esc, and said so only
    in a tooltip. Its footer names them on the same caps as the review's."""
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.keyClick(review, Qt.Key.Key_3)
    qtbot.keyClick(review, Qt.Key.Key_Escape)
    summary = window.summary
    assert window.stack.currentWidget() is summary
    hint = summary.hint
    assert hint.isVisible() and hint.textFormat() == Qt.TextFormat.RichText
    assert caps(hint.text()) == ["Enter", "Esc"]
    assert styles(hint.text()) == styles(review._hint.text())
    assert read(hint.text()) == " Enter  or  Esc  back to decks"
    summary.set_colors(DARK)
    assert styles(summary.hint.text()) == styles(key_cap("Esc", DARK))
    qtbot.keyClick(summary, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.overview


def test_a_pictures_viewer_names_esc_on_a_key_cap(qtbot: Any) -> None:
    from pathlib import Path

    from msgspec.structs import replace
    from PySide6.QtWidgets import QWidget

    from studyapp.gui.images import ImageViewer
    from studyapp.services.render import ShownImage

    svg = Path(__file__).resolve().parents[2] / "decks" / "images" / "mdma-timeline.svg"
    image = replace(ShownImage("alt", "answer", "svg", 800, 470, b""), data=svg.read_bytes())
    parent = QWidget()
    qtbot.addWidget(parent)
    viewer = ImageViewer(image, DARK, parent)
    qtbot.addWidget(viewer)
    assert viewer.hint.textFormat() == Qt.TextFormat.RichText
    assert caps(viewer.hint.text()) == ["Esc"]
    assert styles(viewer.hint.text()) == styles(key_cap("Esc", DARK))
    assert read(viewer.hint.text()) == " Esc  or a click closes"


def test_the_keyboard_shortcuts_table_sets_every_key_on_a_key_cap(
    qtbot: Any, window: Any, monkeypatch: Any
) -> None:
    """Help > Keyboard shortcuts listed the keys in bold; they are on the footers' caps."""
    from PySide6.QtWidgets import QDialog, QTextBrowser

    tables: list[str] = []

    def run(dialog: QDialog) -> int:
        table = dialog.findChild(QTextBrowser)
        assert table is not None
        tables.append(table.toHtml())
        return 0

    monkeypatch.setattr(QDialog, "exec", run)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    [table] = tables
    document = QTextDocument()
    document.setHtml(table)
    keys = []
    block = document.begin()
    border = window.colors.border.lower()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().background().color().name() == border:
                keys.append(fragment.text().strip("\u00a0"))
            it += 1
        block = block.next()
    assert {"Space", "Enter", "@", "-", "Ctrl+Z", "Ctrl+Shift+C", "Ctrl+,", "F1"} <= set(keys)
    assert "Esc" in keys and "1" in keys


def test_the_summarys_rows_stay_together_in_the_middle_of_a_wide_window(
    qtbot: Any, window: Any
) -> None:
    """At 1920x1080 the summary's values ran from the window's middle to its right edge (a
    cram session's 'Schedule' line 700 px long beside labels 120 px wide). The rows keep
    to a column at most SUMMARY_WIDTH wide in the window's middle, as at 800x600."""
    from studyapp.gui.summary import SUMMARY_WIDTH

    window.resize(1920, 1080)
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    qtbot.keyClick(window.review, Qt.Key.Key_Space)
    qtbot.keyClick(window.review, Qt.Key.Key_3)
    qtbot.keyClick(window.review, Qt.Key.Key_Escape)
    summary = window.summary
    qtbot.waitUntil(lambda: summary.width() > 1800, timeout=2000)
    labels = [w for w in summary.findChildren(QLabel) if w.text() and w.isVisible()]
    rows = [w for w in labels if w in summary.values.values() or w.objectName() == "muted"]
    rows = [w for w in rows if w is not summary.hint]
    assert len(rows) >= 4
    middle = summary.width() // 2
    for label in rows:
        left = label.mapTo(summary, label.rect().topLeft()).x()
        right = left + label.width()
        assert middle - SUMMARY_WIDTH // 2 - 1 <= left and right <= middle + SUMMARY_WIDTH // 2 + 1


def test_the_not_now_tabs_empty_text_names_its_key_on_a_key_cap(qtbot: Any, window: Any) -> None:
    """Statistics > Not now & leeches, with nothing put off, named its key in prose ('L (or
    the button beside its content note) takes it out'), the only key on screen not on a
    cap. It sits on the review's cap, and follows a change of theme."""
    qtbot.keyClick(window.overview, Qt.Key.Key_T)
    screen = window.statistics
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    empty = screen.deferrals.empty
    assert empty.textFormat() == Qt.TextFormat.RichText
    assert caps(empty.text()) == ["L"]
    assert styles(empty.text()) == styles(key_cap("L", window.colors))
    # In the quotes the leech line and the note's dialog use (straight ones read as code).
    assert read(empty.text()).startswith("Nothing put off with “Not now” in the last 30 days.")
    assert screen.deferrals.title.text() == "Put off with “Not now”, the last 30 days"
    screen.set_colors(DARK)
    qtbot.waitUntil(lambda: not screen.busy, timeout=20_000)
    assert styles(screen.deferrals.empty.text()) == styles(key_cap("L", DARK))


def test_the_menus_name_the_deck_lists_letter_keys_beside_their_items(
    qtbot: Any, window: Any
) -> None:
    """Study > Study all due showed S, the deck list's key for it, but Tools > Deck options…
    showed nothing for O, the footer's 'O deck options'. Each item shows the letter after a
    tab (display only: the deck list handles the key), and O on the list still opens them."""
    shown = {}
    for top in window.menuBar().actions():
        for action in top.menu().actions():
            text, _tab, key = action.text().partition("\t")
            shown[text] = key
    assert shown["Study all due"] == "S"
    assert shown["Deck options…"] == "O"
    footer = read(window.overview._footer.text())
    assert "S  everything" in footer and "O  deck options" in footer
    window.overview.options_requested.disconnect()  # (the dialog itself is tested elsewhere)
    with qtbot.waitSignal(window.overview.options_requested, timeout=2000):
        qtbot.keyClick(window.overview, Qt.Key.Key_O)
