"""Similar rules: the ``similar_rule`` diagnostic and ``rulescope.similarRules``.

Two rules are compared by their positive indicator keys (the same indicator
in any vendor's dialect is one key): the overlap is the Jaccard index, shared
keys over the keys of either. The indexed rules of every vendor and the
workspace's rules are candidates; the document's own indexed version (same
file or same Sigma id) is not.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from pygls.exceptions import JsonRpcException

from rulescope.server.corpus import Corpus
from rulescope.server.document import SigmaDocument, Span, node_span
from rulescope.server.findings import Finding
from rulescope.server.workspace_index import (
    Key,
    WorkspaceRule,
    own_rule_ids,
    positive_keys,
)

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer

#: Overlap from which the diagnostic names the closest rule.
SIMILAR_OVERLAP: Final = 0.6
#: Fewer shared keys than this is a coincidence, not a similar rule.
MIN_SHARED: Final = 2
COMMAND: Final = "rulescope.similarRules"
#: LSP's RequestFailed: the command is well formed but cannot be answered.
REQUEST_FAILED: Final = -32803

#: A predicate nearer the rule's own text than its key: the vendor's field name,
#: the operator, and the value before the key's case folding.
Written = tuple[str, str, str]


@dataclass(slots=True, frozen=True)
class SimilarRule:
    """An indexed or workspace rule and how much it overlaps the document."""

    title: str
    vendor: str
    path: str
    where: str
    shared: tuple[Key, ...]
    theirs: int
    overlap: float
    #: ``shared`` as the rule wrote each one; empty for a workspace rule.
    written: tuple[Written, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The command's shape for one rule."""
        return {
            "title": self.title,
            "vendor": self.vendor,
            "path": self.path,
            "uri": Path(self.path).as_uri() if self.path else "",
            "where": self.where,
            "overlap": round(self.overlap, 3),
            "shared": [" ".join(key) for key in self.shared],
            "shared_written": [
                {"raw_field": field, "operator": operator, "value": value}
                for field, operator, value in self.written
            ],
            "their_indicators": self.theirs,
        }


_key_counts: weakref.WeakKeyDictionary[Corpus, dict[int, int]] = (
    weakref.WeakKeyDictionary()
)


def key_counts(corpus: Corpus) -> dict[int, int]:
    """Distinct positive indicator keys per indexed rule (read once per index)."""
    if corpus not in _key_counts:
        rows = corpus.db.execute(
            "SELECT rule, COUNT(*) FROM (SELECT DISTINCT rule, key_field, "
            "key_operator, key_value FROM predicates WHERE negated = 0) GROUP BY rule"
        )
        _key_counts[corpus] = dict(rows.fetchall())
    return _key_counts[corpus]


def _indexed_overlaps(
    corpus: Corpus, document: SigmaDocument, mine: frozenset[Key]
) -> dict[int, list[Key]]:
    own = own_rule_ids(corpus, document)
    shared: dict[int, list[Key]] = defaultdict(list)
    for key in mine:
        rows = corpus.db.execute(
            "SELECT DISTINCT rule FROM predicates WHERE key_field = ? AND "
            "key_operator = ? AND key_value = ? AND negated = 0",
            key,
        )
        for (rule,) in rows:
            if rule not in own:
                shared[rule].append(key)
    return shared


def similar_rules(
    corpus: Corpus,
    document: SigmaDocument,
    workspace: Sequence[WorkspaceRule] = (),
    limit: int = 10,
) -> list[SimilarRule]:
    """The rules closest to the document, most overlapping first."""
    mine = positive_keys(document)
    if len(mine) < MIN_SHARED:
        return []
    counts = key_counts(corpus)
    scored: list[tuple[float, int, list[Key]]] = []
    for rule, keys in _indexed_overlaps(corpus, document, mine).items():
        if len(keys) >= MIN_SHARED:
            union = len(mine) + counts.get(rule, len(keys)) - len(keys)
            scored.append((len(keys) / union, rule, keys))
    scored.sort(key=lambda item: -item[0])
    found = [
        _indexed(corpus, rule, keys, score) for score, rule, keys in scored[:limit]
    ]
    for other in workspace:
        keys = sorted(mine & other.keys)
        if len(keys) >= MIN_SHARED:
            overlap = len(keys) / len(mine | other.keys)
            found.append(
                SimilarRule(
                    other.title,
                    "workspace",
                    other.path,
                    other.path,
                    tuple(keys),
                    len(other.keys),
                    overlap,
                )
            )
    found.sort(key=lambda rule: -rule.overlap)
    return found[:limit]


