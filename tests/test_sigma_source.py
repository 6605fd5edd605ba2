"""The Sigma source: real SigmaHQ rules read into normalized rules.

Each expectation below was written by reading the named rule file by hand.
Shapes the corpus snapshot does not hold (correlations, filters, ``|exists``,
condition lists, ``of them``, several documents) are written to ``tmp_path``
in the form the Sigma specification gives.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from rulescope.index.model import EventRef, RuleFileError
from rulescope.index.sources.sigma import SigmaSource
from rulescope.index.sources.sigma_yaml import load_documents
from tests.conftest import read_one, triples

PROC = "rules/windows/process_creation/"
SECURITY = "Microsoft-Windows-Security-Auditing"


@pytest.fixture(scope="module")
def sigma(sigma_corpus: Path) -> SigmaSource:
    """The Sigma corpus as a source."""
    return SigmaSource(sigma_corpus)


def write(tmp_path: Path, text: str) -> Path:
    """A rule file in ``tmp_path`` holding ``text``."""
    path = tmp_path / "rule.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sigma_metadata_read_from_rule(sigma: SigmaSource) -> None:
    """Title, id, level, status, log source and ATT&CK tags come from the rule."""
    relative = (
        "rules-threat-hunting/windows/process_creation/"
        "proc_creation_win_winscp_command_open_ftp.yml"
    )
    rule = read_one(sigma, relative)
    assert rule.title == "FTP Connection Open Attempt Via Winscp CLI"
    assert rule.rule_id == "c1477deb-37cf-4439-9ffb-44499acb89d0"
    assert (rule.level, rule.status, rule.kind) == ("medium", "experimental", "rule")
    assert rule.language == "sigma" and rule.vendor == "sigma"
    assert rule.description.startswith("Detects the execution of Winscp")
    assert rule.logsource == {"product": "windows", "category": "process_creation"}
    assert (rule.techniques, rule.tactics) == (["T1048"], ["exfiltration"])
    assert rule.path == str((sigma.root / relative).resolve())
    assert rule.events == []


def test_sigma_windash_and_all_keep_written_values(sigma: SigmaSource) -> None:
    """``|windash`` keeps the written dash; ``|all`` gives one predicate per value."""
    relative = (
        "rules-threat-hunting/windows/process_creation/"
        "proc_creation_win_winscp_command_open_ftp.yml"
    )
    rule = read_one(sigma, relative)
    assert triples(rule) == [
        ("Image", "ends_with", "\\WinSCP.exe", False),
        ("OriginalFileName", "eq", "winscp.exe", False),
        ("CommandLine", "contains", "-command", False),
        ("CommandLine", "contains", "open ", False),
        ("CommandLine", "contains", "ftp://", False),
    ]
    raw = [p.raw_field for p in rule.predicates]
    assert (
        raw[2:] == ["CommandLine|contains|windash"] + ["CommandLine|contains|all"] * 2
    )
    assert [p.clause for p in rule.predicates[:2]] == ["selection_img"] * 2


def test_sigma_base64offset_records_plain_value_and_line(sigma: SigmaSource) -> None:
    """``|base64offset|contains`` records the plain text at its 0-based line."""
    relative = PROC + "proc_creation_win_powershell_base64_mppreference.yml"
    rule = read_one(sigma, relative)
    first = rule.predicates[0]
    assert (first.field, first.operator, first.value) == (
        "CommandLine",
        "contains",
        "Add-MpPreference ",
    )
    assert first.raw_field == "CommandLine|base64offset|contains"
    lines = (sigma.root / relative).read_text(encoding="utf-8").splitlines()
    assert "'Add-MpPreference '" in lines[first.line]
    assert len(rule.predicates) == 16
    assert (rule.techniques, rule.tactics) == (["T1685"], ["defense-impairment"])


def test_sigma_cidr_filter_under_not_is_negated(sigma: SigmaSource) -> None:
    """``selection and not 1 of filter_main_*`` negates every CIDR range."""
    relative = (
        "rules-threat-hunting/windows/network_connection/"
        "net_connection_win_dfsvc_non_local_ip.yml"
    )
    rule = read_one(sigma, relative)
    assert triples(rule, "selection") == [
        ("Image", "ends_with", "\\dfsvc.exe", False),
        ("Initiated", "eq", "true", False),
    ]
    ranges = triples(rule, "filter_main_local_ip")
    assert len(ranges) == 8
    assert ranges[0] == ("DestinationIp", "cidr", "127.0.0.0/8", True)
    assert ("DestinationIp", "cidr", "fc00::/7", True) in ranges


def test_sigma_keywords_are_match_predicates(sigma: SigmaSource) -> None:
    """A list of bare strings is one ``keyword match`` per string, wildcards kept."""
    rule = read_one(sigma, "rules/linux/builtin/lnx_shell_clear_cmd_history.yml")
    assert len(rule.predicates) == 15
    assert ("keyword", "match", "history -c", False) in triples(rule)
    assert ("keyword", "match", "rm *sh_history", False) in triples(rule)
    assert (rule.techniques, rule.tactics) == (["T1070.003"], ["stealth"])


def test_sigma_keyword_all_gives_one_predicate_per_value(sigma: SigmaSource) -> None:
    """``'|all'`` keywords (no field) are AND-linked but still one predicate each."""
    rule = read_one(sigma, "rules/network/cisco/bgp/cisco_bgp_md5_auth_failed.yml")
    assert triples(rule) == [
        ("keyword", "match", ":179", False),
        ("keyword", "match", "IP-TCP-3-BADAUTH", False),
    ]
    assert rule.techniques == ["T1078", "T1110", "T1557"]
    assert "credential-access" in rule.tactics and "stealth" in rule.tactics


def test_sigma_filter_startswith_and_eq_negated(sigma: SigmaSource) -> None:
    """Both ``filter_main_*`` selections are exclusions; the selection is not."""
    relative = (
        "rules/windows/file/file_access/"
        "file_access_win_susp_dpapi_master_key_access.yml"
    )
    rule = read_one(sigma, relative)
    assert triples(rule, "selection") == [
        ("FileName", "contains", "\\Microsoft\\Protect\\S-1-5-18\\", False),
        ("FileName", "contains", "\\Microsoft\\Protect\\S-1-5-21-", False),
    ]
    assert triples(rule, "filter_main_explorer") == [
        ("Image", "eq", "C:\\Windows\\explorer.exe", True)
    ]
    starts = triples(rule, "filter_main_system_folders")
    assert starts[0] == ("Image", "starts_with", "C:\\Program Files\\", True)


def test_sigma_one_of_selections_and_two_filter_groups(sigma: SigmaSource) -> None:
    """``1 of selection_*`` and two ``not 1 of filter_...*`` groups."""
    relative = (
        "rules-threat-hunting/windows/file/file_access/"
        "file_access_win_browsers_credential.yml"
    )
    rule = read_one(sigma, relative)
    assert ("FileName", "ends_with", "\\cookies.sqlite", False) in triples(rule)
    assert ("FileName", "ends_with", "release\\key4.db", False) in triples(rule)
    assert triples(rule, "filter_main_system") == [("Image", "eq", "System", True)]
    assert triples(rule, "filter_optional_thor") == [
        ("Image", "ends_with", "\\thor.exe", True),
        ("Image", "ends_with", "\\thor64.exe", True),
    ]
    assert (rule.techniques, rule.tactics) == (["T1003"], ["credential-access"])


def test_sigma_not_of_parenthesised_or_negates_each(sigma: SigmaSource) -> None:
    """``not z_flag_unset and ... and not (a or b or c or d)``; numbers as text."""
    rule = read_one(sigma, "rules/network/zeek/zeek_dns_susp_zbit_flag.yml")
    assert triples(rule, "z_flag_unset") == [("Z", "eq", "0", True)]
    assert triples(rule, "most_probable_valid_domain") == [
        ("query", "contains", ".", False)
    ]
    assert triples(rule, "exclude_netbios") == [
        ("id.resp_p", "eq", "137", True),
        ("id.resp_p", "eq", "138", True),
        ("id.resp_p", "eq", "139", True),
    ]
    assert triples(rule, "exclude_responses") == [
        ("answers", "ends_with", "\\\\x00", True)
    ]
    assert rule.techniques == ["T1095", "T1571"]


def test_sigma_null_under_not_and_prefix_selector(sigma: SigmaSource) -> None:
    """``not 1 of filter*`` and ``not (svchost and commandline_null)`` exclude."""
    rule = read_one(
        sigma,
        "rules/windows/image_load/image_load_wsman_provider_image_load.yml",
    )
    assert triples(rule, "commandline_null") == [("CommandLine", "is_null", "", True)]
    assert triples(rule, "svchost") == [("Image", "ends_with", "\\svchost.exe", True)]
    assert triples(rule, "filter_mmc") == [("Image", "ends_with", "\\mmc.exe", True)]
    assert triples(rule, "request_client")[0] == (
        "ImageLoaded",
        "ends_with",
        "\\WsmSvc.dll",
        False,
    )
    assert rule.techniques == ["T1059.001", "T1021.003"]


def test_sigma_null_values_and_booleans(sigma: SigmaSource) -> None:
    """``Field: null`` is ``is_null``; ``Signed: true`` keeps its written text."""
    relative = (
        "rules-threat-hunting/windows/image_load/"
        "image_load_win_signed_dll_no_metadata.yml"
    )
    rule = read_one(sigma, relative)
    assert triples(rule, "selection_signed") == [
        ("Signed", "eq", "true", False),
        ("SignatureStatus", "eq", "Valid", False),
    ]
    nulls = triples(rule, "selection_metadata_null")
    assert nulls[0] == ("Description", "is_null", "", False)
    assert len(nulls) == 5
    assert ("Company", "eq", "", False) in triples(rule, "selection_metadata_empty")
    assert rule.tactics == ["stealth", "execution"]


def test_sigma_fieldref_regex_and_expand(sigma: SigmaSource) -> None:
    """``|fieldref`` is eq on the field's name; ``|re``, ``|expand`` as written."""
    fieldref = read_one(
        sigma,
        "rules/windows/file/file_delete/file_delete_win_delete_own_image.yml",
    )
    assert triples(fieldref) == [("TargetFilename", "eq", "Image", False)]
    regex = read_one(
        sigma,
        "rules-threat-hunting/windows/powershell/powershell_script/"
        "posh_ps_registry_reconnaissance.yml",
    )
    ((field, operator, value, negated),) = triples(regex)
    assert (field, operator, negated) == ("ScriptBlockText", "regex_match", False)
    assert value.startswith("(Get-Item|gci|Get-ChildItem).{1,64}-Path")
    assert regex.techniques == ["T1012", "T1007"]
    expand = read_one(
        sigma,
        "rules-placeholder/windows/process_creation/"
        "proc_creation_win_userdomain_variable_enumeration.yml",
    )
    assert triples(expand)[1] == ("CommandLine", "contains", "%userdomain%", False)


