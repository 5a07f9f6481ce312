"""Safe YAML loading that keeps every value's line and column and reports duplicate keys.

PyYAML's safe loaders silently keep the last of two equal keys; authors lose a card's field
that way. Here the file is parsed into events by the C parser (``CSafeLoader``, falling back
to ``SafeLoader``), composed into nodes by :func:`_compose` within the reading limits of
:mod:`studyapp.deckfile.reading` (nesting depth, number of values, alias expansion), then
turned into plain data by a small constructor that knows only the safe scalar types and
records a problem for every duplicate key and unknown tag.

PyYAML's own composers are recursive: its C composer crashes the process (a segmentation
fault) on ~50,000 nested lists, and its Python one raises RecursionError on ~330. The fast
path's Rust parser crashes on ~30,000 nested block lists; :func:`load_fast` declines any
file that could nest that deep, before the parser sees it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from studyapp.core.gcpause import gc_paused
from studyapp.core.markup import CITATION
from studyapp.core.nativeyaml import native_yaml
from studyapp.deckfile.problems import Problem, Severity
from studyapp.deckfile.reading import ALIAS_ALLOWANCE, ALIAS_FACTOR, MAX_DEPTH, MAX_VALUES

__all__ = [
    "PROSE_FIELDS",
    "LoadedYaml",
    "Loader",
    "load_fast",
    "load_yaml",
    "locate",
    "problem_at",
    "locate_text",
    "text_position",
    "version_ambiguity",
]

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_IMPLICIT_FIRSTS = frozenset(k for k in _BaseLoader.yaml_implicit_resolvers if k)
_RESOLVER = yaml.resolver.Resolver()


class Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The safe C loader, with a shortcut in tag resolution (called for every scalar).

    Same answers as the stock resolver, which with no path resolvers registered returns
    ``str`` for every quoted or block scalar and for every plain scalar whose first
    character starts no implicit type (null, bool, int, float, timestamp, merge, value).
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and (
            not implicit[0] or (value and value[0] not in _IMPLICIT_FIRSTS)
        ):
            return _STR
        return super().resolve(kind, value, implicit)  # type: ignore[no-any-return]


_INT = "tag:yaml.org,2002:int"
_MAX_INT_DIGITS = 4300
"""Python's default limit on digits turned into an int (``sys.int_info.default_max_str_digits``)."""
_SAFE_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "timestamp", "binary")
)


@dataclass
class LoadedYaml:
    """The data of one YAML file, its root node (for locations) and the problems found."""

    path: str
    data: Any = None
    root: yaml.Node | None = None
    problems: list[Problem] = field(default_factory=list)
    text: str = ""
    """The decoded file, for locating a problem inside a value (see :func:`locate_text`)."""
    unreadable: set[int] = field(default_factory=set)
    """Ids of the value nodes already reported (a number too long, a value YAML 1.1 and 1.2
    read differently): the value standing for such a node gets no second error there."""

    def error(self, node: yaml.Node | None, message: str) -> None:
        if node is not None and id(node) in self.unreadable:
            return
        self.problems.append(problem_at(self.path, node, Severity.ERROR, message))

    def warning(self, node: yaml.Node | None, message: str) -> None:
        self.problems.append(problem_at(self.path, node, Severity.WARNING, message))


def problem_at(
    path: str,
    node: yaml.Node | None,
    severity: Severity,
    message: str,
    *,
    offset: int | None = None,
) -> Problem:
    """A problem at the start of ``node`` (at 1:1 without one): the one way a YAML node
    becomes a location. With ``offset``, at that many characters into the node's text
    instead, if the value is a plain or quoted scalar on one line (else at its start)."""
    if node is None:
        return Problem(path, 1, 1, severity, message)
    start = node.start_mark
    line, column = start.line + 1, start.column + 1
    if offset is not None:
        style = getattr(node, "style", None)
        if start.line == node.end_mark.line and style in (None, "", "'", '"'):
            column += offset + (1 if style in ("'", '"') else 0)
    return Problem(path, line, column, severity, message)


def _decode(path: str, raw: bytes, result: LoadedYaml) -> str | None:
    if b"\0" in raw[:8192]:
        result.problems.append(
            Problem(path, 1, 1, Severity.ERROR, "not a text file (it contains NUL bytes)")
        )
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        result.problems.append(
            Problem(path, line, column, Severity.ERROR, "not valid UTF-8 text; save it as UTF-8")
        )
        return None
    return text.removeprefix("\ufeff")


