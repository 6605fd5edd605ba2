"""Vendor field names mapped onto one canonical (Sigma) name per concept.

``canonical_field`` answers the name question; ``normalize_predicate`` also
rewrites the operator and value where two dialects say the same thing in
different shapes (ECS ``process.name: "x.exe"`` is Sigma's
``Image|endswith: '\\x.exe'``). ``indicator_key`` is the identity under which
one indicator counts once per rule whatever dialect wrote it.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from rulescope.index.fieldmaps import elastic, sentinel, splunk

_REVIEWED: Final[dict[str, dict[str, str]]] = {
    "elastic": elastic.REVIEWED,
    "splunk": splunk.REVIEWED,
    "sentinel": sentinel.REVIEWED,
}
_NAME_ONLY: Final[dict[str, frozenset[str]]] = {
    "elastic": elastic.NAME_ONLY,
    "splunk": splunk.NAME_ONLY,
    "sentinel": sentinel.NAME_ONLY,
}

#: Canonical fields whose values are Windows paths: ``ends_with`` on them
#: compares without the leading separator.
PATH_FIELDS: Final = frozenset(
    {"Image", "ParentImage", "TargetFilename", "ImageLoaded", "OriginalFileName"}
)

_EQUALITY: Final = frozenset({"eq", "in"})


@cache
def canonical_field(vendor: str, raw_field: str) -> str:
    """The canonical name of a vendor's field; unknown fields keep their name."""
    if vendor == "sigma":
        return raw_field
    return _REVIEWED.get(vendor, {}).get(raw_field.lower(), raw_field)


def normalize_predicate(
    vendor: str, raw_field: str, operator: str, value: str
) -> tuple[str, str, str]:
    """Map a vendor predicate onto the canonical field, operator and value."""
    field = canonical_field(vendor, raw_field)
    name_only = raw_field.lower() in _NAME_ONLY.get(vendor, frozenset())
    if name_only and operator in _EQUALITY:
        return field, "ends_with", "\\" + value.lstrip("\\")
    return field, operator, value


def indicator_key(field: str, operator: str, value: str) -> tuple[str, str, str]:
    """The identity under which an indicator counts once, in any dialect."""
    key_operator = "eq" if operator == "in" else operator
    key_value = value.lower()
    if key_operator == "ends_with" and field in PATH_FIELDS:
        key_value = key_value.lstrip("\\/")
    return field, key_operator, key_value