def test_sigma_inner_wildcard_is_wildcard(sigma: SigmaSource) -> None:
    """A ``*`` inside the value (``v*.Compute...``) is a wildcard, kept as written."""
    rule = read_one(
        sigma, "rules/cloud/gcp/audit/gcp_firewall_rule_modified_or_deleted.yml"
    )
    assert triples(rule)[0] == (
        "gcp.audit.method_name",
        "wildcard",
        "v*.Compute.Firewalls.Delete",
        False,
    )
    assert rule.logsource == {"product": "gcp", "service": "gcp.audit"}


def test_sigma_security_event_ids_become_events(sigma: SigmaSource) -> None:
    """An ``EventID`` list under ``service: security`` names two Security events."""
    relative = (
        "rules/windows/builtin/security/"
        "win_security_windows_defender_exclusions_write_access.yml"
    )
    rule = read_one(sigma, relative)
    assert rule.events == [
        EventRef(SECURITY, 4656, "predicate"),
        EventRef(SECURITY, 4663, "predicate"),
    ]
    assert ("AccessList", "contains", "%%4417", False) in triples(rule)


def test_sigma_provider_name_beside_event_id_wins(sigma: SigmaSource) -> None:
    """Each selection's ``Provider_Name`` is the provider of its ``EventID``."""
    cleared = read_one(
        sigma,
        "rules/windows/builtin/security/win_security_audit_log_cleared.yml",
    )
    assert cleared.events == [
        EventRef("Security", 517, "predicate"),
        EventRef("Microsoft-Windows-Eventlog", 1102, "predicate"),
    ]
    assert cleared.techniques == ["T1685.005"]
    smbexec = read_one(
        sigma,
        "rules/windows/builtin/system/service_control_manager/win_system_hack_smbexec.yml",
    )
    assert smbexec.events == [EventRef("Service Control Manager", 7045, "predicate")]
    assert smbexec.tactics == ["lateral-movement", "execution"]
    assert smbexec.techniques == ["T1021.002", "T1569.002"]


