"""Added deck folders are independent: a missing or broken one holds back only its decks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.core.errors import KnownError
from studyapp.core.model import Rating
from studyapp.services.library import Library
from studyapp.services.paths import bundled_decks_dir
from studyapp.services.sync import SyncCancelled
from tests.conftest import DATA
from tests.test_cli import store_rows


def _titles(library: Library) -> list[str]:
    return sorted(d.title for f in library.overview().families for d in f.decks)


def _bundled_titles() -> int:
    return len([p for p in bundled_decks_dir().glob("*.yaml") if p.name != "course.yaml"])


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    """Two added folders: 'a' holds the sample decks, 'b' one deck of its own."""
    a = tmp_path / "a"
    shutil.copytree(DATA / "decks", a)
    b = tmp_path / "b"
    b.mkdir()
    (b / "extra.yaml").write_text(
        "format_version: 1\n"
        "deck: {id: extra, title: Extra deck, family: terms}\n"
        "cards:\n"
        "  - {id: extra-1, front: Q1?, back: A1., source: [rieser2021]}\n"
    )
    return {"a": a, "b": b}


def test_a_missing_folder_holds_back_nothing_else(
    library: Library, folders: dict[str, Path]
) -> None:
    library.add_folder(folders["a"])
    library.add_folder(folders["b"])
    shutil.rmtree(folders["a"])  # moved away before the first start
    plan = library.sync()
    assert plan.ok
    assert list(plan.blocked) == [str(folders["a"])]
    (problem,) = plan.blocked[str(folders["a"])]
    assert problem.path == str(folders["a"]) and "the folder is not there" in problem.message
    titles = _titles(library)
    assert "Extra deck" in titles and len(titles) == _bundled_titles() + 1  # bundled decks too


def test_a_broken_folder_keeps_its_decks_as_they_were_and_the_rest_updates(
    library: Library, folders: dict[str, Path]
) -> None:
    library.add_folder(folders["a"])
    library.add_folder(folders["b"])
    assert library.sync().blocked == {}
    session = library.session()
    card = session.next_card()
    assert card is not None
    session.answer(Rating.GOOD)
    before = library.overview()
    # Folder a breaks; folder b gets an edit.
    sample = folders["a"] / "sample.yaml"
    sample.write_text(sample.read_text().replace("    back: The NMDA", "    bak: The NMDA"))
    extra = folders["b"] / "extra.yaml"
    extra.write_text(extra.read_text().replace("Q1?", "Question one?"))
    plan = library.sync()
    assert plan.ok and list(plan.blocked) == [str(folders["a"])]
    assert [p.line for p in plan.blocked[str(folders["a"])]] == [24, 26]
    assert plan.updated == ["extra-1"]
    after = library.overview()
    assert _titles(library) == sorted(d.title for f in before.families for d in f.decks)
    assert after.reviews_total == 1
    # Fixed, it syncs again.
    sample.write_text(sample.read_text().replace("    bak: The NMDA", "    back: The NMDA"))
    assert library.sync().blocked == {}


def _own_sources_folder(root: Path) -> Path:
    """A folder whose deck cites a source of its own sources.yaml."""
    root.mkdir()
    (root / "sources.yaml").write_text(
        "format_version: 1\n"
        "sources:\n"
        "  - {id: local2030, kind: primary, authors: 'Doe J, Roe R', year: 2030,"
        " title: A local trial}\n"
    )
    (root / "local.yaml").write_text(
        "format_version: 1\n"
        "deck: {id: local-bib, title: Cites its own sources, family: evidence}\n"
        "cards:\n"
        "  - {id: local-1, front: 'As shown [@local2030]?', back: A., source: local2030,"
        " cite: local2030, as_of: 2030}\n"
    )
    return root


def _local_card_says(library: Library) -> tuple[str, str]:
    session = library.session()
    while (card := session.next_card()) is not None and card.deck_id != "local-bib":
        session.bury_current()
    assert card is not None
    shown = (card.source_line, card.question)
    session.close()
    return shown


def test_a_folders_own_sources_stay_when_another_folder_is_synced(
    library: Library, folders: dict[str, Path], tmp_path: Path
) -> None:
    """File > Add deck folder syncs the new folder alone, and its bibliography replaced the
    stored one: another folder's card said "Source: local2030" (its id) and "As shown
    (unknown source)?" until the next start. So did a sync leaving out a broken folder."""
    local = _own_sources_folder(tmp_path / "local")
    library.add_folder(local)
    assert library.sync().blocked == {}
    cited = ("Source: Doe 2030", "As shown (Doe and Roe, 2030)?")
    assert _local_card_says(library) == cited
    library.add_folder(folders["b"])
    assert library.sync([folders["b"]]).ok  # as File > Add deck folder syncs it
    assert _local_card_says(library) == cited
    library.add_folder(folders["a"])
    sample = folders["a"] / "sample.yaml"
    sample.write_text(sample.read_text().replace("    back: The NMDA", "    bak: The NMDA"))
    plan = library.sync()  # 'a' is left out, the rest synced without it
    assert list(plan.blocked) == [str(folders["a"])]
    assert _local_card_says(library) == cited


