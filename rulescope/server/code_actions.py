"""textDocument/codeAction: quick fixes, with the ones that ask the index.

From the index: a revoked technique replaced by its successor, the tactic
tags of a technique's parent added, and for a noisy indicator the fields that
rules under the same techniques most often pair with it, offered as a new
selection joined to it in the condition. The document-only fixes live in
:mod:`rulescope.server.fixes`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from lsprotocol import types
from pygls.workspace import TextDocument
from yaml import SequenceNode

from rulescope.index.fields import indicator_key
from rulescope.server import fixes
from rulescope.server.checks import conditions, standalone_predicates
from rulescope.server.corpus import Corpus, _ids
from rulescope.server.document import DocPredicate, SigmaDocument, Span, node_span
from rulescope.server.fixes import Fix, overlaps
from rulescope.server.navigation import selection_uses
from rulescope.server.protocol import guarded, to_range

if TYPE_CHECKING:
    from rulescope.server.server import RulescopeServer

#: v19 split defense-evasion: a rule tagged with either new tactic has it.
_SPLIT_TACTICS: Final = {"defense-evasion": {"stealth", "defense-impairment"}}
_SIGMA_MODIFIER: Final = {
    "eq": "",
    "contains": "|contains",
    "starts_with": "|startswith",
    "ends_with": "|endswith",
    "regex_match": "|re",
    "cidr": "|cidr",
}
#: How many pairing fields a noisy indicator is offered.
PAIRINGS: Final = 3


def successor_fixes(
    document: SigmaDocument, corpus: Corpus, first: int, last: int
) -> list[Fix]:
    """A revoked technique tag replaced by the technique that revoked it."""
    found = []
    for _, technique, span in _technique_tags(document, first, last):
        info = corpus.technique(technique)
        if info is None or not info.revoked or not info.revoked_by:
            continue
        written = _span_text(document, span)
        new = re.sub(re.escape(technique), info.revoked_by.lower(), written, flags=re.I)
        title = f"Replace {technique} with {info.revoked_by} (ATT&CK revoked it)"
        found.append(Fix(title, [(span, new)], ("revoked_technique",), True))
    return found


def _span_text(document: SigmaDocument, span: Span) -> str:
    lines = document.text.splitlines(keepends=True)
    if span.line != span.end_line:
        return ""
    return lines[span.line][span.column : span.end_column]


def _technique_tags(
    document: SigmaDocument, first: int, last: int
) -> list[tuple[str, str, Span]]:
    found = []
    for tag, span in document.tags:
        name = tag.lower().removeprefix("attack.")
        is_technique = tag.lower().startswith("attack.t") and name[1:2].isdigit()
        if is_technique and overlaps(span, first, last):
            found.append((tag, name.upper(), span))
    return found


def tactic_fixes(
    document: SigmaDocument, corpus: Corpus, first: int, last: int
) -> list[Fix]:
    """The tactic tags of a technique's parent that the rule lacks."""
    node = document.top("tags")
    if not isinstance(node, SequenceNode) or node.flow_style:
        return []
    present = {tag.lower().removeprefix("attack.") for tag, _ in document.tags}
    found, offered = [], set()
    for _, technique, span in _technique_tags(document, first, last):
        info = corpus.technique(technique.split(".")[0]) or corpus.technique(technique)
        if info is None or info.revoked:
            continue
        for tactic in info.tactics:
            covered = {tactic} | _SPLIT_TACTICS.get(tactic, set())
            if covered & present or tactic in offered:
                continue
            offered.add(tactic)
            line = document.text.splitlines()[span.line]
            indent = line[: len(line) - len(line.lstrip(" -"))]
            edit = (
                Span(span.line + 1, 0, span.line + 1, 0),
                f"{indent}attack.{tactic}\n",
            )
            title = f"Add the tactic tag 'attack.{tactic}' of {info.id}"
            found.append(Fix(title, [edit]))
    return found


def pairing_fields(
    corpus: Corpus, predicate: DocPredicate, techniques: tuple[str, ...]
) -> tuple[list[tuple[str, str, str, int]], int]:
    """Fields rules with this indicator under ``techniques`` most often add to it.

    Returns ((field, operator, most common value, rules), rules considered).
    """
    key = indicator_key(predicate.field, predicate.operator, predicate.value)
    rows = corpus.db.execute(
        "SELECT DISTINCT rule FROM predicates WHERE key_field = ? AND "
        "key_operator = ? AND key_value = ? AND negated = 0",
        key,
    )
    with_indicator = frozenset(row[0] for row in rows)
    here = with_indicator & corpus.rules_under(techniques) or with_indicator
    ids = _ids(here)
    fields = corpus.db.execute(_PAIRED_FIELDS.format(ids=ids), (predicate.field,))
    found = []
    for field_name, count in fields.fetchall():
        row = corpus.db.execute(_COMMON_VALUE.format(ids=ids), (field_name,)).fetchone()
        if row is not None:
            found.append((field_name, row[0], row[1], count))
    return found, len(here)


