"""Key hints as rich text: every key the app names on screen sits on a key cap of one style
(the review's footer, the deck list's, the summary's, a picture's viewer, Help > Keyboard
shortcuts), as Anki's and qutebrowser's hints set keys apart, so '-' and '@' read as keys, not
punctuation."""

from __future__ import annotations

import re
from collections.abc import Sequence

from studyapp.core.printable import escape_html
from studyapp.gui.theme import Colors

__all__ = ["KeyHint", "bold_keys_on_caps", "key_cap", "key_hints_html"]

KeyHint = tuple[tuple[str, ...], str]
"""(keys, what they do); several keys read "Space or Enter"."""


def key_cap(key: str, colors: Colors) -> str:
    """One key on a key cap (the theme's border colour behind the text's), as rich text."""
    return (
        f'<span style="background-color: {colors.border}; color: {colors.text};'
        f' font-weight: 600;">&nbsp;{escape_html(key, quote=False)}&nbsp;</span>'
    )


def key_hints_html(hints: Sequence[KeyHint], colors: Colors) -> str:
    """Key hints as rich text: each key on a :func:`key_cap`, the hints apart by spacing.

    Args:
        hints: (keys, what they do) in order; several keys read "Space or Enter".
        colors: the theme's colours.

    Returns:
        HTML for a word-wrapping QLabel: a key stays on the line of what it does, and the
        list wraps only between hints.
    """
    items = []
    for keys, action in hints:
        shown = "&nbsp;or&nbsp;".join(key_cap(key, colors) for key in keys)
        items.append(f"{shown}&nbsp;{escape_html(action, quote=False).replace(' ', '&nbsp;')}")
    return "&nbsp;&nbsp; ".join(items)


def bold_keys_on_caps(markup: str, colors: Colors) -> str:
    """The app's own rich text with each key it sets in bold (``<b>Ctrl+Z</b>``, plain text
    between the tags) on a :func:`key_cap` instead: a table of shortcuts reads like the
    footers."""
    return re.sub(r"<b>(.*?)</b>", lambda m: key_cap(m[1], colors), markup)
