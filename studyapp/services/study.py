"""A review session: which card comes next, answering it, undoing answers, and counts.

Every answer is committed in its own transaction, and synced to disk (the store runs with
``synchronous=FULL``), before :meth:`StudySession.answer` returns: closing the app, a crash
or a power cut never loses an answered review. An answer the store refuses (a full disk)
raises a :class:`~studyapp.core.errors.StorageError` and changes nothing: the card stays
current, and answering it again works once the cause is gone.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import msgspec
from msgspec import field

from studyapp.core.model import FLAG_NAMES, CardId, MemoryState, Queue, Rating
from studyapp.core.scheduling import NextStates, Scheduler
from studyapp.core.studyday import StudyDay, study_day, utc_now
from studyapp.services import render
from studyapp.services.render import (
    Citation,
    CitationIndex,
    ShownImage,
    citations_of,
    plain,
    plain_text,
    render_card,
)
from studyapp.services.settings import Settings
from studyapp.services.text import describe_difficulty, describe_moment, describe_stability
from studyapp.services.today import Today, due_query, read_today
from studyapp.services.undo import UndoLog, UndoStep
from studyapp.store import queries, steering
from studyapp.store.database import Db, Engine, raw_connection
from studyapp.store.errors import mapped
from studyapp.store.queries import CardCounts, CardDetails, DueQuery, LoggedReview
from studyapp.store.rows import SourceRow
from studyapp.store.steering import CRAM, MANUAL, SteeringState

__all__ = [
    "AnswerPreview",
    "describe_memory",
    "is_leech",
    "CardView",
    "FLAG_NAMES",
    "GENERIC_CONTENT_NOTE",
    "HistoryEntry",
    "history_row",
    "history_rows",
    "LeechNotice",
    "SessionSummary",
    "StudyScope",
    "StudySession",
]


_mapped = mapped(lambda session: session._engine.url.database)
"""Storage failures in a session method (a full disk, a damaged page) raise the
:class:`~studyapp.core.errors.StorageError` they mean, never a bare sqlite3 error."""


_LONGEST_ANSWER_MS = 60 * 60 * 1000
"""The longest answer time logged (one hour); a longer pause counts as this."""
_NEW, _REVIEW, _AGAIN = Queue.NEW, Queue.REVIEW, Rating.AGAIN
"""Members a card shown and its answer name, as module globals: ``Queue.REVIEW`` goes
through ``EnumType.__getattr__``'s hook every time in CPython 3.11 (~76 ns against ~8 ns;
see :data:`studyapp.core.scheduling._REVIEW`). The same objects."""
_FUZZ_AHEAD = 256
"""Due reviews whose fuzz a session draws together, ahead (:meth:`StudySession.next_card`):
the first review shown draws its own and the next ones' (as many as today's limit still
allows, up to this many), and so does the first review shown after them.

