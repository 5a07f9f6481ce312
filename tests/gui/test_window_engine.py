"""The window opens its library's engine at once (``Library(engine_now=True)``): it needs
the engine before anything else, so no plain connection is opened and closed on the way
(0.55 ms of CPU an open; ``studyapp sync`` is the one that syncs on a plain connection,
tests/services/test_sync_direct.py)."""

from __future__ import annotations

from pathlib import Path

from studyapp.services.library import Library
from studyapp.store import tally
from tests.reviewstartup import review_screenshot_run


def test_the_windows_start_up_opens_no_plain_connection(tmp_path: Path, deck_dir: Path) -> None:
    data = tmp_path / "data"
    with Library(data) as library:
        assert library.sync([deck_dir]).ok
    out = tmp_path / "review.png"
    setup = (
        "import studyapp.store.database as database\n"
        "made = []\n"
        "plain = database.DirectStore.__init__\n"
        "def counted(self, *args, **kwargs):\n"
        "    made.append(1)\n"
        "    plain(self, *args, **kwargs)\n"
        "database.DirectStore.__init__ = counted\n"
    )
    assert review_screenshot_run(data, out, setup, "code, len(made)") == "0 0"


def test_a_library_with_its_engine_now_is_the_library_as_before(
    tmp_path: Path, deck_dir: Path
) -> None:
    with Library(tmp_path / "data", engine_now=True) as library:
        assert library._direct is None and library._engine is not None
        with library.engine.connect() as conn:  # a new store: the tally's triggers made
            assert tally.tally_kept(conn)
        assert library.sync([deck_dir]).ok
        assert library._direct is None
        assert library.store_pragmas(("journal_mode",)) == {"journal_mode": "wal"}
