"""Pictures on screen: Qt's SVG renderer as it is (no scripts, no network, but local files
by path), the review screen showing a card's picture on its side, and the preview showing a
broken reference in place and re-drawing when the image file is saved."""

from __future__ import annotations

import http.server
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from studyapp.services.preview import DeckPreview
from studyapp.services.render import ShownImage
from tests.imagefiles import SAFE_SVG, png


@pytest.fixture
def web_server() -> Iterator[tuple[int, list[str]]]:
    """A local HTTP server that records every request (none should come)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = socketserver.TCPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()
    thread.join()


def _draw(svg: str, width: int = 40, height: int = 20) -> QImage:
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, width, height))
    painter.end()
    return image


@pytest.mark.qt_log_ignore("Could not create image from")  # Qt's note on the refused URL
def test_qt_svg_renderer_runs_no_script_and_fetches_nothing_but_reads_local_files(
    qapp: Any, web_server: tuple[int, list[str]], tmp_path: Path
) -> None:
    port, hits = web_server
    red = QImage(8, 8, QImage.Format.Format_RGB32)
    red.fill(QColor("red"))
    red.save(str(tmp_path / "red.png"))
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="40" height="20" onload="document.getElementById(\'b\').setAttribute('
        "'fill','blue')\">"
        "<script>document.getElementById('b').setAttribute('fill','blue')</script>"
        '<rect id="b" width="20" height="20" fill="lime"/>'
        f'<image x="20" width="10" height="10" xlink:href="http://127.0.0.1:{port}/x.png"/>'
        f'<image x="30" width="10" height="10" href="{tmp_path / "red.png"}"/>'
        "</svg>"
    )
    drawn = _draw(svg)
    assert drawn.pixelColor(5, 5).name() == "#00ff00"  # the script never ran
    assert drawn.pixelColor(25, 5).alpha() == 0  # nothing fetched over the network
    assert hits == []
    # ... but a local file named by path is read: hence the checks before drawing
    assert drawn.pixelColor(35, 5).name() == "#ff0000"
    unsafe = ShownImage("alt", "answer", "svg", 40, 20, svg.encode())
    assert not unsafe.safe_to_draw()
    from studyapp.gui.images import draw_image

    assert draw_image(unsafe, (400, 300)) is None
    safe = ShownImage("alt", "answer", "svg", 200, 100, SAFE_SVG.encode())
    picture = draw_image(safe, (400, 300))
    # an SVG scales to the room it has (380 x 190), on a card with 10 px of padding
    assert picture is not None and (picture.width(), picture.height()) == (400, 210)


HEADER = "format_version: 1\ndeck: {id: pics, title: Pictures, family: mechanisms}\ncards:\n"


def _course(root: Path, side: str, file: str = "images/arc.svg") -> Path:
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "images" / "arc.svg").write_text(SAFE_SVG, encoding="utf-8")
    (root / "deck.yaml").write_text(
        HEADER
        + "  - id: pic\n    front: What does the diagram show?\n    back: The arc.\n"
        + "    source: zhou2024\n"
        + f"    image: {{file: {file}, alt: The therapy arc, side: {side}}}\n",
        encoding="utf-8",
    )
    return root


@pytest.mark.parametrize("side", ["answer", "question"])
def test_review_shows_the_picture_on_its_side(
    qtbot: Any, tmp_path: Path, side: str, clock: Any
) -> None:
    from studyapp.gui.mainwindow import MainWindow
    from studyapp.services.library import Library

    course = _course(tmp_path / "course", side)
    library = Library(tmp_path / "data")
    try:
        assert library.sync([course]).ok
        window = MainWindow(library, clock=clock)
        qtbot.addWidget(window)
        window.show()
        qtbot.keyClick(window.overview, Qt.Key.Key_S)
        review = window.review
        assert review.card is not None and review.card.image is not None
        question_html = review.view.toHtml()
        assert ("studyapp-image:" in question_html) == (side == "question")
        qtbot.keyClick(review, Qt.Key.Key_Space)
        assert "studyapp-image:" in review.view.toHtml()
        assert review.view.requested == []  # the picture came from the card, nothing fetched
        shot = review.view.grab().toImage()
        light = QColor("#f8f7f2")
        assert any(
            shot.pixelColor(x, y) == light
            for x in range(0, shot.width(), 4)
            for y in range(0, shot.height(), 4)
        ), "the picture's light card is on screen"
        window.close()
    finally:
        library.close()


def test_preview_shows_a_broken_image_in_its_card_and_redraws_when_it_is_saved(
    qtbot: Any, tmp_path: Path
) -> None:
    from studyapp.gui.preview import PreviewWindow

    course = _course(tmp_path / "course", "answer", file="images/missing.png")
    window = PreviewWindow(DeckPreview([course]))
    qtbot.addWidget(window)
    window.show()
    text = window.view.toPlainText()
    assert "Image not shown: the image 'images/missing.png' is not there" in text
    assert "The therapy arc" in text  # the alt text in its place
    assert window.problems.count() == 1
    assert "deck.yaml:8:" in window.problems.item(0).text()
    with qtbot.waitSignal(window.reloaded, timeout=5000):
        (course / "images" / "missing.png").write_bytes(png(60, 30))
    assert window.problems.count() == 0
    assert "studyapp-image:" in window.view.toHtml()
    assert "Image not shown" not in window.view.toPlainText()


def test_the_image_screenshot_shows_the_picture_card_it_is_asked_for(
    qtbot: Any, tmp_path: Path, clock: Any
) -> None:
    """``--screen image --card ID``: that card's answer with its picture; the first picture
    card without an id; False for an id with no picture."""
    from studyapp.app import show_picture_card
    from studyapp.gui.mainwindow import MainWindow
    from studyapp.services.library import Library

    course = _course(tmp_path / "course", "answer")
    deck = course / "deck.yaml"
    deck.write_text(
        deck.read_text(encoding="utf-8")
        + "  - id: plain\n    front: No picture here?\n    back: None.\n    source: zhou2024\n"
        + "  - id: second\n    front: And this diagram?\n    back: Another arc.\n"
        + "    source: zhou2024\n"
        + "    image: {file: images/arc.svg, alt: The arc again, side: answer}\n",
        encoding="utf-8",
    )
    for wanted, expected in (("second", "second"), (None, "pic"), ("plain", None)):
        library = Library(tmp_path / f"data-{wanted}")
        try:
            assert library.sync([course]).ok
            window = MainWindow(library, clock=clock)
            qtbot.addWidget(window)
            window.show()
            assert show_picture_card(window, wanted) == (expected is not None)
            if expected is not None:
                assert window.review.card is not None
                assert window.review.card.note_id == expected
                assert "studyapp-image:" in window.review.view.toHtml()  # the answer side
            window.close()
        finally:
            library.close()


def _windows_made(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every main window ``studyapp.app`` makes from now on (kept, to look at after a
    ``render_screen``)."""
    import studyapp.app as app
    from studyapp.gui.mainwindow import MainWindow

    made: list[Any] = []

    class Kept(MainWindow):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(app, "MainWindow", Kept)
    return made


