"""Located problems in an author's file, printed as ``path:line:column: severity: message``."""

from __future__ import annotations

import re
from enum import StrEnum

import msgspec
from msgspec.structs import force_setattr

from studyapp.core.printable import printable

__all__ = ["Problem", "Severity"]


MAX_MESSAGE = 320
"""A message quoting a huge value (a 10 MB id) keeps its start and end, not the value."""


_LONG_QUOTE = re.compile(r"'[^'\n]{60,}'|\"[^\"\n]{60,}\"")


def _short_quote(match: re.Match[str]) -> str:
    quote, inner = match.group()[0], match.group()[1:-1]
    return f"{quote}{inner[:40]}…{quote} ({len(inner):,} characters)"


def _cut(message: str) -> str:
    message = _LONG_QUOTE.sub(_short_quote, message)
    if len(message) <= MAX_MESSAGE:
        return message
    left_out = len(message) - 280
    return f"{message[:200]} …[{left_out:,} characters left out]… {message[-80:]}"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Problem(msgspec.Struct, frozen=True, order=True):
    """One problem; ``line`` and ``column`` are 1-based, as editors and compilers print them."""

    path: str
    line: int
    column: int
    severity: Severity
    message: str

    def __post_init__(self) -> None:
        if len(self.message) > MAX_MESSAGE:
            force_setattr(self, "message", _cut(self.message))

    def __str__(self) -> str:
        """One line, control characters escaped (a file name may hold a terminal escape)."""
        return printable(f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}")

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR
