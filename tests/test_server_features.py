"""Unit tests of the plain functions behind the server features, on real rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rulescope.server.checks import (
    condition_findings,
    modifier_findings,
    noisy_findings,
    standalone_predicates,
    technique_findings,
)
from rulescope.server.completion import complete
from rulescope.server.condition import read_condition
from rulescope.server.corpus import Corpus
from rulescope.server.diagnostics import findings
from rulescope.server.document import SigmaDocument, parse_document
from rulescope.server.hover import LiveCounts, hover_markdown
from rulescope.server.locate import line_context
from rulescope.server.settings import DEFAULT_NOISY_THRESHOLD, Settings, merge_settings
from rulescope.server.workspace_index import own_rule_ids

SCREENSAVER = (
    "rules/windows/process_creation/proc_creation_win_rundll32_installscreensaver.yml"
)
EXPLORER = (
    "rules/windows/process_creation/proc_creation_win_rundll32_spawn_explorer.yml"
)


def _document(
    sigma_corpus: Path, relative: str, text: str | None = None
) -> SigmaDocument:
    path = sigma_corpus / relative
    return parse_document(path.as_uri(), 1, text or path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def index(small_index: Path) -> Iterator[Corpus]:
    """The small index of real rules, opened as the server opens it."""
    opened = Corpus.open(small_index)
    yield opened
    opened.close()


def test_document_reads_selections_and_predicates(sigma_corpus: Path) -> None:
    """The screensaver rule has two selections and its rundll32 image test."""
    document = _document(sigma_corpus, SCREENSAVER)

    assert document.is_sigma
    assert document.techniques == ("T1218.011",)
    assert list(document.selections) == ["selection_img", "selection_cli"]
    image = document.predicates[0]
    assert (image.field, image.operator, image.value) == (
        "Image",
        "ends_with",
        "\\rundll32.exe",
    )
    assert (image.span.line, image.span.column) == (18, 26)


def test_condition_reading_finds_standalone_selections() -> None:
    """``selection and not filter`` leaves nothing alone; ``1 of`` does."""
    names = ["selection", "filter", "selection_img", "selection_cli"]

    assert read_condition("selection and not filter", names).alone == set()
    assert read_condition("1 of selection_*", names).alone == {
        "selection_img",
        "selection_cli",
    }
    assert read_condition("all of selection_*", names).alone == set()


def test_checks_flag_missing_and_unused_selections(sigma_corpus: Path) -> None:
    """Renaming the explorer rule's filter in its condition flags both ends."""
    text = (sigma_corpus / EXPLORER).read_text(encoding="utf-8")
    document = _document(sigma_corpus, EXPLORER, text.replace("not filter", "not flt"))

    found = {(f.code, f.span.line, f.span.column) for f in condition_findings(document)}

    assert found == {("undefined_selection", 21, 33), ("unused_selection", 19, 4)}


def test_checks_flag_an_unknown_modifier(sigma_corpus: Path) -> None:
    """A misspelt ``endswith`` in the explorer rule is flagged on the modifier."""
    text = (sigma_corpus / EXPLORER).read_text(encoding="utf-8")
    document = _document(
        sigma_corpus, EXPLORER, text.replace("Image|endswith", "Image|endwith", 1)
    )

    [finding] = modifier_findings(document)

    assert finding.code == "unknown_modifier"
    assert (finding.span.line, finding.span.column, finding.span.end_column) == (
        17,
        20,
        27,
    )


def test_noisy_indicator_needs_reach_and_standing_alone(
    sigma_corpus: Path, index: Corpus
) -> None:
    """With ``1 of selection_*`` the rundll32 image test stands alone and is noisy."""
    original = _document(sigma_corpus, SCREENSAVER)
    text = (sigma_corpus / SCREENSAVER).read_text(encoding="utf-8")
    loosened = _document(
        sigma_corpus,
        SCREENSAVER,
        text.replace("all of selection_*", "1 of selection_*"),
    )

    assert noisy_findings(original, index.corpus_reach, DEFAULT_NOISY_THRESHOLD) == []
    assert {p.value for p in standalone_predicates(loosened)} >= {"\\rundll32.exe"}
    noisy = noisy_findings(loosened, index.corpus_reach, DEFAULT_NOISY_THRESHOLD)
    assert [f.span.line for f in noisy if f.code == "noisy_indicator"][:1] == [18]
    assert "combine it with another condition" in noisy[0].message


def test_technique_tags_are_checked_against_the_catalog(
    sigma_corpus: Path, index: Corpus
) -> None:
    """T1218.011 is a live technique; an invented T1999 is not in the catalog."""
    text = (sigma_corpus / EXPLORER).read_text(encoding="utf-8")
    document = _document(sigma_corpus, EXPLORER, text.replace("t1218.011", "t1999"))

    assert technique_findings(_document(sigma_corpus, EXPLORER), index) == []
    [finding] = technique_findings(document, index)
    assert finding.code == "unknown_technique"
    assert finding.severity == "information"


def test_findings_of_a_clean_corpus_rule_have_no_errors(
    sigma_corpus: Path, index: Corpus
) -> None:
    """The explorer rule as published yields no error-level finding."""
    document = _document(sigma_corpus, EXPLORER)

    found = findings(document, index, Settings())

    assert [f for f in found if f.severity == "error"] == []


