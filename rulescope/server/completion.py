"""textDocument/completion: keys, tags, log sources, fields, modifiers, values.

The context comes from indentation (:func:`~rulescope.server.locate.line_context`)
because the line being typed rarely parses; the rule's techniques and log
source come from the last version of the document that did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from lsprotocol import types

from rulescope.server.completion_sources import (
    condition_suggestions,
    field_suggestions,
    logsource_suggestions,
    modifier_suggestions,
    tag_suggestions,
    top_level_suggestions,
    value_suggestions,
)
from rulescope.server.corpus import Corpus
from rulescope.server.document import SigmaDocument, Span
from rulescope.server.locate import LineContext, line_context
from rulescope.server.protocol import from_position, guarded, to_range
from rulescope.server.suggestion import Suggestion
from rulescope.server.vocabulary import LOGSOURCE_KEYS

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer

MAX_ITEMS: Final = 200


@dataclass(slots=True)
class Completions:
    """Suggestions best first, and whether the list was cut."""

    suggestions: list[Suggestion]
    incomplete: bool


def complete(
    lines: list[str],
    line: int,
    column: int,
    document: SigmaDocument,
    corpus: Corpus | None,
) -> Completions:
    """Suggestions for the caret at (line, column), at most ``MAX_ITEMS``."""
    problem = document.syntax_error
    if problem is not None and problem.code != "yaml_syntax":
        # A refused document (see ``screening``): its text may hold lone
        # surrogates SQLite cannot take, or be too large to scan.
        return Completions([], False)
    context = line_context(lines, line, column)
    following = lines[line][column:] if line < len(lines) else ""
    found = _suggestions(context, following, document, corpus)
    return Completions(found[:MAX_ITEMS], len(found) > MAX_ITEMS)


def _suggestions(
    context: LineContext,
    following: str,
    document: SigmaDocument,
    corpus: Corpus | None,
) -> list[Suggestion]:
    path, role = context.path, context.role
    if not path:
        return top_level_suggestions(context, document) if role == "key" else []
    if path == ("tags",) and role == "value":
        return tag_suggestions(context, corpus)
    if path[0] == "logsource":
        if len(path) == 1:
            return _logsource_keys(context) if role == "key" else []
        return logsource_suggestions(context, corpus, path[1])
    if path[0] != "detection" or len(path) < 2:
        return []
    if path[1] == "condition":
        return condition_suggestions(context, document)
    if len(path) == 2 and (role == "key" or context.list_item):
        if "|" in context.prefix:
            return modifier_suggestions(context)
        return field_suggestions(context, document, corpus)
    if len(path) >= 3 and role == "value":
        return value_suggestions(context, following, document, corpus, path[2])
    return []


def _logsource_keys(context: LineContext) -> list[Suggestion]:
    return [
        Suggestion(key, "keyword", "log source key", f"{key}: ", context.start)
        for key in LOGSOURCE_KEYS
        if key.startswith(context.prefix)
    ]


_KINDS: Final = {
    "keyword": types.CompletionItemKind.Keyword,
    "snippet": types.CompletionItemKind.Snippet,
    "technique": types.CompletionItemKind.Reference,
    "tactic": types.CompletionItemKind.Module,
    "field": types.CompletionItemKind.Field,
    "modifier": types.CompletionItemKind.Operator,
    "value": types.CompletionItemKind.Value,
    "logsource": types.CompletionItemKind.EnumMember,
    "selection": types.CompletionItemKind.Variable,
}


def register(server: RulescopeServer) -> None:
    """Serve completions from ``server``'s documents and corpus."""

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[".", "|", ":", " ", "-", "'"]),
    )
    @guarded(types.CompletionList(is_incomplete=False, items=[]))
    def on_completion(params: types.CompletionParams) -> types.CompletionList:
        uri = params.text_document.uri
        text_document = server.workspace.get_text_document(uri)
        line, column = from_position(text_document, params.position)
        found = complete(
            list(text_document.lines),
            line,
            column,
            server.last_good(uri),
            server.corpus,
        )
        items = [
            _item(text_document, s, line, column, n)
            for n, s in enumerate(found.suggestions)
        ]
        return types.CompletionList(is_incomplete=found.incomplete, items=items)


def _item(
    text_document: object, suggestion: Suggestion, line: int, column: int, rank: int
) -> types.CompletionItem:
    span = Span(line, suggestion.start, line, column + suggestion.extend)
    edit = types.TextEdit(to_range(text_document, span), suggestion.insert)  # type: ignore[arg-type]
    snippet = types.InsertTextFormat.Snippet if suggestion.snippet else None
    return types.CompletionItem(
        label=suggestion.label,
        kind=_KINDS[suggestion.kind],
        detail=suggestion.detail or None,
        sort_text=f"{rank:04d}",
        filter_text=suggestion.filter_text or suggestion.insert,
        text_edit=edit,
        insert_text_format=snippet,
    )