def load_yaml(path: str, raw: bytes) -> LoadedYaml:
    """Parse ``raw`` (the bytes of the file at ``path``) into plain data with locations.

    Never raises for bad input: syntax errors, several documents, duplicate keys and unsafe
    tags all become problems on the result. After a syntax error ``data`` is None; after a
    duplicate key or unsafe tag it holds the rest of the file (the first of two equal keys,
    None for the unsafe value) so that validation can go on and report everything at once.
    """
    result = LoadedYaml(path)
    text = _decode(path, raw, result)
    if text is None:
        return result
    result.text = text
    editor = _EditorLines(text) if any(b in text for b in _YAML_ONLY_BREAKS) else None
    loader = Loader(text)
    try:
        with gc_paused():
            root = _compose(loader)
    except _LimitError as exc:
        mark = exc.mark if editor is None else editor.mark(exc.mark)
        result.problems.append(
            Problem(path, mark.line + 1, mark.column + 1, Severity.ERROR, exc.message)
        )
        return result
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is not None and editor is not None:
            mark = editor.mark(mark)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        lines = _EDITOR_BREAK.split(text)
        if 0 < line <= len(lines) and "\t" in lines[line - 1][: column + 1]:
            message += " (a tab: YAML indentation must use spaces)"
        elif 0 < line <= len(lines):
            message = _text_hint(lines[line - 1], column) or message
        result.problems.append(Problem(path, line, column, Severity.ERROR, f"YAML: {message}"))
        return result
    except yaml.YAMLError as exc:  # pragma: no cover - reader errors without a mark
        result.problems.append(Problem(path, 1, 1, Severity.ERROR, f"YAML: {exc}"))
        return result
    finally:
        loader.dispose()
    result.root = root
    if root is None:
        return result
    if editor is not None:
        editor.relocate(root)
    with gc_paused():
        result.data = _Constructor(result, loader).build(root)
    return result


# A ``key: value`` line (a list item's first key too), for telling an author which text
# YAML could not read.
_KEY_VALUE_LINE = re.compile(r"^[ ]*(?:-[ ]+)*([A-Za-z_][A-Za-z0-9_]*):[ ]+(\S.*)$")
# The fields a sentence goes in: a text there starting with "{", "[" or "*" was not meant
# as a mapping, a list or an alias.
PROSE_FIELDS = frozenset(
    {"front", "back", "text", "extra", "correction", "retired", "content_note", "title"}
    | {"description", "alt", "authors", "venue", "note", "reliability"}
)
# What YAML reads as syntax at the start of a plain (unquoted) value.
_SYNTAX_FIRSTS = {
    "@": "'@'",
    "`": "'`'",
    "%": "'%'",
    "*": "'*'",
    "&": "'&'",
    "-": "'- '",
}


def _text_hint(line: str, column: int) -> str | None:
    """For a syntax error at ``column`` (1-based) of ``line`` that falls in the value of a
    ``key: value`` line whose key is a prose field (``front``, ``title``...): what in that
    text YAML read as syntax and how to write it; None if the error is not one of those (a
    broken list or mapping, an alias, an indentation)."""
    found = _KEY_VALUE_LINE.match(line)
    if found is None or column < found.start(2) + 1 or found.group(1) not in PROSE_FIELDS:
        return None
    key, value = found.group(1), found.group(2)
    first = value[0]
    quote_fix = 'put the whole text in double quotes (a " inside as \\")'
    if first == '"' and value.find('"', 1) < column - found.start(2) - 1:
        return (
            f"the text of '{key}' is in double quotes and holds a double quote, which ends it; "
            'write that one as \\" (or put the text in single quotes)'
        )
    if first == "'" and value.find("'", 1) < column - found.start(2) - 1:
        return (
            f"the text of '{key}' is in single quotes and holds an apostrophe, which ends it; "
            "write that one as '' (two single quotes), or put the text in double quotes"
        )
    if first in "{[":
        return (
            f"the text of '{key}' starts with '{first}', which YAML reads as the start of a "
            f"{'mapping' if first == '{' else 'list'}; {quote_fix}"
        )
    if first in "|>":
        return (
            f"the text of '{key}' starts with '{first}' followed by words on the same line; "
            f"a '{first}' there means the text follows on the lines below: put it there, "
            f"indented, or {quote_fix}"
        )
    if first in _SYNTAX_FIRSTS and (first != "-" or value.startswith("- ")):
        return (
            f"the text of '{key}' starts with {_SYNTAX_FIRSTS[first]}, which YAML reads as "
            f"syntax; {quote_fix}"
        )
    if first not in "\"'{[" and ": " in value:
        return (
            f"the text of '{key}' holds ': ', which YAML reads as the start of another field; "
            f"{quote_fix}"
        )
    return None


_YAML_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")
_EDITOR_BREAK = re.compile(r"\r\n?|\n")


class _EditorLines:
    """Lines and columns as editors count them, for a text holding NEL, LS or PS.

    YAML 1.1 (PyYAML and libyaml) also ends a line at NEL (U+0085), LS (U+2028) and PS
    (U+2029), which a text pasted from a word processor may hold; editors (the language
    server protocol), GitHub's annotations and ``grep -n`` end lines only at LF, CR LF and
    CR. The marks are recomputed from their character index, so every problem is where the
    author sees it. Only for such a text: every other file keeps libyaml's marks as they are.
    """

    def __init__(self, text: str) -> None:
        self._starts = [0, *(m.end() for m in _EDITOR_BREAK.finditer(text))]

    def mark(self, mark: Any) -> yaml.Mark:
        line = bisect_right(self._starts, mark.index) - 1
        return yaml.Mark(mark.name, mark.index, line, mark.index - self._starts[line], None, 0)

    def relocate(self, root: yaml.Node) -> None:
        """Every node's marks under ``root``, recomputed (an aliased node once)."""
        seen: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            node.start_mark = self.mark(node.start_mark)
            node.end_mark = self.mark(node.end_mark)
            if isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    stack.append(key_node)
                    stack.append(value_node)


