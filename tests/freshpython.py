"""Python run in a fresh interpreter, for tests that look at what a process imports, loads or
prints from its start (the tests' own process has imported it all already)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def fresh_python(
    *argv: str,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    check: bool = False,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python *argv`` (``"-c", code, *args`` or ``"-m", module, *args``) with this
    interpreter, its output captured as text.

    ``env``, ``timeout``, ``check`` and ``cwd`` are :func:`subprocess.run`'s, with its
    defaults: no ``env`` inherits this process's environment (its ``PYTHONPATH`` with it),
    no ``timeout`` waits as long as the child runs."""
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=check,
        cwd=cwd,
    )
