"""One indicator in four dialects counts once per rule, across all vendors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rulescope.index.build import SourceSpec, build_index
from rulescope.index.catalog import Catalog
from tests.conftest import copy_rules

#: One real rule per vendor that looks for rundll32.exe as the process image,
#: each in its own dialect.
RUNDLL32_BY_VENDOR = {
    # Image|endswith: '\rundll32.exe'
    "sigma": "rules/windows/process_creation/proc_creation_win_rundll32_keymgr.yml",
    # EQL: process.name == "rundll32.exe"
    "elastic": "rules/windows/credential_access_rare_webdav_destination.toml",
    # tstats ... where Processes.process_name=rundll32.exe
    "splunk": "detections/endpoint/rundll32_lockworkstation.yml",
    # let procList = dynamic([... "rundll32.exe" ...]); ... in~ (procList)
    "sentinel": "Detections/ASimProcess/imProcess_malware_in_recyclebin.yaml",
}

#: The same indicator as a person would type it for ``rulescope reach``.
SPELLINGS = [
    ("Image", "ends_with", "\\rundll32.exe"),
    ("process.name", "eq", "rundll32.exe"),
    ("Processes.process_name", "eq", "rundll32.exe"),
    ("FileName", "eq", "RUNDLL32.EXE"),
]


@pytest.fixture(scope="module")
def four_vendor_index(
    tmp_path_factory: pytest.TempPathFactory, corpus: Path, catalog: Catalog
) -> Path:
    """An index of the four rundll32 rules, one per vendor."""
    root = tmp_path_factory.mktemp("four-vendors")
    specs = []
    for vendor, relative in RUNDLL32_BY_VENDOR.items():
        copy_rules([corpus / vendor / relative], corpus / vendor, root / vendor)
        specs.append(SourceSpec(vendor, root / vendor))
    index = root / "index.sqlite"
    build_index(specs, index, catalog=catalog, workers=1)
    return index


@pytest.mark.parametrize(("field", "operator", "value"), SPELLINGS)
def test_reach_rundll32_counts_all_four_vendors(
    four_vendor_index: Path, field: str, operator: str, value: str
) -> None:
    """Every spelling of the rundll32 indicator gives one row with all four vendors."""
    result = subprocess.run(
        [sys.executable, "-m", "rulescope", "reach", field, operator, value]
        + ["--json", "--index", str(four_vendor_index)],
        capture_output=True,
        text=True,
        check=True,
    )
    reach = json.loads(result.stdout)
    assert (reach["field"], reach["operator"]) == ("Image", "ends_with")
    assert reach["by_vendor"] == {"sigma": 1, "elastic": 1, "splunk": 1, "sentinel": 1}
    assert reach["corpus_reach"] == 4
    assert reach["excluded_by"] == 0
    assert {rule["vendor"] for rule in reach["rules"]} == set(RUNDLL32_BY_VENDOR)
