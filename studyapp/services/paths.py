"""Where things are: the bundled decks and resources, and the user's data folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = [
    "DATA_DIR_ENV",
    "bundled_decks_dir",
    "bundled_sources_file",
    "default_data_dir",
    "resources_dir",
]

DATA_DIR_ENV = "STUDYAPP_DATA_DIR"
_PACKAGE = Path(__file__).resolve().parent.parent


def _bundled(name: str) -> Path:
    # A wheel carries decks/ and resources/ inside the package (see pyproject's
    # force-include); a checkout or editable install has them beside the package.
    inside = _PACKAGE / "_bundled" / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def bundled_decks_dir() -> Path:
    """The folder of decks shipped with StudyApp."""
    return _bundled("decks")


def resources_dir() -> Path:
    """The folder of shipped resources (bibliography, schema, style sheets)."""
    return _bundled("resources")


def bundled_sources_file() -> Path:
    """The bibliography every deck's source ids resolve against."""
    return resources_dir() / "sources.yaml"


def default_data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: ``override``, else ``$STUDYAPP_DATA_DIR``, else the platform's."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("StudyApp", appauthor=False))
