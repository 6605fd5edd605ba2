"""The derived field map (``data/fieldmap.json``), loaded once, and its lookups.

The JSON is written by ``derive_fields`` from pySigma's pipelines; this module
only reads it. It also knows how each vendor decorates a field name: Splunk's
CIM data model prefixes (``Endpoint.Processes.process_name``) and Elastic's
multi-field suffixes (``process.name.caseless``) come off before lookup.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

#: CIM data models and their objects: a leading run of these is a prefix.
_CIM_OBJECTS: Final = frozenset(
    {
        "account_management",
        "alerts",
        "all_certificates",
        "all_changes",
        "all_email",
        "all_risk",
        "all_sessions",
        "all_traffic",
        "all_vulnerabilities",
        "application_state",
        "audit_changes",
        "authentication",
        "certificates",
        "change",
        "data_access",
        "dhcp",
        "dns",
        "email",
        "endpoint",
        "endpoint_changes",
        "filesystem",
        "ids_attacks",
        "intrusion_detection",
        "malware",
        "malware_attacks",
        "network_changes",
        "network_resolution",
        "network_sessions",
        "network_traffic",
        "ports",
        "processes",
        "proxy",
        "registry",
        "risk",
        "services",
        "ssl",
        "updates",
        "vulnerabilities",
        "web",
    }
)
#: Elastic multi-fields index the same value another way; the concept is one.
_ECS_MULTI_FIELDS: Final = (".caseless", ".text")


@dataclass(frozen=True)
class FieldMapData:
    """The parsed fieldmap document with the lookups ``fields`` needs."""

    document: dict[str, Any]
    sigma_fields: frozenset[str]

    def split(self, vendor: str, raw_field: str) -> tuple[str | None, str]:
        """The context a field name carries, and its bare leaf."""
        if vendor == "splunk":
            return _split_data_model(raw_field.strip())
        if vendor == "elastic":
            field = raw_field.strip()
            for suffix in _ECS_MULTI_FIELDS:
                field = field.removesuffix(suffix)
            return None, field
        return None, raw_field.strip()

    def in_context(self, vendor: str, key: str, context: str | None) -> str | None:
        """pySigma's choice for this table or CIM object, where it differs."""
        if context is None:
            return None
        contexts = self.document["contexts"].get(vendor, {})
        choice: str | None = contexts.get(context, {}).get(key)
        return choice

    def derived(self, vendor: str, key: str, context: str | None) -> str | None:
        """The derived flat choice, unless it belongs to other tables only."""
        scopes = self.document["scopes"].get(vendor, {}).get(key)
        if context is not None and scopes is not None and context not in scopes:
            return None
        choice: str | None = self.document.get(vendor, {}).get(key)
        return choice

    def prefixed(self, vendor: str, leaf: str) -> str | None:
        """The Sigma name under a catch-all prefix (``winlog.event_data.``)."""
        for prefix in self.document["prefixes"].get(vendor, []):
            if leaf.lower().startswith(prefix) and len(leaf) > len(prefix):
                return leaf[len(prefix) :]
        return None

    def passthrough(self, vendor: str, leaf: str, context: str | None) -> str | None:
        """A Sigma name the vendor's raw Windows events carry unchanged."""
        where = self.document["passthrough"].get(vendor)
        if where is None or leaf not in self.sigma_fields:
            return None
        if context is not None and context not in where:
            return None  # a named table or data model with its own names
        return leaf

    def flat(self, vendor: str) -> dict[str, str]:
        """The derived vendor map, lower-cased vendor field -> Sigma field."""
        flat: dict[str, str] = self.document.get(vendor, {})
        return flat

    def context_choices(self, vendor: str) -> Iterator[tuple[str, str]]:
        """Every (vendor field, Sigma field) chosen for one table or object."""
        for choices in self.document["contexts"].get(vendor, {}).values():
            yield from choices.items()

    def spelled(self, vendor: str, key: str) -> str:
        """A lower-cased vendor field as the vendor spells it."""
        spelling: str = self.document["names"].get(vendor, {}).get(key, key)
        return spelling


def _split_data_model(field: str) -> tuple[str | None, str]:
    """``Endpoint.Processes.process_name`` -> (``processes``, ``process_name``)."""
    parts = field.split(".")
    context = None
    while len(parts) > 1 and parts[0].lower() in _CIM_OBJECTS:
        context = parts.pop(0).lower()
    return context, ".".join(parts)


@cache
def load_fieldmap() -> FieldMapData:
    """Read ``data/fieldmap.json`` from the package, once."""
    source = resources.files("rulescope.index").joinpath("data", "fieldmap.json")
    document = json.loads(source.read_text(encoding="utf-8"))
    return FieldMapData(document, frozenset(document["sigma_fields"]))
