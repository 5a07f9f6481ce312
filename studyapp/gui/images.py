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

import math

from PySide6.QtCore import QByteArray, QPoint, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPixmap,
    QResizeEvent,
    QTextCursor,
    QTextDocument,
    QTextLayout,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from studyapp.gui.imageroom import (
    MIN_SIDE,
    ZOOM_KEY,
    picture_room,
    watch_image_clicks,
    watch_resizes,
)
from studyapp.gui.keycaps import key_hints_html
from studyapp.gui.theme import Colors
from studyapp.services.render import ShownImage

__all__ = [
    "ZOOM_KEY",
    "ImageViewer",
    "display_size",
    "draw_image",
    "first_visible_image",
    "image_at",
    "picture_room",
    "watch_image_clicks",
    "watch_resizes",
]

PADDING = 10
BACKGROUND = QColor("#f8f7f2")
"""The light card a picture sits on (the bundled diagrams draw the same colour)."""
CAPTION_LINES = 3
"""Lines of its caption (the alt text) the viewer always has room for under a picture."""
CAPTION_SHARE = 0.25
"""The caption takes the lines its text needs, up to this share of the viewer's height (or
:data:`CAPTION_LINES`, if more); a longer one scrolls. A fixed three lines put a scroll bar
beside a four-line caption at 800x600, its last line out of sight."""
CAPTION_CHARACTERS = 90
"""The caption's widest line, in average characters: a line across a 1600 px viewer ran to
about 200 characters, hard to follow to the next one. Narrower, it is centred."""


def display_size(image: ShownImage, room: tuple[int, int]) -> tuple[int, int]:
    """The picture's size on screen, in logical pixels, inside ``room`` (width, height; its
    light card's padding included): an SVG scales up or down freely to fill it; a raster
    image only down, never beyond its natural size (one image pixel a logical pixel, so
    natural size x the device pixel ratio in screen pixels, as a browser shows it)."""
    width, height = max(1, image.width), max(1, image.height)
    wide = max(MIN_SIDE, room[0]) - 2 * PADDING
    tall = max(MIN_SIDE, room[1]) - 2 * PADDING
    scale = min(wide / width, tall / height)
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


def image_at(view: QTextEdit, point: QPoint) -> str | None:
    """The name of the picture drawn at ``point`` (viewport coordinates) in ``view``, or
    None: the image character under it, and the point inside that picture's box."""
    document = view.document()
    layout = document.documentLayout()
    offset = QPointF(view.horizontalScrollBar().value(), view.verticalScrollBar().value())
    position = layout.hitTest(QPointF(point) + offset, Qt.HitTestAccuracy.FuzzyHit)
    if position < 0:
        return None
    for at in (position, position - 1):
        if at < 0:
            continue
        cursor = QTextCursor(document)
        cursor.setPosition(at)
        cursor.setPosition(at + 1, QTextCursor.MoveMode.KeepAnchor)
        form = cursor.charFormat()
        if not form.isImageFormat():
            continue
        # The cursor's rectangles either side of the picture: its left and right edges, and
        # (as tall as the line the picture makes) its top and bottom.
        left = view.cursorRect(_at(document, at)).left()
        after = view.cursorRect(_at(document, at + 1))
        if min(left, after.left()) <= point.x() <= max(left, after.left()) and (
            after.top() <= point.y() <= after.bottom()
        ):
            return form.toImageFormat().name()
    return None


def _at(document: QTextDocument, position: int) -> QTextCursor:
    cursor = QTextCursor(document)
    cursor.setPosition(position)
    return cursor


def first_visible_image(view: QTextEdit) -> str | None:
    """The name of the first picture at least partly in sight in ``view``, or None."""
    document = view.document()
    viewport = view.viewport().rect()
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            form = fragment.charFormat()
            if form.isImageFormat():
                line = view.cursorRect(_at(document, fragment.position() + 1))
                if line.bottom() >= viewport.top() and line.top() <= viewport.bottom():
                    return form.toImageFormat().name()
            it += 1
        block = block.next()
    return None


