"""SentinelSource on real Sentinel analytic rules: fields, KQL predicates, events."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from rulescope.index.model import EventRef, Rule, RuleFileError
from rulescope.index.sources.sentinel import SentinelSource
from tests.conftest import corpus_dir, read_one, triples

ROOT = corpus_dir() / "sentinel"
SOURCE = SentinelSource(ROOT)
SECURITY = "Microsoft-Windows-Security-Auditing"
SYSMON = "Microsoft-Windows-Sysmon"


def test_sentinel_files_lists_detections_and_solutions() -> None:
    """Both rule folders are listed, including the one "Analytical Rules" folder."""
    files = SentinelSource(ROOT).files()
    assert len(files) == 1376
    assert ROOT / "Detections/AuditLogs/RareApplicationConsent.yaml" not in files
    assert any("Analytical Rules" in str(path) for path in files)


def test_sentinel_rule_fields_device_process_events() -> None:
    """SUNBURST process IOCs: title, id, level, kind, tactics, events, log source."""
    rule = read_one(
        SOURCE, "Detections/DeviceProcessEvents/SolarWinds_SUNBURST_Process-IOCs.yaml"
    )
    assert rule.title.startswith("SUNBURST suspicious SolarWinds child processes")
    assert rule.rule_id == "4a3073ac-7383-48a9-90a8-eb6716183a54"
    assert (rule.level, rule.kind, rule.language) == ("medium", "rule", "kql")
    assert rule.tactics == ["execution", "persistence"]
    assert rule.logsource == {
        "product": "DeviceProcessEvents",
        "category": "process_creation",
    }
    assert rule.events == [
        EventRef(SYSMON, 1, via="table"),
        EventRef(SECURITY, 4688, via="table"),
    ]


def test_sentinel_let_dynamic_list_under_not_has_any() -> None:
    """``not(FolderPath has_any (excludeProcs))`` inlines the verbatim-string list."""
    rule = read_one(
        SOURCE, "Detections/DeviceProcessEvents/SolarWinds_SUNBURST_Process-IOCs.yaml"
    )
    tests = set(triples(rule))
    assert (
        "ParentImage",
        "ends_with",
        "\\solarwinds.businesslayerhost.exe",
        False,
    ) in tests
    assert ("Image", "contains", "\\Windows\\SysWOW64\\WerFault.exe", True) in tests
    excluded = [p for p in rule.predicates if p.raw_field == "FolderPath"]
    assert len(excluded) == 7 and all(p.negated for p in excluded)
    assert rule.query_error is None


def test_sentinel_union_of_three_tables_with_in_and_negations() -> None:
    """auditpol manipulation: has_any, ``!~``, ``!in~``, ``in~`` in three branches."""
    rule = read_one(
        SOURCE,
        "Detections/MultipleDataSources/AuditPolicyManipulation_using_auditpol.yaml",
    )
    tests = set(triples(rule))
    assert ("CommandLine", "contains", "success:disable", False) in tests
    assert ("ParentCommandLine", "contains", "clear", False) in tests
    assert ("sentinel:AccountType", "eq", "Machine", True) in tests
    assert ("User", "in", "SYSTEM", True) in tests
    assert ("sentinel:SubCategory", "in", "Account Lockout", False) in tests
    assert ("sentinel:Toggle", "in", "/failure:disable", True) in tests
    assert rule.techniques == ["T1204"]
    assert set(rule.events) == {
        EventRef(SYSMON, 1, via="table"),
        EventRef(SECURITY, 4688, via="table"),
    }


def test_sentinel_security_event_id_and_has_all() -> None:
    """Midnight Blizzard rundll32: ``EventID == 4688`` links Security 4688."""
    rule = read_one(
        SOURCE, "Detections/SecurityEvent/MidnightBlizzard_SuspiciousRundll32Exec.yaml"
    )
    tests = set(triples(rule))
    assert ("EventID", "eq", "4688", False) in tests
    for value in ("Execute", "RegRead", "window.close"):
        assert ("CommandLine", "contains", value, False) in tests
    assert rule.events == [EventRef(SECURITY, 4688, via="table")]
    assert rule.logsource == {"product": "SecurityEvent"}
    assert (rule.techniques, rule.tactics) == (["T1547"], ["persistence"])


def test_sentinel_let_scalar_matches_regex_and_joined_lets() -> None:
    """Privileged group add: let regexes inlined, ``!in``, ``not()``, join of lets."""
    rule = read_one(
        SOURCE, "Detections/SecurityEvent/GroupCreatedAddedToPrivlegeGroup_1h.yaml"
    )
    tests = set(triples(rule))
    assert (
        "sentinel:TargetSid",
        "regex_match",
        "S-1-5-32-5[0-9][0-9]$",
        False,
    ) in tests
    assert ("sentinel:TargetSid", "in", "S-1-5-32-555", True) in tests
    assert ("sentinel:EventData", "contains", "S-1-5-32-555", True) in tests
    assert ("EventID", "in", "4732", False) in tests
    ids = {event.event_id for event in rule.events}
    assert ids == {4727, 4731, 4754, 4728, 4732, 4756}
    assert rule.techniques == ["T1098", "T1078"]


def test_sentinel_join_subquery_predicates_count() -> None:
    """Fodhelper (ASIM): the joined ``imProcess`` subquery's clauses are kept."""
    rule = read_one(
        SOURCE,
        "Detections/MultipleDataSources/PotentialFodhelperUACBypass(ASIMVersion).yaml",
    )
    tests = set(triples(rule))
    assert ("EventType", "in", "RegistryValueSet", False) in tests
    key = "Software\\Classes\\ms-settings\\shell\\open\\command"
    assert ("TargetObject", "contains", key, False) in tests
    assert ("sentinel:Process", "ends_with", "fodhelper.exe", False) in tests
    parent = ("sentinel:ParentProcessName", "ends_with", "powershell_ise.exe", False)
    assert parent in tests
    assert rule.techniques == ["T1548.002"]


