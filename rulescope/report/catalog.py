"""The reference catalogs a report needs, read from the index, and technique lookup.

A technique id is accepted when the ATT&CK catalog knows it or any rule is
tagged with it (the corpus runs ahead of the bundled catalog); anything else
is a :class:`ReportError` that suggests the nearest ids or names.
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
from dataclasses import dataclass, field

from rulescope.index.catalog import Technique, is_technique_id
from rulescope.report import ReportError
from rulescope.report.queries import (
    attack_version,
    event_titles,
    tactic_names,
    tagged_techniques,
)

_CITATION = re.compile(r"\s*\(Citation:[^)]*\)")


@dataclass(slots=True)
class Context:
    """Catalog facts shared by every page: loaded once per command or site."""

    attack_version: str = ""
    #: Every catalog technique id -> name.
    names: dict[str, str] = field(default_factory=dict)
    #: Full records; all of them for a site, the page's own for one report.
    techniques: dict[str, Technique] = field(default_factory=dict)
    tactics: dict[str, str] = field(default_factory=dict)
    events: dict[tuple[str, int], str] = field(default_factory=dict)
    tagged: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, db: sqlite3.Connection, records: bool = True) -> Context:
        """Read the catalogs and tagged ids; ``records`` loads every full record."""
        return cls(
            attack_version=attack_version(db),
            names=dict(db.execute("SELECT id, name FROM techniques").fetchall()),
            techniques=load_records(db) if records else {},
            tactics=tactic_names(db),
            events=event_titles(db),
            tagged=tagged_techniques(db),
        )

    def technique(self, technique_id: str) -> Technique:
        """The catalog record, or a bare one for an id the catalog lacks."""
        known = self.techniques.get(technique_id)
        if known is not None:
            return known
        return Technique(id=technique_id, name="")

    def in_catalog(self, technique_id: str) -> bool:
        """Whether the loaded catalog records know ``technique_id`` (newer ids not)."""
        return technique_id in self.techniques

    def name(self, technique_id: str) -> str:
        """The technique's catalog name, empty when the catalog lacks it."""
        return self.names.get(technique_id, "")

    def resolve(self, text: str) -> str:
        """The technique id ``text`` names, or a ReportError with suggestions."""
        candidate = text.strip().upper()
        if is_technique_id(candidate) and self._exists(candidate):
            return candidate
        wanted = text.strip().lower()
        by_name = [i for i, name in self.names.items() if name.lower() == wanted]
        if len(by_name) == 1:
            return by_name[0]
        raise ReportError(self._unknown_message(text))

    def _exists(self, technique_id: str) -> bool:
        if technique_id in self.names or technique_id in self.tagged:
            return True
        return any(t.split(".")[0] == technique_id for t in self.tagged)

    def _nearest_ids(self, wanted: str) -> list[str]:
        """Ids one transposition away first (T1701 -> T1071), then similar ones."""
        ids = sorted(set(self.names) | self.tagged)
        swapped = [i for i in ids if i != wanted and sorted(i) == sorted(wanted)]
        swapped.sort(key=lambda i: sum(a != b for a, b in zip(i, wanted, strict=True)))
        similar = difflib.get_close_matches(wanted, ids, n=3, cutoff=0.6)
        return list(dict.fromkeys(swapped[:2] + similar))[:3]

    def _unknown_message(self, text: str) -> str:
        near = self._nearest_ids(text.strip().upper())
        names = {name.lower(): i for i, name in self.names.items()}
        for name in difflib.get_close_matches(text.lower(), list(names), n=3):
            if names[name] not in near:
                near.append(names[name])
        hint = ", ".join(f"{i} ({self.name(i)})" if self.name(i) else i for i in near)
        where = f"the ATT&CK v{self.attack_version} catalog or any rule"
        if not hint:
            return f"unknown technique '{text}': not in {where}"
        return f"unknown technique '{text}': not in {where}; nearest: {hint}"


def load_records(
    db: sqlite3.Connection, ids: list[str] | None = None
) -> dict[str, Technique]:
    """Full catalog records: of ``ids``, or of every technique."""
    sql, params = "SELECT * FROM techniques", tuple(ids or ())
    if ids is not None:
        sql += f" WHERE id IN ({','.join('?' * len(ids))})"
    records = {}
    for row in db.execute(sql, params):
        records[row["id"]] = Technique(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            url=row["url"],
            tactics=list(json.loads(row["tactics"])),
            parent=row["parent"],
            deprecated=bool(row["deprecated"]),
            revoked=bool(row["revoked"]),
            revoked_by=row["revoked_by"],
        )
    return records


def first_paragraph(description: str) -> str:
    """A catalog description's first paragraph without its citation markers.

    ATT&CK writes code in its Markdown as HTML ``<code>`` elements: they
    become Markdown code spans, which every output format renders.
    """
    paragraph = description.strip().split("\n\n", 1)[0]
    paragraph = _CODE_ELEMENT.sub(r"`\1`", paragraph)
    return _CITATION.sub("", paragraph).strip()


_CODE_ELEMENT = re.compile(r"<code>(.*?)</code>", re.DOTALL)
