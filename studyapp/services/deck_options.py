"""Deck options (issue 12): presets of desired retention and daily limits, shared by decks.

Anki's model: each deck uses one preset; several decks can share one; the Default preset
cannot be deleted, and a deleted preset's decks go back to it. The options are edited as a
whole (:class:`DeckOptions`) and saved in one transaction by :func:`save_deck_options`,
which checks everything first: on bad input nothing is saved and the message says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from studyapp.core.errors import KnownError
from studyapp.core.scheduling import RETENTION_RANGE
from studyapp.store.database import Engine
from studyapp.store.presets import (
    DEFAULT_PRESET_ID,
    DeckPreset,
    Preset,
    assign_deck,
    deck_presets,
    delete_preset,
    presets,
    save_preset,
)

__all__ = [
    "DeckOptions",
    "DeckOptionsError",
    "MAX_NEW_PER_DAY",
    "MAX_REVIEWS_PER_DAY",
    "Preset",
    "SavedOptions",
    "load_deck_options",
    "save_deck_options",
]

MAX_NEW_PER_DAY = 9999
MAX_REVIEWS_PER_DAY = 99999
_NAME_LENGTH = 60


class DeckOptionsError(KnownError):
    """Deck options that cannot be saved (the message says why; nothing was saved)."""


@dataclass
class DeckOptions:
    """Every preset and which one each active deck uses, as edited before saving.

    Presets not yet saved have negative ids (see :meth:`add_preset`).
    """

    presets: dict[int, Preset]
    decks: list[DeckPreset]
    deleted: set[int] = field(default_factory=set)
    _next_id: int = -1

    def preset_of(self, deck_id: str) -> Preset:
        """The preset ``deck_id`` uses.

        Raises:
            DeckOptionsError: no such deck.
        """
        for deck in self.decks:
            if deck.deck_id == deck_id:
                return self.presets[deck.preset_id]
        raise DeckOptionsError(f"there is no deck {deck_id!r}")

    def decks_using(self, preset_id: int) -> list[DeckPreset]:
        return [d for d in self.decks if d.preset_id == preset_id]

    def use(self, deck_id: str, preset_id: int) -> None:
        """Let ``deck_id`` use ``preset_id``.

        Raises:
            DeckOptionsError: no such deck or preset.
        """
        if preset_id not in self.presets:
            raise DeckOptionsError(f"there is no preset with id {preset_id}")
        self.preset_of(deck_id)
        self.decks = [
            d._replace(preset_id=preset_id) if d.deck_id == deck_id else d for d in self.decks
        ]

    def add_preset(self, name: str, *, like: int = DEFAULT_PRESET_ID) -> Preset:
        """A new preset with the values of ``like`` (saved with the rest)."""
        base = self.presets.get(like) or self.presets[DEFAULT_PRESET_ID]
        preset = base._replace(id=self._next_id, name=name.strip())
        self._next_id -= 1
        self.presets[preset.id] = preset
        return preset

    def update(self, preset: Preset) -> None:
        if preset.id not in self.presets:
            raise DeckOptionsError(f"there is no preset with id {preset.id}")
        self.presets[preset.id] = preset

    def delete(self, preset_id: int) -> None:
        """Delete a preset; its decks go back to the Default preset.

        Raises:
            DeckOptionsError: the Default preset, or no such preset.
        """
        if preset_id == DEFAULT_PRESET_ID:
            raise DeckOptionsError("the Default preset cannot be deleted")
        if preset_id not in self.presets:
            raise DeckOptionsError(f"there is no preset with id {preset_id}")
        del self.presets[preset_id]
        if preset_id > 0:
            self.deleted.add(preset_id)
        self.decks = [
            d._replace(preset_id=DEFAULT_PRESET_ID) if d.preset_id == preset_id else d
            for d in self.decks
        ]

    def ordered(self) -> list[Preset]:
        """Default first, then by name."""
        default = self.presets[DEFAULT_PRESET_ID]
        others = [p for i, p in self.presets.items() if i != DEFAULT_PRESET_ID]
        return [default, *sorted(others, key=lambda p: p.name.lower())]

    def check(self) -> None:
        """Every preset is valid: a unique name and values within their ranges.

        Raises:
            DeckOptionsError: the first problem, in one sentence.
        """
        names: dict[str, int] = {}
        low, high = RETENTION_RANGE
        for preset in self.ordered():
            name = preset.name.strip()
            if not name:
                raise DeckOptionsError("a preset needs a name")
            if len(name) > _NAME_LENGTH:
                raise DeckOptionsError(
                    f"a preset's name can have at most {_NAME_LENGTH} characters"
                )
            if name.lower() in names:
                raise DeckOptionsError(f"two presets are named {name!r}; names must differ")
            names[name.lower()] = preset.id
            if not low <= preset.desired_retention <= high:
                raise DeckOptionsError(
                    f"{name}: desired retention must be between {low:.2f} and {high:.2f}, "
                    f"not {preset.desired_retention:g}"
                )
            if not 0 <= preset.new_per_day <= MAX_NEW_PER_DAY:
                raise DeckOptionsError(f"{name}: new cards per day must be 0 to {MAX_NEW_PER_DAY}")
            if not 0 <= preset.reviews_per_day <= MAX_REVIEWS_PER_DAY:
                raise DeckOptionsError(
                    f"{name}: reviews per day must be 0 to {MAX_REVIEWS_PER_DAY}"
                )


def load_deck_options(engine: Engine) -> DeckOptions:
    with engine.connect() as conn:
        return DeckOptions({p.id: p for p in presets(conn)}, deck_presets(conn))


@dataclass(frozen=True, slots=True)
class SavedOptions:
    """What saving changed: the decks whose cards' desired retention is now different (their
    review cards may be rescheduled to it, if the trainee wants)."""

    retention_changed: tuple[str, ...]


def save_deck_options(engine: Engine, options: DeckOptions) -> SavedOptions:
    """Save every preset and deck assignment in one transaction (after :meth:`~DeckOptions.
    check`: on a problem nothing is saved).

    Raises:
        DeckOptionsError: an invalid preset.
    """
    options.check()
    before = load_deck_options(engine)
    retention_before = {
        d.deck_id: before.presets[d.preset_id].desired_retention for d in before.decks
    }
    ids: dict[int, int] = {}
    with engine.begin() as conn:
        for preset_id in options.deleted:
            delete_preset(conn, preset_id)
        # Names are unique: a renamed preset may take a name another one gives up, so
        # every name is first set aside.
        for preset in options.ordered():
            if preset.id > 0 and preset.id in before.presets:
                save_preset(conn, preset._replace(name=f"\x01{preset.id}"))
        for preset in options.ordered():
            stored = save_preset(conn, preset._replace(id=0) if preset.id < 0 else preset)
            ids[preset.id] = stored.id
        for deck in options.decks:
            assign_deck(conn, deck.deck_id, ids.get(deck.preset_id, deck.preset_id))
    after = load_deck_options(engine)
    changed = tuple(
        d.deck_id
        for d in after.decks
        if after.presets[d.preset_id].desired_retention != retention_before.get(d.deck_id)
    )
    return SavedOptions(changed)
