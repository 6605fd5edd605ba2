"""Token-level helpers for the Kusto walk: brackets, splits, group spans.

The lexer is ``grammars/kusto.lark`` (built once here); everything else works
on its token list, so a query never has to parse as a whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Final

from lark import Lark, Token

_OPEN: Final = frozenset({"_LPAR", "_LSQB", "_LBRACE"})
_CLOSE: Final = frozenset({"_RPAR", "_RSQB", "_RBRACE"})


@cache
def parser() -> Lark:
    """The Kusto lexer and ``where``-expression parser, built once."""
    grammar = resources.files("rulescope.index.grammars") / "kusto.lark"
    return Lark(
        grammar.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="basic",
        start=["expr", "structure"],
        maybe_placeholders=True,
    )


def split(tokens: list[Token], separator: str) -> Iterator[list[Token]]:
    """Split ``tokens`` at ``separator`` where no bracket is open."""
    depth, part = 0, list[Token]()
    for token in tokens:
        depth = _depth(depth, token)
        if token.type == separator and depth == 0:
            yield part
            part = []
        else:
            part.append(token)
    if part:
        yield part


def _depth(depth: int, token: Token) -> int:
    """The bracket depth after ``token``; a stray closer does not go below 0."""
    if token.type in _OPEN:
        return depth + 1
    if token.type in _CLOSE:
        return max(depth - 1, 0)
    return depth


def groups(tokens: list[Token]) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each top-level ``(...)`` group, end exclusive."""
    depth, start = 0, 0
    for position, token in enumerate(tokens):
        if token.type == "_LPAR" and depth == 0:
            start = position
        depth = _depth(depth, token)
        if token.type == "_RPAR" and depth == 0 and tokens[start].type == "_LPAR":
            yield start, position + 1


def is_tabular(tokens: list[Token]) -> bool:
    """Whether a token run is a tabular expression, not a scalar one.

    A top-level ``|``, a leading ``union``, ``externaldata`` or ``datatable``,
    or a parenthesised tabular expression.
    """
    if not tokens:
        return False
    if tokens[0].value in ("union", "externaldata", "datatable"):
        return True
    if any(len(part) != len(tokens) for part in split(tokens, "PIPE")):
        return True
    spans_all = [end for start, end in groups(tokens) if start == 0] == [len(tokens)]
    return spans_all and is_tabular(tokens[1:-1])


def function_body(tokens: list[Token]) -> list[Token] | None:
    """The ``{...}`` body of ``let f = [view] (params) { body }``, else None."""
    if tokens and tokens[0].value == "view":
        tokens = tokens[1:]
    if not tokens or tokens[0].type != "_LPAR":
        return None
    ends = [end for start, end in groups(tokens) if start == 0]
    if not ends or ends[0] >= len(tokens) or tokens[ends[0]].type != "_LBRACE":
        return None
    if tokens[-1].type != "_RBRACE":
        return None
    return tokens[ends[0] + 1 : -1]


def drop_parameters(tokens: list[Token]) -> list[Token]:
    """Strip leading ``name=value`` parameters (``kind=inner``, ``hint.x=y``)."""
    position = 0
    while position + 2 < len(tokens):
        name_end = position
        while name_end + 2 < len(tokens) and tokens[name_end + 1].type == "_DOT":
            name_end += 2
        if tokens[name_end].type != "NAME" or tokens[name_end + 1].type != "_ASSIGN":
            break
        position = name_end + 3
    return tokens[position:]
