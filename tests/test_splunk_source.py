"""SplunkSource on real security_content detections: predicates, events, errors."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from rulescope.index.model import EventRef, Rule, RuleFileError
from rulescope.index.sources.splunk import SplunkSource
from rulescope.index.sources.splunk_macros import expand
from tests.conftest import corpus_dir, read_one, reference_dir, triples

SYSMON = "Microsoft-Windows-Sysmon"
SECURITY = "Microsoft-Windows-Security-Auditing"


@cache
def _source() -> SplunkSource:
    return SplunkSource(corpus_dir() / "splunk", reference_dir())


def _event_ids(rule: Rule) -> set[tuple[str, int]]:
    return {(e.provider, e.event_id) for e in rule.events}


def test_splunk_tstats_nested_not_maps_process_fields() -> None:
    """A tstats where with OR groups and NOT (...) gives Image, negated ParentImage."""
    rule = read_one(
        _source(), "detections/endpoint/cmdline_tool_not_executed_in_cmd_shell.yml"
    )
    tests = set(triples(rule))

    assert ("Image", "ends_with", "\\whoami.exe", False) in tests
    assert ("Image", "ends_with", "\\ipconfig.exe", False) in tests
    assert ("ParentImage", "ends_with", "\\cmd.exe", True) in tests
    assert ("ParentImage", "starts_with", "powershell", True) in tests
    assert {p.raw_field for p in rule.predicates} == {
        "Processes.process_name",
        "Processes.parent_process_name",
    }
    assert rule.techniques == ["T1059", "T1059.007"]
    assert rule.logsource == {"product": "windows", "category": "process_creation"}
    assert {(SYSMON, 1), (SECURITY, 4688)} <= _event_ids(rule)


def test_splunk_macro_in_tstats_expands_to_predicates() -> None:
    """`process_net` inside the tstats where expands to net.exe / net1.exe tests."""
    rule = read_one(
        _source(), "detections/endpoint/local_account_discovery_with_net.yml"
    )

    assert set(triples(rule)) == {
        ("Image", "ends_with", "\\net.exe", False),
        ("OriginalFileName", "eq", "net.exe", False),
        ("Image", "ends_with", "\\net1.exe", False),
        ("OriginalFileName", "eq", "net1.exe", False),
        ("CommandLine", "ends_with", "user", False),
        ("CommandLine", "ends_with", "users", False),
    }
    assert rule.techniques == ["T1087", "T1087.001"]


def test_splunk_macro_arguments_substituted() -> None:
    """`security_content_ctime(firstTime)` expands with $field$; ES macros drop."""
    rule = read_one(
        _source(), "detections/endpoint/local_account_discovery_with_net.yml"
    )
    expanded = expand(rule.query, _source().macros).text

    assert 'convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(firstTime)' in expanded
    assert "ctime(lastTime)" in expanded
    assert "`" not in expanded
    assert "drop_dm_object_name" not in expanded
    assert '(Processes.process_name="net.exe" OR' in expanded


def test_splunk_raw_sysmon_not_in_and_inequality() -> None:
    """NOT (Image IN (...)) and SignatureStatus != Valid are negated; EventCode kept."""
    rule = read_one(
        _source(),
        "detections/endpoint/windows_unsigned_dll_side_loading_in_same_process_path.yml",
    )
    tests = set(triples(rule))

    assert ("EventID", "eq", "7", False) in tests
    assert ("Signed", "eq", "false", False) in tests
    assert ("SignatureStatus", "eq", "Valid", True) in tests
    assert ("Image", "contains", ":\\windows\\system32\\", True) in tests
    assert ("ImageLoaded", "starts_with", "c:\\Program Files", True) in tests
    assert _event_ids(rule) == {(SYSMON, 7)}
    assert rule.logsource["category"] == "image_load"


def test_splunk_regex_stage_and_not_in_list() -> None:
    """`| regex field="re"` is regex_match; NOT Contents IN (...) negates each value."""
    rule = read_one(
        _source(),
        "detections/endpoint/windows_alternate_datastream___base64_content.yml",
    )
    tests = set(triples(rule))

    assert ("Contents", "in", "-", True) in tests
    assert ("Contents", "starts_with", "[ZoneTransfer]", True) in tests
    assert (
        "TargetFilename",
        "regex_match",
        r"(?<!\/)\b\w+(\.\w+)?:\w+(\.\w+)?$",
        False,
    ) in tests
    assert _event_ids(rule) == {(SYSMON, 15)}
    assert rule.techniques == ["T1564", "T1564.004"]


def test_splunk_where_match_after_tstats() -> None:
    """`| where match(process, "re")` after tstats is regex_match on CommandLine."""
    rule = read_one(_source(), "detections/endpoint/rundll_loading_dll_by_ordinal.yml")
    tests = set(triples(rule))

    assert ("CommandLine", "regex_match", r"rundll32.+\#\d+", False) in tests
    assert ("Image", "ends_with", "\\rundll32.exe", False) in tests
    where = [p for p in rule.predicates if p.clause == "where"]
    assert [p.raw_field for p in where] == ["process"]


def test_splunk_where_like_gives_contains() -> None:
    """LIKE(process_exec, "%systemctl %") is contains; the product is linux."""
    rule = read_one(_source(), "detections/endpoint/linux_auditd_service_started.yml")
    tests = set(triples(rule))

    assert ("Image", "contains", "systemctl ", False) in tests
    assert ("Image", "contains", " enable ", False) in tests
    assert {p.raw_field for p in rule.predicates if p.clause == "where"} == {
        "process_exec"
    }
    assert rule.logsource == {"product": "linux"}
    assert rule.techniques == ["T1569.002", "T1569"]


def test_splunk_where_not_in_and_match_after_stats() -> None:
    """`| where NOT x IN (...)` and `| where match(...)` after stats count."""
    rule = read_one(
        _source(), "detections/application/windows_ad_gpo_new_cse_addition.yml"
    )
    tests = set(triples(rule))

    assert ("EventID", "eq", "5136", False) in tests
    assert ("ObjectClass", "eq", "groupPolicyContainer", False) in tests
    assert (
        "splunk:new_values",
        "in",
        "{00000000-0000-0000-0000-000000000000}",
        True,
    ) in tests
    assert any(
        p.raw_field == "new_values" and p.operator == "regex_match"
        for p in rule.predicates
    )
    assert _event_ids(rule) == {(SECURITY, 5136)}


def test_splunk_filesystem_data_model_wildcards() -> None:
    """Filesystem.file_name = *.exe is ends_with on TargetFilename (file_event)."""
    rule = read_one(
        _source(), "detections/endpoint/windows_replication_through_removable_media.yml"
    )
    tests = set(triples(rule))

    assert ("TargetFilename", "ends_with", ".exe", False) in tests
    assert ("TargetFilename", "ends_with", ".pif", False) in tests
    assert rule.logsource == {"product": "windows", "category": "file_event"}
    assert _event_ids(rule) == {(SYSMON, 11)}


def test_splunk_join_subsearch_second_data_model() -> None:
    """A join subsearch over Endpoint.Filesystem adds predicates; AND splits events."""
    rule = read_one(
        _source(), "detections/endpoint/windows_known_abused_dll_created.yml"
    )
    tests = set(triples(rule))

    assert ("ParentImage", "ends_with", "\\unknown", True) in tests
    assert ("Image", "is_not_null", "", False) in tests
    assert ("TargetFilename", "contains", "\\programdata\\", False) in tests
    assert ("TargetFilename", "ends_with", ".dll", False) in tests
    clauses = {p.clause for p in rule.predicates}
    assert {"tstats", "subsearch:tstats", "subsearch:search"} <= clauses
    assert _event_ids(rule) == {(SYSMON, 1), (SYSMON, 11)}


def test_splunk_quoted_fields_nodename_and_where_after_stats() -> None:
    """Quoted "DNS.record_type"="ANY" counts, nodename does not; count>200 is gt."""
    rule = read_one(_source(), "detections/network/large_volume_of_dns_any_queries.yml")

    assert set(triples(rule)) == {
        ("splunk:message_type", "eq", "QUERY", False),
        ("splunk:record_type", "eq", "ANY", False),
        ("splunk:count", "gt", "200", False),
    }
    assert rule.logsource == {"category": "dns_query"}


def test_splunk_network_traffic_ports() -> None:
    """All_Traffic.dest_port=139 OR 445 maps to DestinationPort; network_connection."""
    rule = read_one(_source(), "detections/network/detect_outbound_smb_traffic.yml")
    tests = set(triples(rule))

    assert ("DestinationPort", "eq", "139", False) in tests
    assert ("DestinationPort", "eq", "445", False) in tests
    assert rule.logsource["category"] == "network_connection"
    assert rule.techniques == ["T1071.002", "T1071"]


def test_splunk_registry_data_model_paths() -> None:
    """Registry.registry_path with a leading * is ends_with on TargetObject."""
    rule = read_one(
        _source(), "detections/endpoint/disabling_systemrestore_in_registry.yml"
    )
    tests = set(triples(rule))

    assert (
        "TargetObject",
        "ends_with",
        "\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\SystemRestore\\DisableSR",
        False,
    ) in tests
    assert ("Details", "eq", "0x00000001", False) in tests
    assert rule.logsource["category"] == "registry_event"
    assert _event_ids(rule) == {(SYSMON, 12), (SYSMON, 13)}


def test_splunk_in_list_with_empty_items() -> None:
    """IN ("* find *", ..., ) with a trailing comma still yields every value."""
    rule = read_one(
        _source(), "detections/endpoint/detect_certify_command_line_arguments.yml"
    )
    tests = set(triples(rule))

    assert rule.query_error is None
    assert ("CommandLine", "contains", " download ", False) in tests
    assert ("CommandLine", "contains", " -u ", False) in tests
    assert len(rule.predicates) == 11


def test_splunk_system_service_events_and_metadata() -> None:
    """System 7045 is Service Control Manager 7045; the level comes from risk."""
    rule = read_one(
        _source(), "detections/endpoint/windows_service_create_sliverc2.yml"
    )

    assert set(triples(rule)) == {
        ("EventID", "eq", "7045", False),
        ("ServiceName", "eq", "sliver", False),
    }
    assert rule.events == [EventRef("Service Control Manager", 7045, "data_source")]
    assert rule.title == "Windows Service Create SliverC2"
    assert rule.language == "spl"
    assert rule.kind == "rule"
    assert rule.level == "critical"
    assert rule.status == "production"


def test_splunk_files_skip_deprecated() -> None:
    """files() lists the 1613 live detections and nothing under deprecated/."""
    files = _source().files()

    assert len(files) == 1613
    assert not any("deprecated" in path.parts for path in files)


def test_splunk_broken_yaml_raises_rule_file_error(tmp_path: Path) -> None:
    """A detection with a bad indentation is a RuleFileError with its line."""
    path = tmp_path / "detections" / "broken.yml"
    path.parent.mkdir()
    path.write_text(
        "name: Broken\nid: 1\nsearch: '`sysmon` EventCode=1'\n  tags: [x\n",
        encoding="utf-8",
    )

    with pytest.raises(RuleFileError) as raised:
        SplunkSource(tmp_path, reference_dir()).read(path)
    assert raised.value.line == 3
    assert "invalid YAML" in raised.value.reason


def test_splunk_broken_search_keeps_rule_with_query_error(tmp_path: Path) -> None:
    """A real search missing a closing parenthesis keeps its rule and a position."""
    real = read_one(
        _source(), "detections/endpoint/local_account_discovery_with_net.yml"
    )
    broken_search = real.query.replace(
        "Processes.process=*users)", "Processes.process=*users"
    )
    path = tmp_path / "detections" / "broken_search.yml"
    path.parent.mkdir()
    path.write_text(
        "name: Broken search\ntags:\n  mitre_attack_id: [T1087]\n"
        f"search: '{broken_search}'\n",
        encoding="utf-8",
    )

    rule = SplunkSource(tmp_path, reference_dir()).read(path)[0]
    assert rule.title == "Broken search"
    assert rule.techniques == ["T1087"]
    assert rule.predicates == []
    assert rule.query_error is not None
    assert rule.query_error.line == 1
    assert rule.query_error.reason == "'(' is never closed in tstats expression"
    assert broken_search[rule.query_error.column - 1 :].startswith(
        "(Processes.process=*user OR"
    )


@pytest.mark.slow
def test_splunk_sweep_extracts_predicates_for_most_rules() -> None:
    """At least 90% of the live detections yield a predicate; no file fails."""
    source = _source()
    rules = [rule for path in source.files() for rule in source.read(path)]
    with_predicates = sum(1 for rule in rules if rule.predicates)
    errors = Counter(rule.query_error.reason for rule in rules if rule.query_error)

    assert len(rules) == 1613
    assert with_predicates / len(rules) >= 0.90, errors.most_common(5)
