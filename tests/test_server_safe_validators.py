"""SigmaHQ validators run in bounded time on what a rule author can type.

The stand-ins in ``rulescope.server.safe_validators`` replace validators that
backtrack or scan quadratically; these tests give them real corpus rules
made pathological and check both the time and that the findings are still
the ones SigmaHQ reports.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from rulescope.server.diagnostics import findings
from rulescope.server.document import parse_document
from rulescope.server.settings import Settings
from rulescope.server.validators import validator_classes

SCREENSAVER = (
    "rules/windows/process_creation/proc_creation_win_rundll32_installscreensaver.yml"
)
VULN_DRIVERS = "rules/windows/driver_load/driver_load_win_vuln_drivers.yml"


def _codes_within(text: str, uri: str, seconds: float) -> list[str]:
    """Full diagnostics codes, failing if the run takes longer than ``seconds``."""
    validator_classes()  # loading pySigma is not what is timed
    document = parse_document(uri, 1, text)
    codes: list[str] = []
    worker = threading.Thread(
        target=lambda: codes.extend(
            f.code for f in findings(document, None, Settings())
        ),
        daemon=True,
    )
    started = time.perf_counter()
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"diagnostics still running after {seconds} s"
    assert time.perf_counter() - started < seconds
    return codes


def test_ofselection_validator_pattern_does_not_backtrack(sigma_corpus: Path) -> None:
    """``1 of (a+)+b_*`` beside a 40-letter selection name is answered at once."""
    rule = (sigma_corpus / SCREENSAVER).read_text(encoding="utf-8")
    name = "a" * 40
    text = rule.replace(
        "    condition: all of selection_*",
        f"    {name}:\n        Image: x\n    condition: 1 of (a+)+b_*",
    )
    # Python's re needs about 2**40 steps here; RE2 answers in microseconds.
    codes = _codes_within(text, (sigma_corpus / SCREENSAVER).as_uri(), 2.0)
    assert "sigmahq_ofselection_condition" in codes


def test_duplicate_value_validator_is_linear(sigma_corpus: Path) -> None:
    """The largest corpus rule (4,400 hashes) runs fast; a repeated hash is flagged."""
    path = sigma_corpus / VULN_DRIVERS
    rule = path.read_text(encoding="utf-8")
    assert "sigmahq_field_duplicate_value" not in _codes_within(
        rule, path.as_uri(), 2.0
    )
    lines = rule.split("\n")
    first_hash = next(i for i, line in enumerate(lines) if "SHA256=" in line)
    lines.insert(first_hash, lines[first_hash])
    codes = _codes_within("\n".join(lines), path.as_uri(), 2.0)
    assert "sigmahq_field_duplicate_value" in codes