256, not 32 then 64 (round 11): each draw of 64 made its answer ~0.4 ms slower (CPU, 10k
benchmark store: ids read ~0.1 ms + the draw ~0.3 ms), 8 such answers in a 500-answer
run, all of them above its p95; the day's draws are now made by fewer answers (one in 256)
and the first card. Per answer, callgrind, 500 answers of a fresh session on the 10k
benchmark store (32/64 -> 256): median 762.0k -> 761.7k instructions, p90 836.1k ->
829.8k, p95 899.0k -> 859.9k (-4.4%), p99 5.30M -> 1.06M, mean 870.0k -> 855.4k (-1.7%:
~40 µs and one statement fewer a batch); the first card 9.35M -> 22.5M. By CPU
(process_time, fresh processes interleaved, copy + sync, medians by position, load ~3):
the first card 2.34 -> 3.38 ms at 10k (2.76 -> 3.97 at 200k), the answer that draws
(#256) 1.6 ms (1.8-1.9 at 50k/200k), the draws of 64 it replaces 0.76-0.99 ms each; pooled
p95 0.641 -> 0.627 ms at 10k, 0.546 -> 0.470 at 200k. Smaller batches were weighed too
(32 then 16 or 8, 96 then 16): each of their draws still costs ~0.15-0.2 ms of CPU in its
answer (~40 µs a batch whatever its size, plus the read's statement), and at one answer in
8 or 16 they sit at the p95's edge and lift the median (callgrind median 763.5k / 766.4k,
mean 891.6k / 925.4k); see tests/services/test_study.py for what is pinned."""

GENERIC_CONTENT_NOTE = (
    "This card deals with emotionally heavy material. You can study it now, or put it off "
    "until another day with Not now."
)
"""Shown before a sensitive card whose author gave no content note of their own."""


class StudyScope(msgspec.Struct, frozen=True):
    """Which decks a session draws from: all (``deck_ids`` None) or a chosen set."""

    deck_ids: tuple[str, ...] | None = None
    label: str = "All decks"
    module: int | None = None
    """Only the cards of this course module (of those decks); None: every module."""


class CardView(msgspec.Struct, frozen=True):
    """Everything the review screen shows about one card, already rendered and sanitised."""

    card_id: CardId
    note_id: str
    key: str
    kind: str
    deck_id: str
    deck_title: str
    family: str
    question: str
    answer: str
    extra: str
    correction: str
    tags: tuple[str, ...]
    sources: tuple[Citation, ...]
    cites: tuple[Citation, ...]
    as_of: int | None
    state: MemoryState
    retired_reason: str | None = None
    user_note: str = ""
    sensitive: bool = False
    content_note: str | None = None
    """The author's short note shown before a sensitive card's question (plain text)."""
    critical: bool = False
    """A safety-critical fact: marked in review and details, kept at a higher retention."""
    desired_retention: float = 0.90
    """The retention this card is scheduled at (the critical one, or its deck preset's)."""
    module: int | None = None
    replaced_by: str | None = None
    retired: bool = False
    suspended: bool = False
    buried_until: int = 0
    flag: int = 0
    leech: bool = False
    image: ShownImage | None = None
    """The card's picture (``image:`` in its deck), if it has one."""

    @property
    def content_warning(self) -> str:
        """What is shown before a sensitive card's question: the author's note, or a
        generic one."""
        return self.content_note or GENERIC_CONTENT_NOTE

    @property
    def source_line(self) -> str:
        """One line naming the source documents, e.g. ``Source: Zhou 2024, ...``."""
        return render.source_line(self.sources)

    @property
    def sources_cited(self) -> str:
        """The source documents without the ``Source:`` label (the screen shows its own)."""
        return render.cited(self.sources)

    @property
    def study_line(self) -> str:
        """For evidence cards: the primary studies and the year the claim was checked."""
        return render.study_line(self.cites, self.as_of)

    @property
    def title(self) -> str:
        """The question as one line of plain text, for window titles and dialogs (never the
        card's id)."""
        words = " ".join(plain(self.question).split())
        return words if len(words) <= 70 else words[:69].rstrip() + "…"

    @property
    def retractions(self) -> tuple[str, ...]:
        """``Retracted: ...`` for each retracted primary study the card cites."""
        return render.retraction_notices(self.cites)


class HistoryEntry(msgspec.Struct, frozen=True):
    """One review of a card, for the card details screen (times are aware UTC datetimes)."""

    reviewed_at: datetime
    rating: Rating | None
    """None for a manual change (forget, set due date), which is not an answer."""
    duration_ms: int
    queue_before: Queue
    queue_after: Queue
    stability: float | None
    difficulty: float | None
    due: datetime
    kind: int = 0
    """0 a scheduled answer, 1 a cram answer, 2 a manual change (DECISIONS 4)."""

    @property
    def label(self) -> str:
        """The grade, or what the manual change was: ``Good``, ``Again (cram)``, ``Forgotten``."""
        if self.rating is None:
            return "Forgotten" if self.queue_after is Queue.NEW else "Due date set"
        return self.rating.label + (" (cram)" if self.kind == CRAM else "")


class AnswerPreview(msgspec.Struct, frozen=True):
    """What a rating would do: the new state and its interval label (``3d``)."""

    rating: Rating
    state: MemoryState
    label: str


class LeechNotice(msgspec.Struct, frozen=True):
    """An answer made a card a leech: forgotten ``lapses`` times after learning."""

    card_id: CardId
    lapses: int
    suspended: bool
    question: str = ""
    """The card's question as plain text: the notice stays up while the next card shows."""

    @property
    def message(self) -> str:
        action = (
            "It has been suspended: find it in the browser with is:leech"
            if self.suspended
            else "It is tagged a leech (is:leech in the browser)"
        )
        question = " ".join(self.question.split())
        if len(question) > 70:
            question = question[:69].rstrip() + "…"
        which = f"the card you just answered (“{question}”)" if question else "this card"
        return (
            f"Leech: you have forgotten {which} {self.lapses} times. {action}; rewording "
            "it in your own note, or breaking it into smaller facts, usually helps."
        )


class SessionSummary(msgspec.Struct):
    """What a session did, for the summary screen."""

    studied: int = 0
    again: int = 0
    seconds: float = 0.0
    next_due: datetime | None = None
    ratings: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 5), 0))
    deferred: int = 0
    """Cards put off with "Not now" (neither reviews nor lapses)."""
    set_aside: int = 0
    """Cards suspended or buried during the session."""
    cram: bool = False
    """A cram session: its answers changed no memory state or due date."""
    reviewed: int = 0
    """Answers to cards that were in review: the ones the session's retention counts."""
    recalled: int = 0
    """Of those, the ones not answered Again."""
    due_tomorrow: int | None = None
    """Cards of the scope due by the end of tomorrow (set by ``finish``)."""
    left_today: int = 0
    """Cards still to study today when the trainee left before the session's end (Esc);
    0 when it ended because nothing was left."""

    @property
    def retention(self) -> float | None:
        """The session's retention: recalled / reviewed (None without a review)."""
        return self.recalled / self.reviewed if self.reviewed else None

    @property
    def again_rate(self) -> float:
        return self.again / self.studied if self.studied else 0.0


