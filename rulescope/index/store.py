"""The SQLite file that holds the index: creating, writing and opening it.

A build writes a fresh file beside the target and moves it into place only
when it is complete, so a failed or interrupted build leaves the previous
index untouched; two builds at once each write their own file. Opening checks
the file's header and checksum first (see ``integrity``), so a truncated or
damaged index is refused with a one-line message instead of wrong answers.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from rulescope.index import integrity
from rulescope.index.catalog import Catalog
from rulescope.index.fields import indicator_key
from rulescope.index.model import Failure, Rule

SCHEMA_VERSION = 3


class IndexUnavailable(Exception):
    """The index file is missing, damaged or of another schema version."""


_REBUILD = "rebuild it with 'rulescope index build'"


def _schema() -> str:
    return resources.files("rulescope.index").joinpath("schema.sql").read_text()


@contextmanager
def writing(target: Path) -> Iterator[IndexWriter]:
    """Write a new index; it replaces ``target`` only if the block completes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    integrity.remove_stale_builds(target)
    handle, temporary = tempfile.mkstemp(
        prefix=integrity.building_prefix(target), suffix=".building", dir=target.parent
    )
    os.close(handle)
    # mkstemp makes the file private; an index is as readable as any file the
    # user creates (the umask decides).
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    connection = sqlite3.connect(temporary)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.executescript(_schema())
        writer = IndexWriter(connection)
        yield writer
        writer.finish()
        connection.commit()
        connection.close()
        integrity.seal(Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        connection.close()
        Path(temporary).unlink(missing_ok=True)
        raise


class IndexWriter:
    """Appends rules, failures and catalogs to an index being built."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._next_rule = 1
        self._meta: dict[str, str] = {"schema_version": str(SCHEMA_VERSION)}

    def set_meta(self, key: str, value: str) -> None:
        """Record a build fact (build time, sources, ATT&CK version)."""
        self._meta[key] = value

    def add_source(self, vendor: str, root: Path, files: int) -> None:
        """Record that a vendor's source was read, and how many files it had."""
        self._db.execute(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?)",
            (vendor, str(root), files),
        )

    def add_rule(self, rule: Rule, rel_path: str) -> int:
        """Store one rule with its techniques, events and predicates."""
        rule_key = self._next_rule
        self._next_rule += 1
        self._db.execute(
            "INSERT INTO rules VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            _rule_row(rule_key, rule, rel_path),
        )
        self._db.executemany(
            "INSERT OR IGNORE INTO rule_techniques VALUES (?, ?, ?)",
            [(rule_key, tid, tid.split(".")[0]) for tid in rule.techniques],
        )
        self._db.executemany(
            "INSERT OR IGNORE INTO rule_tactics VALUES (?, ?)",
            [(rule_key, tactic) for tactic in rule.tactics],
        )
        self._db.executemany(
            "INSERT OR IGNORE INTO rule_events VALUES (?, ?, ?, ?)",
            [(rule_key, e.provider, e.event_id, e.via) for e in rule.events],
        )
        self._db.executemany(
            "INSERT INTO predicates VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    rule_key,
                    p.field,
                    p.operator,
                    p.value,
                    int(p.negated),
                    p.raw_field,
                    p.clause,
                    p.line,
                    *indicator_key(p.field, p.operator, p.value),
                )
                for p in rule.predicates
            ],
        )
        return rule_key

    def add_failure(self, failure: Failure) -> None:
        """Record a file or query that could not be read."""
        self._db.execute(
            "INSERT INTO failures VALUES (?, ?, ?, ?, ?, ?)",
            (
                failure.vendor,
                failure.path,
                failure.reason,
                failure.line,
                failure.column,
                failure.kind,
            ),
        )

    def add_catalog(self, catalog: Catalog) -> None:
        """Copy the reference catalogs into the index."""
        self._meta["attack_version"] = catalog.attack_version
        self._db.executemany(
            "INSERT INTO techniques VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (t.id, t.name, t.description, t.url, json.dumps(t.tactics), t.parent)
                + (int(t.deprecated), int(t.revoked), t.revoked_by)
                for t in catalog.techniques.values()
            ],
        )
        self._db.executemany(
            "INSERT INTO tactics VALUES (?, ?, ?, ?)",
            [
                (t.shortname, t.id, t.name, t.description)
                for t in catalog.tactics.values()
            ],
        )
        self._db.executemany(
            "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?)",
            [(e.provider, e.event_id, e.title, e.channel) for e in catalog.events],
        )
        self._db.executemany(
            "INSERT INTO logsource_events VALUES (?, ?, ?)",
            _logsource_rows(catalog),
        )

    def finish(self) -> None:
        """Write indicator reach and the build facts, once the build succeeded."""
        self._db.execute(_FILL_INDICATORS)
        self._db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)", sorted(self._meta.items())
        )
        self._db.execute("ANALYZE")


_FILL_INDICATORS = """
INSERT INTO indicators
SELECT key_field, key_operator, key_value,
       COUNT(DISTINCT CASE WHEN negated = 0 THEN rule END),
       COUNT(DISTINCT rule) - COUNT(DISTINCT CASE WHEN negated = 0 THEN rule END)
FROM predicates
GROUP BY key_field, key_operator, key_value
"""


def _rule_row(rule_key: int, rule: Rule, rel_path: str) -> tuple[object, ...]:
    error = rule.query_error
    return (
        rule_key,
        rule.vendor,
        rule.path,
        rel_path,
        rule.title,
        rule.rule_id,
        rule.level,
        rule.status,
        rule.language,
        rule.kind,
        rule.description,
        rule.logsource.get("product", ""),
        rule.logsource.get("category", ""),
        rule.logsource.get("service", ""),
        None if error is None else error.reason,
    )


def _logsource_rows(catalog: Catalog) -> Iterable[tuple[str, str, int]]:
    for category, pairs in catalog.category_events.items():
        for provider, event_id in pairs:
            yield category, provider, event_id


def open_index(path: Path) -> sqlite3.Connection:
    """Open an index read-only, checking that it is whole and of this schema."""
    if not path.is_file():
        raise IndexUnavailable(
            f"no index at '{path}': build one with 'rulescope index build'"
        )
    try:
        integrity.check_file(path)
    except (integrity.DamagedIndex, OSError) as exc:
        raise IndexUnavailable(
            f"the index at '{path}' is damaged ({exc}): {_REBUILD}"
        ) from exc
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        row = connection.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise IndexUnavailable(
            f"the index at '{path}' is damaged ({exc}): {_REBUILD}"
        ) from exc
    if row is None or str(row[0]) != str(SCHEMA_VERSION):
        found = "none" if row is None else row[0]
        connection.close()
        raise IndexUnavailable(
            f"the index at '{path}' has schema version {found}, this rulescope "
            f"reads {SCHEMA_VERSION}: {_REBUILD}"
        )
    return connection
