"""Editor-like latency of the rulescope language server, beside yaml-language-server.

Drives each server over stdio as an editor does: spawn -> initialize reply,
didOpen -> first diagnostics, hover and completion at four places in each of
N real Sigma rules (p50/p95/max), one edit -> diagnostics per rule, and the
server's peak RSS (VmHWM). yaml-language-server (npm, installed under
``~/.cache/rulescope-bench``) runs with the Sigma JSON schema from the
reference folder, as most authors use today.

    .venv/bin/python benchmarks/lsp_latency.py --index /tmp/rulescope-full.sqlite

Prints a table; writes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import BaseLanguageClient

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = Path(os.environ.get("RULESCOPE_CORPUS", SHARED / "corpus"))
REFERENCE = Path(os.environ.get("RULESCOPE_REFERENCE", SHARED / "reference"))
SCHEMA = REFERENCE / "sigma-schema" / "sigma-detection-rule-schema.json"
NPM_DIR = Path.home() / ".cache" / "rulescope-bench"
YAML_LS = NPM_DIR / "node_modules" / ".bin" / "yaml-language-server"


@dataclass
class Figures:
    """Measurements of one server, in milliseconds (RSS in MB)."""

    start: float = 0.0
    first_diagnostics: list[float] = field(default_factory=list)
    hover: list[float] = field(default_factory=list)
    completion: list[float] = field(default_factory=list)
    edit_diagnostics: list[float] = field(default_factory=list)
    peak_rss_mb: float = 0.0


def sample_rules(count: int) -> list[Path]:
    """``count`` Sigma rules spread evenly over the sorted corpus."""
    rules = sorted((CORPUS / "sigma" / "rules").rglob("*.yml"))
    step = max(1, len(rules) // count)
    return [path for path in rules[::step] if "detection:" in path.read_text()][:count]


def positions(text: str) -> tuple[list[types.Position], list[types.Position]]:
    """Four hover and four completion positions: tag, field, value, log source."""
    hovers: list[types.Position] = []
    completions: list[types.Position] = []
    lines = text.splitlines()
    patterns = [
        re.compile(r"^\s*- (attack\.\S+)"),
        re.compile(r"^\s{8}-?\s*([A-Za-z][\w.]*(\|\w+)*):"),
        re.compile(r"^\s{8,}(?:- |[\w|.]+: )('[^']+'|\S+)$"),
        re.compile(r"^\s*(?:category|product|service): (\S+)"),
    ]
    for pattern in patterns:
        for number, line in enumerate(lines):
            match = pattern.match(line)
            if match:
                hovers.append(types.Position(number, match.start(1) + 1))
                end = match.end(1) if pattern is not patterns[1] else match.start(1)
                completions.append(types.Position(number, end))
                break
    return hovers, completions


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


class Driver:
    """One server under test and the diagnostics it publishes."""

    def __init__(self, settings: dict[str, object] | None) -> None:
        self.client = BaseLanguageClient("lsp-latency", "1")
        self.settings = settings or {}
        self.published: dict[str, asyncio.Event] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published.setdefault(params.uri, asyncio.Event()).set()

        @self.client.feature(types.WORKSPACE_CONFIGURATION)
        def on_configuration(params: types.ConfigurationParams) -> list[object]:
            return [
                self.settings.get(item.section or "", None) for item in params.items
            ]

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def on_message(params: types.ShowMessageParams) -> None:
            print(f"  server says: {params.message}", file=sys.stderr)

    async def diagnostics_after(self, uri: str, action: object) -> float:
        """Milliseconds from an action to the next diagnostics for ``uri``."""
        event = self.published[uri] = asyncio.Event()
        started = time.perf_counter()
        action()  # type: ignore[operator]
        await asyncio.wait_for(event.wait(), 30)
        return (time.perf_counter() - started) * 1000


async def drive(
    command: list[str], settings: dict[str, object] | None, rules: list[Path]
) -> Figures:
    """Run the editor session against one server."""
    figures = Figures()
    driver = Driver(settings)
    client = driver.client
    started = time.perf_counter()
    await client.start_io(command[0], *command[1:])
    capabilities = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(
                content_format=[types.MarkupKind.Markdown]
            ),
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(snippet_support=True)
            ),
        ),
        workspace=types.WorkspaceClientCapabilities(configuration=True),
    )
    await client.initialize_async(
        types.InitializeParams(capabilities=capabilities, process_id=os.getpid())
    )
    figures.start = (time.perf_counter() - started) * 1000
    client.initialized(types.InitializedParams())
    if settings:
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings)
        )
    for path in rules:
        await one_rule(driver, path, figures)
    server = client._server  # noqa: SLF001  (the spawned process, for its RSS)
    figures.peak_rss_mb = peak_rss_mb(server.pid) if server else 0.0
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return figures


async def one_rule(driver: Driver, path: Path, figures: Figures) -> None:
    """Open, hover, complete, edit and close one rule."""
    client, uri, text = driver.client, path.as_uri(), path.read_text(encoding="utf-8")
    item = types.TextDocumentItem(uri, "yaml", 1, text)
    figures.first_diagnostics.append(
        await driver.diagnostics_after(
            uri,
            lambda: client.text_document_did_open(
                types.DidOpenTextDocumentParams(item)
            ),
        )
    )
    document = types.TextDocumentIdentifier(uri)
    hovers, completions = positions(text)
    for position in hovers:
        started = time.perf_counter()
        await client.text_document_hover_async(types.HoverParams(document, position))
        figures.hover.append((time.perf_counter() - started) * 1000)
    for position in completions:
        started = time.perf_counter()
        await client.text_document_completion_async(
            types.CompletionParams(document, position)
        )
        figures.completion.append((time.perf_counter() - started) * 1000)
    await asyncio.sleep(0.05)  # let the open's second diagnostics run pass
    end = types.Position(len(text.splitlines()), 0)
    change = types.TextDocumentContentChangePartial(types.Range(end, end), "# edited\n")
    params = types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=2, uri=uri), [change]
    )
    figures.edit_diagnostics.append(
        await driver.diagnostics_after(
            uri, lambda: client.text_document_did_change(params)
        )
    )
    client.text_document_did_close(types.DidCloseTextDocumentParams(document))


def summary(values: list[float]) -> str:
    """``p50 / p95 / max`` of a list of milliseconds."""
    if not values:
        return "n/a"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{statistics.median(ordered):7.1f} / {p95:7.1f} / {ordered[-1]:7.1f}"


def report(name: str, figures: Figures) -> None:
    """Print one server's figures."""
    print(f"\n{name}")
    print(f"  start (spawn -> initialize reply): {figures.start:8.1f} ms")
    print(
        f"  first diagnostics p50/p95/max:     {summary(figures.first_diagnostics)} ms"
    )
    hovers, completions = len(figures.hover), len(figures.completion)
    print(f"  hover ({hovers}) p50/p95/max:         {summary(figures.hover)} ms")
    print(
        f"  completion ({completions}) p50/p95/max:    {summary(figures.completion)} ms"
    )
    print(
        f"  edit -> diagnostics p50/p95/max:   {summary(figures.edit_diagnostics)} ms"
    )
    print(f"  peak RSS:                          {figures.peak_rss_mb:8.1f} MB")


