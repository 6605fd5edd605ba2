"""The index build: atomic replacement, recorded failures, stats and reach."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rulescope.index import store
from rulescope.index.build import SourceSpec, build_index
from rulescope.index.catalog import Catalog
from rulescope.index.queries import index_stats, indicator_reach
from tests.conftest import copy_rules

#: Real Sigma rules about rundll32, read by hand: the first two look for
#: ``Image|endswith: '\rundll32.exe'``; the third only excludes it (its
#: ``filter`` under ``not``).
_PROCESS_CREATION = "rules/windows/process_creation/"
RUNDLL32_RULES = [
    _PROCESS_CREATION + "proc_creation_win_rundll32_keymgr.yml",
    _PROCESS_CREATION + "proc_creation_win_rundll32_unc_path.yml",
    _PROCESS_CREATION + "proc_creation_win_renamed_rundll32_dllregisterserver.yml",
]

BROKEN_RULE = "title: broken\ndetection:\n  selection:\n    Image: [unclosed\n"


def _write_corpus(sigma_corpus: Path, root: Path) -> Path:
    files = [sigma_corpus / relative for relative in RUNDLL32_RULES]
    copy_rules(files, sigma_corpus, root)
    (root / "broken.yml").write_text(BROKEN_RULE, encoding="utf-8")
    return root


@pytest.fixture()
def made_index(tmp_path: Path, sigma_corpus: Path, catalog: Catalog) -> Path:
    """An index of three real rundll32 rules and one broken file."""
    corpus = _write_corpus(sigma_corpus, tmp_path / "sigma")
    index = tmp_path / "index.sqlite"
    build_index([SourceSpec("sigma", corpus)], index, catalog=catalog, workers=1)
    return index


def test_build_records_broken_file_and_goes_on(made_index: Path) -> None:
    """A broken rule file is recorded with its position; the others are indexed."""
    with store.open_index(made_index) as db:
        stats = index_stats(db)["vendors"]["sigma"]
    assert stats["files"] == 4
    assert stats["rules"] == 3
    assert stats["rules_with_predicates"] == 3
    (failure,) = stats["failures"]
    assert failure["path"].endswith("broken.yml")
    assert failure["line"] >= 4
    assert failure["reason"]


def test_reach_counts_checks_and_exclusions(made_index: Path) -> None:
    """Reach counts the rules checking an indicator and, apart, those excluding it."""
    with store.open_index(made_index) as db:
        reach = indicator_reach(db, "Image", "ends_with", "\\rundll32.exe")
    assert reach.corpus_reach == 2
    assert reach.excluded_by == 1
    assert reach.by_vendor == {"sigma": 2}
    assert reach.techniques == {"T1021.002": 1, "T1218.011": 1, "T1555.004": 1}
    titles = {rule["title"] for rule in reach.rules}
    assert titles == {"Suspicious Key Manager Access", "Rundll32 UNC Path Execution"}


def test_reach_normalizes_vendor_field_names(made_index: Path) -> None:
    """A vendor's name for the field finds the same indicator as Sigma's."""
    with store.open_index(made_index) as db:
        by_ecs = indicator_reach(db, "process.name", "eq", "rundll32.exe")
        by_cim = indicator_reach(db, "process_name", "eq", "RUNDLL32.EXE")
    assert by_ecs.field == by_cim.field == "Image"
    assert by_ecs.corpus_reach == by_cim.corpus_reach == 2


def test_build_catalog_events_from_logsource(made_index: Path) -> None:
    """A process_creation rule touches Sysmon 1 and Security 4688 via its log source."""
    with store.open_index(made_index) as db:
        rows = db.execute(
            "SELECT e.provider, e.event_id FROM rule_events e JOIN rules r "
            "ON r.id = e.rule WHERE r.title = 'Rundll32 UNC Path Execution'"
        ).fetchall()
    events = {(row[0], row[1]) for row in rows}
    assert ("Microsoft-Windows-Sysmon", 1) in events
    assert ("Microsoft-Windows-Security-Auditing", 4688) in events


def test_failed_build_leaves_previous_index(
    made_index: Path, tmp_path: Path, sigma_corpus: Path, catalog: Catalog
) -> None:
    """A build interrupted halfway leaves the old index whole and no stray files."""
    before = made_index.read_bytes()
    corpus = _write_corpus(sigma_corpus, tmp_path / "again")

    def interrupt(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index(
            [SourceSpec("sigma", corpus)],
            made_index,
            catalog=catalog,
            progress=interrupt,
            workers=1,
        )
    assert made_index.read_bytes() == before
    assert sorted(p.name for p in made_index.parent.iterdir() if p.is_file()) == [
        "index.sqlite"
    ]
    with store.open_index(made_index) as db:
        assert index_stats(db)["vendors"]["sigma"]["rules"] == 3


def test_open_index_rejects_damaged_file(tmp_path: Path) -> None:
    """A file that is not an index gives a one-line message naming the rebuild."""
    damaged = tmp_path / "index.sqlite"
    damaged.write_bytes(b"not a database at all" * 100)
    with pytest.raises(store.IndexUnavailable, match="rulescope index build"):
        store.open_index(damaged)
    with pytest.raises(store.IndexUnavailable, match="no index at"):
        store.open_index(tmp_path / "missing.sqlite")


def _rulescope(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rulescope", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_stats_and_reach_json(made_index: Path) -> None:
    """``index stats --json`` and ``reach --json`` print the documented keys."""
    stats = json.loads(
        _rulescope("index", "stats", "--json", "--index", str(made_index)).stdout
    )
    sigma = stats["vendors"]["sigma"]
    assert {"files", "rules", "rules_with_predicates", "predicates", "failures"} <= set(
        sigma
    )
    assert sigma["failures"][0]["path"].endswith("broken.yml")
    assert list(sigma["failures_by_reason"].values()) == [1]
    assert next(iter(sigma["failures_by_reason"])).startswith("invalid YAML")
    result = _rulescope(
        "reach", "FileName", "eq", "rundll32.exe", "--json", "--index", str(made_index)
    )
    reach = json.loads(result.stdout)
    assert set(reach) == {
        "field",
        "operator",
        "value",
        "corpus_reach",
        "by_vendor",
        "excluded_by",
        "techniques",
        "rules",
    }
    assert reach["corpus_reach"] == 2


def test_cli_build_summary_and_bad_source(tmp_path: Path, sigma_corpus: Path) -> None:
    """The build ends with a one-line summary; a missing folder is a one-line error."""
    corpus = _write_corpus(sigma_corpus, tmp_path / "sigma")
    index = tmp_path / "cli.sqlite"
    built = _rulescope("index", "build", "--source", str(corpus), "--index", str(index))
    assert built.returncode == 0, built.stderr
    assert "indexed 3 rules from 4 files in" in built.stderr
    assert "1 failures" in built.stderr
    assert built.stdout == ""
    missing = _rulescope("index", "build", "--source", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1
    assert "does not exist" in missing.stderr
