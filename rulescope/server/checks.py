"""The server's own checks: conditions, modifiers, tags, noisy indicators, fields.

Each check is a plain function from a document (and the corpus where it
needs one) to findings with stable codes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from rulescope.server.condition import ConditionReading, matching, read_condition
from rulescope.server.corpus import Corpus
from rulescope.server.corpus_fields import known_fields
from rulescope.server.document import (
    DocPredicate,
    SigmaDocument,
    Span,
    node_span,
    selection_predicates,
)
from rulescope.server.findings import Finding


@cache
def known_modifiers() -> frozenset[str]:
    """Every value modifier pySigma knows."""
    from sigma.modifiers import modifier_mapping

    return frozenset(modifier_mapping)


#: Counts the rules that check ``(field, operator, value)``.
ReachOf = Callable[[str, str, str], int]


def conditions(document: SigmaDocument) -> list[ScalarNode]:
    """The condition scalars of the detection (one, or a list)."""
    detection = document.top("detection")
    if not isinstance(detection, MappingNode):
        return []
    for key, value in detection.value:
        if key.value == "condition":
            items = value.value if isinstance(value, SequenceNode) else [value]
            return [item for item in items if isinstance(item, ScalarNode)]
    return []


def _word_span(node: ScalarNode, offset: int, length: int) -> Span:
    """The span of a word inside a one-line plain or quoted scalar."""
    span = node_span(node)
    if span.line != span.end_line:
        return span
    quoted = 1 if node.style in ("'", '"') else 0
    column = span.column + quoted + offset
    return Span(span.line, column, span.line, column + length)


def readings(document: SigmaDocument) -> list[tuple[ScalarNode, ConditionReading]]:
    """Every condition node of the rule with its reading."""
    names = list(document.selections)
    return [
        (node, read_condition(str(node.value), names)) for node in conditions(document)
    ]


def condition_findings(document: SigmaDocument) -> list[Finding]:
    """Conditions naming a missing selection; selections no condition uses."""
    names = list(document.selections)
    findings, used = [], set()
    for node, reading in readings(document):
        if reading.uses_them:
            used.update(names)
        for reference in reading.references:
            found = matching(reference.text, names)
            used.update(found)
            if not found:
                span = _word_span(node, reference.offset, len(reference.text))
                message = (
                    f"condition names '{reference.text}', which is not a selection"
                )
                findings.append(Finding("undefined_selection", message, "error", span))
    if not conditions(document):
        return findings
    for name, (key, _) in document.selections.items():
        if name not in used:
            message = f"selection '{name}' is not used by any condition"
            findings.append(
                Finding("unused_selection", message, "warning", node_span(key))
            )
    return findings


def modifier_findings(document: SigmaDocument) -> list[Finding]:
    """Keys with a modifier pySigma does not know, on the modifier itself."""
    findings, seen = [], set()
    for predicate in document.predicates:
        if predicate.key_span in seen or "|" not in predicate.raw_key:
            continue
        seen.add(predicate.key_span)
        offset = len(predicate.raw_key.split("|", 1)[0]) + 1
        for modifier in predicate.raw_key.split("|")[1:]:
            if modifier not in known_modifiers():
                span = predicate.key_span
                column = span.column + offset
                if span.line == span.end_line:
                    span = Span(span.line, column, span.line, column + len(modifier))
                message = f"unknown modifier '{modifier}'"
                findings.append(Finding("unknown_modifier", message, "error", span))
            offset += len(modifier) + 1
    return findings


def technique_findings(document: SigmaDocument, corpus: Corpus) -> list[Finding]:
    """Technique tags not in the catalog, or deprecated or revoked there."""
    findings = []
    for tag, span in document.tags:
        name = tag.lower().removeprefix("attack.")
        if not (tag.lower().startswith("attack.t") and name[1:2].isdigit()):
            continue
        info = corpus.technique(name.upper())
        if info is None:
            version = corpus.attack_version or "bundled"
            message = f"'{name.upper()}' is not in the ATT&CK v{version} catalog"
            findings.append(Finding("unknown_technique", message, "information", span))
        elif info.revoked:
            by = f" by {info.revoked_by}" if info.revoked_by else ""
            message = f"{info.id} ({info.name}) is revoked in ATT&CK{by}"
            findings.append(Finding("revoked_technique", message, "warning", span))
        elif info.deprecated:
            message = f"{info.id} ({info.name}) is deprecated in ATT&CK"
            findings.append(Finding("deprecated_technique", message, "warning", span))
    return findings


def standalone_predicates(document: SigmaDocument) -> list[DocPredicate]:
    """Predicates some branch of the condition accepts with nothing beside them."""
    alone: set[str] = set()
    for _, reading in readings(document):
        alone |= reading.alone
    found = []
    for name in alone:
        _, node = document.selections[name]
        found.extend(_alone_in(name, node))
    return found


def _alone_in(name: str, node: Node) -> list[DocPredicate]:
    if isinstance(node, SequenceNode):
        return [p for item in node.value for p in _alone_in(name, item)]
    if isinstance(node, MappingNode):
        if len(node.value) != 1:
            return []
        key, value = node.value[0]
        many = isinstance(value, SequenceNode) and len(value.value) > 1
        if many and "all" in str(key.value).split("|")[1:]:
            return []
    return [p for p in selection_predicates(name, node) if not p.negated_modifier]


def noisy_findings(
    document: SigmaDocument, reach_of: ReachOf, threshold: int
) -> list[Finding]:
    """Standalone predicates whose reach is at or above ``threshold``.

    ``reach_of`` counts the rules checking an indicator: the index's, or the
    server's live view (the workspace in, the edited rule's own copy out).
    """
    findings = []
    for predicate in standalone_predicates(document):
        reach = reach_of(predicate.field, predicate.operator, predicate.value)
        if reach < threshold:
            continue
        message = (
            f"'{predicate.field} {predicate.operator} {predicate.value}' is checked by "
            f"{reach} rules in the corpus and nothing else in this rule narrows it: "
            "combine it with another condition"
        )
        findings.append(Finding("noisy_indicator", message, "warning", predicate.span))
    return findings


def field_findings(document: SigmaDocument, corpus: Corpus) -> list[Finding]:
    """Fields no indexed rule with this log source checks (information)."""
    logsource = tuple(sorted(document.logsource.items()))
    fields = known_fields(corpus, corpus.rules_with_logsource(logsource))
    if not fields:
        return []
    findings, seen = [], set()
    described = ", ".join(f"{k} '{v}'" for k, v in logsource if k != "definition")
    for predicate in document.predicates:
        if (
            predicate.field in fields
            or predicate.field in seen
            or predicate.field == "keyword"
        ):
            continue
        seen.add(predicate.field)
        message = (
            f"no indexed rule with log source {described} checks '{predicate.field}'"
        )
        findings.append(
            Finding("unknown_field", message, "information", predicate.key_span)
        )
    return findings
