"""The normalized vocabulary every rule format is reduced to.

A :class:`Rule` is one detection from one vendor's corpus; its
:class:`Predicate` records are ``(field, operator, value)`` triples with the
field already mapped onto its canonical (Sigma) name. Source modules produce
these records; the store persists them; reports and the server read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

VENDORS: Final = ("sigma", "elastic", "splunk", "sentinel")

#: Every operator a predicate may carry. ``in`` is kept as written but counts
#: as ``eq`` for indicator identity and reach.
OPERATORS: Final = frozenset(
    {
        "eq",
        "in",
        "contains",
        "starts_with",
        "ends_with",
        "wildcard",
        "regex_match",
        "match",
        "cidr",
        "is_null",
        "is_not_null",
        "gt",
        "gte",
        "lt",
        "lte",
    }
)


@dataclass(slots=True)
class Predicate:
    """One ``(field, operator, value)`` test a rule makes.

    ``field`` is canonical; ``raw_field`` is the name as the vendor wrote it.
    ``negated`` marks an exclusion (a Sigma filter under ``not``, a KQL
    ``!~``, a Splunk ``NOT``). ``clause`` names the selection or clause the
    predicate came from, and ``line`` (0-based, -1 when unknown) where it
    stands in the rule file.
    """

    field: str
    operator: str
    value: str
    negated: bool = False
    raw_field: str = ""
    clause: str = ""
    line: int = -1


@dataclass(slots=True, frozen=True)
class EventRef:
    """A catalog event a rule touches, and how the link was made."""

    provider: str
    event_id: int
    via: str = "logsource"


@dataclass(slots=True)
class QueryError:
    """A query that did not parse; its rule stays in the index without predicates.

    ``line`` and ``column`` are 1-based within the query text, as query
    parsers report them.
    """

    reason: str
    line: int = 0
    column: int = 0


@dataclass(slots=True)
class Rule:
    """One detection rule, reduced to the normalized model."""

    vendor: str
    path: str
    title: str
    rule_id: str = ""
    level: str = ""
    status: str = ""
    language: str = ""
    #: ``rule``, ``correlation``, ``filter``, ``hunt``, ``building_block`` or
    #: a vendor's rule type with no query (``machine_learning``).
    kind: str = "rule"
    description: str = ""
    techniques: list[str] = field(default_factory=list)
    tactics: list[str] = field(default_factory=list)
    logsource: dict[str, str] = field(default_factory=dict)
    events: list[EventRef] = field(default_factory=list)
    predicates: list[Predicate] = field(default_factory=list)
    query: str = ""
    query_error: QueryError | None = None


class RuleFileError(Exception):
    """A rule file that cannot be read at all; the build records it and goes on.

    ``line`` and ``column`` are 0-based within the file, like YAML marks and
    LSP positions.
    """

    def __init__(self, reason: str, line: int = 0, column: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


@dataclass(slots=True)
class Failure:
    """A file that was not indexed, or a query that did not parse."""

    vendor: str
    path: str
    reason: str
    line: int = 0
    column: int = 0
    #: ``file`` when nothing of the file was indexed, ``query`` when its rule
    #: was kept without predicates.
    kind: str = "file"
