"""Reviewed sentinel field names: what the pySigma-derived map lacks or gets wrong."""

from typing import Final

#: Vendor field (lower-cased) -> canonical field.
REVIEWED: Final[dict[str, str]] = {
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
}

#: Fields holding a bare file name where the canonical field holds a path.
NAME_ONLY: Final = frozenset(
    {
        "filename",
        "initiatingprocessfilename",
    }
)
