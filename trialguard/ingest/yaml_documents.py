"""YAML inputs, read as plain data only: safe loading, no tags that construct objects, bounded nesting, and no
alias bombs (the YAML form of billion laughs: a few anchors whose aliases expand to billions of values).

The document is composed into a node graph first (nesting checked as it is built, so the recursive composer
cannot blow the stack), the graph is checked (tags, cycles, expanded size, all linear in the file), and only
then turned into Python data.
"""

from __future__ import annotations

import yaml
from yaml.events import MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, SequenceNode

from trialguard.ingest.context import Limits

# what a record may contain: the JSON types (and the merge key `<<`); anything else is refused, never built
PLAIN_TAGS = frozenset("tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "seq", "map",
                                                          "merge"))
# expanded values allowed beyond one per byte of the file (aliases may repeat a value, not explode it)
ALIAS_SLACK = 100_000


class Refused(Exception):
    """The document is not read: `limit` says whether a configured limit (TG009) or its content (TG002)."""

    def __init__(self, message: str, limit: bool = False):
        super().__init__(message)
        self.message = message
        self.limit = limit


class PlainLoader(yaml.SafeLoader):
    """YAML as a curator writes it: dates and decimals stay text (2019-09 is not a timestamp, 5.50 keeps its
    zero); integers and booleans are still typed. Collections nest at most `max_depth` deep."""

    max_depth = Limits.max_json_depth

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent, index):
        if not self.check_event(SequenceStartEvent, MappingStartEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > self.max_depth:
            line = self.peek_event().start_mark.line + 1
            raise Refused(f"YAML nested deeper than {self.max_depth} levels at line {line} (--max-json-depth)",
                          limit=True)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def check_graph(root: Node, max_values: int) -> None:
    """Refuse object-constructing tags, cyclic aliases, and aliases expanding to more than `max_values` values.
    Each distinct node is visited once (sizes of shared nodes are memoized), so a bomb costs nothing to find."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = [c for kv in node.value for c in kv] if isinstance(node, MappingNode) else (
            node.value if isinstance(node, SequenceNode) else [])
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            if size[key] > max_values:
                raise Refused(f"YAML aliases expand to more than {max_values} values (an alias bomb)", limit=True)
            continue
        if key in size:
            continue
        if node.tag not in PLAIN_TAGS:
            raise Refused(f"refused YAML tag {short_tag(node.tag)!r} at line {node.start_mark.line + 1}: records "
                          "hold plain data only, tags that construct objects are never run")
        if key in on_path:
            raise Refused(f"YAML alias at line {node.start_mark.line + 1} refers to a value containing itself")
        on_path.add(key)
        stack.append((node, True))
        for c in children:
            if id(c) in on_path:
                raise Refused(f"YAML alias at line {c.start_mark.line + 1} refers to a value containing itself")
            if id(c) not in size:
                stack.append((c, False))


def load(text: str, limits: Limits):
    """The document as plain Python data; raises Refused or yaml.YAMLError."""
    loader = PlainLoader(text)
    loader.max_depth = limits.max_json_depth
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        check_graph(root, ALIAS_SLACK + len(text))
        return loader.construct_document(root)
    except RecursionError:
        raise Refused(f"YAML nested too deeply to read (--max-json-depth {limits.max_json_depth})",
                      limit=True) from None
    finally:
        loader.dispose()
