"""textDocument/publishDiagnostics: every finding of a document, from one place.

``quick_findings`` needs no pySigma (YAML syntax, conditions, modifiers, tags,
noisy indicators, fields) and is published at once on open; ``findings``
adds pySigma's structure errors and the validators.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Final

from lsprotocol import types
from pygls.workspace import TextDocument

from rulescope.server import checks
from rulescope.server.corpus import Corpus
from rulescope.server.document import SigmaDocument, Span, node_span
from rulescope.server.findings import Finding
from rulescope.server.protocol import to_range
from rulescope.server.settings import Settings
from rulescope.server.similar import server_similar_findings
from rulescope.server.validators import validator_findings
from rulescope.server.workspace_index import live_reach

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer

logger = logging.getLogger(__name__)

SOURCE: Final = "rulescope"
_SEVERITY: Final = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}
#: pySigma error class words -> the top-level key the error concerns.
_ERROR_KEYS: Final = (
    ("Title", "title"),
    ("Identifier", "id"),
    ("Related", "related"),
    ("Status", "status"),
    ("Description", "description"),
    ("References", "references"),
    ("Author", "author"),
    ("Modified", "modified"),
    ("Date", "date"),
    ("Tag", "tags"),
    ("Logsource", "logsource"),
    ("LogSource", "logsource"),
    ("FalsePositives", "falsepositives"),
    ("Fields", "fields"),
    ("Level", "level"),
    ("Correlation", "correlation"),
)


def quick_findings(
    document: SigmaDocument,
    corpus: Corpus | None,
    settings: Settings,
    reach_of: checks.ReachOf | None = None,
) -> list[Finding]:
    """Findings that need no pySigma: syntax, conditions, tags, corpus checks.

    ``reach_of`` counts an indicator's rules; the index's count by default.
    """
    if document.syntax_error is not None:
        problem = document.syntax_error
        return [Finding(problem.code, problem.message, "error", problem.span)]
    if document.root is None:
        return []
    found = checks.condition_findings(document) + checks.modifier_findings(document)
    if corpus is not None:
        found += checks.technique_findings(document, corpus)
        found += checks.noisy_findings(
            document, reach_of or corpus.corpus_reach, settings.noisy_threshold
        )
        found += checks.field_findings(document, corpus)
    return found


def findings(
    document: SigmaDocument,
    corpus: Corpus | None,
    settings: Settings,
    reach_of: checks.ReachOf | None = None,
) -> list[Finding]:
    """Every finding: the quick ones, pySigma's structure errors, the validators."""
    found = quick_findings(document, corpus, settings, reach_of)
    if document.root is None or document.syntax_error is not None:
        return found
    rule = document.sigma_rule()
    if rule is None:
        return found
    if isinstance(rule, Exception):
        return found + [_structure_finding(document, rule)]
    found += [_structure_finding(document, error) for error in rule.errors]
    if settings.validators_enabled and not rule.errors:
        found += validator_findings(document, rule)
    return found


def _structure_finding(document: SigmaDocument, error: Exception) -> Finding:
    name = type(error).__name__
    code = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    message = _readable(str(error.args[0]) if error.args else name)
    return Finding(code, message, "error", _error_span(document, name, message))


#: pySigma writes some values into its messages as Python object reprs.
_OBJECT_REPR = re.compile(r"'?<sigma\.\w+(?:\.\w+)*\.(\w+) object at 0x[0-9a-f]+>'?")
_VALUE_NAMES = {"SigmaNull": "an empty value (null)"}


def _readable(message: str) -> str:
    """A pySigma message with object reprs replaced by what they stand for."""
    return _OBJECT_REPR.sub(
        lambda match: _VALUE_NAMES.get(match[1], match[1].removeprefix("Sigma")),
        message,
    )


def _error_span(document: SigmaDocument, name: str, message: str) -> Span:
    for word, key in _ERROR_KEYS:
        if word in name and document.top_key(key) is not None:
            return node_span(document.top_key(key))  # type: ignore[arg-type]
    if "Condition" in name:
        for node in checks.conditions(document):
            return node_span(node)
    for selection, (selection_key, _) in document.selections.items():
        if f"'{selection}'" in message:
            return node_span(selection_key)
    fallback = document.top_key("detection") or document.top_key("title")
    return node_span(fallback) if fallback is not None else Span(0, 0, 0, 0)


def to_diagnostics(
    text_document: TextDocument, found: list[Finding]
) -> list[types.Diagnostic]:
    """LSP diagnostics, ranges in the client's units."""
    return [
        types.Diagnostic(
            range=to_range(text_document, finding.span),
            message=finding.message,
            severity=_SEVERITY[finding.severity],
            code=finding.code,
            source=SOURCE,
        )
        for finding in found
    ]


def publish(server: RulescopeServer, uri: str, quick: bool = False) -> None:
    """Compute and publish a document's diagnostics; failures publish nothing."""
    try:
        sigma, text_document = server.document(uri)
        served = server.serves(sigma)
        live = live_reach(server, sigma) if served and server.corpus else None
        if not served:
            found: list[Finding] = []
        elif quick:
            found = quick_findings(sigma, server.corpus, server.settings, live)
        else:
            found = findings(sigma, server.corpus, server.settings, live)
            found += server_similar_findings(server, sigma)
        diagnostics = to_diagnostics(text_document, found)
    except Exception:
        logger.exception("diagnostics failed for '%s'", uri)
        return
    server.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(
            uri=uri, version=text_document.version, diagnostics=diagnostics
        )
    )


def clear(server: RulescopeServer, uri: str) -> None:
    """Publish an empty list for a closed document."""
    params = types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
    server.text_document_publish_diagnostics(params)
