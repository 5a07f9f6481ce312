"""The overview grouped by course module, with real key presses: G switches the grouping (and
it is remembered), a module's row studies that module's cards only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from studyapp.services.library import Library, ScopeKind
from tests.conftest import Clock
from tests.deckfile.test_course import write_course


@pytest.fixture
def course_window(qtbot: Any, library: Library, tmp_path: Path, clock: Clock) -> Iterator[Any]:
    from studyapp.gui.mainwindow import MainWindow

    root = write_course(tmp_path / "course", deck_module=1, card_module=2)
    assert library.sync([root]).ok
    library.update_settings(library.settings.with_changes(current_module=2))
    win = MainWindow(library, clock=clock)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win


def top_rows(window: Any) -> list[str]:
    model = window.overview.model
    return [model.index(i, 0).data() for i in range(model.rowCount())]


def test_g_groups_the_decks_by_module_and_back(qtbot: Any, course_window: Any) -> None:
    overview = course_window.overview
    assert overview.grouping.isVisible() and top_rows(course_window) == ["Terms"]
    qtbot.keyClick(overview, Qt.Key.Key_G)
    assert top_rows(course_window) == ["Module 1: Basics", "Module 2: Later"]
    assert overview.grouping.currentText() == "By course module"
    assert "G group by family" in overview._footer.text().replace("\u00a0", " ")
    assert course_window.library.settings.overview_by_module is True  # remembered
    qtbot.keyClick(overview, Qt.Key.Key_G)
    assert top_rows(course_window) == ["Terms"]
    assert course_window.library.settings.overview_by_module is False


def test_a_modules_row_studies_that_module(qtbot: Any, course_window: Any) -> None:
    overview = course_window.overview
    qtbot.keyClick(overview, Qt.Key.Key_G)
    tree = overview.tree
    tree.setCurrentIndex(overview.model.index(1, 0))  # Module 2: Later
    choice = overview.selected_scope()
    assert choice is not None and choice.kind is ScopeKind.MODULE and choice.module == 2
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    review = course_window.review
    assert course_window.stack.currentWidget() is review
    assert review.card is not None and review.card.note_id == "paced-b"
    qtbot.keyClick(review, Qt.Key.Key_Space)
    qtbot.keyClick(review, Qt.Key.Key_4)
    assert review.card is None  # module 2 has no other card


def test_a_modules_menu_says_which_module_the_trainee_is_in(qtbot: Any, course_window: Any) -> None:
    library = course_window.library
    library.update_settings(library.settings.with_changes(current_module=0))
    overview = course_window.overview
    qtbot.keyClick(overview, Qt.Key.Key_G)
    assert top_rows(course_window)[1] == "Module 2: Later · from 1 Apr 2026"  # T0: 2 Mar
    module_two = overview.model.choice(overview.model.index(1, 0))
    menu = overview.row_menu(module_two)
    labels = [a.text() for a in menu.actions()]
    assert labels == ["Study", "I am in this module"]
    menu.actions()[1].trigger()
    assert library.settings.current_module == 2
    assert top_rows(course_window) == ["Module 1: Basics", "Module 2: Later"]
    assert course_window._status.text() == "New cards now come from modules 1 to 2"
    deck_row = overview.model.choice(overview.model.index(0, 0, overview.model.index(0, 0)))
    assert [a.text() for a in overview.row_menu(deck_row).actions()] == [
        "Study",
        "Deck options…",
    ]


def test_by_family_a_deck_is_listed_without_its_family_name_by_module_with_it(
    qtbot: Any, library: Library, tmp_path: Path, clock: Clock
) -> None:
    """'Mechanisms' > 'Mechanisms: plasticity and brain networks' said the family twice, and
    at 800 px the repeat cut the end of every deck's title; grouped by module the family's
    name is what tells the decks of one module apart, so it stays."""
    from studyapp.gui.mainwindow import MainWindow

    root = write_course(tmp_path / "course", deck_module=1, card_module=1)
    deck = root / "decks" / "paced.yaml"
    deck.write_text(
        deck.read_text(encoding="utf-8").replace("title: Paced deck", "title: 'Terms: paced'"),
        encoding="utf-8",
    )
    assert library.sync([root]).ok
    win = MainWindow(library, clock=clock)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    model = win.overview.model
    assert top_rows(win) == ["Terms"]
    assert model.index(0, 0, model.index(0, 0)).data() == "Paced"
    qtbot.keyClick(win.overview, Qt.Key.Key_G)
    assert top_rows(win)[0] == "Module 1: Basics"
    assert model.index(0, 0, model.index(0, 0)).data() == "Terms: paced"
