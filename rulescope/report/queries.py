"""SQL for the reports: which rules a page shows, their records, and reach.

Every query is set-based: a page's rules come from one selection (a SQL
fragment with its parameters) reused by each loading query, and corpus reach
for all the indicators of a page is one query; the site computes reach for the
whole index once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rulescope.report.model import (
    PredicateRecord,
    ReachTable,
    RuleRecord,
)


@dataclass(slots=True, frozen=True)
class Selection:
    """A SQL query yielding rule ids (one column, ``rule``), with its parameters."""

    sql: str
    params: tuple[str, ...] = ()


def all_rules(vendors: Sequence[str] = ()) -> Selection:
    """Every rule in the index, optionally of some vendors only."""
    if not vendors:
        return Selection("SELECT id AS rule FROM rules")
    marks = ",".join("?" * len(vendors))
    return Selection(
        f"SELECT id AS rule FROM rules WHERE vendor IN ({marks})", tuple(vendors)
    )


def technique_rules(
    technique: str, exact: bool = False, vendors: Sequence[str] = ()
) -> Selection:
    """The rules tagged with ``technique`` (and, unless exact, its subs)."""
    where = "t.technique = ?" if exact else "(t.technique = ? OR t.parent = ?)"
    params: tuple[str, ...] = (technique,) if exact else (technique, technique)
    sql = f"SELECT DISTINCT t.rule AS rule FROM rule_techniques AS t WHERE {where}"
    if vendors:
        marks = ",".join("?" * len(vendors))
        sql += f" AND t.rule IN (SELECT id FROM rules WHERE vendor IN ({marks}))"
        params += tuple(vendors)
    return Selection(sql, params)


def load_rules(db: sqlite3.Connection, selection: Selection) -> list[RuleRecord]:
    """The selected rules with techniques, tactics, events and predicates."""
    rules = {
        row["id"]: _rule(row)
        for row in db.execute(
            f"SELECT * FROM rules WHERE id IN ({selection.sql}) "
            "ORDER BY vendor, title, rel_path",
            selection.params,
        )
    }
    for row in _rows(db, "rule, technique FROM rule_techniques", selection):
        rules[row[0]].techniques.append(row[1])
    for row in _rows(db, "rule, tactic FROM rule_tactics", selection):
        rules[row[0]].tactics.append(row[1])
    for row in _rows(db, "rule, provider, event_id FROM rule_events", selection):
        rules[row[0]].events.append((row[1], row[2]))
    predicates = (
        "rule, field, operator, value, negated, raw_field, clause, line, "
        "key_field, key_operator, key_value FROM predicates"
    )
    for row in _rows(db, predicates, selection, order="rule"):
        rules[row[0]].predicates.append(_predicate(row))
    return list(rules.values())


def _rows(
    db: sqlite3.Connection, columns: str, selection: Selection, order: str = "1, 2"
) -> list[tuple[Any, ...]]:
    sql = f"SELECT {columns} WHERE rule IN ({selection.sql}) ORDER BY {order}"
    cursor = db.cursor()
    cursor.row_factory = None  # plain tuples: these are the bulk rows
    rows: list[tuple[Any, ...]] = cursor.execute(sql, selection.params).fetchall()
    return rows


def _rule(row: sqlite3.Row) -> RuleRecord:
    return RuleRecord(
        id=row["id"],
        vendor=row["vendor"],
        title=row["title"],
        rule_id=row["rule_id"],
        level=row["level"],
        status=row["status"],
        language=row["language"],
        path=row["path"],
        rel_path=row["rel_path"],
        description=row["description"],
        query_error=row["query_error"],
    )


def _predicate(row: tuple[Any, ...]) -> PredicateRecord:
    return PredicateRecord(
        field=row[1],
        operator=row[2],
        value=row[3],
        negated=bool(row[4]),
        raw_field=row[5],
        clause=row[6],
        line=row[7],
        key=(row[8], row[9], row[10]),
    )


_REACH = """
SELECT i.key_field, i.key_operator, i.key_value, i.reach, i.excluded_by
FROM {source}
"""

_KEYS_OF = """
(SELECT DISTINCT key_field, key_operator, key_value FROM predicates
 WHERE negated = 0 AND rule IN ({selection})) AS k
JOIN indicators AS i USING (key_field, key_operator, key_value)
"""


def corpus_reach(db: sqlite3.Connection, selection: Selection | None) -> ReachTable:
    """Reach across the whole index of every indicator the selection checks.

    With no selection, the reach of every indicator in the index (the site's
    table). A rule that both checks and excludes an indicator counts as reach;
    ``excluded_by`` counts the rules that only exclude it.
    """
    source = "indicators AS i"
    params: tuple[str, ...] = ()
    if selection is not None:
        source = _KEYS_OF.format(selection=selection.sql)
        params = selection.params
    cursor = db.cursor()
    cursor.row_factory = None
    rows = cursor.execute(_REACH.format(source=source), params)
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows}


def tactic_names(db: sqlite3.Connection) -> dict[str, str]:
    """Tactic short name -> display name, in the catalog's (matrix) order."""
    return dict(db.execute("SELECT shortname, name FROM tactics ORDER BY rowid"))


def event_titles(db: sqlite3.Connection) -> dict[tuple[str, int], str]:
    """Catalog event (provider, event id) -> title."""
    return {(r[0], r[1]): r[2] for r in db.execute("SELECT * FROM events")}


def tagged_techniques(db: sqlite3.Connection) -> set[str]:
    """Every technique id some rule is tagged with."""
    return {r[0] for r in db.execute("SELECT DISTINCT technique FROM rule_techniques")}


def rule_counts(
    db: sqlite3.Connection, vendors: Sequence[str] = ()
) -> dict[str, dict[str, int]]:
    """Technique id as tagged -> vendor -> rules tagged with exactly that id."""
    sql = (
        "SELECT t.technique, r.vendor, COUNT(*) FROM rule_techniques AS t "
        "JOIN rules AS r ON r.id = t.rule"
    )
    params: tuple[str, ...] = ()
    if vendors:
        sql += f" WHERE r.vendor IN ({','.join('?' * len(vendors))})"
        params = tuple(vendors)
    counts: dict[str, dict[str, int]] = {}
    for technique, vendor, rules in db.execute(sql + " GROUP BY 1, 2", params):
        counts.setdefault(technique, {})[vendor] = rules
    return counts


def inclusive_counts(
    db: sqlite3.Connection, vendors: Sequence[str] = ()
) -> dict[str, int]:
    """Technique id -> distinct rules on its page (itself and its subs)."""
    sql = (
        "SELECT id, COUNT(DISTINCT rule) FROM ("
        " SELECT technique AS id, rule FROM rule_techniques"
        " UNION SELECT parent AS id, rule FROM rule_techniques)"
    )
    params: tuple[str, ...] = ()
    if vendors:
        marks = ",".join("?" * len(vendors))
        sql += f" WHERE rule IN (SELECT id FROM rules WHERE vendor IN ({marks}))"
        params = tuple(vendors)
    return dict(db.execute(sql + " GROUP BY id", params).fetchall())


def attack_version(db: sqlite3.Connection) -> str:
    """The ATT&CK version of the catalog copied into the index."""
    row = db.execute("SELECT value FROM meta WHERE key = 'attack_version'").fetchone()
    return str(row[0]) if row else ""
