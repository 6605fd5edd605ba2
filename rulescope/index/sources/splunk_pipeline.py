"""Split an SPL search into its pipeline stages.

``a | b [ c | d ] | e`` has three stages; the bracketed subsearch belongs to
the second and is read apart (its text is masked by spaces in the stage, so
offsets stay true). Pipes and brackets inside double-quoted strings are text.
A search that does not start with a pipe begins with an implicit ``search``
(unless its first word is a generating command such as ``mstats``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

_COMMAND: Final = re.compile(r"\s*([A-Za-z_][\w]*)")
#: Commands that start a pipeline; a subsearch may open with one and no pipe
#: (``[ mstats ... ]``, ``[summary model]``).
GENERATING_COMMANDS: Final = frozenset(
    {
        "tstats",
        "mstats",
        "inputlookup",
        "from",
        "rest",
        "makeresults",
        "datamodel",
        "metadata",
        "summary",
        "loadjob",
        "savedsearch",
        "pivot",
    }
)


class SplSyntaxError(Exception):
    """An SPL search that does not parse; ``offset`` is in the expanded search."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


@dataclass(slots=True)
class Subsearch:
    """A bracketed subsearch: its text and where that text starts."""

    text: str
    offset: int


@dataclass(slots=True)
class Stage:
    """One pipeline stage: its command, and the text after the command word."""

    command: str
    body: str
    offset: int
    subsearches: list[Subsearch] = field(default_factory=list)


def split_pipeline(text: str, offset: int = 0) -> list[Stage]:
    """The stages of ``text`` (which starts at ``offset``); empty stages dropped."""
    stages: list[Stage] = []
    for index, (start, end, subsearches) in enumerate(_stage_spans(text)):
        masked = _masked(text, start, end, subsearches)
        stage = _stage(masked, offset + start, implicit_search=index == 0)
        if stage is None:
            continue
        stage.subsearches = [
            Subsearch(text[sub_start:sub_end], offset + sub_start)
            for sub_start, sub_end in subsearches
        ]
        stages.append(stage)
    return stages


def _stage(text: str, offset: int, implicit_search: bool) -> Stage | None:
    """A stage from its (masked) text; ``None`` for an empty one."""
    if not text.strip():
        return None
    word = _COMMAND.match(text)
    explicit = word is not None and (
        not implicit_search or word.group(1) in GENERATING_COMMANDS | {"search"}
    )
    if word is not None and explicit:
        return Stage(word.group(1).lower(), text[word.end() :], offset + word.end())
    if implicit_search:
        return Stage("search", text, offset)
    return Stage("", text, offset)


def _masked(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """``text[start:end]`` with each subsearch's inside replaced by spaces."""
    chars = list(text[start:end])
    for sub_start, sub_end in spans:
        for index in range(sub_start - start, sub_end - start):
            chars[index] = " "
    return "".join(chars)


def _stage_spans(text: str) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """``(start, end, subsearch spans)`` of each top-level stage."""
    spans: list[tuple[int, int, list[tuple[int, int]]]] = []
    subsearches: list[tuple[int, int]] = []
    stage_start, depth, open_at, index = 0, 0, 0, 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == '"':
            index = _string_end(text, index)
            continue
        if char == "[":
            depth += 1
            open_at = index if depth == 1 else open_at
        elif char == "]":
            if depth == 0:
                raise SplSyntaxError("']' without a matching '['", index)
            depth -= 1
            if depth == 0:
                subsearches.append((open_at + 1, index))
        elif char == "|" and depth == 0:
            spans.append((stage_start, index, subsearches))
            stage_start, subsearches = index + 1, []
        index += 1
    if depth:
        raise SplSyntaxError("subsearch '[' is never closed", open_at)
    spans.append((stage_start, len(text), subsearches))
    return spans


def _string_end(text: str, start: int) -> int:
    """The offset just past the double-quoted string opened at ``start``."""
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == '"':
            return index + 1
        index += 1
    raise SplSyntaxError("unterminated string", start)
