"""The review's steering keys with real key presses: @ suspends, - buries, L "Not now",
Ctrl+1..4 flag, Ctrl+Z takes each back; a sensitive card's content note; undo after the
session ended."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from sqlalchemy import text

from studyapp.services.library import Library
from tests.conftest import Clock

CTRL = Qt.KeyboardModifier.ControlModifier


def column(library: Library, card_id: int, name: str) -> Any:
    with library.engine.connect() as conn:
        return conn.execute(text(f"SELECT {name} FROM card WHERE id = :i"), {"i": card_id}).scalar()


def count(library: Library, sql: str) -> int:
    with library.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def hint_text(review: Any) -> str:
    """The key hints under the review as they read on screen (spaces for no-break ones)."""
    document = QTextDocument()
    document.setHtml(review._hint.text())
    return document.toPlainText().replace("\u00a0", " ")


def start(qtbot: Any, window: Any) -> Any:
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    assert window.stack.currentWidget() is window.review
    return window.review


def test_at_suspends_and_ctrl_z_brings_the_card_back(
    qtbot: Any, window: Any, synced: Library
) -> None:
    review = start(qtbot, window)
    card = review.card
    qtbot.keyClick(review, "@")
    assert column(synced, card.card_id, "suspended") == 1
    assert review.card.card_id != card.card_id
    assert review.notice.isVisible() and review.notice.text().startswith("Suspended")
    qtbot.keyClick(review, Qt.Key.Key_Z, CTRL)
    assert review.card.card_id == card.card_id and not review.revealed
    assert column(synced, card.card_id, "suspended") == 0


def test_every_line_over_the_card_after_a_key_reads_alike(
    qtbot: Any, window: Any, synced: Library
) -> None:
    """After Ctrl+Z the line over the card read "Undone: answer." with a full stop, under
    "Suspended · Ctrl+Z undoes", "Buried until tomorrow · Ctrl+Z undoes" and "Not now: it
    comes back on a later day · Ctrl+Z undoes" without one (seen under Xvfb)."""
    review = start(qtbot, window)
    said = []
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.keyClick(review, Qt.Key.Key_3)
    qtbot.keyClick(review, Qt.Key.Key_Z, CTRL)
    said.append(review.notice.text())
    for key, modifiers in (
        ("@", Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Z, CTRL),
        (Qt.Key.Key_Minus, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_L, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_1, CTRL),
    ):
        qtbot.keyClick(review, key, modifiers)
        assert review.notice.isVisible()
        said.append(review.notice.text())
    assert said[:2] == ["Undone: answer", "Suspended · Ctrl+Z undoes"]
    assert said[2] == "Undone: suspend"
    assert [text for text in said if text.endswith(".")] == []


def test_minus_buries_until_tomorrow_even_after_the_reveal(
    qtbot: Any, window: Any, synced: Library
) -> None:
    review = start(qtbot, window)
    card = review.card
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.keyClick(review, Qt.Key.Key_Minus)
    assert column(synced, card.card_id, "buried_until") > 0
    assert review.card.card_id != card.card_id
    assert count(synced, "SELECT count(*) FROM review") == 0
    qtbot.keyClick(review, Qt.Key.Key_Z, CTRL)
    assert review.card.card_id == card.card_id
    assert column(synced, card.card_id, "buried_until") == 0


def test_ctrl_digits_flag_the_card_and_show_the_flag(
    qtbot: Any, window: Any, synced: Library
) -> None:
    review = start(qtbot, window)
    card = review.card
    assert not review.flag_label.isVisible()
    qtbot.keyClick(review, Qt.Key.Key_1, CTRL)
    assert column(synced, card.card_id, "flag") == 1
    assert review.flag_label.isVisible() and "Red" in review.flag_label.text()
    qtbot.keyClick(review, Qt.Key.Key_4, CTRL)
    assert column(synced, card.card_id, "flag") == 4 and "Blue" in review.flag_label.text()
    qtbot.keyClick(review, Qt.Key.Key_4, CTRL)
    assert column(synced, card.card_id, "flag") == 0 and not review.flag_label.isVisible()
    assert review.card.card_id == card.card_id  # flagging keeps the card on screen
    qtbot.keyClick(review, Qt.Key.Key_Z, CTRL)
    assert column(synced, card.card_id, "flag") == 4
    qtbot.keyClick(review, Qt.Key.Key_3)  # no grade before the reveal, even now
    assert count(synced, "SELECT count(*) FROM review") == 0


