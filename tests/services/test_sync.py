"""Sync keeps progress: stable ids, retire/restore, relearn, inheritance, all-or-nothing."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.core.model import Queue, Rating
from studyapp.services.browse import CardBrowser
from studyapp.services.library import Library
from studyapp.store import bulk
from tests.conftest import Clock
from tests.freshpython import fresh_python


def db_digest(library: Library) -> str:
    """SHA-256 of the database after a checkpoint, i.e. of everything committed."""
    with library.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return hashlib.sha256((library.data_dir / "studyapp.sqlite3").read_bytes()).hexdigest()


def rows(library: Library, sql: str, **params: object) -> list[tuple[object, ...]]:
    with library.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def study(library: Library, clock: Clock, note_id: str, rating: Rating = Rating.GOOD) -> None:
    """Answer every card of ``note_id`` once (others are skipped by scoping to its deck)."""
    session = library.session(clock=clock)
    for _ in range(50):
        card = session.next_card()
        assert card is not None, f"{note_id} never came up"
        if card.note_id == note_id:
            session.answer(rating)
            return
        session.answer(Rating.EASY)


def retire_into_successor(deck_dir: Path) -> Path:
    """Retire s-nmda in favour of a new s-nmda-v2 that inherits its progress; the deck file."""
    deck = deck_dir / "sample.yaml"
    deck.write_text(
        deck.read_text().replace(
            "    back: The NMDA glutamate receptor.\n",
            "    back: The NMDA glutamate receptor.\n    retired: Split into a clearer card.\n"
            "    replaced_by: s-nmda-v2\n    inherit_progress: true\n",
        )
        + "  - id: s-nmda-v2\n    front: What does ketamine do at NMDA receptors?\n"
        "    back: It blocks them (antagonist).\n    source: rehabblog_nd\n"
    )
    return deck


def test_first_sync_adds_every_card_as_new(library: Library, deck_dir: Path) -> None:
    plan = library.sync([deck_dir])
    assert plan.ok, plan.problems
    assert sorted(plan.new) == ["s-5ht2a", "s-bdnf", "s-mapp1", "s-nmda", "s-pat"]
    # basic 1 + reversed 2 + cloze 2 + basic 1 + reversed 2
    assert rows(library, "SELECT count(*) FROM card WHERE queue = 0 AND retired = 0") == [(8,)]
    assert "5 new" in plan.summary()


def test_unchanged_files_are_skipped(library: Library, deck_dir: Path) -> None:
    library.sync([deck_dir])
    plan = library.sync([deck_dir])
    assert plan.files_read == [] and len(plan.files_skipped) == 2
    assert plan.unchanged == 5 and not plan.changes_anything


def test_editing_text_keeps_the_schedule_and_history(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    study(library, clock, "s-5ht2a")
    before = rows(
        library, "SELECT id, queue, stability, due, reps FROM card WHERE note_id = 's-5ht2a'"
    )
    deck = deck_dir / "sample.yaml"
    deck.write_text(deck.read_text().replace("mainly act on?", "act on, mainly?"))
    plan = library.sync([deck_dir])
    assert plan.updated == ["s-5ht2a"] and plan.files_read == [str(deck)]
    assert (
        rows(library, "SELECT id, queue, stability, due, reps FROM card WHERE note_id = 's-5ht2a'")
        == before
    )
    assert rows(library, "SELECT front FROM note WHERE id = 's-5ht2a'") == [
        ("Which receptor do classic psychedelics act on, mainly?",)
    ]
    assert rows(library, "SELECT count(*) FROM review") == [(1,)]


def test_a_deck_file_with_its_last_card_removed_retires_it(
    library: Library, deck_dir: Path
) -> None:
    # Found by the stateful test: with no card left to look up, the deck's stored notes
    # were never read, so the removed card stayed live.
    library.sync([deck_dir])
    terms = deck_dir / "terms.yaml"
    terms.write_text(terms.read_text().split("cards:")[0] + "cards: []\n")
    plan = library.sync([deck_dir])
    assert plan.ok and plan.retired == ["s-pat"]
    assert rows(library, "SELECT retired FROM note WHERE id = 's-pat'") == [(1,)]
    assert rows(library, "SELECT DISTINCT retired FROM card WHERE note_id = 's-pat'") == [(1,)]


def test_removed_card_is_retired_and_comes_back_with_its_history(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    study(library, clock, "s-nmda")
    state = rows(
        library,
        "SELECT id, queue, stability, difficulty, due, reps FROM card WHERE note_id = 's-nmda'",
    )
    deck = deck_dir / "sample.yaml"
    original = deck.read_text()
    cut = original.index("  - id: s-nmda")
    deck.write_text(original[:cut])
    plan = library.sync([deck_dir])
    assert plan.retired == ["s-nmda"]
    assert rows(library, "SELECT retired FROM card WHERE note_id = 's-nmda'") == [(1,)]
    session = library.session(clock=clock)
    seen = set()
    while (card := session.next_card()) is not None:
        seen.add(card.note_id)
        session.answer(Rating.EASY)
    assert "s-nmda" not in seen
    assert rows(
        library,
        "SELECT count(*) FROM review r JOIN card c ON c.id = r.card_id WHERE c.note_id = 's-nmda'",
    ) == [(1,)]

    deck.write_text(original)
    plan = library.sync([deck_dir])
    assert plan.restored == ["s-nmda"]
    assert (
        rows(
            library,
            "SELECT id, queue, stability, difficulty, due, reps FROM card WHERE note_id = 's-nmda'",
        )
        == state
    )


def test_broken_file_leaves_the_store_byte_for_byte_unchanged(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    study(library, clock, "s-5ht2a")
    before = db_digest(library)
    deck = deck_dir / "sample.yaml"
    text_ = deck.read_text().replace("mainly act on?", "mainly act on? (edited)")
    deck.write_text(text_ + "  - id: s-broken\n    fornt: x\n")
    (deck_dir / "terms.yaml").write_text(
        (deck_dir / "terms.yaml").read_text().replace("PAT", "PAT!")
    )
    plan = library.sync([deck_dir])
    assert not plan.ok
    # s-broken: missing source, front and back (at the card), unknown field 'fornt'
    assert [(p.line, p.column) for p in plan.problems] == [(28, 5)] * 3 + [(29, 5)]
    assert db_digest(library) == before


def test_dry_run_writes_nothing(library: Library, deck_dir: Path) -> None:
    library.sync([deck_dir])
    before = db_digest(library)
    deck = deck_dir / "sample.yaml"
    deck.write_text(deck.read_text().replace("  - id: s-nmda", "  - id: s-nmda-2"))
    plan = library.sync([deck_dir], dry_run=True)
    assert plan.new == ["s-nmda-2"] and plan.retired == ["s-nmda"]
    assert db_digest(library) == before


def test_changing_a_basic_card_to_reversed_keeps_the_forward_history(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    study(library, clock, "s-nmda")
    fwd = rows(library, "SELECT id, reps FROM card WHERE note_id = 's-nmda' AND key = 'fwd'")
    deck = deck_dir / "sample.yaml"
    deck.write_text(
        deck.read_text().replace("  - id: s-nmda\n", "  - id: s-nmda\n    type: reversed\n")
    )
    library.sync([deck_dir])
    assert (
        rows(library, "SELECT id, reps FROM card WHERE note_id = 's-nmda' AND key = 'fwd'") == fwd
    )
    assert rows(library, "SELECT queue FROM card WHERE note_id = 's-nmda' AND key = 'rev'") == [
        (0,)
    ]


def test_removing_a_cloze_deletion_moves_no_other_history(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    session = library.session(clock=clock)
    while session.next_card() is not None:
        session.answer(Rating.EASY)
    c2 = rows(
        library, "SELECT id, stability, due FROM card WHERE note_id = 's-mapp1' AND key = 'c2'"
    )
    deck = deck_dir / "sample.yaml"
    deck.write_text(deck.read_text().replace("{{c1::67%}}", "67%"))
    library.sync([deck_dir])
    assert (
        rows(
            library, "SELECT id, stability, due FROM card WHERE note_id = 's-mapp1' AND key = 'c2'"
        )
        == c2
    )
    assert rows(library, "SELECT retired FROM card WHERE note_id = 's-mapp1' AND key = 'c1'") == [
        (1,)
    ]


def test_raising_revision_sends_learned_cards_to_relearning(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    session = library.session(clock=clock)
    while session.next_card() is not None:
        session.answer(Rating.EASY)
    stability = rows(library, "SELECT stability FROM card WHERE note_id = 's-nmda'")
    deck = deck_dir / "sample.yaml"
    deck.write_text(
        deck.read_text().replace(
            "    back: The NMDA glutamate receptor.\n",
            "    back: The NMDA glutamate receptor (as an antagonist).\n    revision: 2\n",
        )
    )
    plan = library.sync(
        [deck_dir],
    )
    assert plan.relearn == ["s-nmda"]
    assert rows(library, "SELECT queue, stability FROM card WHERE note_id = 's-nmda'") == [
        (int(Queue.RELEARNING), stability[0][0])
    ]
    # only that card: the others keep their state
    assert rows(library, "SELECT count(*) FROM card WHERE queue = 3") == [(1,)]
    assert rows(
        library,
        "SELECT count(*) FROM review r JOIN card c ON c.id = r.card_id WHERE c.note_id = 's-nmda'",
    ) == [(1,)]


def test_retired_card_with_successor_can_pass_on_its_memory(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    study(library, clock, "s-nmda", Rating.EASY)
    old = rows(
        library, "SELECT stability, difficulty, due, reps FROM card WHERE note_id = 's-nmda'"
    )
    retire_into_successor(deck_dir)
    plan = library.sync([deck_dir])
    assert plan.retired == ["s-nmda"] and plan.new == ["s-nmda-v2"]
    assert plan.inherited == [("s-nmda-v2", "s-nmda")]
    assert (
        rows(
            library, "SELECT stability, difficulty, due, reps FROM card WHERE note_id = 's-nmda-v2'"
        )
        == old
    )
    assert rows(library, "SELECT retired_reason FROM note WHERE id = 's-nmda'") == [
        ("Split into a clearer card.",)
    ]


def test_a_successor_sent_back_to_new_does_not_inherit_again(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    """Inheritance happens once: a trainee who forgets the successor keeps it new, although
    every later read of the retired card's file names the succession again."""
    library.sync([deck_dir])
    study(library, clock, "s-nmda", Rating.EASY)
    deck = retire_into_successor(deck_dir)
    assert library.sync([deck_dir]).inherited == [("s-nmda-v2", "s-nmda")]
    (card_id,) = rows(library, "SELECT id FROM card WHERE note_id = 's-nmda-v2'")[0]
    result = CardBrowser(library, clock=clock).forget([int(str(card_id))])
    assert result.changed == 1
    deck.write_text(deck.read_text().replace("a clearer card", "a clearer card, reworded"))
    plan = library.sync([deck_dir])
    assert plan.ok, plan.problems
    assert str(deck) in [str(p) for p in plan.files_read]
    assert plan.inherited == []
    assert rows(library, "SELECT queue, stability FROM card WHERE note_id = 's-nmda-v2'") == [
        (int(Queue.NEW), None)
    ]


