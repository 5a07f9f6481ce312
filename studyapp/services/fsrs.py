"""FSRS parameters fitted to the trainee, and what follows a change of parameters or desired
retention (issue 12): memory states replayed from the log, review cards rescheduled.

As Anki: Optimize fits the parameters to the trainee's scheduled answers, reports log loss
and RMSE (bins) before and after, and keeps the new ones only if they fit better. New
parameters replay every card's memory from its review log; rescheduling review cards to new
parameters or a new retention ("reschedule cards on change") is a separate step the caller
confirms first. Each change is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from studyapp.core.errors import KnownError
from studyapp.core.gcpause import gc_paused
from studyapp.core.replay import MIN_ITEMS, Fit, fit_parameters
from studyapp.core.scheduling import DEFAULT_PARAMETERS, check_parameters
from studyapp.core.studyday import days_elapsed, study_day, study_day_start, utc_now
from studyapp.services.settings import Settings
from studyapp.store import memory
from studyapp.store.database import Engine

__all__ = [
    "KEPT",
    "NOT_ENOUGH_HISTORY",
    "OptimizeResult",
    "ParameterError",
    "Rescheduled",
    "optimize",
    "parse_parameters",
    "reschedule_reviews",
    "reviews_to_reschedule",
    "set_parameters",
]


class ParameterError(KnownError):
    """FSRS parameters that cannot be used: the message says why; nothing was changed."""


def parse_parameters(text: str) -> tuple[float, ...]:
    """Parameters typed or pasted as numbers separated by commas or spaces (as Anki shows
    them); empty text means the published defaults (returned as ``()``).

    Raises:
        ParameterError: not numbers, or not 17, 19 or 21 of them.
    """
    parts = [p for p in text.replace(",", " ").split() if p]
    if not parts:
        return ()
    try:
        values = [float(p) for p in parts]
    except ValueError:
        bad = next(p for p in parts if not _is_number(p))
        raise ParameterError(
            f"FSRS parameters must be numbers separated by commas; {bad!r} is not a number"
        ) from None
    try:
        return check_parameters(values)
    except ValueError as exc:
        raise ParameterError(str(exc)) from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


KEPT = (
    "Your parameters are unchanged: the ones in use fit your reviews at least as well as "
    "newly fitted ones."
)
"""What Optimize says when the fitted parameters do not predict the answers better."""


NOT_ENOUGH_HISTORY = "Not enough review history yet"
"""What Optimize says when it has too few answers to fit (the dialog's headline)."""


@dataclass(frozen=True, slots=True)
class OptimizeResult:
    """What Optimize found, and whether it changed the parameters.

    Attributes:
        fit: the fit, or None when there were too few answers to fit.
        reviews: scheduled answers read (on cards whose log starts with learning).
        items: answers FSRS can predict (each on a later study day than the one before).
        needed: how many more such answers the optimizer needs (0 when it ran).
        saved: the new parameters fit better and are now in use.
    """

    fit: Fit | None
    reviews: int
    items: int
    needed: int
    saved: bool

    def shortfall(self) -> str:
        """Without a fit: how many answers the optimizer needs, and how many more, as the
        dialog says it under its headline :data:`NOT_ENOUGH_HISTORY` (it repeated it)."""
        return (
            f"The optimizer needs {MIN_ITEMS} answers given a day or more after the one "
            f"before; you have {self.items}, so {self.needed} more are needed. Nothing was "
            "changed."
        )

    def summary(self) -> list[str]:
        """The result in sentences, as the CLI prints it and the dialog shows it."""
        if self.fit is None:
            shortfall = self.shortfall()
            return [f"{NOT_ENOUGH_HISTORY}: {shortfall[:1].lower()}{shortfall[1:]}"]
        f = self.fit
        lines = [
            f"Log loss: {f.log_loss_before:.4f} before, {f.log_loss_after:.4f} after. "
            f"RMSE (bins): {f.rmse_before:.2%} before, {f.rmse_after:.2%} after. "
            "Smaller numbers mean a better fit to your review history.",
            f"Fitted to {self.reviews:,} answers ({self.items:,} predicted).",
        ]
        if self.saved:
            lines.append("The new parameters fit your reviews better and are now in use.")
        else:
            lines.append(KEPT)
        return lines

    def to_json(self) -> dict[str, object]:
        fit = self.fit
        return {
            "reviews": self.reviews,
            "items": self.items,
            "needed": self.needed,
            "saved": self.saved,
            "log_loss": None if fit is None else [fit.log_loss_before, fit.log_loss_after],
            "rmse_bins": None if fit is None else [fit.rmse_before, fit.rmse_after],
            "parameters": None if fit is None else list(fit.after if self.saved else fit.before),
        }


@dataclass(frozen=True, slots=True)
class Rescheduled:
    """A change that replayed memory states and perhaps moved due dates."""

    recomputed: int
    moved: int


class _Clock:
    """The study-day arithmetic of one moment, for the store's functions."""

    def __init__(self, settings: Settings, now: datetime, tz: tzinfo | None) -> None:
        self.settings, self.now, self.tz = settings, now, tz
        hour = settings.rollover_hour
        self.next_day_at = int(study_day(now, rollover_hour=hour, tz=tz).end.timestamp())

    def due_of(self, last_review: int, interval: int) -> int:
        """Due date (epoch seconds) of ``interval`` study days after ``last_review``: Anki's
        today + interval - days elapsed since the last review."""
        hour, tz = self.settings.rollover_hour, self.tz
        elapsed = days_elapsed(
            datetime.fromtimestamp(last_review, self.now.tzinfo),
            self.now,
            rollover_hour=hour,
            tz=tz,
        )
        start = study_day_start(self.now, interval - elapsed, rollover_hour=hour, tz=tz)
        return int(start.timestamp())


@gc_paused()  # 100,000 log rows and 72,069 items, no cycles: a full pass cost 20-35 ms
def optimize(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    save: bool = True,
) -> OptimizeResult:
    """Fit FSRS parameters to the store's scheduled answers; keep them if they fit better
    (log loss, as Anki decides), replaying every card's memory with them.

    Nothing is changed when there are too few answers or the fit is no better.
    """
    clock = _Clock(settings, now or utc_now(), tz)
    training = memory.read_training_set(engine, next_day_at=clock.next_day_at)
    items, reviews = len(training), training.reviews
    if items < MIN_ITEMS:
        return OptimizeResult(None, reviews, items, MIN_ITEMS - items, False)
    fit = fit_parameters(training, settings.parameters, relearning_steps=settings.relearning_steps)
    saved = save and fit.better
    if saved:
        set_parameters(engine, settings, fit.after, now=clock.now, tz=tz)
    return OptimizeResult(fit, reviews, items, 0, saved)


@gc_paused()  # the replay reads every log (300,000 rows in the benchmark), no cycles
def set_parameters(
    engine: Engine,
    settings: Settings,
    parameters: Sequence[float],
    *,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> Rescheduled:
    """Use ``parameters`` (empty: the published defaults) from now on: store them and replay
    every card's memory state from its review log with them, in one transaction. Due dates
    stay; :func:`reschedule_reviews` moves them.

    Raises:
        ParameterError: unusable parameters (nothing is changed).
    """
    try:
        chosen = check_parameters(parameters) if parameters else ()
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    clock = _Clock(settings, now or utc_now(), tz)
    recomputed = memory.store_parameters(
        engine, chosen, replay_with=chosen or DEFAULT_PARAMETERS, next_day_at=clock.next_day_at
    )
    return Rescheduled(recomputed, 0)


def reviews_to_reschedule(
    engine: Engine,
    settings: Settings,
    *,
    deck_ids: Sequence[str] | None = None,
    critical: bool | None = None,
) -> int:
    """How many review cards :func:`reschedule_reviews` would consider (for the question
    asked first)."""
    return memory.count_review_cards(
        engine, deck_ids=deck_ids, critical=critical, critical_retention=settings.critical_retention
    )


def reschedule_reviews(
    engine: Engine,
    settings: Settings,
    *,
    deck_ids: Sequence[str] | None = None,
    critical: bool | None = None,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> int:
    """Move the due dates of review cards (of ``deck_ids``, all when None; only critical or
    only other cards when ``critical`` says so) to the interval their memory has at their
    desired retention, with the parameters in use: Anki's "reschedule cards on change".
    One transaction; each moved card gets a manual-change row in its log. Returns how many
    moved."""
    clock = _Clock(settings, now or utc_now(), tz)
    return memory.reschedule_review_cards(
        engine,
        deck_ids=deck_ids,
        critical=critical,
        critical_retention=settings.critical_retention,
        parameters=settings.parameters,
        due_of=clock.due_of,
        now_ms=int(clock.now.timestamp() * 1000),
        fuzz=settings.fuzz,
    )
