"""Drive the `anki` package's scheduler through review sequences; print what it decided.

Run as a separate process by ``test_anki_parity.py`` (``python anki_oracle.py < job.json``):
Anki reads the clock and the time zone itself, and reads ``ANKI_TEST_MODE`` (which turns its
fuzz off) once per process, so each mode gets its own process and the test's stays clean.
Imports only the standard library and ``anki``: the oracle must not share code with the
scheduler it checks.

Anki has no clock to set, so each answer is moved in time instead: before answering at a
simulated moment T, the card's last review (and due date) are written as if every moment
were shifted by ``next_day_at(real now) - next_day_at(T)``. Days elapsed, which is all Anki's
FSRS reads from time, is ``(next_day_at - last_review) // 86400`` and so comes out as at T.
The job's process runs in a time zone where the real clock reads about noon, far from the
rollover, so labels of minute steps are not turned into days by the real clock.

Input (JSON): ``{"sequences": [{"seed": int, "ratings": [1-4, ...], "start": epoch,
"desired_retention": float (optional, the sequence's deck preset)}], "fuzz_checks":
[[reps, interval], ...],
"offset_minutes": int (the simulated fixed UTC offset), "rollover": int,
"learning_steps": [...], "relearning_steps": [...], "desired_retention": float,
"parameters": [...], "maximum_interval": days}``. Output: one JSON object with, per sequence,
the card id, each step's moment, rating, four labels and four outcomes, and the memory state
Anki replays from the card's log; and Anki's fuzz for ``fuzz_checks``.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DAY = 86_400


def next_day_at(moment: int, offset: int, rollover: int) -> int:
    """The next rollover after ``moment`` in a fixed-offset zone (seconds east of UTC)."""
    local = moment + offset
    start = local - (local - rollover * 3600) % DAY  # the current study day's start, local
    return start + DAY - offset


def study_day_index(moment: int, offset: int, rollover: int) -> int:
    return (next_day_at(moment, offset, rollover) - DAY) // DAY


def outcome(state: Any) -> dict[str, Any]:
    normal = state.normal
    kind = normal.WhichOneof("kind")
    if kind == "learning":
        learning = normal.learning
        return {
            "kind": "learning",
            "remaining": learning.remaining_steps,
            "secs": learning.scheduled_secs,
            "s": learning.memory_state.stability,
            "d": learning.memory_state.difficulty,
        }
    if kind == "review":
        review = normal.review
        return {
            "kind": "review",
            "days": review.scheduled_days,
            "lapses": review.lapses,
            "s": review.memory_state.stability,
            "d": review.memory_state.difficulty,
        }
    if kind == "relearning":
        relearning = normal.relearning
        return {
            "kind": "relearning",
            "remaining": relearning.learning.remaining_steps,
            "secs": relearning.learning.scheduled_secs,
            "days": relearning.review.scheduled_days,
            "lapses": relearning.review.lapses,
            "s": relearning.learning.memory_state.stability,
            "d": relearning.learning.memory_state.difficulty,
        }
    return {"kind": kind}


def run(job: dict[str, Any]) -> dict[str, Any]:
    import anki.collection  # noqa: F401  (import order: anki.collection first)
    from anki.collection import Collection

    with tempfile.TemporaryDirectory(prefix="anki-oracle-") as folder:
        col: Any = Collection(str(Path(folder) / "oracle.anki2"))
        try:
            return _drive(col, job)
        finally:
            col.close()


def _drive(col: Any, job: dict[str, Any]) -> dict[str, Any]:
    """Run the job's sequences on ``col`` (a new collection) and read Anki's answers."""
    from anki.scheduler_pb2 import CardAnswer

    offset = job["offset_minutes"] * 60
    rollover = job["rollover"]
    col.set_config("fsrs", True)
    col.set_config("loadBalancerEnabled", False)
    col.set_config("rollover", rollover)
    decks: dict[float, int] = {}

    def deck_for(retention: float) -> int:
        """A deck whose preset has ``retention`` and the job's other settings."""
        if retention not in decks:
            deck_id = 1 if not decks else col.decks.id(f"retention {retention}")
            conf = col.decks.config_dict_for_deck_id(1)
            if decks:
                conf = col.decks.add_config(f"retention {retention}", clone_from=conf)
            conf["new"]["delays"] = job["learning_steps"]
            conf["lapse"]["delays"] = job["relearning_steps"]
            conf["desiredRetention"] = retention
            conf["fsrsParams6"] = job["parameters"]
            conf["rev"]["maxIvl"] = job["maximum_interval"]
            conf["new"]["perDay"] = 9999
            conf["rev"]["perDay"] = 9999
            col.decks.update_config(conf)
            if deck_id != 1:
                deck = col.decks.get(deck_id)
                deck["conf"] = conf["id"]
                col.decks.save(deck)
            decks[retention] = deck_id
        return decks[retention]

    deck_for(job["desired_retention"])
    ratings = {1: CardAnswer.AGAIN, 2: CardAnswer.HARD, 3: CardAnswer.GOOD, 4: CardAnswer.EASY}
    names = {1: "again", 2: "hard", 3: "good", 4: "easy"}
    results = []
    for sequence in job["sequences"]:
        rng = random.Random(sequence["seed"])
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = "question", "answer"
        col.add_note(note, deck_for(sequence.get("desired_retention", job["desired_retention"])))
        card_id = note.cards()[0].id
        moment = sequence["start"]
        last: int | None = None
        due_moment: int | None = None  # a learning card's due moment (simulated)
        due_day: int | None = None  # a review card's due study day (simulated)
        steps = []
        for rating in sequence["ratings"]:
            timing = col._backend.sched_timing_today()
            shift = timing.next_day_at - next_day_at(moment, offset, rollover)
            today = study_day_index(moment, offset, rollover)
            card = col.get_card(card_id)
            if last is not None:
                card.last_review_time = last + shift
            if due_moment is not None:
                card.due = due_moment + shift
            elif due_day is not None:
                card.due = timing.days_elapsed + (due_day - today)
            col.update_card(card, skip_undo_entry=True)
            states = col._backend.get_scheduling_states(card_id)
            labels = list(col.sched.describe_next_states(states))
            outcomes = {name: outcome(getattr(states, name)) for name in names.values()}
            logged = set(col.db.list("SELECT id FROM revlog WHERE cid = ?", card_id))
            col.sched.answer_card(
                CardAnswer(
                    card_id=card_id,
                    current_state=states.current,
                    new_state=getattr(states, names[rating]),
                    rating=ratings[rating],
                    answered_at_millis=int(time.time() * 1000),
                    milliseconds_taken=3000,
                )
            )
            (revlog_id,) = set(col.db.list("SELECT id FROM revlog WHERE cid = ?", card_id)) - logged
            answered = col.get_card(card_id)
            chosen = outcomes[names[rating]]
            steps.append(
                {
                    "at": moment,
                    "rating": rating,
                    "revlog_id": revlog_id,
                    "labels": labels,
                    "outcomes": outcomes,
                    "card": {
                        "type": int(answered.type),
                        "ivl": answered.ivl,
                        "reps": answered.reps,
                        "lapses": answered.lapses,
                        "s": answered.memory_state.stability if answered.memory_state else None,
                    },
                }
            )
            # The next moment, from Anki's own due date: learning steps on time (within a
            # minute), reviews at a random hour of their due study day, sometimes 1-2 days late.
            last = moment
            seconds = chosen.get("secs") if chosen["kind"] != "review" else None
            until = next_day_at(moment, offset, rollover) - moment
            if seconds is not None and seconds < until:
                due_moment, due_day = moment + seconds, None
                moment = moment + seconds + rng.randint(0, 59)
            else:
                days = chosen["days"] if seconds is None else (seconds - until) // DAY + 1
                due_moment, due_day = None, today + days
                late = rng.choice((0, 0, 0, 0, 1, 2))
                start = next_day_at(moment, offset, rollover) + (days - 1 + late) * DAY
                # 06:00-23:59 with a 04:00 rollover: realistic, and never 02:00-04:00, when
                # Anki's test mode moves its clock back two hours.
                moment = start + rng.randint(2 * 3600, 20 * 3600 - 60)
        # Anki's memory state from the card's review log, as at the last answer's study day:
        # the log's times are shifted as the answers were, then Anki replays it.
        timing = col._backend.sched_timing_today()
        shift = timing.next_day_at - next_day_at(steps[-1]["at"], offset, rollover)
        # (Each answer's own entry: Anki may give an entry a later id than the real clock's
        # when that id is taken, so the ids are not in the answers' order.)
        for index, step in enumerate(steps):
            col.db.execute(
                "UPDATE revlog SET id = ? WHERE id = ?",
                -(index + 1),
                step.pop("revlog_id"),
            )
        for index, step in enumerate(steps):
            col.db.execute(
                "UPDATE revlog SET id = ? WHERE id = ?", (step["at"] + shift) * 1000, -(index + 1)
            )
        state = col._backend.compute_memory_state(card_id).state
        results.append(
            {
                "card_id": card_id,
                "steps": steps,
                "history_memory": {"s": state.stability, "d": state.difficulty},
            }
        )
    # Anki's fuzz on its own: the days it adds to intervals of a card, for each repetition.
    fuzz = []
    for reps, interval in job.get("fuzz_checks", []):
        card = col.get_card(card_id)
        card.reps = reps
        col.update_card(card, skip_undo_entry=True)
        delta = col._backend.fuzz_delta(card_id=card_id, interval=interval)
        fuzz.append({"card_id": card_id, "reps": reps, "interval": interval, "delta": delta})
    return {"sequences": results, "fuzz": fuzz}


def main() -> int:
    job = json.load(sys.stdin)
    json.dump(run(job), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