def test_l_is_not_now_and_its_button_is_on_screen(qtbot: Any, window: Any, synced: Library) -> None:
    review = start(qtbot, window)
    assert review.not_now_button.isVisible() and "(L)" in review.not_now_button.text()
    assert "L  not now" in hint_text(review)
    card = review.card
    qtbot.keyClick(review, Qt.Key.Key_L)
    assert count(synced, "SELECT count(*) FROM deferral") == 1
    assert count(synced, "SELECT count(*) FROM review") == 0
    assert review.card.card_id != card.card_id
    qtbot.mouseClick(review.not_now_button, Qt.MouseButton.LeftButton)
    assert count(synced, "SELECT count(*) FROM deferral") == 2
    qtbot.keyClick(review, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(review, Qt.Key.Key_Z, CTRL)
    assert count(synced, "SELECT count(*) FROM deferral") == 0
    assert review.card.card_id == card.card_id


HEAVY = """\
format_version: 1
deck:
  id: heavy
  title: Heavy material
  family: safety
cards:
  - id: h-noted
    front: What did the participant describe?
    back: An assault during a session.
    source: zhou2024
    sensitive: true
    content_note: A participant describes sexual assault by a therapist.
  - id: h-plain
    front: A plain question?
    back: A plain answer.
    source: zhou2024
"""


@pytest.fixture
def heavy_window(qtbot: Any, library: Library, tmp_path: Path, clock: Clock) -> Any:
    from studyapp.gui.mainwindow import MainWindow

    folder = tmp_path / "heavy"
    folder.mkdir()
    (folder / "heavy.yaml").write_text(HEAVY, encoding="utf-8")
    assert library.sync([folder]).ok
    win = MainWindow(library, clock=clock)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_a_sensitive_cards_content_note_comes_first_with_not_now_beside_it(
    qtbot: Any, heavy_window: Any, library: Library
) -> None:
    review = start(qtbot, heavy_window)
    text_shown = review.view.toPlainText()
    assert "CONTENT NOTE" in text_shown
    assert "A participant describes sexual assault by a therapist." in text_shown
    assert "What did the participant describe?" not in text_shown
    assert review.show_button.text() == "Show the card"
    assert review.not_now_button.isVisible()
    qtbot.keyClick(review, Qt.Key.Key_3)  # no grade on the content note
    qtbot.keyClick(review, Qt.Key.Key_Space)
    assert "What did the participant describe?" in review.view.toPlainText()
    assert review.show_button.text() == "Show answer"
    qtbot.keyClick(review, Qt.Key.Key_Z, CTRL)  # nothing to undo yet: stays
    qtbot.keyClick(review, Qt.Key.Key_L)
    assert count(library, "SELECT count(*) FROM deferral") == 1
    assert review.card.note_id == "h-plain"
    assert count(library, "SELECT count(*) FROM review") == 0


def test_the_content_note_names_enter_beside_space_as_it_takes_both(
    qtbot: Any, heavy_window: Any
) -> None:
    """The content note's footer read 'Space shows the card' and its text 'Space shows the
    card.', while Enter shows it too, and the question's footer beside it reads 'Space or
    Enter shows the answer'. Both keys are named, and Enter does show the card."""
    review = start(qtbot, heavy_window)
    hint = QTextDocument()
    hint.setHtml(review._hint.text())
    shown = " ".join(hint.toPlainText().replace("\u00a0", " ").split())
    assert shown.startswith("Space or Enter shows the card L not now")
    assert "Space or Enter shows the card." in review.view.toPlainText()
    qtbot.keyClick(review, Qt.Key.Key_Return)
    assert "What did the participant describe?" in review.view.toPlainText()
    assert review.show_button.text() == "Show answer"


def test_undo_after_the_session_ended_goes_back_to_the_card(
    qtbot: Any, window: Any, synced: Library
) -> None:
    review = start(qtbot, window)
    card = review.card
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.keyClick(review, Qt.Key.Key_3)
    qtbot.keyClick(review, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.summary
    qtbot.keyClick(window.summary, Qt.Key.Key_Z, CTRL)
    assert window.stack.currentWidget() is window.review
    assert review.card.card_id == card.card_id
    assert count(synced, "SELECT count(*) FROM review") == 0
    qtbot.keyClick(review, Qt.Key.Key_Escape)
    qtbot.keyClick(window.summary, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.overview
    qtbot.keyClick(window.overview, Qt.Key.Key_Z, CTRL)  # nothing left: stays
    assert window.stack.currentWidget() is window.overview


def test_every_key_hint_shows_its_key_on_a_key_cap(qtbot: Any, window: Any) -> None:
    """The hints read "@ suspend · - bury": the '-' key looked like a dash after the
    separator. Every key, on the question and on the answer, is set on a key cap of one
    style, as Anki's and qutebrowser's key hints set keys apart."""
    review = start(qtbot, window)
    cap = re.compile(r'<span style="([^"]*)">&nbsp;(.*?)&nbsp;</span>')

    def caps() -> list[tuple[str, str]]:
        assert review._hint.textFormat() == Qt.TextFormat.RichText
        return cap.findall(review._hint.text())

    asked = caps()
    assert [key for _style, key in asked] == ["Space", "Enter", "@", "-", "L", "Ctrl+Z", "Esc"]
    qtbot.keyClick(review, Qt.Key.Key_Space)
    shown = caps()
    assert [key for _style, key in shown] == [
        *("1", "2", "3", "Space", "4"),  # Space answers Good once the answer shows
        *("@", "-", "L", "Ctrl+Z", "I", "N", "Esc"),
    ]
    assert len({style for style, _key in asked + shown}) == 1  # one style for every key
    assert "background-color" in shown[0][0]
    assert "-  bury" in hint_text(review) and "·" not in hint_text(review)
