"""Inlay hint latency for a 60-line real Sigma rule, over stdio as an editor asks.

    .venv/bin/python benchmarks/inlay_hints.py --index /tmp/rs-full.sqlite

Spawns ``python -m rulescope.server`` on the index, opens
``proc_creation_win_java_manageengine_susp_child_process.yml`` (60 lines, 28
detection values), and times ``textDocument/inlayHint`` over the whole
document: once cold (every reach query new), then ``--rounds`` times, each
right after an edit of the description (so the document is parsed again and
the workspace and the rule's own indexed version are looked up again).
Prints p50, p95 and max in milliseconds. Goal: p95 at most 30 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import BaseLanguageClient

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("RULESCOPE_CORPUS", REPO.parent / "shared" / "corpus"))
RULE = (
    CORPUS / "sigma/rules/windows/process_creation/"
    "proc_creation_win_java_manageengine_susp_child_process.yml"
)


async def hints_ms(client: BaseLanguageClient, uri: str, lines: int) -> float:
    """Milliseconds for one inlay hint request over the whole document."""
    params = types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri),
        range=types.Range(types.Position(0, 0), types.Position(lines, 0)),
    )
    started = time.perf_counter()
    hints = await client.text_document_inlay_hint_async(params)
    elapsed = (time.perf_counter() - started) * 1000
    if not hints:
        raise SystemExit("no inlay hints: is the index there?")
    return elapsed


def edit(client: BaseLanguageClient, uri: str, version: int, column: int) -> None:
    """Type a character at the end of the description (line 4), or delete it."""
    end = column if version % 2 == 0 else column + 1
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(3, column), types.Position(3, end)),
        text="x" if version % 2 == 0 else "",
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(
                version=version, uri=uri
            ),
            content_changes=[change],
        )
    )


async def run(index: Path, rounds: int) -> tuple[float, list[float], int]:
    """The cold time, the warm times, and the number of hints."""
    client = BaseLanguageClient("inlay-bench", "1")
    env = {**os.environ, "RULESCOPE_INDEX": str(index)}
    await client.start_io(sys.executable, "-m", "rulescope.server", env=env)
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities())
    )
    client.initialized(types.InitializedParams())
    text = RULE.read_text(encoding="utf-8")
    uri, lines = RULE.as_uri(), len(text.splitlines())
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)
        )
    )
    cold = await hints_ms(client, uri, lines)
    warm = []
    for version in range(2, rounds + 2):
        edit(client, uri, version, len(text.splitlines()[3]))
        warm.append(await hints_ms(client, uri, lines))
    params = types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri),
        range=types.Range(types.Position(0, 0), types.Position(lines, 0)),
    )
    count = len(await client.text_document_inlay_hint_async(params) or [])
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return cold, warm, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    if not args.index.is_file():
        raise SystemExit(f"no index at '{args.index}': run 'rulescope index build'")
    cold, warm, count = asyncio.run(run(args.index, args.rounds))
    p95 = statistics.quantiles(warm, n=20)[-1]
    print(f"rule: {RULE.name} ({len(RULE.read_text().splitlines())} lines)")
    print(f"hints per request: {count}")
    print(f"cold request: {cold:.1f} ms")
    print(
        f"after an edit, {len(warm)} requests: p50 {statistics.median(warm):.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(warm):.1f} ms  (goal p95 <= 30 ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
