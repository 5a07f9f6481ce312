"""The child of the crash soak (tests/test_crash_soak.py): answers cards until killed.

Imported once by the forkserver, so each child starts in milliseconds by fork().
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from studyapp.core.model import Rating
from studyapp.services.library import Library


def answer_until_killed(data_dir: str, seed: int, acks: Connection) -> None:
    """Answer through the session API and report each review id once ``answer`` returned
    (the moment the trainee sees the next card): an acknowledged answer."""
    rng = random.Random(seed)
    # Each round is a study day of its own, and time moves 5 minutes per answer, so learning
    # cards come due and reviews fall due; a day with nothing left moves on to the next, so
    # the soak never runs out of cards (a quiet machine answered ~400 cards a round and
    # emptied the bundled decks' days by round 19-40 when time stood still).
    start = datetime(2026, 3, 2, 9, tzinfo=UTC) + timedelta(days=seed)
    answered = [0]
    later = [timedelta(0)]
    library = Library(Path(data_dir))
    session = library.session(clock=lambda: start + later[0] + timedelta(minutes=5 * answered[0]))
    acks.send("ready")
    while True:
        if session.next_card() is None:
            if later[0] > timedelta(days=3650):
                acks.send("empty")
                return
            later[0] += timedelta(days=1)
            continue
        session.answer(rng.choice((Rating.AGAIN, Rating.AGAIN, Rating.HARD, Rating.GOOD)))
        answered[0] += 1
        acks.send(session._answers[-1].review_id)
