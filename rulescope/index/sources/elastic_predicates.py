"""Pieces shared by the Elastic query parsers (KQL, EQL, ES|QL).

Each parser returns raw :class:`~rulescope.index.model.Predicate` records:
``field`` and ``raw_field`` both hold the vendor's name and ``line`` counts
from the first line of the query (0-based). ``sources.elastic`` maps them
onto canonical fields and rule-file lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rulescope.index.model import Predicate

#: A pattern written as pieces: literal text, or ``None`` for a ``*`` wildcard.
Pattern = Sequence[str | None]


class QuerySyntaxError(Exception):
    """A query its parser rejects; ``line`` and ``column`` are 1-based in the query."""

    def __init__(self, reason: str, line: int = 0, column: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


def raw_predicate(
    field: str,
    operator: str,
    value: str,
    *,
    negated: bool = False,
    clause: str = "",
    line: int = -1,
) -> Predicate:
    """A predicate still carrying the vendor's field name."""
    return Predicate(
        field=field,
        operator=operator,
        value=value,
        negated=negated,
        raw_field=field,
        clause=clause,
        line=line,
    )


def unescape(body: str, escapes: Mapping[str, str]) -> str:
    """A string literal's body with each ``\\x`` in ``escapes`` replaced.

    A backslash before any other character stays as written.
    """
    chars: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and body[index + 1 : index + 2] in escapes:
            index += 1
            char = escapes[body[index]]
        chars.append(char)
        index += 1
    return "".join(chars)


def split_wildcards(text: str) -> list[str | None]:
    """Split a wildcard string on ``*``: literal pieces and ``None`` for each star."""
    pieces: list[str | None] = []
    for index, literal in enumerate(text.split("*")):
        if index:
            pieces.append(None)
        if literal:
            pieces.append(literal)
    return pieces


def split_escaped_wildcards(text: str) -> tuple[list[str | None], bool]:
    """Split at unescaped ``*`` after ``\\`` escapes: the pieces (``None`` per
    star), and whether an unescaped ``?`` (a one-character wildcard) occurs."""
    pieces: list[str | None] = []
    literal: list[str] = []
    single_char = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            index += 1
            literal.append(text[index])
        elif char == "*":
            if literal:
                pieces.append("".join(literal))
            pieces.append(None)
            literal = []
        else:
            single_char = single_char or char == "?"
            literal.append(char)
        index += 1
    if literal:
        pieces.append("".join(literal))
    return pieces, single_char


def pattern_operator(pattern: Pattern) -> tuple[str, str]:
    """The operator and value a ``*`` pattern means.

    A pattern of only ``*`` is ``is_not_null``; one leading ``*`` is
    ``ends_with``, one trailing ``*`` is ``starts_with``, both is ``contains``;
    an inner ``*`` stays ``wildcard`` as written.
    """
    literals = [piece for piece in pattern if piece is not None]
    if not literals:
        return "is_not_null", ""
    stars = [index for index, piece in enumerate(pattern) if piece is None]
    if any(0 < index < len(pattern) - 1 for index in stars) or len(literals) > 1:
        return "wildcard", "".join("*" if piece is None else piece for piece in pattern)

    leading = bool(stars) and stars[0] == 0
    trailing = bool(stars) and stars[-1] == len(pattern) - 1
    if leading and trailing:
        return "contains", literals[0]
    if leading:
        return "ends_with", literals[0]
    if trailing:
        return "starts_with", literals[0]
    return "eq", literals[0]


def wildcard_operator(text: str, single_char: bool = False) -> tuple[str, str]:
    """The operator and value of a wildcard string written without escapes.

    With ``single_char`` a ``?`` is a one-character wildcard (EQL, ES|QL
    ``like``); a value that has one is kept as written.
    """
    if single_char and "?" in text:
        return "wildcard", text
    return pattern_operator(split_wildcards(text))
