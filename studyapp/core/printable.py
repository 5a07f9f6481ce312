"""Text from outside (file names, author values) made safe to print on a terminal or screen."""

from __future__ import annotations

import re

__all__ = ["escape_html", "printable", "shorten"]

# Control characters (C0, DEL, C1), lone surrogates (a file name that is not UTF-8, as
# Python decodes it), and the invisible format characters that reorder or hide text.
_UNPRINTABLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control, surrogate or bidirectional character escaped.

    A file name holding a terminal escape sequence is shown as ``\\x1b[31m``, never sent to
    the terminal; a name that is not UTF-8 shows its bytes as ``\\xff``. Printable text,
    including every letter and symbol of every script, is unchanged.
    """
    if text.isprintable():
        return text
    return _UNPRINTABLE.sub(_escape, text)


def escape_html(text: str, *, quote: bool = True) -> str:
    """``text`` shown literally in rich text: ``html.escape``, written out. The module html
    imports html.entities' 2,231-entry table (8.3M instructions, callgrind), which showing a
    card does not need otherwise (issue 19); this module is loaded by every command."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote:
        text = text.replace('"', "&quot;").replace("'", "&#x27;")
    return text


def shorten(text: str, limit: int = 80) -> str:
    """``text`` cut to about ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 20]}… ({len(text):,} characters)"
