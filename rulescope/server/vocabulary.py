"""Sigma's own vocabulary: modifiers, top-level keys, condition words."""

from __future__ import annotations

from typing import Final

#: Value modifier -> what it does to the match (Sigma specification wording
#: paraphrased).
MODIFIERS: Final[dict[str, str]] = {
    "contains": "matches the value anywhere in the field (`*value*`)",
    "startswith": "matches at the start of the field (`value*`)",
    "endswith": "matches at the end of the field (`*value`)",
    "all": "every value of the list must match (AND instead of OR)",
    "re": "the value is a regular expression",
    "i": "regular expression: case-insensitive",
    "ignorecase": "regular expression: case-insensitive",
    "m": "regular expression: `^` and `$` match at line breaks",
    "multiline": "regular expression: `^` and `$` match at line breaks",
    "s": "regular expression: `.` matches line breaks",
    "dotall": "regular expression: `.` matches line breaks",
    "cidr": "the value is an IP network in CIDR notation",
    "base64": "matches the Base64 encoding of the value",
    "base64offset": "matches the value Base64-encoded at any of three offsets",
    "utf16le": "encodes the value as UTF-16LE before base64",
    "utf16be": "encodes the value as UTF-16BE before base64",
    "utf16": "encodes the value as UTF-16 with BOM before base64",
    "wide": "encodes the value as UTF-16LE before base64",
    "windash": "also matches `-` written as `/`, en dash, em dash, horizontal bar",
    "exists": "`true`: the field is present; `false`: it is absent",
    "expand": "the value names a placeholder expanded by a pipeline",
    "fieldref": "the value is the name of another field to compare with",
    "gt": "numeric comparison: greater than",
    "gte": "numeric comparison: greater than or equal",
    "lt": "numeric comparison: less than",
    "lte": "numeric comparison: less than or equal",
    "neq": "the field must not equal the value",
    "cased": "the match is case-sensitive",
    "minute": "compares the minute of a timestamp field",
    "hour": "compares the hour of a timestamp field",
    "day": "compares the day of a timestamp field",
    "week": "compares the week of a timestamp field",
    "month": "compares the month of a timestamp field",
    "year": "compares the year of a timestamp field",
}

#: Top-level key -> snippet body (LSP snippet syntax) for completion.
TOP_LEVEL: Final[dict[str, str]] = {
    "title": "title: ${1}",
    "id": "id: ${1}",
    "related": (
        "related:\n    - id: ${1}\n"
        "      type: ${2|derived,obsolete,merged,renamed,similar|}"
    ),
    "status": "status: ${1|experimental,test,stable,deprecated,unsupported|}",
    "description": "description: ${1}",
    "references": "references:\n    - ${1}",
    "author": "author: ${1}",
    "date": "date: ${1}",
    "modified": "modified: ${1}",
    "tags": "tags:\n    - attack.${1}",
    "logsource": "logsource:\n    category: ${1}\n    product: ${2}",
    "detection": "detection:\n    selection:\n        ${1}\n    condition: selection",
    "fields": "fields:\n    - ${1}",
    "falsepositives": "falsepositives:\n    - ${1:Unknown}",
    "level": "level: ${1|informational,low,medium,high,critical|}",
}

LOGSOURCE_KEYS: Final = ("category", "product", "service", "definition")

#: Words a condition may use besides selection names.
CONDITION_WORDS: Final = ("1 of ", "all of ", "not ", "and ", "or ", "them")
CONDITION_KEYWORDS: Final = frozenset({"and", "or", "not", "of", "them", "all", "1"})
