"""Read the field mappings held by the installed pySigma pipelines.

Used only by ``derive_fields`` (the generator). Every ``FieldMappingTransformation``
of a pipeline is read with the log-source conditions that scope it; the Kusto
pipelines' table mappings are read from their ``FieldMappings`` objects, one
scope per table. Sigma-side keys are brought to SigmaHQ's spelling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from sigma.pipelines.azuremonitor.azuremonitor import azure_monitor_pipeline
from sigma.pipelines.azuremonitor.tables import AZURE_MONITOR_TABLES
from sigma.pipelines.elasticsearch.windows import ecs_windows
from sigma.pipelines.kusto_common.transformations import (
    GenericFieldMappingTransformation,
)
from sigma.pipelines.microsoftxdr.microsoftxdr import microsoft_xdr_pipeline
from sigma.pipelines.microsoftxdr.tables import MICROSOFT_XDR_TABLES
from sigma.pipelines.sentinelasim.sentinelasim import sentinel_asim_pipeline
from sigma.pipelines.sentinelasim.tables import SENTINEL_ASIM_TABLES
from sigma.pipelines.splunk.splunk import splunk_cim_data_model, splunk_windows_pipeline
from sigma.processing.conditions import LogsourceCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import (
    AddFieldnamePrefixTransformation,
    FieldMappingTransformation,
)

#: Vendor -> the pySigma pipelines its map is derived from.
PIPELINES: Final[dict[str, list[str]]] = {
    "elastic": ["ecs_windows"],
    "splunk": ["splunk_cim", "splunk_windows"],
    "sentinel": ["microsoft_xdr", "sentinel_asim", "azure_monitor"],
}
_FACTORIES: Final[dict[str, Callable[[], ProcessingPipeline]]] = {
    "ecs_windows": ecs_windows,
    "splunk_cim": splunk_cim_data_model,
    "splunk_windows": splunk_windows_pipeline,
    "microsoft_xdr": microsoft_xdr_pipeline,
    "sentinel_asim": sentinel_asim_pipeline,
    "azure_monitor": azure_monitor_pipeline,
}
#: Pipeline entries left out as wrong, keyed (pipeline, scope, Sigma field).
ERRATA: Final[dict[tuple[str, str, str], str]] = {
    ("sentinel_asim", "imFileEvent", "Image"): (
        "Image is the acting process, TargetFilePath the file acted on"
    ),
    ("sentinel_asim", "imFileEvent", "TargetObject"): (
        "a registry key name sent to a file path column"
    ),
    ("sentinel_asim", "imFileEvent", "Details"): (
        "registry value data sent to a file path column"
    ),
    ("sentinel_asim", "imFileEvent", "ParentImage"): (
        "the acting process is the file event's Image, not its parent"
    ),
    ("sentinel_asim", "imFileEvent", "ParentProcessName"): (
        "the acting process is the file event's process, not its parent"
    ),
    ("sentinel_asim", "imFileEvent", "ParentCommandLine"): (
        "the acting process is the file event's process, not its parent"
    ),
    ("sentinel_asim", "imFileEvent", "ParentProcessId"): (
        "the acting process is the file event's process, not its parent"
    ),
    ("sentinel_asim", "imNetworkSession", "cs-Cookie"): (
        "a cookie is not the user agent"
    ),
    ("sentinel_asim", "imNetworkSession", "cs-Referrer"): (
        "a referrer is not the user agent"
    ),
}
#: Kusto tables whose column spellings are kept for hover text.
_SPELLED_TABLES: Final = (
    list(MICROSOFT_XDR_TABLES.values())
    + list(SENTINEL_ASIM_TABLES.values())
    + [AZURE_MONITOR_TABLES["SecurityEvent"], AZURE_MONITOR_TABLES["SigninLogs"]]
)
_MULTI_FIELD_SUFFIX: Final = ".caseless"


@dataclass(frozen=True)
class Mapping:
    """One forward mapping entry: Sigma field -> vendor field, within a scope."""

    pipeline: str
    scope: str
    sigma_field: str
    vendor_field: str
    context: str | None = None


@dataclass
class Collected:
    """Everything read from the pipelines, per vendor."""

    mappings: dict[str, list[Mapping]] = field(default_factory=dict)
    prefixes: dict[str, list[str]] = field(default_factory=dict)
    dropped: dict[str, list[str]] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)


def _scope(item: ProcessingItem) -> str:
    """The log sources an item applies to, as text ('*' for all)."""
    conditions = item.rule_conditions
    if isinstance(conditions, dict):
        conditions = list(conditions.values())
    parts = [
        f"{c.category or ''}/{c.product or ''}/{c.service or ''}"
        for c in conditions
        if isinstance(c, LogsourceCondition)
    ]
    text = "|".join(parts) or "*"
    return f"not {text}" if item.rule_condition_negation else text


def _targets(value: str | list[str]) -> list[str]:
    """A mapping target as a list (pySigma allows one field or several)."""
    return value if isinstance(value, list) else [value]


def _walk(name: str, pipeline: ProcessingPipeline) -> Iterator[Mapping | str]:
    """Yield each mapping entry of a pipeline, and each field-name prefix."""
    for item in pipeline.items:
        transformation: Any = item.transformation
        if isinstance(transformation, AddFieldnamePrefixTransformation):
            yield transformation.prefix
        elif hasattr(transformation, "field_mappings"):
            yield from _kusto_entries(name, transformation.field_mappings)
        elif isinstance(transformation, GenericFieldMappingTransformation):
            continue  # the same generic_mappings, already read above
        elif isinstance(transformation, FieldMappingTransformation):
            scope = _scope(item)
            for sigma, value in transformation.mapping.items():
                for target in _targets(value):
                    yield Mapping(name, scope, str(sigma), target)


def _kusto_entries(name: str, field_mappings: Any) -> Iterator[Mapping]:
    """Table mappings (scope and context: the table) and generic ones."""
    for table, mapping in field_mappings.table_mappings.items():
        for sigma, value in mapping.items():
            for target in _targets(value):
                yield Mapping(name, table, sigma, target, context=table)
    for sigma, value in field_mappings.generic_mappings.items():
        for target in _targets(value):
            yield Mapping(name, "*", sigma, target)


def _vendor_side(vendor: str, mapping: Mapping) -> Mapping:
    """Bring the vendor field to the spelling rules use."""
    target = mapping.vendor_field
    if vendor == "elastic":
        target = target.removesuffix(_MULTI_FIELD_SUFFIX)
        return Mapping(mapping.pipeline, mapping.scope, mapping.sigma_field, target)
    if vendor == "splunk" and "." in target:
        data_model_object, _, leaf = target.rpartition(".")
        return Mapping(
            mapping.pipeline,
            mapping.scope,
            mapping.sigma_field,
            leaf,
            data_model_object,
        )
    return mapping


def _sigma_side(
    mapping: Mapping, spelling: dict[str, str], xdr_columns: set[str]
) -> Mapping | None:
    """Bring the Sigma key to SigmaHQ's spelling; None when it is no Sigma field."""
    key = mapping.sigma_field
    if (mapping.pipeline, mapping.scope, key) in ERRATA:
        return None
    if key.casefold() in spelling:
        key = spelling[key.casefold()]
    elif mapping.pipeline == "sentinel_asim" and key in xdr_columns:
        return None  # a Defender XDR column used as input, not a Sigma field
    return Mapping(
        mapping.pipeline, mapping.scope, key, mapping.vendor_field, mapping.context
    )


