"""`python -m studyapp` runs the command-line entry point."""

from studyapp.cli import run

raise SystemExit(run())
