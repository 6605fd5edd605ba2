"""Time the coverage reports against a built index.

    python benchmarks/report.py [INDEX] [--top N] [--site-out DIR]

INDEX defaults to ``RULESCOPE_INDEX``. For each of the N techniques with the
most rules (sub-techniques included) it times ``coverage`` (the report and its
default text rendering), beside a baseline measured in the same run: one plain
``SELECT`` of the technique's rules joined with their predicates. Then it
times the whole static site. Goals: a report <= 200 ms, the site <= 60 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rulescope.index.store import IndexUnavailable, open_index
from rulescope.report.coverage import technique_coverage
from rulescope.report.queries import inclusive_counts
from rulescope.report.render_text import render_text
from rulescope.report.site import build_site

REPORT_GOAL_MS = 200
SITE_GOAL_S = 60

_BASELINE = """
SELECT r.id, r.title, p.field, p.operator, p.value, p.negated
FROM rules AS r JOIN predicates AS p ON p.rule = r.id
WHERE r.id IN (SELECT rule FROM rule_techniques WHERE technique = ? OR parent = ?)
"""


def _best_ms(action: object, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        timings.append((time.perf_counter() - started) * 1000)
    return min(timings)


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", nargs="?", default=os.environ.get("RULESCOPE_INDEX"))
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--site-out", help="keep the site here (default: a temp dir)")
    args = parser.parse_args()
    if not args.index:
        parser.error("give the index path or set RULESCOPE_INDEX")
    try:
        db = open_index(Path(args.index))
    except IndexUnavailable as exc:
        parser.exit(2, f"report benchmark: {exc}\n")
    rules = db.execute("SELECT COUNT(*) FROM rules").fetchone()[0]
    print(f"index {args.index}: {rules:,} rules")

    counts = inclusive_counts(db)
    top = sorted(counts, key=lambda t: (-counts[t], t))[: args.top]
    print(
        f"{'technique':<11}{'rules':>6}{'report ms':>11}{'baseline ms':>13}{'ratio':>7}"
    )
    report_times = []
    for technique in top:

        def report(technique: str = technique) -> None:
            render_text(technique_coverage(db, technique))

        def baseline(technique: str = technique) -> None:
            db.execute(_BASELINE, (technique, technique)).fetchall()

        report_ms = _best_ms(report, args.repeat)
        baseline_ms = _best_ms(baseline, args.repeat)
        report_times.append(report_ms)
        print(
            f"{technique:<11}{counts[technique]:>6}{report_ms:>11.1f}"
            f"{baseline_ms:>13.1f}{report_ms / max(baseline_ms, 0.01):>7.1f}"
        )
    worst = max(report_times)
    verdict = "meets" if worst <= REPORT_GOAL_MS else "misses"
    print(
        f"coverage: median {statistics.median(report_times):.1f} ms, "
        f"worst {worst:.1f} ms ({verdict} the {REPORT_GOAL_MS} ms goal)"
    )

    with tempfile.TemporaryDirectory() as scratch:
        outdir = Path(args.site_out or scratch)
        started = time.perf_counter()
        summary = build_site(db, outdir)
        seconds = time.perf_counter() - started
    verdict = "meets" if seconds <= SITE_GOAL_S else "misses"
    print(
        f"site: {summary.techniques:,} technique and {summary.rules:,} rule pages "
        f"in {seconds:.1f} s ({verdict} the {SITE_GOAL_S} s goal)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