def collect(generality: dict[str, int]) -> Collected:
    """Read every vendor's pipelines; ``generality`` counts SigmaHQ's fields."""
    # Where two spellings differ only in case, the more general one wins.
    ordered = sorted(generality, key=lambda name: (generality[name], name))
    spelling = {name.casefold(): name for name in ordered}
    xdr_columns = {name for table in MICROSOFT_XDR_TABLES.values() for name in table}
    collected = Collected()
    for vendor, names in PIPELINES.items():
        mappings: list[Mapping] = []
        prefixes: set[str] = set()
        dropped: set[str] = set()
        for name in names:
            for entry in _walk(name, _FACTORIES[name]()):
                if isinstance(entry, str):
                    prefixes.add(entry)
                    continue
                kept = _sigma_side(_vendor_side(vendor, entry), spelling, xdr_columns)
                if kept is None:
                    dropped.add(f"{name}/{entry.scope}/{entry.sigma_field}")
                else:
                    mappings.append(kept)
        collected.mappings[vendor] = mappings
        if prefixes:
            collected.prefixes[vendor] = sorted(prefixes)
        collected.dropped[vendor] = sorted(dropped)
    collected.columns["sentinel"] = sorted(
        {name for table in _SPELLED_TABLES for name in table}
    )
    return collected
