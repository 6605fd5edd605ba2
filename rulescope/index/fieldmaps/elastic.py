"""Reviewed elastic field names: what the pySigma-derived map lacks or gets wrong."""

from typing import Final

#: Vendor field (lower-cased) -> canonical field.
REVIEWED: Final[dict[str, str]] = {
    "process.executable": "Image",
    "process.name": "Image",
    "process.command_line": "CommandLine",
    "process.args": "CommandLine",
    "process.parent.executable": "ParentImage",
    "process.parent.name": "ParentImage",
    "process.parent.command_line": "ParentCommandLine",
    "process.pe.original_file_name": "OriginalFileName",
    "file.path": "TargetFilename",
    "file.name": "TargetFilename",
    "registry.path": "TargetObject",
    "dns.question.name": "QueryName",
    "destination.ip": "DestinationIp",
    "destination.port": "DestinationPort",
    "user.name": "User",
    "event.code": "EventID",
}

#: Fields holding a bare file name where the canonical field holds a path.
NAME_ONLY: Final = frozenset(
    {
        "file.name",
        "process.name",
        "process.parent.name",
    }
)
