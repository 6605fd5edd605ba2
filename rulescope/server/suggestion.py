"""A completion suggestion before it becomes an LSP item: label, text, place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class Suggestion:
    """One completion: what to show, what to insert, and from which column."""

    label: str
    kind: str
    detail: str
    insert: str
    #: Column (code points) where the replaced text starts on the caret's line.
    start: int
    snippet: bool = False
    #: Characters after the caret the insertion also replaces (a closing quote).
    extend: int = 0
    filter_text: str = ""
