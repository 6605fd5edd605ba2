"""Microsoft Sentinel analytic rules (YAML with a KQL query) read into rules.

Files are ``Detections/**/*.yaml`` and ``Solutions/*/Analytic Rules/**/*.yaml``
(one solution spells it ``Analytical Rules``). Each holds one rule. Its
``query`` is walked by :mod:`sentinel_kql`; a query that does not parse
keeps its rule, with ``query_error`` set and whatever predicates the other
``where`` clauses gave. YAML errors are ``RuleFileError`` at the 0-based
mark, as for Sigma. ``severity`` and ``status`` are lower-cased; tactics are
ATT&CK short names (``DefenseEvasion`` becomes ``defense-evasion``).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Final

from lark.exceptions import LarkError
from yaml import MappingNode, Node, ScalarNode

from rulescope.index.fields import normalize_predicate
from rulescope.index.model import Predicate, QueryError, Rule, RuleFileError
from rulescope.index.sources.sentinel_events import query_events, query_logsource
from rulescope.index.sources.sentinel_kql import QueryWalk, walk_query
from rulescope.index.sources.sentinel_kql_expr import Leaf
from rulescope.index.sources.sigma import resolved_path
from rulescope.index.sources.sigma_yaml import load_documents

logger = logging.getLogger(__name__)

VENDOR: Final = "sentinel"
#: Where analytic rules live below the corpus root.
RULE_GLOBS: Final = (
    "Detections/**/*.yaml",
    "Solutions/*/Analytic Rules/**/*.yaml",
    "Solutions/*/Analytical Rules/**/*.yaml",
)
#: Sentinel rule kinds that are ordinary query rules.
_RULE_KINDS: Final = frozenset({"scheduled", "nrt", ""})
_TECHNIQUE: Final = re.compile(r"T\d{4}(?:\.\d{3})?")
#: ATT&CK Enterprise (and the ICS ones Sentinel uses), by separator-free name.
_KNOWN_TACTICS: Final = {
    name.replace("-", ""): name
    for name in (
        "reconnaissance",
        "resource-development",
        "initial-access",
        "execution",
        "persistence",
        "privilege-escalation",
        "defense-evasion",
        "credential-access",
        "discovery",
        "lateral-movement",
        "collection",
        "command-and-control",
        "exfiltration",
        "impact",
        "inhibit-response-function",
        "impair-process-control",
        "pre-attack",
    )
}
_WORD_START: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class SentinelSource:
    """The Sentinel analytic rules under one corpus root."""

    vendor = VENDOR

    def __init__(self, root: Path) -> None:
        self.root = root

    def files(self) -> list[Path]:
        """Every analytic-rule YAML file under the root, sorted by path."""
        found = {path for glob in RULE_GLOBS for path in self.root.glob(glob)}
        return sorted(path for path in found if path.is_file())

    def read(self, path: Path) -> list[Rule]:
        """The one rule of a file; ``RuleFileError`` when the file cannot be read."""
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise RuleFileError(f"cannot read file: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise RuleFileError(f"not UTF-8: {exc.reason}") from exc
        documents = load_documents(text)
        if not documents:
            raise RuleFileError("the file holds no YAML document")
        node, document = documents[0]
        if not isinstance(node, MappingNode) or not isinstance(document, dict):
            mark = node.start_mark
            reason = "a Sentinel rule must be a mapping of rule attributes"
            raise RuleFileError(reason, mark.line, mark.column)
        return [read_rule(document, _query_line(node), resolved_path(path))]


def read_rule(document: dict[str, Any], query_line: int, path: str) -> Rule:
    """One rule document as a normalized rule.

    ``query_line`` is the 0-based file line of the query's first line, or -1
    when the query is not a literal block scalar.
    """
    query = document.get("query")
    rule = Rule(
        vendor=VENDOR,
        path=path,
        title=_text(document.get("name")),
        rule_id=_text(document.get("id")),
        level=_text(document.get("severity")).lower(),
        status=_text(document.get("status")).lower(),
        language="kql",
        kind=_kind(document.get("kind")),
        description=_text(document.get("description")).strip(),
        techniques=techniques(document),
        tactics=[tactic_shortname(t) for t in _strings(document.get("tactics"))],
        query=query if isinstance(query, str) else "",
    )
    if not rule.query.strip():
        rule.query_error = QueryError("the rule has no query")
        return rule
    _add_query(rule, query_line)
    return rule


def _add_query(rule: Rule, query_line: int) -> None:
    """Walk the rule's query into predicates, events and log source."""
    try:
        walk = walk_query(rule.query)
    except (LarkError, RecursionError) as exc:
        rule.query_error = QueryError(f"query not walked: {type(exc).__name__}")
        logger.debug("query of '%s' not walked: %s", rule.path, exc)
        return
    rule.predicates = [_predicate(leaf, query_line) for leaf in walk.leaves]
    rule.events = query_events(walk)
    rule.logsource = query_logsource(walk)
    rule.query_error = walk.error
    _log_walk(rule, walk)


def _log_walk(rule: Rule, walk: QueryWalk) -> None:
    if walk.failed_clauses:
        logger.debug(
            "'%s': %d of %d where clauses did not parse",
            rule.path,
            walk.failed_clauses,
            walk.clauses,
        )


def _predicate(leaf: Leaf, query_line: int) -> Predicate:
    """A walked leaf with its field mapped onto the canonical name."""
    field, operator, value = normalize_predicate(
        VENDOR, leaf.field, leaf.operator, leaf.value, leaf.table or None
    )
    line = query_line + leaf.line - 1 if query_line >= 0 and leaf.line else -1
    return Predicate(
        field,
        operator,
        value,
        leaf.negated,
        raw_field=leaf.field,
        clause="where",
        line=line,
    )


def _query_line(node: MappingNode) -> int:
    """The 0-based file line where a ``|`` block-scalar query's text starts."""
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == "query":
            return _block_start(value)
    return -1


def _block_start(value: Node) -> int:
    """Only a literal block keeps the query's lines one for one."""
    if isinstance(value, ScalarNode) and value.style == "|":
        return int(value.start_mark.line) + 1
    return -1


def techniques(document: dict[str, Any]) -> list[str]:
    """ATT&CK technique ids from ``relevantTechniques`` (or ``techniques``)."""
    raw = document.get("relevantTechniques") or document.get("techniques")
    found = (_TECHNIQUE.fullmatch(item.strip().upper()) for item in _strings(raw))
    return list(dict.fromkeys(match.group(0) for match in found if match))


def tactic_shortname(tactic: str) -> str:
    """``CommandAndControl`` (or ``Command and Control``) as ``command-and-control``.

    Known tactics are matched ignoring case and separators, so the corpus's
    ``CommandandControl`` spelling maps too.
    """
    squashed = re.sub(r"[^a-z]", "", tactic.lower())
    if squashed in _KNOWN_TACTICS:
        return _KNOWN_TACTICS[squashed]
    words = _WORD_START.sub(" ", tactic.strip()).split()
    return "-".join(word.lower() for word in words)


def _kind(kind: Any) -> str:
    """``Scheduled`` and ``NRT`` rules are ``rule``; another kind is kept."""
    name = _text(kind).strip().lower()
    return "rule" if name in _RULE_KINDS else name


def _strings(value: Any) -> list[str]:
    """A YAML list (or single value) of strings, other items dropped."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]


def _text(value: Any) -> str:
    return "" if value is None else str(value)