def test_sigma_sysmon_service_event(sigma: SigmaSource) -> None:
    """``service: sysmon`` with ``EventID: 27`` is Sysmon event 27."""
    rule = read_one(sigma, "rules/windows/sysmon/sysmon_file_block_executable.yml")
    assert rule.events == [EventRef("Microsoft-Windows-Sysmon", 27, "predicate")]
    assert rule.techniques == [] and rule.tactics == ["defense-impairment"]


def test_sigma_group_and_software_tags_are_not_tactics(sigma: SigmaSource) -> None:
    """``attack.s0111``/``attack.g0022`` are neither techniques nor tactics."""
    relative = PROC + "proc_creation_win_hktl_powersploit_empire_default_schtasks.yml"
    rule = read_one(sigma, relative)
    assert rule.tactics == ["execution", "persistence", "privilege-escalation"]
    assert rule.techniques == ["T1053.005", "T1059.001"]


CORRELATION = """\
title: Failed logon
name: failed_logon
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4625
    condition: selection
---
title: Many failed logons for one user
id: 0e95725d-7320-415d-80f7-004da920fc11
correlation:
    type: event_count
    rules:
        - failed_logon
    group-by:
        - TargetUserName
    timespan: 5m
    condition:
        gte: 10
tags:
    - attack.credential-access
    - attack.t1110
level: high
"""


