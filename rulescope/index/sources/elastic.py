"""Elastic detection rules (elastic/detection-rules) as normalized rules.

Reads the TOML rules under ``rules/`` (without ``rules/_deprecated/`` and
rules whose ``maturity`` is ``deprecated``), the building blocks under
``rules_building_block/`` (``kind="building_block"``) and the hunting
queries ``hunting/*/queries/*.toml`` (``kind="hunt"``). Queries are parsed
by language: ``kuery``/``lucene`` (``elastic_kql``), ``eql``
(``elastic_eql``), ``esql`` (``elastic_esql``); osquery SQL hunts have no
predicates. ``machine_learning`` rules have no query (``kind`` names it).
A query that does not parse keeps its rule, with ``query_error`` set.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from rulescope.index.fields import normalize_predicate
from rulescope.index.model import Predicate, QueryError, Rule, RuleFileError
from rulescope.index.sources import elastic_events
from rulescope.index.sources.elastic_eql import eql_predicates
from rulescope.index.sources.elastic_esql import esql_predicates
from rulescope.index.sources.elastic_kql import kql_predicates
from rulescope.index.sources.elastic_predicates import QuerySyntaxError

logger = logging.getLogger(__name__)

VENDOR = "elastic"
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_HUNT_LANGUAGES = {"es|ql": "esql", "eql": "eql", "sql": "sql"}


@dataclass(slots=True)
class ParsedQuery:
    """What a rule's query yielded: predicates, event categories, index patterns."""

    predicates: list[Predicate] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    error: QueryError | None = None


class ElasticSource:
    """The Elastic detection-rules repository under ``root``."""

    vendor = VENDOR

    def __init__(self, root: Path) -> None:
        self.root = root

    def files(self) -> list[Path]:
        """Rules, building blocks and hunts, deprecated rules left out."""
        rules = [
            path
            for path in self.root.glob("rules/**/*.toml")
            if "_deprecated" not in path.relative_to(self.root).parts
        ]
        blocks = self.root.glob("rules_building_block/**/*.toml")
        hunts = self.root.glob("hunting/*/queries/*.toml")
        return sorted(path.resolve() for path in [*rules, *blocks, *hunts])

    def read(self, path: Path) -> list[Rule]:
        """The rule (or hunt) of one TOML file; deprecated rules give none."""
        text, document = _load_toml(path)
        if isinstance(document.get("hunt"), dict):
            return [_hunt(path, text, document["hunt"])]
        if not isinstance(document.get("rule"), dict):
            raise RuleFileError("no [rule] or [hunt] table", 1, 1)
        metadata = document.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        if metadata.get("maturity") == "deprecated":
            return []
        return [_rule(path, text, metadata, document["rule"])]


