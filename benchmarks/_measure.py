"""Time a benchmark's child process and sample its memory while it runs.

Shared by ``index_build.py`` and ``check.py``: each times ``rulescope`` as a
child process, interpreter start and imports included, and reads the summary
line it writes to stderr.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import dataclass

import psutil

_SAMPLE_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class ChildRun:
    """How long a child ran, its peak process-tree RSS and its stderr lines."""

    seconds: float
    peak_rss: int
    stderr: list[str]


def run_child(command: list[str], ok_codes: tuple[int, ...] = (0,)) -> ChildRun:
    """Run ``command`` to its end, stdout discarded; exit if its code is not ok."""
    # stderr goes to a file, not a pipe: a chatty child never blocks on a full pipe.
    with tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        process = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        peak = _peak_rss_until_exit(process)
        seconds = time.perf_counter() - started
        stderr.seek(0)
        lines = stderr.read().strip().splitlines()

    if process.returncode not in ok_codes:
        last = lines[-1] if lines else ""
        raise SystemExit(f"'{' '.join(command[2:5])}' failed: {last}")
    return ChildRun(seconds, peak, lines)


def _peak_rss_until_exit(process: psutil.Popen) -> int:
    """The largest process-tree RSS seen, sampled until the process exits."""
    peak = 0
    while True:
        peak = max(peak, _tree_rss(process))
        try:
            # Returns as soon as the child exits, so the timing stays exact.
            process.wait(timeout=_SAMPLE_SECONDS)
        except psutil.TimeoutExpired:
            continue
        return peak


def _tree_rss(process: psutil.Process) -> int:
    """The resident memory of a process and all its descendants, in bytes."""
    try:
        members = [process, *process.children(recursive=True)]
        return sum(member.memory_info().rss for member in members)
    except psutil.Error:
        return 0
