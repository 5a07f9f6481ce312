"""A card's picture at the card's full text width (capped by the view's height), and big in a
viewer that a click on it or ``Z`` opens and Esc closes, in review and in the authors' preview;
the footer names ``Z`` only when the card shows a picture."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QTextEdit

from studyapp.gui.images import PADDING, display_size, image_at, picture_room
from studyapp.services.render import ShownImage
from tests.imagefiles import png

REPO = Path(__file__).resolve().parents[2]
TIMELINE = REPO / "decks" / "images" / "mdma-timeline.svg"
ALT = "Timeline from 2017 to 2024 <b>not bold</b>"


def _svg(width: int = 800, height: int = 470) -> ShownImage:
    return ShownImage("alt", "answer", "svg", width, height, b"<svg/>")


def _png(width: int, height: int) -> ShownImage:
    return ShownImage("alt", "answer", "png", width, height, png(width, height))


# -- sizes, headless ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("viewport", "expected"),
    [
        # 800x600 window: the card's text is 620 px wide, 322 px high; the height binds
        ((620, 322), (460, 270)),
        # 1000x700: 802 x 422, the height binds again
        ((802, 422), (630, 370)),
        # a tall view: the full text width binds (772 = 802 - 2 x 4 - 2 - 2 x 10)
        ((802, 1000), (772, 454)),
        # a huge one: an SVG keeps scaling up
        ((1800, 1400), (1770, 1040)),
    ],
)
def test_an_svg_takes_the_full_text_width_up_to_the_view_height(
    viewport: tuple[int, int], expected: tuple[int, int]
) -> None:
    room = picture_room(viewport)
    shown = display_size(_svg(), room)
    assert shown == expected
    assert shown[0] + 2 * PADDING <= viewport[0]
    assert shown[1] + 2 * PADDING <= viewport[1]  # the whole picture fits once scrolled to
    # one side or the other touches the room (it is as big as the room allows)
    assert room[0] - 2 * PADDING - shown[0] <= 1 or room[1] - 2 * PADDING - shown[1] <= 1


def test_the_old_560_by_360_cap_is_gone() -> None:
    assert display_size(_svg(), picture_room((1200, 900)))[0] > 560


def test_a_raster_image_never_grows_beyond_its_natural_size() -> None:
    small = _png(300, 200)
    assert display_size(small, picture_room((802, 422))) == (300, 200)
    assert display_size(small, picture_room((1800, 1400))) == (300, 200)
    big = _png(2000, 1000)
    assert display_size(big, picture_room((802, 1000))) == (772, 386)  # scaled down to fit


def test_a_tiny_view_still_gives_a_picture_some_room() -> None:
    room = picture_room((50, 40))
    assert room == (80, 80)
    assert display_size(_svg(), room) == (60, 35)


# -- review ------------------------------------------------------------------------------------
HEADER = "format_version: 1\ndeck: {id: pics, title: Pictures, family: mechanisms}\ncards:\n"


def _course(root: Path) -> Path:
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "images" / "timeline.svg").write_bytes(TIMELINE.read_bytes())
    (root / "deck.yaml").write_text(
        HEADER
        + "  - id: pic\n    front: When did the FDA decide?\n    back: 9 August 2024.\n"
        + "    source: zhou2024\n"
        + f"    image: {{file: images/timeline.svg, alt: '{ALT}', side: answer}}\n"
        + "  - id: plain\n    front: No picture here?\n    back: None.\n    source: zhou2024\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture
def window(qtbot: Any, tmp_path: Path, clock: Any) -> Iterator[Any]:
    from studyapp.gui.mainwindow import MainWindow
    from studyapp.services.library import Library

    library = Library(tmp_path / "data")
    try:
        assert library.sync([_course(tmp_path / "course")]).ok
        library.override_settings(library.settings.with_changes(theme="dark"))
        shown = MainWindow(library, clock=clock)
        qtbot.addWidget(shown)
        shown.resize(800, 600)
        shown.show()
        qtbot.keyClick(shown.overview, Qt.Key.Key_S)
        review = shown.review
        for _ in range(4):  # the picture card first
            if review.card is not None and review.card.note_id == "pic":
                break
            qtbot.keyClick(review, Qt.Key.Key_Minus)
        assert review.card is not None and review.card.note_id == "pic"
        yield shown
        shown.close()
    finally:
        library.close()


def _picture_centre(view: QTextEdit) -> QPoint:
    """Where the (one) picture sits in the view's viewport: its centre."""
    document = view.document()
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            form = fragment.charFormat()
            if form.isImageFormat():
                after = QTextCursor(document)
                after.setPosition(fragment.position() + 1)
                before = QTextCursor(document)
                before.setPosition(fragment.position())
                right, left = view.cursorRect(after), view.cursorRect(before)
                return QPoint((left.left() + right.left()) // 2, right.center().y())
            it += 1
        block = block.next()
    raise AssertionError("no picture in the view")


def test_review_footer_names_z_only_with_a_picture_and_z_opens_the_viewer(
    qtbot: Any, window: Any
) -> None:
    review = window.review
    assert "zoom" not in review._hint.text()  # the picture is on the answer side: not shown yet
    qtbot.keyClick(review, Qt.Key.Key_Z)
    assert review.viewer is None  # nothing to zoom
    qtbot.keyClick(review, Qt.Key.Key_Space)
    assert re.search(r"&nbsp;Z&nbsp;</span>&nbsp;zoom", review._hint.text())  # on one line
    qtbot.keyClick(review, Qt.Key.Key_Z)
    viewer = review.viewer
    assert viewer is not None
    qtbot.waitUntil(viewer.isVisible)
    # the alt text as written is the caption and the accessible description
    assert viewer.caption.toPlainText() == ALT
    assert viewer.accessibleDescription() == ALT
    assert viewer.picture.accessibleDescription() == ALT
    assert viewer.size() == window.size()  # as big as the window
    shown = viewer.shown_size()
    assert shown[0] > 700  # 800x600: 748 px wide against 460 in the card
    assert viewer.picture.pixmap().width() == shown[0] + 2 * PADDING
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not viewer.isVisible()
    # grading with 3 goes to the card with no picture: no zoom in its footer, Z does nothing
    review.viewer = None
    qtbot.keyClick(review, Qt.Key.Key_3)
    assert review.card is not None and review.card.note_id == "plain"
    qtbot.keyClick(review, Qt.Key.Key_Space)
    assert "zoom" not in review._hint.text()
    qtbot.keyClick(review, Qt.Key.Key_Z)
    assert review.viewer is None


def test_a_click_on_the_picture_opens_the_viewer_and_a_click_on_the_text_does_not(
    qtbot: Any, window: Any
) -> None:
    review = window.review
    qtbot.keyClick(review, Qt.Key.Key_Space)
    view = review.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(12, 12))
    assert review.viewer is None  # the answer's text
    centre = _picture_centre(view)
    assert image_at(view, centre) is not None
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    viewer = review.viewer
    assert viewer is not None
    qtbot.waitUntil(viewer.isVisible)
    # a click on the big picture closes it too
    qtbot.mouseClick(viewer, Qt.MouseButton.LeftButton, pos=viewer.picture.geometry().center())
    assert not viewer.isVisible()