class _LimitError(Exception):
    """A document beyond a reading limit, at ``mark``."""

    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


_NO_KEY = object()


def _compose(loader: yaml.SafeLoader) -> yaml.Node | None:
    """``loader.get_single_node()`` within the reading limits, without recursion.

    Builds the same nodes as PyYAML's composer (an alias is the anchored node itself, not a
    copy), from the parser's events, while counting for each node the values it expands to
    (an alias counts every value it repeats) and how deep it nests. Raises
    :class:`_LimitError` at the first value beyond :data:`MAX_DEPTH` levels or
    :data:`MAX_VALUES` values, at an alias inside the collection it names (a loop), or, at
    the end, at the largest alias when aliases expand the document to more than
    :data:`ALIAS_FACTOR` times its written values; and PyYAML's own ``ComposerError`` for an
    undefined alias, a repeated anchor or a second document.
    """
    get_event: Callable[[], Any] = loader.get_event
    resolve: Callable[..., str] = loader.resolve
    get_event()  # the stream's start
    event = get_event()
    if type(event) is yaml.StreamEndEvent:
        return None
    root = _compose_document(get_event, resolve)
    event = get_event()
    if type(event) is not yaml.StreamEndEvent:
        raise yaml.composer.ComposerError(
            "expected a single document in the stream",
            root.start_mark,
            "but found another document",
            event.start_mark,
        )
    return root


def _compose_document(get_event: Callable[[], Any], resolve: Callable[..., str]) -> yaml.Node:
    """The root node of the document whose start event was just read (see :func:`_compose`)."""
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    seq_start, map_start = yaml.SequenceStartEvent, yaml.MappingStartEvent
    scalar_node, seq_node, map_node = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
    # Each open collection: [node, anchor, values it expands to, height, pending key]
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[yaml.Node, int, int] | None] = {}
    written = 0  # values as written (an alias is one)
    expanded = 0  # values once every alias is replaced by what it names
    largest: tuple[int, Any] = (0, None)  # the alias that repeats the most values
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event:
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(scalar_node, event.value, event.implicit)
            node: yaml.Node = scalar_node(
                tag, event.value, event.start_mark, event.end_mark, style=event.style
            )
            if event.tag is not None and event.tag != "!":
                node.__dict__["explicit_tag"] = True  # ``!!str 010`` is text in any version
            size, height = 1, 0
            if event.anchor is not None:
                _check_anchor(anchors, event)
                anchors[event.anchor] = (node, 1, 0)
            written += 1
            expanded += 1
            if expanded > MAX_VALUES:
                raise _LimitError(event.start_mark, _TOO_MANY)
        elif kind is seq_start or kind is map_start:
            if len(stack) >= MAX_DEPTH:
                raise _LimitError(event.start_mark, _TOO_DEEP)
            tag = event.tag
            node_class = seq_node if kind is seq_start else map_node
            if tag is None or tag == "!":
                tag = resolve(node_class, None, event.implicit)
            node = node_class(tag, [], event.start_mark, None, flow_style=event.flow_style)
            if event.anchor is not None:
                _check_anchor(anchors, event)
                anchors[event.anchor] = None  # open: an alias to it now would be a loop
            stack.append([node, event.anchor, 1, 0, _NO_KEY])
            written += 1
            expanded += 1
            if expanded > MAX_VALUES:
                raise _LimitError(event.start_mark, _TOO_MANY)
            continue
        elif kind is alias_event:
            entry = anchors.get(event.anchor, _NO_KEY)
            if entry is _NO_KEY:
                raise yaml.composer.ComposerError(
                    None, None, f"found undefined alias {event.anchor!r}", event.start_mark
                )
            if entry is None:
                raise _LimitError(
                    event.start_mark,
                    f"the alias *{event.anchor} is inside the collection it names (a loop); "
                    "an alias may only repeat a value that is complete",
                )
            node, size, height = entry  # type: ignore[misc]
            if len(stack) + height > MAX_DEPTH:
                raise _LimitError(
                    event.start_mark, f"through the alias *{event.anchor}, {_TOO_DEEP}"
                )
            if size > largest[0]:
                largest = (size, event)
            written += 1
            expanded += size
            if expanded > MAX_VALUES:
                raise _LimitError(event.start_mark, _TOO_MANY_ALIASED)
        else:  # the end of a collection
            frame = stack.pop()
            node = frame[0]
            node.end_mark = event.end_mark
            size, height = frame[2], frame[3] + 1
            if frame[1] is not None:
                anchors[frame[1]] = (node, size, height)
        if not stack:  # the whole document
            get_event()  # its end
            if expanded > max(ALIAS_ALLOWANCE, ALIAS_FACTOR * written):
                raise _LimitError(
                    largest[1].start_mark,
                    f"aliases expand this file to {expanded:,} values from the {written:,} "
                    f"written (more than {ALIAS_FACTOR} times); this alias alone repeats "
                    f"{largest[0]:,}",
                )
            return node
        frame = stack[-1]
        frame[2] += size
        if height > frame[3]:
            frame[3] = height
        container = frame[0]
        if type(container) is seq_node:
            container.value.append(node)
        elif frame[4] is _NO_KEY:
            frame[4] = node
        else:
            container.value.append((frame[4], node))
            frame[4] = _NO_KEY


