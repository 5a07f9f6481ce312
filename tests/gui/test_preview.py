"""The authors' preview re-renders after a save and keeps the last good cards on a bad one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from studyapp.services.preview import DeckPreview


@pytest.fixture
def preview(qtbot: Any, deck_dir: Path) -> Any:
    from studyapp.gui.preview import PreviewWindow

    window = PreviewWindow(DeckPreview([deck_dir]))
    qtbot.addWidget(window)
    window.show()
    return window


def test_preview_lists_every_card_as_trainees_see_it(preview: Any) -> None:
    assert len(preview.state.cards) == 8
    text = preview.view.toPlainText()
    assert "Which receptor do classic psychedelics mainly act on?" in text
    assert "[...]" in text  # the cloze question form
    assert "Zhou 2024, Health Science Journal" in text
    assert preview.problems.count() == 0
    assert preview._header.text() == "8 cards · 0 errors · 0 warnings"


def test_preview_rerenders_after_a_save(qtbot: Any, preview: Any, deck_dir: Path) -> None:
    deck = deck_dir / "sample.yaml"
    with qtbot.waitSignal(preview.reloaded, timeout=5000):
        deck.write_text(deck.read_text().replace("mainly act on?", "act on, above all?"))
    assert "act on, above all?" in preview.view.toPlainText()


def test_preview_follows_saves_that_replace_the_file(
    qtbot: Any, preview: Any, deck_dir: Path
) -> None:
    deck = deck_dir / "sample.yaml"
    temp = deck_dir / ".sample.yaml.swp"
    temp.write_text(deck.read_text().replace("mainly act on?", "act on, replaced?"))
    with qtbot.waitSignal(preview.reloaded, timeout=5000):
        os.replace(temp, deck)  # how many editors save
    assert "act on, replaced?" in preview.view.toPlainText()
    with qtbot.waitSignal(preview.reloaded, timeout=5000):
        deck.write_text(deck.read_text().replace("replaced?", "replaced twice?"))
    assert "replaced twice?" in preview.view.toPlainText()


def test_broken_save_shows_errors_and_keeps_the_last_good_cards(
    qtbot: Any, preview: Any, deck_dir: Path
) -> None:
    deck = deck_dir / "sample.yaml"
    with qtbot.waitSignal(preview.reloaded, timeout=5000):
        deck.write_text(
            deck.read_text().replace("    back: The NMDA glutamate receptor.\n", "    bak: x\n")
        )
    items = [preview.problems.item(i).text() for i in range(preview.problems.count())]
    assert items == [
        f"{deck}:24:5: error: card 's-nmda': missing required field 'back'",
        f"{deck}:26:5: error: card 's-nmda': unknown field 'bak' (did you mean 'back'?)",
    ]
    assert len(preview.state.cards) == 8 and preview.state.stale == [str(deck)]
    assert preview._header.text() == (
        "8 cards · 2 errors · 0 warnings · showing the last good version of 1 file(s)"
    )
    assert "Which receptor does ketamine block?" in preview.view.toPlainText()
    # double-clicking a problem jumps to the card at that line
    preview._on_problem_activated(preview.problems.item(0))
    assert preview.statusBar().currentMessage() == f"{deck}:24:5"
    assert preview.card_at(str(deck), 24) == "s-nmda--fwd"


def test_preview_shows_a_course_made_by_init(qtbot: Any, tmp_path: Path) -> None:
    """``studyapp preview DIR`` on a new course: every example card, the picture drawn, no
    problem; a broken image reference then shows in its card, as one error."""
    from studyapp.gui.preview import PreviewWindow
    from studyapp.services.scaffold import init_course

    course = tmp_path / "seminar"
    init_course(course)
    window = PreviewWindow(DeckPreview([course]))
    qtbot.addWidget(window)
    window.show()
    assert window._header.text() == "9 cards · 0 errors · 0 warnings"
    text = window.view.toPlainText()
    assert "What are the three phases of a course of psychedelic-assisted therapy" in text
    assert "(Mitchell et al., 2021)" in text and "[@" not in text
    assert "Image not shown" not in text
    deck = course / "decks" / "basic-cards.yaml"
    with qtbot.waitSignal(window.reloaded, timeout=5000):
        deck.write_text(deck.read_text().replace("therapy-arc.svg", "therapy-arc-v2.svg"))
    assert window._header.text() == "9 cards · 1 error · 0 warnings"
    assert "Image not shown: the image '../images/therapy-arc-v2.svg' is not there" in (
        window.view.toPlainText()
    )


def test_preview_follows_a_save_of_the_course_file(qtbot: Any, tmp_path: Path) -> None:
    # course.yaml was not watched: an author who broke (or fixed) a module there saw the
    # preview's problems change only at the next save of a deck.
    from studyapp.gui.preview import PreviewWindow
    from studyapp.services.scaffold import init_course

    course = tmp_path / "seminar"
    init_course(course)
    preview = DeckPreview([course / "decks"])
    assert course / "course.yaml" in preview.watched_files()
    window = PreviewWindow(preview)
    qtbot.addWidget(window)
    window.show()
    assert window._header.text() == "9 cards · 0 errors · 0 warnings"
    course_file = course / "course.yaml"
    with qtbot.waitSignal(window.reloaded, timeout=5000):
        # written in place, as VS Code saves: no folder entry changes
        with course_file.open("r+", encoding="utf-8") as handle:
            text = handle.read().replace("Getting started}", "Getting started, release: x}")
            handle.seek(0)
            handle.write(text)
            handle.truncate()
    assert "error" in window._header.text() and "0 errors" not in window._header.text()


def test_a_course_folder_that_goes_away_is_explained_and_comes_back(
    qtbot: Any, tmp_path: Path
) -> None:
    # A course folder moved or deleted under the preview was 'course:1:1: error: no such
    # file' (the OS's words, as if a deck file were meant); the author is told the folder
    # is gone and what to do, and the preview recovers when it is put back.
    from studyapp.gui.preview import PreviewWindow
    from studyapp.services.scaffold import init_course

    course = tmp_path / "work" / "seminar"
    init_course(course)
    window = PreviewWindow(DeckPreview([course]))
    qtbot.addWidget(window)
    window.show()
    assert window._header.text() == "9 cards · 0 errors · 0 warnings"
    moved = tmp_path / "seminar-moved"
    with qtbot.waitSignal(window.reloaded, timeout=5000):
        course.rename(moved)
    qtbot.waitUntil(lambda: window.problems.count() == 1, timeout=5000)
    assert window._header.text() == "0 cards · 1 error · 0 warnings"
    assert window.problems.item(0).text() == (
        f"{course}:1:1: error: this folder is gone (moved, renamed or deleted): put it back "
        "and the preview shows it again, or preview the folder where it is now"
    )
    with qtbot.waitSignal(window.reloaded, timeout=5000):
        moved.rename(course)
    qtbot.waitUntil(lambda: window._header.text() == "9 cards · 0 errors · 0 warnings")
    assert window.problems.count() == 0
    shutil.copytree(course, moved)  # deleted, then restored from a copy
    with qtbot.waitSignal(window.reloaded, timeout=5000):
        shutil.rmtree(course)
    qtbot.waitUntil(lambda: window._header.text() == "0 cards · 1 error · 0 warnings")
    assert "this folder is gone" in window.problems.item(0).text()
    with qtbot.waitSignal(window.reloaded, timeout=5000):
        shutil.copytree(moved, course)
    qtbot.waitUntil(lambda: window._header.text() == "9 cards · 0 errors · 0 warnings")


def test_a_course_previewed_as_dot_is_named_and_seen_to_go(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `studyapp preview .` in the course: the window was titled 'StudyApp preview · ' (the
    # name of '.'), and once the folder was deleted the next reload raised FileNotFoundError
    # (the working folder gone) instead of saying the folder is gone.
    from studyapp.gui.preview import PreviewWindow
    from studyapp.services.scaffold import init_course

    course = tmp_path / "seminar"
    init_course(course)
    monkeypatch.chdir(course)
    window = PreviewWindow(DeckPreview([Path(".")]))
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == "StudyApp preview · seminar"
    assert window._header.text() == "9 cards · 0 errors · 0 warnings"
    shutil.rmtree(course)
    window.reload()
    assert window._header.text() == "0 cards · 1 error · 0 warnings"
    assert "this folder is gone" in window.problems.item(0).text()
