"""A diagnostic before it becomes an LSP one: code, message, severity and span."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from rulescope.server.document import Span

#: Finding severities, most serious first.
SEVERITIES: Final = ("error", "warning", "information", "hint")


@dataclass(slots=True, frozen=True)
class Finding:
    """One problem found in a document; ``code`` is stable snake_case."""

    code: str
    message: str
    #: ``error``, ``warning``, ``information`` or ``hint``.
    severity: str
    span: Span
