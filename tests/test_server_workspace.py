"""Nothing from an opened folder runs: the server started inside a hostile workspace.

Editors start ``python -m rulescope serve`` with the workspace folder as the
working directory, and ``python -m`` puts that folder first on ``sys.path``.
The workspace here plants a pySigma validator plugin (``sigma/validators``,
a namespace package pySigma's autodiscovery walks) and a processing
pipeline; each writes a marker file if it is ever imported or read.
"""

from __future__ import annotations

import time
from pathlib import Path

from fuzz.rpc import RawServer

SCREENSAVER = (
    "rules/windows/process_creation/proc_creation_win_rundll32_installscreensaver.yml"
)
_PROBE = """
from pathlib import Path
Path({marker!r}).write_text("imported")
"""


def _hostile_workspace(root: Path, marker: Path) -> None:
    plugin = root / "sigma" / "validators"
    plugin.mkdir(parents=True)
    (plugin / "rulescope_probe.py").write_text(_PROBE.format(marker=str(marker)))
    pipelines = root / "sigma" / "pipelines" / "probe"
    pipelines.mkdir(parents=True)
    (pipelines / "__init__.py").write_text(_PROBE.format(marker=str(marker)))
    (root / "pipeline.yml").write_text(
        "name: probe\npriority: 10\ntransformations:\n"
        "  - type: field_name_mapping\n    mapping: {Image: probe}\n"
    )


def test_server_never_imports_plugins_from_the_workspace(
    tmp_path: Path, small_index: Path, sigma_corpus: Path
) -> None:
    """A validator plugin planted in the workspace is never imported."""
    workspace, marker = tmp_path / "workspace", tmp_path / "executed"
    _hostile_workspace(workspace, marker)
    rule = sigma_corpus / SCREENSAVER
    copy = workspace / "rules" / rule.name
    copy.parent.mkdir(parents=True)
    copy.write_text(rule.read_text(encoding="utf-8"), encoding="utf-8")

    server = RawServer(small_index, cwd=workspace)
    try:
        server.initialize(root=workspace)
        uri = copy.as_uri()
        item = {"uri": uri, "languageId": "yaml", "version": 1, "text": ""}
        # A rule without an id: the validators (loaded by autodiscovery) flag it.
        text = "\n".join(
            line for line in copy.read_text().splitlines() if not line.startswith("id:")
        )
        server.notify("textDocument/didOpen", {"textDocument": {**item, "text": text}})
        codes = _codes_until(server, uri, "identifier_existence", seconds=30)
        assert "identifier_existence" in codes
        assert not marker.exists(), "a module from the workspace was imported"
        assert server.call(2, "shutdown") == {"jsonrpc": "2.0", "id": 2, "result": None}
        server.notify("exit")
        assert server.wait_exit(10) == 0
    finally:
        server.kill()


def _codes_until(server: RawServer, uri: str, wanted: str, seconds: float) -> set[str]:
    """Codes published for ``uri`` until ``wanted`` shows or time runs out."""
    deadline, codes = time.monotonic() + seconds, set[str]()
    while time.monotonic() < deadline and wanted not in codes:
        message = server.messages.get(timeout=deadline - time.monotonic())
        if message.get("method") == "textDocument/publishDiagnostics":
            if message["params"]["uri"] == uri:
                codes = {d["code"] for d in message["params"]["diagnostics"]}
        elif "id" in message and "method" in message:
            server.from_server(message)
    return codes
