"""textDocument/inlayHint: each detection value's corpus reach, after the value.

``· 76 rules``, with ``⚠ noisy`` from ``noisyThreshold`` rules on; the open
workspace's rules count, the document's own indexed version does not. Off
with the ``inlayHints`` setting or without an index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lsprotocol import types

from rulescope.server.document import SigmaDocument, Span
from rulescope.server.protocol import guarded, to_range
from rulescope.server.settings import DEFAULT_NOISY_THRESHOLD
from rulescope.server.workspace_index import live_reach

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer


def reach_label(reach: int, threshold: int) -> str:
    """``· N rules``, marked noisy at or above ``threshold``."""
    label = f"· {reach} rule{'' if reach == 1 else 's'}"
    return f"{label} ⚠ noisy" if reach >= threshold else label


def reach_hints(
    document: SigmaDocument,
    reach_of: Callable[[str, str, str], int],
    first_line: int,
    last_line: int,
    threshold: int = DEFAULT_NOISY_THRESHOLD,
) -> list[tuple[Span, str]]:
    """(value span, ``· N rules``) for the predicates on lines in the range."""
    hints = []
    for predicate in document.predicates:
        if not first_line <= predicate.span.end_line <= last_line:
            continue
        reach = reach_of(predicate.field, predicate.operator, predicate.value)
        hints.append((predicate.span, reach_label(reach, threshold)))
    return hints


def register(server: RulescopeServer) -> None:
    """Serve inlay hints."""

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
    @guarded([])
    def on_inlay_hint(params: types.InlayHintParams) -> list[types.InlayHint]:
        if server.corpus is None or not server.settings.inlay_hints:
            return []
        sigma, text_document = server.document(params.text_document.uri)
        if not server.serves(sigma):
            return []
        first, last = params.range.start.line, params.range.end.line
        return [
            types.InlayHint(
                position=to_range(text_document, span).end,
                label=label,
                kind=types.InlayHintKind.Type,
                padding_left=True,
            )
            for span, label in reach_hints(
                sigma,
                live_reach(server, sigma),
                first,
                last,
                server.settings.noisy_threshold,
            )
        ]
