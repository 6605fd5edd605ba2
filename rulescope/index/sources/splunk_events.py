"""Windows events and a Sigma-style log source for a Splunk detection.

Events come from ``data_source`` names: the event catalog's
``splunk_data_source`` lists map a name ("Sysmon EventID 1") to its
(provider, event id); names the catalog lacks fall back to their shape
("Windows Security 5136", "NTLM Operational 8004,8005,8006"). Combined names
("Sysmon EventID 1 AND Sysmon EventID 11") are split. An explicit
``EventCode=4688`` adds the event of the channel the search reads (from its
``source``/``eventtype`` hints) or of a data source with that id.

The log source is a best effort: the category from the data model
(``Endpoint.Processes`` is ``process_creation``) or else from the catalog's
Sigma log sources of the first data-source event; the product from the
data-source names.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from rulescope.index.model import EventRef

logger = logging.getLogger(__name__)

VIA_DATA_SOURCE: Final = "data_source"
VIA_PREDICATE: Final = "predicate"

#: Data-source names the catalog lacks: shape -> provider.
_NAME_SHAPES: Final = (
    (re.compile(r"^Sysmon EventID ([\d, ]+)$"), "Microsoft-Windows-Sysmon"),
    (
        re.compile(r"^Windows (?:Event Log )?Security ([\d, ]+)$"),
        "Microsoft-Windows-Security-Auditing",
    ),
    (
        re.compile(r"^Windows Event Log Defender ([\d, ]+)$"),
        "Microsoft-Windows-Windows Defender",
    ),
    (re.compile(r"^NTLM Operational ([\d, ]+)$"), "Microsoft-Windows-NTLM"),
    (
        re.compile(r"^Powershell Script Block Logging ([\d, ]+)$"),
        "Microsoft-Windows-PowerShell",
    ),
)
#: Last data-model node -> Sigma log source category.
_DATAMODEL_CATEGORIES: Final = {
    "processes": "process_creation",
    "registry": "registry_event",
    "filesystem": "file_event",
    "network_resolution": "dns_query",
    "dns": "dns_query",
    "network_traffic": "network_connection",
    "all_traffic": "network_connection",
}
#: Data-source name prefix -> Sigma product, first match wins.
_PRODUCTS: Final = (
    ("Sysmon for Linux", "linux"),
    ("Linux", "linux"),
    ("Sysmon EventID", "windows"),
    ("Windows", "windows"),
    ("Powershell", "windows"),
    ("NTLM", "windows"),
    ("AWS", "aws"),
    ("Azure", "azure"),
    ("O365", "m365"),
    ("Office 365", "m365"),
    ("Okta", "okta"),
    ("Google Workspace", "gcp"),
    ("G Suite", "gcp"),
    ("GitHub", "github"),
    ("Kubernetes", "kubernetes"),
)
_EVENTTYPE_CHANNEL: Final = re.compile(r"^(?:xml)?wineventlog[_:](\w+)$", re.IGNORECASE)


class EventCatalog:
    """The Splunk-facing part of the Windows event catalog."""

    def __init__(self, records: Iterable[dict[str, Any]] = ()) -> None:
        self.by_name: dict[str, list[tuple[str, int]]] = {}
        self.by_channel: dict[tuple[str, int], str] = {}
        self.categories: dict[tuple[str, int], str] = {}
        for record in records:
            self._add(record)

    @classmethod
    def load(cls, path: Path) -> EventCatalog:
        """Read the catalog JSON; a missing or bad file gives an empty catalog."""
        try:
            records = json.loads(path.read_text(encoding="utf-8"))["events"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("event catalog '%s' unreadable (%s); shapes only", path, exc)
            return cls()
        return cls(records)

    def _add(self, record: dict[str, Any]) -> None:
        channel = str(record.get("channel") or "")
        provider = record.get("provider") or (
            channel.split("/")[0] if "/" in channel else ""
        )
        event_id = record.get("event_id")
        if not provider or not isinstance(event_id, int):
            return
        key = (provider, event_id)
        for name in record.get("splunk_data_source") or ():
            self.by_name.setdefault(name, []).append(key)
        if channel:
            self.by_channel.setdefault((channel.lower(), event_id), provider)
        for logsource in record.get("sigma_logsources") or ():
            self.categories.setdefault(key, str(logsource.get("category", "")))

    def data_source_events(self, names: Iterable[str]) -> list[EventRef]:
        """The events a rule's ``data_source`` names stand for."""
        events: list[EventRef] = []
        for combined in names:
            for name in re.split(r"\s+AND\s+", combined.strip()):
                for provider, event_id in self._named(name):
                    _append(events, EventRef(provider, event_id, VIA_DATA_SOURCE))
        return events

    def _named(self, name: str) -> list[tuple[str, int]]:
        if name in self.by_name:
            return self.by_name[name]
        for shape, provider in _NAME_SHAPES:
            matched = shape.match(name)
            if matched:
                ids = re.findall(r"\d+", matched.group(1))
                return [(provider, int(event_id)) for event_id in ids]
        return []

    def code_events(
        self, codes: Iterable[int], hints: Iterable[str], known: list[EventRef]
    ) -> list[EventRef]:
        """Events of explicit ``EventCode`` values, on the channels the search reads."""
        channels = {_channel(hint) for hint in hints} - {""}
        events: list[EventRef] = list(known)
        for code in codes:
            providers = {self.by_channel.get((c, code), "") for c in channels} - {""}
            if not providers:
                providers = {e.provider for e in known if e.event_id == code}
            for provider in sorted(providers):
                _append(events, EventRef(provider, code, VIA_PREDICATE))
        return events[len(known) :]

    def logsource(
        self, datamodels: list[str], names: list[str], events: list[EventRef]
    ) -> dict[str, str]:
        """A best-effort Sigma log source: product and category."""
        logsource: dict[str, str] = {}
        product = next(
            (p for name in names for prefix, p in _PRODUCTS if name.startswith(prefix)),
            "",
        )
        if product:
            logsource["product"] = product
        category = _datamodel_category(datamodels) or next(
            (
                self.categories[(e.provider, e.event_id)]
                for e in events
                if (e.provider, e.event_id) in self.categories
            ),
            "",
        )
        if category:
            logsource["category"] = category
        return logsource


def _datamodel_category(datamodels: list[str]) -> str:
    """The category of the most specific data-model node named."""
    for datamodel in datamodels:
        for node in reversed(datamodel.lower().split(".")):
            if node in _DATAMODEL_CATEGORIES:
                return _DATAMODEL_CATEGORIES[node]
    return ""


def _channel(hint: str) -> str:
    """The event-log channel a ``source``/``eventtype``/``Channel`` value names."""
    matched = _EVENTTYPE_CHANNEL.match(hint)
    if matched:
        return matched.group(1).lower()
    return hint.split(":", 1)[-1].lower() if hint else ""


def _append(events: list[EventRef], event: EventRef) -> None:
    if all(
        (e.provider, e.event_id) != (event.provider, event.event_id) for e in events
    ):
        events.append(event)
