"""Authors' editors and ``studyapp validate`` agree, checked with the editors' own server.

``yaml-language-server`` (what VS Code's YAML extension and most other editors run) is driven
over stdio with the settings ``studyapp init`` writes: the deck schema mapped to the decks and
``yamlVersion: "1.1"``, so the editor reads plain values as StudyApp's loader does. For every
file in ``tests/data/parity`` both must report errors on the same lines; a valid deck gets
nothing from either. Run ``.ci/run`` (or see ``tests/yamlls.py``) to install the server.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from studyapp.services.paths import resources_dir
from studyapp.services.validate import validate_paths
from tests.yamlls import YamlLanguageServer, find_server, install_hint

PARITY = Path(__file__).resolve().parents[1] / "data" / "parity"
FILES = sorted(PARITY.glob("*.yaml"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(PARITY, root / "decks")
    shutil.copy(resources_dir() / "deck.schema.json", root / "deck.schema.json")
    return root


def _server(root: Path, version: str) -> YamlLanguageServer:
    command = find_server()
    if command is None:
        pytest.fail(install_hint())
    schema = (root / "deck.schema.json").as_uri()
    return YamlLanguageServer(
        command, root, {"schemas": {schema: ["decks/*.yaml"]}, "yamlVersion": version}
    )


@pytest.fixture(scope="module")
def editor(workspace: Path) -> Iterator[YamlLanguageServer]:
    server = _server(workspace, "1.1")
    yield server
    server.close()


def test_the_corpus_covers_every_kind_of_problem() -> None:
    assert {p.name for p in FILES} == {
        "cards.yaml",
        "duplicate-key.yaml",
        "newer-version.yaml",
        "valid.yaml",
    }


def _entries(path: Path, lines: set[int]) -> set[int]:
    """The entries ``lines`` fall in: the line each card starts on (``  - id:``), 0 for
    the lines before the first card."""
    starts = [
        number
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if text.startswith("  - ")
    ]
    return {max((s for s in starts if s <= line), default=0) for line in lines}


@pytest.mark.parametrize("name", [p.name for p in FILES])
def test_editor_and_validator_find_errors_in_the_same_entries(
    name: str, workspace: Path, editor: YamlLanguageServer
) -> None:
    """Every card (and the header) the validator reports an error in, the editor does too,
    and no other: the same verdict per entry. (For a cloze card without ``type`` the editor
    adds "missing front/back" at the card's first line; the validator says once what to add.)"""
    path = workspace / "decks" / name
    validator = {p.line for p in validate_paths([path]).problems if p.is_error}
    in_editor = {d.line for d in editor.diagnostics(path) if d.severity == 1}
    assert validator <= in_editor, f"validator only: {sorted(validator - in_editor)}"
    assert _entries(path, in_editor) == _entries(path, validator)
    if name == "valid.yaml":
        assert validator == set()
    else:
        assert validator


def test_editor_and_validator_agree_on_the_columns_of_card_problems(
    workspace: Path, editor: YamlLanguageServer
) -> None:
    path = workspace / "decks" / "cards.yaml"
    validator = {(p.line, p.column) for p in validate_paths([path]).problems}
    in_editor = {(d.line, d.column) for d in editor.diagnostics(path)}
    assert validator <= in_editor, sorted(validator - in_editor)


def test_hover_on_type_describes_all_three(workspace: Path, editor: YamlLanguageServer) -> None:
    path = workspace / "decks" / "valid.yaml"
    editor.diagnostics(path)  # opens it
    text = editor.hover(path, 14, 6)  # "    type: reversed"
    assert "Type" in text
    for kind in ("basic", "reversed", "cloze"):
        assert kind in text
    assert "front is the question" in text


def test_completion_offers_all_three_types(workspace: Path, editor: YamlLanguageServer) -> None:
    path = workspace / "decks" / "completion.yaml"
    text = (PARITY / "valid.yaml").read_text(encoding="utf-8") + "  - id: new\n    type: \n"
    editor.diagnostics(path, text)
    line = text.count("\n")  # the last line, "    type: "
    assert {"basic", "reversed", "cloze"} <= set(editor.completion(path, line, 11))


def test_without_yaml_1_1_the_editor_misses_what_the_validator_reports(workspace: Path) -> None:
    """Why the editor settings ask for YAML 1.1: read as YAML 1.2, ``front: yes`` is text
    and the editor says nothing, while StudyApp reads a boolean (and the validator says to
    quote it)."""
    server = _server(workspace, "1.2")
    try:
        path = workspace / "decks" / "cards.yaml"
        lines = {d.line for d in server.diagnostics(path)}
    finally:
        server.close()
    validator = {p.line for p in validate_paths([path]).problems}
    assert {23, 24} <= validator  # front: yes, back: no
    assert not {23, 24} & lines


# -- a course made by ``studyapp init``, in the editor its settings configure ----------------
def _editor_settings(course: Path) -> dict[str, object]:
    """The ``yaml`` section of the course's ``.vscode/settings.json``, as VS Code hands it to
    the server (``"yaml.format.printWidth": 100`` becomes ``{"format": {"printWidth": 100}}``)."""
    flat = json.loads((course / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        if not key.startswith("yaml."):
            continue
        *parents, last = key.split(".")[1:]
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return nested


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, YamlLanguageServer]]:
    from studyapp.services.scaffold import init_course

    course = tmp_path_factory.mktemp("init") / "seminar"
    init_course(course)
    command = find_server()
    if command is None:
        pytest.fail(install_hint())
    server = YamlLanguageServer(command, course, _editor_settings(course))
    yield course, server
    server.close()


def _without_modeline(path: Path) -> str:
    """The file without its ``# yaml-language-server: $schema=`` line: only the editor
    settings then map the schema."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith("# yaml-language-server:"))


def test_the_scaffold_is_clean_in_the_editor_as_in_the_validator(
    scaffold: tuple[Path, YamlLanguageServer],
) -> None:
    course, editor = scaffold
    files = sorted(course.glob("decks/*.yaml")) + [course / "sources.yaml", course / "course.yaml"]
    assert len(files) == 5
    assert validate_paths([course]).problems == []
    for path in files:
        assert editor.diagnostics(path) == [], path.name
        assert editor.diagnostics(path, _without_modeline(path)) == [], path.name


def test_the_course_file_is_checked_by_its_schema_in_the_editor(
    scaffold: tuple[Path, YamlLanguageServer],
) -> None:
    """The settings map course.yaml to the course schema: a module without its title is
    flagged in the editor, as the validator refuses it."""
    course, editor = scaffold
    path = course / "course.yaml"
    text = path.read_text(encoding="utf-8")
    broken = text.replace("{number: 1, title: Getting started}", "{number: 1}")
    assert broken != text
    found = editor.diagnostics(path, broken)
    assert any("title" in repr(d) for d in found), found


def test_the_scaffold_settings_alone_map_the_schema(
    scaffold: tuple[Path, YamlLanguageServer],
) -> None:
    """Without the modeline the settings still give hover (all three types) and errors at
    the validator's places: an unknown field, a missing one, YAML 1.1's ``yes``, a cloze
    card without its ``type``."""
    course, editor = scaffold
    deck = course / "decks" / "basic-cards.yaml"
    text = _without_modeline(deck)
    lines = text.splitlines()
    editor.diagnostics(deck, text)
    type_line = next(n for n, t in enumerate(lines, 1) if t.strip().startswith("type: basic"))
    hover = editor.hover(deck, type_line, 6)
    assert all(kind in hover for kind in ("basic", "reversed", "cloze")), hover
    broken = (
        text.replace("    front: What are", "    fornt: What are").replace(
            "back: Preparation, the dosing session, and integration.", "back: yes"
        )
        + "\n  - id: seminar-cloze-without-type\n"
        + "    text: MAPP1 randomised {{c1::90}} participants.\n"
        + "    source: [zhou2024]\n"
    )
    in_editor = {d.line for d in editor.diagnostics(deck, broken) if d.severity == 1}
    copy = course / "broken" / "basic-cards.yaml"
    copy.parent.mkdir(exist_ok=True)
    copy.write_text(broken, encoding="utf-8")
    try:
        validator = {p.line for p in validate_paths([copy]).problems if p.is_error}
    finally:
        copy.unlink()
        copy.parent.rmdir()
    assert validator <= in_editor, f"validator only: {sorted(validator - in_editor)}"
    starts = [n for n, t in enumerate(broken.splitlines(), 1) if t.startswith("  - ")]

    def entries(found: set[int]) -> set[int]:
        return {max((s for s in starts if s <= line), default=0) for line in found}

    assert entries(in_editor) == entries(validator)
    assert len(entries(validator)) == 2  # the edited card and the cloze card
