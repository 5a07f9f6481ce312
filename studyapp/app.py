"""Composition root of the desktop app (filled in by the GUI work)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    print("studyapp: the study window is not built yet; use 'studyapp --help'", file=sys.stderr)
    return 2
