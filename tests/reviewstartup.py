"""The window's start-up to the review screen, run as ``studyapp --screenshot`` would run it
in a fresh interpreter, for tests that look at what that start-up loads or opens."""

from __future__ import annotations

import os
from pathlib import Path

from tests.freshpython import fresh_python

ROOT = Path(__file__).resolve().parents[1]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def review_screenshot_run(data: Path, out: Path, setup: str, report: str) -> str:
    """Run ``studyapp --data-dir DATA --screenshot OUT --screen review`` through
    ``studyapp.cli.run`` in a child interpreter, with ``setup`` (Python lines) before it and
    ``report`` (an expression over ``code``, its exit status) printed after it; return the
    printed line, having checked that a PNG was written."""
    script = (
        "import sys\n"
        f"{setup}"
        "import studyapp.cli\n"
        "code = studyapp.cli.run(sys.argv[1:])\n"
        f"print({report})\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    argv = ["--data-dir", str(data), "--screenshot", str(out), "--screen", "review"]
    done = fresh_python("-c", script, *argv, env=env, timeout=120)
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    assert out.read_bytes()[:8] == PNG_SIGNATURE, done.stderr
    return lines[-1]