_TOO_DEEP = f"lists and mappings nest more than {MAX_DEPTH} levels deep"
_TOO_MANY = (
    f"the file holds more than {MAX_VALUES:,} values (texts, lists and mappings); "
    "split its cards over several files"
)
_TOO_MANY_ALIASED = (
    f"aliases expand the file to more than {MAX_VALUES:,} values (texts, lists and mappings)"
)


def _check_anchor(anchors: dict[str, Any], event: Any) -> None:
    if event.anchor in anchors:
        first = anchors[event.anchor]
        raise yaml.composer.ComposerError(
            f"found duplicate anchor {event.anchor!r}; first occurrence",
            first[0].start_mark if first is not None else None,
            "second occurrence",
            event.start_mark,
        )


# What the native parser would read differently from PyYAML (YAML 1.1, the reference here),
# or what only the located path reports. Each check is a C-speed scan (str.find, a regex
# with a literal first, bytes.translate): the fast path must stay fast on 50 MB of decks.
_INDICATORS = {  # tags, anchors, aliases and the reserved indicators, opening a token
    char: re.compile(rf"\{char}(?<![^\s\[\]{{}},]\{char})(?=\S)") for char in "!&*`"
}
# ... but "[@" is a citation in text, not a token: a "[" that opens a flow list is declined
# by the flow checks below unless the list holds only plain words, or "@" follows it (an
# error to both parsers).
_INDICATORS["@"] = re.compile(r"@(?<![^\s\]{},]@)(?=\S)")
# 0o17, 010, 0x1F, 0b1, 0_1 opening a token, maybe signed (but not the 05 of 2019-05)
_RADIX_NUMBER = re.compile(r"0[0-9oObBxX_](?<![^\s\[{,+-]..)(?<![^\s\[{,][-+]..)")
# 1_000: a number to PyYAML (and yaml-rs), text to YAML 1.2 (the located path reports it)
_UNDERSCORE_NUMBER = re.compile(r"(?<![^\s\[,])[-+]?[0-9][0-9_]*_[0-9_.:]*(?=[ ]*(?:[,\]\r\n#]|$))")
# Searching text for _UNDERSCORE_NUMBER tries it at every position (no literal first): 14-17 ms
# a 1,000-card file, 0.7 s of a 50,000-card import, since "_" is in every deck ("as_of").
# Every match holds a "_" right after a digit (its first "_"), and can only start where the
# run of sign, digit and "_" characters around that "_" starts: so find those "_" by a
# literal-first scan and try the pattern at each run's start only (0.1 ms a file).
_DIGIT_UNDERSCORE = re.compile(r"_(?<=[0-9]_)")
_NUMBER_RUN_START = re.compile(r"[-+0-9_]*\Z")


def _has_underscore_number(text: str) -> bool:
    """``_UNDERSCORE_NUMBER.search(text)``, without trying every position of ``text``."""
    for hit in _DIGIT_UNDERSCORE.finditer(text):
        before = text[max(0, hit.start() - 64) : hit.start()]
        run = _NUMBER_RUN_START.search(before)
        start = hit.start() - (len(before) - run.start() if run else 0)
        if hit.start() - start >= 64:  # a very long run of digits: try it the plain way
            return _UNDERSCORE_NUMBER.search(text) is not None
        if _UNDERSCORE_NUMBER.match(text, start):
            return True
    return False


_SINGLE_BRACE = re.compile(r"\{(?<!\{\{)(?!\{)")  # a flow mapping; a cloze's {{ is text
_LONE_CR = re.compile(r"\r(?!\n)")
# PyYAML's unprintables, and NEL, LS, PS, BOM (line breaks to it), and the bidirectional
# controls (an error the located path reports at its place: filechecks.check_hidden_characters)
_UNICODE_UNSAFE = re.compile(
    r"[^\t\n\r\x20-\x7e\xa0-\u2027\u202f-\u2065\u206a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
    r"\U00010000-\U0010ffff]"
)
_ASCII_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\n\r"
# A flow sequence opening a value; the fast path takes only one-line lists of plain words
# (``tags: [mdma, ptsd]``), where the two parsers' flow-context rules cannot differ.
# (``[`` after ``key:`` and spaces, or opening a line after spaces and ``- `` entries; found
# by one linear search, not a look back along the line from every ``[``, which a long line
# full of brackets would make quadratic)
_FLOW_AFTER_KEY = re.compile(r":[ ]+\[")
_FLOW_AT_LINE = re.compile(r"\n[ ]*(?:-[ ]+)*\[")  # (each with a literal first: a fast scan)
_FLOW_AT_START = re.compile(r"[ ]*(?:-[ ]+)*\[")
_SIMPLE_FLOW = re.compile(r"\[[ ]*(?:\w[\w.+/ -]*(?:,[ ]*\w[\w.+/ -]*)*)?\][ ]*(?:#.*)?\r?$", re.M)