def test_yaml_syntax_error_is_placed_at_its_mark(sigma_corpus: Path) -> None:
    """A broken flow sequence in the explorer rule is one ``yaml_syntax`` error."""
    text = (sigma_corpus / EXPLORER).read_text(encoding="utf-8")
    document = _document(
        sigma_corpus, EXPLORER, text.replace("- Unknown", "- [Unknown")
    )

    [finding] = findings(document, None, Settings())

    assert finding.code == "yaml_syntax"
    assert finding.span.line >= 23


def test_hover_on_technique_value_and_field(sigma_corpus: Path, index: Corpus) -> None:
    """Hovers name the technique, give a value's reach and a field's modifier."""
    document = _document(sigma_corpus, SCREENSAVER)

    technique = hover_markdown(document, 12, 10, index, 20)
    value = hover_markdown(document, 18, 33, index, 20)
    field = hover_markdown(document, 18, 16, index, 20)

    assert technique is not None and "Rundll32" in technique[0]
    assert value is not None and "Corpus reach" in value[0]
    assert "Rules here (T1218.011)" in value[0]
    assert field is not None and "matches at the end" in field[0]


def test_completion_offers_techniques_fields_and_values(
    sigma_corpus: Path, index: Corpus
) -> None:
    """Tags, field names and values come from the index, ranked."""
    document = _document(sigma_corpus, SCREENSAVER)
    lines = document.text.splitlines(True)
    lines[12] = "    - attack.t1218.01\n"
    lines[21] = "        CommandLine|contains: \n"

    tags = complete(lines, 12, 21, document, index)
    values = complete(lines, 21, 30, document, index)

    assert "attack.t1218.011" in [s.label for s in tags.suggestions]
    assert any("InstallScreenSaver" in s.label for s in values.suggestions)
    assert "rules here" in values.suggestions[0].detail


def test_line_context_reads_the_key_path_by_indentation() -> None:
    """An unfinished value line knows its selection and field."""
    lines = [
        "detection:\n",
        "    selection:\n",
        "        Image|endswith:\n",
        "            - '\\ru",
    ]

    context = line_context(lines, 3, 18)

    assert context.path == ("detection", "selection", "Image|endswith")
    assert context.prefix == "'\\ru"


def test_settings_merge_keeps_unset_keys() -> None:
    """A partial update changes only what it names and ignores bad types."""
    settings = merge_settings(Settings(), {"rulescope": {"noisyThreshold": 7}})
    updated = merge_settings(
        settings,
        {"rulescope": {"validators": {"enabled": False}, "noisyThreshold": "x"}},
    )

    assert (updated.noisy_threshold, updated.validators_enabled) == (7, False)


def test_structure_error_messages_name_values_not_python_objects(
    sigma_corpus: Path, index: Corpus
) -> None:
    """A half-typed value reads as an empty value, not as a Python object repr."""
    text = (sigma_corpus / EXPLORER).read_text(encoding="utf-8")
    half_typed = text.replace("Image|endswith: '\\rundll32.exe'", "Image|endswith:")
    document = _document(sigma_corpus, EXPLORER, half_typed)

    errors = [f for f in findings(document, index, Settings()) if f.severity == "error"]

    assert errors, "the empty endswith value must be reported"
    assert all(" object at 0x" not in f.message for f in errors)
    assert any("an empty value (null)" in f.message for f in errors)


def test_an_indexed_rule_does_not_count_against_itself(
    sigma_corpus: Path, index: Corpus
) -> None:
    """Opened, a rule the index holds leaves its own copy out of reach and hover."""
    document = _document(sigma_corpus, EXPLORER)
    own = own_rule_ids(index, document)
    image = next(p for p in document.predicates if p.value == "\\explorer.exe")
    indicator = (image.field, image.operator, image.value)

    assert len(own) == 1
    assert index.corpus_reach(*indicator, own) == index.corpus_reach(*indicator) - 1
    line, column = image.span.line, image.span.column + 1
    plain = hover_markdown(document, line, column, index, 20)
    live = hover_markdown(document, line, column, index, 20, LiveCounts(own))
    assert plain is not None and live is not None
    total = index.corpus_reach(*indicator)
    assert f"Corpus reach: **{total}** rules" in plain[0]
    assert f"Corpus reach: **{total - 1}** rules" in live[0]


def test_a_validator_failing_on_one_rule_still_checks_the_next(
    sigma_corpus: Path,
) -> None:
    """A reference written as a mapping trips one validator; the next rule gets it."""
    text = (sigma_corpus / EXPLORER).read_text(encoding="utf-8")
    first_reference = text.split("references:\n", 1)[1].splitlines()[0]
    as_mapping = text.replace(first_reference, "    - url: https://example.org", 1)
    duplicated = text.replace(first_reference, first_reference + "\n" + first_reference)

    tripped = _document(sigma_corpus, EXPLORER, as_mapping)
    findings(tripped, None, Settings())
    checked = findings(_document(sigma_corpus, EXPLORER, duplicated), None, Settings())

    assert "duplicate_references" in {f.code for f in checked}