def test_deck_file_deleted_from_folder_retires_its_cards(library: Library, deck_dir: Path) -> None:
    library.sync([deck_dir])
    (deck_dir / "terms.yaml").unlink()
    plan = library.sync([deck_dir])
    assert plan.decks_removed == ["sample-terms"] and plan.retired == ["s-pat"]
    assert rows(
        library, "SELECT count(*) FROM card WHERE deck_id = 'sample-terms' AND retired = 0"
    ) == [(0,)]


def test_card_moved_between_decks_keeps_history(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    study(library, clock, "s-nmda")
    ids = rows(library, "SELECT id FROM card WHERE note_id = 's-nmda'")
    sample = deck_dir / "sample.yaml"
    original = sample.read_text()
    block = original[original.index("  - id: s-nmda") :]
    sample.write_text(original.replace(block, ""))
    terms = deck_dir / "terms.yaml"
    terms.write_text(terms.read_text() + block)
    plan = library.sync([deck_dir])
    assert plan.ok, plan.problems
    assert rows(library, "SELECT id, deck_id, retired FROM card WHERE note_id = 's-nmda'") == [
        (ids[0][0], "sample-terms", 0)
    ]


def test_a_deck_merged_into_another_keeps_its_history(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    # A release that merges two decks: the card moves into the other file and its old file
    # is deleted. The sync refused it ("card id 's-pat' is also used in .../terms.yaml", a
    # file no longer there), though the deleted file's deck is retired by the same sync.
    library.sync([deck_dir])
    study(library, clock, "s-pat")
    query = "SELECT id, retired, reps, stability, due FROM card WHERE note_id = 's-pat'"
    before = rows(library, query)
    reviews = rows(library, "SELECT count(*) FROM review")
    terms = deck_dir / "terms.yaml"
    original = terms.read_text()
    block = original[original.index("  - id: s-pat") :]
    terms.unlink()
    sample = deck_dir / "sample.yaml"
    sample.write_text(sample.read_text() + block)
    plan = library.sync([deck_dir])
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.decks_removed == ["sample-terms"] and plan.retired == []
    assert rows(library, query) == before
    assert rows(library, "SELECT DISTINCT deck_id FROM card WHERE note_id = 's-pat'") == [
        ("sample-mechanisms",)
    ]
    assert rows(library, "SELECT count(*) FROM review") == reviews


def test_a_bibliography_change_alone_is_synced(library: Library, deck_dir: Path) -> None:
    library.sync([deck_dir])
    (deck_dir / "sources.yaml").write_text(
        "format_version: 1\n"
        "sources:\n"
        "  - id: extra2030\n"
        "    kind: primary\n"
        "    authors: Doe J\n"
        "    year: 2030\n"
        "    title: A later trial\n",
        encoding="utf-8",
    )
    plan = library.sync([deck_dir])
    # every deck is checked again against the new bibliography, and nothing else changes
    assert plan.ok and len(plan.files_read) == 2
    assert plan.new == plan.updated == plan.retired == []
    with library.engine.connect() as conn:
        ids = {r[0] for r in conn.execute(text("SELECT id FROM source"))}
    assert "extra2030" in ids
    again = library.sync([deck_dir])
    assert not again.changes_anything and again.files_read == []


def test_a_source_removed_while_an_unchanged_deck_names_it_is_refused(
    library: Library, deck_dir: Path
) -> None:
    """As ``validate`` sees it: the deck did not change, but what it names did."""
    (deck_dir / "sources.yaml").write_text(
        "format_version: 1\nsources:\n  - {id: local2030, kind: primary, authors: Doe J, "
        "title: A trial}\n",
        encoding="utf-8",
    )
    (deck_dir / "local.yaml").write_text(
        "format_version: 1\ndeck: {id: local, title: Local, family: terms}\ncards:\n"
        "  - {id: local-card, front: Q, back: A, source: local2030}\n",
        encoding="utf-8",
    )
    assert library.sync([deck_dir]).ok
    (deck_dir / "sources.yaml").write_text("format_version: 1\nsources: []\n", encoding="utf-8")
    plan = library.sync([deck_dir])
    assert not plan.ok
    assert [p.message.split(" (did you mean")[0] for p in plan.problems] == [
        "card 'local-card': unknown source id 'local2030'"
    ]


def test_a_sync_that_reads_no_file_never_loads_the_format_machinery(tmp_path: Path) -> None:
    # The app's start-up re-syncs unchanged decks: that must not import YAML validation.
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from studyapp.services.library import Library\n"
        f"library = Library(Path({str(tmp_path / 'data')!r}))\n"
        "plan = library.sync()\n"
        "print(bool(plan.files_read), 'studyapp.deckfile.loader' in sys.modules)\n"
    )
    runs = [fresh_python("-c", script) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    assert runs[0].stdout.split() == ["True", "True"]  # first sync: read and validated
    assert runs[1].stdout.split() == ["False", "False"]  # nothing changed: nothing loaded


def test_a_first_import_never_loads_the_study_or_fsrs_services(tmp_path: Path) -> None:
    # ``studyapp sync`` imports the library, not what studying needs (services.library's
    # lazy imports: 11-13 ms of CPU a process); a session or FSRS brings them in when used.
    study = ("studyapp.services.study", "studyapp.services.fsrs", "studyapp.store.memory")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from studyapp.services.library import Library\n"
        f"library = Library(Path({str(tmp_path / 'data')!r}))\n"
        "plan = library.sync()\n"
        f"print(plan.ok, len(plan.new) > 0, *(m in sys.modules for m in {study!r}))\n"
        "session = library.session()\n"
        "scope = library.scope_for_family('mechanisms')\n"
        "print(session.next_card() is not None, scope.label, library.reviews_to_reschedule())\n"
        f"print(*(m in sys.modules for m in {study!r}))\n"
        "library.close()\n"
    )
    run = fresh_python("-c", script)
    assert run.returncode == 0, run.stderr
    first, used, after = run.stdout.splitlines()
    assert first.split() == ["True", "True", "False", "False", "False"], first
    assert used.split()[0] == "True" and used.endswith(" 0")
    assert after.split() == ["True", "True", "True"]


def _age(folder: Path, seconds: float = 60) -> None:
    """Set every file's mtime into the past, as for files not touched since a while."""
    for path in folder.rglob("*.yaml"):
        past = time.time_ns() - int(seconds * 1e9)
        os.utime(path, ns=(past, past))


def test_settled_unchanged_files_are_not_even_read(
    library: Library, deck_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studyapp.services import sync as sync_module

    _age(deck_dir)
    library.sync([deck_dir])
    library.sync([deck_dir])  # records the stats of the files it hashed unchanged
    reads: list[Path] = []
    original = sync_module._read_bytes

    def read_bytes(path: Path) -> bytes | None:
        reads.append(path)
        return original(path)

    monkeypatch.setattr(sync_module, "_read_bytes", read_bytes)
    plan = library.sync([deck_dir])
    assert plan.ok and not plan.changes_anything and plan.unchanged == 5
    assert [p for p in reads if deck_dir in p.parents] == [] and len(plan.files_skipped) == 2


def test_same_size_and_mtime_edits_are_still_seen(library: Library, deck_dir: Path) -> None:
    """An edit that keeps size and mtime is caught: by the settle rule or by the inode.

    (Like git, a same-size edit in place that then sets an old mtime back by hand is not.)
    """
    deck = next(p for p in deck_dir.glob("*.yaml") if "s-pat" in p.read_text())
    # 1. written just now (not settled): its stat is not trusted, so the edit is hashed.
    os.utime(deck)
    library.sync([deck_dir])
    before = deck.stat()
    deck.write_text(deck.read_text().replace("s-pat", "s-pax"))
    os.utime(deck, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert "s-pax" in library.sync([deck_dir]).new
    # 2. settled and remembered, then replaced by a new file (new inode) with the old stat.
    _age(deck_dir)
    library.sync([deck_dir])
    library.sync([deck_dir])
    settled = deck.stat()
    replacement = deck.with_suffix(".tmp")
    replacement.write_text(deck.read_text().replace("s-pax", "s-paz"))
    os.replace(replacement, deck)
    os.utime(deck, ns=(settled.st_atime_ns, settled.st_mtime_ns))
    assert deck.stat().st_size == settled.st_size
    assert "s-paz" in library.sync([deck_dir]).new


# -- a first import writes each file while the next one is read -----------------------------
MORE_DECK = """\
format_version: 1
deck:
  id: sample-more
  title: More samples
  family: mechanisms
cards:
  - id: m-old
    front: An outdated claim?
    back: Yes.
    source: zhou2024
    retired: Superseded by m-new.
    replaced_by: m-new
    inherit_progress: true
  - id: m-new
    front: The current claim?
    back: "Kept whole: before\\tafter"
    source: zhou2024
  - id: m-cloze
    type: cloze
    text: "{{c1::One}}, {{c3::three}} and {{c2::two}}."
    source: zhou2024
"""


SCHEMA = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"


def store_contents(library: Library) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in insertion order (a WITHOUT ROWID table's in key order;
    the data migrations by name only: the second a store was made at is no part of what a
    sync wrote; likewise a note's ``changed_at``, the clock's second when it was written,
    as whether it is set)."""
    with library.engine.connect() as conn:
        tables = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        selected = {t: "name" if t == "data_migration" else "*" for t in tables}
        # (A WITHOUT ROWID table has no rowid: its rows come in its key's order.)
        order = {
            t: "" if conn.exec_driver_sql(f"PRAGMA table_list({t})").one()[4] else " ORDER BY rowid"
            for t in tables
        }
        contents = {
            t: [tuple(r) for r in conn.exec_driver_sql(f"SELECT {selected[t]} FROM {t}{order[t]}")]
            for t in tables
        }
        columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(note)")]
    stamp = columns.index("changed_at")
    contents["note"] = [(*r[:stamp], r[stamp] > 0, *r[stamp + 1 :]) for r in contents["note"]]
    return contents


@pytest.fixture
def writers(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The row writers sync creates (to see which path a sync took)."""
    import studyapp.store.sync as sync_module

    created: list[object] = []
    real = bulk.RowWriter

    def spy(*args: object, **kwargs: object) -> object:
        created.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return created[-1]

    monkeypatch.setattr(sync_module, "RowWriter", spy)
    return created


def test_a_first_import_written_while_reading_equals_plan_then_apply(
    tmp_path: Path, deck_dir: Path, writers: list[object]
) -> None:
    from studyapp.services.paths import bundled_decks_dir

    (deck_dir / "more.yaml").write_text(MORE_DECK, encoding="utf-8")
    chosen = [deck_dir, bundled_decks_dir()]
    streamed = Library(tmp_path / "streamed")
    planned = Library(tmp_path / "planned")
    try:
        plan = streamed.sync(chosen)
        assert len(writers) == 1  # written while reading
        reference = planned.plan(chosen)
        planned.apply(reference)
        assert len(writers) == 1  # plan, then apply: no writer
        assert plan.ok and reference.ok, plan.problems
        assert (
            plan.new,
            plan.retired,
            plan.shipped_retired,
            plan.inherited,
            plan.problems,
            plan.summary(),
        ) == (
            reference.new,
            reference.retired,
            reference.shipped_retired,
            reference.inherited,
            reference.problems,
            reference.summary(),
        )
        assert "m-old" in plan.shipped_retired and len(plan.new) > 200
        contents = store_contents(streamed)
        assert contents == store_contents(planned)
        # Its indexes were built after the rows (StreamedImport's defer_indexes): the same.
        assert rows(streamed, SCHEMA) == rows(planned, SCHEMA)
        assert rows(streamed, "PRAGMA integrity_check") == [("ok",)]
        # (a tab kept, as the bulk writer's own test keeps a NUL; the validator refuses NUL)
        assert ("m-new", "Kept whole: before\tafter") in [(r[0], r[5]) for r in contents["note"]]
        cloze = [(r[3], r[4]) for r in contents["card"] if r[1] == "m-cloze"]
        assert cloze == [("c1", 2000), ("c2", 2001), ("c3", 2002)]
        # The store is usable at once, back in WAL, and the next sync sees nothing new.
        assert rows(streamed, "PRAGMA journal_mode") == [("wal",)]
        assert streamed.sync(chosen).changes_anything is False
    finally:
        streamed.close()
        planned.close()


def test_a_first_import_with_a_broken_later_file_leaves_the_store_unchanged(
    library: Library, deck_dir: Path, writers: list[object]
) -> None:
    # sample.yaml is read (and written) before zz-broken.yaml
    (deck_dir / "zz-broken.yaml").write_text(
        MORE_DECK.replace("    front: The current claim?\n", ""), encoding="utf-8"
    )
    before = store_contents(library)
    schema = rows(library, SCHEMA)
    expected = library.sync([deck_dir], dry_run=True).problems
    plan = library.sync([deck_dir])
    assert len(writers) == 1 and not plan.ok
    assert plan.problems == expected and plan.new == []
    assert [(Path(p.path).name, p.line) for p in plan.problems if p.is_error] == [
        ("zz-broken.yaml", 14)
    ]
    # Row for row, not byte for byte: a first import switches the journal mode for its
    # writes (see rollback_journal), which moves the file header's change counter.
    assert store_contents(library) == before
    assert rows(library, SCHEMA) == schema  # the indexes set aside are back
    assert rows(library, "PRAGMA journal_mode") == [("wal",)]


def test_a_first_import_with_a_clash_between_files_changes_nothing(
    library: Library, deck_dir: Path, writers: list[object]
) -> None:
    # Each file is fine alone; together they claim one id twice (found after both are read).
    terms = deck_dir / "terms.yaml"
    terms.write_text(terms.read_text().replace("id: s-pat", "id: s-bdnf"))
    before = store_contents(library)
    expected = library.sync([deck_dir], dry_run=True).problems
    plan = library.sync([deck_dir])
    assert len(writers) == 1 and not plan.ok
    assert any("s-bdnf" in p.message for p in plan.problems)
    # Located as the reference path locates it, though the streamed import kept no file's
    # text (it read the file again: ParsedDeck.release_text).
    assert plan.problems == expected and all(p.line > 1 for p in plan.problems)
    assert store_contents(library) == before


def test_a_first_import_that_fails_while_writing_raises_and_changes_nothing(
    library: Library, deck_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import studyapp.store.bulk as bulk

    before = store_contents(library)
    schema = rows(library, SCHEMA)
    broken = "INSERT INTO nowhere VALUES (?)"
    monkeypatch.setattr(bulk, "insert_sql", lambda *args: broken)
    with pytest.raises(Exception, match="nowhere"):
        library.sync([deck_dir])
    assert store_contents(library) == before
    assert rows(library, SCHEMA) == schema
    monkeypatch.undo()
    assert library.sync([deck_dir]).ok
    assert rows(library, "SELECT count(*) FROM card") == [(8,)]


def test_the_bundled_decks_moving_keeps_every_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: Clock
) -> None:
    """A reinstall into another Python moves the bundled decks (site-packages): the stored
    decks' files are then outside every source the store syncs, so they have moved, and
    the decks at the new place take them over with every card's progress. (Deck ids held
    by a file in the store's sources are still refused to another file.)"""
    import shutil

    from studyapp.services import paths

    old = tmp_path / "old-venv" / "decks"
    shutil.copytree(paths.bundled_decks_dir(), old)
    monkeypatch.setattr(paths, "bundled_decks_dir", lambda: old)
    import studyapp.services.sync as sync_module

    monkeypatch.setattr(sync_module, "bundled_decks_dir", lambda: old)
    with Library(tmp_path / "data") as library:
        assert library.sync().ok
        session = library.session(clock=clock)
        for _ in range(5):
            assert session.next_card() is not None
            session.answer(Rating.GOOD)
        session.close()
        reviewed = rows(library, "SELECT card_id FROM review")
    new = tmp_path / "new-venv" / "decks"
    shutil.copytree(old, new)  # the old copy stays on disk, as an old venv often does
    monkeypatch.setattr(paths, "bundled_decks_dir", lambda: new)
    monkeypatch.setattr(sync_module, "bundled_decks_dir", lambda: new)
    with Library(tmp_path / "data") as library:
        plan = library.sync()
        assert plan.ok and plan.blocked == {}, plan.problems
        assert plan.retired == [] and plan.new == []
        assert rows(library, "SELECT card_id FROM review") == reviewed
        assert rows(library, "SELECT count(*) FROM card WHERE reps > 0 AND retired = 0") == [(5,)]
        assert {r[0] for r in rows(library, "SELECT path FROM deck WHERE active = 1")} == {
            str(p.resolve()) for p in new.glob("*.yaml") if p.name != "course.yaml"
        }


def test_card_changes_names_only_the_kinds_a_sync_has() -> None:
    """The status line's account of a sync: the kinds of change it has, in a few words (the
    whole summary, files and all, did not fit an 800 px window)."""
    from studyapp.services.sync import SyncPlan

    assert SyncPlan(unchanged=221, files_skipped=["a.yaml"]).card_changes() == ""
    plan = SyncPlan(new=["a"] * 1200, retired=["b"], unchanged=9, files_read=["a.yaml"])
    assert plan.card_changes() == "1,200 new, 1 retired"
    every = SyncPlan(
        new=["a"], updated=["b"] * 2, relearn=["c"], restored=["d"], decks_removed=["x"]
    )
    assert every.card_changes() == (
        "1 new, 2 changed (progress kept), 1 to relearn, 1 restored, 1 deck removed"
    )
