"""User settings, stored as JSON rows in the database and applied immediately."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Any, Literal

from studyapp.core.scheduling import SchedulerConfig
from studyapp.store.database import Engine
from studyapp.store.library import read_settings, write_settings

__all__ = ["Settings", "load_settings", "parse_steps", "save_settings"]

Theme = Literal["system", "light", "dark"]


@dataclass(frozen=True)
class Settings:
    """Everything a trainee can change.

    Attributes:
        desired_retention: probability of recall FSRS aims for (0.70-0.99).
        new_per_day: new cards introduced per study day, all decks together.
        reviews_per_day: reviews per study day, all decks together.
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

    def __post_init__(self) -> None:
        if not 0.70 <= self.desired_retention <= 0.99:
            raise ValueError("desired retention must be between 0.70 and 0.99")
        if self.new_per_day < 0 or self.reviews_per_day < 0:
            raise ValueError("daily limits cannot be negative")
        if not self.learning_steps or any(s <= 0 for s in self.learning_steps):
            raise ValueError("learning steps must be one or more positive numbers of minutes")
        if not self.relearning_steps or any(s <= 0 for s in self.relearning_steps):
            raise ValueError("relearning steps must be one or more positive numbers of minutes")
        if not 0 <= self.rollover_hour <= 23:
            raise ValueError("the day must roll over at an hour between 0 and 23")
        if not 8 <= self.font_size <= 40:
            raise ValueError("font size must be between 8 and 40 points")
        if not 0 <= self.leech_threshold <= 99:
            raise ValueError("the leech threshold must be 0 (off) to 99 lapses")
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

    def scheduler_config(self) -> SchedulerConfig:
        return SchedulerConfig(
            desired_retention=self.desired_retention,
            learning_steps=self.learning_steps,
            relearning_steps=self.relearning_steps,
            fuzz=self.fuzz,
            rollover_hour=self.rollover_hour,
        )

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def load_settings(engine: Engine) -> Settings:
    """The stored settings; defaults for anything unset or unreadable."""
    rows = read_settings(engine)
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name in rows:
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
    """Store every setting in one transaction."""
    write_settings(engine, {key: json.dumps(value) for key, value in asdict(settings).items()})


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
    if not steps or any(s <= 0 for s in steps):
        raise ValueError("steps must be one or more positive numbers of minutes")
    return steps