def test_a_picture_after_cards_without_one_gets_its_room_and_its_click(
    qtbot: Any, tmp_path: Path, clock: Any
) -> None:
    """The text view's viewport is first asked for by the first card with a picture (the
    start-up to a first card without one does not wait for it): a picture met after cards
    without one is drawn for the same room, and a click on it opens the viewer, as when
    the first card has it."""
    from studyapp.gui.mainwindow import MainWindow
    from studyapp.services.library import Library

    library = Library(tmp_path / "data")
    try:
        course = _course(tmp_path / "course")
        deck = course / "deck.yaml"  # the card without a picture first
        head, pic, plain = deck.read_text(encoding="utf-8").split("  - id: ")
        deck.write_text(f"{head}  - id: {plain}  - id: {pic}", encoding="utf-8")
        assert library.sync([course]).ok
        window = MainWindow(library, clock=clock)
        qtbot.addWidget(window)
        window.resize(800, 600)
        window.show()
        qtbot.keyClick(window.overview, Qt.Key.Key_S)
        review = window.review
        assert review.card is not None and review.card.note_id == "plain"
        qtbot.keyClick(review, Qt.Key.Key_Space)
        assert review._clicks is None and review._room is None  # no viewport asked for
        assert not review.view.viewport().autoFillBackground()  # the card shows through
        qtbot.keyClick(review, Qt.Key.Key_3)
        # (mypy keeps review.card narrowed from the first assert: it is the next card)
        assert getattr(review.card, "note_id", None) == "pic"
        qtbot.keyClick(review, Qt.Key.Key_Space)
        watcher = review._clicks
        assert watcher is not None
        assert review._room == review.view.image_room()
        view = review.view
        centre = _picture_centre(view)
        assert image_at(view, centre) is not None
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
        viewer = review.viewer
        assert viewer is not None
        qtbot.waitUntil(viewer.isVisible)
        qtbot.keyClick(viewer, Qt.Key.Key_Escape)
        qtbot.keyClick(review, Qt.Key.Key_3)
        assert review._clicks is watcher  # made once
        window.close()
    finally:
        library.close()


