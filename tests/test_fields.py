"""The cross-vendor field map, read against real rules of the four corpora."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from rulescope.index import derive_fields
from rulescope.index.fields import (
    canonical_field,
    indicator_key,
    is_canonical,
    normalize_predicate,
    unmapped_field_counts,
    vendor_names,
)
from tests.conftest import reference_dir

ELASTIC_RUNDLL32 = "elastic/rules/windows/defense_evasion_rundll32_no_arguments.toml"
ELASTIC_RUN_KEY = "elastic/rules/windows/persistence_run_key_and_startup_broad.toml"
SPLUNK_RUNDLL32 = "splunk/detections/endpoint/rundll32_lockworkstation.yml"
SPLUNK_PROCESSES = "splunk/detections/endpoint/office_product_spawning_bitsadmin.yml"
SPLUNK_FILESYSTEM = (
    "splunk/detections/endpoint/remcos_rat_file_creation_in_remcos_folder.yml"
)
SPLUNK_REGISTRY = (
    "splunk/detections/endpoint/windows_modify_registry_disallow_windows_app.yml"
)
SPLUNK_RISK = "splunk/detections/web/proxyshell_proxynotshell_behavior_detected.yml"
SENTINEL_RUNDLL32 = (
    "sentinel/Solutions/Legacy IOC based Threat Protection/Analytic Rules/"
    "DiamondSleetJan272021IOCs.yaml"
)
SENTINEL_PARENT = (
    "sentinel/Solutions/FalconFriday/Analytic Rules/"
    "SuspiciousParentProcessRelationship.yaml"
)
SENTINEL_COM = "sentinel/Solutions/FalconFriday/Analytic Rules/COMHijacking.yaml"
SENTINEL_COLOR = (
    "sentinel/Detections/DeviceFileEvents/PEfiledroppedinColorDriversFolder.yaml"
)
SENTINEL_SYSLOG = (
    "sentinel/Solutions/Syslog/Analytic Rules/ssh_potentialBruteForce.yaml"
)
SENTINEL_NETWORK = (
    "sentinel/Detections/MultipleDataSources/Mercury_Log4j_August2022.yaml"
)
SIGMA_RUNDLL32 = (
    "sigma/rules-threat-hunting/windows/process_creation/"
    "proc_creation_win_rundll32_by_ordinal.yml"
)


def _query(corpus: Path, relative: str) -> str:
    """The query text of a real rule: Elastic ``query``, Splunk ``search``, KQL."""
    path = corpus / relative
    if path.suffix == ".toml":
        return str(tomllib.loads(path.read_text(encoding="utf-8"))["rule"]["query"])
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return str(document.get("search") or document.get("query"))


def _cim_fields(search: str, data_model_object: str) -> set[str]:
    """Every ``Object.field`` a Splunk search names for one CIM object."""
    return set(re.findall(rf"\b{data_model_object}\.\w+", search))


def _mapped(vendor: str, fields: set[str]) -> dict[str, str]:
    return {field: canonical_field(vendor, field) for field in sorted(fields)}


def test_canonical_field_ecs_names_in_elastic_rules(corpus: Path) -> None:
    """The ECS process and registry fields of two Elastic rules get Sigma names."""
    text = _query(corpus, ELASTIC_RUNDLL32) + _query(corpus, ELASTIC_RUN_KEY)
    expected = {
        "process.name": "Image",
        "process.executable": "Image",
        "process.command_line": "CommandLine",
        "process.parent.name": "ParentImage",
        "process.pe.original_file_name": "OriginalFileName",
        "process.entity_id": "ProcessGuid",
        "process.parent.entity_id": "ParentProcessGuid",
        "registry.path": "TargetObject",
    }
    used = set(re.findall(r"\b(?:process|registry)\.[a-z_.]+[a-z]", text))
    assert set(expected) <= used
    assert _mapped("elastic", set(expected)) == expected


def test_canonical_field_cim_names_in_splunk_rules(corpus: Path) -> None:
    """Every Processes/Filesystem/Registry field of four Splunk searches maps."""
    processes = _cim_fields(_query(corpus, SPLUNK_PROCESSES), "Processes")
    filesystem = _cim_fields(_query(corpus, SPLUNK_FILESYSTEM), "Filesystem")
    registry = _cim_fields(_query(corpus, SPLUNK_REGISTRY), "Registry")
    mapped = _mapped("splunk", processes | filesystem | registry)

    assert all(is_canonical(name) for name in mapped.values()), mapped
    assert mapped["Processes.process_name"] == "Image"
    assert mapped["Processes.parent_process_name"] == "ParentImage"
    assert mapped["Processes.process"] == "CommandLine"
    assert mapped["Processes.dest"] == "Computer"
    assert mapped["Filesystem.file_path"] == "TargetFilename"
    assert mapped["Registry.registry_path"] == "TargetObject"
    assert canonical_field("splunk", "Endpoint.Processes.process_path") == "Image"


def test_canonical_field_kusto_names_in_sentinel_rules(corpus: Path) -> None:
    """Defender XDR columns of three Sentinel rules get Sigma names."""
    text = "".join(
        _query(corpus, rule)
        for rule in (SENTINEL_PARENT, SENTINEL_COM, SENTINEL_NETWORK)
    )
    expected = {
        "FileName": "Image",
        "InitiatingProcessFileName": "ParentImage",
        "InitiatingProcessCommandLine": "ParentCommandLine",
        "RegistryKey": "TargetObject",
        "RegistryValueData": "Details",
        "RemoteIP": "DestinationIp",
    }
    assert all(re.search(rf"\b{name}\b", text) for name in expected)
    assert _mapped("sentinel", set(expected)) == expected
    assert canonical_field("sentinel", "FolderPath") == "Image"
    assert canonical_field("sentinel", "ProcessCommandLine") == "CommandLine"


def test_canonical_field_kusto_table_picks_the_role(corpus: Path) -> None:
    """``FolderPath`` in a DeviceFileEvents rule is the written file, not the image."""
    query = _query(corpus, SENTINEL_COLOR)
    assert query.lstrip().startswith("DeviceFileEvents")
    assert "FolderPath has" in query
    assert canonical_field("sentinel", "FolderPath", "DeviceFileEvents") == (
        "TargetFilename"
    )
    assert canonical_field("sentinel", "FolderPath", "DeviceProcessEvents") == "Image"


def test_canonical_field_initiating_process_is_the_actor_outside_process_events(
    corpus: Path,
) -> None:
    """A DeviceNetworkEvents rule itself renames InitiatingProcessFolderPath Image."""
    query = _query(corpus, SENTINEL_NETWORK)
    assert "Image = InitiatingProcessFolderPath" in query
    assert "DeviceNetworkEvents" in query
    network = canonical_field(
        "sentinel", "InitiatingProcessFolderPath", "DeviceNetworkEvents"
    )
    process = canonical_field(
        "sentinel", "InitiatingProcessFolderPath", "DeviceProcessEvents"
    )
    assert (network, process) == ("Image", "ParentImage")


def test_indicator_key_rundll32_is_one_indicator_in_four_dialects(
    corpus: Path,
) -> None:
    """The rundll32 image test, as four real rules write it, is one indicator."""
    sigma = (corpus / SIGMA_RUNDLL32).read_text(encoding="utf-8")
    written = {
        "sigma": re.search(r"(Image)\|endswith: '(\\rundll32\.exe)'", sigma),
        "elastic": re.search(
            r'(process\.name) : "(rundll32\.exe)"', _query(corpus, ELASTIC_RUNDLL32)
        ),
        "splunk": re.search(
            r"(Processes\.process_name)=(rundll32\.exe)",
            _query(corpus, SPLUNK_RUNDLL32),
        ),
        "sentinel": re.search(
            r'(FileName) =~ "(rundll32\.exe)"', _query(corpus, SENTINEL_RUNDLL32)
        ),
    }
    operators = {
        "sigma": "ends_with",
        "elastic": "eq",
        "splunk": "eq",
        "sentinel": "eq",
    }
    keys = set()
    for vendor, match in written.items():
        assert match is not None, vendor
        field, value = match.groups()
        predicate = normalize_predicate(vendor, field, operators[vendor], value)
        keys.add(indicator_key(*predicate))
    assert keys == {("Image", "ends_with", "rundll32.exe")}


def test_canonical_field_unmapped_fields_keep_a_vendor_prefix(corpus: Path) -> None:
    """Fields no pipeline or review maps stay the vendor's, prefixed, and counted."""
    assert "host.os.type ==" in _query(corpus, ELASTIC_RUNDLL32)
    assert "All_Risk.analyticstories IN" in _query(corpus, SPLUNK_RISK)
    assert "SyslogMessage contains" in _query(corpus, SENTINEL_SYSLOG)

    assert canonical_field("elastic", "host.os.type") == "elastic:host.os.type"
    assert canonical_field("splunk", "All_Risk.analyticstories") == (
        "splunk:analyticstories"
    )
    assert canonical_field("sentinel", "SyslogMessage") == "sentinel:SyslogMessage"
    assert not is_canonical("sentinel:SyslogMessage")

    before = (
        unmapped_field_counts().get("sentinel", {}).get("sentinel:SyslogMessage", 0)
    )
    normalize_predicate("sentinel", "SyslogMessage", "contains", "Failed password")
    after = unmapped_field_counts()["sentinel"]["sentinel:SyslogMessage"]
    assert after == before + 1


