"""Predicates and event categories of an Event Query Language (EQL) query.

Parsed with Elastic's own ``eql`` package in Elasticsearch syntax (``:``,
``like~``, ``in~``, ``?field``, ``sample``, ``![missing]`` and ``runs=``
accepted; unknown functions allowed). Its AST maps onto predicates:

- ``f == "v"`` → ``eq``; ``f != "v"`` → ``eq`` negated
- ``f < 5``, ``<=``, ``>``, ``>=`` → ``lt``, ``lte``, ``gt``, ``gte``
- ``f == null`` / ``f != null`` → ``is_null`` / ``is_not_null``
- ``f in (...)``, ``in~``, ``not in`` → ``in``, one per value
- ``f : "v*"``, ``like``, ``like~``, ``wildcard()`` → by ``*`` position
  (``ends_with``/``starts_with``/``contains``/``eq``); a ``?`` or an inner
  ``*`` keeps ``wildcard``
- ``startsWith``, ``endsWith``, ``stringContains`` → ``starts_with``,
  ``ends_with``, ``contains``
- ``regex``, ``regex~``, ``match()`` → ``regex_match``; ``cidrMatch`` → ``cidr``

The parser folds ``~`` case-insensitivity into the same nodes, so it is not
recorded. Subqueries of ``sequence``/``sample``/``join`` name their clause
(``sequence[0]``, ``sequence[until]``); a missing-event subquery ``![...]``
is negated. Comparisons on computed values (``length(f) > 2``) and between
two fields have no literal indicator and are skipped.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import eql

from rulescope.index.model import Predicate
from rulescope.index.sources.elastic_predicates import (
    QuerySyntaxError,
    raw_predicate,
    wildcard_operator,
)

_COMPARISONS = {"==": "eq", "!=": "eq", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_FLIPPED = {"lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte", "eq": "eq"}
_STRING_FUNCTIONS = {
    "startswith": "starts_with",
    "endswith": "ends_with",
    "stringcontains": "contains",
    "match": "regex_match",
    "matchlite": "regex_match",
    "cidrmatch": "cidr",
}
_PARSER_CONFIG = (
    eql.parser.elasticsearch_syntax,
    eql.parser.ignore_missing_functions,
    eql.parser.skip_optimizations,
    eql.parser.allow_sample,
    eql.parser.allow_negation,
    eql.parser.allow_runs,
)


@dataclass(slots=True)
class EqlResult:
    """What an EQL query tests: its predicates and event categories."""

    predicates: list[Predicate] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


def eql_predicates(query: str) -> EqlResult:
    """Predicates and event categories of an EQL query; raises ``QuerySyntaxError``."""
    tree = _parse(query)
    walker = _Walker(query)
    walker.visit_query(tree.first if isinstance(tree, eql.ast.PipedQuery) else tree)
    return walker.result


def _parse(query: str) -> Any:
    """The query's AST under Elasticsearch syntax rules."""
    try:
        with ExitStack() as stack:
            for config in _PARSER_CONFIG:
                stack.enter_context(config)
            return eql.parse_query(query)
    except eql.errors.EqlParseError as error:
        reason = str(error.error_msg).strip()
        raise QuerySyntaxError(reason, error.line + 1, error.column + 1) from None
    # The eql package raises its own base errors (and on odd input, plain
    # Python ones); a query we cannot read must never stop a build.
    except Exception as error:
        raise QuerySyntaxError(f"eql: {type(error).__name__}: {error}") from None


class _Walker:
    """Walks one parsed query, collecting predicates in source order."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.cursor = 0
        self.result = EqlResult()

    def visit_query(self, node: Any) -> None:
        """A base query: one event query or the subqueries of a sequence."""
        if isinstance(node, eql.ast.EventQuery):
            self.visit_event(node, "", False)
            return
        kind = type(node).__name__.lower()
        for index, subquery in enumerate(getattr(node, "queries", [])):
            self.visit_subquery(subquery, f"{kind}[{index}]")
        close = getattr(node, "close", None)
        if close is not None:
            self.visit_subquery(close, f"{kind}[until]")

    def visit_subquery(self, subquery: Any, clause: str) -> None:
        """One ``[event where ...]`` of a sequence, sample or join."""
        negated = bool((subquery.data or {}).get("is_negated"))
        self.visit_event(subquery.query, clause, negated)

    def visit_event(self, node: Any, clause: str, negated: bool) -> None:
        """``category where condition``: record the category, walk the condition."""
        category = str(node.event_type)
        if category != "any" and category not in self.result.categories:
            self.result.categories.append(category)
        self.visit(node.query, clause, negated)

    def visit(self, node: Any, clause: str, negated: bool) -> None:
        """Dispatch on one boolean expression node."""
        if isinstance(node, eql.ast.Not):
            self.visit(node.term, clause, not negated)
        elif isinstance(node, eql.ast.And | eql.ast.Or):
            for term in node.terms:
                self.visit(term, clause, negated)
        elif isinstance(node, eql.ast.Comparison):
            self.comparison(node, clause, negated)
        elif isinstance(node, eql.ast.IsNull | eql.ast.IsNotNull):
            operator = "is_null" if isinstance(node, eql.ast.IsNull) else "is_not_null"
            self.emit(node.expr, operator, "", clause, negated)
        elif isinstance(node, eql.ast.InSet):
            for item in node.container:
                if isinstance(item, eql.ast.Literal):
                    self.emit(node.expression, "in", _text(item), clause, negated)
        elif isinstance(node, eql.ast.FunctionCall):
            self.function(node, clause, negated)

    def comparison(self, node: Any, clause: str, negated: bool) -> None:
        """``field <op> literal`` in either order."""
        operator = _COMPARISONS[node.comparator]
        negated ^= node.comparator == "!="
        if isinstance(node.right, eql.ast.Literal):
            self.emit(node.left, operator, _text(node.right), clause, negated)
        elif isinstance(node.left, eql.ast.Literal):
            flipped = _FLIPPED[operator]
            self.emit(node.right, flipped, _text(node.left), clause, negated)

    def function(self, node: Any, clause: str, negated: bool) -> None:
        """A string function whose first argument is the field."""
        name = str(node.name).lower().rstrip("~")
        if not node.arguments:
            return
        target, *patterns = node.arguments
        for pattern in patterns:
            if not isinstance(pattern, eql.ast.String):
                continue
            if name == "wildcard":
                operator, value = wildcard_operator(pattern.value, single_char=True)
            elif name in _STRING_FUNCTIONS:
                operator, value = _STRING_FUNCTIONS[name], pattern.value
            else:
                return
            self.emit(target, operator, value, clause, negated)

    def emit(
        self, target: Any, operator: str, value: str, clause: str, negated: bool
    ) -> None:
        """Record a predicate when ``target`` is a plain field."""
        if not isinstance(target, eql.ast.Field):
            return
        name = ".".join(str(part) for part in target.full_path)
        predicate = raw_predicate(
            name,
            operator,
            value,
            negated=negated,
            clause=clause,
            line=self.line_of(name),
        )
        self.result.predicates.append(predicate)

    def line_of(self, name: str) -> int:
        """The 0-based line where ``name`` next appears; the AST keeps no positions."""
        position = self.query.find(name, self.cursor)
        if position < 0:
            position = self.query.find(name)
        if position < 0:
            return -1
        self.cursor = position
        return self.query.count("\n", 0, position)


def _text(literal: Any) -> str:
    """A literal's value as text (``True`` → ``true``)."""
    value = literal.value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
