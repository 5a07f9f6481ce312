"""The main window's deck-update dialogs: a plan with errors, a progress reset, a failed sync.

F5 starts each sync, as a trainee would; the message boxes are replaced by a recorder that
answers at once, so nothing blocks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from sqlalchemy import text

from studyapp.services.library import Library
from tests.gui.conftest import Boxes

Button = QMessageBox.StandardButton


@pytest.fixture(autouse=True)
def only_the_sample_decks(synced: Library, deck_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """F5 syncs the sample decks alone (not the bundled course too), as they were synced."""
    monkeypatch.setattr(synced, "default_sources", lambda: [deck_dir])


def active_cards(library: Library) -> list[str]:
    with library.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT n.id FROM card c JOIN note n ON n.id = c.note_id "
                "WHERE c.retired = 0 AND c.deck_id = 'sample-mechanisms' ORDER BY c.id"
            )
        )
        return [note_id for (note_id,) in rows]


def press_f5(qtbot: Any, window: Any) -> Any:
    """Press F5 and wait for the sync to end; its plan (None if it failed)."""
    with qtbot.waitSignal(window.sync_done, timeout=30_000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert not window._busy.isVisible()
    return blocker.args[0]


def drop_last_card(deck_dir: Path) -> None:
    """Remove s-nmda from the sample deck: applying that retires a card the trainee has."""
    deck = deck_dir / "sample.yaml"
    lines = deck.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "id: s-nmda" in line)
    deck.write_text("".join(lines[:start]))


def test_a_plan_with_errors_is_shown_and_changes_nothing(
    qtbot: Any, window: Any, synced: Library, deck_dir: Path, boxes: Boxes
) -> None:
    before = active_cards(synced)
    drop_last_card(deck_dir)  # would retire a card, but the other file is broken
    (deck_dir / "terms.yaml").write_text("format_version: 1\ndeck: [\n")
    plan = press_f5(qtbot, window)
    # The folder with the broken file is held back whole (other folders would update).
    assert plan is not None and plan.ok and list(plan.blocked) == [str(deck_dir)]
    assert boxes.shown == []
    dialog = window.problems_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Some decks were not updated"
    assert dialog.heading.text().startswith("A deck folder could not be read, so its decks")
    assert any(
        line.startswith(f"{deck_dir / 'terms.yaml'}:3:1: error: YAML:") for line in dialog.lines
    )
    assert window._status.text() == "Decks updated, except 1 folder with problems"
    assert active_cards(synced) == before


def test_broken_bundled_decks_are_not_to_be_removed(
    qtbot: Any,
    window: Any,
    synced: Library,
    deck_dir: Path,
    boxes: Boxes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bundled folder cannot be removed: its problems say to reinstall and report, and
    no Deck folders… button offers what cannot be done there."""
    from studyapp.services import paths

    monkeypatch.setattr(paths, "bundled_decks_dir", lambda: deck_dir)
    (deck_dir / "terms.yaml").write_text("format_version: 1\ndeck: [\n")
    plan = press_f5(qtbot, window)
    assert plan is not None and list(plan.blocked) == [str(deck_dir)]
    dialog = window.problems_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.heading.text() == (
        "The decks shipped with StudyApp have problems, so they are as they were: reinstall "
        "StudyApp, and if the problems stay, report them. Every other deck is up to date."
    )
    assert "remove" not in dialog.heading.text()
    assert "Deck folders…" not in [b.text() for b in dialog.findChildren(QPushButton)]


@pytest.mark.parametrize(
    ("answer", "status", "retired"),
    [(Button.No, "Deck update postponed", False), (Button.Yes, "Decks updated: 1 retired", True)],
    ids=["no", "yes"],
)
def test_a_progress_reset_is_applied_only_when_confirmed(
    qtbot: Any,
    window: Any,
    synced: Library,
    deck_dir: Path,
    boxes: Boxes,
    answer: Any,
    status: str,
    retired: bool,
) -> None:
    drop_last_card(deck_dir)
    boxes.answer = answer
    plan = press_f5(qtbot, window)
    assert plan is not None and plan.ok and plan.resets_progress
    [box] = boxes.shown
    kind, title, message = box.kind, box.title, box.text
    assert (kind, title) == ("question", "Apply deck update?")
    assert box.format == Qt.TextFormat.PlainText  # it quotes the cards' questions
    assert "retires or resets some cards (their history is kept)" in message
    assert plan.summary() in message and "s-nmda" in message
    assert window._status.text().startswith(status)
    assert ("s-nmda" not in active_cards(synced)) is retired


@pytest.mark.parametrize("stage", ["plan", "apply"])
def test_a_failed_sync_says_why_and_changes_nothing(
    qtbot: Any,
    window: Any,
    synced: Library,
    deck_dir: Path,
    boxes: Boxes,
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
) -> None:
    deck = deck_dir / "terms.yaml"
    deck.write_text(deck.read_text().replace("Psychedelic-assisted therapy", "PAT"))
    before = active_cards(synced)

    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(synced, stage, fail)
    assert press_f5(qtbot, window) is None
    [box] = boxes.shown
    kind, title, message = box.kind, box.title, box.text
    assert (kind, title) == ("critical", "Deck update failed")
    assert box.format == Qt.TextFormat.PlainText
    assert "No space left on device" in message
    assert window._status.text() == "Deck update failed"
    assert active_cards(synced) == before
    with synced.engine.connect() as conn:
        back = conn.execute(text("SELECT back FROM note WHERE id = 's-pat'")).scalar_one()
    assert back == "Psychedelic-assisted therapy"


def test_a_long_reset_lists_a_few_cards_and_counts_the_rest(window: Any, boxes: Boxes) -> None:
    # Forty cards retired at once: the question must still fit an 800x600 screen.
    from studyapp.services.sync import SyncPlan

    plan = SyncPlan(retired=[f"card-{i}" for i in range(40)])
    assert window._confirm_plan(plan) is False
    [box] = boxes.shown
    message = box.text
    listed = [line for line in message.splitlines() if line.startswith("  ")]
    assert listed == [*plan.details()[:11], "  … and 29 more"]


def test_quitting_while_the_decks_are_checked_starts_no_update_after_it(
    qtbot: Any, window: Any, synced: Library, clock: Any, record_started_tasks: Any
) -> None:
    """Ctrl+Q while the start-up sync was being planned (a new data folder's first second):
    the window waited for the plan, then the plan's result, delivered after the close,
    started the update on a new thread, and the process aborted ("QThread: Destroyed while
    thread is still running") as it ended."""
    cards = active_cards(synced)
    window.start_sync()
    qtbot.keyClick(window.overview, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()
    started = record_started_tasks()
    qtbot.wait(300)  # the plan's result arrives
    assert started == []  # no thread started after the window closed
    assert active_cards(synced) == cards
