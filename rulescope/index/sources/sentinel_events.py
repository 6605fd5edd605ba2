"""Which catalog events and log source a Sentinel query's tables stand for.

Tables and how they link to events (``EventRef.via == "table"``):

=====================  ==================================================
``SecurityEvent``      Security-Auditing, ids from ``EventID == / in``
``WindowsEvent``       the ``Provider ==`` value (Security-Auditing when
                       none is given), ids from ``EventID``
``Event``              the ``Source ==`` value (``Microsoft-Windows-Sysmon``
                       for Sysmon), ids from ``EventID``; nothing without
                       a ``Source`` test
``DeviceProcessEvents``   Sysmon 1 and Security 4688 (process_creation)
``DeviceNetworkEvents``   Sysmon 3 (network_connection)
``DeviceRegistryEvents``  Sysmon 12, 13, 14 (registry_event)
``DeviceFileEvents``      Sysmon 11 (file_event)
``DeviceImageLoadEvents`` Sysmon 7 (image_load)
=====================  ==================================================

A ``where`` filters the rows of its own pipeline and of the union branches
and subqueries that pipeline starts from, so the ids a table contributes
are read from its scope and every enclosing source scope. Only tests that
are not negated count.

The log source is ``{"product": <table>}`` for the first table the last
(result) statement reads, through its ``let`` and union sources, plus
``category`` when that table is one of the ``Device*`` tables above.
"""

from __future__ import annotations

from typing import Final

from rulescope.index.model import EventRef
from rulescope.index.sources.sentinel_kql import QueryWalk, Scope, first_table
from rulescope.index.sources.sentinel_kql_expr import Leaf

SECURITY: Final = "Microsoft-Windows-Security-Auditing"
SYSMON: Final = "Microsoft-Windows-Sysmon"

#: Device* table -> (Sigma category, events it records).
DEVICE_TABLES: Final[dict[str, tuple[str, tuple[tuple[str, int], ...]]]] = {
    "DeviceProcessEvents": ("process_creation", ((SYSMON, 1), (SECURITY, 4688))),
    "DeviceNetworkEvents": ("network_connection", ((SYSMON, 3),)),
    "DeviceRegistryEvents": (
        "registry_event",
        ((SYSMON, 12), (SYSMON, 13), (SYSMON, 14)),
    ),
    "DeviceFileEvents": ("file_event", ((SYSMON, 11),)),
    "DeviceImageLoadEvents": ("image_load", ((SYSMON, 7),)),
}
#: Event-log tables: table -> (provider column, provider when not tested).
_LOG_TABLES: Final[dict[str, tuple[str, str | None]]] = {
    "SecurityEvent": ("", SECURITY),
    "WindowsEvent": ("provider", SECURITY),
    "Event": ("source", None),
}
_EQUALITY: Final = frozenset({"eq", "in"})


def query_events(walk: QueryWalk) -> list[EventRef]:
    """Every event the query's tables touch, in first-seen order."""
    events: dict[EventRef, None] = {}
    for scope in walk.scopes:
        _scope_events(scope, [], events, set())
    return list(events)


def query_logsource(walk: QueryWalk) -> dict[str, str]:
    """The log source of the first table the result statement reads."""
    table = first_table(walk.scopes[-1]) if walk.scopes else ""
    table = table or (walk.tables[0] if walk.tables else "")
    if not table:
        return {}
    logsource = {"product": table}
    if table in DEVICE_TABLES:
        logsource["category"] = DEVICE_TABLES[table][0]
    return logsource


def _scope_events(
    scope: Scope,
    inherited: list[Leaf],
    events: dict[EventRef, None],
    seen: set[int],
) -> None:
    """Add the events of one scope, then of its sources and subqueries."""
    if id(scope) in seen:
        return
    seen.add(id(scope))
    leaves = [*scope.leaves, *inherited]
    for table in scope.tables:
        for event in table_events(table, leaves):
            events.setdefault(event, None)
    for source in scope.sources:
        _scope_events(source, leaves, events, seen)
    for other in scope.others:
        _scope_events(other, [], events, seen)
    seen.discard(id(scope))


def table_events(table: str, leaves: list[Leaf]) -> list[EventRef]:
    """The events one table stands for, given the tests on its rows."""
    if table in DEVICE_TABLES:
        return [EventRef(p, i, via="table") for p, i in DEVICE_TABLES[table][1]]
    if table not in _LOG_TABLES:
        return []
    column, default = _LOG_TABLES[table]
    providers = _tested(leaves, column) if column else []
    if not providers and default is not None:
        providers = [default]
    ids = [int(v) for v in _tested(leaves, "eventid") if v.isdigit()]
    return [EventRef(p, i, via="table") for p in providers for i in ids]


def _tested(leaves: list[Leaf], column: str) -> list[str]:
    """Values a column is tested equal to (not negated), in order, once each."""
    values = [
        leaf.value
        for leaf in leaves
        if leaf.field.lower() == column
        and leaf.operator in _EQUALITY
        and not leaf.negated
    ]
    return list(dict.fromkeys(values))
