"""Turn a parsed KQL ``where`` expression into predicate leaves.

The tree comes from ``grammars/kusto.lark`` (start ``expr``). Each node becomes
a :data:`Node`: a :class:`Column`, a literal :class:`Values`, a list of
:class:`Leaf` conditions, or ``None`` for anything this module does not model
(arithmetic, ``ago(1d)``, a comparison of two columns). ``and``/``or`` simply
collect their leaves; ``not(...)`` and the ``!`` operators flip ``negated``.

Operator choices (Kusto to the normalized model):
``==``/``=~`` eq; ``!=``/``!~``/``<>`` negated eq; ``in``/``in~`` in, one leaf
per value; ``has``, ``has_cs``, ``hasprefix``, ``hassuffix``, ``contains``,
``has_any`` and ``has_all`` contains (one leaf per value): ``has`` is a term
match, which ``contains`` over-approximates, and that keeps ``has "x"``
identical to Sigma's ``|contains: x``; ``startswith`` starts_with; ``endswith``
ends_with; ``matches regex`` regex_match; ``isnotempty``/``isnotnull``
is_not_null; ``isempty``/``isnull`` is_null; ``between`` gte and lte.
Values are kept as written (``=~`` compares case-insensitively, ``==`` not).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final, TypeAlias

from lark import Token, Transformer, v_args


@dataclass(frozen=True, slots=True)
class Column:
    """A column reference, dotted for dynamic members (``EventData.ObjectType``)."""

    name: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Values:
    """One literal or a literal list (``dynamic([...])``), as strings."""

    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Leaf:
    """One test of a column against one value; ``line`` is 1-based in the query.

    ``table`` is the table whose rows the clause filters, when the walk knows.
    """

    field: str
    operator: str
    value: str
    negated: bool = False
    line: int = 0
    table: str = ""


Node: TypeAlias = Column | Values | list[Leaf] | None

#: Kusto comparison operator -> (operator, negated).
COMPARE_OPS: Final[dict[str, tuple[str, bool]]] = {
    "==": ("eq", False),
    "=~": ("eq", False),
    "!=": ("eq", True),
    "!~": ("eq", True),
    "<>": ("eq", True),
    ">": ("gt", False),
    ">=": ("gte", False),
    "<": ("lt", False),
    "<=": ("lte", False),
}
#: The same comparison with its operands swapped (``5 < x`` is ``x > 5``).
_MIRRORED: Final = {"gt": "lt", "gte": "lte", "lt": "gt", "lte": "gte"}

#: Kusto string operator (without ``!`` and ``_cs``) -> operator.
STRING_OPS: Final[dict[str, str]] = {
    "has": "contains",
    "hasprefix": "contains",
    "hassuffix": "contains",
    "contains": "contains",
    "startswith": "starts_with",
    "endswith": "ends_with",
    "has_any": "contains",
    "has_all": "contains",
}

_NULL_TESTS: Final = {
    "isnotempty": ("is_not_null", False),
    "isnotnull": ("is_not_null", False),
    "isempty": ("is_null", False),
    "isnull": ("is_null", False),
}
#: Functions that leave the column they wrap recognisable as that column.
_PASS_THROUGH: Final = frozenset(
    {
        "tolower",
        "toupper",
        "tostring",
        "toint",
        "tolong",
        "todouble",
        "toreal",
        "tobool",
        "todynamic",
        "parse_json",
        "trim",
        "dynamic",
        "pack_array",
        "strcat",
    }
)
_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}
_ESCAPE_RE: Final = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


def unescape_string(token: str) -> str:
    """The value of one Kusto string literal, after Kusto's own unescaping."""
    text = token.lstrip("hH")
    if text.startswith("```"):
        return text[3:-3]
    if text.startswith("@"):
        quote = text[1]
        return text[2:-1].replace(quote * 2, quote)
    return _ESCAPE_RE.sub(_unescape_one, text[1:-1])


def _unescape_one(match: re.Match[str]) -> str:
    """One backslash escape; an unknown escape keeps its backslash."""
    escape = match.group(1)
    if len(escape) == 5:
        return chr(int(escape[1:], 16))
    if escape in "\\\"'":
        return escape
    return _ESCAPES.get(escape, "\\" + escape)


def _values(node: Node) -> tuple[str, ...] | None:
    """The literal values a node stands for, or None."""
    return node.items if isinstance(node, Values) else None


def _leaves(
    column: Node, operator: str, values: tuple[str, ...], negated: bool
) -> list[Leaf]:
    """One leaf per value, or none when ``column`` is not a column."""
    if not isinstance(column, Column):
        return []
    return [
        Leaf(column.name, operator, value, negated, column.line) for value in values
    ]


def _banged(items: tuple[object, ...]) -> bool:
    """Whether an operator was written with its ``!`` prefix."""
    return any(isinstance(item, Token) and item.type == "BANG" for item in items)


def negate(leaves: list[Leaf]) -> list[Leaf]:
    """The leaves of ``not(...)``: every leaf flips its ``negated`` flag."""
    return [replace(leaf, negated=not leaf.negated) for leaf in leaves]


def _flatten(args: list[Node]) -> tuple[str, ...] | None:
    """Every literal value of an argument list, or None when one is not literal."""
    collected: list[str] = []
    for arg in args:
        values = _values(arg)
        if values is None:
            return None
        collected.extend(values)
    return tuple(collected)


