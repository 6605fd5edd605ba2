"""Field, value and log source statistics from the index, for hover and completion.

Each answer is cached per (corpus, arguments): the same rule asks the same
questions at every keystroke.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache

from rulescope.index.fields import indicator_key
from rulescope.server.corpus import Corpus, RuleSet, _ids


@dataclass(slots=True)
class FieldUsage:
    """How the corpus uses one canonical field."""

    total_rules: int = 0
    rules_here: int = 0
    operators: dict[str, int] = field(default_factory=dict)
    vendor_names: dict[str, list[str]] = field(default_factory=dict)


def field_usage(corpus: Corpus, field_name: str, here: RuleSet) -> FieldUsage:
    """Rules checking ``field_name`` in total and among ``here``; operators; names."""
    summary = corpus.field_summaries().get(field_name) or field_summary(
        corpus, field_name
    )
    usage = FieldUsage(summary.total_rules, 0, summary.operators, summary.vendor_names)
    if here:
        usage.rules_here = corpus.db.execute(
            "SELECT COUNT(DISTINCT rule) FROM predicates "
            f"WHERE rule IN ({_ids(here)}) AND field = ? AND negated = 0",
            (field_name,),
        ).fetchone()[0]
    return usage


@lru_cache(maxsize=256)
def field_summary(corpus: Corpus, field_name: str) -> FieldUsage:
    """One field's totals, asked directly while the summaries are being built."""
    summaries = summarize_fields(corpus.db, field_name)
    return summaries.get(field_name, FieldUsage())


@lru_cache(maxsize=256)
def field_counts(corpus: Corpus, rules: RuleSet) -> dict[str, int]:
    """Field -> how many of ``rules`` check it, for every field they check."""
    rows = corpus.db.execute(
        "SELECT field, COUNT(DISTINCT rule) FROM predicates "
        f"WHERE rule IN ({_ids(rules)}) GROUP BY field"
    )
    return dict(rows.fetchall())


@lru_cache(maxsize=1)
def sigma_fields(corpus: Corpus) -> dict[str, int]:
    """Fields Sigma rules write, with how many rules of any vendor check each."""
    rows = corpus.db.execute(
        "SELECT p.field, COUNT(DISTINCT p.rule) FROM predicates AS p "
        "WHERE p.field IN (SELECT DISTINCT q.field FROM predicates AS q "
        "JOIN rules AS r ON r.id = q.rule WHERE r.vendor = 'sigma') "
        "GROUP BY p.field"
    )
    return dict(rows.fetchall())


def ranked_fields(
    corpus: Corpus, logsource: RuleSet, here: RuleSet
) -> list[tuple[str, int, int]]:
    """Fields as (name, rules here, rules with this log source), best first."""
    known = sigma_fields(corpus)
    by_logsource = field_counts(corpus, logsource) if logsource else {}
    by_technique = field_counts(corpus, here) if here else {}
    names = (set(by_logsource) | set(by_technique)) & set(known) or set(known)
    ranked = [
        (name, by_technique.get(name, 0), by_logsource.get(name, 0), known[name])
        for name in names
    ]
    ranked.sort(key=lambda item: (-item[1], -item[2], -item[3], item[0]))
    return [(name, here_count, ls_count) for name, here_count, ls_count, _ in ranked]


@lru_cache(maxsize=1024)
def ranked_values(
    corpus: Corpus, field_name: str, operator: str, here: RuleSet, limit: int = 200
) -> list[tuple[str, int, int]]:
    """Values for (field, operator) as (value, rules here, corpus reach), best first.

    With no rules here (no technique tags yet) values rank by corpus reach.
    """
    key_operator = indicator_key(field_name, operator, "")[1]
    scope = f"AND rule IN ({_ids(here)})" if here else ""
    rows = corpus.db.execute(
        "SELECT key_value, MIN(value), COUNT(DISTINCT rule) AS n FROM predicates "
        f"WHERE key_field = ? AND key_operator = ? AND negated = 0 {scope} "
        "GROUP BY key_value ORDER BY n DESC, key_value LIMIT ?",
        (field_name, key_operator, limit),
    ).fetchall()
    reach = _reach_of(corpus, field_name, key_operator, [row[0] for row in rows])
    ranked = [(row[1], row[2] if here else 0, reach.get(row[0], 0)) for row in rows]
    ranked.sort(key=lambda item: (-item[1], -item[2]))
    return ranked


