"""The start-up to the first card (issue 19): what the review screen's start loads, and
that the window's lazily made parts still answer at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from studyapp.services.library import Library

ROOT = Path(__file__).resolve().parents[2]

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
)
"""Modules the start-up to the first card does not need (the search grammar and index,
cram, the browser, the details and optimize dialogs, the statistics screen): each is
imported where it is first used (importing the services 73 -> 64 ms CPU, peak RSS
105.0 -> 103.9 MB at 200,000 notes)."""


def test_the_review_screens_start_up_loads_no_search_browser_or_dialogs(
    tmp_path: Path, deck_dir: Path
) -> None:
    data = tmp_path / "data-review"
    with Library(data) as library:  # synced before: the start-up's sync changes nothing
        assert library.sync([deck_dir]).ok
        library.add_folder(deck_dir)
        assert library.sync().ok
    out = tmp_path / "review.png"
    script = (
        "import sys\n"
        "import studyapp.cli\n"
        "code = studyapp.cli.run(sys.argv[1:])\n"
        f"print(code, sorted(m for m in {NOT_ON_THE_REVIEW_PATH!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    argv = ["--data-dir", str(data), "--screenshot", str(out), "--screen", "review"]
    done = subprocess.run(
        [sys.executable, "-c", script, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


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
