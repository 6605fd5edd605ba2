"""The text layer of ES|QL: comments, pipeline steps, the columns steps make.

Everything here scans characters with string literals (``"..."`` and
``\"\"\"...\"\"\"``) in mind, so a ``|`` or ``//`` inside a string is data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_COMMAND = re.compile(r"\s*(inline\s+stats|[A-Za-z_]+)", re.IGNORECASE)
_DISSECT_KEY = re.compile(r"%\{[+?*&]?([^}\s]+)\}")
_GROK_KEY = re.compile(r"%\{\w+:([^}:\s]+)(?::\w+)?\}|\(\?<([\w.@]+)>")
_ASSIGNED = re.compile(r"^\s*(`[^`]+`|[\w.@]+)\s*=(?!=)")
_ALIAS = re.compile(
    r"^\s*(`[^`]+`|[\w.@]+)\s*=\s*(?:(?:to_lower|to_upper|to_string)\s*\(\s*)?"
    r"(`[^`]+`|[\w.@]+)\s*\)?\s*$",
    re.IGNORECASE,
)
_RENAME = re.compile(r"^\s*(`[^`]+`|[\w.@]+)\s+as\s+(`[^`]+`|[\w.@]+)\s*$", re.I)


@dataclass(slots=True, frozen=True)
class Step:
    """One pipeline command: its lower-cased name and the text after it."""

    command: str
    body: str
    #: 1-based line and column of the body's first character in the query.
    line: int
    column: int

    def position(self, line: int, column: int) -> tuple[int, int]:
        """A 1-based position inside ``body`` as a position in the query."""
        if line <= 1:
            return self.line, self.column + column - 1
        return self.line + line - 1, column


def _string_end(text: str, start: int) -> int:
    """The index just past the string literal that opens at ``start``."""
    if text.startswith('"""', start):
        end = text.find('"""', start + 3)
        return len(text) if end < 0 else end + 3
    index = start + 1
    while index < len(text) and text[index] != '"':
        index += 2 if text[index] == "\\" else 1
    return min(index + 1, len(text))


def blank_comments(text: str) -> str:
    """``text`` with ``//`` and ``/* */`` comments turned to spaces, lines kept."""
    chars = list(text)
    index = 0
    while index < len(text):
        if text[index] == '"':
            index = _string_end(text, index)
            continue
        if text.startswith("//", index):
            end = text.find("\n", index)
        elif text.startswith("/*", index):
            end = text.find("*/", index)
            end = len(text) if end < 0 else end + 2
        else:
            index += 1
            continue
        end = len(text) if end < 0 else end
        for position in range(index, end):
            if chars[position] != "\n":
                chars[position] = " "
        index = end
    return "".join(chars)


def _split_at(text: str, separator: str) -> Iterator[tuple[int, str]]:
    """Pieces of ``text`` between top-level ``separator`` characters, with offsets."""
    depth = 0
    start = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            index = _string_end(text, index)
            continue
        depth += (char in "([") - (char in ")]")
        if char == separator and depth <= 0:
            yield start, text[start:index]
            start = index + 1
        index += 1
    yield start, text[start:]


def pipeline_steps(query: str) -> list[Step]:
    """The commands of a query in order, comments blanked."""
    text = blank_comments(query)
    steps = []
    for offset, piece in _split_at(text, "|"):
        match = _COMMAND.match(piece)
        if not match:
            continue
        command = " ".join(match[1].lower().split())
        body_offset = offset + match.end()
        line = text.count("\n", 0, body_offset) + 1
        column = body_offset - (text.rfind("\n", 0, body_offset) + 1) + 1
        steps.append(Step(command, piece[match.end() :], line, column))
    return steps


def split_top_level(text: str) -> list[str]:
    """``text`` split at commas outside parentheses and strings."""
    return [piece for _offset, piece in _split_at(text, ",") if piece.strip()]


def _computed_names(step: Step) -> set[str]:
    """Columns made by ``stats``, ``dissect``, ``grok``, ``enrich``, ``completion``."""
    if step.command in ("stats", "inline stats"):
        aggregates = re.split(r"\bby\b", step.body, maxsplit=1, flags=re.I)[0]
        return _assigned(split_top_level(aggregates))
    if step.command == "dissect":
        return set(_DISSECT_KEY.findall(step.body))
    if step.command == "grok":
        return {name or group for name, group in _GROK_KEY.findall(step.body)}
    if step.command in ("enrich", "completion"):
        with_part = re.split(r"\bwith\b", step.body, maxsplit=1, flags=re.I)[-1]
        return _assigned(split_top_level(with_part))
    return set()


def _assigned(parts: list[str]) -> set[str]:
    """The names on the left of ``name = ...`` parts."""
    names = set()
    for part in parts:
        match = _ASSIGNED.match(part)
        if match:
            names.add(match[1].strip("`"))
    return names


class Scope:
    """The columns earlier steps made: aliases of one field, and computed ones."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.computed: set[str] = set()

    def update(self, step: Step) -> None:
        """Record what an ``eval``, ``rename``, ``stats``, ``dissect``... defines."""
        if step.command == "eval":
            for assignment in split_top_level(step.body):
                self._assign(assignment)
        elif step.command == "rename":
            for part in split_top_level(step.body):
                match = _RENAME.match(part)
                if match:
                    self.aliases[column_name(match[2])] = (
                        self.resolve(column_name(match[1])) or ""
                    )
        self.computed.update(_computed_names(step))

    def _assign(self, assignment: str) -> None:
        name, _, _expression = assignment.partition("=")
        match = _ALIAS.match(assignment)
        if match:
            source = self.resolve(column_name(match[2]))
            if source:
                self.aliases[column_name(match[1])] = source
                self.computed.discard(column_name(match[1]))
                return
        self.computed.add(column_name(name))

    def resolve(self, name: str) -> str | None:
        """The source field a column reads, ``None`` when it is computed."""
        if name in self.aliases:
            return self.aliases[name] or None
        return None if name in self.computed else name


def column_name(text: str) -> str:
    """A column name unquoted: ``source.`as`.name`` → ``source.as.name``."""
    parts = re.findall(r"`((?:[^`]|``)+)`|([^.`]+)", text.strip())
    return ".".join((quoted or plain).replace("``", "`") for quoted, plain in parts)
