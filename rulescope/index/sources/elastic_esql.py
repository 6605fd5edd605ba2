"""Predicates of an ES|QL query: the tests of its ``where`` commands.

The pipeline is split on ``|`` (outside strings and comments); ``from``
gives the index patterns and each ``where`` is parsed with
``grammars/esql.lark``. Covered inside ``where``:

- ``f == "v"``, ``!=`` (negated), ``=~``, ``<``, ``<=``, ``>``, ``>=``
- ``f like "p"`` / ``like ("p", "q")`` → by ``*`` position as in KQL (``?``
  keeps ``wildcard``); ``f rlike "re"`` → ``regex_match``; ``not like``
- ``f in (...)`` / ``not in`` → ``in`` per literal value
- ``f is null`` / ``is not null``; ``f : "text"`` and ``match(f, "text")`` → ``match``
- ``starts_with``, ``ends_with``, ``cidr_match`` → ``starts_with``,
  ``ends_with``, ``cidr``; ``kql("...")`` is read with the KQL parser
- ``to_lower(f)``, ``to_upper(f)``, ``to_string(f)`` and ``f::type`` read as
  ``f``; a column ``eval``-ed or ``rename``-d from one field reads as it

Columns computed by ``stats``, ``eval``, ``dissect``, ``grok`` or
``enrich`` are not source fields: tests on them (``Esql.count > 5``) are
thresholds, not indicators, and are skipped, as are tests inside ``eval``
expressions (``case(...)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from rulescope.index.model import Predicate
from rulescope.index.sources.elastic_esql_text import (
    Scope,
    Step,
    column_name,
    pipeline_steps,
)
from rulescope.index.sources.elastic_kql import kql_predicates
from rulescope.index.sources.elastic_predicates import (
    QuerySyntaxError,
    pattern_operator,
    raw_predicate,
    split_escaped_wildcards,
    unescape,
)

_COMPARISONS = {
    "==": "eq",
    "!=": "eq",
    "=~": "eq",
    "<": "lt",
    "<=": "lte",
    ">": "gt",
    ">=": "gte",
}
_FLIPPED = {"lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte", "eq": "eq"}
_FIELD_FUNCTIONS = frozenset({"to_lower", "to_upper", "to_string", "to_str"})
_STRING_FUNCTIONS = {
    "starts_with": "starts_with",
    "ends_with": "ends_with",
    "cidr_match": "cidr",
    "match": "match",
}
_STRING_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\", '"': '"'}


@dataclass(slots=True)
class EsqlResult:
    """What an ES|QL query reads and tests."""

    predicates: list[Predicate] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)


@cache
def _parser() -> Lark:
    """The ``where`` expression parser, built once."""
    grammar = resources.files("rulescope.index.grammars").joinpath("esql.lark")
    return Lark(grammar.read_text(), parser="lalr", propagate_positions=True)


def esql_predicates(query: str) -> EsqlResult:
    """Predicates and index patterns of an ES|QL query; raises ``QuerySyntaxError``."""
    result = EsqlResult()
    scope = Scope()
    for step in pipeline_steps(query):
        if step.command == "from":
            result.indexes.extend(_index_patterns(step.body))
        elif step.command == "where":
            tree = _parse_where(step)
            _Walker(scope, step, result.predicates).visit(tree, False)
        else:
            scope.update(step)
    return result


def _index_patterns(body: str) -> list[str]:
    """``from a-*, b-* metadata _id`` → ``["a-*", "b-*"]``."""
    sources = re.split(r"\bmetadata\b", body, maxsplit=1, flags=re.I)[0]
    return [part.strip() for part in sources.split(",") if part.strip()]


def _parse_where(step: Step) -> Tree[Token]:
    """The parsed condition of one ``where`` step, errors placed in the query."""
    try:
        return _parser().parse(step.body)
    except UnexpectedInput as error:
        line, column = step.position(error.line, error.column)
        token = getattr(error, "token", None) or getattr(error, "char", "")
        reason = f"where: unexpected '{token}'" if token else "where: unexpected end"
        raise QuerySyntaxError(reason, line, column) from None


class _Walker:
    """Turns one parsed ``where`` condition into predicates."""

    def __init__(self, scope: Scope, step: Step, out: list[Predicate]) -> None:
        self.scope = scope
        self.step = step
        self.out = out

    def visit(self, node: Tree[Token] | Token, negated: bool) -> None:
        """Dispatch on one condition node."""
        if isinstance(node, Token):
            return
        handler = getattr(self, f"on_{node.data}", None)
        if handler is not None:
            handler(node, negated)
        elif node.data in ("and_expr", "or_expr"):
            for child in node.children:
                self.visit(child, negated)

    def on_negation(self, node: Tree[Token], negated: bool) -> None:
        self.visit(node.children[-1], not negated)

    def on_comparison(self, node: Tree[Token], negated: bool) -> None:
        left, comparator, right = node.children
        operator = _COMPARISONS[str(comparator)]
        negated ^= str(comparator) == "!="
        value = _literal(right)
        if value is not None:
            self.emit(left, operator, value, negated)
        elif (value := _literal(left)) is not None:
            self.emit(right, _FLIPPED[operator], value, negated)

    def on_like(self, node: Tree[Token], negated: bool) -> None:
        target, *tokens, patterns = node.children
        negated ^= _has_not(tokens)
        for pattern in _strings(patterns):
            operator, value = _like_operator(pattern)
            self.emit(target, operator, value, negated)

    def on_rlike(self, node: Tree[Token], negated: bool) -> None:
        target, *tokens, patterns = node.children
        negated ^= _has_not(tokens)
        for pattern in _strings(patterns):
            self.emit(target, "regex_match", pattern, negated)

    def on_in_list(self, node: Tree[Token], negated: bool) -> None:
        target, *rest = node.children
        negated ^= _has_not(rest)
        for item in rest:
            value = _literal(item)
            if value is not None:
                self.emit(target, "in", value, negated)

    def on_null_check(self, node: Tree[Token], negated: bool) -> None:
        operator = "is_not_null" if _has_not(node.children[1:]) else "is_null"
        self.emit(node.children[0], operator, "", negated)

    def on_match_operator(self, node: Tree[Token], negated: bool) -> None:
        value = _literal(node.children[1])
        if value is not None:
            self.emit(node.children[0], "match", value, negated)

    def on_function(self, node: Tree[Token], negated: bool) -> None:
        name = str(node.children[0]).lower()
        arguments = [child for child in node.children[1:] if child is not None]
        if name == "kql" and arguments and (query := _literal(arguments[0])):
            self.kql(query, self.query_line(arguments[0]), negated)
        elif name in _STRING_FUNCTIONS and len(arguments) >= 2:
            for argument in arguments[1:]:
                value = _literal(argument)
                if value is not None:
                    self.emit(arguments[0], _STRING_FUNCTIONS[name], value, negated)

    def kql(self, query: str, line: int, negated: bool) -> None:
        """A ``kql("...")`` call: its own predicates, placed on the call's line."""
        try:
            predicates = kql_predicates(query)
        except QuerySyntaxError as error:
            raise QuerySyntaxError(f"kql(): {error.reason}", line + 1) from None
        for predicate in predicates:
            predicate.negated ^= negated
            predicate.line = line
            self.out.append(predicate)

    def emit(
        self, target: Tree[Token] | Token, operator: str, value: str, negated: bool
    ) -> None:
        """Record a predicate when ``target`` reads a source field."""
        name = _field_name(target)
        source = self.scope.resolve(name) if name else None
        if source:
            line = self.query_line(target)
            self.out.append(
                raw_predicate(source, operator, value, negated=negated, line=line)
            )

    def query_line(self, node: Tree[Token] | Token) -> int:
        """The 0-based query line of a node of this step."""
        return self.step.position(_line(node), 1)[0] - 1