class _Answered(msgspec.Struct, frozen=True):
    review_id: int
    card_id: CardId
    rating: Rating
    duration_ms: int
    reviewed: bool = False
    """The card was in review (not new or learning): the answer counts for retention."""


class StudySession:
    """One sitting of study over a scope of decks.

    The session holds one connection of the engine's pool for its whole life (returned by
    :meth:`close`, or when the session is garbage-collected) and keeps two things it would
    otherwise query before every card: how many new cards and reviews were answered today,
    and which notes were touched today (their siblings wait for tomorrow). Both are read
    when the study day starts and updated by :meth:`answer`; :meth:`undo` re-reads them.
    So a session assumes it is the only one answering while it lives, as in the app.

    Every answer and steering action (suspend, bury, flag, "Not now") goes on
    ``undo_log``, the library's one undo history (a private one when none is given).

    Args:
        engine: the store.
        settings: limits and scheduler settings (read once; a new session picks up changes).
        scope: the decks to study.
        clock: the current time as an aware datetime (tests pass a fixed clock).
        monotonic: seconds from a monotonic clock, for answer times.
        tz: the local time zone for the 4:00 rollover (the system's when None).
        undo_log: where undoable steps go.
    """

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        scope: StudyScope | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        tz: tzinfo | None = None,
        undo_log: UndoLog | None = None,
    ) -> None:
        self._engine = engine
        self.settings = settings
        self.scope = scope or StudyScope()
        self._clock = clock
        self._monotonic = monotonic
        self._tz = tz
        self._scheduler = Scheduler(settings.scheduler_config(), tz=tz)
        self._next_states: tuple[CardId, MemoryState, NextStates] | None = None
        self._current: CardView | None = None
        self._loaded: tuple[CardView, tuple[Any, ...]] | None = None
        """The view :meth:`_load_view` made last, with the scheduling columns it was made
        from (an answer checks the card still holds them instead of reading it again)."""
        self._shown_at = 0.0
        self.undo_log = undo_log if undo_log is not None else UndoLog()
        self._answers: list[_Answered] = []
        self.leech_notice: LeechNotice | None = None
        """Set when the last answer made its card a leech (the review screen says so)."""
        self._sources: dict[str, SourceRow] | None = None
        self._index = CitationIndex()
        self._today: Today | None = None
        self.summary = SessionSummary()
        self._db, give_back = raw_connection(engine)
        self._closer = weakref.finalize(self, give_back)

    def close(self) -> None:
        """Give the connection back to the pool; the session cannot be used afterwards."""
        self._closer()

    def apply_settings(self, settings: Settings) -> None:
        """Use new limits, deck options and scheduler settings from the next card on."""
        self.settings = settings
        self._scheduler = Scheduler(settings.scheduler_config(), tz=self._tz)
        self._next_states = None
        self._today = None  # deck presets are read again
        if self._current is not None:
            self._current = self._load_view(self._current.card_id)

    # -- time ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self._clock()

    def day(self) -> StudyDay:
        return study_day(self.now(), rollover_hour=self.settings.rollover_hour, tz=self._tz)

    def _local_date(self) -> str:
        """The study day's date where the trainee is (YYYY-MM-DD): release dates are local."""
        return self.day().start.astimezone(self._tz).date().isoformat()

    def _today_cache(self, day_start_ms: int) -> Today:
        today = self._today
        if today is None or today.day_start_ms != day_start_ms:
            today = self._today = read_today(
                self._db,
                day_start_ms=day_start_ms,
                deck_ids=self.scope.deck_ids,
                local_date=self._local_date(),
                current_module=self.settings.current_module,
            )
        return today

    def _due_query(self) -> DueQuery:
        now = self.now()
        day = study_day(now, rollover_hour=self.settings.rollover_hour, tz=self._tz)
        today = self._today_cache(day.start_ms)
        return due_query(
            self.settings,
            today,
            now=now,
            day=day,
            deck_ids=self.scope.deck_ids,
            module=self.scope.module,
        )

    # -- queue -----------------------------------------------------------------------------
    @property
    def current(self) -> CardView | None:
        """The card being shown, if any."""
        return self._current

    @_mapped
    def next_card(self) -> CardView | None:
        """Pick the next card and start timing it; None when nothing is left today."""
        query = self._due_query()
        assert self._today is not None
        touched = self._today.touched
        card_id, row = queries.next_shown_card(self._db, query, touched)
        current = self._current = None if card_id is None else self._load_view(card_id, row)
        if current is not None and current.state.queue is _REVIEW:
            # The fuzz of the due reviews drawn ahead, side by side and at once
            # (Scheduler.prime_fuzz): when the review shown was not drawn ahead, the next
            # ones (up to _FUZZ_AHEAD, within today's limit) are read (ids only) and drawn
            # together, the same factors, instead of a draw an answer (factors drawn and
            # not used yet are kept). A draw a review cost the cycle 1,068k -> 936k
            # instructions an answer at 10k cards (callgrind). Drawn at once, not a slice
            # an answer: the slices (~156k instructions each on 14 of every 32 answers,
            # ~30 µs) sat on the median answer. How many at once: see _FUZZ_AHEAD.
            scheduler = self._scheduler
            reps = current.state.reps
            if not scheduler.fuzz_primed(current.card_id, reps):
                ahead = queries.upcoming_reviews(self._db, query, touched, _FUZZ_AHEAD)
                if not ahead or ahead[0][0] != current.card_id:
                    ahead.insert(0, (current.card_id, reps))
                scheduler.prime_fuzz(ahead)
        self._shown_at = self._monotonic()
        return current

    @_mapped
    def counts(self) -> CardCounts:
        """New, learning and review cards left today in this scope, within the daily limits."""
        return queries.count_due_capped(self._db, self._due_query())

    def allowances(self) -> tuple[dict[str, int], dict[str, int]]:
        """Per deck of the scope: the new cards and the reviews its own daily limits still
        allow today (its preset's limits less what was studied today)."""
        self._due_query()
        assert self._today is not None
        # Copies: the session's own dicts stay its own whatever a caller does with these.
        return dict(self._today.left(0)), dict(self._today.left(1))

    def remaining(self) -> int:
        """Cards left in this session today (the progress indicator's denominator)."""
        counts = self.counts()
        return counts.new + counts.learning + counts.review

    def _states(self, card: CardView, state: MemoryState, now: datetime) -> NextStates:
        """The four outcomes for a card in ``state``, computed once per card and state.

        The grade buttons' labels and the answer use the same outcomes, as Anki applies the
        states it showed: the label on a button is what pressing it does.
        """
        cached = self._next_states
        if cached is not None and cached[0] == card.card_id and cached[1] == state:
            return cached[2]
        states = self._scheduler.next_states(
            state, now, card_id=card.card_id, desired_retention=card.desired_retention
        )
        self._next_states = (card.card_id, state, states)
        return states

    def preview(self, card: CardView | None = None) -> dict[Rating, AnswerPreview]:
        """The outcome of each rating for the current card, with its button label."""
        card = card or self._current
        if card is None:
            return {}
        now = self.now()
        states = self._states(card, card.state, now)
        return {
            rating: AnswerPreview(
                rating, self._scheduler.apply(card.state, states[rating], now), states.label(rating)
            )
            for rating in Rating
        }

    def retrievability(self, card: CardView) -> float | None:
        """The chance of recalling ``card`` now (study days since its last review)."""
        return self._scheduler.retrievability(card.state, self.now())

    # -- answering -------------------------------------------------------------------------
    def _answered_card(self) -> CardView:
        """The card being shown, which an answer is for.

        Raises:
            RuntimeError: no card is being shown.
        """
        if self._current is None:
            raise RuntimeError("no card to answer")
        return self._current

    def _answer_time(self, duration_ms: int | None) -> int:
        """The answer time to log: ``duration_ms``, by default the time since the card was
        shown; within 0 and :data:`_LONGEST_ANSWER_MS`."""
        if duration_ms is None:
            duration_ms = int((self._monotonic() - self._shown_at) * 1000)
        return max(0, min(duration_ms, _LONGEST_ANSWER_MS))

    @_mapped
    def answer(self, rating: Rating, *, duration_ms: int | None = None) -> MemoryState:
        """Grade the current card and commit the review before returning.

        Args:
            rating: the trainee's grade.
            duration_ms: answer time; by default, time since the card was shown.

        Raises:
            RuntimeError: no card is being shown.
        """
        card = self._answered_card()
        if type(rating) is not Rating:  # Rating(r) through the enum machinery: ~0.6 µs
            rating = Rating(rating)
        duration_ms = self._answer_time(duration_ms)
        now = self.now()
        now_ms = int(now.timestamp() * 1000)
        leech: SteeringState | None = None
        with queries.write_transaction(self._db) as db:
            review_id: int | None = None
            loaded = self._loaded
            if loaded is not None and loaded[0] is card:
                # The state the card was shown with, stored only if the card still holds it
                # (checked in the UPDATE, inside this transaction): one statement fewer.
                before = card.state
                states = self._states(card, before, now)
                after = self._scheduler.apply(before, states[rating], now)
                review_id = queries.apply_answer_if_unchanged(
                    db,
                    card_id=card.card_id,
                    stored=loaded[1],
                    before=before,
                    after=after,
                    rating=int(rating),
                    reviewed_at_ms=now_ms,
                    duration_ms=duration_ms,
                )
            if review_id is None:  # changed since it was shown (or not shown from its row)
                before = queries.load_state(db, card.card_id)
                states = self._states(card, before, now)
                after = self._scheduler.apply(before, states[rating], now)
                review_id = queries.apply_answer(
                    db,
                    card_id=card.card_id,
                    before=before,
                    after=after,
                    rating=int(rating),
                    reviewed_at_ms=now_ms,
                    duration_ms=duration_ms,
                )
            if after.lapses > before.lapses and is_leech(
                after.lapses, self.settings.leech_threshold
            ):
                (leech,) = steering.steering_states(db, [card.card_id])
                steering.mark_leech(db, card.card_id, suspend=self.settings.leech_suspend)
        reviewed = before.queue is _REVIEW
        answered = _Answered(review_id, card.card_id, rating, duration_ms, reviewed)
        self._answers.append(answered)
        self.undo_log.push(
            UndoStep(
                "answer",
                (card.card_id,),
                lambda db: self._revert_answer(db, answered, leech),
                after=lambda: self._answer_undone(answered),
                show_again=True,
                owner=self,
            )
        )
        self.leech_notice = (
            None
            if leech is None
            else LeechNotice(
                card.card_id, after.lapses, self.settings.leech_suspend, plain(card.question)
            )
        )
        today = self._today
        if today is not None and today.day_start_ms <= now_ms:
            today.touched.add(card.note_id)
            if before.queue is _NEW:
                today.count(card.deck_id, 0)
            elif before.queue is _REVIEW:
                today.count(card.deck_id, 1)
        self.summary.studied += 1
        self.summary.seconds += duration_ms / 1000
        self.summary.ratings[int(rating)] += 1
        if rating is _AGAIN:
            self.summary.again += 1
        if reviewed:
            self.summary.reviewed += 1
            self.summary.recalled += rating is not _AGAIN
        self._current = None
        self._next_states = None
        return after

    @staticmethod
    def _revert_answer(db: Db, answered: _Answered, leech: SteeringState | None) -> None:
        queries.undo_answer(db, answered.review_id)
        if leech is not None:
            steering.restore_steering(db, [leech])

    def _answer_undone(self, answered: _Answered) -> None:
        if answered in self._answers:
            self._answers.remove(answered)
        self.summary.studied -= 1
        self.summary.seconds -= answered.duration_ms / 1000
        self.summary.ratings[int(answered.rating)] -= 1
        if answered.rating is Rating.AGAIN:
            self.summary.again -= 1
        if answered.reviewed:
            self.summary.reviewed -= 1
            self.summary.recalled -= answered.rating is not Rating.AGAIN

    @property
    def last_answered(self) -> CardId | None:
        """The card answered last in this session."""
        return self._answers[-1].card_id if self._answers else None

    @property
    def can_undo(self) -> bool:
        return self.undo_log.can_undo

    @property
    def undo_label(self) -> str | None:
        """What Ctrl+Z would take back (``answer``, ``suspend``, ...), if anything."""
        step = self.undo_log.peek()
        return None if step is None else step.label

    @_mapped
    def undo(self) -> CardView | None:
        """Take back the newest step of the undo history.

        An answer or a review action (suspend, bury, "Not now", a flag) brings its card back
        as the current card, in the state it had before (an answer's review row is deleted).
        A step that shows no card again (a bulk action of the browser) leaves the current
        card, read afresh. Returns the card to show, or None if there was nothing to undo.
        """
        step = self.undo_log.undo(self._db)
        if step is None:
            return None
        self._today = None  # the day's counts and touched notes are read again
        self.leech_notice = None
        if step.show_again and step.card_ids:
            self._current = self._load_view(step.card_ids[0])
            self._shown_at = self._monotonic()
        elif self._current is not None:
            self._current = self._load_view(self._current.card_id)
        return self._current

    # -- steering the current card ---------------------------------------------------------
    @_mapped
    def _steer(self, label: str, change: Callable[[Db, CardId], object], *, leaves: bool) -> bool:
        """Apply ``change`` to the current card in one transaction and make it undoable;
        a change that ``leaves`` takes the card out of the session's queue."""
        card = self._current
        if card is None:
            return False
        with queries.write_transaction(self._db) as db:
            (before,) = steering.steering_states(db, [card.card_id])
            extra = change(db, card.card_id)

        def revert(db: Db) -> None:
            steering.restore_steering(db, [before])
            if isinstance(extra, int) and label == "not now":
                steering.remove_deferral(db, extra)

        def after() -> None:
            if leaves:
                if label == "not now":
                    self.summary.deferred -= 1
                else:
                    self.summary.set_aside -= 1

        self.undo_log.push(
            UndoStep(label, (card.card_id,), revert, after=after, show_again=True, owner=self)
        )
        if leaves:
            if label == "not now":
                self.summary.deferred += 1
            else:
                self.summary.set_aside += 1
            self._current = None
        else:
            self._current = self._load_view(card.card_id)
        return True

    def suspend_current(self) -> bool:
        """Suspend the shown card (``@``): out of every queue until unsuspended."""
        return self._steer(
            "suspend", lambda db, c: steering.set_suspended(db, [c], True), leaves=True
        )

    def bury_current(self) -> bool:
        """Bury the shown card (``-``): out of the queues until the next study day."""
        until = int(self.day().end.timestamp())
        return self._steer("bury", lambda db, c: steering.set_buried(db, [c], until), leaves=True)

    def not_now(self) -> bool:
        """Put the shown card off until a later day ("Not now"): it is buried until the
        study day ends and the deferral is recorded; no review, no lapse, no memory change."""
        until = int(self.day().end.timestamp())
        at_ms = int(self.now().timestamp() * 1000)

        def defer(db: Db, card_id: CardId) -> int:
            steering.set_buried(db, [card_id], until)
            return steering.add_deferral(db, card_id, at_ms)

        return self._steer("not now", defer, leaves=True)

    def toggle_flag(self, flag: int) -> bool:
        """Give the shown card flag 1-4 (Ctrl+1..4), or take it off if it has that flag."""
        card = self._current
        if card is None or flag not in FLAG_NAMES:
            return False
        value = 0 if card.flag == flag else flag
        return self._steer("flag", lambda db, c: steering.set_flag(db, [c], value), leaves=False)

    def finish(self) -> SessionSummary:
        """The summary, with when the next card in this scope falls due and how many are
        due by the end of tomorrow."""
        self.summary.next_due = self.next_due()
        self.summary.due_tomorrow = self.due_by_tomorrow()
        return self.summary

    @_mapped
    def due_by_tomorrow(self) -> int:
        """Cards of this scope due by the end of tomorrow's study day (what is left today,
        buried cards and learning steps included: they all come back by then)."""
        day = self.day()
        tomorrow = study_day(
            day.end + timedelta(hours=12), rollover_hour=self.settings.rollover_hour, tz=self._tz
        )
        return queries.count_due_before(
            self._db,
            before=int(tomorrow.end.timestamp()),
            deck_ids=self.scope.deck_ids,
            module=self.scope.module,
        )

    @_mapped
    def next_due(self) -> datetime | None:
        """When the earliest card of this scope that is not new falls due after now."""
        query = self._due_query()
        value = queries.next_due(
            self._db, now=query.now, deck_ids=self.scope.deck_ids, module=self.scope.module
        )
        return None if value is None else datetime.fromtimestamp(value, UTC)

    # -- details ---------------------------------------------------------------------------
    @_mapped
    def card_view(self, card_id: CardId) -> CardView:
        return self._load_view(card_id)

    @_mapped
    def history(self, card_id: CardId) -> list[HistoryEntry]:
        """The card's reviews, oldest first."""
        return history_entries(queries.history(self._db, card_id))

    def _bibliography(self) -> dict[str, SourceRow]:
        if self._sources is None:
            self._sources = queries.sources(self._db)
            self._index = CitationIndex(self._sources)
        return self._sources

    def _citations(self, ids: str) -> tuple[Citation, ...]:
        return citations_of(self._bibliography(), ids.split())

    def _load_view(self, card_id: CardId, row: CardDetails | None = None) -> CardView:
        if row is None:
            row = queries.shown_card(self._db, card_id)  # the columns a view reads
        view = build_card_view(
            row,
            self._bibliography(),
            self._index,
            critical_retention=self.settings.critical_retention,
            image=shown_image(self._db, row),
        )
        self._loaded = (view, row.stored)
        return view


