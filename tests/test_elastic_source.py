"""The Elastic source: real detection-rules TOML files read into normalized rules.

Each expectation below was written by reading the named rule file by hand.
Broken TOML and a broken query are written to ``tmp_path``.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from rulescope.index.model import EventRef, Rule, RuleFileError
from rulescope.index.sources.elastic import ElasticSource
from tests.conftest import read_one, triples

SECURITY = "Microsoft-Windows-Security-Auditing"
SYSMON = "Microsoft-Windows-Sysmon"

#: An EQL rule whose query uses ``=`` where Elasticsearch EQL wants ``==``.
BROKEN_QUERY_RULE = """\
[metadata]
maturity = "production"

[rule]
name = "Broken"
type = "eql"
language = "eql"
query = '''
process where
  process.name = "a.exe"
'''

[[rule.threat]]
framework = "MITRE ATT&CK"
[rule.threat.tactic]
name = "Execution"
[[rule.threat.technique]]
id = "T1059"
"""


@pytest.fixture(scope="module")
def elastic(corpus: Path) -> ElasticSource:
    """The Elastic corpus as a source."""
    return ElasticSource(corpus / "elastic")


def raw(rule: Rule, raw_field: str) -> list[tuple[str, str, bool]]:
    """(operator, value, negated) of the predicates on one vendor field."""
    return [
        (p.operator, p.value, p.negated)
        for p in rule.predicates
        if p.raw_field == raw_field
    ]


def test_elastic_kql_nested_not_and_wildcards(elastic: ElasticSource) -> None:
    """`ServiceName:(* and not (krbtgt or *$))` and a negated group of two tests."""
    rule = read_one(
        elastic, "rules/windows/credential_access_kerberos_service_ticket_rc4.toml"
    )
    assert rule.title == "Newly Observed RC4 Kerberos Service Ticket Request"
    assert (rule.language, rule.kind, rule.level) == ("kuery", "rule", "medium")
    assert rule.techniques == ["T1558", "T1558.003"]
    assert rule.tactics == ["credential-access"]
    assert triples(rule) == [
        ("EventID", "eq", "4769", False),
        ("Status", "eq", "0x0", False),
        ("TicketEncryptionType", "eq", "0x17", False),
        ("TargetUserName", "is_not_null", "", False),
        ("ServiceName", "is_not_null", "", False),
        ("ServiceName", "eq", "krbtgt", True),
        ("ServiceName", "ends_with", "$", True),
        ("TargetUserName", "contains", "$@", True),
        ("SourceIp", "cidr", "127.0.0.0/8", True),
        ("SourceIp", "eq", "::1", True),
    ]
    assert EventRef(SECURITY, 4769, "predicate") in rule.events
    assert rule.predicates[0].line == 80  # 0-based: the query's first line is 81


def test_elastic_kql_unquoted_escapes_in_new_terms(elastic: ElasticSource) -> None:
    """Unquoted `C\\:\\\\Program*...` values unescape; an inner `*` stays."""
    relative = "rules/windows/privilege_escalation_newcreds_logon_rare_process.toml"
    rule = read_one(elastic, relative)
    assert (rule.language, rule.kind) == ("kuery", "rule")
    assert raw(rule, "winlog.logon.type") == [("eq", "NewCredentials", False)]
    assert triples(rule)[1:] == [
        ("LogonProcessName", "starts_with", "Advapi", False),
        ("SubjectUserName", "ends_with", "$", True),
        ("Image", "wildcard", "C:\\Program*Files*(x86)\\*.exe", True),
        ("Image", "wildcard", "C:\\Program*Files\\*.exe", True),
    ]
    assert rule.techniques == ["T1134", "T1134.001"]
    assert rule.tactics == ["privilege-escalation"]


def test_elastic_kql_escaped_colon_and_security_event(elastic: ElasticSource) -> None:
    """`B\\:828*` is a prefix; `event.code:"5136"` is a Security event."""
    rule = read_one(elastic, "rules/windows/credential_access_shadow_credentials.toml")
    assert ("AttributeValue", "starts_with", "B:828", False) in triples(rule)
    assert ("SubjectUserName", "starts_with", "MSOL_", True) in triples(rule)
    assert ("ObjectClass", "eq", "msDS-Device", True) in triples(rule)
    assert rule.events == [EventRef(SECURITY, 5136, "predicate")]
    assert rule.techniques == ["T1556", "T1098"]
    assert rule.tactics == ["credential-access", "persistence"]


def test_elastic_threshold_rule_sysmon_event_code(elastic: ElasticSource) -> None:
    """A threshold rule's KQL; `event.code:10` on the Sysmon index is Sysmon 10."""
    relative = (
        "rules/windows/credential_access_suspicious_lsass_access_via_snapshot.toml"
    )
    rule = read_one(elastic, relative)
    assert rule.kind == "rule" and rule.language == "kuery"
    assert triples(rule) == [
        ("EventID", "eq", "10", False),
        ("TargetImage", "eq", "C:\\Windows\\system32\\lsass.exe", False),
        ("TargetImage", "eq", "c:\\Windows\\system32\\lsass.exe", False),
        ("TargetImage", "eq", "c:\\Windows\\System32\\lsass.exe", False),
    ]
    assert rule.events == [EventRef(SYSMON, 10, "predicate")]
    assert rule.techniques == ["T1003", "T1003.001"]


