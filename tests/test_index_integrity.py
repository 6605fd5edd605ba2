"""A damaged index file is refused at open with one line that says how to rebuild.

The index is built from Sigma's 247 Windows registry rules, read in place;
each test damages its own copy.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from rulescope.index import integrity, store
from rulescope.index.build import SourceSpec, build_index
from rulescope.index.catalog import Catalog
from tests.conftest import REPO

#: The title of Sigma's
#: ``rules/windows/registry/registry_set/registry_set_aedebug_persistence.yml``.
TITLE = b"Add Debugger Entry To AeDebug For Persistence"


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory, sigma_corpus: Path, catalog: Catalog
) -> Path:
    """A whole index of real Sigma registry rules."""
    index = tmp_path_factory.mktemp("whole") / "index.sqlite"
    source = SourceSpec("sigma", sigma_corpus / "rules/windows/registry")
    build_index([source], index, catalog=catalog, workers=1)
    return index


@pytest.fixture
def index(built: Path, tmp_path: Path) -> Path:
    """A copy of the whole index for one test to damage."""
    copy = tmp_path / "index.sqlite"
    shutil.copyfile(built, copy)
    return copy


def _refusal(path: Path) -> str:
    """The message open_index refuses ``path`` with."""
    with pytest.raises(store.IndexUnavailable) as refused:
        store.open_index(path)
    message = str(refused.value)
    assert "\n" not in message
    assert f"'{path}'" in message
    assert message.endswith("rebuild it with 'rulescope index build'")
    return message


def test_open_index_accepts_whole_index(index: Path) -> None:
    """The undamaged copy opens and finds the AeDebug persistence rule."""
    with closing(store.open_index(index)) as db:
        titles = {row["title"] for row in db.execute("SELECT title FROM rules")}
    assert len(titles) > 200
    assert TITLE.decode() in titles


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.25, 0.5, 0.999])
def test_open_index_refuses_truncated_index(index: Path, fraction: float) -> None:
    """A file cut short anywhere, even by one byte or to nothing, is refused."""
    size = index.stat().st_size
    length = max(0, min(size - 1, int(size * fraction)))
    with index.open("r+b") as handle:
        handle.truncate(length)
    message = _refusal(index)
    assert "bytes long" in message


def test_open_index_refuses_truncated_header(index: Path) -> None:
    """A file cut inside SQLite's 100-byte header is refused as too short."""
    with index.open("r+b") as handle:
        handle.truncate(60)
    assert "60 bytes long, too short for SQLite" in _refusal(index)


def test_open_index_refuses_appended_bytes(index: Path) -> None:
    """A page appended after the end the header records is refused."""
    with index.open("ab") as handle:
        handle.write(bytes(4096))
    assert "its header says" in _refusal(index)


@pytest.mark.parametrize("fraction", [1 / 3, 1 / 2, 2 / 3])
def test_open_index_refuses_flipped_byte(index: Path, fraction: float) -> None:
    """One byte inverted in the middle of the file is caught by the checksum."""
    _flip(index, int(index.stat().st_size * fraction))
    assert "checksum" in _refusal(index)


def test_open_index_refuses_changed_rule_text(index: Path) -> None:
    """A changed letter in a rule title, invisible to SQLite's checks, is caught."""
    data = index.read_bytes()
    _flip(index, data.index(TITLE) + len("Add "))
    with closing(sqlite3.connect(index)) as db:
        assert db.execute("PRAGMA quick_check").fetchone() == ("ok",)
    assert "checksum" in _refusal(index)


def _flip(path: Path, offset: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))


def test_open_index_refuses_garbage(index: Path) -> None:
    """Random bytes, zeros and text in place of the index are all refused."""
    size = index.stat().st_size
    garbage = random.Random(8).randbytes(size)
    for content in (garbage, bytes(size), b"title: not an index\n"):
        index.write_bytes(content)
        assert "not an SQLite file" in _refusal(index)


def test_open_index_refuses_other_schema_version(index: Path) -> None:
    """A sound index of another schema version names both versions."""
    with closing(sqlite3.connect(index)) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        db.commit()
    integrity.seal(index)
    message = _refusal(index)
    assert f"schema version 99, this rulescope reads {store.SCHEMA_VERSION}" in message


def test_open_index_refuses_other_sqlite_file(tmp_path: Path) -> None:
    """A sound SQLite file that is not an index is refused."""
    other = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
        db.commit()
    integrity.seal(other)
    assert "no such table: meta" in _refusal(other)


def test_open_index_refuses_index_without_checksum(index: Path) -> None:
    """An index written before checksums existed is refused with that reason."""
    with index.open("r+b") as handle:
        handle.seek(60)
        handle.write(bytes(4))
    assert "no checksum (written by an older rulescope)" in _refusal(index)


def test_cli_stats_on_damaged_index_prints_one_line(index: Path) -> None:
    """``index stats`` on a truncated index exits 2 with one line on stderr."""
    with index.open("r+b") as handle:
        handle.truncate(index.stat().st_size // 2)
    result = subprocess.run(
        [sys.executable, "-m", "rulescope", "index", "stats", "--index", str(index)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"rulescope: the index at '{index}' is damaged")
    assert "rulescope index build" in result.stderr


def test_cli_stats_on_garbage_index_prints_one_line(tmp_path: Path) -> None:
    """``index stats`` on a file of text exits 2 with one line on stderr."""
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not an index\n")
    result = subprocess.run(
        [sys.executable, "-m", "rulescope", "index", "stats", "--index", str(bad)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"rulescope: the index at '{bad}' is damaged (it is not an SQLite file): "
        "rebuild it with 'rulescope index build'"
    ]
