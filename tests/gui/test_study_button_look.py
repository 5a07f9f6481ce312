"""The overview's Study buttons look as the style draws a ``QPushButton#row`` in each state
(plain, under the pointer, pressed, on the selected row, with keyboard focus; light and
dark), and painting them makes no ``QStyle`` Python type: PySide6 builds it, 11 enums with
566 members, at its first use, 44 M instructions on the real display's first frame (issue
19). The delegate renders a hidden template button; the reference below is how it painted
before, through the style with the view's hover and its own pressed row."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyleOptionButton,
    QStyleOptionViewItem,
)

from studyapp.gui.overview import (
    _TEXT_MARGIN,
    STUDY_COLUMN,
    OverviewScreen,
    StudyButtonDelegate,
)
from studyapp.gui.theme import apply_theme
from studyapp.services.overview import CardCounts, DeckSummary, FamilySummary, Overview
from tests.conftest import T0
from tests.freshpython import fresh_python

ROOT = Path(__file__).resolve().parents[2]


def _overview() -> Overview:
    some = CardCounts(new=3, learning=1, review=12)
    families = []
    for i, family in enumerate(("Mechanisms", "Safety")):
        decks = tuple(
            DeckSummary(f"f{i}d{j}", f"{family} deck {j}", f"f{i}", "", some, some)
            for j in range(4)
        )
        families.append(FamilySummary(f"f{i}", family, decks, some, some))
    return Overview(families=tuple(families), due_today=some, next_due=None, reviews_total=0)


class _StyleDrawn(StudyButtonDelegate):
    """The Study button as it was painted before: the style's item panel, then its push
    button for the template, hovered as the view's option says, sunken when pressed."""

    def __init__(self, real: StudyButtonDelegate, parent: Any) -> None:
        super().__init__(parent)
        self._real = real

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        widget = option.widget
        widget.style().drawPrimitive(
            QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget
        )
        template = self._template
        template.ensurePolished()
        button = QStyleOptionButton()
        button.initFrom(template)
        button.rect = self._button_rect(option.rect)
        button.text = template.text()
        button.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
        if option.state & QStyle.StateFlag.State_MouseOver:
            button.state |= QStyle.StateFlag.State_MouseOver
        pressed = self._real._pressed
        if pressed is not None and pressed == index:
            button.state |= QStyle.StateFlag.State_Sunken
        template.style().drawControl(QStyle.ControlElement.CE_PushButton, button, painter, template)


def _painted(screen: OverviewScreen, delegate: StudyButtonDelegate) -> QImage:
    tree = screen.tree
    tree.setItemDelegateForColumn(STUDY_COLUMN, delegate)
    return tree.viewport().grab().toImage()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_study_buttons_look_as_the_style_draws_them_in_every_state(
    qtbot: Any, theme: str
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    screen = OverviewScreen(apply_theme(app, theme, 15))
    qtbot.addWidget(screen)
    screen.resize(1000, 700)
    screen.show_overview(_overview(), T0)
    screen.show()
    qtbot.waitExposed(screen)
    tree = screen.tree
    viewport = tree.viewport()
    model = screen.model
    real = tree.itemDelegateForColumn(STUDY_COLUMN)
    assert isinstance(real, StudyButtonDelegate)
    reference = _StyleDrawn(real, tree)
    first_family = model.index(0, 0)

    def centre(row: int, column: int) -> QPoint:
        return tree.visualRect(model.index(row, column, first_family)).center()

    shots: dict[str, QImage] = {}

    def compare(state: str) -> None:
        qtbot.wait(10)  # (the hover's repaint)
        mine, styled = _painted(screen, real), _painted(screen, reference)
        tree.setItemDelegateForColumn(STUDY_COLUMN, real)
        assert mine == styled, state
        shots[state] = mine

    compare("plain")  # the first row selected and current, the tree focused
    QTest.mouseMove(viewport, centre(1, 0))
    compare("hovered")
    QTest.mouseMove(viewport, centre(2, STUDY_COLUMN))
    QTest.mousePress(
        viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre(2, STUDY_COLUMN)
    )
    compare("pressed")
    QTest.mouseRelease(
        viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(2, 2)
    )
    QTest.mouseMove(screen, QPoint(2, 2))  # the pointer leaves the tree
    compare("left")
    screen.window().setAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange, True)
    QTest.keyClick(tree, Qt.Key.Key_Down)  # the selection on a deck's row
    compare("selected, keyboard focus")
    # Each state looks different where it should: the hovered and the pressed rows'
    # borders, the selection moved.
    assert shots["hovered"] != shots["plain"]
    assert shots["pressed"] != shots["hovered"]
    assert shots["left"] != shots["pressed"]
    assert shots["selected, keyboard focus"] != shots["left"]


