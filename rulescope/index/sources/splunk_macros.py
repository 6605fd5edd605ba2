"""Splunk search macros: read from the corpus and expanded into a search.

A macro is called in backticks, ``` `name` ``` or ``` `name(a, b)` ```; its
definition replaces the call, with ``$arg$`` replaced by the call's
arguments, and is expanded again until no call is left. Triple-backtick
comments are removed. Macros the corpus does not hold are known and dropped,
not errors: the per-detection ``*_filter`` macros contentctl generates, and
the ones that come from Splunk ES and CIM apps (:data:`EXTERNAL_MACROS`).

The expansion remembers where each piece of its text came from, so an offset
in the expanded search maps back onto the search as written.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

logger = logging.getLogger(__name__)

#: Macros referenced by detections but defined outside this repository (Splunk
#: ES, the CIM app, the per-environment config); a call to one is dropped.
EXTERNAL_MACROS: Final = frozenset(
    {
        "drop_dm_object_name",
        "get_asset",
        "get_identity",
        "security_content_summariesonly",
        "security_content_ctime",
        "summariesonly_config",
        "oldsummaries_config",
        "fillnull_config",
        "comment",
    }
)
#: Suffix of the per-detection filter macros contentctl generates at build time.
FILTER_SUFFIX: Final = "_filter"

_MAX_DEPTH: Final = 12
_CALL = re.compile(r"\s*([\w.:-]+)\s*(?:\((.*)\))?\s*$", re.DOTALL)


class MacroError(Exception):
    """A macro call that cannot be expanded; ``offset`` is in the written search."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset


@dataclass(slots=True, frozen=True)
class Macro:
    """One macro definition from ``macros/*.yml``."""

    name: str
    definition: str
    arguments: tuple[str, ...] = ()


@dataclass(slots=True)
class Expansion:
    """An expanded search and the map from its offsets back to the written search."""

    text: str
    #: Sorted ``(expanded_start, written_start, written_end, literal)`` pieces.
    pieces: list[tuple[int, int, int, bool]] = field(default_factory=list)

    def written_offset(self, offset: int) -> int:
        """The offset in the written search that produced ``offset``."""
        starts = [piece[0] for piece in self.pieces]
        index = bisect_right(starts, offset) - 1
        if index < 0:
            return offset
        start, written_start, written_end, literal = self.pieces[index]
        if literal:
            return min(written_start + offset - start, written_end)
        return written_start


def load_macros(folder: Path) -> dict[str, Macro]:
    """Every macro under ``folder``, keyed by name; an unreadable file is skipped."""
    macros: dict[str, Macro] = {}
    for path in sorted(folder.glob("*.yml")):
        try:
            data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            logger.warning("macro file '%s' skipped: %s", path, exc)
            continue
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            continue
        arguments = tuple(str(arg) for arg in data.get("arguments") or ())
        macros[data["name"]] = Macro(
            data["name"], str(data.get("definition") or ""), arguments
        )
    logger.info("read %d splunk macros from '%s'", len(macros), folder)
    return macros


def is_known_external(name: str) -> bool:
    """Whether a macro missing from the corpus is one we know to drop."""
    return name in EXTERNAL_MACROS or name.endswith(FILTER_SUFFIX)


def expand(search: str, macros: dict[str, Macro]) -> Expansion:
    """Expand every macro call in ``search``; raises :class:`MacroError`."""
    expansion = Expansion("")
    parts: list[str] = []
    length = 0
    for start, end, is_call in _segments(search):
        written = search[start:end]
        if is_call:
            text = _expand_call(written, macros, 0, start)
            text = f" {text} " if text else " "
        else:
            text = written
        expansion.pieces.append((length, start, end, not is_call))
        parts.append(text)
        length += len(text)
    expansion.text = "".join(parts)
    return expansion


def _expand_text(text: str, macros: dict[str, Macro], depth: int, at: int) -> str:
    """Expand the calls inside a definition (positions all map to ``at``)."""
    parts = []
    for start, end, is_call in _segments(text):
        chunk = text[start:end]
        parts.append(
            f" {_expand_call(chunk, macros, depth, at)} " if is_call else chunk
        )
    return "".join(parts)


def _expand_call(call: str, macros: dict[str, Macro], depth: int, at: int) -> str:
    """The text one backtick call expands to; a known external macro is empty."""
    if call.startswith("```"):
        return ""
    if depth >= _MAX_DEPTH:
        raise MacroError(f"macro expansion deeper than {_MAX_DEPTH}", at)
    parsed = _CALL.match(call[1:-1])
    if parsed is None:
        raise MacroError(f"malformed macro call {call!r}", at)
    name, raw_args = parsed.group(1), parsed.group(2)
    macro = macros.get(name)
    if macro is None:
        if not is_known_external(name):
            logger.debug("macro '%s' is not in the corpus; dropped", name)
        return ""
    definition = macro.definition
    if macro.arguments:
        values = split_arguments(raw_args or "")
        if len(values) != len(macro.arguments):
            raise MacroError(
                f"macro '{name}' takes {len(macro.arguments)} argument(s), "
                f"got {len(values)}",
                at,
            )
        for argument, value in zip(macro.arguments, values, strict=True):
            definition = definition.replace(f"${argument}$", value)
    return _expand_text(definition, macros, depth + 1, at)


def split_arguments(text: str) -> list[str]:
    """Split macro arguments on commas outside quotes and parentheses."""
    if not text.strip():
        return []
    values, current, depth, quoted, index = [], [], 0, False, 0
    while index < len(text):
        char = text[index]
        if quoted and char == "\\" and index + 1 < len(text):
            current.append(text[index : index + 2])
            index += 2
            continue
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and char == ",":
            values.append("".join(current).strip())
            current = []
            index += 1
            continue
        current.append(char)
        index += 1
    values.append("".join(current).strip())
    return values


def _segments(text: str) -> list[tuple[int, int, bool]]:
    """Literal runs and backtick calls of ``text`` as ``(start, end, is_call)``.

    Backticks inside double quotes are literal (``replace(x, "`", "")``); a
    triple-backtick comment is a call that expands to nothing.
    """
    segments: list[tuple[int, int, bool]] = []
    literal_start, index, quoted = 0, 0, False
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == "`" and not quoted:
            end = _call_end(text, index)
            if literal_start < index:
                segments.append((literal_start, index, False))
            segments.append((index, end, True))
            literal_start = index = end
            continue
        index += 1
    if literal_start < len(text):
        segments.append((literal_start, len(text), False))
    return segments


def _call_end(text: str, start: int) -> int:
    """The offset just past the call or comment opened at ``start``."""
    if text.startswith("```", start):
        close = text.find("```", start + 3)
        if close < 0:
            raise MacroError("unterminated ``` comment", start)
        return close + 3
    close = text.find("`", start + 1)
    if close < 0:
        raise MacroError("unterminated macro call (missing closing backtick)", start)
    return close + 1
