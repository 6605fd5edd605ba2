"""Sigma rule files read into normalized rules.

YAML is parsed once with PyYAML's C loader: the composed node tree keeps
positions for predicates and errors, and the Python document built from the
same nodes goes to pySigma (``SigmaRule``, ``SigmaCorrelationRule`` or
``SigmaFilter``), which validates the rule and parses its condition.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path
from typing import Any, Final

from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaConditionError, SigmaError
from sigma.filters import SigmaFilter
from sigma.rule import SigmaRule, SigmaRuleBase
from sigma.rule.detection import SigmaDetections
from yaml import MappingNode, Node

from rulescope.index.model import Predicate, Rule, RuleFileError
from rulescope.index.sources.sigma_collection import (
    as_yaml,
    has_actions,
    resolve_actions,
)
from rulescope.index.sources.sigma_detection import detection_predicates
from rulescope.index.sources.sigma_errors import error_position
from rulescope.index.sources.sigma_events import predicate_events
from rulescope.index.sources.sigma_yaml import load_documents

logger = logging.getLogger(__name__)

SUFFIXES: Final = (".yml", ".yaml")
_TECHNIQUE: Final = re.compile(r"t\d{4}(?:\.\d{3})?")
#: ATT&CK object ids that are not tactics: groups, software, mitigations, ...
_OTHER_ATTACK_ID: Final = re.compile(r"[a-z]{1,2}\d{4}")


class SigmaSource:
    """The Sigma rules (``*.yml``/``*.yaml``) under one root folder."""

    vendor = "sigma"

    def __init__(self, root: Path) -> None:
        self.root = root

    def files(self) -> list[Path]:
        """Every Sigma YAML file under the root, sorted by path."""
        found = (p for p in self.root.rglob("*") if p.suffix in SUFFIXES)
        return sorted(p for p in found if p.is_file())

    def read(self, path: Path) -> list[Rule]:
        """The rules of every document in one file; ``RuleFileError`` if none can be."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise RuleFileError(f"cannot read file: {exc.strerror or exc}") from exc
        documents = checked_documents(data)
        resolved = resolved_path(path)
        if not has_actions([document for _, document in documents]):
            return [read_document(n, document, resolved) for n, document in documents]
        # Lines of the merged rules are not lines of the file: leave them unknown.
        rules_text = as_yaml(resolve_actions([document for _, document in documents]))
        rules = [
            read_document(n, d, resolved) for n, d in checked_documents(rules_text)
        ]
        for rule in rules:
            for predicate in rule.predicates:
                predicate.line = -1
        return rules


def resolved_path(path: Path) -> str:
    """The absolute, resolved path; folders are resolved once, not per file."""
    if path.is_symlink():
        return str(path.resolve())
    return str(_resolved_folder(str(path.parent)) / path.name)


@cache
def _resolved_folder(folder: str) -> Path:
    return Path(folder).resolve()


def checked_documents(data: bytes) -> list[tuple[MappingNode, dict[str, Any]]]:
    """The file's YAML documents, each a mapping; ``RuleFileError`` otherwise."""
    documents = load_documents(data)
    if not documents:
        raise RuleFileError("the file holds no YAML document")
    return [_checked(node, document) for node, document in documents]


def _checked(node: Node, document: Any) -> tuple[MappingNode, dict[str, Any]]:
    if not isinstance(node, MappingNode) or not isinstance(document, dict):
        mark = node.start_mark
        reason = "a Sigma document must be a mapping of rule attributes"
        raise RuleFileError(reason, mark.line, mark.column)
    return node, document


def read_document(node: MappingNode, document: dict[str, Any], path: str) -> Rule:
    """One Sigma document (rule, correlation or filter) as a normalized rule."""
    try:
        parsed = build_sigma(document)
        return _to_rule(node, parsed, path)
    except RuleFileError:
        raise
    except SigmaError as exc:
        line, column = error_position(exc, node)
        raise RuleFileError(_reason(exc), line, column) from exc
    except Exception as exc:  # pySigma fails on some shapes with plain Python errors
        logger.debug("pySigma failed on '%s'", path, exc_info=True)
        line, column = error_position(exc, node)
        raise RuleFileError(f"{type(exc).__name__}: {exc}", line, column) from exc


def _reason(exc: SigmaError) -> str:
    return str(exc.args[0]) if exc.args else type(exc).__name__


def build_sigma(document: dict[str, Any]) -> SigmaRuleBase:
    """The pySigma object for one document, chosen by its top-level keys."""
    if "correlation" in document:
        return SigmaCorrelationRule.from_dict(document)
    if "filter" in document:
        return SigmaFilter.from_dict(document)
    return SigmaRule.from_dict(document)


def _to_rule(node: MappingNode, parsed: SigmaRuleBase, path: str) -> Rule:
    rule = Rule(
        vendor="sigma",
        path=path,
        title=parsed.title or "",
        rule_id=str(parsed.id) if parsed.id is not None else "",
        level=parsed.level.name.lower() if parsed.level is not None else "",
        status=parsed.status.name.lower() if parsed.status is not None else "",
        language="sigma",
        description=parsed.description or "",
    )
    rule.techniques, rule.tactics = attack_tags(str(tag) for tag in parsed.tags)
    if isinstance(parsed, SigmaFilter):
        rule.kind = "filter"
        rule.logsource = _logsource(parsed)
        rule.predicates = _predicates(node, "filter", parsed.filter, exclusion=True)
    elif isinstance(parsed, SigmaRule):
        rule.logsource = _logsource(parsed)
        rule.predicates = _predicates(node, "detection", parsed.detection)
    else:
        rule.kind = "correlation"
        return rule
    rule.events = predicate_events(rule.predicates, rule.logsource)
    return rule


def _logsource(parsed: SigmaRule | SigmaFilter) -> dict[str, str]:
    source = parsed.logsource
    pairs = (
        ("product", source.product),
        ("category", source.category),
        ("service", source.service),
    )
    return {key: str(value) for key, value in pairs if value is not None}


def _predicates(
    node: MappingNode, key: str, detections: SigmaDetections, exclusion: bool = False
) -> list[Predicate]:
    section = top_level(node, key)
    if not isinstance(section, MappingNode):
        raise SigmaConditionError(f"the '{key}' section must be a mapping")
    return detection_predicates(section, detections, exclusion)


def top_level(node: MappingNode, key: str) -> Node | None:
    """The value node of a top-level key, or None."""
    for key_node, value_node in node.value:
        if key_node.value == key:
            found: Node = value_node
            return found
    return None


def attack_tags(tags: Any) -> tuple[list[str], list[str]]:
    """ATT&CK technique ids and tactic short names from ``attack.*`` tags."""
    techniques: list[str] = []
    tactics: list[str] = []
    for tag in tags:
        namespace, _, name = tag.partition(".")
        if namespace.lower() != "attack" or not name:
            continue
        name = name.lower()
        if _TECHNIQUE.fullmatch(name):
            _append_new(techniques, name.upper())
        elif not _OTHER_ATTACK_ID.fullmatch(name):
            _append_new(tactics, name.replace("_", "-"))
    return techniques, tactics


def _append_new(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)