def _fast_unsafe(text: str, ascii_unprintable: bool | None = None) -> bool:
    """True if ``text`` holds anything the fast path does not read exactly as PyYAML.

    That is: no final line break (a block scalar's last line would differ), a tab, a
    directive, a tag, anchor, alias or reserved indicator, a number in radix or leading-zero
    form, a flow mapping, a flow sequence other than a one-line list of plain words, a
    character PyYAML rejects or reads as a line break, a bidirectional control (an error),
    or a lone CR.

    ``ascii_unprintable``: for an ASCII text, whether it holds a byte other than printable
    ASCII, LF and CR, if :func:`_scan_bound` found out already (else it is looked for here).
    """
    # ("%" first: a one-character search runs at memory speed, "\n%" stops at every line
    # break: 20.6 -> 1.0 ms over the 50,000-card course's 23 MB, the same answer)
    if not text.endswith("\n") or "\t" in text or text.startswith("%"):
        return True
    if "%" in text and "\n%" in text:
        return True
    if "@" in text and "[@" in text:
        text_only = CITATION.sub("", text)  # "; @id" inside a citation opens no token
        if _INDICATORS["@"].search(text_only):
            return True
    elif "@" in text and _INDICATORS["@"].search(text):
        return True
    if any(
        char in text and pattern.search(text)
        for char, pattern in _INDICATORS.items()
        if char != "@"
    ):
        return True
    if _RADIX_NUMBER.search(text) or _SINGLE_BRACE.search(text):
        return True
    if "_" in text and _has_underscore_number(text):
        return True
    if text.isascii():
        if ascii_unprintable is None:
            ascii_unprintable = bool(text.encode("ascii").translate(None, _ASCII_PRINTABLE))
        if ascii_unprintable:
            return True
    elif _UNICODE_UNSAFE.search(text):
        return True
    if "\r" in text and _LONE_CR.search(text):
        return True
    if "[" in text:
        openings = [_FLOW_AT_START.match(text)]
        openings += _FLOW_AFTER_KEY.finditer(text)
        openings += _FLOW_AT_LINE.finditer(text)
        for opening in openings:
            if opening is None or text.startswith("@", opening.end()):
                # "[@" opening a line is a citation in a wrapped text, read as text by both
                # parsers; opening a flow list it is an error to both ("@" starts no
                # token), and the located path reports it
                continue
            if not _SIMPLE_FLOW.match(text, opening.end() - 1):
                return True
    return False


_NO_ALIASES: Any = None  # made by the first _no_aliases


def _no_aliases(native: Any) -> Any:
    """Limits under which ``native`` (``yaml_rs``) expands no alias. Aliases never reach the
    fast path (``_fast_unsafe`` declines ``&`` and ``*``); should one slip through, the
    parser refuses to expand it and the located path reads the file."""
    global _NO_ALIASES
    if _NO_ALIASES is None:
        _NO_ALIASES = native.AliasLimits(
            max_total_replayed_events=0,
            max_replay_stack_depth=1,
            max_alias_expansions_per_anchor=0,
        )
    return _NO_ALIASES


# The fast path reads block collections and one-line lists of words only (``_fast_unsafe``
# declines flow mappings, other flow lists, complex keys, tags and aliases). A block
# collection inside another starts further right, except a list that is a mapping's value,
# which may start at the mapping's column; so a document nests at most twice as deep as the
# widest run of spaces and ``-`` opening a line, plus the root and a one-line list.
_FAST_MAX_RUN = MAX_DEPTH // 2 - 2
_DEEP_LINE = re.compile(rf"\n[ -]{{{_FAST_MAX_RUN}}}")  # (a literal first: a fast scan)
_DEEP_START = re.compile(rf"[ -]{{{_FAST_MAX_RUN}}}")


_FAST_MAX_BOUND = 2 * MAX_VALUES
"""The most values the native parser may be given to hold (about 40 MB of objects): a
file that may hold more than :data:`MAX_VALUES` but not more than this is read, and its
values counted before it is used."""


def _fast_bound(text: str) -> int | None:
    """:func:`_scan_bound`'s bound."""
    return _scan_bound(text)[0]


def _scan_bound(text: str) -> tuple[int | None, bool | None]:
    """The most values ``text`` can hold on the fast path, or None if it could nest too
    deep for it.

    Checked before the native parser runs, since it would crash on deep nesting and hold
    every value in memory before any count: a line opening with :data:`_FAST_MAX_RUN` or
    more spaces and dashes could nest too deep, and every value the fast path reads needs a
    ``:``, ``-``, ``,`` or ``[`` of its own (a mapping entry's key, value and mapping; a
    block list's entry and list; a flow list's items and list), which bounds their number.
    The bound is loose (each ``:`` counted as a mapping of its own): 15,000 cards of four
    fields and a source list hold 150,000 values against a bound of 240,000.

    Also, for an ASCII text, whether it holds a byte other than printable ASCII, LF and CR
    (for :func:`_fast_unsafe`); None if not looked for.
    """
    if _DEEP_START.match(text) or _DEEP_LINE.search(text):
        return None, None
    if text.isascii():
        # One pass over the text's bytes deleting printable ASCII, LF and CR but the four
        # characters counted, instead of four str.count scans and _fast_unsafe's own pass
        # for unprintable bytes: what is left is the four characters and any such byte.
        # Over the 50,000-card course's 23 MB: _fast_bound and _fast_unsafe 115-117 -> 62-65
        # ms (best of 5, 3 alternations, load 5), the same bound and answer.
        kept = text.encode("ascii").translate(None, _PRINTABLE_BUT_BOUND)
        colons, dashes, commas, brackets = map(kept.count, (b":", b"-", b",", b"["))
        unprintable = len(kept) != colons + dashes + commas + brackets
    else:
        colons, dashes, commas, brackets = map(text.count, (":", "-", ",", "["))
        unprintable = None
    return 3 * colons + 2 * dashes + commas + 2 * brackets + 2, unprintable


