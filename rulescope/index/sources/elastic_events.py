"""Log source and catalog events of an Elastic rule, best effort.

Elastic rules filter on ``event.category``/``event.type``/``event.action``,
rarely on event ids, so the links are made only where they are clear.

Log source (a Sigma-shaped ``{"product": ..., "category": ...}``):

- product: the ``OS: Windows|Linux|macOS`` tag, else a positive
  ``host.os.type`` (or ``host.os.family``) test, else the first integration.
- category: the EQL event category (``process where``) or a positive
  ``event.category`` test, mapped below; ``process`` needs a start test
  (``event.type`` ``start``/``process_started``) to be ``process_creation``.

================  ======================
Elastic category  Sigma category
================  ======================
process + start   process_creation
network + dns.*   dns_query
dns               dns_query
network           network_connection
file              file_event
registry          registry_event
library           image_load
driver            driver_load
================  ======================

Events:

- ``event.code`` tested (positively) against a number: the event of that id,
  its provider from an ``event.provider``/``winlog.provider_name`` test, else
  the one data source of the rule whose ids include it (table
  ``_DATA_SOURCES``), else ``""``.
- A Windows ``process_creation`` rule touches Sysmon 1 and Security 4688
  (``via="category"``); the index build adds the catalog events of the
  other categories.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from rulescope.index.model import EventRef, Predicate

SYSMON: Final = "Microsoft-Windows-Sysmon"
SECURITY: Final = "Microsoft-Windows-Security-Auditing"
POWERSHELL: Final = "Microsoft-Windows-PowerShell"
SERVICE_CONTROL_MANAGER: Final = "Service Control Manager"

#: provider -> (index pattern prefixes, ``Data Source:`` tags, event ids it writes).
_DATA_SOURCES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...], range]]] = {
    SYSMON: (("logs-windows.sysmon_operational",), ("Sysmon",), range(1, 256)),
    SECURITY: (
        ("logs-system.security",),
        ("Windows Security Event Logs", "Active Directory"),
        range(1100, 6500),
    ),
    POWERSHELL: (("logs-windows.powershell",), ("PowerShell Logs",), range(4100, 4107)),
    SERVICE_CONTROL_MANAGER: (("logs-system.system",), (), range(7000, 7100)),
}
_CATEGORIES: Final = {
    "dns": "dns_query",
    "network": "network_connection",
    "file": "file_event",
    "registry": "registry_event",
    "library": "image_load",
    "driver": "driver_load",
}
_START_TYPES: Final = frozenset({"start", "process_started"})
_OS_TAGS: Final = {"OS: Windows": "windows", "OS: Linux": "linux", "OS: macOS": "macos"}
_PROVIDER_FIELDS: Final = frozenset({"event.provider", "winlog.provider_name"})
_PROCESS_CREATION: Final = ((SYSMON, 1), (SECURITY, 4688))


def positive_values(predicates: Iterable[Predicate], raw_field: str) -> list[str]:
    """Values a rule tests ``raw_field`` for equality, outside exclusions."""
    return [
        p.value
        for p in predicates
        if p.raw_field == raw_field and p.operator in ("eq", "in") and not p.negated
    ]


def logsource(
    tags: Sequence[str],
    integrations: Sequence[str],
    categories: Sequence[str],
    predicates: Sequence[Predicate],
) -> dict[str, str]:
    """The rule's log source: product and, where clear, a Sigma category."""
    source: dict[str, str] = {}
    product = next((_OS_TAGS[t] for t in tags if t in _OS_TAGS), "")
    os_types = positive_values(predicates, "host.os.type")
    os_types += positive_values(predicates, "host.os.family")
    product = product or (os_types[0].lower() if os_types else "")
    product = product or (integrations[0] if integrations else "")
    if product:
        source["product"] = product

    category = _category(categories, predicates)
    if category:
        source["category"] = category
    return source


def _category(categories: Sequence[str], predicates: Sequence[Predicate]) -> str:
    """The Sigma category of the first Elastic category that maps onto one."""
    tested = [*categories, *positive_values(predicates, "event.category")]
    starts = _START_TYPES & set(positive_values(predicates, "event.type"))
    looks_up_names = any(
        p.raw_field.startswith("dns.") and not p.negated for p in predicates
    )
    for category in tested:
        if category == "process" and starts:
            return "process_creation"
        if category == "network" and looks_up_names:
            return "dns_query"
        if category in _CATEGORIES:
            return _CATEGORIES[category]
    return ""


def events(
    source: dict[str, str],
    tags: Sequence[str],
    indexes: Sequence[str],
    predicates: Sequence[Predicate],
) -> list[EventRef]:
    """Catalog events from ``event.code`` tests and a Windows process start."""
    found: list[EventRef] = []
    providers = positive_values(predicates, "event.provider")
    providers += positive_values(predicates, "winlog.provider_name")
    candidates = providers or _data_source_providers(tags, indexes)
    for code in positive_values(predicates, "event.code"):
        if code.isdigit():
            event_id = int(code)
            provider = _provider_for(event_id, candidates, bool(providers))
            found.append(EventRef(provider, event_id, "predicate"))

    windows_start = source.get("product") == "windows"
    if windows_start and source.get("category") == "process_creation":
        found += [EventRef(p, i, "category") for p, i in _PROCESS_CREATION]
    return list(dict.fromkeys(found))


def _data_source_providers(tags: Sequence[str], indexes: Sequence[str]) -> list[str]:
    """Providers whose index pattern or ``Data Source:`` tag the rule names."""
    names = {t.removeprefix("Data Source: ") for t in tags}
    return [
        provider
        for provider, (prefixes, tag_names, _ids) in _DATA_SOURCES.items()
        if names & set(tag_names) or any(i.startswith(prefixes) for i in indexes)
    ]


def _provider_for(event_id: int, candidates: list[str], explicit: bool) -> str:
    """The one candidate provider that writes ``event_id``, else ``""``."""
    if explicit:
        return candidates[0] if len(candidates) == 1 else ""
    writers = [p for p in candidates if event_id in _DATA_SOURCES[p][2]]
    return writers[0] if len(writers) == 1 else ""
