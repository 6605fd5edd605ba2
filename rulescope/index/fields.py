"""Vendor field names mapped onto one canonical (Sigma) name per concept.

``canonical_field`` answers the name question from three layers: the map
derived from pySigma's backend pipelines (``data/fieldmap.json``, written by
``derive_fields``), overridden by each vendor's reviewed table
(``fieldmaps/<vendor>.py``); a field neither knows keeps its vendor name,
prefixed by the vendor (``splunk:signature_id``), and is counted.
``normalize_predicate`` also rewrites the operator and value where two
dialects say the same thing in different shapes (ECS ``process.name: "x.exe"``
is Sigma's ``Image|endswith: '\\x.exe'``). ``indicator_key`` is the identity
under which one indicator counts once per rule whatever dialect wrote it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cache
from typing import Final

from rulescope.index.fieldmap_data import FieldMapData, load_fieldmap
from rulescope.index.fieldmaps import elastic, sentinel, splunk

VENDORS: Final = ("elastic", "splunk", "sentinel")
_REVIEWED: Final[dict[str, dict[str, str]]] = {
    "elastic": elastic.REVIEWED,
    "splunk": splunk.REVIEWED,
    "sentinel": sentinel.REVIEWED,
}
_ARGUMENT_FIELDS: Final[dict[str, frozenset[str]]] = {
    "elastic": elastic.ARGUMENT_FIELDS,
}
_EXTENSION_FIELDS: Final[dict[str, frozenset[str]]] = {
    "elastic": elastic.EXTENSION_FIELDS,
}
_NAME_ONLY: Final[dict[str, frozenset[str]]] = {
    "elastic": elastic.NAME_ONLY,
    "splunk": splunk.NAME_ONLY,
    "sentinel": sentinel.NAME_ONLY,
}

#: Canonical fields whose values are Windows paths: ``ends_with`` on them
#: compares without the leading separator (``\\rundll32.exe`` ~ ``rundll32.exe``).
PATH_FIELDS: Final = frozenset(
    {
        "Image",
        "ParentImage",
        "GrandParentImage",
        "SourceImage",
        "TargetImage",
        "ImageLoaded",
        "TargetFilename",
        "SourceFilename",
        "OriginalFileName",
        # Security-log names Sigma keeps for service: security rules.
        "NewProcessName",
        "ParentProcessName",
        "ProcessName",
        "Application",
        "ServiceFileName",
        "ImagePath",
    }
)

_EQUALITY: Final = frozenset({"eq", "in"})
_SEPARATOR: Final = ":"
_UNMAPPED: Final[dict[str, Counter[str]]] = defaultdict(Counter)


@cache
def canonical_field(vendor: str, raw_field: str, context: str | None = None) -> str:
    """The canonical name of a vendor's field; unknown ones get a vendor prefix.

    ``context`` is where the field was read when the rule says so (a Kusto
    table, a CIM data model object): it picks pySigma's choice for that table.
    """
    if vendor == "sigma":
        return raw_field
    data = load_fieldmap()
    field_context, leaf = data.split(vendor, raw_field)
    context = (context or field_context or "").lower() or None
    return _mapped(data, vendor, leaf, context) or f"{vendor}{_SEPARATOR}{leaf}"


def _mapped(
    data: FieldMapData, vendor: str, leaf: str, context: str | None
) -> str | None:
    """Context choice, then reviewed table, then derived map, then pass-through."""
    key = leaf.lower()
    return (
        data.in_context(vendor, key, context)
        or _REVIEWED.get(vendor, {}).get(key)
        or data.derived(vendor, key, context)
        or data.prefixed(vendor, leaf)
        or data.passthrough(vendor, leaf, context)
    )


def is_canonical(field: str) -> bool:
    """Whether a field is a canonical name (not a vendor-prefixed leftover)."""
    return _SEPARATOR not in field


def normalize_predicate(
    vendor: str,
    raw_field: str,
    operator: str,
    value: str,
    context: str | None = None,
) -> tuple[str, str, str]:
    """Map a vendor predicate onto the canonical field, operator and value."""
    field = canonical_field(vendor, raw_field, context)
    if not is_canonical(field):
        _UNMAPPED[vendor][field] += 1
        return field, operator, value

    leaf = load_fieldmap().split(vendor, raw_field)[1].lower()
    if operator in _EQUALITY:
        if leaf in _NAME_ONLY.get(vendor, frozenset()):
            return field, "ends_with", "\\" + value.lstrip("\\")
        if leaf in _ARGUMENT_FIELDS.get(vendor, frozenset()):
            return field, "contains", value
        if leaf in _EXTENSION_FIELDS.get(vendor, frozenset()):
            return field, "ends_with", "." + value.lstrip(".")
    return field, operator, value


def unmapped_field_counts() -> dict[str, dict[str, int]]:
    """Predicates seen per unmapped (vendor-prefixed) field, per vendor."""
    return {vendor: dict(counts) for vendor, counts in _UNMAPPED.items()}


@cache
def vendor_names(canonical: str) -> dict[str, list[str]]:
    """A canonical field's names in each vendor, as their rules spell them."""
    names: dict[str, list[str]] = {}
    for vendor in VENDORS:
        found = _vendor_inverse(vendor).get(canonical)
        if found:
            names[vendor] = found
    return names


@cache
def _vendor_inverse(vendor: str) -> dict[str, list[str]]:
    """Canonical field -> the vendor's names for it, over every layer."""
    data = load_fieldmap()
    inverse: dict[str, set[str]] = defaultdict(set)
    effective = {**data.flat(vendor), **_REVIEWED.get(vendor, {})}
    for key, canonical in effective.items():
        inverse[canonical].add(data.spelled(vendor, key))
    for key, canonical in data.context_choices(vendor):
        inverse[canonical].add(data.spelled(vendor, key))
    return {canonical: sorted(names) for canonical, names in inverse.items()}


def indicator_key(field: str, operator: str, value: str) -> tuple[str, str, str]:
    """The identity under which an indicator counts once, in any dialect."""
    key_operator = "eq" if operator == "in" else operator
    key_value = value.lower()
    if key_operator == "ends_with" and field in PATH_FIELDS:
        key_value = key_value.lstrip("\\/")
    return field, key_operator, key_value
