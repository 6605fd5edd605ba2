"""Requests the client may cancel: blocking work in a worker thread, stopped early.

pygls 2 runs an ``async`` handler as an asyncio task. On ``$/cancelRequest``
it cancels the future it keeps for the request id and answers -32800
(RequestCancelled). For ``workspace/executeCommand`` that future is not the
command's task, so pygls answers -32800 but lets the command run to its end.
:func:`run_cancellable` ties the request's future to the task and carries the
cancel into the worker thread, which stops at its next cancellation point
(:meth:`CancelToken.check`).

SQLite connections belong to the thread that opened them: work given to a
worker must not touch the index (``Corpus``). Read what it needs on the
event loop first.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar, cast

from pygls.lsp.server import LanguageServer
from pygls.protocol.json_rpc import MsgId

logger = logging.getLogger(__name__)

Result = TypeVar("Result")


class RequestCancelled(Exception):
    """Raised by a worker at a cancellation point once the client cancelled."""


class CancelToken:
    """Set on the event loop when the request is cancelled; checked by the worker."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Mark the request cancelled."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether the request was cancelled."""
        return self._event.is_set()

    def check(self) -> None:
        """A cancellation point: raise :class:`RequestCancelled` when cancelled."""
        if self._event.is_set():
            raise RequestCancelled


async def run_cancellable(
    server: LanguageServer, work: Callable[[CancelToken], Result]
) -> Result:
    """``work(token)`` in a worker thread; a cancel stops it at its next check.

    Call it from an ``async`` request handler. When the client cancels, the
    handler's task is cancelled at once (pygls answers -32800) and the
    worker's token is set.
    """
    token = CancelToken()
    task = asyncio.current_task()
    msg_id = server.protocol.msg_id
    request = _request_future(server, msg_id)
    try:
        if request is None and msg_id is not None:
            raise asyncio.CancelledError  # cancelled before the handler started
        if request is not None and task is not None:
            request.add_done_callback(lambda done: _cancel_with(done, task))
        return await asyncio.to_thread(_work_logged, work, token, msg_id)
    except asyncio.CancelledError:
        token.cancel()
        raise
    finally:
        if task is not None:
            _forget(server, task)


def _work_logged(
    work: Callable[[CancelToken], Result], token: CancelToken, msg_id: MsgId | None
) -> Result:
    try:
        return work(token)
    except RequestCancelled:
        logger.info("request %s stopped: the client cancelled it", msg_id)
        raise


def _request_future(server: LanguageServer, msg_id: MsgId | None) -> Future[Any] | None:
    # pygls answers the request when this future ends; it drops it on a cancel.
    if msg_id is None:
        return None
    return server.protocol._request_futures.get(msg_id)


def _cancel_with(request: Future[Any], task: asyncio.Task[Any]) -> None:
    if request.cancelled():
        task.cancel()


def _forget(server: LanguageServer, task: asyncio.Task[Any]) -> None:
    # pygls files a command's task under a random id it never removes (its map
    # is typed for concurrent futures, but holds asyncio tasks too).
    futures = server.protocol._request_futures
    stale = [key for key, future in futures.items() if cast(object, future) is task]
    for key in stale:
        del futures[key]
