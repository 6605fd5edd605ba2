"""The short fuzz slice CI runs: mutated corpus rules and malformed JSON-RPC.

The long run (``python -m fuzz.run_long``) tries 100,000 documents and
10,000 messages; this slice tries a few hundred of each in well under a
minute, with the same generators and the same rules: no exception from any
document handler, no step or reply slower than a second, every request
with a valid id answered, and every server life ending with the right
exit status.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings

from fuzz.documents import Tally, exercise
from fuzz.messages import fuzz_messages
from fuzz.mutate import mutated_rules
from rulescope.server.corpus import Corpus

#: The slowest step or reply allowed.
REPLY_SECONDS = 1.0
_tally = Tally()


@settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(rule=mutated_rules())
def _exercise(rule: tuple[str, str], corpus: Corpus) -> None:
    name, text = rule
    exercise(text, name, corpus, _tally, seed=_tally.documents)


def test_fuzz_documents_short_slice(small_index: Path) -> None:
    """400 mutated corpus rules go through every document handler without error."""
    corpus = Corpus.open(small_index)
    warm = Tally()  # pySigma loads at first use: not a step to time
    exercise(
        "title: warm\ndetection:\n  s:\n    Image: x\n  condition: s\n",
        "w.yml",
        corpus,
        warm,
    )
    _exercise(corpus=corpus)
    assert _tally.documents >= 400
    assert _tally.slowest_seconds < REPLY_SECONDS, (
        _tally.slowest_step,
        _tally.slowest_document,
    )
    assert _tally.codes.get("yaml_syntax", 0) > 0  # the mutations do break rules


def test_fuzz_messages_short_slice(small_index: Path) -> None:
    """600 malformed and out-of-order messages: all answered, fast, no crash."""
    result = fuzz_messages(600, small_index, run_seed=1)
    assert result.crashes == []
    assert result.messages >= 600
    assert result.slowest_seconds < REPLY_SECONDS, result.slowest_method