def test_sigma_correlation_document_has_no_predicates(tmp_path: Path) -> None:
    """Every document is read; the correlation is kind ``correlation``."""
    base, correlation = SigmaSource(tmp_path).read(write(tmp_path, CORRELATION))
    assert base.kind == "rule"
    assert base.events == [EventRef(SECURITY, 4625, "predicate")]
    assert correlation.kind == "correlation"
    assert correlation.rule_id == "0e95725d-7320-415d-80f7-004da920fc11"
    assert (correlation.techniques, correlation.tactics) == (
        ["T1110"],
        ["credential-access"],
    )
    assert correlation.level == "high" and correlation.predicates == []


FILTER = """\
title: Domain controllers are not suspicious here
logsource:
    product: windows
    service: security
filter:
    rules:
        - 0e95725d-7320-415d-80f7-004da920fc11
    selection:
        ComputerName|startswith: 'DC-'
    condition: selection
"""


def test_sigma_filter_document_predicates_are_exclusions(tmp_path: Path) -> None:
    """A ``filter:`` document removes matches, so its predicates are negated."""
    (rule,) = SigmaSource(tmp_path).read(write(tmp_path, FILTER))
    assert rule.kind == "filter"
    assert triples(rule) == [("ComputerName", "starts_with", "DC-", True)]


EXISTS_AND_CONDITION_LIST = """\
title: Exists, condition list and them
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\\whoami.exe'
        CommandLine|exists: true
    filter_parent:
        ParentImage|exists: false
    filter_user:
        User|contains:
            - 'AUTHORI'
            - 'AUTORI'
    condition:
        - selection and not 1 of filter_*
        - all of them
"""


def test_sigma_exists_and_condition_list(tmp_path: Path) -> None:
    """``|exists`` maps to null tests; a selection positive in any condition is kept."""
    (rule,) = SigmaSource(tmp_path).read(write(tmp_path, EXISTS_AND_CONDITION_LIST))
    assert triples(rule) == [
        ("Image", "ends_with", "\\whoami.exe", False),
        ("CommandLine", "is_not_null", "", False),
        ("ParentImage", "is_null", "", False),
        ("User", "contains", "AUTHORI", False),
        ("User", "contains", "AUTORI", False),
    ]
    only_first = EXISTS_AND_CONDITION_LIST.replace("        - all of them\n", "")
    (rule,) = SigmaSource(tmp_path).read(write(tmp_path, only_first))
    assert [p.negated for p in rule.predicates] == [False, False, True, True, True]