def test_sentinel_isnotempty_and_tabular_let() -> None:
    """App URL from unknown domain: isnotempty, a walked let table, AuditLogs."""
    rule = read_one(
        SOURCE, "Detections/AuditLogs/URLAddedtoApplicationfromUnknownDomain.yaml"
    )
    tests = set(triples(rule))
    assert ("sentinel:NewValue", "is_not_null", "", False) in tests
    assert ("sentinel:OperationName", "eq", "Update Application", False) in tests
    assert ("ResultType", "eq", "0", False) in tests
    assert not any(
        p.raw_field == "Domain" and p.operator == "in" for p in rule.predicates
    )
    assert rule.logsource == {"product": "AuditLogs"}


def test_sentinel_tolower_in_list_and_image_load_table() -> None:
    """DotNetToJScript: ``tolower(InitiatingProcessFileName) in (...)``, Sysmon 7."""
    rule = read_one(
        SOURCE, "Solutions/FalconFriday/Analytic Rules/DotNetToJScript.yaml"
    )
    tests = set(triples(rule))
    assert ("ParentImage", "ends_with", "\\mshta.exe", False) in tests
    assert ("Image", "ends_with", "\\mscoree.dll", False) in tests
    assert rule.events == [EventRef(SYSMON, 7, via="table")]
    assert rule.logsource["category"] == "image_load"


def test_sentinel_tolower_in_tabular_let_gives_no_value() -> None:
    """TAP for admin: ``in (admin_users)`` names a table, so no value is invented."""
    rule = read_one(
        SOURCE,
        "Detections/AuditLogs/AdditionofaTemporaryAccessPasstoaPrivilegedAccount.yaml",
    )
    assert set(triples(rule)) == {
        ("sentinel:AssignedRoles", "contains", "admin", False),
        ("sentinel:OperationName", "eq", "Admin registered security info", False),
        (
            "sentinel:ResultReason",
            "eq",
            "Admin registered temporary access pass method for user",
            False,
        ),
    }


def test_sentinel_event_table_sysmon_and_dynamic_member() -> None:
    """COM Event System DLL: ``Event`` + Source Sysmon gives Sysmon 7 and 1."""
    rule = read_one(SOURCE, "Detections/SecurityEvent/COMEventSystemLoadingNewDLL.yaml")
    tests = set(triples(rule))
    assert ("sentinel:LoadedItems.@Name", "eq", "ImageLoaded", False) in tests
    assert ("ParentImage", "ends_with", "\\svchost.exe", False) in tests
    assert set(rule.events) == {
        EventRef(SYSMON, 7, "table"),
        EventRef(SYSMON, 1, "table"),
    }


