"""Safe YAML loading that keeps every value's line and column and reports duplicate keys.

PyYAML's safe loaders silently keep the last of two equal keys; authors lose a card's field
that way. Here the file is composed into nodes by the C parser (``CSafeLoader``, falling back
to ``SafeLoader``), then turned into plain data by a small constructor that knows only the
safe scalar types and records a problem for every duplicate key and unknown tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from studyapp.core.gcpause import gc_paused
from studyapp.deckfile.problems import Problem, Severity

__all__ = ["LoadedYaml", "load_yaml", "locate", "Loader"]

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[assignment]

_STR = "tag:yaml.org,2002:str"
_IMPLICIT_FIRSTS = frozenset(k for k in _BaseLoader.yaml_implicit_resolvers if k)


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

    def error(self, node: yaml.Node | None, message: str) -> None:
        self.problems.append(_at(self.path, node, Severity.ERROR, message))

    def warning(self, node: yaml.Node | None, message: str) -> None:
        self.problems.append(_at(self.path, node, Severity.WARNING, message))


def _at(path: str, node: yaml.Node | None, severity: Severity, message: str) -> Problem:
    if node is None:
        return Problem(path, 1, 1, severity, message)
    mark = node.start_mark
    return Problem(path, mark.line + 1, mark.column + 1, severity, message)


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
    loader = Loader(text)
    try:
        with gc_paused():
            root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        lines = text.splitlines()
        if 0 < line <= len(lines) and "\t" in lines[line - 1][: column + 1]:
            message += " (a tab: YAML indentation must use spaces)"
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
    with gc_paused():
        result.data = _Constructor(result, loader).build(root)
    return result


class _Constructor:
    """Turns nodes into dicts, lists and safe scalars, recording problems on the way."""

    def __init__(self, result: LoadedYaml, loader: yaml.SafeLoader) -> None:
        self._result = result
        self._loader = loader

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:
                return node.value
            if node.tag in _SAFE_SCALAR_TAGS:
                return self._loader.construct_object(node, deep=True)
            self._result.error(node, f"unsupported YAML tag {node.tag!r}")
            return None
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
