"""Technique coverage reports over an index of real corpus rules."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rulescope.index.queries import indicator_reach
from rulescope.index.store import open_index
from rulescope.report import ReportError
from rulescope.report.commands import render, run_coverage
from rulescope.report.coverage import technique_coverage
from rulescope.report.navigator import navigator_layer


@pytest.fixture(scope="session")
def index_path(report_index: Path) -> Path:
    """The report index of real rules (T1071 and its subs among them)."""
    return report_index


@pytest.fixture()
def db(index_path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the report index."""
    connection = open_index(index_path)
    yield connection
    connection.close()


def all_rules(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every rule listed in a report, across vendors."""
    return [r for g in report["rules"]["by_vendor"].values() for r in g["rules"]]


def find_rule(report: dict[str, Any], rel_path: str) -> dict[str, Any]:
    """The listed rule read from ``rel_path`` (relative to its vendor's corpus)."""
    matches = [r for r in all_rules(report) if r["rel_path"] == rel_path]
    assert len(matches) == 1, f"{rel_path} not listed once"
    return matches[0]


def test_coverage_t1071_technique_section(db: sqlite3.Connection) -> None:
    """T1071's page names it, its tactic and link, and includes its sub-techniques."""
    technique = technique_coverage(db, "t1071")["technique"]
    assert technique["id"] == "T1071"
    assert technique["name"] == "Application Layer Protocol"
    assert [t["name"] for t in technique["tactics"]] == ["Command and Control"]
    assert technique["url"] == "https://attack.mitre.org/techniques/T1071"
    assert technique["description"].startswith("Adversaries may communicate using")
    assert "(Citation:" not in technique["description"]
    assert technique["includes_subtechniques"] is True
    subs = {s["id"]: s for s in technique["subtechniques"]}
    assert subs["T1071.001"]["name"] == "Web Protocols"
    assert subs["T1071.004"]["name"] == "DNS"


def test_coverage_t1071_lists_web_and_dns_rules(db: sqlite3.Connection) -> None:
    """Sigma's Telegram API proxy rule and Katz Stealer DNS rule are listed."""
    report = technique_coverage(db, "T1071")
    telegram = find_rule(report, "rules/web/proxy_generic/proxy_telegram_api.yml")
    assert telegram["title"] == "Telegram API Access"
    assert telegram["level"] == "medium"
    assert "T1071.001" in telegram["techniques"]
    katz = find_rule(
        report,
        "rules-emerging-threats/2025/Malware/Katz-Stealer/"
        "dns_query_win_katz_stealer_domain.yml",
    )
    assert {p["value"] for p in katz["predicates"]} >= {"katz-panel.com"}
    assert report["rules"]["by_vendor"]["sigma"]["count"] >= 2


def test_coverage_every_listed_rule_carries_the_technique(
    db: sqlite3.Connection,
) -> None:
    """Every rule on T1071's page carries T1071 or a sub; --exact keeps T1071 only."""
    report = technique_coverage(db, "T1071")
    for rule in all_rules(report):
        assert any(t.split(".")[0] == "T1071" for t in rule["techniques"]), rule
    exact = technique_coverage(db, "T1071", exact=True)
    assert exact["technique"]["includes_subtechniques"] is False
    for rule in all_rules(exact):
        assert "T1071" in rule["techniques"], rule
    assert exact["rules"]["count"] < report["rules"]["count"]
    counts = report["rules"]["by_vendor"].values()
    assert sum(g["count"] for g in counts) == report["rules"]["count"]


def test_coverage_exclusions_listed_apart(db: sqlite3.Connection) -> None:
    """The Telegram rule's `not filter` agents are exclusions, its host a predicate."""
    report = technique_coverage(db, "T1071.001")
    telegram = find_rule(report, "rules/web/proxy_generic/proxy_telegram_api.yml")
    checks = {(p["field"], p["operator"], p["value"]) for p in telegram["predicates"]}
    excluded = {(p["field"], p["operator"], p["value"]) for p in telegram["exclusions"]}
    assert ("cs-host", "eq", "api.telegram.org") in checks
    assert excluded == {
        ("c-useragent", "contains", "Telegram"),
        ("c-useragent", "contains", "Bot"),
    }
    assert not checks & excluded
    indicators = {i["value"] for i in telegram["indicators"]}
    assert indicators == {"api.telegram.org"}


@pytest.mark.parametrize(
    "technique", ["T1071", "T1071.001", "T1071.004", "T1059.001", "T1218.011"]
)
def test_coverage_rules_here_never_exceed_reach(
    db: sqlite3.Connection, technique: str
) -> None:
    """Rules here never exceed corpus reach, in the table and per rule indicator."""
    report = technique_coverage(db, technique)
    assert report["indicators"], technique
    for row in report["indicators"]:
        assert 1 <= row["rules_here"] <= row["corpus_reach"], row
        assert row["only_here"] == (row["rules_here"] == row["corpus_reach"])
    for rule in all_rules(report):
        for indicator in rule["indicators"]:
            assert indicator["corpus_reach"] >= 1, (rule["rel_path"], indicator)


def test_coverage_reach_agrees_with_reach_query(db: sqlite3.Connection) -> None:
    """T1218.011's top indicators have the reach `rulescope reach` reports."""
    report = technique_coverage(db, "T1218.011")
    top = report["indicators"][0]
    assert (top["field"], top["value"].lower()) == ("Image", "\\rundll32.exe")
    assert top["corpus_reach"] > top["rules_here"]
    for row in report["indicators"][:10]:
        reach = indicator_reach(db, row["field"], row["operator"], row["value"])
        assert (reach.corpus_reach, reach.excluded_by) == (
            row["corpus_reach"],
            row["excluded_by"],
        )


def test_coverage_events_and_fields(db: sqlite3.Connection) -> None:
    """T1071.004's DNS rules touch Sysmon 22; fields count each rule once per row."""
    report = technique_coverage(db, "T1071.004")
    events = {(e["provider"], e["event_id"]): e for e in report["events"]["table"]}
    dns = events[("Microsoft-Windows-Sysmon", 22)]
    assert dns["title"] == "DNSEvent (DNS query)"
    assert report["events"]["touched"] >= 1
    fields = {f["field"]: f for f in report["fields"]}
    assert "contains" in fields["QueryName"]["operators"]
    for row in report["fields"]:
        assert row["rules"] <= report["rules"]["count"]
        assert max(row["operators"].values()) <= row["rules"]
        assert 1 <= len(row["samples"]) <= 3


def test_coverage_uncatalogued_technique_kept(db: sqlite3.Connection) -> None:
    """Sigma's T1685 (ATT&CK v19) gets a report saying the v18.1 catalog lacks it."""
    report = technique_coverage(db, "T1685")
    technique = report["technique"]
    assert technique["in_catalog"] is False
    assert technique["name"] == ""
    find_rule(
        report,
        "rules/windows/process_creation/proc_creation_win_reg_delete_safeboot.yml",
    )
    text = render(report, "text")
    assert "T1685 is not in the ATT&CK v18.1 catalog." in text


def test_coverage_revoked_technique_empty_report(db: sqlite3.Connection) -> None:
    """T1002 has no rules: an honest empty report naming its replacement T1560."""
    report = technique_coverage(db, "T1002")
    assert report["rules"] == {"count": 0, "by_vendor": {}}
    assert report["indicators"] == [] and report["events"]["table"] == []
    assert report["technique"]["replaced_by"] == {
        "id": "T1560",
        "name": "Archive Collected Data",
    }
    text = render(report, "text")
    assert "Revoked in ATT&CK: replaced by T1560 Archive Collected Data." in text
    assert "No rule in the index carries this technique." in text


def test_coverage_unknown_technique_suggests_nearest(db: sqlite3.Connection) -> None:
    """A mistyped id or name is a one-line error naming the nearest techniques."""
    with pytest.raises(ReportError) as raised:
        technique_coverage(db, "T1701")
    message = str(raised.value)
    assert "\n" not in message and message.startswith("unknown technique 'T1701'")
    assert "T1071 (Application Layer Protocol)" in message
    with pytest.raises(ReportError, match=r"T1071 \(Application Layer Protocol\)"):
        technique_coverage(db, "Aplication Layer Protocol")


def test_coverage_text_and_markdown_sections_in_order(db: sqlite3.Connection) -> None:
    """The text and markdown reports show the five sections in the issue's order."""
    report = technique_coverage(db, "T1071")
    text = render(report, "text")
    headings = [
        "T1071 Application Layer Protocol",
        "Events covered:",
        "Fields filtered most",
        "Top indicator values",
        "Rules (",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    assert "likely noisy on its own" in text
    markdown = render(report, "markdown")
    positions = [
        markdown.index(h)
        for h in ("# T1071", "## Events", "## Fields", "## Top indicator", "## Rules")
    ]
    assert positions == sorted(positions)
    assert "Telegram API Access" in markdown


def test_coverage_vendor_filter(db: sqlite3.Connection) -> None:
    """--vendor sigma lists only Sigma rules."""
    report = technique_coverage(db, "T1059.001", vendors=["sigma"])
    assert set(report["rules"]["by_vendor"]) == {"sigma"}
    assert all(r["vendor"] == "sigma" for r in all_rules(report))


def test_coverage_command_json_and_list(
    index_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`coverage T1071 --json` has the stable keys; `--list --json` lists ids."""
    args = argparse.Namespace(
        technique="T1071",
        vendor=None,
        exact=False,
        format="text",
        json=True,
        navigator=None,
        list=False,
        index=str(index_path),
    )
    assert run_coverage(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"technique", "events", "fields", "indicators", "rules"} <= set(report)
    assert "by_vendor" in report["rules"]
    args.technique, args.list = None, True
    assert run_coverage(args) == 0
    listed = {t["id"]: t for t in json.loads(capsys.readouterr().out)}
    assert listed["T1071"] == {
        "id": "T1071",
        "name": "Application Layer Protocol",
        "rules": report["rules"]["count"],
    }


def test_navigator_layer_scores_rule_counts(db: sqlite3.Connection) -> None:
    """The layer is format 4.5 and scores T1071.001 with its exactly-tagged rules."""
    layer = navigator_layer(db)
    assert layer["versions"]["layer"] == "4.5"
    assert layer["versions"]["attack"] == "18"
    scored = {t["techniqueID"]: t for t in layer["techniques"]}
    tagged = db.execute(
        "SELECT COUNT(*) FROM rule_techniques WHERE technique = 'T1071.001'"
    ).fetchone()[0]
    assert scored["T1071.001"]["score"] == tagged
    assert scored["T1071.001"]["comment"].startswith(f"{tagged} rules: sigma ")
    sigma_only = {
        t["techniqueID"]: t for t in navigator_layer(db, ["sigma"])["techniques"]
    }
    assert sigma_only["T1071.001"]["comment"].endswith(
        f"sigma {sigma_only['T1071.001']['score']}"
    )


def test_coverage_json_is_the_same_on_every_run(index_path: Path) -> None:
    """Two runs with different hash seeds print byte-identical JSON for T1071."""
    outputs = set()
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-m", "rulescope", "coverage", "T1071", "--format", "json"]
            + ["--index", str(index_path)],
            capture_output=True,
            check=True,
            env=dict(os.environ, PYTHONHASHSEED=seed),
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_coverage_renders_attack_markup_in_descriptions(index_path: Path) -> None:
    """ATT&CK's <code> elements read as code in text and HTML, never as raw tags."""

    def coverage(output: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "rulescope", "coverage", "T1059.001"]
            + ["--format", output, "--index", str(index_path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    text, html = coverage("text"), coverage("html")
    assert "`Start-Process`" in text and "<code>" not in text
    assert "<code>Start-Process</code>" in html
    assert "&lt;code&gt;" not in html
