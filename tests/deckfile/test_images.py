"""Images in cards: where the file may be, what it may be, what an SVG may hold. Every bad
image is a located error in validate, and a sync that meets one changes nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.core.model import CardId
from studyapp.deckfile.images import MAX_IMAGE_BYTES, MAX_SIDE, inspect_image, svg_problems
from studyapp.services.library import Library
from studyapp.services.validate import validate_paths
from tests.imagefiles import SAFE_SVG, jpeg, png

HEADER = "format_version: 1\ndeck: {id: pics, title: Pictures, family: mechanisms}\ncards:\n"


def card(file: str, *, side: str = "answer", card_id: str = "pic") -> str:
    return (
        f"  - id: {card_id}\n    front: Q\n    back: A\n    source: zhou2024\n"
        f"    image: {{file: {file!r}, alt: A diagram, side: {side}}}\n"
    )


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    (root / "decks").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "course.yaml").write_text("format_version: 1\n", encoding="utf-8")
    (root / "images" / "ok.png").write_bytes(png(40, 20))
    (root / "images" / "photo.jpg").write_bytes(jpeg(30, 10))
    (root / "images" / "arc.svg").write_text(SAFE_SVG, encoding="utf-8")
    return root


def problems(course: Path, *cards: str) -> list[str]:
    deck = course / "decks" / "deck.yaml"
    deck.write_text(HEADER + "".join(cards), encoding="utf-8")
    return [
        f"{Path(p.path).name}:{p.line}:{p.column}: {p.message}"
        for p in validate_paths([course]).problems
    ]


def test_png_jpeg_and_svg_inside_the_course_pass(course: Path) -> None:
    deck = course / "decks" / "deck.yaml"
    for file, kind, size in (
        ("../images/ok.png", "png", (40, 20)),
        ("../images/photo.jpg", "jpeg", (30, 10)),
        ("../images/arc.svg", "svg", (200, 100)),
    ):
        report = inspect_image(file, deck, course)
        assert report.message is None and report.problems == []
        assert report.image is not None
        assert (report.image.kind, report.image.width, report.image.height) == (kind, *size)
    assert problems(course, card("../images/ok.png")) == []


BAD = {
    "missing": ("../images/gone.png", "the image '../images/gone.png' is not there"),
    "outside": ("../../elsewhere.png", "leads out of the course folder"),
    "absolute": ("/etc/hosts.png", "must be relative to the deck file's folder, not absolute"),
    "url": ("https://example.org/a.png", "must be a file in the course folder, not a URL"),
    "backslash": ("..\\images\\ok.png", "write the image path with '/'"),
    "not an image": ("../images/notes.png", "is not a PNG image: its content is not an image"),
    "wrong name": ("../images/really-png.jpg", "is a PNG image, but its name says a JPEG image"),
    "gif": ("../images/anim.gif", "must be a .png, .jpg, .jpeg or .svg file"),
    "too many bytes": ("../images/huge.png", "an image may be at most 2 MiB"),
    "too many pixels": ("../images/wide.png", f"each side must be 1 to {MAX_SIDE} pixels"),
    "svg without size": ("../images/nosize.svg", "gives no size"),
}


@pytest.mark.parametrize("name", BAD, ids=BAD.keys())
def test_a_bad_image_is_one_located_error_at_its_file_value(course: Path, name: str) -> None:
    images = course / "images"
    (images / "notes.png").write_text("just text", encoding="utf-8")
    (images / "really-png.jpg").write_bytes(png(2, 2))
    (images / "anim.gif").write_bytes(b"GIF89a....")
    (images / "huge.png").write_bytes(png(2, 2) + b"\0" * MAX_IMAGE_BYTES)
    (images / "wide.png").write_bytes(png(MAX_SIDE + 1, 1))
    (images / "nosize.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    file, expected = BAD[name]
    found = problems(course, card(file))
    assert len(found) == 1, found
    assert found[0].startswith("deck.yaml:8:"), found  # the line of the image's file value
    assert expected in found[0] and "card 'pic'" in found[0]


def test_a_link_out_of_the_course_folder_is_refused(course: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.png"
    outside.write_bytes(png(4, 4))
    os.symlink(outside, course / "images" / "link.png")
    found = problems(course, card("../images/link.png"))
    assert len(found) == 1 and "is a link that leads out of the course folder" in found[0]


UNSAFE = {
    "script": ("<script>alert(1)</script>", "may not hold a script"),
    "foreignObject": ("<foreignObject><p>x</p></foreignObject>", "<foreignObject>"),
    "event attribute": ('<rect onclick="x()" width="1" height="1"/>', "event attributes"),
    "external image": ('<image href="http://example.org/x.png"/>', "may only refer to its own"),
    "local file": ('<image href="/etc/passwd"/>', "may only refer to its own"),
    "xlink file": (
        '<image xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="photo.jpg"/>',
        "may only refer to its own",
    ),
    "external url()": ('<rect style="fill:url(http://x/y#a)"/>', "url(#id) inside itself"),
    "style import": ("<style>@import url(http://x/a.css);</style>", "<style> may not import"),
}


@pytest.mark.parametrize("name", UNSAFE, ids=UNSAFE.keys())
def test_an_unsafe_svg_is_an_error_at_its_own_line(course: Path, name: str) -> None:
    element, expected = UNSAFE[name]
    (course / "images" / "bad.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">\n'
        f"  <g/>\n  {element}\n</svg>\n"
    )
    found = problems(course, card("../images/bad.svg"))
    inside = [f for f in found if f.startswith("bad.svg:")]
    assert len(inside) == 1 and inside[0].startswith("bad.svg:3:") and expected in inside[0], found
    assert [f for f in found if f.startswith("deck.yaml:8:")], found


def test_an_svg_with_entities_is_refused_before_they_expand() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
        + "".join(
            f'<!ENTITY {c} "&{p};&{p};&{p};&{p};&{p};">'
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        )
        + ']><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1">&h;</svg>'
    ).encode()
    found, _size = svg_problems("bomb.svg", bomb)
    assert found and any("may not declare" in p.message for p in found)


def _use_fan_out(levels: int, fan: int = 4) -> bytes:
    """An SVG whose <use> elements repeat one rectangle fan ** levels times."""
    groups = "".join(
        f'<g id="a{i}">' + f'<use href="#a{i - 1}"/>' * fan + "</g>\n" for i in range(1, levels + 1)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">\n'
        f'<defs><rect id="a0" width="1" height="1"/>\n{groups}</defs>\n'
        f'<use href="#a{levels}"/>\n</svg>\n'
    ).encode()


def test_an_svg_whose_uses_multiply_its_parts_is_refused() -> None:
    # 2.4 KB of nested <use> drew 4 ** 25 rectangles: validate passed it and the preview
    # (and the review) hung drawing it, as an alias bomb would in YAML.
    found, _size = svg_problems("bomb.svg", _use_fan_out(25))
    assert len(found) == 1 and "repeat" in found[0].message, found
    assert found[0].line > 1
    assert svg_problems("ok.svg", _use_fan_out(3))[0] == []  # 64 copies: a pattern
    loop = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1">'
        b'<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g></svg>'
    )
    (problem,) = svg_problems("loop.svg", loop)[0]
    assert "itself" in problem.message


def test_the_preview_never_draws_a_use_bomb(course: Path) -> None:
    (course / "images" / "bomb.svg").write_bytes(_use_fan_out(25))
    found = problems(course, card("../images/bomb.svg"))
    assert [f for f in found if f.startswith("bomb.svg:")], found
    from studyapp.services.render import ShownImage

    assert not ShownImage("x", "answer", "svg", 10, 10, _use_fan_out(25)).safe_to_draw()


def test_the_course_folder_is_where_course_yaml_is(course: Path) -> None:
    """Validating decks/ alone still lets a deck use ../images: the course folder is the
    one with course.yaml; without it, the folder given is the limit."""
    (course / "decks" / "deck.yaml").write_text(HEADER + card("../images/ok.png"))
    assert validate_paths([course / "decks"]).problems == []
    (course / "course.yaml").unlink()
    found = [p.message for p in validate_paths([course / "decks"]).problems]
    assert len(found) == 1 and "leads out of the course folder" in found[0]


def test_an_image_field_without_alt_or_with_a_bad_side_is_a_schema_error(course: Path) -> None:
    deck = course / "decks" / "deck.yaml"
    deck.write_text(
        HEADER
        + "  - id: a\n    front: Q\n    back: A\n    source: zhou2024\n"
        + "    image: {file: ../images/ok.png, side: top}\n",
        encoding="utf-8",
    )
    found = sorted(p.message for p in validate_paths([course]).problems)
    assert found == [
        "card 'a': 'side' must be 'question' or 'answer' (got 'top')",
        "card 'a': missing required field 'alt'",
    ]


# -- sync ---------------------------------------------------------------------------------
def contents(library: Library) -> dict[str, list[tuple[object, ...]]]:
    with library.engine.connect() as conn:
        return {
            table: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
            for table in ("deck", "note", "card", "media")
        }


def test_sync_keeps_the_image_in_the_store_and_follows_its_changes(
    course: Path, tmp_path: Path
) -> None:
    deck = course / "decks" / "deck.yaml"
    deck.write_text(HEADER + card("../images/ok.png") + card("../images/ok.png", card_id="pic2"))
    with Library(tmp_path / "data") as library:
        assert library.sync([course]).ok
        with library.engine.connect() as conn:
            media = conn.execute(text("SELECT kind, width, height, length(data) FROM media")).all()
            notes = conn.execute(
                text("SELECT id, image_file, image_alt, image_side FROM note ORDER BY id")
            ).all()
        assert media == [("png", 40, 20, len(png(40, 20)))]  # one copy for both cards
        assert notes == [
            ("pic", "../images/ok.png", "A diagram", "answer"),
            ("pic2", "../images/ok.png", "A diagram", "answer"),
        ]
        # the image changes, the deck file does not: both cards are updated, the old bytes go
        (course / "images" / "ok.png").write_bytes(png(50, 20))
        plan = library.sync([course])
        assert plan.ok and sorted(plan.updated) == ["pic", "pic2"], plan.summary()
        with library.engine.connect() as conn:
            assert conn.execute(text("SELECT width FROM media")).all() == [(50,)]
        assert not library.sync([course]).changes_anything
        # the course folder goes away: the cards keep their picture
        (course / "images" / "ok.png").unlink()
        session = library.session()
        try:
            with library.engine.connect() as conn:
                card_id = conn.execute(
                    text("SELECT id FROM card WHERE note_id = 'pic'")
                ).scalar_one()
            shown = session.card_view(CardId(card_id)).image
        finally:
            session.close()
        assert shown is not None and shown.kind == "png" and shown.width == 50
        assert shown.data == png(50, 20) and shown.alt == "A diagram"


def test_a_sync_that_meets_a_bad_image_changes_nothing(course: Path, tmp_path: Path) -> None:
    deck = course / "decks" / "deck.yaml"
    deck.write_text(HEADER + card("../images/ok.png"))
    with Library(tmp_path / "data") as library:
        assert library.sync([course]).ok
        before = contents(library)
        (course / "images" / "bad.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><script>x</script></svg>'
        )
        deck.write_text(HEADER + card("../images/bad.svg") + card("../images/ok.png", card_id="b"))
        plan = library.sync([course])
        assert not plan.ok
        assert [p.message for p in plan.problems if p.path.endswith("bad.svg")] == [
            "an SVG may not hold a script (<script>); StudyApp never runs code"
        ]
        assert contents(library) == before