@pytest.mark.parametrize(
    ("first_name", "later_name"), [("b", "clash"), ("z-added-first", "a-added-later")]
)
def test_a_clash_between_folders_holds_back_the_later_one(
    library: Library, folders: dict[str, Path], tmp_path: Path, first_name: str, later_name: str
) -> None:
    """ "Later" in the folders' order, whatever their paths: by path, a folder added second
    under a path that sorts first held back the one added before it."""
    first = tmp_path / "folders" / first_name
    shutil.copytree(folders["b"], first)
    later = tmp_path / "folders" / later_name
    later.mkdir()
    (later / "copy.yaml").write_text(
        (first / "extra.yaml").read_text().replace("id: extra,", "id: extra-copy,")
    )
    library.add_folder(first)
    library.add_folder(later)
    plan = library.sync()
    assert list(plan.blocked) == [str(later)]
    assert "card id 'extra-1' is also used in" in plan.blocked[str(later)][0].message
    assert "Extra deck" in _titles(library)


def test_a_folder_copying_a_bundled_deck_never_holds_the_bundled_decks_back(
    library: Library, tmp_path: Path
) -> None:
    """A trainee's folder with a copy of the bundled course (under /home or /tmp, before the
    installed decks by path) held back the bundled decks, told the trainee to remove the
    bundled folder (which cannot be), and imported the copy in their place."""
    copy = tmp_path / "my-copy"
    shutil.copytree(bundled_decks_dir(), copy)
    terms = copy / "terms.yaml"
    terms.write_text(terms.read_text().replace("term-pat", "term-pat-mine", 1))
    library.add_folder(copy)
    plan = library.sync()
    assert list(plan.blocked) == [str(copy)]  # the copy alone: its ids are the bundled ones
    problems = plan.blocked[str(copy)]
    assert problems and all(Path(p.path).is_relative_to(copy) for p in problems)
    assert len(_titles(library)) == _bundled_titles()
    with library.engine.connect() as conn:
        held = conn.execute(text("SELECT path FROM deck WHERE active")).scalars().all()
    assert held and all(Path(p).parent == bundled_decks_dir().resolve() for p in held)


