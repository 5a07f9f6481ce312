"""Sync over random releases of a course (Hypothesis stateful testing).

An author rewords, relearns (a new revision), retires, restores, supersedes (with or without
handing on progress), adds and drops cloze deletions, deletes entries, moves cards between
decks and decks between files; a trainee studies in between. After every sync:

- no review is ever lost, and every reviewed card still exists;
- a card keeps its id for as long as its note and key exist, and no id is reused;
- the store equals a fresh import of the same files, plus the history: the same decks, notes
  and sources row for row, the same live cards, and every other card retired;
- a new revision sends every learned card of the entry back to relearning;
- a successor that inherits progress gets the retired card's memory state when still new;
- a release rewrites only the files it changes, and a successor may sit in the other file, so
  the checks across files must see the cards of the file a sync skips.

Derandomized with a small budget, so it runs the same few seconds in CI.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, text

from studyapp.core.model import Queue, Rating
from studyapp.services.paths import bundled_sources_file
from studyapp.services.settings import Settings
from studyapp.services.study import StudySession
from studyapp.services.sync import SyncPlan, sync
from studyapp.store.database import open_engine

SOURCE = "zhou2024"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@dataclass
class Entry:
    """One card entry of a deck file, as the author last wrote it."""

    id: str
    kind: str  # basic | cloze
    wording: int = 1
    deletions: list[int] = field(default_factory=lambda: [1])
    revision: int = 1
    retired: str | None = None
    replaced_by: str | None = None
    inherit: bool = False

    def yaml(self) -> str:
        lines = [f"  - id: {self.id}"]
        if self.kind == "cloze":
            clozes = " ".join(f"{{{{c{k}::part {k}}}}}" for k in self.deletions)
            lines += ["    type: cloze", f'    text: "Fact {self.id} v{self.wording}: {clozes}."']
        else:
            lines += [
                f"    front: Question {self.id}, wording {self.wording}?",
                f"    back: Answer {self.wording}.",
            ]
        lines.append(f"    source: {SOURCE}")
        if self.revision > 1:
            lines.append(f"    revision: {self.revision}")
        if self.retired:
            lines.append(f"    retired: {self.retired}")
        if self.replaced_by:
            lines.append(f"    replaced_by: {self.replaced_by}")
        if self.inherit:
            lines.append("    inherit_progress: true")
        return "\n".join(lines)

    def keys(self) -> list[str]:
        if self.retired:
            return []
        return ["fwd"] if self.kind == "basic" else [f"c{k}" for k in sorted(self.deletions)]


@dataclass
class Deck:
    id: str
    file: str
    entries: list[str] = field(default_factory=list)


def rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


class CourseReleases(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="studyapp-releases-"))
        self.folder = self.root / "course"
        self.folder.mkdir()
        self.engine = open_engine(self.root / "store" / "studyapp.sqlite3")
        self.entries: dict[str, Entry] = {}
        self.decks: dict[str, Deck] = {}
        self.count = 0
        self.answers = 0
        self.clock = T0
        self.card_ids: dict[tuple[str, str], int] = {}
        self.relearning: set[str] = set()
        """Entries given a new revision since the last sync."""
        self.successions: list[tuple[str, str]] = []
        """(retired, successor) handing on progress since the last sync."""

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- the author ------------------------------------------------------------------------
    def _new_entry(self, deck: Deck, kind: str) -> Entry:
        self.count += 1
        entry = Entry(f"c{self.count}", kind, deletions=[1, 2] if kind == "cloze" else [1])
        self.entries[entry.id] = entry
        deck.entries.append(entry.id)
        return entry

    def _live(self) -> list[str]:
        return sorted(e.id for e in self.entries.values() if not e.retired)

    def _retired(self) -> list[str]:
        return sorted(e.id for e in self.entries.values() if e.retired)

    def _successors(self) -> set[str]:
        return {e.replaced_by for e in self.entries.values() if e.replaced_by}

    def _deck_of(self, entry_id: str) -> Deck:
        return next(d for d in self.decks.values() if entry_id in d.entries)

    @initialize(kinds=st.lists(st.sampled_from(["basic", "cloze"]), min_size=2, max_size=5))
    def first_release(self, kinds: list[str]) -> None:
        for number in (1, 2):
            self.decks[f"d{number}"] = Deck(f"d{number}", f"deck{number}.yaml")
        for index, kind in enumerate(kinds):
            self._new_entry(self.decks[f"d{index % 2 + 1}"], kind)
        self.sync()

    def _pick(self, data: st.DataObject, ids: list[str]) -> str | None:
        """One of ``ids``, more often one the trainee has already learned."""
        if not ids:
            return None
        learned = [i for i in ids if i in self._learned()]
        prefer_learned: bool = data.draw(st.booleans(), label="a learned one")
        if learned and prefer_learned:
            return data.draw(st.sampled_from(learned))
        return data.draw(st.sampled_from(ids))

    def _learned(self) -> set[str]:
        return {r[0] for r in rows(self.engine, "SELECT DISTINCT note_id FROM card WHERE reps > 0")}

    def add(self, data: st.DataObject) -> None:
        deck = self.decks[data.draw(st.sampled_from(["d1", "d2"]))]
        self._new_entry(deck, data.draw(st.sampled_from(["basic", "cloze"])))

    def reword(self, data: st.DataObject) -> None:
        if (entry_id := self._pick(data, self._live())) is not None:
            self.entries[entry_id].wording += 1

    def relearn(self, data: st.DataObject) -> None:
        if (entry_id := self._pick(data, self._live())) is not None:
            entry = self.entries[entry_id]
            entry.revision += 1
            entry.wording += 1
            self.relearning.add(entry.id)

    def retire(self, data: st.DataObject) -> None:
        if (entry_id := self._pick(data, self._live())) is not None:
            self.entries[entry_id].retired = "Withdrawn."

    def restore(self, data: st.DataObject) -> None:
        if (entry_id := self._pick(data, self._retired())) is not None:
            entry = self.entries[entry_id]
            entry.retired, entry.replaced_by, entry.inherit = None, None, False

    def supersede(self, data: st.DataObject) -> None:
        if (entry_id := self._pick(data, self._live())) is None:
            return
        old = self.entries[entry_id]
        # The successor may go to the other deck file: a later release that changes only
        # one of the two files must still see the other's cards.
        deck = self.decks[data.draw(st.sampled_from(["d1", "d2"]), label="successor's deck")]
        new = self._new_entry(deck, old.kind)
        inherit = data.draw(st.booleans(), label="inherit progress")
        old.retired, old.replaced_by, old.inherit = "Superseded.", new.id, inherit
        if inherit:
            self.successions.append((old.id, new.id))

    def add_deletion(self, data: st.DataObject) -> None:
        clozes = [i for i in self._live() if self.entries[i].kind == "cloze"]
        if (entry_id := self._pick(data, clozes)) is not None:
            entry = self.entries[entry_id]
            entry.deletions.append(max(entry.deletions) + 1)

    def drop_deletion(self, data: st.DataObject) -> None:
        clozes = [
            i
            for i in self._live()
            if self.entries[i].kind == "cloze" and len(self.entries[i].deletions) > 1
        ]
        if (entry_id := self._pick(data, clozes)) is not None:
            entry = self.entries[entry_id]
            entry.deletions.remove(data.draw(st.sampled_from(entry.deletions)))

    def delete(self, data: st.DataObject) -> None:
        """The entry disappears from its file (nothing names it as a successor)."""
        if entry_id := self._pick(data, sorted(set(self.entries) - self._successors())):
            self._deck_of(entry_id).entries.remove(entry_id)
            del self.entries[entry_id]
            self.relearning.discard(entry_id)

    def move_card(self, data: st.DataObject) -> None:
        """An entry moves to the end of the other deck."""
        if (entry_id := self._pick(data, sorted(self.entries))) is not None:
            source = self._deck_of(entry_id)
            target = self.decks["d2" if source.id == "d1" else "d1"]
            source.entries.remove(entry_id)
            target.entries.append(entry_id)

    def move_deck(self, data: st.DataObject) -> None:
        """A deck moves to a file of another name."""
        moved = self.decks[data.draw(st.sampled_from(["d1", "d2"]))]
        (self.folder / moved.file).unlink(missing_ok=True)
        stem = moved.file.removesuffix(".yaml")
        moved.file = f"{stem}-moved.yaml" if not stem.endswith("-moved") else f"{moved.id}.yaml"

    EDITS = (
        "add",
        "reword",
        "relearn",
        "retire",
        "restore",
        "supersede",
        "add_deletion",
        "drop_deletion",
        "delete",
        "move_card",
        "move_deck",
    )

    @rule(data=st.data(), edits=st.lists(st.sampled_from(EDITS), min_size=1, max_size=3))
    def release(self, data: st.DataObject, edits: list[str]) -> None:
        """The author edits the course and the trainee's app syncs it."""
        for edit in edits:
            getattr(self, edit)(data)
        self.sync()

    def _named_across(self) -> list[str]:
        """The decks holding a retired card whose successor is in the other deck's file."""
        return sorted(
            {
                self._deck_of(e.id).id
                for e in self.entries.values()
                if e.replaced_by
                and e.replaced_by in self.entries
                and self._deck_of(e.id) is not self._deck_of(e.replaced_by)
            }
        )

    @precondition(lambda self: bool(self._named_across()))
    @rule(data=st.data())
    def release_one_file(self, data: st.DataObject) -> None:
        """A release that changes only the file of a retired card whose successor is in the
        other file: the sync reads the one file and skips the other as unchanged."""
        deck = self.decks[data.draw(st.sampled_from(self._named_across()))]
        live = [i for i in deck.entries if not self.entries[i].retired]
        reword: bool = data.draw(st.booleans(), label="reword rather than add")
        if live and reword:
            self.entries[data.draw(st.sampled_from(live))].wording += 1
        else:
            self._new_entry(deck, data.draw(st.sampled_from(["basic", "cloze"])))
        plan = self.sync()
        assert plan.files_skipped == [
            str(self.folder / d.file) for d in self.decks.values() if d is not deck
        ]

    # -- the trainee -------------------------------------------------------------------------
    @rule(answers=st.integers(min_value=1, max_value=4), rating=st.sampled_from(list(Rating)))
    def study(self, answers: int, rating: Rating) -> None:
        self.clock += timedelta(hours=6)
        now = self.clock
        session = StudySession(self.engine, Settings(fuzz=False), clock=lambda: now)
        try:
            for _ in range(answers):
                if session.next_card() is None:
                    break
                session.answer(rating, duration_ms=3000)
                self.answers += 1
        finally:
            session.close()
        assert rows(self.engine, "SELECT count(*) FROM review") == [(self.answers,)]

    # -- the sync, and what must hold after it ---------------------------------------------
    def _write(self, folder: Path) -> None:
        """Write the deck files whose text changed (an author's release leaves the other
        files alone, so the sync skips them as unchanged, by their stats)."""
        for deck in self.decks.values():
            body = "\n".join(self.entries[i].yaml() for i in deck.entries) or "  []"
            cards = "cards:\n" + body if deck.entries else "cards: []"
            wanted = (
                f"format_version: 1\ndeck:\n  id: {deck.id}\n  title: Deck {deck.id}\n"
                f"  family: mechanisms\n{cards}\n"
            )
            path = folder / deck.file
            if not path.is_file() or path.read_text(encoding="utf-8") != wanted:
                path.write_text(wanted, encoding="utf-8")

    def sync(self) -> SyncPlan:
        before = {
            r[0]: r[1:]
            for r in rows(
                self.engine,
                "SELECT c.id, c.note_id, c.key, c.queue, c.reps, c.stability FROM card c",
            )
        }
        self._write(self.folder)
        plan = sync(self.engine, [self.folder], bibliography=bundled_sources_file())
        assert plan.ok, plan.problems
        cards = {r[0]: r[1:] for r in rows(self.engine, "SELECT * FROM card")}
        columns = [r[1] for r in rows(self.engine, "PRAGMA table_info(card)")][1:]
        at = {name: columns.index(name) for name in columns}

        # No review is lost; every reviewed card is still there.
        reviewed = rows(self.engine, "SELECT card_id FROM review")
        assert len(reviewed) == self.answers
        assert {card_id for (card_id,) in reviewed} <= set(cards)
        # Ids are stable: a (note, key) keeps its card; no id changes hands.
        for card_id, card in cards.items():
            key = (card[at["note_id"]], card[at["key"]])
            assert self.card_ids.setdefault(key, card_id) == card_id, key
        assert len(set(self.card_ids.values())) == len(self.card_ids)
        # A new revision sends the entry's learned cards back to relearning.
        for card_id, (note_id, _key, queue, _reps, _s) in before.items():
            if (
                note_id in self.relearning
                and queue != Queue.NEW
                and not cards[card_id][at["retired"]]
            ):
                assert cards[card_id][at["queue"]] == Queue.RELEARNING, note_id
        # A successor still new takes over the retired card's progress.
        for old, new in self.successions:
            learned = [v for v in before.values() if v[0] == old and v[3] > 0]
            successor = [v for v in before.values() if v[0] == new]
            if learned and not any(v[2] != Queue.NEW for v in successor):
                inherited = [c for c in cards.values() if c[at["note_id"]] == new]
                assert inherited and all(c[at["reps"]] > 0 for c in inherited), (old, new)
        self.relearning.clear()
        self.successions.clear()
        self._compare_with_a_fresh_import(cards, at)
        return plan

    def _compare_with_a_fresh_import(
        self, cards: dict[int, tuple[Any, ...]], at: dict[str, int]
    ) -> None:
        fresh_root = self.root / "fresh"
        shutil.rmtree(fresh_root, ignore_errors=True)
        folder = fresh_root / "course"
        folder.mkdir(parents=True)
        self._write(folder)
        fresh = open_engine(fresh_root / "studyapp.sqlite3")
        try:
            plan = sync(fresh, [folder], bibliography=bundled_sources_file())
            assert plan.ok, plan.problems

            def decks(engine: Engine) -> list[tuple[Any, ...]]:
                rows_ = rows(
                    engine,
                    "SELECT id, title, family, description, digest FROM deck WHERE active = 1 "
                    "ORDER BY id",
                )
                return rows_

            assert decks(self.engine) == decks(fresh)
            # (every column but changed_at: when a sync last changed a note differs by design)
            columns = [r[1] for r in rows(self.engine, "PRAGMA table_info(note)")]
            kept = ", ".join(c for c in columns if c != "changed_at")
            notes = {r[0]: r[1:] for r in rows(self.engine, f"SELECT {kept} FROM note")}
            fresh_notes = {r[0]: r[1:] for r in rows(fresh, f"SELECT {kept} FROM note")}
            assert {i: notes[i] for i in fresh_notes} == fresh_notes
            # Entries gone from the files are retired, keeping their history.
            retired_at = [c for c in columns if c != "changed_at"].index("retired")
            assert all(notes[i][retired_at - 1] for i in set(notes) - set(fresh_notes))
            sources = "SELECT * FROM source ORDER BY id"
            assert rows(self.engine, sources) == rows(fresh, sources)
            live = {
                (c[at["note_id"]], c[at["key"]], c[at["deck_id"]])
                for c in cards.values()
                if not c[at["retired"]]
            }
            fresh_live = set(
                rows(fresh, "SELECT note_id, key, deck_id FROM card WHERE retired = 0")
            )
            assert live == fresh_live
            assert rows(fresh, "SELECT count(*) FROM card WHERE retired = 1") == [(0,)]
        finally:
            fresh.dispose()


def test_sync_over_random_releases_loses_nothing() -> None:
    run_state_machine_as_test(
        CourseReleases,
        settings=settings(
            max_examples=15,
            stateful_step_count=10,
            derandomize=True,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
