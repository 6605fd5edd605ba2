"""One module per rule format; each exposes a :class:`Source`.

A source lists the rule files under its root and turns one file into rules.
It raises :class:`~rulescope.index.model.RuleFileError` for a file it cannot
read; the build records that and goes on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from rulescope.index.model import Rule


class Source(Protocol):
    """A corpus of one vendor's rules under one root directory."""

    vendor: str
    root: Path

    def files(self) -> list[Path]:
        """Every rule file this source will read, in a stable order."""
        ...

    def read(self, path: Path) -> list[Rule]:
        """The rules of one file; raises ``RuleFileError`` when it cannot."""
        ...
