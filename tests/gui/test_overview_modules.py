"""The overview grouped by course module, with real key presses: G switches the grouping (and
it is remembered), a module's row studies that module's cards only; a grouping or module
the store refuses to save changes nothing and says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from studyapp.core.errors import KnownError
from studyapp.services.library import Library, ScopeKind
from studyapp.store.database import make_read_only
from tests.conftest import Clock
from tests.deckfile.test_course import write_course
from tests.gui.conftest import Boxes


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
    assert "G&nbsp;</span>&nbsp;group&nbsp;by&nbsp;family" in overview._footer.text()
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


def test_a_deck_keeps_its_family_name_only_under_a_module_of_several_families(
    qtbot: Any, library: Library, tmp_path: Path, clock: Clock
) -> None:
    """'Mechanisms' > 'Mechanisms: plasticity and brain networks' said the family twice, and
    at 800 px the repeat cut the end of every deck's title. Under a module the family's name
    tells decks apart only when the module holds decks of several families: then it stays;
    under a module of one family it is left off, as under the family."""
    from studyapp.gui.mainwindow import MainWindow

    root = write_course(tmp_path / "course", deck_module=1, card_module=1)
    deck = root / "decks" / "paced.yaml"
    text = deck.read_text(encoding="utf-8")
    deck.write_text(text.replace("title: Paced deck", "title: 'Terms: paced'"), encoding="utf-8")
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
    assert model.index(0, 0, model.index(0, 0)).data() == "Paced"

    other = (
        text.replace("id: paced", "id: other")
        .replace("title: Paced deck", "title: 'Evidence: other'")
        .replace("family: terms", "family: evidence")
    )
    (root / "decks" / "other.yaml").write_text(other, encoding="utf-8")
    assert library.sync([root]).ok
    win.show_overview()
    module = model.index(0, 0)
    assert top_rows(win)[0] == "Module 1: Basics"
    titles = {model.index(i, 0, module).data() for i in range(model.rowCount(module))}
    assert titles == {"Terms: paced", "Evidence: other"}


def deck_rows(window: Any) -> list[Any]:
    model = window.overview.model
    return [
        model.index(d, 0, model.index(g, 0))
        for g in range(model.rowCount())
        for d in range(model.rowCount(model.index(g, 0)))
    ]


def test_every_deck_title_is_whole_at_800x600_by_family_and_by_module(
    qtbot: Any, library: Library, clock: Clock
) -> None:
    """Grouped by module at 800 px the bundled decks read 'Terms: the vocabulary of
    psychedelic-assis…', 'Mechanisms: receptors, transmitters and h…': each deck's title kept
    its family's name although every deck of its module shares it. A title is whole on screen
    in both groupings, on one line or wrapped onto a second."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QStyle

    from studyapp.gui.mainwindow import MainWindow
    from studyapp.services.paths import bundled_decks_dir

    assert library.sync([bundled_decks_dir()]).ok
    window = MainWindow(library, clock=clock)
    qtbot.addWidget(window)
    window.resize(800, 600)
    window.show()
    qtbot.waitExposed(window)
    overview = window.overview
    tree = overview.tree
    # The delegate's text margin, and the style sheet's padding of an item (4px 2px).
    margin = tree.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 3
    for grouping in ("By family", "By course module"):
        if overview.grouping.currentText() != grouping:
            qtbot.keyClick(overview, Qt.Key.Key_G)
        assert overview.grouping.currentText() == grouping
        rows = deck_rows(window)
        assert len(rows) >= 10  # by module, a deck with cards in two modules is under both
        titles = [i.data() for i in rows]
        for index, title in zip(rows, titles, strict=True):
            tree.scrollTo(index)
            qtbot.waitUntil(lambda i=index: tree.viewport().rect().contains(tree.visualRect(i)))
            cell = tree.visualRect(index)
            room = cell.width() - 2 * margin
            needed = tree.fontMetrics().boundingRect(
                QRect(0, 0, room, 10_000), Qt.TextFlag.TextWordWrap, title
            )
            lines = needed.height() // tree.fontMetrics().lineSpacing()
            assert needed.width() <= room, (grouping, title)
            assert lines == 1 or (tree.wordWrap() and needed.height() + 8 <= cell.height()), (
                grouping,
                title,
                cell,
            )
        # The family's name is left off under the family, and under a module whose decks
        # are all of that family (module 2); module 3 has a Safety deck too, so it stays.
        assert "Receptors, transmitters and hormones" in titles
        assert ("Evidence: MDMA-assisted therapy" in titles) == (grouping == "By course module")


def test_a_grouping_or_module_the_store_refuses_is_one_box_and_changes_nothing(
    qtbot: Any, course_window: Any, boxes: Boxes
) -> None:
    library = course_window.library
    overview = course_window.overview
    qtbot.keyClick(overview, Qt.Key.Key_G)
    make_read_only(library.engine)
    module_one = overview.model.choice(overview.model.index(0, 0))
    overview.row_menu(module_one).actions()[1].trigger()  # I am in this module
    assert library.settings.current_module == 2
    assert course_window._status.text() != "New cards now come from module 1"
    qtbot.keyClick(overview, Qt.Key.Key_G)
    assert library.settings.overview_by_module is True
    assert top_rows(course_window) == ["Module 1: Basics", "Module 2: Later"]  # drawn again
    assert [(b.kind, b.title) for b in boxes.shown] == [
        ("warning", "The study store cannot be written"),
        ("warning", "The study store cannot be written"),
    ]


def test_a_setting_refused_otherwise_says_it_was_not_saved(
    qtbot: Any, course_window: Any, boxes: Boxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = course_window.library
    overview = course_window.overview

    def refuse(settings: object) -> None:
        raise KnownError("not a setting this store takes")

    monkeypatch.setattr(library, "update_settings", refuse)
    qtbot.keyClick(overview, Qt.Key.Key_G)
    assert library.settings.overview_by_module is False
    assert top_rows(course_window) == ["Terms"]
    course_window.apply_settings(library.settings.with_changes(font_size=21))
    assert library.settings.font_size != 21
    assert [(b.kind, b.title, b.text) for b in boxes.shown] == [
        ("warning", "Setting not saved", "not a setting this store takes"),
        ("warning", "Settings not saved", "not a setting this store takes"),
    ]
