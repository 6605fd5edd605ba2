"""textDocument/documentSymbol and workspace/symbol.

The outline of a rule: its metadata keys, the log source, the tags, and the
detection with each selection and the condition. Workspace symbols search the
index's rule titles and ids (every word of the query must appear) and open
the corpus file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from lsprotocol import types
from pygls.workspace import TextDocument
from yaml import MappingNode, Node, ScalarNode, SequenceNode

from rulescope.server.corpus import Corpus
from rulescope.server.document import NOT_SELECTIONS, SigmaDocument, Span, node_span
from rulescope.server.protocol import guarded, to_range

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer

#: At most this many rules answer a workspace symbol query.
WORKSPACE_LIMIT: Final = 100
_KINDS: Final = {
    "detection": types.SymbolKind.Namespace,
    "logsource": types.SymbolKind.Namespace,
    "tags": types.SymbolKind.Array,
    "condition": types.SymbolKind.Operator,
    "selection": types.SymbolKind.Object,
    "tag": types.SymbolKind.Constant,
    "value": types.SymbolKind.String,
    "title": types.SymbolKind.String,
    "id": types.SymbolKind.Key,
}


@dataclass(slots=True)
class Outline:
    """One symbol of the outline before it becomes an LSP one."""

    name: str
    kind: str
    span: Span
    name_span: Span
    detail: str = ""
    children: list[Outline] = field(default_factory=list)


def _pair_span(key: Node, value: Node) -> Span:
    start, end = node_span(key), node_span(value)
    return Span(start.line, start.column, end.end_line, end.end_column)


def _short(node: Node, limit: int = 60) -> str:
    if not isinstance(node, ScalarNode):
        return ""
    text = " ".join(str(node.value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def outline(document: SigmaDocument) -> list[Outline]:
    """The document's symbols: top-level keys, with detection and logsource open."""
    if document.root is None:
        return []
    symbols = []
    for key, value in document.root.value:
        name = str(key.value)
        symbol = Outline(
            name, name, _pair_span(key, value), node_span(key), _short(value)
        )
        if name == "detection" and isinstance(value, MappingNode):
            symbol.children = _detection(value)
        elif name == "logsource" and isinstance(value, MappingNode):
            symbol.children = [_leaf(k, v, "value") for k, v in value.value]
        elif name == "tags" and isinstance(value, SequenceNode):
            symbol.children = [
                Outline(str(item.value), "tag", node_span(item), node_span(item))
                for item in value.value
                if isinstance(item, ScalarNode)
            ]
        symbols.append(symbol)
    return symbols


def _leaf(key: Node, value: Node, kind: str) -> Outline:
    span = _pair_span(key, value)
    return Outline(str(key.value), kind, span, node_span(key), _short(value))


def _detection(node: MappingNode) -> list[Outline]:
    children = []
    for key, value in node.value:
        name = str(key.value)
        kind = "condition" if name == "condition" else "selection"
        if name in NOT_SELECTIONS and name != "condition":
            kind = "value"
        child = _leaf(key, value, kind)
        if kind == "selection":
            child.detail = _selection_detail(value)
        children.append(child)
    return children


def _selection_detail(node: Node) -> str:
    if isinstance(node, MappingNode):
        return ", ".join(str(key.value) for key, _ in node.value)
    if isinstance(node, SequenceNode):
        return f"{len(node.value)} alternatives"
    return _short(node)


def to_symbols(
    text_document: TextDocument, symbols: list[Outline]
) -> list[types.DocumentSymbol]:
    """LSP document symbols, ranges in the client's units."""
    return [
        types.DocumentSymbol(
            name=symbol.name,
            detail=symbol.detail or None,
            kind=_KINDS.get(symbol.kind, types.SymbolKind.Property),
            range=to_range(text_document, symbol.span),
            selection_range=to_range(text_document, symbol.name_span),
            children=to_symbols(text_document, symbol.children) or None,
        )
        for symbol in symbols
    ]


@dataclass(slots=True, frozen=True)
class IndexedRule:
    """A rule of the index as workspace symbols list it."""

    title: str
    rule_id: str
    vendor: str
    path: str


def search_rules(
    corpus: Corpus, query: str, limit: int = WORKSPACE_LIMIT
) -> list[IndexedRule]:
    """Rules whose title or id holds every word of ``query`` (case-insensitive)."""
    words = query.split()[:8]
    where = " AND ".join(
        "(title LIKE ? ESCAPE '\\' OR rule_id LIKE ? ESCAPE '\\')" for _ in words
    )
    arguments: list[object] = []
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        arguments += [f"%{escaped}%"] * 2
    rows = corpus.db.execute(
        "SELECT title, rule_id, vendor, path FROM rules "
        f"WHERE {where or '1'} ORDER BY vendor = 'sigma' DESC, title LIMIT ?",
        (*arguments, limit),
    )
    return [IndexedRule(row[0], row[1], row[2], row[3]) for row in rows]


def register(server: RulescopeServer) -> None:
    """Serve the document outline and the index's rules as workspace symbols."""

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @guarded([])
    def on_document_symbol(
        params: types.DocumentSymbolParams,
    ) -> list[types.DocumentSymbol]:
        sigma, text_document = server.document(params.text_document.uri)
        if not server.serves(sigma):
            return []
        return to_symbols(text_document, outline(sigma))

    @server.feature(types.WORKSPACE_SYMBOL)
    @guarded([])
    def on_workspace_symbol(
        params: types.WorkspaceSymbolParams,
    ) -> list[types.WorkspaceSymbol]:
        if server.corpus is None:
            return []
        start = types.Position(0, 0)
        return [
            types.WorkspaceSymbol(
                name=rule.title,
                kind=types.SymbolKind.File,
                location=types.Location(
                    Path(rule.path).as_uri(), types.Range(start, start)
                ),
                container_name=f"{rule.vendor} {rule.rule_id}".strip(),
            )
            for rule in search_rules(server.corpus, params.query)
        ]
