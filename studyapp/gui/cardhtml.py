"""The one place that lays out a card's rich text, for the review screen and the preview."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtGui import QImage

from studyapp.core.printable import escape_html
from studyapp.gui.theme import Colors
from studyapp.services.study import CardView

__all__ = ["card_css", "card_html", "card_images", "content_note_html", "image_name"]


def card_css(c: Colors, size: int) -> str:
    return (
        f"body {{ color: {c.text}; font-size: {size}pt; }}"
        f".question {{ font-size: {size + 3}pt; }}"
        f".answer {{ font-size: {size + 1}pt; margin-top: 14px; }}"
        f".cloze {{ color: {c.cloze}; font-weight: 600; }}"
        f".label {{ color: {c.muted}; font-size: {max(9, size - 3)}pt; font-weight: 600; }}"
        f".meta {{ color: {c.muted}; font-size: {max(9, size - 2)}pt; }}"
        f".warn {{ color: {c.again}; font-size: {max(9, size - 2)}pt; }}"
        f".note {{ font-size: {size + 1}pt; }}"
        ".figure { margin-top: 12px; margin-bottom: 6px; }"
    )


def content_note_html(card: CardView) -> str:
    """What a sensitive card shows before its question: its content note (plain text)."""
    return (
        '<p><span class="label">CONTENT NOTE</span></p>'
        f'<p class="note">{escape_html(card.content_warning)}</p>'
        '<p class="meta">Space or Enter shows the card. Not now (L) puts it off until another '
        "day, without counting it as a review or a lapse.</p>"
    )


def image_name(card: CardView) -> str:
    """The name a card's picture goes by in its view (the only resource the view serves)."""
    return f"studyapp-image:{card.card_id}:{card.note_id}"


def card_images(
    cards: Iterable[CardView], *, revealed: bool, room: tuple[int, int], ratio: float
) -> dict[str, QImage]:
    """The pictures of ``cards`` on the side shown, drawn for a view ``room`` pixels wide."""
    drawn: dict[str, QImage] = {}
    for card in cards:
        image = card.image
        if image is None or image.missing or not image.shown_with(revealed):
            continue
        from studyapp.gui.images import draw_image  # (only for a card with a picture)

        picture = draw_image(image, room, ratio)
        if picture is not None:
            drawn[image_name(card)] = picture
    return drawn


def _image_html(card: CardView, revealed: bool, drawn: Mapping[str, QImage] | None) -> str:
    image = card.image
    if image is None or not image.shown_with(revealed):
        return ""
    name = image_name(card)
    if drawn is not None and name in drawn:
        alt = escape_html(image.alt)
        return f'<p class="figure" align="center"><img src="{name}" alt="{alt}"/></p>'
    why = image.missing or "it could not be drawn"
    if image.name and image.name not in why:
        why = f"{image.name}: {why}"
    warning = f'<p class="warn">Image not shown: {escape_html(why)}</p>'
    return f'{warning}<p class="meta">{escape_html(image.alt)}</p>'


def card_html(card: CardView, *, revealed: bool, images: Mapping[str, QImage] | None = None) -> str:
    """The question, or the answer followed by explanation, correction, source and note; the
    card's picture where its side says (drawn ones from ``images``, else its alt text)."""
    if not revealed:
        return f'<div class="question">{card.question}</div>' + _image_html(card, False, images)
    parts = [f'<div class="question">{card.answer}</div>', _image_html(card, True, images)]
    if card.extra:
        parts.append(f'<p class="meta">{card.extra}</p>')
    if card.correction:
        parts.append(
            '<p><span class="label">CORRECTS THE SOURCE</span><br/>'
            f'<span class="meta">{card.correction}</span></p>'
        )
    lines = [escape_html(card.sources_cited)]
    if card.study_line:
        lines.append(escape_html(card.study_line))
    parts.append(
        '<p style="margin-top: 18px"><span class="label">SOURCE</span><br/>'
        f'<span class="meta">{"<br/>".join(lines)}</span></p>'
    )
    for notice in card.retractions:
        parts.append(f'<p class="warn">{escape_html(notice)}</p>')
    if card.user_note:
        note = escape_html(card.user_note).replace("\n", "<br/>")
        parts.append(f'<p><span class="label">YOUR NOTE</span><br/>{note}</p>')
    return "".join(parts)
