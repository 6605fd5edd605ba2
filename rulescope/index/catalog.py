"""Reference catalogs: ATT&CK techniques and tactics, Windows events, log sources.

Read from the reference folder (``RULESCOPE_REFERENCE``, else ``reference``
beside the corpus folder) at build time and copied into the index, so every
reader needs the index file alone.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

TECHNIQUES_FILE = Path("attack/enterprise-techniques-18.1.json")
EVENTS_FILE = Path("events/catalog/windows-event-catalog.json")
LOGSOURCES_FILE = Path("events/catalog/sigma-logsource-to-events.json")

_TECHNIQUE_ID = re.compile(r"^T\d{4}(\.\d{3})?$")


@dataclass(slots=True)
class Technique:
    """An ATT&CK technique or sub-technique as the catalog knows it."""

    id: str
    name: str
    description: str = ""
    url: str = ""
    tactics: list[str] = field(default_factory=list)
    parent: str = ""
    deprecated: bool = False
    revoked: bool = False
    revoked_by: str = ""


@dataclass(slots=True)
class Tactic:
    """An ATT&CK tactic, known by its short name (``command-and-control``)."""

    shortname: str
    id: str
    name: str
    description: str = ""


@dataclass(slots=True)
class Event:
    """One catalog event: provider, event id and title."""

    provider: str
    event_id: int
    title: str
    channel: str = ""


@dataclass(slots=True)
class Catalog:
    """Everything the build needs from the reference folder."""

    attack_version: str = ""
    techniques: dict[str, Technique] = field(default_factory=dict)
    tactics: dict[str, Tactic] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    #: Sigma log source category -> [(provider, event id)].
    category_events: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    #: Sigma log source service -> provider (``sysmon`` -> Microsoft-Windows-Sysmon).
    service_providers: dict[str, str] = field(default_factory=dict)


def is_technique_id(text: str) -> bool:
    """Whether ``text`` has the shape of a technique id (``T1059`` or ``T1059.001``)."""
    return bool(_TECHNIQUE_ID.match(text))


def default_reference_dir(corpus_dir: Path | None = None) -> Path:
    """The reference folder: ``RULESCOPE_REFERENCE``, else beside the corpus.

    A corpus copied elsewhere (a temporary folder, the download cache) has no
    reference beside it: then the local mirror ``../shared/reference``.
    """
    configured = os.environ.get("RULESCOPE_REFERENCE")
    if configured:
        return Path(configured)
    if corpus_dir is not None and (corpus_dir.parent / "reference").is_dir():
        return corpus_dir.parent / "reference"
    return Path("../shared/reference")


def load_catalog(reference_dir: Path) -> Catalog:
    """Read the ATT&CK and event catalogs; a missing file leaves its part empty."""
    catalog = Catalog()
    attack = _read_json(reference_dir / TECHNIQUES_FILE)
    if attack:
        _load_attack(catalog, attack)
    events = _read_json(reference_dir / EVENTS_FILE)
    if events:
        catalog.events = [_event(record) for record in events["events"]]
    logsources = _read_json(reference_dir / LOGSOURCES_FILE)
    if logsources:
        _load_logsources(catalog, logsources)
    return catalog


def _read_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:
            return json.load(stream)
    except FileNotFoundError:
        logger.warning("reference file '%s' is missing; its catalog stays empty", path)
    except (OSError, ValueError) as exc:
        logger.warning("reference file '%s' is unreadable: %s", path, exc)
    return None


def _load_attack(catalog: Catalog, attack: dict[str, Any]) -> None:
    catalog.attack_version = str(attack.get("meta", {}).get("attack_version", ""))
    for record in attack.get("tactics", []):
        tactic = Tactic(
            shortname=record["shortname"],
            id=record["id"],
            name=record["name"],
            description=record.get("description", ""),
        )
        catalog.tactics[tactic.shortname] = tactic
    for record in attack.get("techniques", []):
        technique = Technique(
            id=record["id"],
            name=record["name"],
            description=record.get("description", ""),
            url=record.get("url", ""),
            tactics=list(record.get("tactics") or []),
            parent=record.get("parent") or "",
            deprecated=bool(record.get("deprecated")),
            revoked=bool(record.get("revoked")),
            revoked_by=record.get("revoked_by") or "",
        )
        catalog.techniques[technique.id] = technique


def _event(record: dict[str, Any]) -> Event:
    return Event(
        provider=record.get("provider") or "",
        event_id=int(record["event_id"]),
        title=record.get("title") or "",
        channel=record.get("channel") or "",
    )


def _load_logsources(catalog: Catalog, logsources: dict[str, Any]) -> None:
    for category, mappings in logsources.get("categories", {}).items():
        pairs = [
            (mapping["provider"], int(event_id))
            for mapping in mappings
            for event_id in mapping.get("event_ids", [])
            if mapping.get("provider")
        ]
        catalog.category_events[category] = pairs
        for mapping in mappings:
            service, provider = mapping.get("service"), mapping.get("provider")
            if service and provider:
                catalog.service_providers.setdefault(service, provider)