def _indexed(corpus: Corpus, rule: int, keys: list[Key], score: float) -> SimilarRule:
    row = corpus.db.execute(
        "SELECT title, vendor, path, rel_path FROM rules WHERE id = ?", (rule,)
    ).fetchone()
    theirs = key_counts(corpus).get(rule, len(keys))
    shared = tuple(sorted(keys))
    written = _written(corpus, rule)
    as_written = tuple(written.get(key, key) for key in shared)
    return SimilarRule(
        row[0], row[1], row[2], row[3], shared, theirs, score, as_written
    )


def _written(corpus: Corpus, rule: int) -> dict[Key, Written]:
    """Each positive key of an indexed rule -> its first predicate as written."""
    rows = corpus.db.execute(
        "SELECT key_field, key_operator, key_value, raw_field, operator, value "
        "FROM predicates WHERE rule = ? AND negated = 0 ORDER BY rowid",
        (rule,),
    )
    written: dict[Key, Written] = {}
    for row in rows:
        written.setdefault((row[0], row[1], row[2]), (row[3], row[4], row[5]))
    return written


def similar_findings(
    corpus: Corpus, document: SigmaDocument, workspace: Sequence[WorkspaceRule] = ()
) -> list[Finding]:
    """An information on ``title`` naming the closest rule when it overlaps strongly."""
    closest = similar_rules(corpus, document, workspace, limit=1)
    if not closest or closest[0].overlap < SIMILAR_OVERLAP:
        return []
    rule = closest[0]
    shown = "; ".join(" ".join(key) for key in rule.shared[:3])
    more = f" and {len(rule.shared) - 3} more" if len(rule.shared) > 3 else ""
    message = (
        f"{len(rule.shared)} of this rule's {len(positive_keys(document))} indicators "
        f"are in [{rule.vendor}] '{rule.title}' ({rule.where}; overlap "
        f"{rule.overlap:.0%}): {shown}{more}"
    )
    key = document.top_key("title")
    span = node_span(key) if key is not None else Span(0, 0, 0, 0)
    return [Finding("similar_rule", message, "information", span)]


def server_similar_findings(
    server: RulescopeServer, document: SigmaDocument
) -> list[Finding]:
    """The diagnostic with the server's index and workspace (none without an index)."""
    from rulescope.server.workspace_index import workspace_rules

    if server.corpus is None or document.root is None:
        return []
    workspace = workspace_rules(server).rules(server.corpus, document.uri)
    return similar_findings(server.corpus, document, workspace)


def register(server: RulescopeServer) -> None:
    """Serve the ``rulescope.similarRules`` command: [uri] -> the closest rules."""

    @server.command(COMMAND)
    def on_similar_rules(*arguments: Any) -> list[dict[str, Any]]:
        from rulescope.server.workspace_index import workspace_rules

        if server.corpus is None:
            path = server.settings.resolved_index_path()
            raise JsonRpcException(
                f"no index at '{path}': run 'rulescope index build' "
                "(or set rulescope.indexPath) to compare rules",
                code=REQUEST_FAILED,
            )
        if not arguments:
            return []
        sigma, _ = server.document(str(arguments[0]))
        workspace = workspace_rules(server).rules(server.corpus, sigma.uri)
        return [r.as_json() for r in similar_rules(server.corpus, sigma, workspace)]
