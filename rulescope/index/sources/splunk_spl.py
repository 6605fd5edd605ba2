"""Predicates of an expanded SPL search, stage by stage.

The base search (or a leading ``| tstats ... from datamodel=X where ... by``),
``| search`` and ``| where`` stages filter events and yield predicates, also
after ``stats`` (they then test aggregated fields, kept as written);
``| regex field="re"`` yields ``regex_match``. Subsearches of ``join`` and
``append`` are read as searches of their own. Every other command (eval,
stats, rename, table, lookup, ...) transforms results and is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from rulescope.index.sources.splunk_eval import eval_predicates
from rulescope.index.sources.splunk_pipeline import (
    SplSyntaxError,
    Stage,
    split_pipeline,
)
from rulescope.index.sources.splunk_search import search_predicates
from rulescope.index.sources.splunk_terms import Extraction, RawPredicate, token_text

#: Commands whose subsearch adds events the rule looks at.
_SUBSEARCH_COMMANDS: Final = frozenset({"join", "append", "appendcols", "union"})
_DATAMODEL: Final = re.compile(
    r"datamodel(?:\s*[=:]\s*|\s+)\"?([A-Za-z][\w.]*)", re.IGNORECASE
)
_REGEX_STAGE: Final = re.compile(
    r'\s*(?:([\w.{}]+|"[^"]*")\s*(!=|=)\s*)?("(?:\\.|[^"\\])*"|\S+)\s*$', re.DOTALL
)
_TOP_LEVEL_WORD: Final = re.compile(r'"(?:\\.|[^"\\])*"|[()]|[^\s()"]+')

StageReader = Callable[[Stage, Extraction, str], None]


def extract(expanded: str) -> Extraction:
    """Every predicate of an expanded search; raises :class:`SplSyntaxError`."""
    extraction = Extraction()
    _read_pipeline(expanded, 0, extraction, "")
    return extraction


def _read_pipeline(text: str, offset: int, extraction: Extraction, prefix: str) -> None:
    """Read each filtering stage of one pipeline (top level or subsearch)."""
    for stage in split_pipeline(text, offset):
        reader = _READERS.get(stage.command)
        if reader is not None:
            reader(stage, extraction, prefix + stage.command)
        if stage.command in _SUBSEARCH_COMMANDS:
            for subsearch in stage.subsearches:
                _read_pipeline(
                    subsearch.text, subsearch.offset, extraction, "subsearch:"
                )


def _read_search(stage: Stage, extraction: Extraction, clause: str) -> None:
    search_predicates(stage.body, stage.offset, clause, extraction)


def _read_where(stage: Stage, extraction: Extraction, clause: str) -> None:
    eval_predicates(stage.body, stage.offset, clause, extraction)


def _read_tstats(stage: Stage, extraction: Extraction, clause: str) -> None:
    """``tstats ... from datamodel=X where <search> by ...``."""
    extraction.datamodels.extend(_DATAMODEL.findall(stage.body))
    words = _top_level_words(stage.body)
    where = next((end for word, _, end in words if word == "where"), None)
    if where is None:
        return
    by = next(
        (
            start
            for word, start, _ in words
            if word in ("by", "groupby") and start > where
        ),
        len(stage.body),
    )
    search_predicates(stage.body[where:by], stage.offset + where, clause, extraction)


def _read_from(stage: Stage, extraction: Extraction, clause: str) -> None:
    """``from datamodel Web.Web``: no predicates, but the data model it reads."""
    extraction.datamodels.extend(_DATAMODEL.findall(f"from {stage.body}"))


def _read_regex(stage: Stage, extraction: Extraction, clause: str) -> None:
    """``regex field="re"``, ``regex field!="re"`` or ``regex "re"`` (on ``_raw``)."""
    parsed = _REGEX_STAGE.match(stage.body)
    if parsed is None:
        raise SplSyntaxError("regex needs a field and a pattern", stage.offset)
    field, comparator, pattern = parsed.groups()
    field_text = token_text(field) if field else "_raw"
    at = stage.offset + (parsed.start(1) if field else parsed.start(3))
    extraction.predicates.append(
        RawPredicate(
            field_text,
            "regex_match",
            token_text(pattern),
            comparator == "!=",
            clause,
            at,
        )
    )


def _top_level_words(body: str) -> list[tuple[str, int, int]]:
    """Lower-cased unquoted words outside parentheses, with their spans."""
    words, depth = [], 0
    for match in _TOP_LEVEL_WORD.finditer(body):
        token = match.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and not token.startswith('"'):
            words.append((token.lower(), match.start(), match.end()))
    return words


_READERS: Final[dict[str, StageReader]] = {
    "search": _read_search,
    "where": _read_where,
    "tstats": _read_tstats,
    "regex": _read_regex,
    "from": _read_from,
}
