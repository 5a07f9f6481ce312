"""Settings, card details, overview counts, personal notes and the screenshot command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from studyapp.services.library import Library
from tests.freshpython import fresh_python


def _text(model: Any, row: int, column: int, parent: Any = None) -> str:
    from PySide6.QtCore import QModelIndex

    return str(model.index(row, column, parent or QModelIndex()).data())


def test_overview_groups_decks_by_family_with_counts(window: Any) -> None:
    model = window.overview.model
    families = [_text(model, i, 0) for i in range(model.rowCount())]
    assert families == ["Mechanisms", "Terms"]
    mechanisms = model.index(0, 0)
    assert [_text(model, 0, c) for c in (1, 2, 3)] == ["6", "0", "0"]
    assert _text(model, 0, 0, mechanisms) == "Sample mechanisms"
    assert window.overview._subtitle.text().startswith("8\u00a0cards to study today")


def test_overview_is_a_model_view_with_no_widget_per_row(window: Any) -> None:
    from PySide6.QtWidgets import QPushButton, QTreeView

    tree = window.overview.tree
    assert type(tree).__mro__[1] is QTreeView  # not a QTreeWidget
    assert tree.indexWidget(tree.model().index(0, 4)) is None
    buttons = [b for b in tree.findChildren(QPushButton) if b.isVisible()]
    assert buttons == []  # the Study buttons are painted by a delegate


def test_studying_one_deck_from_the_overview_with_enter(qtbot: Any, window: Any) -> None:
    tree = window.overview.tree
    tree.setCurrentIndex(tree.model().index(0, 0, tree.model().index(1, 0)))
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.review
    assert window.review.session.scope.deck_ids == ("sample-terms",)
    assert window.review.card.deck_id == "sample-terms"


def test_studying_a_family_from_the_overview_with_space(qtbot: Any, window: Any) -> None:
    tree = window.overview.tree
    tree.setCurrentIndex(tree.model().index(0, 0))
    qtbot.keyClick(window.overview, Qt.Key.Key_Space)
    assert window.stack.currentWidget() is window.review
    assert window.review.session.scope.deck_ids == ("sample-mechanisms",)
    assert window.review.session.scope.label == "Mechanisms"


def test_space_and_s_work_while_the_deck_list_has_the_focus(qtbot: Any, window: Any) -> None:
    tree = window.overview.tree
    tree.setCurrentIndex(tree.model().index(0, 0, tree.model().index(1, 0)))
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_Space)
    assert window.review.session.scope.deck_ids == ("sample-terms",)
    window.review.leave()
    window.show_overview()
    qtbot.keyClick(window.overview.tree, Qt.Key.Key_S)  # not a jump to a row starting "S"
    assert window.stack.currentWidget() is window.review
    assert window.review.session.scope.label == "All decks"


def test_clicking_a_rows_study_button_studies_that_deck(qtbot: Any, window: Any) -> None:
    tree = window.overview.tree
    model = tree.model()
    cell = model.index(0, 4, model.index(1, 0))
    rect = tree.visualRect(cell)
    assert rect.isValid()
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.stack.currentWidget() is window.review
    assert window.review.session.scope.deck_ids == ("sample-terms",)


def test_a_sync_that_changes_nothing_leaves_the_overview_alone(
    qtbot: Any, window: Any, synced: Library
) -> None:
    with qtbot.waitSignal(window.sync_done, timeout=20_000):  # brings in the bundled decks
        window.start_sync()
    model = window.overview.model
    resets: list[int] = []
    changes: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda *_: changes.append(1))
    calls: list[int] = []
    original = synced.overview

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    synced.overview = counted  # type: ignore[method-assign]
    with qtbot.waitSignal(window.sync_done, timeout=20_000) as done:
        window.start_sync()
    assert done.args[0] is not None and not done.args[0].changes_anything
    assert (resets, changes, calls) == ([], [], [])


def test_new_counts_are_updated_in_place(qtbot: Any, window: Any) -> None:
    tree = window.overview.tree
    model = window.overview.model
    terms = model.index(1, 0)
    tree.setCurrentIndex(model.index(0, 0, terms))
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    qtbot.keyClick(window.review, Qt.Key.Key_Space)
    qtbot.keyClick(window.review, Qt.Key.Key_3)  # one new card becomes a learning card
    window.review.leave()
    window.show_overview()
    assert resets == []
    assert sum(int(_text(model, row, 2)) for row in range(model.rowCount())) == 1
    assert tree.currentIndex() == model.index(0, 0, terms)  # the selection stayed


def test_settings_changes_take_effect_at_once(qtbot: Any, window: Any, synced: Library) -> None:
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    qtbot.keyClick(review, Qt.Key.Key_Space)
    assert review.grade_buttons[3].text() == "Good · <10m"
    window.apply_settings(
        synced.settings.with_changes(
            learning_steps=(2.0, 30.0), font_size=20, theme="dark", new_per_day=3
        )
    )
    assert review.grade_buttons[3].text() == "Good · 30m"
    assert "font-size: 23pt" in review.view.document().defaultStyleSheet()
    stored = Library(synced.data_dir, read_only=True)  # the window holds the lock
    assert stored.settings.new_per_day == 3  # stored in the database
    stored.close()
    assert window.palette().window().color().name() == "#1d1f22"


def test_settings_dialog_edits_and_validates(qtbot: Any, synced: Library) -> None:
    from studyapp.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(synced.settings)
    qtbot.addWidget(dialog)
    dialog.critical_retention.setValue(0.97)
    dialog.learning_steps.setText("1, 5, 20")
    dialog.rollover_hour.setValue(6)
    dialog._try_accept()
    result = dialog.result_settings()
    assert result is not None and result.critical_retention == 0.97
    assert result.learning_steps == (1.0, 5.0, 20.0) and result.rollover_hour == 6
    assert result.fsrs_parameters == ()  # the defaults shown, unchanged
    assert dialog.current_module.parent() is None  # no course modules: no row for them
    bad = SettingsDialog(synced.settings)
    qtbot.addWidget(bad)
    bad.learning_steps.setText("soon")
    bad._try_accept()
    assert bad.result_settings() is None and "numbers of minutes" in bad.error.text()


def details_after_the_first_answer(qtbot: Any, window: Any, grade: Qt.Key) -> tuple[Any, Any]:
    """S to study, Space, then ``grade`` on the first card; its details dialog (not shown)
    and that card."""
    from studyapp.gui.details import CardDetailsDialog

    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    first = review.card
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.keyClick(review, grade)
    dialog = CardDetailsDialog(review.session, first)
    qtbot.addWidget(dialog)
    return dialog, first


def test_card_details_show_history_and_memory(qtbot: Any, window: Any) -> None:
    dialog, first = details_after_the_first_answer(qtbot, window, Qt.Key.Key_4)
    rating = dialog.table.item(0, 1)
    assert dialog.table.rowCount() == 1 and rating is not None and rating.text() == "Easy"
    assert "Stability" in dialog.memory.text() and "Retrievability" in dialog.memory.text()


def test_card_details_write_dates_one_way_and_a_short_stability_in_hours(
    qtbot: Any, window: Any
) -> None:
    """After Again on a new card: its stability is hours ("Stability 0.2 days" before), and
    the next due date reads as the history table's ('1 Apr 2026, 09:05', not '2026-04-01')."""
    import re

    dialog, _first = details_after_the_first_answer(qtbot, window, Qt.Key.Key_1)
    memory = dialog.memory.text()
    when, due = dialog.table.item(0, 0), dialog.table.item(0, 3)
    assert when is not None and due is not None
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d", when.text())
    assert f"Next due {due.text()}: a learning step." in memory
    assert re.search(r"Stability \d+ hours: ", memory), memory


