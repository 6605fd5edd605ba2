"""pySigma's and SigmaHQ's rule validators, each finding placed on its node.

The validator classes are discovered once (pySigma's plugin registry) and
instantiated per run: several keep state across the rules they see, which
in an editor would be the same rule version after version. ATT&CK data is
read from the local reference bundle; without it the validators that need
it are left out. Nothing reaches for the network: the SigmaHQ data sets
(taxonomy, file names, event ids, providers) and D3FEND are not bundled, so
their loaders point at a missing local file and the validators that need
them switch themselves off when their data fails to load.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from pathlib import Path
from typing import Any, Final

from yaml import MappingNode, Node, ScalarNode, SequenceNode

from rulescope.server.document import SigmaDocument, Span, node_span
from rulescope.server.findings import Finding

logger = logging.getLogger(__name__)

#: Left out: collection-wide checks meaningless for one open document, and
#: checks the server makes itself with better placement (technique tags
#: against the index's catalog, unused selections).
EXCLUDED: Final = frozenset(
    {
        "identifier_uniqueness",
        "duplicate_title",
        "duplicate_filename",
        "attacktag",
        "dangling_detection",
        # The bundled ATT&CK v18.1 predates the v19 tactics the corpus tags
        # (stealth, defense-impairment): 1,206 of 3,780 SigmaHQ rules would
        # warn. A v19 bundle in the reference folder would let it back in.
        "sigmahq_tags_techniques_without_tactics",
    }
)
NEEDS_ATTACK: Final = frozenset(
    {"attacktag", "sigmahq_tags_techniques_without_tactics"}
)
ATTACK_BUNDLE: Final = Path("attack/enterprise-attack-18.1.json")
_SEVERITIES: Final = {
    "HIGH": "error",
    "MEDIUM": "warning",
    "LOW": "information",
    "INFORMATIONAL": "hint",
}
#: pySigma data modules that would otherwise download from GitHub.
OFFLINE_DATA: Final = (
    "sigma.data.mitre_d3fend",
    "sigma.validators.sigmahq.data.data_filename",
    "sigma.validators.sigmahq.data.data_taxonomy",
    "sigma.validators.sigmahq.data.data_windows_eventid",
    "sigma.validators.sigmahq.data.data_windows_provider",
)
_lock = threading.Lock()
_classes: dict[str, Any] | None = None
#: Validators that failed for want of data; not run again this session.
_switched_off: set[str] = set()


def reference_dir() -> Path:
    """``RULESCOPE_REFERENCE``, else ``shared/reference`` beside the repository."""
    configured = os.environ.get("RULESCOPE_REFERENCE")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "shared" / "reference"


def validator_classes() -> dict[str, Any]:
    """Validator name -> class, discovered once (thread-safe)."""
    global _classes
    with _lock:
        if _classes is None:
            _classes = _discover()
    return _classes


def _discover() -> dict[str, Any]:
    from sigma.data import mitre_attack
    from sigma.plugins import InstalledSigmaPlugins

    plugins = InstalledSigmaPlugins.autodiscover(
        include_backends=False, include_pipelines=False
    )
    excluded = set(EXCLUDED)
    bundle = reference_dir() / ATTACK_BUNDLE
    if bundle.is_file():
        mitre_attack.set_url(str(bundle))
        mitre_attack.set_cache_dir(str(_cache_dir()))
    else:
        logger.warning("no ATT&CK bundle at '%s': ATT&CK validators are off", bundle)
        excluded |= NEEDS_ATTACK
    _keep_offline()
    from rulescope.server.safe_validators import REPLACEMENTS

    found = {
        name: REPLACEMENTS.get(name, cls)
        for name, cls in plugins.validators.items()
        if name not in excluded
    }
    logger.info("loaded %d rule validators", len(found))
    return found


def _keep_offline() -> None:
    """Point every downloading data loader at a local file that does not exist."""
    import importlib

    missing = str(_cache_dir() / "not-bundled.json")
    for name in OFFLINE_DATA:
        module = importlib.import_module(name)
        # The cache directory first: set_url clears the loader's cache.
        module.set_cache_dir(str(_cache_dir() / name.rsplit(".", 1)[-1]))
        module.set_url(missing)


def _cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("rulescope")) / "pysigma-attack"


def validator_findings(document: SigmaDocument, rule: Any) -> list[Finding]:
    """Every validator's issues with ``rule``, placed on the document's nodes."""
    findings = []
    for name, cls in validator_classes().items():
        if name in _switched_off:
            continue
        try:
            issues = cls().validate(rule)
        except Exception as exc:  # a third-party validator must not stop the others
            if _missing_data(exc):
                _switched_off.add(name)
                logger.info("validator '%s' is off for this session: %s", name, exc)
            else:
                logger.debug("validator '%s' failed on '%s'", name, document.uri)
            continue
        for issue in issues:
            severity = _SEVERITIES.get(issue.severity.name, "warning")
            message = _message(issue)
            findings.append(
                Finding(name, message, severity, place(document, name, issue))
            )
    return findings


def _missing_data(exc: Exception) -> bool:
    """Whether a validator failed for want of its data set, as it will every time.

    Any other failure is about the document at hand (a half-typed rule can
    trip a validator) and only skips the validator for that document.
    """
    return isinstance(exc, RuntimeError | OSError) and "load" in str(exc).lower()


def _message(issue: Any) -> str:
    details = [
        f"{f.name}: {_shown(getattr(issue, f.name))}"
        for f in dataclasses.fields(issue)
        if f.name not in ("rules", "severity", "description")
    ]
    description = str(issue.description)
    return description + (f" ({'; '.join(details)})" if details else "")


def _shown(value: Any) -> str:
    if isinstance(value, list | set | tuple):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, type):
        return value.__name__
    return str(value)


def place(document: SigmaDocument, name: str, issue: Any) -> Span:
    """The span of the node an issue is about, falling back to its section."""
    for item in dataclasses.fields(issue):
        span = _span_for(document, item.name, getattr(issue, item.name))
        if span is not None:
            return span
    for key in (
        "falsepositives",
        "description",
        "references",
        "title",
        "author",
        "status",
        "level",
        "date",
        "modified",
        "tags",
        "logsource",
        "fields",
    ):
        if key in name and document.top_key(key) is not None:
            return node_span(document.top_key(key))  # type: ignore[arg-type]
    title = document.top_key("title")
    return node_span(title) if title is not None else Span(0, 0, 0, 0)


def _span_for(document: SigmaDocument, name: str, value: Any) -> Span | None:
    if value is None or name in ("rules",):
        return None
    if name in ("detection_name", "selection") and value in document.selections:
        return node_span(document.selections[value][0])
    if name == "detection_item":
        value, name = getattr(value, "field", None), "field"
    if name in ("field", "fieldname", "user"):
        fields = value if isinstance(value, list) else [value]
        return _key_span(document, {str(f) for f in fields})
    if name in ("tag", "missing_tactic", "tlp", "techniques"):
        return _tag_span(document, value)
    if name in ("string", "value", "unsupported_regexp", "reference", "word", "link"):
        text = str(getattr(value, "original", None) or value)
        return _scalar_span(document.root, text)
    if name in ("logsource", "generic_logsource", "event_id"):
        key = document.top_key("logsource")
        return node_span(key) if key is not None else None
    return None


def _key_span(document: SigmaDocument, fields: set[str]) -> Span | None:
    for predicate in document.predicates:
        if predicate.raw_key.split("|", 1)[0] in fields:
            return predicate.key_span
    return None


def _tag_span(document: SigmaDocument, value: Any) -> Span | None:
    values = value if isinstance(value, list) else [value]
    wanted = set()
    for item in values:
        namespace = getattr(item, "namespace", None)
        wanted.add(f"{namespace}.{item.name}" if namespace else str(item))
    for tag, span in document.tags:
        if tag in wanted or tag.split(".", 1)[-1] in wanted:
            return span
    key = document.top_key("tags")
    return node_span(key) if key is not None else None


def _scalar_span(node: Node | None, text: str) -> Span | None:
    if isinstance(node, ScalarNode):
        return node_span(node) if text and text in str(node.value) else None
    if isinstance(node, MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, SequenceNode):
        children = list(node.value)
    else:
        return None
    for child in children:
        found = _scalar_span(child, text)
        if found is not None:
            return found
    return None
