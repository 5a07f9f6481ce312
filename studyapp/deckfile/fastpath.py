"""The fast path: a problem-free deck file read by yaml-rs (Rust) instead of PyYAML.

Reading the 50 files of the 50,000-card benchmark course took 3.5 s through PyYAML with
locations and takes 0.67 s this way (benchmarks/results.md). yaml-rs gives no locations,
so the cards' positions are found in the text and verified against their ids
(:func:`card_positions_in_text`), and :func:`~studyapp.deckfile.yamlsource.load_fast` only
answers for files it can prove it reads as PyYAML would. A file with any problem at all
goes down the located path (:func:`studyapp.deckfile.loader.parse_deck`), which reads it
again and reports every problem at its line and column.
"""

from __future__ import annotations

import studyapp.core.pydanticload  # noqa: F401  (first: pydantic whole, one thread at a time)

# isort: split
import operator
import re
from itertools import accumulate, repeat

from pydantic import ValidationError

from studyapp.deckfile.filechecks import (
    check_cards,
    check_version,
    hidden_character_in,
    may_cut_a_text,
)
from studyapp.deckfile.parsed import ParsedDeck
from studyapp.deckfile.records import validate_records
from studyapp.deckfile.schema import DeckFileModel
from studyapp.deckfile.yamlsource import LoadedYaml, load_fast

__all__ = ["card_positions_in_text", "parse_fast"]


def parse_fast(deck: ParsedDeck, raw: bytes, *, records: bool = False) -> bool:
    """Read a problem-free deck file by the native parser; False to take the located path.

    Any problem at all (error or warning) sends the file down the located path, which reads
    it again and reports every problem with its line and column.

    ``records``: the cards are :class:`~studyapp.deckfile.records.CardRecord` (validated by
    the same rules, without a model each), for a caller that only reads their fields (a
    first import: see :mod:`studyapp.deckfile.records`).
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    data = load_fast(text.removeprefix("\ufeff"))
    if data is None:
        return False
    loaded = LoadedYaml(deck.path, data)
    if not check_version(loaded) or loaded.problems:
        return False
    if records:
        validated = validate_records(data)
        if validated is None:
            return False  # (the located path's models report the errors, with their lines)
        model = validated
    else:
        try:  # (the located path reports the errors, with their lines)
            model = DeckFileModel.model_validate(data)
        except ValidationError:
            return False
    # No text holds "<" or "@" unless the file does, or an escape (a backslash) makes one.
    markup_free = "<" not in text and "@" not in text and "\\" not in text
    check_cards(model.deck.family, list(enumerate(model.cards)), loaded, markup_free=markup_free)
    positions = card_positions_in_text(text, [card.id for card in model.cards])
    if loaded.problems or positions is None:
        return False
    # A hidden control character reaches a text only by an escape (load_fast declines a
    # file holding one as itself): the located path reports it, with its line.
    if "\\" in text and hidden_character_in(data):
        return False
    if may_cut_a_text(text):
        return False  # (the located path sees the comments, and warns of a text cut short)
    deck.model, deck.card_positions, deck._raw = model, positions, raw
    # No text holds a citation without "[@" in the file, or an escape (a backslash) making
    # one: then :meth:`ParsedDeck.compact` looks in no card's texts.
    # ("@" first: a one-character search runs at memory speed, "[@" far slower: 19 -> 1 ms
    # over the 50,000-card course, the same answer)
    deck.may_cite = ("@" in text and "[@" in text) or "\\" in text
    return True


_CARDS_KEY = re.compile(r"cards:[ ]*(?:#[^\n]*)?\r?\n")

_TOP_LEVEL = re.compile(r"\n(?:[^ #\r\n-]|---|\.\.\.)")

# An item's dash is followed by a space or a line break; searched in the whole rest of the
# text (not up to the list's end), a dash right before the list's end (a top-level line) is
# not taken for one, as a search up to the end would not take it.
_ITEM_DASH = r"-(?=[ \r]|\n(?![^ #\r\n-]|---|\.\.\.))"
_FIRST_ITEM_ON = re.compile(rf"\n( *){_ITEM_DASH}")

_ID_VALUE = re.compile(r"""(?:'([^']*)'|"([^"\\]*)"|([^'"\s#][^#]*?))(?:[ ]+#.*)?\r?""")


