"""``studyapp report -o FILE.pdf``: a real PDF of one or two pages, written atomically."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from studyapp.cli import main
from studyapp.services.library import Library
from tests.conftest import T0
from tests.freshpython import fresh_python
from tests.statslog import Log, at


@pytest.fixture
def data(tmp_path: Path, deck_dir: Path) -> Path:
    folder = tmp_path / "data"
    with Library(folder) as library:
        assert library.sync([deck_dir]).ok
        log = Log(library)
        card = log.cards()[0]
        log.answer(card, at(T0, days=-3))
        log.state(card, due=at(T0, days=20), last_review=at(T0, days=-3))
        log.close()
    return folder


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def test_report_writes_a_pdf_of_one_or_two_pages(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.pdf"
    args = ["--data-dir", str(data), "report", "-o", str(out), "--exam-date", "2031-01-01"]
    assert main(args) == 0
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert 1 <= pages(pdf) <= 2
    said = capsys.readouterr().out
    assert said == f"report: wrote {out} ({pages(pdf)} page{'s' if pages(pdf) > 1 else ''})\n"
    # The title, in the PDF's XMP metadata (plain UTF-8): readable without a PDF library.
    assert b"<x:xmpmeta" in pdf and b"StudyApp progress report: All decks" in pdf


def test_the_report_command_prints_nothing_but_its_line(data: Path, tmp_path: Path) -> None:
    """Qt's offscreen platform said "This plugin does not support propagateSizeHints()" on
    stderr for each chart drawn (so an error was three lines, not one)."""
    import os

    out = tmp_path / "report.pdf"
    args = ["--data-dir", str(data), "report", "-o", str(out), "--exam-date", "2031-01-01"]
    done = fresh_python("-m", "studyapp", *args, env=dict(os.environ), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith(f"report: wrote {out}")


def test_a_family_report(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "terms.pdf"
    assert main(["--data-dir", str(data), "report", "-o", str(out), "--family", "terms"]) == 0
    assert b"StudyApp progress report: Terms" in out.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--exam-date", "soon"], "the exam date must look like 2026-06-30"),
        (["--family", "nope"], "no family 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_exit_two(
    data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    out = tmp_path / "r.pdf"
    assert main(["--data-dir", str(data), "report", "-o", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not out.exists()


def test_a_folder_or_a_link_is_not_overwritten(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "kept.txt"
    target.write_text("keep me")
    link = tmp_path / "link.pdf"
    link.symlink_to(target)
    assert main(["--data-dir", str(data), "report", "-o", str(link)]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert target.read_text() == "keep me"
    assert main(["--data-dir", str(data), "report", "-o", str(tmp_path)]) == 2
    assert "folder" in capsys.readouterr().err


def report_html(data: Path) -> str:
    from datetime import date
    from zoneinfo import ZoneInfo

    from studyapp.gui.report import _document
    from studyapp.gui.theme import LIGHT
    from studyapp.services.progress import collect_report
    from studyapp.services.stats import Statistics

    with Library(data) as library:
        stats = Statistics(library.engine, library.settings, clock=lambda: T0, tz=ZoneInfo("UTC"))
        report = collect_report(stats, stats.resolve(), date(2026, 4, 1))
    return _document(report, LIGHT)


def test_without_modules_coverage_is_by_family_and_deck_and_says_so(data: Path) -> None:
    html = report_html(data)
    assert "The course defines no modules (course.yaml)" in html
    assert "<b>Mechanisms</b>" in html and "&nbsp;&nbsp;Sample mechanisms" in html
    assert "Coverage by module" not in html
    assert "desired retention 90%, critical cards 95%" in html


def test_the_readiness_model_is_explained_without_a_path_into_the_repository(
    data: Path,
) -> None:
    """The report ended its model's sentence with '(docs/readiness.md)': a file of StudyApp's
    source tree that a supervisor reading the PDF, or a trainee with the installed app, has
    no way to open."""
    html = report_html(data)
    assert "Model: FSRS predicts each learned card's recall" in html
    assert "docs/" not in html and ".md" not in html


def test_with_modules_the_report_gives_coverage_per_module(data: Path) -> None:
    import sqlite3

    db = sqlite3.connect(data / "studyapp.sqlite3")
    db.execute("UPDATE note SET module = 1 WHERE deck_id = 'sample-mechanisms'")
    db.execute(
        "INSERT INTO course_module (course, number, title) VALUES "
        "('c', 1, 'Foundations'), ('c', 2, 'Module 2')"
    )
    db.commit()
    db.close()
    html = report_html(data)
    assert "Coverage by module" in html and "Coverage by family" in html
    # Module 1: the six mechanisms cards, the one answered card started; module 2 has no
    # cards yet; the two terms cards are in none.
    rows = re.findall(r'<td align="left">([^<]+)</td><td align="right">([^<]+)</td>', html)
    found = dict(rows)
    assert found["Module 1: Foundations"] == "6"
    assert found["Module 2"] == "0"
    assert found["In no module"] == "2"
    assert "1 (17%)" in html  # 1 of the 6 started


def test_a_deck_under_its_family_is_listed_without_the_familys_name(
    tmp_path: Path, deck_dir: Path
) -> None:
    """'Mechanisms' > 'Mechanisms: sample' said the family twice in the report's coverage and
    readiness tables and in the plain statistics' readiness, as the overview by family did
    before it dropped the repeat (services.families.deck_title_in_family)."""
    from datetime import date
    from zoneinfo import ZoneInfo

    from studyapp.gui.report import _document
    from studyapp.gui.theme import LIGHT
    from studyapp.services.progress import collect, collect_report, progress_lines
    from studyapp.services.stats import Statistics

    deck = deck_dir / "sample.yaml"
    deck.write_text(
        deck.read_text(encoding="utf-8").replace(
            "title: Sample mechanisms", "title: 'Mechanisms: sample deck'"
        ),
        encoding="utf-8",
    )
    with Library(tmp_path / "data") as library:
        assert library.sync([deck_dir]).ok
        stats = Statistics(library.engine, library.settings, clock=lambda: T0, tz=ZoneInfo("UTC"))
        html = _document(collect_report(stats, stats.resolve(), date(2026, 4, 1)), LIGHT)
        lines = progress_lines(collect(stats, stats.resolve(), date(2026, 4, 1)))
    assert "Mechanisms: sample deck" not in html
    assert html.count("&nbsp;&nbsp;Sample deck<") == 2  # coverage and readiness
    assert "&nbsp;&nbsp;Sample terms<" in html  # a title without the family's name stays
    assert not any("Mechanisms: sample deck" in line for line in lines)
    assert any(line.startswith("    Sample deck ") for line in lines)


def test_the_report_command_loads_no_window(data: Path, tmp_path: Path) -> None:
    """The report draws its pages offscreen and needs no main window: importing it through
    studyapp.app was 33 M instructions of the report at 200,000 cards (callgrind)."""
    import json

    out = tmp_path / "report.pdf"
    spy = (
        "import json, sys\n"
        "from studyapp.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(json.dumps({'code': code, 'window': sorted(m for m in sys.modules "
        "if m in ('studyapp.app', 'studyapp.gui.mainwindow'))}), file=sys.stderr)\n"
    )
    args = ["--data-dir", str(data), "report", "-o", str(out), "--exam-date", "2031-01-01"]
    done = fresh_python("-c", spy, *args, timeout=120)
    assert json.loads(done.stderr.strip().splitlines()[-1]) == {"code": 0, "window": []}
    assert pages(out.read_bytes()) >= 1
