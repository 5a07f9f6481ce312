"""The overview's cells as a view paints them: what a delegate reads of each cell is what the
model's ``data`` answers role by role (the title, bold for a family; each count as text in
its colour, muted at 0, right-aligned), and a repaint reads each cell once, every role in
one call, not one Python call a role (issue 19)."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyledItemDelegate, QStyleOptionViewItem

from studyapp.gui.overview import OverviewModel, OverviewScreen
from studyapp.gui.theme import apply_theme
from studyapp.services.overview import CardCounts, DeckSummary, FamilySummary, Overview
from tests.conftest import T0


def _overview() -> Overview:
    """Two families; counts with zeros (muted) and without, per deck."""
    some = CardCounts(new=3, learning=0, review=12)
    none = CardCounts(new=0, learning=0, review=0)
    families = []
    for i, family in enumerate(("Mechanisms", "Safety")):
        decks = tuple(
            DeckSummary(f"f{i}d{j}", f"{family} deck {j}", f"f{i}", "", counts, counts)
            for j, counts in enumerate((some, none, some))
        )
        families.append(FamilySummary(f"f{i}", family, decks, some, some))
    return Overview(families=tuple(families), due_today=some, next_due=None, reviews_total=0)


def _cells(model: OverviewModel) -> list[QModelIndex]:
    """Every cell, family rows before their decks (a bold title, then plain ones)."""
    cells: list[QModelIndex] = []
    for family in range(model.rowCount()):
        parent = model.index(family, 0)
        for row, within in [(family, QModelIndex()), *((r, parent) for r in range(3))]:
            cells.extend(model.index(row, column, within) for column in range(5))
    return cells


def _shown(qtbot: Any) -> OverviewScreen:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    screen = OverviewScreen(apply_theme(app, "light", 15))
    qtbot.addWidget(screen)
    screen.resize(1000, 700)
    screen.show_overview(_overview(), T0)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def test_a_delegate_reads_of_each_cell_what_data_answers(qtbot: Any) -> None:
    """One delegate reads every cell in turn (as a view's does, reusing what it read of the
    last cell): text, font, alignment and colour are the model's answers for that cell."""
    model = _shown(qtbot).model
    delegate = QStyledItemDelegate()
    bold_titles = []
    for index in _cells(model):
        option = QStyleOptionViewItem()
        delegate.initStyleOption(option, index)
        display = model.data(index, Qt.ItemDataRole.DisplayRole)
        assert option.text == (display or "")
        font = model.data(index, Qt.ItemDataRole.FontRole)
        assert option.font.bold() == (isinstance(font, QFont) and font.bold())
        if option.font.bold():
            bold_titles.append(option.text)
        alignment = model.data(index, Qt.ItemDataRole.TextAlignmentRole)
        if alignment is not None:
            assert option.displayAlignment == alignment
        color = model.data(index, Qt.ItemDataRole.ForegroundRole)
        if isinstance(color, QColor):
            assert option.palette.color(QPalette.ColorRole.Text) == color
    assert bold_titles == ["Mechanisms", "Safety"]  # the families only
    first_deck = model.index(0, 0, model.index(0, 0))
    assert [model.index(0, c, model.index(0, 0)).data() for c in (1, 2, 3)] == ["3", "0", "12"]
    muted, new = (
        model.data(model.index(0, c, model.index(0, 0)), Qt.ItemDataRole.ForegroundRole)
        for c in (2, 1)
    )
    assert muted != new  # 0 is muted, a count in its colour
    assert first_deck.data(Qt.ItemDataRole.ToolTipRole)  # still answered by data


def test_a_repaint_reads_each_cell_once(qtbot: Any) -> None:
    """A repaint of the tree asks the model for each painted cell once (every role in one
    ``multiData`` call); Qt's default made a Python ``data`` call per role, 7 a cell."""
    screen = _shown(qtbot)
    codes = {OverviewModel.data.__code__: "data"}
    multi = getattr(OverviewModel.multiData, "__code__", None)  # (Qt's own has none)
    if multi is not None:
        codes[multi] = "multiData"
    calls = {"data": 0, "multiData": 0}

    def count(frame: Any, event: str, _arg: object) -> None:
        if event == "call" and frame.f_code in codes:
            calls[codes[frame.f_code]] += 1

    sys.setprofile(count)
    try:
        screen.tree.viewport().grab()  # painted as on screen
    finally:
        sys.setprofile(None)
    rows = 2 + 2 * 3
    # The title and the three counts of each row, and its Study cell (empty: the base
    # delegate paints its background, the selection, before the button is rendered).
    assert calls == {"data": 0, "multiData": 5 * rows}
