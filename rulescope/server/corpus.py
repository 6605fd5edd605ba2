"""Index queries the editor features ask, with in-memory caches.

Every query is answered from the index's own indexes (``predicates_key``,
``predicates_field``, ``predicates_rule``, ``rule_techniques_*``); the sets of
rules under a technique list or a log source are computed once per session
and kept, since an author asks about the same rule many times.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from rulescope.index.fields import indicator_key
from rulescope.index.model import VENDORS
from rulescope.index.store import open_index

logger = logging.getLogger(__name__)

RuleSet = frozenset[int]
_LOGSOURCE_KEYS: Final = ("category", "product", "service")


@dataclass(slots=True, frozen=True)
class TechniqueInfo:
    """A catalog technique as hover shows it."""

    id: str
    name: str
    description: str
    tactics: tuple[str, ...]
    deprecated: bool
    revoked: bool
    revoked_by: str
    url: str


@dataclass(slots=True)
class IndicatorReach:
    """One indicator's reach in the corpus and among the rules here."""

    corpus_reach: int = 0
    excluded_by: int = 0
    rules_here: int = 0
    by_vendor: dict[str, int] = field(default_factory=dict)
    examples: list[tuple[str, str, str]] = field(default_factory=list)


def _ids(rules: RuleSet) -> str:
    """An SQL list of rule ids (integers only, so safe to inline)."""
    return ",".join(str(int(rule)) for rule in rules) or "NULL"


