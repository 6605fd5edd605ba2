"""Malformed rule files are recorded, never fatal: damaged copies of real rules.

For each vendor one real rule is copied into a temporary source folder as
is and in six damaged forms: truncated mid-file, with binary garbage
inserted, with invalid UTF-8 inserted, emptied, with its title (or rule
table) swapped for a value of another type, and with its query or
detection swapped for a number. ``build_index`` must complete, the intact
copy must be indexed, and every file must be either indexed or listed
among the failures.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from rulescope.index.build import SourceSpec, build_index
from rulescope.index.catalog import Catalog

#: vendor -> (rule path below the corpus root, (key to swap, key to swap)).
RULES = {
    "sigma": (
        "sigma/rules/windows/process_creation/"
        "proc_creation_win_rundll32_installscreensaver.yml",
        ("title:", "detection:"),
    ),
    "elastic": (
        "elastic/rules/windows/defense_evasion_rundll32_no_arguments.toml",
        ("[rule]", "query = "),
    ),
    "splunk": (
        "splunk/detections/endpoint/rundll32_shimcache_flush.yml",
        ("name:", "search:"),
    ),
    "sentinel": (
        "sentinel/Detections/CommonSecurityLog/MultiVendor-PossibleDGAContacts.yaml",
        ("name:", "query:"),
    ),
}
_GARBAGE = bytes(range(256)) * 3


def _swap_line(data: bytes, key: str, replacement: bytes) -> bytes:
    """``data`` with the first line starting with ``key`` replaced."""
    lines = data.split(b"\n")
    for i, line in enumerate(lines):
        if line.startswith(key.encode()):
            lines[i] = replacement
            return b"\n".join(lines)
    raise AssertionError(f"no line starting with {key!r}")


def _mutations(data: bytes, keys: tuple[str, str], toml: bool) -> dict[str, bytes]:
    first, second = keys
    half = len(data) // 2
    swapped_first = b"rule = 3" if toml else first.encode() + b" [1, {a: 2}]"
    swapped_second = second.encode() + (b"5" if toml else b" 5")
    return {
        "intact": data,
        "truncated": data[:half],
        "garbage": data[:half] + _GARBAGE + data[half:],
        "invalid_utf8": data[:half] + b"\xff\xfe\xc3\x28" + data[half:],
        "empty": b"",
        "first_swapped": _swap_line(data, first, swapped_first),
        "second_swapped": _swap_line(data, second, swapped_second),
    }


@pytest.mark.parametrize("vendor", sorted(RULES))
def test_index_build_records_malformed_rules(
    vendor: str, corpus: Path, catalog: Catalog, tmp_path: Path
) -> None:
    """Every damaged copy is indexed or recorded as a failure; the build completes."""
    relative, keys = RULES[vendor]
    original = corpus / relative
    suffix = original.suffix
    root = tmp_path / vendor
    # The same folder below the source root: sources look for rules by layout.
    folder = root / original.parent.relative_to(corpus / vendor)
    folder.mkdir(parents=True)
    written = {}
    mutations = _mutations(original.read_bytes(), keys, suffix == ".toml")
    for name, data in mutations.items():
        path = folder / f"{name}_{original.name}"
        path.write_bytes(data)
        written[name] = str(path.resolve())

    index = tmp_path / "index.sqlite"
    summary = build_index([SourceSpec(vendor, root)], index, catalog=catalog, workers=1)

    with closing(sqlite3.connect(index)) as db:
        indexed = {row[0] for row in db.execute("SELECT path FROM rules")}
        failed = {row[0] for row in db.execute("SELECT path FROM failures")}
    assert summary.files == len(written)
    assert written["intact"] in indexed
    assert written["empty"] not in indexed  # nothing to index, so a failure
    for name, file in written.items():
        assert file in indexed | failed, f"{name} neither indexed nor recorded"
    assert len(failed) >= 3, failed  # truncated, garbage or empty at least
