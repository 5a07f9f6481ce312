"""benchmarks/display_probe.py times the real command's start-up, in the command's order."""

from __future__ import annotations

import ast
from pathlib import Path

PROBE = Path(__file__).resolve().parent.parent / "benchmarks" / "display_probe.py"


def _positions(tree: ast.Module) -> tuple[int, int]:
    """Line of the probe's xcbcheck.start() call and of its `import studyapp.app`."""
    start_line = app_line = 0
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "start"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "xcbcheck"
        ):
            start_line = node.lineno
        if isinstance(node, ast.Import) and any(a.name == "studyapp.app" for a in node.names):
            app_line = node.lineno
    return start_line, app_line


def test_the_probe_starts_the_xcb_check_before_the_gui_modules_as_the_command_does() -> None:
    # cli._gui starts ldd before importing studyapp.app, so it runs while the GUI imports;
    # a probe importing studyapp.app first made the first frame wait for the whole ldd.
    start_line, app_line = _positions(ast.parse(PROBE.read_text()))
    assert app_line, "the probe no longer imports studyapp.app"
    assert start_line, "the probe does not start the xcb check"
    assert start_line < app_line
