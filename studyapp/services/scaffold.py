"""``studyapp init DIR``: a course repository that checks itself.

The files come from ``resources/course-template`` (``dot-`` at the start of a name stands
for ``.``: ``dot-gitignore`` is ``.gitignore``), with the course's id and title put in, plus
what is copied from StudyApp itself when the course is made, so it never goes stale in the
template: the schemas the editor settings map (``schemas/``), the bibliography entries the
example decks name, and the diagram one example card shows.

Nothing is ever overwritten: a folder that is not empty is refused unless ``force`` is
given, and then only the files not yet there are written (each one atomically, and only if
nothing appeared under its name meanwhile).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from studyapp import __version__
from studyapp.core.errors import KnownError
from studyapp.core.outfile import write_output
from studyapp.core.printable import printable
from studyapp.services.paths import bundled_decks_dir, bundled_sources_file, resources_dir

__all__ = ["InitError", "Scaffold", "course_files", "course_id", "init_course"]

TEMPLATE = "course-template"
EXAMPLE_SOURCES = ("zhou2024", "consensus_nd", "feduccia2018", "mitchell2021")
"""The bibliography entries the example decks name, copied from StudyApp's own."""
EXAMPLE_IMAGE = "therapy-arc.svg"
"""The bundled diagram the example basic card shows."""
IGNORED = frozenset({".git"})
"""What a folder may hold and still count as empty (``git init`` first is fine)."""


class InitError(KnownError):
    """The course cannot be made there; one sentence says why."""


@dataclass
class Scaffold:
    """What :func:`init_course` did: the files written and those already there (kept)."""

    folder: Path
    course_id: str
    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def course_id(name: str) -> str:
    """A deck-id-shaped slug of ``name`` (the folder's name): ``My Course`` -> ``my-course``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return slug or "course"


def _bundled_entries(ids: tuple[str, ...]) -> str:
    """The entries ``ids`` of the bundled bibliography, as written there (with their notes),
    in the order given."""
    lines = bundled_sources_file().read_text(encoding="utf-8").splitlines()
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        match = re.match(r"  - id: (\S+)\s*$", line)
        if match:
            current = blocks.setdefault(match[1], [])
        elif current is not None and not line.startswith("    "):
            current = None  # a blank line, a comment or the end of the list
        if current is not None:
            current.append(line)
    missing = [i for i in ids if i not in blocks]
    if missing:
        raise InitError(f"StudyApp's bibliography lacks {', '.join(missing)}; reinstall StudyApp")
    return "\n".join(line for i in ids for line in blocks[i])


def course_files(cid: str, title: str) -> dict[str, bytes]:
    """Every file of a new course, by its path relative to the course folder."""
    template = resources_dir() / TEMPLATE
    values = {
        "@@ID@@": cid,
        "@@TITLE@@": title,
        "@@TITLE_YAML@@": json.dumps(title, ensure_ascii=False),
        "@@PIP_SPEC@@": f"studyapp=={__version__}",
        "@@BUNDLED_ENTRIES@@": _bundled_entries(EXAMPLE_SOURCES),
    }
    files: dict[str, bytes] = {}
    for path in sorted(template.rglob("*")):
        if not path.is_file():
            continue
        parts = path.relative_to(template).parts
        name = "/".join("." + p[4:] if p.startswith("dot-") else p for p in parts)
        text = path.read_text(encoding="utf-8")
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        files[name] = text.encode("utf-8")
    for schema in ("deck.schema.json", "bibliography.schema.json", "course.schema.json"):
        files[f"schemas/{schema}"] = (resources_dir() / schema).read_bytes()
    files[f"images/{EXAMPLE_IMAGE}"] = (bundled_decks_dir() / "images" / EXAMPLE_IMAGE).read_bytes()
    return dict(sorted(files.items()))


def _contents(folder: Path) -> list[str]:
    try:
        return sorted(p.name for p in folder.iterdir() if p.name not in IGNORED)
    except OSError as exc:
        raise InitError(f"cannot read {printable(str(folder))}: {exc.strerror or exc}") from exc


def init_course(folder: Path, *, title: str | None = None, force: bool = False) -> Scaffold:
    """Make a course in ``folder`` (created if missing).

    Raises:
        InitError: ``folder`` is a file, or not empty and ``force`` is not given.
        OutputFileError: a file could not be written (the files written before it stay).
    """
    shown = printable(str(folder))
    if folder.exists() and not folder.is_dir():
        raise InitError(f"{shown} is a file, not a folder")
    if folder.is_dir() and not force:
        there = _contents(folder)
        if there:
            listed = ", ".join(there[:3]) + (", ..." if len(there) > 3 else "")
            raise InitError(
                f"{shown} is not empty ({listed}); give --force to add the course's files "
                "beside what is there (no file is ever overwritten)"
            )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InitError(f"cannot make {shown}: {exc.strerror or exc}") from exc
    name = folder.resolve().name
    cid = course_id(name)
    done = Scaffold(folder, cid)
    for relative, data in course_files(cid, title or name).items():
        target = folder / relative
        if target.exists() or target.is_symlink():
            done.kept.append(target)
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            where = printable(str(target.parent))
            raise InitError(f"cannot make the folder {where}: {exc.strerror or exc}") from exc
        write_output(target, data, replace=False)
        done.created.append(target)
    return done
