"""The end-to-end tests' client: start the server over stdio and open rules in it.

Shared by the pytest-lsp tests (``test_server_e2e``, ``test_server_aids``,
``test_server_aids_fixes``, ``test_server_hostile``): each starts
``python -m rulescope.server`` on an index through ``RULESCOPE_INDEX``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

#: The pause after a document's first diagnostics, for its full (second) run.
SETTLE_SECONDS = 0.8


async def start_server(
    index: Path, profile: str = "visual-studio-code", options: object = None
) -> LanguageClient:
    """A server on ``index``, initialized with ``profile``'s capabilities."""
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "rulescope.server"],
        server_env={**os.environ, "RULESCOPE_INDEX": str(index)},
    )
    client = await config.start()
    assert isinstance(client, LanguageClient)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(profile), initialization_options=options
        )
    )
    return client


async def stop_server(client: LanguageClient) -> None:
    """Shut the server down and wait for its process to end."""
    await client.shutdown_session()
    await client.stop()  # type: ignore[no-untyped-call]


async def open_rule(
    client: LanguageClient,
    path: Path,
    text: str | None = None,
    settle_seconds: float = SETTLE_SECONDS,
) -> str:
    """Open a rule file (or ``text`` under its path) and wait for full diagnostics."""
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)
    content = text if text is not None else path.read_text(encoding="utf-8")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "yaml", 1, content))
    )
    await settle(client, settle_seconds)
    return uri


async def settle(client: LanguageClient, seconds: float = SETTLE_SECONDS) -> None:
    """Wait for the next diagnostics, then ``seconds`` for the full run's."""
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    await asyncio.sleep(seconds)


def close(client: LanguageClient, uri: str) -> None:
    """Close a document."""
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
    )


def at(line: int, character: int) -> types.Position:
    """A position."""
    return types.Position(line, character)
