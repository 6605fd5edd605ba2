"""Hostile documents over stdio: each is refused or capped with a stable code, quickly.

One server (pytest-lsp, the small index) is sent real corpus rules made
hostile: an alias bomb in the detection, nesting 500 deep, 50,000 lines,
binary garbage, undecodable bytes (lone surrogates), tabs, a BOM, and a
second YAML document. Each must come back with the expected diagnostic
within ``REPLY_SECONDS``, and a hover on an untouched rule must still work.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_client import start_server, stop_server

pytestmark = pytest.mark.asyncio(loop_scope="module")

SCREENSAVER = (
    "rules/windows/process_creation/proc_creation_win_rundll32_installscreensaver.yml"
)
#: A diagnostic later than this is a failure (the limits keep parsing bounded).
REPLY_SECONDS = 2.0
_BOMB = (
    "    a: &a ['lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol']\n"
    + "".join(
        f"    {chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n"
        for i in range(8)
    )
)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(small_index: Path) -> AsyncIterator[LanguageClient]:
    """A server on the small index, initialized as VS Code."""
    started = await start_server(small_index)
    yield started
    await stop_server(started)


def _hostile(rule: str) -> dict[str, tuple[str, str]]:
    """name -> (text, expected code) built from a real rule's text."""
    head, _, tail = rule.partition("detection:\n")
    detection = "detection:\n"
    many = "".join(f"        - 'value{i}'\n" for i in range(50_000))
    return {
        "alias_bomb": (head + detection + "  bomb:\n" + _BOMB + tail, "yaml_anchor"),
        "deep": (
            head + detection + "  deep: " + "[" * 500 + "]" * 500 + "\n" + tail,
            "document_too_deep",
        ),
        "fifty_thousand_lines": (
            head + detection + "  many:\n    CommandLine|contains:\n" + many + tail,
            "document_too_large",
        ),
        "garbage": (
            head + "".join(map(chr, range(32))) * 200 + "\n" + detection + tail,
            "yaml_syntax",
        ),
        "invalid_utf8": (
            head + detection + "  s:\n    Image: '\udcc3\udc28'\n" + tail,
            "invalid_text",
        ),
        "tabs": (
            head + detection + "\tselection:\n\t\tImage: x\n" + tail,
            "yaml_syntax",
        ),
        "second_document_broken": (rule + "---\ntitle: [\n", "yaml_syntax"),
    }


async def _diagnostics(
    client: LanguageClient, uri: str, text: str
) -> tuple[set[str], float]:
    client.diagnostics.pop(uri, None)
    started = time.perf_counter()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "yaml", 1, text))
    )
    while uri not in client.diagnostics:
        assert time.perf_counter() - started < REPLY_SECONDS, (
            f"no diagnostics for {uri}"
        )
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    return {str(d.code) for d in client.diagnostics[uri]}, elapsed


async def _hover_still_works(client: LanguageClient, sigma_corpus: Path) -> None:
    rule = sigma_corpus / SCREENSAVER
    uri = rule.as_uri()
    text = rule.read_text(encoding="utf-8")
    await _diagnostics(client, uri, text)
    line = next(i for i, t in enumerate(text.splitlines()) if "attack.t1218.011" in t)
    started = time.perf_counter()
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, 10))
    )
    assert time.perf_counter() - started < REPLY_SECONDS
    assert hover is not None and "T1218.011" in str(hover.contents)


@pytest.mark.parametrize(
    "name",
    [
        "alias_bomb",
        "deep",
        "fifty_thousand_lines",
        "garbage",
        "invalid_utf8",
        "tabs",
        "second_document_broken",
    ],
)
async def test_server_hostile_document_refused_quickly(
    client: LanguageClient, sigma_corpus: Path, tmp_path: Path, name: str
) -> None:
    """A hostile variant of a real rule gets its code fast; hover still answers."""
    text, code = _hostile((sigma_corpus / SCREENSAVER).read_text(encoding="utf-8"))[
        name
    ]
    codes, elapsed = await _diagnostics(
        client, (tmp_path / f"{name}.yml").as_uri(), text
    )
    assert code in codes, codes
    assert elapsed < REPLY_SECONDS
    await _hover_still_works(client, sigma_corpus)


async def test_server_bom_rule_is_checked_as_usual(
    client: LanguageClient, sigma_corpus: Path, tmp_path: Path
) -> None:
    """A real rule behind a byte-order mark parses: no syntax error, no refusal."""
    text = "\ufeff" + (sigma_corpus / SCREENSAVER).read_text(encoding="utf-8")
    codes, _ = await _diagnostics(client, (tmp_path / "bom.yml").as_uri(), text)
    assert not codes & {"yaml_syntax", "invalid_text", "document_too_large"}
