"""Deck options, Optimize, the FSRS settings and the safety-critical mark, driven by keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel

from studyapp.core.scheduling import DEFAULT_PARAMETERS
from studyapp.services.library import Library, ScopeChoice
from tests.conftest import Clock
from tests.gui.conftest import Boxes

CRITICAL_DECK = """format_version: 1
deck:
  id: risks
  title: Risks
  family: safety
cards:
  - id: maoi
    front: Which antidepressants must never be combined with MDMA?
    back: MAOIs (risk of serotonin syndrome).
    source: zhou2024
    critical: true
"""


def type_into(qtbot: Any, spin: Any, text: str) -> None:
    """Replace a spin box's value by typing, as a trainee does."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Tab)


def test_o_opens_the_selected_decks_options_and_saves_a_new_preset(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch, boxes: Boxes
) -> None:
    from studyapp.gui.deck_options import DeckOptionsDialog

    shown: list[DeckOptionsDialog] = []

    def edit(dialog: DeckOptionsDialog) -> int:
        shown.append(dialog)
        assert dialog.current_deck() == "sample-mechanisms"
        dialog.add_preset("Exam prep")
        type_into(qtbot, dialog.retention, "0.95")
        type_into(qtbot, dialog.new_per_day, "3")
        dialog._try_accept()
        return int(dialog.result())

    monkeypatch.setattr(DeckOptionsDialog, "exec", edit)
    overview = window.overview
    tree = overview.tree
    tree.setCurrentIndex(overview.model.index(0, 0, overview.model.index(0, 0)))
    qtbot.keyClick(overview, Qt.Key.Key_O)
    assert shown and shown[0].result() == QDialog.DialogCode.Accepted
    options = window.library.deck_options()
    preset = options.preset_of("sample-mechanisms")
    assert (preset.name, preset.desired_retention, preset.new_per_day) == ("Exam prep", 0.95, 3)
    assert options.preset_of("sample-terms").name == "Default"
    assert boxes.shown == []  # no review cards yet: nothing to reschedule, nothing asked
    # The deck list now counts that deck's new cards within its own limit.
    model = overview.model
    mechanisms = model.index(0, 0, model.index(0, 0))
    assert model.index(mechanisms.row(), 1, mechanisms.parent()).data() == "3"


def test_deck_options_refuse_a_duplicate_name_and_keep_the_dialog(qtbot: Any, window: Any) -> None:
    dialog = window.deck_options_dialog("sample-terms")
    qtbot.addWidget(dialog)
    dialog.add_preset("default")
    dialog._try_accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "Two presets are named" in dialog.error.text()
    assert [p.name for p in window.library.deck_options().ordered()] == ["Default"]


