"""A card's picture drawn for the screen: decoded or rendered offline, scaled, on a light
card so that it reads the same in the light and the dark theme.

SVG goes through Qt's own renderer, ``QSvgRenderer``: it implements static SVG (Tiny 1.2)
without scripting and fetches nothing over a network; but it reads a local image file that
an ``<image href="/path/x.png">`` (or a relative path) names. So an SVG reaches it only after
the validator's checks (:mod:`studyapp.deckfile.images`: no script, no event attribute, no
reference outside the image), once at sync and again here, just before drawing
(:meth:`ShownImage.safe_to_draw`). ``tests/gui/test_images_on_screen.py`` shows all of this on the
renderer itself.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath
from PySide6.QtSvg import QSvgRenderer

from studyapp.services.render import ShownImage

__all__ = ["MAX_HEIGHT", "MAX_WIDTH", "display_size", "draw_image"]

MAX_WIDTH = 560
"""Logical pixels: a picture is never wider on screen (nor wider than the view allows)."""
MAX_HEIGHT = 360
PADDING = 10
BACKGROUND = QColor("#f8f7f2")
"""The light card a picture sits on (the bundled diagrams draw the same colour)."""


def display_size(image: ShownImage, room: tuple[int, int]) -> tuple[int, int]:
    """The picture's size on screen, in logical pixels: scaled down (never up, except an
    SVG, which scales freely) to fit ``room`` (width, height) and :data:`MAX_WIDTH` x
    :data:`MAX_HEIGHT`."""
    width, height = max(1, image.width), max(1, image.height)
    limit = max(80, min(MAX_WIDTH, room[0])) - 2 * PADDING
    tall = max(80, min(MAX_HEIGHT, room[1])) - 2 * PADDING
    scale = min(limit / width, tall / height)
    if image.kind != "svg":
        scale = min(scale, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _decode(image: ShownImage, width: int, height: int, ratio: float) -> QImage | None:
    if not image.safe_to_draw():
        return None
    pixels_w, pixels_h = max(1, round(width * ratio)), max(1, round(height * ratio))
    if image.kind == "svg":
        renderer = QSvgRenderer(QByteArray(image.data))
        if not renderer.isValid():
            return None
        picture = QImage(pixels_w, pixels_h, QImage.Format.Format_ARGB32_Premultiplied)
        picture.fill(Qt.GlobalColor.transparent)
        painter = QPainter(picture)
        renderer.render(painter, QRectF(0, 0, pixels_w, pixels_h))
        painter.end()
        return picture
    picture = QImage.fromData(image.data)
    if picture.isNull():
        return None
    return picture.scaled(
        pixels_w,
        pixels_h,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def draw_image(image: ShownImage, room: tuple[int, int], ratio: float = 1.0) -> QImage | None:
    """The picture at its :func:`display_size` on a rounded light card (``ratio``: the
    screen's device pixel ratio), or None if its bytes cannot be drawn."""
    width, height = display_size(image, room)
    picture = _decode(image, width, height, ratio)
    if picture is None:
        return None
    outer_w, outer_h = width + 2 * PADDING, height + 2 * PADDING
    card = QImage(
        round(outer_w * ratio), round(outer_h * ratio), QImage.Format.Format_ARGB32_Premultiplied
    )
    card.fill(Qt.GlobalColor.transparent)
    painter = QPainter(card)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(ratio, ratio)
    path = QPainterPath()
    path.addRoundedRect(QRectF(0, 0, outer_w, outer_h), 8, 8)
    painter.fillPath(path, BACKGROUND)
    painter.drawImage(QRectF(PADDING, PADDING, width, height), picture)
    painter.end()
    card.setDevicePixelRatio(ratio)
    return card
