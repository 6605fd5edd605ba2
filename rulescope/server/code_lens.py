"""textDocument/codeLens: each tagged technique's coverage on the ``tags`` line.

One lens per technique tag, on the ``tags`` key: the indexed rules under the
technique (its sub-techniques included) by vendor. Clicking it runs the
client's ``rulescope.showCoverage`` with the technique id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from lsprotocol import types

from rulescope.server.corpus import Corpus
from rulescope.server.document import SigmaDocument, Span, node_span
from rulescope.server.protocol import guarded, to_range

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer

SHOW_COVERAGE: Final = "rulescope.showCoverage"


def coverage_line(corpus: Corpus, technique: str) -> str:
    """``T1218.011: 57 rules (sigma 31 · elastic 12 · ...)`` for one technique."""
    rules = corpus.rules_under((technique,))
    if not rules:
        return f"{technique}: no indexed rules"
    by_vendor = corpus.vendor_counts(rules)
    vendors = " · ".join(f"{vendor} {count}" for vendor, count in by_vendor.items())
    return f"{technique}: {len(rules)} rules ({vendors})"


def technique_lenses(
    document: SigmaDocument, corpus: Corpus
) -> list[tuple[Span, str, str]]:
    """(span of the ``tags`` key, title, technique) for each technique tag."""
    key = document.top_key("tags")
    if key is None:
        return []
    span = node_span(key)
    return [
        (span, coverage_line(corpus, technique), technique)
        for technique in document.techniques
    ]


def register(server: RulescopeServer) -> None:
    """Serve code lenses on the tags."""

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    @guarded([])
    def on_code_lens(params: types.CodeLensParams) -> list[types.CodeLens]:
        if server.corpus is None:
            return []
        sigma, text_document = server.document(params.text_document.uri)
        if not server.serves(sigma):
            return []
        return [
            types.CodeLens(
                range=to_range(text_document, span),
                command=types.Command(
                    title=title, command=SHOW_COVERAGE, arguments=[technique]
                ),
            )
            for span, title, technique in technique_lenses(sigma, server.corpus)
        ]
