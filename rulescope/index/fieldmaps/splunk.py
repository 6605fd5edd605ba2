"""Reviewed splunk field names: what the pySigma-derived map lacks or gets wrong."""

from typing import Final

#: Vendor field (lower-cased) -> canonical field.
REVIEWED: Final[dict[str, str]] = {
    "process_path": "Image",
    "process_name": "Image",
    "process": "CommandLine",
    "parent_process_path": "ParentImage",
    "parent_process_name": "ParentImage",
    "parent_process": "ParentCommandLine",
    "original_file_name": "OriginalFileName",
    "file_path": "TargetFilename",
    "file_name": "TargetFilename",
    "registry_path": "TargetObject",
    "query": "QueryName",
    "dest_ip": "DestinationIp",
    "dest_port": "DestinationPort",
    "user": "User",
    "eventcode": "EventID",
}

#: Fields holding a bare file name where the canonical field holds a path.
NAME_ONLY: Final = frozenset(
    {
        "file_name",
        "parent_process_name",
        "process_name",
    }
)
