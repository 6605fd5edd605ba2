"""A bare JSON-RPC client over a server subprocess's stdio, able to send anything.

pytest-lsp speaks only well-formed LSP; fuzzing and lifecycle tests need
broken frames, wrong lengths and requests out of order, so this client
writes bytes and reads replies itself (a thread parses stdout into frames).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

#: The server command: the module form, as editors start it.
SERVER = [sys.executable, "-m", "rulescope", "serve"]


def frame(body: bytes, length: int | None = None) -> bytes:
    """A message with its header; ``length`` overrides the true byte count."""
    declared = len(body) if length is None else length
    return b"Content-Length: %d\r\n\r\n" % declared + body


def encode(message: dict[str, Any]) -> bytes:
    """A JSON-RPC message as a framed byte string."""
    return frame(json.dumps(message).encode("utf-8"))


class RawServer:
    """The server as a subprocess, with its replies collected by id."""

    def __init__(
        self,
        index: Path | None,
        cwd: Path | None = None,
        stderr: IO[bytes] | int | None = subprocess.DEVNULL,
    ) -> None:
        env = {**os.environ}
        if index is not None:
            env["RULESCOPE_INDEX"] = str(index)
        self.process = subprocess.Popen(
            SERVER,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            cwd=cwd,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            length = 0
            while (line := stdout.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            self.messages.put(json.loads(stdout.read(length)))

    def send(self, data: bytes) -> None:
        """Write bytes to the server's stdin."""
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def notify(self, method: str, params: Any = None) -> None:
        """Send a notification."""
        self.send(encode({"jsonrpc": "2.0", "method": method, "params": params}))

    def request(self, msg_id: Any, method: str, params: Any = None) -> None:
        """Send a request without waiting."""
        message = {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}
        self.send(encode(message))

    def reply(self, msg_id: Any, timeout: float = 10.0) -> dict[str, Any]:
        """The reply to ``msg_id``; notifications from the server are kept aside."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no reply to {msg_id!r} within {timeout} s")
            message = self.messages.get(timeout=left)
            if "method" in message:
                self.from_server(message)
            elif message.get("id") == msg_id:
                return message

    def from_server(self, message: dict[str, Any]) -> None:
        """A request or notification the server sent; requests get a null result."""
        if "id" in message:
            self.send(encode({"jsonrpc": "2.0", "id": message["id"], "result": None}))

    def call(self, msg_id: Any, method: str, params: Any = None) -> dict[str, Any]:
        """Send a request and wait for its reply."""
        self.request(msg_id, method, params)
        return self.reply(msg_id)

    def initialize(
        self, process_id: int | None = None, root: Path | None = None
    ) -> None:
        """initialize (with ``processId``) and initialized."""
        params: dict[str, Any] = {
            "processId": process_id,
            "rootUri": root.as_uri() if root else None,
            "capabilities": {},
        }
        assert "result" in self.call("init", "initialize", params)
        self.notify("initialized", {})

    def wait_exit(self, timeout: float) -> int | None:
        """The exit status, or None if still running after ``timeout`` s."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """End the server if it still runs."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
