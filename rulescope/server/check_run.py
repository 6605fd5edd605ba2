"""The editor's diagnostics over files and folders, for ``rulescope check``.

Folders are walked for ``.yml``/``.yaml`` files; a YAML file that is not a
Sigma rule (no ``title`` with ``detection`` or ``correlation``) is skipped,
unless it does not parse at all, since a broken rule fails the content check
too. Each file goes through the same :func:`~rulescope.server.diagnostics.findings`
the server publishes.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from rulescope.server.corpus import Corpus
from rulescope.server.diagnostics import findings
from rulescope.server.document import Span, parse_document
from rulescope.server.findings import Finding
from rulescope.server.settings import Settings

logger = logging.getLogger(__name__)

SUFFIXES: Final = (".yml", ".yaml")
#: Severities from the most to the least serious.
SEVERITIES: Final = ("error", "warning", "information", "hint")


@dataclass(slots=True)
class FileResult:
    """The findings of one checked file, as the path was given or found."""

    path: Path
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class CheckResult:
    """Every checked file and the files skipped as not Sigma rules."""

    files: list[FileResult] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Findings per severity, every severity present."""
        counted = Counter(f.severity for r in self.files for f in r.findings)
        return {severity: counted.get(severity, 0) for severity in SEVERITIES}


class MissingPath(Exception):
    """A path given on the command line does not exist."""


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """Files to check: each file given, and the YAML files below each folder."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            below = (p for p in path.rglob("*") if p.suffix in SUFFIXES)
            found.extend(sorted(p for p in below if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise MissingPath(f"'{path}' is neither a file nor a folder")
    return list(dict.fromkeys(found))


def check_file(path: Path, corpus: Corpus | None, settings: Settings) -> FileResult:
    """The findings of one file; raises ``NotARule`` for YAML that is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        message = f"cannot read the file: {reason}"
        return FileResult(path, [Finding("unreadable_file", message, "error", _TOP)])

    document = parse_document(path.resolve().as_uri(), 0, text)
    if document.syntax_error is None and not document.is_sigma:
        raise NotARule(path)
    return FileResult(path, findings(document, corpus, settings))


class NotARule(Exception):
    """The file is YAML but not a Sigma rule."""


_TOP: Final = Span(0, 0, 0, 0)


def check_paths(
    paths: Iterable[Path], corpus: Corpus | None, settings: Settings
) -> CheckResult:
    """Check every rule file under ``paths``; raises ``MissingPath``."""
    result = CheckResult()
    for path in rule_files(paths):
        try:
            checked = check_file(path, corpus, settings)
        except NotARule:
            result.skipped.append(path)
            continue
        checked.findings.sort(key=lambda f: (f.span.line, f.span.column, f.code))
        result.files.append(checked)
    return result


def fails(result: CheckResult, fail_on: str) -> bool:
    """Whether some finding is at least as serious as ``fail_on``."""
    if fail_on == "never":
        return False
    worst = SEVERITIES[: SEVERITIES.index(fail_on) + 1]
    counts = result.counts()
    return any(counts[severity] for severity in worst)
