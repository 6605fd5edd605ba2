"""End-to-end: navigation, symbols, code lenses, inlay hints, similar rules, conversion.

One server over stdio on the ``small_index`` fixture (noisy threshold 10),
driven with VS Code's capabilities, opening real corpus rules by their path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from rulescope.index.queries import indicator_reach
from rulescope.index.store import open_index
from tests.lsp_client import at, close, open_rule, start_server, stop_server

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROCESS_CREATION = "rules/windows/process_creation/"
SCREENSAVER = PROCESS_CREATION + "proc_creation_win_rundll32_installscreensaver.yml"
EXPLORER = PROCESS_CREATION + "proc_creation_win_rundll32_spawn_explorer.yml"
REGSVR32_DNS = "rules/windows/dns_query/dns_query_win_regsvr32_dns_query.yml"
LSASS_ACCESS = "rules/windows/builtin/security/win_security_susp_lsass_dump_generic.yml"
OPTIONS = {"rulescope": {"noisyThreshold": 10}}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(small_index: Path) -> AsyncIterator[LanguageClient]:
    """A server on the small index with VS Code's capabilities."""
    started = await start_server(small_index, options=OPTIONS)
    yield started
    await stop_server(started)


async def test_aids_definition_of_a_pattern_names_both_selections(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """``all of selection_*`` goes to selection_img (line 18) and selection_cli (21)."""
    uri = await open_rule(client, sigma_corpus / SCREENSAVER)
    document = types.TextDocumentIdentifier(uri)

    found = await client.text_document_definition_async(
        types.DefinitionParams(document, at(22, 26))
    )
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            context=types.ReferenceContext(include_declaration=True),
            text_document=document,
            position=at(17, 6),
        )
    )

    assert isinstance(found, list)
    starts = [(loc.range.start.line, loc.range.start.character) for loc in found]
    assert starts == [(17, 4), (20, 4)]
    assert refs is not None
    assert [(r.range.start.line, r.range.start.character) for r in refs] == [
        (17, 4),
        (22, 22),
    ]
    close(client, uri)


async def test_aids_rename_selection_and_refusal(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """Renaming 'filter' edits its key and the condition; 'selection' is refused."""
    uri = await open_rule(client, sigma_corpus / EXPLORER)
    document = types.TextDocumentIdentifier(uri)

    ready = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(document, at(21, 34))
    )
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=document, position=at(21, 34), new_name="filter_control_panel"
        )
    )

    assert ready == types.Range(at(21, 33), at(21, 39))
    assert edit is not None and edit.changes is not None
    changes = sorted(
        (e.range.start.line, e.range.start.character, e.new_text)
        for e in edit.changes[uri]
    )
    assert changes == [
        (19, 4, "filter_control_panel"),
        (21, 33, "filter_control_panel"),
    ]
    with pytest.raises(Exception, match="exists already"):
        await client.text_document_rename_async(
            types.RenameParams(
                text_document=document, position=at(21, 34), new_name="selection"
            )
        )
    close(client, uri)


async def test_aids_document_and_workspace_symbols(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """The outline opens detection; workspace symbols find the rule by title words."""
    uri = await open_rule(client, sigma_corpus / SCREENSAVER)

    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(types.TextDocumentIdentifier(uri))
    )
    found = await client.workspace_symbol_async(
        types.WorkspaceSymbolParams(query="installscreensaver rundll32")
    )

    assert symbols is not None
    by_name = {s.name: s for s in symbols if isinstance(s, types.DocumentSymbol)}
    detection = by_name["detection"]
    assert [c.name for c in detection.children or []] == [
        "selection_img",
        "selection_cli",
        "condition",
    ]
    assert by_name["title"].detail == "Rundll32 InstallScreenSaver Execution"
    assert found is not None
    names = [s.name for s in found]
    assert "Rundll32 InstallScreenSaver Execution" in names
    close(client, uri)


async def test_aids_code_lens_gives_coverage_by_vendor(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """The tags line carries T1218.011's rules by vendor, opening its coverage."""
    uri = await open_rule(client, sigma_corpus / SCREENSAVER)

    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(uri))
    )

    assert lenses is not None and len(lenses) == 1
    lens = lenses[0]
    assert lens.range.start.line == 10
    assert lens.command is not None
    assert lens.command.title.startswith("T1218.011: ")
    assert "sigma " in lens.command.title and "elastic " in lens.command.title
    assert lens.command.command == "rulescope.showCoverage"
    assert list(lens.command.arguments or []) == ["T1218.011"]
    close(client, uri)


async def _hints(client: LanguageClient, uri: str) -> dict[int, str]:
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            types.TextDocumentIdentifier(uri), types.Range(at(0, 0), at(40, 0))
        )
    )
    assert hints is not None
    return {hint.position.line: str(hint.label) for hint in hints}


async def test_aids_inlay_hints_mark_noisy_and_count_the_workspace(
    client: LanguageClient, sigma_corpus: Path, tmp_path: Path
) -> None:
    """The lone regsvr32 image is noisy; a workspace copy adds one rule, not itself."""
    path = sigma_corpus / REGSVR32_DNS
    uri = await open_rule(client, path)

    before = await _hints(client, uri)
    copy = tmp_path / "regsvr32_copy.yml"
    text = path.read_text(encoding="utf-8").replace("id: 36e037c4", "id: 00000000")
    copy_uri = await open_rule(client, copy, text)
    after = await _hints(client, uri)
    copy_hints = await _hints(client, copy_uri)

    # 19 indexed rules check it (this one is not indexed: not a small-index
    # technique); the open copy is the 20th, and the copy counts the original.
    assert before == {23: "· 19 rules ⚠ noisy"}
    assert after == {23: "· 20 rules ⚠ noisy"}
    assert copy_hints == {23: "· 20 rules ⚠ noisy"}
    close(client, copy_uri)
    close(client, uri)


