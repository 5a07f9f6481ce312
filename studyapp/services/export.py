"""Export synced decks to an Anki package (``.apkg``, via genanki) or to CSV.

An export respects what a learner does in Anki:

- Every id written to a package is derived from a stable string, never random: the note GUID
  from the note id, model and deck ids from fixed names. Importing a newer export into Anki
  therefore updates the notes it imported before instead of adding duplicates, and keeps
  their cards' review history.
- Each note carries its own modification time, the time a sync last changed it
  (``note.changed_at``), not the time of the export. Anki updates an imported note only from
  a newer one, so importing an export of unchanged decks changes nothing, and text a learner
  added to a note in Anki stays until the course changes that note.
- Retired cards are exported too, tagged ``studyapp::retired`` with the reason shown on the
  card, and suspended. (Anki's importer never changes an existing card, only notes: a card
  retired after it was imported gets the tag and the notice, and the learner suspends it,
  e.g. by searching ``tag:studyapp::retired``; its history stays.)
- Pictures travel as media files named by their content (``studyapp-<hash>.svg``).
"""

from __future__ import annotations

import csv
import hashlib
import html
import itertools
import json
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import genanki

from studyapp.core.errors import KnownError
from studyapp.core.model import card_keys
from studyapp.core.outfile import output_file
from studyapp.services.families import family_order, family_title
from studyapp.services.render import (
    Citation,
    CitationIndex,
    citations_of,
    plain_text,
    render_text,
    retraction_notices,
    source_line,
    study_line,
)
from studyapp.store import library as stored
from studyapp.store.database import Engine, foreign_database

__all__ = [
    "CSV_COLUMNS",
    "RETIRED_TAG",
    "ExportDeck",
    "ExportError",
    "ExportNote",
    "ExportResult",
    "csv_rows",
    "export_anki",
    "export_csv",
    "load_decks",
    "note_guid",
]

CSV_COLUMNS = (
    "id",
    "deck",
    "family",
    "type",
    "front",
    "back",
    "text",
    "extra",
    "correction",
    "source",
    "cite",
    "as_of",
    "tags",
    "retired",
    "image",
    "image_alt",
)
RETIRED_TAG = "studyapp::retired"


class ExportError(KnownError):
    """Nothing to export, or a deck id that is not in the store."""


def stable_id(name: str) -> int:
    """A 31-bit id (in genanki's recommended range) derived from ``name``."""
    digest = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return (1 << 30) + digest % (1 << 30)


def note_guid(note_id: str) -> str:
    """The Anki GUID of a StudyApp note: the same for every export of the note."""
    return str(genanki.guid_for("studyapp", note_id))


@dataclass(frozen=True, slots=True)
class ExportImage:
    """A note's picture: as the deck names it, and its stored bytes."""

    file: str
    alt: str
    side: str
    digest: str
    kind: str
    data: bytes

    @property
    def media_name(self) -> str:
        """Its name in an Anki package: by its content, so two courses' ``arc.svg`` differ
        and an unchanged picture keeps its name."""
        suffix = ".jpg" if self.kind == "jpeg" else f".{self.kind}"
        return f"studyapp-{self.digest[:16]}{suffix}"


@dataclass(frozen=True, slots=True)
class ExportNote:
    """One card entry, with its citations resolved."""

    id: str
    kind: str
    front: str
    back: str
    text: str
    extra: str
    correction: str
    tags: tuple[str, ...]
    sources: tuple[Citation, ...]
    cites: tuple[Citation, ...]
    as_of: int | None
    retired: bool = False
    retired_reason: str | None = None
    changed_at: int = 0
    """Seconds since the epoch: when a sync last changed the note (its Anki ``mod``)."""
    image: ExportImage | None = None

    @property
    def card_keys(self) -> list[str]:
        """StudyApp's keys of the cards this note makes (``fwd``/``rev`` or ``c1``...)."""
        return card_keys(self.kind, self.text)

    def source_lines(self) -> list[str]:
        """``Source: ...``, and for evidence cards ``Study: ... · as of YEAR``, plain text."""
        lines = [source_line(self.sources)]
        if self.cites:
            lines.append(study_line(self.cites, self.as_of))
        elif self.as_of:
            lines.append(f"As of {self.as_of}")
        lines.extend(retraction_notices((*self.sources, *self.cites)))
        return lines


_COLONS = re.compile(r"::+")
"""A run of colons that Anki would read as a deck inside the deck (``:::`` holds ``::``)."""


