"""The sanitiser every piece of card text passes: the allowed inline tags, nothing else."""

from __future__ import annotations

import pytest

from studyapp.services.render import ALLOWED_TAGS, plain, render_card, sanitize


@pytest.mark.parametrize("tag", sorted(ALLOWED_TAGS - {"br"}))
def test_each_allowed_tag_is_kept(tag: str) -> None:
    assert sanitize(f"a <{tag}>b</{tag}> c") == f"a <{tag}>b</{tag}> c"


def test_line_breaks_and_nested_allowed_tags_are_kept() -> None:
    text = "H<sub>2</sub>O<br><ul><li><b>5-HT<sub>2A</sub></b></li></ul><p><em>x</em></p>"
    assert sanitize(text) == text


def test_every_attribute_is_removed() -> None:
    assert sanitize('<b class="x" style="color:red" onclick="alert(1)" id="y">x</b>') == "<b>x</b>"
    # including the two Ammonia keeps on every tag unless told otherwise
    assert sanitize('<p onmouseover="steal()" title="t" lang="en">p</p>') == "<p>p</p>"


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("<script>alert(1)</script>after", "after"),  # with its content
        ("<style>p {color: red}</style>after", "after"),
        ('<img src="http://example.invalid/x.png" alt="pic">', ""),
        ('<a href="javascript:alert(1)">link</a>', "link"),  # the text stays, the link goes
        ('<a href="http://example.invalid">link</a>', "link"),
        ('<iframe src="http://example.invalid"></iframe>t', "t"),
        ('<link rel="stylesheet" href="http://example.invalid/s.css">y', "y"),
        ("<svg onload=alert(1)><circle/></svg>x", "x"),
        ("<object data=x></object>o", "o"),
        ("<div><span>nested</span></div>", "nested"),  # unknown wrappers are unwrapped
        ("<table><tr><td>cell</td></tr></table>", "cell"),
    ],
)
def test_scripts_styles_media_links_and_other_tags_are_removed(text: str, clean: str) -> None:
    assert sanitize(text) == clean


def test_comments_are_removed() -> None:
    assert sanitize("a <!-- note to authors --> b") == "a  b"


def test_text_that_looks_like_markup_is_escaped_not_lost() -> None:
    assert sanitize("p < .05 & n = 30 > 20") == "p &lt; .05 &amp; n = 30 &gt; 20"
    assert sanitize("5 &lt; 6 &amp; 7") == "5 &lt; 6 &amp; 7"  # entities stay entities


def test_broken_markup_is_balanced() -> None:
    assert sanitize("<b>unclosed") == "<b>unclosed</b>"
    assert sanitize("</b>stray") == "stray"
    assert sanitize("<B>upper</B>") == "<b>upper</b>"


def test_every_side_of_a_card_is_sanitised() -> None:
    bad = '<img src="http://example.invalid/x.png"><script>x()</script>'
    card = render_card(
        kind="basic",
        key="fwd",
        front="Q" + bad,
        back="A" + bad,
        text="",
        extra="E" + bad,
        correction="C" + bad,
    )
    assert card.question == "Q"
    assert card.answer == 'Q<div class="answer">A</div>'
    assert (card.extra, card.correction) == ("E", "C")
    cloze = render_card(
        kind="cloze", key="c1", front="", back="", text="{{c1::x}}" + bad, extra="", correction=""
    )
    assert "example.invalid" not in cloze.question + cloze.answer
    assert "script" not in cloze.question + cloze.answer


def test_plain_drops_all_markup_and_unescapes() -> None:
    assert plain("<b>5-HT<sub>2A</sub></b> &amp; <script>x()</script>p &lt; .05") == (
        "5-HT2A & p < .05"
    )
