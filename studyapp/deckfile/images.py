"""A card's picture (``image: {file, alt, side}``): where the file may be, what it may be, and
what an SVG may hold. Headless: the GUI draws what passes here.

Rules (each a located error in the deck, at the ``file`` value; a problem inside an SVG is
located in the SVG itself):

- ``file`` is a path relative to the deck file's folder, written with ``/``; it must stay
  inside the course folder: no absolute path, no URL, no ``..`` that leaves it, no symbolic
  link that leads out of it. The course folder is the nearest folder above the deck that
  holds a ``course.yaml``, else the folder given to validate, sync or preview.
- The file is a regular file of at most :data:`MAX_IMAGE_BYTES` (an SVG at most
  :data:`MAX_SVG_BYTES`), and its content is a PNG, a JPEG or an SVG (the type is read from
  the bytes, and the name must say the same: ``.png``, ``.jpg``/``.jpeg``, ``.svg``).
- Its pixel size is at least 1 and at most :data:`MAX_SIDE` on each side (an SVG's from
  its ``width`` and ``height``, or its ``viewBox``: it needs one of them).
- An SVG is well-formed XML with an ``<svg>`` root and holds no ``<script>``, no
  ``<foreignObject>``, no event attribute (``onload=``...), no DOCTYPE declarations or
  entities, and no reference outside itself: every ``href`` and ``url(...)`` points into the
  file (``#id``); no ``@import``.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from studyapp.deckfile.problems import Problem, Severity

__all__ = [
    "IMAGE_TYPES",
    "MAX_IMAGE_BYTES",
    "MAX_SIDE",
    "MAX_SVG_BYTES",
    "ImageFile",
    "ImageReport",
    "course_root",
    "inspect_image",
    "svg_problems",
]

MAX_IMAGE_BYTES = 2 * 1024 * 1024
"""2 MiB: a detailed diagram as PNG is a few hundred KB; a photo belongs in a smaller JPEG."""
MAX_SVG_BYTES = 512 * 1024
"""512 KiB: the bundled diagrams are 5-10 KB each."""
MAX_SIDE = 4096
"""Pixels on each side (a 4096 x 4096 image decodes to 64 MB)."""
MAX_SVG_DRAWN = 100_000
"""Elements an SVG draws, counting each part a ``<use>`` repeats: a few KB of nested
``<use>`` can otherwise repeat one shape 4 ** 25 times, and drawing it never ends."""
IMAGE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "svg": "image/svg+xml"}
_SUFFIXES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".svg": "svg"}
_WORDS = {"png": "a PNG image", "jpeg": "a JPEG image", "svg": "an SVG image"}
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_COURSE_FILES = ("course.yaml", "course.yml")


@dataclass(frozen=True, slots=True)
class ImageFile:
    """An image that passed every check: its bytes and what StudyApp keeps of it."""

    path: Path
    kind: str
    """png, jpeg or svg."""
    width: int
    height: int
    digest: str
    """SHA-256 of the bytes: the image's name in the store."""
    data: bytes = field(repr=False)
    signature: tuple[int, int, int] = (0, 0, 0)
    """[size, mtime_ns, inode] when read, so a sync notices a changed image."""

    @property
    def mime(self) -> str:
        return IMAGE_TYPES[self.kind]

    @property
    def suffix(self) -> str:
        return ".jpg" if self.kind == "jpeg" else f".{self.kind}"


@dataclass
class ImageReport:
    """What checking one image reference found: the image, or why not (``message``, for the
    deck's ``file`` value), and the problems located in the image file itself."""

    image: ImageFile | None = None
    message: str | None = None
    problems: list[Problem] = field(default_factory=list)


def course_root(deck: Path, given: Path) -> Path:
    """The course folder of ``deck``: the nearest folder above it holding a ``course.yaml``
    (up to the file system's root), else ``given`` (the folder given to the command, or the
    deck's own folder for a file given by name)."""
    for folder in deck.parents:
        if any((folder / name).is_file() for name in _COURSE_FILES):
            return folder
    return given