@dataclass(frozen=True, slots=True)
class ExportDeck:
    """A deck and its notes in study order."""

    id: str
    title: str
    family: str
    family_title: str
    notes: tuple[ExportNote, ...]
    citations: CitationIndex
    """How the notes' ``[@id]`` citations read (one index for every deck exported)."""

    @property
    def anki_name(self) -> str:
        """``StudyApp::<Family title>::<deck title>`` (``::`` inside titles would nest)."""
        parts = (self.family_title, self.title)
        return "::".join(["StudyApp", *(_COLONS.sub(":", p) for p in parts)])


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    decks: int
    notes: int
    cards: int
    size: int
    retired: int = 0
    """Notes exported as retired (their cards suspended)."""
    media: int = 0

    def summary(self) -> str:
        extras = []
        if self.retired:
            extras.append(f"{self.retired} retired, tagged {RETIRED_TAG}")
        if self.media:
            extras.append(f"{self.media} image(s)")
        more = f" ({'; '.join(extras)})" if extras else ""
        return (
            f"{self.decks} deck(s), {self.notes} note(s){more}, {self.cards} card(s) -> "
            f"{self.path} ({self.size / 1024:.1f} KiB)"
        )


def load_decks(engine: Engine, deck_ids: Sequence[str] | None = None) -> list[ExportDeck]:
    """The active decks (all, or ``deck_ids`` in that order) with their notes, retired ones
    included (marked).

    Raises :class:`ExportError` for an id that is not an active deck, or if there is none.
    """
    with engine.connect() as conn:
        decks = {d.id: d for d in stored.active_decks(conn)}
        if deck_ids:
            unknown = [d for d in dict.fromkeys(deck_ids) if d not in decks]
            if unknown:
                known = ", ".join(decks) or "none; run 'studyapp sync' first"
                raise ExportError(
                    f"unknown deck id(s): {', '.join(unknown)} (synced decks: {known})"
                )
            chosen = list(dict.fromkeys(deck_ids))
        else:
            # as the overview lists them: known families first, then the others by name
            chosen = sorted(decks, key=lambda d: (*family_order(decks[d].family), d))
        if not chosen:
            raise ExportError("no decks in the store; run 'studyapp sync' first")
        sources = stored.sources(conn)
        rows = stored.export_notes(conn, chosen)
        media = stored.media_data(conn, (r.image_hash for r in rows if r.image_hash))

    index = CitationIndex(sources)
    notes: dict[str, list[ExportNote]] = {d: [] for d in chosen}
    for r in rows:
        notes[r.deck_id].append(
            ExportNote(
                id=r.id,
                kind=r.kind,
                front=r.front,
                back=r.back,
                text=r.text,
                extra=r.extra,
                correction=r.correction,
                tags=tuple(r.tags.split()),
                sources=citations_of(sources, r.sources.split()),
                cites=citations_of(sources, r.cites.split()),
                as_of=r.as_of,
                retired=r.retired,
                retired_reason=r.retired_reason,
                changed_at=r.changed_at,
                image=_image(r, media),
            )
        )
    return [
        ExportDeck(
            id=d,
            title=decks[d].title,
            family=decks[d].family,
            family_title=family_title(decks[d].family),
            notes=tuple(notes[d]),
            citations=index,
        )
        for d in chosen
    ]


def _image(row: stored.ExportNoteRow, media: dict[str, tuple[str, bytes]]) -> ExportImage | None:
    if row.image_hash is None or row.image_hash not in media or row.image_file is None:
        return None
    kind, data = media[row.image_hash]
    return ExportImage(
        row.image_file, row.image_alt or "", row.image_side or "answer", row.image_hash, kind, data
    )


# -- Anki ----------------------------------------------------------------------------------

_CSS = """\
.card { font-family: system-ui, sans-serif; font-size: 20px; text-align: center;
        color: black; background-color: white; }
.cloze { font-weight: bold; color: #1565c0; }
.nightMode .cloze { color: #90caf9; }
.extra, .correction { margin-top: 1em; font-size: 17px; }
.correction { font-style: italic; }
.source { margin-top: 1.2em; font-size: 13px; color: #666; }
.retired { margin-bottom: 1em; font-size: 15px; color: #b3261e; }
.image img { max-width: 100%; max-height: 70vh; background: #f8f7f2; padding: 8px; }
"""

_AFTER_ANSWER = (
    '{{#Extra}}<div class="extra">{{Extra}}</div>{{/Extra}}\n'
    '{{#Correction}}<div class="correction"><b>Correction:</b> {{Correction}}</div>'
    "{{/Correction}}\n"
    '<div class="source">{{Source}}</div>'
)
_TAIL_FIELDS = [{"name": "Extra"}, {"name": "Correction"}, {"name": "Source"}]