def _load_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """The file's text and TOML document; unreadable files are ``RuleFileError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RuleFileError(f"cannot read file: {error}") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        reason = _TOML_POSITION.sub("", message).strip()
        line, column = (int(position[1]), int(position[2])) if position else (0, 0)
        raise RuleFileError(f"TOML: {reason}", line, column) from None


def _rule(
    path: Path, text: str, metadata: dict[str, Any], rule: dict[str, Any]
) -> Rule:
    """A detection or building-block rule."""
    rule_type = str(rule.get("type", ""))
    query = str(rule.get("query", "")) if rule_type != "machine_learning" else ""
    language = str(rule.get("language") or rule_type)
    parsed = _parse_query(language, query) if query else ParsedQuery()
    indexes = [str(i) for i in _as_list(rule.get("index"))] + parsed.indexes
    tags = [str(t) for t in _as_list(rule.get("tags"))]
    integrations = [str(i) for i in _as_list(metadata.get("integration"))]
    source = elastic_events.logsource(
        tags, integrations, parsed.categories, parsed.predicates
    )
    return Rule(
        vendor=VENDOR,
        path=str(path.resolve()),
        title=str(rule.get("name", "")),
        rule_id=str(rule.get("rule_id", "")),
        level=str(rule.get("severity", "")),
        status=str(metadata.get("maturity", "")),
        language=language,
        kind=_kind(path, rule, rule_type),
        description=str(rule.get("description", "")),
        techniques=_techniques(rule.get("threat")),
        tactics=_tactics(rule.get("threat")),
        logsource=source,
        events=elastic_events.events(source, tags, indexes, parsed.predicates),
        predicates=_normalized(parsed.predicates, _query_line(text, query)),
        query=query,
        query_error=parsed.error,
    )


def _kind(path: Path, rule: dict[str, Any], rule_type: str) -> str:
    """``building_block``, ``machine_learning`` or ``rule``."""
    if rule.get("building_block_type") or "rules_building_block" in path.parts:
        return "building_block"
    return "machine_learning" if rule_type == "machine_learning" else "rule"


def _hunt(path: Path, text: str, hunt: dict[str, Any]) -> Rule:
    """A hunting query: its queries' predicates under clauses ``query[i]``.

    A query that does not parse sets ``query_error``; the predicates of the
    hunt's other queries are kept.
    """
    languages = [str(x) for x in _as_list(hunt.get("language"))]
    queries = [str(q) for q in _as_list(hunt.get("query"))]
    combined = ParsedQuery()
    for index, query in enumerate(queries):
        parsed = _parse_query(_hunt_language(query, languages), query)
        for predicate in parsed.predicates:
            predicate.clause = predicate.clause or f"query[{index}]"
        _normalized(parsed.predicates, _query_line(text, query))
        combined.predicates += parsed.predicates
        combined.categories += parsed.categories
        combined.indexes += parsed.indexes
        if parsed.error and combined.error is None:
            combined.error = parsed.error
            combined.error.reason = f"query[{index}]: {parsed.error.reason}"
    integrations = [str(i) for i in _as_list(hunt.get("integration"))]
    source = elastic_events.logsource(
        [], integrations, combined.categories, combined.predicates
    )
    events = elastic_events.events(source, [], combined.indexes, combined.predicates)
    first = languages[0].lower() if languages else ""
    return Rule(
        vendor=VENDOR,
        path=str(path.resolve()),
        title=str(hunt.get("name", "")),
        rule_id=str(hunt.get("uuid", "")),
        language=_HUNT_LANGUAGES.get(first, first),
        kind="hunt",
        description=str(hunt.get("description", "")),
        techniques=[str(t) for t in _as_list(hunt.get("mitre"))],
        logsource=source,
        events=events,
        predicates=combined.predicates,
        query="\n\n".join(queries),
        query_error=combined.error,
    )


def _hunt_language(query: str, languages: list[str]) -> str:
    """The language of one hunt query: ES|QL starts with ``from``."""
    head = query.lstrip().lower()
    if head.startswith("from "):
        return "esql"
    if head.startswith("select ") or not any(x.upper() == "EQL" for x in languages):
        return "sql"
    return "eql"


def _parse_query(language: str, query: str) -> ParsedQuery:
    """Parse a query in its language; a syntax error is kept, not raised."""
    try:
        if language in ("kuery", "lucene"):
            return ParsedQuery(kql_predicates(query))
        if language == "eql":
            result = eql_predicates(query)
            return ParsedQuery(result.predicates, result.categories)
        if language == "esql":
            esql = esql_predicates(query)
            return ParsedQuery(esql.predicates, indexes=esql.indexes)
    except QuerySyntaxError as error:
        logger.debug("query did not parse: %s", error.reason)
        return ParsedQuery(error=QueryError(error.reason, error.line, error.column))
    return ParsedQuery()


#: Fields that choose which events a query reads rather than test them: in
#: Sigma they are the log source, in Splunk the ``sourcetype``. They have
#: already shaped the rule's log source and events, and are no indicators.
SELECTOR_FIELDS: Final = frozenset(
    {
        "event.category",
        "event.type",
        "event.dataset",
        "event.module",
        "event.kind",
        "data_stream.dataset",
        "data_stream.namespace",
        "host.os.type",
        "host.os.family",
        "host.os.platform",
        "_index",
    }
)


def _normalized(predicates: list[Predicate], first_line: int) -> list[Predicate]:
    """Canonical fields and file lines of the predicates that test the events."""
    predicates = [p for p in predicates if p.raw_field not in SELECTOR_FIELDS]
    for predicate in predicates:
        predicate.field, predicate.operator, predicate.value = normalize_predicate(
            VENDOR, predicate.raw_field, predicate.operator, predicate.value
        )
        if predicate.line >= 0 and first_line >= 0:
            predicate.line += first_line
        else:
            predicate.line = -1
    return predicates


def _techniques(threats: Any) -> list[str]:
    """Technique and sub-technique ids of ``[[rule.threat]]``, in order."""
    found: list[str] = []
    for threat in _tables(threats):
        for technique in _tables(threat.get("technique")):
            found.append(str(technique.get("id", "")))
            found += [
                str(s.get("id", "")) for s in _tables(technique.get("subtechnique"))
            ]
    return [t for t in dict.fromkeys(found) if t]


def _tactics(threats: Any) -> list[str]:
    """Tactic short names: "Defense Evasion" → ``defense-evasion``."""
    names = [
        str(threat["tactic"].get("name", ""))
        for threat in _tables(threats)
        if isinstance(threat.get("tactic"), dict)
    ]
    return [n.strip().lower().replace(" ", "-") for n in dict.fromkeys(names) if n]


def _tables(value: Any) -> list[dict[str, Any]]:
    """The tables of an array of tables; anything else is skipped."""
    return [item for item in _as_list(value) if isinstance(item, dict)]


def _as_list(value: Any) -> list[Any]:
    """A TOML value as a list: a scalar becomes one item, nothing none."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _query_line(text: str, query: str) -> int:
    """The 0-based file line where the query text starts, -1 when not found."""
    if not query:
        return -1
    anchor = max(text.find("\nquery ="), 0)
    first = query.split("\n", 1)[0]
    position = text.find(query, anchor)
    if position < 0:
        position = text.find(first, anchor) if first.strip() else -1
    return text.count("\n", 0, position) if position >= 0 else -1
