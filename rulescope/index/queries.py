"""Questions asked of a built index: its statistics and an indicator's reach."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from rulescope.index.fields import canonical_field, indicator_key, normalize_predicate
from rulescope.index.model import VENDORS


def index_stats(db: sqlite3.Connection) -> dict[str, Any]:
    """Per vendor: files read, rules, rules with predicates, predicates, failures."""
    vendors: dict[str, dict[str, Any]] = {}
    for row in db.execute("SELECT vendor, files FROM sources ORDER BY vendor"):
        vendors[row["vendor"]] = {
            "files": row["files"],
            "rules": 0,
            "rules_with_predicates": 0,
            "predicates": 0,
            "canonical_predicates": 0,
            "failures": [],
        }
    for row in db.execute(_RULE_COUNTS):
        vendors.setdefault(row["vendor"], _empty_vendor()).update(
            rules=row["rules"],
            rules_with_predicates=row["with_predicates"] or 0,
            predicates=row["predicates"] or 0,
            canonical_predicates=row["canonical"] or 0,
        )
    for row in db.execute(
        "SELECT vendor, path, reason, line, col, kind FROM failures "
        "ORDER BY vendor, kind, path"
    ):
        vendors.setdefault(row["vendor"], _empty_vendor())["failures"].append(
            {
                "path": row["path"],
                "reason": row["reason"],
                "line": row["line"],
                "column": row["col"],
                "kind": row["kind"],
            }
        )
    for counts in vendors.values():
        counts["failures_by_reason"] = _by_reason(counts["failures"])
    for row in db.execute(_UNMAPPED_FIELDS):
        vendor, field_name = row["field"].split(":", 1)
        unmapped = vendors.setdefault(vendor, _empty_vendor())
        unmapped.setdefault("unmapped_fields", {})[field_name] = row["predicates"]
    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    return {
        "vendors": vendors,
        "built_at": meta.get("built_at", ""),
        "attack_version": meta.get("attack_version", ""),
        "schema_version": int(meta.get("schema_version", 0)),
    }


_RULE_COUNTS = """
SELECT r.vendor,
       COUNT(*) AS rules,
       SUM(p.n > 0) AS with_predicates,
       SUM(p.n) AS predicates,
       SUM(p.canonical) AS canonical
FROM rules AS r
LEFT JOIN (
    SELECT rule, COUNT(*) AS n, SUM(instr(field, ':') = 0) AS canonical
    FROM predicates GROUP BY rule
) AS p ON p.rule = r.id
GROUP BY r.vendor ORDER BY r.vendor
"""


#: Fields no map turned canonical, kept as ``vendor:name``: the most used per
#: vendor, so a reviewer sees what the field map lacks.
_UNMAPPED_FIELDS = """
SELECT field, predicates FROM (
    SELECT field, COUNT(*) AS predicates,
           ROW_NUMBER() OVER (
               PARTITION BY substr(field, 1, instr(field, ':') - 1)
               ORDER BY COUNT(*) DESC, field
           ) AS place
    FROM predicates WHERE instr(field, ':') > 0 GROUP BY field
) WHERE place <= 20 ORDER BY field
"""


_CLAUSE_PREFIX = re.compile(r"^\w+\[\d+\]: ")


def _by_reason(failures: list[dict[str, Any]]) -> dict[str, int]:
    """Failures counted by reason, without the clause a query reason names."""
    counts: dict[str, int] = {}
    for failure in failures:
        reason = _CLAUSE_PREFIX.sub("", str(failure["reason"]))
        counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def _empty_vendor() -> dict[str, Any]:
    return {
        "files": 0,
        "rules": 0,
        "rules_with_predicates": 0,
        "predicates": 0,
        "canonical_predicates": 0,
        "failures": [],
    }


@dataclass(slots=True)
class Reach:
    """How many rules of the whole index check one indicator, and which."""

    field: str
    operator: str
    value: str
    corpus_reach: int = 0
    excluded_by: int = 0
    by_vendor: dict[str, int] = dataclasses.field(default_factory=dict)
    techniques: dict[str, int] = dataclasses.field(default_factory=dict)
    rules: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The JSON shape of ``rulescope reach --json``."""
        return {
            "field": self.field,
            "operator": self.operator,
            "value": self.value,
            "corpus_reach": self.corpus_reach,
            "by_vendor": self.by_vendor,
            "excluded_by": self.excluded_by,
            "techniques": self.techniques,
            "rules": self.rules,
        }


def resolve_field(raw_field: str) -> str:
    """Any vendor's name for a field, as the index stores it."""
    for vendor in ("elastic", "splunk", "sentinel"):
        field_name = canonical_field(vendor, raw_field)
        if field_name != raw_field and ":" not in field_name:
            return field_name
    return raw_field


def indicator_reach(
    db: sqlite3.Connection, raw_field: str, operator: str, value: str
) -> Reach:
    """The reach of ``(field, operator, value)``, the field in any vendor's naming."""
    field_name = resolve_field(raw_field)
    vendor = _vendor_naming(raw_field, field_name)
    if vendor:
        field_name, operator, value = normalize_predicate(
            vendor, raw_field, operator, value
        )
    key = indicator_key(field_name, operator, value)
    reach = Reach(field_name, operator, value)
    rows = db.execute(_REACH_RULES, key).fetchall()
    for row in rows:
        if not row["checks"]:
            reach.excluded_by += 1
            continue
        reach.corpus_reach += 1
        reach.by_vendor[row["vendor"]] = reach.by_vendor.get(row["vendor"], 0) + 1
        reach.rules.append(
            {
                "title": row["title"],
                "vendor": row["vendor"],
                "path": row["rel_path"],
            }
        )
    reach.techniques = _reach_techniques(db, key)
    reach.by_vendor = {v: reach.by_vendor[v] for v in VENDORS if v in reach.by_vendor}
    return reach


def _vendor_naming(raw_field: str, field_name: str) -> str:
    if field_name == raw_field:
        return ""
    for vendor in ("elastic", "splunk", "sentinel"):
        if canonical_field(vendor, raw_field) == field_name:
            return vendor
    return ""


_REACH_RULES = """
SELECT r.id, r.vendor, r.title, r.rel_path, MAX(p.negated = 0) AS checks
FROM predicates AS p JOIN rules AS r ON r.id = p.rule
WHERE p.key_field = ? AND p.key_operator = ? AND p.key_value = ?
GROUP BY r.id
ORDER BY r.vendor, r.title
"""

_REACH_TECHNIQUES = """
SELECT t.technique, COUNT(DISTINCT t.rule) AS rules
FROM predicates AS p JOIN rule_techniques AS t ON t.rule = p.rule
WHERE p.key_field = ? AND p.key_operator = ? AND p.key_value = ? AND p.negated = 0
GROUP BY t.technique ORDER BY rules DESC, t.technique
"""


def _reach_techniques(
    db: sqlite3.Connection, key: tuple[str, str, str]
) -> dict[str, int]:
    return {row[0]: row[1] for row in db.execute(_REACH_TECHNIQUES, key)}
