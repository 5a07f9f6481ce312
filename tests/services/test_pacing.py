"""Course pacing: new cards come only from released modules (by their release dates, or up to
the module the trainee says they are in); reviews of cards already learned go on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.core.model import Queue, Rating
from studyapp.services.library import Library
from tests.conftest import T0, Clock
from tests.deckfile.test_course import COURSE, write_course

APRIL = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def paced(library: Library, tmp_path: Path) -> tuple[Library, Path]:
    root = write_course(tmp_path / "course", deck_module=1, card_module=2)
    plan = library.sync([root])
    assert plan.ok, plan.problems
    return library, root


def rows(library: Library, sql: str) -> list[tuple[object, ...]]:
    with library.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def new_today(library: Library, clock: Clock) -> list[str]:
    """The notes of the new cards a session introduces today, in order."""
    session = library.session(clock=clock, tz=UTC)
    seen = []
    while (card := session.next_card()) is not None and card.note_id not in seen:
        seen.append(card.note_id)
        session.bury_current()
    for _ in seen:
        session.undo()
    session.close()
    return seen


def test_sync_keeps_each_cards_module_and_the_courses_modules(
    paced: tuple[Library, Path],
) -> None:
    library, _root = paced
    assert rows(library, "SELECT id, module FROM note ORDER BY id") == [
        ("paced-a", 1),  # the deck's module
        ("paced-b", 2),  # its own, overriding the deck's
    ]
    assert rows(library, "SELECT course, number, title, release FROM course_module") == [
        ("test-course", 1, "Basics", None),
        ("test-course", 2, "Later", "2026-04-01"),
    ]
    assert [(m.number, m.title, m.release) for m in library.course_modules()] == [
        (1, "Basics", None),
        (2, "Later", "2026-04-01"),
    ]


def test_syncing_another_folder_keeps_the_courses_modules_and_their_hold(
    paced: tuple[Library, Path], clock: Clock, deck_dir: Path
) -> None:
    """File > Add deck folder syncs only the new folder: that deleted every other course's
    modules (the bundled course's six, seen under Xvfb: the deck list lost its "Group decks"
    choice), and with them the hold on modules not reached, so their new cards came at once."""
    library, _root = paced
    before = rows(library, "SELECT course, number, title, release FROM course_module")
    plan = library.sync([deck_dir])  # a folder of decks with no course file
    assert plan.ok and plan.new
    assert rows(library, "SELECT course, number, title, release FROM course_module") == before
    assert "paced-a" in new_today(library, clock)
    assert "paced-b" not in new_today(library, clock)  # module 2 waits for 1 April
    assert library.overview(T0).has_modules


def test_a_full_sync_drops_the_modules_of_a_course_removed(
    library: Library, tmp_path: Path
) -> None:
    """A sync of every folder still leaves no module of a course whose folder is gone."""
    library.sync()
    bundled = [(m.number, m.title) for m in library.course_modules()]
    root = write_course(tmp_path / "course")
    library.add_folder(root)
    assert library.sync().ok
    assert ("test-course", 1, "Basics", None) in rows(
        library, "SELECT course, number, title, release FROM course_module"
    )
    library.remove_folder(root)
    assert library.sync().ok
    assert "test-course" not in {r[0] for r in rows(library, "SELECT course FROM course_module")}
    assert [(m.number, m.title) for m in library.course_modules()] == bundled


def test_new_cards_wait_for_their_modules_release_date(
    paced: tuple[Library, Path], clock: Clock
) -> None:
    library, _root = paced
    assert new_today(library, clock) == ["paced-a"]
    session = library.session(clock=clock, tz=UTC)
    assert session.counts().new == 1
    assert library.overview(T0).families[0].decks[0].today.new == 1
    clock.now = APRIL
    assert new_today(library, clock) == ["paced-a", "paced-b"]
    assert library.session(clock=clock, tz=UTC).counts().new == 2
    assert library.overview(APRIL).families[0].decks[0].today.new == 2


def test_the_module_the_trainee_is_in_decides_over_the_dates(
    paced: tuple[Library, Path], clock: Clock
) -> None:
    library, _root = paced
    library.update_settings(library.settings.with_changes(current_module=2))
    assert new_today(library, clock) == ["paced-a", "paced-b"]
    assert library.overview(T0).families[0].decks[0].today.new == 2
    library.update_settings(library.settings.with_changes(current_module=1))
    clock.now = APRIL  # released by date, but the trainee is still in module 1
    assert new_today(library, clock) == ["paced-a"]
    assert library.overview(APRIL).families[0].decks[0].today.new == 1


def test_cards_already_learned_keep_coming_back_whatever_the_module(
    paced: tuple[Library, Path], clock: Clock
) -> None:
    library, _root = paced
    library.update_settings(library.settings.with_changes(current_module=2))
    session = library.session(clock=clock, tz=UTC)
    card = session.next_card()
    while card is not None and card.note_id != "paced-b":
        session.bury_current()
        card = session.next_card()
    assert card is not None
    session.answer(Rating.EASY)
    library.update_settings(library.settings.with_changes(current_module=1))
    clock.now = T0 + timedelta(days=60)
    later = library.session(clock=clock, tz=UTC)
    first = later.next_card()  # the review of module 2's card, before module 1's new card
    assert first is not None and first.note_id == "paced-b" and first.state.queue is Queue.REVIEW


def test_a_changed_course_file_is_read_again_with_every_deck(
    paced: tuple[Library, Path], clock: Clock
) -> None:
    library, root = paced
    (root / "course.yaml").write_text(COURSE.replace(", release: 2026-04-01", ""), encoding="utf-8")
    plan = library.sync([root])
    assert plan.ok and plan.files_read, plan.problems
    assert rows(library, "SELECT number, release FROM course_module") == [(1, None), (2, None)]
    assert new_today(library, clock) == ["paced-a", "paced-b"]


def test_settings_refuse_a_negative_module(library: Library) -> None:
    with pytest.raises(ValueError, match="current module"):
        library.settings.with_changes(current_module=-1)


LOOSE = """\
format_version: 1
deck:
  id: loose
  title: Loose deck
  family: safety