_PRINTABLE_BUT_BOUND = bytes(sorted(set(_ASCII_PRINTABLE) - set(b":-,[")))


def _values_in(data: Any) -> int:
    """The values (texts and other scalars, keys among them, lists and mappings) in
    ``data``, counted as the located path counts them."""
    total = 0
    pending = [data]
    pop, push = pending.pop, pending.extend
    while pending:
        value = pop()
        total += 1
        if isinstance(value, dict):
            total += len(value)  # the keys
            push(value.values())
        elif isinstance(value, list):
            push(value)
    return total


def load_fast(text: str) -> dict[str, Any] | None:
    """The data of a YAML mapping document, read by the native ``yaml_rs`` parser.

    About ten times faster than the located path (:func:`load_yaml`), with no locations.
    Returns None, and the caller takes the located path, unless the result is certain to
    equal PyYAML's: a syntax error, a duplicate key, several documents, a root that is not
    a mapping, a key that is not text, anything :func:`_fast_unsafe` finds, or a text scalar
    that PyYAML would read as another type (``yes``, ``2019-01-01``, ``1:20``) all give None.

    A number in exponent form (``1e3``: a float here and to YAML 1.2, text to PyYAML) is
    declined too: the located path reports it as read differently by the YAML versions.

    On a thread other than the main one, None until the main thread has loaded the parser
    (:mod:`studyapp.core.nativeyaml` says why a worker thread must never load it).
    """
    native = native_yaml()  # None on a worker thread before the main thread loaded it
    if native is None:
        return None
    bound, ascii_unprintable = _scan_bound(text)
    if bound is None or bound > _FAST_MAX_BOUND or _fast_unsafe(text, ascii_unprintable):
        return None
    try:
        with gc_paused():
            data = native.loads(text, parse_datetime=False, alias_limits=_no_aliases(native))
    except Exception:  # any failure means: take the located path
        return None
    if bound > MAX_VALUES and _values_in(data) > MAX_VALUES:
        return None  # the located path reports the limit, at the value beyond it
    if not isinstance(data, dict) or not _same_as_pyyaml(data, text):
        return None
    return data


# A text PyYAML's resolver could read as another type starts with a sign, digit, dot, ``<``,
# ``=``, ``~`` (or ``!&*``, declined earlier), or is a word of up to five letters starting
# with one of yYnNtTfFoO (``yes``, ``off``, ``False``); a text of line breaks only starts
# with one.
_MAYBE_RETYPED = frozenset("-+.0123456789<=~!&*")
_MAYBE_WORD = frozenset("yYnNtTfFoO")
_SPECIAL_FIRSTS = _MAYBE_RETYPED | _MAYBE_WORD | {"\n"}
_INT64 = range(-(2**63), 2**64)  # the integers the former orjson walk could serialise
# 1e3: a float to yaml_rs and YAML 1.2, text to PyYAML (the located path reports it)
_EXPONENT_TOKEN = re.compile(
    r"(?<![^\s\[,])[-+]?[0-9._]*[0-9][0-9._]*[eE][-+]?[0-9]+(?=[ ]*(?:[,\]\r\n#]|$))", re.M
)