# The names behind the ids carry a version: change a model's fields or templates and bump
# it, so Anki sees a new note type instead of a changed one with the same id.
#
# Basic and reversed notes share one model, like Anki's "Basic (optional reversed card)":
# the reverse card exists only while "Add Reverse" is non-empty. Turning a basic card into
# a reversed one therefore keeps the note type, and Anki updates the imported note (and
# adds its reverse card) instead of skipping it as a conflicting note-type change.
BASIC_MODEL = genanki.Model(
    stable_id("studyapp-model-basic-optional-reversed-v1"),
    "StudyApp Basic (optional reversed card)",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Add Reverse"}, *_TAIL_FIELDS],
    templates=[
        {
            "name": "Forward",
            "qfmt": "{{Front}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Back}}\n' + _AFTER_ANSWER,
        },
        {
            "name": "Reverse",
            "qfmt": "{{#Add Reverse}}{{Back}}{{/Add Reverse}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Front}}\n' + _AFTER_ANSWER,
        },
    ],
    css=_CSS,
)
CLOZE_MODEL = genanki.Model(
    stable_id("studyapp-model-cloze-v1"),
    "StudyApp Cloze",
    fields=[{"name": "Text"}, *_TAIL_FIELDS],
    templates=[
        {
            "name": "Cloze",
            "qfmt": "{{cloze:Text}}",
            "afmt": "{{cloze:Text}}\n" + _AFTER_ANSWER,
        }
    ],
    css=_CSS,
    model_type=genanki.Model.CLOZE,
)
MODELS = {"basic": BASIC_MODEL, "reversed": BASIC_MODEL, "cloze": CLOZE_MODEL}


def anki_deck_id(deck_id: str) -> int:
    """The Anki deck id of a StudyApp deck (stable across exports and title changes)."""
    return stable_id(f"studyapp-deck-{deck_id}")


