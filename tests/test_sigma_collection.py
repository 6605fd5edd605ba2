"""Sigma collection actions (global, reset, repeat) built from a real corpus rule."""

from __future__ import annotations

import uuid
from pathlib import Path

import yaml

from rulescope.index.sources.sigma import SigmaSource

NLTEST = "rules/windows/process_creation/proc_creation_win_nltest_execution.yml"


def test_sigma_collection_actions_merge_into_rules(
    sigma_corpus: Path, tmp_path: Path
) -> None:
    """Global reaches every rule, repeat extends the previous one, reset ends it."""
    rule = yaml.safe_load((sigma_corpus / NLTEST).read_text(encoding="utf-8"))
    shared = {key: rule[key] for key in ("tags", "logsource", "level", "status")}
    first = {"title": rule["title"], "id": rule["id"], "detection": rule["detection"]}
    repeat = {"title": "Nltest Domain Trusts", "id": str(uuid.uuid4())}
    repeat["detection"] = {
        "selection_trusts": {"CommandLine|contains": "/domain_trusts"},
        "condition": "selection and selection_trusts",
    }
    after_reset = dict(first, id=str(uuid.uuid4()), logsource={"product": "linux"})
    documents = [
        {"action": "global", **shared},
        first,
        {"action": "repeat", **repeat},
        {"action": "reset"},
        after_reset,
    ]
    path = tmp_path / "collection.yml"
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")

    rules = SigmaSource(tmp_path).read(path)

    assert [r.title for r in rules] == [
        rule["title"],
        "Nltest Domain Trusts",
        rule["title"],
    ]
    assert rules[0].techniques == ["T1016", "T1018", "T1482"]
    assert rules[0].logsource == {"category": "process_creation", "product": "windows"}
    # repeat keeps the first rule's selection and adds its own.
    repeated = {(p.field, p.operator, p.value) for p in rules[1].predicates}
    assert ("Image", "ends_with", "\\nltest.exe") in repeated
    assert ("CommandLine", "contains", "/domain_trusts") in repeated
    assert rules[1].techniques == rules[0].techniques
    # after reset, nothing of the global part is left.
    assert rules[2].techniques == []
    assert rules[2].logsource == {"product": "linux"}
    assert all(p.line == -1 for r in rules for p in r.predicates)