_OPERATORS: Final = ",".join(f"'{operator}'" for operator in _SIGMA_MODIFIER)
_PAIRED_FIELDS = f"""
SELECT field, COUNT(DISTINCT rule) AS n FROM predicates
WHERE rule IN ({{ids}}) AND negated = 0 AND field != ? AND instr(field, ':') = 0
  AND field != 'keyword' AND operator IN ({_OPERATORS})
GROUP BY field ORDER BY n DESC, field LIMIT {PAIRINGS}
"""
_COMMON_VALUE = f"""
SELECT operator, value, COUNT(DISTINCT rule) AS n FROM predicates
WHERE rule IN ({{ids}}) AND negated = 0 AND field = ? AND operator IN ({_OPERATORS})
GROUP BY operator, value ORDER BY n DESC, value LIMIT 1
"""


def noisy_fixes(
    document: SigmaDocument, corpus: Corpus, first: int, last: int, threshold: int
) -> list[Fix]:
    """For a noisy standalone indicator, a selection narrowing it, per paired field."""
    found = []
    for predicate in standalone_predicates(document):
        if not overlaps(predicate.span, first, last):
            continue
        reach = corpus.corpus_reach(
            predicate.field, predicate.operator, predicate.value
        )
        if reach < threshold:
            continue
        pairings, considered = pairing_fields(corpus, predicate, document.techniques)
        for field_name, operator, value, count in pairings:
            edits = _narrowing_edits(
                document, predicate.clause, field_name, operator, value
            )
            if edits:
                title = (
                    f"Narrow with {field_name} ({count} of {considered} rules with "
                    f"this indicator check it): {field_name}"
                    f"{_SIGMA_MODIFIER[operator]}: '{value}'"
                )
                found.append(Fix(title, edits, ("noisy_indicator",)))
    return found


def _narrowing_edits(
    document: SigmaDocument, clause: str, field_name: str, operator: str, value: str
) -> list[tuple[Span, str]]:
    """A new selection before ``condition`` and the condition joining it."""
    detection = document.top_key("detection")
    nodes = conditions(document)
    if detection is None or not nodes:
        return []
    name = _new_name(document, field_name)
    uses = [
        u for u in selection_uses(document) if not u.is_definition and u.text == clause
    ]
    if uses:
        joined = [(use.span, f"({clause} and {name})") for use in uses]
    elif len(nodes) == 1 and nodes[0].style is None and "\n" not in str(nodes[0].value):
        joined = [(node_span(nodes[0]), f"({nodes[0].value}) and {name}")]
    else:
        return []

    condition_key = _condition_key(document)
    indent = " " * condition_key.column
    quoted = value.replace("'", "''")
    text = (
        f"{indent}{name}:\n{indent}{indent or '    '}"
        f"{field_name}{_SIGMA_MODIFIER[operator]}: '{quoted}'\n"
    )
    insert = Span(condition_key.line, 0, condition_key.line, 0)
    return [(insert, text), *joined]


def _condition_key(document: SigmaDocument) -> Span:
    detection = document.top("detection")
    for key, _ in getattr(detection, "value", []):
        if key.value == "condition":
            return node_span(key)
    raise LookupError("no condition")


def _new_name(document: SigmaDocument, field_name: str) -> str:
    base = "selection_" + re.sub(r"\W+", "_", field_name).strip("_").lower()
    name, number = base, 2
    while name in document.selections:
        name, number = f"{base}_{number}", number + 1
    return name


def quick_fixes(
    document: SigmaDocument,
    corpus: Corpus | None,
    lines: tuple[int, int],
    codes: set[str],
    threshold: int,
) -> list[Fix]:
    """Every fix offered for the lines ``lines`` and the diagnostics' ``codes``."""
    if document.root is None:
        return []
    first, last = lines
    found = fixes.wildcard_fixes(document, first, last)
    found += fixes.logsource_case_fixes(document, first, last)
    found += fixes.missing_id_fixes(document)
    found += fixes.validator_fixes(document, codes)
    if corpus is not None:
        found += successor_fixes(document, corpus, first, last)
        found += tactic_fixes(document, corpus, first, last)
        found += noisy_fixes(document, corpus, first, last, threshold)
    return found


def register(server: RulescopeServer) -> None:
    """Serve quick fixes."""

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    @guarded([])
    def on_code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        sigma, text_document = server.document(uri)
        if not server.serves(sigma):
            return []
        lines = (params.range.start.line, params.range.end.line)
        diagnostics = params.context.diagnostics
        codes = {str(d.code) for d in diagnostics if d.code is not None}
        found = quick_fixes(
            sigma, server.corpus, lines, codes, server.settings.noisy_threshold
        )
        return [_action(text_document, uri, fix, diagnostics) for fix in found]


def _action(
    text_document: TextDocument,
    uri: str,
    fix: Fix,
    diagnostics: Sequence[types.Diagnostic],
) -> types.CodeAction:
    edits = [types.TextEdit(to_range(text_document, s), t) for s, t in fix.edits]
    return types.CodeAction(
        title=fix.title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[d for d in diagnostics if d.code in fix.codes] or None,
        is_preferred=fix.preferred or None,
        edit=types.WorkspaceEdit(changes={uri: edits}),
    )
