"""``rulescope check`` over the whole Sigma corpus against the index build of it.

    python benchmarks/check.py [--corpus DIR] [--format text|json|sarif]

Times, in one run and each as a child process (interpreter start and imports
included): ``rulescope index build`` of the Sigma corpus, then ``rulescope
check`` of the same folder with that index (every diagnostic the editor
publishes: syntax, conditions, tags, noisy indicators, fields, pySigma's
structure errors and validators). Prints both times and their ratio.
Goal: check at most 3x the build.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(command: list[str]) -> tuple[float, str]:
    """Seconds a child process ran, and the last line it wrote to stderr."""
    started = time.perf_counter()
    process = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    elapsed = time.perf_counter() - started
    last = (process.stderr.strip().splitlines() or [""])[-1]
    if process.returncode not in (0, 1):
        raise SystemExit(f"'{' '.join(command[2:4])}' failed: {last}")
    return elapsed, last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path(os.environ.get("RULESCOPE_CORPUS", "../shared/corpus")),
    )
    parser.add_argument("--format", default="sarif", choices=("text", "json", "sarif"))
    args = parser.parse_args()
    sigma = (args.corpus / "sigma").resolve()
    rulescope = [sys.executable, "-m", "rulescope"]
    print(f"Sigma corpus '{sigma}', {os.cpu_count()} cores")

    with tempfile.TemporaryDirectory() as scratch:
        index = str(Path(scratch) / "sigma.sqlite")
        build, build_line = timed(
            [
                *rulescope,
                "index",
                "build",
                "--index",
                index,
                "--source",
                f"sigma={sigma}",
            ]
        )
        print(f"  {build_line}")
        check, check_line = timed(
            [*rulescope, "check", str(sigma), "--index", index, "--format", args.format]
        )
        print(f"  {check_line}")
    print(f"index build:  {build:7.2f} s")
    print(f"check ({args.format}): {check:7.2f} s")
    print(f"ratio check / build: {check / build:.2f}x  (goal <= 3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
