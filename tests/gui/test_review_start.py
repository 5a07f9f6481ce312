"""The start-up to the first card (issue 19): what the review screen's start loads, and
that the window's lazily made parts still answer at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from studyapp.services.library import Library
from tests.conftest import Clock
from tests.reviewstartup import review_screenshot_run

NOT_ON_THE_REVIEW_PATH = (
    "studyapp.core.search",
    "studyapp.store.search",
    "studyapp.services.search",
    "studyapp.services.cram",
    "studyapp.services.browse",
    "studyapp.gui.browser",
    "studyapp.gui.details",
    "studyapp.gui.optimize_dialog",
    "studyapp.gui.statistics",
    "studyapp.gui.images",
    "PySide6.QtSvg",
    "studyapp.services.fsrs",
    "studyapp.store.memory",
    "studyapp.services.deck_options",
    "studyapp.store.stats",
    "studyapp.store.backup",
    "studyapp.store.integrity",
    "studyapp.gui.overview",
    "studyapp.gui.safety",
    "studyapp.gui.messages",
    "studyapp.core.replay",
    "html",
    "secrets",
    "studyapp.services.syncplan",
    "studyapp.services.deckrows",
    "studyapp.store.syncrows",
)
"""Modules the start-up to the first card does not need (the search grammar and index,
cram, the browser, the details and optimize dialogs, the statistics screen, and, for a card
without a picture, the pictures' module with Qt SVG; the FSRS fitting and rescheduling
services and the deck options' editor; the statistics' queries, opening the store needs
only their tally, store.tally): each is imported where it is first used (importing the
services 73 -> 64 ms CPU, peak RSS 105.0 -> 103.9 MB at 200,000 notes; then FSRS's and the
deck options' services ~2.8 ms; then the statistics' queries 2.2-2.5 ms; then the
backups' and checks' modules, which the data folder imports where a backup or a check is
made, 2.6-3.9 ms; then the deck list's screen, which a window made study_first makes only
if it is shown, -22.3 M instructions, ~0.9% of the start-up; then the safety net's dialogs
and message boxes, which the window's safety net (studyapp.gui.safetynet) imports where it
shows one, -17.2 M, -0.7%; then the replay of review logs and the optimizer, split from the
scheduler into studyapp.core.replay, importing the services -12.3 M, -0.9%; then html, with
its entity table (core.printable.escape_html escapes), 8.3 M, and secrets with hmac, for the
PNG's temporary name, 4.3 M; then the rows of a sync that reads deck files, with their
builders and planning, which a start-up's sync, reading none, does not need)."""

REPLAY_NAMES = ("Fit", "TrainingSet", "LoggedAnswer", "training_set", "memory_from_logs")
"""What studyapp.core.replay holds: the scheduler the first card needs no longer makes it."""

SYNC_TUPLES = (
    "[n for n, v in vars(sys.modules['studyapp.services.sync']).items() if isinstance(v, type)"
    " and issubclass(v, tuple) and v.__module__ == 'studyapp.services.sync']"
)
"""The named-tuple classes services.sync makes at import (~1 M instructions each): none, as a
start-up's sync reads no file; a streamed import's record of what it wrote
(services.deckrows.WrittenIds) is made with the rows of a sync that reads files."""


def test_the_review_screens_start_up_loads_no_search_browser_or_dialogs(
    tmp_path: Path, deck_dir: Path
) -> None:
    data = tmp_path / "data-review"
    with Library(data) as library:  # synced before: the start-up's sync changes nothing
        assert library.sync([deck_dir]).ok
        library.add_folder(deck_dir)
        assert library.sync().ok
    out = tmp_path / "review.png"
    report = (
        f"code, sorted(m for m in {NOT_ON_THE_REVIEW_PATH!r} if m in sys.modules), "
        f"[n for n in {REPLAY_NAMES!r} if hasattr(sys.modules['studyapp.core.scheduling'], n)], "
        f"{SYNC_TUPLES}"
    )
    assert review_screenshot_run(data, out, "", report) == "0 [] [] []"


def test_search_and_cram_still_work_once_imported_where_used(library: Library) -> None:
    """The lazily imported services answer as before: a search finds cards, a cram session
    over it shows one."""
    from studyapp.services.paths import bundled_decks_dir

    assert library.sync([bundled_decks_dir()]).ok
    found = library.card_search().search("family:safety")
    assert found
    session = library.cram_session("family:safety")
    card = session.next_card()
    assert card is not None
    assert card.card_id in set(found)
    session.close()


# -- the review and summary screens, made when first shown -----------------------------------
def test_the_review_screen_is_made_by_the_first_session_and_shows_the_same_card(
    qtbot: Any, window: Any, synced: Library, clock: Clock
) -> None:
    """S on a window whose review screen was never made makes it: the card, its counts and
    its buttons' intervals are the session's, as with a screen made with the window."""
    assert window._review is None and window._summary is None
    expected = synced.session(clock=clock)
    card = expected.next_card()
    assert card is not None
    counts = expected.counts()
    labels = {r: p.label for r, p in expected.preview(card).items()}
    expected.close()
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    assert window.stack.currentWidget() is review
    assert review.card.card_id == card.card_id
    assert review.session.counts() == counts
    qtbot.keyClick(review, Qt.Key.Key_Space)
    assert {r: p.label for r, p in review.session.preview(review.card).items()} == labels
    assert window.review is review  # made once


def test_review_menu_actions_before_any_session_do_nothing_and_make_no_screen(
    qtbot: Any, window: Any
) -> None:
    study = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Study")
    for action in study.actions():
        if action.text().split("\t")[0] in ("Suspend card", "Bury card until tomorrow",
                                            "Not now", "Card details", "Note on this card",
                                            "Back to decks"):  # fmt: skip
            action.trigger()
    flags = next(a.menu() for a in study.actions() if a.text() == "Flag card")
    flags.actions()[0].trigger()
    assert window._review is None
    assert window.stack.currentWidget() is window.overview


def test_a_review_screen_made_after_a_settings_change_takes_the_new_theme_and_size(
    qtbot: Any, window: Any, synced: Library
) -> None:
    from studyapp.gui.theme import DARK

    window.apply_settings(synced.settings.with_changes(theme="dark", font_size=18))
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    review = window.review
    assert window.colors == DARK
    assert review._colors == DARK
    assert review._font_size == 18


def test_the_summary_is_made_when_a_session_first_ends(qtbot: Any, window: Any) -> None:
    qtbot.keyClick(window.overview, Qt.Key.Key_S)
    assert window._summary is None
    qtbot.keyClick(window.review, Qt.Key.Key_Escape)
    assert window._summary is not None
    assert window.stack.currentWidget() is window.summary