def test_i_opens_card_details(qtbot: Any, window: Any) -> None:
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    seen: list[str] = []

    def close_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog):
            seen.append(dialog.windowTitle())
            dialog.reject()

    QTimer.singleShot(50, close_dialog)
    qtbot.keyClick(window.review, Qt.Key.Key_I)
    assert seen and seen[0].startswith("Card details")


def test_personal_note_is_shown_and_survives_a_deck_update(
    qtbot: Any, window: Any, synced: Library, deck_dir: Path
) -> None:
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    note_id = review.card.note_id
    synced.set_user_note(note_id, "Remember: agonist, not antagonist")
    review.refresh()
    qtbot.keyClick(review, Qt.Key.Key_Space)
    assert "YOUR NOTE" in review.view.toPlainText()
    deck = deck_dir / "sample.yaml"
    deck.write_text(deck.read_text().replace("mainly act on?", "chiefly act on?"))
    assert synced.sync([deck_dir]).updated == [note_id]
    assert synced.user_note(note_id) == "Remember: agonist, not antagonist"


def test_background_sync_applies_and_reports(
    qtbot: Any, window: Any, synced: Library, deck_dir: Path
) -> None:
    synced.add_folder(deck_dir)
    deck = deck_dir / "terms.yaml"
    deck.write_text(
        deck.read_text().replace(
            "Psychedelic-assisted therapy", "Psychedelic-assisted therapy (PAT)"
        )
    )
    with qtbot.waitSignal(window.sync_done, timeout=20_000) as blocker:
        window.start_sync()
    plan = blocker.args[0]
    assert plan is not None and plan.ok and "s-pat" in plan.updated


