"""Cancelling the conversion preview: the work stops and the client gets -32800.

The conversion runs in a worker thread and checks for a cancel before each
step; over stdio, a cancelled ``rulescope.convertRule`` of Sigma's largest
rule is answered with RequestCancelled while the request beside it gets its
queries, and the server answers a hover afterwards.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from fuzz.rpc import RawServer, encode
from rulescope.server.cancellation import RequestCancelled
from rulescope.server.conversion import COMMAND, convert

SCREENSAVER = (
    "rules/windows/process_creation/proc_creation_win_rundll32_installscreensaver.yml"
)
#: 4,456 lines of driver hashes: its conversion takes about 0.8 s warm.
VULNERABLE_DRIVERS = "rules/windows/driver_load/driver_load_win_vuln_drivers.yml"
REQUEST_CANCELLED = -32800


class CountingCheck:
    """A cancellation point that counts its calls and cancels at call ``cancel_at``."""

    def __init__(self, cancel_at: int | None = None) -> None:
        self.calls = 0
        self.cancel_at = cancel_at

    def __call__(self) -> None:
        self.calls += 1
        if self.calls == self.cancel_at:
            raise RequestCancelled


def test_conversion_stops_at_the_next_step_once_cancelled(sigma_corpus: Path) -> None:
    """A cancel seen before the second backend's parse ends the conversion there."""
    text = (sigma_corpus / SCREENSAVER).read_text(encoding="utf-8")
    uncancelled = CountingCheck()
    conversions = convert(text, uncancelled)
    assert 'CommandLine="*InstallScreenSaver*"' in conversions[0].queries[0]
    # Plugin discovery, then a parse and a conversion step per backend.
    assert uncancelled.calls == 1 + 2 * len(conversions)

    cancelled = CountingCheck(cancel_at=3)  # before Elasticsearch Lucene's parse
    with pytest.raises(RequestCancelled):
        convert(text, cancelled)
    assert cancelled.calls == 3


def _convert_request(msg_id: int, uri: str) -> dict[str, Any]:
    params = {"command": COMMAND, "arguments": [uri]}
    return {
        "jsonrpc": "2.0",
        "id": msg_id,
        "method": "workspace/executeCommand",
        "params": params,
    }


def _open(server: RawServer, rule: Path) -> str:
    item = {"uri": rule.as_uri(), "languageId": "yaml", "version": 1}
    text = rule.read_text(encoding="utf-8")
    server.notify("textDocument/didOpen", {"textDocument": {**item, "text": text}})
    return rule.as_uri()


def _replies(server: RawServer, ids: set[int], timeout: float) -> dict[int, Any]:
    """Replies to ``ids`` in whatever order they come (RawServer.reply drops others)."""
    found: dict[int, Any] = {}
    deadline = time.monotonic() + timeout
    while set(found) != ids:
        message = server.messages.get(timeout=max(deadline - time.monotonic(), 0.01))
        if "method" in message:
            server.from_server(message)
        elif message.get("id") in ids:
            found[message["id"]] = message
    return found


def test_server_cancelled_conversion_gets_request_cancelled(
    small_index: Path, sigma_corpus: Path
) -> None:
    """A cancelled preview gets -32800, the one beside it its queries; hover works."""
    server = RawServer(small_index)
    drivers, screensaver = sigma_corpus / VULNERABLE_DRIVERS, sigma_corpus / SCREENSAVER
    try:
        server.initialize()
        drivers_uri, screensaver_uri = (
            _open(server, drivers),
            _open(server, screensaver),
        )
        # One write: the cancel is read right behind the requests.
        server.send(
            encode(_convert_request(11, drivers_uri))
            + encode(_convert_request(12, screensaver_uri))
            + encode(
                {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 11}}
            )
        )
        replies = _replies(server, {11, 12}, timeout=10)
        assert replies[11]["error"]["code"] == REQUEST_CANCELLED
        splunk = replies[12]["result"]["conversions"][0]
        assert splunk["backend"] == "splunk"
        assert 'CommandLine="*InstallScreenSaver*"' in splunk["queries"][0]

        line = (
            screensaver.read_text(encoding="utf-8")
            .splitlines()
            .index("    - attack.t1218.011")
        )
        hover = {
            "textDocument": {"uri": screensaver_uri},
            "position": {"line": line, "character": 10},
        }
        assert "T1218.011" in str(server.call(13, "textDocument/hover", hover))
    finally:
        server.kill()
