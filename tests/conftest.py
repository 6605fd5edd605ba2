"""Shared fixtures: where the real corpus lives, and small indexes built from it.

Tests read the corpus in place; an index is built in a temporary directory
from real rule files copied there, never inside the repository.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest

from rulescope.index.build import SourceSpec, build_index
from rulescope.index.catalog import Catalog, load_catalog
from rulescope.index.model import Rule
from rulescope.index.sources import Source

REPO = Path(__file__).resolve().parent.parent

#: Techniques whose rules make up the shared small index: rundll32 proxy
#: execution, PowerShell, web-protocol C2 and scheduled tasks, chosen because
#: every vendor has rules for them.
SMALL_INDEX_TECHNIQUES = ("T1218.011", "T1059.001", "T1071.001", "T1053.005")

#: A predicate as the source tests compare it: field, operator, value, negated.
Triple = tuple[str, str, str, bool]

_RULE_SUFFIXES = {
    "sigma": (".yml", ".yaml"),
    "elastic": (".toml",),
    "splunk": (".yml",),
    "sentinel": (".yaml", ".yml"),
}


def corpus_dir() -> Path:
    """The corpus folder: ``RULESCOPE_CORPUS``, else ``../shared/corpus``."""
    default = REPO.parent / "shared" / "corpus"
    return Path(os.environ.get("RULESCOPE_CORPUS", default)).resolve()


def reference_dir() -> Path:
    """The reference folder beside the corpus."""
    return Path(
        os.environ.get("RULESCOPE_REFERENCE", corpus_dir().parent / "reference")
    ).resolve()


def read_one(source: Source, relative: str) -> Rule:
    """The single rule of a corpus file, given relative to the source's root."""
    rules = source.read(source.root / relative)
    assert len(rules) == 1
    return rules[0]


def triples(rule: Rule, clause: str | None = None) -> list[Triple]:
    """(canonical field, operator, value, negated) of a rule's predicates, in order."""
    return [
        (p.field, p.operator, p.value, p.negated)
        for p in rule.predicates
        if clause is None or p.clause == clause
    ]


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The real corpus folder; tests skip nothing, so it must exist."""
    path = corpus_dir()
    assert path.is_dir(), f"corpus not found at {path}: set RULESCOPE_CORPUS"
    return path


@pytest.fixture(scope="session")
def sigma_corpus(corpus: Path) -> Path:
    """The Sigma corpus folder."""
    return corpus / "sigma"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The ATT&CK and event catalogs from the reference folder."""
    return load_catalog(reference_dir())


def rule_files_mentioning(
    vendor_root: Path, suffixes: Iterable[str], techniques: Iterable[str]
) -> list[Path]:
    """Rule files below ``vendor_root`` whose text names one of ``techniques``."""
    pattern = re.compile(
        "|".join(re.escape(t) + r"(?![.\d])" for t in techniques), re.IGNORECASE
    )
    found = []
    for path in sorted(vendor_root.rglob("*")):
        if path.suffix not in suffixes or "deprecated" in path.parts:
            continue
        if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
            found.append(path)
    return found


def copy_rules(files: Iterable[Path], vendor_root: Path, target: Path) -> None:
    """Copy rule files into ``target``, keeping their paths below the vendor root."""
    for path in files:
        destination = target / path.relative_to(vendor_root)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)


def build_technique_index(
    root: Path, techniques: Iterable[str], corpus: Path, catalog: Catalog
) -> Path:
    """An index under ``root`` of every vendor's real rules naming ``techniques``.

    Splunk's macros and data sources are copied too, so its searches expand
    as in the corpus.
    """
    techniques = tuple(techniques)
    specs = []
    for vendor, suffixes in _RULE_SUFFIXES.items():
        vendor_root = corpus / vendor
        files = rule_files_mentioning(vendor_root, suffixes, techniques)
        if vendor == "splunk":
            files = [f for f in files if "detections" in f.parts]
            files += sorted((vendor_root / "macros").glob("*.yml"))
            files += sorted((vendor_root / "data_sources").glob("*.yml"))
        copy_rules(files, vendor_root, root / vendor)
        specs.append(SourceSpec(vendor, root / vendor))
    index = root / "index.sqlite"
    build_index(specs, index, catalog=catalog, workers=1)
    return index


@pytest.fixture(scope="session")
def small_index(
    tmp_path_factory: pytest.TempPathFactory, corpus: Path, catalog: Catalog
) -> Path:
    """An index of every vendor's real rules for ``SMALL_INDEX_TECHNIQUES``."""
    root = tmp_path_factory.mktemp("small-index")
    return build_technique_index(root, SMALL_INDEX_TECHNIQUES, corpus, catalog)


#: The report tests' techniques: web-protocol and DNS C2 (every sub-technique
#: of T1071), the small index's techniques so reach spans several techniques,
#: and T1685, an ATT&CK v19 id the v18.1 catalog lacks.
REPORT_TECHNIQUES = (
    *SMALL_INDEX_TECHNIQUES,
    "T1071",
    *(f"T1071.{n:03d}" for n in range(1, 6)),
    "T1685",
)


@pytest.fixture(scope="session")
def report_index(
    tmp_path_factory: pytest.TempPathFactory, corpus: Path, catalog: Catalog
) -> Path:
    """An index of every vendor's real rules for ``REPORT_TECHNIQUES``."""
    root = tmp_path_factory.mktemp("report-index")
    return build_technique_index(root, REPORT_TECHNIQUES, corpus, catalog)
