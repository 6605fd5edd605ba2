"""Catalog events a Sigma rule names through explicit ``EventID`` predicates.

Events implied by the log source alone are left to the index build, which maps
the log source category onto the catalog. Here only a positive ``EventID``
test links a rule to an event; its provider comes from a ``Provider_Name`` in
the same selection, else from the log source service (Windows channel owner).
"""

from __future__ import annotations

from typing import Final

from rulescope.index.model import EventRef, Predicate

SECURITY: Final = "Microsoft-Windows-Security-Auditing"
SERVICE_CONTROL_MANAGER: Final = "Service Control Manager"
SYSMON: Final = "Microsoft-Windows-Sysmon"

#: Sigma service -> provider that writes its channel (see the reference
#: ``sigma-logsource-to-events.json`` services and the Windows event catalog).
SERVICE_PROVIDERS: Final = {
    "security": SECURITY,
    "sysmon": SYSMON,
    "powershell": "Microsoft-Windows-PowerShell",
    "powershell-classic": "PowerShell",
    "taskscheduler": "Microsoft-Windows-TaskScheduler",
    "wmi": "Microsoft-Windows-WMI-Activity",
    "dns-server": "Microsoft-Windows-DNS-Server-Service",
    "dns-server-audit": "Microsoft-Windows-DNS-Server",
    "dns-server-analytic": "Microsoft-Windows-DNS-Server",
    "driver-framework": "Microsoft-Windows-DriverFrameworks-UserMode",
    "ntlm": "Microsoft-Windows-NTLM",
    "dhcp": "Microsoft-Windows-DHCP-Server",
    "msexchange-management": "MSExchange CmdletLogs",
    "applocker": "Microsoft-Windows-AppLocker",
    "printservice-admin": "Microsoft-Windows-PrintService",
    "printservice-operational": "Microsoft-Windows-PrintService",
    "codeintegrity-operational": "Microsoft-Windows-CodeIntegrity",
    "smbclient-security": "Microsoft-Windows-SMBClient",
    "firewall-as": "Microsoft-Windows-Windows Firewall With Advanced Security",
    "bits-client": "Microsoft-Windows-Bits-Client",
    "windefend": "Microsoft-Windows-Windows Defender",
    "terminalservices-localsessionmanager": (
        "Microsoft-Windows-TerminalServices-LocalSessionManager"
    ),
    "microsoft-servicebus-client": "Microsoft-ServiceBus-Client",
    "smbclient-connectivity": "Microsoft-Windows-SMBClient",
    "smbserver-connectivity": "Microsoft-Windows-SMBServer",
    "iis-configuration": "Microsoft-IIS-Configuration",
    "ldap_debug": "Microsoft-Windows-LDAP-Client",
    "security-mitigations": "Microsoft-Windows-Security-Mitigations",
    "diagnosis-scripted": "Microsoft-Windows-Diagnosis-Scripted",
    "shell-core": "Microsoft-Windows-Shell-Core",
    "openssh": "OpenSSH",
    "bitlocker": "Microsoft-Windows-BitLocker-API",
    "vhdmp": "Microsoft-Windows-VHDMP",
    "appxdeployment-server": "Microsoft-Windows-AppXDeployment-Server",
    "lsa-server": "Microsoft-Windows-LSA",
    "appxpackaging-om": "Microsoft-Windows-AppxPackagingOM",
    "dns-client": "Microsoft-Windows-DNS-Client",
    "appmodel-runtime": "Microsoft-Windows-AppModel-Runtime",
    "capi2": "Microsoft-Windows-CAPI2",
    "certificateservicesclient-lifecycle-system": (
        "Microsoft-Windows-CertificateServicesClient-Lifecycle-System"
    ),
}

#: Channels several providers write to: the provider depends on the event id.
_EVENT_PROVIDERS: Final = {
    "security": {
        event_id: "Microsoft-Windows-Eventlog" for event_id in range(1100, 1109)
    },
    "system": {
        **{
            event_id: SERVICE_CONTROL_MANAGER
            for event_id in (7000, 7001, 7009, 7011, 7022, 7023, 7024, 7026)
        },
        **{
            event_id: SERVICE_CONTROL_MANAGER
            for event_id in (7030, 7031, 7034, 7035, 7036, 7040, 7045)
        },
        **{event_id: "EventLog" for event_id in (6005, 6006, 6008, 6009, 6013)},
        104: "Microsoft-Windows-Eventlog",
        **{event_id: "NETLOGON" for event_id in (5723, 5805, 5827, 5828, 5829)},
    },
}

#: Windows categories whose small event ids are Sysmon's (1-29, 255).
_SYSMON_CATEGORIES: Final = frozenset(
    {
        "process_creation",
        "network_connection",
        "image_load",
        "driver_load",
        "create_remote_thread",
        "process_access",
        "raw_access_thread",
        "file_event",
        "file_delete",
        "file_change",
        "create_stream_hash",
        "pipe_created",
        "wmi_event",
        "dns_query",
        "registry_event",
        "registry_add",
        "registry_delete",
        "registry_set",
        "registry_rename",
        "process_tampering",
        "clipboard_capture",
    }
)

EVENT_ID_FIELD: Final = "EventID"
PROVIDER_FIELD: Final = "Provider_Name"


def provider_for_service(service: str, event_id: int | None = None) -> str | None:
    """The provider writing a Sigma service's channel, or None when unknown."""
    by_event = _EVENT_PROVIDERS.get(service, {})
    if event_id is not None and event_id in by_event:
        return by_event[event_id]
    return SERVICE_PROVIDERS.get(service)


def provider_for_category(category: str, event_id: int) -> str | None:
    """Sysmon for a Sysmon event id under a Sysmon-backed category, else None."""
    sysmon_id = event_id <= 29 or event_id == 255
    return SYSMON if sysmon_id and category in _SYSMON_CATEGORIES else None


def predicate_events(
    predicates: list[Predicate], logsource: dict[str, str]
) -> list[EventRef]:
    """One event per positive ``EventID`` equality test, in rule order."""
    service = logsource.get("service", "")
    category = logsource.get("category", "")
    providers = _clause_providers(predicates)
    events: list[EventRef] = []
    for predicate in predicates:
        event_id = _event_id(predicate)
        if event_id is None:
            continue
        provider = providers.get(predicate.clause)
        if provider is None:
            provider = provider_for_service(service, event_id)
        if provider is None:
            provider = provider_for_category(category, event_id) or ""
        event = EventRef(provider, event_id, "predicate")
        if event not in events:
            events.append(event)
    return events


def _event_id(predicate: Predicate) -> int | None:
    if predicate.field != EVENT_ID_FIELD or predicate.negated:
        return None
    if predicate.operator != "eq" or not predicate.value.isdigit():
        return None
    return int(predicate.value)


def _clause_providers(predicates: list[Predicate]) -> dict[str, str]:
    """The first ``Provider_Name`` each selection requires, by selection name."""
    providers: dict[str, str] = {}
    for predicate in predicates:
        wanted = predicate.field == PROVIDER_FIELD and predicate.operator == "eq"
        if wanted and not predicate.negated:
            providers.setdefault(predicate.clause, predicate.value)
    return providers