def _text_line_heights(
    text: str, font: QFont, width: float, document: QTextDocument
) -> list[float]:
    """The heights of the lines ``text`` makes in a plain text view ``width`` px wide (its
    document's wrapping, leading included), as its layout breaks them."""
    option = document.defaultTextOption()
    heights: list[float] = []
    for paragraph in text.split("\n"):
        layout = QTextLayout(paragraph, font)
        layout.setTextOption(option)
        layout.beginLayout()
        while (line := layout.createLine()).isValid():
            line.setLeadingIncluded(True)
            line.setLineWidth(max(1.0, width))
            heights.append(line.height())
        layout.endLayout()
    return heights


class ImageViewer(QDialog):
    """A card's picture as big as the window it opens over, its alt text under it as the
    caption and the accessible description; Esc (or a click on the picture) closes it."""

    def __init__(self, image: ShownImage, colors: Colors, parent: QWidget) -> None:
        super().__init__(parent)
        self.image = image
        self.setWindowTitle("Picture")
        self.setModal(True)
        self.setAccessibleName("Picture")
        self.setAccessibleDescription(image.alt)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(8)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setAccessibleName("Picture")
        self.picture.setAccessibleDescription(image.alt)
        self.picture.setCursor(Qt.CursorShape.PointingHandCursor)
        self.picture.setToolTip("Click or press Esc to close")
        layout.addWidget(self.picture, 1)
        # The author's text as written (plain text), as many lines as it needs up to a share
        # of the viewer (see _fit_caption); a longer one scrolls.
        self.caption = QPlainTextEdit()
        self.caption.setPlainText(image.alt)
        self.caption.setReadOnly(True)
        self.caption.setFrameShape(QFrame.Shape.NoFrame)
        self.caption.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.caption.setAccessibleName("Caption")
        self.caption.viewport().setAutoFillBackground(False)
        self.caption.ensurePolished()  # the style sheet's font, to measure its lines by
        layout.addWidget(self.caption, 0, Qt.AlignmentFlag.AlignHCenter)
        self.hint = QLabel(key_hints_html([(("Esc",), "or a click closes")], colors))
        self.hint.setObjectName("muted")
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.hint)
        window = parent.window()
        self.resize(window.size())
        self.move(window.pos())
        self._drawn = QSize()

    def shown_size(self) -> tuple[int, int]:
        """The picture's size in the viewer now, in logical pixels (padding excluded): as big
        as the room left above the caption allows."""
        return display_size(self.image, (self.picture.width(), self.picture.height()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._redraw()

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self._redraw()

    def _redraw(self) -> None:
        if self._drawn == self.size():
            return
        self._drawn = self.size()
        layout = self.layout()
        assert layout is not None
        self._fit_caption(layout.contentsRect().width() or self.width())
        layout.activate()
        room = (self.picture.width(), self.picture.height())
        card = draw_image(self.image, room, self.devicePixelRatioF())
        if card is None:
            self.picture.setText("This picture could not be drawn.")
        else:
            self.picture.setPixmap(QPixmap.fromImage(card))

    def _fit_caption(self, width: int) -> None:
        """Make the caption ``width`` px wide (at most :data:`CAPTION_CHARACTERS`) and as tall
        as its lines (laid out as its text view lays them out), up to :data:`CAPTION_SHARE`
        of the viewer: a short one shows whole with no scroll bar, a long one scrolls in its
        share."""
        caption = self.caption
        width = min(width, caption.fontMetrics().averageCharWidth() * CAPTION_CHARACTERS)
        caption.setFixedWidth(width)
        document = caption.document()
        margin = document.documentMargin()
        frame = 2 * caption.frameWidth()
        heights = _text_line_heights(
            caption.toPlainText(), caption.font(), width - frame - 2 * margin, document
        )
        spacing = caption.fontMetrics().lineSpacing()
        most = max(CAPTION_LINES * spacing, int(self.height() * CAPTION_SHARE))
        fits = sum(heights) <= most
        lines = sum(heights) if fits else most
        # No scroll bar at all when it fits: one shown while the caption was narrower (before
        # its width was set) stayed, and the lines it took broke one line more than measured.
        caption.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff if fits else Qt.ScrollBarPolicy.ScrollBarAsNeeded
        )
        # QPlainTextEdit counts its lines as in sight if they end a margin and a pixel above
        # its viewport's bottom, the block's own two margins besides: 3 margins and 1 px.
        caption.setFixedHeight(math.ceil(lines + 3 * margin + 1) + frame)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.picture.geometry().contains(event.position().toPoint()):
            self.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == ZOOM_KEY and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.accept()  # the same key again closes, as Esc does
            return
        super().keyPressEvent(event)