def build_card_view(
    row: CardDetails,
    sources: dict[str, SourceRow],
    index: CitationIndex,
    *,
    critical_retention: float,
    image: ShownImage | None = None,
) -> CardView:
    """The rendered, sanitised :class:`CardView` of a stored card: ``sources`` are the
    bibliography entries by id (for its source and citation lines), ``index`` renders the
    citations in its text; a critical card is scheduled at ``critical_retention``, any other
    at its deck preset's; ``image`` is its picture (:func:`shown_image`)."""

    note = row.note

    rendered = render_card(
        kind=note.kind,
        key=row.key,
        front=note.front,
        back=note.back,
        text=note.text,
        extra=note.extra,
        correction=note.correction,
        citations=index,
    )
    return CardView(
        card_id=CardId(row.card_id),
        note_id=note.id,
        key=row.key,
        kind=note.kind,
        deck_id=note.deck_id,
        deck_title=row.deck_title,
        family=row.family,
        question=rendered.question,
        answer=rendered.answer,
        extra=rendered.extra,
        correction=rendered.correction,
        tags=tuple(note.tags.split()),
        sources=citations_of(sources, note.sources.split()),
        cites=citations_of(sources, note.cites.split()),
        as_of=note.as_of,
        state=row.state,
        retired_reason=plain_text(note.retired_reason, index) if note.retired_reason else None,
        user_note=row.user_note or "",
        sensitive=bool(note.sensitive),
        content_note=plain_text(note.content_note, index) if note.content_note else None,
        critical=bool(note.critical),
        desired_retention=critical_retention if note.critical else row.preset_retention,
        module=note.module,
        replaced_by=note.replaced_by,
        retired=bool(row.retired),
        suspended=bool(row.suspended),
        buried_until=row.buried_until,
        flag=row.flag,
        leech=bool(row.leech),
        image=image,
    )


