"""The long fuzz run: mutated corpus rules in-process, then JSON-RPC over stdio.

    .venv/bin/python -m fuzz.run_long [--documents N] [--messages N]
        [--index FILE] [--seed S]

Prints the documents and messages tried, the crashes, and the slowest step
or reply. Without ``--index`` it builds one from the corpus's Sigma Windows
process-creation rules in a temporary folder. Exit status 1 on any crash or
reply slower than one second.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

from fuzz.documents import Tally, exercise
from fuzz.mutate import corpus_root, mutated_rules, sigma_rule_paths
from rulescope.index.build import SourceSpec, build_index
from rulescope.server.corpus import Corpus

#: A reply slower than this is a failure.
REPLY_LIMIT_SECONDS = 1.0


def fuzz_documents(count: int, corpus: Corpus | None, run_seed: int) -> Tally:
    """Exercise ``count`` mutated rules; crashes are recorded, not raised."""
    tally = Tally()
    # pySigma and the validators load on first use: not a reply to time.
    warm = sigma_rule_paths()[0]
    exercise(warm.read_text(encoding="utf-8"), warm.name, corpus, Tally())

    @seed(run_seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(mutated_rules())
    def one(rule: tuple[str, str]) -> None:
        name, text = rule
        try:
            exercise(text, name, corpus, tally, seed=tally.documents)
        except Exception:
            tally.crashes.append(f"{name}: {traceback.format_exc()}\n{text!r}")

    one()
    return tally


def fuzz_index(folder: Path) -> Path:
    """A small index of Sigma's Windows process-creation rules."""
    rules = corpus_root() / "sigma" / "rules" / "windows" / "process_creation"
    index = folder / "index.sqlite"
    build_index([SourceSpec("sigma", rules)], index, workers=1)
    return index


def main(argv: list[str] | None = None) -> int:
    """Run the long fuzz and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m fuzz.run_long")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    failed = False

    with tempfile.TemporaryDirectory() as folder:
        index = args.index or fuzz_index(Path(folder))
        if args.documents:
            failed |= _documents(args.documents, Corpus.open(index), args.seed)
        if args.messages:
            failed |= _messages(args.messages, index, args.seed)
    return 1 if failed else 0


def _say(line: str) -> None:
    """The run's figures go to stdout: that is what the script is for."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _documents(count: int, corpus: Corpus, run_seed: int) -> bool:
    started = time.perf_counter()
    tally = fuzz_documents(count, corpus, run_seed)
    elapsed = time.perf_counter() - started
    _say(
        f"documents: {tally.documents:,} in {elapsed:,.0f} s, "
        f"crashes: {len(tally.crashes)}, slowest step: "
        f"{tally.slowest_step} {tally.slowest_seconds * 1000:,.0f} ms "
        f"(a mutation of {tally.slowest_document})"
    )
    _say(f"  steps over 1 s: {len(tally.over_a_second)} {tally.over_a_second[:5]}")
    top = sorted(tally.codes.items(), key=lambda item: -item[1])[:12]
    _say("  diagnostic codes: " + ", ".join(f"{c} {n:,}" for c, n in top))
    for crash in tally.crashes[:5]:
        _say(crash[:3000])
    return bool(tally.crashes) or tally.slowest_seconds > REPLY_LIMIT_SECONDS


def _messages(count: int, index: Path, run_seed: int) -> bool:
    from fuzz.messages import fuzz_messages

    started = time.perf_counter()
    result = fuzz_messages(count, index, run_seed)
    elapsed = time.perf_counter() - started
    _say(
        f"messages: {result.messages:,} in {elapsed:,.0f} s "
        f"({result.servers} server processes), crashes: {len(result.crashes)}, "
        f"slowest reply: {result.slowest_method} "
        f"{result.slowest_seconds * 1000:,.0f} ms"
    )
    _say(f"  replies over 1 s: {len(result.over_a_second)} {result.over_a_second[:5]}")
    for crash in result.crashes[:5]:
        _say(crash[:3000])
    return bool(result.crashes) or result.slowest_seconds > REPLY_LIMIT_SECONDS


if __name__ == "__main__":
    raise SystemExit(main())
