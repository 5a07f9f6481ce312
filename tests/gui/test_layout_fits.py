"""Nothing clipped: the grade buttons of a small window with long intervals, and the damaged
store's dialog with a long store path (both seen clipped in screenshots at 800x600)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from studyapp.core.errors import StoreCorrupt
from studyapp.core.model import Rating
from studyapp.gui.safety import DamagedStoreDialog
from studyapp.services.study import AnswerPreview
from studyapp.store.backup import BackupInfo

LONG = {Rating.AGAIN: "<10m", Rating.HARD: "1.5mo", Rating.GOOD: "2.4mo", Rating.EASY: "4.3mo"}
"""Intervals of a card reviewed for months: the widest labels a trainee meets."""


def reveal_with_intervals(qtbot: Any, window: Any, labels: dict[Rating, str]) -> Any:
    """Start studying and show the answer, the scheduler's intervals replaced by ``labels``
    (the state each would give is the scheduler's own)."""
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    session = review.session
    real = session.preview

    def preview(card: Any = None) -> dict[Rating, AnswerPreview]:
        shown = real(card) if card is not None else real()
        return {r: AnswerPreview(r, p.state, labels[r]) for r, p in shown.items()}

    session.preview = preview
    qtbot.keyClick(review, Qt.Key.Key_Space)
    assert review.revealed
    return review


def assert_unclipped(qtbot: Any, review: Any) -> None:
    """Every grade button gets the width its label needs, once the layout has run."""
    buttons = list(review.grade_buttons.values())
    assert all(b.isVisible() for b in buttons)
    qtbot.waitUntil(lambda: all(b.width() >= b.sizeHint().width() for b in buttons), timeout=2000)


@pytest.mark.parametrize("width", [720, 800])
def test_grade_buttons_of_a_small_window_keep_their_labels_whole(
    qtbot: Any, window: Any, width: int
) -> None:
    window.resize(width, 600)
    review = reveal_with_intervals(qtbot, window, LONG)
    assert review.grade_buttons[Rating.GOOD].text() == "Good\n2.4mo"
    assert_unclipped(qtbot, review)


def test_grade_buttons_go_back_to_one_line_when_the_window_widens(qtbot: Any, window: Any) -> None:
    window.resize(800, 600)
    review = reveal_with_intervals(qtbot, window, LONG)
    good = review.grade_buttons[Rating.GOOD]
    assert good.text() == "Good\n2.4mo"
    window.resize(1100, 700)
    qtbot.waitUntil(lambda: good.text() == "Good · 2.4mo", timeout=2000)
    assert_unclipped(qtbot, review)
    window.resize(800, 600)
    qtbot.waitUntil(lambda: good.text() == "Good\n2.4mo", timeout=2000)
    assert_unclipped(qtbot, review)


def test_short_intervals_stay_on_one_line_at_800_px(qtbot: Any, window: Any) -> None:
    window.resize(800, 600)
    # A new card's intervals: the row fits on one line at 800 px.
    short = {Rating.AGAIN: "<1m", Rating.HARD: "<6m", Rating.GOOD: "<10m", Rating.EASY: "10d"}
    review = reveal_with_intervals(qtbot, window, short)
    assert review.grade_buttons[Rating.EASY].text() == "Easy · 10d"
    assert_unclipped(qtbot, review)


def labels_in_order(dialog: DamagedStoreDialog) -> list[QLabel]:
    return sorted((w for w in dialog.findChildren(QLabel) if w.isVisible()), key=lambda w: w.y())


@pytest.mark.parametrize("with_backup", [True, False])
def test_the_damaged_store_dialog_gives_every_paragraph_its_lines(
    qtbot: Any, tmp_path: Path, with_backup: bool
) -> None:
    store = "/tmp/tmpsdruqxwe/copy/a-longer-folder-name/studyapp.sqlite3"
    error = StoreCorrupt(
        f"The study store {store} is damaged (On tree page 984 cell 2: Rowid 7546 out of "
        "order); nothing more is saved to it until you restore a backup (File → Backups… or "
        "'studyapp backup list')."
    )
    backup = BackupInfo(
        "b1", tmp_path / "b1.sqlite3", datetime(2026, 11, 30, 3, 33, tzinfo=UTC), "sync", 1, 1006
    )
    dialog = DamagedStoreDialog(error, backup if with_backup else None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    labels = labels_in_order(dialog)
    assert len(labels) == 3
    for label in labels:
        assert label.height() >= label.heightForWidth(label.width()), label.text()
    for upper, lower in zip(labels, labels[1:], strict=False):
        assert upper.geometry().bottom() < lower.geometry().top(), lower.text()
    assert dialog.height() <= 600  # it fits an 800x600 screen


def test_the_note_dialog_fits_an_800_px_window_with_a_long_question(
    qtbot: Any, window: Any
) -> None:
    """N on a long question: the dialog was as wide as its one-line label (1061 px), wider
    than an 800x600 window. The label wraps; the whole question line is still there."""
    from msgspec.structs import replace

    window.resize(800, 600)
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    card = replace(
        window.review.card,
        question="In a psilocybin session for alcohol use disorder, a man stays with the grief "
        "over his brother's death that he has been drinking to numb: which mechanism?",
    )
    dialog = window.note_dialog(card, "")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.width() <= 800 - 40
    [label] = [label for label in dialog.findChildren(QLabel) if "Your own note" in label.text()]
    assert card.title in label.text()
    assert label.height() >= label.heightForWidth(label.width())  # every line shown


def test_the_keyboard_shortcuts_fit_a_small_screen_and_close_from_the_keyboard(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F1's table of shortcuts in a message box was 1,332 px tall: on an 800x600 screen
    (or a 768 px laptop) its OK button was off the screen. It now scrolls inside a box no
    taller than the screen, its OK button focused: Enter closes it."""
    from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser

    window.resize(800, 600)
    shown: list[tuple[QDialog, int, bool, str]] = []

    def run(dialog: QDialog) -> int:
        dialog.show()
        qtbot.waitExposed(dialog)
        box = dialog.findChild(QDialogButtonBox)
        assert box is not None
        ok = box.buttons()[0]
        inside = dialog.rect().contains(ok.geometry().translated(box.pos()))
        focus = dialog.focusWidget()
        shown.append((dialog, dialog.frameGeometry().height(), inside, type(focus).__name__))
        qtbot.keyClick(focus, Qt.Key.Key_Return)
        return int(dialog.result())

    monkeypatch.setattr(QDialog, "exec", run)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert len(shown) == 1
    dialog, height, ok_inside, focus = shown[0]
    available = window.screen().availableGeometry().height()
    assert height <= available, (height, available)
    assert ok_inside
    assert focus == "QPushButton"
    assert not dialog.isVisible()  # Enter closed it
    table = dialog.findChild(QTextBrowser)
    assert table is not None
    assert "Ctrl+Shift+C" in table.toPlainText()  # every row there


def test_the_keyboard_shortcuts_keys_column_is_as_wide_as_its_keys(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F1's keys took half its width: the browser's keys, one cell spanning both columns,
    pushed the descriptions 300 px right of keys 110 px wide, and they wrapped to three
    lines beside the empty space ("undo the last answer or / action (several times, also /
    after the session)"). The descriptions start just after the widest key."""
    from PySide6.QtGui import QTextCursor, QTextTable
    from PySide6.QtWidgets import QDialog, QTextBrowser

    geometry: list[tuple[float, float, int]] = []

    def run(dialog: QDialog) -> int:
        dialog.show()
        qtbot.waitExposed(dialog)
        try:
            measure(dialog)
        finally:
            dialog.done(0)
        return 0

    def measure(dialog: QDialog) -> None:
        view = dialog.findChild(QTextBrowser)
        assert view is not None
        document = view.document()
        cursor = QTextCursor(document)
        cursor.movePosition(QTextCursor.MoveOperation.NextBlock)
        table = cursor.currentTable()
        assert isinstance(table, QTextTable)
        assert table.columns() == 2
        layout = document.documentLayout()
        widest = 0.0
        starts = set()
        for row in range(table.rows()):
            if table.cellAt(row, 0).columnSpan() > 1:
                continue
            key = table.cellAt(row, 0).firstCursorPosition().block()
            line = key.layout().lineAt(0)
            widest = max(widest, layout.blockBoundingRect(key).x() + line.naturalTextWidth())
            said = table.cellAt(row, 1).firstCursorPosition().block()
            starts.add(round(layout.blockBoundingRect(said).x()))
        assert len(starts) == 1
        geometry.append((widest, starts.pop(), table.rows()))

    monkeypatch.setattr(QDialog, "exec", run)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    [(widest, start, rows)] = geometry
    assert rows >= 20
    assert widest < start <= widest + 30, (widest, start)


def wrapped_lines(text: str, font: Any, width: int) -> list[str]:
    """``text`` broken into lines at ``width`` px as Qt wraps a label's words."""
    from PySide6.QtGui import QTextLayout

    layout = QTextLayout(text, font)
    layout.beginLayout()
    lines = []
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        lines.append(text[line.textStart() : line.textStart() + line.textLength()])
    layout.endLayout()
    return lines


def test_the_deck_lists_key_hints_wrap_between_keys_never_inside_one(window: Any) -> None:
    """At 800 px the deck list's footer wrapped as "... O deck options · T" / "statistics
    · G group by module": a key on one line, what it does on the next. Each hint now stays
    whole at any width (as the review's hints already did)."""
    from PySide6.QtGui import QTextDocument

    footer = window.overview._footer
    document = QTextDocument()
    document.setHtml(footer.text())
    text = document.toRawText()  # no-break spaces kept (toPlainText makes them spaces)
    apart = "\u00a0\u00a0 "  # the one breakable space between two hints
    hints = {hint.strip() for hint in text.split(apart)}
    assert "T\u00a0\u00a0statistics" in hints
    for width in range(300, 1000, 7):
        for line in wrapped_lines(text, footer.font(), width):
            pieces = [p.strip() for p in line.split(apart)]
            assert all(p in hints for p in pieces if p), (width, line)


def test_the_stability_bins_keep_their_labels_whole_where_they_fit(qtbot: Any) -> None:
    """The memory tab at 800x600: Qt Charts elided "1-2 wk" to "1-2 ..." (and "under 1 d",
    "8-12 mo", ...) with 56 px a bar, room enough for each. Labels are whole wherever no two
    neighbours overlap, and elided again where they would."""
    from PySide6.QtCharts import QCategoryAxis

    from studyapp.gui.charts import BarChart, Bars
    from studyapp.gui.theme import LIGHT
    from studyapp.services.stats import STABILITY_BINS

    labels = [label for _, label in STABILITY_BINS]
    chart = BarChart("Stability", LIGHT)
    qtbot.addWidget(chart)
    chart.set_bars([Bars("cards", [5.0] * len(labels), LIGHT.good)], list(enumerate(labels)))
    chart.show()
    axis = next(a for a in chart.chart.axes() if isinstance(a, QCategoryAxis))
    for width, whole in ((760, True), (420, False), (760, True)):
        chart.resize(width, 220)
        qtbot.waitUntil(lambda whole=whole: axis.truncateLabels() is not whole, timeout=2000)


def test_the_deck_lists_counts_wrap_between_counts_never_inside_one(window: Any) -> None:
    """At 800 px the subtitle wrapped as "20 new, 0 learning, 0" / "to review": a number on
    one line, what it counts on the next. A number now stays with its word at any width."""
    import re

    subtitle = window.overview._subtitle
    text = subtitle.text()
    assert re.search(r"\d+\sto\sreview$", text), text
    for width in range(100, 700, 5):
        for line in wrapped_lines(text, subtitle.font(), width):
            assert not re.search(r"\d[ ]*$", line), (width, line)  # a number left behind


def test_the_cram_search_dialog_is_no_wider_than_a_small_window(
    qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Study > Cram a search… (Ctrl+Shift+C): its one-line prompt made the dialog 988 px
    wide, wider than an 800x600 window. The prompt wraps; typing a search and Enter still
    start the cram."""
    from PySide6.QtWidgets import QDialog, QInputDialog

    window.resize(800, 600)
    widths: list[int] = []
    crammed: list[str] = []

    def run(dialog: QDialog) -> int:
        dialog.show()
        qtbot.waitExposed(dialog)
        widths.append(dialog.frameGeometry().width())
        assert isinstance(dialog, QInputDialog)
        qtbot.keyClicks(dialog.focusWidget(), "tag:ethics")
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
        return int(dialog.result())

    monkeypatch.setattr(QDialog, "exec", run)
    monkeypatch.setattr(window, "start_cram", crammed.append)
    CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_C, CTRL | SHIFT)
    assert len(widths) == 1 and 440 <= widths[0] <= 800, widths  # room to type a search
    assert crammed == ["tag:ethics"]


def test_the_cram_prompts_examples_are_searches_as_written() -> None:
    """The prompt ended 'tag:ethics:', its colon read as part of the last example. Each
    example, as the prompt writes it, is a search the browser's language reads, and no
    punctuation follows the last."""
    import re

    from studyapp.core.search import parse
    from studyapp.gui.mainwindow import CRAM_PROMPT

    examples = re.findall(r"\b[a-z]+:\S+?(?=,|$| or )", CRAM_PROMPT)
    assert examples == ["family:safety", "module:2", "prop:r<0.9", "tag:ethics"]
    for example in examples:
        parse(example)
    assert CRAM_PROMPT.endswith(" or tag:ethics")


def test_every_menu_shortcut_is_in_the_keyboard_shortcuts_table(window: Any) -> None:
    """F1's table left out Ctrl+O (Add deck folder) and Ctrl+Q (Quit), though the File menu
    has them (DECISIONS: the table lists every key)."""
    from studyapp.gui.mainwindow import SHORTCUTS

    table = SHORTCUTS.replace("<b>", "").replace("</b>", "")
    missing = []
    for menu in (a.menu() for a in window.menuBar().actions()):
        for action in menu.actions():
            keys = action.shortcut().toString()
            if keys and keys not in table:
                missing.append((action.text(), keys))
    assert not missing


def test_the_appearance_tabs_boxes_are_sized_like_the_study_tabs(qtbot: Any, synced: Any) -> None:
    """Settings > Appearance: the card font size's box ran across the whole tab (490 px for
    "15"). It is as wide as the Study tab's number boxes, its value whole, and the theme's
    choice no wider than it needs."""
    from studyapp.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(synced.settings)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: dialog.new_per_day.isVisible(), timeout=2000)
    number = dialog.new_per_day.width()
    dialog.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: dialog.font_size.isVisible(), timeout=2000)
    font, theme = dialog.font_size, dialog.theme
    assert font.width() == number, (font.width(), number)
    assert font.width() >= font.sizeHint().width()  # the largest size fits
    assert theme.sizeHint().width() <= theme.width() <= max(number, theme.sizeHint().width())
    assert theme.x() == font.x()  # one column


def test_the_settings_and_deck_options_labels_stand_apart_from_their_boxes(
    qtbot: Any, synced: Any, window: Any
) -> None:
    """Settings and Deck options: each label ended 5-7 px from its box ('New cards per
    day|20', 'Relearning steps (minutes)|10'), Qt's form spacing under our style, closer
    than any other label sits to what it names. Every form keeps 12 px between them."""
    from PySide6.QtWidgets import QFormLayout

    from studyapp.gui.settings_dialog import SettingsDialog

    settings = SettingsDialog(synced.settings)
    options = window.deck_options_dialog()
    for dialog in (settings, options):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
    checked = 0
    for tab in range(settings.tabs.count()):
        settings.tabs.setCurrentIndex(tab)
        qtbot.wait(20)
        for dialog in (settings, options):
            for form in dialog.findChildren(QFormLayout):
                for row in range(form.rowCount()):
                    label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                    field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
                    if label is None or field is None:
                        continue
                    text = label.widget()
                    if not isinstance(text, QLabel) or not text.text() or not text.isVisible():
                        continue
                    end = text.x() + text.fontMetrics().horizontalAdvance(text.text())
                    gap = field.geometry().x() - end
                    assert gap >= 12, (text.text(), gap)
                    checked += 1
    assert checked >= 10
