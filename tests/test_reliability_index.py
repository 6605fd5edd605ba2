"""The index survives builds killed with SIGKILL and builds running at once.

Each build here is the real ``python -m rulescope index build`` in a
subprocess, reading Sigma rules in place from the corpus.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from rulescope.index import store
from rulescope.index.queries import index_stats
from tests.conftest import REPO, corpus_dir, reference_dir

#: The previous index: Sigma's 247 Windows registry rules.
SMALL_SOURCE = Path("sigma/rules/windows/registry")
#: The build that gets killed: Sigma's 2,407 Windows rules.
LARGE_SOURCE = Path("sigma/rules/windows")
#: A rule in both sources (``rules/windows/registry/registry_set/``), looked up
#: to show the index answers queries.
REGISTRY_RULE = "registry_set_aedebug_persistence.yml"
#: The build that two builds race with: 1,183 process-creation rules.
RIVAL_SOURCE = Path("sigma/rules/windows/process_creation")
KILLS = 10

logger = logging.getLogger(__name__)


def _build_command(source: Path, index: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "rulescope",
        "index",
        "build",
        "--source",
        f"sigma={corpus_dir() / source}",
        "--reference",
        str(reference_dir()),
        "--index",
        str(index),
    ]


def _start_build(
    source: Path, index: Path, stderr: int = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    """Start a build in its own process group, so the test can find its workers."""
    return subprocess.Popen(
        _build_command(source, index),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,
    )


def _stats(index: Path) -> dict[str, Any]:
    """What ``index stats`` reports, less the build time."""
    with closing(store.open_index(index)) as db:
        stats = index_stats(db)
    del stats["built_at"]
    return stats


def _group_alive(group: int) -> list[int]:
    """Processes of a process group that have not ended (zombies count as ended)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def _kill_build(build: subprocess.Popen[bytes]) -> None:
    """SIGKILL the build process only, then wait for its workers to leave too."""
    build.kill()
    build.wait()
    deadline = time.monotonic() + 3
    while _group_alive(build.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _group_alive(build.pid)
    if left:
        os.killpg(build.pid, signal.SIGKILL)
    assert not left, f"workers {left} outlived the killed build"


def _building_files(index: Path) -> list[Path]:
    return sorted(index.parent.glob(index.name + ".*.building"))


def _install(source: Path, index: Path) -> None:
    """Put a copy of ``source`` at ``index`` atomically."""
    shutil.copyfile(source, index.with_suffix(".copy"))
    os.replace(index.with_suffix(".copy"), index)


def _assert_answers(index: Path) -> None:
    """The index answers a query about a real registry rule."""
    with closing(store.open_index(index)) as db:
        row = db.execute(
            "SELECT title FROM rules WHERE rel_path LIKE ?",
            (f"%/{REGISTRY_RULE}",),
        ).fetchone()
    assert row is not None
    assert row["title"] == "Add Debugger Entry To AeDebug For Persistence"


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Complete builds of both sources, their stats, and the large one's duration."""
    folder = tmp_path_factory.mktemp("reference-builds")
    small, large = folder / "small.sqlite", folder / "large.sqlite"
    rival = folder / "rival.sqlite"
    subprocess.run(_build_command(SMALL_SOURCE, small), cwd=REPO, check=True)
    subprocess.run(_build_command(RIVAL_SOURCE, rival), cwd=REPO, check=True)
    started = time.monotonic()
    subprocess.run(
        _build_command(LARGE_SOURCE, large),
        cwd=REPO,
        check=True,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.monotonic() - started
    return {
        "small": small,
        "small_stats": _stats(small),
        "large_stats": _stats(large),
        "rival_stats": _stats(rival),
        "large_seconds": seconds,
    }


def _kill_delays(duration: float) -> list[float]:
    """Seeded delays over the whole build, three of them around its final rename."""
    chooser = random.Random(8)
    spread = [chooser.uniform(0.05, 0.9) * duration for _ in range(KILLS - 3)]
    finish = [chooser.uniform(0.85, 1.2) * duration for _ in range(3)]
    return spread + finish


def test_index_survives_build_killed_at_random_moments(
    tmp_path: Path, builds: dict[str, Any]
) -> None:
    """Ten SIGKILLed builds leave the previous index whole, or the new one complete."""
    index = tmp_path / "index.sqlite"
    outcomes = []
    for delay in _kill_delays(builds["large_seconds"]):
        _install(builds["small"], index)
        build = _start_build(LARGE_SOURCE, index)
        time.sleep(delay)
        _kill_build(build)

        stats = _stats(index)
        assert stats in (builds["small_stats"], builds["large_stats"])
        outcomes.append("previous" if stats == builds["small_stats"] else "new")
        logger.info(
            "killed after %.2f s of %.2f s: %s index, unfinished files %s",
            delay,
            builds["large_seconds"],
            outcomes[-1],
            [(f.name, f.stat().st_size) for f in _building_files(index)],
        )
        _assert_answers(index)
        leftovers = _building_files(index)
        if any(f"pid{build.pid}." in f.name for f in leftovers):
            # This build got as far as writing, so it removed earlier leftovers.
            assert len(leftovers) == 1, leftovers

    logger.info("index after each kill: %s", ", ".join(outcomes))
    # Most kills land before the rename; a test that never did would prove nothing.
    assert outcomes.count("previous") >= KILLS // 2, outcomes
    subprocess.run(_build_command(SMALL_SOURCE, index), cwd=REPO, check=True)
    assert _building_files(index) == []
    assert _stats(index) == builds["small_stats"]


def test_index_two_concurrent_builds_leave_one_complete_index(
    tmp_path: Path, builds: dict[str, Any]
) -> None:
    """Two builds of different sources to one index leave one of them, whole."""
    index = tmp_path / "index.sqlite"
    for _ in range(3):
        first = _start_build(SMALL_SOURCE, index, subprocess.PIPE)
        second = _start_build(RIVAL_SOURCE, index, subprocess.PIPE)
        for build in (first, second):
            _, errors = build.communicate(timeout=120)
            assert build.returncode == 0, errors.decode()

        assert _stats(index) in (builds["small_stats"], builds["rival_stats"])
        assert _building_files(index) == []
