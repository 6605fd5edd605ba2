"""The document model: a Sigma rule's YAML node tree, its predicates and its rule.

Text is composed with PyYAML's C loader, keeping each node's marks (0-based
lines, columns in code points); positions reach the client only through the
document's position codec. The pySigma rule is built on first use. Parsed
documents are cached per (uri, version).
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote, urlparse

import yaml
from yaml import MappingNode, Node, ScalarNode, SequenceNode

from rulescope.index.fields import normalize_predicate
from rulescope.server.screening import screen

if TYPE_CHECKING:
    from sigma.rule import SigmaRule

logger = logging.getLogger(__name__)

#: Keys of ``detection`` that are not selections (as the Sigma source reads them).
NOT_SELECTIONS: Final = frozenset({"condition", "rules", "timeframe"})


@dataclass(slots=True, frozen=True)
class Span:
    """A text range: 0-based lines, columns in code points, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    def contains(self, line: int, column: int) -> bool:
        """Whether (line, column) falls inside, the end included (a caret there)."""
        after_start = (line, column) >= (self.line, self.column)
        return after_start and (line, column) <= (self.end_line, self.end_column)


def node_span(node: Node) -> Span:
    """The span of a node from its YAML marks."""
    start, end = node.start_mark, node.end_mark
    return Span(start.line, start.column, end.line, end.column)


@dataclass(slots=True, frozen=True)
class SyntaxProblem:
    """A YAML error, or a refusal to parse (see ``screening``), with its place."""

    message: str
    span: Span
    code: str = "yaml_syntax"


@dataclass(slots=True, frozen=True)
class DocPredicate:
    """One ``field|modifiers: value`` test of the document, normalized."""

    clause: str
    raw_key: str
    field: str
    operator: str
    value: str
    negated_modifier: bool
    span: Span
    key_span: Span


@dataclass
class SigmaDocument:
    """One version of an open document, parsed once."""

    uri: str
    version: int
    text: str
    root: MappingNode | None = None
    syntax_error: SyntaxProblem | None = None
    _rule: Any = field(default=None, repr=False)

    @property
    def path(self) -> Path | None:
        """The file path when the URI is a ``file:`` URI."""
        parsed = urlparse(self.uri)
        return Path(unquote(parsed.path)) if parsed.scheme == "file" else None

    @property
    def is_sigma(self) -> bool:
        """A mapping with ``title`` and ``detection`` or ``correlation``."""
        if self.root is None:
            return False
        keys = {str(key.value) for key, _ in self.root.value}
        return "title" in keys and bool(keys & {"detection", "correlation"})

    def matches_globs(self, globs: tuple[str, ...]) -> bool:
        """Whether the file path matches one of the configured globs."""
        path = self.path
        return path is not None and any(fnmatch.fnmatch(str(path), g) for g in globs)

    def top(self, key: str) -> Node | None:
        """The value node of a top-level key."""
        return mapping_value(self.root, key)

    def top_key(self, key: str) -> ScalarNode | None:
        """The key node of a top-level key."""
        if self.root is None:
            return None
        for key_node, _ in self.root.value:
            if key_node.value == key:
                return key_node  # type: ignore[no-any-return]
        return None

    @cached_property
    def data(self) -> Any:
        """The plain Python value of the document (None when it did not parse)."""
        if self.root is None:
            return None
        loader = yaml.SafeLoader("")
        try:
            return loader.construct_document(self.root)
        # ValueError: a timestamp-shaped value that is no date (2023-01-00).
        except (yaml.YAMLError, ValueError) as exc:
            logger.debug("cannot construct '%s': %s", self.uri, exc)
            return None
        finally:
            loader.dispose()

    @cached_property
    def tags(self) -> list[tuple[str, Span]]:
        """Each tag with its span."""
        node = self.top("tags")
        if not isinstance(node, SequenceNode):
            return []
        return [
            (str(item.value), node_span(item))
            for item in node.value
            if isinstance(item, ScalarNode)
        ]

    @cached_property
    def techniques(self) -> tuple[str, ...]:
        """ATT&CK technique ids tagged on the rule, upper-cased."""
        found = []
        for tag, _ in self.tags:
            name = tag.lower().removeprefix("attack.")
            if tag.lower().startswith("attack.t") and name[1:2].isdigit():
                found.append(name.upper())
        return tuple(dict.fromkeys(found))

    @cached_property
    def logsource(self) -> dict[str, str]:
        """``category``, ``product`` and ``service`` of the log source."""
        node = self.top("logsource")
        if not isinstance(node, MappingNode):
            return {}
        return {
            str(key.value): str(value.value)
            for key, value in node.value
            if isinstance(value, ScalarNode) and value.value
        }

    @cached_property
    def selections(self) -> dict[str, tuple[ScalarNode, Node]]:
        """Named selections of ``detection``: name -> (key node, value node)."""
        node = self.top("detection")
        if not isinstance(node, MappingNode):
            return {}
        return {
            str(key.value): (key, value)
            for key, value in node.value
            if str(key.value) not in NOT_SELECTIONS
        }

    @cached_property
    def predicates(self) -> list[DocPredicate]:
        """Every predicate of every selection, in document order."""
        found: list[DocPredicate] = []
        for name, (_, value) in self.selections.items():
            found.extend(selection_predicates(name, value))
        return found

    def sigma_rule(self) -> SigmaRule | None:
        """The pySigma rule, built once; its ``errors`` hold structure errors."""
        if self._rule is None and isinstance(self.data, dict):
            self._rule = build_sigma_rule(self.data, self.path)
        return self._rule  # type: ignore[no-any-return]