@v_args(inline=True)
class WhereTransformer(Transformer[Token, Node]):
    """Reduce a ``where`` expression tree to leaves, inlining ``let`` scalars."""

    def __init__(self, scalars: Mapping[str, Values]) -> None:
        super().__init__()
        self._scalars = scalars

    def or_(self, left: Node, right: Node) -> Node:
        return self.and_(left, right)

    def and_(self, left: Node, right: Node) -> Node:
        """Both sides' leaves; a non-condition side contributes none."""
        return [
            *(left if isinstance(left, list) else []),
            *(right if isinstance(right, list) else []),
        ]

    def not_(self, inner: Node) -> Node:
        return negate(inner) if isinstance(inner, list) else None

    def compare(self, left: Node, op: Token, right: Node) -> Node:
        """``x == "v"`` and friends, either way round."""
        operator, negated = COMPARE_OPS[str(op)]
        if isinstance(right, Column) and isinstance(left, Values):
            left, right = right, left
            operator = _MIRRORED.get(operator, operator)
        values = _values(right)
        return _leaves(left, operator, values, negated) if values else None

    def str_compare(self, left: Node, *rest: Token | Node) -> Node:
        """``x has "v"``, ``x !startswith "v"``, ``x contains_cs "v"``."""
        op, right = rest[-2], rest[-1]
        operator = STRING_OPS[str(op).removesuffix("_cs")]
        values = None if isinstance(right, Token) else _values(right)
        return _leaves(left, operator, values, _banged(rest)) if values else None

    def in_list(self, left: Node, *rest: Token | list[Node] | None) -> Node:
        """``x in (...)``, ``x !in~ (...)``, with ``let`` lists inlined."""
        values = _flatten(rest[-1] if isinstance(rest[-1], list) else [])
        return _leaves(left, "in", values, _banged(rest)) if values else None

    def set_compare(self, left: Node, *rest: Token | list[Node] | None) -> Node:
        """``x has_any (...)`` and ``x has_all (...)``."""
        operator = STRING_OPS[str(rest[-2])]
        values = _flatten(rest[-1] if isinstance(rest[-1], list) else [])
        return _leaves(left, operator, values, _banged(rest)) if values else None

    def regex(self, left: Node, right: Node) -> Node:
        values = _values(right)
        return _leaves(left, "regex_match", values, False) if values else None

    def between(self, left: Node, *rest: Token | Node) -> Node:
        """``x between (lo .. hi)`` is ``x >= lo and x <= hi``."""
        negated = _banged(rest)
        bounds = [None if isinstance(b, Token) else _values(b) for b in rest[-2:]]
        low, high = bounds
        if not (low and high):
            return None
        return _leaves(left, "gte", low, negated) + _leaves(left, "lte", high, negated)

    def call(self, name: Token, args: list[Node] | None) -> Node:
        """Null tests, column-preserving wrappers and literal builders."""
        arguments = args if isinstance(args, list) else []
        function = str(name)
        if function in _NULL_TESTS and len(arguments) == 1:
            operator, negated = _NULL_TESTS[function]
            return _leaves(arguments[0], operator, ("",), negated)
        if function == "column_ifexists" and arguments:
            column = _values(arguments[0])
            return Column(column[0], name.line or 0) if column else None
        if function not in _PASS_THROUGH or not arguments:
            return None
        if function == "strcat":
            joined = _flatten(arguments)
            return Values(("".join(joined),)) if joined is not None else None
        literal = _flatten(arguments)
        if literal is not None:
            return Values(literal)
        return arguments[-1] if isinstance(arguments[-1], Column) else None

    def args(self, *items: Node) -> list[Node]:
        return list(items)

    def named_arg(self, _name: Token, _value: Node) -> Node:
        return None

    def name(self, token: Token) -> Node:
        """A ``let`` scalar's value, a boolean literal, or else a column."""
        if str(token) in self._scalars:
            return self._scalars[str(token)]
        if str(token) in ("true", "false"):
            return Values((str(token),))
        return Column(str(token), token.line or 0)

    def member(self, base: Node, name: Token) -> Node:
        if isinstance(base, Column):
            return Column(f"{base.name}.{name}", base.line)
        return None

    def index(self, base: Node, key: Node) -> Node:
        """``x["key"]`` is member ``key``; a numeric index loses the column."""
        keys = _values(key)
        if isinstance(base, Column) and keys and not keys[0].isdigit():
            return Column(f"{base.name}.{keys[0]}", base.line)
        return None

    def array(self, args: list[Node] | None) -> Node:
        """``[...]``: a literal list (``['name']`` as a column is left to callers)."""
        values = _flatten(args or [])
        return Values(values) if values is not None else None

    def string(self, *tokens: Token) -> Node:
        return Values(("".join(unescape_string(str(t)) for t in tokens),))

    def number(self, token: Token) -> Node:
        return Values((str(token),))

    def typed(self, token: Token) -> Node:
        return Values((str(token),))

    def star(self, token: Token) -> Node:
        return Column("*", token.line or 0)

    def arith(self, *_items: Node | Token) -> Node:
        return None

    def sign(self, op: Token, operand: Node) -> Node:
        values = _values(operand)
        if str(op) == "-" and values and len(values) == 1:
            return Values(("-" + values[0],))
        return None

    def bag(self, *_items: Node | Token) -> Node:
        return None

    def pairs(self, *_items: Node | Token) -> Node:
        return None

    def pair(self, *_items: Node | Token) -> Node:
        return None
