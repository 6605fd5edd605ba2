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
import sys
import tempfile
from pathlib import Path

from _measure import ChildRun, run_child


def _last_line(run: ChildRun) -> str:
    """The last line a child wrote to stderr: its summary."""
    return run.stderr[-1] if run.stderr else ""


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
        build = run_child(
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
        print(f"  {_last_line(build)}")
        # check exits 1 when it found problems: a finished run all the same.
        check_command = [*rulescope, "check", str(sigma), "--index", index]
        check = run_child([*check_command, "--format", args.format], ok_codes=(0, 1))
        print(f"  {_last_line(check)}")
    print(f"index build:  {build.seconds:7.2f} s")
    print(f"check ({args.format}): {check.seconds:7.2f} s")
    print(f"ratio check / build: {check.seconds / build.seconds:.2f}x  (goal <= 3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
