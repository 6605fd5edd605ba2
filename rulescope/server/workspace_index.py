"""The rules of the open workspace, counted beside the index, live.

Open documents count as they are typed; the Sigma files of the workspace
folders are read once in a background thread. A workspace file the index
already holds is left to the index, and the document being edited never
counts against itself: its own indexed version is taken out of its reach.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from lsprotocol import types
from pygls import uris

from rulescope.index.fields import indicator_key
from rulescope.server.condition import matching
from rulescope.server.corpus import Corpus
from rulescope.server.document import SigmaDocument, parse_document

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer

logger = logging.getLogger(__name__)

Key = tuple[str, str, str]
#: Workspace folders are read up to this many YAML files.
MAX_FOLDER_FILES: Final = 5000


@dataclass(slots=True, frozen=True)
class WorkspaceRule:
    """A Sigma rule of the workspace: where it is, its title and id, its keys."""

    uri: str
    path: str
    title: str
    rule_id: str
    keys: frozenset[Key]


def positive_keys(document: SigmaDocument) -> frozenset[Key]:
    """Indicator keys the rule looks for (selections the condition negates left out)."""
    negated = negated_selections(document)
    return frozenset(
        indicator_key(p.field, p.operator, p.value)
        for p in document.predicates
        if not p.negated_modifier and p.clause not in negated
    )


def negated_selections(document: SigmaDocument) -> set[str]:
    """Selections the condition puts under ``not`` (directly or in brackets)."""
    from rulescope.server.checks import conditions

    names, negated = list(document.selections), set()
    for node in conditions(document):
        negated |= _under_not(_TOKENS.findall(str(node.value)), names)
    return negated


_TOKENS: Final = re.compile(r"\(|\)|[^\s()]+")
_SKIPPED: Final = frozenset({"and", "or", "of", "all", "any"})


def _under_not(words: list[str], names: list[str]) -> set[str]:
    negated: set[str] = set()
    depth, not_depths, pending = 0, [], False
    for word in words:
        lower = word.lower()
        if word == "(":
            depth += 1
            if pending:
                not_depths.append(depth)
                pending = False
        elif word == ")":
            if not_depths and not_depths[-1] == depth:
                not_depths.pop()
            depth -= 1
        elif lower == "not":
            pending = True
        elif lower not in _SKIPPED and not lower.isdigit():
            if pending or not_depths:
                negated.update(matching(word, names))
            pending = False
    return negated


def as_workspace_rule(document: SigmaDocument) -> WorkspaceRule | None:
    """The rule a parsed document holds, or None when it is not a Sigma rule."""
    if not document.is_sigma or not isinstance(document.data, dict):
        return None
    data = document.data
    path = str(document.path.resolve()) if document.path else ""
    return WorkspaceRule(
        document.uri,
        path,
        str(data.get("title", "")),
        str(data.get("id", "")),
        positive_keys(document),
    )


class WorkspaceRules:
    """The workspace's rules: open documents, live, and folder files read once."""

    def __init__(self, server: RulescopeServer) -> None:
        self.server = server
        self._files: dict[str, WorkspaceRule] = {}
        self._open: dict[tuple[str, int, int], WorkspaceRule | None] = {}
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Read the workspace folders' rules in the background (once)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        folders = [
            Path(folder.uri.removeprefix("file://"))
            for folder in self.server.workspace.folders.values()
            if folder.uri.startswith("file://")
        ]
        threading.Thread(
            target=self._read_folders, args=(folders,), daemon=True
        ).start()

    def _read_folders(self, folders: list[Path]) -> None:
        started, files = time.perf_counter(), 0
        for folder in folders:
            for path in sorted(folder.rglob("*.y*ml"))[:MAX_FOLDER_FILES]:
                files += 1
                self.refresh(path)
        elapsed = (time.perf_counter() - started) * 1000
        logger.info(
            "read %d workspace rules of %d files in %.0f ms",
            len(self._files),
            files,
            elapsed,
        )

    def refresh(self, path: Path) -> None:
        """Read one workspace file again: changed, created, or gone."""
        key = str(path.resolve())
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            self._files.pop(key, None)
            return
        rule = as_workspace_rule(parse_document(path.as_uri(), 0, text))
        if rule is None:
            self._files.pop(key, None)
        else:
            self._files[rule.path or key] = rule

    def _open_rule(self, uri: str) -> WorkspaceRule | None:
        sigma, _ = self.server.document(uri)
        cache_key = (uri, sigma.version, len(sigma.text))
        if cache_key not in self._open:
            self._open = {k: v for k, v in self._open.items() if k[0] != uri}
            self._open[cache_key] = as_workspace_rule(sigma)
        return self._open[cache_key]

    def rules(self, corpus: Corpus | None, except_uri: str = "") -> list[WorkspaceRule]:
        """Rules the index does not hold, the one at ``except_uri`` left out."""
        self.start()
        found = dict(self._files)
        for uri in list(self.server.workspace.text_documents):
            rule = self._open_rule(uri)
            if rule is not None:
                found[rule.path or uri] = rule
        indexed = indexed_paths(corpus) if corpus is not None else frozenset()
        return [
            rule
            for rule in found.values()
            if rule.uri != except_uri and rule.path not in indexed
        ]


