"""Download the public rule repositories when no local corpus is given.

Each vendor's repository is fetched as one archive at a pinned ref, from a
base URL that can point at a mirror (``RULESCOPE_CORPUS_URL``). The archive is
written to a temporary file, checked (complete length, intact gzip stream,
the expected rule folders inside, and its SHA-256 when one is pinned), and
only then unpacked into the user cache under a name that includes the ref, by
a rename: an interrupted or corrupt download leaves nothing half-written.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from platformdirs import user_cache_dir

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://codeload.github.com"
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Repository:
    """A vendor's public rule repository at a pinned ref."""

    vendor: str
    slug: str
    ref: str
    #: Top-level folders that hold rules (and, for Splunk, macros).
    folders: tuple[str, ...]
    sha256: str = ""
    #: When set, only files with one of these folder names in their path are
    #: kept (Sentinel solutions hold much besides their analytic rules).
    rule_folders: tuple[str, ...] = ()

    def keeps(self, parts: tuple[str, ...]) -> bool:
        """Whether an archive member (path without the top folder) is kept."""
        if not parts or parts[0] not in self.folders:
            return False
        if not self.rule_folders or parts[0] == "Detections":
            return True
        return any(part in self.rule_folders for part in parts[1:])


#: The refs of the corpus snapshot rulescope is tested against. The Sentinel
#: snapshot is a verbatim single-commit copy of Azure/Azure-Sentinel (about
#: November 2023), whose own archive is too large to fetch whole.
REPOSITORIES: dict[str, Repository] = {
    "sigma": Repository(
        "sigma",
        "SigmaHQ/sigma",
        "8eaafff1f2845a696050e05e72ba1140ee190698",
        (
            "rules",
            "rules-emerging-threats",
            "rules-threat-hunting",
            "rules-placeholder",
            "rules-compliance",
        ),
    ),
    "elastic": Repository(
        "elastic",
        "elastic/detection-rules",
        "14cf530f0d2177023092449cd9d9348b4a8884c2",
        ("rules", "rules_building_block", "hunting"),
    ),
    "splunk": Repository(
        "splunk",
        "splunk/security_content",
        "b13b314aed0e1778335a55620474e7d27289a20a",
        ("detections", "macros", "data_sources"),
    ),
    "sentinel": Repository(
        "sentinel",
        "rajmahadevan/kql-lab",
        "656066a17113eb999563bb968a0607590bfdd7fa",
        ("Detections", "Solutions"),
        rule_folders=("Analytic Rules", "Analytical Rules"),
    ),
}


class FetchError(Exception):
    """A download that failed or did not verify; nothing was left behind."""


Progress = Callable[[int, int], None]


def cache_root() -> Path:
    """Where downloaded corpora are kept."""
    return Path(user_cache_dir("rulescope")) / "corpus"


def archive_url(repository: Repository, base_url: str | None = None) -> str:
    """The archive URL of ``repository`` under ``base_url``."""
    base = (
        base_url or os.environ.get("RULESCOPE_CORPUS_URL") or DEFAULT_BASE_URL
    ).rstrip("/")
    return f"{base}/{repository.slug}/tar.gz/{repository.ref}"


def fetch_repository(
    repository: Repository,
    cache: Path | None = None,
    base_url: str | None = None,
    progress: Progress | None = None,
) -> Path:
    """The local folder of ``repository``, downloading it if it is not cached."""
    cache = cache or cache_root()
    target = cache / f"{repository.vendor}-{repository.ref[:12]}"
    if target.is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    url = archive_url(repository, base_url)
    logger.info("downloading '%s'", url)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".fetch-") as scratch:
        archive = Path(scratch) / "archive.tar.gz"
        _download(url, archive, progress)
        _verify_digest(repository, archive)
        unpacked = Path(scratch) / "unpacked"
        _unpack(repository, archive, unpacked)
        os.replace(unpacked, target)
    return target


def _download(url: str, destination: Path, progress: Progress | None) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            expected = int(response.headers.get("Content-Length") or 0)
            received = _copy(response, destination, expected, progress)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise FetchError(f"download of '{url}' failed: {exc}") from exc
    if expected and received != expected:
        raise FetchError(
            f"download of '{url}' was cut short: {received:,} of {expected:,} bytes"
        )


def _copy(
    response: BinaryIO, destination: Path, expected: int, progress: Progress | None
) -> int:
    received = 0
    with destination.open("wb") as sink:
        while chunk := response.read(_CHUNK):
            sink.write(chunk)
            received += len(chunk)
            if progress is not None:
                progress(received, expected)
    return received


def _verify_digest(repository: Repository, archive: Path) -> None:
    if not repository.sha256:
        return
    digest = hashlib.sha256()
    with archive.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != repository.sha256:
        raise FetchError(
            f"the {repository.vendor} archive does not match its pinned SHA-256"
        )


def _unpack(repository: Repository, archive: Path, destination: Path) -> None:
    """Extract the rule folders, dropping the archive's top-level folder."""
    destination.mkdir()
    found: set[str] = set()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                parts = Path(member.name).parts[1:]
                if not repository.keeps(parts):
                    continue
                found.add(parts[0])
                member.name = str(Path(*parts))
                tar.extract(member, destination, filter="data")
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise FetchError(f"the {repository.vendor} archive is damaged: {exc}") from exc
    if not found:
        raise FetchError(
            f"the {repository.vendor} archive holds none of "
            + ", ".join(repository.folders)
        )


def fetch_all(
    vendors: list[str] | None = None,
    cache: Path | None = None,
    base_url: str | None = None,
) -> dict[str, Path]:
    """Every vendor's corpus folder, downloaded where missing."""
    chosen = vendors or list(REPOSITORIES)
    return {
        vendor: fetch_repository(REPOSITORIES[vendor], cache, base_url)
        for vendor in chosen
    }


def clear_cache(cache: Path | None = None) -> None:
    """Remove every downloaded corpus."""
    shutil.rmtree(cache or cache_root(), ignore_errors=True)
