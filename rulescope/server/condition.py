"""A Sigma condition read for the editor: the names it uses and what stands alone.

A small recursive-descent reading (``not`` binds tighter than ``and``, which
binds tighter than ``or``) that keeps each identifier's column, so findings
land on the word. A selection *stands alone* when some branch of the
condition accepts it with no ``and`` beside it: nothing else narrows it.
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"\(|\)|[^\s()]+")
_QUANTIFIERS = frozenset({"all", "any"})


@dataclass(slots=True, frozen=True)
class Reference:
    """A selection name or pattern the condition uses, at its column offset."""

    text: str
    offset: int


@dataclass(slots=True)
class ConditionReading:
    """What one condition string refers to and which selections stand alone."""

    references: list[Reference] = field(default_factory=list)
    alone: set[str] = field(default_factory=set)
    uses_them: bool = False


def read_condition(condition: str, selections: list[str]) -> ConditionReading:
    """The references and standalone selections of ``condition``."""
    tokens = [(m.group(0), m.start()) for m in _TOKEN.finditer(condition)]
    parser = _Parser(tokens, selections)
    # A condition being typed ends early; keep what was read.
    with contextlib.suppress(IndexError):
        parser.expression(alone=True)
    return parser.reading


def matching(pattern: str, selections: list[str]) -> list[str]:
    """The selections a name or wildcard pattern refers to."""
    if "*" in pattern or "?" in pattern:
        return [name for name in selections if fnmatch.fnmatchcase(name, pattern)]
    return [pattern] if pattern in selections else []


class _Parser:
    def __init__(self, tokens: list[tuple[str, int]], selections: list[str]) -> None:
        self.tokens = tokens
        self.position = 0
        self.selections = selections
        self.reading = ConditionReading()

    def _peek(self) -> str:
        return self.tokens[self.position][0].lower()

    def _done(self) -> bool:
        return self.position >= len(self.tokens)

    def expression(self, alone: bool) -> None:
        branches = [self._conjunction_start()]
        while not self._done() and self._peek() == "or":
            self.position += 1
            branches.append(self._conjunction_start())
        for start, end in branches:
            self._conjunction(start, end, alone)

    def _conjunction_start(self) -> tuple[int, int]:
        """Skip over one ``and`` chain, returning its token range."""
        start = self.position
        depth = 0
        while not self._done():
            word = self._peek()
            if word == "(":
                depth += 1
            elif word == ")":
                if depth == 0:
                    break
                depth -= 1
            elif word == "or" and depth == 0:
                break
            self.position += 1
        return start, self.position

    def _conjunction(self, start: int, end: int, alone: bool) -> None:
        """Read one ``and`` chain; its terms stand alone only if it has one."""
        saved, saved_tokens = self.position, self.tokens
        chained = self._top_level_ands(start, end) > 0
        self.tokens, self.position = saved_tokens[:end], start
        while not self._done():
            if self._peek() == "and":
                self.position += 1
                continue
            self._unary_into_reading(alone and not chained)
        self.tokens, self.position = saved_tokens, saved

    def _top_level_ands(self, start: int, end: int) -> int:
        depth, count = 0, 0
        for word, _ in self.tokens[start:end]:
            depth += (word == "(") - (word == ")")
            count += depth == 0 and word.lower() == "and"
        return count

    def _unary_into_reading(self, alone: bool) -> None:
        word = self._peek()
        if word == "not":
            self.position += 1
            self._unary_into_reading(False)
        elif word == "(":
            self.position += 1
            self.expression(alone)
            if not self._done() and self._peek() == ")":
                self.position += 1
        elif word.isdigit() or word in _QUANTIFIERS:
            self._quantified(word, alone)
        else:
            self._identifier(alone)

    def _quantified(self, quantifier: str, alone: bool) -> None:
        self.position += 2  # the quantifier and ``of``
        text, offset = self.tokens[self.position]
        self.position += 1
        if text.lower() == "them":
            self.reading.uses_them = True
            names = list(self.selections)
        else:
            self.reading.references.append(Reference(text, offset))
            names = matching(text, self.selections)
        if alone and (quantifier != "all" or len(names) == 1):
            self.reading.alone.update(names)

    def _identifier(self, alone: bool) -> None:
        text, offset = self.tokens[self.position]
        self.position += 1
        self.reading.references.append(Reference(text, offset))
        if alone:
            self.reading.alone.update(matching(text, self.selections))
