"""Glue between plain results and LSP: ranges through the position codec, guards.

Every feature handler is wrapped in :func:`guarded`, so one that fails logs
the error and answers empty while the server goes on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from lsprotocol import types
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from rulescope.server.document import Span

logger = logging.getLogger(__name__)

Result = TypeVar("Result")


def guarded(
    empty: Any,
) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Log an exception of the wrapped handler and answer ``empty`` instead."""

    def decorate(handler: Callable[..., Result]) -> Callable[..., Result]:
        @functools.wraps(handler)
        def wrapper(*args: Any, **kwargs: Any) -> Result:
            try:
                return handler(*args, **kwargs)
            except Exception:
                logger.exception("handler '%s' failed", handler.__name__)
                return empty  # type: ignore[no-any-return]

        return wrapper

    return decorate


def to_range(document: TextDocument, span: Span) -> types.Range:
    """An LSP range in the client's units from a code-point span."""
    server_range = ServerTextRange(
        ServerTextPosition(span.line, span.column),
        ServerTextPosition(span.end_line, span.end_column),
    )
    return document.position_codec.range_to_client_units(document.lines, server_range)


def from_position(document: TextDocument, position: types.Position) -> tuple[int, int]:
    """(line, column in code points) of a client position."""
    server = document.position_codec.position_from_client_units(
        document.lines, position
    )
    return server.line, server.character
