"""An index of real corpus rules for the report tests, built once per session.

Both report test modules ask for it; the first builds it under pytest's
session temporary folder and the second finds it there.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from rulescope.index.build import SOURCE_CLASSES, SourceSpec, build_index
from rulescope.index.catalog import Catalog
from tests.conftest import SMALL_INDEX_TECHNIQUES, copy_rules, rule_files_mentioning

#: Web-protocol and DNS C2 (the issue's must-test technique, every sub), the
#: shared small-index techniques so reach spans several techniques, and T1685,
#: an ATT&CK v19 id the v18.1 catalog lacks.
REPORT_TECHNIQUES = (
    *SMALL_INDEX_TECHNIQUES,
    "T1071",
    *(f"T1071.{n:03d}" for n in range(1, 6)),
    "T1685",
)

_SUFFIXES = {
    "sigma": (".yml", ".yaml"),
    "elastic": (".toml",),
    "splunk": (".yml",),
    "sentinel": (".yaml", ".yml"),
}


def _available(vendor: str) -> bool:
    module = SOURCE_CLASSES[vendor].split(":")[0]
    return importlib.util.find_spec(module) is not None


def report_index(
    factory: pytest.TempPathFactory, corpus: Path, catalog: Catalog
) -> Path:
    """The report index, built on first use in this session."""
    index = factory.getbasetemp() / "report-index" / "index.sqlite"
    if index.is_file():
        return index
    root = factory.getbasetemp() / "report-corpus"
    specs = []
    for vendor, suffixes in _SUFFIXES.items():
        if not _available(vendor):
            continue
        vendor_root = corpus / vendor
        files = rule_files_mentioning(vendor_root, suffixes, REPORT_TECHNIQUES)
        if vendor == "splunk":
            files = [f for f in files if "detections" in f.parts]
            files += sorted((vendor_root / "macros").glob("*.yml"))
            files += sorted((vendor_root / "data_sources").glob("*.yml"))
        copy_rules(files, vendor_root, root / vendor)
        specs.append(SourceSpec(vendor, root / vendor))
    build_index(specs, index, catalog=catalog, workers=1)
    return index