def card_positions_in_text(text: str, ids: list[str]) -> list[tuple[int, int]] | None:
    """Each card's ``id`` (line, column) in a block-style deck, checked against ``ids``.

    The located path finds these from the nodes; this finds them from the text alone, for
    files read by the fast path. Every position is verified: one item per card at the list's
    indentation, one ``id:`` line within each item whose value is that card's id. Anything
    else (flow style, an id spread over lines, an ``id:`` line in a text) gives None.
    """
    at_start = text.startswith("cards:")
    head = 0 if at_start else text.find("\ncards:") + 1
    if head == 0 and not at_start:
        return None
    match = _CARDS_KEY.match(text, head)
    if match is None:
        return None
    start = match.end() - 1  # the line break before the first item
    first = _FIRST_ITEM_ON.search(text, start)
    if first is None or _TOP_LEVEL.search(text, start, first.start() + 1):
        # (no item before the list's end; the search went to the text's end, see below)
        end_match = _TOP_LEVEL.search(text, start)
        end = end_match.start() if end_match else len(text)
        if _cards_lines(text, at_start, start, end) != 1:
            return None
        return None if ids else []
    indent = first.group(1)
    # The list's end (its first top-level line), its items and its ``id:`` lines in one
    # search from its start (one pass stopping at each line break instead of three: the
    # end's, the items' and the ids'): an item line with its ``id:`` on it (group 1), an
    # ``id:`` line within an item (group 2), or a top-level line (group 3, empty). The first
    # item was found by a search to the text's end, so it is the list's first only if no
    # top-level line comes before it (tested above). card_positions_in_text over the
    # 50,000-card course's 23 MB: 91-94 -> 77-80 ms (best of 5, 3 alternations, load 4.2-4.5),
    # the same answers.
    lines_of = _LIST_LINES.get(indent)
    if lines_of is None:
        lines_of = _LIST_LINES[indent] = re.compile(
            rf"\n(?:{indent}(?:{_ITEM_DASH}(?:[ ]++id:[ ]*+([^\n]*+))?| ++id:[ ]*+([^\n]*+))"
            r"|(?=[^ #\r\n-]|---|\.\.\.)())"
        )
    found = list(lines_of.finditer(text, start))
    tops = list(map(_GROUP_3, found))
    try:
        cut = tops.index("")  # the first top-level line: the list's end
    except ValueError:
        end = len(text)
    else:
        end = found[cut].start()
        del found[cut:]
    # One "cards:" line in the file. None lies in [start, end), which holds no top-level line
    # ("\nc" would be one); and none reaches across ``start`` (the key line holds no line
    # break). So the file's count is the count before ``start`` and from ``end``: the rest of
    # the text is not searched again (11 ms of the 50,000-card course's 23 MB).
    if _cards_lines(text, at_start, start, end) != 1:
        return None
    values = list(map(_GROUP_1, found))
    if len(values) == len(ids) and None not in values:
        # Every line found is an item with its id on it: the items are these lines, each
        # holding its own id line (what the other way checks item by item).
        starts = list(map(_START, found))
        at = list(map(_START, found, repeat(1)))
    else:
        items = [m.start() for m in found if m[2] is None]
        ided = [m for m in found if m[1] is not None or m[2] is not None]
        if not (len(items) == len(ided) == len(ids)):
            return None
        starts = [m.start() for m in ided]
        # each id line lies within its own item: item[i] <= id[i] < item[i + 1]
        if not all(map(operator.le, items, starts)) or not all(map(operator.lt, starts, items[1:])):
            return None
        values = [m[1] if m[1] is not None else m[2] for m in ided]
        at = [m.start(1) if m[1] is not None else m.start(2) for m in ided]
    if values != ids and not all(map(_is_id_value, values, ids)):
        return None
    lines = list(accumulate(map(text.count, repeat("\n"), [0, *at], at)))
    return [(line + 1, value - s) for line, value, s in zip(lines, at, starts, strict=True)]


_LIST_LINES: dict[str, re.Pattern[str]] = {}
""":func:`card_positions_in_text`'s search, by the list's indentation."""
_GROUP_1 = operator.itemgetter(1)
_GROUP_3 = operator.itemgetter(3)
_START = re.Match.start


def _cards_lines(text: str, at_start: bool, start: int, end: int) -> int:
    """The ``cards:`` lines in ``text``, whose cards list spans [``start``, ``end``)."""
    return at_start + text.count("\ncards:", 0, start) + text.count("\ncards:", end)


def _is_id_value(text: str, card_id: str) -> bool:
    """``text`` (the rest of an ``id:`` line) is ``card_id``, plain or quoted, maybe commented."""
    if text == card_id:
        return True
    parsed = _ID_VALUE.fullmatch(text)
    return parsed is not None and next(v for v in parsed.groups() if v is not None) == card_id
