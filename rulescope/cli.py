"""The ``rulescope`` command: build and query the corpus index.

Results go to stdout; logs and progress go to stderr. Errors a user can cause
end in a one-line message and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from rulescope import __version__
from rulescope.index import fetch, store
from rulescope.index.build import SOURCE_CLASSES, SourceSpec, build_index
from rulescope.index.catalog import default_reference_dir, load_catalog
from rulescope.index.locate import default_corpus_dir, resolve_index_path
from rulescope.index.model import OPERATORS, VENDORS
from rulescope.index.queries import index_stats, indicator_reach
from rulescope.progress import ProgressBar
from rulescope.report import ReportError
from rulescope.report.commands import add_commands as add_report_commands
from rulescope.server.check_command import add_commands as add_check_commands
from rulescope.server.commands import add_commands as add_server_commands

logger = logging.getLogger("rulescope")


class UsageError(Exception):
    """A mistake on the command line or in the environment the user can fix."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return 2
    try:
        status: int = args.run(args)
    except (UsageError, ReportError, store.IndexUnavailable) as exc:
        print(f"rulescope: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (``| head``) has gone: stop quietly, as other tools do.
        sys.stderr.close()
        return 0
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rulescope",
        description="The public detection corpus, indexed for rule authors.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument("--log-level", default="warning", help="stderr log level")
    commands = parser.add_subparsers(metavar="COMMAND")
    _add_index_commands(commands)
    _add_reach_command(commands)
    add_report_commands(commands)
    add_server_commands(commands)
    add_check_commands(commands)
    return parser


def _add_index_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--index",
        metavar="FILE",
        help="index file (default: $RULESCOPE_INDEX, else the user cache)",
    )


def _add_index_commands(commands: argparse._SubParsersAction[Any]) -> None:
    index = commands.add_parser("index", help="build or inspect the corpus index")
    index_commands = index.add_subparsers(metavar="ACTION")
    build = index_commands.add_parser("build", help="build the index from rule files")
    build.add_argument(
        "--source",
        action="append",
        metavar="[VENDOR=]DIR",
        help="a rule folder; repeatable (default: every vendor under the corpus)",
    )
    build.add_argument(
        "--corpus",
        metavar="DIR",
        help="folder holding sigma/, elastic/, splunk/, sentinel/ "
        "(default: $RULESCOPE_CORPUS, else ../shared/corpus)",
    )
    build.add_argument(
        "--download",
        action="store_true",
        help="fetch the public repositories into the user cache "
        "(the default when no local corpus is found)",
    )
    build.add_argument(
        "--corpus-url",
        metavar="URL",
        help="base URL of the repository archives "
        "(default: $RULESCOPE_CORPUS_URL, else GitHub)",
    )
    build.add_argument("--reference", metavar="DIR", help="ATT&CK and event catalogs")
    build.add_argument("--workers", type=int, help="processes reading rule files")
    _add_index_argument(build)
    build.set_defaults(run=_run_build)
    stats = index_commands.add_parser("stats", help="what the index holds")
    stats.add_argument("--json", action="store_true", help="print JSON")
    _add_index_argument(stats)
    stats.set_defaults(run=_run_stats)


def _add_reach_command(commands: argparse._SubParsersAction[Any]) -> None:
    reach = commands.add_parser("reach", help="how many rules check an indicator")
    reach.add_argument("field", help="any vendor's name for the field")
    reach.add_argument("operator", choices=sorted(OPERATORS))
    reach.add_argument("value")
    reach.add_argument("--json", action="store_true", help="print JSON")
    _add_index_argument(reach)
    reach.set_defaults(run=_run_reach)


def source_specs(sources: Sequence[str] | None, corpus: Path) -> list[SourceSpec]:
    """The sources to build from: ``--source`` values, else the whole corpus."""
    if not sources:
        specs = [SourceSpec(v, corpus / v) for v in VENDORS if (corpus / v).is_dir()]
        if not specs:
            raise UsageError(
                f"no rule folders under '{corpus}': pass --corpus DIR or --source DIR"
            )
        return specs
    return [_source_spec(text) for text in sources]


def _source_spec(text: str) -> SourceSpec:
    vendor, _, folder = text.rpartition("=")
    root = Path(folder)
    if not root.is_dir():
        raise UsageError(f"source folder '{root}' does not exist")
    vendor = vendor or _guess_vendor(root)
    if vendor not in SOURCE_CLASSES:
        raise UsageError(
            f"unknown vendor '{vendor}' for '{root}': write VENDOR=DIR with one of "
            + ", ".join(VENDORS)
        )
    return SourceSpec(vendor, root)


