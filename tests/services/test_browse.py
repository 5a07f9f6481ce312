"""The browser's service, headless: every action on a selection and its undo, and a card's
details."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from studyapp.core.model import Queue, Rating
from studyapp.core.studyday import study_day
from studyapp.services.browse import CardBrowser
from studyapp.services.library import Library
from tests.conftest import T0, Clock


def table(library: Library) -> dict[int, dict[str, Any]]:
    with library.engine.connect() as conn:
        return {
            r.id: dict(r._mapping) for r in conn.execute(text("SELECT * FROM card ORDER BY id"))
        }


def review_rows(library: Library) -> list[tuple[Any, ...]]:
    with library.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM review ORDER BY id"))]


@pytest.fixture
def browser(library: Library, deck_dir: Path, clock: Clock) -> CardBrowser:
    assert library.sync([deck_dir]).ok
    session = library.session(clock=clock)
    for rating in (Rating.EASY, Rating.GOOD, Rating.EASY):  # three cards with a schedule
        assert session.next_card() is not None
        session.answer(rating)
    session.close()
    library.undo_log.clear()
    return CardBrowser(library, clock=clock)


def test_each_action_changes_only_its_column_and_undo_restores_the_table(
    browser: CardBrowser, library: Library
) -> None:
    ids = browser.find("")
    assert len(ids) == 8
    start = table(library)
    day_end = int(study_day(T0).end.timestamp())
    steps = [
        (lambda: browser.suspend(ids), "suspended", lambda _row: 1),
        (lambda: browser.unsuspend(ids), "suspended", lambda _row: 0),
        (lambda: browser.bury(ids[:3]), "buried_until", lambda _row: day_end),
        (lambda: browser.unbury(ids), "buried_until", lambda _row: 0),
        (lambda: browser.flag(ids[2:], 4), "flag", lambda _row: 4),
        (lambda: browser.flag(ids, 0), "flag", lambda _row: 0),
    ]
    snapshots = [start]
    for act, column, value in steps:
        before = table(library)
        result = act()
        after = table(library)
        changed = {i for i in after if after[i] != before[i]}
        assert result.changed == len(changed)
        for card_id in changed:
            assert after[card_id][column] == value(after[card_id])
            # nothing else about the card moved
            assert {k: v for k, v in after[card_id].items() if k != column} == {
                k: v for k, v in before[card_id].items() if k != column
            }
        snapshots.append(after)
    labels = [s.label for s in library.undo_log.steps()]
    assert labels == ["suspend", "unsuspend", "bury", "unbury", "blue flag", "remove flag"]
    for expected in reversed(snapshots[:-1]):
        assert browser.undo() is not None
        assert table(library) == expected
    assert browser.undo() is None
    assert review_rows(library)[3:] == []  # no action wrote a review


def test_forget_keeps_history_and_counts_and_writes_a_manual_row(
    browser: CardBrowser, library: Library
) -> None:
    studied = browser.find("-is:new")
    assert len(studied) == 3
    before = table(library)
    answers = review_rows(library)
    result = browser.forget(browser.find(""))
    assert result.changed == 3 and result.skipped == 5
    after = table(library)
    for card_id in studied:
        row = after[card_id]
        assert row["queue"] == Queue.NEW and row["stability"] is None and row["due"] == 0
        assert row["reps"] == before[card_id]["reps"]  # counts kept
    manual = review_rows(library)[len(answers) :]
    assert [(r[1], r[-1]) for r in manual] == [(c, 2) for c in sorted(studied)]  # kind 2
    assert review_rows(library)[: len(answers)] == answers  # history kept
    info = browser.info(studied[0])
    assert info.history[-1].label == "Forgotten" and info.history[-1].rating is None
    browser.undo()
    assert table(library) == before
    assert review_rows(library) == answers


def test_set_due_date_keeps_the_memory_state_and_skips_new_cards(
    browser: CardBrowser, library: Library, clock: Clock
) -> None:
    before = table(library)
    result = browser.set_due(browser.find(""), 3)
    assert (result.changed, result.skipped) == (3, 5)
    assert result.message.endswith("5 left alone (new cards have no schedule yet)")
    target = int(study_day(T0 + timedelta(days=3)).start.timestamp())
    for card_id, row in table(library).items():
        if before[card_id]["queue"] == Queue.NEW:
            assert row == before[card_id]
        else:
            assert row["due"] == target and row["queue"] == Queue.REVIEW
            assert row["stability"] == before[card_id]["stability"]
    assert sorted(browser.find("prop:due=3")) == sorted(browser.find("-is:new"))
    browser.undo()
    assert table(library) == before
    with pytest.raises(ValueError, match="0 \\(today\\) to 36500"):
        browser.set_due([1], -1)


def test_info_gives_the_rendered_card_memory_states_and_note(
    browser: CardBrowser, library: Library
) -> None:
    card_id = browser.find("-is:new")[0]
    browser.flag([card_id], 1)
    browser.suspend([card_id])
    info = browser.info(card_id)
    assert info.card.card_id == card_id and "<" not in info.card.deck_title
    assert info.states == ("Suspended", "Red flag")
    assert info.retrievability is not None and 0 < info.retrievability <= 1
    assert any(line.startswith("Stability") for line in info.memory)
    assert len(info.history) == 1 and info.history[0].rating is not None
    assert info.successor is None and info.predecessors == () and info.inherited == ()
    browser.set_note(card_id, "my own words")
    assert browser.info(card_id).card.user_note == "my own words"
    assert card_id in browser.find("words")  # the note's other card too, if it has one
    with pytest.raises(LookupError):
        browser.info(999_999)


def test_a_flag_out_of_range_is_refused(browser: CardBrowser) -> None:
    with pytest.raises(ValueError, match="no flag 7"):
        browser.flag([1], 7)


def test_a_cards_history_reads_newest_first_as_ankis_card_info(browser: CardBrowser) -> None:
    """The browser's history listed a card's reviews oldest first, under 'History (oldest
    first):'; Anki's card info, and now the card details dialog, put the newest first."""
    card_id = browser.find("-is:new")[0]
    browser.forget([card_id])
    lines = browser.info(card_id).history_text.splitlines()
    assert lines[0] == "History (newest first):"
    assert lines[1].endswith("  Forgotten")  # the forget, then the answer before it
    assert "Forgotten" not in lines[2] and " · due " in lines[2]


def test_a_sync_that_changes_a_source_shows_its_new_citation_at_once(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    """The citation labels are kept between calls (every block of rows needs them), but
    only while the stored sources are the ones they were built from."""
    sources = deck_dir / "sources.yaml"
    sources.write_text(
        "format_version: 1\nsources:\n"
        "  - {id: local2030, kind: primary, authors: Doe J, year: 2030, title: A trial}\n",
        encoding="utf-8",
    )
    (deck_dir / "local.yaml").write_text(
        "format_version: 1\ndeck: {id: local, title: Local, family: terms}\ncards:\n"
        "  - {id: local-card, front: 'What did the trial find [@local2030]?', back: Calm,"
        " source: local2030}\n",
        encoding="utf-8",
    )
    assert library.sync([deck_dir]).ok
    browser = CardBrowser(library, clock=clock)
    (card_id,) = browser.find("trial")
    assert browser.items([card_id])[0].question == "What did the trial find (Doe, 2030)?"
    assert "(Doe, 2030)" in browser.info(card_id).card.question
    sources.write_text(sources.read_text().replace("Doe J", "Roe K"), encoding="utf-8")
    assert library.sync([deck_dir]).ok
    assert browser.items([card_id])[0].question == "What did the trial find (Roe, 2030)?"
    assert "(Roe, 2030)" in browser.info(card_id).card.question
    assert browser.items([]) == []
