"""Study from the overview to the summary with the keyboard only, on real widgets."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import text

from studyapp.core.model import Rating
from studyapp.services.library import Library, ScopeChoice
from tests.gui.test_key_hints import read


def reviews(library: Library) -> list[tuple[Any, ...]]:
    with library.engine.connect() as conn:
        return [
            tuple(r) for r in conn.execute(text("SELECT card_id, rating FROM review ORDER BY id"))
        ]


def card_row(library: Library, card_id: int) -> tuple[Any, ...]:
    with library.engine.connect() as conn:
        return tuple(conn.execute(text("SELECT * FROM card WHERE id = :i"), {"i": card_id}).one())


def test_keyboard_only_session_from_overview_to_summary(
    qtbot: Any, window: Any, synced: Library
) -> None:
    assert window.stack.currentWidget() is window.overview
    qtbot.keyClick(window.overview, Qt.Key.Key_S)  # study everything due
    review = window.review
    assert window.stack.currentWidget() is review
    answered: list[tuple[int, int]] = []
    keys = [Qt.Key.Key_3, Qt.Key.Key_4, Qt.Key.Key_1, Qt.Key.Key_2]
    rounds = 0
    while window.stack.currentWidget() is review:
        card = review.card
        assert card is not None and not review.revealed
        qtbot.keyClick(review, Qt.Key.Key_Space)
        assert review.revealed
        key = keys[rounds % 4] if rounds < 4 else Qt.Key.Key_4
        qtbot.keyClick(review, key)
        answered.append(
            (
                card.card_id,
                {Qt.Key.Key_1: 1, Qt.Key.Key_2: 2, Qt.Key.Key_3: 3, Qt.Key.Key_4: 4}[key],
            )
        )
        rounds += 1
        assert rounds < 40
    assert window.stack.currentWidget() is window.summary
    assert reviews(synced) == answered
    assert window.summary.values["Cards studied"].text() == str(len(answered))
    assert window.summary.title.text() == "Session complete"  # nothing was left
    assert window.summary.values["What is next"].text().startswith("Next review in")
    qtbot.keyClick(window.summary, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.overview


def test_grading_keys_do_nothing_before_the_answer_is_shown(
    qtbot: Any, window: Any, synced: Library
) -> None:
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    qtbot.keyClick(window.review, Qt.Key.Key_3)
    assert reviews(synced) == []
    qtbot.keyClick(window.review, Qt.Key.Key_Return)  # Enter reveals too
    qtbot.keyClick(window.review, Qt.Key.Key_3)
    assert len(reviews(synced)) == 1


def test_space_and_enter_answer_good_once_the_answer_shows(
    qtbot: Any, window: Any, synced: Library
) -> None:
    """Anki's habit: Space (or Enter) shows the answer, and the same key again answers Good;
    the footer and the Good button say so."""
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    first = review.card
    qtbot.keyClick(review, Qt.Key.Key_Space)
    assert review.revealed and reviews(synced) == []
    assert "3 or Space Good" in " ".join(read(review._hint.text()).split())
    assert review.grade_buttons[Rating.GOOD].toolTip().startswith("Good (3 or Space)")
    assert review.grade_buttons[Rating.HARD].toolTip().startswith("Hard (2)")
    qtbot.keyClick(review, Qt.Key.Key_Space)
    assert reviews(synced) == [(first.card_id, int(Rating.GOOD))]
    second = review.card
    assert second.card_id != first.card_id and not review.revealed
    qtbot.keyClick(review, Qt.Key.Key_Return)
    qtbot.keyClick(review, Qt.Key.Key_Enter)
    assert reviews(synced)[-1] == (second.card_id, int(Rating.GOOD))


def test_a_held_space_shows_the_answer_but_never_answers(
    qtbot: Any, window: Any, synced: Library
) -> None:
    """The key's auto-repeat (Space held down) reveals and stops there: only a new press
    grades, so the answer is on screen before it is answered."""
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    qtbot.keyClick(review, Qt.Key.Key_Space)
    for _ in range(5):
        repeat = QKeyEvent(
            QEvent.Type.KeyPress, Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier, " ", True
        )
        QApplication.sendEvent(review, repeat)
    assert review.revealed and reviews(synced) == []


def test_ctrl_z_undoes_several_answers_exactly(qtbot: Any, window: Any, synced: Library) -> None:
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    first = review.card
    before = card_row(synced, first.card_id)
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.keyClick(review, Qt.Key.Key_3)
    second = review.card
    before_second = card_row(synced, second.card_id)
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.keyClick(review, Qt.Key.Key_4)
    assert len(reviews(synced)) == 2

    qtbot.keyClick(review, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert review.card.card_id == second.card_id and not review.revealed
    assert card_row(synced, second.card_id) == before_second
    qtbot.keyClick(review, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert review.card.card_id == first.card_id
    assert card_row(synced, first.card_id) == before
    assert reviews(synced) == []


def test_interval_labels_match_the_scheduler(qtbot: Any, window: Any) -> None:
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    qtbot.keyClick(review, Qt.Key.Key_Space)
    preview = review.session.preview()
    for rating, button in review.grade_buttons.items():
        assert button.isVisible()
        assert button.text() == f"{rating.label} · {preview[rating].label}"
    assert review.grade_buttons[Rating.GOOD].text() == "Good · <10m"  # as Anki writes it


def test_source_appears_only_after_reveal(qtbot: Any, window: Any) -> None:
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    assert "Zhou 2024" not in review.view.toPlainText()
    assert not review.grade_buttons[Rating.GOOD].isVisible()
    qtbot.keyClick(review, Qt.Key.Key_Space)
    assert "SOURCE" in review.view.toPlainText()
    assert "Zhou 2024, Health Science Journal" in review.view.toPlainText()


def test_evidence_card_shows_study_and_as_of(qtbot: Any, window: Any) -> None:
    window._on_study_requested(ScopeChoice.deck("sample-mechanisms"))
    review = window.review
    while review.card is not None and review.card.note_id != "s-mapp1":
        qtbot.keyClick(review, Qt.Key.Key_Space)
        qtbot.keyClick(review, Qt.Key.Key_4)
    assert review.card is not None
    assert "[...]" in review.view.toPlainText()
    qtbot.keyClick(review, Qt.Key.Key_Space)
    assert "Study: Mitchell 2021, Nature Medicine · as of 2025" in review.view.toPlainText()


def test_escape_leaves_and_answers_are_already_committed(
    qtbot: Any, window: Any, synced: Library
) -> None:
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    qtbot.keyClick(window.review, Qt.Key.Key_Space)
    qtbot.keyClick(window.review, Qt.Key.Key_3)
    qtbot.keyClick(window.review, Qt.Key.Key_Space)  # the second card's answer is showing
    qtbot.keyClick(window.review, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.summary
    assert window.summary.values["Cards studied"].text() == "1"
    assert len(reviews(synced)) == 1  # committed before leaving; the second card was not graded
    # Cards were left: not "Session complete ... Next review in 10 min." (the first card's
    # learning step), which told a trainee who stopped early that nothing was left to do.
    left = window.review.session.remaining()
    assert left >= 2  # the card on screen, and the first one's next step
    assert window.summary.title.text() == "Session paused"
    assert window.summary.values["What is next"].text() == f"{left} cards still to study today."
    window.close()  # closing afterwards loses nothing either
    assert len(reviews(synced)) == 1


def test_empty_state_says_when_the_next_review_is(qtbot: Any, window: Any, synced: Library) -> None:
    synced.update_settings(synced.settings.with_changes(new_per_day=1))
    window.show_overview()
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    qtbot.keyClick(window.review, Qt.Key.Key_Space)
    qtbot.keyClick(window.review, Qt.Key.Key_4)
    assert window.stack.currentWidget() is window.summary
    qtbot.keyClick(window.summary, Qt.Key.Key_Escape)
    assert window.overview._empty.isVisible()
    assert window.overview._empty.text().startswith("Nothing due — next review in")


def test_empty_state_at_no_new_cards_a_day_says_where_to_raise_it(
    qtbot: Any, window: Any, synced: Library
) -> None:
    """It said 'Start with new cards.' while the limit of 0 kept every new card back."""
    synced.update_settings(synced.settings.with_changes(new_per_day=0))
    window.show_overview()
    assert window.overview._empty.isVisible()
    assert window.overview._empty.text() == (
        "Nothing due — no reviews scheduled yet, and new cards per day is\u00a00: raise it in "
        "Tools → Settings… (Study) to start new cards."
    )
    assert not window.overview._study_all.isEnabled()


def test_remote_images_in_card_text_are_never_fetched(
    qtbot: Any, synced: Library, deck_dir: Any, clock: Any
) -> None:
    from studyapp.gui.mainwindow import MainWindow

    deck = deck_dir / "sample.yaml"
    deck.write_text(
        deck.read_text().replace(
            "mainly act on?",
            'mainly act on? <img src="http://example.invalid/x.png"><img src="file:///etc/passwd">'
            '<link rel="stylesheet" href="http://example.invalid/s.css"><script>alert(1)</script>',
        )
    )
    assert synced.sync([deck_dir]).ok
    win = MainWindow(synced, clock=clock)
    qtbot.addWidget(win)
    win.show()
    win._on_study_requested(ScopeChoice.deck("sample-mechanisms"))
    review = win.review
    assert review.card is not None and review.card.note_id == "s-5ht2a"
    qtbot.keyClick(review, Qt.Key.Key_Space)
    assert review.view.requested == []
    html = review.view.toHtml()
    assert "example.invalid" not in html and "passwd" not in html and "alert" not in html


def test_the_deck_list_left_open_is_redrawn_when_a_new_study_day_starts(
    qtbot: Any, window: Any, synced: Library, clock: Any
) -> None:
    """A window left on the deck list past the rollover hour kept saying "0 cards to study
    today" until something redrew it (the morning after, with new cards and reviews due)."""
    from datetime import timedelta

    synced.update_settings(synced.settings.with_changes(new_per_day=1))
    window.show_overview()
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    qtbot.keyClick(window.review, Qt.Key.Key_Space)
    qtbot.keyClick(window.review, Qt.Key.Key_4)
    qtbot.keyClick(window.summary, Qt.Key.Key_Return)
    subtitle = window.overview._subtitle
    assert subtitle.text().startswith("0\u00a0cards to study today")
    window._on_day_timer()  # the timer's own slot, as at the hour it was set for
    assert subtitle.text().startswith("0\u00a0cards to study today")  # the same day: as it was
    clock.now += timedelta(days=1)
    window._on_day_timer()  # the new study day's first minute
    assert not subtitle.text().startswith("0\u00a0cards"), subtitle.text()
    assert window._day_timer.isActive()  # set again, for the day after
