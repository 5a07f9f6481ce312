"""The fast path's scan for numbers like 1_000 finds exactly what the plain regex finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.deckfile.yamlsource import _UNDERSCORE_NUMBER, _has_underscore_number

_ALPHABET = "0123456789_+-.:,[] #\n\rax"


@settings(max_examples=3000, derandomize=True, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_the_scan_agrees_with_searching_every_position(text: str) -> None:
    assert _has_underscore_number(text) == (_UNDERSCORE_NUMBER.search(text) is not None)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.integers(min_value=60, max_value=90), st.sampled_from(["", " ", "x", "-"]))
def test_a_run_of_digits_longer_than_the_window_is_read_the_plain_way(
    digits: int, before: str
) -> None:
    text = f"v: {before}{'1' * digits}_2\n"
    assert _has_underscore_number(text) == (_UNDERSCORE_NUMBER.search(text) is not None)


def test_examples() -> None:
    assert _has_underscore_number("n: 1_000\n")
    assert _has_underscore_number("tags: [a, 1_0]\n")
    assert not _has_underscore_number("as_of: 2019-05\n")
    assert not _has_underscore_number("id: ev-2019_a\n")