def test_the_picture_fills_the_card_and_redraws_when_the_window_grows(
    qtbot: Any, window: Any
) -> None:
    review = window.review
    qtbot.keyClick(review, Qt.Key.Key_Space)
    view = review.view

    def fills_its_room() -> bool:
        # the picture on its light card touches the room's width or its height
        image = next(iter(view._images.values()))
        room = view.image_room()
        size = (image.width() / image.devicePixelRatio(), image.height() / image.devicePixelRatio())
        return abs(size[0] - room[0]) <= 1 or abs(size[1] - room[1]) <= 1

    # (the footer's second line of keys shrinks the view after the reveal: drawn again)
    qtbot.waitUntil(fills_its_room)
    image = next(iter(view._images.values()))
    assert image.height() <= view.viewport().height()
    before = image.width()
    window.resize(1200, 900)
    qtbot.waitUntil(lambda: next(iter(view._images.values())).width() > before)
    qtbot.waitUntil(fills_its_room)


def test_the_card_scroll_bar_is_dark_in_the_dark_theme(qtbot: Any, window: Any) -> None:
    review = window.review
    qtbot.keyClick(review, Qt.Key.Key_Space)
    bar = review.view.verticalScrollBar()
    qtbot.waitUntil(bar.isVisible)  # the answer and its picture need more than 800x600 gives
    QApplication.processEvents()
    shot = bar.grab().toImage()
    light = [
        (x, y)
        for x in range(shot.width())
        for y in range(shot.height())
        if shot.pixelColor(x, y).alpha() > 0 and shot.pixelColor(x, y).lightness() > 128
    ]
    assert light == []  # no light border box, no light track


# -- preview -----------------------------------------------------------------------------------
def test_preview_opens_a_picture_on_click_and_on_z_and_closes_on_esc(
    qtbot: Any, tmp_path: Path
) -> None:
    from studyapp.gui.preview import PreviewWindow
    from studyapp.services.preview import DeckPreview

    course = _course(tmp_path / "course")
    deck = course / "deck.yaml"
    # cards before the picture card: Z opens the picture in sight, once scrolled to it
    deck.write_text(
        deck.read_text(encoding="utf-8").replace(
            "cards:\n",
            "cards:\n"
            + "".join(
                f"  - id: before-{i}\n    front: Question {i}?\n    back: Answer {i}.\n"
                "    source: zhou2024\n"
                for i in range(12)
            ),
        ),
        encoding="utf-8",
    )
    window = PreviewWindow(DeckPreview([course]))
    qtbot.addWidget(window)
    window.resize(800, 600)
    window.show()
    qtbot.waitExposed(window)
    qtbot.keyClick(window.view, Qt.Key.Key_Z)
    assert window.viewer is None  # no picture in sight at the top
    window.view.scrollToAnchor("pic--fwd")  # the picture card at the top of the view
    QApplication.processEvents()
    qtbot.keyClick(window.view, Qt.Key.Key_Z)
    viewer = window.viewer
    assert viewer is not None
    qtbot.waitUntil(viewer.isVisible)
    assert viewer.caption.toPlainText() == ALT
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not viewer.isVisible()
    window.viewer = None
    centre = _picture_centre(window.view)
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert window.viewer is not None and window.viewer is not viewer
    qtbot.waitUntil(window.viewer.isVisible)
    qtbot.keyClick(window.viewer, Qt.Key.Key_Escape)
    assert not window.viewer.isVisible()


ARC_ALT = (
    "Timeline of a course of MDMA-assisted therapy: three drug-free preparation sessions, "
    "then three dosing sessions of about eight hours, about four weeks apart, each followed "
    "by three drug-free integration sessions (nine in all). The intensity of the experience "
    "peaks at each dosing session."
)
"""The therapy arc's alt text (decks/process-therapy.yaml): four lines at 800 px."""


def _viewer(qtbot: Any, alt: str, size: tuple[int, int]) -> tuple[Any, Any]:
    """An image viewer over a window of ``size``, with ``alt`` as its caption; and the window
    (keep it: the viewer is its child)."""
    from msgspec.structs import replace
    from PySide6.QtWidgets import QWidget

    from studyapp.gui.images import ImageViewer
    from studyapp.gui.theme import LIGHT, apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "light", 15)  # the window's font, as it sets it
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.resize(*size)
    image = replace(_svg(), alt=alt, data=TIMELINE.read_bytes())
    viewer = ImageViewer(image, LIGHT, parent)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer, parent


@pytest.mark.parametrize("size", [(800, 600), (1600, 1000)])
def test_a_short_caption_shows_whole_without_a_scroll_bar(
    qtbot: Any, size: tuple[int, int]
) -> None:
    """At 800x600 the therapy arc's four-line caption had room for three and a scroll bar:
    its last line out of sight. A caption gets the lines it needs, no more."""
    viewer, _window = _viewer(qtbot, ARC_ALT, size)
    caption = viewer.caption
    bar = caption.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() == 0 and not bar.isVisible(), timeout=2000)
    block = caption.document().lastBlock()
    last = caption.blockBoundingGeometry(block).translated(caption.contentOffset())
    assert last.bottom() <= caption.viewport().height()  # the last line in sight
    spare = caption.viewport().height() - last.bottom()
    assert spare < caption.fontMetrics().lineSpacing()  # and no empty line under it
    assert viewer.picture.height() >= size[1] * 0.6  # the picture keeps most of the room


def test_a_long_caption_scrolls_within_a_quarter_of_the_viewer(qtbot: Any) -> None:
    viewer, _window = _viewer(qtbot, " ".join([ARC_ALT] * 6), (800, 600))
    caption = viewer.caption
    qtbot.waitUntil(lambda: caption.verticalScrollBar().isVisible(), timeout=2000)  # it scrolls
    margins = 3 * caption.document().documentMargin() + 1 + 2 * caption.frameWidth()
    assert caption.height() <= 600 * 0.25 + margins + 1
    assert viewer.picture.height() >= 600 * 0.5


def test_a_caption_keeps_to_a_readable_width_in_a_wide_viewer(qtbot: Any) -> None:
    """At 1600x1000 the caption's lines ran to about 200 characters across the viewer; they
    keep to about 90, centred under the picture, and still show whole."""
    import yaml

    terms = yaml.safe_load((REPO / "decks" / "terms.yaml").read_text(encoding="utf-8"))
    [alt] = [c["image"]["alt"] for c in terms["cards"] if c["id"] == "term-open-label"]
    viewer, _window = _viewer(qtbot, alt, (1600, 1000))
    caption = viewer.caption
    qtbot.waitUntil(lambda: caption.verticalScrollBar().maximum() == 0, timeout=2000)
    block = caption.document().firstBlock()
    widest = max(
        block.layout().lineAt(i).naturalTextWidth() for i in range(block.layout().lineCount())
    )
    assert widest <= caption.fontMetrics().averageCharWidth() * 95
    centre = caption.geometry().center().x()
    assert abs(centre - viewer.rect().center().x()) <= 2
