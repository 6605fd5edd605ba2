"""Quick fixes that need only the document: wildcards, log source case, id, validators.

Each fix is a plain function returning :class:`Fix` records (a title, text
edits in code-point spans, and the diagnostic codes it resolves); the code
action handler turns them into LSP ones. A fix is offered only where the
result means the same detection: a wildcard becomes a modifier only when it
is the value's sole, unescaped wildcard at its start and/or end.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from rulescope.server.document import SigmaDocument, Span, node_span

_MODIFIERS: Final = {"ends_with": "endswith", "starts_with": "startswith"}
_QUOTES: Final = ("'", '"')


@dataclass(slots=True, frozen=True)
class Fix:
    """A quick fix: its title, its edits, and the codes it resolves."""

    title: str
    edits: list[tuple[Span, str]]
    codes: tuple[str, ...] = ()
    preferred: bool = False
    kind: str = "quickfix"
    extra: dict[str, str] = field(default_factory=dict)


def overlaps(span: Span, first_line: int, last_line: int) -> bool:
    """Whether a span touches the lines from ``first_line`` to ``last_line``."""
    return span.line <= last_line and span.end_line >= first_line


def source(document: SigmaDocument, node: Node) -> str:
    """The text a node was written as."""
    return document.text[node.start_mark.index : node.end_mark.index]


def _wildcard_shape(text: str) -> str | None:
    """``ends_with``, ``starts_with`` or ``contains`` for a convertible value."""
    leading = text.startswith("*")
    trailing = text.endswith("*") and not text.endswith("\\*") and len(text) > 1
    inner = text[int(leading) : len(text) - int(trailing)]
    if not (leading or trailing) or not inner or "*" in inner or "?" in inner:
        return None
    if leading and trailing:
        return "contains"
    return "ends_with" if leading else "starts_with"


def _stripped(document: SigmaDocument, node: ScalarNode, shape: str) -> str:
    text = source(document, node)
    quoted = 1 if node.style in _QUOTES else 0
    body = text[quoted : len(text) - quoted]
    if shape in ("ends_with", "contains"):
        body = body[1:]
    if shape in ("starts_with", "contains"):
        body = body[:-1]
    return text[:quoted] + body + text[len(text) - quoted :]


def _detection_items(document: SigmaDocument) -> list[tuple[ScalarNode, Node]]:
    """Every (key, value) pair of every selection mapping."""
    pairs: list[tuple[ScalarNode, Node]] = []
    for _, node in document.selections.values():
        mappings = node.value if isinstance(node, SequenceNode) else [node]
        for mapping in mappings:
            if isinstance(mapping, MappingNode):
                pairs.extend(mapping.value)
    return pairs


def wildcard_fixes(document: SigmaDocument, first: int, last: int) -> list[Fix]:
    """A key whose values all wrap the same wildcard becomes a modifier."""
    fixes = []
    for key, value in _detection_items(document):
        raw_key = str(key.value)
        start, end = node_span(key), node_span(value)
        if "|" in raw_key or not overlaps(
            Span(start.line, 0, end.end_line, 0), first, last
        ):
            continue
        values = value.value if isinstance(value, SequenceNode) else [value]
        scalars = [v for v in values if isinstance(v, ScalarNode)]
        shapes = {_wildcard_shape(str(v.value)) for v in scalars}
        if len(scalars) != len(values) or len(shapes) != 1 or None in shapes:
            continue
        shape = shapes.pop()
        assert shape is not None
        modifier = _MODIFIERS.get(shape, shape)
        edits = [(node_span(key), f"{raw_key}|{modifier}")]
        edits += [(node_span(v), _stripped(document, v, shape)) for v in scalars]
        title = f"Use '{raw_key}|{modifier}' instead of wildcards"
        fixes.append(Fix(title, edits, ("wildcards_instead_of_modifiers",), True))
    return fixes


def logsource_case_fixes(document: SigmaDocument, first: int, last: int) -> list[Fix]:
    """Log source values with capitals, lowercased (Sigma's taxonomy is lowercase)."""
    node = document.top("logsource")
    if not isinstance(node, MappingNode) or not overlaps(node_span(node), first, last):
        return []
    edits = []
    for key, value in node.value:
        if key.value in ("category", "product", "service") and isinstance(
            value, ScalarNode
        ):
            text = source(document, value)
            if text != text.lower():
                edits.append((node_span(value), text.lower()))
    if not edits:
        return []
    return [
        Fix("Lowercase the log source values", edits, ("sigmahq_logsource_unknown",))
    ]


def missing_id_fixes(document: SigmaDocument) -> list[Fix]:
    """A new UUID as ``id`` after the title, when the rule has none."""
    if document.root is None or document.top_key("id") is not None:
        return []
    title = document.top("title")
    line = node_span(title).line + 1 if isinstance(title, ScalarNode) else 0
    edit = (Span(line, 0, line, 0), f"id: {uuid.uuid4()}\n")
    return [Fix("Add a new id", [edit], ("identifier_existence",), True)]


def _whole_lines(node: Node) -> Span:
    span = node_span(node)
    return Span(span.line, 0, span.line + 1, 0)


def _duplicates(document: SigmaDocument, key: str) -> list[tuple[Span, str]]:
    node = document.top(key)
    if not isinstance(node, SequenceNode) or node.flow_style:
        return []
    seen, edits = set(), []
    for item in node.value:
        if isinstance(item, ScalarNode) and item.value in seen:
            edits.append((_whole_lines(item), ""))
        seen.add(item.value)
    return edits


def _title_end(document: SigmaDocument) -> list[tuple[Span, str]]:
    title = document.top("title")
    if not isinstance(title, ScalarNode) or not str(title.value).endswith("."):
        return []
    text = source(document, title)
    quoted = 1 if title.style in _QUOTES else 0
    body = text[quoted : len(text) - quoted].rstrip(".")
    return [(node_span(title), text[:quoted] + body + text[len(text) - quoted :])]


def _capitalized(document: SigmaDocument) -> list[tuple[Span, str]]:
    node = document.top("falsepositives")
    items = node.value if isinstance(node, SequenceNode) else [node]
    edits = []
    for item in items:
        if isinstance(item, ScalarNode) and str(item.value)[:1].islower():
            text = source(document, item)
            at = 1 if item.style in _QUOTES else 0
            edits.append(
                (node_span(item), text[:at] + text[at].upper() + text[at + 1 :])
            )
    return edits


def _redundant_modified(document: SigmaDocument) -> list[tuple[Span, str]]:
    modified = document.top("modified")
    return [] if modified is None else [(_whole_lines(modified), "")]


#: Validator code -> (title, the edits that fix it).
Edits = list[tuple[Span, str]]
VALIDATOR_FIXES: Final[dict[str, tuple[str, Callable[[SigmaDocument], Edits]]]] = {
    "duplicate_tag": ("Remove the duplicate tags", lambda d: _duplicates(d, "tags")),
    "duplicate_references": (
        "Remove the duplicate references",
        lambda d: _duplicates(d, "references"),
    ),
    "sigmahq_title_end": ("Remove the title's final dot", _title_end),
    "sigmahq_falsepositives_capital": (
        "Capitalize the false positives",
        _capitalized,
    ),
    "sigmahq_redundant_modified": (
        "Remove 'modified' (it equals 'date')",
        _redundant_modified,
    ),
}


def validator_fixes(document: SigmaDocument, codes: set[str]) -> list[Fix]:
    """Fixes for the validator findings in ``codes`` that have a safe one."""
    fixes = []
    for code in sorted(codes & VALIDATOR_FIXES.keys()):
        title, make = VALIDATOR_FIXES[code]
        edits = make(document)
        if edits:
            fixes.append(Fix(title, edits, (code,), True))
    return fixes