def ensure_yaml_language_server() -> bool:
    """Install yaml-language-server from npm under the bench cache when missing."""
    if YAML_LS.exists():
        return True
    if shutil.which("npm") is None:
        print("npm not found: skipping yaml-language-server", file=sys.stderr)
        return False
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["npm", "install", "--silent", "yaml-language-server"], cwd=NPM_DIR, check=True
    )
    return YAML_LS.exists()


def main() -> int:
    """Run both servers over the same rules and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--index", default="/tmp/rulescope-full.sqlite", help="index file"
    )
    parser.add_argument("--rules", type=int, default=60, help="how many corpus rules")
    args = parser.parse_args()
    rules = sample_rules(args.rules)
    print(f"{len(rules)} Sigma rules from {CORPUS / 'sigma'}")

    command = [sys.executable, "-m", "rulescope.server", "--index", args.index]
    report("rulescope", asyncio.run(drive(command, None, rules)))
    if ensure_yaml_language_server():
        schema = {SCHEMA.as_uri(): ["*.yml", "*.yaml"]}
        yaml = {"schemas": schema, "validate": True, "hover": True, "completion": True}
        figures = asyncio.run(drive([str(YAML_LS), "--stdio"], {"yaml": yaml}, rules))
        report("yaml-language-server + Sigma JSON schema", figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