cards:
  - id: loose-a
    front: A loose question?
    back: A loose answer.
    source: zhou2024
"""


def test_the_overview_groups_by_module_when_asked(
    paced: tuple[Library, Path], clock: Clock
) -> None:
    library, root = paced
    (root / "decks" / "loose.yaml").write_text(LOOSE, encoding="utf-8")
    assert library.sync([root]).ok
    plain = library.overview(T0)
    assert plain.has_modules and plain.modules == ()  # by family unless asked
    library.update_settings(library.settings.with_changes(overview_by_module=True))
    grouped = library.overview(T0)
    assert [(m.number, m.title, m.waiting) for m in grouped.modules] == [
        (1, "Module 1: Basics", ""),
        (2, "Module 2: Later", "from 1 Apr 2026"),
        (0, "In no module", ""),
    ]
    assert [(d.id, d.today.new) for m in grouped.modules for d in m.decks] == [
        ("paced", 1),
        ("paced", 0),  # waiting for its release: listed, nothing new today
        ("loose", 1),
    ]
    library.update_settings(library.settings.with_changes(current_module=2))
    grouped = library.overview(T0)
    assert [m.today.new for m in grouped.modules] == [1, 1, 1]
    library.update_settings(library.settings.with_changes(current_module=1))
    assert library.overview(T0).modules[1].waiting == "not reached yet"


def test_a_module_can_be_studied_on_its_own(paced: tuple[Library, Path], clock: Clock) -> None:
    from studyapp.services.library import ScopeChoice

    library, root = paced
    (root / "decks" / "loose.yaml").write_text(LOOSE, encoding="utf-8")
    assert library.sync([root]).ok
    library.update_settings(library.settings.with_changes(current_module=2))
    for choice, label, notes in (
        (ScopeChoice.of_module(2), "Module 2: Later", ["paced-b"]),
        (ScopeChoice.of_module(1, "paced"), "Paced deck · Module 1: Basics", ["paced-a"]),
        (ScopeChoice.of_module(0), "In no module", ["loose-a"]),
    ):
        scope = library.scope(choice)
        assert scope.label == label
        session = library.session(scope, clock=clock, tz=UTC)
        assert session.counts().new == len(notes)
        seen = []
        while (card := session.next_card()) is not None:
            seen.append(card.note_id)
            session.bury_current()
        assert seen == notes
        session.close()


def test_the_browsers_info_panel_names_the_cards_module(
    paced: tuple[Library, Path], clock: Clock
) -> None:
    from studyapp.services.browse import CardBrowser

    library, _root = paced
    browser = CardBrowser(library, clock=clock)
    modules = {browser.info(i).card.note_id: browser.info(i).module for i in browser.find("")}
    assert modules == {"paced-a": "Module 1: Basics", "paced-b": "Module 2: Later"}


def test_a_module_sessions_next_due_and_tomorrow_count_its_own_cards(
    paced: tuple[Library, Path], clock: Clock
) -> None:
    from studyapp.services.library import ScopeChoice

    library, _root = paced
    library.update_settings(library.settings.with_changes(current_module=2))
    later = library.session(library.scope(ScopeChoice.of_module(2)), clock=clock, tz=UTC)
    card = later.next_card()
    assert card is not None and card.note_id == "paced-b"
    later.answer(Rating.AGAIN)  # back within minutes, in module 2 only
    assert later.next_due() is not None and later.due_by_tomorrow() == 1
    first = library.session(library.scope(ScopeChoice.of_module(1)), clock=clock, tz=UTC)
    assert first.next_due() is None and first.due_by_tomorrow() == 0
    everything = library.session(clock=clock, tz=UTC)
    assert everything.next_due() == later.next_due() and everything.due_by_tomorrow() == 1