def test_elastic_new_terms_signer_list(elastic: ElasticSource) -> None:
    """A new_terms rule: one predicate per quoted signer, and a process start."""
    relative = "rules/windows/command_and_control_new_terms_rmm_signer.toml"
    rule = read_one(elastic, relative)
    signers = raw(rule, "process.code_signature.subject_name")
    assert signers[0] == ("eq", "Action1 Corporation", False)
    assert ("eq", "AWERAY PTE. LTD.", False) in signers
    assert ("eq", "ConnectWise, Inc.", False) in signers
    assert rule.logsource == {"product": "windows", "category": "process_creation"}
    assert EventRef(SYSMON, 1, "category") in rule.events
    assert EventRef(SECURITY, 4688, "category") in rule.events
    assert rule.techniques == ["T1219", "T1219.002"]


def test_elastic_eql_sequence_clauses_and_regex(elastic: ElasticSource) -> None:
    """Each `[process where ...]` is its own clause; `regex~` under not."""
    relative = "rules/windows/defense_evasion_rundll32_no_arguments.toml"
    rule = read_one(elastic, relative)
    assert rule.language == "eql"
    assert triples(rule, "sequence[0]") == [
        ("Image", "ends_with", "\\rundll32.exe", False),
        ("OriginalFileName", "eq", "RUNDLL32.EXE", False),
        ("elastic:process.args_count", "eq", "1", False),
        ("CommandLine", "regex_match", '\\".*\\.exe[^\\"].*', True),
    ]
    assert triples(rule, "sequence[1]") == [
        ("ParentImage", "ends_with", "\\rundll32.exe", False),
    ]
    assert rule.techniques == ["T1218", "T1218.011"]
    assert rule.tactics == ["defense-evasion"]
    assert rule.logsource == {"product": "windows", "category": "process_creation"}


def test_elastic_eql_in_insensitive_and_colon_wildcards(elastic: ElasticSource) -> None:
    """`in~` lists, `:` wildcard lists and `!= null` in a two-step sequence."""
    relative = "rules/windows/execution_windows_script_from_internet.toml"
    rule = read_one(elastic, relative)
    first = triples(rule, "sequence[0]")
    assert ("SubjectUserSid", "eq", "S-1-5-18", True) in first
    assert ("Image", "ends_with", "\\Bandizip.exe", False) in first
    # An extension list is the canonical path ending with each extension.
    assert raw(rule, "file.extension")[:2] == [
        ("ends_with", ".js", False),
        ("ends_with", ".jse", False),
    ]
    assert raw(rule, "file.origin_url") == [("is_not_null", "", False)]
    second = triples(rule, "sequence[1]")
    assert ("Image", "ends_with", "\\mshta.exe", False) in second
    assert ("CommandLine", "contains", ".ps1", False) in second
    assert ("CommandLine", "ends_with", ".msi", False) in second
    assert ("CommandLine", "starts_with", "/i", False) in second
    assert rule.techniques[:2] == ["T1059", "T1059.001"]
    assert "T1218.007" in rule.techniques
    assert rule.tactics == ["execution", "defense-evasion"]


def test_elastic_building_block_eql_library_load(elastic: ElasticSource) -> None:
    """A building block: `library where dll.name : (...)`; `?:` paths stay."""
    relative = "rules_building_block/collection_archive_data_zip_imageload.toml"
    rule = read_one(elastic, relative)
    assert rule.kind == "building_block"
    assert rule.logsource == {"product": "windows", "category": "image_load"}
    assert triples(rule)[1:3] == [
        (
            "ImageLoaded",
            "ends_with",
            "\\System.IO.Compression.FileSystem.ni.dll",
            False,
        ),
        ("ImageLoaded", "ends_with", "\\System.IO.Compression.ni.dll", False),
    ]
    assert ("Image", "wildcard", "?:\\Program Files\\*", True) in triples(rule)
    assert rule.techniques == ["T1560", "T1560.002"]


def test_elastic_esql_where_like_in_and_match(elastic: ElasticSource) -> None:
    """ES|QL: `match()` with options, `not to_lower(f) in`, raw `like` patterns."""
    relative = "rules/windows/defense_evasion_masquerading_as_svchost.toml"
    rule = read_one(elastic, relative)
    assert rule.language == "esql"
    assert triples(rule) == [
        ("Image", "match", "svchost.exe", False),
        ("Image", "in", "c:\\windows\\syswow64\\svchost.exe", True),
        ("Image", "in", "c:\\windows\\system32\\svchost.exe", True),
        (
            "Image",
            "wildcard",
            "\\device\\harddiskvolume*\\windows\\system32\\svchost.exe",
            True,
        ),
        (
            "Image",
            "wildcard",
            "\\device\\harddiskvolume*\\windows\\syswow64\\svchost.exe",
            True,
        ),
    ]
    assert rule.techniques == ["T1036", "T1036.005"]


