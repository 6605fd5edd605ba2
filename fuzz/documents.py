"""Drive the server's document handlers in-process on one text, timing each.

``exercise`` does what the server does for an open document: parse it, the
quick and the full diagnostics, hovers and completions at a few positions,
inlay hints over the whole text. An exception is a crash (the handlers'
guards would hide it in the server); the slowest step is returned so a run
can report the slowest reply.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rulescope.server.completion import complete
from rulescope.server.corpus import Corpus
from rulescope.server.diagnostics import findings, quick_findings
from rulescope.server.document import parse_document
from rulescope.server.hover import hover_markdown
from rulescope.server.inlay_hints import reach_hints
from rulescope.server.server import looks_sigma
from rulescope.server.settings import Settings

#: Caret positions tried per document for hover and completion.
POSITIONS = 3


@dataclass
class Tally:
    """Counts and the slowest step of a fuzz run."""

    documents: int = 0
    crashes: list[str] = field(default_factory=list)
    slowest_seconds: float = 0.0
    slowest_step: str = ""
    slowest_document: str = ""
    current: str = ""
    codes: dict[str, int] = field(default_factory=dict)
    #: Steps slower than a second, as (seconds, step, document).
    over_a_second: list[tuple[float, str, str]] = field(default_factory=list)

    def timed(self, step: str, call: Callable[..., Any], *args: Any) -> Any:
        """Run ``call(*args)``, keeping the slowest step's time and name."""
        started = time.perf_counter()
        result = call(*args)
        elapsed = time.perf_counter() - started
        if elapsed > 1.0:
            self.over_a_second.append((elapsed, step, self.current))
        if elapsed > self.slowest_seconds:
            self.slowest_seconds, self.slowest_step = elapsed, step
            self.slowest_document = self.current
        return result


def exercise(
    text: str, name: str, corpus: Corpus | None, tally: Tally, seed: int = 0
) -> None:
    """Every document handler on ``text``; exceptions propagate (they are crashes)."""
    tally.documents += 1
    tally.current = name
    settings = Settings()
    document = tally.timed("parse", parse_document, f"file:///{name}", 1, text)
    tally.timed("looks_sigma", looks_sigma, text)
    quick = tally.timed("quick", quick_findings, document, corpus, settings)
    full = tally.timed("full", findings, document, corpus, settings)
    for finding in quick + full:
        tally.codes[finding.code] = tally.codes.get(finding.code, 0) + 1

    lines = text.split("\n")
    chooser = random.Random(seed)
    for _ in range(POSITIONS):
        line = chooser.randrange(len(lines))
        column = chooser.randrange(len(lines[line]) + 1)
        tally.timed("hover", hover_markdown, document, line, column, corpus, 20)
        tally.timed("completion", complete, lines, line, column, document, corpus)
    if corpus is not None:
        reach_of = corpus.corpus_reach
        tally.timed("inlay", reach_hints, document, reach_of, 0, len(lines))