def test_a_scroll_under_a_still_pointer_moves_the_hover_as_the_view_does(qtbot: Any) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    screen = OverviewScreen(apply_theme(app, "light", 15))
    qtbot.addWidget(screen)
    screen.resize(800, 360)  # a tree that scrolls
    screen.show_overview(_overview(), T0)
    screen.show()
    qtbot.waitExposed(screen)
    tree: Any = screen.tree  # (the overview's own tree, with its hover)
    viewport = tree.viewport()
    model = screen.model
    real = tree.itemDelegateForColumn(STUDY_COLUMN)
    assert isinstance(real, StudyButtonDelegate)
    reference = _StyleDrawn(real, tree)
    row = model.index(1, 0, model.index(0, 0))
    at = tree.visualRect(row).center()
    QCursor.setPos(viewport.mapToGlobal(at))
    QTest.mouseMove(viewport, at)
    assert tree.is_hovered_row(row)
    bar = tree.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.value() + tree.visualRect(row).height())
    assert tree.indexAt(at) != row
    assert tree.is_hovered_row(tree.indexAt(at))
    qtbot.wait(10)
    assert _painted(screen, real) == _painted(screen, reference)


def test_the_titles_text_margin_is_the_styles(qtbot: Any) -> None:
    """The title room's text margin, a constant so that no style is asked for it, is the
    one the style gives (its focus frame margin + 1)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    screen = OverviewScreen(apply_theme(app, "light", 15))
    qtbot.addWidget(screen)
    tree = screen.tree
    style = tree.style()
    assert (
        _TEXT_MARGIN == style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1
    )


_PAINTED = """
import sys
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from studyapp.gui.application import application
from studyapp.gui.overview import OverviewScreen, STUDY_COLUMN
from studyapp.gui.theme import apply_theme
from studyapp.services.overview import CardCounts, DeckSummary, FamilySummary, Overview
from tests.conftest import T0

some = CardCounts(new=3, learning=1, review=12)
decks = tuple(DeckSummary(f"d{j}", f"Deck {j}", "f", "", some, some) for j in range(4))
family = FamilySummary("f", "Mechanisms", decks, some, some)
overview = Overview(families=(family,), due_today=some, next_due=None, reviews_total=0)

app = application()
screen = OverviewScreen(apply_theme(app, "light", 15))
screen.resize(1000, 700)
screen.show_overview(overview, T0)
screen.show()
tree = screen.tree
model = screen.model
cell = tree.visualRect(model.index(1, STUDY_COLUMN, model.index(0, 0))).center()
QTest.mouseMove(tree.viewport(), cell)
QTest.mousePress(tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, cell)
tree.viewport().repaint()
QTest.keyClick(tree, Qt.Key.Key_Down)
tree.viewport().repaint()
print("QStyle" in vars(sys.modules["PySide6.QtWidgets"]))
"""


def test_painting_the_overview_makes_no_qstyle_type() -> None:
    """Shown, painted, hovered, a button pressed, a row selected: QStyle's Python type is
    never built (in a fresh interpreter: the tests' own process has it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = fresh_python("-c", _PAINTED, env=env, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
