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
    # Below: frequent fields in the Elastic corpus that the pySigma ECS
    # pipelines do not map, each with one clear Sigma field.
    # Elastic Defend library loads (Sigma image_load).
    "dll.path": "ImageLoaded",
    "dll.name": "ImageLoaded",
    # Arguments of the parent, as process.args is of the process.
    "process.parent.args": "ParentCommandLine",
    # Registry value data (Sigma registry_set ``Details``).
    "registry.data.strings": "Details",
    # Rename events: the file's path before the rename.
    "file.ext.original.path": "SourceFilename",
    "file.ext.original.name": "SourceFilename",
    # Web and proxy logs, named as Sigma's proxy category names them.
    "user_agent.original": "c-useragent",
    "url.original": "c-uri",
    "url.full": "c-uri",
    "url.path": "c-uri-stem",
    "url.query": "c-uri-query",
    "url.extension": "c-uri-extension",
    "http.request.method": "cs-method",
    "http.response.status_code": "sc-status",
    # The file's extension without its dot: equality is the path's ending.
    "file.extension": "TargetFilename",
    # The value's name only; Sigma's key path ends with it.
    "registry.value": "TargetObject",
}

#: Fields holding a bare file name where the canonical field holds a path.
NAME_ONLY: Final = frozenset(
    {
        "file.name",
        "process.name",
        "process.parent.name",
        "dll.name",
        "file.ext.original.name",
        "registry.value",
    }
)

#: Fields holding a file extension without its dot: equality on them is the
#: canonical path ending with ``.ext``.
EXTENSION_FIELDS: Final = frozenset({"file.extension"})

#: Fields holding one argument of a command line: equality on an argument is
#: the canonical command line containing it.
ARGUMENT_FIELDS: Final = frozenset({"process.args", "process.parent.args"})
