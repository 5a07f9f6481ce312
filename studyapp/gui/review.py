"""The review screen: question, Space to reveal, 1-4 to grade, Ctrl+Z to undo; ``@``
suspends, ``-`` buries, ``L`` puts a card off ("Not now"), Ctrl+1..4 flag it; ``Z`` (or a
click on it) shows the card's picture big.

The screen is a passive view of a :class:`~studyapp.services.review.ReviewController`: it
forwards keys and clicks as intents and draws the state, card and grade previews the
controller reports. What is allowed when (no grade before the reveal) is decided there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, assert_never

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QImage, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from studyapp.core.errors import StorageError
from studyapp.core.model import Rating
from studyapp.core.printable import escape_html
from studyapp.gui.cardhtml import card_css, card_html, card_images, content_note_html
from studyapp.gui.imageroom import ZOOM_KEY, watch_image_clicks, watch_resizes
from studyapp.gui.keycaps import key_hints_html
from studyapp.gui.richtext import ElidedLabel, SafeTextView
from studyapp.gui.theme import Colors
from studyapp.services.review import ReviewController, ReviewState
from studyapp.services.study import FLAG_NAMES, CardView, StudySession

# The pictures' module (drawing, Qt SVG, the zoom viewer) is imported when a card has a
# picture to draw or zoom (see studyapp.gui.imageroom).
if TYPE_CHECKING:
    from studyapp.gui.images import ImageViewer

__all__ = ["ReviewScreen"]

_GRADE_KEYS = {
    Qt.Key.Key_1: Rating.AGAIN,
    Qt.Key.Key_2: Rating.HARD,
    Qt.Key.Key_3: Rating.GOOD,
    Qt.Key.Key_4: Rating.EASY,
}
_REVEAL_KEYS = {Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter}
"""Show the answer; once it shows, answer Good (Anki's habit)."""


def _keys_of(rating: Rating) -> str:
    """The keys that give ``rating``, as a grade button's tooltip names them."""
    return f"{int(rating)} or Space" if rating is Rating.GOOD else str(int(rating))


_FLAG_KEYS = {Qt.Key.Key_1: 1, Qt.Key.Key_2: 2, Qt.Key.Key_3: 3, Qt.Key.Key_4: 4}


def flag_color(colors: Colors, flag: int) -> str:
    """The colour of flag 1-4 (red, orange, green, blue) in the theme."""
    return {1: colors.again, 2: colors.learning, 3: colors.good, 4: colors.easy}[flag]


class ReviewScreen(QWidget):
    """Runs one :class:`StudySession`.

    Signals:
        session_finished(SessionSummary): no card is left (or the trainee left).
        details_requested(CardView): the trainee asked for the card's history.
        note_requested(CardView): the trainee wants to write a personal note.
    """

    session_finished = Signal(object)
    details_requested = Signal(object)
    note_requested = Signal(object)
    storage_failed = Signal(object)

    def __init__(self, colors: Colors, font_size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colors = colors
        self._font_size = font_size
        self._review: ReviewController | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        outer = self._outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 18, 28, 18)
        outer.setSpacing(12)

        top = QHBoxLayout()
        # A deck's title (the author's text), shortened with "…" beside the marks on its right.
        self._scope = ElidedLabel()
        self._scope.setObjectName("muted")
        top.addWidget(self._scope, 1)
        self.critical_label = QLabel("Safety-critical")
        self.critical_label.setObjectName("critical")
        self.critical_label.setVisible(False)
        top.addWidget(self.critical_label)
        self.flag_label = QLabel()
        self.flag_label.setToolTip("Ctrl+1..4 flag the card; the same again takes it off")
        top.addWidget(self.flag_label)
        self._left = QLabel()
        self._left.setObjectName("muted")
        self._left.setToolTip("Cards left in this session today")
        top.addWidget(self._left)
        outer.addLayout(top)
        self._progress = QProgressBar()
        self._progress.setTextVisible(False)
        outer.addWidget(self._progress)
        self.notice = QLabel()
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setVisible(False)
        outer.addWidget(self.notice)

        center = QHBoxLayout()
        center.addStretch(1)
        self._frame = QFrame()
        self._frame.setObjectName("card")
        self._frame.setMaximumWidth(860)
        self._frame.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        frame_layout = QVBoxLayout(self._frame)
        frame_layout.setContentsMargins(22, 18, 22, 18)
        self.view = SafeTextView()
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._style_view()
        # The text view's viewport is first asked for by the first card with a picture
        # (its room, the click watcher): asking for it makes PySide6 build the type of
        # every QWidget subclass to find its own (with their enums), which the start-up to
        # a first card without one no longer waits for (2,403.9 -> 2,363.6 M instructions,
        # -1.7%, ~6.8 ms of CPU at 200,000 notes, callgrind; issue 19). Its background
        # needs no switching off: the style sheet's transparent background turns the
        # viewport's fill off (tests/gui/test_image_zoom.py pins both).
        self._clicks: QObject | None = None
        self.viewer: ImageViewer | None = None
        self._room: tuple[int, int] | None = None
        watch_resizes(self.view, self._on_resized)  # the picture redrawn for its new room
        frame_layout.addWidget(self.view)
        # The card takes nearly all of a small window's width (its text and picture the
        # wider for it), and at most 860 px of a big one, centred.
        center.addWidget(self._frame, 20)
        center.addStretch(1)
        outer.addLayout(center, 1)

        self._buttons = QHBoxLayout()
        self._buttons.setSpacing(10)
        self._buttons.addStretch(1)
        self.show_button = QPushButton("Show answer")
        self.show_button.setObjectName("primary")
        self.show_button.setToolTip("Show the answer (Space or Enter)")
        self.show_button.clicked.connect(self.reveal)
        self._buttons.addWidget(self.show_button)
        self.not_now_button = QPushButton("Not now (L)")
        self.not_now_button.setToolTip(
            "Put this card off until another day: no review, no lapse, nothing forgotten (L)"
        )
        self.not_now_button.clicked.connect(self.not_now)
        self._buttons.addWidget(self.not_now_button)
        self.grade_buttons: dict[Rating, QPushButton] = {}
        self._grade_texts: dict[Rating, tuple[str, str]] = {}
        """Each grade's name and the interval it would give (see _fit_grade_buttons)."""
        for rating in Rating:
            button = QPushButton(rating.label)
            button.setObjectName("grade")
            button.setProperty("class", rating.label.lower())
            button.setStyleSheet(f"color: {getattr(colors, rating.label.lower())};")
            button.setToolTip(f"{rating.label} ({_keys_of(rating)})")
            button.clicked.connect(lambda _=False, r=rating: self.grade(r))
            self.grade_buttons[rating] = button
            self._buttons.addWidget(button)
        self._buttons.addStretch(1)
        for button in (self.show_button, self.not_now_button, *self.grade_buttons.values()):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addLayout(self._buttons)

        self._hint = QLabel()
        self._hint.setObjectName("muted")
        self._hint.setTextFormat(Qt.TextFormat.RichText)
        self._hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._hint.setWordWrap(True)  # the whole list of keys, on two lines if need be
        outer.addWidget(self._hint)

        # A storage failure (a full disk) while answering: the card stays, and this says why.
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        outer.insertWidget(0, self.banner)

    # -- state -----------------------------------------------------------------------------
    @property
    def session(self) -> StudySession | None:
        return None if self._review is None else self._review.session

    @property
    def card(self) -> CardView | None:
        return None if self._review is None else self._review.card

    @property
    def revealed(self) -> bool:
        return self._review is not None and self._review.revealed

    def start(self, session: StudySession) -> None:
        if self._review is not None and self._review.session is not session:
            self._review.session.close()  # its connection goes back to the pool now, not at GC
        self._scope.setText(session.scope.label)
        self.banner.setVisible(False)
        self._review = ReviewController(session)
        self._update()

    def set_font_size(self, size: int) -> None:
        self._font_size = size
        self._render()

    def set_colors(self, colors: Colors) -> None:
        self._colors = colors
        self._style_view()
        for rating, button in self.grade_buttons.items():
            button.setStyleSheet(f"color: {getattr(colors, rating.label.lower())};")
        self._render()

    def _style_view(self) -> None:
        """The card's text on the card's own background, and a slim scroll bar in the
        theme's colours (a bare "background" rule would reach the scroll bar and give it
        Qt's light, boxed style-sheet look in the dark theme)."""
        c = self._colors
        self.view.setStyleSheet(
            f"""
            QTextBrowser {{ background: transparent; border: none; }}
            QScrollBar:vertical {{ background: transparent; width: 10px; margin: 0;
                                   border: none; }}
            QScrollBar::handle:vertical {{ background: {c.border}; border-radius: 4px;
                                           min-height: 32px; margin: 0 1px; }}
            QScrollBar::handle:vertical:hover {{ background: {c.muted}; }}
            QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0;
                                                                            border: none; }}
            QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{
                background: none; }}
            """
        )

    @property
    def picture_shown(self) -> bool:
        """Whether the card on screen shows a picture now (on the side shown)."""
        review = self._review
        if review is None or review.card is None or review.state is ReviewState.CONTENT_NOTE:
            return False
        image = review.card.image
        return image is not None and image.missing is None and image.shown_with(review.revealed)

    @Slot()
    def zoom(self) -> None:
        """Show the card's picture as big as the window, its alt text as the caption (Esc
        closes); nothing when the card shows no picture."""
        if not self.picture_shown:
            return
        assert self._review is not None and self._review.card is not None
        image = self._review.card.image
        assert image is not None
        from studyapp.gui.images import ImageViewer

        self.viewer = ImageViewer(image, self._colors, self)
        self.viewer.finished.connect(self.setFocus)
        self.viewer.open()

    @Slot()
    def _on_resized(self) -> None:
        # (The card's view is as wide as a small window allows: its resizes are the
        # window's, with no Python resizeEvent of our own on the start-up path.)
        if self.revealed:
            self._fit_grade_buttons()
        room = self.view.image_room()
        if self.isVisible() and room != self._room and self.picture_shown:
            scrolled = self.view.verticalScrollBar().value()
            self._render()
            self.view.verticalScrollBar().setValue(scrolled)

    def refresh(self) -> None:
        """Re-read the shown card (e.g. after the trainee edited their note) and redraw."""
        if self._review is not None and self._review.refresh():
            self._render()

    # -- intents, forwarded to the controller ---------------------------------------------
    @Slot()
    def reveal(self) -> None:
        if self._review is not None and self._review.reveal():
            self._update()

    def grade(self, rating: Rating) -> None:
        if self._review is None:
            return
        try:
            graded = self._review.grade(rating)
        except StorageError as exc:
            self._storage_failed("Your answer was not saved", exc)
            return
        self.banner.setVisible(False)
        if graded:
            self._update()

    @Slot()
    def undo(self) -> None:
        if self._review is None:
            return
        try:
            undone = self._review.undo()
        except StorageError as exc:
            self._storage_failed("The answer was not taken back", exc)
            return
        self.banner.setVisible(False)
        if undone:
            self._update()

    def _storage_failed(self, what: str, error: StorageError) -> None:
        """The card stays as it was, with a banner saying why; the window decides the rest
        (a damaged store stops all writing)."""
        self.banner.setText(f"<b>{what}.</b> {escape_html(str(error))}")
        self.banner.setVisible(True)
        self.storage_failed.emit(error)

    @Slot()
    def suspend(self) -> None:
        if self._review is not None and self._review.suspend():
            self._update()

    @Slot()
    def bury(self) -> None:
        if self._review is not None and self._review.bury():
            self._update()

    @Slot()
    def not_now(self) -> None:
        if self._review is not None and self._review.not_now():
            self._update()

    def toggle_flag(self, flag: int) -> None:
        if self._review is not None and self._review.toggle_flag(flag):
            self._update()

    @property
    def controller(self) -> ReviewController | None:
        return self._review

    @Slot()
    def leave(self) -> None:
        if self._review is not None:
            self.session_finished.emit(self._review.leave())

    # -- rendering -------------------------------------------------------------------------
    def _update(self) -> None:
        """Draw the controller's new state; a finished session hands over its summary."""
        assert self._review is not None
        match self._review.state:
            case ReviewState.CONTENT_NOTE | ReviewState.QUESTION | ReviewState.ANSWER:
                self._render()
            case ReviewState.FINISHED:
                self.session_finished.emit(self._review.summary)
            case _:
                assert_never(self._review.state)

    def _render(self) -> None:
        review = self._review
        if review is None or review.card is None:
            return
        revealed = review.revealed
        noted = review.state is ReviewState.CONTENT_NOTE
        card = review.card
        images: dict[str, QImage] = {}
        if card.image is not None:  # (see __init__: the viewport, for pictures only)
            if self._clicks is None:
                self._clicks = watch_image_clicks(self.view, lambda _name: self.zoom())
            self._room = self.view.image_room()
            if not noted:
                images = card_images(
                    [card], revealed=revealed, room=self._room, ratio=self.view.devicePixelRatioF()
                )
        self.view.set_card_html(
            content_note_html(card) if noted else card_html(card, revealed=revealed, images=images),
            css=card_css(self._colors, self._font_size),
            images=images,
        )
        self.show_button.setVisible(not revealed)
        self.show_button.setText("Show the card" if noted else "Show answer")
        self.show_button.setToolTip(
            "Show the card's question (Space or Enter)"
            if noted
            else "Show the answer (Space or Enter)"
        )
        if card.flag:
            name = FLAG_NAMES[card.flag]
            self.flag_label.setText(f"⚑ {name.capitalize()} flag")
            self.flag_label.setStyleSheet(
                f"color: {flag_color(self._colors, card.flag)}; font-weight: 600;"
            )
        self.flag_label.setVisible(bool(card.flag))
        self.critical_label.setVisible(card.critical)
        if card.critical:
            self.critical_label.setToolTip(
                "A safety-critical fact (a contraindication, an interaction, a screening "
                f"rule): kept at {card.desired_retention:.0%} desired retention, so it comes "
                "back sooner than other cards"
            )
        notice = review.notice
        self.notice.setVisible(notice is not None)
        if notice is not None:
            self.notice.setText(notice)
            warn = notice.startswith("Leech")
            tint = QColor(self._colors.again)
            tint.setAlpha(28)
            self.notice.setStyleSheet(
                f"color: {self._colors.again}; background: {tint.name(QColor.NameFormat.HexArgb)};"
                f" border: 1px solid {self._colors.again}; border-radius: 6px; padding: 6px 12px;"
                if warn
                else f"color: {self._colors.muted};"
            )
        previews = review.previews()
        for rating, button in self.grade_buttons.items():
            button.setVisible(revealed)
            if rating in previews:
                self._grade_texts[rating] = (rating.label, previews[rating].label)
                button.setToolTip(
                    f"{rating.label} ({_keys_of(rating)}): next review in {previews[rating].label}"
                )
        if revealed:
            self._fit_grade_buttons()
        hints: list[tuple[tuple[str, ...], str]]
        if noted:
            hints = [(("Space", "Enter"), "shows the card"), (("L",), "not now")]
        elif revealed:
            hints = [
                *(
                    ((str(int(r)), "Space") if r is Rating.GOOD else (str(int(r)),), r.label)
                    for r in Rating
                ),
                (("@",), "suspend"),
                (("-",), "bury"),
                (("L",), "not now"),
                (("Ctrl+Z",), "undo"),
                (("I",), "details"),
                (("N",), "note"),
            ]
        else:
            hints = [
                (("Space", "Enter"), "shows the answer"),
                (("@",), "suspend"),
                (("-",), "bury"),
                (("L",), "not now"),
                (("Ctrl+Z",), "undo"),
            ]
        if self.picture_shown:
            hints.append((("Z",), "zoom"))
        hints.append((("Esc",), "leave"))
        self._hint.setText(key_hints_html(hints, self._colors))
        self._update_progress()

    def _fit_grade_buttons(self) -> None:
        """Each grade button reads "Good · 2.4mo" on one line when the row fits the screen's
        width, and "Good" over "2.4mo" when it does not (a small window with intervals of
        months: on one line the five buttons need ~830 px, and an 800 px window clipped
        every label at both ends)."""
        buttons = [(r, b) for r, b in self.grade_buttons.items() if r in self._grade_texts]
        if not buttons:
            return
        for rating, button in buttons:
            button.setText(" · ".join(self._grade_texts[rating]))
        shown = [b for b in (self.show_button, self.not_now_button) if not b.isHidden()]
        shown += [b for _r, b in buttons if not b.isHidden()]
        margins = self._outer.contentsMargins()
        room = self.width() - margins.left() - margins.right()
        spacing = self._buttons.spacing() * (len(shown) - 1)
        if sum(b.sizeHint().width() for b in shown) + spacing > room:
            for rating, button in buttons:
                button.setText("\n".join(self._grade_texts[rating]))

    def _update_progress(self) -> None:
        assert self._review is not None
        left = self._review.session.remaining()
        done = self._review.summary.studied
        self._left.setText(f"{left} left · {done} done")
        self._progress.setMaximum(max(1, left + done))
        self._progress.setValue(done)

    # -- keys ------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        control = modifiers == Qt.KeyboardModifier.ControlModifier
        if control and key == Qt.Key.Key_Z:
            self.undo()
        elif control and key in _FLAG_KEYS:
            self.toggle_flag(_FLAG_KEYS[Qt.Key(key)])
        elif event.text() == "@" or key == Qt.Key.Key_At:
            # "@" is Shift+2 on some layouts and AltGr+Q on others: match the character.
            self.suspend()
        elif modifiers != Qt.KeyboardModifier.NoModifier:
            super().keyPressEvent(event)
        elif key in _REVEAL_KEYS:
            if self.revealed:
                # Anki's habit: on the answer side Space and Enter answer Good. A held key's
                # repeats never grade, so holding Space to see the answer cannot also answer.
                if not event.isAutoRepeat():
                    self.grade(Rating.GOOD)
            else:
                self.reveal()
        elif key in _GRADE_KEYS:
            self.grade(_GRADE_KEYS[Qt.Key(key)])
        elif key == Qt.Key.Key_I and self.card is not None:
            self.details_requested.emit(self.card)
        elif key == Qt.Key.Key_N and self.card is not None:
            self.note_requested.emit(self.card)
        elif key == Qt.Key.Key_Minus:
            self.bury()
        elif key == Qt.Key.Key_L:
            self.not_now()
        elif key == ZOOM_KEY:
            self.zoom()
        elif key == Qt.Key.Key_Escape:
            self.leave()
        else:
            super().keyPressEvent(event)
