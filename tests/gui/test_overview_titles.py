"""Overview titles: a title too long for its column wraps onto more lines (never cut) and its
row is as tall as its lines; a short one keeps one line. While every title fits one line the
rows have uniform heights (the tree then measures one row instead of each, issue 19); a
resize or a font change lays them out again."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication

from studyapp.gui.overview import OverviewScreen, _fits_one_line
from studyapp.gui.theme import apply_theme
from studyapp.services.overview import (
    CardCounts,
    DeckSummary,
    FamilySummary,
    Overview,
)
from tests.conftest import T0

LONG = "Terms and phrases of psychedelic-assisted therapy, from set and setting to integration"
SHORT = "Safety"


def overview_of(families: dict[str, list[str]]) -> Overview:
    counts = CardCounts(new=3, learning=1, review=2)
    return Overview(
        families=tuple(
            FamilySummary(
                f"f{i}",
                family,
                tuple(
                    DeckSummary(f"f{i}d{j}", title, f"f{i}", "", counts, counts)
                    for j, title in enumerate(titles)
                ),
                counts,
                counts,
            )
            for i, (family, titles) in enumerate(families.items())
        ),
        due_today=counts,
        next_due=None,
        reviews_total=0,
    )


def shown(qtbot: Any, families: dict[str, list[str]], width: int, height: int) -> Any:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    screen = OverviewScreen(apply_theme(app, "light", 15))
    qtbot.addWidget(screen)
    screen.resize(width, height)
    screen.show_overview(overview_of(families), T0)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def rows(tree: Any) -> list[QModelIndex]:
    model = tree.model()
    found = []
    for f in range(model.rowCount()):
        family = model.index(f, 0)
        found.append(family)
        found.extend(model.index(d, 0, family) for d in range(model.rowCount(family)))
    return found


def title_of(tree: Any, index: QModelIndex) -> str:
    text = index.data()
    assert isinstance(text, str)
    return text


def resized(qtbot: Any, screen: Any, width: int, height: int) -> None:
    screen.resize(width, height)
    qtbot.waitUntil(lambda: screen.tree.header().sectionSize(0) > 0)
    QApplication.processEvents()  # the delayed layout of the rows


def one_line_height(tree: Any) -> int:
    heights = [tree.visualRect(i).height() for i in rows(tree) if title_of(tree, i) == SHORT]
    assert heights
    return int(heights[0])


def test_a_long_title_takes_two_lines_at_800x600_a_short_one_one_and_a_resize_lays_them_out(
    qtbot: Any,
) -> None:
    screen = shown(qtbot, {"Terms": [LONG, SHORT]}, 800, 600)
    tree = screen.tree
    long_row = next(i for i in rows(tree) if title_of(tree, i) == LONG)
    metrics = tree.fontMetrics()
    room = tree.title_room(2)
    assert room < metrics.horizontalAdvance(LONG) < 2 * room  # two lines at this width
    line = one_line_height(tree)
    cell = tree.visualRect(long_row)
    needed = metrics.boundingRect(QRect(0, 0, room, 10_000), Qt.TextFlag.TextWordWrap, LONG)
    assert needed.height() // metrics.lineSpacing() == 2
    # Whole, not elided: both lines inside the row, which is a line taller than a short one.
    assert needed.width() <= room and needed.height() + 8 <= cell.height()
    assert cell.height() == line + metrics.lineSpacing()
    assert not tree.uniformRowHeights()

    resized(qtbot, screen, 1600, 1000)  # now it fits one line: every row as tall as the rest
    assert metrics.horizontalAdvance(LONG) < tree.title_room(2)
    assert tree.visualRect(long_row).height() == one_line_height(tree) == line
    assert tree.uniformRowHeights()

    resized(qtbot, screen, 800, 600)  # and back
    assert tree.visualRect(long_row).height() == line + metrics.lineSpacing()
    assert not tree.uniformRowHeights()


def test_every_row_is_as_tall_as_its_title_at_every_width(qtbot: Any) -> None:
    """Uniform heights only while no title wraps: at each width every row (families in
    bold, decks) is as tall as its own cells ask."""
    families = {
        "Mechanisms": ["Receptors, transmitters and hormones", SHORT],
        "A family whose long title wraps in bold at the narrowest widths of the window": [
            LONG,
            "Plasticity and brain networks",
        ],
        "Evidence": ["MDMA-assisted therapy", LONG + " and beyond, with more words than that"],
    }
    screen = shown(qtbot, families, 720, 520)
    tree = screen.tree
    modes = set()
    for width in range(720, 1761, 40):
        resized(qtbot, screen, width, 600)
        modes.add(tree.uniformRowHeights())
        for index in rows(tree):
            assert tree.visualRect(index).height() == tree.indexRowSizeHint(index), (
                width,
                title_of(tree, index),
            )
    assert modes == {True, False}  # both kinds of layout were checked


def test_a_larger_font_lays_the_titles_out_again(qtbot: Any) -> None:
    screen = shown(qtbot, {"Terms": [LONG, SHORT]}, 1400, 700)
    tree = screen.tree
    long_row = next(i for i in rows(tree) if title_of(tree, i) == LONG)
    assert tree.uniformRowHeights()
    line = tree.visualRect(long_row).height()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    try:
        apply_theme(app, "light", 24)
        qtbot.waitUntil(lambda: not tree.uniformRowHeights())
        QApplication.processEvents()
        assert tree.visualRect(long_row).height() > line + tree.fontMetrics().lineSpacing() / 2
        for index in rows(tree):
            assert tree.visualRect(index).height() == tree.indexRowSizeHint(index)
    finally:
        apply_theme(app, "light", 15)


def bundled_titles() -> list[str]:
    decks = Path(__file__).resolve().parents[2] / "decks"
    found = []
    for path in decks.glob("*.yaml"):
        match = re.search(r'^  title: "(.*)"$', path.read_text(encoding="utf-8"), re.M)
        if match:
            found.append(match.group(1))
            found.append(match.group(1).split(": ", 1)[-1])
    assert len(found) >= 20
    return found


def test_the_one_line_check_agrees_with_the_text_layout(qapp: Any) -> None:
    """A title is taken for one line without a text layout only when the layout agrees: at
    every width around each title's own (where wrapping starts), bold and italic too."""
    titles = [*bundled_titles(), LONG, SHORT, "WWWWWWWW fff", "Benchmark deck 17"]
    taken = 0
    for size in (9, 11, 13, 16, 22):
        for bold in (False, True):
            for italic in (False, True):
                font = QFont()
                font.setPointSize(size)
                font.setBold(bold)
                font.setItalic(italic)
                metrics = QFontMetrics(font)
                for title in titles:
                    advance = metrics.horizontalAdvance(title)
                    for room in range(max(1, advance - 8), advance + 40):
                        if not _fits_one_line(metrics, advance, room):
                            continue
                        taken += 1
                        laid_out = metrics.boundingRect(
                            QRect(0, 0, room, 100_000), Qt.TextFlag.TextWordWrap, title
                        )
                        assert laid_out.height() < 1.5 * metrics.lineSpacing(), (title, room)
    assert taken > 1000
