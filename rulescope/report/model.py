"""The records a coverage report is computed from, loaded from the index.

A :class:`RuleRecord` is one indexed rule with everything a report shows about
it; the technique report and the static site both aggregate lists of them, so
the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: An indicator's identity (``fields.indicator_key``): field, operator, value.
IndicatorKey = tuple[str, str, str]

#: Corpus reach of each indicator: key -> (rules checking it, rules only excluding it).
ReachTable = dict[IndicatorKey, tuple[int, int]]


@dataclass(slots=True)
class PredicateRecord:
    """One predicate of a rule, as written and under its indicator identity."""

    field: str
    operator: str
    value: str
    negated: bool
    raw_field: str
    clause: str
    line: int
    key: IndicatorKey

    def as_json(self) -> dict[str, Any]:
        """The predicate as the JSON report shows it."""
        return {
            "field": self.field,
            "operator": self.operator,
            "value": self.value,
            "raw_field": self.raw_field,
            "clause": self.clause,
            "line": self.line,
        }


@dataclass(slots=True)
class RuleRecord:
    """One indexed rule with its techniques, events and predicates."""

    id: int
    vendor: str
    title: str
    rule_id: str
    level: str
    status: str
    language: str
    path: str
    rel_path: str
    description: str
    query_error: str | None
    techniques: list[str] = field(default_factory=list)
    tactics: list[str] = field(default_factory=list)
    events: list[tuple[str, int]] = field(default_factory=list)
    predicates: list[PredicateRecord] = field(default_factory=list)
    #: Memo of :meth:`indicators`: reports ask for it several times per rule.
    _indicators: list[PredicateRecord] | None = field(default=None, repr=False)

    @property
    def checks(self) -> list[PredicateRecord]:
        """The predicates the rule looks for (not negated)."""
        return [p for p in self.predicates if not p.negated]

    @property
    def exclusions(self) -> list[PredicateRecord]:
        """The negated predicates: what the rule filters out."""
        return [p for p in self.predicates if p.negated]

    def indicators(self) -> list[PredicateRecord]:
        """One predicate per distinct indicator the rule looks for, first written."""
        if self._indicators is None:
            seen: dict[IndicatorKey, PredicateRecord] = {}
            for predicate in self.checks:
                seen.setdefault(predicate.key, predicate)
            self._indicators = list(seen.values())
        return self._indicators

    def carries(self, technique: str, exact: bool = False) -> bool:
        """Whether the rule is tagged with ``technique`` (or one of its subs)."""
        if technique in self.techniques:
            return True
        return not exact and any(t.split(".")[0] == technique for t in self.techniques)
