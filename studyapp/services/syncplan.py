"""Phase 4 of a sync that read deck files (see :mod:`studyapp.services.sync`): each entry
read, compared with the store, becomes the rows to write in the plan's
:class:`~studyapp.store.sync.Changes`.

Imported by :func:`studyapp.services.sync._plan_changes` when it runs: a sync that reads no
file (every start-up's) plans nothing here, and so imports neither this module nor the row
builders and rows it needs (:mod:`studyapp.services.deckrows`,
:mod:`studyapp.store.syncrows`; see the latter for what that saves).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from studyapp.core.model import Queue
from studyapp.services.deckrows import deck_values, keys_of, media_of, new_cards, note_row
from studyapp.store import sync as stored
from studyapp.store.syncrows import CardMove, Inheritance

if TYPE_CHECKING:
    from studyapp.deckfile.loader import ParsedDeck
    from studyapp.deckfile.schema import CardEntry
    from studyapp.services.sync import Connection, SyncPlan, _StoredView
    from studyapp.store.rows import NoteValues
    from studyapp.store.syncrows import StoredCard, StoredNote

__all__ = ["plan_deck", "plan_inherit"]


def plan_deck(view: _StoredView, plan: SyncPlan, deck: ParsedDeck, claimed: set[str]) -> None:
    """Plan one deck file against the notes and cards the store holds for it."""
    model = deck.model
    assert model is not None
    deck_id = model.deck.id
    changes = plan.changes
    changes.decks.append(deck_values(deck))
    changes.media += view.new_media(media_of(deck))
    stored_notes = view.notes(deck_id, [c.id for c in model.cards])
    stored_cards = view.cards(list(stored_notes))
    for position, card in enumerate(model.cards):
        values = note_row(
            card, deck_id, position, deck.position_of(position)[0], deck.images, model.deck.module
        )
        keys = keys_of(card)
        note = stored_notes.get(card.id)
        if note is None:
            changes.notes_inserted.append(values)
            (plan.shipped_retired if card.retired else plan.new).append(card.id)
            changes.cards_inserted += new_cards(card.id, deck_id, position, keys, keys)
        else:
            existing = {c.key: c for c in stored_cards.get(card.id, [])}
            _plan_stored_entry(plan, card, note, values, keys, existing)
    in_file = {card.id for card in model.cards}
    for note_id, note in stored_notes.items():
        # An entry gone from its file retires its note, unless it moved to a file read now.
        if note_id in in_file or note_id in claimed or note.deck_id != deck_id or note.retired:
            continue
        plan.retired.append(note_id)
        changes.notes_retired.append(note_id)
        changes.cards_retired.extend(c.id for c in stored_cards.get(note_id, []) if not c.retired)


def _plan_stored_entry(
    plan: SyncPlan,
    card: CardEntry,
    note: StoredNote,
    values: NoteValues,
    keys: list[str],
    existing: dict[str, StoredCard],
) -> None:
    """Plan an entry whose note the store holds: its row, what the summary calls it, and
    its cards (``existing``, by key) against the ``keys`` it makes now."""
    changes = plan.changes
    if note.digest == values.digest and note.retired == values.retired:
        values = values._replace(changed_at=note.changed_at)  # only moved: not a change
    else:  # changed: written with the sync's time, but later than its last change
        values = values._replace(changed_at=-(note.changed_at + 1))
    moved = note.deck_id != values.deck_id
    if (
        note.digest != values.digest
        or moved
        or note.position != values.position
        or note.line != values.line
        or note.retired != values.retired
    ):
        changes.notes_updated.append(values)
    # Which list of the summary it goes to (a new revision also relearns its started cards).
    if card.retired and not note.retired:
        plan.retired.append(card.id)
    elif not card.retired and note.retired:
        plan.restored.append(card.id)
    elif not card.retired and card.revision > note.revision:
        plan.relearn.append(card.id)
        changes.cards_relearned.extend(
            c.id for c in existing.values() if c.queue != Queue.NEW and c.key in keys
        )
    elif note.digest != values.digest or moved:
        plan.updated.append(card.id)
    else:
        plan.unchanged += 1
    if moved:
        changes.card_moves.append(CardMove(card.id, values.deck_id))
    changes.cards_retired.extend(
        c.id for k, c in existing.items() if k not in keys and not c.retired
    )
    changes.cards_restored.extend(c.id for k, c in existing.items() if k in keys and c.retired)
    missing = [k for k in keys if k not in existing]
    changes.cards_inserted += new_cards(card.id, values.deck_id, values.position, missing, keys)


def plan_inherit(conn: Connection, plan: SyncPlan, old_id: str, new_id: str) -> None:
    """Give the successor's still-new cards the retired card's memory state."""
    old = stored.progress_of(conn, old_id)
    if not old:
        return
    queues = stored.card_queues(conn, new_id)
    if any(queue != Queue.NEW for _key, queue in queues):
        return  # the successor already has progress of its own
    if queues and stored.has_history(conn, new_id):
        # New again with a history: the trainee sent it back ("forget") after it inherited
        # or was studied. A full sync reads the retired card's file again each time; handing
        # the old state on again would undo the trainee's choice.
        return
    keys = [key for key, _queue in queues] + [
        c.key for c in plan.changes.cards_inserted if c.note_id == new_id
    ]
    fallback = next(iter(old.values()))
    for key in dict.fromkeys(keys):
        plan.changes.inheritances.append(Inheritance(new_id, key, old.get(key, fallback)))
    if keys:
        plan.inherited.append((new_id, old_id))
