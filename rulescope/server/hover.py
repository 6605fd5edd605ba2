"""textDocument/hover: what the corpus knows about the tag, field or value here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types

from rulescope.server.checks import ReachOf
from rulescope.server.corpus import Corpus, RuleSet
from rulescope.server.document import SigmaDocument, Span
from rulescope.server.hover_text import (
    field_markdown,
    logsource_markdown,
    tactic_markdown,
    technique_markdown,
    value_markdown,
)
from rulescope.server.locate import Location, locate
from rulescope.server.protocol import from_position, guarded, to_range
from rulescope.server.workspace_index import own_rule_ids, workspace_counts

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer


@dataclass(frozen=True, slots=True)
class LiveCounts:
    """The server's live view of reach: the edited rule's own indexed copy left
    out, and the workspace's rules (not yet indexed) counted in."""

    own: RuleSet = frozenset()
    in_workspace: ReachOf | None = None


def hover_markdown(
    document: SigmaDocument,
    line: int,
    column: int,
    corpus: Corpus | None,
    noisy_threshold: int,
    live: LiveCounts = LiveCounts(),
) -> tuple[str, Span] | None:
    """The hover text at (line, column) and the span it is about, or None."""
    location = locate(document, line, column)
    if location is None:
        return None
    if location.path[0] == "detection":
        text = _detection_hover(document, location, corpus, noisy_threshold, live)
    elif corpus is None:
        return None
    elif location.path == ("tags",) and location.role == "value":
        text = _tag_hover(corpus, location.text)
    elif location.path[0] == "logsource" and location.role == "value":
        text = logsource_markdown(corpus, location.path[-1], location.text)
    else:
        text = None
    return (text, location.span) if text else None


def _tag_hover(corpus: Corpus, tag: str) -> str | None:
    namespace, _, name = tag.lower().partition(".")
    if namespace != "attack" or not name:
        return None
    if name[0] == "t" and name[1:2].isdigit():
        return technique_markdown(corpus, name.upper())
    return tactic_markdown(corpus, name.replace("_", "-"))


def _detection_hover(
    document: SigmaDocument,
    location: Location,
    corpus: Corpus | None,
    noisy_threshold: int,
    live: LiveCounts,
) -> str | None:
    path = location.path
    if len(path) < 2 or path[1] in ("condition", "timeframe"):
        return None
    here = corpus.rules_under(document.techniques) if corpus else frozenset()
    if location.role == "key" and len(path) >= 3:
        return field_markdown(corpus, location.text, here, document.techniques)
    if location.role != "value" or corpus is None:
        return None

    for predicate in document.predicates:
        if predicate.span == location.span:
            indicator = (predicate.field, predicate.operator, predicate.value)
            reach = corpus.reach(*indicator, here, live.own)
            extra = live.in_workspace(*indicator) if live.in_workspace else 0
            shown = f"{predicate.field} {predicate.operator} '{predicate.value}'"
            return value_markdown(
                shown, reach, document.techniques, noisy_threshold, extra
            )
    return None


def register(server: RulescopeServer) -> None:
    """Serve hovers from ``server``'s documents and corpus."""

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded(None)
    def on_hover(params: types.HoverParams) -> types.Hover | None:
        sigma, text_document = server.document(params.text_document.uri)
        line, column = from_position(text_document, params.position)
        corpus = server.corpus
        live = LiveCounts()
        if corpus is not None and server.serves(sigma):
            own = own_rule_ids(corpus, sigma)
            live = LiveCounts(own, workspace_counts(server, sigma))
        found = hover_markdown(
            sigma, line, column, corpus, server.settings.noisy_threshold, live
        )
        if found is None:
            return None
        content = types.MarkupContent(types.MarkupKind.Markdown, found[0])
        return types.Hover(content, to_range(text_document, found[1]))
