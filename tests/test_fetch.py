"""Downloading the corpus: archives served on loopback, whole, cut short or damaged."""

from __future__ import annotations

import dataclasses
import http.server
import io
import os
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rulescope.index.fetch import REPOSITORIES, FetchError, fetch_repository

#: A few real rule files per vendor, served as each repository's archive.
SAMPLES = {
    "sigma": ["rules-placeholder", "rules-compliance"],
    "elastic": ["rules/windows/execution_command_shell_started_by_svchost.toml"],
    "splunk": [
        "detections/endpoint/detect_rundll32_application_control_bypass___advpack.yml",
        "macros/process_rundll32.yml",
    ],
    "sentinel": ["Detections/SecurityEvent/AADHealthMonAgentRegKeyAccess.yaml"],
}


def _archive(corpus: Path, vendor: str) -> bytes:
    """A gzip tarball laid out like the repository's archive at its ref."""
    top = f"{REPOSITORIES[vendor].slug.split('/')[1]}-{REPOSITORIES[vendor].ref}"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for relative in SAMPLES[vendor]:
            tar.add(corpus / vendor / relative, arcname=f"{top}/{relative}")
        tar.add(corpus / vendor / "LICENSE", arcname=f"{top}/LICENSE")
    return buffer.getvalue()


class _Handler(http.server.BaseHTTPRequestHandler):
    archives: dict[str, bytes] = {}
    mode = "whole"

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        body = self.archives.get(self.path)
        if body is None:
            self.send_error(404)
            return
        if self.mode == "damaged":
            middle = len(body) // 2
            body = body[:middle] + bytes(b ^ 0xFF for b in body[middle : middle + 64])
            body += self.archives[self.path][middle + 64 :]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if self.mode == "cut" else body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture()
def server(corpus: Path) -> Iterator[tuple[str, type[_Handler]]]:
    """A loopback server of the four repositories' archives."""
    handler = type("Handler", (_Handler,), {"mode": "whole"})
    handler.archives = {
        f"/{repo.slug}/tar.gz/{repo.ref}": _archive(corpus, vendor)
        for vendor, repo in REPOSITORIES.items()
    }
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def test_fetch_unpacks_rule_folders(
    server: tuple[str, type[_Handler]], tmp_path: Path
) -> None:
    """A whole archive is unpacked into the cache with its rule folders only."""
    url, _ = server
    folder = fetch_repository(REPOSITORIES["sigma"], tmp_path, url)
    assert sorted(p.name for p in folder.iterdir()) == [
        "rules-compliance",
        "rules-placeholder",
    ]
    assert list(folder.rglob("*.yml"))
    assert (
        fetch_repository(REPOSITORIES["sigma"], tmp_path, "http://127.0.0.1:9")
        == folder
    )


@pytest.mark.parametrize(
    ("mode", "message"), [("cut", "cut short"), ("damaged", "damaged")]
)
def test_fetch_failure_leaves_nothing(
    server: tuple[str, type[_Handler]], tmp_path: Path, mode: str, message: str
) -> None:
    """A download cut short or damaged is a clear error and leaves no files."""
    url, handler = server
    handler.mode = mode
    with pytest.raises(FetchError, match=message):
        fetch_repository(REPOSITORIES["splunk"], tmp_path, url)
    assert list(tmp_path.iterdir()) == []


def test_fetch_checks_pinned_digest(
    server: tuple[str, type[_Handler]], tmp_path: Path
) -> None:
    """An archive whose SHA-256 differs from the pinned one is refused."""
    url, _ = server
    pinned = dataclasses.replace(REPOSITORIES["elastic"], sha256="0" * 64)
    with pytest.raises(FetchError, match="SHA-256"):
        fetch_repository(pinned, tmp_path, url)
    assert list(tmp_path.iterdir()) == []


def test_cli_build_downloads_when_asked(
    server: tuple[str, type[_Handler]], tmp_path: Path
) -> None:
    """``index build --download`` fetches all four repositories and indexes them."""
    url, _ = server
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    index = tmp_path / "index.sqlite"
    result = subprocess.run(
        [sys.executable, "-m", "rulescope", "index", "build", "--download"]
        + ["--corpus-url", url, "--index", str(index)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    cached = sorted(
        p.name.split("-")[0] for p in (tmp_path / "cache/rulescope/corpus").iterdir()
    )
    assert cached == ["elastic", "sentinel", "sigma", "splunk"]
    assert index.is_file()