def mapping_value(node: Node | None, key: str) -> Node | None:
    """The value under ``key`` in a mapping node."""
    if not isinstance(node, MappingNode):
        return None
    for key_node, value_node in node.value:
        if key_node.value == key:
            return value_node  # type: ignore[no-any-return]
    return None


def selection_predicates(clause: str, node: Node) -> list[DocPredicate]:
    """The predicates of one selection: a mapping, a list of them, or keywords."""
    if isinstance(node, SequenceNode):
        return [p for item in node.value for p in selection_predicates(clause, item)]
    if isinstance(node, ScalarNode):
        return list(_item_predicates(clause, "", node, [node]))
    if not isinstance(node, MappingNode):
        return []

    found: list[DocPredicate] = []
    for key_node, value_node in node.value:
        values = value_node.value if isinstance(value_node, SequenceNode) else []
        if not isinstance(value_node, SequenceNode):
            values = [value_node]
        found.extend(_item_predicates(clause, str(key_node.value), key_node, values))
    return found


def _item_predicates(
    clause: str, raw_key: str, key_node: Node, values: list[Node]
) -> list[DocPredicate]:
    # The Sigma source imports pySigma: loaded on first use, not at start.
    from rulescope.index.sources.sigma_detection import value_predicate

    bare_field, *modifiers = raw_key.split("|") if raw_key else ["keyword"]
    found = []
    for node in values:
        if not isinstance(node, ScalarNode):
            continue
        operator, value, negate = value_predicate(raw_key or "|", modifiers, node)
        canonical, operator, value = normalize_predicate(
            "sigma", bare_field or "keyword", operator, value
        )
        found.append(
            DocPredicate(
                clause,
                raw_key,
                canonical,
                operator,
                value,
                negate,
                node_span(node),
                node_span(key_node),
            )
        )
    return found


def build_sigma_rule(data: dict[str, Any], path: Path | None) -> Any:
    """A pySigma rule (or correlation rule) with its errors collected."""
    from sigma.exceptions import SigmaError, SigmaRuleLocation
    from sigma.rule import SigmaRule

    source = SigmaRuleLocation(path) if path is not None else None
    try:
        if "correlation" in data:
            from sigma.correlations import SigmaCorrelationRule

            return SigmaCorrelationRule.from_dict(data, collect_errors=True)
        return SigmaRule.from_dict(data, collect_errors=True, source=source)
    except (SigmaError, TypeError, ValueError, AttributeError, KeyError) as exc:
        # pySigma raises some structure errors even when collecting them.
        logger.debug("pySigma rejected '%s': %s", path, exc)
        return exc


def parse_document(uri: str, version: int, text: str) -> SigmaDocument:
    """Compose ``text`` into a node tree, recording a YAML error if any."""
    document = SigmaDocument(uri, version, text)
    refusal = screen(text)
    if refusal is not None:
        line, column = refusal.line, refusal.column
        span = Span(line, column, line, column + 1)
        document.syntax_error = SyntaxProblem(refusal.message, span, refusal.code)
        return document
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line, mark.column) if mark else (0, 0)
        message = str(exc.problem or exc.context or "invalid YAML")
        document.syntax_error = SyntaxProblem(
            message, Span(line, column, line, column + 1)
        )
        return document
    except yaml.YAMLError as exc:
        document.syntax_error = SyntaxProblem(str(exc), Span(0, 0, 0, 1))
        return document
    if nodes and isinstance(nodes[0], MappingNode):
        document.root = nodes[0]
    return document


class DocumentCache:
    """The latest parsed version of each open document."""

    def __init__(self) -> None:
        self._documents: dict[str, SigmaDocument] = {}

    def get(self, uri: str, version: int | None, text: str) -> SigmaDocument:
        """The parsed document for (uri, version), parsing it when new."""
        cached = self._documents.get(uri)
        if cached is not None and cached.version == version and cached.text == text:
            return cached
        document = parse_document(uri, version or 0, text)
        self._documents[uri] = document
        return document

    def drop(self, uri: str) -> None:
        """Forget a closed document."""
        self._documents.pop(uri, None)