def _same_as_pyyaml(data: Any, text: str) -> bool:
    """True if ``data`` (read from ``text``) holds no text that PyYAML's resolver would read
    as another type, and no number YAML 1.1 and 1.2 read differently.

    Declined: a key that is not text, an integer beyond 64 bits, a value of any other type
    than yaml_rs gives (text, int, float, bool, None, list, dict), a float when ``text``
    holds a number in exponent form, a text of line breaks only (an empty block scalar
    ending the file: "" to PyYAML, "\\n" to yaml_rs), and a text :func:`_retyped` finds.

    One walk over the values in Python, each text's first character looked up in a set and
    only the few that could be another type resolved, instead of ``orjson.dumps`` plus
    regular-expression scans of the JSON (``_JSON_FLOAT`` alone was 1.9 ms a 1,000-card
    file): 4.2 -> 1.3 ms a file on data walked before, 5.0 -> 2.8 ms on data fresh from the
    parser as in an import (the 50 files of 50,000 cards: 0.25 -> 0.14 s CPU, busy machine).
    """
    # (a text's first character as ``item[0]`` after ``item`` is tested, not ``item[:1]``,
    # which makes a slice object every text: the walk over the 10,000-card course 126.2 ->
    # 116.4 M instructions, callgrind; "" has no first character either way)
    special, word = _SPECIAL_FIRSTS, _MAYBE_WORD
    stays_text: set[str] = set()  # texts found to stay text (keys and list items among them)
    floats = False
    pending: list[Any] = [data]
    pop, push = pending.pop, pending.append
    while pending:
        value = pop()
        kind = type(value)
        if kind is list:
            # A list walked item by item (its texts are kept, see below)
            for item in value:
                kind = type(item)
                if kind is str:
                    if (
                        item
                        and item[0] in special
                        and (len(item) <= 5 or item[0] not in word)
                        and item not in stays_text
                        and not _stays_text(item)
                    ):
                        return False
                    stays_text.add(item)
                elif kind is list or kind is dict:
                    push(item)
                elif kind is float:
                    floats = True
                elif kind is int:
                    if item not in _INT64:
                        return False
                elif kind is not bool and item is not None:
                    return False
            continue
        if kind is dict:
            if not value.keys() <= stays_text:  # (a C-speed test: the same keys each card)
                for key in value:
                    if type(key) is not str or not _stays_text(key):
                        return False
                    stays_text.add(key)
            items: Any = value.values()
        else:  # the root
            items = (value,)
        for item in items:
            kind = type(item)
            if kind is str:
                # (a text of more than five characters opening with one of yYnNtTfFoO stays
                # text, as _stays_text says: it is neither looked up nor kept. 38,000 of the
                # 50,000-card course's 397,000 texts: the walk 102-104 -> 96-98 ms, the same answer)
                if (
                    item
                    and item[0] in special
                    and (len(item) <= 5 or item[0] not in word)
                    and item not in stays_text
                ):
                    if not _stays_text(item):
                        return False
                    stays_text.add(item)
            elif kind is list:
                # A list of texts each found to stay text before (a card's tags and sources
                # repeat the same few words) is answered by one C-speed set test instead of
                # being walked: the set holds texts only, so it holds every item of the list
                # only if each is a text equal to one already found to stay text. An
                # unhashable item (a list or mapping) raises TypeError: walked then.
                try:
                    if stays_text.issuperset(item):
                        continue
                except TypeError:
                    pass
                push(item)
            elif kind is dict:
                push(item)
            elif kind is float:
                floats = True
            elif kind is int:
                if item not in _INT64:
                    return False
            elif kind is not bool and item is not None:
                return False
    return not (floats and _EXPONENT_TOKEN.search(text))


def _stays_text(text: str) -> bool:
    """False for a text PyYAML's resolver may read as another type (see :func:`_retyped`)
    or of line breaks only."""
    first = text[:1]
    if first == "\n" and not text.strip("\n"):
        return False
    if first in _MAYBE_RETYPED or (first in _MAYBE_WORD and len(text) <= 5):
        return not _retyped(text)
    return True


def _retyped(text: str) -> bool:
    """True for a text PyYAML would read as another type, or that YAML versions disagree on
    (the located path reports those)."""
    if text in _Y11_ONLY_BOOLS:
        return True
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    return tag != _STR


# YAML 1.2's core schema (what editors read, through the YAML language server), for the
# plain scalars that do not stay text: https://yaml.org/spec/1.2.2/#1032-tag-resolution
_Y12_NULL = re.compile(r"null|Null|NULL|~|")
_Y12_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False}
_Y12_BOOL["FALSE"] = False
_Y12_INT = re.compile(r"[-+]?[0-9]+")
_Y12_OCT = re.compile(r"0o([0-7]+)")
_Y12_HEX = re.compile(r"0x([0-9a-fA-F]+)")
_Y12_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_Y12_INF = re.compile(r"([-+]?)\.(?:inf|Inf|INF)")
_Y12_NAN = re.compile(r"\.(?:nan|NaN|NAN)")
_Y12_FIRSTS = frozenset("-+.0123456789tTfFnN~")
_Y11_ONLY_BOOLS = frozenset({"y", "Y", "n", "N"})
_CHECKED_FIRSTS = _Y12_FIRSTS | frozenset("oOyY")  # and yes, on, off
"""Booleans to the YAML 1.1 specification (and to editors set to YAML 1.1), text to PyYAML."""
_NOT_NUMBER = object()


def _yaml12(text: str) -> Any:
    """The value YAML 1.2's core schema gives the plain scalar ``text``."""
    if not text or text[0] in _Y12_FIRSTS:
        if _Y12_NULL.fullmatch(text):
            return None
        if text in _Y12_BOOL:
            return _Y12_BOOL[text]
        if _Y12_INT.fullmatch(text):
            return int(text)
        if match := _Y12_OCT.fullmatch(text):
            return int(match[1], 8)
        if match := _Y12_HEX.fullmatch(text):
            return int(match[1], 16)
        if _Y12_FLOAT.fullmatch(text):
            return float(text)
        if match := _Y12_INF.fullmatch(text):
            return float("-inf") if match[1] == "-" else float("inf")
        if _Y12_NAN.fullmatch(text):
            return float("nan")
    return text


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and a != a:
        return bool(b != b)
    return bool(a == b)


def _words(value: Any) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"the number {_plain(value)}"
    return "text"


