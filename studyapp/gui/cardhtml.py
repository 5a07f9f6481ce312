"""The one place that lays out a card's rich text, for the review screen and the preview."""

from __future__ import annotations

import html

from studyapp.gui.theme import Colors
from studyapp.services.study import CardView

__all__ = ["card_css", "card_html", "content_note_html"]


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
    )


def content_note_html(card: CardView) -> str:
    """What a sensitive card shows before its question: its content note (plain text)."""
    where = html.escape(card.deck_title)
    return (
        '<p><span class="label">CONTENT NOTE</span></p>'
        f'<p class="note">{html.escape(card.content_warning)}</p>'
        f'<p class="meta">{where}. Space shows the card; Not now (L) puts it off until '
        "another day without counting it as a review or a lapse.</p>"
    )


def card_html(card: CardView, *, revealed: bool) -> str:
    """The question, or the answer followed by explanation, correction, source and note."""
    if not revealed:
        return f'<div class="question">{card.question}</div>'
    parts = [f'<div class="question">{card.answer}</div>']
    if card.extra:
        parts.append(f'<p class="meta">{card.extra}</p>')
    if card.correction:
        parts.append(
            '<p><span class="label">CORRECTS THE SOURCE</span><br/>'
            f'<span class="meta">{card.correction}</span></p>'
        )
    lines = [html.escape(card.sources_cited)]
    if card.study_line:
        lines.append(html.escape(card.study_line))
    parts.append(
        '<p style="margin-top: 18px"><span class="label">SOURCE</span><br/>'
        f'<span class="meta">{"<br/>".join(lines)}</span></p>'
    )
    for notice in card.retractions:
        parts.append(f'<p class="warn">{html.escape(notice)}</p>')
    if card.user_note:
        note = html.escape(card.user_note).replace("\n", "<br/>")
        parts.append(f'<p><span class="label">YOUR NOTE</span><br/>{note}</p>')
    return "".join(parts)