@pytest.mark.parametrize("screen", ["answer", "details"])
def test_the_answer_screenshots_pass_a_content_note_to_the_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, screen: str
) -> None:
    """``--screen answer`` on a store whose next card is sensitive drew its question: the
    one reveal only passed the content note. The screens that answer cards (details, ...)
    graded nothing on such a card. Each now reveals until the answer shows."""
    import studyapp.app as app
    from studyapp.services.browse import CardBrowser
    from studyapp.services.library import Library

    made = _windows_made(monkeypatch)
    library = Library(tmp_path / "data")
    try:
        assert library.sync().ok  # the bundled decks
        cards = CardBrowser(library)
        cards.bury(cards.find("-is:sensitive"))  # the next card has a content note
        out = tmp_path / "shot.png"
        assert app.render_screen(library, screen, out, (800, 600), tmp_path / "s") == 0
        review = made[0].review
        if screen == "answer":
            assert review.card is not None and review.card.sensitive
            assert review.revealed
        else:
            assert review.session is not None
            assert review.session.summary.studied == 4  # each of the four answered
    finally:
        library.close()


def test_the_content_note_screenshot_of_a_store_with_a_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--screen content-note`` on a store with a review history (its deck's sensitive
    cards all started) was an IndexError traceback; it shows another new sensitive card."""
    import studyapp.app as app
    from benchmarks.history import bundled_history
    from studyapp.services.library import Library

    made = _windows_made(monkeypatch)
    bundled_history(tmp_path / "data", days=400)
    library = Library(tmp_path / "data")
    try:
        out = tmp_path / "shot.png"
        assert app.render_screen(library, "content-note", out, (800, 600), tmp_path / "s") == 0
        review = made[0].review
        assert review.card is not None and review.card.sensitive and not review.revealed
        assert "CONTENT NOTE" in review.view.toPlainText().upper()
    finally:
        library.close()


@pytest.mark.parametrize("history", [False, True])
def test_the_leech_screenshot_shows_the_leech_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, history: bool
) -> None:
    """``--screen leech`` on a store with a review history showed no notice: the terms
    deck's first card had lapsed 8 times already, so its Again was a ninth lapse (a leech
    again only at 12), and other due cards came between its answers. It shows the notice
    on a new store and on one with a history."""
    import studyapp.app as app
    from benchmarks.history import bundled_history
    from studyapp.services.library import Library

    made = _windows_made(monkeypatch)
    if history:
        bundled_history(tmp_path / "data", days=400)
    library = Library(tmp_path / "data")
    try:
        if not history:
            assert library.sync().ok
        out = tmp_path / "shot.png"
        assert app.render_screen(library, "leech", out, (800, 600), tmp_path / "s") == 0
        review = made[0].review
        assert not review.notice.isHidden() and review.notice.text().startswith("Leech: ")
        assert review.card is not None  # the notice stands above the next card
    finally:
        library.close()
