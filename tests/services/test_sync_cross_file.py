"""The checks across deck files see every card of the folder, also in an incremental sync.

A re-sync reads only the files that changed; the cards of the files it skips are known from
the store. Each test syncs a folder once, changes one file, and syncs again: the outcome
(accepted, or refused with the same problems at the same file:line:col) must be what a full
read gives, i.e. what ``studyapp validate`` and a sync into a fresh store say.
"""

from __future__ import annotations

from pathlib import Path

from studyapp.deckfile.problems import Problem
from studyapp.services.library import Library
from studyapp.services.validate import validate_paths
from tests.conftest import Clock
from tests.services.test_sync import db_digest, rows, study

RETIRE_NMDA = (
    "    back: The NMDA glutamate receptor.\n",
    "    back: The NMDA glutamate receptor.\n    retired: Folded into the terms deck.\n"
    "    replaced_by: {successor}\n    inherit_progress: true\n",
)


def errors(problems: list[Problem]) -> list[tuple[str, int, int, str]]:
    return sorted((p.path, p.line, p.column, p.message) for p in problems if p.is_error)


def full_read(deck_dir: Path, tmp_path: Path) -> list[tuple[str, int, int, str]]:
    """The errors a full read of ``deck_dir`` finds; validate and a fresh store must agree."""
    validated = errors(validate_paths([deck_dir], held=[]).problems)
    fresh = Library(tmp_path / "fresh-store")
    try:
        assert errors(fresh.sync([deck_dir]).problems) == validated
    finally:
        fresh.close()
    return validated


def retire_nmda(deck_dir: Path, successor: str) -> None:
    sample = deck_dir / "sample.yaml"
    old, new = RETIRE_NMDA
    sample.write_text(sample.read_text().replace(old, new.format(successor=successor)))


def test_a_successor_in_an_unchanged_file_is_known(
    library: Library, deck_dir: Path, clock: Clock, tmp_path: Path
) -> None:
    """The lead's case: a release changes one file, whose retired card names a card of a
    file it leaves unchanged."""
    assert library.sync([deck_dir]).ok
    study(library, clock, "s-nmda")
    retire_nmda(deck_dir, "s-pat")
    plan = library.sync([deck_dir])
    assert plan.ok, plan.problems
    assert plan.files_read == [str(deck_dir / "sample.yaml")]
    assert plan.files_skipped == [str(deck_dir / "terms.yaml")]
    assert plan.retired == ["s-nmda"]
    # the successor (in the file not read) takes over the progress when still new, as a
    # full read would (study() may have answered it on the way)
    started = rows(library, "SELECT 1 FROM card WHERE note_id = 's-pat' AND reps > 0")
    assert plan.inherited == ([] if started else [("s-pat", "s-nmda")])
    # the next release touches only the file with the retired card: still accepted
    sample = deck_dir / "sample.yaml"
    sample.write_text(sample.read_text().replace("cards:\n", "cards:\n  # touched\n"))
    plan = library.sync([deck_dir])
    assert plan.ok, plan.problems
    assert plan.files_read == [str(sample)] and plan.unchanged == 5
    assert full_read(deck_dir, tmp_path) == []


def test_a_successor_retired_in_its_unchanged_file_is_known(
    library: Library, deck_dir: Path, tmp_path: Path
) -> None:
    """A card retired in its file (``retired: reason``) is still in the file, so still a
    card a ``replaced_by`` may name (a full read finds it)."""
    terms = deck_dir / "terms.yaml"
    terms.write_text(terms.read_text() + "    retired: Kept for its history.\n")
    assert library.sync([deck_dir]).ok
    retire_nmda(deck_dir, "s-pat")
    plan = library.sync([deck_dir])
    assert plan.ok, plan.problems
    assert plan.files_skipped == [str(terms)]
    assert full_read(deck_dir, tmp_path) == []


def test_a_successor_gone_from_every_file_is_refused_where_it_is_named(
    library: Library, deck_dir: Path, tmp_path: Path
) -> None:
    """The other way round: the successor leaves the file that changed, while the retired
    card naming it sits in a file left unchanged. A full read refuses that at the retired
    card's ``replaced_by``; so does the re-sync, at the same place, changing nothing."""
    terms = deck_dir / "terms.yaml"
    terms.write_text(
        terms.read_text()
        + "  - id: s-old\n    front: Old?\n    back: Old.\n    source: consensus_nd\n"
        "    retired: Superseded.\n    replaced_by: s-nmda\n"
    )
    assert library.sync([deck_dir]).ok
    before = db_digest(library)
    sample = deck_dir / "sample.yaml"
    text_ = sample.read_text()
    sample.write_text(text_[: text_.index("  - id: s-nmda")])
    plan = library.sync([deck_dir])
    expected = full_read(deck_dir, tmp_path)
    assert len(expected) == 1 and "'replaced_by' names no known card 's-nmda'" in expected[0][3]
    assert expected[0][0] == str(terms)
    assert errors(plan.problems) == expected
    assert db_digest(library) == before
    # the successor moved to the unchanged file's neighbour instead: accepted
    sample.write_text(text_)
    assert library.sync([deck_dir]).ok


