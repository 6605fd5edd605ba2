"""Sigma detection sections reduced to predicates, read from the YAML node tree.

Each ``Field|modifier: value`` item becomes one predicate per value, with the
operator its match modifier names (or its wildcards imply) and the 0-based line
of the value node. Whether a selection is an exclusion comes from the rule's
parsed condition: a selection reached under an odd number of ``not`` is negated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final

from sigma.conditions import (
    ConditionIdentifier,
    ConditionItem,
    ConditionNOT,
    ConditionSelector,
    SigmaCondition,
)
from sigma.exceptions import SigmaConditionError
from sigma.rule.detection import SigmaDetections
from yaml import MappingNode, Node, ScalarNode, SequenceNode

from rulescope.index.fields import normalize_predicate
from rulescope.index.model import Predicate, RuleFileError

#: Modifiers that decide the operator; the first one written wins.
MATCH_OPERATORS: Final = {
    "contains": "contains",
    "startswith": "starts_with",
    "endswith": "ends_with",
    "re": "regex_match",
    "cidr": "cidr",
    "gt": "gt",
    "gte": "gte",
    "lt": "lt",
    "lte": "lte",
    "fieldref": "eq",
}
KEYWORD_FIELD: Final = "keyword"
NULL_TAG: Final = "tag:yaml.org,2002:null"
#: Keys of a detection mapping that are not selections.
NOT_SELECTIONS: Final = frozenset({"condition", "rules", "timeframe"})

Leaf = tuple[ConditionItem, bool]
_condition_leaves: dict[str, tuple[Leaf, ...]] = {}


def wildcard_operator(text: str) -> tuple[str, str]:
    """The operator and value an unmodified value implies through its wildcards."""
    positions = _wildcards(text)
    if not positions:
        return "eq", text
    last = len(text) - 1
    only_stars = all(text[i] == "*" for i in positions)
    if only_stars and len(text) > 1:
        if positions == [0]:
            return "ends_with", text[1:]
        if positions == [last]:
            return "starts_with", text[:-1]
        if positions == [0, last] and len(text) > 2:
            return "contains", text[1:-1]
    return "wildcard", text


def _wildcards(text: str) -> list[int]:
    """Positions of unescaped ``*`` and ``?`` (pySigma's escaping rules)."""
    if "*" not in text and "?" not in text:
        return []
    positions, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in "*?\\":
            index += 2
            continue
        if char in "*?":
            positions.append(index)
        index += 1
    return positions


def value_predicate(
    raw_key: str, modifiers: list[str], node: ScalarNode
) -> tuple[str, str, bool]:
    """The operator, value and extra negation of one value under its modifiers."""
    negate = "neq" in modifiers
    if "exists" in modifiers:
        exists = node.value.lower() in ("true", "yes")
        return ("is_not_null" if exists else "is_null"), "", negate
    if node.tag == NULL_TAG:
        return "is_null", "", negate
    for modifier in modifiers:
        operator = MATCH_OPERATORS.get(modifier)
        if operator is not None:
            return operator, node.value, negate
    if raw_key.split("|", 1)[0] == "":
        return "match", node.value, negate
    operator, value = wildcard_operator(node.value)
    return operator, value, negate


def selection_predicates(clause: str, node: Node, negated: bool) -> Iterator[Predicate]:
    """Every predicate of one named selection (a map, a list, or a keyword)."""
    if isinstance(node, MappingNode):
        yield from _mapping_predicates(clause, node, negated)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from selection_predicates(clause, item, negated)
    elif isinstance(node, ScalarNode):
        yield from _item_predicates(clause, "", [], [node], negated)


def _mapping_predicates(
    clause: str, node: MappingNode, negated: bool
) -> Iterator[Predicate]:
    seen: set[str] = set()
    for key_node, value_node in node.value:
        raw_key = str(key_node.value)
        if raw_key in seen:
            mark = key_node.start_mark
            reason = f"duplicate key '{raw_key}' in selection '{clause}'"
            raise RuleFileError(reason, mark.line, mark.column)
        seen.add(raw_key)
        field, *modifiers = raw_key.split("|")
        values = value_node.value if isinstance(value_node, SequenceNode) else []
        if not isinstance(value_node, SequenceNode):
            values = [value_node]
        yield from _item_predicates(clause, raw_key, modifiers, values, negated)


def _item_predicates(
    clause: str,
    raw_key: str,
    modifiers: list[str],
    values: Iterable[Node],
    negated: bool,
) -> Iterator[Predicate]:
    bare_field = raw_key.split("|", 1)[0] or KEYWORD_FIELD
    raw_field = raw_key or KEYWORD_FIELD
    for node in values:
        if not isinstance(node, ScalarNode):
            mark = node.start_mark
            reason = f"a value under '{raw_field}' must be a plain value"
            raise RuleFileError(reason, mark.line, mark.column)
        operator, value, negate = value_predicate(raw_key or "|", modifiers, node)
        field, operator, value = normalize_predicate(
            "sigma", bare_field, operator, value
        )
        yield Predicate(
            field,
            operator,
            value,
            negated != negate,
            raw_field,
            clause,
            node.start_mark.line,
        )


def negated_selections(detections: SigmaDetections) -> set[str]:
    """Names of the selections every condition reaches only under ``not``."""
    negative: set[str] = set()
    positive: set[str] = set()
    for condition in detections.parsed_condition:
        for leaf, under_not in _leaves(condition):
            names = _resolve(leaf, detections)
            (negative if under_not else positive).update(names)
    return negative - positive


def _leaves(condition: SigmaCondition) -> tuple[Leaf, ...]:
    """Identifiers and selectors of a condition with their ``not`` parity, cached."""
    leaves = _condition_leaves.get(condition.condition)
    if leaves is None:
        tree = condition.parse(postprocess=False)
        leaves = tuple(_walk(tree, False))
        _condition_leaves[condition.condition] = leaves
    return leaves


def _walk(item: Any, under_not: bool) -> Iterator[Leaf]:
    if isinstance(item, ConditionIdentifier | ConditionSelector):
        yield item, under_not
    elif isinstance(item, ConditionItem):
        flipped = under_not != isinstance(item, ConditionNOT)
        for arg in item.args:
            yield from _walk(arg, flipped)


def _resolve(leaf: ConditionItem, detections: SigmaDetections) -> list[str]:
    if isinstance(leaf, ConditionSelector):
        found = leaf.resolve_referenced_detections(detections)
        return [identifier.identifier for identifier in found]
    if isinstance(leaf, ConditionIdentifier):
        if leaf.identifier not in detections.detections:
            reason = f"the condition names '{leaf.identifier}', which is not defined"
            raise SigmaConditionError(reason)
        return [leaf.identifier]
    return []


def detection_predicates(
    node: MappingNode, detections: SigmaDetections, exclusion: bool = False
) -> list[Predicate]:
    """The predicates of a detection (or filter) section, negation resolved."""
    negative = negated_selections(detections)
    predicates: list[Predicate] = []
    for key_node, value_node in node.value:
        clause = str(key_node.value)
        if clause in NOT_SELECTIONS:
            continue
        negated = (clause in negative) != exclusion
        predicates.extend(selection_predicates(clause, value_node, negated))
    return predicates
