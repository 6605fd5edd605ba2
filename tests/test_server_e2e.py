"""End-to-end: the server over stdio, driven with VS Code's and Neovim's capabilities.

Each profile starts one server (index: the ``small_index`` fixture via
``RULESCOPE_INDEX``) and opens real corpus rules by their real path URI.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_client import close, open_rule, settle, start_server, stop_server

pytestmark = pytest.mark.asyncio(loop_scope="module")

SCREENSAVER = (
    "rules/windows/process_creation/proc_creation_win_rundll32_installscreensaver.yml"
)
EXPLORER = (
    "rules/windows/process_creation/proc_creation_win_rundll32_spawn_explorer.yml"
)
PROFILES = ["visual-studio-code", "neovim"]
#: The pause after first diagnostics these tests were written with (aids: 0.8 s).
SETTLE_SECONDS = 0.6


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=PROFILES)
async def client(
    request: pytest.FixtureRequest, small_index: Path
) -> AsyncIterator[LanguageClient]:
    """A server on the small index, initialized with one client's capabilities."""
    started = await start_server(small_index, request.param)
    yield started
    await stop_server(started)


async def test_server_diagnostics_place_condition_errors(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """A condition naming a missing filter is an error on that word."""
    path = sigma_corpus / EXPLORER
    text = path.read_text(encoding="utf-8").replace("not filter", "not flt")

    uri = await open_rule(client, path, text, settle_seconds=SETTLE_SECONDS)

    by_code = {d.code: d for d in client.diagnostics[uri]}
    assert by_code["undefined_selection"].range.start == types.Position(21, 33)
    assert by_code["unused_selection"].source == "rulescope"
    close(client, uri)


async def test_server_hover_on_tag_and_value(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """Hover names T1218.011 and gives the rundll32 image test's reach."""
    uri = await open_rule(
        client, sigma_corpus / SCREENSAVER, settle_seconds=SETTLE_SECONDS
    )
    document = types.TextDocumentIdentifier(uri)

    tag = await client.text_document_hover_async(
        types.HoverParams(document, types.Position(12, 10))
    )
    value = await client.text_document_hover_async(
        types.HoverParams(document, types.Position(18, 33))
    )

    assert tag is not None and "Rundll32" in tag.contents.value  # type: ignore[union-attr]
    assert value is not None and "Corpus reach" in value.contents.value  # type: ignore[union-attr]
    assert value.range == types.Range(types.Position(18, 26), types.Position(18, 41))
    close(client, uri)


async def test_server_completion_of_tags_and_values(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """Typing a tag offers techniques; a value slot offers corpus values."""
    path = sigma_corpus / SCREENSAVER
    uri = await open_rule(client, path, settle_seconds=SETTLE_SECONDS)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [
                types.TextDocumentContentChangePartial(
                    types.Range(types.Position(21, 30), types.Position(21, 50)), ""
                )
            ],
        )
    )
    document = types.TextDocumentIdentifier(uri)

    tags = await client.text_document_completion_async(
        types.CompletionParams(document, types.Position(12, 17))
    )
    values = await client.text_document_completion_async(
        types.CompletionParams(document, types.Position(21, 30))
    )

    assert isinstance(tags, types.CompletionList)
    assert isinstance(values, types.CompletionList)
    assert "attack.t1218.011" in [item.label for item in tags.items]
    assert any("InstallScreenSaver" in item.label for item in values.items)
    assert len(values.items) <= 200
    close(client, uri)


async def test_server_debounced_noisy_diagnostic_and_close(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """``1 of`` instead of ``all of`` flags the lone rundll32 test; close clears."""
    uri = await open_rule(
        client, sigma_corpus / SCREENSAVER, settle_seconds=SETTLE_SECONDS
    )
    assert "noisy_indicator" not in {d.code for d in client.diagnostics[uri]}

    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [
                types.TextDocumentContentChangePartial(
                    types.Range(types.Position(22, 15), types.Position(22, 18)), "1"
                )
            ],
        )
    )
    await settle(client, SETTLE_SECONDS)

    noisy = [d for d in client.diagnostics[uri] if d.code == "noisy_indicator"]
    assert noisy and noisy[0].range.start.line == 18
    close(client, uri)
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert list(client.diagnostics[uri]) == []


@pytest.mark.parametrize("profile", PROFILES)
async def test_server_without_index_still_checks_syntax(
    profile: str, tmp_path: Path, sigma_corpus: Path
) -> None:
    """Without an index the server says once how to build one; YAML errors stay."""
    client = await start_server(tmp_path / "missing.sqlite", profile)
    try:
        path = sigma_corpus / EXPLORER
        text = path.read_text(encoding="utf-8").replace("- Unknown", "- [Unknown")
        uri = await open_rule(client, path, text, settle_seconds=SETTLE_SECONDS)

        assert [d.code for d in client.diagnostics[uri]] == ["yaml_syntax"]
        messages = [m.message for m in client.messages]
        assert len(messages) == 1 and "rulescope index build" in messages[0]
    finally:
        await stop_server(client)