def test_a_successor_moved_to_a_new_file_is_known(
    library: Library, deck_dir: Path, tmp_path: Path
) -> None:
    """The successor leaves the file that changed for a new file, while the retired card
    naming it sits in a file left unchanged: accepted, the note moved with its history."""
    terms = deck_dir / "terms.yaml"
    terms.write_text(
        terms.read_text()
        + "  - id: s-old\n    front: Old?\n    back: Old.\n    source: consensus_nd\n"
        "    retired: Superseded.\n    replaced_by: s-nmda\n"
    )
    assert library.sync([deck_dir]).ok
    sample = deck_dir / "sample.yaml"
    text_ = sample.read_text()
    block = text_[text_.index("  - id: s-nmda") :]
    sample.write_text(text_.replace(block, ""))
    (deck_dir / "more.yaml").write_text(
        "format_version: 1\ndeck:\n  id: sample-more\n  title: More\n  family: mechanisms\n"
        "cards:\n" + block
    )
    plan = library.sync([deck_dir])
    assert plan.ok, plan.problems
    assert plan.files_skipped == [str(terms)]
    assert rows(library, "SELECT deck_id, retired FROM note WHERE id = 's-nmda'") == [
        ("sample-more", 0)
    ]
    assert full_read(deck_dir, tmp_path) == []


def test_a_card_id_of_an_unchanged_file_is_refused_in_a_changed_one(
    library: Library, deck_dir: Path, tmp_path: Path
) -> None:
    assert library.sync([deck_dir]).ok
    before = db_digest(library)
    sample = deck_dir / "sample.yaml"
    sample.write_text(
        sample.read_text()
        + "  - id: s-pat\n    front: Again?\n    back: Again.\n    source: zhou2024\n"
    )
    plan = library.sync([deck_dir])
    assert plan.files_skipped == [str(deck_dir / "terms.yaml")]
    # a full read reports the id where it comes second (files in order), the re-sync in
    # the file it read: both refuse, naming the other file
    (full,) = full_read(deck_dir, tmp_path)
    (found,) = errors(plan.problems)
    assert full[0] == str(deck_dir / "terms.yaml") and found[0] == str(sample)
    assert found[3] == f"card id 's-pat' is also used in {deck_dir / 'terms.yaml'}"
    assert db_digest(library) == before


def test_a_card_id_retired_in_an_unchanged_file_is_refused_in_a_changed_one(
    library: Library, deck_dir: Path
) -> None:
    terms = deck_dir / "terms.yaml"
    terms.write_text(terms.read_text() + "    retired: Kept for its history.\n")
    assert library.sync([deck_dir]).ok
    sample = deck_dir / "sample.yaml"
    sample.write_text(
        sample.read_text()
        + "  - id: s-pat\n    front: Again?\n    back: Again.\n    source: zhou2024\n"
    )
    plan = library.sync([deck_dir])
    assert not plan.ok and plan.files_skipped == [str(terms)]
    assert "card id 's-pat' is also used in" in errors(plan.problems)[0][3]


def test_a_deck_id_of_an_unchanged_file_is_refused_in_a_changed_one(
    library: Library, deck_dir: Path, tmp_path: Path
) -> None:
    assert library.sync([deck_dir]).ok
    sample = deck_dir / "sample.yaml"
    sample.write_text(sample.read_text().replace("id: sample-mechanisms", "id: sample-terms"))
    plan = library.sync([deck_dir])
    assert plan.files_skipped == [str(deck_dir / "terms.yaml")]
    assert full_read(deck_dir, tmp_path)  # refused too (where the id comes second)
    assert any(
        e[0] == str(sample) and e[3].startswith("deck id 'sample-terms' is also used by")
        for e in errors(plan.problems)
    )


COURSE = """format_version: 1
course: {id: sample-course, title: Sample course}
modules:
  - {number: 1, title: First}
  - {number: 2, title: Second}
"""


def test_a_module_removed_while_an_unchanged_deck_names_it_is_refused(
    library: Library, deck_dir: Path, tmp_path: Path
) -> None:
    """The course file changes, no deck does: a module an unchanged deck names is gone."""
    (deck_dir / "course.yaml").write_text(COURSE)
    terms = deck_dir / "terms.yaml"
    terms.write_text(
        terms.read_text().replace("  family: terms\n", "  family: terms\n  module: 2\n")
    )
    assert library.sync([deck_dir]).ok
    before = db_digest(library)
    (deck_dir / "course.yaml").write_text(COURSE.replace("  - {number: 2, title: Second}\n", ""))
    plan = library.sync([deck_dir])
    expected = full_read(deck_dir, tmp_path)
    assert len(expected) == 1 and expected[0][0] == str(terms)
    assert "unknown module 2" in expected[0][3]
    assert errors(plan.problems) == expected
    assert db_digest(library) == before


def test_a_release_after_naming_a_successor_in_an_unchanged_file_reads_one_file(
    library: Library, deck_dir: Path
) -> None:
    """The store's cards of skipped files are looked up, never the files read: a re-sync
    that names a successor in an unchanged file still reads that one file only."""
    assert library.sync([deck_dir]).ok
    retire_nmda(deck_dir, "s-pat")
    assert library.sync([deck_dir]).ok
    (deck_dir / "sample.yaml").write_text(
        (deck_dir / "sample.yaml").read_text().replace("mainly act on?", "act on, mainly?")
    )
    plan = library.sync([deck_dir])
    assert plan.ok and plan.updated == ["s-5ht2a"]
    assert plan.files_read == [str(deck_dir / "sample.yaml")]
    assert rows(library, "SELECT retired, replaced_by FROM note WHERE id = 's-nmda'") == [
        (1, "s-pat")
    ]