def test_canonical_field_sigma_names_are_canonical(corpus: Path) -> None:
    """A Sigma rule's own field names come back unchanged, and count as canonical."""
    sigma = (corpus / SIGMA_RUNDLL32).read_text(encoding="utf-8")
    fields = set(re.findall(r"^\s+-?\s*(\w+)\|", sigma, re.MULTILINE))
    assert "Image" in fields and "CommandLine" in fields
    assert all(canonical_field("sigma", field) == field for field in fields)
    assert all(is_canonical(field) for field in fields)


def test_vendor_names_lists_each_vendor_spelling(corpus: Path) -> None:
    """Hover's reverse view names ``Image`` as the three other corpora write it."""
    names = vendor_names("Image")
    assert {"process.executable", "process.name"} <= set(names["elastic"])
    assert {"process_name", "process_path"} <= set(names["splunk"])
    assert {"FileName", "FolderPath", "NewProcessName"} <= set(names["sentinel"])
    assert "FileName =~" in _query(corpus, SENTINEL_RUNDLL32)


@pytest.mark.slow
def test_fieldmap_json_matches_installed_pipelines() -> None:
    """The committed fieldmap.json is what the installed pySigma pipelines give."""
    sigma_fields = reference_dir() / "fields/sigma/sigmahq-logsource-fields.json"
    derived = derive_fields.derive(sigma_fields)
    committed = json.loads(derive_fields.OUTPUT.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(derived)) == committed
    assert committed["meta"]["versions"]["pySigma"] == "1.5.1"