def _guess_vendor(root: Path) -> str:
    """A vendor from the folder's name or from the layout inside it."""
    for part in reversed(root.resolve().parts):
        if part in SOURCE_CLASSES:
            return part
    layouts = {
        "sigma": ("rules-emerging-threats", "rules-threat-hunting"),
        "elastic": ("rules_building_block",),
        "splunk": ("macros", "detections"),
        "sentinel": ("Detections", "Solutions"),
    }
    for vendor, names in layouts.items():
        if any((root / name).is_dir() for name in names):
            return vendor
    if any(root.rglob("*.toml")):
        return "elastic"
    return "sigma"


def _build_specs(args: argparse.Namespace) -> tuple[list[SourceSpec], Path]:
    """The sources to read, and the corpus folder the reference sits beside."""
    corpus = Path(args.corpus) if args.corpus else default_corpus_dir()
    local = args.source or args.corpus or corpus.is_dir()
    if local and not args.download:
        return source_specs(args.source, corpus), corpus
    try:
        folders = fetch.fetch_all(base_url=args.corpus_url)
    except fetch.FetchError as exc:
        raise UsageError(str(exc)) from exc
    return [SourceSpec(vendor, root) for vendor, root in folders.items()], corpus


def _run_build(args: argparse.Namespace) -> int:
    specs, corpus = _build_specs(args)
    reference = Path(args.reference) if args.reference else None
    catalog = load_catalog(reference or default_reference_dir(corpus))
    target = resolve_index_path(args.index)
    summary = build_index(
        specs,
        target,
        catalog=catalog,
        progress=ProgressBar("indexing"),
        workers=args.workers,
    )
    print(
        f"indexed {summary.rules:,} rules from {summary.files:,} files "
        f"in {summary.milliseconds:,} ms, "
        f"{summary.failures + summary.query_failures:,} failures "
        f"({summary.failures:,} files, {summary.query_failures:,} queries)",
        file=sys.stderr,
    )
    print(f"index written to '{target}'", file=sys.stderr)
    return 0


def _run_stats(args: argparse.Namespace) -> int:
    path = resolve_index_path(args.index)
    with closing(store.open_index(path)) as db:
        stats = index_stats(db)
    stats["path"] = str(path)
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    print(f"index '{path}', built {stats['built_at']}")
    header = f"{'vendor':<10}{'files':>8}{'rules':>8}{'w/ preds':>10}{'preds':>9}"
    print(header + f"{'failures':>10}")
    for vendor, counts in stats["vendors"].items():
        print(
            f"{vendor:<10}{counts['files']:>8,}{counts['rules']:>8,}"
            f"{counts['rules_with_predicates']:>10,}{counts['predicates']:>9,}"
            f"{len(counts['failures']):>10,}"
        )
    for vendor, counts in stats["vendors"].items():
        for failure in counts["failures"]:
            print(f"{vendor} {failure['kind']} failure: {_failure_place(failure)}")
    return 0


def _failure_place(failure: dict[str, Any]) -> str:
    """``path:line:column: reason``, 1-based; a query's place is within its query."""
    line, column = failure["line"], failure["column"]
    if failure["kind"] == "file":
        line, column = line + 1, column + 1
        return f"{failure['path']}:{line}:{column}: {failure['reason']}"
    return f"{failure['path']}: query {line}:{column}: {failure['reason']}"


def _run_reach(args: argparse.Namespace) -> int:
    with closing(store.open_index(resolve_index_path(args.index))) as db:
        reach = indicator_reach(db, args.field, args.operator, args.value)
    if args.json:
        print(json.dumps(reach.as_json(), indent=2))
        return 0
    print(f"{reach.field} {reach.operator} '{reach.value}'")
    vendors = ", ".join(f"{v} {n}" for v, n in reach.by_vendor.items()) or "none"
    print(f"corpus reach: {reach.corpus_reach} rules ({vendors})")
    print(f"excluded by: {reach.excluded_by} rules")
    top = ", ".join(f"{t} {n}" for t, n in list(reach.techniques.items())[:10])
    print(f"techniques: {top or 'none'}")
    for rule in reach.rules:
        print(f"  [{rule['vendor']}] {rule['title']}  ({rule['path']})")
    return 0
