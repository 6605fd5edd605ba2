"""Positions for pySigma errors, found in the YAML node tree.

pySigma builds rules from plain dicts, so its errors carry no line. The error
class says which part of the rule is wrong; the node tree says where that part
stands. A modifier error points at the key with the unknown modifier, a
condition error at the ``condition`` value, anything else at its top-level key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from sigma.exceptions import (
    SigmaConditionError,
    SigmaCorrelationRuleError,
    SigmaFilterConditionError,
    SigmaFilterError,
    SigmaModifierError,
)
from sigma.modifiers import modifier_mapping
from yaml import MappingNode, Node

#: Words in an error class name -> the top-level key it is about.
_KEY_BY_CLASS_WORD: Final = (
    ("Title", "title"),
    ("Identifier", "id"),
    ("Level", "level"),
    ("Status", "status"),
    ("Tag", "tags"),
    ("Modified", "modified"),
    ("Date", "date"),
    ("Logsource", "logsource"),
    ("Related", "related"),
    ("Author", "author"),
    ("Description", "description"),
    ("References", "references"),
    ("FalsePositives", "falsepositives"),
    ("Fields", "fields"),
    ("Scope", "scope"),
    ("License", "license"),
    ("Taxonomy", "taxonomy"),
    ("Name", "name"),
)
_SECTIONS: Final = ("detection", "filter")
_Finder = Callable[[MappingNode], Node | None]


def error_position(exc: Exception, root: MappingNode) -> tuple[int, int]:
    """The 0-based (line, column) of the rule part an error is about."""
    node = _error_node(exc, root) or root
    return node.start_mark.line, node.start_mark.column


def _error_node(exc: Exception, root: MappingNode) -> Node | None:
    if isinstance(exc, SigmaConditionError | SigmaFilterConditionError):
        return _in_sections(root, _condition_node)
    if isinstance(exc, SigmaModifierError):
        return _in_sections(root, _unknown_modifier_key) or _section(root)
    if isinstance(exc, SigmaCorrelationRuleError):
        return _key_node(root, "correlation")
    if isinstance(exc, SigmaFilterError):
        return _key_node(root, "filter")
    name = type(exc).__name__
    for word, key in _KEY_BY_CLASS_WORD:
        if word in name:
            return _key_node(root, key)
    return _section(root)


def _key_node(root: MappingNode, key: str) -> Node | None:
    for key_node, _ in root.value:
        if key_node.value == key:
            return key_node  # type: ignore[no-any-return]
    return None


def _section(root: MappingNode) -> Node | None:
    for key in _SECTIONS:
        found = _key_node(root, key)
        if found is not None:
            return found
    return None


def _in_sections(root: MappingNode, finder: _Finder) -> Node | None:
    for key_node, value_node in root.value:
        if key_node.value in _SECTIONS and isinstance(value_node, MappingNode):
            found = finder(value_node)
            if found is not None:
                return found
    return None


def _condition_node(section: MappingNode) -> Node | None:
    for key_node, value_node in section.value:
        if key_node.value == "condition":
            return value_node  # type: ignore[no-any-return]
    return None


def _unknown_modifier_key(section: MappingNode) -> Node | None:
    """The first selection key naming a modifier pySigma does not know."""
    pending: list[Node] = [value for _, value in section.value]
    while pending:
        node = pending.pop(0)
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                modifiers = str(key_node.value).split("|")[1:]
                if any(modifier not in modifier_mapping for modifier in modifiers):
                    return key_node  # type: ignore[no-any-return]
                pending.append(value_node)
        elif isinstance(node.value, list):
            pending.extend(node.value)
    return None
