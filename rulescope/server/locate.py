"""Where a position falls in a Sigma document: its key path and role.

Hover reads the composed node tree of a document that parsed. Completion
cannot: the line being typed is usually not valid YAML yet, so
:func:`line_context` reads the key path from indentation instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from rulescope.server.document import SigmaDocument, Span, node_span


@dataclass(slots=True, frozen=True)
class Location:
    """A scalar under the position: the keys leading to it, and key or value."""

    path: tuple[str, ...]
    role: str
    text: str
    span: Span


def locate(document: SigmaDocument, line: int, column: int) -> Location | None:
    """The scalar at (line, column) in the node tree, or None."""
    if document.root is None:
        return None
    return _in_mapping(document.root, (), line, column)


def _in_mapping(
    node: MappingNode, path: tuple[str, ...], line: int, column: int
) -> Location | None:
    for key, value in node.value:
        key_span = node_span(key)
        if key_span.contains(line, column) and isinstance(key, ScalarNode):
            return Location((*path, str(key.value)), "key", str(key.value), key_span)
        found = _in_node(value, (*path, str(key.value)), line, column)
        if found is not None:
            return found
    return None


def _in_node(
    node: Node, path: tuple[str, ...], line: int, column: int
) -> Location | None:
    if not node_span(node).contains(line, column):
        return None
    if isinstance(node, MappingNode):
        return _in_mapping(node, path, line, column)
    if isinstance(node, SequenceNode):
        for item in node.value:
            found = _in_node(item, path, line, column)
            if found is not None:
                return found
        return None
    if isinstance(node, ScalarNode):
        return Location(path, "value", str(node.value), node_span(node))
    return None


_LINE = re.compile(
    r"^(?P<indent>\s*)(?P<dash>-\s+)?(?:(?P<key>[^:#'\"\s][^:#]*?)\s*:(?:\s+|$))?"
    r"(?P<value>.*)$"
)


@dataclass(slots=True, frozen=True)
class LineContext:
    """The text around the caret as completion sees it."""

    path: tuple[str, ...]
    #: ``key`` when typing a key (or an empty line), else ``value``.
    role: str
    #: What has been typed of the key or value up to the caret.
    prefix: str
    #: Column (code points) where the typed key or value starts.
    start: int
    #: True for a ``- item`` line.
    list_item: bool


def line_context(lines: list[str], line: int, column: int) -> LineContext:
    """The key path and typed prefix at the caret, from indentation alone."""
    current = lines[line][:column] if line < len(lines) else ""
    match = _LINE.match(current.rstrip("\r\n"))
    assert match is not None  # the pattern matches any line
    indent = len(match["indent"])
    list_item = match["dash"] is not None
    content_start = indent + len(match["dash"] or "")
    parents = _parents(lines, line, indent, list_item)
    if match["key"] is not None:
        key_path = (*parents, match["key"].strip())
        start = column - len(match["value"])
        return LineContext(key_path, "value", match["value"], start, list_item)
    role = "value" if list_item else "key"
    return LineContext(parents, role, match["value"], content_start, list_item)


def _parents(lines: list[str], line: int, column: int, dash: bool) -> tuple[str, ...]:
    """The keys of the enclosing mappings, read upward by indentation.

    A ``- item`` may sit at its parent key's own column, so a dash line
    accepts a parent at an equal column.
    """
    path: list[str] = []
    for number in range(line - 1, -1, -1):
        match = _LINE.match(lines[number].rstrip("\r\n"))
        if match is None or match["key"] is None:
            continue
        key_column = len(match["indent"]) + len(match["dash"] or "")
        if key_column < column or (dash and key_column == column):
            path.append(match["key"].strip())
            dash = match["dash"] is not None
            column = len(match["indent"]) if dash else key_column
            if column == 0 and not dash:
                break
    return tuple(reversed(path))
