"""The located YAML loader: the resolver shortcut must not change any tag."""

from __future__ import annotations

import pytest
import yaml

from studyapp.deckfile.yamlsource import Loader, _BaseLoader


@pytest.mark.parametrize(
    "sample",
    ["", "~", "null", "yes", "No", "on", "y", "1", "-1.5", "+3", "0x1F", ".inf", "2020-01-01",
     "abc", "text with: colon", "'1'", '"yes"', "|\n  block\n", ">-\n  folded 1\n", "[1, a, ~]",
     "{a: 1, b: 'no', c: no}", "!!str 12", "<<", "="],
)  # fmt: skip
def test_the_resolver_shortcut_gives_the_stock_tags(sample: str) -> None:
    def tags(node: yaml.Node) -> list[str]:
        if isinstance(node, yaml.ScalarNode):
            return [node.tag]
        children = node.value if isinstance(node, yaml.SequenceNode) else sum(node.value, ())
        return [node.tag, *(t for child in children for t in tags(child))]

    stock = _BaseLoader(sample).get_single_node()
    ours = Loader(sample).get_single_node()
    if stock is None or ours is None:
        assert stock is None and ours is None
    else:
        assert tags(stock) == tags(ours)
