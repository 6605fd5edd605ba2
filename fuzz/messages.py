"""Malformed and out-of-order JSON-RPC sent to the server over stdio.

Each server process gets a few requests before ``initialize``, then a
stream of random messages: valid requests on an open rule at random
positions (some outside the text), requests with ids of every JSON type,
unknown methods, wrong parameter shapes, invalid JSON, invalid UTF-8,
frames whose ``Content-Length`` is short or long (followed by the bytes
that let a real client's stream resynchronise), huge documents,
``$/cancelRequest`` for pending and unknown ids, notifications for
documents never opened, a second ``initialize``. After every message that
expects no reply a probe request follows; every request with a valid id
must be answered. A server that exits unasked or leaves a request
unanswered for ``HANG_SECONDS`` is a crash. A few lives end with
``shutdown``/``exit``, a few with an oversized ``Content-Length`` and
stdin closed; both must end the process with the right status.
"""

from __future__ import annotations

import json
import queue
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fuzz.mutate import corpus_root, sigma_rule_paths
from fuzz.rpc import RawServer, encode, frame

#: A request unanswered this long is a hang (a crash of the run).
HANG_SECONDS = 10.0
#: Messages sent to one server process before it is shut down.
MESSAGES_PER_SERVER = 1_500
URI = "file:///fuzz/rule.yml"
_REQUESTS = (
    "textDocument/hover",
    "textDocument/completion",
    "textDocument/inlayHint",
    "textDocument/documentSymbol",
    "textDocument/codeAction",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/codeLens",
)


@dataclass
class MessageResult:
    """Counts and the slowest reply of a message fuzz run."""

    messages: int = 0
    servers: int = 0
    crashes: list[str] = field(default_factory=list)
    slowest_seconds: float = 0.0
    slowest_method: str = ""
    #: Replies slower than a second, as (seconds, method).
    over_a_second: list[tuple[float, str]] = field(default_factory=list)


class Session:
    """One server process and the bookkeeping of what was sent to it."""

    def __init__(self, index: Path, chooser: random.Random, result: MessageResult):
        self.server = RawServer(index)
        self.chooser, self.result = chooser, result
        self.next_id = 0
        result.servers += 1

    def fresh_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def timed_call(self, method: str, params: Any) -> dict[str, Any]:
        """A request with a valid id, its reply awaited and timed."""
        msg_id = self.fresh_id()
        started = time.perf_counter()
        self.server.request(msg_id, method, params)
        self.result.messages += 1
        reply = self.server.reply(msg_id, HANG_SECONDS)
        elapsed = time.perf_counter() - started
        if elapsed > 1.0:
            self.result.over_a_second.append((elapsed, method))
        if elapsed > self.result.slowest_seconds:
            self.result.slowest_seconds, self.result.slowest_method = elapsed, method
        return reply

    def send(self, data: bytes) -> None:
        self.server.send(data)
        self.result.messages += 1

    def probe(self) -> None:
        self.timed_call("textDocument/hover", self.position_params("hover"))

    def position_params(self, method: str = "") -> dict[str, Any]:
        line = self.chooser.choice([0, 1, 5, 20, 10_000, -1])
        character = self.chooser.choice([0, 3, 12, 500, -4])
        params: dict[str, Any] = {
            "textDocument": {"uri": URI},
            "position": {"line": line, "character": character},
        }
        end = {"line": line, "character": 0}
        if method in ("textDocument/codeAction", "textDocument/inlayHint"):
            params["range"] = {"start": {"line": 0, "character": 0}, "end": end}
        if method == "textDocument/codeAction":
            params["context"] = {"diagnostics": []}
        if method == "textDocument/references":
            params["context"] = {"includeDeclaration": True}
        return params


_INVALID_UTF8_OPEN = (
    b'{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":'
    b'{"uri":"file:///x.yml","languageId":"yaml","version":1,'
    b'"text":"title: \xc3\x28"}}}'
)


def _rule_text(chooser: random.Random) -> str:
    paths = sigma_rule_paths()
    return paths[chooser.randrange(len(paths))].read_text(encoding="utf-8")


