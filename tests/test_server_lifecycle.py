"""The server's life over stdio: it ends with its client and answers what it cannot do.

Each test starts ``python -m rulescope serve`` (small index) with a bare
JSON-RPC client, and checks how and how fast the process ends, or what a
cancelled, unreadable or oversized request gets back.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fuzz.rpc import RawServer, frame
from rulescope.server.lifecycle import MAX_MESSAGE_BYTES, PARENT_POLL_SECONDS

SCREENSAVER = (
    "rules/windows/process_creation/proc_creation_win_rundll32_installscreensaver.yml"
)
#: How long the server may take to notice its client is gone.
EXIT_SECONDS = 5.0


@contextmanager
def _server(index: Path, process_id: int | None = None) -> Iterator[RawServer]:
    """A server on ``index`` past initialize; killed on the way out if it still runs."""
    server = RawServer(index)
    try:
        server.initialize(process_id=process_id)
        yield server
    finally:
        server.kill()


def _open_rule(server: RawServer, rule: Path, text: str | None = None) -> str:
    uri = rule.as_uri()
    item = {"uri": uri, "languageId": "yaml", "version": 1}
    text = text if text is not None else rule.read_text(encoding="utf-8")
    server.notify("textDocument/didOpen", {"textDocument": {**item, "text": text}})
    return uri


def _tag_hover(uri: str, rule: Path) -> dict[str, object]:
    lines = rule.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines) if "attack.t1218.011" in text)
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": 10}}


def test_server_exits_when_stdin_closes(small_index: Path) -> None:
    """Closing stdin (the client went away) ends the server with status 0."""
    with _server(small_index) as server:
        assert server.process.stdin is not None
        server.process.stdin.close()
        assert server.wait_exit(EXIT_SECONDS) == 0


def test_server_exits_when_its_client_process_dies(small_index: Path) -> None:
    """The server exits once the processId given at initialize is gone."""
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with _server(small_index, process_id=parent.pid) as server:
            time.sleep(2 * PARENT_POLL_SECONDS)
            assert server.process.poll() is None, "exited while its client ran"
            parent.kill()
            parent.wait()
            # stdin stays open: only the parent check can end the server.
            assert server.wait_exit(EXIT_SECONDS) == 1
    finally:
        parent.kill()


def test_server_shutdown_then_exit_is_status_zero(small_index: Path) -> None:
    """shutdown answers null, then exit ends the process with status 0."""
    with _server(small_index) as server:
        assert server.call(1, "shutdown") == {"jsonrpc": "2.0", "id": 1, "result": None}
        server.notify("exit")
        assert server.wait_exit(EXIT_SECONDS) == 0


def test_server_exit_without_shutdown_is_status_one(small_index: Path) -> None:
    """exit without shutdown ends the process with status 1, as LSP asks."""
    with _server(small_index) as server:
        server.notify("exit")
        assert server.wait_exit(EXIT_SECONDS) == 1


def test_server_cancelled_request_gets_answered(
    small_index: Path, sigma_corpus: Path
) -> None:
    """A hover cancelled at once gets its result or -32800; the next hover works."""
    rule = sigma_corpus / SCREENSAVER
    with _server(small_index) as server:
        uri = _open_rule(server, rule)
        server.request(7, "textDocument/hover", _tag_hover(uri, rule))
        server.notify("$/cancelRequest", {"id": 7})
        server.notify("$/cancelRequest", {"id": 12345})  # never sent: ignored
        reply = server.reply(7, timeout=2)
        if "error" in reply:
            assert reply["error"]["code"] == -32800
        else:
            assert "T1218.011" in str(reply["result"])
        again = server.call(8, "textDocument/hover", _tag_hover(uri, rule))
        assert "T1218.011" in str(again["result"])


def test_server_answers_a_request_it_cannot_read(
    small_index: Path, sigma_corpus: Path
) -> None:
    """A hover with a negative line gets -32602 (pygls alone never answers it)."""
    rule = sigma_corpus / SCREENSAVER
    with _server(small_index) as server:
        uri = _open_rule(server, rule)
        params = {
            "textDocument": {"uri": uri},
            "position": {"line": -1, "character": 0},
        }
        reply = server.call(3, "textDocument/hover", params)
        assert reply["error"]["code"] == -32602
        assert "T1218.011" in str(
            server.call(4, "textDocument/hover", _tag_hover(uri, rule))
        )


def test_server_drops_an_oversized_message_and_carries_on(
    small_index: Path, sigma_corpus: Path
) -> None:
    """A body over MAX_MESSAGE_BYTES is read and dropped; the stream stays in step."""
    rule = sigma_corpus / SCREENSAVER
    with _server(small_index) as server:
        uri = _open_rule(server, rule)
        size = MAX_MESSAGE_BYTES + 10
        server.send(frame(b"", size))
        for _ in range(size // 1_000_000):
            server.send(b" " * 1_000_000)
        server.send(b" " * (size % 1_000_000))
        reply = server.call(5, "textDocument/hover", _tag_hover(uri, rule))
        assert "T1218.011" in str(reply["result"])


def test_server_survives_an_absurd_content_length(small_index: Path) -> None:
    """Content-Length of a terabyte is not allocated; closing stdin still ends it."""
    with _server(small_index) as server:
        server.send(b"Content-Length: 1000000000000\r\n\r\n{}")
        time.sleep(1)
        assert server.process.poll() is None, "died on an absurd Content-Length"
        assert server.process.stdin is not None
        server.process.stdin.close()
        assert server.wait_exit(EXIT_SECONDS) == 0


def test_server_with_damaged_index_keeps_index_free_diagnostics(
    tmp_path: Path, small_index: Path, sigma_corpus: Path
) -> None:
    """A truncated index is refused; syntax and condition checks still come back."""
    damaged = tmp_path / "index.sqlite"
    damaged.write_bytes(small_index.read_bytes()[: small_index.stat().st_size // 2])
    rule = sigma_corpus / SCREENSAVER
    with _server(damaged) as server:
        text = rule.read_text(encoding="utf-8").replace(
            "condition: all of selection_*",
            "condition: all of selection_* and not filter",
        )
        _open_rule(server, rule, text)
        shown, codes = "", set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (
            "undefined_selection" in codes and shown
        ):
            message = server.messages.get(timeout=deadline - time.monotonic())
            if message.get("method") == "window/showMessage":
                shown = message["params"]["message"]
            if message.get("method") == "textDocument/publishDiagnostics":
                codes |= {d["code"] for d in message["params"]["diagnostics"]}
        assert "undefined_selection" in codes
        assert "rulescope index build" in shown
