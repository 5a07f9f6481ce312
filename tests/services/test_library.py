"""The library remembers deck folders and picks up edited decks on the next start."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.pool import QueuePool

from studyapp.cli import main
from studyapp.services.library import Library, ScopeChoice
from studyapp.services.paths import bundled_decks_dir
from studyapp.services.study import StudyScope
from tests.freshpython import fresh_python


def test_sync_path_remembers_the_folder_and_next_start_picks_up_edits(
    tmp_path: Path, deck_dir: Path
) -> None:
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "sync", str(deck_dir)]) == 0
    deck = deck_dir / "terms.yaml"
    deck.write_text(
        deck.read_text().replace(
            "Psychedelic-assisted therapy", "Psychedelic-assisted therapy (PAT)"
        )
    )
    with Library(data) as library:  # "the next start"
        assert library.folders() == [deck_dir.resolve()]
        assert library.default_sources() == [bundled_decks_dir(), deck_dir.resolve()]
        plan = library.sync()
        assert plan.ok and plan.updated == ["s-pat"]
        assert str(deck.resolve()) in plan.files_read


def test_trainee_notes_are_kept_through_updates_and_can_be_cleared(
    library: Library, deck_dir: Path
) -> None:
    library.sync([deck_dir])
    library.set_user_note("s-nmda", "ketamine: NMDA")
    deck = deck_dir / "sample.yaml"
    deck.write_text(
        deck.read_text().replace("Which receptor does ketamine block?", "What does ketamine block?")
    )
    assert library.sync([deck_dir]).updated == ["s-nmda"]
    assert library.user_note("s-nmda") == "ketamine: NMDA"
    library.set_user_note("s-nmda", "  ")
    assert library.user_note("s-nmda") == ""


def test_overview_groups_families_in_course_order(library: Library, deck_dir: Path) -> None:
    library.sync([deck_dir])
    overview = library.overview()
    assert [f.id for f in overview.families] == ["mechanisms", "terms"]
    assert overview.families[0].counts.new == 6
    assert overview.due_today.new == 8 and overview.reviews_total == 0


def test_the_overview_opens_one_database_connection(library: Library, deck_dir: Path) -> None:
    """Each SQLite connection keeps its own page cache (up to 2 MB): the overview's queries
    and its study counts share one."""
    library.sync([deck_dir])
    library.engine.dispose()  # start from an empty pool
    library.overview()
    pool = library.engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedout() == 0
    assert pool.checkedin() == 1


def test_a_scope_choice_names_the_decks_and_title_a_session_studies(
    library: Library, deck_dir: Path
) -> None:
    library.sync([deck_dir])
    assert library.scope(ScopeChoice.everything()) == StudyScope()
    assert library.scope(ScopeChoice.family("terms")) == StudyScope(("sample-terms",), "Terms")
    assert library.scope(ScopeChoice.deck("sample-mechanisms")) == StudyScope(
        ("sample-mechanisms",), "Sample mechanisms"
    )


def test_overview_rows_stay_within_the_all_decks_daily_limits(library: Library) -> None:
    """As Anki's deck list: a family (or a deck) never shows more new cards than the whole
    collection gives today, which the header says."""
    assert library.sync([bundled_decks_dir()]).ok
    library.update_settings(library.settings.with_changes(new_per_day=12))
    overview = library.overview()
    assert overview.due_today.new == 12
    mechanisms = next(f for f in overview.families if f.id == "mechanisms")
    assert sum(d.counts.new for d in mechanisms.decks) > 12  # more are waiting
    assert mechanisms.today.new == 12
    assert all(d.today.new <= 12 for f in overview.families for d in f.decks)


OVERVIEW_MODULES = (
    "studyapp.services.overview",
    "studyapp.services.settings",
    "studyapp.services.today",
    "studyapp.store.presets",
)


def test_a_first_import_never_loads_the_overview_or_the_settings(
    tmp_path: Path, deck_dir: Path
) -> None:
    # ``studyapp sync`` into a new store reads neither: the library imports them where the
    # overview or the settings are first used (issue 19: ~6 ms of the import's CPU).

    script = (
        "import sys\n"
        "from studyapp.cli import main\n"
        f"code = main(['--data-dir', {str(tmp_path / 'data')!r}, 'sync', {str(deck_dir)!r}])\n"
        f"print(code, *(m in sys.modules for m in {OVERVIEW_MODULES!r}))\n"
    )
    run = fresh_python("-c", script)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[-5:] == ["0", "False", "False", "False", "False"], run.stdout


def test_the_overview_and_settings_loaded_when_used_give_the_same_answers(
    library: Library, deck_dir: Path
) -> None:
    # The names the library re-exports are the overview's own, and its overview and
    # settings are those read directly.
    import studyapp.services.library as library_module
    from studyapp.core.studyday import utc_now
    from studyapp.services import overview
    from studyapp.services.settings import load_settings
    from studyapp.store.database import pooled_connection

    for name in ("DeckSummary", "FamilySummary", "ModuleSummary", "Overview", "ScopeKind"):
        assert getattr(library_module, name) is getattr(overview, name)
    assert ScopeChoice is overview.ScopeChoice
    library.sync([deck_dir])
    assert library.settings == load_settings(library.engine)
    now = utc_now()
    with pooled_connection(library.engine) as db:
        direct = overview.read_overview(db, library.settings, now)
    assert direct.families and library.overview(now) == direct
    assert library.scope(ScopeChoice.everything()) == StudyScope()