def test_elastic_esql_skips_computed_columns(elastic: ElasticSource) -> None:
    """Tests on `grok`/`stats` columns (`Esql.*`) are thresholds, not indicators."""
    relative = "rules/windows/credential_access_rare_webdav_destination.toml"
    rule = read_one(elastic, relative)
    assert triples(rule) == [
        ("Image", "ends_with", "\\rundll32.exe", False),
        ("CommandLine", "contains", "DavSetCookie", False),
    ]
    assert not [p for p in rule.predicates if p.raw_field.startswith("Esql.")]


def test_elastic_machine_learning_rule_has_no_predicates(
    elastic: ElasticSource,
) -> None:
    """An ML rule is kept with its techniques and tactics, and no query."""
    rule = read_one(elastic, "rules/integrations/gcp/ml_gcp_rare_method_by_city.toml")
    assert rule.kind == "machine_learning"
    assert rule.predicates == [] and rule.query == "" and rule.query_error is None
    assert rule.techniques == ["T1078", "T1078.004"]
    assert rule.tactics == ["initial-access", "defense-evasion"]
    assert rule.logsource == {"product": "gcp"}


def test_elastic_threat_match_rule_indicator_query(elastic: ElasticSource) -> None:
    """A threat_match rule's KQL `registry.path:*` is an existence test."""
    relative = "rules/threat_intel/threat_intel_indicator_match_registry.toml"
    rule = read_one(elastic, relative)
    assert triples(rule) == [("TargetObject", "is_not_null", "", False)]
    assert rule.techniques == []


def test_elastic_hunt_esql_and_eql(elastic: ElasticSource) -> None:
    """Hunts: an ES|QL `where` and an EQL sequence, clause per query and step."""
    relative = (
        "hunting/windows/queries/"
        "createremotethread_by_source_process_with_low_occurrence.toml"
    )
    hunt = read_one(elastic, relative)
    assert (hunt.kind, hunt.language, hunt.techniques) == ("hunt", "esql", ["T1055"])
    assert hunt.rule_id == "4f878255-53b8-4914-9a7d-4b668bd2ea6a"
    assert raw(hunt, "event.action") == [("eq", "CreateRemoteThread", False)]
    assert {p.clause for p in hunt.predicates} == {"query[0]"}
    assert hunt.logsource == {"product": "windows"}

    relative = "hunting/macos/queries/credential_access_potential_python_stealer.toml"
    hunt = read_one(elastic, relative)
    assert hunt.language == "eql"
    assert ("Image", "starts_with", "python", False) in triples(hunt, "sequence[0]")
    assert hunt.techniques == ["T1059.006", "T1552.001"]


def test_elastic_deprecated_rules_are_skipped(elastic: ElasticSource) -> None:
    """`rules/_deprecated/` is not listed, and a deprecated rule reads as none."""
    files = elastic.files()
    assert not [f for f in files if "_deprecated" in f.parts]
    assert any("rules_building_block" in f.parts for f in files)
    assert sum("hunting" in f.parts for f in files) == 140
    deprecated = elastic.root / "rules/_deprecated/threat_intel_filebeat8x.toml"
    assert elastic.read(deprecated) == []


def test_elastic_broken_toml_is_file_error(tmp_path: Path) -> None:
    """A TOML syntax error names its line and column."""
    path = tmp_path / "rule.toml"
    path.write_text('[metadata]\nmaturity = "production"\n[rule]\nname = "x\n', "utf-8")
    with pytest.raises(RuleFileError) as caught:
        ElasticSource(tmp_path).read(path)
    assert caught.value.line == 4
    assert caught.value.column > 0
    assert caught.value.reason.startswith("TOML:")


def test_elastic_broken_query_keeps_rule(tmp_path: Path) -> None:
    """An EQL query that does not parse keeps the rule, its techniques and an error."""
    path = tmp_path / "rule.toml"
    path.write_text(BROKEN_QUERY_RULE, "utf-8")
    rule = read_one(ElasticSource(tmp_path), "rule.toml")
    assert rule.title == "Broken" and rule.techniques == ["T1059"]
    assert rule.tactics == ["execution"] and rule.predicates == []
    assert rule.query_error is not None
    assert "==" in rule.query_error.reason
    # 1-based in the query: `=` on its second line, column 16.
    assert (rule.query_error.line, rule.query_error.column) == (2, 16)


@pytest.mark.slow
def test_elastic_sweep_predicates_for_95_percent(elastic: ElasticSource) -> None:
    """Every file reads, and ≥ 95% of rules with a query yield a predicate."""
    started = time.perf_counter()
    rules = [rule for path in elastic.files() for rule in elastic.read(path)]
    detections = [r for r in rules if r.kind != "hunt"]
    with_query = [r for r in detections if r.query and r.kind != "machine_learning"]
    with_predicates = [r for r in with_query if r.predicates]
    failures = Counter(r.query_error.reason for r in with_query if r.query_error)
    assert len(detections) == 2068
    assert len(with_predicates) / len(with_query) >= 0.95, failures.most_common(5)
    assert time.perf_counter() - started < 60
