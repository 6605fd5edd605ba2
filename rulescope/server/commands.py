"""The ``rulescope serve`` command: the language server on stdio or TCP."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``serve`` on the ``rulescope`` command line."""
    serve = commands.add_parser("serve", help="run the language server (stdio)")
    serve.add_argument(
        "--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio (debugging)"
    )
    serve.add_argument(
        "--index",
        metavar="FILE",
        help="index file (default: the indexPath setting, $RULESCOPE_INDEX, "
        "else the user cache)",
    )
    serve.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Start the server and serve until the client exits."""
    from rulescope.server.lifecycle import BoundedStdin, end_process
    from rulescope.server.server import create_server

    # pygls logs every message at info: keep its traffic for --log-level debug.
    if not logger.isEnabledFor(logging.DEBUG):
        logging.getLogger("pygls").setLevel(logging.WARNING)
    server = create_server(Path(args.index) if args.index else None)
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not port.isdigit():
            logger.error("--tcp wants HOST:PORT, got '%s'", args.tcp)
            return 2
        logger.info("listening on %s:%s", host or "127.0.0.1", port)
        server.start_tcp(host or "127.0.0.1", int(port))
        return 0
    server.start_io(BoundedStdin(sys.stdin.buffer), sys.stdout.buffer)  # type: ignore[arg-type]
    # Not a plain return: pygls' reader thread may still block on stdin.
    end_process(server.exit_status.code)
    return server.exit_status.code
