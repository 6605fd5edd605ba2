"""End-to-end: quick fixes (code actions) on real Sigma rules.

Each test opens a real corpus rule with the one change an author might make
(a wildcard instead of a modifier, a revoked technique, a capitalized log
source, a missing id, a duplicated tag) and checks the fix puts it right.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_client import at, close, open_rule, start_server, stop_server
from tests.test_server_aids import EXPLORER, OPTIONS, REGSVR32_DNS, SCREENSAVER

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(small_index: Path) -> AsyncIterator[LanguageClient]:
    """The aids server (small index, noisy threshold 10)."""
    started = await start_server(small_index, options=OPTIONS)
    yield started
    await stop_server(started)


async def _actions(
    client: LanguageClient, uri: str, line: int, codes: tuple[str, ...] = ()
) -> dict[str, types.CodeAction]:
    diagnostics = [d for d in client.diagnostics.get(uri, []) if d.code in codes]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=types.Range(at(line, 0), at(line, 0)),
            context=types.CodeActionContext(diagnostics=diagnostics),
        )
    )
    assert actions is not None
    return {a.title: a for a in actions if isinstance(a, types.CodeAction)}


def _apply(text: str, action: types.CodeAction, uri: str) -> str:
    """The text with the action's edits applied (ASCII rules: columns are chars)."""
    assert action.edit is not None and action.edit.changes is not None
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(position: types.Position) -> int:
        return offsets[position.line] + position.character

    edits = sorted(
        action.edit.changes[uri], key=lambda e: offset(e.range.start), reverse=True
    )
    for edit in edits:
        start, end = offset(edit.range.start), offset(edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


async def test_fix_wildcard_becomes_the_endswith_modifier(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """``ParentImage: '*\\rundll32.exe'`` is put back as ``|endswith`` as written."""
    path = sigma_corpus / EXPLORER
    original = path.read_text(encoding="utf-8")
    text = original.replace(
        "ParentImage|endswith: '\\rundll32.exe'", "ParentImage: '*\\rundll32.exe'"
    )
    uri = await open_rule(client, path, text)

    actions = await _actions(client, uri, 17)

    fix = actions["Use 'ParentImage|endswith' instead of wildcards"]
    assert fix.kind == types.CodeActionKind.QuickFix
    assert _apply(text, fix, uri) == original
    close(client, uri)


async def test_fix_revoked_technique_and_missing_tactic(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """T1086 (revoked) becomes T1059.001; T1218's defense-evasion tag is offered."""
    path = sigma_corpus / SCREENSAVER
    text = path.read_text(encoding="utf-8").replace(
        "    - attack.stealth\n    - attack.t1218.011",
        "    - attack.t1086\n    - attack.t1218.011",
    )
    uri = await open_rule(client, path, text)

    on_revoked = await _actions(client, uri, 11, ("revoked_technique",))
    on_t1218 = await _actions(client, uri, 12)

    replace = on_revoked["Replace T1086 with T1059.001 (ATT&CK revoked it)"]
    assert "    - attack.t1059.001\n" in _apply(text, replace, uri)
    assert replace.diagnostics and replace.diagnostics[0].code == "revoked_technique"
    tactic = on_t1218["Add the tactic tag 'attack.defense-evasion' of T1218"]
    fixed = _apply(text, tactic, uri)
    assert "    - attack.t1218.011\n    - attack.defense-evasion\n" in fixed
    close(client, uri)


async def test_fix_logsource_case_and_missing_id(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """``product: Windows`` is lowercased; a rule without ``id`` gets a UUID."""
    path = sigma_corpus / EXPLORER
    original = path.read_text(encoding="utf-8")
    text = original.replace("product: windows", "product: Windows")
    text = text.replace("id: caa06de8-fdef-4c91-826a-7f9e163eef4b\n", "")
    uri = await open_rule(client, path, text)

    actions = await _actions(client, uri, 13)

    lowered = _apply(text, actions["Lowercase the log source values"], uri)
    assert "    product: windows\n" in lowered
    with_id = _apply(text, actions["Add a new id"], uri).splitlines()
    assert with_id[0] == "title: RunDLL32 Spawning Explorer"
    assert with_id[1].startswith("id: ") and len(with_id[1]) == len("id: ") + 36
    close(client, uri)


async def test_fix_duplicate_tag_from_the_validator(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """pySigma's duplicate_tag finding comes with a fix removing the second copy."""
    path = sigma_corpus / EXPLORER
    original = path.read_text(encoding="utf-8")
    text = original.replace(
        "    - attack.t1218.011\n", "    - attack.t1218.011\n    - attack.t1218.011\n"
    )
    uri = await open_rule(client, path, text)
    assert "duplicate_tag" in {d.code for d in client.diagnostics[uri]}

    actions = await _actions(client, uri, 12, ("duplicate_tag",))

    assert _apply(text, actions["Remove the duplicate tags"], uri) == original
    close(client, uri)


async def test_fix_noisy_indicator_gets_a_narrowing_selection(
    client: LanguageClient, sigma_corpus: Path
) -> None:
    """The lone regsvr32 image is offered a selection joined with ``and``."""
    path = sigma_corpus / REGSVR32_DNS
    text = path.read_text(encoding="utf-8")
    uri = await open_rule(client, path, text)
    noisy = [d for d in client.diagnostics[uri] if d.code == "noisy_indicator"]
    assert noisy and noisy[0].range.start.line == 23

    actions = await _actions(client, uri, 23, ("noisy_indicator",))

    narrowing = [a for t, a in actions.items() if t.startswith("Narrow with ")]
    assert narrowing
    fixed = _apply(text, narrowing[0], uri)
    assert "    condition: (selection and selection_" in fixed
    new_name = fixed.split("(selection and ")[1].split(")")[0]
    assert f"    {new_name}:\n        " in fixed
    assert narrowing[0].diagnostics and narrowing[0].diagnostics[0].code == (
        "noisy_indicator"
    )
    close(client, uri)
