"""One technique's coverage across the corpus: the five sections of its report.

The report is a JSON-ready dict with stable keys (``technique``, ``events``,
``fields``, ``indicators``, ``rules``); the text, markdown and HTML renderers
and the static site all draw from it. :func:`build_report` is pure: it takes
the technique's rules and a reach table, so the site can reuse it over rules
it loaded once.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from heapq import nsmallest
from typing import Any

from rulescope.index.catalog import Technique
from rulescope.index.model import VENDORS
from rulescope.report.catalog import Context, first_paragraph, load_records
from rulescope.report.model import (
    IndicatorKey,
    PredicateRecord,
    ReachTable,
    RuleRecord,
)
from rulescope.report.queries import corpus_reach, load_rules, technique_rules

#: Rows kept in the fields and indicators tables; totals are reported beside them.
FIELD_ROWS = 25
INDICATOR_ROWS = 40
SAMPLE_VALUES = 3

REACH_NOTE = (
    "Corpus reach counts the rules across the whole index (any technique) that "
    "look for the indicator; blank means only this technique's rules do. High "
    "reach means the indicator is common: likely noisy on its own, so combine it "
    "with another condition."
)


def technique_coverage(
    db: sqlite3.Connection,
    technique: str,
    vendors: Sequence[str] = (),
    exact: bool = False,
) -> dict[str, Any]:
    """The coverage report of ``technique`` read from the index."""
    context = Context.load(db, records=False)
    technique_id = context.resolve(technique)
    context.techniques = load_records(db, [technique_id])
    selection = technique_rules(technique_id, exact, vendors)
    rules = load_rules(db, selection)
    reach = corpus_reach(db, selection)
    return build_report(context, technique_id, rules, reach, vendors, exact)


def build_report(
    context: Context,
    technique_id: str,
    rules: list[RuleRecord],
    reach: ReachTable,
    vendors: Sequence[str] = (),
    exact: bool = False,
) -> dict[str, Any]:
    """The report's sections from the technique's rules and their reach."""
    fields = field_rows(rules)
    indicators, indicators_total = indicator_rows(rules, reach, INDICATOR_ROWS)
    return {
        "technique": technique_section(context, technique_id, rules, exact),
        "vendors": list(vendors) or list(VENDORS),
        "events": event_section(context, rules),
        "fields": fields[:FIELD_ROWS],
        "fields_total": len(fields),
        "indicators": indicators,
        "indicators_total": indicators_total,
        "reach_note": REACH_NOTE,
        "rules": rule_section(rules, reach),
    }


def technique_section(
    context: Context, technique_id: str, rules: list[RuleRecord], exact: bool
) -> dict[str, Any]:
    """Id, name, tactics, first paragraph, link, status and included subs."""
    record = context.technique(technique_id)
    tactics = technique_tactics(record, rules)
    replaced_by = None
    if record.revoked_by:
        replaced_by = {"id": record.revoked_by, "name": context.name(record.revoked_by)}
    parent = technique_id.split(".")[0] if "." in technique_id else ""
    return {
        "id": technique_id,
        "name": record.name,
        "in_catalog": context.in_catalog(technique_id),
        "attack_version": context.attack_version,
        "tactics": [{"id": t, "name": context.tactics.get(t, t)} for t in tactics],
        "tactics_from": "catalog" if record.tactics else "rules",
        "description": first_paragraph(record.description),
        "url": record.url,
        "deprecated": record.deprecated,
        "revoked": record.revoked,
        "replaced_by": replaced_by,
        "parent": {"id": parent, "name": context.name(parent)} if parent else None,
        "includes_subtechniques": not exact and not parent,
        "subtechniques": _subtechniques(context, technique_id, rules),
    }


def technique_tactics(record: Technique, rules: list[RuleRecord]) -> list[str]:
    """The catalog's tactics; for an id the catalog lacks, its rules' main tactics.

    Rules tag tactics for the whole rule, not per technique, so only the
    tactics carried by at least half as many rules as the commonest count.
    """
    if record.tactics:
        return record.tactics
    counts = Counter(t for r in rules for t in set(r.tactics))
    if not counts:
        return []
    top = counts.most_common(1)[0][1]
    return sorted(t for t, n in counts.items() if n * 2 >= top)


def _subtechniques(
    context: Context, technique_id: str, rules: list[RuleRecord]
) -> list[dict[str, Any]]:
    counts = Counter(
        t for r in rules for t in set(r.techniques) if t.startswith(technique_id + ".")
    )
    return [
        {"id": sub, "name": context.name(sub), "rules": counts[sub]}
        for sub in sorted(counts)
    ]


def event_section(context: Context, rules: list[RuleRecord]) -> dict[str, Any]:
    """Catalog events touched by the rules, with how many rules touch each."""
    counts = Counter(event for r in rules for event in set(r.events))
    rows: list[dict[str, Any]] = [
        {
            "provider": provider,
            "event_id": event_id,
            "title": context.events.get((provider, event_id), ""),
            "in_catalog": (provider, event_id) in context.events,
            "rules": count,
        }
        for (provider, event_id), count in counts.items()
    ]
    rows.sort(key=lambda row: (-row["rules"], row["provider"], row["event_id"]))
    return {"touched": sum(row["in_catalog"] for row in rows), "table": rows}


def field_rows(rules: list[RuleRecord]) -> list[dict[str, Any]]:
    """Fields the rules look at, each rule counted once per field and operator."""
    field_rules: Counter[str] = Counter()
    operators: dict[str, Counter[str]] = defaultdict(Counter)
    values: dict[str, Counter[str]] = defaultdict(Counter)
    written: dict[tuple[str, str], str] = {}
    for rule in rules:
        checks = rule.checks
        field_rules.update({p.field for p in checks})
        for name, operator in {(p.field, p.operator) for p in checks}:
            operators[name][operator] += 1
        for predicate in checks:
            written.setdefault((predicate.field, predicate.key[2]), predicate.value)
        for name, key_value in {(p.field, p.key[2]) for p in checks}:
            values[name][key_value] += 1
    rows: list[dict[str, Any]] = [
        {
            "field": name,
            "rules": count,
            "operators": dict(_most_common(operators[name])),
            "samples": [
                written[(name, value)]
                for value, _ in _most_common(values[name])[:SAMPLE_VALUES]
            ],
        }
        for name, count in field_rules.items()
    ]
    rows.sort(key=lambda row: (-row["rules"], row["field"]))
    return rows


def _most_common(counts: Counter[str]) -> list[tuple[str, int]]:
    """Counts, most first, ties by name: the same report on every run."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def indicator_rows(
    rules: list[RuleRecord], reach: ReachTable, limit: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The top ``limit`` indicators the rules look for, and how many there are.

    Each row gives rules here beside corpus reach; only the rows shown are
    built, since a broad technique's rules check thousands of indicators.
    """
    here: Counter[IndicatorKey] = Counter()
    written: Counter[tuple[IndicatorKey, str, str]] = Counter()
    for rule in rules:
        for predicate in rule.indicators():
            here[predicate.key] += 1
            written[(predicate.key, predicate.operator, predicate.value)] += 1

    def order(key: IndicatorKey) -> tuple[int, int, str]:
        return (-here[key], -reach.get(key, (0, 0))[0], key[0])

    ranked = sorted(here, key=order) if limit is None else nsmallest(limit, here, order)
    # Show each indicator as most of its rules write it (``in`` stays ``in``).
    shown: dict[IndicatorKey, tuple[str, str]] = {}
    for (key, operator, value), _ in written.most_common():
        shown.setdefault(key, (operator, value))
    rows: list[dict[str, Any]] = []
    for key in ranked:
        operator, value = shown[key]
        reach_count, excluded_by = reach.get(key, (0, 0))
        rows.append(
            {
                "field": key[0],
                "operator": operator,
                "value": value,
                "rules_here": here[key],
                "corpus_reach": reach_count,
                "excluded_by": excluded_by,
                "only_here": reach_count == here[key],
            }
        )
    return rows, len(here)


def rule_section(rules: list[RuleRecord], reach: ReachTable) -> dict[str, Any]:
    """The rules grouped by vendor, each with predicates, exclusions, indicators."""
    by_vendor: dict[str, dict[str, Any]] = {}
    for vendor in VENDORS:
        mine = [rule_json(r, reach) for r in rules if r.vendor == vendor]
        if mine:
            by_vendor[vendor] = {"count": len(mine), "rules": mine}
    return {"count": len(rules), "by_vendor": by_vendor}


def rule_json(rule: RuleRecord, reach: ReachTable) -> dict[str, Any]:
    """One rule as the report lists it."""
    return {
        "title": rule.title,
        "vendor": rule.vendor,
        "rule_id": rule.rule_id,
        "level": rule.level,
        "status": rule.status,
        "language": rule.language,
        "path": rule.path,
        "rel_path": rule.rel_path,
        "techniques": sorted(rule.techniques),
        "query_error": rule.query_error,
        "predicates": [p.as_json() for p in rule.checks],
        "exclusions": [p.as_json() for p in rule.exclusions],
        "indicators": [_rule_indicator(p, reach) for p in rule.indicators()],
    }


def _rule_indicator(predicate: PredicateRecord, reach: ReachTable) -> dict[str, Any]:
    corpus_reach, excluded_by = reach.get(predicate.key, (0, 0))
    return {
        "field": predicate.field,
        "operator": predicate.operator,
        "value": predicate.value,
        "corpus_reach": corpus_reach,
        "excluded_by": excluded_by,
    }