def test_sentinel_mv_apply_and_externaldata_subqueries() -> None:
    """O365 attack toolkit: mv-apply ``(where ...)``, ``!in ((externaldata ...))``."""
    rule = read_one(
        SOURCE,
        "Solutions/Microsoft Entra ID/Analytic Rules/"
        "MaliciousOAuthApp_O365AttackToolkit.yaml",
    )
    tests = set(triples(rule))
    assert ("sentinel:ConsentFull", "contains", "mail.send", False) in tests
    assert ("sentinel:GrantConsentType", "eq", "AllPrincipals", True) in tests
    assert ("sentinel:GrantScopeCount", "gt", "5", False) in tests
    assert ("sentinel:Property.newValue", "contains", "AddressType", False) in tests
    assert rule.query_error is None
    assert rule.tactics == ["credential-access", "defense-evasion"]


def test_sentinel_predicate_lines_point_into_the_file() -> None:
    """A predicate's line is the 0-based file line of its where clause."""
    path = "Solutions/FalconFriday/Analytic Rules/DotNetToJScript.yaml"
    rule = read_one(SOURCE, path)
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    for predicate in rule.predicates:
        assert predicate.raw_field in lines[predicate.line]


def test_sentinel_bom_file_reads_its_id() -> None:
    """A file starting with a UTF-8 BOM keeps its first key (``id``)."""
    rule = read_one(
        SOURCE,
        "Solutions/Digital Shadows/Analytic Rules/"
        "Digital_Shadows_incident_creation_exclude.yaml",
    )
    assert rule.rule_id
    assert rule.title == "Digital Shadows Incident Creation for exclude-app"
    assert ("sentinel:app_s", "eq", "exclude", False) in set(triples(rule))


def test_sentinel_tab_file_is_recovered_by_libyaml() -> None:
    """The trailing-TAB file PyYAML rejects reads with the C loader, intact."""
    rule = read_one(
        SOURCE,
        "Solutions/SpyCloud Enterprise Protection/Analytic Rules/"
        "SpyCloudEnterpriseProtectionMalwareRule.yaml",
    )
    assert rule.rule_id == "7ba50f9e-2f94-462b-a54b-8642b8c041f5"
    assert rule.techniques == ["T1555"]
    assert ("sentinel:Severity_s", "eq", "25", False) in set(triples(rule))


def test_sentinel_broken_yaml_is_a_file_error(tmp_path: Path) -> None:
    """A real rule cut mid-mapping raises RuleFileError at its 0-based mark."""
    source = ROOT / "Solutions/FalconFriday/Analytic Rules/DotNetToJScript.yaml"
    broken = tmp_path / "broken.yaml"
    broken.write_text(source.read_text(encoding="utf-8") + "\n  bad: [\n", "utf-8")
    with pytest.raises(RuleFileError) as raised:
        SentinelSource(tmp_path).read(broken)
    assert raised.value.line > 0 and "YAML" in raised.value.reason


def test_sentinel_broken_query_keeps_rule_with_query_error(tmp_path: Path) -> None:
    """A where clause that does not parse keeps the rule and the other clauses."""
    source = ROOT / "Solutions/FalconFriday/Analytic Rules/DotNetToJScript.yaml"
    text = source.read_text(encoding="utf-8")
    text = text.replace("| where FileName in~", "| where FileName in~ ) ==", 1)
    broken = tmp_path / "Detections" / "x" / "rule.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text(text, "utf-8")
    rule = SentinelSource(tmp_path).read(broken)[0]
    assert rule.title.startswith("Detect .NET runtime being loaded in JScript")
    assert rule.query_error is not None
    assert rule.query_error.reason == "where clause: unexpected _RPAR ')'"
    assert (rule.query_error.line, rule.query_error.column) == (2, 22)
    assert ("ParentImage", "ends_with", "\\mshta.exe", False) in set(triples(rule))


@pytest.mark.slow
def test_sentinel_corpus_sweep_predicates_for_most_rules() -> None:
    """Over the whole corpus, ≥ 90% of rules yield predicates, in under 60 s."""
    source = SentinelSource(ROOT)
    started = time.monotonic()
    rules: list[Rule] = []
    failures: Counter[str] = Counter()
    for path in source.files():
        try:
            rules.extend(source.read(path))
        except RuleFileError as error:
            failures[error.reason] += 1
    with_predicates = sum(1 for rule in rules if rule.predicates)
    assert len(rules) + sum(failures.values()) == 1376
    assert with_predicates / len(rules) >= 0.90
    assert time.monotonic() - started < 60
