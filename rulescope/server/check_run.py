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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from rulescope.index.store import IndexUnavailable
from rulescope.server.checks import ReachOf
from rulescope.server.corpus import Corpus
from rulescope.server.diagnostics import findings
from rulescope.server.document import SigmaDocument, Span, parse_document
from rulescope.server.findings import SEVERITIES, Finding
from rulescope.server.settings import Settings
from rulescope.server.workspace_index import own_rule_ids

logger = logging.getLogger(__name__)

SUFFIXES: Final = (".yml", ".yaml")
#: Severities from the most to the least serious.


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


class NotARule(Exception):
    """The file is YAML but not a Sigma rule."""


_TOP: Final = Span(0, 0, 0, 0)
#: Below this many files, worker processes cost more than they save.
PARALLEL_FROM: Final = 200
_worker_corpus: Corpus | None = None
_worker_settings: Settings | None = None


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
    found = findings(document, corpus, settings, _reach_without(corpus, document))
    found.sort(key=lambda f: (f.span.line, f.span.column, f.code))
    return FileResult(path, found)


def _reach_without(corpus: Corpus | None, document: SigmaDocument) -> ReachOf | None:
    """Reach that leaves out the index's own copy of the checked rule."""
    if corpus is None:
        return None
    own = own_rule_ids(corpus, document)

    def reach(field: str, operator: str, value: str) -> int:
        return corpus.corpus_reach(field, operator, value, own)

    return reach


def _checked(
    path: Path, corpus: Corpus | None, settings: Settings
) -> FileResult | None:
    try:
        return check_file(path, corpus, settings)
    except NotARule:
        return None


def _start_worker(settings: Settings) -> None:
    """Open the index once per worker process."""
    global _worker_corpus, _worker_settings
    _worker_settings = settings
    try:
        _worker_corpus = Corpus.open(settings.resolved_index_path())
    except IndexUnavailable:
        _worker_corpus = None


def _worker_check(path: Path) -> FileResult | None:
    assert _worker_settings is not None
    return _checked(path, _worker_corpus, _worker_settings)


def check_paths(
    paths: Iterable[Path],
    corpus: Corpus | None,
    settings: Settings,
    jobs: int = 1,
) -> CheckResult:
    """Check every rule file under ``paths``; raises ``MissingPath``.

    With ``jobs`` above 1 and many files, worker processes share the files
    (each opens the index itself); the order of the results is the same.
    """
    files = rule_files(paths)
    outcomes: Iterable[FileResult | None]
    if jobs > 1 and len(files) >= PARALLEL_FROM:
        pool = ProcessPoolExecutor(
            jobs, initializer=_start_worker, initargs=(settings,)
        )
        with pool:
            outcomes = list(pool.map(_worker_check, files, chunksize=32))
    else:
        outcomes = (_checked(path, corpus, settings) for path in files)

    result = CheckResult()
    for path, checked in zip(files, outcomes, strict=True):
        if checked is None:
            result.skipped.append(path)
        else:
            result.files.append(checked)
    return result


def fails(result: CheckResult, fail_on: str) -> bool:
    """Whether some finding is at least as serious as ``fail_on``."""
    if fail_on == "never":
        return False
    worst = SEVERITIES[: SEVERITIES.index(fail_on) + 1]
    counts = result.counts()
    return any(counts[severity] for severity in worst)
