"""The ``rulescope check`` command: the editor's diagnostics for CI.

Findings go to stdout (text, JSON or SARIF), a summary to stderr. Exit
status: 0 when no finding reaches ``--fail-on`` (``error`` by default), 1
when one does, 2 for a path that does not exist. Without an index the
corpus checks are left out and the rest still runs, as in the editor.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, Final

from rulescope.index.store import IndexUnavailable
from rulescope.server.corpus import Corpus
from rulescope.server.findings import SEVERITIES
from rulescope.server.settings import DEFAULT_NOISY_THRESHOLD, Settings

logger = logging.getLogger(__name__)

FORMATS: Final = ("text", "json", "sarif")


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``check`` on the ``rulescope`` command line."""
    check = commands.add_parser(
        "check", help="the editor's diagnostics over rule files and folders (CI)"
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="file or folder")
    check.add_argument("--format", choices=sorted(FORMATS), default="text")
    check.add_argument(
        "--fail-on",
        choices=(*SEVERITIES, "never"),
        default="error",
        help="exit 1 when a finding is at least this serious (default: error)",
    )
    check.add_argument(
        "--index",
        metavar="FILE",
        help="index file (default: $RULESCOPE_INDEX, else the user cache)",
    )
    check.add_argument(
        "--noisy-threshold", type=int, default=DEFAULT_NOISY_THRESHOLD, metavar="N"
    )
    check.add_argument(
        "--no-validators",
        action="store_true",
        help="leave out pySigma's and SigmaHQ's validators",
    )
    check.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes for many files (default: the number of cores)",
    )
    check.set_defaults(run=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Check the paths, print the findings, and return the exit status."""
    # The checks pull in lsprotocol and pySigma: imported here, not for
    # every command the CLI runs.
    from rulescope.server.check_formats import to_json, to_sarif, to_text
    from rulescope.server.check_run import MissingPath, check_paths, fails

    formats = {"text": to_text, "json": to_json, "sarif": to_sarif}
    settings = Settings(
        index_path=Path(args.index) if args.index else None,
        noisy_threshold=max(1, args.noisy_threshold),
        validators_enabled=not args.no_validators,
    )
    corpus = open_corpus(settings)
    started = time.perf_counter()
    try:
        paths = [Path(p) for p in args.paths]
        result = check_paths(paths, corpus, settings, jobs=max(1, args.jobs))
    except MissingPath as exc:
        sys.stderr.write(f"rulescope: {exc}\n")
        return 2
    finally:
        if corpus is not None:
            corpus.close()
    sys.stdout.write(formats[args.format](result))

    counts = ", ".join(f"{n} {severity}" for severity, n in result.counts().items())
    elapsed = time.perf_counter() - started
    sys.stdout.flush()
    sys.stderr.write(
        f"checked {len(result.files)} files in {elapsed:.1f} s "
        f"({len(result.skipped)} not Sigma rules): {counts}\n"
    )
    return 1 if fails(result, args.fail_on) else 0


def open_corpus(settings: Settings) -> Corpus | None:
    """The index, or None with a one-line warning when there is none."""
    path = settings.resolved_index_path()
    try:
        return Corpus.open(path)
    except IndexUnavailable as exc:
        sys.stderr.write(f"rulescope: {exc}; corpus checks are off\n")
        return None
