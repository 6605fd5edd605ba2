"""The ``coverage`` and ``site`` commands, registered by the ``rulescope`` CLI.

Results go to stdout, logs to stderr. A mistake the user can fix raises
:class:`~rulescope.report.ReportError` (one line, caught by the CLI); a
missing index raises the store's ``IndexUnavailable``.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from rulescope.index import store
from rulescope.index.locate import resolve_index_path
from rulescope.index.model import VENDORS
from rulescope.report import ReportError
from rulescope.report.coverage import technique_coverage
from rulescope.report.navigator import navigator_layer, technique_list
from rulescope.report.render_html import render_technique_html
from rulescope.report.render_text import render_markdown, render_text
from rulescope.report.site import build_site

FORMATS = ("text", "markdown", "json", "html")


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``coverage`` and ``site`` on the CLI's subcommands."""
    coverage = commands.add_parser(
        "coverage", help="what the corpus does about one ATT&CK technique"
    )
    coverage.add_argument(
        "technique", nargs="?", metavar="TECHNIQUE", help="e.g. T1071 or T1059.001"
    )
    _add_vendor_argument(coverage)
    coverage.add_argument(
        "--exact", action="store_true", help="leave the sub-techniques out"
    )
    coverage.add_argument("--format", choices=FORMATS, default="text")
    coverage.add_argument("--json", action="store_true", help="same as --format json")
    coverage.add_argument(
        "--navigator", metavar="FILE", help="write an ATT&CK Navigator layer"
    )
    coverage.add_argument(
        "--list", action="store_true", help="list the techniques that have rules"
    )
    _add_index_argument(coverage)
    coverage.set_defaults(run=run_coverage)

    site = commands.add_parser("site", help="write the static coverage site")
    site.add_argument("outdir", metavar="OUTDIR")
    _add_vendor_argument(site)
    _add_index_argument(site)
    site.set_defaults(run=run_site)


def _add_vendor_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--vendor",
        action="append",
        choices=VENDORS,
        metavar="V",
        help="only this vendor's rules; repeatable (" + ", ".join(VENDORS) + ")",
    )


def _add_index_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--index",
        metavar="FILE",
        help="index file (default: $RULESCOPE_INDEX, else the user cache)",
    )


def run_coverage(args: argparse.Namespace) -> int:
    """``rulescope coverage``: a report, the technique list or a Navigator layer."""
    if not (args.technique or args.navigator or args.list):
        raise ReportError("coverage needs a TECHNIQUE, --list or --navigator FILE")
    vendors = _unique(args.vendor or [])
    with closing(store.open_index(resolve_index_path(args.index))) as db:
        if args.navigator:
            layer = navigator_layer(db, vendors)
            _write_file(Path(args.navigator), json.dumps(layer, indent=2) + "\n")
            sys.stderr.write(
                f"wrote {len(layer['techniques'])} techniques to '{args.navigator}'\n"
            )
        if args.list:
            _print_list(technique_list(db, vendors), args.json)
        if args.technique:
            report = technique_coverage(db, args.technique, vendors, args.exact)
            sys.stdout.write(render(report, "json" if args.json else args.format))
    return 0


def render(report: dict[str, Any], output_format: str) -> str:
    """The report in one of ``FORMATS``."""
    if output_format == "json":
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    if output_format == "markdown":
        return render_markdown(report)
    if output_format == "html":
        return render_technique_html(report)
    return render_text(report)


def _print_list(techniques: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(techniques, ensure_ascii=False) + "\n")
        return
    for technique in techniques:
        name = technique["name"] or "(not in the catalog)"
        sys.stdout.write(f"{technique['id']:<10} {technique['rules']:>5}  {name}\n")


def run_site(args: argparse.Namespace) -> int:
    """``rulescope site OUTDIR``."""
    outdir = Path(args.outdir)
    if outdir.exists() and not outdir.is_dir():
        raise ReportError(f"'{outdir}' exists and is not a folder: choose another")
    with closing(store.open_index(resolve_index_path(args.index))) as db:
        summary = build_site(db, outdir, _unique(args.vendor or []))
    sys.stderr.write(
        f"wrote {summary.techniques:,} technique and {summary.rules:,} rule pages "
        f"to '{outdir}' in {summary.milliseconds:,} ms\n"
    )
    return 0


def _write_file(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"cannot write '{path}': {exc.strerror}") from exc


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
