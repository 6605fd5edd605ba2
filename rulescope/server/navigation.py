"""textDocument/definition, references, prepareRename and rename for selection names.

A selection is defined by its key under ``detection`` and used by name or by
wildcard pattern (``1 of selection_*``) in the condition. Each use in the
condition is placed by finding the same occurrence of the word in the
scalar's source text, so plain, quoted and block (``|``, ``>``) conditions
all map back onto the right line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from lsprotocol import types
from pygls.workspace import TextDocument
from yaml import ScalarNode

from rulescope.server.checks import readings
from rulescope.server.condition import Reference, matching
from rulescope.server.document import SigmaDocument, Span, node_span
from rulescope.server.protocol import from_position, guarded, to_range

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer

#: Words a selection may not be named: the condition would read them otherwise.
KEYWORDS: Final = frozenset({"and", "or", "not", "of", "all", "any", "them"})
_NAME: Final = re.compile(r"^[A-Za-z_][\w.-]*$")


@dataclass(slots=True, frozen=True)
class SelectionUse:
    """One place a selection name (or pattern) is written."""

    text: str
    span: Span
    is_definition: bool

    @property
    def is_pattern(self) -> bool:
        """Whether the use is a wildcard pattern over several selections."""
        return "*" in self.text or "?" in self.text


def _word(text: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w*?])" + re.escape(text) + r"(?![\w*?])")


def reference_span(document: SigmaDocument, node: ScalarNode, ref: Reference) -> Span:
    """Where a condition word sits in the document text."""
    occurrence = sum(
        1 for m in _word(ref.text).finditer(str(node.value)) if m.start() < ref.offset
    )
    start, end = node.start_mark, node.end_mark
    source = document.text[start.index : end.index]
    matches = list(_word(ref.text).finditer(source))
    if occurrence >= len(matches):
        return node_span(node)
    position = matches[occurrence].start()
    before = source[:position]
    line = start.line + before.count("\n")
    column = (
        start.column + position if "\n" not in before else len(before.rsplit("\n")[-1])
    )
    return Span(line, column, line, column + len(ref.text))


def selection_uses(document: SigmaDocument) -> list[SelectionUse]:
    """Every selection key, and every name or pattern the conditions use."""
    uses = [
        SelectionUse(name, node_span(key), True)
        for name, (key, _) in document.selections.items()
    ]
    for node, reading in readings(document):
        for ref in reading.references:
            span = reference_span(document, node, ref)
            uses.append(SelectionUse(ref.text, span, False))
    return uses


def use_at(document: SigmaDocument, line: int, column: int) -> SelectionUse | None:
    """The selection key or condition word under the caret."""
    for use in selection_uses(document):
        if use.span.contains(line, column):
            return use
    return None


def named_by(document: SigmaDocument, use: SelectionUse) -> list[str]:
    """The selections a use refers to."""
    return matching(use.text, list(document.selections))


def definitions(document: SigmaDocument, line: int, column: int) -> list[Span]:
    """The keys of the selections the word under the caret names."""
    use = use_at(document, line, column)
    if use is None:
        return []
    return [node_span(document.selections[name][0]) for name in named_by(document, use)]


def references(
    document: SigmaDocument, line: int, column: int, with_definition: bool
) -> list[Span]:
    """Every use of the selections under the caret (patterns included)."""
    use = use_at(document, line, column)
    if use is None:
        return []
    names = set(named_by(document, use))
    return [
        other.span
        for other in selection_uses(document)
        if (with_definition or not other.is_definition)
        and names & set(named_by(document, other))
    ]


def rename_target(
    document: SigmaDocument, line: int, column: int
) -> SelectionUse | None:
    """The selection name under the caret when it can be renamed (not a pattern)."""
    use = use_at(document, line, column)
    if use is None or use.is_pattern or use.text not in document.selections:
        return None
    return use


class RenameRefused(ValueError):
    """A rename that would break or change the rule; the message says why."""


def rename_edits(
    document: SigmaDocument, line: int, column: int, new_name: str
) -> list[tuple[Span, str]]:
    """(span, new text) for the key and each use by name; raises ``RenameRefused``."""
    target = rename_target(document, line, column)
    if target is None:
        raise RenameRefused("only a selection name can be renamed")
    if not _NAME.match(new_name) or new_name.lower() in KEYWORDS:
        raise RenameRefused(f"'{new_name}' cannot name a selection")
    if new_name in document.selections:
        raise RenameRefused(f"a selection '{new_name}' exists already")

    edits = []
    for use in selection_uses(document):
        if use.text == target.text:
            edits.append((use.span, new_name))
        elif (
            use.is_pattern
            and target.text in named_by(document, use)
            and not matching(use.text, [new_name])
        ):
            raise RenameRefused(
                f"the condition's '{use.text}' would no longer include it"
            )
    return edits


def register(server: RulescopeServer) -> None:
    """Serve definition, references and rename of selection names."""

    def located(
        uri: str, position: types.Position
    ) -> tuple[SigmaDocument, TextDocument, int, int]:
        sigma, text_document = server.document(uri)
        line, column = from_position(text_document, position)
        return sigma, text_document, line, column

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    @guarded([])
    def on_definition(params: types.DefinitionParams) -> list[types.Location]:
        sigma, text_document, line, column = located(
            params.text_document.uri, params.position
        )
        uri = params.text_document.uri
        spans = definitions(sigma, line, column)
        return [types.Location(uri, to_range(text_document, s)) for s in spans]

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    @guarded([])
    def on_references(params: types.ReferenceParams) -> list[types.Location]:
        sigma, text_document, line, column = located(
            params.text_document.uri, params.position
        )
        uri = params.text_document.uri
        declaration = params.context.include_declaration
        spans = references(sigma, line, column, declaration)
        return [types.Location(uri, to_range(text_document, s)) for s in spans]

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    @guarded(None)
    def on_prepare_rename(params: types.PrepareRenameParams) -> types.Range | None:
        sigma, text_document, line, column = located(
            params.text_document.uri, params.position
        )
        target = rename_target(sigma, line, column)
        return None if target is None else to_range(text_document, target.span)

    @server.feature(types.TEXT_DOCUMENT_RENAME)
    def on_rename(params: types.RenameParams) -> types.WorkspaceEdit | None:
        sigma, text_document, line, column = located(
            params.text_document.uri, params.position
        )
        edits = rename_edits(sigma, line, column, params.new_name)
        text_edits = [
            types.TextEdit(to_range(text_document, span), text) for span, text in edits
        ]
        return types.WorkspaceEdit(changes={params.text_document.uri: text_edits})
