"""User settings, stored as JSON rows in the database and applied immediately."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import msgspec
from msgspec.structs import asdict, fields, force_setattr, replace

from studyapp.core.retention import RETENTION_RANGE
from studyapp.store.plain import Db
from studyapp.store.presets import default_preset
from studyapp.store.queries import setting_rows

if TYPE_CHECKING:
    from studyapp.core.scheduling import SchedulerConfig
    from studyapp.store.database import Engine

# No SQLAlchemy at import (the store's engine modules are imported where they are used):
# the start-up's first frame reads the settings on a plain sqlite3 connection. Nor the FSRS
# engine (studyapp.core.scheduling, fsrs_rs_python): imported where parameters are checked
# or used, so settings without fitted parameters are read without it (~6 ms of CPU before
# the window's first frame, issue 19).

__all__ = [
    "LIMITS",
    "Limit",
    "Settings",
    "load_settings",
    "parse_steps",
    "read_settings",
    "save_settings",
]

Theme = Literal["system", "light", "dark"]


class Limit(NamedTuple):
    low: float
    high: float


LIMITS = {
    "desired_retention": Limit(*RETENTION_RANGE),
    "critical_retention": Limit(*RETENTION_RANGE),
    "rollover_hour": Limit(0, 23),
    "font_size": Limit(8, 40),
    "leech_threshold": Limit(0, 99),
}
"""The inclusive range of each bounded setting: what :class:`Settings` accepts and the
settings dialog offers."""


def _within(settings: Settings, name: str) -> bool:
    low, high = LIMITS[name]
    return bool(low <= getattr(settings, name) <= high)


def _check_steps(steps: tuple[float, ...], name: str) -> None:
    if not steps or any(s <= 0 for s in steps):
        raise ValueError(f"{name} must be one or more positive numbers of minutes")


class Settings(msgspec.Struct, frozen=True):
    """Everything a trainee can change.

    Attributes:
        desired_retention: the Default deck preset's desired retention (0.70-0.99), read
            from the presets; edit it in Deck options (each deck's own is its preset's).
        new_per_day: new cards introduced per study day, all decks together (each deck
            also has its own limit, its preset's).
        reviews_per_day: reviews per study day, all decks together.
        critical_retention: the desired retention of safety-critical cards (0.70-0.99).
        fsrs_parameters: FSRS weights fitted to the trainee's reviews (Optimize); empty for
            the published defaults.
        learning_steps: minutes between the first answers of a new card.
        relearning_steps: minutes between answers after a lapse.
        rollover_hour: local hour when a new study day starts.
        font_size: card text size in points.
        theme: light, dark or follow the system.
        fuzz: spread intervals slightly (on in use; tests turn it off).
        exam_date: the date the trainee studies toward (``YYYY-MM-DD``), or empty: the
            statistics forecast how ready they will be on it.
        leech_threshold: lapses that make a card a leech (Anki's 8; 0 turns leeches off).
        leech_suspend: also suspend a card when it becomes a leech (otherwise only mark it).
        current_module: the course module the trainee is in: new cards come from it and the
            modules before it. 0 follows the modules' release dates (course.yaml).
        overview_by_module: the overview groups the decks by course module, not by family.
    """

    desired_retention: float = 0.90
    new_per_day: int = 20
    reviews_per_day: int = 200
    learning_steps: tuple[float, ...] = (1.0, 10.0)
    relearning_steps: tuple[float, ...] = (10.0,)
    rollover_hour: int = 4
    font_size: int = 15
    theme: Theme = "system"
    fuzz: bool = True
    exam_date: str = ""
    leech_threshold: int = 8
    leech_suspend: bool = False
    critical_retention: float = 0.95
    fsrs_parameters: tuple[float, ...] = ()
    current_module: int = 0
    overview_by_module: bool = False

    def __post_init__(self) -> None:
        if not _within(self, "desired_retention"):
            low, high = LIMITS["desired_retention"]
            raise ValueError(f"desired retention must be between {low:.2f} and {high:.2f}")
        if not _within(self, "critical_retention"):
            low, high = LIMITS["critical_retention"]
            raise ValueError(
                f"the critical cards' desired retention must be between {low:.2f} and {high:.2f}"
            )
        if self.fsrs_parameters:
            from studyapp.core.scheduling import check_parameters

            force_setattr(self, "fsrs_parameters", check_parameters(self.fsrs_parameters))
        if self.new_per_day < 0 or self.reviews_per_day < 0:
            raise ValueError("daily limits cannot be negative")
        _check_steps(self.learning_steps, "learning steps")
        _check_steps(self.relearning_steps, "relearning steps")
        if not _within(self, "rollover_hour"):
            low, high = LIMITS["rollover_hour"]
            raise ValueError(f"the day must roll over at an hour between {low:g} and {high:g}")
        if not _within(self, "font_size"):
            low, high = LIMITS["font_size"]
            raise ValueError(f"font size must be between {low:g} and {high:g} points")
        if not _within(self, "leech_threshold"):
            low, high = LIMITS["leech_threshold"]
            raise ValueError(f"the leech threshold must be {low:g} (off) to {high:g} lapses")
        if isinstance(self.current_module, bool) or not 0 <= self.current_module <= 999:
            raise ValueError("the current module must be a module number, or 0 to follow dates")
        if self.theme not in ("system", "light", "dark"):
            raise ValueError("theme must be system, light or dark")
        if self.exam_date:
            try:
                date.fromisoformat(self.exam_date)
            except ValueError:
                raise ValueError(
                    f"the exam date must look like 2026-06-30, not {self.exam_date!r}"
                ) from None

    @property
    def exam(self) -> date | None:
        """The exam date, if one is set."""
        return date.fromisoformat(self.exam_date) if self.exam_date else None

    @property
    def parameters(self) -> tuple[float, ...]:
        """The FSRS parameters in use: the fitted ones, else the published defaults."""
        from studyapp.core.scheduling import DEFAULT_PARAMETERS

        return self.fsrs_parameters or DEFAULT_PARAMETERS

    def scheduler_config(self) -> SchedulerConfig:
        from studyapp.core.scheduling import SchedulerConfig

        return SchedulerConfig(
            desired_retention=self.desired_retention,
            learning_steps=self.learning_steps,
            relearning_steps=self.relearning_steps,
            fuzz=self.fuzz,
            parameters=self.parameters,
            rollover_hour=self.rollover_hour,
        )

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


_FROM_PRESET = "desired_retention"
"""Kept in the Default deck preset, not in the settings rows."""


def load_settings(engine: Engine) -> Settings:
    """The stored settings; defaults for anything unset or unreadable."""
    from studyapp.store.database import pooled_connection
    from studyapp.store.errors import storage_errors

    with storage_errors(engine.url.database), pooled_connection(engine) as db:
        return read_settings(db)


def read_settings(db: Db) -> Settings:
    """The stored settings on a plain connection (:func:`load_settings` on the engine's);
    defaults for anything unset or unreadable."""
    rows = setting_rows(db)
    values: dict[str, Any] = {_FROM_PRESET: default_preset(db).desired_retention}
    for f in fields(Settings):
        if f.name in rows and f.name != _FROM_PRESET:
            try:
                value = json.loads(rows[f.name])
            except ValueError:
                continue
            values[f.name] = tuple(value) if isinstance(value, list) else value
    try:
        return Settings(**values)
    except (TypeError, ValueError):
        return Settings()


def save_settings(engine: Engine, settings: Settings) -> None:
    """Store every setting in one transaction (the desired retention in the Default preset)."""
    from studyapp.store.library import write_settings

    values = asdict(settings)
    retention = values.pop(_FROM_PRESET)
    write_settings(
        engine,
        {key: json.dumps(value) for key, value in values.items()},
        default_retention=retention,
    )


def parse_steps(text_: str) -> tuple[float, ...]:
    """Steps typed as minutes separated by spaces or commas (``"1 10"``).

    Raises:
        ValueError: with a message for the user.
    """
    parts = [p for p in text_.replace(",", " ").split() if p]
    try:
        steps = tuple(float(p) for p in parts)
    except ValueError:
        raise ValueError(
            f"steps must be numbers of minutes, such as '1 10' (got {text_!r})"
        ) from None
    _check_steps(steps, "steps")
    return steps
