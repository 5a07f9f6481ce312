"""Imports of a library made before the guard that loads it (the first-import locks of
studyapp.core.sqlalchemyload and studyapp.core.pydanticload): one walk of a module's blocks,
each check giving its guards and what each import needs."""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from pathlib import Path

import studyapp

PACKAGE = Path(studyapp.__file__).parent


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"


def _called(statement: ast.stmt) -> str | None:
    """The function a statement's value calls by name (``load_sqlalchemy()``), if any."""
    call = getattr(statement, "value", None)
    return getattr(call.func, "id", None) if isinstance(call, ast.Call) else None


def _imported(statement: ast.stmt) -> list[str]:
    """The absolute module names an import statement names (none for a relative one)."""
    if isinstance(statement, ast.Import):
        return [alias.name for alias in statement.names]
    if isinstance(statement, ast.ImportFrom) and statement.level == 0:
        return [statement.module or ""]
    return []


def unguarded_imports(
    path: Path,
    *,
    needs: Callable[[str], int],
    guards: Mapping[str, int],
    calls: Mapping[str, int] | None = None,
) -> list[str]:
    """The run-time imports in ``path`` made before their guard in the same block, as
    ``studyapp/...py:line``.

    A block's guard level starts at 0 and rises as its statements run, in order: an import
    of a module in ``guards`` raises it to that module's level, a statement calling a
    function in ``calls`` to that function's. An import of a name is unguarded while the
    level is below ``needs(name)`` (0 for a name that needs no guard). Blocks under ``if
    TYPE_CHECKING:`` never run and are skipped.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = calls or {}
    found: list[str] = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list) or _is_type_checking(node):
            continue
        level = 0
        for statement in body:
            called = _called(statement)
            if called is not None and called in calls:
                level = max(level, calls[called])
                continue
            names = _imported(statement)
            raised = [guards[name] for name in names if name in guards]
            if raised:
                level = max(level, *raised)
            elif any(level < needs(name) for name in names):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{statement.lineno}")
    return found
