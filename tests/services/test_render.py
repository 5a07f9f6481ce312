"""The sanitiser every piece of card text passes: the allowed inline tags, nothing else."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from studyapp.services.render import (
    ALLOWED_TAGS,
    CitationIndex,
    citation_label,
    plain,
    plain_text,
    render_card,
    render_citations,
    sanitize,
)


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
        citations=CitationIndex(),
    )
    assert card.question == "Q"
    assert card.answer == 'Q<div class="answer">A</div>'
    assert (card.extra, card.correction) == ("E", "C")
    cloze = render_card(
        kind="cloze",
        key="c1",
        front="",
        back="",
        text="{{c1::x}}" + bad,
        extra="",
        correction="",
        citations=CitationIndex(),
    )
    assert "example.invalid" not in cloze.question + cloze.answer
    assert "script" not in cloze.question + cloze.answer


def test_plain_drops_all_markup_and_unescapes() -> None:
    assert plain("<b>5-HT<sub>2A</sub></b> &amp; <script>x()</script>p &lt; .05") == (
        "5-HT2A & p < .05"
    )


@dataclass(frozen=True)
class Entry:
    authors: str
    year: int | None
    title: str = "T"
    kind: str = "primary"
    venue: str | None = None
    doi: str | None = None
    url: str | None = None
    retracted: str | None = None


@pytest.mark.parametrize(
    ("authors", "year", "label"),
    [
        ("Zhou L", 2024, "Zhou, 2024"),
        ("Feduccia AA, Mithoefer MC", 2018, "Feduccia and Mithoefer, 2018"),
        ("Rieser NM, Herdener M, Preller KH", 2021, "Rieser et al., 2021"),
        ("Mitchell JM et al.", 2021, "Mitchell et al., 2021"),
        ("Carhart-Harris RL et al.", 2016, "Carhart-Harris et al., 2016"),
        ("Sessa B, Sakal C, O'Brien S, Nutt DJ", 2019, "Sessa et al., 2019"),
        ("Yan CG et al. (REST-meta-MDD consortium)", 2019, "Yan et al., 2019"),
        ("US Food and Drug Administration (announced by MAPS)", 2017,
         "US Food and Drug Administration, 2017"),
        ("Oregon, Colorado and New Mexico", 2025, "Oregon, Colorado and New Mexico, 2025"),
        ("United States Congress; Drug Enforcement Administration", 1970,
         "United States Congress and Drug Enforcement Administration, 1970"),
        ("Consensus (AI literature synthesis)", None, "Consensus, n.d."),
    ],
)  # fmt: skip
def test_a_citation_names_the_authors_as_a_reader_expects(
    authors: str, year: int | None, label: str
) -> None:
    assert citation_label(Entry(authors, year)) == label


def test_entries_that_would_read_alike_get_a_letter_after_the_year() -> None:
    index = CitationIndex(
        {
            "b": Entry("Doe J et al.", 2021, title="Second"),
            "a": Entry("Doe J et al.", 2021, title="First"),
            "c": Entry("Doe J et al.", 2022),
        }
    )
    assert index.labels == {
        "a": "Doe et al., 2021a",
        "b": "Doe et al., 2021b",
        "c": "Doe et al., 2022",
    }


def test_citations_in_text_are_rendered_everywhere_text_is() -> None:
    index = CitationIndex({"zhou2024": Entry("Zhou L", 2024), "x": Entry("A B, C D", 2020)})
    text = "As reviewed [@zhou2024], and later [@zhou2024; @x] & <b>more</b>."
    assert render_citations(sanitize(text), index) == (
        "As reviewed (Zhou, 2024), and later (Zhou, 2024; A and C, 2020) &amp; <b>more</b>."
    )
    assert plain_text(text, index) == (
        "As reviewed (Zhou, 2024), and later (Zhou, 2024; A and C, 2020) & more."
    )
    card = render_card(
        kind="cloze",
        key="c1",
        front="",
        back="",
        text="{{c1::Psilocin [@zhou2024]}} is active.",
        extra="See [@x].",
        correction="",
        citations=index,
    )
    assert "(Zhou, 2024)" in card.answer and "[@" not in card.question + card.answer
    assert card.extra == "See (A and C, 2020)."


def test_an_unknown_citation_never_shows_its_id() -> None:
    assert plain_text("Claim [@nosuch2020].", CitationIndex()) == "Claim (unknown source)."


def test_a_label_with_markup_characters_is_escaped() -> None:
    index = CitationIndex({"x": Entry("Smith & Sons <Ltd>", 2020)})
    assert render_citations("[@x]", index) == "(Smith &amp; Sons &lt;Ltd&gt;, 2020)"


def test_the_prebuilt_cleaners_give_what_nh3_clean_gives_with_the_same_options() -> None:
    # sanitize and plain keep one nh3.Cleaner each instead of building one per call: the
    # output must be nh3.clean's with the same arguments, on every card text we ship and on
    # hostile markup.
    import nh3

    from studyapp.services.render import SANITIZER_OPTIONS, plain, sanitize

    texts = [
        '<a href="javascript:x" title="t">link</a><script>alert(1)</script><b lang="en">b</b>',
        "<!-- c --><img src=x onerror=y><i>i</i><br><sub>2</sub><table><tr><td>x</td></tr>",
        "<b><i>unclosed <u>deep</b> &amp; &lt;tag&gt; 5 < 6 [@zhou2024]",
    ]
    for deck in sorted((Path(__file__).parents[2] / "decks").rglob("*.yaml")):
        texts += re.findall(r"(?:front|back|text|extra|correction): (.+)", deck.read_text())
    assert len(texts) > 100
    for text in texts:
        assert sanitize(text) == nh3.clean(text, **SANITIZER_OPTIONS)
        assert plain(text) == html.unescape(nh3.clean(text, tags=set(), attributes={}))


def test_a_stored_rows_citation_is_remembered_and_equals_citing_afresh() -> None:
    from studyapp.services.render import citations_of, cite
    from studyapp.store.rows import SourceRow

    row = SourceRow(
        "z", "paper", "Zhou X, Li Y", 2024, "A trial.", "Health J 3(2)", None, None, None
    )
    first = citations_of({"z": row}, ["z", "missing"])
    assert first == (cite(row, "z"), cite(None, "missing"))
    assert citations_of({"z": row}, ["z"])[0] is first[0]  # remembered
    changed = row._replace(year=2025)  # a changed row is cited afresh
    assert citations_of({"z": changed}, ["z"]) == (cite(changed, "z"),)
    assert citations_of({"z": changed}, ["z"])[0].short.startswith("Zhou 2025")