def _one(session: Session) -> None:
    """Send one random message (and a probe when it expects no reply)."""
    chooser, server = session.chooser, session.server
    kind = chooser.randrange(14)
    if kind <= 3:
        method = chooser.choice(_REQUESTS)
        session.timed_call(method, session.position_params(method))
        return
    if kind == 4:
        bad_id = chooser.choice([1.5, [1], {"a": 1}, None, True, 2**70, "", "x" * 300])
        message = {"jsonrpc": "2.0", "id": bad_id, "method": "textDocument/hover"}
        session.send(encode({**message, "params": session.position_params()}))
    elif kind == 5:
        method = chooser.choice(["rulescope/nothing", "", "$/unknown", "textDocument/"])
        session.timed_call(method, {"x": 1})
    elif kind == 6:
        body = chooser.choice(
            [b"{", b"[]", b"null", b'{"jsonrpc": "2.0"}', b"\xff\xfe{}", b"{" * 5000]
        )
        session.send(frame(body))
    elif kind == 7:
        body = json.dumps(
            {"jsonrpc": "2.0", "method": "initialized", "params": {}}
        ).encode()
        if chooser.random() < 0.5:
            extra = chooser.randint(1, 50)
            session.send(frame(body, len(body) + extra) + b" " * extra)
        else:
            session.send(
                frame(body, max(len(body) - chooser.randint(1, 20), 1)) + b"\r\n"
            )
    elif kind == 8:
        text = _rule_text(chooser)
        if chooser.random() < 0.3:
            text = text * chooser.choice([400, 3_000])  # over the size limits
        item = {
            "uri": URI,
            "languageId": "yaml",
            "version": session.fresh_id(),
            "text": text,
        }
        session.send(
            encode(
                {
                    "jsonrpc": "2.0",
                    "method": "textDocument/didOpen",
                    "params": {"textDocument": item},
                }
            )
        )
    elif kind == 9:
        msg_id, method = session.fresh_id(), chooser.choice(_REQUESTS)
        server.request(msg_id, method, session.position_params(method))
        cancelled = chooser.choice([msg_id, msg_id + 1_000_000, "nope"])
        server.notify("$/cancelRequest", {"id": cancelled})
        session.result.messages += 2
        reply = server.reply(msg_id, HANG_SECONDS)
        assert "result" in reply or reply["error"]["code"] in (-32800, -32602), reply
    elif kind == 10:
        change = {
            "textDocument": {
                "uri": chooser.choice([URI, "file:///never/opened.yml"]),
                "version": 99,
            },
            "contentChanges": [{"text": chooser.choice(["", "title: x\n", "\udc80"])}],
        }
        method = chooser.choice(
            ["textDocument/didChange", "textDocument/didClose", "textDocument/didSave"]
        )
        session.send(encode({"jsonrpc": "2.0", "method": method, "params": change}))
    elif kind == 11:
        params: Any = chooser.choice(
            [None, [], "x", {"textDocument": 5}, {"position": "a"}]
        )
        session.timed_call(chooser.choice(_REQUESTS), params)
    elif kind == 12:
        session.timed_call("initialize", {"processId": None, "capabilities": {}})
    else:
        # A document whose text is invalid UTF-8 (\xc3\x28) inside valid framing.
        body = _INVALID_UTF8_OPEN
        session.send(frame(body))
    session.probe()


def _life(
    index: Path, chooser: random.Random, result: MessageResult, budget: int
) -> None:
    """One server: requests before initialize, random messages, then an end."""
    session = Session(index, chooser, result)
    try:
        for _ in range(chooser.randint(0, 3)):
            method = chooser.choice(_REQUESTS)
            session.timed_call(method, session.position_params(method))
        session.server.initialize()
        session.result.messages += 2
        started = result.messages
        while result.messages - started < budget:
            _one(session)
            if session.server.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {session.server.process.returncode}"
                )
        _end(session)
    except (AssertionError, RuntimeError, TimeoutError, queue.Empty, OSError) as exc:
        result.crashes.append(f"server {result.servers}: {type(exc).__name__}: {exc}")
    finally:
        session.server.kill()


def _end(session: Session) -> None:
    """shutdown/exit (status 0), or an oversized frame and stdin closed (status 0)."""
    server = session.server
    if session.chooser.random() < 0.7:
        assert "result" in session.timed_call("shutdown", None)
        server.notify("exit")
    else:
        server.send(b"Content-Length: 999999999999\r\n\r\n{}")
        assert server.process.stdin is not None
        server.process.stdin.close()
    session.result.messages += 1
    status = server.wait_exit(HANG_SECONDS)
    assert status == 0, f"exit status {status}"


def fuzz_messages(count: int, index: Path, run_seed: int = 0) -> MessageResult:
    """Send about ``count`` messages over as many server lives as that takes."""
    assert corpus_root().is_dir()
    chooser, result = random.Random(run_seed), MessageResult()
    while result.messages < count:
        budget = min(MESSAGES_PER_SERVER, count - result.messages)
        _life(index, chooser, result, budget)
    return result