class Corpus:
    """A read-only index and the questions the server asks of it."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        self.attack_version: str = meta.get("attack_version", "")
        self.rule_count: int = db.execute("SELECT COUNT(*) FROM rules").fetchone()[0]
        self._field_summaries: dict[str, Any] = {}

    @classmethod
    def open(cls, path: Path) -> Corpus:
        """Open the index at ``path``; raises ``IndexUnavailable``."""
        return cls(open_index(path), path)

    def field_summaries(self) -> dict[str, Any]:
        """Per-field summaries once :meth:`prepare` has built them, else empty."""
        return self._field_summaries

    def prepare(self) -> None:
        """Build the per-field summaries on a connection of the calling thread."""
        from rulescope.server.corpus_fields import summarize_fields

        started = time.perf_counter()
        db = open_index(self.path)
        try:
            self._field_summaries = summarize_fields(db)
        finally:
            db.close()
        elapsed = (time.perf_counter() - started) * 1000
        logger.info(
            "summarized %d fields in %.0f ms", len(self._field_summaries), elapsed
        )

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    @lru_cache(maxsize=4096)  # noqa: B019  (one Corpus per session)
    def technique(self, technique_id: str) -> TechniqueInfo | None:
        """The catalog entry of a technique id (``T1059.001``)."""
        row = self.db.execute(
            "SELECT * FROM techniques WHERE id = ?", (technique_id.upper(),)
        ).fetchone()
        if row is None:
            return None
        return TechniqueInfo(
            row["id"],
            row["name"],
            row["description"],
            tuple(json.loads(row["tactics"])),
            bool(row["deprecated"]),
            bool(row["revoked"]),
            row["revoked_by"],
            row["url"],
        )

    @lru_cache(maxsize=1)  # noqa: B019
    def tactics(self) -> dict[str, tuple[str, str, str]]:
        """Tactic short name -> (id, name, description)."""
        rows = self.db.execute("SELECT shortname, id, name, description FROM tactics")
        return {row[0]: (row[1], row[2], row[3]) for row in rows}

    @lru_cache(maxsize=1)  # noqa: B019
    def technique_names(self) -> list[tuple[str, str, int]]:
        """Every live technique: (id, name, rules tagging it), most used first."""
        rows = self.db.execute(
            "SELECT t.id, t.name, COUNT(rt.rule) AS n FROM techniques AS t "
            "LEFT JOIN rule_techniques AS rt ON rt.technique = t.id "
            "WHERE t.deprecated = 0 AND t.revoked = 0 "
            "GROUP BY t.id ORDER BY n DESC, t.id"
        )
        return [(row[0], row[1], row[2]) for row in rows]

    @lru_cache(maxsize=256)  # noqa: B019
    def rules_under(self, techniques: tuple[str, ...]) -> RuleSet:
        """Rules tagged with one of ``techniques`` or a sub-technique of one."""
        if not techniques:
            return frozenset()
        marks = ",".join("?" * len(techniques))
        rows = self.db.execute(
            f"SELECT rule FROM rule_techniques WHERE technique IN ({marks}) "
            f"UNION SELECT rule FROM rule_techniques WHERE parent IN ({marks})",
            techniques + techniques,
        )
        return frozenset(row[0] for row in rows)

    @lru_cache(maxsize=64)  # noqa: B019
    def rules_with_logsource(self, logsource: tuple[tuple[str, str], ...]) -> RuleSet:
        """Rules whose log source has every given (key, value)."""
        wanted = [(k, v) for k, v in logsource if k in _LOGSOURCE_KEYS]
        if not wanted:
            return frozenset()
        where = " AND ".join(f"{key} = ?" for key, _ in wanted)
        rows = self.db.execute(
            f"SELECT id FROM rules WHERE {where}", [v for _, v in wanted]
        )
        return frozenset(row[0] for row in rows)

    def vendor_counts(self, rules: RuleSet) -> dict[str, int]:
        """How many of ``rules`` each vendor wrote, in vendor order."""
        rows = self.db.execute(
            f"SELECT vendor, COUNT(*) FROM rules WHERE id IN ({_ids(rules)}) "
            "GROUP BY vendor"
        )
        counts = dict(rows.fetchall())
        return {vendor: counts[vendor] for vendor in VENDORS if vendor in counts}

    def top_fields(self, rules: RuleSet, limit: int = 8) -> list[tuple[str, int]]:
        """Fields ``rules`` check most, by the number of rules checking them."""
        rows = self.db.execute(
            "SELECT field, COUNT(DISTINCT rule) AS n FROM predicates "
            f"WHERE rule IN ({_ids(rules)}) AND negated = 0 "
            "GROUP BY field ORDER BY n DESC, field LIMIT ?",
            (limit,),
        )
        return [(row[0], row[1]) for row in rows]

    def events_of(
        self, rules: RuleSet, limit: int = 6
    ) -> list[tuple[str, int, str, int]]:
        """Events ``rules`` touch: (provider, event id, title, rules), most first."""
        rows = self.db.execute(
            "SELECT re.provider, re.event_id, COALESCE(e.title, ''), "
            "COUNT(DISTINCT re.rule) AS n FROM rule_events AS re "
            "LEFT JOIN events AS e ON e.provider = re.provider "
            "AND e.event_id = re.event_id "
            f"WHERE re.rule IN ({_ids(rules)}) "
            "GROUP BY re.provider, re.event_id ORDER BY n DESC LIMIT ?",
            (limit,),
        )
        return [(row[0], row[1], row[2], row[3]) for row in rows]

    @lru_cache(maxsize=4096)  # noqa: B019
    def reach(
        self,
        field_name: str,
        operator: str,
        value: str,
        here: RuleSet,
        exclude: RuleSet = frozenset(),
    ) -> IndicatorReach:
        """Corpus reach of an indicator, and its rules among ``here``.

        Rules in ``exclude`` (the edited rule's own indexed version) are left
        out, so a rule never counts against itself.
        """
        key = indicator_key(field_name, operator, value)
        rows = self.db.execute(_REACH, key).fetchall()
        reach = IndicatorReach()
        for row in rows:
            if row["id"] in exclude:
                continue
            if not row["checks"]:
                reach.excluded_by += 1
                continue
            reach.corpus_reach += 1
            reach.rules_here += row["id"] in here
            vendor = row["vendor"]
            reach.by_vendor[vendor] = reach.by_vendor.get(vendor, 0) + 1
            if len(reach.examples) < 3:
                reach.examples.append((vendor, row["title"], row["rel_path"]))
        return reach

    def corpus_reach(
        self,
        field_name: str,
        operator: str,
        value: str,
        exclude: RuleSet = frozenset(),
    ) -> int:
        """How many rules check the indicator (not negated), ``exclude`` left out."""
        return self.reach(
            field_name, operator, value, frozenset(), exclude
        ).corpus_reach


_REACH = """
SELECT r.id, r.vendor, r.title, r.rel_path, MAX(p.negated = 0) AS checks
FROM predicates AS p JOIN rules AS r ON r.id = p.rule
WHERE p.key_field = ? AND p.key_operator = ? AND p.key_value = ?
GROUP BY r.id
ORDER BY r.vendor = 'sigma' DESC, r.title
"""