def test_an_error_in_no_folder_still_stops_everything(
    library: Library, folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from studyapp.services import paths

    broken = tmp_path / "sources.yaml"
    broken.write_text("format_version: 1\nsources: [\n")
    monkeypatch.setattr(paths, "bundled_sources_file", lambda: broken)
    library.add_folder(folders["b"])
    plan = library.sync()
    assert not plan.ok and str(broken) in {p.path for p in plan.problems}
    assert _titles(library) == []


def test_explicit_paths_are_still_all_or_nothing(
    library: Library, folders: dict[str, Path], tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.yaml").write_text("format_version: 1\ncards: [\n")
    plan = library.sync([folders["b"], broken])
    assert not plan.ok and plan.blocked == {}
    assert _titles(library) == []


def test_the_gui_plan_leaves_out_broken_folders_and_applies(
    library: Library, folders: dict[str, Path]
) -> None:
    library.add_folder(folders["b"])
    library.add_folder(folders["a"] / "missing")
    plan = library.plan()
    assert plan.ok and list(plan.blocked) == [str(folders["a"] / "missing")]
    library.apply(plan)
    assert "Extra deck" in _titles(library)


def test_removing_a_folder_keeps_progress_and_adding_it_again_restores_it(
    library: Library, folders: dict[str, Path]
) -> None:
    library.add_folder(folders["a"])
    library.sync()
    session = library.session()
    card = session.next_card()
    assert card is not None
    session.answer(Rating.GOOD)
    session.close()
    backups = len(library.backups())
    assert library.remove_folder(folders["a"]) == ["sample-mechanisms", "sample-terms"]
    assert library.folders() == []
    assert not {"Sample mechanisms", "Sample terms"} & set(_titles(library))
    assert library.overview().reviews_total == 1  # the history stays
    assert len(library.backups()) == backups + 1  # taken before the decks left
    library.add_folder(folders["a"])
    plan = library.sync()
    assert len(plan.restored) == 5
    assert {"Sample mechanisms", "Sample terms"} <= set(_titles(library))
    with pytest.raises(KnownError, match="is not an added deck folder"):
        library.remove_folder(folders["b"])


def test_folder_statuses_say_what_each_folder_holds(
    library: Library, folders: dict[str, Path]
) -> None:
    library.add_folder(folders["a"])
    library.add_folder(folders["b"])
    library.sync()
    shutil.rmtree(folders["b"])
    plan = library.sync()
    statuses = library.folder_statuses(plan.blocked, bundled=True)
    assert [s.bundled for s in statuses] == [True, False, False]
    assert statuses[0].decks == _bundled_titles() and statuses[0].state == "always read"
    assert (statuses[1].decks, statuses[1].state) == (2, "read at every start")
    assert not statuses[2].exists and statuses[2].decks == 1
    assert statuses[2].state == "not found: decks kept as they were"
    assert statuses[2].describe.endswith("1 deck kept as they were")


def course_citing_its_own_source(course: Path) -> Path:
    """A course made by ``studyapp init`` whose first basic card cites a source that only the
    course's own sources.yaml holds (``local2025``); the deck file's path."""
    from studyapp.services.scaffold import init_course

    init_course(course)
    with (course / "sources.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  - {id: local2025, kind: primary, authors: Doe J, title: A study}\n")
    deck = course / "decks" / "basic-cards.yaml"
    deck.write_text(
        deck.read_text(encoding="utf-8").replace(
            "    source: [zhou2024]\n", "    source: [zhou2024]\n    cite: local2025\n", 1
        ),
        encoding="utf-8",
    )
    return deck


def test_a_courses_decks_folder_reads_the_course_files_above_and_stands_on_its_own(
    library: Library, folders: dict[str, Path], tmp_path: Path
) -> None:
    # Added as 'seminar/decks' (not the course folder), a course's decks read its
    # sources.yaml above them: a card citing a source of the course's own syncs; and a
    # mistake in that sources.yaml holds back only that folder, as one in a deck does.
    course = tmp_path / "seminar"
    course_citing_its_own_source(course)
    sources = course / "sources.yaml"
    library.add_folder(course / "decks")
    library.add_folder(folders["b"])
    plan = library.sync()
    assert plan.ok and plan.blocked == {}, plan.problems
    assert "Example: basic cards" in _titles(library)
    sources.write_text(sources.read_text(encoding="utf-8") + "  - {id: broken}\n", "utf-8")
    extra = folders["b"] / "extra.yaml"
    extra.write_text(extra.read_text().replace("Q1?", "Question one?"))
    plan = library.sync()
    assert list(plan.blocked) == [str(course / "decks")]
    assert {p.path for p in plan.blocked[str(course / "decks")]} == {str(sources)}
    assert plan.updated == ["extra-1"]


# -- a folder remembered by the sync that reads it (Library.sync's add_folders) ------------
@pytest.fixture(params=["empty store", "store with notes"])
def adding_to(
    request: pytest.FixtureRequest, library: Library, folders: dict[str, Path]
) -> Library:
    """The store a folder is added to: a new one (a first import), or one holding notes
    already (the window's File > Add deck folder after its start-up sync)."""
    if request.param == "store with notes":
        assert library.sync([folders["b"]]).ok
    return library


def test_a_folder_added_by_its_sync_is_remembered_with_its_decks(
    adding_to: Library, folders: dict[str, Path]
) -> None:
    plan = adding_to.sync([folders["a"]], add_folders=[folders["a"]])
    # Written as it is read, as a first import is, also into a store holding notes (the
    # window's add): the reference path holds every row of the folder in its plan first
    # (at 200,000 notes several times the streamed add's 180 MB peak).
    assert plan.ok and plan.streamed and len(plan.new) == 5
    assert adding_to.folders() == [folders["a"].resolve()]
    assert {"Sample mechanisms", "Sample terms"} <= set(_titles(adding_to))


@pytest.mark.parametrize("stop", [SyncCancelled, OSError])
def test_a_cancelled_or_failed_add_remembers_no_folder_and_changes_nothing(
    adding_to: Library, folders: dict[str, Path], stop: type[BaseException]
) -> None:
    before = store_rows(adding_to.data_dir)
    counted: list[int] = []

    def progress(done: int, _total: int) -> None:
        counted.append(done)
        if done == 2:  # the first file is written (streamed) or read: stop at the second
            raise stop("stopped")

    with pytest.raises(stop, match="stopped"):
        adding_to.sync([folders["a"]], progress=progress, add_folders=[folders["a"]])
    assert counted == [0, 1, 2]
    assert adding_to.folders() == []
    assert store_rows(adding_to.data_dir) == before


def test_an_add_with_a_broken_deck_remembers_no_folder_and_changes_nothing(
    adding_to: Library, folders: dict[str, Path]
) -> None:
    # read last, after the good files' rows were written (a streamed add writes as it reads)
    (folders["a"] / "zz-broken.yaml").write_text("format_version: 1\ncards: [\n")
    before = store_rows(adding_to.data_dir)
    plan = adding_to.sync([folders["a"]], add_folders=[folders["a"]])
    assert not plan.ok
    assert adding_to.folders() == []
    assert store_rows(adding_to.data_dir) == before
