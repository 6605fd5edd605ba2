"""Regular expressions from rules, evaluated only with RE2 and a work budget.

Patterns come from files the author did not write (Sigma ``|re`` values, KQL
``matches regex``, SPL ``regex`` and ``match()``), so they are never given to
Python's backtracking ``re``. RE2 runs in time linear in the text, but the
constant grows with the compiled program: ``(\\w+\\s*){1,1000}x`` takes about a
second on 16 KB once RE2's DFA runs out of memory. So a search is refused when
program size times text length exceeds ``MAX_WORK`` (about 100 ms at worst).

API for callers (the server's checks and hovers)::

    compile_safe(pattern, flags=0) -> SafeRegex | None
        None when RE2 cannot run the pattern; ``unsupported_reason`` says why.
    unsupported_reason(pattern, flags=0) -> str | None
        e.g. "invalid perl operator: (?<!" for a lookbehind, None if supported.
    search(pattern, text, flags=0) -> bool | None
        True or False when the pattern was evaluated; None when it is
        unsupported or the text is too long for the work budget.
    SafeRegex.search(text) -> bool | None
        The same for a compiled pattern.

``flags`` takes ``re.IGNORECASE``, ``re.MULTILINE`` and ``re.DOTALL`` (any
other flag makes the pattern unsupported); ``SIGMA_MODIFIER_FLAGS`` maps
Sigma's ``|re|i``, ``|re|m`` and ``|re|s`` to them. Searching is unanchored,
as in Sigma, KQL and SPL. Known differences from PCRE: no lookaround, no
backreferences, no possessive quantifiers or atomic groups, no ``\\Z``
(all reported as unsupported), and ``\\d``, ``\\w``, ``\\b`` are ASCII-only.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import re2

#: Longest pattern compiled; a rule's longest in the corpus has 914 characters.
MAX_PATTERN_LENGTH = 10_000
#: RE2 program instructions times UTF-8 bytes of text allowed in one search;
#: the worst measured rate is ~4.5 ns per unit, so this bounds a search to
#: about 100 ms. The corpus's median program has 39 instructions.
MAX_WORK = 20_000_000
#: Sigma's regular-expression modifiers after ``|re``.
SIGMA_MODIFIER_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}

_INLINE_FLAGS = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s"}


@dataclass(frozen=True, slots=True)
class SafeRegex:
    """A pattern compiled by RE2, searched only within the work budget."""

    pattern: str
    flags: int
    _compiled: re2._Regexp[bytes]

    @property
    def program_size(self) -> int:
        """RE2's measure of the compiled pattern's size."""
        return int(self._compiled.programsize)

    def search(self, text: str) -> bool | None:
        """Whether the pattern occurs in ``text``; None if over the budget."""
        # Lone surrogates (from undecodable input) must not raise.
        data = text.encode("utf-8", "surrogatepass")
        if self.program_size * max(len(data), 1) > MAX_WORK:
            return None
        return self._compiled.search(data) is not None


@dataclass(frozen=True, slots=True)
class _Unsupported:
    reason: str


def compile_safe(pattern: str, flags: int = 0) -> SafeRegex | None:
    """The pattern compiled by RE2, or None when RE2 cannot run it."""
    compiled = _compile(pattern, flags)
    return compiled if isinstance(compiled, SafeRegex) else None


def unsupported_reason(pattern: str, flags: int = 0) -> str | None:
    """Why RE2 cannot run the pattern, or None if it can."""
    compiled = _compile(pattern, flags)
    return compiled.reason if isinstance(compiled, _Unsupported) else None


def search(pattern: str, text: str, flags: int = 0) -> bool | None:
    """Whether ``pattern`` occurs in ``text``; None if it cannot be evaluated."""
    compiled = compile_safe(pattern, flags)
    return None if compiled is None else compiled.search(text)


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str, flags: int) -> SafeRegex | _Unsupported:
    if len(pattern) > MAX_PATTERN_LENGTH:
        return _Unsupported(
            f"pattern of {len(pattern):,} characters, over {MAX_PATTERN_LENGTH:,}"
        )
    inline = ""
    for flag in re.RegexFlag(flags):
        if flag not in _INLINE_FLAGS:
            return _Unsupported(f"flag {flag.name} is not supported")
        inline += _INLINE_FLAGS[flag]
    options = re2.Options()
    options.log_errors = False  # RE2 would print every rejection to stderr
    try:
        source = f"(?{inline}){pattern}" if inline else pattern
        # Bytes on both sides; RE2 still reads them as UTF-8 (its default).
        compiled = re2.compile(source.encode("utf-8", "surrogatepass"), options)
    except re2.error as exc:
        return _Unsupported(_error_text(exc))
    return SafeRegex(pattern, flags, compiled)


def _error_text(exc: re2.error) -> str:
    """RE2's message as text (the binding gives it as bytes)."""
    message = exc.args[0] if exc.args else "rejected by RE2"
    if isinstance(message, bytes):
        return message.decode("utf-8", "replace")
    return str(message)
