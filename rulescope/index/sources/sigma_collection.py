"""Sigma collection actions: documents that shape the documents after them.

A multi-document Sigma file may hold ``action: global`` (merged into every
following document until ``action: reset``) and ``action: repeat`` (the
previous rule again, with this document merged in). Merging is deep: mappings
merge key by key, anything else is replaced.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from rulescope.index.model import RuleFileError


def has_actions(documents: list[dict[str, Any]]) -> bool:
    """Whether any document of the file is a collection action."""
    return any("action" in document for document in documents)


def resolve_actions(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The file's rules with every collection action applied."""
    global_part: dict[str, Any] = {}
    rules: list[dict[str, Any]] = []
    for document in documents:
        body = {key: value for key, value in document.items() if key != "action"}
        action = document.get("action")
        if action == "global":
            global_part = merged(global_part, body)
        elif action == "reset":
            global_part = {}
        elif action == "repeat":
            if not rules:
                raise RuleFileError("'action: repeat' has no rule before it to repeat")
            rules.append(merged(rules[-1], body))
        elif action is None:
            rules.append(merged(global_part, body))
        else:
            raise RuleFileError(f"unknown Sigma collection action '{action}'")
    return rules


def merged(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``update`` merged in deeply; neither is changed."""
    result = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def as_yaml(rules: list[dict[str, Any]]) -> bytes:
    """The resolved rules as one multi-document YAML text, to parse as usual."""
    return yaml.safe_dump_all(rules, sort_keys=False, allow_unicode=True).encode()