def _reach_of(
    corpus: Corpus, field_name: str, key_operator: str, key_values: list[str]
) -> dict[str, int]:
    if not key_values:
        return {}
    marks = ",".join("?" * len(key_values))
    rows = corpus.db.execute(
        "SELECT key_value, COUNT(DISTINCT rule) FROM predicates "
        f"WHERE key_field = ? AND key_operator = ? AND key_value IN ({marks}) "
        "AND negated = 0 GROUP BY key_value",
        (field_name, key_operator, *key_values),
    )
    return dict(rows.fetchall())


@lru_cache(maxsize=8)
def logsource_values(corpus: Corpus, key: str) -> list[tuple[str, int]]:
    """Values of a log source key (``category``...) by the rules using each."""
    if key not in ("category", "product", "service"):
        return []
    rows = corpus.db.execute(
        f"SELECT {key}, COUNT(*) AS n FROM rules WHERE {key} != '' "
        f"GROUP BY {key} ORDER BY n DESC, {key}"
    )
    return [(row[0], row[1]) for row in rows]


@lru_cache(maxsize=256)
def logsource_events(corpus: Corpus, category: str) -> list[tuple[str, int, str]]:
    """Catalog events a log source category covers: (provider, id, title)."""
    rows = corpus.db.execute(
        "SELECT l.provider, l.event_id, COALESCE(e.title, '') "
        "FROM logsource_events AS l LEFT JOIN events AS e "
        "ON e.provider = l.provider AND e.event_id = l.event_id "
        "WHERE l.category = ? ORDER BY l.provider, l.event_id",
        (category,),
    )
    return [(row[0], row[1], row[2]) for row in rows]


def known_fields(corpus: Corpus, logsource: RuleSet) -> dict[str, int] | None:
    """Fields the rules with this log source check; None when there are none."""
    if not logsource:
        return None
    return field_counts(corpus, logsource)


def summarize_fields(
    db: sqlite3.Connection, only: str | None = None
) -> dict[str, FieldUsage]:
    """Per field: rules checking it, by operator, and its names at other vendors."""
    where, args = ("AND p.field = ?", (only,)) if only else ("", ())
    summaries: dict[str, FieldUsage] = {}
    for field_name, rules in db.execute(
        "SELECT field, COUNT(DISTINCT rule) FROM predicates AS p "
        f"WHERE negated = 0 {where} GROUP BY field",
        args,
    ):
        summaries[field_name] = FieldUsage(total_rules=rules)
    for field_name, operator, rules in db.execute(
        "SELECT field, operator, COUNT(DISTINCT rule) AS n FROM predicates AS p "
        f"WHERE negated = 0 {where} GROUP BY field, operator ORDER BY n DESC",
        args,
    ):
        if field_name in summaries:
            summaries[field_name].operators[operator] = rules
    for field_name, vendor, raw_field in db.execute(
        "SELECT p.field, r.vendor, p.raw_field FROM predicates AS p "
        f"JOIN rules AS r ON r.id = p.rule WHERE r.vendor != 'sigma' {where} "
        "GROUP BY p.field, r.vendor, p.raw_field ORDER BY COUNT(*) DESC",
        args,
    ):
        if field_name in summaries:
            names = summaries[field_name].vendor_names.setdefault(vendor, [])
            bare = raw_field.split("|", 1)[0]
            if bare not in names:
                names.append(bare)
    return summaries
