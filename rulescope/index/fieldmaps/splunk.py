"""Reviewed splunk field names: what the pySigma-derived map lacks or gets wrong.

pySigma's Splunk CIM pipeline maps Sigma onto ``Processes.process_path``,
``Registry.registry_key_name``, ``Filesystem.file_path`` and a few more; the
security_content detections also test the bare-name CIM fields
(``process_name``, ``registry_value_name``), network and DNS fields the
pipeline has no category for, and Splunk TA renames of Windows event fields.
Keys are CIM field names without their data-model prefix (``index.fields``
strips ``Processes.``, ``Network_Traffic.All_Traffic.`` and the like first).
"""

from typing import Final

#: Vendor field (lower-cased) -> canonical field.
REVIEWED: Final[dict[str, str]] = {
    # Endpoint.Processes
    "process_path": "Image",
    "process_name": "Image",
    "process_exec": "Image",
    "process": "CommandLine",
    "parent_process_path": "ParentImage",
    "parent_process_name": "ParentImage",
    "parent_process_exec": "ParentImage",
    "parent_process": "ParentCommandLine",
    "original_file_name": "OriginalFileName",
    "process_hash": "Hashes",
    # Endpoint.Filesystem
    "file_path": "TargetFilename",
    "file_name": "TargetFilename",
    # Endpoint.Registry: the value name is the last element of Sigma's TargetObject.
    "registry_path": "TargetObject",
    "registry_value_name": "TargetObject",
    # Network_Resolution, Network_Traffic
    "query": "QueryName",
    "dest_ip": "DestinationIp",
    "dest_port": "DestinationPort",
    "src_ip": "SourceIp",
    "src_port": "SourcePort",
    # Splunk TA renames of Windows event fields
    "user": "User",
    "eventcode": "EventID",
    "object_file_path": "ObjectName",
    "service_name": "ServiceName",
    "logon_type": "LogonType",
    "granted_access": "GrantedAccess",
    "loaded_file_path": "ImageLoaded",
    # Windows event fields Sigma rules test that the derived list lacks
    # (System 7045, Security 4698, 5136, 5145, 4738/4742, 7036).
    "imagepath": "ImagePath",
    "taskcontent": "TaskContent",
    "attributeldapdisplayname": "AttributeLDAPDisplayName",
    "objectclass": "ObjectClass",
    "relativetargetname": "RelativeTargetName",
    "serviceprincipalnames": "ServicePrincipalNames",
    "sidhistory": "SidHistory",
    "param1": "param1",
}

#: Fields holding a bare file name where the canonical field holds a path.
NAME_ONLY: Final = frozenset(
    {
        "file_name",
        "parent_process_name",
        "parent_process_exec",
        "process_name",
        "process_exec",
        "registry_value_name",
    }
)
