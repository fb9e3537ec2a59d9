"""YAML source documents: parsed once with libyaml when available, keeping the node tree for line numbers.

YAML 1.2 habits: dates stay text (so 31/2 and 2021-02-31 get plancal's own messages) and only
true/false are booleans (``on:`` is a key, not True; ``no`` is not False). Safe loading only.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_Base):
    pass


Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                             list("tTfF"))


def parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the Python data, from one parse. Raises yaml.YAMLError."""
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def line_of(error: yaml.YAMLError) -> int | None:
    mark = getattr(error, "problem_mark", None)
    return mark.line + 1 if mark is not None else None