def test_screenshot_command_renders_every_screen(tmp_path: Path, deck_dir: Path) -> None:
    data = tmp_path / "shots"
    assert (
        fresh_python("-m", "studyapp", "--data-dir", str(data), "sync", str(deck_dir)).returncode
        == 0
    )
    for screen in ("overview", "review", "answer", "summary", "settings", "details"):
        out = tmp_path / f"{screen}.png"
        result = fresh_python(
            "-m",
            "studyapp",
            "--data-dir",
            str(data),
            "--screenshot",
            str(out),
            "--screen",
            screen,
            "--size",
            "800x600",
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # screenshots of answered screens use a scratch copy: the trainee's store has no reviews
    lib = Library(data)
    assert lib.overview().reviews_total == 0
    lib.close()


def test_dialogs_name_the_card_by_its_question_not_its_id(qtbot: Any, window: Any) -> None:
    """Card details and the note dialog (N) show the question; the card id never appears."""
    from PySide6.QtWidgets import QLabel

    from studyapp.gui.details import CardDetailsDialog

    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    card = window.review.card
    details = CardDetailsDialog(window.review.session, card)
    qtbot.addWidget(details)
    shown = [details.windowTitle()] + [label.text() for label in details.findChildren(QLabel)]
    assert details.windowTitle() == f"Card details · {card.title}"
    assert card.title and card.title in card.question.replace("<b>", "").replace("</b>", "")
    assert not [text for text in shown if card.note_id in text]
    seen: list[str] = []

    def close_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog):
            seen.extend(label.text() for label in dialog.findChildren(QLabel))
            dialog.reject()

    QTimer.singleShot(50, close_dialog)
    qtbot.keyClick(window.review, Qt.Key.Key_N)
    assert any(card.title in text for text in seen), seen
    assert not [text for text in seen if card.note_id in text]


def test_settings_dialog_sets_the_module_the_trainee_is_in(qtbot: Any, synced: Library) -> None:
    from studyapp.gui.settings_dialog import SettingsDialog
    from studyapp.services.library import CourseModuleInfo

    modules = [CourseModuleInfo(1, "Basics", None), CourseModuleInfo(2, "Later", "2026-04-01")]
    dialog = SettingsDialog(synced.settings, modules=modules)
    qtbot.addWidget(dialog)
    combo = dialog.current_module
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels == [
        "Follow the release dates",
        "Module 1: Basics",
        "Module 2: Later (from 1 Apr 2026)",
    ]
    assert combo.currentData() == 0
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    dialog._try_accept()
    result = dialog.result_settings()
    assert result is not None and result.current_module == 2
    again = SettingsDialog(result, modules=modules)
    qtbot.addWidget(again)
    assert again.current_module.currentText() == "Module 2: Later (from 1 Apr 2026)"


