"""Authors' editors and ``studyapp validate`` agree, checked with the editors' own server.

``yaml-language-server`` (what VS Code's YAML extension and most other editors run) is driven
over stdio with the settings ``studyapp init`` writes: the deck schema mapped to the decks and
``yamlVersion: "1.1"``, so the editor reads plain values as StudyApp's loader does. For every
file in ``tests/data/parity`` both must report errors on the same lines; a valid deck gets
nothing from either. Run ``.ci/run`` (or see ``tests/yamlls.py``) to install the server.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

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