_indexed: weakref.WeakKeyDictionary[Corpus, frozenset[str]] = (
    weakref.WeakKeyDictionary()
)
_workspaces: weakref.WeakKeyDictionary[RulescopeServer, WorkspaceRules] = (
    weakref.WeakKeyDictionary()
)


def indexed_paths(corpus: Corpus) -> frozenset[str]:
    """Every rule file path the index holds (read once per index)."""
    if corpus not in _indexed:
        rows = corpus.db.execute("SELECT DISTINCT path FROM rules")
        _indexed[corpus] = frozenset(row[0] for row in rows)
    return _indexed[corpus]


def workspace_rules(server: RulescopeServer) -> WorkspaceRules:
    """The server's workspace rules, made on first use."""
    if server not in _workspaces:
        _workspaces[server] = WorkspaceRules(server)
    return _workspaces[server]


def own_rule_ids(corpus: Corpus, document: SigmaDocument) -> frozenset[int]:
    """Index rules that are this document: the same file, or the same Sigma id."""
    path = str(document.path.resolve()) if document.path else ""
    data = document.data if isinstance(document.data, dict) else {}
    rule_id = str(data.get("id", "")) or "\0"
    rows = corpus.db.execute(
        "SELECT id FROM rules WHERE path = ? OR (vendor = 'sigma' AND rule_id = ?)",
        (path, rule_id),
    )
    return frozenset(row[0] for row in rows)


def workspace_counts(
    server: RulescopeServer, document: SigmaDocument
) -> Callable[[str, str, str], int]:
    """How many other workspace rules (not yet indexed) check an indicator."""
    corpus = server.corpus
    assert corpus is not None
    others = workspace_rules(server).rules(corpus, document.uri)
    in_workspace = Counter(key for rule in others for key in rule.keys)

    def count(field: str, operator: str, value: str) -> int:
        return in_workspace[indicator_key(field, operator, value)]

    return count


def live_reach(
    server: RulescopeServer, document: SigmaDocument
) -> Callable[[str, str, str], int]:
    """Reach for this document: its own indexed version out, the workspace in."""
    corpus = server.corpus
    assert corpus is not None
    own = own_rule_ids(corpus, document)
    in_workspace = workspace_counts(server, document)

    def reach(field: str, operator: str, value: str) -> int:
        indexed = corpus.corpus_reach(field, operator, value, own)
        return indexed + in_workspace(field, operator, value)

    return reach


def register(server: RulescopeServer) -> None:
    """Keep the workspace's rules current as files change on disk."""

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def on_watched_files(params: types.DidChangeWatchedFilesParams) -> None:
        rules = workspace_rules(server)
        for change in params.changes:
            if change.uri.startswith("file://") and change.uri.endswith(
                (".yml", ".yaml")
            ):
                rules.refresh(Path(uris.to_fs_path(change.uri) or ""))