def test_card_details_read_as_a_record_with_room_between_its_parts(qtbot: Any, window: Any) -> None:
    """The details dialog ran its deck line, memory and history into each other (Qt's
    default gaps) and a double-click on a history date opened an editor on it."""
    from PySide6.QtWidgets import QAbstractItemView

    dialog, _first = details_after_the_first_answer(qtbot, window, Qt.Key.Key_3)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.table
    first_cell = table.item(0, 0)
    assert first_cell is not None
    cell = table.visualItemRect(first_cell).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert table.state() != QAbstractItemView.State.EditingState  # nothing to edit
    parts = [dialog.memory, dialog.history_title, table]
    for upper, lower in zip(parts, parts[1:], strict=False):
        assert lower.geometry().top() - upper.geometry().bottom() >= 8, lower
    layout = dialog.layout()
    assert layout is not None and layout.contentsMargins().left() >= 16


def test_a_new_cards_details_show_no_empty_table(qtbot: Any, window: Any, monkeypatch: Any) -> None:
    """I on a card never answered opened "No reviews yet." over an empty table of four
    headers, a 440 px dialog mostly blank (seen under Xvfb). The line stands alone and the
    dialog is as tall as its lines."""
    from PySide6.QtWidgets import QDialog

    from studyapp.gui.details import CardDetailsDialog

    shown: list[tuple[bool, bool, int, int, str]] = []

    def run(dialog: QDialog) -> int:
        assert isinstance(dialog, CardDetailsDialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        layout = dialog.layout()
        assert layout is not None
        wanted = layout.totalHeightForWidth(dialog.width())
        shown.append(
            (
                dialog.table.isVisible(),
                dialog.history_title.isVisible(),
                dialog.height(),
                wanted,
                dialog.history_title.text(),
            )
        )
        dialog.reject()
        return 0

    monkeypatch.setattr(QDialog, "exec", run)
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    assert review.card.state.reps == 0  # a new card
    qtbot.keyClick(review, Qt.Key.Key_I)
    [(table, title, height, wanted, text)] = shown
    assert not table and title and text == "No reviews yet."
    assert height <= wanted + 4, (height, wanted)


def test_card_details_list_the_history_newest_first_as_anki_does(
    qtbot: Any, synced: Library, clock: Any
) -> None:
    """Anki's card info lists a card's reviews newest first; the dialog listed them oldest
    first, so a long history put the answer just given at the bottom, out of sight."""
    from datetime import timedelta

    from studyapp.core.model import Rating
    from studyapp.gui.details import CardDetailsDialog

    session = synced.session(clock=clock)
    first = session.next_card()
    assert first is not None
    session.answer(Rating.AGAIN)
    clock.now += timedelta(minutes=30)
    again = session.next_card()
    assert again is not None and again.card_id == first.card_id
    session.answer(Rating.GOOD)
    dialog = CardDetailsDialog(session, again)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    grades = [dialog.table.item(row, 1) for row in range(2)]
    assert [item.text() if item is not None else None for item in grades] == ["Good", "Again"]
    session.close()


def test_card_details_give_a_learning_cards_history_room_at_800x600(
    qtbot: Any, window: Any, synced: Library
) -> None:
    """With a (re)learning card's longer due line the 640x460 dialog showed one history row
    before scrolling. Over a window at 800x600 the dialog fits the window and shows the
    whole history of six reviews."""
    from sqlalchemy import text

    from studyapp.gui.details import CardDetailsDialog

    window.resize(800, 600)
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    first = review.card
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.keyClick(review, Qt.Key.Key_1)  # Again: a learning step, the longer due line
    cols = "card_id, rating, duration_ms, queue_before, queue_after, stability_after, "
    cols += "difficulty_after, due_after, before, kind"
    with synced.engine.begin() as conn:  # five earlier reviews of the same card
        for days in range(1, 6):
            conn.execute(
                text(
                    f"INSERT INTO review (reviewed_at, {cols}) SELECT reviewed_at - :ms, "
                    f"{cols} FROM review WHERE card_id = :c ORDER BY id LIMIT 1"
                ),
                {"ms": days * 86_400_000, "c": first.card_id},
            )
    dialog = CardDetailsDialog(review.session, first, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.table
    assert "a learning step" in dialog.memory.text()
    assert table.rowCount() == 6
    bottom = table.rowViewportPosition(5) + table.rowHeight(5)
    assert bottom <= table.viewport().height()  # every review shown, no scrolling
    assert not table.verticalScrollBar().isVisible()
    assert dialog.height() <= 600 - 40  # inside the window at 800x600
