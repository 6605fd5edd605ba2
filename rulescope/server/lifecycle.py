"""The server's life: it ends with its client, and a hostile stream cannot sink it.

- ``exit`` ends the process with status 0 after ``shutdown``, else 1 (as
  LSP asks); closing stdin ends it with status 0.
- The parent named by ``initialize``'s ``processId`` is checked every
  ``PARENT_POLL_SECONDS``; when it is gone the server exits (status 1), even
  if something else still holds its stdin open.
- :class:`AnsweringProtocol` answers a request whose parameters do not fit
  the method (error -32602); pygls logs it and never replies, which leaves
  the client waiting for ever.
- :class:`BoundedStdin` stands between stdin and pygls' reader: a header line
  is read at most ``MAX_HEADER_BYTES`` at a time, and a body whose
  ``Content-Length`` exceeds ``MAX_MESSAGE_BYTES`` is read and dropped in
  chunks rather than allocated (pygls would try to allocate whatever length
  it is told and die of a ``MemoryError``).

``$/cancelRequest``: the conversion preview, the one request that can take
long, runs in a worker thread and is answered -32800 (RequestCancelled) when
cancelled (``cancellation``). Every other request handler is synchronous and
bounded by the document limits, so it is answered as soon as it is read,
before a cancel sent after it. The diagnostics run is cancelled and
rescheduled by each change (``sync``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, BinaryIO, Final

from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol

logger = logging.getLogger(__name__)

#: Seconds between two checks that the client process still runs.
PARENT_POLL_SECONDS: Final = 1.0
#: Largest message body read; a document at the size limit (1,000,000
#: characters, up to 6 bytes each once JSON-escaped) fits.
MAX_MESSAGE_BYTES: Final = 32 * 1024 * 1024
#: Longest header line read at once.
MAX_HEADER_BYTES: Final = 4096
#: Bytes read at a time when dropping an oversized body.
_DISCARD_CHUNK: Final = 1024 * 1024
#: What pygls is given instead of an oversized body: a message it rejects.
_OVERSIZED_BODY: Final = b"{}"


class BoundedStdin:
    """stdin for pygls' reader, with header lines and bodies bounded."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def readline(self) -> bytes:
        """One header line, at most ``MAX_HEADER_BYTES`` of it."""
        return self._stream.readline(MAX_HEADER_BYTES)

    def read(self, size: int) -> bytes:
        """A body of ``size`` bytes, or a stand-in when it is over the limit."""
        if size <= MAX_MESSAGE_BYTES:
            return self._stream.read(size)
        logger.error(
            "dropped a message of %d bytes (the limit is %d)", size, MAX_MESSAGE_BYTES
        )
        remaining = size
        while remaining > 0:
            chunk = self._stream.read(min(remaining, _DISCARD_CHUNK))
            if not chunk:
                return b""  # stdin closed: pygls ends the server
            remaining -= len(chunk)
        return _OVERSIZED_BODY


class ExitStatus:
    """What the client asked for: whether ``shutdown`` and ``exit`` came."""

    def __init__(self) -> None:
        self.shutdown_requested = False
        self.exit_requested = False

    @property
    def code(self) -> int:
        """0 after shutdown/exit or a closed stdin; 1 for exit without shutdown."""
        return 1 if self.exit_requested and not self.shutdown_requested else 0


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    stat = Path(f"/proc/{pid}/stat")
    try:
        # The state follows the parenthesised command name, which may hold spaces.
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (not Linux): trust kill()
    return state not in ("Z", "X")


def watch_parent(pid: int | None) -> None:
    """Exit the process once ``pid`` (the client, from ``initialize``) is gone."""
    if pid is None or pid <= 0 or pid == os.getpid():
        return

    def watch() -> None:
        stop = threading.Event()
        while not stop.wait(PARENT_POLL_SECONDS):
            if not process_alive(pid):
                logger.info("client process %d is gone: exiting", pid)
                end_process(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def end_process(code: int) -> None:
    """Flush and end the process now, not waiting for a thread blocked on stdin."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    logging.shutdown()
    os._exit(code)


class AnsweringProtocol(LanguageServerProtocol):
    """pygls' protocol, answering requests it cannot read instead of dropping them."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        """The typed message; for an unreadable request, an error reply is sent."""
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            msg_id = data.get("id")
            if isinstance(msg_id, bool) or not isinstance(msg_id, int | str):
                msg_id = None  # JSON-RPC ids are strings or integers
            if "method" in data and msg_id is not None:
                self._send_response(msg_id, error=exc.to_response_error())
            # A message pygls' dispatcher ignores (it is not JSON-RPC 2.0).
            return SimpleNamespace(jsonrpc="unreadable")
