"""Predicates of a Kibana Query Language (``kuery``) or Lucene query.

The grammar is ``grammars/kql.lark``. Each ``field : value`` becomes one
predicate per value: quoted values are exact (``eq``), unquoted values read
``*`` as a wildcard (leading → ``ends_with``, trailing → ``starts_with``,
both → ``contains``, inner → ``wildcard``) and ``field : *`` is
``is_not_null``; an address/prefix value (``10.0.0.0/8``) is ``cidr``.
``>``/``>=``/``<``/``<=`` become ``gt``/``gte``/``lt``/``lte``.
A predicate under an odd number of ``not`` is negated (``not not x`` is x).
Bare values with no field are ``match`` predicates with an empty field.
Lucene is read with the same grammar: its ``field:value``, ``AND``/``OR``/
``NOT`` and parentheses are KQL too; ranges ``[a TO b]`` and ``/regex/`` are
not read.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from rulescope.index.model import Predicate
from rulescope.index.sources.elastic_predicates import (
    QuerySyntaxError,
    pattern_operator,
    raw_predicate,
    split_escaped_wildcards,
    unescape,
)

_RANGE_OPERATORS = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
_CIDR = re.compile(
    r"^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)/\d{1,3}$"
)
_QUOTED_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\", '"': '"'}


@cache
def _parser() -> Lark:
    """The KQL parser, built once."""
    grammar = resources.files("rulescope.index.grammars").joinpath("kql.lark")
    return Lark(grammar.read_text(), parser="lalr", propagate_positions=True)


def kql_predicates(query: str) -> list[Predicate]:
    """Every predicate of a KQL query; raises ``QuerySyntaxError``."""
    try:
        tree = _parser().parse(query)
    except UnexpectedInput as error:
        raise _syntax_error(error, query) from None

    predicates: list[Predicate] = []
    _walk(tree, "", False, predicates)
    return predicates


def _syntax_error(error: UnexpectedInput, query: str) -> QuerySyntaxError:
    """A one-line reason with the 1-based position lark reports."""
    if isinstance(error, UnexpectedEOF):
        lines = query.splitlines() or [""]
        return QuerySyntaxError("unexpected end of query", len(lines), len(lines[-1]))
    if isinstance(error, UnexpectedCharacters):
        reason = f"unexpected character '{error.char}'"
    else:
        token = getattr(error, "token", None)
        at_end = token is None or token.type == "$END"
        reason = "unexpected end of query" if at_end else f"unexpected '{token}'"
    return QuerySyntaxError(reason, error.line, error.column)


def _walk(
    node: Tree[Token] | Token, prefix: str, negated: bool, out: list[Predicate]
) -> None:
    """Collect the predicates below one query node."""
    if isinstance(node, Token):
        return
    if node.data == "negation":
        _walk(node.children[0], prefix, not negated, out)
    elif node.data == "nested":
        field = prefix + _unescape_field(node.children[0])
        _walk(node.children[1], field + ".", negated, out)
    elif node.data == "field_value":
        field = prefix + _unescape_field(node.children[0])
        _walk_values(node.children[1], field, negated, out)
    elif node.data == "range":
        field_node, operator, value_node = node.children
        field = prefix + _unescape_field(field_node)
        value, _pattern = _read_value(value_node)
        out.append(
            raw_predicate(
                field,
                _RANGE_OPERATORS[str(operator)],
                value,
                negated=negated,
                line=_line(value_node),
            )
        )
    elif node.data == "free_text":
        value, _pattern = _read_value(node.children[0])
        field = prefix.rstrip(".")
        out.append(
            raw_predicate(field, "match", value, negated=negated, line=_line(node))
        )
    else:
        for child in node.children:
            _walk(child, prefix, negated, out)


def _walk_values(
    node: Tree[Token] | Token, field: str, negated: bool, out: list[Predicate]
) -> None:
    """One predicate per value of ``field : (a or b and not c)``."""
    if isinstance(node, Token):
        return
    if node.data == "negation":
        _walk_values(node.children[0], field, not negated, out)
    elif node.data == "value":
        value, pattern = _read_value(node)
        operator, value = pattern_operator(pattern) if pattern else ("eq", value)
        if operator == "eq" and _CIDR.match(value):
            # An address-typed field matched against a network is a CIDR test.
            operator = "cidr"
        out.append(
            raw_predicate(field, operator, value, negated=negated, line=_line(node))
        )
    else:
        for child in node.children:
            _walk_values(child, field, negated, out)


def _read_value(node: Tree[Token] | Token) -> tuple[str, list[str | None]]:
    """The unescaped text of a value and, for an unquoted one, its ``*`` pattern."""
    token = node.children[0] if isinstance(node, Tree) else node
    assert isinstance(token, Token)
    if token.type == "QUOTED":
        return _unquote(str(token)), []
    return _unescape_unquoted(str(token))


def _unquote(text: str) -> str:
    """A quoted KQL string without its quotes and escapes."""
    # Kibana unescapes only \\, \" and whitespace escapes in a phrase:
    # "C:\Windows" keeps its backslash.
    return unescape(text[1:-1], _QUOTED_ESCAPES)


def _unescape_unquoted(text: str) -> tuple[str, list[str | None]]:
    """The text of an unquoted value and its pieces split at unescaped ``*``."""
    pieces, _ = split_escaped_wildcards(text)
    value = "".join("*" if piece is None else piece for piece in pieces)
    return value, pieces


def _unescape_field(node: Tree[Token] | Token) -> str:
    """A field name without quotes or escapes."""
    value, _pattern = _read_value(node)
    return value


def _line(node: Tree[Token] | Token) -> int:
    """The 0-based query line a node starts on, -1 when unknown."""
    line = getattr(node, "line", None)
    if line is None and isinstance(node, Tree):
        line = getattr(node.meta, "line", None)
    return line - 1 if isinstance(line, int) else -1
