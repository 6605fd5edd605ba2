"""Pieces shared by the SPL search and eval readers: raw predicates, values, grammar.

A :class:`RawPredicate` still carries the field as written
(``Processes.process_name``) and the offset in the expanded search where it
stands; ``sources.splunk`` maps both onto the normalized model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Final

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from rulescope.index.sources.splunk_pipeline import SplSyntaxError

_ESCAPE: Final = re.compile(r'\\([\\"])')


@dataclass(slots=True)
class RawPredicate:
    """A predicate before field mapping; ``offset`` is in the expanded search."""

    raw_field: str
    operator: str
    value: str
    negated: bool = False
    clause: str = ""
    offset: int = -1


@dataclass(slots=True)
class Extraction:
    """Everything one search yields for the normalized rule."""

    predicates: list[RawPredicate] = field(default_factory=list)
    #: ``datamodel=`` and ``nodename=`` values, as written.
    datamodels: list[str] = field(default_factory=list)
    #: ``source``, ``sourcetype``, ``eventtype`` and ``Channel`` values.
    source_hints: list[str] = field(default_factory=list)


@cache
def spl_parser() -> Lark:
    """The LALR parser of ``grammars/spl.lark`` (both start symbols)."""
    grammar = (
        resources.files("rulescope.index.grammars")
        .joinpath("spl.lark")
        .read_text(encoding="utf-8")
    )
    return Lark(
        grammar,
        start=["search_query", "eval_query"],
        parser="lalr",
        propagate_positions=True,
    )


def parse(text: str, start: str, offset: int, what: str) -> object:
    """Parse ``text`` from rule ``start``; raises :class:`SplSyntaxError`."""
    try:
        return spl_parser().parse(text, start=start)
    except UnexpectedCharacters as exc:
        position = exc.pos_in_stream or 0
        char = text[position : position + 1]
        raise SplSyntaxError(
            f"unexpected character '{char}' in {what}", offset + position
        ) from exc
    except UnexpectedInput as exc:
        token = getattr(exc, "token", None)
        if isinstance(exc, UnexpectedEOF) or getattr(token, "type", "") == "$END":
            raise _early_end(text, offset, what) from exc
        start_pos = getattr(token, "start_pos", None)
        at = start_pos if isinstance(start_pos, int) else len(text)
        raise SplSyntaxError(f"unexpected '{token}' in {what}", offset + at) from exc


def _early_end(text: str, offset: int, what: str) -> SplSyntaxError:
    """The error of an expression that stops short: mostly an unclosed ``(``."""
    unclosed = _unclosed_parenthesis(text)
    if unclosed >= 0:
        return SplSyntaxError(f"'(' is never closed in {what}", offset + unclosed)
    return SplSyntaxError(f"{what} ends too early", offset + len(text))


def _unclosed_parenthesis(text: str) -> int:
    """The offset of the first ``(`` left open outside strings, else -1."""
    opened: list[int] = []
    for match in re.finditer(r'"(?:\\.|[^"\\])*"|[()]', text):
        if match.group(0) == "(":
            opened.append(match.start())
        elif match.group(0) == ")" and opened:
            opened.pop()
    return opened[0] if opened else -1


def unescape(text: str) -> str:
    """SPL string unescaping: ``\\\\`` is one backslash and ``\\"`` a quote."""
    return _ESCAPE.sub(r"\1", text)


def token_text(token: str) -> str:
    """A word or a double-quoted string, unquoted and unescaped."""
    text = str(token)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    return unescape(text)


def token_offset(token: Token, base: int) -> int:
    """The offset of ``token`` in the expanded search."""
    return base + (token.start_pos or 0)
