"""Unit tests of the authoring aids' plain functions on real Sigma rules."""

from __future__ import annotations

import re
from pathlib import Path

from rulescope.server.corpus import Corpus
from rulescope.server.document import SigmaDocument, Span, parse_document
from rulescope.server.fixes import wildcard_fixes
from rulescope.server.navigation import references, rename_edits
from rulescope.server.similar import similar_rules
from rulescope.server.symbols import search_rules
from rulescope.server.workspace_index import negated_selections

NODEJS_CHILD = (
    "rules-emerging-threats/2025/Exploits/CVE-2025-55182/"
    "proc_creation_lnx_exploit_cve_2025_55182_susp_nodejs_server_child_process.yml"
)
EXPLORER = (
    "rules/windows/process_creation/proc_creation_win_rundll32_spawn_explorer.yml"
)
SCREENSAVER = (
    "rules/windows/process_creation/proc_creation_win_rundll32_installscreensaver.yml"
)
_ENDSWITH = re.compile(r"^(\s+)(\w+)\|endswith: '([^'*?\\]?[^'*?]*)'$", re.M)


def _document(path: Path, text: str | None = None) -> SigmaDocument:
    content = text if text is not None else path.read_text(encoding="utf-8")
    return parse_document(path.as_uri(), 1, content)


def _apply(text: str, edits: list[tuple[Span, str]]) -> str:
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    ordered = sorted(edits, key=lambda e: (e[0].line, e[0].column), reverse=True)
    for span, new in ordered:
        start = offsets[span.line] + span.column
        end = offsets[span.end_line] + span.end_column
        text = text[:start] + new + text[end:]
    return text


def test_navigation_places_words_of_a_multiline_condition(sigma_corpus: Path) -> None:
    """The CVE-2025-55182 rule's filter is found on line 123, in its long condition."""
    document = _document(sigma_corpus / NODEJS_CHILD)

    spans = references(document, 115, 6, with_definition=True)

    assert [(s.line, s.column, s.end_column) for s in spans] == [
        (115, 4, 34),
        (122, 43, 73),
    ]


def test_rename_refuses_a_name_the_pattern_would_lose(sigma_corpus: Path) -> None:
    """``1 of selection_generic_*`` would drop a renamed selection_generic_child_cli."""
    document = _document(sigma_corpus / NODEJS_CHILD)

    try:
        rename_edits(document, 71, 6, "child_cli")
    except ValueError as exc:
        message = str(exc)
    else:
        message = ""

    assert "'selection_generic_*' would no longer include it" in message


def test_negated_selections_follow_not(sigma_corpus: Path) -> None:
    """Only the selections under ``not`` are exclusions."""
    nodejs = _document(sigma_corpus / NODEJS_CHILD)
    explorer = _document(sigma_corpus / EXPLORER)

    assert negated_selections(nodejs) == {"filter_main_default_shell_flag"}
    assert negated_selections(explorer) == {"filter"}


def test_wildcard_fix_keeps_every_predicate(sigma_corpus: Path) -> None:
    """Real rules written with ``'*value'`` and fixed read the same as the originals."""
    folder = sigma_corpus / "rules/windows/process_creation"
    checked = 0
    for path in sorted(folder.glob("proc_creation_win_rundll32_*.yml")):
        original = path.read_text(encoding="utf-8")
        wildcarded = _ENDSWITH.sub(r"\1\2: '*\3'", original)
        if wildcarded == original:
            continue
        document = _document(path, wildcarded)
        edits = [e for fix in wildcard_fixes(document, 0, 10_000) for e in fix.edits]

        fixed = _document(path, _apply(wildcarded, edits))

        expected = _document(path)
        assert [(p.field, p.operator, p.value) for p in fixed.predicates] == [
            (p.field, p.operator, p.value) for p in expected.predicates
        ], path.name
        checked += 1
    assert checked >= 5


def test_search_rules_needs_every_word(small_index: Path) -> None:
    """Workspace symbols for 'rundll32 screensaver' list the screensaver rule only."""
    corpus = Corpus.open(small_index)
    try:
        found = search_rules(corpus, "rundll32 screensaver")
    finally:
        corpus.close()

    assert [rule.title for rule in found] == ["Rundll32 InstallScreenSaver Execution"]


def test_similar_rules_show_the_indicator_as_the_rule_wrote_it(
    sigma_corpus: Path, small_index: Path
) -> None:
    """Splunk's advpack rule shares rundll32 via its macro's CIM field names."""
    document = _document(sigma_corpus / SCREENSAVER)
    corpus = Corpus.open(small_index)
    advpack = (
        "detections/endpoint/detect_rundll32_application_control_bypass___advpack.yml"
    )

    try:
        found = {r.where: r.as_json() for r in similar_rules(corpus, document)}
    finally:
        corpus.close()

    # process_rundll32: Processes.process_name=rundll32.exe OR
    # Processes.original_file_name=RUNDLL32.EXE (key values are case-folded).
    entry = found[advpack]
    assert entry["shared"] == [
        "Image ends_with rundll32.exe",
        "OriginalFileName eq rundll32.exe",
    ]
    assert entry["shared_written"] == [
        {
            "raw_field": "Processes.process_name",
            "operator": "ends_with",
            "value": "\\rundll32.exe",
        },
        {
            "raw_field": "Processes.original_file_name",
            "operator": "eq",
            "value": "RUNDLL32.EXE",
        },
    ]