def shown_image(db: Db, row: CardDetails) -> ShownImage | None:
    """The card's picture as the screens show it (None if it has none)."""
    note = row.note
    if note.image_hash is None or note.image_alt is None:
        return None
    side = note.image_side or "answer"
    stored = queries.media(db, note.image_hash)
    if stored is None:
        return ShownImage(note.image_alt, side, missing="the image is not in the store")
    return ShownImage(note.image_alt, side, stored.kind, stored.width, stored.height, stored.data)


def history_entries(rows: Iterable[LoggedReview]) -> list[HistoryEntry]:
    """Review log rows as plain values (a manual change has no grade)."""
    return [
        HistoryEntry(
            reviewed_at=datetime.fromtimestamp(r.reviewed_at / 1000, UTC),
            rating=Rating(r.rating) if r.kind != MANUAL else None,
            duration_ms=r.duration_ms,
            queue_before=Queue(r.queue_before),
            queue_after=Queue(r.queue_after),
            stability=r.stability_after,
            difficulty=r.difficulty_after,
            due=datetime.fromtimestamp(r.due_after, UTC),
            kind=r.kind,
        )
        for r in rows
    ]


def is_leech(lapses: int, threshold: int) -> bool:
    """Anki's rule: a lapse makes a card a leech when its lapses reach the threshold, and
    again every half threshold after that (8, 12, 16, ... for Anki's 8); 0 turns it off."""
    if threshold <= 0 or lapses < threshold:
        return False
    return (lapses - threshold) % max(1, threshold // 2) == 0


_STEP_NOTE = {
    Queue.LEARNING: ": a learning step. Until the card graduates, its deck's learning steps "
    "set when it comes back, not its stability.",
    Queue.RELEARNING: ": a relearning step, after it was forgotten. Until it graduates again, "
    "its deck's relearning steps set when it comes back, not its stability.",
}
"""Said after a (re)learning card's due: 'Stability 2.3 days' beside a due ten minutes away
read as a contradiction (Anki's card info shows both without a word; its manual explains
that steps, not FSRS, set a learning card's due)."""


def describe_memory(
    state: MemoryState, retrievability: float | None, *, tz: tzinfo | None = None
) -> list[str]:
    """The FSRS memory state in plain words, for the card details screen (dates in ``tz``,
    the system's when None, as :func:`~studyapp.services.text.describe_moment` writes them)."""
    if state.queue is Queue.NEW:
        return ["Not studied yet."]
    lines = []
    if state.stability is not None:
        lines.append(
            f"Stability {describe_stability(state.stability)}: after that long without review, "
            "the chance of recalling it falls to about 90%."
        )
    if state.difficulty is not None:
        lines.append(
            f"Difficulty {describe_difficulty(state.difficulty)}: how hard this card is for "
            "you, from 0% (easiest) to 100% (hardest)."
        )
    if retrievability is not None:
        lines.append(f"Retrievability {retrievability:.0%}: the chance you would recall it today.")
    if state.due is not None:
        lines.append(f"Next due {describe_moment(state.due, tz)}{_STEP_NOTE.get(state.queue, '.')}")
    times = {1: "once", 2: "twice"}
    forgotten = (
        "never forgotten"  # ("forgotten 0 times" read as a count of nothing)
        if state.lapses == 0
        else f"forgotten {times.get(state.lapses, f'{state.lapses} times')}"
    )
    lines.append(
        f"Reviewed {times.get(state.reps, f'{state.reps} times')}; {forgotten} after learning."
    )
    return lines


def history_row(entry: HistoryEntry, *, tz: tzinfo | None = None) -> tuple[str, str, str, str]:
    """The card details' history table row of one review: when, the grade, the time taken,
    and the due date it set (none when it made the card new again), dates in ``tz``."""
    due = "" if entry.queue_after is Queue.NEW else describe_moment(entry.due, tz)
    # A manual change (forget, set due date) took no answering time: none shown, not "0.0 s".
    spent = "" if entry.rating is None else f"{entry.duration_ms / 1000:.1f} s"
    return (describe_moment(entry.reviewed_at, tz), entry.label, spent, due)


def history_rows(
    entries: Sequence[HistoryEntry], *, tz: tzinfo | None = None
) -> list[tuple[str, str, str, str]]:
    """The card details' history table: a :func:`history_row` per review, newest first,
    as Anki's card info lists them (oldest first put the answer just given at the bottom)."""
    return [history_row(entry, tz=tz) for entry in reversed(entries)]
