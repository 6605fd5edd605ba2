"""Limits on what a document may be before it is parsed: hostile input refused early.

The server parses whatever the editor holds, on every keystroke, including
files the author did not write. Before a document is composed into a node
tree, :func:`screen` checks its size and line count, that it encodes as
UTF-8, and walks libyaml's event stream (a state machine, no recursion, no
node tree) to refuse anchors and aliases (a rule never needs them, and an
alias bomb expands exponentially once constructed), nesting deeper than
any rule needs, and more nodes than any rule has. A refused document gets
one diagnostic with a stable code and no further checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import yaml

#: Characters in a document; the largest corpus rule has 295,078.
MAX_DOCUMENT_CHARS: Final = 1_000_000
#: Lines in a document; the largest corpus rule has 4,456.
MAX_DOCUMENT_LINES: Final = 10_000
#: Nested mappings and sequences; corpus rules nest at most 5 deep.
MAX_NESTING_DEPTH: Final = 32
#: Scalars, mappings and sequences; the largest corpus rule has about 4,500.
MAX_YAML_NODES: Final = 10_000

_OPENING: Final = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSING: Final = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_NODES: Final = (yaml.ScalarEvent, yaml.AliasEvent, *_OPENING)


@dataclass(slots=True, frozen=True)
class Refusal:
    """Why a document is not parsed: a stable code, a message and where (0-based)."""

    code: str
    message: str
    line: int = 0
    column: int = 0


def screen(text: str) -> Refusal | None:
    """The reason to refuse ``text`` unparsed, or None when it may be parsed."""
    if len(text) > MAX_DOCUMENT_CHARS:
        return Refusal(
            "document_too_large",
            f"document has {len(text):,} characters, more than the "
            f"{MAX_DOCUMENT_CHARS:,} rulescope checks",
        )
    lines = text.count("\n") + 1
    if lines > MAX_DOCUMENT_LINES:
        return Refusal(
            "document_too_large",
            f"document has {lines:,} lines, more than the "
            f"{MAX_DOCUMENT_LINES:,} rulescope checks",
        )
    return _encoding_refusal(text) or _event_refusal(text)


def _encoding_refusal(text: str) -> Refusal | None:
    """Lone surrogates (undecodable bytes passed through) cannot reach libyaml."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start)
        column = exc.start - (text.rfind("\n", 0, exc.start) + 1)
        return Refusal(
            "invalid_text",
            "document holds characters that are not valid Unicode "
            "(undecodable bytes?): it is not checked",
            line,
            column,
        )
    return None


def _event_refusal(text: str) -> Refusal | None:
    """Anchors, aliases, nesting or node count beyond the limits, from events."""
    depth = nodes = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, _NODES):
                nodes += 1
                refusal = _node_refusal(event, nodes)
                if refusal is not None:
                    return refusal
            if isinstance(event, _OPENING):
                depth += 1
                if depth > MAX_NESTING_DEPTH:
                    return _at(
                        event,
                        "document_too_deep",
                        f"nesting deeper than {MAX_NESTING_DEPTH} levels "
                        "is not checked (rules nest a few levels)",
                    )
            elif isinstance(event, _CLOSING):
                depth -= 1
    except yaml.YAMLError:
        return None  # composing reports the syntax error with its place
    return None


def _node_refusal(event: yaml.NodeEvent, nodes: int) -> Refusal | None:
    if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
        return _at(
            event,
            "yaml_anchor",
            "YAML anchors and aliases are not allowed in rules: "
            "write the value out (the document is not checked)",
        )
    if nodes > MAX_YAML_NODES:
        return _at(
            event,
            "document_too_large",
            f"document has more than {MAX_YAML_NODES:,} YAML nodes: it is not checked",
        )
    return None


def _at(event: yaml.Event, code: str, message: str) -> Refusal:
    mark = event.start_mark
    if mark is None:
        return Refusal(code, message)
    return Refusal(code, message, mark.line, mark.column)