def _resolve(written: str, deck: Path, root: Path) -> Path | str:
    """The image file ``written`` in ``deck`` names, or why it may not be read."""
    if not written.strip():
        return "the image's 'file' is empty"
    if "\\" in written:
        return f"write the image path with '/' between folders, not '\\' ({written!r})"
    if _URL.match(written) and not re.match(r"^[A-Za-z]:[/\\]", written):
        return f"the image must be a file in the course folder, not a URL ({written!r})"
    if written.startswith("/") or re.match(r"^[A-Za-z]:", written):
        return (
            f"the image path must be relative to the deck file's folder, not absolute ({written!r})"
        )
    target = Path(os.path.normpath(Path(os.path.abspath(deck)).parent / PurePosixPath(written)))
    home = Path(os.path.normpath(os.path.abspath(root)))
    if not target.is_relative_to(home):
        return f"the image {written!r} leads out of the course folder ({root})"
    if not Path(os.path.realpath(target)).is_relative_to(Path(os.path.realpath(home))):
        return f"the image {written!r} is a link that leads out of the course folder ({root})"
    return target


def _kind_of(data: bytes) -> str | None:
    head = data[:512].lstrip()
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    if head.startswith(b"<") and b"<svg" in data[:4096]:
        return "svg"
    return None


def _png_size(data: bytes) -> tuple[int, int] | str:
    if len(data) < 33 or data[12:16] != b"IHDR":
        return "is a damaged PNG image (no IHDR header)"
    width, height = struct.unpack(">II", data[16:24])
    if not data.rstrip(b"\0").endswith(b"IEND\xaeB`\x82"):
        return "is a damaged PNG image (it ends before its IEND chunk)"
    return width, height


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(data: bytes) -> tuple[int, int] | str:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return "is a damaged JPEG image"
        marker = data[at + 1]
        if marker == 0xFF:
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in _SOF and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            if b"\xff\xd9" not in data[-4096:]:
                return "is a damaged JPEG image (it ends before its last marker)"
            return width, height
        at += 2 + length
    return "is a damaged JPEG image (no frame header)"


_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(px)?\s*")


def _svg_length(value: str | None) -> float | None:
    if value is None:
        return None
    match = _LENGTH.fullmatch(value)
    return float(match[1]) if match else None