def test_a_preset_added_or_renamed_without_a_name_changes_nothing(qtbot: Any, window: Any) -> None:
    """Add… (or Rename…) answered with an empty name made a nameless preset, shown as a
    blank choice, that only OK refused ("A preset needs a name") and that the trainee
    then had to find and delete."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

    dialog = window.deck_options_dialog("sample-terms")
    qtbot.addWidget(dialog)
    dialog.show()
    asked: list[str] = []

    def answer_empty() -> None:
        asked_dialog = QApplication.activeModalWidget()
        assert isinstance(asked_dialog, QInputDialog)
        asked.append(asked_dialog.windowTitle())
        field = asked_dialog.findChild(QLineEdit)
        assert field is not None
        field.selectAll()
        qtbot.keyClicks(field, "   ")
        qtbot.keyClick(field, Qt.Key.Key_Return)

    for button in (dialog.add_button, dialog.rename_button):
        QTimer.singleShot(0, answer_empty)
        button.setFocus()
        qtbot.keyClick(button, Qt.Key.Key_Space)
    assert asked == ["Add preset", "Rename preset"]
    assert [p.name for p in dialog.options.ordered()] == ["Default"]
    assert dialog.preset.currentText() == "Default"
    dialog._try_accept()
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_the_deck_options_error_line_does_not_squash_the_fields(qtbot: Any, window: Any) -> None:
    """The refusal's line took its height from the spin boxes (25 -> 17 px, their digits
    clipped) instead of the dialog growing."""
    dialog = window.deck_options_dialog("sample-terms")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.add_preset("default")
    qtbot.keyClick(dialog, Qt.Key.Key_Return)  # OK: refused, two presets named alike
    assert dialog.error.isVisible() and "Two presets are named" in dialog.error.text()
    QApplication.processEvents()
    for field in (dialog.retention, dialog.new_per_day, dialog.reviews_per_day):
        assert field.height() >= field.sizeHint().height(), field


def test_settings_refuse_malformed_parameters(qtbot: Any, synced: Library) -> None:
    from studyapp.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(synced.settings)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(1)
    dialog.parameters.setFocus()
    dialog.parameters.selectAll()
    qtbot.keyClicks(dialog.parameters, "0.2, 1.3, oops")
    assert "Not usable" in dialog.parameters_state.text()
    dialog._try_accept()
    assert dialog.result_settings() is None
    assert "'oops' is not a number" in dialog.error.text()
    dialog.reset_button.setFocus()
    qtbot.keyClick(dialog.reset_button, Qt.Key.Key_Space)  # Reset to defaults
    assert dialog.parameters_state.text() == "The published defaults."
    dialog._try_accept()
    result = dialog.result_settings()
    assert result is not None and result.fsrs_parameters == ()


def test_optimize_on_a_new_store_says_how_many_more_reviews_are_needed(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studyapp.gui.optimize_dialog import OptimizeDialog

    monkeypatch.setattr(OptimizeDialog, "exec", lambda self: 1)
    window.optimize()
    qtbot.waitUntil(lambda: window.optimize_dialog is not None, timeout=10_000)
    dialog = window.optimize_dialog
    assert dialog.headline.text() == "Not enough review history yet"
    # The sentence under the headline goes on from it, not repeating it (it began 'Not enough
    # review history yet: the optimizer needs', under the headline saying just that).
    assert dialog.detail.text() == (
        "The optimizer needs 64 answers given a day or more after the one before; you have 0, "
        "so 64 more are needed. Nothing was changed."
    )
    assert not dialog.reschedule_wanted()
    assert window.library.settings.fsrs_parameters == ()


def test_optimize_on_a_real_history_shows_the_fit_and_asks_to_reschedule(
    qtbot: Any, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks.history import bundled_history
    from studyapp.gui.mainwindow import MainWindow
    from studyapp.gui.optimize_dialog import OptimizeDialog

    bundled_history(tmp_path / "data", days=200)
    library = Library(tmp_path / "data")
    # Parameters the history does not follow: fitting to it must do better.
    steeper = list(DEFAULT_PARAMETERS)
    steeper[20] = 0.5
    library.set_parameters(steeper)
    window = MainWindow(library)
    qtbot.addWidget(window)

    def accept_with_reschedule(dialog: OptimizeDialog) -> int:
        if dialog.reschedule.isEnabled():
            dialog.reschedule.setChecked(True)
        return 1

    monkeypatch.setattr(OptimizeDialog, "exec", accept_with_reschedule)
    window.optimize()
    qtbot.waitUntil(lambda: window.optimize_dialog is not None, timeout=30_000)
    dialog = window.optimize_dialog
    assert dialog is not None
    assert set(dialog.values) == {"Log loss", "RMSE (bins)"}
    before, after = (float(v) for v in dialog.values["Log loss"])
    assert after < before and "now in use" in dialog.headline.text()
    assert dialog.reschedule_wanted()
    assert window.library.settings.parameters[20] != 0.5
    assert "Rescheduled" in window._status.text()
    window.close()
    library.close()


def test_a_critical_card_is_marked_in_review_and_details(
    qtbot: Any, library: Library, tmp_path: Path, clock: Clock
) -> None:
    from studyapp.gui.details import CardDetailsDialog
    from studyapp.gui.mainwindow import MainWindow

    folder = tmp_path / "risks"
    folder.mkdir()
    (folder / "risks.yaml").write_text(CRITICAL_DECK)
    assert library.sync([folder]).ok
    window = MainWindow(library, clock=clock)
    qtbot.addWidget(window)
    window.show()
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    assert review.card is not None and review.card.critical
    assert review.critical_label.isVisible()
    assert "95%" in review.critical_label.toolTip()
    assert review.session is not None
    dialog = CardDetailsDialog(review.session, review.card)
    qtbot.addWidget(dialog)
    assert "Safety-critical card: scheduled at 95% desired retention" in dialog.memory.text()


def test_a_long_deck_title_ends_in_an_ellipsis_beside_the_mark(
    qtbot: Any, library: Library, tmp_path: Path, clock: Clock
) -> None:
    """At 800 px the deck's title gives way to the Safety-critical mark: shortened with "…",
    not cut mid-letter under it; the whole title in its tooltip."""
    from studyapp.gui.mainwindow import MainWindow

    title = "Safety: risks, screening, ethics, interactions and the quality of the evidence"
    folder = tmp_path / "risks"
    folder.mkdir()
    (folder / "risks.yaml").write_text(CRITICAL_DECK.replace("title: Risks", f"title: {title!r}"))
    assert library.sync([folder]).ok
    window = MainWindow(library, clock=clock)
    qtbot.addWidget(window)
    window.resize(800, 600)
    window.show()
    qtbot.waitExposed(window)
    window._on_study_requested(ScopeChoice.deck("risks"))  # the deck's own title on top
    review = window.review
    assert review.critical_label.isVisible()
    scope = review._scope
    assert scope.text() == title and title in scope.toolTip()
    shown = scope.shown_text()
    assert shown.endswith("…") and title.startswith(shown[:-1].rstrip())
    assert scope.fontMetrics().horizontalAdvance(shown) <= scope.contentsRect().width()
    assert scope.geometry().right() < review.critical_label.geometry().left()
    window.resize(1400, 700)
    qtbot.waitUntil(lambda: scope.shown_text() == title)


def test_optimize_that_keeps_the_parameters_says_so_in_a_whole_sentence(qtbot: Any) -> None:
    """The dialog said "The parameters in use fit your reviews as well as any: kept them."
    (and the CLI "...as well; kept them."): a sentence without its subject, and "as well as
    any" claimed more than was measured (one fit against the parameters in use)."""
    from studyapp.core.replay import Fit
    from studyapp.gui.optimize_dialog import OptimizeDialog
    from studyapp.services.fsrs import OptimizeResult

    params = tuple(DEFAULT_PARAMETERS)
    fit = Fit(3477, 2434, params, params, 0.3707, 0.3708, 0.0459, 0.0484)
    result = OptimizeResult(fit, 3477, 2434, 0, saved=False)
    dialog = OptimizeDialog(result)
    qtbot.addWidget(dialog)
    kept = (
        "Your parameters are unchanged: the ones in use fit your reviews at least as well "
        "as newly fitted ones."
    )
    assert dialog.headline.text() == kept
    assert result.summary()[-1] == kept
    shown = [label.text() for label in dialog.findChildren(QLabel)]
    assert "In use" in shown and "Fitted" in shown  # never used: not "After"
    assert "After" not in shown