def _plain(value: Any) -> str:
    """``value`` as one would write it plainly in either YAML version."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def version_ambiguity(text: str, value: Any) -> tuple[str, Any] | None:
    """A message and the YAML 1.2 reading if the plain scalar ``text``, read as ``value`` by
    StudyApp's YAML 1.1 loader, means something else in YAML 1.2 (or in the YAML 1.1
    specification, which also makes ``y`` and ``n`` booleans); None when all agree.

    Editors read YAML 1.2, so such a value would look right in the editor and mean
    something else to StudyApp: ``yes``, ``no``, ``on``, ``off``, ``y``, ``n``, ``010``
    (8 or 10), ``0o17``, ``0b101``, ``1_000``, ``1:20`` and ``1e3`` among them. A date
    (``2026-01-12``) is a date to YAML 1.1 and the same date written as text to YAML 1.2:
    the same meaning, so it is left alone.
    """
    if isinstance(value, date):
        return None
    if text in _Y11_ONLY_BOOLS:
        meaning = "true" if text in "yY" else "false"
        return (
            f"{text!r} reads as {meaning} in YAML 1.1 (and in editors set to it) but as text "
            f"to StudyApp; quote it ('{text}') to mean the letter, or write {meaning}",
            text,
        )
    other = _yaml12(text)
    if _same(value, other):
        return None
    said = (
        f"{text!r} reads as {_words(value)} in YAML 1.1 (StudyApp) but as {_words(other)} "
        "in YAML 1.2 (editors)"
    )
    if isinstance(other, str):
        fix = _plain(value) if value is not None else "nothing (or ~)"
        return f"{said}; quote it ('{text}') if you mean text, or write {fix}", other
    if isinstance(value, str):
        return (
            f"{said}; write {_plain(other)} for the number, or quote it ('{text}') for text",
            other,
        )
    return (
        f"{said}; write the number you mean plainly ({_plain(value)} or {_plain(other)})",
        other,
    )


class _Constructor:
    """Turns nodes into dicts, lists and safe scalars, recording problems on the way."""

    def __init__(self, result: LoadedYaml, loader: yaml.SafeLoader) -> None:
        self._result = result
        self._loader = loader

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:
                value = node.value
            elif node.tag in _SAFE_SCALAR_TAGS:
                if node.tag == _INT and len(node.value) > _MAX_INT_DIGITS:
                    # Python turns at most 4,300 digits into an int (sys.int_info); PyYAML
                    # and the YAML 1.2 reading below would raise ValueError on more.
                    self._result.error(
                        node,
                        f"a number of {len(node.value):,} characters is too long "
                        f"(at most {_MAX_INT_DIGITS:,} digits); quote it if you mean text",
                    )
                    self._result.unreadable.add(id(node))
                    return None
                try:
                    value = self._loader.construct_object(node, deep=True)
                except ValueError:
                    # A timestamp-shaped word that is no date (2026-13-01): its text, for
                    # the schema to judge where it stands (a release date says so).
                    value = node.value
            else:
                self._result.error(node, f"unsupported YAML tag {node.tag!r}")
                return None
            if not node.style and "explicit_tag" not in node.__dict__:
                text = node.value
                if not text or text[0] in _CHECKED_FIRSTS:
                    ambiguous = version_ambiguity(text, value)
                    if ambiguous is not None:
                        # Reported once; the value goes on as the editor shows it, so no
                        # second error follows from the same word.
                        self._result.error(node, ambiguous[0])
                        self._result.unreadable.add(id(node))
                        return ambiguous[1]
            return value
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                self._result.error(node, f"unsupported YAML tag {node.tag!r}")
            return [self.build(item) for item in node.value]
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                self._result.error(node, f"unsupported YAML tag {node.tag!r}")
            mapping: dict[Any, Any] = {}
            first: dict[Any, yaml.Node] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    self._result.error(key_node, "mapping keys must be plain scalars")
                    continue
                if key in first:
                    line = first[key].start_mark.line + 1
                    self._result.error(
                        key_node, f"duplicate key {key!r} (first defined on line {line})"
                    )
                    continue
                first[key] = key_node
                mapping[key] = self.build(value_node)
            return mapping
        raise TypeError(f"unexpected node {node!r}")  # pragma: no cover


def locate(
    root: yaml.Node | None, path: tuple[str | int, ...], *, key: bool = False
) -> yaml.Node | None:
    """The node at ``path`` under ``root`` (the deepest one that exists).

    Args:
        root: the document node.
        path: mapping keys and sequence indexes, as in a validation error's location.
        key: for a final mapping key, return the key's node instead of its value's.
    """
    node = root
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == part:
                    node = key_node if (key and last) else value_node
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                node = node.value[part]
            else:
                return node
        else:
            return node
    return node


def locate_text(text: str, node: yaml.Node | None, needle: str) -> tuple[int, int]:
    """1-based (line, column) of ``needle`` where the value ``node`` is written in ``text``
    (the decoded file), or of the value itself if it is not found verbatim there (a word
    split over lines by a folded scalar, an escape in a quoted one)."""
    if node is None:
        return (1, 1)
    start, end = node.start_mark.index, node.end_mark.index
    found = text.find(needle, start, end) if text and needle else -1
    if found < 0:
        return (node.start_mark.line + 1, node.start_mark.column + 1)
    line = text.count("\n", 0, found)
    column = found - (text.rfind("\n", 0, found) + 1)
    return (line + 1, column + 1)


def text_position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of ``text[index]`` as editors count them (lines end at LF,
    CR LF and CR only: see :class:`_EditorLines`)."""
    breaks = list(_EDITOR_BREAK.finditer(text, 0, index))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, index - start + 1
