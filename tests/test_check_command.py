"""``rulescope check`` over a folder of real Sigma rules with a broken one among them.

Twenty rundll32 rules and the regsvr32 DNS query rule (its image test stands
alone) from the Sigma corpus are copied to a temporary folder; one copy has
its condition broken (``not filter`` → ``not flt``) the way an author's typo
would, another is cut off mid-YAML.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from rulescope.cli import main

PROCESS_CREATION = Path("rules/windows/process_creation")
EXPLORER = "proc_creation_win_rundll32_spawn_explorer.yml"
SCREENSAVER = "proc_creation_win_rundll32_installscreensaver.yml"
REGSVR32_DNS = Path("rules/windows/dns_query/dns_query_win_regsvr32_dns_query.yml")
SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>\w+) .+$")


@pytest.fixture()
def rules(tmp_path: Path, sigma_corpus: Path) -> Path:
    """A folder of 21 real rules, none of them broken."""
    folder = tmp_path / "rules"
    folder.mkdir()
    sources = sorted((sigma_corpus / PROCESS_CREATION).glob("*rundll32_*.yml"))
    for source in [*sources[:20], sigma_corpus / REGSVR32_DNS]:
        shutil.copyfile(source, folder / source.name)
    assert (folder / EXPLORER).is_file() and (folder / SCREENSAVER).is_file()
    return folder


@pytest.fixture()
def broken(rules: Path) -> Path:
    """The same folder with the explorer rule's condition naming a missing filter."""
    path = rules / EXPLORER
    path.write_text(path.read_text(encoding="utf-8").replace("not filter", "not flt"))
    return rules


def _check(
    capsys: pytest.CaptureFixture[str], index: Path, *args: str
) -> tuple[int, str]:
    status = main(["check", "--index", str(index), *args])
    return status, capsys.readouterr().out


def test_check_text_names_the_broken_rule_line(
    capsys: pytest.CaptureFixture[str], small_index: Path, broken: Path
) -> None:
    """Text output has one ``path:line:col: code message`` line per finding."""
    status, out = _check(capsys, small_index, str(broken))

    lines = out.splitlines()
    assert lines and all(LINE.match(line) for line in lines)
    undefined = [line for line in lines if " undefined_selection " in line]
    # The explorer rule's condition is line 22: 'condition: selection and not flt'.
    assert undefined == [
        f"{broken / EXPLORER}:22:34: undefined_selection condition names 'flt', "
        "which is not a selection"
    ]
    assert status == 1


def test_check_passes_a_clean_folder_and_fails_on_warning(
    capsys: pytest.CaptureFixture[str], small_index: Path, rules: Path
) -> None:
    """No error exits 0; ``--fail-on warning`` exits 1 on a noisy standalone image."""
    status, _ = _check(capsys, small_index, str(rules))
    strict, out = _check(
        capsys,
        small_index,
        str(rules),
        "--fail-on",
        "warning",
        "--noisy-threshold",
        "10",
    )

    assert status == 0
    assert strict == 1
    # 'Image|endswith: \\regsvr32.exe' alone: 19 rules of the small index check it.
    noisy = [line for line in out.splitlines() if " noisy_indicator " in line]
    assert noisy and REGSVR32_DNS.name in noisy[0]


def test_check_json_counts_and_places_findings(
    capsys: pytest.CaptureFixture[str], small_index: Path, broken: Path
) -> None:
    """JSON output counts 21 files and places the broken condition's error."""
    status, out = _check(capsys, small_index, str(broken), "--format", "json")

    report = json.loads(out)
    assert report["files"] == 21
    assert report["counts"]["error"] >= 1
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert {(Path(f["path"]).name, f["line"], f["code"]) for f in errors} >= {
        (EXPLORER, 22, "undefined_selection")
    }
    assert status == 1


def test_check_sarif_validates_against_the_schema(
    capsys: pytest.CaptureFixture[str],
    small_index: Path,
    broken: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SARIF output is valid 2.1.0 and locates the error relative to the root."""
    cut = broken / "cut_off.yml"
    text = (broken / SCREENSAVER).read_text(encoding="utf-8")
    cut.write_text(text[: text.index("detection:")] + "detection:\n  sel: [\n")
    monkeypatch.chdir(broken.parent)

    status, out = _check(capsys, small_index, "rules", "--format", "sarif")

    log = json.loads(out)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    places = {
        (
            result["ruleId"],
            location["physicalLocation"]["artifactLocation"]["uri"],
            location["physicalLocation"]["region"]["startLine"],
        )
        for result in log["runs"][0]["results"]
        for location in result["locations"]
    }
    assert ("undefined_selection", f"rules/{EXPLORER}", 22) in places
    assert any(
        code == "yaml_syntax" and uri == "rules/cut_off.yml" for code, uri, _ in places
    )
    assert status == 1


def test_check_missing_path_exits_two(
    capsys: pytest.CaptureFixture[str], small_index: Path, tmp_path: Path
) -> None:
    """A path that does not exist is a one-line message and exit status 2."""
    status = main(["check", "--index", str(small_index), str(tmp_path / "nope")])

    assert status == 2
    assert "neither a file nor a folder" in capsys.readouterr().err


def test_check_workers_give_the_same_findings(
    small_index: Path, broken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two worker processes find what one process finds, in the same order."""
    from rulescope.server import check_run
    from rulescope.server.settings import Settings

    monkeypatch.setattr(check_run, "PARALLEL_FROM", 2)
    settings = Settings(index_path=small_index)
    corpus = check_run.Corpus.open(small_index)
    try:
        alone = check_run.check_paths([broken], corpus, settings)
        shared = check_run.check_paths([broken], corpus, settings, jobs=2)
    finally:
        corpus.close()

    assert [(r.path, r.findings) for r in shared.files] == [
        (r.path, r.findings) for r in alone.files
    ]
    assert len(alone.files) == 21 and alone.counts()["error"] >= 1