async def test_aids_inlay_hint_leaves_the_rule_itself_out(
    client: LanguageClient, sigma_corpus: Path, small_index: Path
) -> None:
    """The screensaver rule's own indexed copy does not count in its reach."""
    with closing(open_index(small_index)) as db:
        indexed = indicator_reach(db, "CommandLine", "contains", "InstallScreenSaver")
    uri = await open_rule(client, sigma_corpus / SCREENSAVER)

    hints = await _hints(client, uri)

    others = indexed.corpus_reach - 1
    assert hints[21] == f"· {others} rule{'' if others == 1 else 's'}"
    close(client, uri)


async def test_aids_similar_rule_in_the_workspace(
    client: LanguageClient, sigma_corpus: Path, tmp_path: Path
) -> None:
    """A copy of the explorer rule is named as similar; the rule is not its own."""
    path = sigma_corpus / EXPLORER
    uri = await open_rule(client, path)
    alone: Any = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="rulescope.similarRules", arguments=[uri])
    )
    text = path.read_text(encoding="utf-8")
    copy = text.replace("caa06de8", "0000aaaa").replace("Spawning", "Starting")
    copy_uri = await open_rule(client, tmp_path / "explorer_copy.yml", copy)
    uri = await open_rule(client, path)

    similar: Any = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="rulescope.similarRules", arguments=[uri])
    )

    assert all(rule["title"] != "RunDLL32 Spawning Explorer" for rule in alone)
    assert similar[0]["title"] == "RunDLL32 Starting Explorer"
    assert similar[0]["vendor"] == "workspace" and similar[0]["overlap"] == 1.0
    diagnostic = [d for d in client.diagnostics[uri] if d.code == "similar_rule"]
    assert diagnostic and "RunDLL32 Starting Explorer" in diagnostic[0].message
    assert diagnostic[0].severity == types.DiagnosticSeverity.Information
    close(client, copy_uri)
    close(client, uri)


async def test_aids_conversion_preview_per_backend(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """Each backend converts the screensaver rule; Kusto says why it cannot do LSASS."""
    uri = await open_rule(client, sigma_corpus / SCREENSAVER)
    lsass = await open_rule(client, sigma_corpus / LSASS_ACCESS)

    converted: Any = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="rulescope.convertRule", arguments=[uri])
    )
    refused: Any = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="rulescope.convertRule", arguments=[lsass])
    )

    by_backend = {c["backend"]: c for c in converted["conversions"]}
    assert set(by_backend) == {"splunk", "lucene", "eql", "kusto"}
    assert all("InstallScreenSaver" in c["queries"][0] for c in by_backend.values())
    assert "process.command_line" in by_backend["lucene"]["queries"][0]
    assert by_backend["kusto"]["queries"][0].startswith("DeviceProcessEvents")
    kusto = {c["backend"]: c for c in refused["conversions"]}["kusto"]
    assert kusto["queries"] == []
    # pySigma's message goes on to list every valid field (1,500+ characters).
    assert kusto["error"] == (
        "Invalid SigmaDetectionItem field name encountered: AccessMask."
    )
    assert "### Splunk SPL" in converted["markdown"]
    close(client, lsass)
    close(client, uri)


async def test_aids_similar_rules_without_an_index_is_an_error(
    tmp_path: Path, sigma_corpus: Path
) -> None:
    """With no index, similarRules fails with RequestFailed naming the build command."""
    missing = tmp_path / "missing.sqlite"
    no_index = await start_server(missing)
    try:
        uri = await open_rule(no_index, sigma_corpus / EXPLORER)
        with pytest.raises(JsonRpcException) as refused:
            await no_index.workspace_execute_command_async(
                types.ExecuteCommandParams(
                    command="rulescope.similarRules", arguments=[uri]
                )
            )
    finally:
        await stop_server(no_index)

    assert refused.value.code == -32803
    assert f"no index at '{missing}'" in refused.value.message
    assert "rulescope index build" in refused.value.message


async def test_aids_watched_files_keep_the_workspace_current(
    client: LanguageClient, sigma_corpus: Path, tmp_path: Path
) -> None:
    """A rule written to disk counts once the client reports it, and not once gone."""
    path = sigma_corpus / REGSVR32_DNS
    uri = await open_rule(client, path)
    copy = tmp_path / "regsvr32_on_disk.yml"
    text = path.read_text(encoding="utf-8").replace("id: 36e037c4", "id: 11111111")

    def report(kind: types.FileChangeType) -> None:
        change = types.FileEvent(uri=copy.as_uri(), type=kind)
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(changes=[change])
        )

    copy.write_text(text, encoding="utf-8")
    report(types.FileChangeType.Created)
    created = await _hints(client, uri)
    copy.unlink()
    report(types.FileChangeType.Deleted)
    deleted = await _hints(client, uri)

    assert created == {23: "· 20 rules ⚠ noisy"}
    assert deleted == {23: "· 19 rules ⚠ noisy"}
    close(client, uri)
