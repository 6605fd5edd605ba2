"""``rulescope check`` output: text lines, JSON, and SARIF 2.1.0 for code scanning.

Lines and columns are 1-based everywhere; columns count code points (SARIF
says so with ``columnKind``). SARIF locations are relative to the working
directory (``uriBaseId`` ``SRCROOT``) when the file is below it, which is how
code scanning maps results onto a repository's files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from rulescope import __version__
from rulescope.server.check_run import CheckResult, FileResult
from rulescope.server.findings import Finding

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVELS: Final = {
    "error": "error",
    "warning": "warning",
    "information": "note",
    "hint": "note",
}
#: One-line descriptions of the server's own codes; validators and pySigma
#: errors are described by their first message.
CODE_DESCRIPTIONS: Final = {
    "yaml_syntax": "The YAML does not parse.",
    "undefined_selection": "The condition names a selection that does not exist.",
    "unused_selection": "A selection no condition uses.",
    "unknown_modifier": "A value modifier pySigma does not know.",
    "unknown_technique": "A technique tag not in the index's ATT&CK catalog.",
    "deprecated_technique": "A technique ATT&CK marks deprecated.",
    "revoked_technique": "A technique ATT&CK has revoked.",
    "noisy_indicator": "A very common indicator that nothing else narrows.",
    "unknown_field": "A field no indexed rule with this log source checks.",
    "similar_rule": "The rule's indicators overlap strongly with an indexed rule.",
    "unreadable_file": "The file cannot be read as UTF-8 text.",
}


def _place(finding: Finding) -> tuple[int, int, int, int]:
    """(line, column, end line, end column), 1-based, end column exclusive."""
    span = finding.span
    return span.line + 1, span.column + 1, span.end_line + 1, span.end_column + 1


def to_text(result: CheckResult) -> str:
    """One ``path:line:col: code message`` line per finding."""
    lines = []
    for checked in result.files:
        for finding in checked.findings:
            line, column, _, _ = _place(finding)
            message = " ".join(finding.message.split())
            lines.append(f"{checked.path}:{line}:{column}: {finding.code} {message}")
    return "\n".join(lines) + ("\n" if lines else "")


def to_json(result: CheckResult) -> str:
    """Every finding with its place and severity, and the counts."""
    items = []
    for checked in result.files:
        for finding in checked.findings:
            line, column, end_line, end_column = _place(finding)
            items.append(
                {
                    "path": str(checked.path),
                    "line": line,
                    "column": column,
                    "end_line": end_line,
                    "end_column": end_column,
                    "code": finding.code,
                    "severity": finding.severity,
                    "message": finding.message,
                }
            )
    document = {
        "files": len(result.files),
        "skipped": [str(path) for path in result.skipped],
        "counts": result.counts(),
        "findings": items,
    }
    return json.dumps(document, indent=2) + "\n"


def to_sarif(result: CheckResult, root: Path | None = None) -> str:
    """A SARIF 2.1.0 log with one run of the ``rulescope`` tool."""
    base = (root or Path.cwd()).resolve()
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for checked in result.files:
        for finding in checked.findings:
            rules.setdefault(finding.code, _sarif_rule(finding))
            results.append(_sarif_result(checked, finding, list(rules), base))
    run = {
        "tool": {
            "driver": {
                "name": "rulescope",
                "version": __version__,
                "rules": list(rules.values()),
            }
        },
        "originalUriBaseIds": {"SRCROOT": {"uri": base.as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"


def _sarif_rule(finding: Finding) -> dict[str, Any]:
    description = CODE_DESCRIPTIONS.get(finding.code, finding.message)
    return {
        "id": finding.code,
        "shortDescription": {"text": description},
        "defaultConfiguration": {"level": _SARIF_LEVELS[finding.severity]},
    }


def _sarif_result(
    checked: FileResult, finding: Finding, rule_ids: list[str], base: Path
) -> dict[str, Any]:
    line, column, end_line, end_column = _place(finding)
    region = {"startLine": line, "startColumn": column}
    if (end_line, end_column) > (line, column):
        region |= {"endLine": end_line, "endColumn": end_column}
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_ids.index(finding.code),
        "level": _SARIF_LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(checked.path, base),
                    "region": region,
                }
            }
        ],
    }


def _artifact(path: Path, base: Path) -> dict[str, str]:
    """A location relative to ``SRCROOT`` when below it, else an absolute URI."""
    resolved = path.resolve()
    if resolved.is_relative_to(base):
        relative = resolved.relative_to(base).as_posix()
        return {"uri": quote(relative), "uriBaseId": "SRCROOT"}
    return {"uri": resolved.as_uri()}
