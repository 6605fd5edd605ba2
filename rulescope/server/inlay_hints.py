"""textDocument/inlayHint: each detection value's corpus reach, after the value.

Off with the ``inlayHints`` setting or without an index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from rulescope.server.corpus import Corpus
from rulescope.server.document import SigmaDocument, Span
from rulescope.server.protocol import guarded, to_range

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer


def reach_hints(
    document: SigmaDocument, corpus: Corpus, first_line: int, last_line: int
) -> list[tuple[Span, str]]:
    """(value span, ``reach N``) for the predicates on lines in the range."""
    hints = []
    for predicate in document.predicates:
        if not first_line <= predicate.span.end_line <= last_line:
            continue
        reach = corpus.corpus_reach(
            predicate.field, predicate.operator, predicate.value
        )
        hints.append((predicate.span, f"reach {reach}"))
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
            for span, label in reach_hints(sigma, server.corpus, first, last)
        ]
