"""Predicates of the SPL eval language, as ``| where`` uses it.

``field == "x"`` and ``field = "x"`` are ``eq`` (``*`` is a literal here);
``!=`` and ``NOT`` mark the predicate negated (``x != ""`` is a negated
``is_null``); ``like(field, "%x%")`` and
``field LIKE "x%"`` become ``contains``/``starts_with``/``ends_with`` by where
the ``%`` stand; ``match(field, "re")`` is ``regex_match``; ``in(field, ...)``
and ``field IN (...)`` one ``in`` per value; ``isnull``/``isnotnull`` test
presence; ``cidrmatch("10.0.0.0/8", ip)`` is ``cidr``. ``lower(field)`` and
its kin stand for the field. A comparison between two fields is no predicate.

``_`` in a ``like`` pattern is a one-character wildcard in SPL; it is read as
a literal underscore, because the corpus's ``like`` values use it as one far
more often (``%\\_filter%``-style names) than as a wildcard.
"""

from __future__ import annotations

from typing import Final

from lark import Token, Tree

from rulescope.index.sources.elastic_predicates import wildcard_operator
from rulescope.index.sources.splunk_terms import (
    Extraction,
    RawPredicate,
    parse,
    token_offset,
    token_text,
)

Node = Tree[Token] | Token

#: Functions that return their field's value in another case or trim.
_TRANSPARENT: Final = frozenset(
    {"lower", "upper", "trim", "ltrim", "rtrim", "tostring"}
)
_RANGE: Final = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_FLIPPED: Final = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
_PRESENCE: Final = {"isnull": "is_null", "isnotnull": "is_not_null"}


def eval_predicates(
    text: str, offset: int, clause: str, extraction: Extraction
) -> None:
    """Add the predicates of one eval (``where``) expression to ``extraction``."""
    tree = parse(text, "eval_query", offset, f"{clause} expression")
    assert isinstance(tree, Tree)
    _walk(tree, False, _Emitter(offset, clause, extraction.predicates))


class _Emitter:
    """Collects predicates with their clause and token offsets."""

    __slots__ = ("base", "clause", "out")

    def __init__(self, base: int, clause: str, out: list[RawPredicate]) -> None:
        self.base = base
        self.clause = clause
        self.out = out

    def add(self, field: Token, operator: str, value: str, negated: bool) -> None:
        """Record one predicate on ``field``."""
        self.out.append(
            RawPredicate(
                token_text(field),
                operator,
                value,
                negated,
                self.clause,
                token_offset(field, self.base),
            )
        )


def _walk(node: Node, negated: bool, emit: _Emitter) -> None:
    """Walk one eval node with the polarity it sits under."""
    if isinstance(node, Token):
        return
    kind = node.data
    if kind == "e_negation":
        _walk(node.children[0], not negated, emit)
    elif kind == "e_comparison":
        _comparison(node, negated, emit)
    elif kind in ("e_like", "e_not_like"):
        left, right = node.children
        _like(left, right, negated ^ (kind == "e_not_like"), emit)
    elif kind in ("e_in", "e_not_in"):
        left, args = node.children
        _in(left, _arguments(args), negated ^ (kind == "e_not_in"), emit)
    elif kind == "e_call":
        _call(node, negated, emit)
    elif kind in ("eval_query", "e_or", "e_and"):
        for child in node.children:
            _walk(child, negated, emit)


def _comparison(node: Tree[Token], negated: bool, emit: _Emitter) -> None:
    """``field <op> literal`` or ``literal <op> field``."""
    left, comparator_token, right = node.children
    comparator = str(comparator_token)
    field, literal = _field_of(left), _literal_of(right)
    if field is None or literal is None:
        field, literal = _field_of(right), _literal_of(left)
        comparator = _FLIPPED.get(comparator, comparator)
    if field is None or literal is None:
        return
    if comparator in _RANGE:
        emit.add(field, _RANGE[comparator], literal, negated)
    else:
        # An empty string is how SPL says "no value": ``x != ""`` is presence.
        operator = "is_null" if literal == "" else "eq"
        emit.add(field, operator, literal, negated ^ (comparator == "!="))


def _like(left: Node, pattern: Node, negated: bool, emit: _Emitter) -> None:
    """``like(field, pattern)``: ``%`` is the wildcard."""
    field, literal = _field_of(left), _literal_of(pattern)
    if field is None or literal is None:
        return
    operator, value = wildcard_operator(literal.replace("%", "*"))
    emit.add(field, operator, value, negated)


def _in(left: Node, values: list[Node], negated: bool, emit: _Emitter) -> None:
    """``field IN (a, b)`` and ``in(field, a, b)``: one ``in`` per value."""
    field = _field_of(left)
    if field is None:
        return
    for value_node in values:
        literal = _literal_of(value_node)
        if literal is not None:
            emit.add(field, "in", literal, negated)


def _call(node: Tree[Token], negated: bool, emit: _Emitter) -> None:
    """A function call in boolean position: like, match, in, isnull, cidrmatch."""
    name = str(node.children[0]).lower()
    args = _arguments(node.children[1]) if len(node.children) > 1 else []
    if name == "like" and len(args) == 2:
        _like(args[0], args[1], negated, emit)
    elif name == "match" and len(args) == 2:
        field, regex = _field_of(args[0]), _literal_of(args[1])
        if field is not None and regex is not None:
            emit.add(field, "regex_match", regex, negated)
    elif name == "in" and args:
        _in(args[0], args[1:], negated, emit)
    elif name in _PRESENCE and len(args) == 1:
        field = _field_of(args[0])
        if field is not None:
            emit.add(field, _PRESENCE[name], "", negated)
    elif name == "cidrmatch" and len(args) == 2:
        cidr, field = _literal_of(args[0]), _field_of(args[1])
        if field is not None and cidr is not None:
            emit.add(field, "cidr", cidr, negated)


def _arguments(node: Node | None) -> list[Node]:
    """The argument nodes of an ``e_args`` node."""
    if isinstance(node, Tree) and node.data == "e_args":
        return list(node.children)
    return []


def _field_of(node: Node) -> Token | None:
    """The field token ``node`` reads, through ``lower()`` and its kin."""
    if isinstance(node, Tree) and node.data == "e_field":
        token = node.children[0]
        return token if isinstance(token, Token) else None
    if isinstance(node, Tree) and node.data == "e_call":
        name = str(node.children[0]).lower()
        args = _arguments(node.children[1]) if len(node.children) > 1 else []
        if name in _TRANSPARENT and len(args) == 1:
            return _field_of(args[0])
    return None


def _literal_of(node: Node) -> str | None:
    """The value of a string or number literal (negative numbers included)."""
    if isinstance(node, Tree) and node.data in ("e_string", "e_number"):
        return token_text(node.children[0])  # type: ignore[arg-type]
    if isinstance(node, Tree) and node.data == "e_minus":
        inner = _literal_of(node.children[0])
        return None if inner is None else f"-{inner}"
    return None