_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)([^)'\"]*)", re.IGNORECASE)
_FORBIDDEN = {
    "script": "an SVG may not hold a script (<script>); StudyApp never runs code",
    "foreignObject": "an SVG may not hold <foreignObject> (HTML inside a drawing)",
    "handler": "an SVG may not hold event handlers (<handler>)",
    "listener": "an SVG may not hold event listeners (<listener>)",
}


class _Stop(Exception):
    pass


def svg_problems(path: str, data: bytes) -> tuple[list[Problem], tuple[float, float] | None]:
    """Every safety problem in an SVG at ``path:line:column``, and its size in pixels (from
    ``width``/``height``, else the ``viewBox``; None if it has neither)."""
    problems: list[Problem] = []
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    size: list[tuple[float, float] | None] = [None]
    depth = [0]
    style_text: list[tuple[int, int, list[str]]] = []
    drawn = _Drawn()

    def at(message: str) -> None:
        problems.append(
            Problem(
                path,
                parser.CurrentLineNumber,
                parser.CurrentColumnNumber + 1,
                Severity.ERROR,
                message,
            )
        )

    def doctype(name: str, system: str | None, public: str | None, internal: bool) -> None:
        if internal or system or public:
            at("an SVG may not declare a DOCTYPE with declarations or an external DTD")

    def entity(*_args: object) -> None:
        at("an SVG may not declare entities (<!ENTITY>)")
        raise _Stop

    def external(*_args: object) -> int:
        at("an SVG may not refer to external entities")
        return 0

    def check_value(name: str, value: str) -> None:
        if name.startswith("on"):
            at(f"an SVG may not hold event attributes ({name}=...); StudyApp never runs code")
        elif name == "href" and not value.startswith("#"):
            shown = value if len(value) <= 60 else value[:57] + "..."
            at(
                f'an SVG may only refer to its own parts (href="#id"), not to {shown!r}: '
                "StudyApp never loads anything from outside the image"
            )
        elif "url(" in value.lower() and _EXTERNAL_URL.search(value):
            at("an SVG may only use url(#id) inside itself, not an outside address")
        elif "@import" in value.lower():
            at("an SVG may not import style sheets (@import)")

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        depth[0] += 1
        if depth[0] == 1:
            if local != "svg":
                at(f"the file's root element is <{local}>, not <svg>")
                raise _Stop
            width = _svg_length(attributes.get("width"))
            height = _svg_length(attributes.get("height"))
            box = (attributes.get("viewBox") or "").replace(",", " ").split()
            if width and height:
                size[0] = (width, height)
            elif len(box) == 4 and all(_svg_length(b) is not None for b in box):
                size[0] = (float(box[2]), float(box[3]))
        if local in _FORBIDDEN:
            at(_FORBIDDEN[local])
        for attribute, value in attributes.items():
            check_value(attribute.rsplit(" ", 1)[-1], value)
        if local == "style":
            style_text.append((parser.CurrentLineNumber, parser.CurrentColumnNumber + 1, []))
        used = None
        if local == "use":
            used = next((v for a, v in attributes.items() if a.rsplit(" ", 1)[-1] == "href"), "")
        drawn.start(
            attributes.get("id"),
            used,
            parser.CurrentLineNumber,
            parser.CurrentColumnNumber + 1,
        )

    def end(name: str) -> None:
        depth[0] -= 1
        drawn.end()
        if name.rsplit(" ", 1)[-1] == "style" and style_text:
            line, column, parts = style_text.pop()
            css = "".join(parts).lower()
            if "@import" in css or _EXTERNAL_URL.search(css):
                problems.append(
                    Problem(
                        path,
                        line,
                        column,
                        Severity.ERROR,
                        "an SVG's <style> may not import or refer to anything outside the image",
                    )
                )

    def characters(text: str) -> None:
        if style_text:
            style_text[-1][2].append(text)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except _Stop:
        pass
    except xml.parsers.expat.ExpatError as exc:
        problems.append(
            Problem(
                path,
                exc.lineno,
                exc.offset + 1,
                Severity.ERROR,
                f"not a well-formed SVG: {xml.parsers.expat.ErrorString(exc.code)}",
            )
        )
    else:
        found = drawn.problem()
        if found is not None:
            line, column, message = found
            problems.append(Problem(path, line, column, Severity.ERROR, message))
    return problems, size[0]


class _Drawn:
    """The elements of an SVG as its ``<use>`` elements repeat them: each element draws
    itself, its children and, for a ``<use href="#id">``, everything the element ``id``
    draws. Counted without recursion, each element once (capped at :data:`MAX_SVG_DRAWN`)."""

    def __init__(self) -> None:
        self.children: list[list[int]] = []
        self.used: list[str | None] = []
        self.where: list[tuple[int, int]] = []
        self.ids: dict[str, int] = {}
        self.open: list[int] = []

    def start(self, element_id: str | None, used: str | None, line: int, column: int) -> None:
        index = len(self.children)
        if self.open:
            self.children[self.open[-1]].append(index)
        self.children.append([])
        self.used.append(used[1:] if used and used.startswith("#") else None)
        self.where.append((line, column))
        if element_id is not None:
            self.ids.setdefault(element_id, index)
        self.open.append(index)

    def end(self) -> None:
        self.open.pop()

    def _parts(self, index: int) -> list[int]:
        used = self.used[index]
        target = self.ids.get(used) if used is not None else None
        return self.children[index] + ([target] if target is not None else [])

    def problem(self) -> tuple[int, int, str] | None:
        """(line, column, message) of the first element that repeats too much or itself."""
        if not self.children or not any(self.used):
            return None
        counts: list[int | None] = [None] * len(self.children)
        visiting = [False] * len(self.children)
        stack: list[tuple[int, bool]] = [(0, False)]
        while stack:
            index, expanded = stack.pop()
            if counts[index] is not None:
                continue
            if not expanded:
                if visiting[index]:
                    line, column = self.where[index]
                    return (
                        line,
                        column,
                        "an SVG's <use> may not draw itself (an element that holds it)",
                    )
                visiting[index] = True
                stack.append((index, True))
                stack.extend((part, False) for part in self._parts(index))
                continue
            count = 1 + sum(counts[part] or 0 for part in self._parts(index))
            visiting[index] = False
            if count > MAX_SVG_DRAWN:
                line, column = self.where[index]
                return (
                    line,
                    column,
                    f"an SVG's <use> elements repeat its parts more than {MAX_SVG_DRAWN:,} "
                    "times; drawing it would never end",
                )
            counts[index] = count
        return None


def _read(path: Path, limit: int) -> tuple[bytes, tuple[int, int, int]] | str:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "is not there"
    except OSError as exc:
        return f"cannot be read: {(exc.strerror or str(exc)).lower()}"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if info.st_size > limit:
        return (
            f"is {info.st_size / 1024 / 1024:.1f} MiB; an image may be at most "
            f"{limit / 1024 / 1024:g} MiB"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        return f"cannot be read: {(exc.strerror or str(exc)).lower()}"
    if len(data) > limit:
        return f"is larger than {limit / 1024 / 1024:g} MiB"
    return data, (info.st_size, info.st_mtime_ns, info.st_ino)


def inspect_image(written: str, deck: Path, root: Path) -> ImageReport:
    """Check the image ``written`` (a card's ``image.file``) of the deck file ``deck`` in the
    course folder ``root``."""
    target = _resolve(written, deck, root)
    if isinstance(target, str):
        return ImageReport(message=target)
    suffix = target.suffix.lower()
    expected = _SUFFIXES.get(suffix)
    if expected is None:
        return ImageReport(
            message=f"the image {written!r} must be a .png, .jpg, .jpeg or .svg file"
        )
    read = _read(target, MAX_SVG_BYTES if expected == "svg" else MAX_IMAGE_BYTES)
    if isinstance(read, str):
        return ImageReport(message=f"the image {written!r} {read}")
    data, signature = read
    kind = _kind_of(data)
    if kind is None:
        return ImageReport(
            message=f"the image {written!r} is not {_WORDS[expected]}: its content is not an "
            "image at all"
        )
    if kind in ("gif", "webp"):
        return ImageReport(
            message=f"the image {written!r} is a {kind.upper()} image; use PNG, JPEG or SVG"
        )
    if kind != expected:
        return ImageReport(
            message=f"the image {written!r} is {_WORDS[kind]}, but its name says "
            f"{_WORDS[expected]}; rename it to end in {'.jpg' if kind == 'jpeg' else '.' + kind}"
        )
    report = ImageReport()
    size: tuple[float, float] | str | None
    if kind == "png":
        size = _png_size(data)
    elif kind == "jpeg":
        size = _jpeg_size(data)
    else:
        shown = os.path.normpath(os.path.join(os.path.dirname(str(deck)), written))
        report.problems, size = svg_problems(shown, data)
        if size is None and not report.problems:
            report.message = (
                f"the SVG {written!r} gives no size: give its <svg> a viewBox (or width and height)"
            )
            return report
    if isinstance(size, str):
        report.message = f"the image {written!r} {size}"
        return report
    if report.problems:
        report.message = f"the SVG {written!r} is not safe to show (see its problems)"
        return report
    assert size is not None
    width, height = round(size[0]), round(size[1])
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        report.message = (
            f"the image {written!r} is {width} x {height} pixels; each side must be 1 to "
            f"{MAX_SIDE} pixels"
        )
        return report
    report.image = ImageFile(
        target, kind, width, height, hashlib.sha256(data).hexdigest(), data, signature
    )
    return report
