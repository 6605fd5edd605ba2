"""Index build time and memory against a bare load of the same rule files.

    python benchmarks/index_build.py [--corpus DIR] [--vendors sigma,elastic,...]

Times, in one run: the bare parse of every rule file the build reads (PyYAML's
C loader for YAML, ``tomllib`` for TOML: the least any indexer must do), then
``rulescope index build`` of the same sources as a child process, sampling the
resident memory of the whole process tree. The files are read once first so
both start from a warm page cache; each is timed ``--repeat`` times and the
median kept. Prints both times, their ratio and the peak memory. Goals: the
Sigma build at most 3x the bare load; all four
corpora within 60 s and 1 GiB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import yaml
from _measure import run_child

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rulescope.index.build import SourceSpec, make_source  # noqa: E402


def bare_load(paths: list[Path]) -> float:
    """Seconds to parse every file with the fastest stock parser."""
    started = time.perf_counter()
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".toml":
            tomllib.loads(data.decode("utf-8"))
        else:
            list(yaml.load_all(data, Loader=yaml.CSafeLoader))
    return time.perf_counter() - started


def timed_build(corpus: Path, vendors: list[str], index: Path) -> tuple[float, int]:
    """Seconds and peak tree RSS (bytes) of ``rulescope index build``."""
    command = [sys.executable, "-m", "rulescope", "index", "build"]
    command += ["--index", str(index)]
    for vendor in vendors:
        command += ["--source", f"{vendor}={corpus / vendor}"]
    run = run_child(command)
    print(f"  {run.stderr[0] if run.stderr else ''}")
    return run.seconds, run.peak_rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path(os.environ.get("RULESCOPE_CORPUS", "../shared/corpus")),
    )
    parser.add_argument("--vendors", default="sigma")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    vendors = args.vendors.split(",")
    paths = [
        path
        for vendor in vendors
        for path in make_source(SourceSpec(vendor, args.corpus / vendor)).files()
    ]
    print(f"{len(paths):,} rule files ({', '.join(vendors)}), {os.cpu_count()} cores")
    for path in paths:
        path.read_bytes()
    bare = statistics.median(bare_load(paths) for _ in range(args.repeat))
    print(f"bare load:   {bare:7.2f} s  (median of {args.repeat})")
    with tempfile.TemporaryDirectory() as scratch:
        runs = [
            timed_build(args.corpus, vendors, Path(scratch) / "i.sqlite")
            for _ in range(args.repeat)
        ]
    build = statistics.median(seconds for seconds, _ in runs)
    peak = max(rss for _, rss in runs)
    print(f"index build: {build:7.2f} s  (median, with interpreter start, imports)")
    print(f"ratio build / bare load: {build / bare:.2f}x")
    print(f"peak memory (process tree RSS): {peak / 2**20:,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
