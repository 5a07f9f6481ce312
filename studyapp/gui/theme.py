"""Light and dark palettes and the one style sheet: calm colours, generous spacing."""

from __future__ import annotations

import msgspec
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

__all__ = ["FUSION_GIVEN", "Colors", "apply_theme", "colors_for"]

FUSION_GIVEN = "studyappFusion"
"""A dynamic property of the QApplication, true once its style is Fusion: given at its
creation (``-style Fusion``, :func:`studyapp.gui.application.application`) or set by an earlier
:func:`apply_theme`."""


class Colors(msgspec.Struct, frozen=True):
    window: str
    surface: str
    text: str
    muted: str
    border: str
    accent: str
    new: str
    learning: str
    review: str
    again: str
    hard: str
    good: str
    easy: str
    cloze: str
    on_accent: str


LIGHT = Colors(
    window="#f6f5f2",
    surface="#ffffff",
    text="#1f2328",
    muted="#5f6670",
    border="#d9d6cf",
    accent="#3b6ea5",
    new="#2f6fb3",
    learning="#b5581c",
    review="#2e7d4f",
    again="#b3362c",
    hard="#8a6d1d",
    good="#2e7d4f",
    easy="#2f6fb3",
    cloze="#2f6fb3",
    on_accent="#ffffff",
)
DARK = Colors(
    window="#1d1f22",
    surface="#26292d",
    text="#e6e4df",
    muted="#a3a7ad",
    border="#3a3e44",
    accent="#7aa7d9",
    new="#7aa7d9",
    learning="#e09a62",
    review="#7cc49a",
    again="#e5847b",
    hard="#d6bb6a",
    good="#7cc49a",
    easy="#7aa7d9",
    cloze="#8fb8e6",
    on_accent="#14171a",
)


def _is_dark(theme: str) -> bool:
    if theme == "dark":
        return True
    if theme == "light":
        return False
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def colors_for(theme: str) -> Colors:
    return DARK if _is_dark(theme) else LIGHT


def apply_theme(app: QApplication, theme: str, font_size: int) -> Colors:
    """Set the Fusion style (once per application), a palette and the style sheet; returns
    the colours in use."""
    c = colors_for(theme)
    # Fusion once per application, and not at all for one made with it (FUSION_GIVEN): the
    # Python call setStyle is resolved against its QStyle overload, which makes PySide6
    # build QStyle's type with its 11 large enums (PixelMetric, StyleHint, ...), 5.0-6.7 ms
    # instrumented. With richtext.ElidedLabel's paint, nothing on the start-up to the first
    # card makes that type: 2,344.0 -> 2,297.8 M instructions (-2.0%, callgrind, 200,000
    # notes, 2 runs each), process CPU 478 -> 471 ms (medians of 9, interleaved, load ~9).
    # A theme switched later changes the palette and the style sheet only (the same pixels
    # as before, light <-> dark, checked screen by screen).
    if not app.property(FUSION_GIVEN):
        app.setStyle("Fusion")
        app.setProperty(FUSION_GIVEN, True)
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(c.window))
    palette.setColor(QPalette.ColorRole.Base, QColor(c.surface))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor(c.window))
    palette.setColor(QPalette.ColorRole.Text, QColor(c.text))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(c.text))
    palette.setColor(QPalette.ColorRole.Button, QColor(c.surface))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(c.text))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(c.accent))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor(c.on_accent))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(c.muted))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor(c.surface))
    palette.setColor(QPalette.ColorRole.ToolTipText, QColor(c.text))
    # setColor(role, ...) sets every colour group, the disabled one too: a disabled control
    # drew its text as an enabled one did ('Study all due' with nothing due looked as if it
    # would start a session). Disabled text is the muted colour, as Fusion's own palette has it.
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(c.muted))
    app.setPalette(palette)
    base = max(11, font_size - 2)
    app.setStyleSheet(
        f"""
        QWidget {{ font-size: {base}pt; }}
        QLabel#title {{ font-size: {base + 7}pt; font-weight: 600; }}
        QLabel#subtitle, QLabel#muted {{ color: {c.muted}; }}
        QLabel#statValue {{ font-size: {base + 3}pt; font-weight: 600; }}
        QLabel#chartTitle {{ font-weight: 600; }}
        QLabel#headline {{ font-size: {base + 2}pt; }}
        QLabel#empty {{ color: {c.muted}; font-size: {base + 2}pt; padding: 24px; }}
        QFrame#card {{ background: {c.surface}; border: 1px solid {c.border};
                      border-radius: 10px; }}
        QPushButton {{ padding: 7px 16px; border: 1px solid {c.border}; border-radius: 6px;
                      background: {c.surface}; }}
        QPushButton:hover, QPushButton#row[hovered="true"] {{ border-color: {c.accent}; }}
        QPushButton:focus {{ border: 2px solid {c.accent}; }}
        QPushButton#row {{ padding: 1px 14px; border-radius: 5px; }}
        QPushButton#primary {{ background: {c.accent}; color: {c.on_accent};
                              border-color: {c.accent}; font-weight: 600; }}
        QPushButton:disabled {{ color: {c.muted}; background: {c.window}; }}
        QPushButton#primary:disabled {{ color: {c.muted}; background: {c.window};
                                       border-color: {c.border}; }}
        QPushButton#grade {{ min-width: 110px; padding: 9px 12px; font-weight: 600; }}
        QPushButton#again {{ color: {c.again}; }}
        QPushButton#hard {{ color: {c.hard}; }}
        QPushButton#good {{ color: {c.good}; }}
        QPushButton#easy {{ color: {c.easy}; }}
        QTreeView {{ background: {c.surface}; border: 1px solid {c.border};
                      border-radius: 8px; }}
        QTreeView::item {{ padding: 4px 2px; min-height: 30px; }}
        QProgressBar {{ border: none; background: {c.border}; border-radius: 3px;
                        max-height: 6px; }}
        QProgressBar::chunk {{ background: {c.accent}; border-radius: 3px; }}
        QLabel#error {{ color: {c.again}; }}
        QLabel#critical {{ color: {c.again}; font-weight: 600; padding: 2px 10px;
                           border: 1px solid {c.again}; border-radius: 10px; }}
        QLabel#banner {{ background: {c.surface}; color: {c.text}; padding: 8px 12px;
                         border: 1px solid {c.again}; border-left: 5px solid {c.again};
                         border-radius: 6px; }}
        """
    )
    return c
