"""Fusion without QStyle's Python type on the start-up to the first card (issue 19): the
application is made with its style, the theme sets it once at most, and the review's elided
label paints its text itself, with the pixels the style's drawItemText gave."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QApplication, QPushButton

from studyapp.gui.richtext import ElidedLabel
from studyapp.gui.theme import DARK, FUSION_GIVEN, LIGHT, apply_theme
from studyapp.services.library import Library
from tests.reviewstartup import review_screenshot_run


def test_the_review_start_up_has_fusion_and_makes_no_qstyle_or_qicon_type(
    tmp_path: Path, deck_dir: Path
) -> None:
    data = tmp_path / "data"
    with Library(data) as library:
        assert library.sync([deck_dir]).ok
        library.add_folder(deck_dir)
    out = tmp_path / "review.png"
    setup = (
        "def base_style():\n"  # (the style under the style sheet's)
        "    from PySide6.QtWidgets import QApplication\n"
        "    app = QApplication.instance()\n"
        "    app.setStyleSheet('')\n"
        "    return app.style().name()\n"
    )
    # (in that order: asking for the style makes the type) QIcon's type neither: the menus'
    # actions are made as QAction(parent) (MainWindow._action).
    report = (
        "code, 'QStyle' in vars(sys.modules['PySide6.QtWidgets']), "
        "'QIcon' in vars(sys.modules['PySide6.QtGui']), base_style()"
    )
    assert review_screenshot_run(data, out, setup, report) == "0 False False fusion"


def test_the_review_start_up_makes_no_python_type_for_events_it_never_sees(
    tmp_path: Path, deck_dir: Path
) -> None:
    """No handler on the start-up to the first card takes a plain QEvent (the window's
    activation, the card view's resizes): PySide6 would build the Python type of every
    QEvent subclass to find its most derived class (QTabletEvent among them, 44 types)."""
    data = tmp_path / "data"
    with Library(data) as library:
        assert library.sync([deck_dir]).ok
        library.add_folder(deck_dir)
    report = (
        "code, 'QTabletEvent' in vars(sys.modules['PySide6.QtGui']), "
        "'QGraphicsSceneMouseEvent' in vars(sys.modules['PySide6.QtWidgets'])"
    )
    assert review_screenshot_run(data, tmp_path / "review.png", "", report) == "0 False False"


@pytest.fixture
def app_without_style(qapp: QApplication) -> Any:
    """The test's application as one not made by studyapp.app (no style given yet)."""
    given = qapp.property(FUSION_GIVEN)
    qapp.setProperty(FUSION_GIVEN, False)
    yield qapp
    qapp.setProperty(FUSION_GIVEN, given)


def test_the_theme_sets_fusion_once_and_a_switch_keeps_it(
    app_without_style: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_without_style
    styles: list[str] = []
    set_style = app.setStyle

    def counted(name: str) -> None:
        styles.append(name)
        set_style(name)

    monkeypatch.setattr(app, "setStyle", counted)
    assert apply_theme(app, "light", 14) == LIGHT
    assert styles == ["Fusion"] and app.property(FUSION_GIVEN)
    assert apply_theme(app, "dark", 18) == DARK  # a switch: palette and style sheet only
    assert styles == ["Fusion"]
    assert app.palette().window().color().name() == DARK.window
    assert "font-size: 16pt" in app.styleSheet()
    app.setStyleSheet("")  # (the style under the style sheet's)
    assert app.style().name() == "fusion"
    apply_theme(app, "light", 14)
    assert styles == ["Fusion"]


class _StyleDrawn(ElidedLabel):
    """The label as it painted before: through the style's drawItemText."""

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(self.alignment().value),
            self.palette(),
            self.isEnabled(),
            self.shown_text(),
            self.foregroundRole(),
        )
        painter.end()


def _painted(label: ElidedLabel) -> QImage:
    image = QImage(label.size(), QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    label.render(image, QPoint(0, 0))
    return image


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(
    "text", ["Terms · 12 due", "A long scope: " + "Foundations and terms, " * 8, ""]
)
@pytest.mark.parametrize("enabled", [True, False])
def test_the_elided_label_paints_what_the_styles_drawitemtext_painted(
    qtbot: Any, theme: str, text: str, enabled: bool
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, theme, 14)
    labels = [ElidedLabel(text), _StyleDrawn(text)]
    for label in labels:
        qtbot.addWidget(label)
        label.resize(240, 30)
        label.setEnabled(enabled)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    assert labels[0].shown_text() == labels[1].shown_text()
    mine, styled = (_painted(label) for label in labels)
    assert mine == styled
    if text:  # (the comparison looks at painted text)
        labels[1].setText("")
        assert _painted(labels[1]) != mine


def _colours(image: QImage) -> set[str]:
    return {
        image.pixelColor(x, y).name() for x in range(image.width()) for y in range(image.height())
    }


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", ["primary", ""])
def test_a_disabled_button_looks_disabled(qtbot: Any, theme: str, name: str) -> None:
    """'Study all due' with nothing to study is disabled: it must not look as if a press
    would start a session (its text and its accent were drawn as an enabled button's)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    c = apply_theme(app, theme, 14)
    painted = {}
    for enabled in (True, False):
        button = QPushButton("Study all due")
        button.setObjectName(name)
        button.setEnabled(enabled)
        button.resize(220, 44)
        qtbot.addWidget(button)
        painted[enabled] = button.grab().toImage()
    text = c.on_accent if name == "primary" else c.text
    assert text in _colours(painted[True])
    assert text not in _colours(painted[False])
    assert c.muted in _colours(painted[False])
    middle_left = (12, 22)  # inside the border's radius, left of the text
    if name == "primary":
        assert painted[True].pixelColor(*middle_left).name() == c.accent
    assert painted[False].pixelColor(*middle_left).name() == c.window
