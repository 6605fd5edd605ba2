"""rulescope in a real editor: headless Neovim 0.7 with its own LSP client."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rulescope.index.build import SourceSpec, build_index
from rulescope.index.catalog import Catalog
from tests.conftest import copy_rules

PROBE = Path(__file__).parent / "editors" / "nvim_probe.lua"

#: A real rule whose only test, ``Image|endswith: '\nltest.exe'`` (or the
#: original file name), is checked by more than 20 rules across the corpus.
NLTEST_RULE = "rules/windows/process_creation/proc_creation_win_nltest_execution.yml"

pytestmark = [
    pytest.mark.editor,
    pytest.mark.skipif(shutil.which("nvim") is None, reason="needs Debian's neovim"),
]


@pytest.fixture(scope="module")
def nltest_index(
    tmp_path_factory: pytest.TempPathFactory, corpus: Path, catalog: Catalog
) -> Path:
    """An index of every real rule, in any vendor, that mentions nltest."""
    root = tmp_path_factory.mktemp("nltest-corpus")
    specs = []
    for vendor in ("sigma", "elastic", "splunk", "sentinel"):
        files = [
            path
            for path in sorted((corpus / vendor).rglob("*"))
            if path.suffix in {".yml", ".yaml", ".toml"}
            and "deprecated" not in path.parts
            and b"nltest" in path.read_bytes().lower()
        ]
        copy_rules(files, corpus / vendor, root / vendor)
        specs.append(SourceSpec(vendor, root / vendor))
    index = root / "index.sqlite"
    build_index(specs, index, catalog=catalog, workers=1)
    return index


def _probe(rule: Path, index: Path, tmp_path: Path) -> dict[str, object]:
    """Run Neovim headless on ``rule`` with the probe script; its findings as JSON."""
    output = tmp_path / "probe.json"
    env = dict(
        os.environ,
        PROBE_RULE=str(rule),
        PROBE_OUTPUT=str(output),
        PROBE_PYTHON=sys.executable,
        RULESCOPE_INDEX=str(index),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_STATE_HOME=str(tmp_path / "state"),
    )
    subprocess.run(
        ["nvim", "--headless", "--clean", "-n", "-c", f"luafile {PROBE}"],
        env=env,
        timeout=90,
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    result: dict[str, object] = json.loads(output.read_text(encoding="utf-8"))
    return result


def test_neovim_hover_and_noisy_diagnostic(
    nltest_index: Path, sigma_corpus: Path, tmp_path: Path
) -> None:
    """Neovim shows the technique and its rule counts, and the noisy warning."""
    rule = tmp_path / "nltest.yml"
    shutil.copyfile(sigma_corpus / NLTEST_RULE, rule)
    result = _probe(rule, nltest_index, tmp_path)

    assert result["attached"] is True
    hover = str(result["hover"])
    assert "T1016" in hover
    assert "System Network Configuration Discovery" in hover
    assert "sigma" in hover.lower() and "rules" in hover.lower()

    diagnostics = result["diagnostics"]
    assert isinstance(diagnostics, list)
    noisy = [d for d in diagnostics if d["code"] == "noisy_indicator"]
    assert noisy, diagnostics
    assert noisy[0]["line"] == 23  # the '\nltest.exe' value, 0-based
    assert "nltest.exe" in noisy[0]["message"]
    assert noisy[0]["source"] == "rulescope"
