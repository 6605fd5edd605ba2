"""Reviewed sentinel field names: what the pySigma-derived map lacks or gets wrong.

pySigma's Kusto pipelines know the Defender (``Device*``), ASIM and
``SecurityEvent`` tables. Sentinel rules also read ``CommonSecurityLog``
(CEF), ``DnsEvents``, ``SigninLogs`` and many connector tables whose columns
carry the same concepts under other names; the entries below map the common
ones. A table-specific pySigma choice still wins over this table.
"""

from typing import Final

#: Vendor field (lower-cased) -> canonical field.
REVIEWED: Final[dict[str, str]] = {
    # Defender for Endpoint process and registry columns.
    "folderpath": "Image",
    "filename": "Image",
    "processcommandline": "CommandLine",
    "initiatingprocessfolderpath": "ParentImage",
    "initiatingprocessfilename": "ParentImage",
    "initiatingprocesscommandline": "ParentCommandLine",
    "processversioninfooriginalfilename": "OriginalFileName",
    "registrykey": "TargetObject",
    "remoteip": "DestinationIp",
    "remoteport": "DestinationPort",
    "accountname": "User",
    "eventid": "EventID",
    # CEF (CommonSecurityLog) and ASIM network columns.
    "destinationip": "DestinationIp",
    "sourceip": "SourceIp",
    "destinationport": "DestinationPort",
    "sourceport": "SourcePort",
    "destinationhostname": "DestinationHostname",
    "dstipaddr": "DestinationIp",
    "srcipaddr": "SourceIp",
    "dstportnumber": "DestinationPort",
    "srcportnumber": "SourcePort",
    # DNS query names (Sysmon 22 / Sigma dns_query).
    "queryname": "QueryName",
    "dnsquery": "QueryName",
    # Web and proxy columns, under Sigma's proxy/webserver names.
    "httpuseragent": "c-useragent",
    "httpuseragentoriginal": "c-useragent",
    "useragent": "c-useragent",
    "requesturl": "c-uri",
    "urloriginal": "c-uri",
}

#: Fields holding a bare file name where the canonical field holds a path.
NAME_ONLY: Final = frozenset(
    {
        "filename",
        "initiatingprocessfilename",
    }
)