def _line(node: Tree[Token] | Token) -> int:
    """The 1-based line of a node within its step."""
    if isinstance(node, Token):
        return node.line or 1
    return getattr(node.meta, "line", 1)


def _has_not(children: list[Tree[Token] | Token]) -> bool:
    """Whether a predicate's keywords include ``not`` (``not like``, ``is not``)."""
    return any(isinstance(c, Token) and c.type == "NOT" for c in children)


def _field_name(node: Tree[Token] | Token) -> str:
    """The field a value expression reads, through casts and case functions."""
    if isinstance(node, Token):
        return ""
    if node.data == "field":
        return column_name(str(node.children[0]))
    if node.data == "cast":
        return _field_name(node.children[0])
    is_function = node.data == "function" and len(node.children) == 2
    if is_function and str(node.children[0]).lower() in _FIELD_FUNCTIONS:
        argument = node.children[1]
        return _field_name(argument) if argument is not None else ""
    return ""


def _literal(node: Tree[Token] | Token | None) -> str | None:
    """The value of a literal node: unescaped string, number or boolean."""
    if not isinstance(node, Tree):
        return None
    if node.data == "string":
        return _unquote(str(node.children[0]))
    if node.data == "number":
        return str(node.children[0]) if len(node.children) == 1 else None
    if node.data == "boolean":
        return str(node.children[0]).lower()
    return None


def _strings(node: Tree[Token] | Token) -> list[str]:
    """The unescaped strings of a ``like``/``rlike`` pattern list."""
    if not isinstance(node, Tree):
        return []
    return [
        _unquote(str(child.children[0]))
        for child in node.children
        if isinstance(child, Tree)
    ]


def _unquote(text: str) -> str:
    """A string literal's value: triple-quoted strings are raw."""
    if text.startswith('"""'):
        return text[3:-3]
    return unescape(text[1:-1], _STRING_ESCAPES)


def _like_operator(pattern: str) -> tuple[str, str]:
    """The operator of a ``like`` pattern: ``*``, ``?`` wildcards, ``\\`` escapes."""
    pieces, single_char = split_escaped_wildcards(pattern)
    if single_char:
        return "wildcard", pattern
    return pattern_operator(pieces)
