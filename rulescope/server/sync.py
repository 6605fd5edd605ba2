"""textDocument/didOpen, didChange, didSave, didClose: when diagnostics are published.

On open, the quick findings go out at once and the full set right after; on
save, the full set at once; on change, after a pause in typing, the stale run
of that document cancelled by each new change; on close, they are cleared.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Final

from lsprotocol import types

from rulescope.server.diagnostics import clear, publish

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer

#: Seconds of quiet after a change before diagnostics run.
DEBOUNCE_SECONDS: Final = 0.3


class Debouncer:
    """One pending diagnostics run per document."""

    def __init__(self, server: RulescopeServer) -> None:
        self.server = server
        self._pending: dict[str, asyncio.TimerHandle] = {}

    def cancel(self, uri: str) -> None:
        """Drop the document's pending run, if any."""
        handle = self._pending.pop(uri, None)
        if handle is not None:
            handle.cancel()

    def schedule(self, uri: str, delay: float) -> None:
        """Run diagnostics for ``uri`` after ``delay`` s, replacing a pending run."""
        self.cancel(uri)
        loop = asyncio.get_running_loop()
        self._pending[uri] = loop.call_later(delay, self._run, uri)

    def _run(self, uri: str) -> None:
        self._pending.pop(uri, None)
        if uri in self.server.workspace.text_documents:
            publish(self.server, uri)


def register(server: RulescopeServer) -> None:
    """Text synchronisation handlers (pygls keeps the text; these react to it)."""
    debouncer = Debouncer(server)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def on_open(params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        publish(server, uri, quick=True)
        debouncer.schedule(uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def on_change(params: types.DidChangeTextDocumentParams) -> None:
        debouncer.schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def on_save(params: types.DidSaveTextDocumentParams) -> None:
        debouncer.cancel(params.text_document.uri)
        publish(server, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def on_close(params: types.DidCloseTextDocumentParams) -> None:
        debouncer.cancel(params.text_document.uri)
        server.forget(params.text_document.uri)
        clear(server, params.text_document.uri)
