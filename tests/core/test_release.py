"""core.release: a large list let go of a slice at a time, only when nothing else holds it."""

from __future__ import annotations

import weakref

import pytest

from studyapp.core.release import CHUNK, drop_in_chunks


class _Items(list[object]):
    """A list that can be weakly referenced (a plain one cannot)."""


def _watched(count: int) -> tuple[_Items, list[int | None]]:
    """``count`` items that record, as each is freed, how long their list still is (None:
    the list itself was being freed, all at once)."""
    seen: list[int | None] = []
    items = _Items()
    ref = weakref.ref(items)

    class Item:
        def __del__(self) -> None:
            held = ref()
            seen.append(None if held is None else len(held))

    items.extend(Item() for _ in range(count))
    return items, seen


def test_a_list_no_one_else_holds_is_freed_a_slice_at_a_time() -> None:
    items, seen = _watched(6)
    holder: list[list[object]] = [items]
    del items
    drop_in_chunks(holder, 2)
    assert holder == []
    # Freed from the end, two at a time, the list shorter after each slice: never all
    # its items in the one C call that frees a list.
    assert seen == [4, 4, 2, 2, 0, 0]


def test_the_gil_is_offered_between_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    items, seen = _watched(5)
    holder: list[list[object]] = [items]
    del items
    offered: list[int] = []
    monkeypatch.setattr(time, "sleep", lambda seconds: offered.append(len(seen)))
    drop_in_chunks(holder, 2)
    assert offered == [2, 4]  # after each slice but the last


def test_a_list_held_elsewhere_is_left_whole() -> None:
    items, seen = _watched(5)
    holder: list[list[object]] = [items]
    drop_in_chunks(holder, 2)
    assert holder == [] and len(items) == 5 and seen == []
    del items
    assert seen == [None] * 5  # freed by its last holder, as any list


def test_the_default_slice_is_chunk_items() -> None:
    items, seen = _watched(CHUNK + 3)
    holder: list[list[object]] = [items]
    del items
    drop_in_chunks(holder)
    assert seen == [3] * CHUNK + [0] * 3