def test_sigma_broken_yaml_gives_line_and_column(tmp_path: Path) -> None:
    """An unclosed flow list is a ``RuleFileError`` at the YAML mark (0-based)."""
    text = "title: broken\ndetection:\n  selection:\n    Image: [unclosed\n"
    with pytest.raises(RuleFileError) as caught:
        SigmaSource(tmp_path).read(write(tmp_path, text))
    assert caught.value.reason.startswith("invalid YAML")
    assert (caught.value.line, caught.value.column) == (4, 0)


def test_sigma_unknown_modifier_points_at_its_key(tmp_path: Path) -> None:
    """pySigma's unknown-modifier error is placed on the key that names it."""
    text = (
        "title: typo\nlogsource:\n    product: windows\ndetection:\n"
        "    selection:\n        Image|endwith: '\\\\x.exe'\n    condition: selection\n"
    )
    with pytest.raises(RuleFileError) as caught:
        SigmaSource(tmp_path).read(write(tmp_path, text))
    assert "endwith" in caught.value.reason
    assert (caught.value.line, caught.value.column) == (5, 8)


def test_sigma_undefined_selection_in_condition_is_an_error(tmp_path: Path) -> None:
    """A condition naming a selection that does not exist fails at the condition."""
    text = (
        "title: x\nlogsource:\n    product: windows\ndetection:\n"
        "    selection:\n        Image: a\n    condition: selection and not filter\n"
    )
    with pytest.raises(RuleFileError) as caught:
        SigmaSource(tmp_path).read(write(tmp_path, text))
    assert "'filter'" in caught.value.reason
    assert caught.value.line == 6


UNUSUAL_YAML = b"""\
base: &base {Image: a.exe, EventID: [1, 2]}
merged:
    <<: *base
    User: x
tagged: !!str 4688
when: 2024-01-02
hex: 0x10
nothing: ~
"""


def test_sigma_yaml_values_equal_safe_load(sigma_corpus: Path) -> None:
    """The fast node-to-value path builds what ``yaml.load`` builds, merges too."""
    relative = "rules/windows/builtin/security/win_security_audit_log_cleared.yml"
    data = (sigma_corpus / relative).read_bytes()
    for text in (data, UNUSUAL_YAML):
        values = [value for _, value in load_documents(text)]
        assert values == list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    (_, value), *_ = load_documents(UNUSUAL_YAML)
    assert value["merged"] == {"Image": "a.exe", "EventID": [1, 2], "User": "x"}
    assert (value["tagged"], value["hex"], value["nothing"]) == ("4688", 16, None)


@pytest.mark.slow
def test_sigma_sweep_reads_whole_corpus(sigma_corpus: Path) -> None:
    """At least 99% of the corpus reads; every failure has a reason."""
    source = SigmaSource(sigma_corpus)
    files = source.files()
    assert len(files) >= 3780
    started = time.perf_counter()
    failures: dict[Path, RuleFileError] = {}
    rules = 0
    for path in files:
        try:
            rules += len(source.read(path))
        except RuleFileError as exc:
            failures[path] = exc
    elapsed = time.perf_counter() - started
    assert len(failures) <= len(files) // 100, list(failures.items())[:5]
    assert all(exc.reason for exc in failures.values())
    assert rules >= len(files) - len(failures)
    assert elapsed < 60


@pytest.mark.slow
def test_sigma_sweep_within_three_times_bare_load(sigma_corpus: Path) -> None:
    """Reading every file costs at most 3x PyYAML's bare C load of the same files."""
    source = SigmaSource(sigma_corpus)
    files = source.files()
    for path in files[:200]:  # warm imports and caches on both sides
        source.read(path)
    started = time.perf_counter()
    for path in files:
        with path.open("rb") as stream:
            yaml.load(stream, Loader=yaml.CSafeLoader)
    bare = time.perf_counter() - started
    started = time.perf_counter()
    for path in files:
        source.read(path)
    ours = time.perf_counter() - started
    assert ours <= 3 * bare, f"{ours:.2f}s vs bare {bare:.2f}s"