class _StampedNote(genanki.Note):  # type: ignore[misc]
    """A genanki note written with its own modification time (genanki stamps every note of
    a package with the export time), its cards suspended if it is retired."""

    def __init__(self, *, mod: int, suspended: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mod = mod
        self.suspended = suspended

    def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
        for card in self.cards:
            card.suspend = self.suspended
        super().write_to_db(cursor, self.mod or timestamp, deck_id, id_gen)


# Control characters other than tab and line breaks: a card may hold them (a quoted YAML
# escape, "\x1f"), nothing shows them, and Anki's field separator is one of them (\x1f):
# a text holding it made more fields than the note type has, and Anki refused the package.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _anki_text(text: str) -> str:
    """``text`` without control characters, for an Anki field or deck name."""
    return _CONTROLS.sub("", text)


def _figure(image: ExportImage) -> str:
    alt = html.escape(image.alt)
    return f'<div class="image"><img src="{image.media_name}" alt="{alt}"></div>'


def _anki_note(deck: ExportDeck, note: ExportNote, due: int) -> _StampedNote:
    rich = deck.citations
    extra = render_text(note.extra, rich)
    image = note.image
    if image is not None and image.side == "answer":
        extra = _figure(image) + extra
    tail = [
        extra,
        render_text(note.correction, rich),
        "<br>".join(html.escape(line, quote=False) for line in note.source_lines()),
    ]
    asked = image is not None and image.side == "question"
    if note.kind == "cloze":
        content = [render_text(note.text, rich) + (_figure(image) if asked and image else "")]
    else:
        add_reverse = "y" if note.kind == "reversed" else ""
        front, back = render_text(note.front, rich), render_text(note.back, rich)
        if asked and image is not None:
            front += _figure(image)
            if note.kind == "reversed":
                back += _figure(image)  # the reverse card asks the back
        content = [front, back, add_reverse]
    if note.retired:
        reason = plain_text(note.retired_reason, rich) if note.retired_reason else ""
        notice = "Retired from the course" + (f": {html.escape(reason)}" if reason else "")
        content[0] = f'<div class="retired">{notice}</div>' + content[0]
    tags = [*note.tags, deck.family, deck.id, *([RETIRED_TAG] if note.retired else [])]
    return _StampedNote(
        model=MODELS[note.kind],
        fields=[_anki_text(field) for field in content + tail],
        tags=list(dict.fromkeys(tags)),
        guid=note_guid(note.id),
        due=due,
        mod=note.changed_at,
        suspended=note.retired,
    )


def export_anki(
    engine: Engine,
    out: Path,
    deck_ids: Sequence[str] | None = None,
    *,
    timestamp: float | None = None,
) -> ExportResult:
    """Write the decks (default: every active deck) as one Anki package at ``out``.

    Each note's modification time is its ``changed_at`` (see the module's docstring);
    ``timestamp`` (seconds since the epoch, default now) stamps the package itself (its
    decks and note types) and any note synced without one.
    """
    decks = load_decks(engine, deck_ids)
    package = genanki.Package(
        [
            genanki.Deck(
                anki_deck_id(d.id),
                d.anki_name,
                description=f"StudyApp deck '{d.title}' ({d.family_title}). Cards the course "
                f"retired are tagged {RETIRED_TAG}: suspend them in the browser "
                f"(search tag:{RETIRED_TAG}) if they were imported before.",
            )
            for d in decks
        ]
    )
    due = itertools.count()
    cards = 0
    media: dict[str, bytes] = {}
    for anki_deck, deck in zip(package.decks, decks, strict=True):
        for note in deck.notes:
            anki_deck.add_note(_anki_note(deck, note, next(due)))
            cards += len(note.card_keys)
            if note.image is not None:
                media[note.image.media_name] = note.image.data
    stamp = time.time() if timestamp is None else timestamp
    _write_package(package, Path(out), stamp, media)
    return ExportResult(
        Path(out),
        len(decks),
        sum(len(d.notes) for d in decks),
        cards,
        Path(out).stat().st_size,
        retired=sum(n.retired for d in decks for n in d.notes),
        media=len(media),
    )


def _write_package(
    package: genanki.Package, out: Path, timestamp: float, media: dict[str, bytes]
) -> None:
    # genanki's write_to_file leaves its temporary database behind; this does the same
    # steps in a folder that is removed, and replaces ``out`` only once it is complete.
    # Media go in as Anki's format has them: numbered entries and a "media" map.
    with tempfile.TemporaryDirectory(prefix="studyapp-export-") as tmp:
        db_path = os.path.join(tmp, "collection.anki2")
        with foreign_database(db_path) as cursor:
            package.write_to_db(cursor, timestamp, itertools.count(int(timestamp * 1000)))
        with (
            output_file(out) as partial,
            zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as package_zip,
        ):
            package_zip.write(db_path, "collection.anki2")
            names = sorted(media)
            for number, name in enumerate(names):
                package_zip.writestr(str(number), media[name])
            package_zip.writestr("media", json.dumps({str(i): n for i, n in enumerate(names)}))


# -- CSV -----------------------------------------------------------------------------------


def csv_rows(decks: Sequence[ExportDeck]) -> list[list[str]]:
    """One row per note in :data:`CSV_COLUMNS` order; texts without markup, ids space-separated;
    ``retired`` holds a retired note's reason; ``image`` the picture's file as the deck names
    it (relative to the deck file), ``image_alt`` its alt text."""
    return [
        [
            n.id,
            deck.id,
            deck.family,
            n.kind,
            plain_text(n.front, deck.citations),
            plain_text(n.back, deck.citations),
            plain_text(n.text, deck.citations),
            plain_text(n.extra, deck.citations),
            plain_text(n.correction, deck.citations),
            " ".join(c.id for c in n.sources),
            " ".join(c.id for c in n.cites),
            "" if n.as_of is None else str(n.as_of),
            " ".join(n.tags),
            (n.retired_reason or "retired") if n.retired else "",
            n.image.file if n.image is not None else "",
            n.image.alt if n.image is not None else "",
        ]
        for deck in decks
        for n in deck.notes
    ]


# A cell a spreadsheet (Excel, LibreOffice Calc, Google Sheets) would run as a formula when
# the file is opened: a text starting with one of these ("=HYPERLINK(...)", "-2+3"; tab and
# CR too, which some read past). CSV injection: OWASP's advice is a leading single quote,
# which the spreadsheet shows as text and does not run.
_FORMULA_FIRSTS = ("=", "+", "-", "@", "\t", "\r")


def _inert_cell(value: str) -> str:
    """``value`` as a CSV cell no spreadsheet runs as a formula (see ``_FORMULA_FIRSTS``)."""
    return "'" + value if value.startswith(_FORMULA_FIRSTS) else value


def export_csv(engine: Engine, out: Path, deck_ids: Sequence[str] | None = None) -> ExportResult:
    """Write one CSV row per note (UTF-8, header row :data:`CSV_COLUMNS`); a text that
    starts like a formula (``=``, ``+``, ``-``, ``@``, tab, CR) is written after a single
    quote, so that a spreadsheet opening the file shows it and does not run it."""
    decks = load_decks(engine, deck_ids)
    out = Path(out)
    with output_file(out) as partial, partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        writer.writerows([_inert_cell(cell) for cell in row] for row in csv_rows(decks))
    return ExportResult(
        out,
        len(decks),
        sum(len(d.notes) for d in decks),
        sum(len(n.card_keys) for d in decks for n in d.notes),
        out.stat().st_size,
    )
